/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-discover-autoconfig.c: clientConfig 1.1 through GMarkup, which never fetches anything (no
 * DTD, no external entity) and knows only the five predefined entities: an entity defined in
 * the file is an error, not an expansion. The size is checked before parsing, the depth while. */
#include "config.h"

#include <string.h>
#include <glib/gi18n-lib.h>

#include "ep-discover-autoconfig.h"
#include "ep-discover-error.h"
#include "ep-text.h"

/* RFC 1035 §2.3.4: a name is at most 255 octets on the wire, 253 as text. */
#define EP_AUTOCONFIG_MAX_HOST 253

typedef struct {
  char         *hostname;
  char         *port;
  char         *socket_type;
  char         *username;
  EpDiscoverAuth auth;
  gboolean      auth_unknown_only;
  gboolean      imap;         /* an incomingServer of type "imap": for the copy in Sent */
} Server;

typedef struct {
  guint      depth;
  gboolean   in_provider;
  guint      provider_depth;
  Server    *server;          /* the outgoing SMTP server being read, or NULL */
  guint      server_depth;
  GPtrArray *servers;         /* Server: the outgoing ones */
  GPtrArray *imap_servers;    /* Server: the IMAP ones, for the copy in the Sent folder */
  GString   *text;            /* the current leaf's text */
  gboolean   collecting;
  char      *display_name;
} Parser;

static void
set_str (char       **field,
         const char  *value)
{
  g_free (*field);
  *field = g_strdup (value);
}

static void
server_free (Server *server)
{
  g_free (server->hostname);
  g_free (server->port);
  g_free (server->socket_type);
  g_free (server->username);
  g_free (server);
}

/* ---- Parsing --------------------------------------------------------------------------------- */

static void
start_element (GMarkupParseContext  *context,
               const char           *element,
               const char          **names,
               const char          **values,
               gpointer              user_data,
               GError              **error)
{
  Parser *p = user_data;

  p->depth++;
  if (p->depth > EP_AUTOCONFIG_MAX_DEPTH)
    {
      g_set_error (error, EP_DISCOVER_ERROR, EP_DISCOVER_ERROR_PARSE,
                   _("The configuration file is nested more than %u levels deep"),
                   EP_AUTOCONFIG_MAX_DEPTH);
      return;
    }
  p->collecting = FALSE;
  g_string_truncate (p->text, 0);

  if (p->depth == 2 && g_str_equal (element, "emailProvider"))
    {
      p->in_provider = TRUE;
      p->provider_depth = p->depth;
      return;
    }
  if (!p->in_provider)
    return;

  if (p->server == NULL && p->depth == p->provider_depth + 1
      && g_str_equal (element, "outgoingServer"))
    {
      const char *type = NULL;

      for (guint i = 0; names[i] != NULL; i++)
        if (g_str_equal (names[i], "type"))
          type = values[i];
      if (type != NULL && g_str_equal (type, "smtp") && p->servers->len < EP_AUTOCONFIG_MAX_SERVERS)
        {
          p->server = g_new0 (Server, 1);
          p->server_depth = p->depth;
        }
      return;
    }

  /* The copy in the Sent folder goes to the IMAP server, read with the same rules. */
  if (p->server == NULL && p->depth == p->provider_depth + 1
      && g_str_equal (element, "incomingServer"))
    {
      const char *type = NULL;

      for (guint i = 0; names[i] != NULL; i++)
        if (g_str_equal (names[i], "type"))
          type = values[i];
      if (type != NULL && g_str_equal (type, "imap") && p->imap_servers->len < EP_AUTOCONFIG_MAX_SERVERS)
        {
          p->server = g_new0 (Server, 1);
          p->server->imap = TRUE;
          p->server_depth = p->depth;
        }
      return;
    }

  if (p->server != NULL && p->depth == p->server_depth + 1)
    p->collecting = TRUE;
  else if (p->server == NULL && p->depth == p->provider_depth + 1
           && g_str_equal (element, "displayName"))
    p->collecting = TRUE;
}

static void
text (GMarkupParseContext  *context,
      const char           *text_data,
      gsize                 length,
      gpointer              user_data,
      GError              **error)
{
  Parser *p = user_data;

  if (!p->collecting)
    return;
  if (p->text->len + length > EP_AUTOCONFIG_MAX_TEXT)
    {
      g_set_error (error, EP_DISCOVER_ERROR, EP_DISCOVER_ERROR_PARSE,
                   _("A value in the configuration file is longer than %u octets"),
                   EP_AUTOCONFIG_MAX_TEXT);
      return;
    }
  g_string_append_len (p->text, text_data, length);
}

static void
add_auth (Server     *server,
          const char *value)
{
  /* The format's names, and the older ones it still accepts. */
  if (g_str_equal (value, "password-cleartext") || g_str_equal (value, "plain"))
    server->auth |= EP_DISCOVER_AUTH_PASSWORD;
  else if (g_str_equal (value, "password-encrypted") || g_str_equal (value, "secure"))
    server->auth |= EP_DISCOVER_AUTH_PASSWORD_ENCRYPTED;
  else if (g_ascii_strcasecmp (value, "OAuth2") == 0)
    server->auth |= EP_DISCOVER_AUTH_OAUTH2;
  else if (g_str_equal (value, "none") || g_str_equal (value, "client-IP-address"))
    server->auth |= EP_DISCOVER_AUTH_NONE_NEEDED;
  else
    server->auth_unknown_only = TRUE;   /* NTLM, GSSAPI, TLS-client-cert: not ours */
}

static void
end_element (GMarkupParseContext  *context,
             const char           *element,
             gpointer              user_data,
             GError              **error)
{
  Parser *p = user_data;
  g_autofree char *value = NULL;

  if (p->collecting)
    value = g_strstrip (g_strdup (p->text->str));
  p->collecting = FALSE;
  g_string_truncate (p->text, 0);

  if (p->server != NULL && p->depth == p->server_depth + 1 && value != NULL)
    {
      if (g_str_equal (element, "hostname"))
        set_str (&p->server->hostname, value);
      else if (g_str_equal (element, "port"))
        set_str (&p->server->port, value);
      else if (g_str_equal (element, "socketType"))
        set_str (&p->server->socket_type, value);
      else if (g_str_equal (element, "username"))
        set_str (&p->server->username, value);
      else if (g_str_equal (element, "authentication"))
        add_auth (p->server, value);
    }
  else if (p->server != NULL && p->depth == p->server_depth)
    {
      GPtrArray *list = p->server->imap ? p->imap_servers : p->servers;

      g_ptr_array_add (list, g_steal_pointer (&p->server));
    }
  else if (p->in_provider && p->depth == p->provider_depth + 1 && value != NULL
           && g_str_equal (element, "displayName") && p->display_name == NULL)
    p->display_name = g_steal_pointer (&value);
  else if (p->in_provider && p->depth == p->provider_depth)
    p->in_provider = FALSE;

  p->depth--;
}

/* ---- Turning servers into candidates --------------------------------------------------------- */

gboolean
ep_autoconfig_host_is_valid (const char *host)
{
  g_autofree char *ascii = NULL;
  gsize len;

  if (host == NULL || *host == '\0')
    return FALSE;
  if (g_hostname_is_ip_address (host))
    return TRUE;
  ascii = g_hostname_to_ascii (host);
  if (ascii == NULL)
    return FALSE;
  len = strlen (ascii);
  if (len > EP_AUTOCONFIG_MAX_HOST || ascii[0] == '.' || ascii[0] == '-' || strstr (ascii, "..") != NULL)
    return FALSE;
  for (const char *c = ascii; *c != '\0'; c++)
    if (!g_ascii_isalnum (*c) && *c != '-' && *c != '.')
      return FALSE;
  return TRUE;
}

/* %EMAILADDRESS%, %EMAILLOCALPART% and %EMAILDOMAIN% replaced; anything else kept as it is. */
static char *
substitute (const char *value,
            const char *address)
{
  const char *at = strrchr (address, '@');
  g_autofree char *local = g_strndup (address, at != NULL ? (gsize) (at - address) : strlen (address));
  const char *domain = at != NULL ? at + 1 : "";
  GString *out = g_string_new (NULL);

  for (const char *p = value; *p != '\0';)
    {
      if (g_str_has_prefix (p, "%EMAILADDRESS%"))
        {
          g_string_append (out, address);
          p += strlen ("%EMAILADDRESS%");
        }
      else if (g_str_has_prefix (p, "%EMAILLOCALPART%"))
        {
          g_string_append (out, local);
          p += strlen ("%EMAILLOCALPART%");
        }
      else if (g_str_has_prefix (p, "%EMAILDOMAIN%"))
        {
          g_string_append (out, domain);
          p += strlen ("%EMAILDOMAIN%");
        }
      else
        g_string_append_c (out, *p++);
    }
  return g_string_free (out, FALSE);
}

static EpDiscoverCandidate *
server_to_candidate (const Server *server,
                     const char   *address)
{
  g_autoptr(EpDiscoverCandidate) candidate = NULL;
  g_autofree char *host = NULL;
  guint64 port = 0;

  if (server->hostname == NULL || server->port == NULL || server->socket_type == NULL)
    return NULL;

  /* Never "none": an unknown or plain-text socketType drops the server. */
  candidate = ep_discover_candidate_new ();
  if (g_str_equal (server->socket_type, "SSL"))
    candidate->security = EP_SMTP_SECURITY_TLS;
  else if (g_str_equal (server->socket_type, "STARTTLS"))
    candidate->security = EP_SMTP_SECURITY_STARTTLS;
  else
    return NULL;

  if (!g_ascii_string_to_unsigned (server->port, 10, 1, G_MAXUINT16, &port, NULL))
    return NULL;
  candidate->port = (guint16) port;

  host = substitute (server->hostname, address);
  if (!ep_autoconfig_host_is_valid (host))
    return NULL;
  candidate->host = g_hostname_is_ip_address (host) ? g_steal_pointer (&host) : g_hostname_to_ascii (host);

  /* Only the ways named that the engine knows; a server offering nothing else is kept with
   * "not said", so that the strongest offered is chosen when it is used. */
  candidate->auth = server->auth;

  if (server->username != NULL)
    {
      candidate->username = substitute (server->username, address);
      if (ep_text_has_control (candidate->username, -1) || *candidate->username == '\0')
        return NULL;
      if (g_str_equal (server->username, "%EMAILADDRESS%"))
        candidate->username_form = EP_DISCOVER_USERNAME_ADDRESS;
      else if (g_str_equal (server->username, "%EMAILLOCALPART%"))
        candidate->username_form = EP_DISCOVER_USERNAME_LOCAL_PART;
      else
        candidate->username_form = EP_DISCOVER_USERNAME_OTHER;
    }
  else
    {
      candidate->username = g_strdup (address);
      candidate->username_form = EP_DISCOVER_USERNAME_UNKNOWN;
    }
  return g_steal_pointer (&candidate);
}

/* ---- Public API ------------------------------------------------------------------------------ */

GPtrArray *
ep_autoconfig_parse (const char  *data,
                     gsize        length,
                     const char  *address,
                     char       **out_display_name,
                     GError     **error)
{
  static const GMarkupParser parser = { start_element, end_element, text, NULL, NULL };
  g_autoptr(GMarkupParseContext) context = NULL;
  g_autoptr(GPtrArray) candidates = NULL;
  g_autoptr(EpDiscoverCandidate) imap = NULL;
  Parser p = { 0 };
  gboolean ok;

  g_return_val_if_fail (data != NULL || length == 0, NULL);
  g_return_val_if_fail (address != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (out_display_name != NULL)
    *out_display_name = NULL;

  if (length > EP_AUTOCONFIG_MAX_SIZE)
    {
      g_set_error (error, EP_DISCOVER_ERROR, EP_DISCOVER_ERROR_TOO_LARGE,
                   _("The configuration file is larger than %u KiB"), EP_AUTOCONFIG_MAX_SIZE / 1024);
      return NULL;
    }

  /* GMarkup would refuse it too, but quoting the invalid bytes in its message. */
  if (!g_utf8_validate_len (data != NULL ? data : "", length, NULL))
    {
      g_set_error (error, EP_DISCOVER_ERROR, EP_DISCOVER_ERROR_PARSE,
                   _("The configuration file is not valid UTF-8"));
      return NULL;
    }

  p.servers = g_ptr_array_new_with_free_func ((GDestroyNotify) server_free);
  p.imap_servers = g_ptr_array_new_with_free_func ((GDestroyNotify) server_free);
  p.text = g_string_new (NULL);
  context = g_markup_parse_context_new (&parser, G_MARKUP_TREAT_CDATA_AS_TEXT, &p, NULL);
  ok = g_markup_parse_context_parse (context, data != NULL ? data : "", length, error)
       && g_markup_parse_context_end_parse (context, error);

  if (p.server != NULL)
    server_free (p.server);
  g_string_free (p.text, TRUE);

  if (!ok)
    {
      /* GMarkup's own errors (not well-formed, unknown entity) are parse errors here. */
      if (error != NULL && *error != NULL && (*error)->domain == G_MARKUP_ERROR)
        {
          g_autofree char *message = g_utf8_make_valid ((*error)->message, -1);

          g_clear_error (error);
          g_set_error (error, EP_DISCOVER_ERROR, EP_DISCOVER_ERROR_PARSE,
                       _("The configuration file is not valid XML: %s"), message);
        }
      g_ptr_array_unref (p.servers);
      g_ptr_array_unref (p.imap_servers);
      g_free (p.display_name);
      return NULL;
    }

  /* The first IMAP server that passes the same checks (TLS or STARTTLS only, a valid host and
   * port); one that does not is left out, the outgoing servers stay. */
  for (guint i = 0; i < p.imap_servers->len && imap == NULL; i++)
    imap = server_to_candidate (p.imap_servers->pdata[i], address);
  g_ptr_array_unref (p.imap_servers);

  candidates = g_ptr_array_new_with_free_func ((GDestroyNotify) ep_discover_candidate_unref);
  for (guint i = 0; i < p.servers->len; i++)
    {
      EpDiscoverCandidate *candidate = server_to_candidate (p.servers->pdata[i], address);

      if (candidate == NULL)
        continue;
      if (p.display_name != NULL && g_utf8_validate (p.display_name, -1, NULL)
          && ep_text_find_control (p.display_name, EP_TEXT_ALLOW_NONE) == NULL)
        candidate->display_name = g_strdup (p.display_name);
      if (imap != NULL)
        {
          candidate->imap_host = g_strdup (imap->host);
          candidate->imap_port = imap->port;
          candidate->imap_security = imap->security;
        }
      g_ptr_array_add (candidates, candidate);
    }
  g_ptr_array_unref (p.servers);

  if (candidates->len == 0)
    {
      g_free (p.display_name);
      g_set_error (error, EP_DISCOVER_ERROR, EP_DISCOVER_ERROR_NOT_FOUND,
                   _("The configuration file names no outgoing server with TLS"));
      return NULL;
    }

  if (out_display_name != NULL && candidates->len > 0)
    *out_display_name = g_strdup (((EpDiscoverCandidate *) candidates->pdata[0])->display_name);
  g_free (p.display_name);
  return g_steal_pointer (&candidates);
}
