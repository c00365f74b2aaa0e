/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-sandbox-session.c: one SMTP conversation of the Sandbox server (private to the server): I/O
 * with deadlines, the transcript, the command loop, STARTTLS and the limits. The AUTH exchange is
 * in ep-sandbox-session-auth.c, the mail transaction in ep-sandbox-session-mail.c. */
#include "config.h"

#include "ep-sandbox-session-private.h"
#include "ep-smtp-tls-info.h"

#include <stdarg.h>
#include <string.h>

#include "ep-io-deadline.h"
#include "ep-text.h"

#define SERVER_NAME "localhost"

/* What is kept of an overlong line: enough for the verb. */
#define TOO_LONG_PREFIX 8

/* Past the session's deadline, or once dropped for a newer connection, the last reply (the 421
 * that says why) and TLS close_notify still get this long to leave: over loopback they take
 * microseconds, unless the client does not read. */
#define LAST_WORDS_US (1 * G_USEC_PER_SEC)

typedef void (*CommandFunc) (Session    *s,
                             const char *args);

static void command_ehlo (Session *s, const char *args);
static void command_helo (Session *s, const char *args);
static void command_starttls (Session *s, const char *args);
static void command_rset (Session *s, const char *args);
static void command_noop (Session *s, const char *args);
static void command_quit (Session *s, const char *args);
static void command_vrfy (Session *s, const char *args);
static void command_help (Session *s, const char *args);
static void command_not_implemented (Session *s, const char *args);

static const struct {
  const char  *verb;
  CommandFunc  func;
} commands[] = {
  { "EHLO", command_ehlo },
  { "HELO", command_helo },
  { "STARTTLS", command_starttls },
  { "AUTH", ep_sandbox_session_command_auth },
  { "MAIL", ep_sandbox_session_command_mail },
  { "RCPT", ep_sandbox_session_command_rcpt },
  { "DATA", ep_sandbox_session_command_data },
  { "BDAT", ep_sandbox_session_command_bdat },
  { "RSET", command_rset },
  { "NOOP", command_noop },
  { "QUIT", command_quit },
  { "VRFY", command_vrfy },
  { "HELP", command_help },
  /* Known to RFC 5321 (or older), deliberately not offered. */
  { "EXPN", command_not_implemented },
  { "TURN", command_not_implemented },
  { "ETRN", command_not_implemented },
  { "SEND", command_not_implemented },
  { "SOML", command_not_implemented },
  { "SAML", command_not_implemented },
};

/* Replies */

static void
reply_line (Session    *s,
            const char *line)
{
  g_string_append (s->out, line);
  g_string_append (s->out, "\r\n");
  ep_smtp_transcript_add (s->transcript, EP_SMTP_TRANSCRIPT_SERVER, line);
}

/* "250 2.0.0 Ok": every 5xx counts towards EP_SANDBOX_MAX_ERRORS. */
void G_GNUC_PRINTF (2, 3)
ep_sandbox_session_reply (Session    *s,
                          const char *format,
                          ...)
{
  g_autofree char *line = NULL;
  va_list args;

  va_start (args, format);
  line = g_strdup_vprintf (format, args);
  va_end (args);
  g_assert (strlen (line) >= 3 && g_ascii_isdigit (line[0]));
  if (line[0] == '5')
    s->errors++;
  reply_line (s, line);
}

/* A write waits for a client that does not read at most the idle timeout, and not past the
 * session's deadline (but for the last words). */
static gint64
write_deadline (Session *s)
{
  gint64 now = g_get_monotonic_time ();

  return MIN (now + (gint64) s->config->idle_timeout * G_USEC_PER_SEC, MAX (s->deadline, now + LAST_WORDS_US));
}

static gboolean
flush (Session  *s,
       GError  **error)
{
  gint64 deadline;
  gboolean ok;

  if (s->out->len == 0)
    return TRUE;
  /* One deadline for the whole write: inside TLS a reader that takes a byte now and then
   * would otherwise renew a per-socket-write timeout for ever. */
  deadline = write_deadline (s);
  ok = ep_io_write_all (s->output, s->out->str, s->out->len, deadline, s->cancellable, error) &&
       ep_io_flush (s->output, deadline, s->cancellable, error);
  g_string_truncate (s->out, 0);
  if (!ok)
    s->eof = TRUE;   /* the stream is unusable: nothing more is sent */
  return ok;
}

/* Input */

/* Reads more from the client, sending the replies gathered so far first: with PIPELINING
 * this groups the replies to a batch of commands into one write (RFC 2920 3.2). */
ReadStatus
ep_sandbox_session_fill (Session  *s,
                         GError  **error)
{
  gssize n;

  /* Callers consume everything buffered before asking for more. */
  g_assert (s->in_start == s->in_end);
  if (!flush (s, error))
    return READ_FAILED;
  s->in_start = s->in_end = 0;

  /* Each wait is bounded by the idle timeout, and all of them by the session's deadline: a
   * client that sends a byte now and then is not idle, but cannot hold a slot for ever. The
   * deadline is on the whole read: inside TLS one record may take any number of socket reads. */
  {
    gint64 now = g_get_monotonic_time ();
    gint64 idle_deadline = now + (gint64) s->config->idle_timeout * G_USEC_PER_SEC;
    gint64 deadline = MIN (idle_deadline, s->deadline);

    if (s->deadline <= now)
      {
        s->expired = TRUE;
        g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT, "session time limit");
        return READ_FAILED;
      }
    n = ep_io_read (s->input, s->inbuf, sizeof s->inbuf, deadline, s->cancellable, error);
    if (n < 0 && deadline < idle_deadline && g_error_matches (*error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT))
      s->expired = TRUE;
  }
  if (n < 0)
    return READ_FAILED;
  if (n == 0)
    {
      s->eof = TRUE;
      return READ_EOF;
    }
  s->in_end += (gsize) n;
  return READ_OK;
}

/* One line without its terminator. Longer than @max (terminator included) sets @too_long and
 * skips to the end of the line, keeping only its first TOO_LONG_PREFIX octets; a line not
 * ending in CRLF sets @bare_lf. */
ReadStatus
ep_sandbox_session_read_line (Session     *s,
                              gsize        max,
                              GByteArray  *line,
                              gboolean    *too_long,
                              gboolean    *bare_lf,
                              GError     **error)
{
  g_byte_array_set_size (line, 0);
  *too_long = FALSE;
  *bare_lf = FALSE;

  for (;;)
    {
      const guint8 *start, *lf;
      gsize available, take;
      ReadStatus status;

      if (s->in_start == s->in_end && (status = ep_sandbox_session_fill (s, error)) != READ_OK)
        return status;

      start = s->inbuf + s->in_start;
      available = s->in_end - s->in_start;
      lf = memchr (start, '\n', available);
      take = lf != NULL ? (gsize) (lf - start) + 1 : available;
      if (!*too_long && line->len + take > max)
        {
          /* Keep the start, enough to tell which command it was. */
          gsize keep = MIN (line->len, TOO_LONG_PREFIX);

          g_byte_array_set_size (line, keep);
          g_byte_array_append (line, start, MIN (take, TOO_LONG_PREFIX - keep));
          *too_long = TRUE;
        }
      else if (!*too_long)
        g_byte_array_append (line, start, take);
      s->in_start += take;

      if (lf != NULL)
        break;
    }

  if (*too_long)
    return READ_OK;
  g_byte_array_set_size (line, line->len - 1);
  if (line->len > 0 && line->data[line->len - 1] == '\r')
    g_byte_array_set_size (line, line->len - 1);
  else
    *bare_lf = TRUE;
  return READ_OK;
}

/* Session state */

/* RFC 3207 4.2: after STARTTLS nothing learnt before it counts. */
static void
reset_session (Session *s)
{
  ep_sandbox_session_reset_transaction (s);
  g_clear_pointer (&s->greeting, g_free);
  g_clear_pointer (&s->client_name, g_free);
  g_clear_pointer (&s->auth_mechanism, g_free);
  g_clear_pointer (&s->auth_user, g_free);
}

/* Commands */

static void
command_ehlo (Session    *s,
              const char *args)
{
  g_autofree char *size_line = NULL;

  if (args == NULL || *args == '\0' || strchr (args, ' ') != NULL ||
      strlen (args) > EP_SMTP_DOMAIN_MAX)
    {
      ep_sandbox_session_reply (s, "501 5.5.4 Syntax: EHLO domain-or-address-literal");
      return;
    }
  ep_sandbox_session_reset_transaction (s);
  g_free (s->greeting);
  s->greeting = g_strdup ("EHLO");
  g_free (s->client_name);
  s->client_name = g_strdup (args);

  size_line = g_strdup_printf ("250-SIZE %" G_GUINT64_FORMAT, s->config->size_limit);
  reply_line (s, "250-" SERVER_NAME " Epistle Sandbox");
  reply_line (s, "250-PIPELINING");
  reply_line (s, size_line);
  reply_line (s, "250-8BITMIME");
  reply_line (s, "250-SMTPUTF8");
  reply_line (s, "250-CHUNKING");
  reply_line (s, "250-ENHANCEDSTATUSCODES");
  /* Credentials only inside TLS: AUTH is not offered before it (RFC 4954 4). */
  if (s->tls == NULL)
    reply_line (s, "250-STARTTLS");
  else
    reply_line (s, "250-AUTH PLAIN LOGIN");
  reply_line (s, "250 HELP");
}

static void
command_helo (Session    *s,
              const char *args)
{
  if (args == NULL || *args == '\0' || strchr (args, ' ') != NULL ||
      strlen (args) > EP_SMTP_DOMAIN_MAX)
    {
      ep_sandbox_session_reply (s, "501 5.5.4 Syntax: HELO domain");
      return;
    }
  ep_sandbox_session_reset_transaction (s);
  g_free (s->greeting);
  s->greeting = g_strdup ("HELO");
  g_free (s->client_name);
  s->client_name = g_strdup (args);
  ep_sandbox_session_reply (s, "250 " SERVER_NAME);
}


static void
command_starttls (Session    *s,
                  const char *args)
{
  g_autoptr(GIOStream) tls = NULL;
  g_autoptr(GError) error = NULL;

  if (args != NULL)
    {
      ep_sandbox_session_reply (s, "501 5.5.4 Syntax: STARTTLS (no parameters)");
      return;
    }
  if (s->tls != NULL)
    {
      ep_sandbox_session_reply (s, "503 5.5.1 TLS already active");
      return;
    }
  if (s->greeting == NULL)
    {
      ep_sandbox_session_reply (s, "503 5.5.1 Send EHLO first");
      return;
    }

  ep_sandbox_session_reply (s, "220 2.0.0 Ready to start TLS");
  if (!flush (s, &error))
    {
      s->closing = TRUE;
      return;
    }
  /* Commands sent behind STARTTLS in the clear must not run inside TLS (CVE-2011-0411). */
  if (s->in_end > s->in_start)
    {
      ep_smtp_transcript_add_printf (s->transcript, EP_SMTP_TRANSCRIPT_INFO, "discarded %" G_GSIZE_FORMAT " octets sent after STARTTLS before the handshake",
                                          s->in_end - s->in_start);
      s->in_start = s->in_end = 0;
    }

  /* An explicit, empty database: left unset it would be GIO's default, the whole system bundle
   * parsed for a server that asks for no client certificate. */
  tls = g_initable_new (g_tls_backend_get_server_connection_type (g_tls_backend_get_default ()),
                        NULL, &error,
                        "base-io-stream", s->connection,
                        "certificate", s->config->certificate,
                        "database", NULL,
                        NULL);
  if (tls != NULL)
    {
      guint limit = s->config->handshake_timeout > 0 ? s->config->handshake_timeout
                                                     : EP_SANDBOX_DEFAULT_HANDSHAKE_TIMEOUT;
      gint64 now = g_get_monotonic_time ();
      gint64 deadline = MIN (now + (gint64) MIN (limit, s->config->idle_timeout) * G_USEC_PER_SEC, s->deadline);

      g_tls_connection_set_require_close_notify (G_TLS_CONNECTION (tls), FALSE);
      /* Bounded as a whole, not per socket read: see EP_SANDBOX_DEFAULT_HANDSHAKE_TIMEOUT. */
      if (!ep_io_handshake (G_TLS_CONNECTION (tls), deadline, s->cancellable, &error))
        g_clear_object (&tls);
    }
  if (tls == NULL)
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT))
        ep_smtp_transcript_add_printf (s->transcript, EP_SMTP_TRANSCRIPT_INFO, "TLS handshake not done in time");
      else
        ep_smtp_transcript_add_printf (s->transcript, EP_SMTP_TRANSCRIPT_INFO, "TLS handshake failed: %s", error->message);
      s->closing = TRUE;
      s->eof = TRUE;   /* the stream is unusable: nothing more is sent */
      return;
    }

  reset_session (s);
  s->tls = G_TLS_CONNECTION (g_steal_pointer (&tls));
  s->input = g_io_stream_get_input_stream (G_IO_STREAM (s->tls));
  s->output = g_io_stream_get_output_stream (G_IO_STREAM (s->tls));
  s->tls_protocol = g_strdup (ep_smtp_tls_protocol_name (g_tls_connection_get_protocol_version (s->tls)));
  s->tls_cipher = g_tls_connection_get_ciphersuite_name (s->tls);
  ep_smtp_transcript_add_printf (s->transcript, EP_SMTP_TRANSCRIPT_INFO, "TLS established: %s, %s", s->tls_protocol,
                                      s->tls_cipher != NULL ? s->tls_cipher : "unknown cipher");
}

/* A read timed out: the client was idle, or the whole session took too long. @verb: during
 * which command, or %NULL between commands. */
void
ep_sandbox_session_timed_out (Session    *s,
                              const char *verb)
{
  if (s->expired)
    {
      ep_smtp_transcript_add_printf (s->transcript, EP_SMTP_TRANSCRIPT_INFO, "session longer than %u seconds%s%s", s->config->session_timeout > 0 ?
                                          s->config->session_timeout : EP_SANDBOX_DEFAULT_SESSION_TIMEOUT,
                                          verb != NULL ? " during " : "", verb != NULL ? verb : "");
      ep_sandbox_session_reply (s, "421 4.4.2 " SERVER_NAME " Session too long, closing connection");
    }
  else
    {
      ep_smtp_transcript_add_printf (s->transcript, EP_SMTP_TRANSCRIPT_INFO, "idle for %u seconds%s%s", s->config->idle_timeout,
                                          verb != NULL ? " during " : "", verb != NULL ? verb : "");
      ep_sandbox_session_reply (s, "421 4.4.2 " SERVER_NAME " Idle timeout, closing connection");
    }
}

/* The server needed the slot for a newer connection (this client had not authenticated): say
 * so, as RFC 5321 3.8 lets a server that must close. */
gboolean
ep_sandbox_session_dropped (Session      *s,
                            const GError *error)
{
  if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) || !g_atomic_int_get (&s->slot->evicted) ||
      s->eof)
    return FALSE;

  ep_smtp_transcript_add_printf (s->transcript, EP_SMTP_TRANSCRIPT_INFO, "dropped to make room for a new connection");
  /* Only the server's stop may cut the last words short now. */
  s->cancellable = s->config->cancellable;
  ep_sandbox_session_reply (s, "421 4.3.2 " SERVER_NAME " Too many connections, closing connection");
  return TRUE;
}

static void
command_rset (Session    *s,
              const char *args)
{
  if (args != NULL)
    {
      ep_sandbox_session_reply (s, "501 5.5.4 Syntax: RSET (no parameters)");
      return;
    }
  ep_sandbox_session_reset_transaction (s);
  ep_sandbox_session_reply (s, "250 2.0.0 Ok");
}

static void
command_noop (Session    *s,
              const char *args)
{
  ep_sandbox_session_reply (s, "250 2.0.0 Ok");
}

static void
command_quit (Session    *s,
              const char *args)
{
  if (args != NULL)
    {
      ep_sandbox_session_reply (s, "501 5.5.4 Syntax: QUIT (no parameters)");
      return;
    }
  ep_sandbox_session_reply (s, "221 2.0.0 Bye");
  s->closing = TRUE;
}

static void
command_vrfy (Session    *s,
              const char *args)
{
  if (args == NULL || *args == '\0')
    {
      ep_sandbox_session_reply (s, "501 5.5.4 Syntax: VRFY address");
      return;
    }
  /* RFC 5321 3.5.3: 252 when the server will not verify but would accept mail. */
  ep_sandbox_session_reply (s, "252 2.0.0 Cannot verify the user, but will accept the message");
}

static void
command_help (Session    *s,
              const char *args)
{
  ep_sandbox_session_reply (s, "214 2.0.0 Commands: EHLO HELO STARTTLS AUTH MAIL RCPT DATA BDAT RSET NOOP QUIT VRFY HELP");
}

static void
command_not_implemented (Session    *s,
                         const char *args)
{
  ep_sandbox_session_reply (s, "502 5.5.1 Command not implemented");
}

/* The session loop */

static void
handle_line (Session    *s,
             GByteArray *line,
             gboolean    too_long,
             gboolean    bare_lf)
{
  g_autofree char *text = NULL;
  const char *space;
  const char *args = NULL;
  gsize verb_length;

  if (too_long)
    {
      ep_smtp_transcript_add (s->transcript, EP_SMTP_TRANSCRIPT_CLIENT, "[line too long]");
      if (line->len >= 5 && g_ascii_strncasecmp ((const char *) line->data, "AUTH ", 5) == 0)
        ep_sandbox_session_reply (s, "500 5.5.6 Authentication Exchange line is too long");
      else
        ep_sandbox_session_reply (s, "500 5.5.2 Line too long (limit %d octets)",
                                  EP_SMTP_COMMAND_LINE_MAX);
      return;
    }

  /* Logged before anything is checked: a malformed AUTH line still carries its secret. */
  if (!ep_sandbox_session_transcript_add_auth (s, line->data, line->len))
    ep_smtp_transcript_add_len (s->transcript, EP_SMTP_TRANSCRIPT_CLIENT, (const char *) line->data,
                                line->len);

  text = g_strndup ((const char *) line->data, line->len);
  space = strchr (text, ' ');
  verb_length = space != NULL ? (gsize) (space - text) : strlen (text);

  /* Only AUTH may use the longer line of RFC 4954 4. */
  if (line->len + 2 > EP_SMTP_COMMAND_LINE_MAX &&
      !(verb_length == 4 && g_ascii_strncasecmp (text, "AUTH", 4) == 0))
    {
      ep_sandbox_session_reply (s, "500 5.5.2 Line too long (limit %d octets)",
                                EP_SMTP_COMMAND_LINE_MAX);
      return;
    }
  if (bare_lf)
    {
      ep_sandbox_session_reply (s, "500 5.5.2 Syntax error: lines must end with CRLF");
      return;
    }
  /* A NUL in the line is a control octet too. */
  if (line->len == 0 || ep_text_has_control ((const char *) line->data, (gssize) line->len) ||
      !g_utf8_validate (text, -1, NULL))
    {
      ep_sandbox_session_reply (s, "500 5.5.2 Syntax error");
      return;
    }

  if (space != NULL)
    args = space + 1;
  for (gsize i = 0; i < G_N_ELEMENTS (commands); i++)
    {
      if (strlen (commands[i].verb) == verb_length &&
          g_ascii_strncasecmp (text, commands[i].verb, verb_length) == 0)
        {
          commands[i].func (s, args);
          return;
        }
    }
  ep_sandbox_session_reply (s, "500 5.5.1 Command not recognized");
}

static void
session_loop (Session *s)
{
  g_autoptr(GByteArray) line = g_byte_array_new ();

  ep_sandbox_session_reply (s, "220 " SERVER_NAME " ESMTP Epistle Sandbox");
  while (!s->closing)
    {
      g_autoptr(GError) error = NULL;
      gboolean too_long, bare_lf;
      ReadStatus status;

      status = ep_sandbox_session_read_line (s, EP_SMTP_AUTH_LINE_MAX, line, &too_long, &bare_lf,
                                             &error);
      if (status == READ_EOF)
        {
          ep_smtp_transcript_add_printf (s->transcript, EP_SMTP_TRANSCRIPT_INFO, "the client closed the connection");
          break;
        }
      if (status == READ_FAILED)
        {
          if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT))
            ep_sandbox_session_timed_out (s, NULL);
          else if (ep_sandbox_session_dropped (s, error))
            ;
          else
            {
              ep_smtp_transcript_add_printf (s->transcript, EP_SMTP_TRANSCRIPT_INFO, "connection failed: %s", error->message);
              s->eof = TRUE;
            }
          break;
        }
      if (++s->commands > EP_SANDBOX_MAX_COMMANDS)
        {
          ep_sandbox_session_reply (s, "421 4.7.0 " SERVER_NAME " Too many commands, closing connection");
          break;
        }
      handle_line (s, line, too_long, bare_lf);
      if (!s->closing && s->errors > EP_SANDBOX_MAX_ERRORS)
        {
          ep_sandbox_session_reply (s, "421 4.7.0 " SERVER_NAME " Too many errors, closing connection");
          break;
        }
    }
  if (!s->eof)
    flush (s, NULL);
}

static char *
describe_address (GSocketConnection *connection)
{
  g_autoptr(GSocketAddress) remote = g_socket_connection_get_remote_address (connection, NULL);
  g_autofree char *ip = NULL;

  if (!G_IS_INET_SOCKET_ADDRESS (remote))
    return NULL;
  ip = g_inet_address_to_string (g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (remote)));
  return g_strdup_printf ("%s:%u", ip, g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (remote)));
}

/**
 * ep_sandbox_session_run:
 *
 * Speaks SMTP with one client until QUIT, a fatal error, the idle timeout, or the server's
 * cancellable. Blocking: runs on the connection's own thread.
 */
void
ep_sandbox_session_run (const EpSandboxSessionConfig *config,
                        GSocketConnection            *connection,
                        EpSandboxSessionSlot         *slot)
{
  Session *s = g_new0 (Session, 1);
  GSocket *socket = g_socket_connection_get_socket (connection);

  s->config = config;
  s->slot = slot;
  s->cancellable = slot->cancellable;
  s->connection = connection;
  s->input = g_io_stream_get_input_stream (G_IO_STREAM (connection));
  s->output = g_io_stream_get_output_stream (G_IO_STREAM (connection));
  s->out = g_string_new (NULL);
  /* The server's side of the dialogue, in the client's format; kept with each message. */
  s->transcript = ep_smtp_transcript_new ();
  ep_smtp_transcript_set_max_size (s->transcript, EP_SANDBOX_TRANSCRIPT_MAX);
  ep_smtp_transcript_set_log_domain (s->transcript, G_LOG_DOMAIN);
  s->recipients = g_ptr_array_new_with_free_func (g_free);
  s->client_address = describe_address (connection);

  /* Deadlines bound whole operations (ep-io-deadline.h), not a socket timeout: that would bound
   * each socket read or write, of which one TLS record takes many, and the TLS backend takes a
   * socket timeout inside a write for a write done. */
  g_socket_set_timeout (socket, 0);
  s->deadline = g_get_monotonic_time () +
                (gint64) (config->session_timeout > 0 ? config->session_timeout
                                                      : EP_SANDBOX_DEFAULT_SESSION_TIMEOUT) * G_USEC_PER_SEC;
  ep_smtp_transcript_add_printf (s->transcript, EP_SMTP_TRANSCRIPT_INFO, "connection from %s",
                                 s->client_address != NULL ? s->client_address : "?");

  session_loop (s);

  /* close_notify, unless the server is stopping; a client that does not read does not hold
   * the slot for it. */
  if (s->tls != NULL)
    ep_io_close (G_IO_STREAM (s->tls), g_get_monotonic_time () + LAST_WORDS_US, s->cancellable, NULL);
  g_io_stream_close (G_IO_STREAM (connection), NULL, NULL);

  reset_session (s);
  g_clear_object (&s->tls);
  g_free (s->client_address);
  g_free (s->tls_protocol);
  g_free (s->tls_cipher);
  g_ptr_array_unref (s->recipients);
  g_object_unref (s->transcript);
  g_string_free (s->out, TRUE);
  g_free (s);
}

/**
 * ep_sandbox_session_refuse:
 * @reply: a complete reply line without CRLF, e.g. "421 4.3.2 … Too many connections"
 *
 * Greets a connection the server cannot take with @reply, then closes it.
 */
void
ep_sandbox_session_refuse (GSocketConnection *connection,
                           const char        *reply_text)
{
  g_autofree char *line = g_strconcat (reply_text, "\r\n", NULL);
  GOutputStream *output = g_io_stream_get_output_stream (G_IO_STREAM (connection));

  /* A fresh socket's send buffer takes these few octets without waiting. */
  g_socket_set_timeout (g_socket_connection_get_socket (connection), 1);
  g_output_stream_write_all (output, line, strlen (line), NULL, NULL, NULL);
  g_io_stream_close (G_IO_STREAM (connection), NULL, NULL);
}
