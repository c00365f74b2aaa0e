/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-oauth-account.c: access tokens in memory, refresh tokens in the keyring. One lock covers a
 * whole look-up-or-refresh, so that two sends starting together refresh once and never race to
 * store a rotated refresh token. */
#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>

#include "ep-oauth-account.h"
#include "ep-oauth-endpoint.h"
#include "ep-oauth-error.h"
#include "ep-secrets.h"
#include "ep-store-error.h"

typedef struct {
  char   *issuer;        /* token endpoint and client: a token is only reused for the same */
  char   *access_token;
  gint64  expires_at;
} CachedToken;

static GMutex lock;
static GHashTable *cache;   /* profile id → CachedToken */

static void
cached_token_free (CachedToken *cached)
{
  if (cached->access_token != NULL)
    explicit_bzero (cached->access_token, strlen (cached->access_token));
  g_free (cached->access_token);
  g_free (cached->issuer);
  g_free (cached);
}

static char *
issuer_key (const EpOAuthProvider *provider)
{
  return g_strdup_printf ("%s\n%s", provider->token_url != NULL ? provider->token_url : "",
                          provider->client_id != NULL ? provider->client_id : "");
}

/* With the lock held. */
static void
cache_put (const char            *profile_id,
           const EpOAuthProvider *provider,
           const char            *access_token,
           gint64                 expires_at)
{
  CachedToken *cached = g_new0 (CachedToken, 1);

  if (cache == NULL)
    cache = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) cached_token_free);
  cached->issuer = issuer_key (provider);
  cached->access_token = g_strdup (access_token);
  cached->expires_at = expires_at;
  g_hash_table_replace (cache, g_strdup (profile_id), cached);
}

static void
cache_drop (const char *profile_id)
{
  if (cache != NULL)
    g_hash_table_remove (cache, profile_id);
}

gboolean
ep_oauth_account_save_sync (EpProfile              *profile,
                            const EpOAuthProvider  *provider,
                            const EpOAuthTokens    *tokens,
                            GCancellable           *cancellable,
                            GError                **error)
{
  g_autofree char *label = NULL;
  gboolean ok = TRUE;

  g_return_val_if_fail (EP_IS_PROFILE (profile), FALSE);
  g_return_val_if_fail (provider != NULL, FALSE);
  g_return_val_if_fail (tokens != NULL && tokens->access_token != NULL, FALSE);

  /* Translators: what the keyring shows; %s is the profile's name */
  label = g_strdup_printf (_("Epistle sign-in: %s"), ep_profile_get_name (profile));
  g_mutex_lock (&lock);
  if (tokens->refresh_token != NULL)
    ok = ep_secrets_store_token_sync (ep_profile_get_id (profile), EP_SECRETS_KIND_OAUTH2_REFRESH_TOKEN,
                                      label, tokens->refresh_token, cancellable, error);
  if (ok)
    cache_put (ep_profile_get_id (profile), provider, tokens->access_token, tokens->expires_at);
  g_mutex_unlock (&lock);
  return ok;
}

/* With the lock held. */
static char *
refresh_locked (EpProfile              *profile,
                const EpOAuthProvider  *provider,
                const EpOAuthOptions   *options,
                GCancellable           *cancellable,
                GError                **error)
{
  const char *profile_id = ep_profile_get_id (profile);
  g_autoptr(GError) local_error = NULL;
  g_autoptr(EpOAuthTokens) tokens = NULL;
  char *refresh_token;

  refresh_token = ep_secrets_lookup_token_sync (profile_id, EP_SECRETS_KIND_OAUTH2_REFRESH_TOKEN,
                                                cancellable, &local_error);
  if (refresh_token == NULL)
    {
      if (g_error_matches (local_error, EP_STORE_ERROR, EP_STORE_ERROR_NOT_FOUND))
        g_set_error (error, EP_OAUTH_ERROR, EP_OAUTH_ERROR_NOT_SIGNED_IN,
                     _("The profile “%s” is not signed in to %s"),
                     ep_profile_get_name (profile), provider->name);
      /* Without a keyring there is nowhere a sign-in could have been kept. */
      else if (g_error_matches (local_error, EP_STORE_ERROR, EP_STORE_ERROR_NO_KEYRING))
        g_set_error (error, EP_OAUTH_ERROR, EP_OAUTH_ERROR_NOT_SIGNED_IN,
                     _("The profile “%s” is not signed in to %s (%s)"),
                     ep_profile_get_name (profile), provider->name, local_error->message);
      else
        g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }

  tokens = ep_oauth_refresh_sync (provider, options, refresh_token, cancellable, &local_error);
  if (tokens == NULL)
    {
      ep_secrets_password_free (refresh_token);
      if (g_error_matches (local_error, EP_OAUTH_ERROR, EP_OAUTH_ERROR_SIGN_IN_AGAIN))
        g_set_error (error, EP_OAUTH_ERROR, EP_OAUTH_ERROR_SIGN_IN_AGAIN,
                     _("The sign-in of the profile “%s” is no longer valid (%s refused it): sign in again"),
                     ep_profile_get_name (profile), provider->name);
      else
        g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }

  /* A rotated refresh token (RFC 6749 §6) replaces the old one, which may stop working now. */
  if (tokens->refresh_token != NULL && !g_str_equal (tokens->refresh_token, refresh_token))
    {
      g_autofree char *label = g_strdup_printf (_("Epistle sign-in: %s"), ep_profile_get_name (profile));

      if (!ep_secrets_store_token_sync (profile_id, EP_SECRETS_KIND_OAUTH2_REFRESH_TOKEN, label,
                                        tokens->refresh_token, cancellable, &local_error))
        g_warning ("could not save the new refresh token of profile %s: %s", profile_id, local_error->message);
    }
  ep_secrets_password_free (refresh_token);

  cache_put (profile_id, provider, tokens->access_token, tokens->expires_at);
  ep_oauth_transcript_info (options, "OAuth 2.0: new access token, valid for %" G_GINT64_FORMAT " s",
                            (tokens->expires_at - g_get_real_time ()) / G_USEC_PER_SEC);
  return g_strdup (tokens->access_token);
}

char *
ep_oauth_account_dup_access_token_sync (EpProfile              *profile,
                                        const EpOAuthProvider  *provider,
                                        EpOAuthTokenFlags       flags,
                                        const EpOAuthOptions   *options,
                                        GCancellable           *cancellable,
                                        GError                **error)
{
  const char *profile_id;
  g_autofree char *issuer = NULL;
  CachedToken *cached;
  char *token = NULL;

  g_return_val_if_fail (EP_IS_PROFILE (profile), NULL);
  g_return_val_if_fail (provider != NULL, NULL);

  profile_id = ep_profile_get_id (profile);
  issuer = issuer_key (provider);
  g_mutex_lock (&lock);
  cached = cache != NULL ? g_hash_table_lookup (cache, profile_id) : NULL;
  if (cached != NULL && !g_str_equal (cached->issuer, issuer))
    {
      cache_drop (profile_id);
      cached = NULL;
    }
  if ((flags & EP_OAUTH_TOKEN_FORCE_REFRESH) != 0)
    cache_drop (profile_id);
  else if (cached != NULL &&
           cached->expires_at - g_get_real_time () > EP_OAUTH_REFRESH_MARGIN_SECONDS * G_USEC_PER_SEC)
    token = g_strdup (cached->access_token);

  if (token == NULL)
    token = refresh_locked (profile, provider, options, cancellable, error);
  g_mutex_unlock (&lock);
  return token;
}

gboolean
ep_oauth_account_sign_out_sync (const char    *profile_id,
                                GCancellable  *cancellable,
                                GError       **error)
{
  gboolean ok;

  g_return_val_if_fail (profile_id != NULL, FALSE);

  g_mutex_lock (&lock);
  cache_drop (profile_id);
  ok = ep_secrets_clear_token_sync (profile_id, EP_SECRETS_KIND_OAUTH2_REFRESH_TOKEN, cancellable, error);
  g_mutex_unlock (&lock);
  return ok;
}

gboolean
ep_oauth_account_is_signed_in_sync (const char   *profile_id,
                                    GCancellable *cancellable)
{
  char *token;

  g_return_val_if_fail (profile_id != NULL, FALSE);

  token = ep_secrets_lookup_token_sync (profile_id, EP_SECRETS_KIND_OAUTH2_REFRESH_TOKEN, cancellable, NULL);
  if (token == NULL)
    return FALSE;
  ep_secrets_password_free (token);
  return TRUE;
}
