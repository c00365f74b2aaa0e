/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-profile.h: one SMTP server profile (identity, server, security, authentication). */
#pragma once

#include <gio/gio.h>

#include "ep-identity.h"
#include "ep-smtp-capabilities.h"
#include "ep-smtp-config.h"

G_BEGIN_DECLS

/* The built-in Sandbox profile's fixed id. */
#define EP_PROFILE_SANDBOX_ID "sandbox"

/* Per network operation; the CLI's --timeout has the same default. */
#define EP_PROFILE_DEFAULT_TIMEOUT 60
#define EP_PROFILE_MAX_TIMEOUT     3600

/* A profile's security and sign-in method are the engine's own enums (EpSmtpSecurity,
 * EpSmtpAuthMechanism, in ep-smtp-error.h); profiles.ini spells them with their GType nicks. */

/* Built-in sign-in (OAuth 2.0): which provider, and the "Use my own client ID" values; the
 * endpoints and scope are read only for the custom provider (the others are the engine's
 * provider table). Each is a string property and a profiles.ini key of the same name
 * (ep_profile_oauth_setting_name()); "" when not set. */
typedef enum {
  EP_PROFILE_OAUTH_PROVIDER,          /* "oauth-provider": a provider id; "" = no built-in sign-in */
  EP_PROFILE_OAUTH_CLIENT_ID,         /* "oauth-client-id": wins over the build's client ID */
  EP_PROFILE_OAUTH_CLIENT_SECRET,     /* "oauth-client-secret": for providers that want one */
  EP_PROFILE_OAUTH_AUTHORIZATION_URL, /* "oauth-authorization-url" */
  EP_PROFILE_OAUTH_TOKEN_URL,         /* "oauth-token-url" */
  EP_PROFILE_OAUTH_DEVICE_URL,        /* "oauth-device-url" (RFC 8628 §3.1) */
  EP_PROFILE_OAUTH_SCOPE,             /* "oauth-scope": space-separated */
  EP_PROFILE_N_OAUTH_SETTINGS,
} EpProfileOAuthSetting;

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
EpSmtpSecurity     ep_profile_get_security       (EpProfile         *self);
void               ep_profile_set_security       (EpProfile         *self,
                                                  EpSmtpSecurity     security);
const char        *ep_profile_get_username       (EpProfile         *self);
void               ep_profile_set_username       (EpProfile         *self,
                                                  const char        *username);
EpSmtpAuthMechanism ep_profile_get_auth          (EpProfile         *self);
void               ep_profile_set_auth           (EpProfile         *self,
                                                  EpSmtpAuthMechanism auth);
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
/* What the server said about FUTURERELEASE (RFC 4865) in the last EHLO reply seen, and when:
 * %NULL when never seen. The limits are 0 when not announced. */
GDateTime         *ep_profile_get_future_release_learned (EpProfile  *self);
gboolean           ep_profile_get_future_release (EpProfile         *self,
                                                  guint64           *out_max_interval,
                                                  gint64            *out_max_date);
void               ep_profile_set_future_release (EpProfile         *self,
                                                  GDateTime         *learned,
                                                  gboolean           offered,
                                                  guint64            max_interval,
                                                  gint64             max_date);
/* Whether, as last learned, the server holds a message until @until (@now: the current time
 * when %NULL). */
gboolean           ep_profile_can_hold_until     (EpProfile         *self,
                                                  GDateTime         *until,
                                                  GDateTime         *now);
/* Remembers what @caps (an EHLO reply seen at @when, %NULL: now) says the app needs later:
 * the SIZE limit when one was announced, FUTURERELEASE with its limits, DSN, REQUIRETLS and
 * 8BITMIME. */
void               ep_profile_learn_capabilities (EpProfile                *self,
                                                  const EpSmtpCapabilities *caps,
                                                  GDateTime                *when);
/* DSN, REQUIRETLS and 8BITMIME as learned with the rest (ep_profile_learn_capabilities()). */
EpSmtpCapFlags     ep_profile_get_delivery_extensions (EpProfile      *self,
                                                       gboolean       *out_known);
void               ep_profile_set_delivery_extensions (EpProfile      *self,
                                                       EpSmtpCapFlags  flags);

const char        *ep_profile_oauth_setting_name (EpProfileOAuthSetting setting);
const char        *ep_profile_get_oauth_setting (EpProfile             *self,
                                                 EpProfileOAuthSetting  setting);
void               ep_profile_set_oauth_setting (EpProfile             *self,
                                                 EpProfileOAuthSetting  setting,
                                                 const char            *value);

/* The copy in the server's Sent folder (IMAP APPEND): on or off, and the IMAP server. The
 * port 0 is the default of the IMAP security; the user name "" is the SMTP one; the secret is
 * the SMTP side's unless imap-own-password (then a password of its own, in the keyring); the
 * Sent folder "" is found on the server. */
gboolean           ep_profile_get_sent_copy      (EpProfile         *self);
void               ep_profile_set_sent_copy      (EpProfile         *self,
                                                  gboolean           sent_copy);
gboolean           ep_profile_get_imap_own_password (EpProfile      *self);
void               ep_profile_set_imap_own_password (EpProfile      *self,
                                                     gboolean        own_password);
const char        *ep_profile_get_imap_host      (EpProfile         *self);
void               ep_profile_set_imap_host      (EpProfile         *self,
                                                  const char        *host);
guint16            ep_profile_get_imap_port      (EpProfile         *self);
void               ep_profile_set_imap_port      (EpProfile         *self,
                                                  guint16            port);
EpSmtpSecurity     ep_profile_get_imap_security  (EpProfile         *self);
void               ep_profile_set_imap_security  (EpProfile         *self,
                                                  EpSmtpSecurity     security);
const char        *ep_profile_get_imap_username  (EpProfile         *self);
void               ep_profile_set_imap_username  (EpProfile         *self,
                                                  const char        *username);
const char        *ep_profile_get_imap_sent_folder (EpProfile       *self);
void               ep_profile_set_imap_sent_folder (EpProfile       *self,
                                                    const char      *folder);
/* A certificate the person chose to trust for the IMAP server (as pinned-sha256 for SMTP):
 * forgotten when the IMAP host or port changes; set it after them. */
const char        *ep_profile_get_imap_pinned_sha256 (EpProfile     *self);
void               ep_profile_set_imap_pinned_sha256 (EpProfile     *self,
                                                      const char    *pinned_sha256);

/* The Froms the profile sends as (ep-identity.h), in their order. A profile without its own
 * has one, the default, from its sender name and address (none while that address is empty):
 * ep_profile_has_identities() tells them apart. */
gboolean           ep_profile_has_identities     (EpProfile         *self);
GPtrArray         *ep_profile_dup_identities     (EpProfile         *self);
void               ep_profile_set_identities     (EpProfile         *self,
                                                  GPtrArray         *identities);
/* The one marked default, else the first; %NULL when there is none. */
EpIdentity        *ep_profile_dup_default_identity (EpProfile       *self);

EpSmtpConfig      *ep_profile_to_smtp_config     (EpProfile         *self,
                                                  const char        *password);

G_END_DECLS
