/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-outbox-draft.h: an outbox entry turned back into a draft (Edit, Keep as Draft): the stored
 * message read with the engine's MIME parser, its attachments decoded to files the draft owns. */
#pragma once

#include <gio/gio.h>

#include "ep-draft-store.h"
#include "ep-outbox-store.h"

G_BEGIN_DECLS

EpDraft *ep_outbox_draft_from_entry (EpOutboxStore        *store,
                                     const EpOutboxEntry  *entry,
                                     GError              **error);
char    *ep_outbox_draft_take       (EpOutboxStore        *store,
                                     EpDraftStore         *drafts,
                                     const char           *id,
                                     GError              **error);
void     ep_outbox_draft_release    (EpDraft              *draft);
/* The stored message's Subject (decoded), read from its head only; NULL when it has none. */
char    *ep_outbox_draft_dup_subject (EpOutboxStore       *store,
                                      const char          *id);

G_END_DECLS
