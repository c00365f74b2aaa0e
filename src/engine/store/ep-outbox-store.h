/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-outbox-store.h: messages waiting to be sent, each taken by one sender at a time. */
#pragma once

#include <gio/gio.h>

#include "ep-outbox-entry.h"

G_BEGIN_DECLS

/* Kept free beyond the message itself: the metadata and the transcripts of its attempts. */
#define EP_OUTBOX_SPACE_RESERVE (1024 * 1024)

typedef struct _EpOutboxWriter EpOutboxWriter;

GOutputStream       *ep_outbox_writer_get_output_stream (EpOutboxWriter  *self);
gboolean             ep_outbox_writer_commit            (EpOutboxWriter  *self,
                                                         EpOutboxEntry   *entry,
                                                         GError         **error);
void                 ep_outbox_writer_free              (EpOutboxWriter  *self);

typedef struct _EpOutboxClaim EpOutboxClaim;

const EpOutboxEntry *ep_outbox_claim_get_entry           (EpOutboxClaim        *self);
GInputStream        *ep_outbox_claim_open_message        (EpOutboxClaim        *self,
                                                          GCancellable         *cancellable,
                                                          GError              **error);
gboolean             ep_outbox_claim_set_recipient_state (EpOutboxClaim        *self,
                                                          const char           *address,
                                                          EpSmtpRecipientState  state,
                                                          GError              **error);
gboolean             ep_outbox_claim_mark_data_sent      (EpOutboxClaim        *self,
                                                          GError              **error);
void                 ep_outbox_claim_drop_hold           (EpOutboxClaim        *self);
gboolean             ep_outbox_claim_finish              (EpOutboxClaim        *self,
                                                          EpOutboxState         state,
                                                          GDateTime            *not_before,
                                                          EpOutboxAttempt      *attempt,
                                                          const char           *transcript,
                                                          const char           *last_error,
                                                          GError              **error);
gboolean             ep_outbox_claim_release             (EpOutboxClaim        *self,
                                                          GError              **error);
gboolean             ep_outbox_claim_delete              (EpOutboxClaim        *self,
                                                          GError              **error);
void                 ep_outbox_claim_free                (EpOutboxClaim        *self);

#define EP_TYPE_OUTBOX_STORE (ep_outbox_store_get_type ())
G_DECLARE_FINAL_TYPE (EpOutboxStore, ep_outbox_store, EP, OUTBOX_STORE, GObject)

EpOutboxStore  *ep_outbox_store_new              (const char      *outbox_dir);
const char     *ep_outbox_store_get_dir          (EpOutboxStore   *self);

EpOutboxWriter *ep_outbox_store_begin            (EpOutboxStore   *self,
                                                  guint64          expected_size,
                                                  GError         **error);
gboolean        ep_outbox_store_add              (EpOutboxStore   *self,
                                                  EpOutboxEntry   *entry,
                                                  GInputStream    *message,
                                                  guint64          expected_size,
                                                  GCancellable    *cancellable,
                                                  GError         **error);

EpOutboxEntry  *ep_outbox_store_load             (EpOutboxStore   *self,
                                                  const char      *id,
                                                  GError         **error);
GPtrArray      *ep_outbox_store_list             (EpOutboxStore   *self,
                                                  GPtrArray      **out_problems,
                                                  GError         **error);
GPtrArray      *ep_outbox_store_list_due         (EpOutboxStore   *self,
                                                  GDateTime       *now,
                                                  GPtrArray      **out_problems,
                                                  GError         **error);

EpOutboxClaim  *ep_outbox_store_claim            (EpOutboxStore   *self,
                                                  const char      *id,
                                                  GDateTime       *now,
                                                  GError         **error);
gboolean        ep_outbox_store_queue            (EpOutboxStore   *self,
                                                  const char      *id,
                                                  GDateTime       *not_before,
                                                  GError         **error);
gboolean        ep_outbox_store_hold             (EpOutboxStore   *self,
                                                  const char      *id,
                                                  GDateTime       *until,
                                                  GError         **error);
gboolean        ep_outbox_store_mark_delivered   (EpOutboxStore   *self,
                                                  const char      *id,
                                                  GError         **error);
gboolean        ep_outbox_store_delete           (EpOutboxStore   *self,
                                                  const char      *id,
                                                  GError         **error);

char           *ep_outbox_store_dup_message_path (EpOutboxStore   *self,
                                                  const char      *id);
GInputStream   *ep_outbox_store_open_message     (EpOutboxStore   *self,
                                                  const char      *id,
                                                  GCancellable    *cancellable,
                                                  GError         **error);
char           *ep_outbox_store_load_transcript  (EpOutboxStore   *self,
                                                  const char      *id,
                                                  guint            attempt,
                                                  GError         **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (EpOutboxWriter, ep_outbox_writer_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (EpOutboxClaim, ep_outbox_claim_free)

G_END_DECLS
