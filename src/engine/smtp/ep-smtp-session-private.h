/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-smtp-session-private.h: one submission's state, shared by the ep-smtp-session*.c parts. */
#pragma once

#include <gio/gio.h>

#include "ep-message.h"
#include "ep-smtp-capabilities.h"
#include "ep-smtp-connection.h"
#include "ep-smtp-session.h"

G_BEGIN_DECLS

typedef struct {
  const EpSmtpConfig *config;
  EpMessage          *message;
  GInputStream       *raw;
  GFileIOStream      *spool;          /* a copy of non-seekable raw input, kept while it is read
                                       * once, for the transactions after a 452 */
  gboolean            spooling;
  GCancellable       *cancellable;
  EpSmtpProgressFunc  progress;
  gpointer            progress_data;
  EpSmtpTestStepFunc  step_func;
  gpointer            step_data;
  EpSmtpDataEndFunc   before_data_end;
  gpointer            before_data_end_data;
  GDateTime          *hold_until;
  EpSmtpDsnNotify     dsn_notify;
  EpSmtpDsnRet        dsn_ret;
  const char         *dsn_envid;
  EpSmtpRequireTls    require_tls;

  EpSmtpTranscript   *transcript;
  EpSmtpResult       *result;
  EpSmtpConnection   *conn;
  EpSmtpCapabilities *caps;
  char               *ehlo_name;
  guint16             port;

  char               *sender;
  GPtrArray          *rcpts;          /* envelope recipients, deduplicated */
  gboolean            needs_smtputf8;
  gboolean            needs_8bitmime;
  guint64             size;           /* 0 when unknown (raw input from a pipe) */

  EpSmtpStage         stage;
  guint64             sent;
  gboolean            no_quit;        /* the connection is unusable: close it, say nothing */
  gboolean            quit_early;     /* the last transaction, with PIPELINING: QUIT follows the
                                       * end of the message without waiting for its reply */
  gboolean            quit_sent;

  /* A session kept open for several messages (EpSmtpSession): no early QUIT, each message
   * with its own transcript and result. */
  gboolean            batch;
  guint               n_messages;     /* messages started on this connection */
  gboolean            mail_answered;  /* the server answered this message's MAIL (not with 421) */
  EpSmtpTranscript   *conn_transcript;/* the opening's lines (greeting, EHLO, TLS, AUTH) */
  guint               n_opening;      /* how many of its lines the opening took */
  gboolean            needs_rset;     /* the last transaction ended midway */

  /* BDAT replies still to read, and whether to look for them early (PIPELINING). */
  guint               bdat_pending;
  gboolean            bdat_pipelined;
} Session;

/* A line of our own in the transcript ("I: …"). */
#define info(owner, ...) \
  ep_smtp_transcript_add_printf ((owner)->transcript, EP_SMTP_TRANSCRIPT_INFO, __VA_ARGS__)

/* The small helpers every part uses: static inline, as each is a few lines around one call. */

static inline void
progress (Session    *s,
          EpSmtpStage stage,
          guint64     sent)
{
  s->stage = stage;
  s->sent = sent;
  if (s->progress != NULL)
    s->progress (stage, sent, s->size, s->progress_data);
}

static inline void
step (Session          *s,
      EpSmtpTestStep    test_step,
      EpSmtpTestStatus  status,
      const char       *detail)
{
  if (s->step_func != NULL)
    s->step_func (test_step, status, detail, s->step_data);
}

/* "what: 550 5.1.1 text" as an EP_SMTP_ERROR. */
static inline void
set_reply_error (GError           **error,
                 EpSmtpError        code,
                 const char        *what,
                 const EpSmtpReply *reply)
{
  g_autofree char *text = ep_smtp_reply_to_string (reply);

  g_set_error (error, EP_SMTP_ERROR, code, "%s: %s", what, text);
}

/* 421 anywhere: the server is going away (RFC 5321 §3.8); temporary, and nothing more is sent. */
static inline gboolean
check_421 (Session           *s,
           const EpSmtpReply *reply,
           const char        *what,
           GError           **error)
{
  if (reply->code != 421)
    return TRUE;

  s->no_quit = TRUE;
  set_reply_error (error, EP_SMTP_ERROR_TEMPORARY, what, reply);
  return FALSE;
}

static inline EpSmtpReply *
read_reply (Session *s,
            GError **error)
{
  g_autoptr(GError) local_error = NULL;
  EpSmtpReply *reply = ep_smtp_connection_read_reply (s->conn, 0, s->cancellable, &local_error);

  if (reply == NULL)
    {
      /* A reply we could not parse, or none at all: the dialogue is out of step. */
      s->no_quit = TRUE;
      g_propagate_error (error, g_steal_pointer (&local_error));
    }

  return reply;
}

static inline gboolean
send_line (Session    *s,
           const char *line,
           const char *log_as,
           GError    **error)
{
  if (!ep_smtp_connection_send_line (s->conn, line, log_as, s->cancellable, error))
    {
      s->no_quit = TRUE;
      return FALSE;
    }
  return TRUE;
}

/* ep-smtp-session.c */
gboolean ep_smtp_session_check_in_step     (Session             *s,
                                            const char          *after,
                                            GError             **error);

/* ep-smtp-session-envelope.c */
gboolean ep_smtp_session_prepare_envelope  (Session             *s,
                                            const char          *sender_override,
                                            const char * const  *rcpts_override,
                                            GError             **error);
guint64  ep_smtp_session_raw_size          (GInputStream        *raw);

/* ep-smtp-session-auth.c */
gboolean ep_smtp_session_auth              (Session             *s,
                                            GError             **error);

/* ep-smtp-session-transaction.c */
gboolean ep_smtp_session_deliver           (Session             *s,
                                            GError             **error);

G_END_DECLS
