/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-sign-in.c: built-in sign-in in the profile editor, under Xvfb with a headless keyring
 * (ep-keyring-env.sh --with-keyring), against our fake authorization server (ep-oauth-server.h):
 * a profile from the Gmail preset offers "Sign In with Google…"; pointed at the fake server with
 * "Use my own client ID", it signs in through the browser flow (a scripted browser follows the
 * URL that would have gone to the system browser), says who signed in, and a send from the saved
 * profile takes the token in XOAUTH2, byte for byte. A declined consent is said plainly; Cancel
 * ends the wait without an error. */
#include "config.h"

#include <string.h>
#include <libsoup/soup.h>

#include "ep-oauth-server.h"
#include "ep-oauth.h"
#include "ep-profile-store.h"
#include "ep-profiles-test-util.h"
#include "ep-resources.h"
#include "ep-script-server.h"
#include "ep-secrets.h"
#include "ep-send-operation.h"
#include "ep-sign-in-group-private.h"
#include "ep-smtp-scripts.h"
#include "ep-smtp-transcript.h"
#include "ep-test-certs.h"
#include "ep-test-util.h"

#define WAIT_MS 20000

typedef struct
{
  EpProfileStore   *store;
  EpProfilesDialog *dialog;
  EpOAuthServer    *oauth;
  char             *dir;
} Fixture;

/* As a distributor would configure it, so that the Gmail preset starts with sign-in on. */
static void
set_client_ids (const char *provider_id,
                const char *client_id)
{
  g_autoptr(GSettings) settings = g_settings_new (APP_ID);
  GVariantBuilder ids;

  g_variant_builder_init (&ids, G_VARIANT_TYPE ("a{ss}"));
  if (provider_id != NULL)
    g_variant_builder_add (&ids, "{ss}", provider_id, client_id);
  g_settings_set_value (settings, "oauth-client-ids", g_variant_builder_end (&ids));
}

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  static guint counter;
  f->dir = g_strdup_printf ("%s/epistle-sign-in-%u", g_get_user_config_dir (), ++counter);
  f->store = ep_profile_store_new (f->dir);
  ep_profile_store_load (f->store, NULL);
  f->dialog = ep_profiles_dialog_new (NULL, f->store);
  f->oauth = ep_oauth_server_new ();
  set_client_ids (EP_OAUTH_PROVIDER_GOOGLE, "distributor-client-id");
  gtk_window_present (GTK_WINDOW (f->dialog));
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  if (f->dialog != NULL)
    gtk_window_destroy (GTK_WINDOW (f->dialog));
  ep_test_iterate (300);
  g_clear_pointer (&f->oauth, ep_oauth_server_free);
  g_clear_object (&f->store);
  g_free (f->dir);
}

/* ---- A scripted browser ----------------------------------------------------------------------- */

/* What the system browser would do with the URL: the server's 302, then the redirect to the
 * loopback listener. On a thread of its own: the app's main loop must keep running. */
typedef struct {
  char    *url;
  GThread *thread;
  guint    final_status;
} Browser;

static gpointer
browser_thread (gpointer data)
{
  Browser *browser = data;
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autoptr(GTlsDatabase) database = NULL;
  g_autoptr(SoupMessage) authorize = NULL;
  g_autoptr(SoupMessage) redirect = NULL;
  g_autoptr(GBytes) body = NULL;
  g_autoptr(GBytes) page = NULL;
  g_autoptr(GError) error = NULL;
  const char *location;

  database = ep_test_certs_ca_database (&error);
  g_assert_no_error (error);
  soup_session_set_tls_database (session, database);
  authorize = soup_message_new (SOUP_METHOD_GET, browser->url);
  soup_message_add_flags (authorize, SOUP_MESSAGE_NO_REDIRECT);
  body = soup_session_send_and_read (session, authorize, NULL, &error);
  g_assert_no_error (error);
  location = soup_message_headers_get_one (soup_message_get_response_headers (authorize), "Location");
  g_assert_nonnull (location);
  redirect = soup_message_new (SOUP_METHOD_GET, location);
  page = soup_session_send_and_read (session, redirect, NULL, &error);
  g_assert_no_error (error);
  browser->final_status = soup_message_get_status (redirect);
  return NULL;
}

static void
browser_open_cb (const char *uri,
                 gpointer    user_data)
{
  Browser *browser = user_data;

  g_assert_null (browser->url);
  browser->url = g_strdup (uri);
  browser->thread = g_thread_new ("browser", browser_thread, browser);
}

static void
browser_join (Browser *browser)
{
  if (browser->thread != NULL)
    g_thread_join (browser->thread);
  browser->thread = NULL;
}

static void
browser_clear (Browser *browser)
{
  browser_join (browser);
  g_clear_pointer (&browser->url, g_free);
}

static void
ignore_uri_cb (const char *uri,
               gpointer    user_data)
{
  *(gboolean *) user_data = TRUE;
}

/* ---- helpers ---------------------------------------------------------------------------------- */

static gboolean
group_idle (gpointer data)
{
  return !ep_sign_in_group_get_busy (data);
}

static const char *
row_title (EpSignInGroup *group,
           const char    *name)
{
  return adw_preferences_row_get_title (ADW_PREFERENCES_ROW (ep_sign_in_group_get_widget (group, name)));
}

/* The editor's page scrolled to its end, where the sign-in group is, for a screenshot. */
static void
scroll_to_group (EpSignInGroup *group)
{
  GtkWidget *scrolled = gtk_widget_get_ancestor (GTK_WIDGET (group), GTK_TYPE_SCROLLED_WINDOW);
  GtkAdjustment *adjustment;

  g_assert_nonnull (scrolled);
  ep_test_iterate (200);
  adjustment = gtk_scrolled_window_get_vadjustment (GTK_SCROLLED_WINDOW (scrolled));
  gtk_adjustment_set_value (adjustment, gtk_adjustment_get_upper (adjustment));
}

/* A message dialog with this heading shown among the toplevels, or NULL. */
static AdwMessageDialog *
find_message (const char *heading)
{
  GListModel *toplevels = gtk_window_get_toplevels ();   /* borrowed */

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GObject) window = g_list_model_get_item (toplevels, i);

      if (ADW_IS_MESSAGE_DIALOG (window) && gtk_widget_get_visible (GTK_WIDGET (window)) &&
          g_strcmp0 (adw_message_dialog_get_heading (ADW_MESSAGE_DIALOG (window)), heading) == 0)
        return ADW_MESSAGE_DIALOG (window);
    }
  return NULL;
}

/* A new profile from the Gmail preset, then pointed at the fake server as a custom issuer with
 * the client ID typed under "Use my own client ID", for an SMTP server at 127.0.0.1:@port. */
static EpProfileEditor *
open_google_type (Fixture *f,
                  guint16  port)
{
  EpProfileEditor *editor;
  EpSignInGroup *group;
  EpProfile *draft;
  g_autofree char *pin = ep_test_certs_sha256 ("good");
  g_autofree char *authorize = ep_oauth_server_dup_url (f->oauth, "/authorize");
  g_autofree char *token = ep_oauth_server_dup_url (f->oauth, "/token");
  g_autofree char *device = ep_oauth_server_dup_url (f->oauth, "/device");

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->dialog), "profiles.add", "s", "gmail"));
  editor = ep_profiles_dialog_get_editor (f->dialog);
  group = EP_SIGN_IN_GROUP (ep_profile_editor_get_field (editor, "sign-in"));
  draft = ep_profile_editor_get_draft (editor);

  /* The preset signs in with Google first. */
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (group)));
  g_assert_cmpstr (ep_profile_get_oauth_setting (draft, EP_PROFILE_OAUTH_PROVIDER), ==, EP_OAUTH_PROVIDER_GOOGLE);
  g_assert_true (gtk_switch_get_active (GTK_SWITCH (ep_sign_in_group_get_widget (group, "switch"))));
  g_assert_cmpstr (gtk_button_get_label (GTK_BUTTON (ep_sign_in_group_get_widget (group, "sign-in"))), ==,
                   "Sign In with Google…");
  g_assert_cmpstr (row_title (group, "status"), ==, "Not signed in");

  /* Google signs in for Google's servers only: another server turns it off. */
  ep_test_set_field (editor, "address", EP_SCRIPT_SENDER);
  ep_test_set_field (editor, "host", "127.0.0.1");
  g_assert_cmpstr (ep_profile_get_oauth_setting (draft, EP_PROFILE_OAUTH_PROVIDER), ==, "");
  g_assert_false (gtk_widget_get_visible (GTK_WIDGET (group)));

  /* The fake server stands in for Google: a custom issuer with its endpoints. */
  ep_test_select (editor, "security", EP_SMTP_SECURITY_STARTTLS);
  ep_test_set_port (editor, port);
  ep_test_set_field (editor, "username", EP_SCRIPT_SENDER);
  ep_profile_set_pinned_sha256 (draft, pin);
  ep_profile_set_oauth_setting (draft, EP_PROFILE_OAUTH_AUTHORIZATION_URL, authorize);
  ep_profile_set_oauth_setting (draft, EP_PROFILE_OAUTH_TOKEN_URL, token);
  ep_profile_set_oauth_setting (draft, EP_PROFILE_OAUTH_DEVICE_URL, device);
  ep_profile_set_oauth_setting (draft, EP_PROFILE_OAUTH_SCOPE, EP_OAUTH_SERVER_SCOPE);
  ep_profile_set_oauth_setting (draft, EP_PROFILE_OAUTH_PROVIDER, EP_OAUTH_PROVIDER_CUSTOM);
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (group)));
  g_assert_true (gtk_widget_get_visible (ep_sign_in_group_get_widget (group, "client")));

  adw_expander_row_set_enable_expansion (ADW_EXPANDER_ROW (ep_sign_in_group_get_widget (group, "client")), TRUE);
  gtk_editable_set_text (GTK_EDITABLE (ep_sign_in_group_get_widget (group, "client-id")),
                         " " EP_OAUTH_SERVER_CLIENT_ID " ");
  g_assert_cmpstr (ep_profile_get_oauth_setting (draft, EP_PROFILE_OAUTH_CLIENT_ID), ==, EP_OAUTH_SERVER_CLIENT_ID);
  g_assert_true (ep_test_wait (group_idle, group, WAIT_MS));
  return editor;
}

/* ---- Sending with the token ------------------------------------------------------------------- */

typedef struct {
  gboolean      done;
  EpSmtpResult *result;
  GError       *error;
} Outcome;

static void
send_done_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  Outcome *outcome = user_data;

  outcome->result = ep_send_operation_run_finish (EP_SEND_OPERATION (object), result, &outcome->error);
  outcome->done = TRUE;
}

static gboolean
outcome_done (gpointer data)
{
  return ((Outcome *) data)->done;
}

/* ---- Tests ------------------------------------------------------------------------------------ */

/* The whole way: sign in through the browser, "Signed in as …", Save, and a send with the token. */
static void
test_browser_sign_in_and_send (Fixture       *f,
                               gconstpointer  data)
{
  g_autofree char *token = ep_oauth_server_access_token (1);
  g_autofree char *raw = g_strdup_printf ("user=%s\001auth=Bearer %s\001\001", EP_SCRIPT_SENDER, token);
  g_autofree char *payload = g_base64_encode ((const guchar *) raw, strlen (raw));
  g_autofree char *script = g_strdup_printf (EP_SCRIPT_GREETING EP_SCRIPT_EHLO_STARTTLS EP_SCRIPT_STARTTLS
                                             "TLS: good\n"
                                             "C: EHLO *\n"
                                             "S: 250-mx.test\n"
                                             "S: 250-PIPELINING\n"
                                             "S: 250 AUTH XOAUTH2\n"
                                             "C: AUTH XOAUTH2 %s\n"
                                             "S: 235 2.7.0 Accepted\n"
                                             EP_SCRIPT_DELIVER_TO ("ann@example.org")
                                             EP_SCRIPT_QUIT_EOF, payload);
  g_autoptr(EpScriptServer) smtp = ep_script_server_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(EpMessage) message = ep_message_new ();
  g_autoptr(EpAddress) from = ep_address_new ("Me", EP_SCRIPT_SENDER, "From", NULL);
  g_autoptr(EpAddress) to = ep_address_new (NULL, "ann@example.org", "To", NULL);
  g_autoptr(EpSendOperation) operation = NULL;
  g_autoptr(EpProfileStore) again = NULL;
  g_autofree char *sent_dir = ep_test_make_dir ("sign-in-sent");
  g_autofree char *transcript = NULL;
  Browser browser = { 0 };
  Outcome outcome = { 0 };
  EpProfileEditor *editor;
  EpSignInGroup *group;
  EpProfile *saved;
  char *id;

  g_assert_true (ep_script_server_add_script (smtp, script, &error));
  g_assert_true (ep_script_server_start (smtp, &error));
  g_assert_no_error (error);

  editor = open_google_type (f, ep_script_server_get_port (smtp));
  group = EP_SIGN_IN_GROUP (ep_profile_editor_get_field (editor, "sign-in"));
  scroll_to_group (group);
  ep_test_screenshot (GTK_WIDGET (f->dialog), "sign-in-editor.png");

  ep_sign_in_group_set_open_uri_func (group, browser_open_cb, &browser);
  g_signal_emit_by_name (ep_sign_in_group_get_widget (group, "sign-in"), "clicked");
  g_assert_nonnull (ep_sign_in_group_get_dialog (group));
  g_assert_true (ep_test_wait (group_idle, group, WAIT_MS));
  browser_join (&browser);
  g_assert_cmpuint (browser.final_status, ==, SOUP_STATUS_OK);
  /* The PKCE browser flow, with the address as the hint. */
  g_assert_true (g_str_has_prefix (browser.url, "https://127.0.0.1:"));
  g_assert_nonnull (strstr (browser.url, "code_challenge_method=S256"));
  g_assert_cmpuint (ep_oauth_server_count (f->oauth, "code"), ==, 1);
  browser_clear (&browser);

  g_assert_null (ep_sign_in_group_get_dialog (group));
  g_assert_cmpstr (row_title (group, "status"), ==, "Signed in as " EP_OAUTH_SERVER_ACCOUNT);
  g_assert_true (gtk_widget_get_visible (ep_sign_in_group_get_widget (group, "sign-out")));
  scroll_to_group (group);
  ep_test_screenshot (GTK_WIDGET (f->dialog), "sign-in-signed-in.png");

  /* Save keeps the sign-in settings; the keyring keeps the refresh token. */
  g_assert_true (ep_profile_editor_has_changes (editor));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (editor), "editor.save", NULL));
  g_assert_true (ep_test_wait (ep_test_dialog_idle, f->dialog, WAIT_MS));
  saved = ep_profile_store_lookup_by_name (f->store, "Gmail");
  g_assert_nonnull (saved);
  id = g_strdup (ep_profile_get_id (saved));
  g_assert_true (ep_oauth_account_is_signed_in_sync (id, NULL));
  again = ep_profile_store_new (f->dir);
  ep_profile_store_load (again, NULL);
  g_assert_cmpstr (ep_profile_get_oauth_setting (ep_profile_store_lookup_by_id (again, id),
                                                 EP_PROFILE_OAUTH_PROVIDER), ==, EP_OAUTH_PROVIDER_CUSTOM);
  g_assert_cmpstr (ep_profile_get_oauth_setting (ep_profile_store_lookup_by_id (again, id),
                                                 EP_PROFILE_OAUTH_CLIENT_ID), ==, EP_OAUTH_SERVER_CLIENT_ID);

  /* The send takes the token from the sign-in, in XOAUTH2 exactly as the script expects. */
  ep_message_set_from (message, from);
  ep_message_add_to (message, to);
  g_assert_true (ep_message_set_subject (message, "Signed in", &error));
  g_assert_true (ep_message_set_body (message, "Sent with a token.\n", -1, &error));
  operation = ep_send_operation_new (saved, message);
  ep_send_operation_set_sent_dir (operation, sent_dir);
  ep_send_operation_run_async (operation, NULL, send_done_cb, &outcome);
  g_assert_true (ep_test_wait (outcome_done, &outcome, WAIT_MS));
  g_assert_no_error (outcome.error);
  ep_script_server_assert_done (smtp, WAIT_MS);
  g_assert_cmpstr (outcome.result->auth_mechanism, ==, "XOAUTH2");
  transcript = ep_smtp_transcript_to_string (outcome.result->transcript);
  g_assert_null (strstr (transcript, "epistle-test-"));
  g_clear_pointer (&outcome.result, ep_smtp_result_unref);

  /* Deleting the profile for good (the toast gone without Undo) signs it out. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->dialog), "profiles.delete", "s", id));
  g_assert_true (ep_oauth_account_is_signed_in_sync (id, NULL));
  adw_toast_dismiss (ep_profiles_dialog_get_last_toast (f->dialog));
  g_assert_true (ep_test_wait (ep_test_dialog_idle, f->dialog, WAIT_MS));
  g_assert_false (ep_oauth_account_is_signed_in_sync (id, NULL));
  g_free (id);
}

/* The person says no in the browser: a message that says so, and nothing saved. */
static void
test_denied (Fixture       *f,
             gconstpointer  data)
{
  Browser browser = { 0 };
  EpProfileEditor *editor = open_google_type (f, 587);
  EpSignInGroup *group = EP_SIGN_IN_GROUP (ep_profile_editor_get_field (editor, "sign-in"));
  AdwMessageDialog *message;

  ep_oauth_server_set_consent (f->oauth, EP_OAUTH_CONSENT_DENY);
  ep_sign_in_group_set_open_uri_func (group, browser_open_cb, &browser);
  g_signal_emit_by_name (ep_sign_in_group_get_widget (group, "sign-in"), "clicked");
  g_assert_true (ep_test_wait (group_idle, group, WAIT_MS));
  browser_clear (&browser);

  message = find_message ("Access Declined");
  g_assert_nonnull (message);
  g_assert_nonnull (strstr (adw_message_dialog_get_body (message), "did not allow Epistle"));
  ep_test_screenshot (GTK_WIDGET (message), "sign-in-denied.png");
  gtk_window_destroy (GTK_WINDOW (message));
  g_assert_cmpstr (row_title (group, "status"), ==, "Not signed in");
  g_assert_cmpstr (adw_action_row_get_subtitle (ADW_ACTION_ROW (ep_sign_in_group_get_widget (group, "status"))),
                   ==, "Access was declined");
  g_assert_false (ep_oauth_account_is_signed_in_sync (ep_profile_get_id (ep_profile_editor_get_draft (editor)), NULL));
}

static gboolean
body_has_code (gpointer data)
{
  AdwMessageDialog *dialog = ep_sign_in_group_get_dialog (data);

  return dialog != NULL && strstr (adw_message_dialog_get_body (dialog), EP_OAUTH_SERVER_USER_CODE) != NULL;
}

/* "Sign in on another device": the code and where to enter it in the waiting dialog, the
 * server's answers polled until the person is done, then signed in; no browser opened. */
static void
test_device (Fixture       *f,
             gconstpointer  data)
{
  static const char * const script[] = { "authorization_pending", "authorization_pending", "ok", NULL };
  gboolean opened = FALSE;
  EpProfileEditor *editor = open_google_type (f, 587);
  EpSignInGroup *group = EP_SIGN_IN_GROUP (ep_profile_editor_get_field (editor, "sign-in"));
  AdwMessageDialog *waiting;

  ep_oauth_server_set_device_script (f->oauth, script);
  ep_sign_in_group_set_open_uri_func (group, ignore_uri_cb, &opened);
  g_signal_emit_by_name (ep_sign_in_group_get_widget (group, "device"), "activated");
  waiting = ep_sign_in_group_get_dialog (group);
  g_assert_nonnull (waiting);
  g_assert_cmpstr (adw_message_dialog_get_heading (waiting), ==, "Sign In on Another Device");
  g_assert_true (ep_test_wait (body_has_code, group, WAIT_MS));
  ep_test_screenshot (GTK_WIDGET (waiting), "sign-in-device.png");
  g_assert_true (ep_test_wait (group_idle, group, WAIT_MS));
  g_assert_false (opened);
  g_assert_cmpuint (ep_oauth_server_count (f->oauth, "device"), ==, 1);
  g_assert_cmpstr (row_title (group, "status"), ==, "Signed in as " EP_OAUTH_SERVER_ACCOUNT);
  g_assert_true (ep_oauth_account_sign_out_sync (ep_profile_get_id (ep_profile_editor_get_draft (editor)),
                                                 NULL, NULL));
}

/* Cancel while the browser is out: the wait ends at once, and no error is shown. */
static void
test_cancel (Fixture       *f,
             gconstpointer  data)
{
  gboolean opened = FALSE;
  EpProfileEditor *editor = open_google_type (f, 587);
  EpSignInGroup *group = EP_SIGN_IN_GROUP (ep_profile_editor_get_field (editor, "sign-in"));
  AdwMessageDialog *waiting;

  ep_sign_in_group_set_open_uri_func (group, ignore_uri_cb, &opened);
  g_signal_emit_by_name (ep_sign_in_group_get_widget (group, "sign-in"), "clicked");
  waiting = ep_sign_in_group_get_dialog (group);
  g_assert_nonnull (waiting);
  g_assert_true (ep_test_wait ((EpTestCondition) g_atomic_int_get, &opened, WAIT_MS));
  ep_test_screenshot (GTK_WIDGET (waiting), "sign-in-waiting.png");
  adw_message_dialog_response (waiting, "cancel");
  g_assert_true (ep_test_wait (group_idle, group, 5000));
  g_assert_null (ep_sign_in_group_get_dialog (group));
  g_assert_null (find_message ("Could Not Sign In"));
  g_assert_cmpstr (row_title (group, "status"), ==, "Not signed in");
}

/* Server Profiles closed while the browser is out: the wait ends, and nothing touches the
 * editor that is gone. */
static void
test_closed_while_waiting (Fixture       *f,
                           gconstpointer  data)
{
  gboolean opened = FALSE;
  EpProfileEditor *editor = open_google_type (f, 587);
  EpSignInGroup *group = EP_SIGN_IN_GROUP (ep_profile_editor_get_field (editor, "sign-in"));

  ep_sign_in_group_set_open_uri_func (group, ignore_uri_cb, &opened);
  g_signal_emit_by_name (ep_sign_in_group_get_widget (group, "sign-in"), "clicked");
  g_assert_true (ep_test_wait ((EpTestCondition) g_atomic_int_get, &opened, WAIT_MS));
  gtk_window_destroy (GTK_WINDOW (f->dialog));
  f->dialog = NULL;
  ep_test_iterate (1000);
  g_assert_null (find_message ("Could Not Sign In"));
}

static gboolean
signed_out (gpointer data)
{
  return !ep_oauth_account_is_signed_in_sync (data, NULL);
}

/* A new profile signed in and then closed without Save: its sign-in is not left in the keyring. */
static void
test_unsaved_forgotten (Fixture       *f,
                        gconstpointer  data)
{
  Browser browser = { 0 };
  EpProfileEditor *editor = open_google_type (f, 587);
  EpSignInGroup *group = EP_SIGN_IN_GROUP (ep_profile_editor_get_field (editor, "sign-in"));
  g_autofree char *id = g_strdup (ep_profile_get_id (ep_profile_editor_get_draft (editor)));

  ep_sign_in_group_set_open_uri_func (group, browser_open_cb, &browser);
  g_signal_emit_by_name (ep_sign_in_group_get_widget (group, "sign-in"), "clicked");
  g_assert_true (ep_test_wait (group_idle, group, WAIT_MS));
  browser_clear (&browser);
  g_assert_true (ep_oauth_account_is_signed_in_sync (id, NULL));

  gtk_window_destroy (GTK_WINDOW (f->dialog));
  f->dialog = NULL;
  g_assert_true (ep_test_wait (signed_out, id, WAIT_MS));
}

/* Without any client ID for Google (none built in, none in GSettings), the Gmail preset offers
 * sign-in but leaves it off: a new profile would otherwise be unable to send at all. */
static void
test_preset_without_client_id (Fixture       *f,
                               gconstpointer  data)
{
  EpProfileEditor *editor;
  EpSignInGroup *group;

  set_client_ids (NULL, NULL);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->dialog), "profiles.add", "s", "gmail"));
  editor = ep_profiles_dialog_get_editor (f->dialog);
  group = EP_SIGN_IN_GROUP (ep_profile_editor_get_field (editor, "sign-in"));
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (group)));
  g_assert_false (gtk_switch_get_active (GTK_SWITCH (ep_sign_in_group_get_widget (group, "switch"))));
  g_assert_cmpstr (ep_profile_get_oauth_setting (ep_profile_editor_get_draft (editor), EP_PROFILE_OAUTH_PROVIDER),
                   ==, "");
  g_assert_false (gtk_widget_get_visible (ep_sign_in_group_get_widget (group, "status")));

  /* Turned on, it is Google's; the client ID is then the profile's own to give. */
  gtk_switch_set_active (GTK_SWITCH (ep_sign_in_group_get_widget (group, "switch")), TRUE);
  g_assert_cmpstr (ep_profile_get_oauth_setting (ep_profile_editor_get_draft (editor), EP_PROFILE_OAUTH_PROVIDER),
                   ==, EP_OAUTH_PROVIDER_GOOGLE);
  g_assert_true (gtk_widget_get_visible (ep_sign_in_group_get_widget (group, "client")));
}

/* The application's client ID (GSettings) signs in a profile that has none of its own. */
static void
test_settings_client_id (Fixture       *f,
                         gconstpointer  data)
{
  Browser browser = { 0 };
  EpProfileEditor *editor = open_google_type (f, 587);
  EpSignInGroup *group = EP_SIGN_IN_GROUP (ep_profile_editor_get_field (editor, "sign-in"));

  adw_expander_row_set_enable_expansion (ADW_EXPANDER_ROW (ep_sign_in_group_get_widget (group, "client")), FALSE);
  g_assert_cmpstr (ep_profile_get_oauth_setting (ep_profile_editor_get_draft (editor), EP_PROFILE_OAUTH_CLIENT_ID),
                   ==, "");
  set_client_ids (EP_OAUTH_PROVIDER_CUSTOM, EP_OAUTH_SERVER_CLIENT_ID);

  ep_sign_in_group_set_open_uri_func (group, browser_open_cb, &browser);
  g_signal_emit_by_name (ep_sign_in_group_get_widget (group, "sign-in"), "clicked");
  g_assert_true (ep_test_wait (group_idle, group, WAIT_MS));
  browser_clear (&browser);
  set_client_ids (NULL, NULL);
  g_assert_cmpstr (row_title (group, "status"), ==, "Signed in as " EP_OAUTH_SERVER_ACCOUNT);
  g_assert_true (ep_oauth_account_sign_out_sync (ep_profile_get_id (ep_profile_editor_get_draft (editor)),
                                                 NULL, NULL));
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GTlsDatabase) database = NULL;
  int ret;

  if (g_strcmp0 (g_getenv ("EP_TEST_KEYRING"), "present") != 0)
    {
      g_print ("1..0 # SKIP needs ep-keyring-env.sh --with-keyring\n");
      return 0;
    }

  ep_test_certs_dir ();
  gtk_test_init (&argc, &argv, NULL);
  adw_init ();
  ep_register_resource ();
  g_object_set (gtk_settings_get_default (), "gtk-enable-animations", FALSE, NULL);
  /* The fake authorization server's certificate, as the app's flows and refreshes see it. */
  database = ep_test_certs_ca_database (NULL);
  ep_oauth_set_default_tls_database (database);

#define ADD(path, func) \
  g_test_add ("/sign-in/" path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("browser-sign-in-and-send", test_browser_sign_in_and_send);
  ADD ("denied", test_denied);
  ADD ("cancel", test_cancel);
  ADD ("device", test_device);
  ADD ("closed-while-waiting", test_closed_while_waiting);
  ADD ("settings-client-id", test_settings_client_id);
  ADD ("unsaved-forgotten", test_unsaved_forgotten);
  ADD ("preset-without-client-id", test_preset_without_client_id);
#undef ADD

  ret = g_test_run ();
  ep_secrets_disconnect ();
  return ret;
}
