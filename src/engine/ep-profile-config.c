/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-profile-config.c: the profile's values, then the secret: the one given, or the Sandbox's
 * own once it runs, or the keyring's when the session goes to the server it was saved for. A
 * session to another server than the saved one gets neither the saved secret nor the pin, and
 * the result says so, so that each caller can tell the user in its own words. */
#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>

#include "ep-goa-account.h"
#include "ep-goa-error.h"
#include "ep-imap-error.h"
#include "ep-oauth-account.h"
#include "ep-oauth-error.h"
#include "ep-profile-config.h"
#include "ep-sandbox-server.h"
#include "ep-secrets.h"
#include "ep-store-error.h"

/* What a token renewal needs, behind the public part. */
typedef struct {
  EpProfileConfig   pub;
  EpProfile        *account;     /* the saved profile whose sign-in the token is from */
  EpOAuthProvider  *provider;
  EpSmtpTranscript *transcript;
  EpGoaAccount     *goa;         /* the Online Accounts account behind the profile */
  gboolean          renewed;
  char             *imap_password;   /* imap-own-password: the IMAP server's own */
} ProfileConfig;

static void
wipe (char **secret)
{
  if (*secret != NULL)
    {
      explicit_bzero (*secret, strlen (*secret));
      g_clear_pointer (secret, g_free);
    }
}

void
ep_profile_config_set_secret (EpSmtpConfig *config,
                              const char   *secret)
{
  g_return_if_fail (config != NULL);

  wipe (&config->password);
  wipe (&config->oauth_token);
  if (ep_smtp_auth_mechanism_uses_token (config->auth))
    config->oauth_token = g_strdup (secret);
  else
    config->password = g_strdup (secret);
}

static void
leave_out_pin (EpProfileConfig *self)
{
  if (self->config->pinned_sha256 != NULL)
    self->left_out |= EP_PROFILE_LEFT_OUT_PIN;
  g_clear_pointer (&self->config->pinned_sha256, g_free);
  g_clear_pointer (&self->config->pinned_host, g_free);
  self->config->pinned_port = 0;
}

static gboolean
has_user (EpProfile *profile)
{
  const char *username = ep_profile_get_username (profile);

  return username != NULL && *username != '\0';
}

/* The Sandbox: started in this process on demand; its server, account and pinned certificate
 * are its own, known only once it runs. */
static gboolean
sandbox_config (EpProfileConfig              *self,
                EpProfile                    *profile,
                const EpProfileConfigRequest *request,
                GCancellable                 *cancellable,
                GError                      **error)
{
  EpSmtpConfig *config;

  self->config = config = ep_profile_to_smtp_config (profile, NULL);
  if (!ep_sandbox_server_configure (ep_sandbox_server_get_default (), config, cancellable, error))
    return FALSE;
  self->secret = EP_PROFILE_SECRET_SANDBOX;

  if (request->server_host != NULL &&
      (g_ascii_strcasecmp (config->host, request->server_host) != 0 || config->port != request->server_port))
    {
      self->saved_server = ep_smtp_format_server (config->host, config->port);
      leave_out_pin (self);
      self->left_out |= EP_PROFILE_LEFT_OUT_SECRET;
      ep_profile_config_set_secret (config, NULL);
      self->secret = EP_PROFILE_SECRET_OTHER_SERVER;
    }
  if (request->secret != NULL)
    {
      ep_profile_config_set_secret (config, request->secret);
      self->secret = EP_PROFILE_SECRET_GIVEN;
    }
  return TRUE;
}

static gboolean
oauth_token (ProfileConfig      *self,
             EpOAuthTokenFlags   flags,
             GCancellable       *cancellable,
             GError            **error)
{
  EpOAuthOptions options = { .transcript = self->transcript };
  char *token;

  token = ep_oauth_account_dup_access_token_sync (self->account, self->provider, flags, &options,
                                                  cancellable, error);
  if (token == NULL)
    return FALSE;
  ep_profile_config_set_secret (self->pub.config, token);
  ep_secrets_password_free (token);
  return TRUE;
}

/* Built-in sign-in: a fresh access token of the saved profile's sign-in, for the mechanism of
 * its provider unless the profile names a token mechanism itself. */
static gboolean
oauth_config (ProfileConfig                *self,
              EpProfile                    *profile,
              const EpProfileConfigRequest *request,
              GCancellable                 *cancellable,
              GError                      **error)
{
  g_autoptr(GError) local_error = NULL;

  self->provider = ep_oauth_provider_for_profile (profile, request->oauth_client_id,
                                                  request->oauth_client_secret, error);
  if (self->provider == NULL)
    return FALSE;
  self->transcript = request->transcript != NULL ? g_object_ref (request->transcript) : NULL;
  self->pub.config = ep_profile_to_smtp_config (profile, NULL);
  if (!ep_smtp_auth_mechanism_uses_token (self->pub.config->auth))
    self->pub.config->auth = self->provider->mechanism;

  /* A profile not saved yet has not signed in yet. */
  if (request->saved == NULL)
    g_set_error (&local_error, EP_OAUTH_ERROR, EP_OAUTH_ERROR_NOT_SIGNED_IN,
                 _("The profile “%s” is not signed in to %s"), ep_profile_get_name (profile),
                 self->provider->name);
  else
    self->account = g_object_ref (request->saved);

  if (self->account != NULL && oauth_token (self, EP_OAUTH_TOKEN_DEFAULT, cancellable, &local_error))
    self->pub.secret = EP_PROFILE_SECRET_OAUTH;
  else if ((request->flags & EP_PROFILE_CONFIG_SECRET_OPTIONAL) != 0 &&
           g_error_matches (local_error, EP_OAUTH_ERROR, EP_OAUTH_ERROR_NOT_SIGNED_IN))
    /* Not signed in yet: the connection test skips AUTH and says why. */
    self->pub.secret = EP_PROFILE_SECRET_MISSING;
  else
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  return TRUE;
}

/* A profile from GNOME Online Accounts: its settings are the service's, its secret the
 * service's too (a token or the SMTP password), asked for at each session. An account Epistle
 * refuses (certificate errors accepted, no encryption, mail off) fails here, whatever the
 * flags, so that it is never used. */
static gboolean
goa_config (ProfileConfig                *self,
            EpGoaAccount                 *goa,
            EpProfile                    *profile,
            const EpProfileConfigRequest *request,
            GCancellable                 *cancellable,
            GError                      **error)
{
  g_autofree char *problem = ep_goa_account_dup_problem (goa);
  char *secret;

  if (problem != NULL)
    {
      g_set_error_literal (error, EP_GOA_ERROR, EP_GOA_ERROR_UNUSABLE, problem);
      return FALSE;
    }
  self->goa = g_object_ref (goa);
  self->transcript = request->transcript != NULL ? g_object_ref (request->transcript) : NULL;
  self->pub.config = ep_profile_to_smtp_config (profile, NULL);
  if (request->secret != NULL)
    {
      ep_profile_config_set_secret (self->pub.config, request->secret);
      self->pub.secret = EP_PROFILE_SECRET_GIVEN;
      return TRUE;
    }
  if (!has_user (profile))
    {
      self->pub.secret = EP_PROFILE_SECRET_NONE;
      return TRUE;
    }
  /* The account's credentials are for its own server only. */
  if (request->server_host != NULL && !ep_profile_has_server (profile, request->server_host, request->server_port))
    {
      self->pub.left_out |= EP_PROFILE_LEFT_OUT_SECRET;
      self->pub.saved_server = ep_smtp_format_server (ep_profile_get_host (profile), ep_profile_get_port (profile));
      self->pub.secret = EP_PROFILE_SECRET_OTHER_SERVER;
      return TRUE;
    }
  secret = ep_goa_account_dup_secret_sync (goa, self->pub.config->auth, cancellable, error);
  if (secret == NULL)
    return FALSE;
  ep_profile_config_set_secret (self->pub.config, secret);
  ep_secrets_password_free (secret);
  self->pub.secret = EP_PROFILE_SECRET_GOA;
  return TRUE;
}

/* After a refused token: Microsoft 365's tokens from Online Accounts are for Microsoft Graph and
 * will never do for SMTP, so the person is told why; any other account gets one fresh token. */
static gboolean
goa_renew (ProfileConfig  *self,
           GCancellable   *cancellable,
           GError        **error)
{
  char *secret;

  if (!ep_smtp_auth_mechanism_uses_token (self->pub.config->auth) || self->renewed)
    return FALSE;
  self->renewed = TRUE;
  if (ep_goa_account_get_is_microsoft_365 (self->goa))
    {
      g_set_error_literal (error, EP_GOA_ERROR, EP_GOA_ERROR_NOT_FOR_SMTP,
                           _("The server refused the token of this Microsoft 365 account: GNOME "
                             "Online Accounts signs in to Microsoft 365 for Microsoft Graph, not for "
                             "sending mail over SMTP. Add the account in Epistle and use “Sign In” "
                             "(built-in sign-in) instead"));
      return FALSE;
    }
  if (self->transcript != NULL)
    ep_smtp_transcript_add (self->transcript, EP_SMTP_TRANSCRIPT_INFO,
                            "GNOME Online Accounts: the server refused the access token; asking for a new one, once");
  secret = ep_goa_account_dup_secret_sync (self->goa, self->pub.config->auth, cancellable, error);
  if (secret == NULL)
    return FALSE;
  ep_profile_config_set_secret (self->pub.config, secret);
  ep_secrets_password_free (secret);
  return TRUE;
}

/* Any other profile: the secret given, or the keyring's for the saved server. */
static gboolean
account_config (EpProfileConfig              *self,
                EpProfile                    *profile,
                const EpProfileConfigRequest *request,
                GCancellable                 *cancellable,
                GError                      **error)
{
  const char *host = request->server_host != NULL ? request->server_host : ep_profile_get_host (profile);
  guint16 port = request->server_host != NULL ? request->server_port : ep_profile_get_port (profile);
  EpProfile *saved = request->saved;
  gboolean saved_here = saved != NULL && ep_profile_has_server (saved, host, port);
  char *secret = NULL;

  if (has_user (profile) && saved != NULL && !saved_here)
    {
      self->left_out |= EP_PROFILE_LEFT_OUT_SECRET;
      self->saved_server = ep_smtp_format_server (ep_profile_get_host (saved), ep_profile_get_port (saved));
    }

  if (request->secret != NULL)
    self->secret = EP_PROFILE_SECRET_GIVEN;
  else if (!has_user (profile))
    self->secret = EP_PROFILE_SECRET_NONE;
  else if (saved != NULL && !saved_here)
    self->secret = EP_PROFILE_SECRET_OTHER_SERVER;
  else if (ep_oauth_provider_profile_uses (profile))
    return oauth_config ((ProfileConfig *) self, profile, request, cancellable, error);
  else
    {
      g_autoptr(GError) local_error = NULL;

      if (saved != NULL)
        secret = ep_secrets_lookup_sync (ep_profile_get_id (saved), cancellable, &local_error);
      if (secret != NULL)
        self->secret = EP_PROFILE_SECRET_KEYRING;
      else if ((request->flags & EP_PROFILE_CONFIG_SECRET_OPTIONAL) != 0 &&
               !g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        /* No keyring, or nothing in it: AUTH is skipped, and the caller says why. */
        self->secret = EP_PROFILE_SECRET_MISSING;
      else if (local_error != NULL)
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
      else
        {
          g_set_error (error, EP_STORE_ERROR, EP_STORE_ERROR_NOT_FOUND,
                       _("No password is stored for the profile “%s”"), ep_profile_get_name (profile));
          return FALSE;
        }
    }

  self->config = ep_profile_to_smtp_config (profile, request->secret != NULL ? request->secret : secret);
  if (secret != NULL)
    ep_secrets_password_free (secret);
  /* The pin is for the profile's own server. */
  if (request->server_host != NULL && !ep_profile_has_server (profile, host, port))
    {
      leave_out_pin (self);
      if (self->saved_server == NULL && (self->left_out & EP_PROFILE_LEFT_OUT_PIN) != 0)
        self->saved_server = ep_smtp_format_server (ep_profile_get_host (profile), ep_profile_get_port (profile));
    }
  return TRUE;
}

/* The IMAP server's own password, for a profile with imap-own-password: the one typed, or the
 * keyring's when the saved profile names the same IMAP server (a test of another one must not
 * get it). Never an error: without it the copy fails to sign in, and the delivery goes on. */
static gboolean
imap_password_config (ProfileConfig                *self,
                      EpProfile                    *profile,
                      const EpProfileConfigRequest *request,
                      GCancellable                 *cancellable,
                      GError                      **error)
{
  EpProfile *saved = request->saved;
  g_autoptr(GError) local_error = NULL;

  if (!ep_profile_get_imap_own_password (profile) || *ep_profile_get_imap_host (profile) == '\0')
    return TRUE;
  if (request->imap_secret != NULL)
    {
      self->imap_password = g_strdup (request->imap_secret);
      self->pub.imap_secret = EP_PROFILE_SECRET_GIVEN;
      return TRUE;
    }
  if (saved == NULL || !ep_profile_get_imap_own_password (saved) ||
      g_ascii_strcasecmp (ep_profile_get_imap_host (saved), ep_profile_get_imap_host (profile)) != 0 ||
      ep_profile_get_imap_port (saved) != ep_profile_get_imap_port (profile))
    {
      self->pub.imap_secret = saved != NULL && ep_profile_get_imap_own_password (saved)
                              ? EP_PROFILE_SECRET_OTHER_SERVER : EP_PROFILE_SECRET_MISSING;
      return TRUE;
    }
  self->imap_password = ep_secrets_lookup_token_sync (ep_profile_get_id (saved), EP_SECRETS_KIND_IMAP_PASSWORD,
                                                      cancellable, &local_error);
  if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  self->pub.imap_secret = self->imap_password != NULL ? EP_PROFILE_SECRET_KEYRING : EP_PROFILE_SECRET_MISSING;
  return TRUE;
}

/**
 * ep_profile_config_build:
 * @profile: the values to connect with
 * @request: what differs between callers (see #EpProfileConfigRequest)
 *
 * The session configuration for @profile, with its secret. With a server override, the
 * configuration's host and port are the override's.
 *
 * Returns: (transfer full) (nullable): the configuration and where its secret came from
 */
EpProfileConfig *
ep_profile_config_build (EpProfile                    *profile,
                         const EpProfileConfigRequest *request,
                         GCancellable                 *cancellable,
                         GError                      **error)
{
  g_autoptr(EpProfileConfig) self = NULL;
  EpGoaAccount *goa;
  gboolean ok;

  g_return_val_if_fail (EP_IS_PROFILE (profile), NULL);
  g_return_val_if_fail (request != NULL, NULL);
  g_return_val_if_fail (request->saved == NULL || EP_IS_PROFILE (request->saved), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  self = (EpProfileConfig *) g_new0 (ProfileConfig, 1);
  goa = ep_goa_account_from_profile (request->saved != NULL ? request->saved : profile);
  if (goa != NULL)
    ok = goa_config ((ProfileConfig *) self, goa, profile, request, cancellable, error);
  else if (ep_profile_get_is_sandbox (profile) || (request->flags & EP_PROFILE_CONFIG_SANDBOX) != 0)
    ok = sandbox_config (self, profile, request, cancellable, error);
  else
    ok = account_config (self, profile, request, cancellable, error) &&
         imap_password_config ((ProfileConfig *) self, profile, request, cancellable, error);
  if (!ok)
    return NULL;

  if (request->server_host != NULL)
    {
      g_free (self->config->host);
      self->config->host = g_strdup (request->server_host);
      self->config->port = request->server_port;
    }
  return g_steal_pointer (&self);
}

void
ep_profile_config_free (EpProfileConfig *self)
{
  ProfileConfig *priv = (ProfileConfig *) self;

  if (self == NULL)
    return;
  g_clear_pointer (&self->config, ep_smtp_config_free);
  g_free (self->saved_server);
  g_clear_object (&priv->account);
  g_clear_pointer (&priv->provider, ep_oauth_provider_free);
  g_clear_object (&priv->transcript);
  g_clear_object (&priv->goa);
  wipe (&priv->imap_password);
  g_free (priv);
}

/* What a server says when it refused a token: 535 for SMTP, NO to AUTHENTICATE for IMAP. */
static gboolean
token_refused (const GError *failure)
{
  return g_error_matches (failure, EP_SMTP_ERROR, EP_SMTP_ERROR_AUTH_FAILED) ||
         g_error_matches (failure, EP_IMAP_ERROR, EP_IMAP_ERROR_AUTH_FAILED);
}

gboolean
ep_profile_config_renew_token (EpProfileConfig  *self,
                               const GError     *failure,
                               GCancellable     *cancellable,
                               GError          **error)
{
  ProfileConfig *priv = (ProfileConfig *) self;

  g_return_val_if_fail (self != NULL, FALSE);

  if (self->secret == EP_PROFILE_SECRET_GOA && token_refused (failure))
    return goa_renew (priv, cancellable, error);

  /* 535 is what XOAUTH2 and OAUTHBEARER end with when the SMTP server refused the token (after
   * the 334 failure challenge), NO to AUTHENTICATE when the IMAP server did (the copy in the
   * Sent folder uses the same token); any other failure is not the token's. */
  if (self->secret != EP_PROFILE_SECRET_OAUTH || priv->renewed || !token_refused (failure))
    return FALSE;
  priv->renewed = TRUE;
  if (priv->transcript != NULL)
    ep_smtp_transcript_add (priv->transcript, EP_SMTP_TRANSCRIPT_INFO,
                            "OAuth 2.0: the server refused the access token; asking for a new one, once");
  return oauth_token (priv, EP_OAUTH_TOKEN_FORCE_REFRESH, cancellable, error);
}

EpImapConfig *
ep_profile_config_dup_imap (const EpProfileConfig *self,
                            EpProfile             *profile)
{
  const ProfileConfig *priv = (const ProfileConfig *) self;
  const EpSmtpConfig *smtp;
  EpImapConfig *imap;
  const char *username;

  g_return_val_if_fail (self != NULL && self->config != NULL, NULL);
  g_return_val_if_fail (EP_IS_PROFILE (profile), NULL);

  if (*ep_profile_get_imap_host (profile) == '\0' || ep_profile_get_is_sandbox (profile))
    return NULL;

  smtp = self->config;
  imap = ep_imap_config_new ();
  imap->host = g_strdup (ep_profile_get_imap_host (profile));
  imap->port = ep_profile_get_imap_port (profile);
  imap->security = ep_profile_get_imap_security (profile);
  username = ep_profile_get_imap_username (profile);
  imap->username = g_strdup (*username != '\0' ? username : smtp->username);
  /* The IMAP server's own password, when the person gave it one (a mailbox whose IMAP account
   * differs from the submission account). Missing, it stays missing: the SMTP secret is not
   * meant for that server. */
  if (ep_profile_get_imap_own_password (profile))
    {
      if (imap->username != NULL)
        imap->password = g_strdup (priv->imap_password);
    }
  /* Otherwise one secret for both sides: the mailbox account is the same, and a second keyring
   * entry would be a second password to keep in step. */
  else if (imap->username != NULL)
    {
      imap->password = g_strdup (smtp->password);
      imap->oauth_token = g_strdup (smtp->oauth_token);
      if (ep_smtp_auth_mechanism_uses_token (smtp->auth))
        imap->auth = smtp->auth;
    }
  imap->cafile = g_strdup (smtp->cafile);
  if (ep_profile_get_imap_pinned_sha256 (profile) != NULL)
    {
      imap->pinned_sha256 = g_strdup (ep_profile_get_imap_pinned_sha256 (profile));
      imap->pinned_host = g_strdup (imap->host);
      imap->pinned_port = imap->port;
    }
  imap->timeout_seconds = smtp->timeout_seconds;
  if (*ep_profile_get_imap_sent_folder (profile) != '\0')
    imap->sent_mailbox = g_strdup (ep_profile_get_imap_sent_folder (profile));
  return imap;
}
