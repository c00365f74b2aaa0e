/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-oauth-endpoint.c: form POSTs to OAuth endpoints with libsoup. A session per request: they
 * are rare (a sign-in, a refresh an hour), and a session of its own keeps each thread's requests
 * on that thread. Bodies are never logged: they carry codes and tokens. */
#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>
#include <libsoup/soup.h>

#include "ep-oauth-endpoint.h"
#include "ep-oauth-error.h"

/* An endpoint's answer is a small JSON object; anything much bigger is not one. */
#define EP_OAUTH_ANSWER_MAX (64 * 1024)

void
ep_oauth_transcript_info (const EpOAuthOptions *options,
                          const char           *format,
                          ...)
{
  g_autofree char *line = NULL;
  va_list args;

  va_start (args, format);
  line = g_strdup_vprintf (format, args);
  va_end (args);
  g_debug ("%s", line);
  if (options != NULL && options->transcript != NULL)
    ep_smtp_transcript_add (options->transcript, EP_SMTP_TRANSCRIPT_INFO, line);
}

void
ep_oauth_answer_free (EpOAuthAnswer *answer)
{
  if (answer == NULL)
    return;
  g_clear_pointer (&answer->object, json_object_unref);
  g_free (answer->error_code);
  g_free (answer->error_description);
  g_free (answer);
}

static char *
encode_form (const char * const *form)
{
  GString *body = g_string_new (NULL);

  for (guint i = 0; form[i] != NULL && form[i + 1] != NULL; i += 2)
    {
      g_autofree char *value = g_uri_escape_string (form[i + 1], NULL, FALSE);

      if (body->len > 0)
        g_string_append_c (body, '&');
      g_string_append_printf (body, "%s=%s", form[i], value);
      explicit_bzero (value, strlen (value));
    }
  return g_string_free (body, FALSE);
}

static void
wipe_bytes (GBytes *bytes)
{
  gsize len = 0;
  gconstpointer data = g_bytes_get_data (bytes, &len);

  /* Our own copy, released right after: the token must not linger in freed memory. */
  if (data != NULL && len > 0)
    explicit_bzero ((gpointer) data, len);
}

EpOAuthAnswer *
ep_oauth_endpoint_post (const char           *url,
                        const char * const   *form,
                        const EpOAuthOptions *options,
                        const char           *step,
                        GCancellable         *cancellable,
                        GError              **error)
{
  g_autoptr(SoupSession) session = NULL;
  g_autoptr(SoupMessage) message = NULL;
  g_autoptr(GTlsDatabase) database = ep_oauth_options_dup_tls_database (options);
  g_autoptr(GBytes) body = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autoptr(JsonParser) parser = NULL;
  g_autofree char *encoded = NULL;
  g_autoptr(EpOAuthAnswer) answer = NULL;
  JsonNode *root;
  const char *content_type;

  g_return_val_if_fail (url != NULL, NULL);

  /* RFC 6749 §3.1/§3.2 want TLS for every endpoint; only a loopback test server is exempt, and
   * only with a certificate the caller trusts, so plain http is refused outright. */
  if (g_ascii_strncasecmp (url, "https://", strlen ("https://")) != 0)
    {
      g_set_error (error, EP_OAUTH_ERROR, EP_OAUTH_ERROR_NETWORK,
                   _("The sign-in endpoint %s does not use HTTPS"), url);
      return NULL;
    }

  session = soup_session_new_with_options ("timeout", EP_OAUTH_HTTP_TIMEOUT,
                                           "user-agent", "Epistle/" PACKAGE_VERSION,
                                           NULL);
  if (database != NULL)
    soup_session_set_tls_database (session, database);

  encoded = encode_form (form);
  message = soup_message_new (SOUP_METHOD_POST, url);
  if (message == NULL)
    {
      explicit_bzero (encoded, strlen (encoded));
      g_set_error (error, EP_OAUTH_ERROR, EP_OAUTH_ERROR_PROTOCOL,
                   _("The sign-in endpoint “%s” is not a valid address"), url);
      return NULL;
    }
  soup_message_headers_append (soup_message_get_request_headers (message), "Accept", "application/json");
  {
    gsize encoded_len = strlen (encoded);
    g_autoptr(GBytes) request_body = g_bytes_new_take (g_steal_pointer (&encoded), encoded_len);

    soup_message_set_request_body_from_bytes (message, "application/x-www-form-urlencoded", request_body);
  }

  ep_oauth_transcript_info (options, "OAuth 2.0: POST %s (%s)", url, step);
  body = soup_session_send_and_read (session, message, cancellable, &local_error);
  if (body == NULL)
    {
      if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_propagate_error (error, g_steal_pointer (&local_error));
      else
        {
          ep_oauth_transcript_info (options, "OAuth 2.0: no answer: %s", local_error->message);
          g_set_error (error, EP_OAUTH_ERROR, EP_OAUTH_ERROR_NETWORK,
                       _("Could not reach the sign-in server %s: %s"), url, local_error->message);
        }
      return NULL;
    }

  answer = g_new0 (EpOAuthAnswer, 1);
  answer->status = soup_message_get_status (message);
  ep_oauth_transcript_info (options, "OAuth 2.0: %u %s", answer->status,
                            soup_message_get_reason_phrase (message) != NULL ? soup_message_get_reason_phrase (message) : "");

  content_type = soup_message_headers_get_content_type (soup_message_get_response_headers (message), NULL);
  parser = json_parser_new ();
  if (g_bytes_get_size (body) <= EP_OAUTH_ANSWER_MAX &&
      (content_type == NULL || strstr (content_type, "json") != NULL || answer->status >= 400) &&
      json_parser_load_from_data (parser, g_bytes_get_data (body, NULL), g_bytes_get_size (body), NULL))
    {
      root = json_parser_get_root (parser);
      if (root != NULL && JSON_NODE_HOLDS_OBJECT (root))
        answer->object = json_object_ref (json_node_get_object (root));
    }
  wipe_bytes (body);

  if (answer->object != NULL && json_object_has_member (answer->object, "error"))
    {
      answer->error_code = g_strdup (ep_oauth_answer_get_string (answer, "error"));
      answer->error_description = g_strdup (ep_oauth_answer_get_string (answer, "error_description"));
      if (answer->error_code != NULL)
        ep_oauth_transcript_info (options, "OAuth 2.0: error %s", answer->error_code);
    }
  return g_steal_pointer (&answer);
}

const char *
ep_oauth_answer_get_string (const EpOAuthAnswer *answer,
                            const char          *member)
{
  JsonNode *node;

  if (answer->object == NULL)
    return NULL;
  node = json_object_get_member (answer->object, member);
  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (node);
}

gint64
ep_oauth_answer_get_int (const EpOAuthAnswer *answer,
                         const char          *member,
                         gint64               fallback)
{
  JsonNode *node;
  gint64 value;

  if (answer->object == NULL)
    return fallback;
  node = json_object_get_member (answer->object, member);
  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node))
    return fallback;
  if (json_node_get_value_type (node) == G_TYPE_INT64)
    return json_node_get_int (node);
  if (json_node_get_value_type (node) == G_TYPE_DOUBLE)
    return (gint64) json_node_get_double (node);
  if (json_node_get_value_type (node) == G_TYPE_STRING &&
      g_ascii_string_to_signed (json_node_get_string (node), 10, 0, G_MAXINT32, &value, NULL))
    return value;
  return fallback;
}

void
ep_oauth_answer_set_error (const EpOAuthAnswer  *answer,
                           const char           *url,
                           GError              **error)
{
  if (answer->error_code != NULL && answer->error_description != NULL)
    g_set_error (error, EP_OAUTH_ERROR, EP_OAUTH_ERROR_SERVER,
                 /* Translators: "The sign-in server refused: invalid_client (Unknown client)" */
                 _("The sign-in server refused: %s (%s)"), answer->error_code, answer->error_description);
  else if (answer->error_code != NULL)
    g_set_error (error, EP_OAUTH_ERROR, EP_OAUTH_ERROR_SERVER,
                 _("The sign-in server refused: %s"), answer->error_code);
  else
    g_set_error (error, EP_OAUTH_ERROR, EP_OAUTH_ERROR_SERVER,
                 _("The sign-in server %s answered with HTTP status %u"), url, answer->status);
}

/* The account name in an id token (RFC 7519 JWT, its payload base64url): for display only, so
 * its signature is not checked; nothing is decided on it. */
static char *
account_from_id_token (const char *id_token)
{
  g_auto(GStrv) parts = NULL;
  g_autofree guchar *payload = NULL;
  g_autoptr(JsonParser) parser = NULL;
  GString *b64;
  gsize len = 0;
  JsonNode *root;
  JsonObject *object;
  const char *names[] = { "email", "preferred_username" };

  parts = g_strsplit (id_token, ".", 4);
  if (g_strv_length (parts) != 3)
    return NULL;
  b64 = g_string_new (parts[1]);
  g_strdelimit (b64->str, "-", '+');
  g_strdelimit (b64->str, "_", '/');
  while (b64->len % 4 != 0)
    g_string_append_c (b64, '=');
  payload = g_base64_decode (b64->str, &len);
  g_string_free (b64, TRUE);

  parser = json_parser_new ();
  if (payload == NULL || !json_parser_load_from_data (parser, (const char *) payload, len, NULL))
    return NULL;
  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    return NULL;
  object = json_node_get_object (root);
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      JsonNode *node = json_object_get_member (object, names[i]);

      if (node != NULL && JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING &&
          g_utf8_validate (json_node_get_string (node), -1, NULL))
        return g_strdup (json_node_get_string (node));
    }
  return NULL;
}

EpOAuthTokens *
ep_oauth_answer_to_tokens (const EpOAuthAnswer  *answer,
                           GError              **error)
{
  g_autoptr(EpOAuthTokens) tokens = NULL;
  const char *access_token = ep_oauth_answer_get_string (answer, "access_token");
  const char *token_type = ep_oauth_answer_get_string (answer, "token_type");
  const char *id_token = ep_oauth_answer_get_string (answer, "id_token");
  gint64 expires_in = ep_oauth_answer_get_int (answer, "expires_in", 0);

  if (access_token == NULL || *access_token == '\0')
    {
      g_set_error_literal (error, EP_OAUTH_ERROR, EP_OAUTH_ERROR_PROTOCOL,
                           _("The sign-in server's answer has no access token"));
      return NULL;
    }
  /* RFC 6750: SMTP's XOAUTH2 and OAUTHBEARER carry bearer tokens only. */
  if (token_type != NULL && g_ascii_strcasecmp (token_type, "bearer") != 0)
    {
      g_set_error (error, EP_OAUTH_ERROR, EP_OAUTH_ERROR_PROTOCOL,
                   _("The sign-in server gave a token of type “%s”, not a bearer token"), token_type);
      return NULL;
    }

  tokens = g_new0 (EpOAuthTokens, 1);
  tokens->access_token = g_strdup (access_token);
  tokens->refresh_token = g_strdup (ep_oauth_answer_get_string (answer, "refresh_token"));
  /* RFC 6749 §5.1 makes expires_in optional: without it, assume the usual hour. */
  if (expires_in <= 0)
    expires_in = 3600;
  tokens->expires_at = g_get_real_time () + expires_in * G_USEC_PER_SEC;
  if (id_token != NULL)
    tokens->account = account_from_id_token (id_token);
  return g_steal_pointer (&tokens);
}
