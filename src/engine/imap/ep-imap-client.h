/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-imap-client.h: the engine's IMAP client, only what a copy in the Sent folder needs: sign
 * in, find the Sent folder, upload a message's exact bytes (APPEND), and check for a copy an
 * earlier try may have left. Each call is one synchronous session (connect, TLS, sign-in, the
 * work, LOGOUT), meant for a worker thread, bounded by the configured timeout and @cancellable.
 *
 * What it holds to:
 * - TLS and certificates exactly as for SMTP (the same code): implicit TLS, or STARTTLS that is
 *   required and never skipped (no STARTTLS capability, a refusal, a PREAUTH greeting or bytes
 *   injected after the server's OK all fail the session before anything else is sent).
 * - Credentials only over TLS: AUTHENTICATE (SCRAM-SHA-256, SCRAM-SHA-1, CRAM-MD5, PLAIN, LOGIN;
 *   OAUTHBEARER, XOAUTH2 with a token) with SASL-IR when offered, else the LOGIN command unless
 *   LOGINDISABLED. Secrets and SASL exchanges are "[redacted]" in the transcript.
 * - The Sent folder: the configured one, else the single mailbox with the \Sent attribute
 *   (RFC 6154), else the single one of "Sent", "Sent Messages", "Sent Items", "INBOX.Sent"
 *   (INBOX and its delimiter as the server has them). Several candidates are an error
 *   (EP_IMAP_ERROR_SENT_FOLDER_AMBIGUOUS) with the candidates in the result, for the person to
 *   choose one (then EpImapConfig.sent_mailbox).
 * - The upload: APPEND with (\Seen), the date, and the message as one literal, non-synchronizing
 *   with LITERAL+ (or LITERAL- up to 4096 octets, RFC 7888), else after the server's "+".
 *   APPENDUID (RFC 4315) is noted. An APPENDLIMIT (RFC 7889) the message exceeds fails before it
 *   is sent.
 */
#pragma once

#include <gio/gio.h>

#include "ep-imap-config.h"
#include "ep-smtp-session.h"
#include "ep-smtp-tls-info.h"
#include "ep-smtp-transcript.h"

G_BEGIN_DECLS

/* Untagged responses we read for one command before calling the server hostile: a LIST of every
 * mailbox is the longest answer we ask for. */
#define EP_IMAP_UNTAGGED_MAX      100000
/* Mailboxes a LIST may name: far beyond any real account, short of exhausting memory. */
#define EP_IMAP_MAILBOXES_MAX     20000
/* RFC 7888 §4: LITERAL- allows non-synchronizing literals of up to 4096 octets. */
#define EP_IMAP_LITERAL_MINUS_MAX 4096
/* The largest literal RFC 3501 can express (§9 "number": 32 bits). */
#define EP_IMAP_APPEND_MAX        G_MAXUINT32
/* LOGOUT is a courtesy: it gets this long before the connection is closed anyway. */
#define EP_IMAP_LOGOUT_TIMEOUT_MS 2000

typedef struct {
  char          *mailbox;        /* the Sent folder (as the server names it), once known */
  char         **candidates;     /* nullable: with EP_IMAP_ERROR_SENT_FOLDER_AMBIGUOUS, the names */
  gboolean       uploaded;       /* the server confirmed the APPEND */
  gboolean       duplicate;      /* a copy with the Message-ID was there already: not uploaded */
  guint32        uidvalidity;    /* APPENDUID, or the mailbox's when a duplicate was found; 0 = not known */
  guint32        uid;            /* the copy's UID; 0 = not known */
  char          *auth_mechanism; /* nullable: "PLAIN", "LOGIN command", ...; NULL without sign-in */
  char         **capabilities;   /* what the server offered last (upper case) */
  EpSmtpTlsInfo *tls_info;       /* nullable: the TLS connection and certificate */
} EpImapResult;

#define EP_TYPE_IMAP_RESULT (ep_imap_result_get_type ())

GType         ep_imap_result_get_type (void) G_GNUC_CONST;
EpImapResult *ep_imap_result_copy     (const EpImapResult *self);
void          ep_imap_result_free     (EpImapResult       *self);

/* The steps of ep_imap_check(), reported live as Test Connection shows the SMTP side's (with
 * the SMTP side's statuses: STARTED, then OK, SKIPPED or FAILED). */
typedef enum {
  EP_IMAP_CHECK_STEP_CONNECT,
  EP_IMAP_CHECK_STEP_GREETING,
  EP_IMAP_CHECK_STEP_TLS,          /* the handshake: implicit, or after STARTTLS */
  EP_IMAP_CHECK_STEP_AUTH,
  EP_IMAP_CHECK_STEP_SENT_FOLDER,  /* the configured one, or found by LIST */
  EP_IMAP_CHECK_STEP_LOGOUT,
} EpImapCheckStep;

#define EP_IMAP_CHECK_N_STEPS (EP_IMAP_CHECK_STEP_LOGOUT + 1)

/* @detail: what was found ("TLS 1.3, …", "SCRAM-SHA-256", the folder) or the error; nullable.
 * Called on the thread that runs the check. */
typedef void (*EpImapCheckStepFunc) (EpImapCheckStep   step,
                                     EpSmtpTestStatus  status,
                                     const char       *detail,
                                     gpointer          user_data);

/* Test Connection: connect, TLS, sign in, find the Sent folder, LOGOUT. @transcript (nullable)
 * gets the dialogue, redacted; @step_func (nullable) each step as it starts and ends.
 * *@out_result (nullable) is set whether or not the check passed (what was learnt before a
 * failure: TLS details, the candidates of an ambiguous Sent folder). Errors: EP_IMAP_ERROR_*;
 * cancellation passes through as G_IO_ERROR_CANCELLED. */
gboolean      ep_imap_check           (const EpImapConfig *config,
                                       EpSmtpTranscript   *transcript,
                                       EpImapCheckStepFunc step_func,
                                       gpointer            step_data,
                                       EpImapResult      **out_result,
                                       GCancellable       *cancellable,
                                       GError            **error);

/* Uploads exactly @size octets of @message (the bytes that were sent, CRLF line ends) to the
 * Sent folder, flagged \Seen, with @date (nullable: now) as its internal date.
 * @message_id (nullable; "<id@host>" as in the header): when given, the folder is searched for
 * it first (EXAMINE, UID SEARCH HEADER Message-ID) and a copy found there is not uploaded again
 * (result->duplicate): pass it on every retry after an upload that may have reached the server.
 * A stream shorter or longer than @size fails (EP_IMAP_ERROR_INVALID_CONFIG) and nothing is
 * stored. ep_imap_error_is_temporary() tells a retry from a change the person must make;
 * EP_IMAP_ERROR_UPLOAD_UNKNOWN means the copy may be there (retry with @message_id). */
gboolean      ep_imap_upload_sent     (const EpImapConfig *config,
                                       GInputStream       *message,
                                       goffset             size,
                                       GDateTime          *date,
                                       const char         *message_id,
                                       EpSmtpTranscript   *transcript,
                                       EpImapResult      **out_result,
                                       GCancellable       *cancellable,
                                       GError            **error);
/* The same with the bytes of @file (e.g. the Sent store's copy). */
gboolean      ep_imap_upload_sent_file (const EpImapConfig *config,
                                        GFile              *file,
                                        GDateTime          *date,
                                        const char         *message_id,
                                        EpSmtpTranscript   *transcript,
                                        EpImapResult      **out_result,
                                        GCancellable       *cancellable,
                                        GError            **error);

/* A mailbox name as the server sent it (modified UTF-7, RFC 3501 §5.1.3: "Envoy&AOk-s"), as
 * people read it ("Envoyés"). A name that is not valid modified UTF-7, or that decodes to
 * control characters, is given back as it is (it is still printable ASCII). Show candidates and
 * the chosen folder with this; send the name itself back to the server. */
char         *ep_imap_mailbox_dup_display_name (const char *name);

/* RFC 3501 §9 date-time ("07-Dec-2026 03:05:32 +0000", in @date's own offset); English month
 * names whatever the locale. */
char         *ep_imap_format_date_time (GDateTime         *date);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (EpImapResult, ep_imap_result_free)

G_END_DECLS
