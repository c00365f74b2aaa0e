/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-smtp-config.h: what a session needs to know about the server and the account (a plain boxed struct). */
#pragma once

#include <gio/gio.h>

#include "ep-smtp-error.h"

G_BEGIN_DECLS

#define EP_SMTP_DEFAULT_TIMEOUT_SECONDS 60

typedef struct {
  char           *host;
  guint16         port;             /* 0 = the default of @security (465 tls, 587 starttls and none) */
  EpSmtpSecurity  security;
  char           *username;         /* nullable */
  char           *password;         /* nullable; never logged */
  char           *oauth_token;      /* nullable; for XOAUTH2/OAUTHBEARER; never logged */
  EpSmtpAuthMechanism auth;
  char           *cafile;           /* nullable: extra PEM trust anchors; an absolute path */
  char           *pinned_sha256;    /* nullable: hex (colons optional) SHA-256 of the DER certificate; when set
                                       and connecting to pinned_host:pinned_port, a certificate with this
                                       fingerprint is accepted even if otherwise untrusted, and any other
                                       certificate is rejected; for any other server it does not apply */
  char           *pinned_host;      /* the server the pin was accepted for; required with pinned_sha256 */
  guint16         pinned_port;      /* its port; 0 = the default of @security, as for @port */
  char           *ehlo_name;        /* nullable: default "[a.b.c.d]", the literal of the local address */
  guint           timeout_seconds;  /* per network operation; 0 = EP_SMTP_DEFAULT_TIMEOUT_SECONDS */
  gboolean        allow_partial;    /* deliver to the accepted recipients when some are refused */
} EpSmtpConfig;

#define EP_TYPE_SMTP_CONFIG (ep_smtp_config_get_type ())

GType         ep_smtp_config_get_type (void) G_GNUC_CONST;
/* Security STARTTLS, AUTH_AUTO, the default timeout; everything else empty. */
EpSmtpConfig *ep_smtp_config_new      (void);
EpSmtpConfig *ep_smtp_config_copy     (const EpSmtpConfig *self);
/* Overwrites the secrets before freeing them. */
void          ep_smtp_config_free     (EpSmtpConfig       *self);

/* Checks what can be checked without a network: host set, no control characters in host, EHLO name
 * and user name, a well-formed fingerprint with the server it is for, an absolute cafile path, ...
 * Error: EP_SMTP_ERROR_INVALID_CONFIG. */
gboolean      ep_smtp_config_validate (const EpSmtpConfig *self,
                                       GError            **error);

guint16       ep_smtp_config_get_port             (const EpSmtpConfig *self);
guint16       ep_smtp_config_get_pinned_port      (const EpSmtpConfig *self);
guint         ep_smtp_config_get_timeout          (const EpSmtpConfig *self);
gboolean      ep_smtp_config_has_credentials      (const EpSmtpConfig *self);

/* "host:port", or "[IPv6]:port" for an IPv6 address: how a server is named to people. */
char         *ep_smtp_format_server               (const char         *host,
                                                   guint16             port);

/* Normalises a fingerprint "AB:cd:…" or "abcd…" to 64 lower-case hex digits; NULL if malformed. */
char         *ep_smtp_fingerprint_normalize       (const char         *text);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (EpSmtpConfig, ep_smtp_config_free)

G_END_DECLS
