/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-oauth-provider.c: the provider table. Endpoints and scopes are each provider's published
 * ones for SMTP; the client IDs are this build's (meson options), never another application's:
 * without one, sign-in says plainly that none is configured and how to set one. */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "ep-oauth-error.h"
#include "ep-oauth-provider.h"

typedef struct {
  const char          *id;
  const char          *name;
  const char          *authorization_url;
  const char          *token_url;
  const char          *device_url;
  const char          *scope;
  EpSmtpAuthMechanism  mechanism;
  const char          *client_id;
  const char          *client_secret;
  const char          *build_option;
} ProviderEntry;

/* "openid email" (where the provider offers them) only so that the id token names the account
 * that signed in. Google allows its mail scope in the browser flow only (its device flow takes a
 * short list of scopes without it), Yahoo and AOL have no device flow; Microsoft's "common" tenant
 * would mix both kinds of account, so each kind has its own entry. */
static const ProviderEntry providers[] = {
  { EP_OAUTH_PROVIDER_GOOGLE, "Google",
    "https://accounts.google.com/o/oauth2/v2/auth",
    "https://oauth2.googleapis.com/token",
    NULL,
    "https://mail.google.com/ openid email",
    EP_SMTP_AUTH_XOAUTH2, EP_OAUTH_GOOGLE_CLIENT_ID, EP_OAUTH_GOOGLE_CLIENT_SECRET,
    "oauth_google_client_id" },
  { EP_OAUTH_PROVIDER_MICROSOFT_CONSUMERS, "Microsoft (Outlook.com)",
    "https://login.microsoftonline.com/consumers/oauth2/v2.0/authorize",
    "https://login.microsoftonline.com/consumers/oauth2/v2.0/token",
    "https://login.microsoftonline.com/consumers/oauth2/v2.0/devicecode",
    "https://outlook.office.com/SMTP.Send offline_access openid email",
    EP_SMTP_AUTH_XOAUTH2, EP_OAUTH_MICROSOFT_CLIENT_ID, "",
    "oauth_microsoft_client_id" },
  { EP_OAUTH_PROVIDER_MICROSOFT_ORGANIZATIONS, "Microsoft 365",
    "https://login.microsoftonline.com/organizations/oauth2/v2.0/authorize",
    "https://login.microsoftonline.com/organizations/oauth2/v2.0/token",
    "https://login.microsoftonline.com/organizations/oauth2/v2.0/devicecode",
    "https://outlook.office.com/SMTP.Send offline_access openid email",
    EP_SMTP_AUTH_XOAUTH2, EP_OAUTH_MICROSOFT_CLIENT_ID, "",
    "oauth_microsoft_client_id" },
  { EP_OAUTH_PROVIDER_YAHOO, "Yahoo",
    "https://api.login.yahoo.com/oauth2/request_auth",
    "https://api.login.yahoo.com/oauth2/get_token",
    NULL,
    "mail-w",
    EP_SMTP_AUTH_XOAUTH2, EP_OAUTH_YAHOO_CLIENT_ID, EP_OAUTH_YAHOO_CLIENT_SECRET,
    "oauth_yahoo_client_id" },
  { EP_OAUTH_PROVIDER_AOL, "AOL",
    "https://api.login.aol.com/oauth2/request_auth",
    "https://api.login.aol.com/oauth2/get_token",
    NULL,
    "mail-w",
    EP_SMTP_AUTH_XOAUTH2, EP_OAUTH_AOL_CLIENT_ID, EP_OAUTH_AOL_CLIENT_SECRET,
    "oauth_aol_client_id" },
  { EP_OAUTH_PROVIDER_FASTMAIL, "Fastmail",
    "https://api.fastmail.com/oauth/authorize",
    "https://api.fastmail.com/oauth/refresh",
    NULL,
    "https://www.fastmail.com/dev/protocol-smtp",
    EP_SMTP_AUTH_XOAUTH2, EP_OAUTH_FASTMAIL_CLIENT_ID, "",
    "oauth_fastmail_client_id" },
};

static const char * const provider_ids[] = {
  EP_OAUTH_PROVIDER_GOOGLE,
  EP_OAUTH_PROVIDER_MICROSOFT_CONSUMERS,
  EP_OAUTH_PROVIDER_MICROSOFT_ORGANIZATIONS,
  EP_OAUTH_PROVIDER_YAHOO,
  EP_OAUTH_PROVIDER_AOL,
  EP_OAUTH_PROVIDER_FASTMAIL,
  EP_OAUTH_PROVIDER_CUSTOM,
  NULL,
};

G_DEFINE_BOXED_TYPE (EpOAuthProvider, ep_oauth_provider, ep_oauth_provider_copy, ep_oauth_provider_free)

static char *
dup_or_null (const char *s)
{
  return s != NULL && *s != '\0' ? g_strdup (s) : NULL;
}

const char * const *
ep_oauth_provider_list_ids (void)
{
  return provider_ids;
}

EpOAuthProvider *
ep_oauth_provider_lookup (const char *id)
{
  g_return_val_if_fail (id != NULL, NULL);

  for (guint i = 0; i < G_N_ELEMENTS (providers); i++)
    {
      const ProviderEntry *entry = &providers[i];
      EpOAuthProvider *self;

      if (!g_str_equal (entry->id, id))
        continue;
      self = g_new0 (EpOAuthProvider, 1);
      self->id = g_strdup (entry->id);
      self->name = g_strdup (entry->name);
      self->authorization_url = g_strdup (entry->authorization_url);
      self->token_url = g_strdup (entry->token_url);
      self->device_url = dup_or_null (entry->device_url);
      self->scope = g_strdup (entry->scope);
      self->mechanism = entry->mechanism;
      self->client_id = dup_or_null (entry->client_id);
      self->client_secret = dup_or_null (entry->client_secret);
      self->build_option = g_strdup (entry->build_option);
      return self;
    }
  return NULL;
}

EpOAuthProvider *
ep_oauth_provider_new_custom (const char          *authorization_url,
                              const char          *token_url,
                              const char          *device_url,
                              const char          *scope,
                              EpSmtpAuthMechanism  mechanism)
{
  EpOAuthProvider *self = g_new0 (EpOAuthProvider, 1);

  self->id = g_strdup (EP_OAUTH_PROVIDER_CUSTOM);
  self->name = g_strdup (_("Custom provider"));
  self->authorization_url = dup_or_null (authorization_url);
  self->token_url = dup_or_null (token_url);
  self->device_url = dup_or_null (device_url);
  self->scope = g_strdup (scope != NULL ? scope : "");
  self->mechanism = ep_smtp_auth_mechanism_uses_token (mechanism) ? mechanism : EP_SMTP_AUTH_XOAUTH2;
  return self;
}

void
ep_oauth_client_from_settings (GSettings   *settings,
                               const char  *provider_id,
                               char       **client_id,
                               char       **client_secret)
{
  g_autoptr(GVariant) ids = NULL;
  g_autoptr(GVariant) secrets = NULL;

  g_return_if_fail (settings == NULL || G_IS_SETTINGS (settings));

  *client_id = NULL;
  *client_secret = NULL;
  if (settings == NULL || provider_id == NULL)
    return;
  ids = g_settings_get_value (settings, "oauth-client-ids");
  if (!g_variant_lookup (ids, provider_id, "s", client_id))
    return;
  if (**client_id == '\0')
    {
      g_clear_pointer (client_id, g_free);
      return;
    }
  secrets = g_settings_get_value (settings, "oauth-client-secrets");
  g_variant_lookup (secrets, provider_id, "s", client_secret);
}

gboolean
ep_oauth_provider_profile_uses (EpProfile *profile)
{
  g_return_val_if_fail (EP_IS_PROFILE (profile), FALSE);
  return *ep_profile_get_oauth_setting (profile, EP_PROFILE_OAUTH_PROVIDER) != '\0';
}

EpOAuthProvider *
ep_oauth_provider_for_profile (EpProfile   *profile,
                               const char  *client_id,
                               const char  *client_secret,
                               GError     **error)
{
  const char *id;
  const char *own_id;
  g_autoptr(EpOAuthProvider) self = NULL;

  g_return_val_if_fail (EP_IS_PROFILE (profile), NULL);

  id = ep_profile_get_oauth_setting (profile, EP_PROFILE_OAUTH_PROVIDER);
  if (g_str_equal (id, EP_OAUTH_PROVIDER_CUSTOM))
    {
      self = ep_oauth_provider_new_custom (
        ep_profile_get_oauth_setting (profile, EP_PROFILE_OAUTH_AUTHORIZATION_URL),
        ep_profile_get_oauth_setting (profile, EP_PROFILE_OAUTH_TOKEN_URL),
        ep_profile_get_oauth_setting (profile, EP_PROFILE_OAUTH_DEVICE_URL),
        ep_profile_get_oauth_setting (profile, EP_PROFILE_OAUTH_SCOPE),
        ep_profile_get_auth (profile));
      if (self->token_url == NULL)
        {
          g_set_error (error, EP_OAUTH_ERROR, EP_OAUTH_ERROR_UNKNOWN_PROVIDER,
                       _("The profile “%s” signs in with a custom provider but gives no token endpoint"),
                       ep_profile_get_name (profile));
          return NULL;
        }
    }
  else if (*id != '\0')
    self = ep_oauth_provider_lookup (id);
  if (self == NULL)
    {
      if (*id == '\0')
        g_set_error (error, EP_OAUTH_ERROR, EP_OAUTH_ERROR_UNKNOWN_PROVIDER,
                     _("The profile “%s” does not use built-in sign-in"), ep_profile_get_name (profile));
      else
        g_set_error (error, EP_OAUTH_ERROR, EP_OAUTH_ERROR_UNKNOWN_PROVIDER,
                     _("The profile “%s” names an unknown sign-in provider “%s”"),
                     ep_profile_get_name (profile), id);
      return NULL;
    }

  /* The profile's own client goes with its own secret, never with the build's. */
  own_id = ep_profile_get_oauth_setting (profile, EP_PROFILE_OAUTH_CLIENT_ID);
  if (*own_id != '\0')
    {
      g_free (self->client_id);
      self->client_id = g_strdup (own_id);
      g_free (self->client_secret);
      self->client_secret = dup_or_null (ep_profile_get_oauth_setting (profile, EP_PROFILE_OAUTH_CLIENT_SECRET));
    }
  else if (client_id != NULL && *client_id != '\0')
    {
      g_free (self->client_id);
      self->client_id = g_strdup (client_id);
      g_free (self->client_secret);
      self->client_secret = dup_or_null (client_secret);
    }
  return g_steal_pointer (&self);
}

gboolean
ep_oauth_provider_check_client (const EpOAuthProvider  *self,
                                GError                **error)
{
  g_return_val_if_fail (self != NULL, FALSE);

  if (self->client_id != NULL && *self->client_id != '\0')
    return TRUE;
  if (self->build_option != NULL)
    g_set_error (error, EP_OAUTH_ERROR, EP_OAUTH_ERROR_NO_CLIENT_ID,
                 /* Translators: %s is a provider ("Google"), then a build option name */
                 _("No OAuth client ID is configured for %s: give the profile your own client ID "
                   "(“Use my own client ID”, registered with %s as a desktop app), or build "
                   "Epistle with -D%s=…"),
                 self->name, self->name, self->build_option);
  else
    g_set_error (error, EP_OAUTH_ERROR, EP_OAUTH_ERROR_NO_CLIENT_ID,
                 _("No OAuth client ID is configured for %s: give the profile the client ID "
                   "registered with it (“Use my own client ID”)"),
                 self->name);
  return FALSE;
}

EpOAuthProvider *
ep_oauth_provider_copy (const EpOAuthProvider *self)
{
  EpOAuthProvider *copy;

  g_return_val_if_fail (self != NULL, NULL);

  copy = g_new0 (EpOAuthProvider, 1);
  copy->id = g_strdup (self->id);
  copy->name = g_strdup (self->name);
  copy->authorization_url = g_strdup (self->authorization_url);
  copy->token_url = g_strdup (self->token_url);
  copy->device_url = g_strdup (self->device_url);
  copy->scope = g_strdup (self->scope);
  copy->mechanism = self->mechanism;
  copy->client_id = g_strdup (self->client_id);
  copy->client_secret = g_strdup (self->client_secret);
  copy->build_option = g_strdup (self->build_option);
  return copy;
}

void
ep_oauth_provider_free (EpOAuthProvider *self)
{
  if (self == NULL)
    return;
  g_free (self->id);
  g_free (self->name);
  g_free (self->authorization_url);
  g_free (self->token_url);
  g_free (self->device_url);
  g_free (self->scope);
  g_free (self->client_id);
  g_free (self->client_secret);
  g_free (self->build_option);
  g_free (self);
}
