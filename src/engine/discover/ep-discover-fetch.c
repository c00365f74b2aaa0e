/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-discover-fetch.c: a GET with libsoup 3, redirects followed by hand (SOUP_MESSAGE_NO_REDIRECT)
 * so that each hop's scheme is checked, the body read in chunks up to the limit. */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "ep-discover-error.h"
#include "ep-discover-fetch.h"

#define READ_CHUNK 16384
/* RFC 6585 §4 (libsoup 3.2 has no name for it). */
#define HTTP_TOO_MANY_REQUESTS 429

typedef struct {
  SoupSession  *session;
  GTlsDatabase *extra_ca;
  gboolean      allow_http;
  gboolean      https;        /* every hop so far */
  guint         redirects;
  SoupMessage  *message;
  GInputStream *stream;
  GByteArray   *body;
} Fetch;

static void
fetch_free (Fetch *fetch)
{
  g_clear_object (&fetch->session);
  g_clear_object (&fetch->extra_ca);
  g_clear_object (&fetch->message);
  g_clear_object (&fetch->stream);
  if (fetch->body != NULL)
    g_byte_array_unref (fetch->body);
  g_free (fetch);
}

static void send_message (GTask *task, GUri *uri);

/* ---- Certificates ---------------------------------------------------------------------------- */

/* Called only when the system store did not trust the certificate: the extra anchors get the
 * full check (chain, host name, dates), as the SMTP engine does with its CA file. */
static gboolean
accept_certificate (SoupMessage          *message,
                    GTlsCertificate      *certificate,
                    GTlsCertificateFlags  errors,
                    gpointer              user_data)
{
  GTlsDatabase *extra_ca = user_data;
  GUri *uri = soup_message_get_uri (message);
  g_autoptr(GSocketConnectable) identity = NULL;
  GTlsCertificateFlags flags;

  identity = g_network_address_new (g_uri_get_host (uri), (guint16) g_uri_get_port (uri));
  flags = g_tls_database_verify_chain (extra_ca, certificate,
                                       G_TLS_DATABASE_PURPOSE_AUTHENTICATE_SERVER,
                                       identity, NULL, G_TLS_DATABASE_VERIFY_NONE, NULL, NULL);
  return flags == 0;
}

/* ---- Reading the body ------------------------------------------------------------------------ */

static void read_done (GObject *source, GAsyncResult *result, gpointer user_data);

/* Takes over the caller's reference to @task. */
static void
read_more (GTask *task)
{
  Fetch *fetch = g_task_get_task_data (task);
  GCancellable *cancellable = g_task_get_cancellable (task);

  g_input_stream_read_bytes_async (fetch->stream, READ_CHUNK, G_PRIORITY_DEFAULT, cancellable,
                                   read_done, task);
}

static void
read_done (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Fetch *fetch = g_task_get_task_data (task);
  g_autoptr(GBytes) chunk = NULL;
  GError *error = NULL;

  chunk = g_input_stream_read_bytes_finish (G_INPUT_STREAM (source), result, &error);
  if (chunk == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  if (g_bytes_get_size (chunk) == 0)
    {
      g_task_return_pointer (task, g_byte_array_free_to_bytes (g_steal_pointer (&fetch->body)),
                             (GDestroyNotify) g_bytes_unref);
      return;
    }
  if (fetch->body->len + g_bytes_get_size (chunk) > EP_DISCOVER_MAX_BODY)
    {
      g_task_return_new_error (task, EP_DISCOVER_ERROR, EP_DISCOVER_ERROR_TOO_LARGE,
                               _("The answer is larger than %u KiB"), EP_DISCOVER_MAX_BODY / 1024);
      return;
    }
  g_byte_array_append (fetch->body, g_bytes_get_data (chunk, NULL), g_bytes_get_size (chunk));
  read_more (g_steal_pointer (&task));
}

/* ---- Requests and redirects ------------------------------------------------------------------ */

static void
sent (GObject      *source,
      GAsyncResult *result,
      gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Fetch *fetch = g_task_get_task_data (task);
  g_autoptr(GInputStream) stream = NULL;
  GError *error = NULL;
  guint status;

  stream = soup_session_send_finish (SOUP_SESSION (source), result, &error);
  if (stream == NULL)
    {
      g_task_return_error (task, error);
      return;
    }

  status = soup_message_get_status (fetch->message);
  if (SOUP_STATUS_IS_REDIRECTION (status))
    {
      SoupMessageHeaders *headers = soup_message_get_response_headers (fetch->message);
      const char *location = soup_message_headers_get_one (headers, "Location");
      g_autoptr(GUri) next = NULL;

      g_input_stream_close (stream, NULL, NULL);
      if (location == NULL)
        {
          g_task_return_new_error (task, EP_DISCOVER_ERROR, EP_DISCOVER_ERROR_HTTP,
                                   _("The web server redirected without saying where (HTTP %u)"),
                                   status);
          return;
        }
      if (fetch->redirects >= EP_DISCOVER_MAX_REDIRECTS)
        {
          g_task_return_new_error (task, EP_DISCOVER_ERROR, EP_DISCOVER_ERROR_REDIRECT,
                                   _("More than %u redirects"), EP_DISCOVER_MAX_REDIRECTS);
          return;
        }
      next = g_uri_parse_relative (soup_message_get_uri (fetch->message), location,
                                   SOUP_HTTP_URI_FLAGS, NULL);
      if (next == NULL)
        {
          g_task_return_new_error (task, EP_DISCOVER_ERROR, EP_DISCOVER_ERROR_REDIRECT,
                                   _("The web server redirected to an invalid address"));
          return;
        }
      fetch->redirects++;
      send_message (g_steal_pointer (&task), next);
      return;
    }

  if (status == SOUP_STATUS_NOT_FOUND || status == SOUP_STATUS_GONE)
    {
      g_task_return_new_error (task, EP_DISCOVER_ERROR, EP_DISCOVER_ERROR_NOT_FOUND,
                               _("Not found (HTTP %u)"), status);
      return;
    }
  if (SOUP_STATUS_IS_SERVER_ERROR (status) || status == HTTP_TOO_MANY_REQUESTS)
    {
      g_task_return_new_error (task, EP_DISCOVER_ERROR, EP_DISCOVER_ERROR_HTTP_TEMPORARY,
                               _("The web server answered HTTP %u"), status);
      return;
    }
  if (status != SOUP_STATUS_OK)
    {
      g_task_return_new_error (task, EP_DISCOVER_ERROR, EP_DISCOVER_ERROR_HTTP,
                               _("The web server answered HTTP %u"), status);
      return;
    }

  if (soup_message_headers_get_content_length (soup_message_get_response_headers (fetch->message))
      > EP_DISCOVER_MAX_BODY)
    {
      g_task_return_new_error (task, EP_DISCOVER_ERROR, EP_DISCOVER_ERROR_TOO_LARGE,
                               _("The answer is larger than %u KiB"), EP_DISCOVER_MAX_BODY / 1024);
      return;
    }

  fetch->stream = g_steal_pointer (&stream);
  fetch->body = g_byte_array_new ();
  read_more (g_steal_pointer (&task));
}

/* Takes over the caller's reference to @task. */
static void
send_message (GTask *task,
              GUri  *uri)
{
  Fetch *fetch = g_task_get_task_data (task);
  const char *scheme = g_uri_get_scheme (uri);
  GCancellable *cancellable;

  if (g_ascii_strcasecmp (scheme, "https") != 0)
    {
      /* HTTP only when the caller asked for it, and never after an HTTPS hop. */
      if (g_ascii_strcasecmp (scheme, "http") != 0 || !fetch->allow_http
          || (fetch->https && fetch->message != NULL))
        {
          g_task_return_new_error (task, EP_DISCOVER_ERROR, EP_DISCOVER_ERROR_REDIRECT,
                                   _("Refused to follow a link to “%s”: only HTTPS is used"),
                                   scheme);
          g_object_unref (task);
          return;
        }
      fetch->https = FALSE;
    }

  g_clear_object (&fetch->message);
  fetch->message = soup_message_new_from_uri (SOUP_METHOD_GET, uri);
  soup_message_add_flags (fetch->message, SOUP_MESSAGE_NO_REDIRECT);
  if (fetch->extra_ca != NULL)
    g_signal_connect_object (fetch->message, "accept-certificate",
                             G_CALLBACK (accept_certificate), fetch->extra_ca, 0);
  cancellable = g_task_get_cancellable (task);
  soup_session_send_async (fetch->session, fetch->message, G_PRIORITY_DEFAULT, cancellable,
                           sent, task);
}

/* ---- Public API ------------------------------------------------------------------------------ */

void
ep_discover_fetch_async (SoupSession         *session,
                         const char          *url,
                         gboolean             allow_http,
                         GTlsDatabase        *extra_ca,
                         GCancellable        *cancellable,
                         GAsyncReadyCallback  callback,
                         gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GUri) uri = NULL;
  g_autoptr(GError) error = NULL;
  Fetch *fetch;

  g_return_if_fail (SOUP_IS_SESSION (session));
  g_return_if_fail (url != NULL);

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, ep_discover_fetch_async);
  fetch = g_new0 (Fetch, 1);
  fetch->session = g_object_ref (session);
  fetch->extra_ca = extra_ca != NULL ? g_object_ref (extra_ca) : NULL;
  fetch->allow_http = allow_http;
  fetch->https = TRUE;
  g_task_set_task_data (task, fetch, (GDestroyNotify) fetch_free);

  uri = g_uri_parse (url, SOUP_HTTP_URI_FLAGS, &error);
  if (uri == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  send_message (g_steal_pointer (&task), uri);
}

GBytes *
ep_discover_fetch_finish (GAsyncResult  *result,
                          char         **out_url,
                          gboolean      *out_https,
                          GError       **error)
{
  Fetch *fetch;

  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);

  fetch = g_task_get_task_data (G_TASK (result));
  if (out_url != NULL)
    *out_url = fetch->message != NULL ? g_uri_to_string (soup_message_get_uri (fetch->message)) : NULL;
  if (out_https != NULL)
    *out_https = fetch->https;
  return g_task_propagate_pointer (G_TASK (result), error);
}
