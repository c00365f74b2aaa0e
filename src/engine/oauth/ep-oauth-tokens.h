/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-oauth-tokens.h: what a sign-in yields (EpOAuthTokens), and the options every call to an
 * authorization server takes (EpOAuthOptions). */
#pragma once

#include <gio/gio.h>

#include "ep-smtp-transcript.h"

G_BEGIN_DECLS

/* How long the browser flow waits for the redirect by default: long enough to type a password
 * and a second factor. */
#define EP_OAUTH_DEFAULT_BROWSER_TIMEOUT 300
/* Per HTTP request to an endpoint. */
#define EP_OAUTH_HTTP_TIMEOUT 30
/* RFC 8628 §3.2: the polling interval when the server gives none, and §3.5: what "slow_down"
 * adds to it, in seconds. */
#define EP_OAUTH_DEVICE_DEFAULT_INTERVAL 5
#define EP_OAUTH_DEVICE_SLOW_DOWN_STEP   5

/**
 * EpOAuthTokens:
 * @access_token: the bearer token for SMTP; never logged
 * @refresh_token: (nullable): for new access tokens later; never logged, kept only in the keyring
 * @expires_at: when @access_token expires, in g_get_real_time() microseconds
 * @account: (nullable): who signed in (the id token's email, or its preferred user name), for
 *   "Signed in as …"; not verified, for display only
 */
typedef struct {
  char   *access_token;
  char   *refresh_token;
  gint64  expires_at;
  char   *account;
} EpOAuthTokens;

/**
 * EpOAuthOptions:
 * @tls_database: (nullable): the certificates to trust for the endpoints; %NULL: the system's
 *   (or the one given to ep_oauth_set_default_tls_database()). Certificates are always checked.
 * @timeout_seconds: how long the browser flow waits for the redirect; 0:
 *   %EP_OAUTH_DEFAULT_BROWSER_TIMEOUT
 * @login_hint: (nullable): the address to sign in as, passed to the provider as a hint
 * @transcript: (nullable): gets one "I:" line per endpoint step (what was asked, the status,
 *   never a token or a code)
 */
typedef struct {
  GTlsDatabase     *tls_database;
  guint             timeout_seconds;
  const char       *login_hint;
  EpSmtpTranscript *transcript;
} EpOAuthOptions;

void          ep_oauth_tokens_free              (EpOAuthTokens        *tokens);

/* For endpoints whose certificates only a caller-chosen database trusts (tests, a company CA):
 * used whenever EpOAuthOptions gives none, including for the refreshes a send does. NULL:
 * the system's again. */
void          ep_oauth_set_default_tls_database (GTlsDatabase         *database);
/* The database @options (nullable) asks for, else the default one; NULL: the system's. */
GTlsDatabase *ep_oauth_options_dup_tls_database (const EpOAuthOptions *options);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (EpOAuthTokens, ep_oauth_tokens_free)

G_END_DECLS
