/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-imap-config.c: the IMAP client's configuration and its offline checks. */
#include "config.h"

#include <string.h>
#include <glib/gi18n-lib.h>

#include "ep-imap-config.h"
#include "ep-smtp-config.h"
#include "ep-text.h"

G_DEFINE_BOXED_TYPE (EpImapConfig, ep_imap_config, ep_imap_config_copy, ep_imap_config_free)

EpImapConfig *
ep_imap_config_new (void)
{
  EpImapConfig *self = g_new0 (EpImapConfig, 1);

  self->security = EP_SMTP_SECURITY_STARTTLS;
  self->auth = EP_SMTP_AUTH_AUTO;
  self->timeout_seconds = EP_IMAP_DEFAULT_TIMEOUT_SECONDS;
  return self;
}

EpImapConfig *
ep_imap_config_copy (const EpImapConfig *self)
{
  EpImapConfig *copy;

  g_return_val_if_fail (self != NULL, NULL);

  copy = g_memdup2 (self, sizeof *self);
  copy->host = g_strdup (self->host);
  copy->username = g_strdup (self->username);
  copy->password = g_strdup (self->password);
  copy->oauth_token = g_strdup (self->oauth_token);
  copy->cafile = g_strdup (self->cafile);
  copy->pinned_sha256 = g_strdup (self->pinned_sha256);
  copy->pinned_host = g_strdup (self->pinned_host);
  copy->sent_mailbox = g_strdup (self->sent_mailbox);
  return copy;
}

void
ep_imap_config_free (EpImapConfig *self)
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
  g_free (self->sent_mailbox);
  g_free (self);
}

static guint16
default_port (EpSmtpSecurity security)
{
  return security == EP_SMTP_SECURITY_TLS ? EP_IMAP_PORT_TLS : EP_IMAP_PORT_STARTTLS;
}

guint16
ep_imap_config_get_port (const EpImapConfig *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->port != 0 ? self->port : default_port (self->security);
}

guint16
ep_imap_config_get_pinned_port (const EpImapConfig *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->pinned_port != 0 ? self->pinned_port : default_port (self->security);
}

guint
ep_imap_config_get_timeout (const EpImapConfig *self)
{
  g_return_val_if_fail (self != NULL, EP_IMAP_DEFAULT_TIMEOUT_SECONDS);

  return self->timeout_seconds != 0 ? self->timeout_seconds : EP_IMAP_DEFAULT_TIMEOUT_SECONDS;
}

gboolean
ep_imap_config_has_credentials (const EpImapConfig *self)
{
  g_return_val_if_fail (self != NULL, FALSE);

  return self->username != NULL && *self->username != '\0'
         && (self->password != NULL || self->oauth_token != NULL);
}

static gboolean
invalid (GError    **error,
         const char *message)
{
  g_set_error_literal (error, EP_IMAP_ERROR, EP_IMAP_ERROR_INVALID_CONFIG, message);
  return FALSE;
}

gboolean
ep_imap_config_validate (const EpImapConfig *self,
                         GError            **error)
{
  g_return_val_if_fail (self != NULL, FALSE);

  if (self->host == NULL || *self->host == '\0')
    return invalid (error, _("No IMAP server is set"));
  if (ep_text_has_control (self->host, -1) || strchr (self->host, ' ') != NULL)
    return invalid (error, _("The IMAP server name is not a valid host name"));
  if (self->security != EP_SMTP_SECURITY_TLS && self->security != EP_SMTP_SECURITY_STARTTLS
      && self->security != EP_SMTP_SECURITY_NONE)
    return invalid (error, _("Unknown security mode"));
  if ((self->username != NULL && ep_text_has_control (self->username, -1))
      || (self->password != NULL && ep_text_has_control (self->password, -1)))
    return invalid (error, _("The user name or password contains control characters"));
  if (self->oauth_token != NULL && (ep_text_has_control (self->oauth_token, -1)
                                    || strchr (self->oauth_token, ' ') != NULL))
    return invalid (error, _("The OAuth token contains spaces or control characters"));
  /* The same promise as for SMTP: a password never travels in the clear. */
  if (ep_imap_config_has_credentials (self) && self->security == EP_SMTP_SECURITY_NONE)
    {
      g_set_error_literal (error, EP_IMAP_ERROR, EP_IMAP_ERROR_CLEARTEXT_AUTH,
                           _("Refusing to send credentials over an unencrypted connection"));
      return FALSE;
    }
  if (self->pinned_sha256 != NULL)
    {
      g_autofree char *normalized = ep_smtp_fingerprint_normalize (self->pinned_sha256);

      if (normalized == NULL)
        return invalid (error, _("The pinned certificate fingerprint is not a SHA-256 fingerprint (64 hexadecimal digits)"));
      if (self->pinned_host == NULL || *self->pinned_host == '\0')
        return invalid (error, _("A pinned certificate needs the server it was trusted for"));
    }
  if (self->cafile != NULL && !g_path_is_absolute (self->cafile))
    return invalid (error, _("The CA file must be given as an absolute path"));
  /* Sent as a quoted string (RFC 3501 §9): printable ASCII, as every name LIST gives in
   * modified UTF-7 is. */
  if (self->sent_mailbox != NULL
      && (*self->sent_mailbox == '\0' || !ep_text_is_printable_ascii (self->sent_mailbox, -1)))
    return invalid (error, _("The Sent folder name must be printable ASCII, as the server lists it"));

  return TRUE;
}
