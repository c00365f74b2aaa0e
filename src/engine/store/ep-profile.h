/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-profile.h: one SMTP server profile (identity, server, security, authentication). */
#pragma once

#include <gio/gio.h>

#include "ep-smtp-config.h"

G_BEGIN_DECLS

/* The built-in Sandbox profile's fixed id (issue: "Built-in Sandbox"). */
#define EP_PROFILE_SANDBOX_ID "sandbox"

/* Per network operation; the CLI's --timeout has the same default. */
#define EP_PROFILE_DEFAULT_TIMEOUT 60
#define EP_PROFILE_MAX_TIMEOUT     3600

typedef enum {
  EP_PROFILE_SECURITY_TLS,       /* implicit TLS (RFC 8314), usually port 465 */
  EP_PROFILE_SECURITY_STARTTLS,  /* STARTTLS required, never opportunistic (RFC 3207) */
  EP_PROFILE_SECURITY_NONE,      /* everything in clear */
} EpProfileSecurity;

typedef enum {
  EP_PROFILE_AUTH_AUTO,          /* the best mechanism the server offers */
  EP_PROFILE_AUTH_PLAIN,
  EP_PROFILE_AUTH_LOGIN,
  EP_PROFILE_AUTH_CRAM_MD5,
  EP_PROFILE_AUTH_SCRAM_SHA_1,
  EP_PROFILE_AUTH_SCRAM_SHA_256,
  EP_PROFILE_AUTH_XOAUTH2,
  EP_PROFILE_AUTH_OAUTHBEARER,
} EpProfileAuth;

#define EP_TYPE_PROFILE_SECURITY (ep_profile_security_get_type ())
#define EP_TYPE_PROFILE_AUTH     (ep_profile_auth_get_type ())
GType ep_profile_security_get_type (void) G_GNUC_CONST;
GType ep_profile_auth_get_type     (void) G_GNUC_CONST;

const char *ep_profile_security_to_string     (EpProfileSecurity  security);
gboolean    ep_profile_security_from_string   (const char        *string,
                                               EpProfileSecurity *out_security);
/* The usual port for @security (as the engine's ep_smtp_security_default_port). */
guint16     ep_profile_security_default_port  (EpProfileSecurity  security);
/* @security is wrong for @port (as ep_smtp_port_security_mismatch): STARTTLS on 465, ... */
gboolean    ep_profile_security_mismatch      (guint16            port,
                                               EpProfileSecurity  security);
/* The mechanism signs in with an access token rather than a password. */
gboolean    ep_profile_auth_uses_token        (EpProfileAuth      auth);
const char *ep_profile_auth_to_string         (EpProfileAuth      auth);
gboolean    ep_profile_auth_from_string       (const char        *string,
                                               EpProfileAuth     *out_auth);

#define EP_TYPE_PROFILE (ep_profile_get_type ())
G_DECLARE_FINAL_TYPE (EpProfile, ep_profile, EP, PROFILE, GObject)

EpProfile         *ep_profile_new                (const char        *name);
EpProfile         *ep_profile_new_with_id        (const char        *id,
                                                  const char        *name);
EpProfile         *ep_profile_new_sandbox        (void);
EpProfile         *ep_profile_copy               (EpProfile         *self,
                                                  const char        *new_id,
                                                  const char        *new_name);

gboolean           ep_profile_id_is_valid        (const char        *id);
gboolean           ep_profile_validate           (EpProfile         *self,
                                                  GError           **error);

const char        *ep_profile_get_id             (EpProfile         *self);
gboolean           ep_profile_get_is_sandbox     (EpProfile         *self);
const char        *ep_profile_get_name           (EpProfile         *self);
void               ep_profile_set_name           (EpProfile         *self,
                                                  const char        *name);
const char        *ep_profile_get_sender_name    (EpProfile         *self);
void               ep_profile_set_sender_name    (EpProfile         *self,
                                                  const char        *sender_name);
const char        *ep_profile_get_sender_address (EpProfile         *self);
void               ep_profile_set_sender_address (EpProfile         *self,
                                                  const char        *sender_address);
const char        *ep_profile_get_host           (EpProfile         *self);
void               ep_profile_set_host           (EpProfile         *self,
                                                  const char        *host);
guint16            ep_profile_get_port           (EpProfile         *self);
void               ep_profile_set_port           (EpProfile         *self,
                                                  guint16            port);
EpProfileSecurity  ep_profile_get_security       (EpProfile         *self);
void               ep_profile_set_security       (EpProfile         *self,
                                                  EpProfileSecurity  security);
const char        *ep_profile_get_username       (EpProfile         *self);
void               ep_profile_set_username       (EpProfile         *self,
                                                  const char        *username);
EpProfileAuth      ep_profile_get_auth           (EpProfile         *self);
void               ep_profile_set_auth           (EpProfile         *self,
                                                  EpProfileAuth      auth);
gboolean           ep_profile_has_server         (EpProfile         *self,
                                                  const char        *host,
                                                  guint16            port);
const char        *ep_profile_get_pinned_sha256  (EpProfile         *self);
void               ep_profile_set_pinned_sha256  (EpProfile         *self,
                                                  const char        *pinned_sha256);
guint              ep_profile_get_timeout        (EpProfile         *self);
void               ep_profile_set_timeout        (EpProfile         *self,
                                                  guint              timeout);
const char        *ep_profile_get_ehlo_name      (EpProfile         *self);
void               ep_profile_set_ehlo_name      (EpProfile         *self,
                                                  const char        *ehlo_name);
guint64            ep_profile_get_size_limit     (EpProfile         *self);
void               ep_profile_set_size_limit     (EpProfile         *self,
                                                  guint64            size_limit);

EpSmtpConfig      *ep_profile_to_smtp_config     (EpProfile         *self,
                                                  const char        *password);

G_END_DECLS
