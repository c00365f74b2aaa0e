/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-oauth-account.h: a profile's sign-in: its refresh token in the keyring (ep-secrets.h, kind
 * "oauth2-refresh-token"), its access token in this process's memory with its expiry, refreshed
 * before it expires, or at once when a server refused it. Thread-safe; the calls block (the
 * keyring, the token endpoint): for worker threads and command-line tools. */
#pragma once

#include <gio/gio.h>

#include "ep-oauth-flow.h"
#include "ep-profile.h"

G_BEGIN_DECLS

/* An access token this close to its expiry is refreshed first: a send must not start with a
 * token that dies during the session. */
#define EP_OAUTH_REFRESH_MARGIN_SECONDS 120

typedef enum {
  EP_OAUTH_TOKEN_DEFAULT       = 0,
  /* The server refused the token in memory (SMTP 535 after the XOAUTH2/OAUTHBEARER failure
   * challenge): ask the token endpoint for a new one whatever its expiry says. */
  EP_OAUTH_TOKEN_FORCE_REFRESH = 1 << 0,
} EpOAuthTokenFlags;

/* After a sign-in: the refresh token to the keyring (replacing the one before), the access
 * token to memory. Errors: the keyring's (EP_STORE_ERROR_*). */
gboolean  ep_oauth_account_save_sync             (EpProfile              *profile,
                                                  const EpOAuthProvider  *provider,
                                                  const EpOAuthTokens    *tokens,
                                                  GCancellable           *cancellable,
                                                  GError                **error);

/* A valid access token for @profile, from memory or refreshed with the saved refresh token
 * (a new refresh token the provider hands out replaces the saved one). Errors:
 * EP_OAUTH_ERROR_NOT_SIGNED_IN (nothing saved, or no keyring to save in),
 * EP_OAUTH_ERROR_SIGN_IN_AGAIN (the provider refused the refresh token), the endpoint's
 * errors (ep-oauth-flow.h), the keyring's; G_IO_ERROR_CANCELLED.
 * Returns: (transfer full): the token; wipe it with ep_secrets_password_free() */
char     *ep_oauth_account_dup_access_token_sync (EpProfile              *profile,
                                                  const EpOAuthProvider  *provider,
                                                  EpOAuthTokenFlags       flags,
                                                  const EpOAuthOptions   *options,
                                                  GCancellable           *cancellable,
                                                  GError                **error);

/* Forgets the sign-in: the refresh token in the keyring and the access token in memory. */
gboolean  ep_oauth_account_sign_out_sync         (const char             *profile_id,
                                                  GCancellable           *cancellable,
                                                  GError                **error);

/* Whether a refresh token is saved for @profile_id (FALSE too when there is no keyring). */
gboolean  ep_oauth_account_is_signed_in_sync     (const char             *profile_id,
                                                  GCancellable           *cancellable);

G_END_DECLS
