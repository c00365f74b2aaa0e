/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-oauth.c: built-in sign-in against a fake authorization server of ours on 127.0.0.1
 * (ep-oauth-server.h): the browser flow with PKCE driven by a scripted browser that follows the
 * redirect, a wrong state, a declined consent, a browser that never comes back, cancellation;
 * the device flow through authorization_pending, slow_down, expired_token and access_denied;
 * refresh with rotation, and a revoked refresh token; the profile's tokens (keyring and memory)
 * as a send builds its configuration; a send whose token the scripted SMTP server refuses (one
 * refresh and one retry, never a loop), for the app's send and the outbox alike, and the same for
 * the copy in the Sent folder on the server (scripted IMAP); epistle-send --login and --profile;
 * and no token in any store, transcript or log. Run through
 * ep-keyring-env.sh --with-keyring (and --without-keyring for /oauth/account/no-keyring). */
#include "config.h"

#include <string.h>

#include <libsoup/soup.h>

#include "ep-address.h"
#include "ep-oauth.h"
#include "ep-oauth-server.h"
#include "ep-outbox-delivery.h"
#include "ep-profile-config.h"
#include "ep-profile-store.h"
#include "ep-script-server.h"
#include "ep-secrets.h"
#include "ep-send-cli.h"
#include "ep-send-operation.h"
#include "ep-smtp-scripts.h"
#include "ep-store-error.h"
#include "ep-test-certs.h"
#include "ep-test-send.h"
#include "ep-test-util.h"

#define WAIT_MS 10000

static GMutex log_lock;
static GString *logged;

/* Every log line, debug ones included, for the check that no token is ever logged. */
static GLogWriterOutput
log_writer (GLogLevelFlags   level,
            const GLogField *fields,
            gsize            n_fields,
            gpointer         user_data)
{
  for (gsize i = 0; i < n_fields; i++)
    if (g_str_equal (fields[i].key, "MESSAGE"))
      {
        g_mutex_lock (&log_lock);
        g_string_append_len (logged, fields[i].value, fields[i].length);
        g_string_append_c (logged, '\n');
        g_mutex_unlock (&log_lock);
      }
  if (level & G_LOG_LEVEL_DEBUG)
    return G_LOG_WRITER_HANDLED;
  return g_log_writer_default (level, fields, n_fields, user_data);
}

static gboolean
require_keyring (void)
{
  if (g_strcmp0 (g_getenv ("EP_TEST_KEYRING"), "present") != 0)
    {
      g_test_skip ("needs the headless keyring of ep-keyring-env.sh --with-keyring");
      return FALSE;
    }
  return TRUE;
}

/* ---- A scripted browser ----------------------------------------------------------------------- */

/* Opens the authorization address on a thread of its own, as a person's browser would: the
 * server's 302, then the redirect to Epistle's loopback listener, whose page it keeps. */
typedef struct {
  char    *url;
  GThread *thread;
  guint    authorize_status;
  char    *location;
  guint    final_status;
  char    *final_page;
} Browser;

static gpointer
browser_thread (gpointer data)
{
  Browser *browser = data;
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autoptr(GTlsDatabase) database = NULL;
  g_autoptr(SoupMessage) authorize = NULL;
  g_autoptr(SoupMessage) redirect = NULL;
  g_autoptr(GBytes) body = NULL;
  g_autoptr(GError) error = NULL;

  database = ep_test_certs_ca_database (&error);
  g_assert_no_error (error);
  soup_session_set_tls_database (session, database);

  authorize = soup_message_new (SOUP_METHOD_GET, browser->url);
  soup_message_add_flags (authorize, SOUP_MESSAGE_NO_REDIRECT);
  body = soup_session_send_and_read (session, authorize, NULL, &error);
  g_assert_no_error (error);
  browser->authorize_status = soup_message_get_status (authorize);
  browser->location = g_strdup (soup_message_headers_get_one (soup_message_get_response_headers (authorize),
                                                              "Location"));
  if (browser->location == NULL)
    return NULL;
  g_clear_pointer (&body, g_bytes_unref);

  redirect = soup_message_new (SOUP_METHOD_GET, browser->location);
  body = soup_session_send_and_read (session, redirect, NULL, &error);
  g_assert_no_error (error);
  browser->final_status = soup_message_get_status (redirect);
  browser->final_page = g_strndup (g_bytes_get_data (body, NULL), g_bytes_get_size (body));
  return NULL;
}

static void
browser_open_cb (const char *uri,
                 gpointer    user_data)
{
  Browser *browser = user_data;

  g_assert_null (browser->url);
  browser->url = g_strdup (uri);
  browser->thread = g_thread_new ("browser", browser_thread, browser);
}

static void
browser_clear (Browser *browser)
{
  if (browser->thread != NULL)
    g_thread_join (browser->thread);
  g_free (browser->url);
  g_free (browser->location);
  g_free (browser->final_page);
}

static EpOAuthTokens *
browser_sign_in (EpOAuthServer  *server,
                 Browser        *browser,
                 GError        **error)
{
  g_autoptr(EpOAuthProvider) provider = ep_oauth_server_dup_provider (server);
  EpOAuthOptions options = { .timeout_seconds = 20, .login_hint = "me@example.org" };
  EpOAuthTokens *tokens;

  tokens = ep_oauth_sign_in_browser_sync (provider, &options, browser_open_cb, browser, NULL, error);
  if (browser->thread != NULL)
    {
      g_thread_join (browser->thread);
      browser->thread = NULL;
    }
  return tokens;
}

/* ---- The browser flow ------------------------------------------------------------------------- */

/* The whole flow: a request with state and an S256 challenge to a loopback redirect, the code
 * exchanged with the verifier, the account named by the id token. */
static void
test_browser_flow (void)
{
  g_autoptr(EpOAuthServer) server = ep_oauth_server_new ();
  g_autoptr(EpOAuthTokens) tokens = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *access = ep_oauth_server_access_token (1);
  g_autofree char *refresh = ep_oauth_server_refresh_token (1);
  g_autofree char *state = NULL;
  g_autofree char *hint = NULL;
  Browser browser = { 0 };

  tokens = browser_sign_in (server, &browser, &error);
  g_assert_no_error (error);
  g_assert_nonnull (tokens);
  g_assert_cmpstr (tokens->access_token, ==, access);
  g_assert_cmpstr (tokens->refresh_token, ==, refresh);
  g_assert_cmpstr (tokens->account, ==, EP_OAUTH_SERVER_ACCOUNT);
  g_assert_cmpint (tokens->expires_at, >, g_get_real_time () + (gint64) 3500 * G_USEC_PER_SEC);

  g_assert_true (g_str_has_prefix (browser.url, "https://127.0.0.1:"));
  g_assert_cmpuint (browser.authorize_status, ==, SOUP_STATUS_FOUND);
  g_assert_true (g_str_has_prefix (browser.location, "http://127.0.0.1:"));
  g_assert_cmpuint (browser.final_status, ==, SOUP_STATUS_OK);
  g_assert_nonnull (strstr (browser.final_page, "Signed in"));

  /* The request as RFC 7636 and RFC 8252 want it; the state unguessable (128 bits). */
  state = ep_oauth_server_dup_request_param (server, "state");
  g_assert_cmpuint (strlen (state), >=, 22);
  hint = ep_oauth_server_dup_request_param (server, "login_hint");
  g_assert_cmpstr (hint, ==, "me@example.org");
  g_assert_cmpuint (ep_oauth_server_count (server, "code"), ==, 1);
  g_assert_cmpuint (ep_oauth_server_count (server, "pkce-failure"), ==, 0);
  browser_clear (&browser);
}

/* A redirect with another state is not ours: no code is exchanged. */
static void
test_browser_wrong_state (void)
{
  g_autoptr(EpOAuthServer) server = ep_oauth_server_new ();
  g_autoptr(EpOAuthTokens) tokens = NULL;
  g_autoptr(GError) error = NULL;
  Browser browser = { 0 };

  ep_oauth_server_set_consent (server, EP_OAUTH_CONSENT_WRONG_STATE);
  tokens = browser_sign_in (server, &browser, &error);
  g_assert_error (error, EP_OAUTH_ERROR, EP_OAUTH_ERROR_STATE_MISMATCH);
  g_assert_null (tokens);
  g_assert_cmpuint (browser.final_status, ==, SOUP_STATUS_BAD_REQUEST);
  g_assert_cmpuint (ep_oauth_server_count (server, "code"), ==, 0);
  g_assert_cmpuint (ep_oauth_server_count (server, "pkce-failure"), ==, 0);
  browser_clear (&browser);
}

static void
test_browser_denied (void)
{
  g_autoptr(EpOAuthServer) server = ep_oauth_server_new ();
  g_autoptr(EpOAuthTokens) tokens = NULL;
  g_autoptr(GError) error = NULL;
  Browser browser = { 0 };

  ep_oauth_server_set_consent (server, EP_OAUTH_CONSENT_DENY);
  tokens = browser_sign_in (server, &browser, &error);
  g_assert_error (error, EP_OAUTH_ERROR, EP_OAUTH_ERROR_ACCESS_DENIED);
  g_assert_nonnull (strstr (error->message, "declined"));
  g_assert_null (tokens);
  g_assert_nonnull (strstr (browser.final_page, "declined"));
  browser_clear (&browser);
}

static void
ignore_uri_cb (const char *uri,
               gpointer    user_data)
{
  *(gboolean *) user_data = TRUE;
}

/* Nobody comes back: the flow ends at its timeout, and the listener is gone. */
static void
test_browser_timeout (void)
{
  g_autoptr(EpOAuthServer) server = ep_oauth_server_new ();
  g_autoptr(EpOAuthProvider) provider = ep_oauth_server_dup_provider (server);
  g_autoptr(EpOAuthTokens) tokens = NULL;
  g_autoptr(GError) error = NULL;
  EpOAuthOptions options = { .timeout_seconds = 1 };
  gboolean opened = FALSE;
  gint64 start = g_get_monotonic_time ();

  tokens = ep_oauth_sign_in_browser_sync (provider, &options, ignore_uri_cb, &opened, NULL, &error);
  g_assert_error (error, EP_OAUTH_ERROR, EP_OAUTH_ERROR_TIMEOUT);
  g_assert_true (opened);
  g_assert_cmpint (g_get_monotonic_time () - start, <, ep_test_slack (10 * G_USEC_PER_SEC));
}

static gpointer
cancel_soon_thread (gpointer data)
{
  g_usleep (200 * 1000);
  g_cancellable_cancel (data);
  return NULL;
}

static void
test_browser_cancel (void)
{
  g_autoptr(EpOAuthServer) server = ep_oauth_server_new ();
  g_autoptr(EpOAuthProvider) provider = ep_oauth_server_dup_provider (server);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(EpOAuthTokens) tokens = NULL;
  g_autoptr(GError) error = NULL;
  GThread *canceller = g_thread_new ("cancel", cancel_soon_thread, cancellable);
  gboolean opened = FALSE;

  tokens = ep_oauth_sign_in_browser_sync (provider, NULL, ignore_uri_cb, &opened, cancellable, &error);
  g_thread_join (canceller);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_null (tokens);
}

/* The app's way: the flow on a worker thread, the browser opened from the caller's context. */
typedef struct {
  Browser        browser;
  GThread       *caller;
  GMainContext  *context;
  gboolean       opened_on_caller;
  gboolean       done;
  EpOAuthTokens *tokens;
  GError        *error;
} AsyncSignIn;

static void
async_open_cb (const char *uri,
               gpointer    user_data)
{
  AsyncSignIn *sign_in = user_data;

  sign_in->opened_on_caller = g_thread_self () == sign_in->caller && g_main_context_is_owner (sign_in->context);
  browser_open_cb (uri, &sign_in->browser);
}

static void
async_done_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  AsyncSignIn *sign_in = user_data;

  sign_in->tokens = ep_oauth_sign_in_finish (result, &sign_in->error);
  sign_in->done = TRUE;
}

static void
test_browser_async (void)
{
  g_autoptr(EpOAuthServer) server = ep_oauth_server_new ();
  g_autoptr(EpOAuthProvider) provider = ep_oauth_server_dup_provider (server);
  g_autoptr(GMainContext) context = g_main_context_new ();
  gint64 deadline = g_get_monotonic_time () + ep_test_slack (20 * G_USEC_PER_SEC);
  AsyncSignIn sign_in = { .caller = g_thread_self (), .context = context };

  g_main_context_push_thread_default (context);
  ep_oauth_sign_in_async (provider, EP_OAUTH_FLOW_BROWSER, NULL, async_open_cb, NULL, &sign_in, NULL,
                          async_done_cb, &sign_in);
  while (!sign_in.done)
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_main_context_iteration (context, TRUE);
    }
  g_main_context_pop_thread_default (context);

  g_assert_no_error (sign_in.error);
  g_assert_true (sign_in.opened_on_caller);
  g_assert_cmpstr (sign_in.tokens->account, ==, EP_OAUTH_SERVER_ACCOUNT);
  ep_oauth_tokens_free (sign_in.tokens);
  browser_clear (&sign_in.browser);
}

/* No client ID in the build: said plainly, with how to set one, before anything happens. */
static void
test_no_client_id (void)
{
  g_autoptr(EpOAuthProvider) google = ep_oauth_provider_lookup (EP_OAUTH_PROVIDER_GOOGLE);
  g_autoptr(EpOAuthTokens) tokens = NULL;
  g_autoptr(GError) error = NULL;
  gboolean opened = FALSE;

  g_assert_nonnull (google);
  if (google->client_id != NULL)
    {
      g_test_skip ("this build has a Google client ID");
      return;
    }
  tokens = ep_oauth_sign_in_browser_sync (google, NULL, ignore_uri_cb, &opened, NULL, &error);
  g_assert_error (error, EP_OAUTH_ERROR, EP_OAUTH_ERROR_NO_CLIENT_ID);
  g_assert_nonnull (strstr (error->message, "Use my own client ID"));
  g_assert_nonnull (strstr (error->message, "-Doauth_google_client_id="));
  g_assert_false (opened);
}

/* Every entry of the table has HTTPS endpoints, a scope and a token mechanism. */
static void
test_provider_table (void)
{
  const char * const *ids = ep_oauth_provider_list_ids ();

  for (guint i = 0; ids[i] != NULL; i++)
    {
      g_autoptr(EpOAuthProvider) provider = ep_oauth_provider_lookup (ids[i]);

      if (g_str_equal (ids[i], EP_OAUTH_PROVIDER_CUSTOM))
        {
          g_assert_null (provider);
          continue;
        }
      g_assert_nonnull (provider);
      g_assert_true (g_str_has_prefix (provider->authorization_url, "https://"));
      g_assert_true (g_str_has_prefix (provider->token_url, "https://"));
      g_assert_true (provider->device_url == NULL || g_str_has_prefix (provider->device_url, "https://"));
      g_assert_cmpstr (provider->scope, !=, "");
      g_assert_true (ep_smtp_auth_mechanism_uses_token (provider->mechanism));
    }
}

/* The endpoints' certificates are checked: without the test CA, the fake server is refused. */
static void
test_untrusted_certificate (void)
{
  g_autoptr(EpOAuthServer) server = ep_oauth_server_new ();
  g_autoptr(EpOAuthProvider) provider = ep_oauth_server_dup_provider (server);
  g_autoptr(EpOAuthTokens) tokens = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GTlsDatabase) system = g_tls_backend_get_default_database (g_tls_backend_get_default ());
  g_autofree char *refresh = ep_oauth_server_refresh_token (1);
  EpOAuthOptions options = { .tls_database = system };

  tokens = ep_oauth_refresh_sync (provider, &options, refresh, NULL, &error);
  g_assert_error (error, EP_OAUTH_ERROR, EP_OAUTH_ERROR_NETWORK);
  g_assert_cmpuint (ep_oauth_server_count (server, "refresh-refused"), ==, 0);
}

/* ---- The device flow -------------------------------------------------------------------------- */

typedef struct {
  guint  shown;
  char  *user_code;
  char  *uri;
} Shown;

static void
show_code_cb (const char *user_code,
              const char *verification_uri,
              const char *verification_uri_complete,
              guint       expires_in,
              gpointer    user_data)
{
  Shown *shown = user_data;

  shown->shown++;
  g_free (shown->user_code);
  g_free (shown->uri);
  shown->user_code = g_strdup (user_code);
  shown->uri = g_strdup (verification_uri);
}

static EpOAuthTokens *
device_sign_in (EpOAuthServer      *server,
                const char * const *script,
                Shown              *shown,
                GError            **error)
{
  g_autoptr(EpOAuthProvider) provider = ep_oauth_server_dup_provider (server);

  ep_oauth_server_set_device_script (server, script);
  return ep_oauth_sign_in_device_sync (provider, NULL, show_code_cb, shown, NULL, error);
}

/* Pending, then slow_down (5 s more between polls from then on), then signed in. */
static void
test_device_flow (void)
{
  static const char * const script[] = { "authorization_pending", "slow_down", "ok", NULL };
  g_autoptr(EpOAuthServer) server = ep_oauth_server_new ();
  g_autoptr(EpOAuthTokens) tokens = NULL;
  g_autoptr(GError) error = NULL;
  Shown shown = { 0 };
  gint64 start = g_get_monotonic_time ();
  gint64 took;

  tokens = device_sign_in (server, script, &shown, &error);
  took = g_get_monotonic_time () - start;
  g_assert_no_error (error);
  g_assert_nonnull (tokens);
  g_assert_cmpstr (tokens->account, ==, EP_OAUTH_SERVER_ACCOUNT);
  g_assert_cmpuint (shown.shown, ==, 1);
  g_assert_cmpstr (shown.user_code, ==, EP_OAUTH_SERVER_USER_CODE);
  g_assert_true (g_str_has_suffix (shown.uri, "/activate"));
  g_assert_cmpuint (ep_oauth_server_count (server, "poll"), ==, 3);
  /* 1 s, 1 s, then 1 + 5 s after the slow_down. */
  g_assert_cmpint (took, >=, 8 * G_USEC_PER_SEC - G_USEC_PER_SEC / 2);
  g_assert_cmpint (took, <, ep_test_slack (15 * G_USEC_PER_SEC));
  g_free (shown.user_code);
  g_free (shown.uri);
}

static void
test_device_expired (void)
{
  static const char * const script[] = { "authorization_pending", "expired_token", NULL };
  g_autoptr(EpOAuthServer) server = ep_oauth_server_new ();
  g_autoptr(EpOAuthTokens) tokens = NULL;
  g_autoptr(GError) error = NULL;
  Shown shown = { 0 };

  tokens = device_sign_in (server, script, &shown, &error);
  g_assert_error (error, EP_OAUTH_ERROR, EP_OAUTH_ERROR_EXPIRED);
  g_assert_null (tokens);
  g_assert_cmpuint (ep_oauth_server_count (server, "poll"), ==, 2);
  g_free (shown.user_code);
  g_free (shown.uri);
}

static void
test_device_denied (void)
{
  static const char * const script[] = { "access_denied", NULL };
  g_autoptr(EpOAuthServer) server = ep_oauth_server_new ();
  g_autoptr(EpOAuthTokens) tokens = NULL;
  g_autoptr(GError) error = NULL;
  Shown shown = { 0 };

  tokens = device_sign_in (server, script, &shown, &error);
  g_assert_error (error, EP_OAUTH_ERROR, EP_OAUTH_ERROR_ACCESS_DENIED);
  g_assert_null (tokens);
  g_free (shown.user_code);
  g_free (shown.uri);
}

/* A provider without a device endpoint says so at once. */
static void
test_device_unavailable (void)
{
  g_autoptr(EpOAuthProvider) google = ep_oauth_provider_lookup (EP_OAUTH_PROVIDER_GOOGLE);
  g_autoptr(EpOAuthTokens) tokens = NULL;
  g_autoptr(GError) error = NULL;
  Shown shown = { 0 };

  tokens = ep_oauth_sign_in_device_sync (google, NULL, show_code_cb, &shown, NULL, &error);
  g_assert_error (error, EP_OAUTH_ERROR, EP_OAUTH_ERROR_NO_DEVICE_FLOW);
  g_assert_cmpuint (shown.shown, ==, 0);
}

/* ---- Refresh ---------------------------------------------------------------------------------- */

static void
test_refresh (void)
{
  g_autoptr(EpOAuthServer) server = ep_oauth_server_new ();
  g_autoptr(EpOAuthProvider) provider = ep_oauth_server_dup_provider (server);
  g_autoptr(EpOAuthTokens) first = NULL;
  g_autoptr(EpOAuthTokens) second = NULL;
  g_autoptr(EpOAuthTokens) again = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *access2 = ep_oauth_server_access_token (2);
  g_autofree char *refresh2 = ep_oauth_server_refresh_token (2);
  Browser browser = { 0 };

  first = browser_sign_in (server, &browser, &error);
  g_assert_no_error (error);
  browser_clear (&browser);

  second = ep_oauth_refresh_sync (provider, NULL, first->refresh_token, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (second->access_token, ==, access2);
  g_assert_cmpstr (second->refresh_token, ==, refresh2);

  /* Rotated: the first refresh token is no longer good, and saying so means "sign in again". */
  again = ep_oauth_refresh_sync (provider, NULL, first->refresh_token, NULL, &error);
  g_assert_error (error, EP_OAUTH_ERROR, EP_OAUTH_ERROR_SIGN_IN_AGAIN);
  g_assert_null (again);
}

static void
test_refresh_revoked (void)
{
  g_autoptr(EpOAuthServer) server = ep_oauth_server_new ();
  g_autoptr(EpOAuthProvider) provider = ep_oauth_server_dup_provider (server);
  g_autoptr(EpOAuthTokens) first = NULL;
  g_autoptr(EpOAuthTokens) second = NULL;
  g_autoptr(GError) error = NULL;
  Browser browser = { 0 };

  first = browser_sign_in (server, &browser, &error);
  g_assert_no_error (error);
  browser_clear (&browser);
  ep_oauth_server_revoke (server);

  second = ep_oauth_refresh_sync (provider, NULL, first->refresh_token, NULL, &error);
  g_assert_error (error, EP_OAUTH_ERROR, EP_OAUTH_ERROR_SIGN_IN_AGAIN);
  g_assert_nonnull (strstr (error->message, "sign in again"));
  g_assert_null (second);
}

/* Plain HTTP is refused before anything is sent. */
static void
test_https_only (void)
{
  g_autoptr(EpOAuthProvider) provider = ep_oauth_provider_new_custom ("http://127.0.0.1:1/authorize",
                                                                     "http://127.0.0.1:1/token", NULL,
                                                                     "smtp", EP_SMTP_AUTH_XOAUTH2);
  g_autoptr(EpOAuthTokens) tokens = NULL;
  g_autoptr(GError) error = NULL;

  provider->client_id = g_strdup (EP_OAUTH_SERVER_CLIENT_ID);
  tokens = ep_oauth_refresh_sync (provider, NULL, "whatever", NULL, &error);
  g_assert_error (error, EP_OAUTH_ERROR, EP_OAUTH_ERROR_NETWORK);
  g_assert_nonnull (strstr (error->message, "HTTPS"));
}

/* ---- A profile's tokens ----------------------------------------------------------------------- */

/* A profile that signs in with the fake server (a custom issuer, its own client ID), for an SMTP
 * server at 127.0.0.1:@port with STARTTLS and the test certificate pinned. */
static EpProfile *
oauth_profile (EpOAuthServer *server,
               const char    *name,
               guint16        port)
{
  EpProfile *profile = ep_profile_new (name);
  g_autofree char *pin = ep_test_certs_sha256 ("good");
  g_autofree char *authorize = ep_oauth_server_dup_url (server, "/authorize");
  g_autofree char *token = ep_oauth_server_dup_url (server, "/token");
  g_autofree char *device = ep_oauth_server_dup_url (server, "/device");

  ep_profile_set_host (profile, "127.0.0.1");
  ep_profile_set_port (profile, port);
  ep_profile_set_security (profile, EP_SMTP_SECURITY_STARTTLS);
  ep_profile_set_sender_address (profile, EP_SCRIPT_SENDER);
  ep_profile_set_username (profile, EP_SCRIPT_SENDER);
  ep_profile_set_timeout (profile, 5);
  ep_profile_set_pinned_sha256 (profile, pin);
  ep_profile_set_oauth_setting (profile, EP_PROFILE_OAUTH_PROVIDER, EP_OAUTH_PROVIDER_CUSTOM);
  ep_profile_set_oauth_setting (profile, EP_PROFILE_OAUTH_CLIENT_ID, EP_OAUTH_SERVER_CLIENT_ID);
  ep_profile_set_oauth_setting (profile, EP_PROFILE_OAUTH_AUTHORIZATION_URL, authorize);
  ep_profile_set_oauth_setting (profile, EP_PROFILE_OAUTH_TOKEN_URL, token);
  ep_profile_set_oauth_setting (profile, EP_PROFILE_OAUTH_DEVICE_URL, device);
  ep_profile_set_oauth_setting (profile, EP_PROFILE_OAUTH_SCOPE, EP_OAUTH_SERVER_SCOPE);
  return profile;
}

/* Signs @profile in through the browser flow and saves the sign-in, as the app will. */
static void
sign_in_profile (EpOAuthServer *server,
                 EpProfile     *profile)
{
  g_autoptr(EpOAuthProvider) provider = NULL;
  g_autoptr(EpOAuthTokens) tokens = NULL;
  g_autoptr(GError) error = NULL;
  Browser browser = { 0 };

  provider = ep_oauth_provider_for_profile (profile, NULL, NULL, &error);
  g_assert_no_error (error);
  tokens = ep_oauth_sign_in_browser_sync (provider, NULL, browser_open_cb, &browser, NULL, &error);
  g_assert_no_error (error);
  browser_clear (&browser);
  g_assert_true (ep_oauth_account_save_sync (profile, provider, tokens, NULL, &error));
  g_assert_no_error (error);
}

static EpProfileConfig *
build_config (EpProfile             *profile,
              EpProfileConfigFlags   flags,
              GError               **error)
{
  return ep_profile_config_build (profile, &(EpProfileConfigRequest) { .saved = profile, .flags = flags },
                                  NULL, error);
}

/* Not signed in, signed in (the token from memory), near expiry (refreshed, the rotated refresh
 * token saved), forced, revoked, signed out. */
static void
test_account_tokens (void)
{
  g_autoptr(EpOAuthServer) server = ep_oauth_server_new ();
  g_autoptr(EpProfile) profile = oauth_profile (server, "Tokens", 587);
  g_autoptr(EpOAuthProvider) provider = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *access1 = ep_oauth_server_access_token (1);
  g_autofree char *access2 = ep_oauth_server_access_token (2);
  g_autofree char *access3 = ep_oauth_server_access_token (3);
  g_autofree char *refresh2 = ep_oauth_server_refresh_token (2);
  char *saved;

  if (!require_keyring ())
    return;
  provider = ep_oauth_provider_for_profile (profile, NULL, NULL, &error);
  g_assert_no_error (error);

  {
    g_autoptr(EpProfileConfig) config = build_config (profile, EP_PROFILE_CONFIG_DEFAULT, &error);

    g_assert_error (error, EP_OAUTH_ERROR, EP_OAUTH_ERROR_NOT_SIGNED_IN);
    g_assert_nonnull (strstr (error->message, "Tokens"));
    g_assert_null (config);
    g_clear_error (&error);
  }
  {
    g_autoptr(EpProfileConfig) config = build_config (profile, EP_PROFILE_CONFIG_SECRET_OPTIONAL, &error);

    g_assert_no_error (error);
    g_assert_cmpint (config->secret, ==, EP_PROFILE_SECRET_MISSING);
    g_assert_null (config->config->oauth_token);
  }

  sign_in_profile (server, profile);
  g_assert_true (ep_oauth_account_is_signed_in_sync (ep_profile_get_id (profile), NULL));
  {
    g_autoptr(EpProfileConfig) config = build_config (profile, EP_PROFILE_CONFIG_DEFAULT, &error);

    g_assert_no_error (error);
    g_assert_cmpint (config->secret, ==, EP_PROFILE_SECRET_OAUTH);
    g_assert_cmpint (config->config->auth, ==, EP_SMTP_AUTH_XOAUTH2);
    g_assert_cmpstr (config->config->oauth_token, ==, access1);
    g_assert_null (config->config->password);
    g_assert_cmpuint (ep_oauth_server_count (server, "refresh"), ==, 0);
  }
  /* The refresh token is in the keyring as a token, never as the profile's password. */
  g_assert_null (ep_secrets_lookup_sync (ep_profile_get_id (profile), NULL, &error));
  g_assert_error (error, EP_STORE_ERROR, EP_STORE_ERROR_NOT_FOUND);
  g_clear_error (&error);

  /* Tokens that live 60 s are always within the refresh margin: each use refreshes, and the
   * rotated refresh token replaces the saved one. */
  ep_oauth_server_set_expires_in (server, 60);
  {
    g_autofree char *token = ep_oauth_account_dup_access_token_sync (profile, provider, EP_OAUTH_TOKEN_FORCE_REFRESH,
                                                                     NULL, NULL, &error);

    g_assert_no_error (error);
    g_assert_cmpstr (token, ==, access2);
  }
  saved = ep_secrets_lookup_token_sync (ep_profile_get_id (profile), EP_SECRETS_KIND_OAUTH2_REFRESH_TOKEN,
                                        NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (saved, ==, refresh2);
  ep_secrets_password_free (saved);
  {
    g_autoptr(EpProfileConfig) config = build_config (profile, EP_PROFILE_CONFIG_DEFAULT, &error);

    g_assert_no_error (error);
    g_assert_cmpstr (config->config->oauth_token, ==, access3);
    g_assert_cmpuint (ep_oauth_server_count (server, "refresh"), ==, 2);
  }

  /* Revoked: a distinct error, the connection test's optional secret included. */
  ep_oauth_server_revoke (server);
  {
    g_autoptr(EpProfileConfig) config = build_config (profile, EP_PROFILE_CONFIG_SECRET_OPTIONAL, &error);

    g_assert_error (error, EP_OAUTH_ERROR, EP_OAUTH_ERROR_SIGN_IN_AGAIN);
    g_assert_nonnull (strstr (error->message, "sign in again"));
    g_assert_null (config);
    g_clear_error (&error);
  }

  g_assert_true (ep_oauth_account_sign_out_sync (ep_profile_get_id (profile), NULL, &error));
  g_assert_no_error (error);
  g_assert_false (ep_oauth_account_is_signed_in_sync (ep_profile_get_id (profile), NULL));
}

/* Without a Secret Service nothing can be kept: not signed in (AUTH skipped where that is
 * allowed), and saving a sign-in says why it cannot. */
static void
test_account_no_keyring (void)
{
  g_autoptr(EpOAuthServer) server = NULL;
  g_autoptr(EpProfile) profile = NULL;
  g_autoptr(EpOAuthProvider) provider = NULL;
  g_autoptr(GError) error = NULL;
  EpOAuthTokens tokens = { .access_token = (char *) "unused", .refresh_token = (char *) "unused" };

  if (g_strcmp0 (g_getenv ("EP_TEST_KEYRING"), "absent") != 0)
    {
      g_test_skip ("needs ep-keyring-env.sh --without-keyring");
      return;
    }
  server = ep_oauth_server_new ();
  profile = oauth_profile (server, "No keyring", 587);
  {
    g_autoptr(EpProfileConfig) config = build_config (profile, EP_PROFILE_CONFIG_DEFAULT, &error);

    g_assert_error (error, EP_OAUTH_ERROR, EP_OAUTH_ERROR_NOT_SIGNED_IN);
    g_assert_nonnull (strstr (error->message, "keyring"));
    g_assert_null (config);
    g_clear_error (&error);
  }
  {
    g_autoptr(EpProfileConfig) config = build_config (profile, EP_PROFILE_CONFIG_SECRET_OPTIONAL, &error);

    g_assert_no_error (error);
    g_assert_cmpint (config->secret, ==, EP_PROFILE_SECRET_MISSING);
  }
  provider = ep_oauth_provider_for_profile (profile, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_false (ep_oauth_account_save_sync (profile, provider, &tokens, NULL, &error));
  g_assert_error (error, EP_STORE_ERROR, EP_STORE_ERROR_NO_KEYRING);
  g_assert_cmpuint (ep_oauth_server_count (server, "refresh"), ==, 0);
}

/* ---- Sending with the token ------------------------------------------------------------------- */

/* STARTTLS with the test certificate, then AUTH XOAUTH2 only. */
#define OAUTH_OPENING EP_SCRIPT_GREETING EP_SCRIPT_EHLO_STARTTLS EP_SCRIPT_STARTTLS \
                      "TLS: good\n"                                                 \
                      "C: EHLO *\n"                                                 \
                      "S: 250-mx.test\n"                                            \
                      "S: 250-PIPELINING\n"                                         \
                      "S: 250 AUTH XOAUTH2\n"

/* The exact initial response (RFC 7628-style XOAUTH2: user, bearer token, two ^A). */
static char *
xoauth2 (guint token_number)
{
  g_autofree char *token = ep_oauth_server_access_token (token_number);
  g_autofree char *raw = g_strdup_printf ("user=%s\001auth=Bearer %s\001\001", EP_SCRIPT_SENDER, token);

  return g_base64_encode ((const guchar *) raw, strlen (raw));
}

static char *
accepting_script (guint token_number)
{
  g_autofree char *payload = xoauth2 (token_number);

  return g_strdup_printf (OAUTH_OPENING
                          "C: AUTH XOAUTH2 %s\n"
                          "S: 235 2.7.0 Accepted\n"
                          EP_SCRIPT_DELIVER_TO ("ann@example.org")
                          EP_SCRIPT_QUIT_EOF, payload);
}

/* The token refused: the failure challenge (a JSON error), the client's empty answer, 535. */
static char *
refusing_script (guint token_number)
{
  g_autofree char *payload = xoauth2 (token_number);

  return g_strdup_printf (OAUTH_OPENING
                          "C: AUTH XOAUTH2 %s\n"
                          "S: 334 eyJzdGF0dXMiOiI0MDEiLCJzY2hlbWVzIjoiYmVhcmVyIn0=\n"
                          "C: \n"
                          "S: 535 5.7.8 Username and Password not accepted\n"
                          EP_SCRIPT_QUIT_EOF, payload);
}

/* Before the fake authorization server answers a refresh: the first SMTP session is over, and
 * the next one is served on the same port by a server with the next script. */
static void
second_server_hook (gpointer user_data)
{
  ep_test_relay_next (user_data);
}

static void
send_with (EpProfile         *profile,
           const char        *sent_dir,
           EpTestSendOutcome *outcome)
{
  ep_test_send (profile, sent_dir, NULL, outcome);
}

static char *
transcript_of (EpTestSendOutcome *outcome)
{
  g_assert_nonnull (outcome->result);
  return ep_smtp_transcript_to_string (outcome->result->transcript);
}

/* Signed in: the token goes in XOAUTH2, exactly; the transcript shows it redacted. */
static void
test_send_with_token (void)
{
  g_autoptr(EpOAuthServer) oauth = ep_oauth_server_new ();
  g_autofree char *script = accepting_script (1);
  g_autoptr(EpScriptServer) smtp = ep_test_start_server (script, 0);
  g_autoptr(EpProfile) profile = oauth_profile (oauth, "Send", ep_script_server_get_port (smtp));
  g_autofree char *sent_dir = ep_test_make_dir ("oauth-sent");
  g_autofree char *transcript = NULL;
  EpTestSendOutcome outcome;

  if (!require_keyring ())
    return;
  sign_in_profile (oauth, profile);
  send_with (profile, sent_dir, &outcome);
  g_assert_no_error (outcome.error);
  ep_script_server_assert_done (smtp, WAIT_MS);
  g_assert_cmpstr (outcome.result->auth_mechanism, ==, "XOAUTH2");
  transcript = transcript_of (&outcome);
  g_assert_nonnull (strstr (transcript, "C: AUTH XOAUTH2 " EP_SMTP_TRANSCRIPT_REDACTED "\n"));
  g_assert_null (strstr (transcript, "epistle-test-"));
  g_assert_cmpuint (ep_oauth_server_count (oauth, "refresh"), ==, 0);
  ep_test_send_outcome_clear (&outcome);
}

/* A profile without a client ID of its own: the send refreshes its token with the application's
 * (the app's GSettings), which the send operation passes on; without it there is none to use. */
static void
test_send_application_client_id (void)
{
  g_autoptr(EpOAuthServer) oauth = ep_oauth_server_new ();
  g_autofree char *script = accepting_script (2);
  g_autoptr(EpScriptServer) smtp = ep_test_start_server (script, 0);
  g_autoptr(EpProfile) profile = oauth_profile (oauth, "App client", ep_script_server_get_port (smtp));
  g_autofree char *sent_dir = ep_test_make_dir ("oauth-sent");
  EpTestSendOutcome outcome;

  if (!require_keyring ())
    return;
  /* Close enough to its expiry that the send refreshes it first. */
  ep_oauth_server_set_expires_in (oauth, EP_OAUTH_REFRESH_MARGIN_SECONDS / 2);
  sign_in_profile (oauth, profile);
  ep_profile_set_oauth_setting (profile, EP_PROFILE_OAUTH_CLIENT_ID, "");

  send_with (profile, sent_dir, &outcome);
  g_assert_error (outcome.error, EP_OAUTH_ERROR, EP_OAUTH_ERROR_NO_CLIENT_ID);
  g_assert_cmpuint (ep_oauth_server_count (oauth, "refresh"), ==, 0);
  ep_test_send_outcome_clear (&outcome);

  ep_test_send (profile, sent_dir, EP_OAUTH_SERVER_CLIENT_ID, &outcome);
  g_assert_no_error (outcome.error);
  ep_script_server_assert_done (smtp, WAIT_MS);
  g_assert_cmpuint (ep_oauth_server_count (oauth, "refresh"), ==, 1);
  ep_test_send_outcome_clear (&outcome);
  g_assert_true (ep_oauth_account_sign_out_sync (ep_profile_get_id (profile), NULL, NULL));
}

/* The server refuses the token: one refresh, one more session with the new token, delivered. */
static void
test_send_token_refused_once (void)
{
  g_autoptr(EpOAuthServer) oauth = ep_oauth_server_new ();
  g_autofree char *first_script = refusing_script (1);
  g_autofree char *sent_dir = ep_test_make_dir ("oauth-sent");
  g_autofree char *transcript = NULL;
  g_autoptr(EpProfile) profile = NULL;
  EpTestRelay relay = { 0 };
  EpTestSendOutcome outcome;

  if (!require_keyring ())
    return;
  relay.first = ep_test_start_server (first_script, 0);
  relay.port = ep_script_server_get_port (relay.first);
  relay.second_script = accepting_script (2);
  profile = oauth_profile (oauth, "Refused once", relay.port);
  sign_in_profile (oauth, profile);
  ep_oauth_server_set_refresh_hook (oauth, second_server_hook, &relay);

  send_with (profile, sent_dir, &outcome);
  g_assert_no_error (outcome.error);
  g_assert_nonnull (relay.second);
  ep_script_server_assert_done (relay.second, WAIT_MS);
  g_assert_cmpuint (ep_oauth_server_count (oauth, "refresh"), ==, 1);
  transcript = transcript_of (&outcome);
  g_assert_nonnull (strstr (transcript, "I: OAuth 2.0: the server refused the access token"));
  g_assert_nonnull (strstr (transcript, "(token: refresh)"));
  g_assert_null (strstr (transcript, "epistle-test-"));
  ep_test_send_outcome_clear (&outcome);
  ep_oauth_server_set_refresh_hook (oauth, NULL, NULL);
  ep_test_relay_clear (&relay);
}

/* Refused again after the refresh: the failure, not a third session or a second refresh. */
static void
test_send_token_refused_twice (void)
{
  g_autoptr(EpOAuthServer) oauth = ep_oauth_server_new ();
  g_autofree char *first_script = refusing_script (1);
  g_autofree char *sent_dir = ep_test_make_dir ("oauth-sent");
  g_autoptr(EpProfile) profile = NULL;
  EpTestRelay relay = { 0 };
  EpTestSendOutcome outcome;

  if (!require_keyring ())
    return;
  relay.first = ep_test_start_server (first_script, 0);
  relay.port = ep_script_server_get_port (relay.first);
  relay.second_script = refusing_script (2);
  profile = oauth_profile (oauth, "Refused twice", relay.port);
  sign_in_profile (oauth, profile);
  ep_oauth_server_set_refresh_hook (oauth, second_server_hook, &relay);

  send_with (profile, sent_dir, &outcome);
  g_assert_error (outcome.error, EP_SMTP_ERROR, EP_SMTP_ERROR_AUTH_FAILED);
  ep_script_server_assert_done (relay.second, WAIT_MS);
  g_assert_cmpuint (ep_oauth_server_count (oauth, "refresh"), ==, 1);
  ep_test_send_outcome_clear (&outcome);
  ep_oauth_server_set_refresh_hook (oauth, NULL, NULL);
  ep_test_relay_clear (&relay);
}

/* Refused, and the refresh token was revoked meanwhile: "sign in again", one session only. */
static void
test_send_refused_then_revoked (void)
{
  g_autoptr(EpOAuthServer) oauth = ep_oauth_server_new ();
  g_autofree char *first_script = refusing_script (1);
  g_autofree char *sent_dir = ep_test_make_dir ("oauth-sent");
  g_autoptr(EpProfile) profile = NULL;
  g_autoptr(EpScriptServer) smtp = ep_test_start_server (first_script, 0);
  EpTestSendOutcome outcome;

  if (!require_keyring ())
    return;
  profile = oauth_profile (oauth, "Revoked", ep_script_server_get_port (smtp));
  sign_in_profile (oauth, profile);
  ep_oauth_server_revoke (oauth);

  send_with (profile, sent_dir, &outcome);
  g_assert_error (outcome.error, EP_OAUTH_ERROR, EP_OAUTH_ERROR_SIGN_IN_AGAIN);
  ep_script_server_assert_done (smtp, WAIT_MS);
  g_assert_cmpuint (ep_oauth_server_count (oauth, "refresh-refused"), ==, 1);
  ep_test_send_outcome_clear (&outcome);
}

/* The outbox: the same single renewal before its session, the entry delivered and in Sent with
 * the token nowhere in either. */
static void
test_outbox_token_refused_once (void)
{
  g_autoptr(EpOAuthServer) oauth = ep_oauth_server_new ();
  g_autofree char *first_script = refusing_script (1);
  g_autofree char *dir = ep_test_make_dir ("oauth-outbox");
  g_autofree char *outbox_dir = g_build_filename (dir, "outbox", NULL);
  g_autofree char *sent_dir = g_build_filename (dir, "sent", NULL);
  g_autoptr(EpOutboxStore) store = ep_outbox_store_new (outbox_dir);
  g_autoptr(EpMessage) message = ep_test_new_message ();
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autoptr(EpOutboxDeliveryReport) report = NULL;
  g_autoptr(EpProfile) profile = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *id = NULL;
  EpOutboxDeliveryOptions options = { .sent_dir = sent_dir };
  EpTestRelay relay = { 0 };

  if (!require_keyring ())
    return;
  relay.first = ep_test_start_server (first_script, 0);
  relay.port = ep_script_server_get_port (relay.first);
  relay.second_script = accepting_script (2);
  profile = oauth_profile (oauth, "Outbox", relay.port);
  sign_in_profile (oauth, profile);
  ep_oauth_server_set_refresh_hook (oauth, second_server_hook, &relay);

  id = ep_outbox_add_message_sync (store, message, ep_profile_get_id (profile), EP_OUTBOX_STATE_QUEUED,
                                   now, NULL, NULL, &error);
  g_assert_no_error (error);
  report = ep_outbox_deliver_sync (store, id, profile, &options, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (report);
  g_assert_no_error (report->error);
  g_assert_cmpint (report->state, ==, EP_OUTBOX_STATE_DELIVERED);
  g_assert_nonnull (report->sent_id);
  ep_script_server_assert_done (relay.second, WAIT_MS);
  g_assert_cmpuint (ep_oauth_server_count (oauth, "refresh"), ==, 1);
  ep_oauth_server_set_refresh_hook (oauth, NULL, NULL);
  ep_test_relay_clear (&relay);
}

/* The IMAP side of a refused token: delivered with the token, then the Sent folder's server
 * refuses it (NO after the failure challenge); one refresh, shared with the SMTP side, and one
 * more upload with the new token, which stores the copy. */
static char *
imap_refusing_script (guint token_number)
{
  g_autofree char *payload = xoauth2 (token_number);
  g_autofree char *json = g_base64_encode ((const guchar *) "{\"status\":\"401\"}", 16);

  return g_strdup_printf ("TLS: good\n"
                          "S: * OK [CAPABILITY IMAP4rev1 SASL-IR AUTH=XOAUTH2] ready\n"
                          "C: A1 AUTHENTICATE XOAUTH2 %s\n"
                          "S: + %s\n"
                          "C: \n"
                          "S: A1 NO [AUTHENTICATIONFAILED] Invalid credentials\n"
                          "EOF\n", payload, json);
}

static char *
imap_accepting_script (guint token_number)
{
  g_autofree char *payload = xoauth2 (token_number);

  return g_strdup_printf ("TLS: good\n"
                          "S: * OK [CAPABILITY IMAP4rev1 SASL-IR AUTH=XOAUTH2 LITERAL+ SPECIAL-USE "
                          "LIST-EXTENDED UIDPLUS] ready\n"
                          "C: A1 AUTHENTICATE XOAUTH2 %s\n"
                          "S: A1 OK [CAPABILITY IMAP4rev1 LITERAL+ SPECIAL-USE LIST-EXTENDED UIDPLUS] hi\n"
                          "C: A2 LIST \"\" \"*\" RETURN (SPECIAL-USE)\n"
                          "S: * LIST (\\\\HasNoChildren \\\\Sent) \"/\" Sent\n"
                          "S: A2 OK LIST done\n"
                          "C: A3 APPEND \"Sent\" (\\\\Seen) *\n"
                          "LITERAL\n"
                          "S: A3 OK [APPENDUID 7 1] APPEND completed\n"
                          "C: A4 LOGOUT\n"
                          "S: * BYE logging out\n"
                          "S: A4 OK done\n"
                          "EOF\n", payload);
}

static void
test_outbox_imap_token_refused_once (void)
{
  g_autoptr(EpOAuthServer) oauth = ep_oauth_server_new ();
  g_autofree char *smtp_script = accepting_script (1);
  g_autofree char *first_script = imap_refusing_script (1);
  g_autofree char *dir = ep_test_make_dir ("oauth-outbox-imap");
  g_autofree char *outbox_dir = g_build_filename (dir, "outbox", NULL);
  g_autofree char *sent_dir = g_build_filename (dir, "sent", NULL);
  g_autofree char *pin = ep_test_certs_sha256 ("good");
  g_autoptr(EpOutboxStore) store = ep_outbox_store_new (outbox_dir);
  g_autoptr(EpMessage) message = ep_test_new_message ();
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autoptr(EpOutboxDeliveryReport) report = NULL;
  g_autoptr(EpScriptServer) smtp = NULL;
  g_autoptr(EpProfile) profile = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *id = NULL;
  EpOutboxDeliveryOptions options = { .sent_dir = sent_dir };
  EpTestRelay relay = { 0 };

  if (!require_keyring ())
    return;
  smtp = ep_test_start_server (smtp_script, 0);
  relay.first = ep_test_start_server (first_script, 0);
  relay.port = ep_script_server_get_port (relay.first);
  relay.second_script = imap_accepting_script (2);
  profile = oauth_profile (oauth, "Outbox IMAP", ep_script_server_get_port (smtp));
  ep_profile_set_sent_copy (profile, TRUE);
  ep_profile_set_imap_host (profile, "127.0.0.1");
  ep_profile_set_imap_port (profile, relay.port);
  ep_profile_set_imap_security (profile, EP_SMTP_SECURITY_TLS);
  ep_profile_set_imap_pinned_sha256 (profile, pin);
  sign_in_profile (oauth, profile);
  ep_oauth_server_set_refresh_hook (oauth, second_server_hook, &relay);

  id = ep_outbox_add_message_sync (store, message, ep_profile_get_id (profile), EP_OUTBOX_STATE_QUEUED,
                                   now, NULL, NULL, &error);
  g_assert_no_error (error);
  report = ep_outbox_deliver_sync (store, id, profile, &options, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (report);
  g_assert_no_error (report->error);
  g_assert_cmpint (report->state, ==, EP_OUTBOX_STATE_DELIVERED);
  ep_script_server_assert_done (smtp, WAIT_MS);
  g_assert_true (report->copy_tried);
  g_assert_no_error (report->copy_error);
  g_assert_true (report->copy_uploaded);
  g_assert_cmpstr (report->copy_mailbox, ==, "Sent");
  ep_script_server_assert_done (relay.second, WAIT_MS);
  g_assert_cmpuint (ep_oauth_server_count (oauth, "refresh"), ==, 1);
  ep_oauth_server_set_refresh_hook (oauth, NULL, NULL);
  ep_test_relay_clear (&relay);
}

/* ---- epistle-send ----------------------------------------------------------------------------- */

static GString *cli_out;
static GString *cli_err;

/* When set, the address --login prints is opened with this scripted browser. */
static Browser *cli_browser;

static void
cli_print_cb (const char *text)
{
  const char *url = strstr (text, "https://127.0.0.1:");

  g_string_append (cli_out, text);
  if (cli_browser != NULL && url != NULL && strstr (url, "/authorize?") != NULL)
    {
      g_autofree char *line = g_strndup (url, strcspn (url, "\n"));

      browser_open_cb (line, cli_browser);
    }
}

static void
cli_printerr_cb (const char *text)
{
  g_string_append (cli_err, text);
}

static int
run_cli (const char * const *args)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  g_autofree char **argv_copy = NULL;
  GPrintFunc old_print, old_printerr;
  int status;

  g_ptr_array_add (argv, g_strdup ("epistle-send"));
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, g_strdup (args[i]));
  g_ptr_array_add (argv, NULL);
  argv_copy = g_memdup2 (argv->pdata, argv->len * sizeof (char *));

  g_string_truncate (cli_out, 0);
  g_string_truncate (cli_err, 0);
  old_print = g_set_print_handler (cli_print_cb);
  old_printerr = g_set_printerr_handler (cli_printerr_cb);
  status = ep_send_cli_run ((int) argv->len - 1, argv_copy);
  g_set_print_handler (old_print);
  g_set_printerr_handler (old_printerr);
  g_test_message ("stdout: %s", cli_out->str);
  g_test_message ("stderr: %s", cli_err->str);
  return status;
}

static void
save_profile (EpProfile *profile)
{
  g_autoptr(EpProfileStore) store = ep_profile_store_new (NULL);
  g_autoptr(GError) error = NULL;

  g_assert_true (ep_profile_store_load (store, &error));
  g_assert_true (ep_profile_store_add (store, profile, &error));
  g_assert_true (ep_profile_store_save (store, &error));
  g_assert_no_error (error);
}

/* epistle-send --profile with the Sent folder copy: the SMTP server refuses the first token, the
 * token is renewed once, and the copy goes up with the new one, not the stale one. */
static void
test_cli_sent_copy_after_renewal (void)
{
  g_autoptr(EpOAuthServer) oauth = ep_oauth_server_new ();
  g_autofree char *first_script = refusing_script (1);
  g_autofree char *imap_script = imap_accepting_script (2);
  g_autofree char *dir = ep_test_make_dir ("oauth-cli-copy");
  g_autofree char *body = g_build_filename (dir, "body.txt", NULL);
  g_autofree char *pin = ep_test_certs_sha256 ("good");
  g_autoptr(EpScriptServer) imap = NULL;
  g_autoptr(EpProfile) profile = NULL;
  EpTestRelay relay = { 0 };
  int status;

  if (!require_keyring ())
    return;
  relay.first = ep_test_start_server (first_script, 0);
  relay.port = ep_script_server_get_port (relay.first);
  relay.second_script = accepting_script (2);
  imap = ep_test_start_server (imap_script, 0);
  profile = oauth_profile (oauth, "OAuth CLI Copy", relay.port);
  ep_profile_set_sent_copy (profile, TRUE);
  ep_profile_set_imap_host (profile, "127.0.0.1");
  ep_profile_set_imap_port (profile, ep_script_server_get_port (imap));
  ep_profile_set_imap_security (profile, EP_SMTP_SECURITY_TLS);
  ep_profile_set_imap_pinned_sha256 (profile, pin);
  save_profile (profile);
  sign_in_profile (oauth, profile);
  ep_test_write_file (body, "Hello from the terminal.\n");
  ep_oauth_server_set_refresh_hook (oauth, second_server_hook, &relay);
  {
    const char *args[] = { "--profile", "OAuth CLI Copy", "--from", EP_SCRIPT_SENDER, "--subject", "Hi",
                           "--body", body, "ann@example.org", NULL };

    status = run_cli (args);
    g_assert_cmpint (status, ==, 0);
    g_assert_null (strstr (cli_err->str, "not copied"));
    g_assert_null (strstr (cli_out->str, "not copied"));
  }
  ep_script_server_assert_done (relay.second, WAIT_MS);
  ep_script_server_assert_done (imap, WAIT_MS);
  g_assert_cmpuint (ep_oauth_server_count (oauth, "refresh"), ==, 1);
  ep_oauth_server_set_refresh_hook (oauth, NULL, NULL);
  ep_test_relay_clear (&relay);
}

/* A profile without its own client ID signs in with the application's, from its settings
 * ("oauth-client-ids"), as the app would: epistle-send reads them too. */
static void
test_cli_client_from_settings (void)
{
  static const char * const script[] = { "ok", NULL };
  g_autoptr(EpOAuthServer) oauth = ep_oauth_server_new ();
  g_autoptr(EpProfile) profile = NULL;
  g_autoptr(GSettings) settings = g_settings_new (APP_ID);
  GVariantBuilder ids;
  const char *args[] = { "--login", "OAuth Settings", NULL };
  int status;

  if (!require_keyring ())
    return;
  profile = oauth_profile (oauth, "OAuth Settings", 25);
  ep_profile_set_oauth_setting (profile, EP_PROFILE_OAUTH_CLIENT_ID, "");
  save_profile (profile);
  ep_oauth_server_set_device_script (oauth, script);

  /* No client ID anywhere: refused, saying so, and the server never asked. */
  status = run_cli (args);
  g_assert_cmpint (status, !=, 0);
  g_assert_nonnull (strstr (cli_err->str, "client ID"));
  g_assert_false (ep_oauth_account_is_signed_in_sync (ep_profile_get_id (profile), NULL));

  g_variant_builder_init (&ids, G_VARIANT_TYPE ("a{ss}"));
  g_variant_builder_add (&ids, "{ss}", EP_OAUTH_PROVIDER_CUSTOM, EP_OAUTH_SERVER_CLIENT_ID);
  g_assert_true (g_settings_set_value (settings, "oauth-client-ids", g_variant_builder_end (&ids)));
  status = run_cli (args);
  g_settings_reset (settings, "oauth-client-ids");
  g_assert_cmpint (status, ==, 0);
  g_assert_nonnull (strstr (cli_err->str, "Signed in as " EP_OAUTH_SERVER_ACCOUNT));
  g_assert_true (ep_oauth_account_is_signed_in_sync (ep_profile_get_id (profile), NULL));
}

/* --login: the device flow in a terminal, the sign-in kept; then --profile sends with it, and
 * renews the token once when the server refuses it. */
static void
test_cli_login_and_send (void)
{
  static const char * const script[] = { "authorization_pending", "ok", NULL };
  g_autoptr(EpOAuthServer) oauth = ep_oauth_server_new ();
  g_autofree char *first_script = refusing_script (1);
  g_autofree char *dir = ep_test_make_dir ("oauth-cli");
  g_autofree char *body = g_build_filename (dir, "body.txt", NULL);
  g_autoptr(EpProfile) profile = NULL;
  EpTestRelay relay = { 0 };
  int status;

  if (!require_keyring ())
    return;
  relay.first = ep_test_start_server (first_script, 0);
  relay.port = ep_script_server_get_port (relay.first);
  relay.second_script = accepting_script (2);
  profile = oauth_profile (oauth, "OAuth CLI", relay.port);
  save_profile (profile);
  ep_oauth_server_set_device_script (oauth, script);

  {
    const char *args[] = { "--login", "OAuth CLI", NULL };

    status = run_cli (args);
    g_assert_cmpint (status, ==, 0);
    g_assert_nonnull (strstr (cli_out->str, EP_OAUTH_SERVER_USER_CODE));
    g_assert_nonnull (strstr (cli_out->str, "/activate"));
    g_assert_nonnull (strstr (cli_err->str, "Signed in as " EP_OAUTH_SERVER_ACCOUNT));
    g_assert_true (ep_oauth_account_is_signed_in_sync (ep_profile_get_id (profile), NULL));
  }

  ep_test_write_file (body, "Hello from the terminal.\n");
  ep_oauth_server_set_refresh_hook (oauth, second_server_hook, &relay);
  {
    const char *args[] = { "--profile", "OAuth CLI", "--from", EP_SCRIPT_SENDER, "--subject", "Hi",
                           "--body", body, "--transcript", "ann@example.org", NULL };

    status = run_cli (args);
    g_assert_cmpint (status, ==, 0);
    g_assert_nonnull (strstr (cli_err->str, "C: AUTH XOAUTH2 " EP_SMTP_TRANSCRIPT_REDACTED "\n"));
    g_assert_nonnull (strstr (cli_err->str, "(token: refresh)"));
    g_assert_null (strstr (cli_err->str, "epistle-test-"));
    g_assert_null (strstr (cli_out->str, "epistle-test-"));
  }
  g_assert_nonnull (relay.second);
  ep_script_server_assert_done (relay.second, WAIT_MS);
  g_assert_cmpuint (ep_oauth_server_count (oauth, "refresh"), ==, 1);
  ep_oauth_server_set_refresh_hook (oauth, NULL, NULL);
  ep_test_relay_clear (&relay);

  /* Not signed in: says how to sign in, and the exit status is an authentication failure. */
  {
    const char *args[] = { "--profile", "OAuth CLI", "--from", EP_SCRIPT_SENDER, "--subject", "Hi",
                           "--body", body, "ann@example.org", NULL };
    g_autoptr(GError) error = NULL;

    g_assert_true (ep_oauth_account_sign_out_sync (ep_profile_get_id (profile), NULL, &error));
    status = run_cli (args);
    g_assert_cmpint (status, ==, 77);
    g_assert_nonnull (strstr (cli_err->str, "epistle-send --login “OAuth CLI”"));
  }
}

/* --login for a provider without a device flow: the address to open, the redirect awaited on
 * 127.0.0.1, the sign-in kept. */
static void
test_cli_login_browser (void)
{
  g_autoptr(EpOAuthServer) oauth = ep_oauth_server_new ();
  g_autoptr(EpProfile) profile = oauth_profile (oauth, "OAuth Browser", 587);
  const char *args[] = { "--login", "OAuth Browser", NULL };
  Browser browser = { 0 };
  int status;

  if (!require_keyring ())
    return;
  ep_profile_set_oauth_setting (profile, EP_PROFILE_OAUTH_DEVICE_URL, "");
  save_profile (profile);

  cli_browser = &browser;
  status = run_cli (args);
  cli_browser = NULL;
  g_assert_cmpint (status, ==, 0);
  g_assert_nonnull (strstr (cli_out->str, "open this address in a web browser on this computer"));
  g_assert_nonnull (browser.url);
  g_assert_nonnull (strstr (cli_err->str, "Signed in as " EP_OAUTH_SERVER_ACCOUNT));
  g_assert_cmpuint (ep_oauth_server_count (oauth, "device"), ==, 0);
  g_assert_cmpuint (ep_oauth_server_count (oauth, "code"), ==, 1);
  g_assert_true (ep_oauth_account_is_signed_in_sync (ep_profile_get_id (profile), NULL));
  browser_clear (&browser);
}

/* ---- Nothing leaks -------------------------------------------------------------------------- */

static gboolean
contains (const char *data,
          gsize       length,
          const char *needle)
{
  gsize n = strlen (needle);

  for (gsize i = 0; i + n <= length; i++)
    if (memcmp (data + i, needle, n) == 0)
      return TRUE;
  return FALSE;
}

static void
check_tree (const char *path,
            GPtrArray  *found)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  if (dir == NULL)
    {
      g_autofree char *contents = NULL;
      gsize length = 0;

      if (g_file_test (path, G_FILE_TEST_IS_REGULAR) && g_file_get_contents (path, &contents, &length, NULL) &&
          (contains (contents, length, "epistle-test-access-") || contains (contents, length, "epistle-test-refresh-")))
        g_ptr_array_add (found, g_strdup (path));
      return;
    }
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);

      if (!g_file_test (child, G_FILE_TEST_IS_SYMLINK))
        check_tree (child, found);
    }
}

/* Last: after every sign-in and send above, no token in any file of this test's directory (its
 * HOME and XDG directories (profiles, drafts, outbox, Sent, the Sandbox's store, the transcripts in Sent
 * copies; the keyring's own file is encrypted), and none in any log line. */
static void
test_no_token_anywhere (void)
{
  g_autoptr(GPtrArray) found = g_ptr_array_new_with_free_func (g_free);
  const char *root = g_getenv ("EPISTLE_TEST_TMPDIR");

  if (!require_keyring ())
    return;
  /* ep-test-env.sh's directory holds this test's HOME, its XDG directories and its own files. */
  if (root == NULL)
    {
      g_test_skip ("not run through ep-test-env.sh");
      return;
    }
  check_tree (root, found);
  for (guint i = 0; i < found->len; i++)
    g_test_message ("a token in %s", (const char *) found->pdata[i]);
  g_assert_cmpuint (found->len, ==, 0);

  g_mutex_lock (&log_lock);
  g_assert_nonnull (strstr (logged->str, "OAuth 2.0: POST"));
  g_assert_null (strstr (logged->str, "epistle-test-access-"));
  g_assert_null (strstr (logged->str, "epistle-test-refresh-"));
  g_mutex_unlock (&log_lock);
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(GTlsDatabase) database = NULL;
  g_autoptr(GError) error = NULL;
  int status;

  g_setenv ("G_MESSAGES_DEBUG", "all", TRUE);
  logged = g_string_new (NULL);
  cli_out = g_string_new (NULL);
  cli_err = g_string_new (NULL);
  g_log_set_writer_func (log_writer, NULL, NULL);
  g_test_init (&argc, &argv, NULL);

  /* The endpoints (and the refreshes a send does) trust the test CA only. */
  database = ep_test_certs_ca_database (&error);
  g_assert_no_error (error);
  ep_oauth_set_default_tls_database (database);

  g_test_add_func ("/oauth/basics/provider-table", test_provider_table);
  g_test_add_func ("/oauth/basics/no-client-id", test_no_client_id);
  g_test_add_func ("/oauth/basics/https-only", test_https_only);
  g_test_add_func ("/oauth/basics/untrusted-certificate", test_untrusted_certificate);
  g_test_add_func ("/oauth/browser/flow", test_browser_flow);
  g_test_add_func ("/oauth/browser/wrong-state", test_browser_wrong_state);
  g_test_add_func ("/oauth/browser/denied", test_browser_denied);
  g_test_add_func ("/oauth/browser/async", test_browser_async);
  g_test_add_func ("/oauth/browser/timeout", test_browser_timeout);
  g_test_add_func ("/oauth/browser/cancel", test_browser_cancel);
  g_test_add_func ("/oauth/device/flow", test_device_flow);
  g_test_add_func ("/oauth/device/expired", test_device_expired);
  g_test_add_func ("/oauth/device/denied", test_device_denied);
  g_test_add_func ("/oauth/device/unavailable", test_device_unavailable);
  g_test_add_func ("/oauth/refresh/rotated", test_refresh);
  g_test_add_func ("/oauth/refresh/revoked", test_refresh_revoked);
  g_test_add_func ("/oauth/account/tokens", test_account_tokens);
  g_test_add_func ("/oauth/account/no-keyring", test_account_no_keyring);
  g_test_add_func ("/oauth/send/with-token", test_send_with_token);
  g_test_add_func ("/oauth/send/refused-once", test_send_token_refused_once);
  g_test_add_func ("/oauth/send/application-client-id", test_send_application_client_id);
  g_test_add_func ("/oauth/send/refused-twice", test_send_token_refused_twice);
  g_test_add_func ("/oauth/send/refused-then-revoked", test_send_refused_then_revoked);
  g_test_add_func ("/oauth/send/outbox-refused-once", test_outbox_token_refused_once);
  g_test_add_func ("/oauth/send/outbox-imap-refused-once", test_outbox_imap_token_refused_once);
  g_test_add_func ("/oauth/cli/login-and-send", test_cli_login_and_send);
  g_test_add_func ("/oauth/cli/login-browser", test_cli_login_browser);
  g_test_add_func ("/oauth/cli/client-from-settings", test_cli_client_from_settings);
  g_test_add_func ("/oauth/cli/sent-copy-after-renewal", test_cli_sent_copy_after_renewal);
  /* Last (a suite added last runs last). */
  g_test_add_func ("/oauth/stores/no-token-anywhere", test_no_token_anywhere);

  status = g_test_run ();
  ep_oauth_set_default_tls_database (NULL);
  ep_secrets_disconnect ();
  ep_test_certs_cleanup ();
  return status;
}
