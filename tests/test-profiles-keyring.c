/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-profiles-keyring.c: Server Profiles with a headless GNOME Keyring (ep-keyring-env.sh
 * --with-keyring): Save puts the password in the Secret Service and nowhere else; the editor then
 * knows one is saved without showing it; the connection test signs in with it, but never at
 * another server than the saved one; Duplicate copies it; a deletion keeps it until its Undo is
 * no longer possible; Forget removes it. */
#include "config.h"

#include "ep-profile-store.h"
#include "ep-profiles-test-util.h"
#include "ep-resources.h"
#include "ep-script-server.h"
#include "ep-secrets.h"
#include "ep-store-error.h"
#include "ep-test-certs.h"

#define WAIT_MS 20000

#define PASSWORD "Keyring-S3cret-42"
/* base64 ("\0kim@fastmail.com\0Keyring-S3cret-42"), as AUTH PLAIN sends it */
#define PLAIN_RESPONSE "AGtpbUBmYXN0bWFpbC5jb20AS2V5cmluZy1TM2NyZXQtNDI="

typedef struct
{
  EpProfileStore   *store;
  EpProfilesDialog *dialog;
} Fixture;

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  static guint counter;
  g_autofree char *dir = g_strdup_printf ("%s/epistle-%u", g_get_user_config_dir (), ++counter);

  /* The first test uses the real place, $XDG_CONFIG_HOME/epistle; the others their own. */
  f->store = ep_profile_store_new (counter == 1 ? NULL : dir);
  ep_profile_store_load (f->store, NULL);
  f->dialog = ep_profiles_dialog_new (NULL, f->store);
  gtk_window_present (GTK_WINDOW (f->dialog));
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  gtk_window_destroy (GTK_WINDOW (f->dialog));
  ep_test_iterate (300);
  g_clear_object (&f->store);
}

static char *
lookup_password (const char  *id,
                 GError     **error)
{
  return ep_secrets_lookup_sync (id, NULL, error);
}

/* A stored profile whose password is already in the keyring, for 127.0.0.1:@port. */
static EpProfile *
add_profile_with_password_at (Fixture *f,
                              guint16  port)
{
  EpProfile *profile = ep_profile_new ("Kim");
  g_autoptr(GError) error = NULL;

  ep_profile_set_sender_address (profile, "kim@fastmail.com");
  ep_profile_set_username (profile, "kim@fastmail.com");
  ep_profile_set_host (profile, "127.0.0.1");
  ep_profile_set_port (profile, port);
  ep_profile_set_security (profile, EP_SMTP_SECURITY_STARTTLS);
  ep_profile_set_timeout (profile, 5);
  g_assert_true (ep_profile_store_add (f->store, profile, &error));
  g_assert_true (ep_profile_store_save (f->store, &error));
  g_assert_no_error (error);
  g_assert_true (ep_secrets_store_sync (ep_profile_get_id (profile), "test", PASSWORD, NULL, &error));
  g_assert_no_error (error);
  g_object_unref (profile);
  return profile;
}

static EpProfile *
add_profile_with_password (Fixture *f)
{
  return add_profile_with_password_at (f, 587);
}

static gboolean
has_stored_password (gpointer data)
{
  return ep_profile_editor_has_stored_password (data);
}

static gboolean
has_no_stored_password (gpointer data)
{
  return !ep_profile_editor_has_stored_password (data);
}

static void
test_save_stores_password (Fixture       *f,
                           gconstpointer  data)
{
  g_autofree char *password = NULL;
  g_autoptr(GError) error = NULL;
  GtkWidget *keyring;
  EpProfileEditor *editor;
  EpProfile *saved;

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->dialog), "profiles.add", "s", "fastmail"));
  editor = ep_profiles_dialog_get_editor (f->dialog);
  keyring = ep_profile_editor_get_field (editor, "keyring");
  g_assert_true (ep_test_wait (ep_test_keyring_known, editor, WAIT_MS));
  g_assert_cmpint (ep_profile_editor_get_keyring_state (editor), ==, EP_KEYRING_STATE_AVAILABLE);
  g_assert_cmpstr (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (keyring)), ==,
                   "The password will be saved in the keyring");

  ep_test_set_field (editor, "address", "kim@fastmail.com");
  gtk_editable_set_text (GTK_EDITABLE (ep_profile_editor_get_field (editor, "password")), PASSWORD);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (editor), "editor.save", NULL));
  g_assert_true (ep_test_wait (ep_test_dialog_idle, f->dialog, WAIT_MS));
  g_assert_true (ep_test_contains (adw_toast_get_title (ep_profiles_dialog_get_last_toast (f->dialog)),
                                   "with its password in the keyring"));

  saved = ep_profile_store_lookup_by_name (f->store, "Fastmail");
  g_assert_nonnull (saved);
  g_assert_cmpstr (ep_profile_get_username (saved), ==, "kim@fastmail.com");
  password = lookup_password (ep_profile_get_id (saved), &error);
  g_assert_no_error (error);
  g_assert_cmpstr (password, ==, PASSWORD);

  /* Editing it again: the editor knows a password is saved, and does not show it. */
  ep_profiles_dialog_edit (f->dialog, saved);
  editor = ep_profiles_dialog_get_editor (f->dialog);
  keyring = ep_profile_editor_get_field (editor, "keyring");
  g_assert_true (ep_test_wait (has_stored_password, editor, WAIT_MS));
  g_assert_cmpstr (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (keyring)), ==,
                   "A password is saved in the keyring");
  g_assert_cmpstr (ep_test_get_field (editor, "password"), ==, "");
}

static void
test_connection_uses_saved_password (Fixture       *f,
                                     gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(EpScriptServer) server = ep_script_server_new_for_script (
    "S: 220 mx.test ESMTP\n"
    "C: EHLO *\n"
    "S: 250-mx.test\n"
    "S: 250 STARTTLS\n"
    "C: STARTTLS\n"
    "S: 220 Go ahead\n"
    "TLS: good\n"
    "C: EHLO *\n"
    "S: 250-mx.test\n"
    "S: 250 AUTH PLAIN\n"
    "C: AUTH PLAIN " PLAIN_RESPONSE "\n"
    "S: 235 2.7.0 Accepted\n"
    "C: QUIT\n"
    "S: 221 Bye\n", &error);
  g_autofree char *sha = ep_test_certs_sha256 ("good");
  EpProfile *profile;
  EpConnectionTestWindow *window;
  EpProfileEditor *editor;

  g_assert_no_error (error);
  /* Saved for this very server. */
  profile = add_profile_with_password_at (f, ep_script_server_get_port (server));
  ep_profiles_dialog_edit (f->dialog, profile);
  editor = ep_profiles_dialog_get_editor (f->dialog);
  ep_profile_set_pinned_sha256 (ep_profile_editor_get_draft (editor), sha);
  /* Nothing typed: the test takes the keyring's password. */
  g_assert_cmpstr (ep_test_get_field (editor, "password"), ==, "");
  ep_profile_editor_test_connection (editor);
  window = ep_profile_editor_get_test_window (editor);
  g_assert_true (ep_test_wait (ep_test_connection_done, window, WAIT_MS));
  g_assert_null (ep_connection_test_window_get_error (window));
  g_assert_cmpint (ep_connection_test_window_get_step_state (window, EP_SMTP_TEST_STEP_AUTH, NULL), ==,
                   EP_TEST_STEP_STATE_OK);
  g_assert_true (ep_script_server_wait (server, 5000, NULL));
  g_assert_true (ep_script_server_get_completed (server));
}

/* The saved password is for the saved server. Test Connection with another port (or host) in
 * the fields must not send it there, to whoever answers: it asks for the password instead, and
 * signs in with the one typed. */
static void
test_connection_other_server_asks (Fixture       *f,
                                   gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  /* base64 ("\0kim@fastmail.com\0typed-for-this-one") */
  const char *typed_response = "AGtpbUBmYXN0bWFpbC5jb20AdHlwZWQtZm9yLXRoaXMtb25l";
  g_autofree char *script = g_strdup_printf ("S: 220 mx.test ESMTP\n"
                                             "C: EHLO *\n"
                                             "S: 250-mx.test\n"
                                             "S: 250 STARTTLS\n"
                                             "C: STARTTLS\n"
                                             "S: 220 Go ahead\n"
                                             "TLS: good\n"
                                             "C: EHLO *\n"
                                             "S: 250-mx.test\n"
                                             "S: 250 AUTH PLAIN\n"
                                             "C: AUTH PLAIN %s\n"
                                             "S: 235 2.7.0 Accepted\n"
                                             "C: QUIT\n"
                                             "S: 221 Bye\n", typed_response);
  g_autoptr(EpScriptServer) other = ep_script_server_new_for_script (script, &error);
  g_autofree char *sha = ep_test_certs_sha256 ("good");
  g_autofree char *received = NULL;
  EpProfile *profile = add_profile_with_password (f);
  EpConnectionTestWindow *window;
  EpProfileEditor *editor;
  GtkWidget *password_row;

  g_assert_no_error (error);
  ep_profiles_dialog_edit (f->dialog, profile);
  editor = ep_profiles_dialog_get_editor (f->dialog);
  password_row = ep_profile_editor_get_field (editor, "password");
  g_assert_true (ep_test_wait (has_stored_password, editor, WAIT_MS));

  /* Another port, nothing typed: no test runs; the password field asks. */
  ep_test_set_port (editor, ep_script_server_get_port (other));
  ep_profile_set_pinned_sha256 (ep_profile_editor_get_draft (editor), sha);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (editor), "editor.test", NULL));
  g_assert_null (ep_profile_editor_get_test_window (editor));
  g_assert_true (ep_test_contains (ep_profile_editor_get_problem (editor),
                                   "The saved password is for 127.0.0.1:587"));
  g_assert_true (gtk_widget_is_ancestor (gtk_root_get_focus (gtk_widget_get_root (password_row)), password_row) ||
                 gtk_root_get_focus (gtk_widget_get_root (password_row)) == password_row);
  ep_test_iterate (300);
  g_assert_false (ep_script_server_get_connected (other));

  /* Typed: the test signs in with that one, and the keyring's never leaves. */
  gtk_editable_set_text (GTK_EDITABLE (password_row), "typed-for-this-one");
  ep_profile_editor_test_connection (editor);
  g_assert_null (ep_profile_editor_get_problem (editor));
  window = ep_profile_editor_get_test_window (editor);
  g_assert_nonnull (window);
  g_assert_true (ep_test_wait (ep_test_connection_done, window, WAIT_MS));
  g_assert_null (ep_connection_test_window_get_error (window));
  g_assert_true (ep_script_server_wait (other, 5000, NULL));
  g_assert_true (ep_script_server_get_completed (other));
  received = ep_script_server_dup_received_string (other);
  g_assert_false (ep_test_contains (received, PLAIN_RESPONSE));
  gtk_window_destroy (GTK_WINDOW (window));
}

/* The connection test window on its own (no editor asking first) does not look the saved
 * password up for another server either: it skips signing in, and says why. */
static void
test_connection_window_other_server (Fixture       *f,
                                     gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(EpScriptServer) other = ep_script_server_new_for_script (
    "S: 220 mx.test ESMTP\n"
    "C: EHLO *\n"
    "S: 250-mx.test\n"
    "S: 250 STARTTLS\n"
    "C: STARTTLS\n"
    "S: 220 Go ahead\n"
    "TLS: good\n"
    "C: EHLO *\n"
    "S: 250-mx.test\n"
    "S: 250 AUTH PLAIN\n"
    "C: QUIT\n"
    "S: 221 Bye\n", &error);
  g_autofree char *sha = ep_test_certs_sha256 ("good");
  EpProfile *profile = add_profile_with_password (f);
  g_autoptr(EpProfile) moved = ep_profile_copy (profile, ep_profile_get_id (profile), NULL);
  EpConnectionTestWindow *window;
  const char *detail = NULL;

  g_assert_no_error (error);
  ep_profile_set_port (moved, ep_script_server_get_port (other));
  ep_profile_set_pinned_sha256 (moved, sha);
  window = ep_connection_test_window_new (NULL, f->store, moved, FALSE, NULL);
  ep_connection_test_window_start (window);
  g_assert_true (ep_test_wait (ep_test_connection_done, window, WAIT_MS));
  g_assert_null (ep_connection_test_window_get_error (window));
  g_assert_cmpint (ep_connection_test_window_get_step_state (window, EP_SMTP_TEST_STEP_AUTH, &detail), ==,
                   EP_TEST_STEP_STATE_SKIPPED);
  g_assert_true (ep_test_contains (detail, "the saved password is for 127.0.0.1:587"));
  g_assert_true (ep_script_server_wait (other, 5000, NULL));
  g_assert_true (ep_script_server_get_completed (other));
  g_assert_false (ep_script_server_received_contains (other, "AUTH"));
  gtk_window_destroy (GTK_WINDOW (window));
}

static void
test_duplicate_copies_password (Fixture       *f,
                                gconstpointer  data)
{
  EpProfile *profile = add_profile_with_password (f);
  g_autofree char *password = NULL;
  g_autoptr(GError) error = NULL;
  EpProfile *copy;

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->dialog), "profiles.duplicate", "s",
                                             ep_profile_get_id (profile)));
  g_assert_true (ep_test_wait (ep_test_dialog_idle, f->dialog, WAIT_MS));
  copy = ep_profile_store_lookup_by_name (f->store, "Kim (copy)");
  g_assert_nonnull (copy);
  password = lookup_password (ep_profile_get_id (copy), &error);
  g_assert_no_error (error);
  g_assert_cmpstr (password, ==, PASSWORD);
}

static void
test_delete_keeps_password_until_final (Fixture       *f,
                                        gconstpointer  data)
{
  EpProfile *profile = add_profile_with_password (f);
  g_autofree char *id = g_strdup (ep_profile_get_id (profile));
  g_autofree char *password = NULL;
  g_autofree char *gone = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->dialog), "profiles.delete", "s", id));
  g_assert_null (ep_profile_store_lookup_by_id (f->store, id));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->dialog), "profiles.undo-delete", "s", id));
  adw_toast_dismiss (ep_profiles_dialog_get_last_toast (f->dialog));
  g_assert_true (ep_test_wait (ep_test_dialog_idle, f->dialog, WAIT_MS));
  /* Undone: the same profile, and its password, are back. */
  g_assert_true (ep_profile_store_lookup_by_id (f->store, id) == profile);
  password = lookup_password (id, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (password, ==, PASSWORD);

  /* Deleted for good when the toast goes without Undo. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->dialog), "profiles.delete", "s", id));
  adw_toast_dismiss (ep_profiles_dialog_get_last_toast (f->dialog));
  g_assert_true (ep_test_wait (ep_test_dialog_idle, f->dialog, WAIT_MS));
  gone = lookup_password (id, &error);
  g_assert_null (gone);
  g_assert_error (error, EP_STORE_ERROR, EP_STORE_ERROR_NOT_FOUND);
}

/* The button labelled @label in @widget, as the user sees it. */
static GtkWidget *
find_button (GtkWidget  *widget,
             const char *label)
{
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found;

      if (GTK_IS_BUTTON (child) && g_strcmp0 (gtk_button_get_label (GTK_BUTTON (child)), label) == 0)
        return child;
      if ((found = find_button (child, label)) != NULL)
        return found;
    }
  return NULL;
}

/* The Forget button of the keyring row removes the saved password at once. */
static void
test_forget_password (Fixture       *f,
                      gconstpointer  data)
{
  EpProfile *profile = add_profile_with_password (f);
  g_autofree char *gone = NULL;
  g_autoptr(GError) error = NULL;
  EpProfileEditor *editor;
  GtkWidget *forget;

  ep_profiles_dialog_edit (f->dialog, profile);
  editor = ep_profiles_dialog_get_editor (f->dialog);
  g_assert_true (ep_test_wait (has_stored_password, editor, WAIT_MS));
  forget = find_button (ep_profile_editor_get_field (editor, "keyring"), "_Forget");
  g_assert_nonnull (forget);
  g_assert_true (gtk_widget_get_visible (forget) && gtk_widget_is_sensitive (forget));
  g_assert_true (gtk_widget_activate (forget));
  g_assert_true (ep_test_wait (has_no_stored_password, editor, WAIT_MS));
  gone = lookup_password (ep_profile_get_id (profile), &error);
  g_assert_null (gone);
  g_assert_error (error, EP_STORE_ERROR, EP_STORE_ERROR_NOT_FOUND);
}

/* Every file Epistle may write outside the keyring: none holds a password. */
static void
assert_no_file_contains (const char *dir,
                         const char *needle,
                         guint      *n_files)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;

  if (d == NULL)
    return;
  while ((name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);
      g_autofree char *contents = NULL;
      gsize length;

      if (g_file_test (path, G_FILE_TEST_IS_DIR))
        {
          assert_no_file_contains (path, needle, n_files);
          continue;
        }
      if (!g_file_get_contents (path, &contents, &length, NULL))
        continue;
      (*n_files)++;
      if (g_strstr_len (contents, length, needle) != NULL)
        g_error ("%s contains the password", path);
    }
}

static void
test_nothing_on_disk (void)
{
  guint n_files = 0;

  assert_no_file_contains (g_get_user_config_dir (), PASSWORD, &n_files);
  assert_no_file_contains (g_get_user_cache_dir (), PASSWORD, &n_files);
  assert_no_file_contains (g_get_user_state_dir (), PASSWORD, &n_files);
  /* profiles.ini of each test at least: the scan did look at something. */
  g_assert_cmpuint (n_files, >=, 5);
}

int
main (int   argc,
      char *argv[])
{
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

#define ADD(path, func) \
  g_test_add ("/profiles-keyring/" path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("save-stores-password", test_save_stores_password);
  ADD ("connection-uses-saved-password", test_connection_uses_saved_password);
  ADD ("connection-other-server-asks", test_connection_other_server_asks);
  ADD ("connection-window-other-server", test_connection_window_other_server);
  ADD ("duplicate-copies-password", test_duplicate_copies_password);
  ADD ("delete-keeps-password-until-final", test_delete_keeps_password_until_final);
  ADD ("forget-password", test_forget_password);
#undef ADD
  g_test_add_func ("/profiles-keyring/nothing-on-disk", test_nothing_on_disk);

  ret = g_test_run ();
  ep_secrets_disconnect ();
  ep_test_certs_cleanup ();
  return ret;
}
