/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-smtp-session-auth.c: AUTH: the mechanism chosen from what the server offers, and the SASL
 * exchange (RFC 4954) with secrets kept out of the transcript. */
#include "config.h"

#include <string.h>
#include <glib/gi18n-lib.h>

#include "ep-base64.h"
#include "ep-smtp-limits.h"
#include "ep-smtp-sasl.h"
#include "ep-smtp-session-private.h"

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
  g_autofree char *logged = g_strdup_printf ("AUTH %s " EP_SMTP_TRANSCRIPT_REDACTED, mech);

  if (ep_smtp_sasl_get_initial_response (sasl, &initial))
    {
      g_autofree char *b64 = encode_response (initial);

      /* RFC 4954 §4: "=" is an empty initial response; one that would make the line too long
       * waits for the server's empty challenge instead. */
      if (strlen ("AUTH ") + strlen (mech) + 1 + strlen (b64) + 2 > EP_SMTP_AUTH_LINE_MAX)
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
                data = ep_base64_decode_strict (first_word, -1, &data_len, NULL);
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

      challenge = ep_base64_decode_strict (reply->lines[0] != NULL ? reply->lines[0] : "", -1,
                                           &challenge_len, NULL);
      if (challenge == NULL)
        {
          cancel_auth (s);
          g_set_error_literal (error, EP_SMTP_ERROR, EP_SMTP_ERROR_PROTOCOL,
                               _("The server's authentication challenge is not valid base64"));
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
      if (!send_line (s, b64, *b64 != '\0' ? EP_SMTP_TRANSCRIPT_REDACTED : NULL, error))
        return FALSE;
      explicit_bzero (b64, strlen (b64));
    }
}

gboolean
ep_smtp_session_auth (Session *s,
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

  return ep_smtp_session_check_in_step (s, "AUTH", error);
}
