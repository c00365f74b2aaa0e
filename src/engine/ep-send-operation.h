/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-send-operation.h: one message sent with one profile: password, Sandbox, SMTP session, Sent copy. */
#pragma once

#include <gio/gio.h>

#include "ep-message.h"
#include "ep-outbox-delivery.h"
#include "ep-outbox-store.h"
#include "ep-profile.h"
#include "ep-smtp-result.h"
#include "ep-smtp-session.h"

G_BEGIN_DECLS

#define EP_TYPE_SEND_OPERATION (ep_send_operation_get_type ())
G_DECLARE_FINAL_TYPE (EpSendOperation, ep_send_operation, EP, SEND_OPERATION, GObject)

EpSendOperation *ep_send_operation_new               (EpProfile        *profile,
                                                      EpMessage        *message);
/* One attempt at outbox entry @id (ep_outbox_deliver_sync()): the same progress, and
 * run_finish() returns the session's result and error the same way. */
EpSendOperation *ep_send_operation_new_for_outbox    (EpProfile        *profile,
                                                      EpOutboxStore    *store,
                                                      const char       *id);
/* For an outbox attempt: when to try again after a temporary failure (the defaults otherwise). */
void             ep_send_operation_set_retry_policy  (EpSendOperation           *self,
                                                      const EpOutboxRetryPolicy *policy);
/* After run_finish() of an outbox attempt: what happened to the entry; NULL when nothing was
 * tried (claimed elsewhere, not due, gone, or the secret is missing: the entry is untouched). */
const EpOutboxDeliveryReport *ep_send_operation_get_outbox_report (EpSendOperation *self);
/* A password typed at send time (no keyring); otherwise it comes from the Secret Service. */
void             ep_send_operation_set_password      (EpSendOperation  *self,
                                                      const char       *password);
void             ep_send_operation_set_allow_partial (EpSendOperation  *self,
                                                      gboolean          allow_partial);
/* Recipients that already have this message (an earlier partial delivery): the envelope leaves
 * them out, whatever the header fields say. */
void             ep_send_operation_set_already_delivered (EpSendOperation    *self,
                                                          const char * const *addresses);
/* Built-in sign-in: the application's client ID for the profile's provider (and its secret;
 * both nullable), used unless the profile has its own (EpProfileConfigRequest). */
void             ep_send_operation_set_oauth_client  (EpSendOperation  *self,
                                                      const char       *client_id,
                                                      const char       *client_secret);
/* Where Sent copies go (NULL: the default store). */
void             ep_send_operation_set_sent_dir      (EpSendOperation  *self,
                                                      const char       *sent_dir);
void             ep_send_operation_run_async         (EpSendOperation  *self,
                                                      GCancellable     *cancellable,
                                                      GAsyncReadyCallback callback,
                                                      gpointer          user_data);
/* The session's result, also on failure (NULL only when no session started, e.g. a missing
 * password or an unreadable attachment); @error is set whenever the message did not reach every
 * recipient: with an EP_SMTP_OUTCOME_PARTIAL result some have it (and a Sent copy was kept). */
EpSmtpResult    *ep_send_operation_run_finish        (EpSendOperation  *self,
                                                      GAsyncResult     *result,
                                                      GError          **error);

EpSmtpStage      ep_send_operation_get_stage         (EpSendOperation  *self);
double           ep_send_operation_get_fraction      (EpSendOperation  *self);
guint64          ep_send_operation_get_bytes_sent    (EpSendOperation  *self);
guint64          ep_send_operation_get_bytes_total   (EpSendOperation  *self);
const char      *ep_send_operation_get_status_text   (EpSendOperation  *self);
/* After a delivery, a partial one included: the Sent store entry (NULL when keeping the copy
 * failed, see below). */
const char      *ep_send_operation_get_sent_id       (EpSendOperation  *self);
/* After a delivery, a partial one included: why no Sent copy could be kept (the delivery
 * itself happened). */
const GError    *ep_send_operation_get_sent_error    (EpSendOperation  *self);

G_END_DECLS
