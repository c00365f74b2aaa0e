/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-oauth-provider.h: who signs people in for which mail service: the authorization, token and
 * device endpoints, the SMTP scope, the SASL mechanism, and this build's client ID. */
#pragma once

#include <gio/gio.h>

#include "ep-profile.h"
#include "ep-smtp-error.h"

G_BEGIN_DECLS

/* The provider ids of the table (a profile's "oauth-provider"). */
#define EP_OAUTH_PROVIDER_GOOGLE                  "google"
#define EP_OAUTH_PROVIDER_MICROSOFT_CONSUMERS     "microsoft-consumers"
#define EP_OAUTH_PROVIDER_MICROSOFT_ORGANIZATIONS "microsoft-organizations"
#define EP_OAUTH_PROVIDER_YAHOO                   "yahoo"
#define EP_OAUTH_PROVIDER_AOL                     "aol"
#define EP_OAUTH_PROVIDER_FASTMAIL                "fastmail"
/* Any other issuer: its endpoints and scope come from the profile. */
#define EP_OAUTH_PROVIDER_CUSTOM                  "custom"

/**
 * EpOAuthProvider:
 * @id: one of the EP_OAUTH_PROVIDER_* ids
 * @name: what people call it ("Google"), not translated
 * @authorization_url: the authorization endpoint (RFC 6749 §3.1)
 * @token_url: the token endpoint (RFC 6749 §3.2)
 * @device_url: (nullable): the device authorization endpoint (RFC 8628 §3.1); %NULL when the
 *   provider does not allow the device flow for the mail scope
 * @scope: the space-separated scopes that allow SMTP (and a refresh token)
 * @mechanism: the SASL mechanism its SMTP servers take the token with
 * @client_id: (nullable): this build's (or the profile's own) client ID; %NULL when none is
 *   configured, and ep_oauth_provider_check_client() says how to set one
 * @client_secret: (nullable): sent along with @client_id where the provider issues one for
 *   native apps (it is not confidential there: RFC 8252 §8.5)
 * @build_option: (nullable): the meson option that sets @client_id in a build
 *
 * A plain boxed struct; the table's entries are copied out, so callers may change a copy (the
 * tests point one at a local server).
 */
typedef struct {
  char                *id;
  char                *name;
  char                *authorization_url;
  char                *token_url;
  char                *device_url;
  char                *scope;
  EpSmtpAuthMechanism  mechanism;
  char                *client_id;
  char                *client_secret;
  char                *build_option;
} EpOAuthProvider;

#define EP_TYPE_OAUTH_PROVIDER (ep_oauth_provider_get_type ())

GType                ep_oauth_provider_get_type     (void) G_GNUC_CONST;

/* The table's ids, in the order a list shows them (the custom one last); a static array. */
const char * const  *ep_oauth_provider_list_ids     (void);

/* A copy of the table's entry with this build's client ID (NULL when @id is unknown or custom). */
EpOAuthProvider     *ep_oauth_provider_lookup       (const char                *id);

/* A custom issuer. @device_url is nullable. */
EpOAuthProvider     *ep_oauth_provider_new_custom   (const char                *authorization_url,
                                                     const char                *token_url,
                                                     const char                *device_url,
                                                     const char                *scope,
                                                     EpSmtpAuthMechanism        mechanism);

/* The provider a profile signs in with: its "oauth-provider" entry, or the custom issuer its
 * settings describe. The client ID is the profile's own ("Use my own client ID") if it has
 * one, else @client_id (the application's setting; nullable), else the build's; the secret
 * comes with it. NULL with EP_OAUTH_ERROR_UNKNOWN_PROVIDER when the profile does not use
 * built-in sign-in or names an unknown provider. */
EpOAuthProvider     *ep_oauth_provider_for_profile  (EpProfile                 *profile,
                                                     const char                *client_id,
                                                     const char                *client_secret,
                                                     GError                   **error);

/* The application's own client ID for @provider_id, and its secret if any, from @settings'
 * "oauth-client-ids" and "oauth-client-secrets" (dictionaries keyed by provider id). NULL each
 * when none is set there, and the build's applies. @settings may be NULL (no schema installed). */
void                 ep_oauth_client_from_settings  (GSettings                 *settings,
                                                     const char                *provider_id,
                                                     char                     **client_id,
                                                     char                     **client_secret);

/* Whether the profile signs in with a built-in provider (its "oauth-provider" is set). */
gboolean             ep_oauth_provider_profile_uses (EpProfile                 *profile);

/* FALSE with EP_OAUTH_ERROR_NO_CLIENT_ID, saying how to configure one, when @self has none. */
gboolean             ep_oauth_provider_check_client (const EpOAuthProvider     *self,
                                                     GError                   **error);

EpOAuthProvider     *ep_oauth_provider_copy         (const EpOAuthProvider     *self);
void                 ep_oauth_provider_free         (EpOAuthProvider           *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (EpOAuthProvider, ep_oauth_provider_free)

G_END_DECLS
