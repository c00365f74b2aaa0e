/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-connection-test.c: EpConnectionTest, the engine's Test Connection, against the scripted
 * server and the Sandbox: the steps arrive on the caller's main context, in the order met,
 * after where the password came from and before the outcome, and nothing after it; a failing
 * step keeps the engine's words and nothing after it passes; AUTH skipped with the reason
 * (no user name, nothing typed or saved, the saved password is for another server); the
 * Sandbox started on demand and signed in to; the SIZE and FUTURERELEASE announced set on the
 * profile; a
 * cancelled test; the operation let go of once finished. */
#include "config.h"

#include "ep-connection-test.h"
#include "ep-sandbox-server.h"
#include "ep-script-server.h"
#include "ep-secrets.h"
#include "ep-smtp-error.h"
#include "ep-smtp-scripts.h"
#include "ep-test-util.h"

#define WAIT_US (20 * G_USEC_PER_SEC)

/* In clear, so that no certificate is needed; sign-in is offered but never tried without a
 * password (and would be refused in clear anyway). */
static const char *PLAIN_NO_AUTH =
  EP_SCRIPT_GREETING
  "C: EHLO *\n"
  "S: 250-mx.test\n"
  "S: 250-SIZE 35882577\n"
  "S: 250-FUTURERELEASE 604800 2100-01-01T00:00:00Z\n"
  "S: 250 AUTH PLAIN\n"
  "C: QUIT\n"
  "S: 221 2.0.0 bye\n";

typedef enum {
  SEEN_SECRET_SOURCE = -1,
} SeenKind;

typedef struct {
  int             step;    /* an EpSmtpTestStep, or SEEN_SECRET_SOURCE */
  EpTestStepState state;
} Seen;

typedef struct {
  EpTestCaller  caller;
  GArray       *seen;
  EpSmtpResult *result;
  GError       *error;
} Watch;

static void
step_changed_cb (EpConnectionTest *test,
                 guint             step,
                 Watch            *watch)
{
  Seen seen = { (int) step, ep_connection_test_get_step_state (test, step, NULL) };

  ep_test_caller_check (&watch->caller);
  g_array_append_val (watch->seen, seen);
}

static void
secret_source_cb (EpConnectionTest *test,
                  GParamSpec       *pspec,
                  Watch            *watch)
{
  Seen seen = { SEEN_SECRET_SOURCE, 0 };

  ep_test_caller_check (&watch->caller);
  g_array_append_val (watch->seen, seen);
}

static void
done_cb (GObject      *source,
         GAsyncResult *res,
         gpointer      user_data)
{
  Watch *watch = user_data;

  ep_test_caller_check (&watch->caller);
  watch->result = ep_connection_test_run_finish (EP_CONNECTION_TEST (source), res, &watch->error);
  watch->caller.finished = TRUE;
}

static void
watch_init (Watch *watch)
{
  *watch = (Watch) { 0 };
  ep_test_caller_init (&watch->caller);
  watch->seen = g_array_new (FALSE, FALSE, sizeof (Seen));
}

static void
watch_clear (Watch *watch)
{
  g_clear_pointer (&watch->result, ep_smtp_result_unref);
  g_clear_error (&watch->error);
  g_array_unref (watch->seen);
  ep_test_caller_clear (&watch->caller);
}

/* Runs @test (taking the reference given) on the watch's own context until the outcome is in,
 * then a little longer, to see that nothing follows it; and checks that nothing holds the test
 * any more but the caller: the relay and the worker have let go of it. */
static void
run (Watch            *watch,
     EpConnectionTest *test,
     GCancellable     *cancellable)
{
  gint64 end = g_get_monotonic_time () + WAIT_US;

  g_signal_connect (test, "step-changed", G_CALLBACK (step_changed_cb), watch);
  g_signal_connect (test, "notify::secret-source", G_CALLBACK (secret_source_cb), watch);
  ep_connection_test_run_async (test, cancellable, done_cb, watch);
  while (!watch->caller.finished && g_get_monotonic_time () < end)
    g_main_context_iteration (watch->caller.context, TRUE);
  g_assert_true (watch->caller.finished);
  g_assert_true (ep_connection_test_is_finished (test));

  ep_test_caller_assert_quiet (&watch->caller, 200);
  g_assert_cmpuint (watch->caller.elsewhere, ==, 0);
  g_assert_cmpuint (G_OBJECT (test)->ref_count, ==, 2);
  g_signal_handlers_disconnect_by_data (test, watch);
  g_object_unref (test);
}

/* The scripted server's profile (ep-smtp-scripts.h), 10 s for each reply. */
static EpProfile *
plain_profile (guint16 port)
{
  return ep_test_scripted_profile ("Scripted", port, 10);
}

/* Test Connection of @server's profile as it is, run on @watch (see run()). */
static EpConnectionTest *
run_plain (Watch          *watch,
           EpScriptServer *server,
           GCancellable   *cancellable)
{
  g_autoptr(EpProfile) profile = plain_profile (ep_script_server_get_port (server));
  EpConnectionTest *test = ep_connection_test_new (profile);

  run (watch, g_object_ref (test), cancellable);
  return test;
}

/* Each step's first report is RUNNING, then its end; steps start in the order on the wire. */
static void
assert_order (Watch *watch)
{
  int last_started = -1;

  g_assert_cmpuint (watch->seen->len, >, 0);
  /* Where the password came from is known before the first step. */
  g_assert_cmpint (g_array_index (watch->seen, Seen, 0).step, ==, SEEN_SECRET_SOURCE);
  for (guint i = 1; i < watch->seen->len; i++)
    {
      Seen *seen = &g_array_index (watch->seen, Seen, i);

      g_assert_cmpint (seen->step, !=, SEEN_SECRET_SOURCE);
      if (seen->state == EP_TEST_STEP_STATE_RUNNING)
        {
          g_assert_cmpint (seen->step, >, last_started);
          last_started = seen->step;
        }
    }
}

static void
assert_state (EpConnectionTest *test,
              EpSmtpTestStep    step,
              EpTestStepState   state)
{
  EpTestStepState actual = ep_connection_test_get_step_state (test, step, NULL);

  if (actual != state)
    g_error ("step %d: state %d, expected %d", step, actual, state);
}

/* The server's script ran, and no AUTH reached it: the password stayed home. */
static void
assert_no_auth_sent (EpScriptServer *server)
{
  g_assert_true (ep_script_server_wait (server, 5000, NULL));
  g_assert_false (ep_script_server_received_contains (server, "AUTH"));
}

/* A user name but no password, nothing saved: every step passes but AUTH, skipped, and why. */
static void
test_missing_password (void)
{
  g_autoptr(EpScriptServer) server = ep_script_server_new_for_test (PLAIN_NO_AUTH);
  g_autoptr(EpProfile) profile = plain_profile (ep_script_server_get_port (server));
  EpConnectionTest *test;
  Watch watch;

  watch_init (&watch);
  ep_profile_set_username (profile, "me@example.org");
  test = ep_connection_test_new (profile);
  run (&watch, g_object_ref (test), NULL);
  g_assert_no_error (watch.error);
  g_assert_nonnull (watch.result);
  assert_order (&watch);
  assert_state (test, EP_SMTP_TEST_STEP_CONNECT, EP_TEST_STEP_STATE_OK);
  assert_state (test, EP_SMTP_TEST_STEP_GREETING, EP_TEST_STEP_STATE_OK);
  assert_state (test, EP_SMTP_TEST_STEP_EHLO, EP_TEST_STEP_STATE_OK);
  assert_state (test, EP_SMTP_TEST_STEP_TLS, EP_TEST_STEP_STATE_SKIPPED);
  assert_state (test, EP_SMTP_TEST_STEP_AUTH, EP_TEST_STEP_STATE_SKIPPED);
  assert_state (test, EP_SMTP_TEST_STEP_QUIT, EP_TEST_STEP_STATE_OK);
  g_assert_cmpint (ep_connection_test_get_secret_source (test), ==, EP_PROFILE_SECRET_MISSING);
  g_assert_true (ep_connection_test_get_signs_in (test));
  /* The SIZE announced is remembered on the profile. */
  g_assert_cmpuint (ep_profile_get_size_limit (profile), ==, 35882577);
  /* So is FUTURERELEASE (RFC 4865) with its limits, for Send Later, and when it was seen. */
  {
    g_autoptr(GDateTime) latest = g_date_time_new_utc (2100, 1, 1, 0, 0, 0);
    guint64 interval = 0;
    gint64 max_date = 0;

    g_assert_nonnull (ep_profile_get_future_release_learned (profile));
    g_assert_true (ep_profile_get_future_release (profile, &interval, &max_date));
    g_assert_cmpuint (interval, ==, 604800);
    g_assert_cmpint (max_date, ==, g_date_time_to_unix (latest));
  }
  g_assert_true (ep_script_server_wait (server, 5000, NULL));
  g_assert_true (ep_script_server_get_completed (server));
  g_object_unref (test);
  watch_clear (&watch);
}

/* No user name: AUTH is skipped because the profile does not sign in. */
static void
test_no_user (void)
{
  g_autoptr(EpScriptServer) server = ep_script_server_new_for_test (PLAIN_NO_AUTH);
  g_autoptr(EpConnectionTest) test = NULL;
  Watch watch;

  watch_init (&watch);
  test = run_plain (&watch, server, NULL);
  g_assert_no_error (watch.error);
  g_assert_cmpint (ep_connection_test_get_secret_source (test), ==, EP_PROFILE_SECRET_NONE);
  g_assert_false (ep_connection_test_get_signs_in (test));
  assert_state (test, EP_SMTP_TEST_STEP_AUTH, EP_TEST_STEP_STATE_SKIPPED);
  g_assert_true (ep_script_server_wait (server, 5000, NULL));
  watch_clear (&watch);
}

/* The fields point at another server than the saved profile's: its password stays home, and
 * the test says for which server it is. */
static void
test_saved_for_other_server (void)
{
  g_autoptr(EpScriptServer) server = ep_script_server_new_for_test (PLAIN_NO_AUTH);
  g_autoptr(EpProfile) saved = plain_profile (587);
  g_autoptr(EpProfile) edited = NULL;
  g_autoptr(EpConnectionTest) test = NULL;
  Watch watch;

  ep_profile_set_username (saved, "me@example.org");
  edited = ep_profile_copy (saved, ep_profile_get_id (saved), NULL);
  ep_profile_set_port (edited, ep_script_server_get_port (server));
  test = ep_connection_test_new (edited);
  ep_connection_test_set_saved (test, saved);

  watch_init (&watch);
  run (&watch, g_object_ref (test), NULL);
  g_assert_no_error (watch.error);
  g_assert_cmpint (ep_connection_test_get_secret_source (test), ==, EP_PROFILE_SECRET_OTHER_SERVER);
  g_assert_cmpstr (ep_connection_test_get_saved_server (test), ==, "127.0.0.1:587");
  assert_state (test, EP_SMTP_TEST_STEP_AUTH, EP_TEST_STEP_STATE_SKIPPED);
  assert_no_auth_sent (server);
  watch_clear (&watch);
}

/* STARTTLS required, not offered: the TLS step fails with the engine's words, and nothing after
 * it passes; the password typed (its user name taken from the sender address, as on Save)
 * never leaves. */
static void
test_failed_step (void)
{
  g_autoptr(EpScriptServer) server = ep_script_server_new_for_test (EP_SCRIPT_GREETING
                                                                    "C: EHLO *\n"
                                                                    "S: 250-mx.test\n"
                                                                    "S: 250 AUTH PLAIN\n"
                                                                    "C? QUIT\n"
                                                                    "S: 221 2.0.0 bye\n");
  g_autoptr(EpProfile) profile = plain_profile (ep_script_server_get_port (server));
  g_autoptr(EpConnectionTest) test = NULL;
  const char *detail = NULL;
  Watch watch;

  ep_profile_set_security (profile, EP_SMTP_SECURITY_STARTTLS);
  test = ep_connection_test_new (profile);
  ep_connection_test_set_secret (test, "typed-Pa55word");
  watch_init (&watch);
  run (&watch, g_object_ref (test), NULL);
  g_assert_error (watch.error, EP_SMTP_ERROR, EP_SMTP_ERROR_STARTTLS_UNAVAILABLE);
  g_assert_nonnull (watch.result);
  assert_order (&watch);
  g_assert_cmpint (ep_connection_test_get_secret_source (test), ==, EP_PROFILE_SECRET_GIVEN);
  g_assert_true (ep_connection_test_get_signs_in (test));
  assert_state (test, EP_SMTP_TEST_STEP_EHLO, EP_TEST_STEP_STATE_OK);
  g_assert_cmpint (ep_connection_test_get_step_state (test, EP_SMTP_TEST_STEP_TLS, &detail), ==,
                   EP_TEST_STEP_STATE_FAILED);
  /* The step's own words, not replaced by the outcome's. */
  g_assert_cmpstr (detail, ==, "STARTTLS not offered");
  assert_state (test, EP_SMTP_TEST_STEP_EHLO_TLS, EP_TEST_STEP_STATE_PENDING);
  assert_state (test, EP_SMTP_TEST_STEP_AUTH, EP_TEST_STEP_STATE_PENDING);
  assert_no_auth_sent (server);
  watch_clear (&watch);
}

/* Nothing answers: the first step takes the error. */
static void
test_unreachable (void)
{
  g_autoptr(EpScriptServer) server = ep_script_server_new_for_test ("CLOSE\n");
  g_autoptr(EpConnectionTest) test = NULL;
  Watch watch;

  watch_init (&watch);
  test = run_plain (&watch, server, NULL);
  g_assert_nonnull (watch.error);
  g_assert_cmpint (ep_connection_test_get_step_state (test, EP_SMTP_TEST_STEP_QUIT, NULL), ==,
                   EP_TEST_STEP_STATE_PENDING);
  {
    gboolean any_failed = FALSE;

    for (guint i = 0; i < EP_CONNECTION_TEST_N_STEPS; i++)
      any_failed |= ep_connection_test_get_step_state (test, i, NULL) == EP_TEST_STEP_STATE_FAILED;
    g_assert_true (any_failed);
  }
  watch_clear (&watch);
}

/* Cancelled while the server says nothing: the outcome says so, and nothing follows it. */
static gboolean
cancel_cb (gpointer data)
{
  g_cancellable_cancel (data);
  return G_SOURCE_REMOVE;
}

static void
test_cancel (void)
{
  g_autoptr(EpScriptServer) server = ep_script_server_new_for_test ("STALL: 5000\n");
  g_autoptr(EpConnectionTest) test = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GSource) timeout = g_timeout_source_new (300);
  Watch watch;

  watch_init (&watch);
  g_source_set_callback (timeout, cancel_cb, cancellable, NULL);
  g_source_attach (timeout, watch.caller.context);
  test = run_plain (&watch, server, cancellable);
  g_assert_error (watch.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_source_destroy (timeout);
  watch_clear (&watch);
}

/* The Sandbox, from an edited copy (not marked as the Sandbox): started on demand, every step
 * passes, signed in with its own account whatever was typed. */
static void
test_sandbox (void)
{
  g_autoptr(EpProfile) sandbox = ep_profile_new_sandbox ();
  g_autoptr(EpProfile) copy = ep_profile_copy (sandbox, ep_profile_get_id (sandbox), NULL);
  g_autoptr(EpConnectionTest) test = ep_connection_test_new (copy);
  Watch watch;

  ep_connection_test_set_sandbox (test, TRUE);
  ep_connection_test_set_secret (test, "not-the-sandbox-password");
  watch_init (&watch);
  run (&watch, g_object_ref (test), NULL);
  g_assert_no_error (watch.error);
  assert_order (&watch);
  g_assert_cmpint (ep_connection_test_get_secret_source (test), ==, EP_PROFILE_SECRET_SANDBOX);
  for (guint i = 0; i < EP_CONNECTION_TEST_N_STEPS; i++)
    g_assert_cmpint (ep_connection_test_get_step_state (test, i, NULL), ==, EP_TEST_STEP_STATE_OK);
  g_assert_true (watch.result->tls->pinned);
  g_assert_nonnull (watch.result->transcript);
  g_assert_true (ep_sandbox_server_is_running (ep_sandbox_server_get_default ()));
  watch_clear (&watch);
}

int
main (int   argc,
      char *argv[])
{
  int ret;

  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/connection-test/missing-password", test_missing_password);
  g_test_add_func ("/connection-test/no-user", test_no_user);
  g_test_add_func ("/connection-test/saved-for-other-server", test_saved_for_other_server);
  g_test_add_func ("/connection-test/failed-step", test_failed_step);
  g_test_add_func ("/connection-test/unreachable", test_unreachable);
  g_test_add_func ("/connection-test/cancel", test_cancel);
  g_test_add_func ("/connection-test/sandbox", test_sandbox);

  ret = g_test_run ();
  ep_sandbox_server_stop (ep_sandbox_server_get_default ());
  ep_secrets_disconnect ();
  return ret;
}
