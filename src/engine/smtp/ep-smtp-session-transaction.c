/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-smtp-session-transaction.c: the MAIL transactions: pipelined envelope, RCPT outcomes,
 * the body streamed as DATA or BDAT, the final reply, and another transaction after a 452. */
#include "config.h"

#include <inttypes.h>

#include <string.h>
#include <glib/gi18n-lib.h>

#include "ep-mime-writer.h"
#include "ep-smtp-data-stream.h"
#include "ep-smtp-session-private.h"

/* When a body write fails the server may have said why (e.g. 552) just before closing. */
#define EARLY_REPLY_TIMEOUT_MS     1000
/* Octets read from --raw input at a time: large writes keep the socket the limit. */
#define RAW_COPY_BUFFER            (256 * 1024)
/* RFC 3461 §4.4: ENVID's value, xtext included, is at most 100 characters; a longer one is left
 * out (it only helps match a notification to the message). */
#define DSN_ENVID_MAX              100
/* RFC 3461 §4.2: ORCPT's value, address type and xtext included, is at most 500 characters. */
#define DSN_ORCPT_MAX              500

typedef struct {
  GPtrArray *accepted;   /* recipients accepted in this transaction */
  GPtrArray *deferred;   /* 452 too many recipients: for the next transaction */
  guint      refused;    /* 5xx */
  guint      temporary;  /* 4xx other than deferral */
} RcptOutcome;

static void
rcpt_outcome_clear (RcptOutcome *o)
{
  g_clear_pointer (&o->accepted, g_ptr_array_unref);
  g_clear_pointer (&o->deferred, g_ptr_array_unref);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (RcptOutcome, rcpt_outcome_clear)

static void
record_rcpt_reply (Session           *s,
                   const char        *address,
                   const EpSmtpReply *reply)
{
  EpSmtpRecipientResult *r = ep_smtp_result_find_recipient (s->result, address);

  if (r == NULL)
    return;
  r->code = reply->code;
  g_free (r->enhanced);
  r->enhanced = g_strdup (reply->enhanced);
  g_free (r->text);
  r->text = ep_smtp_reply_dup_text (reply, " ");
}

static char *
mail_from_command (Session *s)
{
  GString *command = g_string_new (NULL);

  g_string_append_printf (command, "MAIL FROM:<%s>", s->sender);
  if (ep_smtp_capabilities_has (s->caps, EP_SMTP_CAP_SIZE) && s->size > 0)
    g_string_append_printf (command, " SIZE=%" G_GUINT64_FORMAT, s->size);
  /* RFC 6152: declare 8-bit content when there is (or may be, for raw input) any. */
  if (ep_smtp_capabilities_has (s->caps, EP_SMTP_CAP_8BITMIME) && (s->needs_8bitmime || s->raw != NULL))
    g_string_append (command, " BODY=8BITMIME");
  if (s->needs_smtputf8)
    g_string_append (command, " SMTPUTF8");
  /* RFC 4865 §4: the release time in UTC (RFC 3339), whole seconds. */
  if (s->hold_until != NULL)
    {
      g_autoptr(GDateTime) utc = g_date_time_to_utc (s->hold_until);
      g_autofree char *when = g_date_time_format (utc, "%Y-%m-%dT%H:%M:%SZ");

      g_string_append_printf (command, " HOLDUNTIL=%s", when);
    }
  /* RFC 3461 §4.3, §4.4: what a notification returns and the envelope's own identifier, tied to
   * the Message-ID so that a notification names the message it is about. With NEVER no
   * notification comes, so neither has a use. */
  if (s->dsn_notify != EP_SMTP_DSN_NONE && s->dsn_notify != EP_SMTP_DSN_NEVER)
    {
      const char *envid = s->dsn_envid;

      g_string_append_printf (command, " RET=%s", s->dsn_ret == EP_SMTP_DSN_RET_FULL ? "FULL" : "HDRS");
      if (envid == NULL && s->message != NULL)
        envid = ep_message_get_message_id (s->message);
      if (envid != NULL && *envid != '\0')
        {
          g_autofree char *xtext = ep_smtp_xtext_encode (envid);

          if (strlen (xtext) <= DSN_ENVID_MAX)
            g_string_append_printf (command, " ENVID=%s", xtext);
        }
    }
  /* RFC 8689 §4.1: only when offered (check_before_mail decided whether to go without). */
  if (s->require_tls != EP_SMTP_REQUIRE_TLS_OFF && ep_smtp_capabilities_has (s->caps, EP_SMTP_CAP_REQUIRETLS))
    g_string_append (command, " REQUIRETLS");

  return g_string_free (command, FALSE);
}

static char *
rcpt_to_command (Session    *s,
                 const char *address)
{
  GString *command = g_string_new (NULL);
  g_autofree char *notify = ep_smtp_dsn_notify_to_string (s->dsn_notify);

  g_string_append_printf (command, "RCPT TO:<%s>", address);
  if (notify != NULL)
    {
      g_string_append_printf (command, " NOTIFY=%s", notify);
      /* RFC 3461 §4.2: the address as given, so that a notification names it even after
       * forwarding. The "rfc822" type holds ASCII only; an address with UTF-8 would need RFC
       * 6533's "utf-8" type, and ORCPT is optional: it is left out then. */
      if (g_str_is_ascii (address))
        {
          g_autofree char *xtext = ep_smtp_xtext_encode (address);

          if (strlen ("rfc822;") + strlen (xtext) <= DSN_ORCPT_MAX)
            g_string_append_printf (command, " ORCPT=rfc822;%s", xtext);
        }
    }

  return g_string_free (command, FALSE);
}

/* Local refusals before the first envelope byte: too big, or an extension needed (8BITMIME for
 * raw input, SMTPUTF8, DSN, REQUIRETLS, FUTURERELEASE) but not offered. */
static gboolean
check_before_mail (Session *s,
                   GError **error)
{
  /* An attached message with 8-bit octets goes as it is only to a server with 8BITMIME; for any
   * other it is attached as a file in base64 (7-bit clean), and the message measured again. */
  if (s->needs_8bitmime && s->message != NULL
      && !ep_smtp_capabilities_has (s->caps, EP_SMTP_CAP_8BITMIME))
    {
      ep_message_set_allow_8bit (s->message, FALSE);
      if (!ep_mime_writer_prepare (s->message, error))
        return FALSE;
      s->size = ep_mime_writer_get_size (s->message);
      s->result->message_size = s->size;
      s->needs_8bitmime = ep_message_needs_8bitmime (s->message);
    }

  /* Raw bytes made for a server with 8BITMIME cannot change now: 8-bit octets to a server
   * without it are not allowed (RFC 6152 §3), so nothing goes. */
  if (s->needs_8bitmime && s->raw != NULL && !ep_smtp_capabilities_has (s->caps, EP_SMTP_CAP_8BITMIME))
    {
      g_set_error_literal (error, EP_SMTP_ERROR, EP_SMTP_ERROR_8BITMIME_UNSUPPORTED,
                           _("The message has 8-bit text, but the server does not offer 8BITMIME"));
      return FALSE;
    }

  if (ep_smtp_capabilities_has (s->caps, EP_SMTP_CAP_SIZE) && s->caps->size_max > 0
      && s->size > s->caps->size_max)
    {
      g_autofree char *size = g_format_size_full (s->size, G_FORMAT_SIZE_IEC_UNITS);
      g_autofree char *limit = g_format_size_full (s->caps->size_max, G_FORMAT_SIZE_IEC_UNITS);

      g_set_error (error, EP_SMTP_ERROR, EP_SMTP_ERROR_MESSAGE_TOO_BIG,
                   _("The message is %s (%" PRIu64 " octets) but the server accepts at most %s (%" PRIu64 " octets)"),
                   size, s->size, limit, s->caps->size_max);
      return FALSE;
    }

  if (s->needs_smtputf8 && !ep_smtp_capabilities_has (s->caps, EP_SMTP_CAP_SMTPUTF8))
    {
      g_set_error_literal (error, EP_SMTP_ERROR, EP_SMTP_ERROR_SMTPUTF8_UNSUPPORTED,
                           _("An address has a non-ASCII local part, but the server does not support SMTPUTF8"));
      return FALSE;
    }

  if (s->dsn_notify != EP_SMTP_DSN_NONE && !ep_smtp_capabilities_has (s->caps, EP_SMTP_CAP_DSN))
    {
      g_set_error_literal (error, EP_SMTP_ERROR, EP_SMTP_ERROR_DSN_UNSUPPORTED,
                           _("Delivery notifications were asked for, but the server does not offer them (no DSN)"));
      return FALSE;
    }

  /* RFC 8689 §4.1: a server offers REQUIRETLS only over TLS; one that offers it in clear is not
   * believed. */
  if (s->require_tls != EP_SMTP_REQUIRE_TLS_OFF
      && (!ep_smtp_capabilities_has (s->caps, EP_SMTP_CAP_REQUIRETLS)
          || s->config->security == EP_SMTP_SECURITY_NONE))
    {
      if (s->require_tls == EP_SMTP_REQUIRE_TLS_ON)
        {
          g_set_error_literal (error, EP_SMTP_ERROR, EP_SMTP_ERROR_REQUIRETLS_UNSUPPORTED,
                               _("TLS all the way was required, but the server does not offer it (no REQUIRETLS)"));
          return FALSE;
        }
      info (s, "REQUIRETLS not offered: sending without it, as chosen");
      s->require_tls = EP_SMTP_REQUIRE_TLS_OFF;
    }

  if (s->hold_until != NULL)
    {
      g_autoptr(GDateTime) now = g_date_time_new_now_utc ();

      if (!ep_smtp_capabilities_has (s->caps, EP_SMTP_CAP_FUTURERELEASE))
        {
          g_set_error_literal (error, EP_SMTP_ERROR, EP_SMTP_ERROR_INVALID_CONFIG,
                               _("The server cannot hold the message until a later time (it does not offer FUTURERELEASE)"));
          return FALSE;
        }
      if (!ep_smtp_future_release_allows (s->caps->future_release_max_interval,
                                          s->caps->future_release_max_date, s->hold_until, now))
        {
          g_set_error_literal (error, EP_SMTP_ERROR, EP_SMTP_ERROR_INVALID_CONFIG,
                               _("The server cannot hold the message that long"));
          return FALSE;
        }
    }

  return TRUE;
}

static gboolean
handle_mail_reply (Session           *s,
                   const EpSmtpReply *reply,
                   GError           **error)
{
  if (reply->code == 250)
    return TRUE;
  if (!check_421 (s, reply, _("The server is not available"), error))
    return FALSE;

  if (reply->code == 552)
    set_reply_error (error, EP_SMTP_ERROR_MESSAGE_TOO_BIG, _("The server refused the message size"), reply);
  else if (reply->code == 530)
    set_reply_error (error, EP_SMTP_ERROR_AUTH_REQUIRED, _("The server requires authentication before sending"), reply);
  else if (ep_smtp_reply_class (reply) == 4)
    set_reply_error (error, EP_SMTP_ERROR_TEMPORARY, _("The server refused the sender for now"), reply);
  else if (ep_smtp_reply_class (reply) == 5)
    {
      g_autofree char *what = g_strdup_printf (_("Sender <%s> refused"), s->sender);
      set_reply_error (error, EP_SMTP_ERROR_SENDER_REJECTED, what, reply);
    }
  else
    {
      s->no_quit = TRUE;
      set_reply_error (error, EP_SMTP_ERROR_PROTOCOL, _("Unexpected reply to MAIL FROM"), reply);
    }
  return FALSE;
}

/* RFC 5321 §4.5.3.1.10: 452 (4.5.3) means "no more recipients in this transaction". */
static gboolean
is_too_many_recipients (const EpSmtpReply *reply,
                        guint              accepted_so_far)
{
  if (reply->code != 452)
    return FALSE;
  return accepted_so_far > 0 || g_strcmp0 (reply->enhanced, "4.5.3") == 0;
}

static gboolean
handle_rcpt_reply (Session           *s,
                   const char        *address,
                   const EpSmtpReply *reply,
                   RcptOutcome       *o,
                   GError           **error)
{
  EpSmtpRecipientResult *r = ep_smtp_result_find_recipient (s->result, address);

  record_rcpt_reply (s, address, reply);

  if (reply->code == 250 || reply->code == 251)
    {
      g_ptr_array_add (o->accepted, g_strdup (address));
      return TRUE;
    }
  if (!check_421 (s, reply, _("The server is not available"), error))
    return FALSE;
  if (is_too_many_recipients (reply, o->accepted->len) && o->accepted->len > 0)
    {
      g_ptr_array_add (o->deferred, g_strdup (address));
      return TRUE;
    }
  if (ep_smtp_reply_class (reply) == 4)
    {
      if (r != NULL)
        r->state = EP_SMTP_RECIPIENT_DEFERRED;
      o->temporary++;
      return TRUE;
    }
  if (ep_smtp_reply_class (reply) == 5)
    {
      if (r != NULL)
        r->state = EP_SMTP_RECIPIENT_REFUSED;
      o->refused++;
      return TRUE;
    }

  s->no_quit = TRUE;
  set_reply_error (error, EP_SMTP_ERROR_PROTOCOL, _("Unexpected reply to RCPT TO"), reply);
  return FALSE;
}

/* The error listing every refused recipient with the server's words. */
static void
set_recipients_error (Session     *s,
                      RcptOutcome *o,
                      GError     **error)
{
  g_autoptr(GString) message = g_string_new (NULL);

  for (guint i = 0; i < s->result->recipients->len; i++)
    {
      EpSmtpRecipientResult *r = g_ptr_array_index (s->result->recipients, i);

      if (r->code == 0 || r->code == 250 || r->code == 251)
        continue;
      if (message->len > 0)
        g_string_append (message, "; ");
      g_string_append_printf (message, _("recipient <%s> refused: %u%s%s%s%s"), r->address, r->code,
                              r->enhanced != NULL ? " " : "", r->enhanced != NULL ? r->enhanced : "",
                              r->text != NULL && *r->text != '\0' ? " " : "", r->text != NULL ? r->text : "");
    }

  g_set_error_literal (error, EP_SMTP_ERROR,
                       o->refused > 0 ? EP_SMTP_ERROR_RECIPIENT_REJECTED : EP_SMTP_ERROR_TEMPORARY,
                       message->str);
}

static void
mime_progress_cb (guint64  written,
                  guint64  total,
                  gpointer user_data)
{
  Session *s = user_data;

  progress (s, EP_SMTP_STAGE_SENDING, written);
}

static gboolean
copy_raw (Session       *s,
          GOutputStream *out,
          GError       **error)
{
  g_autofree char *buffer = g_malloc (RAW_COPY_BUFFER);
  guint64 total = 0;

  for (;;)
    {
      gsize n = 0;

      if (!g_input_stream_read_all (s->raw, buffer, RAW_COPY_BUFFER, &n, s->cancellable, error))
        return FALSE;
      if (n == 0)
        return TRUE;
      if (s->spooling
          && !g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (s->spool)),
                                         buffer, n, NULL, s->cancellable, error))
        return FALSE;
      if (!g_output_stream_write_all (out, buffer, n, NULL, s->cancellable, error))
        return FALSE;
      total += n;
      progress (s, EP_SMTP_STAGE_SENDING, total);
    }
}

/* Writes the message into @out (the dot-stuffing or normalising filter). A failure to read our
 * own input keeps its own domain (EP_MIME_ERROR, G_IO_ERROR): the CLI tells those apart. */
static gboolean
write_body (Session       *s,
            GOutputStream *out,
            GError       **error)
{
  if (s->raw != NULL)
    return copy_raw (s, out, error);

  return ep_mime_writer_write (s->message, out, mime_progress_cb, s, s->cancellable, error);
}

/* A write to the server failed: maybe it said why before hanging up (552 too big, 421). */
static void
explain_write_failure (Session *s,
                       GError **error)
{
  g_autoptr(EpSmtpReply) reply = NULL;

  s->no_quit = TRUE;
  reply = ep_smtp_connection_read_reply (s->conn, EARLY_REPLY_TIMEOUT_MS, NULL, NULL);
  if (reply == NULL || ep_smtp_reply_class (reply) < 4)
    return;

  g_clear_error (error);
  if (reply->code == 552)
    set_reply_error (error, EP_SMTP_ERROR_MESSAGE_TOO_BIG, _("The server refused the message while it was sent"), reply);
  else if (ep_smtp_reply_class (reply) == 4)
    set_reply_error (error, EP_SMTP_ERROR_TEMPORARY, _("The server stopped the transfer"), reply);
  else
    set_reply_error (error, EP_SMTP_ERROR_MESSAGE_REJECTED, _("The server refused the message while it was sent"), reply);
}

/* DATA answered with anything but 354: 4xx/5xx like a refused message; anything else (a 250 to
 * DATA) means the server is out of step, and nothing was delivered. */
static void
set_data_refused_error (Session           *s,
                        const EpSmtpReply *reply,
                        GError           **error)
{
  if (!check_421 (s, reply, _("The server did not accept the message"), error))
    return;
  if (ep_smtp_reply_class (reply) == 4)
    set_reply_error (error, EP_SMTP_ERROR_TEMPORARY, _("The server refused DATA for now"), reply);
  else if (ep_smtp_reply_class (reply) == 5)
    set_reply_error (error, EP_SMTP_ERROR_MESSAGE_REJECTED, _("The server refused DATA"), reply);
  else
    {
      s->no_quit = TRUE;
      set_reply_error (error, EP_SMTP_ERROR_PROTOCOL, _("Unexpected reply to DATA"), reply);
    }
}

static gboolean
handle_final_reply (Session           *s,
                    const EpSmtpReply *reply,
                    GError           **error)
{
  s->result->final_code = reply->code;
  g_free (s->result->final_enhanced);
  s->result->final_enhanced = g_strdup (reply->enhanced);
  g_free (s->result->final_text);
  s->result->final_text = ep_smtp_reply_dup_text (reply, " ");

  if (reply->code == 250)
    return TRUE;
  if (!check_421 (s, reply, _("The server did not accept the message"), error))
    return FALSE;
  if (reply->code == 552)
    set_reply_error (error, EP_SMTP_ERROR_MESSAGE_TOO_BIG, _("The message is too big for the server"), reply);
  else if (ep_smtp_reply_class (reply) == 4)
    set_reply_error (error, EP_SMTP_ERROR_TEMPORARY, _("The server did not accept the message for now"), reply);
  else if (ep_smtp_reply_class (reply) == 5)
    set_reply_error (error, EP_SMTP_ERROR_MESSAGE_REJECTED, _("The server refused the message"), reply);
  else
    {
      s->no_quit = TRUE;
      set_reply_error (error, EP_SMTP_ERROR_PROTOCOL, _("Unexpected reply after the message"), reply);
    }
  return FALSE;
}

/* RFC 2920 §3.1 lets QUIT end a group after the message data: on the last transaction it goes
 * out with the end of the message, and the final reply and the 221 come back together, which
 * saves the round trip a separate QUIT would cost. Its failure changes nothing here: reading
 * the final reply will tell. */
static void
send_quit_early (Session *s)
{
  if (!s->quit_early || s->quit_sent)
    return;
  s->quit_sent = ep_smtp_connection_send_line (s->conn, "QUIT", NULL, s->cancellable, NULL);
}

/* After the end of data, silence or a dropped connection leaves the fate of the message open. */
static void
set_delivery_unknown (Session      *s,
                      const GError *cause,
                      GError      **error)
{
  s->no_quit = TRUE;
  info (s, "no final reply: delivery unknown");
  g_set_error (error, EP_SMTP_ERROR, EP_SMTP_ERROR_DELIVERY_UNKNOWN,
               _("The message may or may not have been delivered: %s after the end of the message; do not resend it blindly"),
               cause != NULL ? cause->message : _("no reply"));
}

/* The body could not be sent in full. The data is never ended after that (a truncated message
 * must not be delivered): the connection is dropped. A failed write to the server becomes an
 * SMTP error (with the server's last words if it had any); our own input failing (attachment,
 * --raw file) keeps its domain so that the caller can tell. */
static void
body_failed (Session          *s,
             EpSmtpDataStream *filter,
             GError          **error)
{
  ep_smtp_data_stream_abort (filter);
  s->no_quit = TRUE;

  if ((*error)->domain == G_IO_ERROR && !g_error_matches (*error, G_IO_ERROR, G_IO_ERROR_CANCELLED)
      && ep_smtp_data_stream_get_base_failed (filter))
    {
      ep_smtp_connection_map_io_error (s->conn, error, _("sending the message"));
      explain_write_failure (s, error);
    }

  info (s, "message transfer failed: %s", (*error)->message);
  ep_smtp_connection_abort (s->conn);
}

/* The caller's last word before the end of the data (ep-smtp-session.h): a refusal keeps the
 * message unfinished, so the outcome is temporary, never unknown. Cancellation passes through. */
static gboolean
before_data_end (Session *s,
                 GError **error)
{
  g_autoptr(GError) local_error = NULL;

  if (s->before_data_end == NULL)
    return TRUE;
  if (s->before_data_end (s->before_data_end_data, &local_error))
    return TRUE;

  if (local_error == NULL)
    {
      g_warn_if_reached ();
      g_set_error_literal (&local_error, EP_SMTP_ERROR, EP_SMTP_ERROR_TEMPORARY,
                           _("The message was not finished"));
    }
  if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    g_propagate_error (error, g_steal_pointer (&local_error));
  else
    g_set_error (error, EP_SMTP_ERROR, EP_SMTP_ERROR_TEMPORARY,
                 _("The message was not finished: %s"), local_error->message);
  return FALSE;
}

static gboolean
send_body_data (Session *s,
                GError **error)
{
  g_autoptr(GOutputStream) data = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autoptr(EpSmtpReply) reply = NULL;
  guint64 octets;

  data = ep_smtp_data_stream_new (ep_smtp_connection_get_output_stream (s->conn), EP_SMTP_DATA_STREAM_DATA);
  progress (s, EP_SMTP_STAGE_SENDING, 0);

  if (!write_body (s, data, &local_error))
    {
      body_failed (s, EP_SMTP_DATA_STREAM (data), &local_error);
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  if (!before_data_end (s, error))
    {
      /* Hanging up in DATA aborts the transaction (RFC 5321 §4.1.1.4). */
      ep_smtp_data_stream_abort (EP_SMTP_DATA_STREAM (data));
      s->no_quit = TRUE;
      info (s, "the end of the message was held back: %s", (*error)->message);
      ep_smtp_connection_abort (s->conn);
      return FALSE;
    }
  if (!g_output_stream_close (data, s->cancellable, &local_error))
    {
      body_failed (s, EP_SMTP_DATA_STREAM (data), &local_error);
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }

  octets = ep_smtp_data_stream_get_bytes_in (EP_SMTP_DATA_STREAM (data));
  s->result->message_size = octets;
  s->result->bytes_sent = octets;
  info (s, "[message body: %" G_GUINT64_FORMAT " octets, %" G_GUINT64_FORMAT " on the wire]",
        octets, ep_smtp_data_stream_get_bytes_out (EP_SMTP_DATA_STREAM (data)));
  ep_smtp_transcript_add (s->transcript, EP_SMTP_TRANSCRIPT_CLIENT, ".");
  send_quit_early (s);

  progress (s, EP_SMTP_STAGE_WAITING, octets);
  reply = ep_smtp_connection_read_reply (s->conn, 0, s->cancellable, &local_error);
  if (reply == NULL)
    {
      set_delivery_unknown (s, local_error, error);
      return FALSE;
    }

  return handle_final_reply (s, reply, error);
}

/* Called by the BDAT stream after each chunk went out. Without PIPELINING each chunk waits for
 * its 250 (RFC 3030 §4.2); with it, replies are picked up as they arrive and checked at once. */
static gboolean
bdat_chunk_cb (guint64   chunk_size,
               gboolean  last,
               gpointer  user_data,
               GError  **error)
{
  Session *s = user_data;

  ep_smtp_transcript_add_printf (s->transcript, EP_SMTP_TRANSCRIPT_CLIENT, "BDAT %" G_GUINT64_FORMAT "%s",
                                 chunk_size, last ? " LAST" : "");
  s->bdat_pending++;
  if (last)
    return TRUE;

  while (s->bdat_pending > 0 && (!s->bdat_pipelined || ep_smtp_connection_reply_ready (s->conn)))
    {
      g_autoptr(EpSmtpReply) reply = read_reply (s, error);

      if (reply == NULL)
        return FALSE;
      s->bdat_pending--;
      if (reply->code != 250)
        {
          s->no_quit = TRUE;
          handle_final_reply (s, reply, error);
          return FALSE;
        }
    }

  return TRUE;
}

static gboolean
send_body_bdat (Session *s,
                GError **error)
{
  g_autoptr(GOutputStream) bdat = NULL;
  g_autoptr(GOutputStream) normalize = NULL;
  g_autoptr(GError) local_error = NULL;
  guint64 octets;

  s->bdat_pending = 0;
  s->bdat_pipelined = ep_smtp_capabilities_has (s->caps, EP_SMTP_CAP_PIPELINING);
  bdat = ep_smtp_bdat_stream_new (ep_smtp_connection_get_output_stream (s->conn), 0, bdat_chunk_cb, s);
  /* BDAT carries the octets as they are, so line endings must already be CRLF: the MIME
   * writer's are; a raw message's are made so. */
  normalize = ep_smtp_data_stream_new (bdat, s->raw == NULL ? EP_SMTP_DATA_STREAM_CRLF_INPUT
                                                            : EP_SMTP_DATA_STREAM_NORMALIZE_ONLY);
  progress (s, EP_SMTP_STAGE_SENDING, 0);

  if (!write_body (s, normalize, &local_error)
      || !g_output_stream_close (normalize, s->cancellable, &local_error))
    {
      ep_smtp_bdat_stream_abort (EP_SMTP_BDAT_STREAM (bdat));
      body_failed (s, EP_SMTP_DATA_STREAM (normalize), &local_error);
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  if (!before_data_end (s, error))
    {
      /* Without its LAST chunk the message is incomplete: hanging up discards it. */
      ep_smtp_bdat_stream_abort (EP_SMTP_BDAT_STREAM (bdat));
      s->no_quit = TRUE;
      info (s, "the end of the message was held back: %s", (*error)->message);
      ep_smtp_connection_abort (s->conn);
      return FALSE;
    }
  if (!g_output_stream_close (bdat, s->cancellable, &local_error))
    {
      ep_smtp_bdat_stream_abort (EP_SMTP_BDAT_STREAM (bdat));
      body_failed (s, EP_SMTP_DATA_STREAM (normalize), &local_error);
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }

  octets = ep_smtp_data_stream_get_bytes_in (EP_SMTP_DATA_STREAM (normalize));
  s->result->message_size = octets;
  s->result->bytes_sent = octets;
  info (s, "[message body: %" G_GUINT64_FORMAT " octets in %u BDAT chunks]",
        octets, ep_smtp_bdat_stream_get_n_chunks (EP_SMTP_BDAT_STREAM (bdat)));
  if (s->bdat_pipelined)
    send_quit_early (s);

  progress (s, EP_SMTP_STAGE_WAITING, octets);
  while (s->bdat_pending > 0)
    {
      g_autoptr(EpSmtpReply) reply = ep_smtp_connection_read_reply (s->conn, 0, s->cancellable, &local_error);

      if (reply == NULL)
        {
          set_delivery_unknown (s, local_error, error);
          return FALSE;
        }
      s->bdat_pending--;
      if (s->bdat_pending == 0 || reply->code != 250)
        {
          /* Replies to chunks still unread would be taken for answers to what follows. */
          if (s->bdat_pending > 0)
            s->no_quit = TRUE;
          return handle_final_reply (s, reply, error);
        }
    }

  return TRUE;
}

static void
set_state (Session              *s,
           GPtrArray            *addresses,
           EpSmtpRecipientState  state)
{
  for (guint i = 0; i < addresses->len; i++)
    {
      EpSmtpRecipientResult *r = ep_smtp_result_find_recipient (s->result, g_ptr_array_index (addresses, i));

      if (r == NULL)
        continue;
      r->state = state;
      r->accepted = state == EP_SMTP_RECIPIENT_DELIVERED;
    }
}

static gboolean
raw_can_rewind (GInputStream *raw)
{
  return G_IS_SEEKABLE (raw) && g_seekable_can_seek (G_SEEKABLE (raw));
}

/* Raw input that cannot be read twice (a pipe) is copied aside while it is sent, when another
 * transaction will need it: without the copy the recipients deferred by a 452 could not get the
 * message at all. The file is unlinked at once; only the open stream keeps it. A failure here is
 * not fatal: the next transaction then reports that the input cannot be read again. */
static void
start_spool (Session *s)
{
  g_autoptr(GFile) file = NULL;
  g_autoptr(GError) local_error = NULL;

  if (s->raw == NULL || s->spool != NULL || raw_can_rewind (s->raw))
    return;

  file = g_file_new_tmp ("epistle-raw-XXXXXX", &s->spool, &local_error);
  if (file == NULL)
    {
      info (s, "cannot keep a copy of the input for the next transaction: %s", local_error->message);
      return;
    }
  g_file_delete (file, NULL, NULL);
  s->spooling = TRUE;
}

/* The message again, for the next transaction: the raw input rewound, or its copy. */
static gboolean
rewind_raw (Session *s,
            GError **error)
{
  if (s->spool != NULL)
    {
      s->spooling = FALSE;
      s->raw = g_io_stream_get_input_stream (G_IO_STREAM (s->spool));
      return g_output_stream_flush (g_io_stream_get_output_stream (G_IO_STREAM (s->spool)), s->cancellable, error)
             && g_seekable_seek (G_SEEKABLE (s->spool), 0, G_SEEK_SET, s->cancellable, error);
    }
  if (raw_can_rewind (s->raw))
    return g_seekable_seek (G_SEEKABLE (s->raw), 0, G_SEEK_SET, s->cancellable, error);

  g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED, _("the input cannot be read again"));
  return FALSE;
}

/* One MAIL transaction for @rcpts; deferred recipients (452) are returned for the next one. */
static gboolean
session_transaction (Session    *s,
                     GPtrArray  *rcpts,
                     GPtrArray **deferred,
                     GError    **error)
{
  g_auto(RcptOutcome) o = { g_ptr_array_new_with_free_func (g_free), g_ptr_array_new_with_free_func (g_free), 0, 0 };
  g_autoptr(GPtrArray) lines = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(EpSmtpReply) mail_reply = NULL;
  gboolean pipelining = ep_smtp_capabilities_has (s->caps, EP_SMTP_CAP_PIPELINING);
  gboolean chunking = ep_smtp_capabilities_has (s->caps, EP_SMTP_CAP_CHUNKING);
  gboolean data_sent = FALSE, data_open = FALSE;
  g_autoptr(GError) mail_error = NULL;
  g_autoptr(EpSmtpReply) data_reply = NULL;

  progress (s, EP_SMTP_STAGE_SENDING, 0);
  s->result->transactions++;

  g_ptr_array_add (lines, mail_from_command (s));
  for (guint i = 0; i < rcpts->len; i++)
    g_ptr_array_add (lines, rcpt_to_command (s, g_ptr_array_index (rcpts, i)));

  if (pipelining)
    {
      /* RFC 2920: MAIL, every RCPT and DATA in one write; BDAT is not sent before we know
       * the recipients, so that no body octet leaves when a recipient is refused. */
      if (!chunking)
        {
          g_ptr_array_add (lines, g_strdup ("DATA"));
          data_sent = TRUE;
        }
      g_ptr_array_add (lines, NULL);
      if (!ep_smtp_connection_send_lines (s->conn, (const char * const *) lines->pdata, NULL, s->cancellable, error))
        {
          s->no_quit = TRUE;
          return FALSE;
        }

      mail_reply = read_reply (s, error);
      if (mail_reply == NULL)
        return FALSE;
      s->mail_answered = mail_reply->code != 421;
      if (!handle_mail_reply (s, mail_reply, &mail_error) && s->no_quit)
        {
          g_propagate_error (error, g_steal_pointer (&mail_error));
          return FALSE;
        }

      for (guint i = 0; i < rcpts->len; i++)
        {
          g_autoptr(EpSmtpReply) reply = NULL;
          const char *address = g_ptr_array_index (rcpts, i);

          /* After a refused sender the refusal is the news, not what the server does next. */
          reply = read_reply (s, mail_error != NULL ? NULL : error);
          if (reply == NULL && mail_error != NULL)
            {
              g_propagate_error (error, g_steal_pointer (&mail_error));
              return FALSE;
            }
          if (reply == NULL)
            return FALSE;
          if (mail_error != NULL)
            {
              if (!check_421 (s, reply, _("The server is not available"), error))
                return FALSE;
              continue;
            }
          if (!handle_rcpt_reply (s, address, reply, &o, error))
            return FALSE;
        }

      if (data_sent)
        {
          data_reply = read_reply (s, mail_error != NULL ? NULL : error);
          if (data_reply == NULL && mail_error != NULL)
            {
              g_propagate_error (error, g_steal_pointer (&mail_error));
              return FALSE;
            }
          if (data_reply == NULL)
            return FALSE;
          if (data_reply->code == 354)
            data_open = TRUE;
          else if (!check_421 (s, data_reply, _("The server is not available"), error))
            return FALSE;
        }

      if (mail_error != NULL)
        {
          /* A server that opens DATA without a sender is out of step: hang up. */
          if (data_open)
            s->no_quit = TRUE;
          g_propagate_error (error, g_steal_pointer (&mail_error));
          return FALSE;
        }
    }
  else
    {
      g_ptr_array_add (lines, NULL);
      if (!send_line (s, g_ptr_array_index (lines, 0), NULL, error) || (mail_reply = read_reply (s, error)) == NULL)
        return FALSE;
      s->mail_answered = mail_reply->code != 421;
      if (!handle_mail_reply (s, mail_reply, error))
        return FALSE;

      for (guint i = 0; i < rcpts->len; i++)
        {
          g_autoptr(EpSmtpReply) reply = NULL;
          const char *address = g_ptr_array_index (rcpts, i);

          if (!send_line (s, g_ptr_array_index (lines, i + 1), NULL, error) || (reply = read_reply (s, error)) == NULL)
            return FALSE;
          if (!handle_rcpt_reply (s, address, reply, &o, error))
            return FALSE;
          /* Without pipelining there is no point offering more after "too many". */
          if (o.deferred->len > 0)
            {
              for (guint j = i + 1; j < rcpts->len; j++)
                g_ptr_array_add (o.deferred, g_strdup (g_ptr_array_index (rcpts, j)));
              break;
            }
        }
    }

  if (o.accepted->len == 0 || ((o.refused > 0 || o.temporary > 0) && !s->config->allow_partial))
    {
      /* Nothing is delivered unless every recipient was accepted (or partial delivery is
       * allowed). If the server already said 354, only hanging up keeps the body from being
       * taken as complete: a connection lost in DATA aborts the transaction (RFC 5321 §4.1.1.4). */
      if (data_open)
        s->no_quit = TRUE;
      info (s, "not sending the message: %u recipient(s) refused, %u accepted", o.refused + o.temporary,
            o.accepted->len);
      set_recipients_error (s, &o, error);
      return FALSE;
    }

  if (!chunking && !data_sent)
    {
      g_autoptr(EpSmtpReply) reply = NULL;

      if (!send_line (s, "DATA", NULL, error) || (reply = read_reply (s, error)) == NULL)
        return FALSE;
      data_open = reply->code == 354;
      if (!data_open)
        {
          set_data_refused_error (s, reply, error);
          return FALSE;
        }
    }
  else if (!chunking && !data_open)
    {
      /* Recipients accepted, yet DATA refused (e.g. 451 or 554). */
      set_data_refused_error (s, data_reply, error);
      return FALSE;
    }

  if (!ep_smtp_session_check_in_step (s, chunking ? "the recipients" : "354", error))
    return FALSE;

  /* No deferred recipient and no other message on this connection: no transaction follows. */
  s->quit_early = pipelining && o.deferred->len == 0 && !s->batch;

  if (o.deferred->len > 0)
    start_spool (s);

  if (!(chunking ? send_body_bdat (s, error) : send_body_data (s, error)))
    {
      /* The message may have reached these recipients: whoever tries again must know. */
      if (error != NULL && g_error_matches (*error, EP_SMTP_ERROR, EP_SMTP_ERROR_DELIVERY_UNKNOWN))
        set_state (s, o.accepted, EP_SMTP_RECIPIENT_UNKNOWN);
      return FALSE;
    }

  set_state (s, o.accepted, EP_SMTP_RECIPIENT_DELIVERED);

  *deferred = g_steal_pointer (&o.deferred);
  return TRUE;
}

gboolean
ep_smtp_session_deliver (Session *s,
                         GError **error)
{
  g_autoptr(GPtrArray) pending = g_ptr_array_ref (s->rcpts);

  if (!check_before_mail (s, error))
    return FALSE;

  while (pending != NULL && pending->len > 0)
    {
      g_autoptr(GPtrArray) deferred = NULL;

      if (s->result->transactions > 0)
        {
          /* A new transaction for what the server would not take in the last one; the
           * message has to be produced again. */
          info (s, "%u recipient(s) left for another transaction", pending->len);
          if (s->raw != NULL)
            {
              g_autoptr(GError) local_error = NULL;

              if (!rewind_raw (s, &local_error))
                {
                  g_set_error (error, EP_SMTP_ERROR, EP_SMTP_ERROR_TEMPORARY,
                               _("The server accepts fewer recipients per message and the message could not be read again: %s"),
                               local_error->message);
                  return FALSE;
                }
            }
        }

      if (!session_transaction (s, pending, &deferred, error))
        return FALSE;
      g_clear_pointer (&pending, g_ptr_array_unref);
      pending = g_steal_pointer (&deferred);
    }

  return TRUE;
}
