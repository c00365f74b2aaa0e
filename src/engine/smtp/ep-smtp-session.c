/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-smtp-session.c: the SMTP submission state machine: greeting, EHLO, TLS, AUTH, pipelined
 * envelope, streamed body (DATA or BDAT), final reply, QUIT. Blocking; runs on a worker thread.
 * This part opens the session (connect, TLS, greeting, EHLO, STARTTLS), ends it, and holds
 * the sync API; the envelope, AUTH, the transactions and the async wrapper are the
 * ep-smtp-session-*.c parts. */
#include "config.h"

#include <string.h>
#include <glib/gi18n-lib.h>

#include "ep-mime-writer.h"
#include "ep-smtp-session-private.h"

/* After success nobody should wait for the 221 to QUIT; a short look suffices. */
#define QUIT_REPLY_TIMEOUT_MS      2000

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
  g_clear_object (&s->conn_transcript);
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

/* RFC 2920 §3.1: the client waits at these points, so nothing may be waiting here; anything
 * that is would be taken as the answer to our next command. */
gboolean
ep_smtp_session_check_in_step (Session    *s,
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

/* Whether the dialogue is still in step after @error (nullable): the server may hear another
 * command, QUIT or the next message's. */
static gboolean
session_in_step (Session      *s,
                 const GError *error)
{
  if (s->conn == NULL || ep_smtp_connection_is_closed (s->conn) || s->no_quit)
    return FALSE;

  if (error != NULL && (error->domain != EP_SMTP_ERROR
                        || error->code == EP_SMTP_ERROR_TIMEOUT
                        || error->code == EP_SMTP_ERROR_CONNECTION_LOST
                        || error->code == EP_SMTP_ERROR_DELIVERY_UNKNOWN
                        || error->code == EP_SMTP_ERROR_INJECTION
                        || error->code == EP_SMTP_ERROR_TLS
                        || error->code == EP_SMTP_ERROR_TLS_CERTIFICATE))
    return FALSE;

  return TRUE;
}

/* Ends the connection: QUIT (with a short wait for its reply) when the dialogue is still in
 * step, otherwise just close. */
static void
end_session (Session      *s,
             const GError *error)
{
  gboolean polite;

  if (s->conn == NULL || ep_smtp_connection_is_closed (s->conn))
    return;

  polite = session_in_step (s, error);

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

/* ---- connect, greeting, EHLO, TLS ------------------------------------------------------------ */

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
  return ep_smtp_session_check_in_step (s, "the greeting", error);
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
      return ep_smtp_session_check_in_step (s, "EHLO", error);
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
      return ep_smtp_session_check_in_step (s, "HELO", error);
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

/* ---- public API ------------------------------------------------------------------------------ */

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

/* Sets the message's outcome from @local_error (taken) and fills @error. */
static void
message_outcome (Session *s,
                 GError  *local_error,
                 GError **error)
{
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
}

/* Finishes a session: ends the connection, sets the outcome, fills @error. */
static EpSmtpResult *
session_finish (Session *s,
                GError  *local_error,
                GError **error)
{
  end_session (s, local_error);
  message_outcome (s, local_error, error);
  progress (s, EP_SMTP_STAGE_DONE, s->sent);
  session_clear (s);
  return s->result;
}

/* Before any network traffic: credentials never cross an unencrypted connection. */
static gboolean
session_check_cleartext (Session *s,
                         GError **error)
{
  if (s->config->security != EP_SMTP_SECURITY_NONE || !ep_smtp_config_has_credentials (s->config))
    return TRUE;

  g_set_error_literal (error, EP_SMTP_ERROR, EP_SMTP_ERROR_CLEARTEXT_AUTH,
                       _("Credentials are configured but the connection would not be encrypted; refusing to send them in clear (choose tls or starttls)"));
  return FALSE;
}

/* A message's source and envelope, checked before anything of it goes out; what the previous
 * message of the session left is forgotten. */
static gboolean
session_load_message (Session                 *s,
                      EpMessage               *message,
                      GInputStream            *raw,
                      const EpSmtpSendOptions *options,
                      GError                 **error)
{
  g_clear_object (&s->spool);
  s->spooling = FALSE;
  g_clear_pointer (&s->sender, g_free);
  g_clear_pointer (&s->rcpts, g_ptr_array_unref);
  s->needs_smtputf8 = FALSE;
  s->needs_8bitmime = FALSE;
  s->size = 0;
  s->sent = 0;
  s->quit_early = FALSE;
  s->bdat_pending = 0;
  s->bdat_pipelined = FALSE;
  s->mail_answered = FALSE;

  s->message = raw == NULL ? message : NULL;
  s->raw = raw;
  s->progress = options->progress;
  s->progress_data = options->progress_data;
  s->before_data_end = options->before_data_end;
  s->before_data_end_data = options->before_data_end_data;
  s->hold_until = options->hold_until;
  s->dsn_notify = options->dsn_notify;
  s->dsn_ret = options->dsn_ret;
  s->dsn_envid = options->dsn_envid;
  s->require_tls = options->require_tls;
  /* A message works out its own need when it is prepared (session_prepare_body). */
  s->needs_8bitmime = raw != NULL && options->raw_needs_8bitmime;

  return ep_smtp_session_prepare_envelope (s, options->envelope_from, options->envelope_rcpts, error);
}

/* The message's bytes fixed and measured (for SIZE and progress). */
static gboolean
session_prepare_body (Session *s,
                      GError **error)
{
  if (s->message != NULL)
    {
      if (!ep_mime_writer_prepare (s->message, error))
        return FALSE;
      s->size = ep_mime_writer_get_size (s->message);
      s->needs_8bitmime = ep_message_needs_8bitmime (s->message);
    }
  else
    s->size = ep_smtp_session_raw_size (s->raw);
  s->result->message_size = s->size;
  return TRUE;
}

/* Never report a delivery that did not happen because a path forgot its error. */
static void
ensure_error (Session *s,
              GError **local_error)
{
  if (*local_error != NULL)
    return;
  g_warn_if_reached ();
  s->no_quit = TRUE;
  g_set_error_literal (local_error, EP_SMTP_ERROR, EP_SMTP_ERROR_PROTOCOL,
                       _("The SMTP session failed"));
}

EpSmtpResult *
ep_smtp_send_with_options_sync (const EpSmtpConfig      *config,
                                EpMessage               *message,
                                GInputStream            *raw,
                                const EpSmtpSendOptions *options,
                                GCancellable            *cancellable,
                                GError                 **error)
{
  static const EpSmtpSendOptions no_options = { 0 };
  Session s;
  GError *local_error = NULL;

  g_return_val_if_fail (config != NULL, NULL);
  g_return_val_if_fail (message == NULL || EP_IS_MESSAGE (message), NULL);
  g_return_val_if_fail (raw == NULL || G_IS_INPUT_STREAM (raw), NULL);
  g_return_val_if_fail (message != NULL || raw != NULL, NULL);
  g_return_val_if_fail (options == NULL || options->transcript == NULL
                        || EP_IS_SMTP_TRANSCRIPT (options->transcript), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (options == NULL)
    options = &no_options;

  /* The steps of EpSmtpSession's open and send, with the message checked before the
   * connection: a bad address or a missing attachment costs no connection. */
  session_init (&s, config, options->transcript, cancellable);
  if (!ep_smtp_config_validate (config, &local_error)
      || !session_load_message (&s, message, raw, options, &local_error)
      || !session_check_cleartext (&s, &local_error)
      || !session_prepare_body (&s, &local_error)
      || !session_open (&s, &local_error)
      || !ep_smtp_session_auth (&s, &local_error)
      || !ep_smtp_session_deliver (&s, &local_error))
    {
      ensure_error (&s, &local_error);
      return session_finish (&s, local_error, error);
    }

  step (&s, EP_SMTP_TEST_STEP_QUIT, EP_SMTP_TEST_STATUS_STARTED, NULL);
  info (&s, "delivered");
  return session_finish (&s, NULL, error);
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
  EpSmtpSendOptions options = {
    .envelope_from = envelope_from_override,
    .envelope_rcpts = envelope_rcpts_override,
    .transcript = transcript,
    .progress = progress_func,
    .progress_data = progress_data,
  };

  return ep_smtp_send_with_options_sync (config, message, raw, &options, cancellable, error);
}

/* ---- a session for several messages ---------------------------------------------------------- */

struct _EpSmtpSession
{
  Session s;
};

EpSmtpSession *
ep_smtp_session_open_sync (const EpSmtpConfig  *config,
                           EpSmtpTranscript    *transcript,
                           EpSmtpProgressFunc   progress_func,
                           gpointer             progress_data,
                           GCancellable        *cancellable,
                           EpSmtpResult       **out_result,
                           GError             **error)
{
  g_autofree EpSmtpSession *self = NULL;
  Session *s;
  GError *local_error = NULL;

  g_return_val_if_fail (config != NULL, NULL);
  g_return_val_if_fail (transcript == NULL || EP_IS_SMTP_TRANSCRIPT (transcript), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  self = g_new0 (EpSmtpSession, 1);
  s = &self->s;
  session_init (s, config, transcript, cancellable);
  s->batch = TRUE;
  s->progress = progress_func;
  s->progress_data = progress_data;

  if (!ep_smtp_config_validate (config, &local_error)
      || !session_check_cleartext (s, &local_error)
      || !session_open (s, &local_error)
      || !ep_smtp_session_auth (s, &local_error))
    {
      EpSmtpResult *result;

      ensure_error (s, &local_error);
      result = session_finish (s, local_error, error);
      if (out_result != NULL)
        *out_result = result;
      else
        ep_smtp_result_unref (result);
      return NULL;
    }

  s->conn_transcript = g_object_ref (s->transcript);
  s->n_opening = ep_smtp_transcript_get_n_entries (s->transcript);
  if (out_result != NULL)
    *out_result = ep_smtp_result_ref (s->result);
  return g_steal_pointer (&self);
}

gboolean
ep_smtp_session_is_open (EpSmtpSession *self)
{
  g_return_val_if_fail (self != NULL, FALSE);

  return session_in_step (&self->s, NULL);
}

/* Between messages the server may have said goodbye (421, RFC 5321 §3.8) or said something
 * nobody asked for: either way the next message is not started. */
static gboolean
session_still_there (Session *s,
                     GError **error)
{
  g_autoptr(EpSmtpReply) reply = NULL;

  if (!ep_smtp_connection_has_pending_input (s->conn))
    return TRUE;

  reply = read_reply (s, error);
  if (reply == NULL)
    return FALSE;
  if (!check_421 (s, reply, _("The server is not available"), error))
    return FALSE;
  s->no_quit = TRUE;
  set_reply_error (error, EP_SMTP_ERROR_PROTOCOL, _("Unexpected reply after the message"), reply);
  return FALSE;
}

/* The opening's lines at the head of @transcript, so that each message's transcript reads as a
 * whole session. */
static void
copy_opening (Session          *s,
              EpSmtpTranscript *transcript)
{
  g_autoptr(GPtrArray) entries = NULL;

  if (transcript == s->conn_transcript)
    return;

  entries = ep_smtp_transcript_dup_entries (s->conn_transcript);
  for (guint i = 0; i < entries->len && i < s->n_opening; i++)
    {
      EpSmtpTranscriptEntry *entry = g_ptr_array_index (entries, i);

      ep_smtp_transcript_add (transcript, entry->direction, entry->line);
    }
}

/* RFC 5321 §4.1.1.5: after a transaction that ended midway, RSET clears whatever the server
 * kept of it before the next one starts (not before QUIT, which drops it anyway). */
static gboolean
session_reset (Session *s,
               GError **error)
{
  g_autoptr(EpSmtpReply) reply = NULL;

  s->needs_rset = FALSE;
  if (!send_line (s, "RSET", NULL, error) || (reply = read_reply (s, error)) == NULL)
    return FALSE;
  if (reply->code == 250)
    return TRUE;
  if (!check_421 (s, reply, _("The server is not available"), error))
    return FALSE;
  set_reply_error (error, EP_SMTP_ERROR_PROTOCOL, _("Unexpected reply after the message"), reply);
  return FALSE;
}

EpSmtpResult *
ep_smtp_session_send_sync (EpSmtpSession           *self,
                           EpMessage               *message,
                           GInputStream            *raw,
                           const EpSmtpSendOptions *options,
                           GError                 **error)
{
  static const EpSmtpSendOptions no_options = { 0 };
  Session *s;
  g_autoptr(EpSmtpTranscript) transcript = NULL;
  EpSmtpResult *opened;
  GError *local_error = NULL;
  gboolean started = FALSE;

  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (message == NULL || EP_IS_MESSAGE (message), NULL);
  g_return_val_if_fail (raw == NULL || G_IS_INPUT_STREAM (raw), NULL);
  g_return_val_if_fail (message != NULL || raw != NULL, NULL);
  g_return_val_if_fail (options == NULL || options->transcript == NULL
                        || EP_IS_SMTP_TRANSCRIPT (options->transcript), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  s = &self->s;
  if (options == NULL)
    options = &no_options;

  if (!session_in_step (s, NULL))
    {
      g_set_error_literal (error, EP_SMTP_ERROR, EP_SMTP_ERROR_CONNECTION_LOST,
                           _("The connection is already closed"));
      return NULL;
    }
  if (s->n_messages > 0 && !session_still_there (s, &local_error))
    {
      end_session (s, local_error);
      g_propagate_error (error, local_error);
      return NULL;
    }

  transcript = options->transcript != NULL ? g_object_ref (options->transcript) : ep_smtp_transcript_new ();
  copy_opening (s, transcript);
  g_set_object (&s->transcript, transcript);
  ep_smtp_connection_set_transcript (s->conn, transcript);

  /* What the opening learnt holds for every message. */
  opened = s->result;
  s->result = ep_smtp_result_new (transcript);
  if (opened->capabilities != NULL)
    s->result->capabilities = ep_smtp_capabilities_copy (opened->capabilities);
  if (opened->tls != NULL)
    s->result->tls = ep_smtp_tls_info_copy (opened->tls);
  s->result->auth_mechanism = g_strdup (opened->auth_mechanism);
  ep_smtp_result_unref (opened);
  s->n_messages++;

  if (s->needs_rset && !session_reset (s, &local_error))
    {
      info (s, "the server ended the session before this message");
      end_session (s, local_error);
      g_propagate_error (error, local_error);
      return NULL;
    }

  if (session_load_message (s, message, raw, options, &local_error)
      && session_prepare_body (s, &local_error))
    {
      started = TRUE;
      if (ep_smtp_session_deliver (s, &local_error))
        {
          info (s, "delivered");
          message_outcome (s, NULL, error);
          progress (s, EP_SMTP_STAGE_DONE, s->sent);
          return ep_smtp_result_ref (s->result);
        }
      ensure_error (s, &local_error);
    }

  /* The server went away before it answered this message's MAIL (a 421 or a closed connection
   * between messages): nothing of it was taken, so it was not tried at all. */
  if (started && s->n_messages > 1 && !s->mail_answered && !session_in_step (s, local_error))
    {
      info (s, "the server ended the session before this message");
      end_session (s, local_error);
      g_propagate_error (error, local_error);
      return NULL;
    }

  if (session_in_step (s, local_error))
    s->needs_rset = started;
  else
    end_session (s, local_error);

  message_outcome (s, local_error, error);
  progress (s, EP_SMTP_STAGE_DONE, s->sent);
  return ep_smtp_result_ref (s->result);
}

void
ep_smtp_session_close (EpSmtpSession *self)
{
  if (self == NULL)
    return;

  end_session (&self->s, NULL);
  g_clear_pointer (&self->s.result, ep_smtp_result_unref);
  session_clear (&self->s);
  g_free (self);
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

  if (!session_check_cleartext (&s, &local_error))
    {
      step (&s, EP_SMTP_TEST_STEP_AUTH, EP_SMTP_TEST_STATUS_FAILED, local_error->message);
      return session_finish (&s, local_error, error);
    }

  if (!session_open (&s, &local_error) || !ep_smtp_session_auth (&s, &local_error))
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

