/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-sandbox-session-mail.c: the mail transaction (MAIL, RCPT, DATA, BDAT); paths are read with
 * the client's own grammar (smtp/ep-smtp-path.h). */
#include "config.h"

#include "ep-sandbox-session-private.h"

#include <string.h>

#include "ep-smtp-path.h"
#include "ep-text.h"

typedef enum {
  DATA_LINE_START,
  DATA_MIDLINE,
  DATA_AFTER_CR,
  DATA_DOT,
  DATA_DOT_CR,
} DataState;

void
ep_sandbox_session_reset_transaction (Session *s)
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
      ep_smtp_transcript_add_printf (s->transcript, EP_SMTP_TRANSCRIPT_INFO, "storing the message failed: %s", error->message);
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

      if (s->in_start == s->in_end && (status = ep_sandbox_session_fill (s, error)) != READ_OK)
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

      if (s->in_start == s->in_end && (status = ep_sandbox_session_fill (s, error)) != READ_OK)
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
  g_autofree char *transcript = NULL;

  if (s->too_big)
    {
      ep_sandbox_session_reply (s, "552 5.3.4 Message size exceeds fixed limit of %" G_GUINT64_FORMAT " octets",
                                s->config->size_limit);
      ep_sandbox_session_reset_transaction (s);
      return;
    }
  if (s->line_too_long)
    {
      ep_sandbox_session_reply (s, "500 5.5.2 Line too long (limit %d octets)",
                                EP_SANDBOX_DATA_LINE_MAX);
      ep_sandbox_session_reset_transaction (s);
      return;
    }
  if (s->write_failed)
    {
      ep_sandbox_session_reply (s, "451 4.3.0 Could not store the message");
      ep_sandbox_session_reset_transaction (s);
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
  transcript = ep_smtp_transcript_to_string (s->transcript);
  entry->transcript = g_strdup_printf ("%s%c: %s\n", transcript, EP_SMTP_TRANSCRIPT_SERVER, final_reply);

  if (!ep_sandbox_incoming_commit (s->incoming, entry, s->cancellable, &error))
    {
      ep_smtp_transcript_add_printf (s->transcript, EP_SMTP_TRANSCRIPT_INFO, "storing the message failed: %s", error->message);
      ep_sandbox_session_reply (s, "451 4.3.0 Could not store the message");
    }
  else
    ep_sandbox_session_reply (s, "%s", final_reply);
  ep_sandbox_session_reset_transaction (s);
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

void
ep_sandbox_session_command_mail (Session    *s,
                                 const char *args)
{
  g_autofree char *path = NULL;
  g_auto(GStrv) params = NULL;
  const char *rest = NULL;
  gboolean seen_size = FALSE, seen_body = FALSE, seen_utf8 = FALSE, seen_auth = FALSE;
  g_autofree char *body_type = NULL;

  if (s->greeting == NULL)
    {
      ep_sandbox_session_reply (s, "503 5.5.1 Send EHLO or HELO first");
      return;
    }
  if (s->auth_user == NULL)
    {
      ep_sandbox_session_reply (s, "530 5.7.0 Authentication required");
      return;
    }
  if (s->in_transaction)
    {
      ep_sandbox_session_reply (s, "503 5.5.1 Sender already specified");
      return;
    }
  if (args == NULL || g_ascii_strncasecmp (args, "FROM:", 5) != 0 ||
      !ep_smtp_path_split (args + 5, &path, &rest))
    {
      ep_sandbox_session_reply (s, "501 5.5.4 Syntax: MAIL FROM:<address> [parameters]");
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
          ep_sandbox_session_reply (s, "501 5.5.4 Syntax: MAIL FROM:<address> [parameters]");
          return;
        }
      if (key_length == 4 && g_ascii_strncasecmp (param, "SIZE", 4) == 0 && !seen_size)
        {
          guint64 size;

          seen_size = TRUE;
          if (value == NULL || !parse_size_value (value, &size))
            {
              ep_sandbox_session_reply (s, "501 5.5.4 Syntax: SIZE=octets");
              return;
            }
          /* RFC 1870 6.2 */
          if (size > s->config->size_limit)
            {
              ep_sandbox_session_reply (s, "552 5.3.4 Message size exceeds fixed limit of %" G_GUINT64_FORMAT " octets",
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
              ep_sandbox_session_reply (s, "555 5.5.4 BODY=BINARYMIME is not offered");
              return;
            }
          else
            {
              ep_sandbox_session_reply (s, "501 5.5.4 Syntax: BODY=7BIT or BODY=8BITMIME");
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
          ep_sandbox_session_reply (s, "555 5.5.4 Unsupported parameter");
          return;
        }
    }

  if (!ep_smtp_reverse_path_is_valid (path))
    {
      ep_sandbox_session_reply (s, "501 5.1.7 Bad sender address syntax");
      return;
    }
  if (!seen_utf8 && !ep_text_is_ascii (path, -1))
    {
      ep_sandbox_session_reply (s, "553 5.6.7 Non-ASCII address requires SMTPUTF8");
      return;
    }

  s->in_transaction = TRUE;
  s->sender = g_steal_pointer (&path);
  s->body_type = g_steal_pointer (&body_type);
  s->smtputf8 = seen_utf8;
  ep_sandbox_session_reply (s, "250 2.1.0 Sender OK");
}

void
ep_sandbox_session_command_rcpt (Session    *s,
                                 const char *args)
{
  g_autofree char *path = NULL;
  const char *rest = NULL;

  if (!s->in_transaction)
    {
      ep_sandbox_session_reply (s, "503 5.5.1 Need MAIL before RCPT");
      return;
    }
  if (args == NULL || g_ascii_strncasecmp (args, "TO:", 3) != 0 ||
      !ep_smtp_path_split (args + 3, &path, &rest))
    {
      ep_sandbox_session_reply (s, "501 5.5.4 Syntax: RCPT TO:<address>");
      return;
    }
  if (*rest != '\0')
    {
      ep_sandbox_session_reply (s, "555 5.5.4 Unsupported parameter");
      return;
    }
  /* RFC 5321 4.1.1.3: <Postmaster> without a domain is accepted. */
  if (!ep_smtp_forward_path_is_valid (path))
    {
      ep_sandbox_session_reply (s, "501 5.1.3 Bad recipient address syntax");
      return;
    }
  if (!s->smtputf8 && !ep_text_is_ascii (path, -1))
    {
      ep_sandbox_session_reply (s, "553 5.6.7 Non-ASCII address requires SMTPUTF8");
      return;
    }
  if (s->recipients->len >= EP_SANDBOX_MAX_RECIPIENTS)
    {
      ep_sandbox_session_reply (s, "452 4.5.3 Too many recipients");
      return;
    }
  g_ptr_array_add (s->recipients, g_steal_pointer (&path));
  ep_sandbox_session_reply (s, "250 2.1.5 Recipient OK");
}

/* Whether a DATA or BDAT may carry a message now; replies when not. */
static gboolean
transaction_ready (Session    *s,
                   const char *verb)
{
  if (!s->in_transaction)
    {
      ep_sandbox_session_reply (s, "503 5.5.1 Need MAIL before %s", verb);
      return FALSE;
    }
  if (s->recipients->len == 0)
    {
      /* RFC 2920 3.1: the client may have pipelined past refused recipients. */
      ep_sandbox_session_reply (s, "554 5.5.1 No valid recipients");
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
      ep_smtp_transcript_add_printf (s->transcript, EP_SMTP_TRANSCRIPT_INFO, "storing the message failed: %s", error->message);
      ep_sandbox_session_reply (s, "451 4.3.0 Could not store the message");
      return FALSE;
    }
  return TRUE;
}

/* The client went away or fell silent in the middle of a message, which is dropped. */
static void
transfer_failed (Session      *s,
                 const char   *verb,
                 const GError *error)
{
  ep_sandbox_session_reset_transaction (s);
  s->closing = TRUE;
  if (error == NULL)
    ep_smtp_transcript_add_printf (s->transcript, EP_SMTP_TRANSCRIPT_INFO, "the client closed the connection during %s", verb);
  else if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT))
    ep_sandbox_session_timed_out (s, verb);
  else if (ep_sandbox_session_dropped (s, error))
    ;
  else
    {
      ep_smtp_transcript_add_printf (s->transcript, EP_SMTP_TRANSCRIPT_INFO, "connection failed during %s: %s", verb,
                                          error->message);
      s->eof = TRUE;
    }
}

void
ep_sandbox_session_command_data (Session    *s,
                                 const char *args)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *summary = NULL;

  if (args != NULL)
    {
      ep_sandbox_session_reply (s, "501 5.5.4 Syntax: DATA (no parameters)");
      return;
    }
  if (s->incoming != NULL)
    {
      ep_sandbox_session_reply (s, "503 5.5.1 DATA not permitted after BDAT");
      return;
    }
  if (!transaction_ready (s, "DATA") || !start_message (s))
    return;

  ep_sandbox_session_reply (s, "354 End data with <CR><LF>.<CR><LF>");
  if (receive_text (s, &error) != READ_OK)
    {
      transfer_failed (s, "DATA", error);
      return;
    }
  summary = g_strdup_printf ("[message text: %" G_GUINT64_FORMAT " octets]", s->received);
  ep_smtp_transcript_add (s->transcript, EP_SMTP_TRANSCRIPT_CLIENT, summary);
  finish_message (s, "DATA");
}

void
ep_sandbox_session_command_bdat (Session    *s,
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
      ep_sandbox_session_reply (s, "501 5.5.4 Syntax: BDAT chunk-size [LAST]");
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
  ep_smtp_transcript_add (s->transcript, EP_SMTP_TRANSCRIPT_CLIENT, summary);
  if (!ready)
    return;

  if (s->too_big || s->write_failed)
    finish_message (s, "BDAT");   /* replies 552 or 451 and ends the transaction */
  else if (last)
    finish_message (s, "BDAT");
  else
    ep_sandbox_session_reply (s, "250 2.0.0 %" G_GUINT64_FORMAT " octets received", size);
}
