/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-smtp-session.h: one SMTP submission, from connect to QUIT, several over one connection
 * (EpSmtpSession), and the connection test (blocking calls, for a worker thread). */
#pragma once

#include <gio/gio.h>

#include "ep-smtp-config.h"
#include "ep-smtp-error.h"
#include "ep-smtp-result.h"
#include "ep-smtp-transcript.h"

G_BEGIN_DECLS

/* From the MIME engine (ep-message.h). */
typedef struct _EpMessage EpMessage;

typedef enum {
  EP_SMTP_STAGE_CONNECTING,  /* DNS, TCP, greeting, EHLO */
  EP_SMTP_STAGE_TLS,         /* STARTTLS or the implicit-TLS handshake */
  EP_SMTP_STAGE_AUTH,
  EP_SMTP_STAGE_SENDING,     /* envelope and body; bytes count up to total */
  EP_SMTP_STAGE_WAITING,     /* for the reply after the end of data */
  EP_SMTP_STAGE_DONE,        /* final; sent once per message: after QUIT for a single send,
                              * after its transaction in an EpSmtpSession */
} EpSmtpStage;

/* @bytes_total is the message size (0 while unknown). Called on the thread that runs the session;
 * EpSendOperation hands it on to its caller's main context. */
typedef void (*EpSmtpProgressFunc) (EpSmtpStage stage,
                                    guint64     bytes_sent,
                                    guint64     bytes_total,
                                    gpointer    user_data);

/* Sends @message (prepared with ep_mime_writer_prepare inside), or the prebuilt message @raw as it is
 * (CRLF-normalised and dot-stuffed on the wire) when @raw is given.
 * The envelope is the message's unless the overrides are given (required with @raw).
 *
 * Returns: (transfer full): a result, ALWAYS (also on failure, so that per-recipient details, the
 * certificate and the transcript can be shown); @error is set whenever the outcome is not
 * EP_SMTP_OUTCOME_DELIVERED. With allow_partial, a delivery to some recipients is DELIVERED
 * without error; the refused ones are in the result. NULL only for programmer errors. */
EpSmtpResult *ep_smtp_send_sync   (const EpSmtpConfig  *config,
                                   EpMessage           *message,
                                   GInputStream        *raw,
                                   const char          *envelope_from_override,
                                   const char * const  *envelope_rcpts_override,
                                   EpSmtpTranscript    *transcript,
                                   EpSmtpProgressFunc   progress,
                                   gpointer             progress_data,
                                   GCancellable        *cancellable,
                                   GError             **error);

/* ---- Sending with options -------------------------------------------------------------------- */

/* Called on the session's thread just before the end of a message's data goes out (the final
 * "CRLF.CRLF" after DATA, or the BDAT LAST chunk), once per transaction: from then on the server
 * may have the message. Returning FALSE (with @error) aborts the session without ending the
 * data, so that nothing is delivered; the outcome is then EP_SMTP_OUTCOME_TEMPORARY. */
typedef gboolean (*EpSmtpDataEndFunc) (gpointer   user_data,
                                       GError   **error);

/* Delivery status notifications asked of the server (RFC 3461 §4.1: NOTIFY on each RCPT). NONE
 * asks for nothing, so that the server does what it always does (report failures). NEVER stands
 * alone; the others combine. */
typedef enum {
  EP_SMTP_DSN_NONE    = 0,
  EP_SMTP_DSN_NEVER   = 1 << 0,
  EP_SMTP_DSN_SUCCESS = 1 << 1,
  EP_SMTP_DSN_FAILURE = 1 << 2,
  EP_SMTP_DSN_DELAY   = 1 << 3,
} EpSmtpDsnNotify;

/* How much of the message a notification returns (RFC 3461 §4.3: RET on MAIL). */
typedef enum {
  EP_SMTP_DSN_RET_HDRS,  /* the headers only: the default, as a notification should be small */
  EP_SMTP_DSN_RET_FULL,
} EpSmtpDsnRet;

/* Whether the message must travel over TLS all the way (RFC 8689 REQUIRETLS on MAIL). */
typedef enum {
  EP_SMTP_REQUIRE_TLS_OFF,
  EP_SMTP_REQUIRE_TLS_ON,         /* a server without REQUIRETLS: fails before MAIL */
  EP_SMTP_REQUIRE_TLS_IF_OFFERED, /* a server without REQUIRETLS: sent without it */
} EpSmtpRequireTls;

/* The delivery options a message keeps until it goes (outbox entries, drafts); all zero: none. */
typedef struct {
  EpSmtpDsnNotify  dsn_notify;
  EpSmtpDsnRet     dsn_ret;
  EpSmtpRequireTls require_tls;
} EpSmtpDeliveryRequest;

/* "success,failure,delay" or "never" (case-insensitive, in any order); FALSE for anything else,
 * NEVER with another or an empty list. */
gboolean      ep_smtp_dsn_notify_parse     (const char      *text,
                                            EpSmtpDsnNotify *out_notify);
/* "SUCCESS,FAILURE,DELAY", "NEVER", or NULL for NONE: the NOTIFY value (RFC 3461 §4.1). */
char         *ep_smtp_dsn_notify_to_string (EpSmtpDsnNotify  notify);
/* RFC 3461 §4: octets outside "!".."~", and "+" and "=", as "+XX". */
char         *ep_smtp_xtext_encode         (const char      *text);

/* What ep_smtp_send_sync() takes beyond the message, plus what only some callers need. */
typedef struct {
  /* The envelope (NULL: the message's; both required with raw input). */
  const char          *envelope_from;
  const char * const  *envelope_rcpts;
  EpSmtpTranscript    *transcript;
  EpSmtpProgressFunc   progress;
  gpointer             progress_data;
  EpSmtpDataEndFunc    before_data_end;
  gpointer             before_data_end_data;
  /* Ask the server to keep the message until then (RFC 4865 FUTURERELEASE: HOLDUNTIL= on MAIL).
   * A server that does not offer it, or not that far ahead, gets nothing: the session fails
   * before MAIL with EP_SMTP_ERROR_INVALID_CONFIG, so that the caller can keep the message and
   * send it at that time itself. NULL: released at once. */
  GDateTime           *hold_until;
  /* Delivery status notifications (RFC 3461): NOTIFY on each RCPT (with ORCPT), RET and ENVID
   * on MAIL. A server that does not offer DSN gets nothing: the session fails before MAIL with
   * EP_SMTP_ERROR_DSN_UNSUPPORTED, since sending without them would silently drop the request.
   * @dsn_envid: NULL for the message's Message-ID (none with raw input). */
  EpSmtpDsnNotify      dsn_notify;
  EpSmtpDsnRet         dsn_ret;
  const char          *dsn_envid;
  /* RFC 8689: REQUIRETLS on MAIL. Only a server reached over TLS may offer it (§4.1). */
  EpSmtpRequireTls     require_tls;
  /* Raw input only: its bytes carry 8-bit octets labelled 8bit (an attached message kept as it
   * is), so they may go only with BODY=8BITMIME (RFC 6152 §3). A server that does not offer
   * 8BITMIME gets nothing: the session fails before MAIL with
   * EP_SMTP_ERROR_8BITMIME_UNSUPPORTED, since the bytes cannot be made 7-bit any more. Unset,
   * raw input is declared 8BITMIME to a server that offers it and goes to any other as well. */
  gboolean             raw_needs_8bitmime;
} EpSmtpSendOptions;

/* As ep_smtp_send_sync(), with @options (NULL: none). */
EpSmtpResult *ep_smtp_send_with_options_sync (const EpSmtpConfig      *config,
                                              EpMessage               *message,
                                              GInputStream            *raw,
                                              const EpSmtpSendOptions *options,
                                              GCancellable            *cancellable,
                                              GError                 **error);

/* ---- A session for several messages ---------------------------------------------------------- */

/* One connection that sends several messages, each in its own MAIL transaction (RFC 5321 §3.3),
 * opened exactly as ep_smtp_send_with_options_sync() opens its own: the same checks, TLS and
 * AUTH. Blocking, for one thread at a time. */
typedef struct _EpSmtpSession EpSmtpSession;

/* Connects, reads the greeting, says EHLO, starts TLS and authenticates. @config must outlive
 * the session. @transcript (nullable) receives the opening; each message's transcript starts
 * with a copy of it. Returns NULL on failure (@error set); @out_result (nullable) receives the
 * opening's result, on failure too (its outcome says whether trying later may help). */
EpSmtpSession *ep_smtp_session_open_sync  (const EpSmtpConfig       *config,
                                           EpSmtpTranscript         *transcript,
                                           EpSmtpProgressFunc        progress,
                                           gpointer                  progress_data,
                                           GCancellable             *cancellable,
                                           EpSmtpResult            **out_result,
                                           GError                  **error);

/* Sends one message as ep_smtp_send_with_options_sync() would (same arguments; @options'
 * transcript, nullable, gets the opening and then this transaction). After a transaction that
 * failed midway RSET follows; a failure that leaves the dialogue out of step ends the session.
 *
 * Returns: (transfer full) (nullable): the message's result, with @error set unless delivered;
 * NULL (with @error) when the message was not tried at all: the session had ended, or the
 * server closed it or answered 421 before taking this message's MAIL. Then nothing of it
 * reached the server and no attempt should be counted. */
EpSmtpResult  *ep_smtp_session_send_sync  (EpSmtpSession            *session,
                                           EpMessage                *message,
                                           GInputStream             *raw,
                                           const EpSmtpSendOptions  *options,
                                           GError                  **error);

/* Whether the session can still take a message. */
gboolean       ep_smtp_session_is_open    (EpSmtpSession            *session);

/* QUIT (when the dialogue is in step) and frees @session. */
void           ep_smtp_session_close      (EpSmtpSession            *session);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (EpSmtpSession, ep_smtp_session_close)

/* The envelope a send computes from @sender and @rcpts: every address checked against the RFC
 * 5321 path grammar, domains as A-labels, duplicate recipients dropped (the first kept). An
 * empty @sender is the null reverse-path. @out_needs_smtputf8 (nullable): whether a local part
 * is not ASCII. */
gboolean      ep_smtp_envelope_build         (const char              *sender,
                                              const char * const      *rcpts,
                                              char                   **out_sender,
                                              GStrv                   *out_rcpts,
                                              gboolean                *out_needs_smtputf8,
                                              GError                 **error);

/* ---- Test connection: greeting → EHLO → TLS → EHLO → AUTH → QUIT, no mail sent. -------------- */

typedef enum {
  EP_SMTP_TEST_STEP_CONNECT,
  EP_SMTP_TEST_STEP_GREETING,
  EP_SMTP_TEST_STEP_EHLO,
  EP_SMTP_TEST_STEP_TLS,
  EP_SMTP_TEST_STEP_EHLO_TLS,   /* EHLO again after STARTTLS */
  EP_SMTP_TEST_STEP_AUTH,
  EP_SMTP_TEST_STEP_QUIT,
} EpSmtpTestStep;

typedef enum {
  EP_SMTP_TEST_STATUS_STARTED,
  EP_SMTP_TEST_STATUS_OK,
  EP_SMTP_TEST_STATUS_SKIPPED,  /* e.g. AUTH without credentials, TLS in none mode */
  EP_SMTP_TEST_STATUS_FAILED,
} EpSmtpTestStatus;

/* @detail: the server's reply or what we found ("TLS 1.3, TLS_AES_256_GCM_SHA384"); nullable. */
typedef void (*EpSmtpTestStepFunc) (EpSmtpTestStep    step,
                                    EpSmtpTestStatus  status,
                                    const char       *detail,
                                    gpointer          user_data);

/* Returns a result always (outcome DELIVERED means "every step passed"), with the capabilities and
 * TLS information; @error set when a step failed. */
EpSmtpResult *ep_smtp_test_connection_sync (const EpSmtpConfig *config,
                                            EpSmtpTranscript   *transcript,
                                            EpSmtpTestStepFunc  step_func,
                                            gpointer            step_data,
                                            GCancellable       *cancellable,
                                            GError            **error);

const char   *ep_smtp_stage_to_string      (EpSmtpStage stage);

G_END_DECLS
