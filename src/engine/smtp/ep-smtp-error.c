/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-smtp-error.c: the SMTP error domain and the names of the security modes and mechanisms. */
#include "config.h"

#include <gio/gio.h>

#include "ep-enum.h"
#include "ep-smtp-error.h"

G_DEFINE_QUARK (ep-smtp-error-quark, ep_smtp_error)

G_DEFINE_ENUM_TYPE (EpSmtpSecurity, ep_smtp_security,
  G_DEFINE_ENUM_VALUE (EP_SMTP_SECURITY_TLS, "tls"),
  G_DEFINE_ENUM_VALUE (EP_SMTP_SECURITY_STARTTLS, "starttls"),
  G_DEFINE_ENUM_VALUE (EP_SMTP_SECURITY_NONE, "none"))

G_DEFINE_ENUM_TYPE (EpSmtpAuthMechanism, ep_smtp_auth_mechanism,
  G_DEFINE_ENUM_VALUE (EP_SMTP_AUTH_AUTO, "auto"),
  G_DEFINE_ENUM_VALUE (EP_SMTP_AUTH_PLAIN, "plain"),
  G_DEFINE_ENUM_VALUE (EP_SMTP_AUTH_LOGIN, "login"),
  G_DEFINE_ENUM_VALUE (EP_SMTP_AUTH_CRAM_MD5, "cram-md5"),
  G_DEFINE_ENUM_VALUE (EP_SMTP_AUTH_SCRAM_SHA_1, "scram-sha-1"),
  G_DEFINE_ENUM_VALUE (EP_SMTP_AUTH_SCRAM_SHA_256, "scram-sha-256"),
  G_DEFINE_ENUM_VALUE (EP_SMTP_AUTH_XOAUTH2, "xoauth2"),
  G_DEFINE_ENUM_VALUE (EP_SMTP_AUTH_OAUTHBEARER, "oauthbearer"),
  G_DEFINE_ENUM_VALUE (EP_SMTP_AUTH_NONE, "none"))

static const struct {
  EpSmtpSecurity security;
  guint16 port;
} security_ports[] = {
  { EP_SMTP_SECURITY_TLS, 465 },       /* RFC 8314 §7.3 submissions */
  { EP_SMTP_SECURITY_STARTTLS, 587 },  /* RFC 6409 submission */
  /* Still message submission (RFC 6409 §3.1), only unencrypted: 25 is for relaying. */
  { EP_SMTP_SECURITY_NONE, 587 },
};

static const struct {
  EpSmtpAuthMechanism mechanism;
  const char *name;
} mechanism_names[] = {
  { EP_SMTP_AUTH_AUTO, "auto" },
  { EP_SMTP_AUTH_NONE, "none" },
  { EP_SMTP_AUTH_PLAIN, "PLAIN" },
  { EP_SMTP_AUTH_LOGIN, "LOGIN" },
  { EP_SMTP_AUTH_CRAM_MD5, "CRAM-MD5" },
  { EP_SMTP_AUTH_SCRAM_SHA_1, "SCRAM-SHA-1" },
  { EP_SMTP_AUTH_SCRAM_SHA_256, "SCRAM-SHA-256" },
  { EP_SMTP_AUTH_XOAUTH2, "XOAUTH2" },
  { EP_SMTP_AUTH_OAUTHBEARER, "OAUTHBEARER" },
};

gboolean
ep_smtp_security_from_string (const char     *text,
                              EpSmtpSecurity *out_security)
{
  int value;

  g_return_val_if_fail (out_security != NULL, FALSE);

  if (!ep_enum_from_nick (EP_TYPE_SMTP_SECURITY, text, TRUE, &value))
    return FALSE;
  *out_security = value;
  return TRUE;
}

const char *
ep_smtp_security_to_string (EpSmtpSecurity security)
{
  const char *nick = ep_enum_to_nick (EP_TYPE_SMTP_SECURITY, security);

  g_return_val_if_fail (nick != NULL, "starttls");
  return nick;
}

guint16
ep_smtp_security_default_port (EpSmtpSecurity security)
{
  for (guint i = 0; i < G_N_ELEMENTS (security_ports); i++)
    if (security_ports[i].security == security)
      return security_ports[i].port;

  g_return_val_if_reached (587);
}

gboolean
ep_smtp_port_expected_security (guint16         port,
                                EpSmtpSecurity *out_security)
{
  g_return_val_if_fail (out_security != NULL, FALSE);

  /* Only the two ports whose security the RFCs fix; 25 and the rest say nothing. */
  if (port == 465)
    *out_security = EP_SMTP_SECURITY_TLS;
  else if (port == 587)
    *out_security = EP_SMTP_SECURITY_STARTTLS;
  else
    return FALSE;
  return TRUE;
}

gboolean
ep_smtp_port_security_mismatch (guint16         port,
                                EpSmtpSecurity  security,
                                EpSmtpSecurity *out_expected)
{
  EpSmtpSecurity expected;

  if (!ep_smtp_port_expected_security (port, &expected) || expected == security)
    return FALSE;
  /* 587 carries submission in clear until STARTTLS (RFC 6409): "none" there is weak, which the
   * editor says on its own, but not the wrong mode. 465 speaks TLS from the first byte. */
  if (port == 587 && security == EP_SMTP_SECURITY_NONE)
    return FALSE;
  if (out_expected != NULL)
    *out_expected = expected;
  return TRUE;
}

gboolean
ep_smtp_auth_mechanism_uses_token (EpSmtpAuthMechanism mechanism)
{
  return mechanism == EP_SMTP_AUTH_XOAUTH2 || mechanism == EP_SMTP_AUTH_OAUTHBEARER;
}

gboolean
ep_smtp_auth_mechanism_from_string (const char          *text,
                                    EpSmtpAuthMechanism *out_mechanism)
{
  g_return_val_if_fail (out_mechanism != NULL, FALSE);

  if (text == NULL)
    return FALSE;

  for (guint i = 0; i < G_N_ELEMENTS (mechanism_names); i++)
    {
      if (g_ascii_strcasecmp (text, mechanism_names[i].name) == 0)
        {
          *out_mechanism = mechanism_names[i].mechanism;
          return TRUE;
        }
    }

  return FALSE;
}

const char *
ep_smtp_auth_mechanism_to_string (EpSmtpAuthMechanism mechanism)
{
  for (guint i = 0; i < G_N_ELEMENTS (mechanism_names); i++)
    if (mechanism_names[i].mechanism == mechanism)
      return mechanism_names[i].name;

  g_return_val_if_reached ("auto");
}

gboolean
ep_smtp_error_is_temporary (const GError *error)
{
  if (error == NULL || error->domain != EP_SMTP_ERROR)
    return FALSE;

  switch ((EpSmtpError) error->code)
    {
    case EP_SMTP_ERROR_CONNECT:
    case EP_SMTP_ERROR_TIMEOUT:
    case EP_SMTP_ERROR_AUTH_TEMPORARY:
    case EP_SMTP_ERROR_TEMPORARY:
    case EP_SMTP_ERROR_CONNECTION_LOST:
      return TRUE;
    case EP_SMTP_ERROR_DELIVERY_UNKNOWN:
      /* The server may have the message: trying again could deliver it twice. */
      return FALSE;
    case EP_SMTP_ERROR_TLS:
    case EP_SMTP_ERROR_TLS_CERTIFICATE:
    case EP_SMTP_ERROR_STARTTLS_UNAVAILABLE:
    case EP_SMTP_ERROR_INJECTION:
    case EP_SMTP_ERROR_CLEARTEXT_AUTH:
    case EP_SMTP_ERROR_AUTH_UNSUPPORTED:
    case EP_SMTP_ERROR_AUTH_FAILED:
    case EP_SMTP_ERROR_AUTH_REQUIRED:
    case EP_SMTP_ERROR_AUTH_TOO_WEAK:
    case EP_SMTP_ERROR_AUTH_ENCRYPTION_REQUIRED:
    case EP_SMTP_ERROR_SENDER_REJECTED:
    case EP_SMTP_ERROR_RECIPIENT_REJECTED:
    case EP_SMTP_ERROR_MESSAGE_TOO_BIG:
    case EP_SMTP_ERROR_SMTPUTF8_UNSUPPORTED:
    case EP_SMTP_ERROR_MESSAGE_REJECTED:
    case EP_SMTP_ERROR_PROTOCOL:
    case EP_SMTP_ERROR_SERVICE_REFUSED:
    case EP_SMTP_ERROR_INVALID_ADDRESS:
    case EP_SMTP_ERROR_INVALID_CONFIG:
    case EP_SMTP_ERROR_DSN_UNSUPPORTED:
    case EP_SMTP_ERROR_REQUIRETLS_UNSUPPORTED:
    case EP_SMTP_ERROR_8BITMIME_UNSUPPORTED:
    default:
      return FALSE;
    }
}
