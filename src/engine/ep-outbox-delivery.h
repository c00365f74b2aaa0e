/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-outbox-delivery.h: one outbox entry (or several over one connection) sent once: claimed, its stored bytes sent to the
 * recipients that do not have it yet, the outcome recorded, a delivered entry moved to Sent; and
 * when to try again after a temporary failure. Blocking: for a worker thread or epistle-send. */
#pragma once

#include <gio/gio.h>

#include "ep-message.h"
#include "ep-outbox-store.h"
#include "ep-profile.h"
#include "ep-sent-copy-status.h"
#include "ep-smtp-result.h"
#include "ep-smtp-session.h"

G_BEGIN_DECLS

/* ---- Retry policy ---------------------------------------------------------------------------- */

/**
 * EpOutboxRetryPolicy:
 * @first_delay: seconds before the first retry; each next one waits twice as long
 * @max_delay: seconds the wait grows to at most
 * @jitter: the fraction (0 … 1) by which a wait is shortened or lengthened at random, so that
 *   many entries failing together do not come back together
 * @max_attempts: attempts after which a temporary failure becomes permanent (0: no limit)
 * @max_age: seconds after the entry was queued after which it does (0: no limit)
 */
typedef struct
{
  guint  first_delay;
  guint  max_delay;
  double jitter;
  guint  max_attempts;
  guint  max_age;
} EpOutboxRetryPolicy;

void        ep_outbox_retry_policy_init_default (EpOutboxRetryPolicy       *policy);

/* When @entry (whose attempts include the one that just failed) is tried again, @random in
 * [0, 1) choosing the jitter; NULL when the policy gives up. */
GDateTime  *ep_outbox_retry_policy_next_attempt (const EpOutboxRetryPolicy *policy,
                                                 const EpOutboxEntry       *entry,
                                                 GDateTime                 *now,
                                                 double                     random);

/* ---- Adding a message ------------------------------------------------------------------------ */

/* Writes @message as it goes on the wire (attachments encoded now: the files may change or go
 * afterwards) into @store, with its envelope (the Bcc recipients included, @already_delivered
 * left out), @profile_id, @state (%EP_OUTBOX_STATE_QUEUED or %EP_OUTBOX_STATE_HELD) and
 * @not_before (NULL: now). The free disk space is checked first. Returns the new entry's id. */
char                   *ep_outbox_add_message_sync   (EpOutboxStore                 *store,
                                                      EpMessage                     *message,
                                                      const char                    *profile_id,
                                                      EpOutboxState                  state,
                                                      GDateTime                     *not_before,
                                                      const char * const            *already_delivered,
                                                      GCancellable                  *cancellable,
                                                      GError                       **error);

/* As ep_outbox_add_message_sync(), queued to go now with @hold_until: the server is asked to
 * keep the message until then (RFC 4865 FUTURERELEASE); should it not, the entry waits in the
 * outbox until @hold_until instead and goes then. */
char                   *ep_outbox_add_server_held_message_sync (EpOutboxStore       *store,
                                                                EpMessage           *message,
                                                                const char          *profile_id,
                                                                GDateTime           *hold_until,
                                                                const char * const  *already_delivered,
                                                                GCancellable        *cancellable,
                                                                GError             **error);

/* As ep_outbox_add_message_sync(), with @hold_until (nullable; as
 * ep_outbox_add_server_held_message_sync(), @state then QUEUED) and the delivery options in
 * @request (nullable: none), which every attempt applies (the Message-ID kept as the
 * notifications' envelope id). With @allow_8bit (ep_outbox_profile_allows_8bit()) an attached
 * message with 8-bit octets is kept as it is (message/rfc822, 8bit) rather than attached as a
 * file in base64; the entry then records that it needs 8BITMIME, and goes only to a server that
 * still offers it. */
char                   *ep_outbox_add_message_with_request_sync (EpOutboxStore               *store,
                                                                 EpMessage                   *message,
                                                                 const char                  *profile_id,
                                                                 EpOutboxState                state,
                                                                 GDateTime                   *not_before,
                                                                 GDateTime                   *hold_until,
                                                                 const EpSmtpDeliveryRequest *request,
                                                                 gboolean                     allow_8bit,
                                                                 const char * const          *already_delivered,
                                                                 GCancellable                *cancellable,
                                                                 GError                     **error);

/* Whether a message queued for @profile may keep 8-bit octets: only when its server was last
 * seen offering 8BITMIME (RFC 6152); never when that is not known. Reads the profile: call it
 * where the profile lives (the main thread in the app), and pass the answer on. */
gboolean                ep_outbox_profile_allows_8bit (EpProfile                     *profile);

/* ---- One delivery attempt -------------------------------------------------------------------- */

typedef struct
{
  /* Where delivered messages are copied (NULL: the default Sent store). */
  const char          *sent_dir;
  /* A secret given for this attempt (typed, or read from a file); NULL: the keyring's. */
  const char          *secret;
  /* The IMAP server's own password for this attempt, for a profile with imap-own-password
   * (typed, or read from a file); NULL: the keyring's. */
  const char          *imap_secret;
  /* Built-in sign-in: the application's client ID and secret (EpProfileConfigRequest). */
  const char          *oauth_client_id;
  const char          *oauth_client_secret;
  /* Whether recipients refused at RCPT TO let the others have it (else none gets it, and the
   * entry fails so that the person can correct the address). */
  gboolean             allow_partial;
  const EpOutboxRetryPolicy *policy;
  /* NULL: the real time. Tests pass their own clock. */
  GDateTime         *(*now) (gpointer clock_data);
  gpointer             clock_data;
  /* NULL: g_random_double(). */
  double             (*random) (gpointer clock_data);
  EpSmtpProgressFunc   progress;
  gpointer             progress_data;
  /* No copy in the server's Sent folder, even when the profile makes one (--no-sent-copy). */
  gboolean             no_sent_copy;
} EpOutboxDeliveryOptions;

/**
 * EpOutboxDeliveryReport:
 * @state: the entry's state after the attempt (%EP_OUTBOX_STATE_DELIVERED: it is in Sent now and
 *   gone from the outbox, unless @sent_error says why no copy could be kept: then it stays in the
 *   outbox, delivered, so that the message is not lost)
 * @result: (nullable): the SMTP session's result (NULL when no session started)
 * @error: (nullable): why it was not delivered to everyone
 * @next_attempt: (nullable): when it is tried again (queued or partial)
 * @sent_id: (nullable): the Sent store entry, once delivered (partially included)
 * @sent_error: (nullable): why no Sent copy could be kept (the delivery itself happened)
 * @copy_tried: whether a copy in the server's Sent folder was tried (the profile makes one,
 *   and the message is in the Sent store)
 * @copy_uploaded: the copy is in the server's Sent folder (uploaded now, or found there)
 * @copy_mailbox: (nullable): the server's Sent folder, as the server names it
 * @copy_error: (nullable): why it is not (EP_IMAP_ERROR_*, with the server's words): the
 *   delivery itself happened and is never repeated for it
 * @copy_next_attempt: (nullable): when the upload is tried again
 *   (ep_outbox_retry_sent_copy_sync()); NULL when it will not be
 */
typedef struct
{
  EpOutboxState  state;
  EpSmtpResult  *result;
  GError        *error;
  GDateTime     *next_attempt;
  char          *sent_id;
  GError        *sent_error;
  gboolean       copy_tried;
  gboolean       copy_uploaded;
  char          *copy_mailbox;
  GError        *copy_error;
  GDateTime     *copy_next_attempt;
} EpOutboxDeliveryReport;

/* Claims @id and sends it with @profile. An entry with a hold-until time still ahead asks the
 * server to hold it; when the server will not (its EHLO reply no longer offers FUTURERELEASE or
 * its limits do not reach that far, or it refuses the sender with that request), nothing is
 * sent: the entry is queued for its hold-until time without it, with @last_error saying so. An
 * entry whose bytes need 8BITMIME goes with BODY=8BITMIME; a server that no longer offers it
 * gets nothing, and the entry fails (EP_SMTP_ERROR_8BITMIME_UNSUPPORTED): only a new message,
 * made for what the server offers now, can go. What
 * the server offered is in the report's result (ep_profile_learn_capabilities() keeps it on
 * the profile). Returns NULL (with @error) only when nothing was tried: the entry is claimed
 * elsewhere (EP_STORE_ERROR_BUSY), not due or gone, or the profile's secret
 * is missing (the entry is left as it was, so that the caller can ask for it and try again).
 * Otherwise a report, whatever the outcome. */
EpOutboxDeliveryReport *ep_outbox_deliver_sync       (EpOutboxStore                 *store,
                                                      const char                    *id,
                                                      EpProfile                     *profile,
                                                      const EpOutboxDeliveryOptions *options,
                                                      GCancellable                  *cancellable,
                                                      GError                       **error);
void                    ep_outbox_delivery_report_free (EpOutboxDeliveryReport      *report);

/* ---- Several entries over one connection ----------------------------------------------------- */

/* Called once for each entry of a batch, in order: @report (transfer full) as
 * ep_outbox_deliver_sync() returns it, or NULL with @error when the entry was not tried. */
typedef void (*EpOutboxDeliveredFunc) (const char              *id,
                                       EpOutboxDeliveryReport  *report,
                                       const GError            *error,
                                       gpointer                 user_data);

/* ep_outbox_deliver_sync() for each of @ids (all to be sent with @profile), over one SMTP
 * connection while the server keeps it open. Each entry is claimed just before its own
 * transaction, so that an entry claimed elsewhere, or no longer due, is skipped (and two
 * senders working through one outbox take turns). Each gets its own report, transcript (the
 * connection's opening, then its transaction) and Sent copy. When the server ends the
 * connection between messages (421, or hanging up), the entries left are not tried: they stay
 * as they were, without an attempt counted. */
void                    ep_outbox_deliver_batch_sync (EpOutboxStore                 *store,
                                                      const char * const            *ids,
                                                      EpProfile                     *profile,
                                                      const EpOutboxDeliveryOptions *options,
                                                      EpOutboxDeliveredFunc          func,
                                                      gpointer                       user_data,
                                                      GCancellable                  *cancellable);

/* ---- The copy in the Sent folder, tried again ------------------------------------------------ */

/* A failed upload of the copy in the server's Sent folder is kept with the Sent store entry
 * (EpSentCopyStatus, "pending" with its next time on the outbox's backoff, or "failed" with
 * the server's words); the message itself is never sent again for it. */

/* The Sent store entries (EpSentInfo, newest first) of @sent_dir (NULL: the default) whose copy
 * is due at @now. */
GPtrArray              *ep_outbox_list_sent_copies_due (const char                  *sent_dir,
                                                        GDateTime                   *now);
/* When the next pending copy is due; NULL when none is pending. */
GDateTime              *ep_outbox_next_sent_copy_time  (const char                  *sent_dir);
/* After the person chose the Sent folder of @profile_id's IMAP server: the copies of its Sent
 * entries that failed because the server had several (choose-folder) are pending again, due at
 * @now (NULL: now). Returns how many; a status that cannot be written is left as it was. */
guint                   ep_outbox_requeue_sent_copies  (const char                  *sent_dir,
                                                        const char                  *profile_id,
                                                        GDateTime                   *now);
/* One more upload of Sent entry @sent_id with @profile (options: sent_dir, secret, policy,
 * clock), looking for its Message-ID first so that no second copy is made. Returns the status
 * as recorded (done, pending with its next time, failed); NULL with @error when nothing was
 * tried: no copy is waiting or due (EP_STORE_ERROR_NOT_FOUND), another process is uploading it
 * (EP_STORE_ERROR_BUSY), the secret is missing, or cancelled. */
EpSentCopyStatus       *ep_outbox_retry_sent_copy_sync (const char                    *sent_id,
                                                        EpProfile                     *profile,
                                                        const EpOutboxDeliveryOptions *options,
                                                        GCancellable                  *cancellable,
                                                        GError                       **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (EpOutboxDeliveryReport, ep_outbox_delivery_report_free)

G_END_DECLS
