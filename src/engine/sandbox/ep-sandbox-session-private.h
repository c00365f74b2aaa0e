/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-sandbox-session-private.h: a Sandbox session's state, shared by ep-sandbox-session*.c. */
#pragma once

#include "ep-sandbox-session.h"
#include "ep-sandbox-store.h"
#include "ep-smtp-transcript.h"

G_BEGIN_DECLS

/* Room for the longest AUTH line plus what a pipelining client sends behind it. */
#define INPUT_BUFFER_SIZE (32 * 1024)

typedef enum {
  READ_OK,
  READ_EOF,
  READ_FAILED,
} ReadStatus;

typedef struct {
  const EpSandboxSessionConfig *config;
  EpSandboxSessionSlot *slot;
  GCancellable      *cancellable;  /* the slot's; only the server's once dropped (for the last words) */
  GSocketConnection *connection;
  GTlsConnection    *tls;
  GInputStream      *input;        /* of the connection, or of the TLS layer after STARTTLS */
  GOutputStream     *output;

  guint8   inbuf[INPUT_BUFFER_SIZE];
  gsize    in_start;
  gsize    in_end;
  gboolean eof;
  gint64   deadline;                 /* monotonic time the whole session must end by */
  gboolean expired;                  /* a read failed because the session ran out of time */
  GString *out;                    /* replies not yet sent: flushed before every wait */
  gboolean closing;

  EpSmtpTranscript *transcript;   /* the server's side, in the client's format */

  guint commands;
  guint errors;

  /* The session. */
  char *greeting;
  char *client_name;
  char *client_address;
  char *tls_protocol;
  char *tls_cipher;
  char *auth_mechanism;
  char *auth_user;

  /* The mail transaction. */
  gboolean           in_transaction;
  char              *sender;
  GPtrArray         *recipients;
  char              *body_type;
  gboolean           smtputf8;
  EpSandboxIncoming *incoming;
  guint64            received;
  guint64            line_length;
  guint64            longest_line;
  gboolean           too_big;
  gboolean           line_too_long;
  gboolean           write_failed;
} Session;

/* ep-sandbox-session.c */
void       ep_sandbox_session_reply               (Session      *s,
                                                   const char   *format,
                                                   ...) G_GNUC_PRINTF (2, 3);
ReadStatus ep_sandbox_session_fill                (Session      *s,
                                                   GError      **error);
ReadStatus ep_sandbox_session_read_line           (Session      *s,
                                                   gsize         max,
                                                   GByteArray   *line,
                                                   gboolean     *too_long,
                                                   gboolean     *bare_lf,
                                                   GError      **error);
void       ep_sandbox_session_timed_out           (Session      *s,
                                                   const char   *verb);
gboolean   ep_sandbox_session_dropped             (Session      *s,
                                                   const GError *error);

/* ep-sandbox-session-auth.c */
gboolean   ep_sandbox_session_transcript_add_auth (Session      *s,
                                                   const guint8 *data,
                                                   gsize         length);
void       ep_sandbox_session_command_auth        (Session      *s,
                                                   const char   *args);

/* ep-sandbox-session-mail.c */
void       ep_sandbox_session_reset_transaction   (Session      *s);
void       ep_sandbox_session_command_mail        (Session      *s,
                                                   const char   *args);
void       ep_sandbox_session_command_rcpt        (Session      *s,
                                                   const char   *args);
void       ep_sandbox_session_command_data        (Session      *s,
                                                   const char   *args);
void       ep_sandbox_session_command_bdat        (Session      *s,
                                                   const char   *args);

G_END_DECLS
