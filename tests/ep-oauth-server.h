/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-oauth-server.h: a fake OAuth 2.0 authorization server for tests, over HTTPS on 127.0.0.1
 * (the test CA's "good" certificate), on a thread of its own. */
#pragma once

#include <gio/gio.h>

#include "ep-oauth-provider.h"

G_BEGIN_DECLS

/*
 * Endpoints (client ID EP_OAUTH_SERVER_CLIENT_ID, scope EP_OAUTH_SERVER_SCOPE):
 *
 *   GET  /authorize  checks the request (response_type=code, the client, a loopback redirect,
 *                    state, an S256 code_challenge) and answers 302 to the redirect with a code
 *                    and the state, as the consent mode says; 400 when the request is wrong
 *   POST /token      authorization_code (the PKCE verifier checked against the challenge),
 *                    refresh_token (rotated: the old one stops working), device_code (answers
 *                    from the device script)
 *   POST /device     a device code, user code EP_OAUTH_SERVER_USER_CODE, interval 1 s
 *
 * Tokens are numbered and predictable, so that a test can expect the exact SASL string:
 * ep_oauth_server_access_token (1) is "epistle-test-access-0001", the first issued.
 */

#define EP_OAUTH_SERVER_CLIENT_ID "epistle-test-client"
#define EP_OAUTH_SERVER_SCOPE     "smtp offline"
#define EP_OAUTH_SERVER_USER_CODE "WDJB-MJHT"
#define EP_OAUTH_SERVER_ACCOUNT   "me@example.org"

typedef enum {
  EP_OAUTH_CONSENT_GRANT,
  EP_OAUTH_CONSENT_DENY,         /* error=access_denied */
  EP_OAUTH_CONSENT_WRONG_STATE,  /* a code with another state than the request's */
} EpOAuthConsent;

typedef struct _EpOAuthServer EpOAuthServer;

/* Called on the server's thread before it answers a refresh. */
typedef void (*EpOAuthServerHook) (gpointer user_data);

EpOAuthServer   *ep_oauth_server_new               (void);
void             ep_oauth_server_free              (EpOAuthServer      *self);

/* A custom provider pointing at this server, with its client ID. */
EpOAuthProvider *ep_oauth_server_dup_provider      (EpOAuthServer      *self);
char            *ep_oauth_server_dup_url           (EpOAuthServer      *self,
                                                    const char         *path);

void             ep_oauth_server_set_consent       (EpOAuthServer      *self,
                                                    EpOAuthConsent      consent);
/* The poll answers of the device flow, in order: "authorization_pending", "slow_down",
 * "expired_token", "access_denied" or "ok" (tokens). After the last, "ok". */
void             ep_oauth_server_set_device_script (EpOAuthServer      *self,
                                                    const char * const *answers);
void             ep_oauth_server_set_expires_in    (EpOAuthServer      *self,
                                                    guint               seconds);
/* Every refresh token issued so far stops working (invalid_grant). */
void             ep_oauth_server_revoke            (EpOAuthServer      *self);
void             ep_oauth_server_set_refresh_hook  (EpOAuthServer      *self,
                                                    EpOAuthServerHook   hook,
                                                    gpointer            user_data);

/* The tokens the server hands out, by number (1: the first). */
char            *ep_oauth_server_access_token      (guint               number);
char            *ep_oauth_server_refresh_token     (guint               number);

/* How often each thing happened: "authorize", "code" (exchanges that succeeded), "pkce-failure",
 * "refresh" (successful), "refresh-refused", "device", "poll". */
guint            ep_oauth_server_count             (EpOAuthServer      *self,
                                                    const char         *what);
/* The last authorization request's parameter @name (NULL when absent). */
char            *ep_oauth_server_dup_request_param (EpOAuthServer      *self,
                                                    const char         *name);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (EpOAuthServer, ep_oauth_server_free)

G_END_DECLS
