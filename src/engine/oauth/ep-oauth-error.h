/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-oauth-error.h: the error domain of built-in sign-in (OAuth 2.0). */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define EP_OAUTH_ERROR (ep_oauth_error_quark ())

/**
 * EpOAuthError:
 * @EP_OAUTH_ERROR_NO_CLIENT_ID: no client ID is configured for the provider (the message says how
 *   to set one)
 * @EP_OAUTH_ERROR_UNKNOWN_PROVIDER: the profile names a provider the table does not know, or a
 *   custom provider without its endpoints
 * @EP_OAUTH_ERROR_NOT_SIGNED_IN: no refresh token is saved for the profile: sign in first
 * @EP_OAUTH_ERROR_SIGN_IN_AGAIN: the provider refused the saved refresh token (revoked, expired,
 *   password changed: RFC 6749 §5.2 "invalid_grant"): the person must sign in again
 * @EP_OAUTH_ERROR_ACCESS_DENIED: the person declined the access (RFC 6749 §4.1.2.1, RFC 8628
 *   §3.5 "access_denied")
 * @EP_OAUTH_ERROR_STATE_MISMATCH: the browser came back with another request's state: not ours
 * @EP_OAUTH_ERROR_EXPIRED: the device code expired before the person finished (RFC 8628 §3.5)
 * @EP_OAUTH_ERROR_TIMEOUT: the browser did not come back in time
 * @EP_OAUTH_ERROR_NO_DEVICE_FLOW: the provider has no device authorization endpoint
 * @EP_OAUTH_ERROR_SERVER: the authorization server answered with another error (its code and
 *   description are in the message)
 * @EP_OAUTH_ERROR_PROTOCOL: the answer could not be understood
 * @EP_OAUTH_ERROR_NETWORK: the authorization server could not be reached (connection, TLS)
 */
typedef enum {
  EP_OAUTH_ERROR_NO_CLIENT_ID,
  EP_OAUTH_ERROR_UNKNOWN_PROVIDER,
  EP_OAUTH_ERROR_NOT_SIGNED_IN,
  EP_OAUTH_ERROR_SIGN_IN_AGAIN,
  EP_OAUTH_ERROR_ACCESS_DENIED,
  EP_OAUTH_ERROR_STATE_MISMATCH,
  EP_OAUTH_ERROR_EXPIRED,
  EP_OAUTH_ERROR_TIMEOUT,
  EP_OAUTH_ERROR_NO_DEVICE_FLOW,
  EP_OAUTH_ERROR_SERVER,
  EP_OAUTH_ERROR_PROTOCOL,
  EP_OAUTH_ERROR_NETWORK,
} EpOAuthError;

GQuark ep_oauth_error_quark (void);

G_END_DECLS
