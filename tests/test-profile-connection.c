/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-profile-connection.c: Test Connection from the profile editor against the scripted server:
 * every step shown as it passes, a failing step with the engine's error and nothing after it
 * marked as passed, the server's capabilities (SIZE remembered on the profile), TLS details and
 * the redacted transcript; and the certificate trust flow: a self-signed certificate is refused,
 * trusting it pins its fingerprint and the retest passes, a different certificate later is
 * refused again with "the certificate changed". Also the certificate dialog on its own (the
 * send flow's entry point): what it says for each kind of bad certificate, and saving the pin. */
#include "config.h"

#include "ep-certificate-dialog-private.h"
#include "ep-connection-test-window-private.h"
#include "ep-profile-store.h"
#include "ep-profiles-test-util.h"
#include "ep-resources.h"
#include "ep-script-server.h"
#include "ep-smtp-error.h"
#include "ep-smtp-scripts.h"
#include "ep-test-certs.h"
#include "ep-test-util.h"

#define WAIT_MS 20000

#define PASSWORD "pw-Conn3ct!"

/* An ordinary submission server: STARTTLS, then AUTH PLAIN and LOGIN (the greeting, STARTTLS
 * and QUIT are the shared ones of ep-smtp-scripts.h). */
#define GREETING    EP_SCRIPT_GREETING_READY
#define EHLO_PLAIN  "C: EHLO *\n"                 \
                    "S: 250-mx.test greets you\n" \
                    "S: 250-SIZE 35882577\n"      \
                    "S: 250 STARTTLS\n"
#define STARTTLS    EP_SCRIPT_STARTTLS
#define EHLO_TLS    "C: EHLO *\n"                 \
                    "S: 250-mx.test greets you\n" \
                    "S: 250-PIPELINING\n"         \
                    "S: 250-SIZE 35882577\n"      \
                    "S: 250-8BITMIME\n"           \
                    "S: 250-CHUNKING\n"           \
                    "S: 250 AUTH PLAIN LOGIN\n"
#define AUTH_OK     "C: AUTH PLAIN *\n"           \
                    "S: 235 2.7.0 Accepted\n"
#define QUIT        EP_SCRIPT_QUIT
/* A whole session, signed in over TLS with @cert; and one whose @cert the client refuses. */
#define SIGNS_IN_WITH(cert) GREETING EHLO_PLAIN STARTTLS "TLS: " cert "\n" EHLO_TLS AUTH_OK QUIT
#define REFUSES(cert)       GREETING EHLO_PLAIN STARTTLS "TLS-REJECT: " cert "\nEOF\n"

typedef struct
{
  char             *dir;
  EpProfileStore   *store;
  EpProfilesDialog *dialog;
  EpProfileEditor  *editor;
} Fixture;

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  static guint counter;
  g_autofree char *name = g_strdup_printf ("config-%u", ++counter);

  f->dir = g_build_filename (g_getenv ("EPISTLE_TEST_TMPDIR"), name, NULL);
  g_assert_cmpint (g_mkdir_with_parents (f->dir, 0700), ==, 0);
  f->store = ep_profile_store_new (f->dir);
  f->dialog = ep_profiles_dialog_new (NULL, f->store);
  gtk_window_present (GTK_WINDOW (f->dialog));

  /* A new profile as a user would type it. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->dialog), "profiles.add", "s", "custom"));
  f->editor = ep_profiles_dialog_get_editor (f->dialog);
  ep_test_set_field (f->editor, "name", "Scripted");
  ep_test_set_field (f->editor, "address", "me@example.org");
  ep_test_set_field (f->editor, "host", "127.0.0.1");
  ep_test_select (f->editor, "security", EP_SMTP_SECURITY_STARTTLS);
  ep_test_set_field (f->editor, "username", "me@example.org");
  gtk_editable_set_text (GTK_EDITABLE (ep_profile_editor_get_field (f->editor, "password")), PASSWORD);
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (ep_profile_editor_get_field (f->editor, "timeout")), 5);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  gtk_window_destroy (GTK_WINDOW (f->dialog));
  ep_test_iterate (200);
  g_clear_object (&f->store);
  g_free (f->dir);
}

/* Runs the editor's Test Connection against @server and waits for the outcome. */
static EpConnectionTestWindow *
run_test (Fixture        *f,
          EpScriptServer *server)
{
  EpConnectionTestWindow *window;

  ep_test_set_port (f->editor, ep_script_server_get_port (server));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->editor), "editor.test", NULL));
  window = ep_profile_editor_get_test_window (f->editor);
  g_assert_nonnull (window);
  g_assert_true (ep_test_wait (ep_test_connection_done, window, WAIT_MS));
  g_assert_true (ep_script_server_wait (server, 5000, NULL));
  return window;
}

static void
assert_step (EpConnectionTestWindow *window,
             EpSmtpTestStep          step,
             EpTestStepState         state,
             const char             *detail_part)
{
  const char *detail = NULL;
  EpTestStepState actual = ep_connection_test_window_get_step_state (window, step, &detail);

  if (actual != state)
    g_error ("step %d: state %d, expected %d (%s)", step, actual, state, detail);
  if (detail_part != NULL && !ep_test_contains (detail, detail_part))
    g_error ("step %d: “%s” does not contain “%s”", step, detail, detail_part);
}

/* What a click on a response button does: the response, then the dialog closes. */
static void
respond (GtkWidget  *dialog,
         const char *response)
{
  adw_message_dialog_response (ADW_MESSAGE_DIALOG (dialog), response);
  gtk_window_close (GTK_WINDOW (dialog));
}

static GtkWidget *
find_descendant (GtkWidget *widget,
                 GType      type)
{
  if (G_TYPE_CHECK_INSTANCE_TYPE (widget, type))
    return widget;
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_descendant (child, type);

      if (found != NULL)
        return found;
    }
  return NULL;
}

/* Scrolls the window's content to @fraction of the way down. */
static void
scroll_to (GtkWidget *window,
           double     fraction)
{
  GtkWidget *scroller = find_descendant (window, GTK_TYPE_SCROLLED_WINDOW);
  GtkAdjustment *adjustment = gtk_scrolled_window_get_vadjustment (GTK_SCROLLED_WINDOW (scroller));

  gtk_adjustment_set_value (adjustment, fraction * (gtk_adjustment_get_upper (adjustment) -
                                                    gtk_adjustment_get_page_size (adjustment)));
}

/* As if the user had trusted @cert for @server before: a pin is for one server (host and
 * port), so the port is set first. */
static void
pin (Fixture        *f,
     const char     *cert,
     EpScriptServer *server)
{
  g_autofree char *sha = ep_test_certs_sha256 (cert);

  ep_test_set_port (f->editor, ep_script_server_get_port (server));
  ep_profile_set_pinned_sha256 (ep_profile_editor_get_draft (f->editor), sha);
}

static void
test_all_steps_pass (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(EpScriptServer) server = ep_script_server_new_for_test (SIGNS_IN_WITH ("good"));
  g_autoptr(EpProfileStore) again = NULL;
  EpConnectionTestWindow *window;
  g_autofree char *summary = NULL;
  g_autofree char *received = NULL;
  g_autofree char *transcript = NULL;
  g_autofree char *sha = ep_test_certs_sha256 ("good");
  EpSmtpResult *result;

  /* The test CA is not a system one: as if the user had trusted the certificate before. */
  pin (f, "good", server);
  window = run_test (f, server);
  g_assert_null (ep_connection_test_window_get_error (window));
  g_assert_true (ep_script_server_get_completed (server));

  assert_step (window, EP_SMTP_TEST_STEP_CONNECT, EP_TEST_STEP_STATE_OK, NULL);
  assert_step (window, EP_SMTP_TEST_STEP_GREETING, EP_TEST_STEP_STATE_OK, "220 mx.test ESMTP ready");
  assert_step (window, EP_SMTP_TEST_STEP_EHLO, EP_TEST_STEP_STATE_OK, "STARTTLS");
  assert_step (window, EP_SMTP_TEST_STEP_TLS, EP_TEST_STEP_STATE_OK, "TLS 1.");
  assert_step (window, EP_SMTP_TEST_STEP_EHLO_TLS, EP_TEST_STEP_STATE_OK, "AUTH");
  assert_step (window, EP_SMTP_TEST_STEP_AUTH, EP_TEST_STEP_STATE_OK, "PLAIN");
  assert_step (window, EP_SMTP_TEST_STEP_QUIT, EP_TEST_STEP_STATE_OK, NULL);
  for (guint step = EP_SMTP_TEST_STEP_CONNECT; step <= EP_SMTP_TEST_STEP_QUIT; step++)
    g_assert_true (ep_connection_test_window_get_step_visible (window, step));

  /* What the server offers, in words; the SIZE limit is kept on the profile. */
  summary = ep_connection_test_window_dup_summary (window);
  g_test_message ("%s", summary);
  g_assert_true (ep_test_contains (summary, "Everything Works"));
  g_assert_true (ep_test_contains (summary, "Largest message accepted (SIZE): 35.9\u00a0MB (35882577 bytes)"));
  g_assert_true (ep_test_contains (summary, "Sign-in methods (AUTH): PLAIN LOGIN"));
  g_assert_true (ep_test_contains (summary, "PIPELINING: Offered"));
  g_assert_true (ep_test_contains (summary, "CHUNKING: Offered"));
  g_assert_true (ep_test_contains (summary, "8BITMIME: Offered"));
  g_assert_true (ep_test_contains (summary, "SMTPUTF8: Not offered"));
  g_assert_true (ep_test_contains (summary, "Protocol: TLS 1."));
  g_assert_true (ep_test_contains (summary, "Trust: Trusted because you chose to trust this certificate"));
  result = ep_connection_test_window_get_result (window);
  g_assert_nonnull (result);
  {
    g_autofree char *shown = ep_test_normalize_fingerprint (result->tls->sha256);
    g_autofree char *two_lines = ep_certificate_format_fingerprint (result->tls->sha256);

    g_assert_cmpstr (shown, ==, sha);
    g_assert_true (ep_test_contains (summary, two_lines));
  }
  g_assert_cmpuint (ep_profile_get_size_limit (ep_profile_editor_get_draft (f->editor)), ==, 35882577);

  /* The transcript is there and redacted: the password never appears, not even encoded. */
  transcript = ep_smtp_transcript_to_string (result->transcript);
  g_assert_true (ep_test_contains (transcript, "STARTTLS"));
  g_assert_false (ep_test_contains (transcript, PASSWORD));
  g_assert_false (ep_test_contains (transcript, "AG1lQGV4YW1wbGUub3JnAHB3LUNvbm4zY3Qh"));
  received = ep_script_server_dup_received_string (server);
  g_assert_true (ep_test_contains (received, "AUTH PLAIN AG1lQGV4YW1wbGUub3JnAHB3LUNvbm4zY3Qh"));

  ep_test_screenshot (GTK_WIDGET (window), "test-connection.png");
  scroll_to (GTK_WIDGET (window), 0.45);
  ep_test_screenshot (GTK_WIDGET (window), "test-connection-details.png");
  scroll_to (GTK_WIDGET (window), 1.0);
  ep_test_screenshot (GTK_WIDGET (window), "test-connection-transcript.png");
  gtk_window_destroy (GTK_WINDOW (window));

  /* Saved with the profile. */
  g_assert_true (ep_profile_editor_save (f->editor));
  again = ep_profile_store_new (f->dir);
  g_assert_true (ep_profile_store_load (again, NULL));
  g_assert_cmpuint (ep_profile_get_size_limit (ep_profile_store_lookup_by_name (again, "Scripted")), ==, 35882577);
  /* And that this server does not offer FUTURERELEASE, for Send Later. */
  g_assert_nonnull (ep_profile_get_future_release_learned (ep_profile_store_lookup_by_name (again, "Scripted")));
  g_assert_false (ep_profile_get_future_release (ep_profile_store_lookup_by_name (again, "Scripted"), NULL, NULL));
}

static void
test_starttls_missing (Fixture       *f,
                       gconstpointer  data)
{
  g_autoptr(EpScriptServer) server = ep_script_server_new_for_test (
    GREETING
    "C: EHLO *\n"
    "S: 250-mx.test\n"
    "S: 250 SIZE 1000000\n"
    "C? QUIT\n"
    "S: 221 Bye\n");
  EpConnectionTestWindow *window = run_test (f, server);
  const GError *error = ep_connection_test_window_get_error (window);
  g_autofree char *received = ep_script_server_dup_received_string (server);
  g_autofree char *summary = ep_connection_test_window_dup_summary (window);

  g_assert_error (error, EP_SMTP_ERROR, EP_SMTP_ERROR_STARTTLS_UNAVAILABLE);
  assert_step (window, EP_SMTP_TEST_STEP_CONNECT, EP_TEST_STEP_STATE_OK, NULL);
  assert_step (window, EP_SMTP_TEST_STEP_GREETING, EP_TEST_STEP_STATE_OK, NULL);
  assert_step (window, EP_SMTP_TEST_STEP_EHLO, EP_TEST_STEP_STATE_OK, "SIZE");
  assert_step (window, EP_SMTP_TEST_STEP_TLS, EP_TEST_STEP_STATE_FAILED, "STARTTLS not offered");
  /* Nothing after the failure ran, nor looks as if it had. */
  assert_step (window, EP_SMTP_TEST_STEP_EHLO_TLS, EP_TEST_STEP_STATE_PENDING, "Not run");
  assert_step (window, EP_SMTP_TEST_STEP_AUTH, EP_TEST_STEP_STATE_PENDING, "Not run");
  assert_step (window, EP_SMTP_TEST_STEP_QUIT, EP_TEST_STEP_STATE_PENDING, "Not run");
  g_assert_true (ep_test_contains (ep_connection_test_window_get_suggestion (window), "Implicit TLS on port 465"));
  g_assert_true (ep_test_contains (summary, "does not offer STARTTLS"));
  g_assert_false (ep_test_contains (received, "AUTH"));
  g_assert_null (ep_connection_test_window_get_certificate_dialog (window));
}

static void
test_auth_refused (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(EpScriptServer) server = ep_script_server_new_for_test (
    GREETING EHLO_PLAIN STARTTLS "TLS: good\n" EHLO_TLS
    "C: AUTH PLAIN *\n"
    "S: 535 5.7.8 Authentication credentials invalid\n"
    "C? QUIT\n"
    "S: 221 Bye\n");
  EpConnectionTestWindow *window;

  pin (f, "good", server);
  window = run_test (f, server);
  g_assert_error (ep_connection_test_window_get_error (window), EP_SMTP_ERROR, EP_SMTP_ERROR_AUTH_FAILED);
  assert_step (window, EP_SMTP_TEST_STEP_TLS, EP_TEST_STEP_STATE_OK, NULL);
  assert_step (window, EP_SMTP_TEST_STEP_EHLO_TLS, EP_TEST_STEP_STATE_OK, NULL);
  assert_step (window, EP_SMTP_TEST_STEP_AUTH, EP_TEST_STEP_STATE_FAILED, "535");
  assert_step (window, EP_SMTP_TEST_STEP_QUIT, EP_TEST_STEP_STATE_PENDING, NULL);
  g_assert_true (ep_test_contains (ep_connection_test_window_get_suggestion (window), "app password"));
}

static void
test_implicit_tls (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(EpScriptServer) server = ep_script_server_new_for_test (
    "TLS: good\n"
    GREETING
    "C: EHLO *\n"
    "S: 250-mx.test\n"
    "S: 250 AUTH PLAIN\n"
    AUTH_OK QUIT);
  EpConnectionTestWindow *window;

  ep_test_select (f->editor, "security", EP_SMTP_SECURITY_TLS);
  pin (f, "good", server);
  window = run_test (f, server);
  g_assert_null (ep_connection_test_window_get_error (window));
  assert_step (window, EP_SMTP_TEST_STEP_TLS, EP_TEST_STEP_STATE_OK, "TLS 1.");
  assert_step (window, EP_SMTP_TEST_STEP_AUTH, EP_TEST_STEP_STATE_OK, NULL);
  /* No second EHLO with implicit TLS: that row is not shown at all. */
  g_assert_false (ep_connection_test_window_get_step_visible (window, EP_SMTP_TEST_STEP_EHLO_TLS));
}

static void
test_no_password_skips_auth (Fixture       *f,
                             gconstpointer  data)
{
  g_autoptr(EpScriptServer) server = ep_script_server_new_for_test (
    GREETING EHLO_PLAIN STARTTLS "TLS: good\n"
    EHLO_TLS QUIT);
  EpConnectionTestWindow *window;
  g_autofree char *summary = NULL;

  /* No password typed and (no keyring here) none saved: AUTH is skipped, and said so. */
  gtk_editable_set_text (GTK_EDITABLE (ep_profile_editor_get_field (f->editor, "password")), "");
  pin (f, "good", server);
  window = run_test (f, server);
  g_assert_null (ep_connection_test_window_get_error (window));
  assert_step (window, EP_SMTP_TEST_STEP_AUTH, EP_TEST_STEP_STATE_SKIPPED, "no password");
  summary = ep_connection_test_window_dup_summary (window);
  g_assert_true (ep_test_contains (summary, "signing in was not tested"));
}

static void
test_pin_flow (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(EpScriptServer) first = ep_script_server_new_for_test (REFUSES ("self-signed"));
  g_autoptr(EpScriptServer) second = ep_script_server_new_for_test (SIGNS_IN_WITH ("self-signed"));
  g_autoptr(EpScriptServer) third = ep_script_server_new_for_test (REFUSES ("good"));
  g_autofree char *self_signed = ep_test_certs_sha256 ("self-signed");
  g_autofree char *pinned = NULL;
  g_autoptr(EpProfileStore) again = NULL;
  EpConnectionTestWindow *window;
  GtkWidget *dialog;
  EpProfile *saved;

  /* 1. Refused, never silently: the dialog says what is wrong. */
  window = run_test (f, first);
  g_assert_error (ep_connection_test_window_get_error (window), EP_SMTP_ERROR, EP_SMTP_ERROR_TLS_CERTIFICATE);
  assert_step (window, EP_SMTP_TEST_STEP_TLS, EP_TEST_STEP_STATE_FAILED, "not trusted");
  assert_step (window, EP_SMTP_TEST_STEP_AUTH, EP_TEST_STEP_STATE_PENDING, NULL);
  g_assert_false (ep_script_server_received_contains (first, "AUTH"));
  g_assert_null (ep_profile_get_pinned_sha256 (ep_profile_editor_get_draft (f->editor)));
  dialog = ep_connection_test_window_get_certificate_dialog (window);
  g_assert_nonnull (dialog);
  g_assert_cmpstr (adw_message_dialog_get_heading (ADW_MESSAGE_DIALOG (dialog)), ==,
                   "The Server’s Certificate Is Not Trusted");
  g_assert_true (ep_test_contains (adw_message_dialog_get_body (ADW_MESSAGE_DIALOG (dialog)), "self-signed"));
  g_assert_cmpint (adw_message_dialog_get_response_appearance (ADW_MESSAGE_DIALOG (dialog), "trust"), ==,
                   ADW_RESPONSE_DEFAULT);
  g_assert_cmpstr (adw_message_dialog_get_default_response (ADW_MESSAGE_DIALOG (dialog)), ==, "cancel");
  ep_test_screenshot (dialog, "certificate-dialog.png");

  /* 2. Trust: the fingerprint is pinned, and the test runs again by itself (here against the
   *    second server, which presents the same certificate). */
  ep_test_set_port (f->editor, ep_script_server_get_port (second));
  respond (dialog, "trust");
  pinned = ep_test_normalize_fingerprint (ep_profile_get_pinned_sha256 (ep_profile_editor_get_draft (f->editor)));
  g_assert_cmpstr (pinned, ==, self_signed);
  g_assert_true (ep_connection_test_window_is_running (window));
  g_assert_true (ep_test_wait (ep_test_connection_done, window, WAIT_MS));
  g_assert_null (ep_connection_test_window_get_error (window));
  assert_step (window, EP_SMTP_TEST_STEP_TLS, EP_TEST_STEP_STATE_OK, NULL);
  assert_step (window, EP_SMTP_TEST_STEP_AUTH, EP_TEST_STEP_STATE_OK, NULL);
  assert_step (window, EP_SMTP_TEST_STEP_QUIT, EP_TEST_STEP_STATE_OK, NULL);
  g_assert_true (ep_connection_test_window_get_result (window)->tls->pinned);
  g_assert_null (ep_connection_test_window_get_certificate_dialog (window));
  gtk_window_destroy (GTK_WINDOW (window));

  /* Saved, the pin is in profiles.ini, with the server it was trusted for. */
  g_assert_true (ep_profile_editor_save (f->editor));
  again = ep_profile_store_new (f->dir);
  g_assert_true (ep_profile_store_load (again, NULL));
  g_free (pinned);
  pinned = ep_test_normalize_fingerprint (ep_profile_get_pinned_sha256 (ep_profile_store_lookup_by_name (again, "Scripted")));
  g_assert_cmpstr (pinned, ==, self_signed);
  {
    g_autofree char *path = g_build_filename (f->dir, "profiles.ini", NULL);
    g_autofree char *text = NULL;
    g_autofree char *port_line = g_strdup_printf ("\npinned-port=%u\n", ep_script_server_get_port (second));

    g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
    g_assert_true (ep_test_contains (text, "\npinned-host=127.0.0.1\n"));
    g_assert_true (ep_test_contains (text, port_line));
  }

  /* 3. Another certificate later from that same server (even one a CA vouches for): refused,
   *    "changed". The third script server stands in for the second one: a pin is for one host
   *    and port, so the profile is moved there with its pin, as if trusted there. */
  saved = ep_profile_store_lookup_by_name (f->store, "Scripted");
  ep_profile_set_port (saved, ep_script_server_get_port (third));
  ep_profile_set_pinned_sha256 (saved, self_signed);
  g_assert_true (ep_profile_store_save (f->store, NULL));
  ep_profiles_dialog_edit (f->dialog, saved);
  f->editor = ep_profiles_dialog_get_editor (f->dialog);
  g_assert_cmpstr (adw_action_row_get_subtitle (ADW_ACTION_ROW (ep_profile_editor_get_field (f->editor, "pinned"))), ==,
                   ep_profile_get_pinned_sha256 (saved));
  window = run_test (f, third);
  g_assert_error (ep_connection_test_window_get_error (window), EP_SMTP_ERROR, EP_SMTP_ERROR_TLS_CERTIFICATE);
  g_assert_false (ep_script_server_received_contains (third, "AUTH"));
  dialog = ep_connection_test_window_get_certificate_dialog (window);
  g_assert_nonnull (dialog);
  g_assert_cmpstr (adw_message_dialog_get_heading (ADW_MESSAGE_DIALOG (dialog)), ==,
                   "The Server’s Certificate Changed");
  g_assert_true (ep_test_contains (adw_message_dialog_get_body (ADW_MESSAGE_DIALOG (dialog)),
                                   "The certificate changed since you trusted it"));
  g_assert_cmpint (adw_message_dialog_get_response_appearance (ADW_MESSAGE_DIALOG (dialog), "trust"), ==,
                   ADW_RESPONSE_DESTRUCTIVE);
  ep_test_screenshot (dialog, "certificate-changed.png");

  /* Cancel keeps the old pin, in memory and on disk. */
  respond (dialog, "cancel");
  ep_test_iterate (100);
  g_assert_false (ep_connection_test_window_is_running (window));
  g_free (pinned);
  pinned = ep_test_normalize_fingerprint (ep_profile_get_pinned_sha256 (ep_profile_editor_get_draft (f->editor)));
  g_assert_cmpstr (pinned, ==, self_signed);
  g_free (pinned);
  pinned = ep_test_normalize_fingerprint (ep_profile_get_pinned_sha256 (saved));
  g_assert_cmpstr (pinned, ==, self_signed);
}

/* Test Connection on a profile saved before: what the server's EHLO reply offered is saved
 * with the time it was seen, together (8BITMIME here, which the outbox goes by). */
static void
test_learned_saved (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(EpScriptServer) server = ep_script_server_new_for_test (SIGNS_IN_WITH ("good"));
  g_autoptr(EpProfileStore) again = NULL;
  EpConnectionTestWindow *window;
  EpProfile *saved;
  gboolean known = TRUE;

  g_assert_true (ep_profile_editor_save (f->editor));
  saved = ep_profile_store_lookup_by_name (f->store, "Scripted");
  g_assert_cmpint (ep_profile_get_delivery_extensions (saved, &known), ==, EP_SMTP_CAP_NONE);
  g_assert_false (known);

  ep_profiles_dialog_edit (f->dialog, saved);
  f->editor = ep_profiles_dialog_get_editor (f->dialog);
  gtk_editable_set_text (GTK_EDITABLE (ep_profile_editor_get_field (f->editor, "password")), PASSWORD);
  pin (f, "good", server);
  window = run_test (f, server);
  g_assert_null (ep_connection_test_window_get_error (window));
  gtk_window_destroy (GTK_WINDOW (window));
  g_assert_true (ep_profile_editor_save (f->editor));

  again = ep_profile_store_new (f->dir);
  g_assert_true (ep_profile_store_load (again, NULL));
  saved = ep_profile_store_lookup_by_name (again, "Scripted");
  g_assert_nonnull (ep_profile_get_future_release_learned (saved));
  g_assert_cmpint (ep_profile_get_delivery_extensions (saved, &known), ==, EP_SMTP_CAP_8BITMIME);
  g_assert_true (known);
}

/* What the impostor (its script over) saw of a client that refuses its certificate: the
 * cleartext part of the session and nothing after the failed handshake (no AUTH, nor anything
 * else). */
static void
assert_refused_before_auth (EpScriptServer *impostor)
{
  g_autofree char *received = ep_script_server_dup_received_string (impostor);

  g_assert_true (ep_script_server_get_completed (impostor));
  g_assert_cmpstr (received, ==, "EHLO [127.0.0.1]\r\nSTARTTLS\r\n");
  g_assert_false (ep_script_server_received_contains (impostor, "AUTH"));
}

/* A certificate trusted for one server is not trusted for another: a profile pinned for one
 * server, then pointed at another port where an impostor presents that very certificate (the
 * key of a throw-away or self-hosted certificate is easily had), is refused like any untrusted
 * certificate, and the password typed for it never leaves. */
static void
test_pin_other_server (Fixture       *f,
                       gconstpointer  data)
{
  g_autoptr(EpScriptServer) genuine = ep_script_server_new_for_test (SIGNS_IN_WITH ("self-signed"));
  g_autoptr(EpScriptServer) impostor = ep_script_server_new_for_test (REFUSES ("self-signed"));
  EpConnectionTestWindow *window;
  GtkWidget *dialog;
  EpProfile *saved;

  /* Trusted for the genuine server, and saved. */
  pin (f, "self-signed", genuine);
  window = run_test (f, genuine);
  g_assert_null (ep_connection_test_window_get_error (window));
  g_assert_true (ep_connection_test_window_get_result (window)->tls->pinned);
  gtk_window_destroy (GTK_WINDOW (window));
  g_assert_true (ep_profile_editor_save (f->editor));
  saved = ep_profile_store_lookup_by_name (f->store, "Scripted");
  g_assert_nonnull (ep_profile_get_pinned_sha256 (saved));

  /* Pointed at the other port, the password typed again (nothing else stands in the way). */
  ep_profiles_dialog_edit (f->dialog, saved);
  f->editor = ep_profiles_dialog_get_editor (f->dialog);
  gtk_editable_set_text (GTK_EDITABLE (ep_profile_editor_get_field (f->editor, "password")), PASSWORD);
  window = run_test (f, impostor);
  g_assert_error (ep_connection_test_window_get_error (window), EP_SMTP_ERROR, EP_SMTP_ERROR_TLS_CERTIFICATE);
  g_assert_true (ep_test_contains (ep_connection_test_window_get_error (window)->message, "is not trusted"));
  g_assert_false (ep_connection_test_window_get_result (window)->tls->pinned);
  assert_step (window, EP_SMTP_TEST_STEP_TLS, EP_TEST_STEP_STATE_FAILED, "not trusted");
  assert_step (window, EP_SMTP_TEST_STEP_AUTH, EP_TEST_STEP_STATE_PENDING, NULL);
  assert_refused_before_auth (impostor);
  /* Offered as a new certificate to look at, not as the trusted one. */
  dialog = ep_connection_test_window_get_certificate_dialog (window);
  g_assert_nonnull (dialog);
  g_assert_cmpstr (adw_message_dialog_get_heading (ADW_MESSAGE_DIALOG (dialog)), ==,
                   "The Server’s Certificate Is Not Trusted");
  respond (dialog, "cancel");
}

/* The same from profiles.ini: a pin recorded for another server than the profile's (the port
 * edited by hand, or by an Epistle that kept pins across such edits) is not used. */
static void
test_pin_other_server_on_disk (void)
{
  g_autoptr(EpScriptServer) impostor = ep_script_server_new_for_test (REFUSES ("self-signed"));
  g_autofree char *dir = g_build_filename (g_getenv ("EPISTLE_TEST_TMPDIR"), "moved", NULL);
  g_autofree char *path = g_build_filename (dir, "profiles.ini", NULL);
  g_autofree char *sha = ep_test_certs_sha256 ("self-signed");
  g_autofree char *text = NULL;
  g_autoptr(EpProfileStore) store = ep_profile_store_new (dir);
  g_autoptr(EpSmtpConfig) config = NULL;
  g_autoptr(EpSmtpResult) result = NULL;
  g_autoptr(GError) error = NULL;
  guint16 port = ep_script_server_get_port (impostor);
  EpProfile *profile;

  text = g_strdup_printf ("[Profile moved]\nname=Moved\nsender-address=me@example.org\n"
                          "host=127.0.0.1\nport=%u\nsecurity=starttls\nusername=me@example.org\n"
                          "timeout=5\npinned-sha256=%s\npinned-host=127.0.0.1\npinned-port=%u\n",
                          port, sha, port > 1024 ? port - 1 : port + 1);
  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  g_assert_true (g_file_set_contents (path, text, -1, NULL));
  g_assert_true (ep_profile_store_load (store, NULL));
  profile = ep_profile_store_lookup_by_name (store, "Moved");
  g_assert_nonnull (profile);

  config = ep_profile_to_smtp_config (profile, PASSWORD);
  result = ep_smtp_test_connection_sync (config, NULL, NULL, NULL, NULL, &error);
  g_assert_error (error, EP_SMTP_ERROR, EP_SMTP_ERROR_TLS_CERTIFICATE);
  g_assert_false (result->tls->pinned);
  g_assert_true (ep_script_server_wait (impostor, 5000, NULL));
  assert_refused_before_auth (impostor);
}

/* The built-in Sandbox: its own server (started on demand), account and pinned certificate. */
static void
test_sandbox (void)
{
  g_autofree char *dir = g_build_filename (g_getenv ("EPISTLE_TEST_TMPDIR"), "sandbox", NULL);
  g_autoptr(EpProfileStore) store = ep_profile_store_new (dir);
  EpProfilesDialog *dialog = ep_profiles_dialog_new (NULL, store);
  EpConnectionTestWindow *window;
  EpProfileEditor *editor;

  gtk_window_present (GTK_WINDOW (dialog));
  ep_profiles_dialog_edit (dialog, ep_profile_store_get_sandbox (store));
  editor = ep_profiles_dialog_get_editor (dialog);
  ep_profile_editor_test_connection (editor);
  window = ep_profile_editor_get_test_window (editor);
  g_assert_true (ep_test_wait (ep_test_connection_done, window, WAIT_MS));
  g_assert_no_error ((GError *) ep_connection_test_window_get_error (window));
  assert_step (window, EP_SMTP_TEST_STEP_TLS, EP_TEST_STEP_STATE_OK, NULL);
  assert_step (window, EP_SMTP_TEST_STEP_AUTH, EP_TEST_STEP_STATE_OK, NULL);
  assert_step (window, EP_SMTP_TEST_STEP_QUIT, EP_TEST_STEP_STATE_OK, NULL);
  g_assert_true (ep_connection_test_window_get_result (window)->tls->pinned);
  g_assert_null (ep_connection_test_window_get_certificate_dialog (window));
  gtk_window_destroy (GTK_WINDOW (dialog));
  ep_test_iterate (100);
}

/* The engine's verdict on @cert, as the send flow would get it. */
static EpSmtpResult *
refused_result (const char  *cert,
                GError     **error)
{
  g_autofree char *script = g_strdup_printf (REFUSES ("%s"), cert);
  g_autoptr(EpScriptServer) server = ep_script_server_new_for_test (script);
  g_autoptr(EpSmtpConfig) config = ep_smtp_config_new ();
  EpSmtpResult *result;

  g_free (config->host);
  config->host = g_strdup ("127.0.0.1");
  config->port = ep_script_server_get_port (server);
  config->security = EP_SMTP_SECURITY_STARTTLS;
  config->timeout_seconds = 5;
  result = ep_smtp_test_connection_sync (config, NULL, NULL, NULL, NULL, error);
  g_assert_true (ep_script_server_wait (server, 5000, NULL));
  return result;
}

static void
trusted_cb (EpProfile *profile,
            gpointer   user_data)
{
  guint *called = user_data;

  (*called)++;
}

static void
test_certificate_dialog_reasons (void)
{
  const struct { const char *cert; const char *says; } cases[] = {
    { "self-signed", "self-signed" },
    { "unknown-issuer", "issued by an authority this computer does not trust" },
    { "wrong-host", "issued for another server name, not for “127.0.0.1”" },
    { "expired", "expired on" },
    { "not-yet-valid", "not valid before" },
  };
  g_autofree char *dir = g_build_filename (g_getenv ("EPISTLE_TEST_TMPDIR"), "reasons", NULL);
  g_autoptr(EpProfileStore) store = ep_profile_store_new (dir);
  g_autoptr(EpProfileStore) again = NULL;
  g_autoptr(EpProfile) profile = ep_profile_new ("Direct");
  g_autofree char *expected = NULL;
  g_autofree char *pinned = NULL;
  guint called = 0;

  ep_profile_set_host (profile, "127.0.0.1");
  ep_profile_set_sender_address (profile, "me@example.org");
  g_assert_true (ep_profile_store_add (store, profile, NULL));
  g_assert_true (ep_profile_store_save (store, NULL));

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(EpSmtpResult) result = refused_result (cases[i].cert, &error);
      g_autofree char *text = NULL;

      g_assert_true (ep_certificate_dialog_applies (error, result));
      g_assert_false (ep_certificate_dialog_is_change (profile, result->tls));
      text = ep_certificate_dialog_describe_problem (profile, result->tls);
      g_test_message ("%s: %s", cases[i].cert, text);
      if (!ep_test_contains (text, cases[i].says))
        g_error ("%s: “%s” does not say “%s”", cases[i].cert, text, cases[i].says);
    }

  /* The public entry point (the send flow's): trusting pins and saves the store. */
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(EpSmtpResult) result = refused_result ("wrong-host", &error);
    GtkWidget *dialog = ep_certificate_dialog_present (NULL, store, profile, result, trusted_cb, &called, NULL);

    g_assert_false (ep_certificate_dialog_applies (NULL, result));
    respond (dialog, "trust");
    g_assert_cmpuint (called, ==, 1);
    expected = ep_test_certs_sha256 ("wrong-host");
  }
  again = ep_profile_store_new (dir);
  g_assert_true (ep_profile_store_load (again, NULL));
  pinned = ep_test_normalize_fingerprint (ep_profile_get_pinned_sha256 (ep_profile_store_lookup_by_name (again, "Direct")));
  g_assert_cmpstr (pinned, ==, expected);
}

/* A profile with the copy in the Sent folder on: the IMAP side's steps are shown after the SMTP
 * ones, live; an IMAP server that cannot be reached fails its connect step (the SMTP side
 * passed), the steps after it say they were not run. Without the copy there are no such rows. */
static void
test_imap_side (void)
{
  for (guint round = 0; round < 2; round++)
    {
      g_autoptr(EpScriptServer) server = ep_script_server_new_for_test (
        GREETING "C: EHLO *\nS: 250 mx.test greets you\n" QUIT);
      g_autoptr(EpProfile) profile = ep_profile_new ("Copying");
      EpConnectionTestWindow *window;
      const char *detail = NULL;

      ep_profile_set_sender_address (profile, "me@example.org");
      ep_profile_set_host (profile, "127.0.0.1");
      ep_profile_set_port (profile, ep_script_server_get_port (server));
      ep_profile_set_security (profile, EP_SMTP_SECURITY_NONE);
      ep_profile_set_timeout (profile, 5);
      ep_profile_set_imap_host (profile, "127.0.0.1");
      ep_profile_set_imap_port (profile, ep_test_closed_port ());
      ep_profile_set_sent_copy (profile, round == 0);
      window = ep_connection_test_window_new (NULL, NULL, profile, FALSE, NULL);
      gtk_window_present (GTK_WINDOW (window));
      ep_connection_test_window_start (window);
      g_assert_true (ep_test_wait (ep_test_connection_done, window, WAIT_MS));
      g_assert_null (ep_connection_test_window_get_error (window));
      g_assert_true (ep_script_server_wait (server, 5000, NULL));
      if (round == 0)
        {
          g_assert_true (gtk_widget_get_visible (GTK_WIDGET (window->imap_rows[EP_IMAP_CHECK_STEP_CONNECT])));
          g_assert_cmpint (ep_connection_test_window_get_imap_step_state (window, EP_IMAP_CHECK_STEP_CONNECT, &detail),
                           ==, EP_TEST_STEP_STATE_FAILED);
          g_assert_nonnull (detail);
          g_assert_true (ep_test_contains (detail, "127.0.0.1"));
          g_assert_cmpint (ep_connection_test_window_get_imap_step_state (window, EP_IMAP_CHECK_STEP_SENT_FOLDER, &detail),
                           ==, EP_TEST_STEP_STATE_PENDING);
          g_assert_cmpstr (detail, ==, "Not run");
        }
      else
        for (guint i = 0; i < EP_IMAP_CHECK_N_STEPS; i++)
          g_assert_false (gtk_widget_get_visible (GTK_WIDGET (window->imap_rows[i])));
      gtk_window_destroy (GTK_WINDOW (window));
      ep_test_iterate (100);
    }
}

int
main (int   argc,
      char *argv[])
{
  int ret;

  /* Generated before any thread exists. */
  ep_test_certs_dir ();
  gtk_test_init (&argc, &argv, NULL);
  adw_init ();
  ep_register_resource ();
  g_object_set (gtk_settings_get_default (), "gtk-enable-animations", FALSE, NULL);

#define ADD(path, func) \
  g_test_add ("/profile-connection/" path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("all-steps-pass", test_all_steps_pass);
  ADD ("starttls-missing", test_starttls_missing);
  ADD ("auth-refused", test_auth_refused);
  ADD ("implicit-tls", test_implicit_tls);
  ADD ("no-password-skips-auth", test_no_password_skips_auth);
  ADD ("pin-flow", test_pin_flow);
  ADD ("pin-other-server", test_pin_other_server);
  ADD ("learned-saved", test_learned_saved);
#undef ADD
  g_test_add_func ("/profile-connection/pin-other-server-on-disk", test_pin_other_server_on_disk);
  g_test_add_func ("/profile-connection/certificate-reasons", test_certificate_dialog_reasons);
  g_test_add_func ("/profile-connection/sandbox", test_sandbox);
  g_test_add_func ("/profile-connection/imap-side", test_imap_side);

  ret = g_test_run ();
  ep_test_certs_cleanup ();
  return ret;
}
