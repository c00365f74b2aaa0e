/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-oauth-flow.c: the browser flow, the device flow and refresh.
 *
 * The browser flow follows RFC 8252: the authorization request carries a random state (CSRF,
 * RFC 6749 §10.12) and a PKCE challenge (RFC 7636, S256), the redirect comes to a loopback
 * listener on 127.0.0.1 at a port the system picks (§7.3), and the code is exchanged together
 * with the verifier, so that a code caught by another local program is useless. Codes, tokens
 * and verifiers are never logged; the transcript names the steps only. */
#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <libsoup/soup.h>

#include "ep-oauth-endpoint.h"
#include "ep-oauth-error.h"
#include "ep-oauth-flow.h"

/* RFC 7636 §4.1: 32 random octets give a 43-character verifier (its minimum), 256 bits. */
#define EP_OAUTH_PKCE_VERIFIER_OCTETS 32
/* The state only has to be unguessable: 128 bits. */
#define EP_OAUTH_STATE_OCTETS 16
/* RFC 8628 §3.4. */
#define EP_OAUTH_DEVICE_GRANT_TYPE "urn:ietf:params:oauth:grant-type:device_code"

/* ---- Helpers --------------------------------------------------------------------------------- */

/* base64url without padding (RFC 7636 Appendix A). */
static char *
base64url (const guint8 *data,
           gsize         len)
{
  char *text = g_base64_encode (data, len);
  char *end = strchr (text, '=');

  if (end != NULL)
    *end = '\0';
  g_strdelimit (text, "+", '-');
  g_strdelimit (text, "/", '_');
  return text;
}

static char *
random_base64url (gsize octets)
{
  guint8 buffer[64];
  char *text;

  g_assert (octets <= sizeof buffer);
  if (gnutls_rnd (GNUTLS_RND_RANDOM, buffer, octets) != 0)
    g_error ("the system's random number generator failed");
  text = base64url (buffer, octets);
  explicit_bzero (buffer, sizeof buffer);
  return text;
}

static char *
pkce_challenge (const char *verifier)
{
  g_autoptr(GChecksum) checksum = g_checksum_new (G_CHECKSUM_SHA256);
  guint8 digest[32];
  gsize len = sizeof digest;

  g_checksum_update (checksum, (const guchar *) verifier, strlen (verifier));
  g_checksum_get_digest (checksum, digest, &len);
  return base64url (digest, len);
}

static void
append_param (GString    *url,
              const char *name,
              const char *value)
{
  g_autofree char *escaped = g_uri_escape_string (value, NULL, FALSE);

  g_string_append_printf (url, "%c%s=%s", strchr (url->str, '?') != NULL ? '&' : '?', name, escaped);
}

static gboolean
check_provider (const EpOAuthProvider  *provider,
                GError                **error)
{
  if (!ep_oauth_provider_check_client (provider, error))
    return FALSE;
  if (provider->token_url == NULL)
    {
      g_set_error (error, EP_OAUTH_ERROR, EP_OAUTH_ERROR_UNKNOWN_PROVIDER,
                   _("%s has no token endpoint configured"), provider->name);
      return FALSE;
    }
  return TRUE;
}

/* An endpoint's refusal: the codes a person can act on get their own error. */
static void
set_answer_error (const EpOAuthProvider *provider,
                  const EpOAuthAnswer   *answer,
                  const char            *url,
                  GError               **error)
{
  if (g_strcmp0 (answer->error_code, "access_denied") == 0)
    g_set_error (error, EP_OAUTH_ERROR, EP_OAUTH_ERROR_ACCESS_DENIED,
                 _("The access to your %s account was declined"), provider->name);
  else if (g_strcmp0 (answer->error_code, "expired_token") == 0)
    g_set_error_literal (error, EP_OAUTH_ERROR, EP_OAUTH_ERROR_EXPIRED,
                         _("The sign-in code expired before it was entered: start again"));
  else if (g_strcmp0 (answer->error_code, "invalid_grant") == 0)
    g_set_error (error, EP_OAUTH_ERROR, EP_OAUTH_ERROR_SIGN_IN_AGAIN,
                 _("%s no longer accepts this sign-in (it was revoked or has expired): sign in again"),
                 provider->name);
  else
    ep_oauth_answer_set_error (answer, url, error);
}

static EpOAuthTokens *
tokens_from_answer (const EpOAuthProvider  *provider,
                    EpOAuthAnswer          *answer,
                    const char             *url,
                    GError                **error)
{
  if (answer->status / 100 != 2 || answer->error_code != NULL)
    {
      set_answer_error (provider, answer, url, error);
      return NULL;
    }
  return ep_oauth_answer_to_tokens (answer, error);
}

/* Adds the client's credentials to a form being built (RFC 6749 §2.3.1 allows them in the body;
 * a native app's secret is not confidential, RFC 8252 §8.5). */
static void
add_client (GPtrArray             *form,
            const EpOAuthProvider *provider)
{
  g_ptr_array_add (form, (gpointer) "client_id");
  g_ptr_array_add (form, provider->client_id);
  if (provider->client_secret != NULL && *provider->client_secret != '\0')
    {
      g_ptr_array_add (form, (gpointer) "client_secret");
      g_ptr_array_add (form, provider->client_secret);
    }
}

static EpOAuthAnswer *
post_form (const EpOAuthProvider  *provider,
           const char             *url,
           GPtrArray              *form,
           const EpOAuthOptions   *options,
           const char             *step,
           GCancellable           *cancellable,
           GError                **error)
{
  add_client (form, provider);
  g_ptr_array_add (form, NULL);
  return ep_oauth_endpoint_post (url, (const char * const *) form->pdata, options, step, cancellable, error);
}

/* Runs @context until @loop quits, @seconds pass (0: no limit; then *timed_out) or @cancellable
 * fires. */
typedef struct {
  GMainLoop *loop;
  gboolean   timed_out;
} Wait;

static gboolean
wait_timeout_cb (gpointer user_data)
{
  Wait *wait = user_data;

  wait->timed_out = TRUE;
  g_main_loop_quit (wait->loop);
  return G_SOURCE_REMOVE;
}

static gboolean
wait_cancelled_cb (GCancellable *cancellable,
                   gpointer      user_data)
{
  Wait *wait = user_data;

  g_main_loop_quit (wait->loop);
  return G_SOURCE_REMOVE;
}

static void
run_loop (GMainContext *context,
          Wait         *wait,
          guint         seconds,
          GCancellable *cancellable)
{
  g_autoptr(GSource) timeout = NULL;
  g_autoptr(GSource) cancelled = NULL;

  if (seconds > 0)
    {
      timeout = g_timeout_source_new_seconds (seconds);
      g_source_set_callback (timeout, wait_timeout_cb, wait, NULL);
      g_source_attach (timeout, context);
    }
  if (cancellable != NULL)
    {
      cancelled = g_cancellable_source_new (cancellable);
      g_source_set_callback (cancelled, G_SOURCE_FUNC (wait_cancelled_cb), wait, NULL);
      g_source_attach (cancelled, context);
    }
  if (!g_cancellable_is_cancelled (cancellable))
    g_main_loop_run (wait->loop);
  if (timeout != NULL)
    g_source_destroy (timeout);
  if (cancelled != NULL)
    g_source_destroy (cancelled);
}

/* Sleeps @seconds, or less when cancelled. */
static gboolean
sleep_cancellable (guint          seconds,
                   GCancellable  *cancellable,
                   GError       **error)
{
  g_autoptr(GMainContext) context = g_main_context_new ();
  g_autoptr(GMainLoop) loop = g_main_loop_new (context, FALSE);
  Wait wait = { loop, FALSE };

  run_loop (context, &wait, seconds, cancellable);
  return !g_cancellable_set_error_if_cancelled (cancellable, error);
}

/* ---- Browser flow ---------------------------------------------------------------------------- */

typedef struct {
  GMainLoop  *loop;
  const char *provider_name;
  const char *state;
  char       *code;
  GError     *error;
  gboolean    answered;
} Redirect;

static void
redirect_finished_cb (SoupServerMessage *message,
                      gpointer           user_data)
{
  Redirect *redirect = user_data;

  g_main_loop_quit (redirect->loop);
}

static void
respond_page (SoupServerMessage *message,
              guint              status,
              const char        *title,
              const char        *text)
{
  g_autofree char *title_escaped = g_markup_escape_text (title, -1);
  g_autofree char *text_escaped = g_markup_escape_text (text, -1);
  g_autofree char *page = g_strdup_printf ("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">"
                                           "<title>%s</title></head><body><h1>%s</h1><p>%s</p>"
                                           "</body></html>\n",
                                           title_escaped, title_escaped, text_escaped);

  soup_server_message_set_status (message, status, NULL);
  soup_server_message_set_response (message, "text/html; charset=utf-8", SOUP_MEMORY_COPY,
                                    page, strlen (page));
}

/* The browser comes back (RFC 6749 §4.1.2): with the code and our state, or with an error. */
static void
redirect_cb (SoupServer        *server,
             SoupServerMessage *message,
             const char        *path,
             GHashTable        *query,
             gpointer           user_data)
{
  Redirect *redirect = user_data;
  const char *state = query != NULL ? g_hash_table_lookup (query, "state") : NULL;
  const char *code = query != NULL ? g_hash_table_lookup (query, "code") : NULL;
  const char *error_code = query != NULL ? g_hash_table_lookup (query, "error") : NULL;

  /* Anything else a browser asks for (an icon) is not the redirect. */
  if (!g_str_equal (path, "/") || redirect->answered)
    {
      soup_server_message_set_status (message, SOUP_STATUS_NOT_FOUND, NULL);
      return;
    }
  redirect->answered = TRUE;
  g_signal_connect (message, "finished", G_CALLBACK (redirect_finished_cb), redirect);

  if (state == NULL || !g_str_equal (state, redirect->state))
    {
      g_set_error_literal (&redirect->error, EP_OAUTH_ERROR, EP_OAUTH_ERROR_STATE_MISMATCH,
                           _("The browser came back from another sign-in request than Epistle’s: "
                             "nothing was signed in"));
      respond_page (message, SOUP_STATUS_BAD_REQUEST, _("Sign-in failed"), redirect->error->message);
    }
  else if (error_code != NULL && g_str_equal (error_code, "access_denied"))
    {
      g_set_error (&redirect->error, EP_OAUTH_ERROR, EP_OAUTH_ERROR_ACCESS_DENIED,
                   _("The access to your %s account was declined"), redirect->provider_name);
      respond_page (message, SOUP_STATUS_OK, _("Sign-in cancelled"), redirect->error->message);
    }
  else if (error_code != NULL || code == NULL || *code == '\0')
    {
      const char *description = query != NULL ? g_hash_table_lookup (query, "error_description") : NULL;

      g_set_error (&redirect->error, EP_OAUTH_ERROR, EP_OAUTH_ERROR_SERVER,
                   _("The sign-in server refused: %s (%s)"),
                   error_code != NULL ? error_code : _("no authorization code"),
                   description != NULL ? description : "");
      respond_page (message, SOUP_STATUS_OK, _("Sign-in failed"), redirect->error->message);
    }
  else
    {
      redirect->code = g_strdup (code);
      respond_page (message, SOUP_STATUS_OK, _("Signed in"),
                    _("You can close this page and go back to Epistle."));
    }
}

/**
 * ep_oauth_sign_in_browser_sync:
 * @open_uri: shows the person the authorization page (the caller opens the system browser)
 *
 * Listens on 127.0.0.1 (a port the system picks) for the redirect, until it comes, the timeout
 * passes or @cancellable fires, then exchanges the code with the PKCE verifier.
 *
 * Returns: (transfer full): the tokens
 */
EpOAuthTokens *
ep_oauth_sign_in_browser_sync (const EpOAuthProvider  *provider,
                               const EpOAuthOptions   *options,
                               EpOAuthOpenUriFunc      open_uri,
                               gpointer                user_data,
                               GCancellable           *cancellable,
                               GError                **error)
{
  static const EpOAuthOptions no_options = { 0 };
  g_autoptr(GMainContext) context = NULL;
  g_autoptr(GMainLoop) loop = NULL;
  g_autoptr(SoupServer) server = NULL;
  g_autofree char *state = NULL;
  g_autofree char *verifier = NULL;
  g_autofree char *challenge = NULL;
  g_autofree char *redirect_uri = NULL;
  g_autoptr(GString) url = NULL;
  g_autoptr(GPtrArray) form = NULL;
  g_autoptr(EpOAuthAnswer) answer = NULL;
  GSList *uris;
  Redirect redirect = { 0 };
  Wait wait = { 0 };
  EpOAuthTokens *tokens;
  guint timeout;

  g_return_val_if_fail (provider != NULL, NULL);
  g_return_val_if_fail (open_uri != NULL, NULL);

  if (options == NULL)
    options = &no_options;
  if (!check_provider (provider, error))
    return NULL;
  if (provider->authorization_url == NULL)
    {
      g_set_error (error, EP_OAUTH_ERROR, EP_OAUTH_ERROR_UNKNOWN_PROVIDER,
                   _("%s has no authorization endpoint configured"), provider->name);
      return NULL;
    }

  /* The listener lives on a context of its own, so this works on any thread. */
  context = g_main_context_new ();
  g_main_context_push_thread_default (context);
  server = soup_server_new ("server-header", "Epistle", NULL);
  soup_server_add_handler (server, NULL, redirect_cb, &redirect, NULL);
  if (!soup_server_listen_local (server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, error))
    {
      g_main_context_pop_thread_default (context);
      return NULL;
    }
  uris = soup_server_get_uris (server);
  redirect_uri = g_strdup_printf ("http://127.0.0.1:%d/", g_uri_get_port (uris->data));
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);

  state = random_base64url (EP_OAUTH_STATE_OCTETS);
  verifier = random_base64url (EP_OAUTH_PKCE_VERIFIER_OCTETS);
  challenge = pkce_challenge (verifier);

  url = g_string_new (provider->authorization_url);
  append_param (url, "response_type", "code");
  append_param (url, "client_id", provider->client_id);
  append_param (url, "redirect_uri", redirect_uri);
  append_param (url, "scope", provider->scope);
  append_param (url, "state", state);
  append_param (url, "code_challenge", challenge);
  append_param (url, "code_challenge_method", "S256");
  if (options->login_hint != NULL && *options->login_hint != '\0')
    append_param (url, "login_hint", options->login_hint);

  loop = g_main_loop_new (context, FALSE);
  redirect.loop = loop;
  redirect.state = state;
  redirect.provider_name = provider->name;
  wait.loop = loop;
  timeout = options->timeout_seconds > 0 ? options->timeout_seconds : EP_OAUTH_DEFAULT_BROWSER_TIMEOUT;

  ep_oauth_transcript_info (options, "OAuth 2.0: authorization at %s, redirect to %s",
                            provider->authorization_url, redirect_uri);
  open_uri (url->str, user_data);
  run_loop (context, &wait, timeout, cancellable);

  soup_server_disconnect (server);
  g_clear_object (&server);
  g_main_context_pop_thread_default (context);

  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    {
      g_clear_error (&redirect.error);
      g_free (redirect.code);
      return NULL;
    }
  if (redirect.error != NULL)
    {
      g_propagate_error (error, redirect.error);
      g_free (redirect.code);
      return NULL;
    }
  if (redirect.code == NULL)
    {
      guint minutes = (timeout + 59) / 60;

      g_set_error (error, EP_OAUTH_ERROR, EP_OAUTH_ERROR_TIMEOUT,
                   g_dngettext (GETTEXT_PACKAGE, "The browser did not come back from %s within %u minute",
                                "The browser did not come back from %s within %u minutes", minutes),
                   provider->name, minutes);
      return NULL;
    }

  form = g_ptr_array_new ();
  g_ptr_array_add (form, (gpointer) "grant_type");
  g_ptr_array_add (form, (gpointer) "authorization_code");
  g_ptr_array_add (form, (gpointer) "code");
  g_ptr_array_add (form, redirect.code);
  g_ptr_array_add (form, (gpointer) "redirect_uri");
  g_ptr_array_add (form, redirect_uri);
  g_ptr_array_add (form, (gpointer) "code_verifier");
  g_ptr_array_add (form, verifier);
  answer = post_form (provider, provider->token_url, form, options, "token: authorization code",
                      cancellable, error);
  explicit_bzero (redirect.code, strlen (redirect.code));
  g_free (redirect.code);
  if (answer == NULL)
    return NULL;
  tokens = tokens_from_answer (provider, answer, provider->token_url, error);
  if (tokens != NULL)
    ep_oauth_transcript_info (options, "OAuth 2.0: signed in%s%s", tokens->account != NULL ? " as " : "",
                              tokens->account != NULL ? tokens->account : "");
  return tokens;
}

/* ---- Device flow ----------------------------------------------------------------------------- */

/**
 * ep_oauth_sign_in_device_sync:
 * @show_code: shows the person the code and where to enter it
 *
 * Asks for a device code, then polls the token endpoint at the server's interval (slower after
 * "slow_down") until the person has signed in, declined, or the code expired.
 *
 * Returns: (transfer full): the tokens
 */
EpOAuthTokens *
ep_oauth_sign_in_device_sync (const EpOAuthProvider  *provider,
                              const EpOAuthOptions   *options,
                              EpOAuthDeviceCodeFunc   show_code,
                              gpointer                user_data,
                              GCancellable           *cancellable,
                              GError                **error)
{
  g_autoptr(GPtrArray) form = NULL;
  g_autoptr(EpOAuthAnswer) answer = NULL;
  g_autofree char *device_code = NULL;
  const char *user_code;
  const char *verification_uri;
  gint64 expires_in;
  gint64 interval;
  gint64 deadline;

  g_return_val_if_fail (provider != NULL, NULL);
  g_return_val_if_fail (show_code != NULL, NULL);

  if (provider->device_url == NULL)
    {
      g_set_error (error, EP_OAUTH_ERROR, EP_OAUTH_ERROR_NO_DEVICE_FLOW,
                   _("%s does not offer sign-in with a code for sending mail: sign in with the browser"),
                   provider->name);
      return NULL;
    }
  if (!check_provider (provider, error))
    return NULL;

  form = g_ptr_array_new ();
  g_ptr_array_add (form, (gpointer) "scope");
  g_ptr_array_add (form, provider->scope);
  answer = post_form (provider, provider->device_url, form, options, "device authorization",
                      cancellable, error);
  if (answer == NULL)
    return NULL;
  if (answer->status / 100 != 2 || answer->error_code != NULL)
    {
      set_answer_error (provider, answer, provider->device_url, error);
      return NULL;
    }

  user_code = ep_oauth_answer_get_string (answer, "user_code");
  /* Google spells it verification_url. */
  verification_uri = ep_oauth_answer_get_string (answer, "verification_uri");
  if (verification_uri == NULL)
    verification_uri = ep_oauth_answer_get_string (answer, "verification_url");
  device_code = g_strdup (ep_oauth_answer_get_string (answer, "device_code"));
  expires_in = ep_oauth_answer_get_int (answer, "expires_in", 0);
  interval = ep_oauth_answer_get_int (answer, "interval", EP_OAUTH_DEVICE_DEFAULT_INTERVAL);
  if (user_code == NULL || verification_uri == NULL || device_code == NULL || expires_in <= 0)
    {
      g_set_error_literal (error, EP_OAUTH_ERROR, EP_OAUTH_ERROR_PROTOCOL,
                           _("The sign-in server's device code answer is incomplete"));
      return NULL;
    }
  if (interval < 1)
    interval = 1;
  deadline = g_get_monotonic_time () + expires_in * G_USEC_PER_SEC;

  show_code (user_code, verification_uri, ep_oauth_answer_get_string (answer, "verification_uri_complete"),
             (guint) MIN (expires_in, G_MAXUINT), user_data);

  for (;;)
    {
      g_autoptr(EpOAuthAnswer) poll = NULL;
      g_autoptr(GPtrArray) poll_form = NULL;

      if (!sleep_cancellable ((guint) interval, cancellable, error))
        return NULL;
      if (g_get_monotonic_time () >= deadline)
        {
          g_set_error_literal (error, EP_OAUTH_ERROR, EP_OAUTH_ERROR_EXPIRED,
                               _("The sign-in code expired before it was entered: start again"));
          return NULL;
        }

      poll_form = g_ptr_array_new ();
      g_ptr_array_add (poll_form, (gpointer) "grant_type");
      g_ptr_array_add (poll_form, (gpointer) EP_OAUTH_DEVICE_GRANT_TYPE);
      g_ptr_array_add (poll_form, (gpointer) "device_code");
      g_ptr_array_add (poll_form, device_code);
      poll = post_form (provider, provider->token_url, poll_form, options, "token: device code",
                        cancellable, error);
      if (poll == NULL)
        return NULL;
      if (g_strcmp0 (poll->error_code, "authorization_pending") == 0)
        continue;
      if (g_strcmp0 (poll->error_code, "slow_down") == 0)
        {
          interval += EP_OAUTH_DEVICE_SLOW_DOWN_STEP;
          continue;
        }
      return tokens_from_answer (provider, poll, provider->token_url, error);
    }
}

/* ---- Refresh --------------------------------------------------------------------------------- */

EpOAuthTokens *
ep_oauth_refresh_sync (const EpOAuthProvider  *provider,
                       const EpOAuthOptions   *options,
                       const char             *refresh_token,
                       GCancellable           *cancellable,
                       GError                **error)
{
  g_autoptr(GPtrArray) form = NULL;
  g_autoptr(EpOAuthAnswer) answer = NULL;

  g_return_val_if_fail (provider != NULL, NULL);
  g_return_val_if_fail (refresh_token != NULL, NULL);

  if (!check_provider (provider, error))
    return NULL;

  form = g_ptr_array_new ();
  g_ptr_array_add (form, (gpointer) "grant_type");
  g_ptr_array_add (form, (gpointer) "refresh_token");
  g_ptr_array_add (form, (gpointer) "refresh_token");
  g_ptr_array_add (form, (gpointer) refresh_token);
  answer = post_form (provider, provider->token_url, form, options, "token: refresh", cancellable, error);
  if (answer == NULL)
    return NULL;
  return tokens_from_answer (provider, answer, provider->token_url, error);
}

/* ---- Asynchronous sign-in -------------------------------------------------------------------- */

typedef struct {
  EpOAuthProvider       *provider;
  EpOAuthFlow            flow;
  GTlsDatabase          *tls_database;
  guint                  timeout_seconds;
  char                  *login_hint;
  EpOAuthOpenUriFunc     open_uri;
  EpOAuthDeviceCodeFunc  show_code;
  gpointer               user_data;
  GMainContext          *context;
  GTask                 *task;   /* not a reference: the task owns this */
} SignIn;

static void
sign_in_free (SignIn *sign_in)
{
  ep_oauth_provider_free (sign_in->provider);
  g_clear_object (&sign_in->tls_database);
  g_free (sign_in->login_hint);
  g_main_context_unref (sign_in->context);
  g_free (sign_in);
}

/* One call of the caller's function, carried to its context. */
typedef struct {
  GTask  *task;      /* keeps @sign_in alive until the call is made */
  SignIn *sign_in;
  char   *uri;
  char   *user_code;
  char   *uri_complete;
  guint   expires_in;
} Relay;

static void
relay_free (Relay *relay)
{
  g_free (relay->uri);
  g_free (relay->user_code);
  g_free (relay->uri_complete);
  g_object_unref (relay->task);
  g_free (relay);
}

static gboolean
relay_cb (gpointer data)
{
  Relay *relay = data;

  if (relay->user_code != NULL)
    relay->sign_in->show_code (relay->user_code, relay->uri, relay->uri_complete, relay->expires_in,
                               relay->sign_in->user_data);
  else
    relay->sign_in->open_uri (relay->uri, relay->sign_in->user_data);
  return G_SOURCE_REMOVE;
}

static void
thread_open_uri (const char *uri,
                 gpointer    user_data)
{
  SignIn *sign_in = user_data;
  Relay *relay = g_new0 (Relay, 1);

  relay->task = g_object_ref (sign_in->task);
  relay->sign_in = sign_in;
  relay->uri = g_strdup (uri);
  g_main_context_invoke_full (sign_in->context, G_PRIORITY_DEFAULT, relay_cb, relay, (GDestroyNotify) relay_free);
}

static void
thread_show_code (const char *user_code,
                  const char *verification_uri,
                  const char *verification_uri_complete,
                  guint       expires_in,
                  gpointer    user_data)
{
  SignIn *sign_in = user_data;
  Relay *relay = g_new0 (Relay, 1);

  relay->task = g_object_ref (sign_in->task);
  relay->sign_in = sign_in;
  relay->user_code = g_strdup (user_code);
  relay->uri = g_strdup (verification_uri);
  relay->uri_complete = g_strdup (verification_uri_complete);
  relay->expires_in = expires_in;
  g_main_context_invoke_full (sign_in->context, G_PRIORITY_DEFAULT, relay_cb, relay, (GDestroyNotify) relay_free);
}

static void
sign_in_thread (GTask        *task,
                gpointer      source_object,
                gpointer      task_data,
                GCancellable *cancellable)
{
  SignIn *sign_in = task_data;
  EpOAuthOptions options = {
    .tls_database = sign_in->tls_database,
    .timeout_seconds = sign_in->timeout_seconds,
    .login_hint = sign_in->login_hint,
  };
  GError *error = NULL;
  EpOAuthTokens *tokens;

  if (sign_in->flow == EP_OAUTH_FLOW_DEVICE)
    tokens = ep_oauth_sign_in_device_sync (sign_in->provider, &options, thread_show_code, sign_in,
                                           cancellable, &error);
  else
    tokens = ep_oauth_sign_in_browser_sync (sign_in->provider, &options, thread_open_uri, sign_in,
                                            cancellable, &error);
  if (tokens != NULL)
    g_task_return_pointer (task, tokens, (GDestroyNotify) ep_oauth_tokens_free);
  else
    g_task_return_error (task, error);
}

void
ep_oauth_sign_in_async (const EpOAuthProvider  *provider,
                        EpOAuthFlow             flow,
                        const EpOAuthOptions   *options,
                        EpOAuthOpenUriFunc      open_uri,
                        EpOAuthDeviceCodeFunc   show_code,
                        gpointer                user_data,
                        GCancellable           *cancellable,
                        GAsyncReadyCallback     callback,
                        gpointer                callback_data)
{
  g_autoptr(GTask) task = NULL;
  SignIn *sign_in;

  g_return_if_fail (provider != NULL);
  g_return_if_fail (flow == EP_OAUTH_FLOW_DEVICE ? show_code != NULL : open_uri != NULL);

  sign_in = g_new0 (SignIn, 1);
  sign_in->provider = ep_oauth_provider_copy (provider);
  sign_in->flow = flow;
  if (options != NULL)
    {
      g_set_object (&sign_in->tls_database, options->tls_database);
      sign_in->timeout_seconds = options->timeout_seconds;
      sign_in->login_hint = g_strdup (options->login_hint);
    }
  sign_in->open_uri = open_uri;
  sign_in->show_code = show_code;
  sign_in->user_data = user_data;
  sign_in->context = g_main_context_ref_thread_default ();

  task = g_task_new (NULL, cancellable, callback, callback_data);
  g_task_set_source_tag (task, ep_oauth_sign_in_async);
  sign_in->task = task;
  g_task_set_task_data (task, sign_in, (GDestroyNotify) sign_in_free);
  g_task_run_in_thread (task, sign_in_thread);
}

/* Returns: (transfer full): the tokens; save them with ep_oauth_account_save_sync() */
EpOAuthTokens *
ep_oauth_sign_in_finish (GAsyncResult  *result,
                         GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == ep_oauth_sign_in_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}
