/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-connection-test.h: Test Connection as an operation: greeting → EHLO → TLS → EHLO → AUTH →
 * QUIT with one profile's values, each step reported on the caller's main context as it
 * passes, then the result (capabilities, TLS, transcript). No message is sent. */
#pragma once

#include <gio/gio.h>

#include "ep-imap-client.h"
#include "ep-profile-config.h"
#include "ep-profile.h"
#include "ep-smtp-result.h"
#include "ep-smtp-session.h"

G_BEGIN_DECLS

typedef enum {
  EP_TEST_STEP_STATE_PENDING,   /* not reached (yet) */
  EP_TEST_STEP_STATE_RUNNING,
  EP_TEST_STEP_STATE_OK,
  EP_TEST_STEP_STATE_SKIPPED,
  EP_TEST_STEP_STATE_FAILED,
} EpTestStepState;

#define EP_CONNECTION_TEST_N_STEPS (EP_SMTP_TEST_STEP_QUIT + 1)

#define EP_TYPE_CONNECTION_TEST (ep_connection_test_get_type ())
G_DECLARE_FINAL_TYPE (EpConnectionTest, ep_connection_test, EP, CONNECTION_TEST, GObject)

/* @profile: the values to test, read when the test runs (they may be unsaved edits). */
EpConnectionTest *ep_connection_test_new              (EpProfile          *profile);
/* The profile as saved (NULL: not saved yet): its keyring password is used for its own server
 * only, and only when no secret is given. */
void              ep_connection_test_set_saved        (EpConnectionTest   *self,
                                                       EpProfile          *saved);
/* Test the built-in Sandbox (started on demand): its server, account and certificate. */
void              ep_connection_test_set_sandbox      (EpConnectionTest   *self,
                                                       gboolean            sandbox);
/* The password or token typed (NULL or empty: the keyring's, if any). Wiped when replaced. */
void              ep_connection_test_set_secret       (EpConnectionTest   *self,
                                                       const char         *secret);
/* The IMAP server's own password typed, for a profile with imap-own-password (NULL or empty:
 * the keyring's, for the saved IMAP server only). Wiped when replaced. */
void              ep_connection_test_set_imap_secret  (EpConnectionTest   *self,
                                                       const char         *secret);
/* Built-in sign-in: the application's client ID and secret (nullable), as for a send. */
void              ep_connection_test_set_oauth_client (EpConnectionTest   *self,
                                                       const char         *client_id,
                                                       const char         *client_secret);

/* Once per operation. "step-changed" and notify::secret-source come on the caller's
 * thread-default main context, in the order the worker met them, before @callback. */
void              ep_connection_test_run_async        (EpConnectionTest   *self,
                                                       GCancellable       *cancellable,
                                                       GAsyncReadyCallback callback,
                                                       gpointer            user_data);
/* The session's result (outcome DELIVERED: every step passed), also on failure; NULL only when
 * no session started (the Sandbox could not start, a cancellation). Completes the steps: one
 * left running failed with @error (or passed, without one); with an error and no failed step,
 * the first step takes it. A SIZE the server announced is set on the profile. */
EpSmtpResult     *ep_connection_test_run_finish       (EpConnectionTest   *self,
                                                       GAsyncResult       *result,
                                                       GError            **error);

/* @detail: (out) (optional) (transfer none): what the engine said of it, or NULL */
EpTestStepState   ep_connection_test_get_step_state   (EpConnectionTest   *self,
                                                       EpSmtpTestStep      step,
                                                       const char        **detail);
/* Known once the test has its configuration (notify::secret-source): where the secret for
 * AUTH came from; with EP_PROFILE_SECRET_OTHER_SERVER, the saved one is for
 * ep_connection_test_get_saved_server(). */
EpProfileSecret   ep_connection_test_get_secret_source (EpConnectionTest  *self);
const char       *ep_connection_test_get_saved_server (EpConnectionTest   *self);
/* A user name is set (or it is the Sandbox): the test means to sign in. */
gboolean          ep_connection_test_get_signs_in     (EpConnectionTest   *self);
gboolean          ep_connection_test_is_finished      (EpConnectionTest   *self);

/* The IMAP side, for a profile with the copy in the Sent folder on (known with
 * notify::secret-source): connect, TLS, sign in with the same secret, find the Sent folder,
 * LOGOUT, after the SMTP side and in the same transcript; each step by "imap-step-changed"
 * (an EpImapCheckStep). Its outcome does not change ep_connection_test_run_finish()'s, which is
 * the SMTP side's: after it, ep_connection_test_get_imap_error() (NULL: passed) and the result
 * (the Sent folder found, or with EP_IMAP_ERROR_SENT_FOLDER_AMBIGUOUS the candidates for the
 * person to choose one, then the profile's imap-sent-folder). */
gboolean            ep_connection_test_get_checks_imap     (EpConnectionTest  *self);
EpTestStepState     ep_connection_test_get_imap_step_state (EpConnectionTest  *self,
                                                            EpImapCheckStep    step,
                                                            const char       **detail);
const EpImapResult *ep_connection_test_get_imap_result     (EpConnectionTest  *self);
const GError       *ep_connection_test_get_imap_error      (EpConnectionTest  *self);

G_END_DECLS
