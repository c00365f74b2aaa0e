/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-profile-config.h: a profile's SMTP configuration, secret included (typed, from the keyring,
 * or the Sandbox's own, the Sandbox started on demand): one way for a send, a connection test
 * and epistle-send, their differences given as parameters. */
#pragma once

#include <gio/gio.h>

#include "ep-imap-config.h"
#include "ep-profile.h"
#include "ep-smtp-config.h"
#include "ep-smtp-transcript.h"

G_BEGIN_DECLS

/* Where the configuration's secret (a password, or an OAuth token) came from. */
typedef enum {
  EP_PROFILE_SECRET_NONE,          /* no user name: the session does not sign in */
  EP_PROFILE_SECRET_GIVEN,         /* the caller's: typed, or read from a password file */
  EP_PROFILE_SECRET_KEYRING,       /* saved in the keyring for this profile and this server */
  EP_PROFILE_SECRET_SANDBOX,       /* the Sandbox's own account */
  EP_PROFILE_SECRET_MISSING,       /* a user name, but nothing given or saved (with
                                      EP_PROFILE_CONFIG_SECRET_OPTIONAL; an error otherwise) */
  EP_PROFILE_SECRET_OTHER_SERVER,  /* the saved one is for another server: left out */
  EP_PROFILE_SECRET_OAUTH,         /* an access token of the profile's built-in sign-in, fresh
                                      (refreshed with the keyring's refresh token if need be) */
  EP_PROFILE_SECRET_GOA,           /* GNOME Online Accounts' token or password for the account
                                      behind the profile (ep_goa_account_from_profile()) */
} EpProfileSecret;

typedef enum {
  EP_PROFILE_CONFIG_DEFAULT         = 0,
  /* A missing secret is not an error: the session skips AUTH and the result says why (the
   * connection test). Without it, it is (a send, epistle-send), so that the caller can ask. */
  EP_PROFILE_CONFIG_SECRET_OPTIONAL = 1 << 0,
  /* @profile stands for the built-in Sandbox (an edited copy of it is not marked as such). */
  EP_PROFILE_CONFIG_SANDBOX         = 1 << 1,
} EpProfileConfigFlags;

/* What was left out because the session goes to another server than the saved one. */
typedef enum {
  EP_PROFILE_LEFT_OUT_NOTHING = 0,
  EP_PROFILE_LEFT_OUT_PIN     = 1 << 0,   /* the certificate trusted for the saved server */
  EP_PROFILE_LEFT_OUT_SECRET  = 1 << 1,   /* the secret saved for it (whether or not one was given) */
} EpProfileLeftOut;

typedef struct {
  /* The profile as saved, whose keyring entry may be used, for its server only: @profile
   * itself for a send; for a test of values being edited, the stored profile (NULL when it is
   * not saved yet: then there is no saved secret). */
  EpProfile            *saved;
  /* Typed (or read from a file) for this session: used as it is, the keyring is not asked. */
  const char           *secret;
  /* Connect here rather than to @profile's server (NULL: no override). The pin and the saved
   * secret are for the saved server, so another one gets neither. */
  const char           *server_host;
  guint16               server_port;
  EpProfileConfigFlags  flags;
  /* Built-in sign-in: the application's client ID for the profile's provider (its setting;
   * NULL: the build's), used unless the profile has its own, and its secret if any. */
  const char           *oauth_client_id;
  const char           *oauth_client_secret;
  /* Gets the token endpoint's steps (never a token) when a token is refreshed. */
  EpSmtpTranscript     *transcript;
  /* For a profile whose IMAP server has a password of its own (imap-own-password): typed for
   * this session; NULL: the keyring's, when @saved names the same IMAP server. */
  const char           *imap_secret;
} EpProfileConfigRequest;

typedef struct {
  EpSmtpConfig     *config;
  EpProfileSecret   secret;
  EpProfileLeftOut  left_out;
  char             *saved_server;   /* "host:port" of the saved server, when something was left out */
  /* Where the IMAP server's own password came from (imap-own-password): GIVEN, KEYRING,
   * MISSING (not typed, not saved, or no keyring: the copy is tried without it and fails to
   * sign in, never the delivery), OTHER_SERVER; NONE when the IMAP side takes the SMTP secret. */
  EpProfileSecret   imap_secret;
} EpProfileConfig;

/* Blocking (the keyring, the Sandbox's start, a token refresh): for a worker thread, or a
 * command-line tool. Errors: the Sandbox's, when it cannot start; without
 * EP_PROFILE_CONFIG_SECRET_OPTIONAL, a missing secret: the keyring's own error
 * (EP_STORE_ERROR_NO_KEYRING, …) or EP_STORE_ERROR_NOT_FOUND, naming the profile, or for a
 * profile with built-in sign-in EP_OAUTH_ERROR_NOT_SIGNED_IN. With built-in sign-in, whatever
 * the flags: EP_OAUTH_ERROR_SIGN_IN_AGAIN (the provider refused the saved sign-in),
 * EP_OAUTH_ERROR_NO_CLIENT_ID and the token endpoint's errors. For a profile from GNOME Online
 * Accounts, whatever the flags: the EP_GOA_ERROR_* ones (not usable, sign in again, …).
 * G_IO_ERROR_CANCELLED always. */
EpProfileConfig *ep_profile_config_build      (EpProfile                    *profile,
                                               const EpProfileConfigRequest *request,
                                               GCancellable                 *cancellable,
                                               GError                      **error);
void             ep_profile_config_free       (EpProfileConfig              *self);

/* After a session failed with @failure: when the server refused the configuration's OAuth
 * access token (SMTP's 535 after the failure challenge, or the IMAP server's NO to
 * AUTHENTICATE for the Sent folder copy), fetches a new one from the token endpoint (or from
 * GNOME Online Accounts, EnsureCredentials first) into the configuration and returns
 * TRUE: the caller tries once more. At most once per
 * configuration, so a server that refuses every token is never asked in a loop. FALSE
 * otherwise; with @error set when the refresh itself failed (EP_OAUTH_ERROR_SIGN_IN_AGAIN
 * above all), or EP_GOA_ERROR_NOT_FOR_SMTP for Online Accounts' Microsoft 365 tokens, which
 * then says more than @failure. */
gboolean         ep_profile_config_renew_token (EpProfileConfig             *self,
                                                const GError                *failure,
                                                GCancellable                *cancellable,
                                                GError                     **error);

/* The configuration of the copy in @profile's Sent folder on the server (IMAP APPEND), from
 * @self (built for @profile): the IMAP server of @profile, its user name (or the SMTP one), and
 * the SMTP side's secret (a password, or an OAuth token for the same mechanism) or, with
 * imap-own-password, the IMAP password of its own found by ep_profile_config_build(); trust
 * anchors and timeout; the certificate pinned for the IMAP server, never the SMTP server's.
 * NULL when @profile has no IMAP server (whether or not the copy is on). */
EpImapConfig    *ep_profile_config_dup_imap   (const EpProfileConfig        *self,
                                               EpProfile                    *profile);

/* Puts @secret where @config's mechanism wants it: the OAuth token for XOAUTH2 and OAUTHBEARER
 * (ep_smtp_auth_mechanism_uses_token()), the password otherwise; the other slot is wiped. */
void             ep_profile_config_set_secret (EpSmtpConfig                 *config,
                                               const char                   *secret);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (EpProfileConfig, ep_profile_config_free)

G_END_DECLS
