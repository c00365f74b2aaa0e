/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-smtp-error.h: the SMTP engine's error domain and the enums shared by its public API. */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

#define EP_SMTP_ERROR (ep_smtp_error_quark ())

/* The server's reply, when there is one, is always part of the error message. */
typedef enum {
  EP_SMTP_ERROR_CONNECT,                  /* DNS/connect failure */
  EP_SMTP_ERROR_TIMEOUT,
  EP_SMTP_ERROR_TLS,                      /* handshake failure other than certificate */
  EP_SMTP_ERROR_TLS_CERTIFICATE,          /* names the failed check + SHA-256 fingerprint */
  EP_SMTP_ERROR_STARTTLS_UNAVAILABLE,     /* not advertised, or refused (not 220) */
  EP_SMTP_ERROR_INJECTION,                /* bytes after the 220 to STARTTLS (response injection) */
  EP_SMTP_ERROR_CLEARTEXT_AUTH,           /* credentials configured on an unencrypted connection */
  EP_SMTP_ERROR_AUTH_UNSUPPORTED,         /* no usable mechanism offered / AUTH not offered */
  EP_SMTP_ERROR_AUTH_FAILED,              /* 535, or the server failed its SCRAM proof */
  EP_SMTP_ERROR_AUTH_TEMPORARY,           /* 454 */
  EP_SMTP_ERROR_AUTH_REQUIRED,            /* 530 */
  EP_SMTP_ERROR_AUTH_TOO_WEAK,            /* 534 */
  EP_SMTP_ERROR_AUTH_ENCRYPTION_REQUIRED, /* 538 */
  EP_SMTP_ERROR_SENDER_REJECTED,
  EP_SMTP_ERROR_RECIPIENT_REJECTED,       /* one or more (all details in EpSmtpResult) */
  EP_SMTP_ERROR_MESSAGE_TOO_BIG,          /* local SIZE check or 552 */
  EP_SMTP_ERROR_SMTPUTF8_UNSUPPORTED,
  EP_SMTP_ERROR_MESSAGE_REJECTED,         /* 5xx after the end of data */
  EP_SMTP_ERROR_TEMPORARY,                /* 4xx, 421 */
  EP_SMTP_ERROR_PROTOCOL,                 /* malformed / oversized replies, unexpected codes */
  EP_SMTP_ERROR_CONNECTION_LOST,
  EP_SMTP_ERROR_DELIVERY_UNKNOWN,         /* lost after the end of data: "may have been delivered" */
  EP_SMTP_ERROR_SERVICE_REFUSED,          /* 5xx greeting (e.g. 554 no SMTP service here) */
  EP_SMTP_ERROR_INVALID_ADDRESS,          /* envelope address with CR/LF/NUL/<>/space or no '@' */
  EP_SMTP_ERROR_INVALID_CONFIG,           /* no host, CR/LF in the EHLO name, bad fingerprint, a hold
                                             time the server cannot honour (FUTURERELEASE), … */
  EP_SMTP_ERROR_DSN_UNSUPPORTED,          /* notifications asked of a server without DSN */
  EP_SMTP_ERROR_REQUIRETLS_UNSUPPORTED,   /* REQUIRETLS asked of a server without it */
  EP_SMTP_ERROR_8BITMIME_UNSUPPORTED,     /* raw input that needs 8BITMIME, for a server without it */
} EpSmtpError;

GQuark ep_smtp_error_quark (void);

/* The security of a connection: the engine's, the profiles' and the CLI's one set of modes. The
 * GType's nicks ("tls", "starttls", "none") are how profiles.ini and the command line spell them. */
typedef enum {
  EP_SMTP_SECURITY_TLS,       /* implicit TLS, RFC 8314 */
  EP_SMTP_SECURITY_STARTTLS,  /* STARTTLS required, RFC 3207; never opportunistic */
  EP_SMTP_SECURITY_NONE,      /* only when chosen explicitly */
} EpSmtpSecurity;

/* How to sign in. The GType's nicks ("auto", "plain", "cram-md5", "scram-sha-256", ...) are how
 * profiles.ini spells them. A profile never holds NONE (a profile without a user name does not
 * sign in); the CLI's --auth none does. NONE is last so that the others keep the order of the
 * profile editor's list. */
typedef enum {
  EP_SMTP_AUTH_AUTO,          /* strongest offered; no AUTH when no credentials are configured */
  EP_SMTP_AUTH_PLAIN,
  EP_SMTP_AUTH_LOGIN,
  EP_SMTP_AUTH_CRAM_MD5,
  EP_SMTP_AUTH_SCRAM_SHA_1,
  EP_SMTP_AUTH_SCRAM_SHA_256,
  EP_SMTP_AUTH_XOAUTH2,
  EP_SMTP_AUTH_OAUTHBEARER,
  EP_SMTP_AUTH_NONE,          /* never sign in */
} EpSmtpAuthMechanism;

#define EP_TYPE_SMTP_SECURITY       (ep_smtp_security_get_type ())
#define EP_TYPE_SMTP_AUTH_MECHANISM (ep_smtp_auth_mechanism_get_type ())
GType       ep_smtp_security_get_type          (void) G_GNUC_CONST;
GType       ep_smtp_auth_mechanism_get_type    (void) G_GNUC_CONST;

/* "tls", "starttls", "none" (case-insensitive). */
gboolean    ep_smtp_security_from_string       (const char          *text,
                                                EpSmtpSecurity      *out_security);
const char *ep_smtp_security_to_string         (EpSmtpSecurity       security);
guint16     ep_smtp_security_default_port      (EpSmtpSecurity       security);
/* The security a submission port is meant for: 465 implicit TLS (RFC 8314 §3.3), 587 STARTTLS
 * (RFC 6409 §3.1). FALSE for any other port. */
gboolean    ep_smtp_port_expected_security     (guint16              port,
                                                EpSmtpSecurity      *out_security);
/* TRUE when @security is wrong for @port: anything but implicit TLS on 465, implicit TLS on 587
 * (the usual mistakes); @out_expected (nullable) gets the mode the port expects. */
gboolean    ep_smtp_port_security_mismatch     (guint16              port,
                                                EpSmtpSecurity       security,
                                                EpSmtpSecurity      *out_expected);
/* XOAUTH2 and OAUTHBEARER sign in with a bearer token; the others with a password. */
gboolean    ep_smtp_auth_mechanism_uses_token  (EpSmtpAuthMechanism  mechanism);

/* "auto", "none", "PLAIN", "LOGIN", "CRAM-MD5", "SCRAM-SHA-1", "SCRAM-SHA-256", "XOAUTH2",
 * "OAUTHBEARER" (case-insensitive, as the server names them). */
gboolean    ep_smtp_auth_mechanism_from_string (const char          *text,
                                                EpSmtpAuthMechanism *out_mechanism);
const char *ep_smtp_auth_mechanism_to_string   (EpSmtpAuthMechanism  mechanism);

/* TRUE for the codes that mean "try again later" (4xx, timeouts, connections lost before the end
 * of the message). Never for EP_SMTP_ERROR_DELIVERY_UNKNOWN: the message may have been delivered,
 * and trying again could deliver it twice. */
gboolean    ep_smtp_error_is_temporary         (const GError        *error);

G_END_DECLS
