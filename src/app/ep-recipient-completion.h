/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-recipient-completion.h: completes the address being typed in a To, Cc or Bcc field from
 * the addresses the person sent to (EpRecipientIndex), in a popover under the field. */
#pragma once

#include <gtk/gtk.h>

#include "ep-recipient-index.h"

G_BEGIN_DECLS

#define EP_TYPE_RECIPIENT_COMPLETION (ep_recipient_completion_get_type ())
G_DECLARE_FINAL_TYPE (EpRecipientCompletion, ep_recipient_completion, EP, RECIPIENT_COMPLETION, GObject)

/* How many addresses the popover offers at most. */
#define EP_RECIPIENT_COMPLETION_MAX_ROWS 8

/* Completion for @entry, living as long as the entry (the caller keeps no reference). */
void              ep_recipient_completion_attach          (GtkEntry     *entry);

/* The application's index, made and filled (off the main thread) at the first call, then kept
 * up to date after each delivery of the Outbox. */
EpRecipientIndex *ep_recipient_completion_get_index       (GApplication *application);

G_END_DECLS
