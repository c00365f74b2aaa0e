/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-recipient-completion-private.h: what the tests need of a field's completion. */
#pragma once

#include "ep-outbox-worker.h"
#include "ep-recipient-completion.h"

G_BEGIN_DECLS

EpRecipientCompletion *ep_recipient_completion_get_for_entry (GtkEntry              *entry);
GtkPopover            *ep_recipient_completion_get_popover   (EpRecipientCompletion *self);
GtkListBox            *ep_recipient_completion_get_list      (EpRecipientCompletion *self);

G_END_DECLS
