/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-smtp-config.c: the session configuration: defaults, copies, validation. */
#include "config.h"

#include <string.h>
#include <glib/gi18n-lib.h>

#include "ep-smtp-config.h"
#include "ep-smtp-limits.h"
#include "ep-text.h"

/* A SHA-256 digest is 32 octets (FIPS 180-4). */
#define SHA256_HEX_LENGTH 64

G_DEFINE_BOXED_TYPE (EpSmtpConfig, ep_smtp_config, ep_smtp_config_copy, ep_smtp_config_free)

EpSmtpConfig *
ep_smtp_config_new (void)
{
  EpSmtpConfig *self = g_new0 (EpSmtpConfig, 1);

  self->security = EP_SMTP_SECURITY_STARTTLS;
  self->auth = EP_SMTP_AUTH_AUTO;
  self->timeout_seconds = EP_SMTP_DEFAULT_TIMEOUT_SECONDS;

  return self;
}

EpSmtpConfig *
ep_smtp_config_copy (const EpSmtpConfig *self)
{
  EpSmtpConfig *copy;

  g_return_val_if_fail (self != NULL, NULL);

  copy = g_memdup2 (self, sizeof *self);
  copy->host = g_strdup (self->host);
  copy->username = g_strdup (self->username);
  copy->password = g_strdup (self->password);
  copy->oauth_token = g_strdup (self->oauth_token);
  copy->cafile = g_strdup (self->cafile);
  copy->pinned_sha256 = g_strdup (self->pinned_sha256);
  copy->pinned_host = g_strdup (self->pinned_host);
  copy->ehlo_name = g_strdup (self->ehlo_name);

  return copy;
}

void
ep_smtp_config_free (EpSmtpConfig *self)
{
  if (self == NULL)
    return;

  g_free (self->host);
  g_free (self->username);
  ep_text_free_secret (self->password);
  ep_text_free_secret (self->oauth_token);
  g_free (self->cafile);
  g_free (self->pinned_sha256);
  g_free (self->pinned_host);
  g_free (self->ehlo_name);
  g_free (self);
}

guint16
ep_smtp_config_get_port (const EpSmtpConfig *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->port != 0 ? self->port : ep_smtp_security_default_port (self->security);
}

char *
ep_smtp_format_server (const char *host,
                       guint16     port)
{
  g_return_val_if_fail (host != NULL, NULL);

  return strchr (host, ':') != NULL ? g_strdup_printf ("[%s]:%u", host, port)
                                    : g_strdup_printf ("%s:%u", host, port);
}

/* The port the pin was accepted for, 0 resolved as for the port itself. */
guint16
ep_smtp_config_get_pinned_port (const EpSmtpConfig *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->pinned_port != 0 ? self->pinned_port : ep_smtp_security_default_port (self->security);
}

guint
ep_smtp_config_get_timeout (const EpSmtpConfig *self)
{
  g_return_val_if_fail (self != NULL, EP_SMTP_DEFAULT_TIMEOUT_SECONDS);

  return self->timeout_seconds != 0 ? self->timeout_seconds : EP_SMTP_DEFAULT_TIMEOUT_SECONDS;
}

gboolean
ep_smtp_config_has_credentials (const EpSmtpConfig *self)
{
  g_return_val_if_fail (self != NULL, FALSE);

  if (self->auth == EP_SMTP_AUTH_NONE)
    return FALSE;

  return (self->password != NULL || self->oauth_token != NULL);
}

char *
ep_smtp_fingerprint_normalize (const char *text)
{
  g_autoptr(GString) hex = NULL;

  if (text == NULL)
    return NULL;

  /* Accept "sha256:" / "SHA256/" prefixes people paste from other tools. */
  if (g_ascii_strncasecmp (text, "sha256", 6) == 0 && (text[6] == ':' || text[6] == '/' || text[6] == '='))
    text += 7;

  hex = g_string_sized_new (SHA256_HEX_LENGTH);
  for (const char *p = text; *p != '\0'; p++)
    {
      if (*p == ':' || *p == ' ')
        continue;
      if (!g_ascii_isxdigit (*p) || hex->len >= SHA256_HEX_LENGTH)
        return NULL;
      g_string_append_c (hex, g_ascii_tolower (*p));
    }

  if (hex->len != SHA256_HEX_LENGTH)
    return NULL;

  return g_string_free (g_steal_pointer (&hex), FALSE);
}

/* The server's name (it may be an IDN, made ASCII when connecting): nothing that could end a
 * command line early or hide in a terminal, no spaces. */
static gboolean
host_name_is_valid (const char *host)
{
  return *host != '\0' && strlen (host) <= EP_SMTP_DOMAIN_MAX && !ep_text_has_control (host, -1)
         && strchr (host, ' ') == NULL;
}

/* An EHLO argument (RFC 5321 §4.1.1.1) is a domain or an address literal: no spaces, ASCII. */
static gboolean
ehlo_name_is_valid (const char *name)
{
  gsize len = strlen (name);

  return len > 0 && len <= EP_SMTP_DOMAIN_MAX && ep_text_is_visible_ascii (name, (gssize) len);
}

gboolean
ep_smtp_config_validate (const EpSmtpConfig *self,
                         GError            **error)
{
  g_return_val_if_fail (self != NULL, FALSE);

  if (self->host == NULL || *self->host == '\0')
    {
      g_set_error_literal (error, EP_SMTP_ERROR, EP_SMTP_ERROR_INVALID_CONFIG,
                           _("No SMTP server is set"));
      return FALSE;
    }

  if (!host_name_is_valid (self->host))
    {
      g_set_error_literal (error, EP_SMTP_ERROR, EP_SMTP_ERROR_INVALID_CONFIG,
                           _("The SMTP server name is not a valid host name"));
      return FALSE;
    }

  if (self->security != EP_SMTP_SECURITY_TLS && self->security != EP_SMTP_SECURITY_STARTTLS
      && self->security != EP_SMTP_SECURITY_NONE)
    {
      g_set_error_literal (error, EP_SMTP_ERROR, EP_SMTP_ERROR_INVALID_CONFIG,
                           _("Unknown security mode"));
      return FALSE;
    }

  if (self->ehlo_name != NULL && !ehlo_name_is_valid (self->ehlo_name))
    {
      g_set_error_literal (error, EP_SMTP_ERROR, EP_SMTP_ERROR_INVALID_CONFIG,
                           _("The EHLO name must be a host name or an address literal without spaces or control characters"));
      return FALSE;
    }

  if ((self->username != NULL && ep_text_has_control (self->username, -1))
      || (self->password != NULL && ep_text_has_control (self->password, -1)))
    {
      g_set_error_literal (error, EP_SMTP_ERROR, EP_SMTP_ERROR_INVALID_CONFIG,
                           _("The user name or password contains control characters"));
      return FALSE;
    }

  if (self->oauth_token != NULL && (ep_text_has_control (self->oauth_token, -1)
                                    || strchr (self->oauth_token, ' ') != NULL))
    {
      g_set_error_literal (error, EP_SMTP_ERROR, EP_SMTP_ERROR_INVALID_CONFIG,
                           _("The OAuth token contains spaces or control characters"));
      return FALSE;
    }

  if (self->pinned_sha256 != NULL)
    {
      g_autofree char *normalized = ep_smtp_fingerprint_normalize (self->pinned_sha256);

      if (normalized == NULL)
        {
          g_set_error_literal (error, EP_SMTP_ERROR, EP_SMTP_ERROR_INVALID_CONFIG,
                               _("The pinned certificate fingerprint is not a SHA-256 fingerprint (64 hexadecimal digits)"));
          return FALSE;
        }
      /* A pin says "this certificate is that server": without the server it would vouch for
       * whichever host the configuration is pointed at. */
      if (self->pinned_host == NULL || !host_name_is_valid (self->pinned_host))
        {
          g_set_error_literal (error, EP_SMTP_ERROR, EP_SMTP_ERROR_INVALID_CONFIG,
                               _("The pinned certificate does not name the server it was trusted for"));
          return FALSE;
        }
    }

  /* GIO's TLS file database takes absolute paths only: given a relative one it loads no CA at
   * all (with a warning), and the handshake then fails with a misleading "unknown issuer". */
  if (self->cafile != NULL && !g_path_is_absolute (self->cafile))
    {
      g_set_error (error, EP_SMTP_ERROR, EP_SMTP_ERROR_INVALID_CONFIG,
                   _("The CA file “%s” must be given as an absolute path"), self->cafile);
      return FALSE;
    }

  if (self->cafile != NULL && !g_file_test (self->cafile, G_FILE_TEST_IS_REGULAR))
    {
      g_set_error (error, EP_SMTP_ERROR, EP_SMTP_ERROR_INVALID_CONFIG,
                   _("The CA file “%s” does not exist or is not a regular file"), self->cafile);
      return FALSE;
    }

  if ((self->password != NULL || self->oauth_token != NULL) && self->auth != EP_SMTP_AUTH_NONE
      && (self->username == NULL || *self->username == '\0'))
    {
      g_set_error_literal (error, EP_SMTP_ERROR, EP_SMTP_ERROR_INVALID_CONFIG,
                           _("A password or token is set but no user name"));
      return FALSE;
    }

  if (ep_smtp_auth_mechanism_uses_token (self->auth)
      && self->oauth_token == NULL && self->password == NULL)
    {
      g_set_error (error, EP_SMTP_ERROR, EP_SMTP_ERROR_INVALID_CONFIG,
                   _("%s needs an access token"), ep_smtp_auth_mechanism_to_string (self->auth));
      return FALSE;
    }

  if (self->auth != EP_SMTP_AUTH_AUTO && self->auth != EP_SMTP_AUTH_NONE
      && self->password == NULL && self->oauth_token == NULL)
    {
      g_set_error (error, EP_SMTP_ERROR, EP_SMTP_ERROR_INVALID_CONFIG,
                   _("Authentication with %s needs a password"), ep_smtp_auth_mechanism_to_string (self->auth));
      return FALSE;
    }

  return TRUE;
}
