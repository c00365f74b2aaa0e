/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-oauth-flow.h: signing in with OAuth 2.0: the browser flow (RFC 6749 §4.1 with PKCE, RFC
 * 7636, and the native-app rules of RFC 8252: a loopback redirect on 127.0.0.1), the device flow
 * (RFC 8628), and refreshing an access token (RFC 6749 §6). Blocking calls, each bounded and
 * cancellable, for a worker thread or a command-line tool; the _async forms run them on a worker
 * thread and call back on the caller's main context. Opening the browser, and showing a device
 * code, is the caller's job. */
#pragma once

#include <gio/gio.h>

#include "ep-oauth-provider.h"
#include "ep-oauth-tokens.h"

G_BEGIN_DECLS

/* The browser flow's URL to open (in the system browser, never in a web view of ours). */
typedef void (*EpOAuthOpenUriFunc)    (const char *uri,
                                       gpointer    user_data);
/* The device flow's code to show: the person goes to @verification_uri (or straight to
 * @verification_uri_complete, nullable, which carries the code) and types @user_code. */
typedef void (*EpOAuthDeviceCodeFunc) (const char *user_code,
                                       const char *verification_uri,
                                       const char *verification_uri_complete,
                                       guint       expires_in_seconds,
                                       gpointer    user_data);

typedef enum {
  EP_OAUTH_FLOW_BROWSER,
  EP_OAUTH_FLOW_DEVICE,
} EpOAuthFlow;

/* Errors: EP_OAUTH_ERROR_NO_CLIENT_ID, _ACCESS_DENIED, _STATE_MISMATCH, _TIMEOUT, _SERVER,
 * _PROTOCOL, _NETWORK; G_IO_ERROR_CANCELLED. @open_uri is called once, on this thread. */
EpOAuthTokens   *ep_oauth_sign_in_browser_sync    (const EpOAuthProvider  *provider,
                                                   const EpOAuthOptions   *options,
                                                   EpOAuthOpenUriFunc      open_uri,
                                                   gpointer                user_data,
                                                   GCancellable           *cancellable,
                                                   GError                **error);
/* Errors: EP_OAUTH_ERROR_NO_DEVICE_FLOW, _NO_CLIENT_ID, _ACCESS_DENIED, _EXPIRED, _SERVER,
 * _PROTOCOL, _NETWORK; G_IO_ERROR_CANCELLED. @show_code is called once, on this thread. */
EpOAuthTokens   *ep_oauth_sign_in_device_sync     (const EpOAuthProvider  *provider,
                                                   const EpOAuthOptions   *options,
                                                   EpOAuthDeviceCodeFunc   show_code,
                                                   gpointer                user_data,
                                                   GCancellable           *cancellable,
                                                   GError                **error);
/* A new access token (and perhaps a new refresh token: keep it). Errors:
 * EP_OAUTH_ERROR_SIGN_IN_AGAIN when the refresh token is refused, _SERVER, _PROTOCOL, _NETWORK. */
EpOAuthTokens   *ep_oauth_refresh_sync            (const EpOAuthProvider  *provider,
                                                   const EpOAuthOptions   *options,
                                                   const char             *refresh_token,
                                                   GCancellable           *cancellable,
                                                   GError                **error);

/* Either flow on a worker thread; @open_uri (browser) or @show_code (device) is called on the
 * caller's thread-default main context. @options is copied (its transcript is not used). */
void             ep_oauth_sign_in_async           (const EpOAuthProvider  *provider,
                                                   EpOAuthFlow             flow,
                                                   const EpOAuthOptions   *options,
                                                   EpOAuthOpenUriFunc      open_uri,
                                                   EpOAuthDeviceCodeFunc   show_code,
                                                   gpointer                user_data,
                                                   GCancellable           *cancellable,
                                                   GAsyncReadyCallback     callback,
                                                   gpointer                callback_data);
EpOAuthTokens   *ep_oauth_sign_in_finish          (GAsyncResult           *result,
                                                   GError                **error);

G_END_DECLS
