/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-oauth-server.c: the fake authorization server: libsoup's server on a thread with its own
 * main context, state behind one lock. */
#include "config.h"

#include <string.h>

#include <libsoup/soup.h>

#include "ep-oauth-server.h"
#include "ep-test-certs.h"

struct _EpOAuthServer {
  GMutex             lock;
  GThread           *thread;
  GMainContext      *context;
  GMainLoop         *loop;
  SoupServer        *server;
  guint16            port;

  EpOAuthConsent     consent;
  guint              expires_in;
  GHashTable        *codes;           /* code → Grant */
  GHashTable        *refresh_tokens;  /* the valid ones */
  GQueue             device_script;
  GHashTable        *counts;          /* what → count */
  GHashTable        *last_request;    /* the last /authorize query */
  guint              n_access;
  guint              n_refresh;
  guint              n_codes;
  EpOAuthServerHook  refresh_hook;
  gpointer           refresh_hook_data;
};

typedef struct {
  char *challenge;
  char *redirect_uri;
} Grant;

static void
grant_free (Grant *grant)
{
  g_free (grant->challenge);
  g_free (grant->redirect_uri);
  g_free (grant);
}

char *
ep_oauth_server_access_token (guint number)
{
  return g_strdup_printf ("epistle-test-access-%04u", number);
}

char *
ep_oauth_server_refresh_token (guint number)
{
  return g_strdup_printf ("epistle-test-refresh-%04u", number);
}

static void
count (EpOAuthServer *self,
       const char    *what)
{
  guint n = GPOINTER_TO_UINT (g_hash_table_lookup (self->counts, what));

  g_hash_table_replace (self->counts, g_strdup (what), GUINT_TO_POINTER (n + 1));
}

static void
respond_json (SoupServerMessage *message,
              guint              status,
              const char        *json)
{
  soup_server_message_set_status (message, status, NULL);
  soup_server_message_set_response (message, "application/json", SOUP_MEMORY_COPY, json, strlen (json));
}

static void
respond_error (SoupServerMessage *message,
               const char        *code)
{
  g_autofree char *json = g_strdup_printf ("{\"error\": \"%s\", \"error_description\": \"test server: %s\"}",
                                           code, code);

  respond_json (message, SOUP_STATUS_BAD_REQUEST, json);
}

static char *
base64url (const char *data,
           gsize       len)
{
  char *text = g_base64_encode ((const guchar *) data, len);
  char *end = strchr (text, '=');

  if (end != NULL)
    *end = '\0';
  g_strdelimit (text, "+", '-');
  g_strdelimit (text, "/", '_');
  return text;
}

/* With the lock held: new tokens, the refresh token remembered as valid. */
static void
respond_tokens (EpOAuthServer     *self,
                SoupServerMessage *message,
                gboolean           with_id_token)
{
  g_autofree char *access = ep_oauth_server_access_token (++self->n_access);
  g_autofree char *refresh = ep_oauth_server_refresh_token (++self->n_refresh);
  g_autofree char *payload = g_strdup_printf ("{\"email\": \"%s\"}", EP_OAUTH_SERVER_ACCOUNT);
  g_autofree char *payload64 = base64url (payload, strlen (payload));
  g_autofree char *id_token = g_strdup_printf ("eyJhbGciOiJub25lIn0.%s.", payload64);
  g_autofree char *json = NULL;

  g_hash_table_add (self->refresh_tokens, g_strdup (refresh));
  json = g_strdup_printf ("{\"access_token\": \"%s\", \"token_type\": \"Bearer\", \"expires_in\": %u, "
                          "\"refresh_token\": \"%s\"%s%s%s}",
                          access, self->expires_in, refresh,
                          with_id_token ? ", \"id_token\": \"" : "", with_id_token ? id_token : "",
                          with_id_token ? "\"" : "");
  respond_json (message, SOUP_STATUS_OK, json);
}

static void
authorize_cb (SoupServer        *server,
              SoupServerMessage *message,
              const char        *path,
              GHashTable        *query,
              gpointer           user_data)
{
  EpOAuthServer *self = user_data;
  const char *redirect_uri = query != NULL ? g_hash_table_lookup (query, "redirect_uri") : NULL;
  const char *state = query != NULL ? g_hash_table_lookup (query, "state") : NULL;
  const char *challenge = query != NULL ? g_hash_table_lookup (query, "code_challenge") : NULL;
  g_autofree char *location = NULL;
  g_autofree char *state_escaped = NULL;

  g_mutex_lock (&self->lock);
  count (self, "authorize");
  g_clear_pointer (&self->last_request, g_hash_table_unref);
  if (query != NULL)
    self->last_request = g_hash_table_ref (query);

  if (redirect_uri == NULL || !g_str_has_prefix (redirect_uri, "http://127.0.0.1:") || state == NULL ||
      challenge == NULL || g_strcmp0 (g_hash_table_lookup (query, "code_challenge_method"), "S256") != 0 ||
      g_strcmp0 (g_hash_table_lookup (query, "response_type"), "code") != 0 ||
      g_strcmp0 (g_hash_table_lookup (query, "client_id"), EP_OAUTH_SERVER_CLIENT_ID) != 0)
    {
      g_mutex_unlock (&self->lock);
      soup_server_message_set_status (message, SOUP_STATUS_BAD_REQUEST, NULL);
      return;
    }

  state_escaped = g_uri_escape_string (self->consent == EP_OAUTH_CONSENT_WRONG_STATE ? "not-the-state" : state,
                                       NULL, FALSE);
  if (self->consent == EP_OAUTH_CONSENT_DENY)
    location = g_strdup_printf ("%s?error=access_denied&state=%s", redirect_uri, state_escaped);
  else
    {
      g_autofree char *code = g_strdup_printf ("code-%u", ++self->n_codes);
      Grant *grant = g_new0 (Grant, 1);

      grant->challenge = g_strdup (challenge);
      grant->redirect_uri = g_strdup (redirect_uri);
      g_hash_table_replace (self->codes, g_strdup (code), grant);
      location = g_strdup_printf ("%s?code=%s&state=%s", redirect_uri, code, state_escaped);
    }
  g_mutex_unlock (&self->lock);
  soup_server_message_set_redirect (message, SOUP_STATUS_FOUND, location);
}

static void
token_cb (SoupServer        *server,
          SoupServerMessage *message,
          const char        *path,
          GHashTable        *query,
          gpointer           user_data)
{
  EpOAuthServer *self = user_data;
  SoupMessageBody *body = soup_server_message_get_request_body (message);
  g_autofree char *text = g_strndup (body->data, body->length);
  g_autoptr(GHashTable) form = soup_form_decode (text);
  const char *grant_type = g_hash_table_lookup (form, "grant_type");
  EpOAuthServerHook hook = NULL;
  gpointer hook_data = NULL;

  if (g_strcmp0 (soup_server_message_get_method (message), "POST") != 0 ||
      g_strcmp0 (g_hash_table_lookup (form, "client_id"), EP_OAUTH_SERVER_CLIENT_ID) != 0)
    {
      respond_error (message, "invalid_client");
      return;
    }

  if (g_strcmp0 (grant_type, "refresh_token") == 0)
    {
      g_mutex_lock (&self->lock);
      hook = self->refresh_hook;
      hook_data = self->refresh_hook_data;
      g_mutex_unlock (&self->lock);
      if (hook != NULL)
        hook (hook_data);
    }

  g_mutex_lock (&self->lock);
  if (g_strcmp0 (grant_type, "authorization_code") == 0)
    {
      const char *code = g_hash_table_lookup (form, "code");
      const char *verifier = g_hash_table_lookup (form, "code_verifier");
      Grant *grant = code != NULL ? g_hash_table_lookup (self->codes, code) : NULL;
      g_autofree char *challenge = NULL;

      if (verifier != NULL)
        {
          g_autoptr(GChecksum) checksum = g_checksum_new (G_CHECKSUM_SHA256);
          guint8 digest[32];
          gsize len = sizeof digest;

          g_checksum_update (checksum, (const guchar *) verifier, strlen (verifier));
          g_checksum_get_digest (checksum, digest, &len);
          challenge = base64url ((const char *) digest, len);
        }
      if (grant == NULL || g_strcmp0 (g_hash_table_lookup (form, "redirect_uri"), grant->redirect_uri) != 0)
        respond_error (message, "invalid_grant");
      else if (challenge == NULL || !g_str_equal (challenge, grant->challenge))
        {
          count (self, "pkce-failure");
          respond_error (message, "invalid_grant");
        }
      else
        {
          count (self, "code");
          respond_tokens (self, message, TRUE);
        }
      /* A code is good for one exchange (RFC 6749 §4.1.2). */
      if (code != NULL)
        g_hash_table_remove (self->codes, code);
    }
  else if (g_strcmp0 (grant_type, "refresh_token") == 0)
    {
      const char *refresh = g_hash_table_lookup (form, "refresh_token");

      if (refresh == NULL || !g_hash_table_remove (self->refresh_tokens, refresh))
        {
          count (self, "refresh-refused");
          respond_error (message, "invalid_grant");
        }
      else
        {
          count (self, "refresh");
          respond_tokens (self, message, FALSE);
        }
    }
  else if (g_strcmp0 (grant_type, "urn:ietf:params:oauth:grant-type:device_code") == 0)
    {
      g_autofree char *answer = g_queue_pop_head (&self->device_script);

      count (self, "poll");
      if (g_strcmp0 (g_hash_table_lookup (form, "device_code"), "device-code-1") != 0)
        respond_error (message, "invalid_grant");
      else if (answer == NULL || g_str_equal (answer, "ok"))
        respond_tokens (self, message, TRUE);
      else
        respond_error (message, answer);
    }
  else
    respond_error (message, "unsupported_grant_type");
  g_mutex_unlock (&self->lock);
}

static void
device_cb (SoupServer        *server,
           SoupServerMessage *message,
           const char        *path,
           GHashTable        *query,
           gpointer           user_data)
{
  EpOAuthServer *self = user_data;
  g_autofree char *json = NULL;

  g_mutex_lock (&self->lock);
  count (self, "device");
  json = g_strdup_printf ("{\"device_code\": \"device-code-1\", \"user_code\": \"%s\", "
                          "\"verification_uri\": \"https://127.0.0.1:%u/activate\", "
                          "\"expires_in\": 30, \"interval\": 1}",
                          EP_OAUTH_SERVER_USER_CODE, self->port);
  g_mutex_unlock (&self->lock);
  respond_json (message, SOUP_STATUS_OK, json);
}

static gpointer
server_thread (gpointer data)
{
  EpOAuthServer *self = data;

  g_main_context_push_thread_default (self->context);
  g_main_loop_run (self->loop);
  g_main_context_pop_thread_default (self->context);
  return NULL;
}

EpOAuthServer *
ep_oauth_server_new (void)
{
  EpOAuthServer *self = g_new0 (EpOAuthServer, 1);
  g_autoptr(GTlsCertificate) certificate = NULL;
  g_autoptr(GError) error = NULL;
  GSList *uris;

  g_mutex_init (&self->lock);
  self->expires_in = 3600;
  self->codes = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) grant_free);
  self->refresh_tokens = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->counts = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_queue_init (&self->device_script);

  certificate = ep_test_certs_load ("good", &error);
  g_assert_no_error (error);
  self->context = g_main_context_new ();
  self->loop = g_main_loop_new (self->context, FALSE);
  g_main_context_push_thread_default (self->context);
  self->server = soup_server_new ("tls-certificate", certificate, NULL);
  soup_server_add_handler (self->server, "/authorize", authorize_cb, self, NULL);
  soup_server_add_handler (self->server, "/token", token_cb, self, NULL);
  soup_server_add_handler (self->server, "/device", device_cb, self, NULL);
  g_assert_true (soup_server_listen_local (self->server, 0,
                                           SOUP_SERVER_LISTEN_IPV4_ONLY | SOUP_SERVER_LISTEN_HTTPS, &error));
  g_assert_no_error (error);
  g_main_context_pop_thread_default (self->context);
  uris = soup_server_get_uris (self->server);
  self->port = g_uri_get_port (uris->data);
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);

  self->thread = g_thread_new ("oauth-server", server_thread, self);
  return self;
}

static gboolean
stop_cb (gpointer data)
{
  EpOAuthServer *self = data;

  soup_server_disconnect (self->server);
  g_main_loop_quit (self->loop);
  return G_SOURCE_REMOVE;
}

void
ep_oauth_server_free (EpOAuthServer *self)
{
  if (self == NULL)
    return;
  g_main_context_invoke (self->context, stop_cb, self);
  g_thread_join (self->thread);
  g_main_context_push_thread_default (self->context);
  g_clear_object (&self->server);
  while (g_main_context_iteration (self->context, FALSE))
    ;
  g_main_context_pop_thread_default (self->context);
  g_main_loop_unref (self->loop);
  g_main_context_unref (self->context);
  g_hash_table_unref (self->codes);
  g_hash_table_unref (self->refresh_tokens);
  g_hash_table_unref (self->counts);
  g_clear_pointer (&self->last_request, g_hash_table_unref);
  g_queue_clear_full (&self->device_script, g_free);
  g_mutex_clear (&self->lock);
  g_free (self);
}

char *
ep_oauth_server_dup_url (EpOAuthServer *self,
                         const char    *path)
{
  return g_strdup_printf ("https://127.0.0.1:%u%s", self->port, path);
}

EpOAuthProvider *
ep_oauth_server_dup_provider (EpOAuthServer *self)
{
  g_autofree char *authorize = ep_oauth_server_dup_url (self, "/authorize");
  g_autofree char *token = ep_oauth_server_dup_url (self, "/token");
  g_autofree char *device = ep_oauth_server_dup_url (self, "/device");
  EpOAuthProvider *provider = ep_oauth_provider_new_custom (authorize, token, device, EP_OAUTH_SERVER_SCOPE,
                                                            EP_SMTP_AUTH_XOAUTH2);

  provider->client_id = g_strdup (EP_OAUTH_SERVER_CLIENT_ID);
  return provider;
}

void
ep_oauth_server_set_consent (EpOAuthServer  *self,
                             EpOAuthConsent  consent)
{
  g_mutex_lock (&self->lock);
  self->consent = consent;
  g_mutex_unlock (&self->lock);
}

void
ep_oauth_server_set_device_script (EpOAuthServer      *self,
                                   const char * const *answers)
{
  g_mutex_lock (&self->lock);
  g_queue_clear_full (&self->device_script, g_free);
  for (guint i = 0; answers[i] != NULL; i++)
    g_queue_push_tail (&self->device_script, g_strdup (answers[i]));
  g_mutex_unlock (&self->lock);
}

void
ep_oauth_server_set_expires_in (EpOAuthServer *self,
                                guint          seconds)
{
  g_mutex_lock (&self->lock);
  self->expires_in = seconds;
  g_mutex_unlock (&self->lock);
}

void
ep_oauth_server_revoke (EpOAuthServer *self)
{
  g_mutex_lock (&self->lock);
  g_hash_table_remove_all (self->refresh_tokens);
  g_mutex_unlock (&self->lock);
}

void
ep_oauth_server_set_refresh_hook (EpOAuthServer     *self,
                                  EpOAuthServerHook  hook,
                                  gpointer           user_data)
{
  g_mutex_lock (&self->lock);
  self->refresh_hook = hook;
  self->refresh_hook_data = user_data;
  g_mutex_unlock (&self->lock);
}

guint
ep_oauth_server_count (EpOAuthServer *self,
                       const char    *what)
{
  guint n;

  g_mutex_lock (&self->lock);
  n = GPOINTER_TO_UINT (g_hash_table_lookup (self->counts, what));
  g_mutex_unlock (&self->lock);
  return n;
}

char *
ep_oauth_server_dup_request_param (EpOAuthServer *self,
                                   const char    *name)
{
  char *value;

  g_mutex_lock (&self->lock);
  value = self->last_request != NULL ? g_strdup (g_hash_table_lookup (self->last_request, name)) : NULL;
  g_mutex_unlock (&self->lock);
  return value;
}
