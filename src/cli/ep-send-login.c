/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-send-login.c: --login: the engine's sign-in flows, with a terminal for a screen. */
#include "config.h"

#include <stdio.h>
#include <glib/gi18n.h>

#include "ep-oauth-account.h"
#include "ep-oauth-error.h"
#include "ep-oauth-flow.h"
#include "ep-profile-store.h"
#include "ep-send-deliver.h"
#include "ep-send-exit.h"
#include "ep-send-login.h"

static void
show_code (const char *user_code,
           const char *verification_uri,
           const char *verification_uri_complete,
           guint       expires_in,
           gpointer    user_data)
{
  const EpOAuthProvider *provider = user_data;
  guint minutes = MAX (expires_in / 60, 1);

  /* Translators: "To sign in to Microsoft 365, open https://… on any device and enter the code
   * ABCD-EFGH (within 15 minutes)." */
  g_print (ngettext ("To sign in to %s, open %s on any device and enter the code %s (within %u minute).",
                     "To sign in to %s, open %s on any device and enter the code %s (within %u minutes).",
                     minutes),
           provider->name, verification_uri, user_code, minutes);
  g_print ("\n");
  if (verification_uri_complete != NULL)
    {
      g_print (_("Or open this address, which carries the code: %s"), verification_uri_complete);
      g_print ("\n");
    }
  g_printerr ("epistle-send: %s\n", _("waiting for the sign-in…"));
  fflush (stdout);
}

static void
open_uri (const char *uri,
          gpointer    user_data)
{
  const EpOAuthProvider *provider = user_data;

  g_print (_("To sign in to %s, open this address in a web browser on this computer:"), provider->name);
  g_print ("\n%s\n", uri);
  g_printerr ("epistle-send: %s\n", _("waiting for the browser to come back…"));
  fflush (stdout);
}

int
ep_send_login (EpSendOptions *opts)
{
  g_autoptr(EpProfileStore) store = ep_profile_store_new (NULL);
  g_autoptr(EpOAuthProvider) provider = NULL;
  g_autoptr(EpOAuthTokens) tokens = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *done = NULL;
  EpProfile *profile = NULL;
  EpOAuthOptions options = { 0 };
  g_autofree char *client_id = NULL;
  g_autofree char *client_secret = NULL;
  const char *username;
  int status;

  g_free (opts->profile);
  opts->profile = g_strdup (opts->login);
  status = ep_send_find_profile (opts, store, &profile, &error);
  if (status != EP_EXIT_OK)
    return status;

  ep_send_oauth_client (profile, &client_id, &client_secret);
  provider = ep_oauth_provider_for_profile (profile, client_id, client_secret, &error);
  if (provider == NULL)
    {
      g_printerr ("epistle-send: --login “%s”: %s\n", opts->login, error->message);
      return EP_EXIT_CONFIG;
    }

  username = ep_profile_get_username (profile);
  options.login_hint = username != NULL && *username != '\0' ? username : NULL;
  if (opts->timeout != EP_SEND_TIMEOUT_UNSET && opts->timeout > 0)
    options.timeout_seconds = opts->timeout;

  if (provider->device_url != NULL)
    tokens = ep_oauth_sign_in_device_sync (provider, &options, show_code, provider, NULL, &error);
  else
    tokens = ep_oauth_sign_in_browser_sync (provider, &options, open_uri, provider, NULL, &error);
  if (tokens == NULL)
    {
      g_printerr ("epistle-send: --login “%s”: %s\n", opts->login, error->message);
      return ep_send_exit_status_for (error);
    }

  if (!ep_oauth_account_save_sync (profile, provider, tokens, NULL, &error))
    {
      g_printerr ("epistle-send: --login “%s”: %s\n", opts->login, error->message);
      return EP_EXIT_CONFIG;
    }
  if (tokens->refresh_token == NULL)
    g_printerr ("epistle-send: %s\n",
                _("the provider gave no refresh token: this sign-in lasts until its access token expires"));

  if (tokens->account != NULL)
    /* Translators: "Signed in as me@example.com (profile “Work”)" */
    done = g_strdup_printf (_("Signed in as %s (profile “%s”)"), tokens->account, ep_profile_get_name (profile));
  else
    done = g_strdup_printf (_("Signed in to %s (profile “%s”)"), provider->name, ep_profile_get_name (profile));
  g_printerr ("epistle-send: %s\n", done);
  return EP_EXIT_OK;
}
