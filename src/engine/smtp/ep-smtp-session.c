/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-smtp-session.c: the SMTP submission state machine: greeting, EHLO, TLS, AUTH, pipelined
 * envelope, streamed body (DATA or BDAT), final reply, QUIT. Blocking; runs on a worker thread. */
#include "config.h"

#include <inttypes.h>
#undef G_LOG_DOMAIN
#define G_LOG_DOMAIN "Epistle-Smtp"

#include <string.h>
#include <glib/gi18n-lib.h>

#include "ep-message.h"
#include "ep-mime-writer.h"
#include "ep-smtp-capabilities.h"
#include "ep-smtp-connection.h"
#include "ep-smtp-data-stream.h"
#include "ep-smtp-sasl.h"
#include "ep-smtp-session.h"

/* After success nobody should wait for the 221 to QUIT; a short look suffices. */
#define QUIT_REPLY_TIMEOUT_MS      2000
/* When a body write fails the server may have said why (e.g. 552) just before closing. */
#define EARLY_REPLY_TIMEOUT_MS     1000
/* RFC 4954 §4: an AUTH command line, initial response included, is at most 12288 octets. */
#define AUTH_COMMAND_MAX           12288
/* RFC 5321 §4.5.3.1.3: a reverse- or forward-path is at most 256 octets. */
#define PATH_MAX_OCTETS            256
/* Octets read from --raw input at a time: large writes keep the socket the limit. */
#define RAW_COPY_BUFFER            (256 * 1024)
/* The async wrapper forwards at most one progress update per stage per this many µs. */
#define PROGRESS_INTERVAL_US       (50 * 1000)

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

  /* BDAT replies still to read, and whether to look for them early (PIPELINING). */
  guint               bdat_pending;
  gboolean            bdat_pipelined;
} Session;

static void
session_clear (Session *s)
{
  g_clear_object (&s->conn);
  g_clear_object (&s->spool);
  g_clear_pointer (&s->caps, ep_smtp_capabilities_free);
  g_clear_pointer (&s->ehlo_name, g_free);
  g_clear_pointer (&s->sender, g_free);
  g_clear_pointer (&s->rcpts, g_ptr_array_unref);
  g_clear_object (&s->transcript);
}

/* A line of our own in the transcript ("I: …"). */
#define info(owner, ...) \
  ep_smtp_transcript_add_printf ((owner)->transcript, EP_SMTP_TRANSCRIPT_INFO, __VA_ARGS__)

static void
progress (Session    *s,
          EpSmtpStage stage,
          guint64     sent)
{
  s->stage = stage;
  s->sent = sent;
  if (s->progress != NULL)
    s->progress (stage, sent, s->size, s->progress_data);
}

static void
step (Session          *s,
      EpSmtpTestStep    test_step,
      EpSmtpTestStatus  status,
      const char       *detail)
{
  if (s->step_func != NULL)
    s->step_func (test_step, status, detail, s->step_data);
}

static void
step_reply (Session           *s,
            EpSmtpTestStep     test_step,
            EpSmtpTestStatus   status,
            const EpSmtpReply *reply)
{
  g_autofree char *text = reply != NULL ? ep_smtp_reply_to_string (reply) : NULL;

  step (s, test_step, status, text);
}

/* "what: 550 5.1.1 text" as an EP_SMTP_ERROR. */
static void
set_reply_error (GError           **error,
                 EpSmtpError        code,
                 const char        *what,
                 const EpSmtpReply *reply)
{
  g_autofree char *text = ep_smtp_reply_to_string (reply);

  g_set_error (error, EP_SMTP_ERROR, code, "%s: %s", what, text);
}

static EpSmtpOutcome
outcome_for_error (const GError *error)
{
  if (error == NULL)
    return EP_SMTP_OUTCOME_DELIVERED;
  if (g_error_matches (error, EP_SMTP_ERROR, EP_SMTP_ERROR_DELIVERY_UNKNOWN))
    return EP_SMTP_OUTCOME_UNKNOWN;
  if (ep_smtp_error_is_temporary (error) || g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return EP_SMTP_OUTCOME_TEMPORARY;
  return EP_SMTP_OUTCOME_REFUSED;
}

/* 421 anywhere: the server is going away (RFC 5321 §3.8); temporary, and nothing more is sent. */
static gboolean
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

static EpSmtpReply *
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

static gboolean
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

/* RFC 2920 §3.1: the client waits at these points, so nothing may be waiting here; anything
 * that is would be taken as the answer to our next command. */
static gboolean
check_in_step (Session    *s,
               const char *after,
               GError    **error)
{
  if (!ep_smtp_connection_has_pending_input (s->conn))
    return TRUE;

  s->no_quit = TRUE;
  info (s, "unexpected data from the server after %s", after);
  g_set_error (error, EP_SMTP_ERROR, EP_SMTP_ERROR_PROTOCOL,
               _("The server sent more than was asked for after %s"), after);
  return FALSE;
}

/* Ends the connection: QUIT (with a short wait for its reply) when the dialogue is still in
 * step, otherwise just close. */
static void
end_session (Session      *s,
             const GError *error)
{
  gboolean polite = !s->no_quit;

  if (s->conn == NULL || ep_smtp_connection_is_closed (s->conn))
    return;

  if (error != NULL && (error->domain != EP_SMTP_ERROR
                        || error->code == EP_SMTP_ERROR_TIMEOUT
                        || error->code == EP_SMTP_ERROR_CONNECTION_LOST
                        || error->code == EP_SMTP_ERROR_DELIVERY_UNKNOWN
                        || error->code == EP_SMTP_ERROR_INJECTION
                        || error->code == EP_SMTP_ERROR_TLS
                        || error->code == EP_SMTP_ERROR_TLS_CERTIFICATE))
    polite = FALSE;

  if (polite && (s->quit_sent || ep_smtp_connection_send_line (s->conn, "QUIT", NULL, NULL, NULL)))
    {
      g_autoptr(EpSmtpReply) reply = NULL;

      /* A failed or missing 221 changes nothing about the outcome. */
      reply = ep_smtp_connection_read_reply (s->conn, QUIT_REPLY_TIMEOUT_MS, NULL, NULL);
      ep_smtp_connection_close (s->conn);
    }
  else
    {
      ep_smtp_connection_abort (s->conn);
    }
  info (s, "connection closed");
}

/* ---- envelope --------------------------------------------------------------------------------- */

static gboolean
is_ascii (const char *text)
{
  for (const guchar *p = (const guchar *) text; *p != '\0'; p++)
    if (*p >= 0x80)
      return FALSE;
  return TRUE;
}

/* Validates an envelope address and returns it with an A-label domain (RFC 5890), or NULL.
 * Anything that could break out of "<…>" or the command line is refused (issue: command
 * injection through every input). */
static char *
envelope_address (const char *address,
                  gboolean    is_sender,
                  gboolean   *needs_smtputf8,
                  GError    **error)
{
  const char *at;
  g_autofree char *local = NULL;
  g_autofree char *domain = NULL;
  g_autofree char *ascii_domain = NULL;
  char *result;

  if (address == NULL || (*address == '\0' && !is_sender))
    goto invalid;

  /* The null reverse-path "<>" (RFC 5321 §4.5.5). */
  if (*address == '\0')
    return g_strdup ("");

  if (!g_utf8_validate (address, -1, NULL))
    goto invalid;

  for (const guchar *p = (const guchar *) address; *p != '\0'; p++)
    if (*p <= 0x20 || *p == 0x7f || *p == '<' || *p == '>')
      goto invalid;

  at = strrchr (address, '@');
  if (at == NULL || at == address || at[1] == '\0')
    goto invalid;

  local = g_strndup (address, at - address);
  domain = g_strdup (at + 1);

  if (is_ascii (domain))
    ascii_domain = g_steal_pointer (&domain);
  else
    {
      ascii_domain = g_hostname_to_ascii (domain);
      if (ascii_domain == NULL)
        goto invalid;
    }

  if (!is_ascii (local))
    *needs_smtputf8 = TRUE;

  result = g_strdup_printf ("%s@%s", local, ascii_domain);
  if (strlen (result) > PATH_MAX_OCTETS - 2)
    {
      g_free (result);
      g_set_error (error, EP_SMTP_ERROR, EP_SMTP_ERROR_INVALID_ADDRESS,
                   _("The address “%s” is longer than SMTP allows"), address);
      return NULL;
    }
  return result;

invalid:
  {
    g_autofree char *shown = g_strescape (address != NULL ? address : "", NULL);

    g_set_error (error, EP_SMTP_ERROR, EP_SMTP_ERROR_INVALID_ADDRESS,
                 is_sender ? _("Invalid sender address “%s”") : _("Invalid recipient address “%s”"), shown);
    return NULL;
  }
}

/* Same mailbox: the local part is compared exactly (RFC 5321 §2.4), the domain without case. */
static gboolean
same_address (const char *a,
              const char *b)
{
  const char *at_a = strrchr (a, '@');
  const char *at_b = strrchr (b, '@');

  if (at_a == NULL || at_b == NULL || at_a - a != at_b - b)
    return g_strcmp0 (a, b) == 0;

  return strncmp (a, b, at_a - a) == 0 && g_ascii_strcasecmp (at_a, at_b) == 0;
}

static gboolean
session_prepare_envelope (Session            *s,
                          const char         *sender_override,
                          const char * const *rcpts_override,
                          GError            **error)
{
  g_auto(GStrv) message_rcpts = NULL;
  const char * const *rcpts;
  const char *sender;

  if (s->message != NULL)
    s->needs_smtputf8 = ep_message_needs_smtputf8 (s->message);

  sender = sender_override != NULL ? sender_override
                                   : (s->message != NULL ? ep_message_get_envelope_sender (s->message) : NULL);
  if (sender == NULL)
    {
      g_set_error_literal (error, EP_SMTP_ERROR, EP_SMTP_ERROR_INVALID_ADDRESS, _("No sender address"));
      return FALSE;
    }
  s->sender = envelope_address (sender, TRUE, &s->needs_smtputf8, error);
  if (s->sender == NULL)
    return FALSE;

  if (rcpts_override != NULL)
    rcpts = rcpts_override;
  else
    {
      if (s->message != NULL)
        message_rcpts = ep_message_dup_envelope_recipients (s->message);
      rcpts = (const char * const *) message_rcpts;
    }

  s->rcpts = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; rcpts != NULL && rcpts[i] != NULL; i++)
    {
      char *address = envelope_address (rcpts[i], FALSE, &s->needs_smtputf8, error);
      gboolean duplicate = FALSE;

      if (address == NULL)
        return FALSE;
      for (guint j = 0; j < s->rcpts->len && !duplicate; j++)
        duplicate = same_address (g_ptr_array_index (s->rcpts, j), address);
      if (duplicate)
        g_free (address);
      else
        {
          g_ptr_array_add (s->rcpts, address);
          g_ptr_array_add (s->result->recipients, ep_smtp_recipient_result_new (address));
        }
    }

  if (s->rcpts->len == 0)
    {
      g_set_error_literal (error, EP_SMTP_ERROR, EP_SMTP_ERROR_INVALID_ADDRESS, _("No recipient address"));
      return FALSE;
    }

  return TRUE;
}

static guint64
raw_size (GInputStream *raw)
{
  if (G_IS_FILE_INPUT_STREAM (raw))
    {
      g_autoptr(GFileInfo) file_info = g_file_input_stream_query_info (G_FILE_INPUT_STREAM (raw),
                                                                       G_FILE_ATTRIBUTE_STANDARD_SIZE,
                                                                       NULL, NULL);
      if (file_info != NULL && g_file_info_has_attribute (file_info, G_FILE_ATTRIBUTE_STANDARD_SIZE))
        return (guint64) g_file_info_get_size (file_info);
    }
  else if (G_IS_SEEKABLE (raw) && g_seekable_can_seek (G_SEEKABLE (raw)))
    {
      goffset here = g_seekable_tell (G_SEEKABLE (raw));
      goffset end;

      if (g_seekable_seek (G_SEEKABLE (raw), 0, G_SEEK_END, NULL, NULL))
        {
          end = g_seekable_tell (G_SEEKABLE (raw));
          g_seekable_seek (G_SEEKABLE (raw), here, G_SEEK_SET, NULL, NULL);
          if (end > here)
            return (guint64) (end - here);
        }
    }

  return 0;
}

/* ---- connect, greeting, EHLO, TLS --------------------------------------------------------- */

static gboolean
session_tls (Session *s,
             GError **error)
{
  gboolean ok;

  progress (s, EP_SMTP_STAGE_TLS, 0);
  step (s, EP_SMTP_TEST_STEP_TLS, EP_SMTP_TEST_STATUS_STARTED, NULL);

  ok = ep_smtp_connection_start_tls (s->conn, s->config->host, s->port, s->config->cafile,
                                     s->config->pinned_sha256, s->config->pinned_host,
                                     ep_smtp_config_get_pinned_port (s->config),
                                     s->cancellable, error);

  g_clear_pointer (&s->result->tls, ep_smtp_tls_info_free);
  if (ep_smtp_connection_get_tls_info (s->conn) != NULL)
    s->result->tls = ep_smtp_tls_info_copy (ep_smtp_connection_get_tls_info (s->conn));

  if (!ok)
    {
      s->no_quit = TRUE;
      step (s, EP_SMTP_TEST_STEP_TLS, EP_SMTP_TEST_STATUS_FAILED, error != NULL && *error != NULL ? (*error)->message : NULL);
      return FALSE;
    }

  {
    g_autofree char *detail = g_strdup_printf ("%s, %s", s->result->tls->protocol_version, s->result->tls->ciphersuite);
    step (s, EP_SMTP_TEST_STEP_TLS, EP_SMTP_TEST_STATUS_OK, detail);
  }
  return TRUE;
}

static gboolean
session_greeting (Session *s,
                  GError **error)
{
  g_autoptr(EpSmtpReply) reply = NULL;

  step (s, EP_SMTP_TEST_STEP_GREETING, EP_SMTP_TEST_STATUS_STARTED, NULL);
  reply = read_reply (s, error);
  if (reply == NULL)
    {
      step (s, EP_SMTP_TEST_STEP_GREETING, EP_SMTP_TEST_STATUS_FAILED, (*error)->message);
      return FALSE;
    }

  if (reply->code != 220)
    {
      step_reply (s, EP_SMTP_TEST_STEP_GREETING, EP_SMTP_TEST_STATUS_FAILED, reply);
      if (!check_421 (s, reply, _("The server is not available"), error))
        return FALSE;
      if (ep_smtp_reply_class (reply) == 4)
        set_reply_error (error, EP_SMTP_ERROR_TEMPORARY, _("The server is not available"), reply);
      else if (ep_smtp_reply_class (reply) == 5)
        set_reply_error (error, EP_SMTP_ERROR_SERVICE_REFUSED, _("The server refused the connection"), reply);
      else
        {
          s->no_quit = TRUE;
          set_reply_error (error, EP_SMTP_ERROR_PROTOCOL, _("Unexpected greeting from the server"), reply);
        }
      return FALSE;
    }

  step_reply (s, EP_SMTP_TEST_STEP_GREETING, EP_SMTP_TEST_STATUS_OK, reply);
  return check_in_step (s, "the greeting", error);
}

static gboolean
session_ehlo (Session        *s,
              EpSmtpTestStep  test_step,
              GError        **error)
{
  g_autofree char *command = g_strdup_printf ("EHLO %s", s->ehlo_name);
  g_autoptr(EpSmtpReply) reply = NULL;
  gboolean encrypted = ep_smtp_connection_is_encrypted (s->conn);

  step (s, test_step, EP_SMTP_TEST_STATUS_STARTED, NULL);

  /* RFC 3207 §4.2: everything learnt before TLS is forgotten. */
  g_clear_pointer (&s->caps, ep_smtp_capabilities_free);

  if (!send_line (s, command, NULL, error) || (reply = read_reply (s, error)) == NULL)
    {
      step (s, test_step, EP_SMTP_TEST_STATUS_FAILED, (*error)->message);
      return FALSE;
    }

  if (reply->code == 250)
    {
      g_autofree char *caps_text = NULL;

      s->caps = ep_smtp_capabilities_new_from_ehlo (reply);
      caps_text = ep_smtp_capabilities_to_string (s->caps);
      info (s, "capabilities%s: %s", encrypted ? " (after TLS)" : "", caps_text);
      step (s, test_step, EP_SMTP_TEST_STATUS_OK, caps_text);
      g_clear_pointer (&s->result->capabilities, ep_smtp_capabilities_free);
      s->result->capabilities = ep_smtp_capabilities_copy (s->caps);
      return check_in_step (s, "EHLO", error);
    }

  step_reply (s, test_step, EP_SMTP_TEST_STATUS_FAILED, reply);
  if (!check_421 (s, reply, _("The server is not available"), error))
    return FALSE;

  if (ep_smtp_reply_class (reply) == 4)
    {
      set_reply_error (error, EP_SMTP_ERROR_TEMPORARY, _("The server refused EHLO"), reply);
      return FALSE;
    }

  if (ep_smtp_reply_class (reply) != 5)
    {
      s->no_quit = TRUE;
      set_reply_error (error, EP_SMTP_ERROR_PROTOCOL, _("Unexpected reply to EHLO"), reply);
      return FALSE;
    }

  /* A server that only knows HELO cannot do STARTTLS (RFC 3207 needs EHLO): with TLS required,
   * that is the end; HELO is only for the explicitly unencrypted mode. */
  if (s->config->security == EP_SMTP_SECURITY_STARTTLS && !encrypted)
    {
      set_reply_error (error, EP_SMTP_ERROR_STARTTLS_UNAVAILABLE,
                       _("The server does not accept EHLO, so it cannot offer STARTTLS"), reply);
      return FALSE;
    }

  if (s->config->security == EP_SMTP_SECURITY_NONE)
    {
      g_autofree char *helo = g_strdup_printf ("HELO %s", s->ehlo_name);
      g_autoptr(EpSmtpReply) helo_reply = NULL;

      if (!send_line (s, helo, NULL, error) || (helo_reply = read_reply (s, error)) == NULL)
        return FALSE;
      if (helo_reply->code != 250)
        {
          if (!check_421 (s, helo_reply, _("The server is not available"), error))
            return FALSE;
          set_reply_error (error, ep_smtp_reply_class (helo_reply) == 4 ? EP_SMTP_ERROR_TEMPORARY
                                                                        : EP_SMTP_ERROR_SERVICE_REFUSED,
                           _("The server refused HELO"), helo_reply);
          return FALSE;
        }
      s->caps = ep_smtp_capabilities_new ();
      g_clear_pointer (&s->result->capabilities, ep_smtp_capabilities_free);
      s->result->capabilities = ep_smtp_capabilities_copy (s->caps);
      info (s, "HELO accepted: no extensions");
      return check_in_step (s, "HELO", error);
    }

  set_reply_error (error, EP_SMTP_ERROR_SERVICE_REFUSED, _("The server refused EHLO"), reply);
  return FALSE;
}

static gboolean
session_starttls (Session *s,
                  GError **error)
{
  g_autoptr(EpSmtpReply) reply = NULL;

  if (!ep_smtp_capabilities_has (s->caps, EP_SMTP_CAP_STARTTLS))
    {
      info (s, "STARTTLS is required but not offered");
      step (s, EP_SMTP_TEST_STEP_TLS, EP_SMTP_TEST_STATUS_FAILED, _("STARTTLS not offered"));
      g_set_error (error, EP_SMTP_ERROR, EP_SMTP_ERROR_STARTTLS_UNAVAILABLE,
                   _("The server %s does not offer STARTTLS; refusing to continue without encryption"),
                   s->config->host);
      return FALSE;
    }

  progress (s, EP_SMTP_STAGE_TLS, 0);
  if (!send_line (s, "STARTTLS", NULL, error) || (reply = read_reply (s, error)) == NULL)
    return FALSE;

  if (reply->code != 220)
    {
      /* Anything but 220 is a refusal, whatever the code says (RFC 3207 §4): never go on in
       * clear. After a 421 the server is gone; otherwise only QUIT follows. */
      step_reply (s, EP_SMTP_TEST_STEP_TLS, EP_SMTP_TEST_STATUS_FAILED, reply);
      if (reply->code == 421)
        s->no_quit = TRUE;
      /* 454 (RFC 3207: TLS not available for a temporary reason) and 421 (closing down) may
       * work later: a temporary failure, still without a word sent in clear. */
      if (reply->code == 454 || reply->code == 421)
        set_reply_error (error, EP_SMTP_ERROR_TEMPORARY,
                         _("The server cannot start TLS right now; refusing to continue without encryption"), reply);
      else
        set_reply_error (error, EP_SMTP_ERROR_STARTTLS_UNAVAILABLE,
                         _("The server refused STARTTLS; refusing to continue without encryption"), reply);
      return FALSE;
    }

  /* CVE-2021-22947 class (response injection): whatever arrived with or right after the 220 was
   * sent before the handshake, by the server or by someone in between, and must not be read as
   * a reply inside TLS. Abort without another word. */
  if (ep_smtp_connection_has_pending_input (s->conn))
    {
      s->no_quit = TRUE;
      info (s, "data received after the 220 to STARTTLS: possible response injection, aborting");
      step (s, EP_SMTP_TEST_STEP_TLS, EP_SMTP_TEST_STATUS_FAILED, _("response injection"));
      g_set_error_literal (error, EP_SMTP_ERROR, EP_SMTP_ERROR_INJECTION,
                           _("The server sent data after agreeing to STARTTLS (possible response injection attack); connection aborted"));
      ep_smtp_connection_abort (s->conn);
      return FALSE;
    }

  return session_tls (s, error);
}

/* connect → (implicit TLS) → greeting → EHLO → (STARTTLS → EHLO). */
static gboolean
session_open (Session *s,
              GError **error)
{
  g_autoptr(GError) local_error = NULL;

  progress (s, EP_SMTP_STAGE_CONNECTING, 0);
  step (s, EP_SMTP_TEST_STEP_CONNECT, EP_SMTP_TEST_STATUS_STARTED, NULL);

  s->conn = ep_smtp_connection_new (s->transcript, ep_smtp_config_get_timeout (s->config));
  if (!ep_smtp_connection_connect (s->conn, s->config->host, s->port, s->cancellable, &local_error))
    {
      s->no_quit = TRUE;
      step (s, EP_SMTP_TEST_STEP_CONNECT, EP_SMTP_TEST_STATUS_FAILED, local_error->message);
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  step (s, EP_SMTP_TEST_STEP_CONNECT, EP_SMTP_TEST_STATUS_OK, NULL);

  s->ehlo_name = s->config->ehlo_name != NULL ? g_strdup (s->config->ehlo_name)
                                              : ep_smtp_connection_dup_address_literal (s->conn);

  if (s->config->security == EP_SMTP_SECURITY_TLS && !session_tls (s, error))
    return FALSE;

  if (!session_greeting (s, error) || !session_ehlo (s, EP_SMTP_TEST_STEP_EHLO, error))
    return FALSE;

  if (s->config->security == EP_SMTP_SECURITY_STARTTLS)
    {
      if (!session_starttls (s, error))
        return FALSE;
      if (!session_ehlo (s, EP_SMTP_TEST_STEP_EHLO_TLS, error))
        return FALSE;
    }
  else
    step (s, EP_SMTP_TEST_STEP_EHLO_TLS, EP_SMTP_TEST_STATUS_SKIPPED, NULL);

  if (s->config->security == EP_SMTP_SECURITY_NONE)
    step (s, EP_SMTP_TEST_STEP_TLS, EP_SMTP_TEST_STATUS_SKIPPED, NULL);

  return TRUE;
}

/* ---- AUTH ------------------------------------------------------------------------------------- */

static EpSmtpAuthMechanism
choose_mechanism (Session *s,
                  GError **error)
{
  static const EpSmtpAuthMechanism password_order[] = {
    EP_SMTP_AUTH_SCRAM_SHA_256, EP_SMTP_AUTH_SCRAM_SHA_1, EP_SMTP_AUTH_CRAM_MD5,
    EP_SMTP_AUTH_PLAIN, EP_SMTP_AUTH_LOGIN,
  };
  static const EpSmtpAuthMechanism token_order[] = {
    EP_SMTP_AUTH_OAUTHBEARER, EP_SMTP_AUTH_XOAUTH2,
  };
  g_autofree char *offered = g_strjoinv (" ", s->caps->auth_mechs);

  if (!ep_smtp_capabilities_has (s->caps, EP_SMTP_CAP_AUTH))
    {
      g_set_error (error, EP_SMTP_ERROR, EP_SMTP_ERROR_AUTH_UNSUPPORTED,
                   _("The server %s does not offer authentication, but credentials are configured"),
                   s->config->host);
      return EP_SMTP_AUTH_NONE;
    }

  if (s->config->auth != EP_SMTP_AUTH_AUTO)
    {
      if (ep_smtp_capabilities_has_auth (s->caps, s->config->auth))
        return s->config->auth;
      g_set_error (error, EP_SMTP_ERROR, EP_SMTP_ERROR_AUTH_UNSUPPORTED,
                   _("The server does not offer %s (it offers: %s)"),
                   ep_smtp_auth_mechanism_to_string (s->config->auth), *offered != '\0' ? offered : _("nothing"));
      return EP_SMTP_AUTH_NONE;
    }

  if (s->config->oauth_token != NULL)
    {
      for (guint i = 0; i < G_N_ELEMENTS (token_order); i++)
        if (ep_smtp_capabilities_has_auth (s->caps, token_order[i]))
          return token_order[i];
    }
  if (s->config->password != NULL)
    {
      for (guint i = 0; i < G_N_ELEMENTS (password_order); i++)
        if (ep_smtp_capabilities_has_auth (s->caps, password_order[i]))
          return password_order[i];
    }

  g_set_error (error, EP_SMTP_ERROR, EP_SMTP_ERROR_AUTH_UNSUPPORTED,
               _("None of the server's authentication mechanisms can be used (it offers: %s)"),
               *offered != '\0' ? offered : _("nothing"));
  return EP_SMTP_AUTH_NONE;
}

static void
set_auth_reply_error (Session           *s,
                      EpSmtpSasl        *sasl,
                      const EpSmtpReply *reply,
                      GError           **error)
{
  const char *mech = ep_smtp_auth_mechanism_to_string (ep_smtp_sasl_get_mechanism (sasl));
  g_autofree char *what = NULL;
  EpSmtpError code;

  switch (reply->code)
    {
    case 454:
      code = EP_SMTP_ERROR_AUTH_TEMPORARY;
      what = g_strdup_printf (_("Authentication (%s) failed temporarily"), mech);
      break;
    case 530:
      code = EP_SMTP_ERROR_AUTH_REQUIRED;
      what = g_strdup_printf (_("The server requires authentication (%s)"), mech);
      break;
    case 534:
      code = EP_SMTP_ERROR_AUTH_TOO_WEAK;
      what = g_strdup_printf (_("The server considers %s too weak"), mech);
      break;
    case 538:
      code = EP_SMTP_ERROR_AUTH_ENCRYPTION_REQUIRED;
      what = g_strdup_printf (_("The server requires encryption for %s"), mech);
      break;
    case 504:
      code = EP_SMTP_ERROR_AUTH_UNSUPPORTED;
      what = g_strdup_printf (_("The server does not support %s after all"), mech);
      break;
    case 535:
    default:
      code = ep_smtp_reply_class (reply) == 4 ? EP_SMTP_ERROR_AUTH_TEMPORARY : EP_SMTP_ERROR_AUTH_FAILED;
      what = g_strdup_printf (_("Authentication (%s) failed"), mech);
      break;
    }

  if (ep_smtp_sasl_get_server_error (sasl) != NULL)
    {
      g_autofree char *with_detail = g_strdup_printf ("%s [%s]", what, ep_smtp_sasl_get_server_error (sasl));
      set_reply_error (error, code, with_detail, reply);
    }
  else
    set_reply_error (error, code, what, reply);
}

/* Sends "*" (RFC 4954 §4) after a challenge we cannot answer and reads the server's 501. */
static void
cancel_auth (Session *s)
{
  g_autoptr(EpSmtpReply) reply = NULL;

  if (!ep_smtp_connection_send_line (s->conn, "*", NULL, s->cancellable, NULL))
    {
      s->no_quit = TRUE;
      return;
    }
  reply = ep_smtp_connection_read_reply (s->conn, 0, s->cancellable, NULL);
  if (reply == NULL || reply->code == 421)
    s->no_quit = TRUE;
}

static char *
encode_response (GBytes *bytes)
{
  gsize len = 0;
  const guint8 *data = g_bytes_get_data (bytes, &len);

  return len > 0 ? g_base64_encode (data, len) : g_strdup ("");
}

static gboolean
session_auth_exchange (Session    *s,
                       EpSmtpSasl *sasl,
                       GError    **error)
{
  const char *mech = ep_smtp_auth_mechanism_to_string (ep_smtp_sasl_get_mechanism (sasl));
  g_autoptr(GBytes) initial = NULL;
  g_autoptr(GBytes) held_initial = NULL;
  g_autofree char *command = NULL;
  g_autofree char *logged = g_strdup_printf ("AUTH %s ********", mech);

  if (ep_smtp_sasl_get_initial_response (sasl, &initial))
    {
      g_autofree char *b64 = encode_response (initial);

      /* RFC 4954 §4: "=" is an empty initial response; one that would make the line too long
       * waits for the server's empty challenge instead. */
      if (strlen ("AUTH ") + strlen (mech) + 1 + strlen (b64) + 2 > AUTH_COMMAND_MAX)
        held_initial = g_steal_pointer (&initial);
      else
        command = g_strdup_printf ("AUTH %s %s", mech, *b64 != '\0' ? b64 : "=");
      explicit_bzero (b64, strlen (b64));
    }
  if (command == NULL)
    {
      command = g_strdup_printf ("AUTH %s", mech);
      g_clear_pointer (&logged, g_free);
    }

  if (!send_line (s, command, logged, error))
    return FALSE;
  explicit_bzero (command, strlen (command));

  for (;;)
    {
      g_autoptr(EpSmtpReply) reply = read_reply (s, error);
      g_autoptr(GBytes) response = NULL;
      g_autoptr(GError) sasl_error = NULL;
      g_autofree guint8 *challenge = NULL;
      g_autofree char *b64 = NULL;
      gsize challenge_len = 0;

      if (reply == NULL)
        return FALSE;

      if (reply->code == 235)
        {
          g_autofree guint8 *data = NULL;
          gsize data_len = 0;

          /* Server data with the success (RFC 4954 §4): only SCRAM has any. */
          if (reply->lines[0] != NULL && !ep_smtp_sasl_is_server_verified (sasl))
            {
              g_autofree char *first_word = g_strndup (reply->lines[0], strcspn (reply->lines[0], " "));

              if (reply->enhanced == NULL)
                data = ep_smtp_base64_decode_strict (first_word, &data_len, NULL);
            }
          if (!ep_smtp_sasl_finish (sasl, data, data_len, error))
            return FALSE;
          return TRUE;
        }

      if (reply->code != 334)
        {
          if (!check_421 (s, reply, _("The server is not available"), error))
            return FALSE;
          if (ep_smtp_reply_class (reply) != 4 && ep_smtp_reply_class (reply) != 5)
            {
              s->no_quit = TRUE;
              set_reply_error (error, EP_SMTP_ERROR_PROTOCOL, _("Unexpected reply during authentication"), reply);
              return FALSE;
            }
          set_auth_reply_error (s, sasl, reply, error);
          return FALSE;
        }

      challenge = ep_smtp_base64_decode_strict (reply->lines[0] != NULL ? reply->lines[0] : "",
                                                &challenge_len, &sasl_error);
      if (challenge == NULL)
        {
          cancel_auth (s);
          g_propagate_error (error, g_steal_pointer (&sasl_error));
          return FALSE;
        }

      if (held_initial != NULL && challenge_len == 0)
        response = g_steal_pointer (&held_initial);
      else if (ep_smtp_sasl_step (sasl, challenge, challenge_len, &response, &sasl_error) != EP_SMTP_SASL_CONTINUE)
        {
          cancel_auth (s);
          g_propagate_error (error, g_steal_pointer (&sasl_error));
          return FALSE;
        }

      b64 = encode_response (response);
      if (!send_line (s, b64, *b64 != '\0' ? "********" : NULL, error))
        return FALSE;
      explicit_bzero (b64, strlen (b64));
    }
}

static gboolean
session_auth (Session *s,
              GError **error)
{
  g_autoptr(EpSmtpSasl) sasl = NULL;
  EpSmtpAuthMechanism mechanism;
  const char *secret;
  gboolean ok;

  if (!ep_smtp_config_has_credentials (s->config))
    {
      step (s, EP_SMTP_TEST_STEP_AUTH, EP_SMTP_TEST_STATUS_SKIPPED, NULL);
      return TRUE;
    }

  progress (s, EP_SMTP_STAGE_AUTH, 0);
  step (s, EP_SMTP_TEST_STEP_AUTH, EP_SMTP_TEST_STATUS_STARTED, NULL);

  /* Belt and braces: the caller refused this already, before connecting. */
  if (!ep_smtp_connection_is_encrypted (s->conn))
    {
      g_set_error_literal (error, EP_SMTP_ERROR, EP_SMTP_ERROR_CLEARTEXT_AUTH,
                           _("Refusing to send credentials over an unencrypted connection"));
      step (s, EP_SMTP_TEST_STEP_AUTH, EP_SMTP_TEST_STATUS_FAILED, (*error)->message);
      return FALSE;
    }

  mechanism = choose_mechanism (s, error);
  if (mechanism == EP_SMTP_AUTH_NONE)
    {
      step (s, EP_SMTP_TEST_STEP_AUTH, EP_SMTP_TEST_STATUS_FAILED, (*error)->message);
      return FALSE;
    }

  secret = ep_smtp_auth_mechanism_uses_token (mechanism)
           ? (s->config->oauth_token != NULL ? s->config->oauth_token : s->config->password)
           : s->config->password;
  if (secret == NULL)
    {
      g_set_error (error, EP_SMTP_ERROR, EP_SMTP_ERROR_INVALID_CONFIG,
                   _("No password or token for %s"), ep_smtp_auth_mechanism_to_string (mechanism));
      return FALSE;
    }

  sasl = ep_smtp_sasl_new (mechanism, s->config->username, secret, error);
  if (sasl == NULL)
    return FALSE;

  info (s, "authenticating as %s with %s", s->config->username, ep_smtp_auth_mechanism_to_string (mechanism));
  ep_smtp_connection_set_redact_challenges (s->conn, TRUE);
  ok = session_auth_exchange (s, sasl, error);
  ep_smtp_connection_set_redact_challenges (s->conn, FALSE);

  if (!ok)
    {
      step (s, EP_SMTP_TEST_STEP_AUTH, EP_SMTP_TEST_STATUS_FAILED, (*error)->message);
      return FALSE;
    }

  g_free (s->result->auth_mechanism);
  s->result->auth_mechanism = g_strdup (ep_smtp_auth_mechanism_to_string (mechanism));
  step (s, EP_SMTP_TEST_STEP_AUTH, EP_SMTP_TEST_STATUS_OK, s->result->auth_mechanism);

  return check_in_step (s, "AUTH", error);
}

/* ---- the transaction -------------------------------------------------------------------------- */

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
  r->text = ep_smtp_reply_get_text (reply, " ");
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

  return g_string_free (command, FALSE);
}

/* Local refusals before the first envelope byte: too big, or SMTPUTF8 needed but not offered. */
static gboolean
check_before_mail (Session *s,
                   GError **error)
{
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
  s->result->final_text = ep_smtp_reply_get_text (reply, " ");

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

  if (!write_body (s, data, &local_error) || !g_output_stream_close (data, s->cancellable, &local_error))
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
  /* BDAT carries the octets as they are, so line endings must already be CRLF. */
  normalize = ep_smtp_data_stream_new (bdat, EP_SMTP_DATA_STREAM_NORMALIZE_ONLY);
  progress (s, EP_SMTP_STAGE_SENDING, 0);

  if (!write_body (s, normalize, &local_error)
      || !g_output_stream_close (normalize, s->cancellable, &local_error)
      || !g_output_stream_close (bdat, s->cancellable, &local_error))
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
    g_ptr_array_add (lines, g_strdup_printf ("RCPT TO:<%s>", (char *) g_ptr_array_index (rcpts, i)));

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

  if (!check_in_step (s, chunking ? "the recipients" : "354", error))
    return FALSE;

  /* No deferred recipient: no transaction follows this one. */
  s->quit_early = pipelining && o.deferred->len == 0;

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

static gboolean
session_deliver (Session *s,
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

/* ---- public API ------------------------------------------------------------------------------- */

static void
session_init (Session            *s,
              const EpSmtpConfig *config,
              EpSmtpTranscript   *transcript,
              GCancellable       *cancellable)
{
  memset (s, 0, sizeof *s);
  s->config = config;
  s->cancellable = cancellable;
  s->transcript = transcript != NULL ? g_object_ref (transcript) : ep_smtp_transcript_new ();
  s->result = ep_smtp_result_new (s->transcript);
  s->port = ep_smtp_config_get_port (config);
}

/* Finishes a session: ends the connection, sets the outcome, fills @error. */
static EpSmtpResult *
session_finish (Session *s,
                GError  *local_error,
                GError **error)
{
  end_session (s, local_error);
  s->result->outcome = outcome_for_error (local_error);
  /* Whatever went wrong after a completed transaction, some recipients have the message: a
   * plain "not sent" would invite a retry that gives them a second copy. */
  if (local_error != NULL && ep_smtp_result_count_in_state (s->result, EP_SMTP_RECIPIENT_DELIVERED) > 0)
    s->result->outcome = EP_SMTP_OUTCOME_PARTIAL;

  if (local_error != NULL)
    {
      info (s, "failed: %s", local_error->message);
      g_propagate_error (error, local_error);
    }

  progress (s, EP_SMTP_STAGE_DONE, s->sent);
  session_clear (s);
  return s->result;
}

EpSmtpResult *
ep_smtp_send_sync (const EpSmtpConfig  *config,
                   EpMessage           *message,
                   GInputStream        *raw,
                   const char          *envelope_from_override,
                   const char * const  *envelope_rcpts_override,
                   EpSmtpTranscript    *transcript,
                   EpSmtpProgressFunc   progress_func,
                   gpointer             progress_data,
                   GCancellable        *cancellable,
                   GError             **error)
{
  Session s;
  GError *local_error = NULL;

  g_return_val_if_fail (config != NULL, NULL);
  g_return_val_if_fail (message == NULL || EP_IS_MESSAGE (message), NULL);
  g_return_val_if_fail (raw == NULL || G_IS_INPUT_STREAM (raw), NULL);
  g_return_val_if_fail (message != NULL || raw != NULL, NULL);
  g_return_val_if_fail (transcript == NULL || EP_IS_SMTP_TRANSCRIPT (transcript), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  session_init (&s, config, transcript, cancellable);
  s.message = raw == NULL ? message : NULL;
  s.raw = raw;
  s.progress = progress_func;
  s.progress_data = progress_data;

  if (!ep_smtp_config_validate (config, &local_error))
    return session_finish (&s, local_error, error);

  if (!session_prepare_envelope (&s, envelope_from_override, envelope_rcpts_override, &local_error))
    return session_finish (&s, local_error, error);

  /* Before any network traffic: credentials never cross an unencrypted connection. */
  if (config->security == EP_SMTP_SECURITY_NONE && ep_smtp_config_has_credentials (config))
    {
      g_set_error_literal (&local_error, EP_SMTP_ERROR, EP_SMTP_ERROR_CLEARTEXT_AUTH,
                           _("Credentials are configured but the connection would not be encrypted; refusing to send them in clear (choose tls or starttls)"));
      return session_finish (&s, local_error, error);
    }

  if (s.message != NULL)
    {
      if (!ep_mime_writer_prepare (s.message, &local_error))
        return session_finish (&s, local_error, error);
      s.size = ep_mime_writer_get_size (s.message);
      s.needs_8bitmime = ep_message_needs_8bitmime (s.message);
    }
  else
    s.size = raw_size (raw);
  s.result->message_size = s.size;

  if (!session_open (&s, &local_error)
      || !session_auth (&s, &local_error)
      || !session_deliver (&s, &local_error))
    {
      /* Never report a delivery that did not happen because a path forgot its error. */
      if (local_error == NULL)
        {
          g_warn_if_reached ();
          s.no_quit = TRUE;
          g_set_error_literal (&local_error, EP_SMTP_ERROR, EP_SMTP_ERROR_PROTOCOL,
                               _("The SMTP session failed"));
        }
      return session_finish (&s, local_error, error);
    }

  step (&s, EP_SMTP_TEST_STEP_QUIT, EP_SMTP_TEST_STATUS_STARTED, NULL);
  info (&s, "delivered");
  return session_finish (&s, NULL, error);
}

EpSmtpResult *
ep_smtp_test_connection_sync (const EpSmtpConfig *config,
                              EpSmtpTranscript   *transcript,
                              EpSmtpTestStepFunc  step_func,
                              gpointer            step_data,
                              GCancellable       *cancellable,
                              GError            **error)
{
  Session s;
  GError *local_error = NULL;
  EpSmtpResult *result;

  g_return_val_if_fail (config != NULL, NULL);
  g_return_val_if_fail (transcript == NULL || EP_IS_SMTP_TRANSCRIPT (transcript), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  session_init (&s, config, transcript, cancellable);
  s.step_func = step_func;
  s.step_data = step_data;

  if (!ep_smtp_config_validate (config, &local_error))
    return session_finish (&s, local_error, error);

  if (config->security == EP_SMTP_SECURITY_NONE && ep_smtp_config_has_credentials (config))
    {
      g_set_error_literal (&local_error, EP_SMTP_ERROR, EP_SMTP_ERROR_CLEARTEXT_AUTH,
                           _("Credentials are configured but the connection would not be encrypted; refusing to send them in clear (choose tls or starttls)"));
      step (&s, EP_SMTP_TEST_STEP_AUTH, EP_SMTP_TEST_STATUS_FAILED, local_error->message);
      return session_finish (&s, local_error, error);
    }

  if (!session_open (&s, &local_error) || !session_auth (&s, &local_error))
    return session_finish (&s, local_error, error);

  step (&s, EP_SMTP_TEST_STEP_QUIT, EP_SMTP_TEST_STATUS_STARTED, NULL);
  result = session_finish (&s, NULL, error);
  if (step_func != NULL)
    step_func (EP_SMTP_TEST_STEP_QUIT, EP_SMTP_TEST_STATUS_OK, NULL, step_data);
  return result;
}

const char *
ep_smtp_stage_to_string (EpSmtpStage stage)
{
  switch (stage)
    {
    case EP_SMTP_STAGE_CONNECTING:
      return "connecting";
    case EP_SMTP_STAGE_TLS:
      return "tls";
    case EP_SMTP_STAGE_AUTH:
      return "auth";
    case EP_SMTP_STAGE_SENDING:
      return "sending";
    case EP_SMTP_STAGE_WAITING:
      return "waiting";
    case EP_SMTP_STAGE_DONE:
      return "done";
    default:
      g_return_val_if_reached ("unknown");
    }
}

/* ---- async wrapper ---------------------------------------------------------------------------- */

/* Shared by the worker and the progress events queued on the caller's context, so that the
 * caller's data lives until the last event has run. */
typedef struct {
  EpSmtpProgressFunc func;
  gpointer           data;
  GDestroyNotify     destroy;
} ProgressTarget;

static void
progress_target_clear (ProgressTarget *target)
{
  if (target->destroy != NULL)
    target->destroy (target->data);
}

typedef struct {
  EpSmtpConfig     *config;
  EpMessage        *message;
  GInputStream     *raw;
  char             *from;
  GStrv             rcpts;
  EpSmtpTranscript *transcript;
  ProgressTarget   *target;       /* g_atomic_rc_box */
  GMainContext     *context;
  EpSmtpStage       last_stage;
  gint64            last_time;
  EpSmtpResult     *result;
  GError           *error;
} SendData;

static void
send_data_free (SendData *data)
{
  ep_smtp_config_free (data->config);
  g_clear_object (&data->message);
  g_clear_object (&data->raw);
  g_free (data->from);
  g_strfreev (data->rcpts);
  g_clear_object (&data->transcript);
  if (data->target != NULL)
    g_atomic_rc_box_release_full (data->target, (GDestroyNotify) progress_target_clear);
  g_main_context_unref (data->context);
  g_clear_pointer (&data->result, ep_smtp_result_unref);
  g_clear_error (&data->error);
  g_free (data);
}

typedef struct {
  ProgressTarget *target;
  EpSmtpStage     stage;
  guint64         sent;
  guint64         total;
} ProgressEvent;

static void
progress_event_free (ProgressEvent *event)
{
  g_atomic_rc_box_release_full (event->target, (GDestroyNotify) progress_target_clear);
  g_free (event);
}

static gboolean
progress_event_dispatch (gpointer user_data)
{
  ProgressEvent *event = user_data;

  event->target->func (event->stage, event->sent, event->total, event->target->data);
  return G_SOURCE_REMOVE;
}

static void
async_progress_cb (EpSmtpStage stage,
                   guint64     sent,
                   guint64     total,
                   gpointer    user_data)
{
  SendData *data = user_data;
  gint64 now = g_get_monotonic_time ();
  ProgressEvent *event;

  /* The first and last update of each stage always go through; in between, a few per second. */
  if (stage == data->last_stage && now - data->last_time < PROGRESS_INTERVAL_US
      && (total == 0 || sent < total) && stage != EP_SMTP_STAGE_DONE)
    return;
  data->last_stage = stage;
  data->last_time = now;

  event = g_new0 (ProgressEvent, 1);
  event->target = g_atomic_rc_box_acquire (data->target);
  event->stage = stage;
  event->sent = sent;
  event->total = total;
  g_main_context_invoke_full (data->context, G_PRIORITY_DEFAULT, progress_event_dispatch, event,
                              (GDestroyNotify) progress_event_free);
}

static gboolean
release_target_dispatch (gpointer user_data)
{
  return G_SOURCE_REMOVE;
}

static void
release_target (gpointer user_data)
{
  g_atomic_rc_box_release_full (user_data, (GDestroyNotify) progress_target_clear);
}

static void
send_thread (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  SendData *data = task_data;

  data->result = ep_smtp_send_sync (data->config, data->message, data->raw, data->from,
                                    (const char * const *) data->rcpts, data->transcript,
                                    data->target != NULL ? async_progress_cb : NULL, data,
                                    cancellable, &data->error);

  /* The caller's progress data is let go of on the caller's context, after any progress event
   * still queued there, never on this thread. */
  if (data->target != NULL)
    g_main_context_invoke_full (data->context, G_PRIORITY_DEFAULT, release_target_dispatch,
                                g_steal_pointer (&data->target), release_target);

  g_task_return_boolean (task, TRUE);
}

void
ep_smtp_send_async (const EpSmtpConfig  *config,
                    EpMessage           *message,
                    GInputStream        *raw,
                    const char          *envelope_from_override,
                    const char * const  *envelope_rcpts_override,
                    EpSmtpTranscript    *transcript,
                    EpSmtpProgressFunc   progress_func,
                    gpointer             progress_data,
                    GDestroyNotify       progress_data_destroy,
                    GCancellable        *cancellable,
                    GAsyncReadyCallback  callback,
                    gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  SendData *data;

  g_return_if_fail (config != NULL);
  g_return_if_fail (message == NULL || EP_IS_MESSAGE (message));
  g_return_if_fail (raw == NULL || G_IS_INPUT_STREAM (raw));
  g_return_if_fail (message != NULL || raw != NULL);

  data = g_new0 (SendData, 1);
  data->config = ep_smtp_config_copy (config);
  data->message = message != NULL ? g_object_ref (message) : NULL;
  data->raw = raw != NULL ? g_object_ref (raw) : NULL;
  data->from = g_strdup (envelope_from_override);
  data->rcpts = g_strdupv ((char **) envelope_rcpts_override);
  data->transcript = transcript != NULL ? g_object_ref (transcript) : ep_smtp_transcript_new ();
  data->context = g_main_context_ref_thread_default ();
  data->last_stage = (EpSmtpStage) -1;
  if (progress_func != NULL)
    {
      data->target = g_atomic_rc_box_new0 (ProgressTarget);
      data->target->func = progress_func;
      data->target->data = progress_data;
      data->target->destroy = progress_data_destroy;
    }
  else if (progress_data_destroy != NULL)
    progress_data_destroy (progress_data);

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, ep_smtp_send_async);
  /* The worker reports cancellation itself, together with the result gathered so far. */
  g_task_set_check_cancellable (task, FALSE);
  g_task_set_task_data (task, data, (GDestroyNotify) send_data_free);
  g_task_run_in_thread (task, send_thread);
}

EpSmtpResult *
ep_smtp_send_finish (GAsyncResult  *result,
                     GError       **error)
{
  SendData *data;

  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == ep_smtp_send_async, NULL);

  data = g_task_get_task_data (G_TASK (result));
  if (!g_task_propagate_boolean (G_TASK (result), error))
    return data->result != NULL ? ep_smtp_result_ref (data->result) : NULL;

  if (data->error != NULL)
    g_propagate_error (error, g_error_copy (data->error));

  return ep_smtp_result_ref (data->result);
}
