/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-sandbox-session.c: one SMTP conversation of the Sandbox server (private to the server). */
#include "config.h"
#undef G_LOG_DOMAIN
#define G_LOG_DOMAIN "Epistle-Sandbox"

#include "ep-sandbox-session.h"
#include "ep-smtp-tls-info.h"

#include <stdarg.h>
#include <string.h>

#include "ep-io-deadline.h"
#include "ep-sandbox-store.h"

/* Room for the longest AUTH line plus what a pipelining client sends behind it. */
#define INPUT_BUFFER_SIZE (32 * 1024)

#define SERVER_NAME "localhost"

/* RFC 4422 3.1: the longest SASL mechanism name. */
#define SASL_MECHANISM_MAX 20

/* What is kept of an overlong line: enough for the verb. */
#define TOO_LONG_PREFIX 8

/* Past the session's deadline, or once dropped for a newer connection, the last reply (the 421
 * that says why) and TLS close_notify still get this long to leave: over loopback they take
 * microseconds, unless the client does not read. */
#define LAST_WORDS_US (1 * G_USEC_PER_SEC)

typedef enum {
  READ_OK,
  READ_EOF,
  READ_FAILED,
} ReadStatus;

typedef enum {
  DATA_LINE_START,
  DATA_MIDLINE,
  DATA_AFTER_CR,
  DATA_DOT,
  DATA_DOT_CR,
} DataState;

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

  GString *transcript;
  gboolean transcript_full;

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

typedef void (*CommandFunc) (Session    *s,
                             const char *args);

static void command_ehlo (Session *s, const char *args);
static void command_helo (Session *s, const char *args);
static void command_starttls (Session *s, const char *args);
static void command_auth (Session *s, const char *args);
static void command_mail (Session *s, const char *args);
static void command_rcpt (Session *s, const char *args);
static void command_data (Session *s, const char *args);
static void command_bdat (Session *s, const char *args);
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
  { "AUTH", command_auth },
  { "MAIL", command_mail },
  { "RCPT", command_rcpt },
  { "DATA", command_data },
  { "BDAT", command_bdat },
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

/* Transcript */

/* Client bytes in the transcript: valid UTF-8 kept, control characters and stray bytes as \xNN. */
static void
append_printable (GString    *out,
                  const char *text,
                  gsize       length)
{
  gboolean utf8 = g_utf8_validate_len (text, length, NULL);

  for (gsize i = 0; i < length; i++)
    {
      guchar c = (guchar) text[i];

      if (c < 0x20 || c == 0x7f || (c >= 0x80 && !utf8))
        g_string_append_printf (out, "\\x%02X", c);
      else
        g_string_append_c (out, (char) c);
    }
}

static void
transcript_add (Session    *s,
                char        direction,
                const char *text,
                gsize       length)
{
  gsize before = s->transcript->len;

  if (s->transcript_full)
    return;
  if (s->transcript->len + length > EP_SANDBOX_TRANSCRIPT_MAX)
    {
      g_string_append (s->transcript, "I: [transcript truncated]\n");
      s->transcript_full = TRUE;
      return;
    }
  g_string_append_c (s->transcript, direction);
  g_string_append (s->transcript, ": ");
  append_printable (s->transcript, text, length);
  g_string_append_c (s->transcript, '\n');
  g_debug ("%.*s", (int) (s->transcript->len - before - 1), s->transcript->str + before);
}

static void G_GNUC_PRINTF (2, 3)
transcript_info (Session    *s,
                 const char *format,
                 ...)
{
  g_autofree char *text = NULL;
  va_list args;

  va_start (args, format);
  text = g_strdup_vprintf (format, args);
  va_end (args);
  transcript_add (s, 'I', text, strlen (text));
}

/* Spaces, tabs, NUL and the other control characters: whatever a client may put between AUTH,
 * the mechanism and the response, valid or not. */
static gboolean
is_auth_separator (guint8 c)
{
  return c == ' ' || c < 0x20 || c == 0x7f;
}

/* A word shown as the mechanism. RFC 4422 3.1 names are upper case, at most 20 characters
 * of A-Z 0-9 - _; base64 has lower case letters, so a response sent without its mechanism is
 * almost never taken for one. Lower case is only accepted for the mechanisms offered here. */
static gboolean
is_shown_mechanism (const guint8 *word,
                    gsize         length)
{
  if (length == 0 || length > SASL_MECHANISM_MAX)
    return FALSE;
  if ((length == 5 && g_ascii_strncasecmp ((const char *) word, "PLAIN", 5) == 0) ||
      (length == 5 && g_ascii_strncasecmp ((const char *) word, "LOGIN", 5) == 0))
    return TRUE;
  for (gsize i = 0; i < length; i++)
    if (!g_ascii_isupper (word[i]) && !g_ascii_isdigit (word[i]) && word[i] != '-' && word[i] != '_')
      return FALSE;
  return TRUE;
}

/* A client line that starts with AUTH goes to the transcript as the verb and the mechanism, as
 * sent, and "[redacted]" for whatever follows, however it is separated; FALSE for other lines. */
static gboolean
transcript_add_auth (Session      *s,
                     const guint8 *data,
                     gsize         length)
{
  g_autoptr(GString) shown = NULL;
  gsize start = 0, word_end, end;

  while (start < length && is_auth_separator (data[start]))
    start++;
  if (length - start < 4 || g_ascii_strncasecmp ((const char *) data + start, "AUTH", 4) != 0)
    return FALSE;

  end = start + 4;
  while (end < length && is_auth_separator (data[end]))
    end++;
  word_end = end;
  while (word_end < length && !is_auth_separator (data[word_end]))
    word_end++;
  if (is_shown_mechanism (data + end, word_end - end))
    {
      end = word_end;
      while (end < length && is_auth_separator (data[end]))
        end++;
    }

  shown = g_string_new_len ((const char *) data, (gssize) end);
  if (end < length)
    g_string_append (shown, is_auth_separator (data[end - 1]) ? "[redacted]" : " [redacted]");
  transcript_add (s, 'C', shown->str, shown->len);
  return TRUE;
}

/* Replies */

static void
reply_line (Session    *s,
            const char *line)
{
  g_string_append (s->out, line);
  g_string_append (s->out, "\r\n");
  transcript_add (s, 'S', line, strlen (line));
}

/* "250 2.0.0 Ok": every 5xx counts towards EP_SANDBOX_MAX_ERRORS. */
static void G_GNUC_PRINTF (2, 3)
reply (Session    *s,
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
static ReadStatus
fill (Session  *s,
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
static ReadStatus
read_line (Session     *s,
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

      if (s->in_start == s->in_end && (status = fill (s, error)) != READ_OK)
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

static void
reset_transaction (Session *s)
{
  s->in_transaction = FALSE;
  g_clear_pointer (&s->sender, g_free);
  g_ptr_array_set_size (s->recipients, 0);
  g_clear_pointer (&s->body_type, g_free);
  s->smtputf8 = FALSE;
  g_clear_pointer (&s->incoming, ep_sandbox_incoming_free);
  s->received = 0;
  s->line_length = 0;
  s->longest_line = 0;
  s->too_big = FALSE;
  s->line_too_long = FALSE;
  s->write_failed = FALSE;
}

/* RFC 3207 4.2: after STARTTLS nothing learnt before it counts. */
static void
reset_session (Session *s)
{
  reset_transaction (s);
  g_clear_pointer (&s->greeting, g_free);
  g_clear_pointer (&s->client_name, g_free);
  g_clear_pointer (&s->auth_mechanism, g_free);
  g_clear_pointer (&s->auth_user, g_free);
}

static gboolean
is_printable_utf8 (const char *text)
{
  if (!g_utf8_validate (text, -1, NULL))
    return FALSE;
  for (const char *p = text; *p != '\0'; p++)
    if ((guchar) *p < 0x20 || *p == 0x7f)
      return FALSE;
  return TRUE;
}

static gboolean
is_ascii (const char *text)
{
  for (const char *p = text; *p != '\0'; p++)
    if ((guchar) *p >= 0x80)
      return FALSE;
  return TRUE;
}

/* Addresses (RFC 5321 4.1.2, with RFC 6531's UTF-8 where SMTPUTF8 allows it) */

static gboolean
is_atext (guchar c)
{
  return g_ascii_isalnum (c) || c >= 0x80 || strchr ("!#$%&'*+-/=?^_`{|}~", c) != NULL;
}

static gboolean
domain_is_valid (const char *domain,
                 gsize       length)
{
  gsize label = 0;

  if (length == 0 || length > EP_SANDBOX_DOMAIN_MAX)
    return FALSE;

  if (domain[0] == '[')
    {
      g_autofree char *literal = NULL;
      g_autoptr(GInetAddress) address = NULL;

      if (length < 3 || domain[length - 1] != ']')
        return FALSE;
      literal = g_strndup (domain + 1, length - 2);
      if (g_ascii_strncasecmp (literal, "IPv6:", 5) == 0)
        {
          address = g_inet_address_new_from_string (literal + 5);
          return address != NULL && g_inet_address_get_family (address) == G_SOCKET_FAMILY_IPV6;
        }
      address = g_inet_address_new_from_string (literal);
      return address != NULL && g_inet_address_get_family (address) == G_SOCKET_FAMILY_IPV4;
    }

  for (gsize i = 0; i < length; i++)
    {
      guchar c = (guchar) domain[i];

      if (c == '.')
        {
          if (label == 0 || domain[i - 1] == '-')
            return FALSE;
          label = 0;
        }
      else if (g_ascii_isalnum (c) || c >= 0x80 || (c == '-' && label > 0))
        {
          if (++label > 63)   /* RFC 1035 2.3.4 */
            return FALSE;
        }
      else
        return FALSE;
    }
  return label > 0 && domain[length - 1] != '-';
}

/* Mailbox = Local-part "@" ( Domain / address-literal ) */
static gboolean
mailbox_is_valid (const char *mailbox)
{
  gsize length = strlen (mailbox);
  gsize i = 0;

  if (!g_utf8_validate (mailbox, -1, NULL))
    return FALSE;

  if (mailbox[0] == '"')
    {
      for (i = 1; i < length && mailbox[i] != '"'; i++)
        {
          guchar c = (guchar) mailbox[i];

          if (c == '\\')
            {
              i++;
              if (i >= length || (guchar) mailbox[i] < 0x20 || (guchar) mailbox[i] == 0x7f)
                return FALSE;
            }
          else if (c < 0x20 || c == 0x7f)
            return FALSE;
        }
      if (i >= length)
        return FALSE;
      i++;   /* the closing quote */
    }
  else
    {
      for (; i < length && mailbox[i] != '@'; i++)
        {
          if (mailbox[i] == '.')
            {
              if (i == 0 || mailbox[i - 1] == '.' || mailbox[i + 1] == '@' || mailbox[i + 1] == '\0')
                return FALSE;
            }
          else if (!is_atext ((guchar) mailbox[i]))
            return FALSE;
        }
      if (i == 0)
        return FALSE;
    }

  if (i > EP_SANDBOX_LOCAL_PART_MAX || i >= length || mailbox[i] != '@')
    return FALSE;
  return domain_is_valid (mailbox + i + 1, length - i - 1);
}

/* Splits "<path> params" as found after "FROM:" or "TO:". Returns the path without its
 * brackets (a source route dropped, RFC 5321 4.1.1.3) and the parameters after it. */
static gboolean
split_path (const char  *text,
            char       **out_path,
            const char **out_params)
{
  const char *p = text;
  const char *end;
  gboolean quoted = FALSE;

  if (*p != '<')
    return FALSE;
  for (end = p + 1; *end != '\0'; end++)
    {
      if (quoted && *end == '\\' && end[1] != '\0')
        end++;
      else if (*end == '"')
        quoted = !quoted;
      else if (!quoted && *end == '>')
        break;
    }
  if (*end != '>' || (gsize) (end - p + 1) > EP_SANDBOX_PATH_MAX)
    return FALSE;
  /* One space, then parameters: nothing else may follow the path. */
  if (end[1] != '\0' && (end[1] != ' ' || end[2] == '\0'))
    return FALSE;

  p++;
  if (*p == '@')
    {
      const char *colon = memchr (p, ':', (gsize) (end - p));

      if (colon == NULL)
        return FALSE;
      p = colon + 1;
    }
  *out_path = g_strndup (p, (gsize) (end - p));
  *out_params = end[1] == ' ' ? end + 2 : end + 1;
  return TRUE;
}

/* Text lines of DATA */

/* @text: DATA, whose lines are bounded; BDAT chunks may be binary, only their total is. */
static void
store_bytes (Session    *s,
             const void *data,
             gsize       length,
             gboolean    text)
{
  g_autoptr(GError) error = NULL;

  if (length == 0)
    return;
  s->line_length += length;
  if (text && s->line_length > EP_SANDBOX_DATA_LINE_MAX)
    s->line_too_long = TRUE;
  if (s->received + length > s->config->size_limit)
    s->too_big = TRUE;
  s->received += length;
  if (s->too_big || s->line_too_long || s->write_failed)
    return;
  if (!ep_sandbox_incoming_write (s->incoming, data, length, s->cancellable, &error))
    {
      transcript_info (s, "storing the message failed: %s", error->message);
      s->write_failed = TRUE;
    }
}

static void
end_of_line (Session *s)
{
  s->longest_line = MAX (s->longest_line, s->line_length);
  s->line_length = 0;
}

/* Copies the text up to <CRLF>.<CRLF> into the message, removing the dot that the client
 * added to each line starting with one (RFC 5321 4.5.2). Only CRLF ends a line: a bare LF
 * or CR is message text, so "<LF>.<LF>" and similar cannot end the data early (the
 * "SMTP smuggling" family of attacks). */
static ReadStatus
receive_text (Session  *s,
              GError  **error)
{
  DataState state = DATA_LINE_START;

  for (;;)
    {
      const guint8 *p, *end;
      ReadStatus status;

      if (s->in_start == s->in_end && (status = fill (s, error)) != READ_OK)
        return status;

      p = s->inbuf + s->in_start;
      end = s->inbuf + s->in_end;
      while (p < end)
        {
          switch (state)
            {
            case DATA_LINE_START:
              if (*p == '.')
                {
                  p++;
                  state = DATA_DOT;
                }
              else
                state = DATA_MIDLINE;
              break;

            case DATA_DOT:
              if (*p == '\r')
                {
                  p++;
                  state = DATA_DOT_CR;
                }
              else
                state = DATA_MIDLINE;   /* the stuffed dot is dropped */
              break;

            case DATA_DOT_CR:
              if (*p == '\n')
                {
                  s->in_start = (gsize) (p + 1 - s->inbuf);
                  return READ_OK;
                }
              store_bytes (s, "\r", 1, TRUE);
              state = DATA_AFTER_CR;
              break;

            case DATA_AFTER_CR:
              store_bytes (s, p, 1, TRUE);
              if (*p == '\n')
                {
                  end_of_line (s);
                  state = DATA_LINE_START;
                }
              else if (*p != '\r')
                state = DATA_MIDLINE;
              p++;
              break;

            case DATA_MIDLINE:
            default:
              {
                const guint8 *cr = memchr (p, '\r', (gsize) (end - p));
                const guint8 *stop = cr != NULL ? cr + 1 : end;

                store_bytes (s, p, (gsize) (stop - p), TRUE);
                p = stop;
                if (cr != NULL)
                  state = DATA_AFTER_CR;
              }
              break;
            }
        }
      s->in_start = s->in_end;
    }
}

/* Exactly @size octets of a BDAT chunk, stored when @store. */
static ReadStatus
receive_chunk (Session  *s,
               guint64   size,
               gboolean  store,
               GError  **error)
{
  while (size > 0)
    {
      gsize take;
      ReadStatus status;

      if (s->in_start == s->in_end && (status = fill (s, error)) != READ_OK)
        return status;
      take = (gsize) MIN ((guint64) (s->in_end - s->in_start), size);
      if (store)
        {
          const guint8 *p = s->inbuf + s->in_start;
          const guint8 *end = p + take;

          while (p < end)
            {
              const guint8 *lf = memchr (p, '\n', (gsize) (end - p));
              const guint8 *stop = lf != NULL ? lf + 1 : end;

              store_bytes (s, p, (gsize) (stop - p), FALSE);
              if (lf != NULL)
                end_of_line (s);
              p = stop;
            }
        }
      s->in_start += take;
      size -= take;
    }
  return READ_OK;
}

/* Ends a DATA or BDAT transfer: publishes the message or says why not. */
static void
finish_message (Session    *s,
                const char *transfer)
{
  g_autoptr(EpSandboxEntry) entry = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *final_reply = NULL;
  g_autoptr(GString) transcript = NULL;

  if (s->too_big)
    {
      reply (s, "552 5.3.4 Message size exceeds fixed limit of %" G_GUINT64_FORMAT " octets",
             s->config->size_limit);
      reset_transaction (s);
      return;
    }
  if (s->line_too_long)
    {
      reply (s, "500 5.5.2 Line too long (limit %d octets)", EP_SANDBOX_DATA_LINE_MAX);
      reset_transaction (s);
      return;
    }
  if (s->write_failed)
    {
      reply (s, "451 4.3.0 Could not store the message");
      reset_transaction (s);
      return;
    }

  entry = ep_sandbox_entry_new ();
  entry->sender = g_strdup (s->sender);
  g_ptr_array_add (s->recipients, NULL);
  entry->recipients = g_strdupv ((char **) s->recipients->pdata);
  g_ptr_array_set_size (s->recipients, s->recipients->len - 1);
  entry->received = g_date_time_new_now_utc ();
  entry->transfer = g_strdup (transfer);
  entry->body_type = g_strdup (s->body_type);
  entry->smtputf8 = s->smtputf8;
  entry->longest_line = MAX (s->longest_line, s->line_length);
  entry->client_name = g_strdup (s->client_name);
  entry->client_address = g_strdup (s->client_address);
  entry->greeting = g_strdup (s->greeting);
  entry->tls = s->tls != NULL;
  entry->tls_protocol = g_strdup (s->tls_protocol);
  entry->tls_cipher = g_strdup (s->tls_cipher);
  entry->auth_mechanism = g_strdup (s->auth_mechanism);
  entry->auth_user = g_strdup (s->auth_user);

  /* The record shows the whole dialogue, the reply about to be sent included. */
  final_reply = g_strdup_printf ("250 2.0.0 Ok: queued as %s",
                                 ep_sandbox_incoming_get_id (s->incoming));
  transcript = g_string_new (s->transcript->str);
  g_string_append_printf (transcript, "S: %s\n", final_reply);
  entry->transcript = g_string_free (g_steal_pointer (&transcript), FALSE);

  if (!ep_sandbox_incoming_commit (s->incoming, entry, s->cancellable, &error))
    {
      transcript_info (s, "storing the message failed: %s", error->message);
      reply (s, "451 4.3.0 Could not store the message");
    }
  else
    reply (s, "%s", final_reply);
  reset_transaction (s);
}

/* Commands */

static void
command_ehlo (Session    *s,
              const char *args)
{
  g_autofree char *size_line = NULL;

  if (args == NULL || *args == '\0' || strchr (args, ' ') != NULL ||
      strlen (args) > EP_SANDBOX_DOMAIN_MAX)
    {
      reply (s, "501 5.5.4 Syntax: EHLO domain-or-address-literal");
      return;
    }
  reset_transaction (s);
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
      strlen (args) > EP_SANDBOX_DOMAIN_MAX)
    {
      reply (s, "501 5.5.4 Syntax: HELO domain");
      return;
    }
  reset_transaction (s);
  g_free (s->greeting);
  s->greeting = g_strdup ("HELO");
  g_free (s->client_name);
  s->client_name = g_strdup (args);
  reply (s, "250 " SERVER_NAME);
}


static void
command_starttls (Session    *s,
                  const char *args)
{
  g_autoptr(GIOStream) tls = NULL;
  g_autoptr(GError) error = NULL;

  if (args != NULL)
    {
      reply (s, "501 5.5.4 Syntax: STARTTLS (no parameters)");
      return;
    }
  if (s->tls != NULL)
    {
      reply (s, "503 5.5.1 TLS already active");
      return;
    }
  if (s->greeting == NULL)
    {
      reply (s, "503 5.5.1 Send EHLO first");
      return;
    }

  reply (s, "220 2.0.0 Ready to start TLS");
  if (!flush (s, &error))
    {
      s->closing = TRUE;
      return;
    }
  /* Commands sent behind STARTTLS in the clear must not run inside TLS (CVE-2011-0411). */
  if (s->in_end > s->in_start)
    {
      transcript_info (s, "discarded %" G_GSIZE_FORMAT " octets sent after STARTTLS before the handshake",
                       s->in_end - s->in_start);
      s->in_start = s->in_end = 0;
    }

  tls = g_tls_server_connection_new (G_IO_STREAM (s->connection), s->config->certificate, &error);
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
        transcript_info (s, "TLS handshake not done in time");
      else
        transcript_info (s, "TLS handshake failed: %s", error->message);
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
  transcript_info (s, "TLS established: %s, %s", s->tls_protocol,
                   s->tls_cipher != NULL ? s->tls_cipher : "unknown cipher");
}

/* Strict base64 (RFC 4648 4) as RFC 4954 4 demands; "=" alone is an empty response. */
static GBytes *
decode_base64 (const char *text)
{
  gsize length = strlen (text);
  gsize padding = 0;
  guchar *data;
  gsize decoded = 0;

  if (g_str_equal (text, "="))
    return g_bytes_new (NULL, 0);
  if (length == 0 || length % 4 != 0)
    return NULL;
  for (gsize i = 0; i < length; i++)
    {
      char c = text[i];

      if (c == '=')
        {
          if (i < length - 2)
            return NULL;
          padding++;
        }
      else if (padding > 0 || !(g_ascii_isalnum (c) || c == '+' || c == '/'))
        return NULL;
    }
  data = g_base64_decode (text, &decoded);
  return g_bytes_new_take (data, decoded);
}

static gboolean
secret_equal (const char *given,
              gsize       given_length,
              const char *expected)
{
  gsize expected_length = strlen (expected);
  guchar difference = given_length != expected_length;

  /* Time independent of where the strings differ. */
  for (gsize i = 0; i < given_length; i++)
    difference |= (guchar) given[i] ^ (guchar) expected[expected_length > 0 ? i % expected_length : 0];
  return difference == 0;
}

/* A line of the AUTH exchange; NULL when the exchange ended (the reason already replied). */
static GBytes *
read_auth_response (Session *s)
{
  g_autoptr(GByteArray) line = g_byte_array_new ();
  g_autoptr(GError) error = NULL;
  gboolean too_long, bare_lf;
  g_autofree char *text = NULL;
  GBytes *decoded;

  if (read_line (s, EP_SANDBOX_AUTH_LINE_MAX, line, &too_long, &bare_lf, &error) != READ_OK)
    {
      s->closing = TRUE;
      return NULL;
    }
  transcript_add (s, 'C', "[redacted]", strlen ("[redacted]"));
  if (too_long)
    {
      reply (s, "500 5.5.6 Authentication Exchange line is too long");
      return NULL;
    }
  text = g_strndup ((const char *) line->data, line->len);
  if (g_str_equal (text, "*"))
    {
      reply (s, "501 5.7.0 Authentication cancelled");
      return NULL;
    }
  decoded = strlen (text) == line->len ? decode_base64 (text) : NULL;
  if (decoded == NULL)
    reply (s, "501 5.5.2 Cannot decode the response (base64 expected)");
  return decoded;
}

static void
check_credentials (Session    *s,
                   const char *mechanism,
                   const char *user,
                   gsize       user_length,
                   const char *password,
                   gsize       password_length)
{
  gboolean user_ok = secret_equal (user, user_length, s->config->username);
  gboolean password_ok = secret_equal (password, password_length, s->config->password);

  if (user_ok && password_ok)
    {
      s->auth_mechanism = g_strdup (mechanism);
      s->auth_user = g_strndup (user, user_length);
      /* From now on the session keeps its slot, whoever else wants one. */
      g_atomic_int_set (&s->slot->authenticated, 1);
      reply (s, "235 2.7.0 Authentication successful");
    }
  else
    reply (s, "535 5.7.8 Authentication credentials invalid");
}

/* RFC 4616: [authzid] NUL authcid NUL passwd */
static void
auth_plain (Session    *s,
            const char *initial)
{
  g_autoptr(GBytes) response = NULL;
  const char *data, *first_nul, *second_nul, *end;
  gsize length;

  if (initial != NULL)
    {
      response = decode_base64 (initial);
      if (response == NULL)
        {
          reply (s, "501 5.5.2 Cannot decode the response (base64 expected)");
          return;
        }
    }
  else
    {
      reply (s, "334 ");
      response = read_auth_response (s);
      if (response == NULL)
        return;
    }

  data = g_bytes_get_data (response, &length);
  /* An empty response ("=") has no data at all, not even a pointer to compute with. */
  if (length == 0)
    {
      reply (s, "501 5.5.2 Malformed PLAIN response");
      return;
    }
  end = data + length;
  first_nul = memchr (data, '\0', length);
  second_nul = first_nul != NULL ? memchr (first_nul + 1, '\0', (gsize) (end - first_nul - 1)) : NULL;
  if (second_nul == NULL || memchr (second_nul + 1, '\0', (gsize) (end - second_nul - 1)) != NULL)
    {
      reply (s, "501 5.5.2 Malformed PLAIN response");
      return;
    }
  /* Acting for another user is not possible here. */
  if (first_nul != data &&
      ((gsize) (first_nul - data) != (gsize) (second_nul - first_nul - 1) ||
       memcmp (data, first_nul + 1, (gsize) (first_nul - data)) != 0))
    {
      reply (s, "535 5.7.8 Authentication credentials invalid");
      return;
    }
  check_credentials (s, "PLAIN", first_nul + 1, (gsize) (second_nul - first_nul - 1),
                     second_nul + 1, (gsize) (end - second_nul - 1));
}

/* The LOGIN mechanism (draft-murchison-sasl-login): user name, then password. */
static void
auth_login (Session    *s,
            const char *initial)
{
  g_autoptr(GBytes) user = NULL;
  g_autoptr(GBytes) password = NULL;
  const char *user_data, *password_data;
  gsize user_length, password_length;

  if (initial != NULL)
    {
      user = decode_base64 (initial);
      if (user == NULL)
        {
          reply (s, "501 5.5.2 Cannot decode the response (base64 expected)");
          return;
        }
    }
  else
    {
      reply (s, "334 VXNlcm5hbWU6");   /* "Username:" */
      user = read_auth_response (s);
      if (user == NULL)
        return;
    }
  reply (s, "334 UGFzc3dvcmQ6");       /* "Password:" */
  password = read_auth_response (s);
  if (password == NULL)
    return;

  user_data = g_bytes_get_data (user, &user_length);
  password_data = g_bytes_get_data (password, &password_length);
  check_credentials (s, "LOGIN", user_data != NULL ? user_data : "", user_length,
                     password_data != NULL ? password_data : "", password_length);
}

static void
command_auth (Session    *s,
              const char *args)
{
  g_auto(GStrv) words = NULL;

  if (args == NULL || *args == '\0')
    {
      reply (s, "501 5.5.4 Syntax: AUTH mechanism [initial-response]");
      return;
    }
  if (s->greeting == NULL)
    {
      reply (s, "503 5.5.1 Send EHLO first");
      return;
    }
  if (s->tls == NULL)
    {
      reply (s, "538 5.7.11 Encryption required for requested authentication mechanism");
      return;
    }
  /* Also refuses AUTH inside a transaction (RFC 4954 4): MAIL needs authentication first. */
  if (s->auth_user != NULL)
    {
      reply (s, "503 5.5.1 Already authenticated");
      return;
    }

  words = g_strsplit (args, " ", 0);
  if (g_strv_length (words) > 2 || *words[0] == '\0' ||
      (words[1] != NULL && *words[1] == '\0'))
    {
      reply (s, "501 5.5.4 Syntax: AUTH mechanism [initial-response]");
      return;
    }
  if (g_ascii_strcasecmp (words[0], "PLAIN") == 0)
    auth_plain (s, words[1]);
  else if (g_ascii_strcasecmp (words[0], "LOGIN") == 0)
    auth_login (s, words[1]);
  else
    reply (s, "504 5.5.4 Unrecognized authentication type");
}

static gboolean
parse_size_value (const char *text,
                  guint64    *out)
{
  /* G_MAXUINT64 has 20 digits: longer is an overflow, not a size. */
  if (*text == '\0' || strlen (text) > 20)
    return FALSE;
  for (const char *p = text; *p != '\0'; p++)
    if (!g_ascii_isdigit (*p))
      return FALSE;
  return g_ascii_string_to_unsigned (text, 10, 0, G_MAXUINT64, out, NULL);
}

static void
command_mail (Session    *s,
              const char *args)
{
  g_autofree char *path = NULL;
  g_auto(GStrv) params = NULL;
  const char *rest = NULL;
  gboolean seen_size = FALSE, seen_body = FALSE, seen_utf8 = FALSE, seen_auth = FALSE;
  g_autofree char *body_type = NULL;

  if (s->greeting == NULL)
    {
      reply (s, "503 5.5.1 Send EHLO or HELO first");
      return;
    }
  if (s->auth_user == NULL)
    {
      reply (s, "530 5.7.0 Authentication required");
      return;
    }
  if (s->in_transaction)
    {
      reply (s, "503 5.5.1 Sender already specified");
      return;
    }
  if (args == NULL || g_ascii_strncasecmp (args, "FROM:", 5) != 0 ||
      !split_path (args + 5, &path, &rest))
    {
      reply (s, "501 5.5.4 Syntax: MAIL FROM:<address> [parameters]");
      return;
    }

  params = g_strsplit (rest, " ", 0);
  for (guint i = 0; params[i] != NULL; i++)
    {
      const char *param = params[i];
      const char *value = strchr (param, '=');
      gsize key_length = value != NULL ? (gsize) (value - param) : strlen (param);

      if (value != NULL)
        value++;
      if (*param == '\0')
        {
          reply (s, "501 5.5.4 Syntax: MAIL FROM:<address> [parameters]");
          return;
        }
      if (key_length == 4 && g_ascii_strncasecmp (param, "SIZE", 4) == 0 && !seen_size)
        {
          guint64 size;

          seen_size = TRUE;
          if (value == NULL || !parse_size_value (value, &size))
            {
              reply (s, "501 5.5.4 Syntax: SIZE=octets");
              return;
            }
          /* RFC 1870 6.2 */
          if (size > s->config->size_limit)
            {
              reply (s, "552 5.3.4 Message size exceeds fixed limit of %" G_GUINT64_FORMAT " octets",
                     s->config->size_limit);
              return;
            }
        }
      else if (key_length == 4 && g_ascii_strncasecmp (param, "BODY", 4) == 0 && !seen_body)
        {
          seen_body = TRUE;
          if (value != NULL && (g_ascii_strcasecmp (value, "7BIT") == 0 ||
                                g_ascii_strcasecmp (value, "8BITMIME") == 0))
            body_type = g_ascii_strup (value, -1);
          else if (value != NULL && g_ascii_strcasecmp (value, "BINARYMIME") == 0)
            {
              reply (s, "555 5.5.4 BODY=BINARYMIME is not offered");
              return;
            }
          else
            {
              reply (s, "501 5.5.4 Syntax: BODY=7BIT or BODY=8BITMIME");
              return;
            }
        }
      else if (key_length == 8 && g_ascii_strncasecmp (param, "SMTPUTF8", 8) == 0 &&
               value == NULL && !seen_utf8)
        seen_utf8 = TRUE;
      else if (key_length == 4 && g_ascii_strncasecmp (param, "AUTH", 4) == 0 &&
               value != NULL && !seen_auth)
        seen_auth = TRUE;   /* RFC 4954 5: accepted and ignored */
      else
        {
          reply (s, "555 5.5.4 Unsupported parameter");
          return;
        }
    }

  if (*path != '\0' && !mailbox_is_valid (path))
    {
      reply (s, "501 5.1.7 Bad sender address syntax");
      return;
    }
  if (!seen_utf8 && !is_ascii (path))
    {
      reply (s, "553 5.6.7 Non-ASCII address requires SMTPUTF8");
      return;
    }

  s->in_transaction = TRUE;
  s->sender = g_steal_pointer (&path);
  s->body_type = g_steal_pointer (&body_type);
  s->smtputf8 = seen_utf8;
  reply (s, "250 2.1.0 Sender OK");
}

static void
command_rcpt (Session    *s,
              const char *args)
{
  g_autofree char *path = NULL;
  const char *rest = NULL;

  if (!s->in_transaction)
    {
      reply (s, "503 5.5.1 Need MAIL before RCPT");
      return;
    }
  if (args == NULL || g_ascii_strncasecmp (args, "TO:", 3) != 0 ||
      !split_path (args + 3, &path, &rest))
    {
      reply (s, "501 5.5.4 Syntax: RCPT TO:<address>");
      return;
    }
  if (*rest != '\0')
    {
      reply (s, "555 5.5.4 Unsupported parameter");
      return;
    }
  /* RFC 5321 4.1.1.3: <Postmaster> without a domain must be accepted. */
  if (g_ascii_strcasecmp (path, "postmaster") != 0 && !mailbox_is_valid (path))
    {
      reply (s, "501 5.1.3 Bad recipient address syntax");
      return;
    }
  if (!s->smtputf8 && !is_ascii (path))
    {
      reply (s, "553 5.6.7 Non-ASCII address requires SMTPUTF8");
      return;
    }
  if (s->recipients->len >= EP_SANDBOX_MAX_RECIPIENTS)
    {
      reply (s, "452 4.5.3 Too many recipients");
      return;
    }
  g_ptr_array_add (s->recipients, g_steal_pointer (&path));
  reply (s, "250 2.1.5 Recipient OK");
}

/* Whether a DATA or BDAT may carry a message now; replies when not. */
static gboolean
transaction_ready (Session    *s,
                   const char *verb)
{
  if (!s->in_transaction)
    {
      reply (s, "503 5.5.1 Need MAIL before %s", verb);
      return FALSE;
    }
  if (s->recipients->len == 0)
    {
      /* RFC 2920 3.1: the client may have pipelined past refused recipients. */
      reply (s, "554 5.5.1 No valid recipients");
      return FALSE;
    }
  return TRUE;
}

static gboolean
start_message (Session *s)
{
  g_autoptr(GError) error = NULL;

  s->incoming = ep_sandbox_incoming_new (&error);
  if (s->incoming == NULL)
    {
      transcript_info (s, "storing the message failed: %s", error->message);
      reply (s, "451 4.3.0 Could not store the message");
      return FALSE;
    }
  return TRUE;
}

/* The client went away or fell silent in the middle of a message, which is dropped. */
/* A read timed out: the client was idle, or the whole session took too long. @verb: during
 * which command, or %NULL between commands. */
static void
timed_out (Session    *s,
           const char *verb)
{
  if (s->expired)
    {
      transcript_info (s, "session longer than %u seconds%s%s", s->config->session_timeout > 0 ?
                       s->config->session_timeout : EP_SANDBOX_DEFAULT_SESSION_TIMEOUT,
                       verb != NULL ? " during " : "", verb != NULL ? verb : "");
      reply (s, "421 4.4.2 " SERVER_NAME " Session too long, closing connection");
    }
  else
    {
      transcript_info (s, "idle for %u seconds%s%s", s->config->idle_timeout,
                       verb != NULL ? " during " : "", verb != NULL ? verb : "");
      reply (s, "421 4.4.2 " SERVER_NAME " Idle timeout, closing connection");
    }
}

/* The server needed the slot for a newer connection (this client had not authenticated): say
 * so, as RFC 5321 3.8 lets a server that must close. */
static gboolean
dropped (Session      *s,
         const GError *error)
{
  if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) || !g_atomic_int_get (&s->slot->evicted) ||
      s->eof)
    return FALSE;

  transcript_info (s, "dropped to make room for a new connection");
  /* Only the server's stop may cut the last words short now. */
  s->cancellable = s->config->cancellable;
  reply (s, "421 4.3.2 " SERVER_NAME " Too many connections, closing connection");
  return TRUE;
}

static void
transfer_failed (Session      *s,
                 const char   *verb,
                 const GError *error)
{
  reset_transaction (s);
  s->closing = TRUE;
  if (error == NULL)
    transcript_info (s, "the client closed the connection during %s", verb);
  else if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT))
    timed_out (s, verb);
  else if (dropped (s, error))
    ;
  else
    {
      transcript_info (s, "connection failed during %s: %s", verb, error->message);
      s->eof = TRUE;
    }
}

static void
command_data (Session    *s,
              const char *args)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *summary = NULL;

  if (args != NULL)
    {
      reply (s, "501 5.5.4 Syntax: DATA (no parameters)");
      return;
    }
  if (s->incoming != NULL)
    {
      reply (s, "503 5.5.1 DATA not permitted after BDAT");
      return;
    }
  if (!transaction_ready (s, "DATA") || !start_message (s))
    return;

  reply (s, "354 End data with <CR><LF>.<CR><LF>");
  if (receive_text (s, &error) != READ_OK)
    {
      transfer_failed (s, "DATA", error);
      return;
    }
  summary = g_strdup_printf ("[message text: %" G_GUINT64_FORMAT " octets]", s->received);
  transcript_add (s, 'C', summary, strlen (summary));
  finish_message (s, "DATA");
}

static void
command_bdat (Session    *s,
              const char *args)
{
  g_auto(GStrv) words = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *summary = NULL;
  guint64 size = 0;
  gboolean last = FALSE;
  gboolean ready;

  if (args != NULL)
    words = g_strsplit (args, " ", 0);
  if (words == NULL || !parse_size_value (words[0], &size) ||
      (words[1] != NULL && (g_ascii_strcasecmp (words[1], "LAST") != 0 || words[2] != NULL)))
    {
      /* Without a size the chunk cannot be skipped: what follows is read as commands. */
      reply (s, "501 5.5.4 Syntax: BDAT chunk-size [LAST]");
      return;
    }
  last = words[1] != NULL;

  /* RFC 3030 2: the chunk is read whatever the reply will be. */
  ready = s->incoming != NULL || (transaction_ready (s, "BDAT") && start_message (s));
  if (ready && !s->too_big && s->received + size > s->config->size_limit)
    s->too_big = TRUE;   /* known now; the chunk is still read, but not stored */
  if (receive_chunk (s, size, ready && !s->too_big, &error) != READ_OK)
    {
      transfer_failed (s, "BDAT", error);
      return;
    }
  summary = g_strdup_printf ("[chunk: %" G_GUINT64_FORMAT " octets]", size);
  transcript_add (s, 'C', summary, strlen (summary));
  if (!ready)
    return;

  if (s->too_big || s->write_failed)
    finish_message (s, "BDAT");   /* replies 552 or 451 and ends the transaction */
  else if (last)
    finish_message (s, "BDAT");
  else
    reply (s, "250 2.0.0 %" G_GUINT64_FORMAT " octets received", size);
}

static void
command_rset (Session    *s,
              const char *args)
{
  if (args != NULL)
    {
      reply (s, "501 5.5.4 Syntax: RSET (no parameters)");
      return;
    }
  reset_transaction (s);
  reply (s, "250 2.0.0 Ok");
}

static void
command_noop (Session    *s,
              const char *args)
{
  reply (s, "250 2.0.0 Ok");
}

static void
command_quit (Session    *s,
              const char *args)
{
  if (args != NULL)
    {
      reply (s, "501 5.5.4 Syntax: QUIT (no parameters)");
      return;
    }
  reply (s, "221 2.0.0 Bye");
  s->closing = TRUE;
}

static void
command_vrfy (Session    *s,
              const char *args)
{
  if (args == NULL || *args == '\0')
    {
      reply (s, "501 5.5.4 Syntax: VRFY address");
      return;
    }
  /* RFC 5321 3.5.3: 252 when the server will not verify but would accept mail. */
  reply (s, "252 2.0.0 Cannot verify the user, but will accept the message");
}

static void
command_help (Session    *s,
              const char *args)
{
  reply (s, "214 2.0.0 Commands: EHLO HELO STARTTLS AUTH MAIL RCPT DATA BDAT RSET NOOP QUIT VRFY HELP");
}

static void
command_not_implemented (Session    *s,
                         const char *args)
{
  reply (s, "502 5.5.1 Command not implemented");
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
      transcript_add (s, 'C', "[line too long]", strlen ("[line too long]"));
      if (line->len >= 5 && g_ascii_strncasecmp ((const char *) line->data, "AUTH ", 5) == 0)
        reply (s, "500 5.5.6 Authentication Exchange line is too long");
      else
        reply (s, "500 5.5.2 Line too long (limit %d octets)", EP_SANDBOX_COMMAND_LINE_MAX);
      return;
    }

  /* Logged before anything is checked: a malformed AUTH line still carries its secret. */
  if (!transcript_add_auth (s, line->data, line->len))
    transcript_add (s, 'C', (const char *) line->data, line->len);

  text = g_strndup ((const char *) line->data, line->len);
  space = strchr (text, ' ');
  verb_length = space != NULL ? (gsize) (space - text) : strlen (text);

  /* Only AUTH may use the longer line of RFC 4954 4. */
  if (line->len + 2 > EP_SANDBOX_COMMAND_LINE_MAX &&
      !(verb_length == 4 && g_ascii_strncasecmp (text, "AUTH", 4) == 0))
    {
      reply (s, "500 5.5.2 Line too long (limit %d octets)", EP_SANDBOX_COMMAND_LINE_MAX);
      return;
    }
  if (bare_lf)
    {
      reply (s, "500 5.5.2 Syntax error: lines must end with CRLF");
      return;
    }
  if (strlen (text) != line->len || !is_printable_utf8 (text) || line->len == 0)
    {
      reply (s, "500 5.5.2 Syntax error");
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
  reply (s, "500 5.5.1 Command not recognized");
}

static void
session_loop (Session *s)
{
  g_autoptr(GByteArray) line = g_byte_array_new ();

  reply (s, "220 " SERVER_NAME " ESMTP Epistle Sandbox");
  while (!s->closing)
    {
      g_autoptr(GError) error = NULL;
      gboolean too_long, bare_lf;
      ReadStatus status;

      status = read_line (s, EP_SANDBOX_AUTH_LINE_MAX, line, &too_long, &bare_lf, &error);
      if (status == READ_EOF)
        {
          transcript_info (s, "the client closed the connection");
          break;
        }
      if (status == READ_FAILED)
        {
          if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT))
            timed_out (s, NULL);
          else if (dropped (s, error))
            ;
          else
            {
              transcript_info (s, "connection failed: %s", error->message);
              s->eof = TRUE;
            }
          break;
        }
      if (++s->commands > EP_SANDBOX_MAX_COMMANDS)
        {
          reply (s, "421 4.7.0 " SERVER_NAME " Too many commands, closing connection");
          break;
        }
      handle_line (s, line, too_long, bare_lf);
      if (!s->closing && s->errors > EP_SANDBOX_MAX_ERRORS)
        {
          reply (s, "421 4.7.0 " SERVER_NAME " Too many errors, closing connection");
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
  s->transcript = g_string_new (NULL);
  s->recipients = g_ptr_array_new_with_free_func (g_free);
  s->client_address = describe_address (connection);

  /* Deadlines bound whole operations (ep-io-deadline.h), not a socket timeout: that would bound
   * each socket read or write, of which one TLS record takes many, and the TLS backend takes a
   * socket timeout inside a write for a write done. */
  g_socket_set_timeout (socket, 0);
  s->deadline = g_get_monotonic_time () +
                (gint64) (config->session_timeout > 0 ? config->session_timeout
                                                      : EP_SANDBOX_DEFAULT_SESSION_TIMEOUT) * G_USEC_PER_SEC;
  transcript_info (s, "connection from %s", s->client_address != NULL ? s->client_address : "?");

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
  g_string_free (s->transcript, TRUE);
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
