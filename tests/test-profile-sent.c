/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-profile-sent.c: the profile editor's Copy to Sent Folder section under Xvfb, with the
 * headless keyring: turned on and filled in, Save writes the IMAP keys to profiles.ini (keeping
 * keys this version does not know) and a separate IMAP password goes to the keyring only; a
 * field that is wrong is named; a preset for a provider that files sent mail itself leaves the
 * copy off and says why; "Choose…" asks a scripted IMAP server with two Sent candidates and the
 * one picked is saved as imap-sent-folder. */
#include "config.h"

#include <string.h>

#include "ep-profile-editor-private.h"
#include "ep-profile-store.h"
#include "ep-profiles-test-util.h"
#include "ep-resources.h"
#include "ep-script-server.h"
#include "ep-secrets.h"
#include "ep-sent-copy-status.h"
#include "ep-sent-store.h"
#include "ep-smtp-scripts.h"
#include "ep-test-certs.h"
#include "ep-test-util.h"

#define WAIT_MS 20000

#define PASSWORD      "smtp-Pa55!"
#define IMAP_PASSWORD "imap-Only-Pa55!"

typedef struct
{
  char             *dir;
  EpProfileStore   *store;
  EpProfilesDialog *dialog;
  EpProfileEditor  *editor;
} Fixture;

static void
open_editor (Fixture    *f,
             const char *preset)
{
  static guint counter;
  g_autofree char *name = g_strdup_printf ("sent-%u", ++counter);

  f->dir = g_build_filename (g_getenv ("EPISTLE_TEST_TMPDIR"), name, NULL);
  g_assert_cmpint (g_mkdir_with_parents (f->dir, 0700), ==, 0);
  f->store = ep_profile_store_new (f->dir);
  f->dialog = ep_profiles_dialog_new (NULL, f->store);
  gtk_window_set_default_size (GTK_WINDOW (f->dialog), 640, 1400);
  gtk_window_present (GTK_WINDOW (f->dialog));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->dialog), "profiles.add", "s", preset));
  f->editor = ep_profiles_dialog_get_editor (f->dialog);
  g_assert_nonnull (f->editor);
}

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  open_editor (f, "custom");
  ep_test_set_field (f->editor, "name", "Mailbox");
  ep_test_set_field (f->editor, "address", "me@example.org");
  ep_test_set_field (f->editor, "host", "127.0.0.1");
  ep_test_select (f->editor, "security", EP_SMTP_SECURITY_STARTTLS);
  ep_test_set_field (f->editor, "username", "me@example.org");
  ep_test_set_field (f->editor, "password", PASSWORD);
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

static void
enable (EpProfileEditor *editor)
{
  gtk_switch_set_active (GTK_SWITCH (ep_profile_editor_get_field (editor, "sent-copy")), TRUE);
}

static char *
read_profiles_ini (Fixture *f)
{
  g_autofree char *path = g_build_filename (f->dir, "profiles.ini", NULL);
  char *text = NULL;

  g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
  return text;
}

typedef struct {
  const char *id;
  char       *found;
} KeyringProbe;

static gboolean
imap_password_stored (gpointer data)
{
  KeyringProbe *probe = data;

  g_clear_pointer (&probe->found, ep_secrets_password_free);
  probe->found = ep_secrets_lookup_token_sync (probe->id, EP_SECRETS_KIND_IMAP_PASSWORD, NULL, NULL);
  return probe->found != NULL;
}

static void
store_result (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

static gboolean
has_result (gpointer data)
{
  return *(GAsyncResult **) data != NULL;
}

/* The section is below the fold of the window: scrolls @widget to the top, for a screenshot. */
static void
scroll_to (EpProfileEditor *editor,
           const char      *field)
{
  GtkWidget *widget = ep_profile_editor_get_field (editor, field);
  GtkWidget *scrolled = gtk_widget_get_ancestor (widget, GTK_TYPE_SCROLLED_WINDOW);
  GtkAdjustment *adjustment;
  graphene_point_t point;

  g_assert_nonnull (scrolled);
  ep_test_iterate (200);
  g_assert_true (gtk_widget_compute_point (widget, gtk_scrolled_window_get_child (GTK_SCROLLED_WINDOW (scrolled)),
                                           &GRAPHENE_POINT_INIT (0, 0), &point));
  adjustment = gtk_scrolled_window_get_vadjustment (GTK_SCROLLED_WINDOW (scrolled));
  gtk_adjustment_set_value (adjustment, point.y - 120);
}

/* On, filled in, saved: the keys in profiles.ini, the separate password in the keyring only. */
static void
test_save (Fixture       *f,
           gconstpointer  data)
{
  g_autofree char *ini = NULL;
  g_autofree char *smtp = NULL;
  KeyringProbe probe = { 0 };
  EpProfile *saved;
  g_autoptr(GAsyncResult) cleared = NULL;

  /* Off: the other fields are not shown. */
  g_assert_false (gtk_widget_get_visible (ep_profile_editor_get_field (f->editor, "imap-host")));
  enable (f->editor);
  g_assert_true (gtk_widget_get_visible (ep_profile_editor_get_field (f->editor, "imap-host")));
  g_assert_false (gtk_widget_get_visible (ep_profile_editor_get_field (f->editor, "imap-password")));
  ep_test_set_field (f->editor, "imap-host", "imap.example.org");
  ep_test_set_field (f->editor, "imap-port", "1143");
  ep_test_select (f->editor, "imap-security", 1);   /* STARTTLS */
  ep_test_set_field (f->editor, "imap-username", "mailbox-user");
  ep_test_select (f->editor, "imap-password-mode", 1);   /* a separate password */
  g_assert_true (gtk_widget_get_visible (ep_profile_editor_get_field (f->editor, "imap-password")));
  ep_test_set_field (f->editor, "imap-password", IMAP_PASSWORD);
  ep_test_select (f->editor, "sent-folder-mode", 1);
  ep_test_set_field (f->editor, "sent-folder", "INBOX.Sent");
  scroll_to (f->editor, "imap-host");
  ep_test_screenshot (GTK_WIDGET (f->dialog), "profile-editor-sent-copy.png");

  g_assert_true (ep_profile_editor_has_changes (f->editor));
  /* The dialog closes the editor once it saved. */
  g_assert_true (ep_profile_editor_save (f->editor));
  f->editor = NULL;
  g_assert_true (ep_test_wait (ep_test_dialog_idle, f->dialog, WAIT_MS));
  saved = ep_profile_store_lookup_by_name (f->store, "Mailbox");
  g_assert_nonnull (saved);
  g_assert_true (ep_profile_get_imap_own_password (saved));

  ini = read_profiles_ini (f);
  g_assert_true (ep_test_contains (ini, "sent-copy=true\n"));
  g_assert_true (ep_test_contains (ini, "imap-host=imap.example.org\n"));
  g_assert_true (ep_test_contains (ini, "imap-port=1143\n"));
  g_assert_true (ep_test_contains (ini, "imap-security=starttls\n"));
  g_assert_true (ep_test_contains (ini, "imap-username=mailbox-user\n"));
  g_assert_true (ep_test_contains (ini, "imap-own-password=true\n"));
  g_assert_true (ep_test_contains (ini, "imap-sent-folder=INBOX.Sent\n"));
  g_assert_false (ep_test_contains (ini, IMAP_PASSWORD));
  g_assert_false (ep_test_contains (ini, PASSWORD));

  probe.id = ep_profile_get_id (saved);
  g_assert_true (ep_test_wait (imap_password_stored, &probe, WAIT_MS));
  g_assert_cmpstr (probe.found, ==, IMAP_PASSWORD);
  /* The SMTP password is its own entry, untouched by the IMAP one. */
  smtp = ep_secrets_lookup_sync (probe.id, NULL, NULL);
  g_assert_cmpstr (smtp, ==, PASSWORD);
  ep_secrets_password_free (g_steal_pointer (&smtp));

  /* A deleted profile's passwords go with it, both. */
  ep_secrets_clear_profile_async (probe.id, NULL, store_result, &cleared);
  g_assert_true (ep_test_wait (has_result, &cleared, WAIT_MS));
  g_assert_true (ep_secrets_clear_finish (cleared, NULL));
  g_assert_false (imap_password_stored (&probe));
  g_assert_null (ep_secrets_lookup_sync (probe.id, NULL, NULL));
}

/* Keys this version does not know stay in the profile's group when the section is saved. */
static void
test_unknown_keys_kept (Fixture       *f,
                        gconstpointer  data)
{
  g_autofree char *path = g_build_filename (f->dir, "profiles.ini", NULL);
  g_autofree char *ini = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(EpProfileStore) store = NULL;
  EpProfileEditor *editor;

  g_assert_true (g_file_set_contents (path, "[Profile kept]\nname=Kept\nhost=smtp.example.org\n"
                                            "sender-address=me@example.org\nfuture-key=still here\n",
                                      -1, &error));
  store = ep_profile_store_new (f->dir);
  g_assert_true (ep_profile_store_load (store, &error));
  g_assert_no_error (error);
  editor = g_object_ref_sink (ep_profile_editor_new (store, ep_profile_store_lookup_by_name (store, "Kept"), NULL));
  enable (editor);
  ep_test_set_field (editor, "imap-host", "imap.example.org");
  g_assert_true (ep_profile_editor_save (editor));
  g_object_unref (editor);

  ini = read_profiles_ini (f);
  g_assert_true (ep_test_contains (ini, "future-key=still here\n"));
  g_assert_true (ep_test_contains (ini, "imap-host=imap.example.org\n"));
  g_assert_false (ep_test_contains (ini, "imap-own-password"));
}

/* Each wrong field is named, and nothing is saved. */
static void
test_validation (Fixture       *f,
                 gconstpointer  data)
{
  enable (f->editor);
  g_assert_false (ep_profile_editor_save (f->editor));
  g_assert_true (ep_test_contains (ep_profile_editor_get_problem (f->editor), "IMAP server"));

  ep_test_set_field (f->editor, "imap-host", "imap.example.org");
  ep_test_set_field (f->editor, "imap-port", "99999");
  g_assert_true (gtk_widget_has_css_class (ep_profile_editor_get_field (f->editor, "imap-port"), "error"));
  g_assert_false (ep_profile_editor_save (f->editor));
  g_assert_true (ep_test_contains (ep_profile_editor_get_problem (f->editor), "IMAP port"));
  ep_test_set_field (f->editor, "imap-port", "");

  ep_test_select (f->editor, "imap-password-mode", 1);
  g_assert_false (ep_profile_editor_save (f->editor));
  g_assert_true (ep_test_contains (ep_profile_editor_get_problem (f->editor), "IMAP password"));
  ep_test_select (f->editor, "imap-password-mode", 0);

  ep_test_select (f->editor, "sent-folder-mode", 1);
  g_assert_false (ep_profile_editor_save (f->editor));
  g_assert_true (ep_test_contains (ep_profile_editor_get_problem (f->editor), "Sent folder"));
  scroll_to (f->editor, "sent-folder");
  ep_test_screenshot (GTK_WIDGET (f->dialog), "profile-editor-sent-problem.png");
  ep_test_select (f->editor, "sent-folder-mode", 0);

  g_assert_null (ep_profile_store_lookup_by_name (f->store, "Mailbox"));
  g_assert_true (ep_profile_editor_save (f->editor));
}

/* Gmail files what its server sends in the Sent folder itself: the copy starts off, with the
 * reason; its IMAP server is filled in for who turns it on anyway. */
static void
test_preset_off (void)
{
  Fixture fixture = { 0 }, *f = &fixture;
  GtkWidget *reason;

  open_editor (f, "gmail");
  reason = ep_profile_editor_get_field (f->editor, "imap-reason");
  g_assert_false (gtk_switch_get_active (GTK_SWITCH (ep_profile_editor_get_field (f->editor, "sent-copy"))));
  g_assert_true (gtk_widget_get_visible (reason));
  g_assert_true (ep_test_contains (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (reason)), "Gmail"));
  g_assert_cmpstr (ep_test_get_field (f->editor, "imap-host"), ==, "imap.gmail.com");
  scroll_to (f->editor, "imap-reason");
  ep_test_screenshot (GTK_WIDGET (f->dialog), "profile-editor-sent-gmail.png");
  enable (f->editor);
  g_assert_false (gtk_widget_get_visible (reason));
  fixture_tear_down (f, NULL);
}

static gboolean
chooser_open (gpointer data)
{
  return ep_profile_editor_get_field (data, "sent-folder-chooser") != NULL;
}

static gboolean
choose_done (gpointer data)
{
  return gtk_widget_get_sensitive (ep_profile_editor_get_field (data, "sent-folder-choose"));
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

/* Two Sent candidates on the server: the person picks one in the chooser, and it is saved. */
static void
test_choose_folder (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(EpScriptServer) server = ep_script_server_new_for_test (
    "TLS: good\n"
    "S: * OK [CAPABILITY IMAP4rev1 SASL-IR AUTH=PLAIN] ready\n"
    "C: A1 AUTHENTICATE PLAIN *\n"
    "S: A1 OK [CAPABILITY IMAP4rev1] signed in\n"
    "C: A2 LIST \"\" \"*\"\n"
    "S: * LIST () \".\" INBOX\n"
    "S: * LIST () \".\" Sent\n"
    "S: * LIST () \".\" INBOX.Sent\n"
    "S: A2 OK done\n"
    "C? A3 LOGOUT\n"
    "S: A3 OK bye\n"
    "EOF\n");
  g_autofree char *port = g_strdup_printf ("%u", ep_script_server_get_port (server));
  g_autofree char *sha = ep_test_certs_sha256 ("good");
  g_autofree char *ini = NULL;
  g_autofree char *received = NULL;
  g_autofree char *plain = NULL;
  g_autofree char *entry_dir = NULL;
  GtkWidget *chooser, *list, *row;

  enable (f->editor);
  ep_test_set_field (f->editor, "imap-host", "127.0.0.1");
  ep_test_set_field (f->editor, "imap-port", port);
  /* The test CA is not a system one: as if the person had trusted the certificate before. */
  ep_profile_set_imap_pinned_sha256 (ep_profile_editor_get_draft (f->editor), sha);
  g_signal_emit_by_name (ep_profile_editor_get_field (f->editor, "sent-folder-choose"), "clicked");
  if (!ep_test_wait (chooser_open, f->editor, WAIT_MS))
    g_error ("no chooser: %s", adw_action_row_get_subtitle (ADW_ACTION_ROW (ep_profile_editor_get_field (f->editor, "sent-folder-choose-row"))));
  g_assert_true (ep_script_server_wait (server, 5000, NULL));
  /* Signed in with the SMTP side's user name and password typed (the same password by default). */
  received = ep_script_server_dup_received_string (server);
  plain = g_base64_encode ((const guchar *) "\0me@example.org\0" PASSWORD, strlen (PASSWORD) + 16);
  g_assert_true (ep_test_contains (received, plain));

  chooser = ep_profile_editor_get_field (f->editor, "sent-folder-chooser");
  ep_test_screenshot (chooser, "profile-editor-sent-chooser.png");
  list = find_descendant (chooser, GTK_TYPE_LIST_BOX);
  g_assert_nonnull (list);
  row = GTK_WIDGET (gtk_list_box_get_row_at_index (GTK_LIST_BOX (list), 1));
  g_assert_nonnull (row);
  g_assert_cmpstr (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (row)), ==, "INBOX.Sent");
  g_assert_null (gtk_list_box_get_row_at_index (GTK_LIST_BOX (list), 2));
  g_signal_emit_by_name (list, "row-activated", row);
  ep_test_iterate (100);
  g_assert_null (ep_profile_editor_get_field (f->editor, "sent-folder-chooser"));
  g_assert_cmpstr (ep_test_get_field (f->editor, "sent-folder"), ==, "INBOX.Sent");
  g_assert_true (choose_done (f->editor));

  /* A message sent with this profile whose copy failed on the ambiguous folder earlier. */
  {
    g_autoptr(EpSentStore) sent = ep_sent_store_new (NULL);
    g_autoptr(EpSentInfo) info = ep_sent_info_new ();
    g_autoptr(EpSentCopyStatus) status = ep_sent_copy_status_new ();
    g_autoptr(GInputStream) in = g_memory_input_stream_new_from_data ("Subject: x\r\n\r\nx\r\n", 17, NULL);
    g_autoptr(GError) error = NULL;

    info->date = g_date_time_new_now_utc ();
    info->profile_id = g_strdup (ep_profile_get_id (ep_profile_editor_get_draft (f->editor)));
    info->outcome = EP_SMTP_OUTCOME_DELIVERED;
    g_assert_true (ep_sent_store_add (sent, info, in, "", NULL, &error));
    g_assert_no_error (error);
    entry_dir = g_build_filename (ep_sent_store_get_dir (sent), info->id, NULL);
    status->state = EP_SENT_COPY_FAILED;
    status->choose_folder = TRUE;
    g_assert_true (ep_sent_copy_status_save (entry_dir, status, &error));
  }

  g_assert_true (ep_profile_editor_save (f->editor));
  g_assert_true (ep_test_wait (ep_test_dialog_idle, f->dialog, WAIT_MS));
  ini = read_profiles_ini (f);
  g_assert_true (ep_test_contains (ini, "imap-sent-folder=INBOX.Sent\n"));
  /* The folder chosen: that copy is tried again, at once. */
  {
    g_autoptr(EpSentCopyStatus) status = ep_sent_copy_status_load (entry_dir, NULL);

    g_assert_nonnull (status);
    g_assert_cmpint (status->state, ==, EP_SENT_COPY_PENDING);
    g_assert_false (status->choose_folder);
  }
}

/* A server that refuses the sign-in: no chooser, the reason beside the button. */
static void
test_choose_refused (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(EpScriptServer) server = ep_script_server_new_for_test (
    "TLS: good\n"
    "S: * OK [CAPABILITY IMAP4rev1 SASL-IR AUTH=PLAIN] ready\n"
    "C: A1 AUTHENTICATE PLAIN *\n"
    "S: A1 NO [AUTHENTICATIONFAILED] wrong password\n"
    "EOF\n");
  g_autofree char *port = g_strdup_printf ("%u", ep_script_server_get_port (server));
  g_autofree char *sha = ep_test_certs_sha256 ("good");
  const char *subtitle;

  enable (f->editor);
  ep_test_set_field (f->editor, "imap-host", "127.0.0.1");
  ep_test_set_field (f->editor, "imap-port", port);
  /* The test CA is not a system one: as if the person had trusted the certificate before. */
  ep_profile_set_imap_pinned_sha256 (ep_profile_editor_get_draft (f->editor), sha);
  g_signal_emit_by_name (ep_profile_editor_get_field (f->editor, "sent-folder-choose"), "clicked");
  g_assert_false (choose_done (f->editor));
  g_assert_true (ep_test_wait (choose_done, f->editor, WAIT_MS));
  ep_script_server_assert_done (server, 5000);
  g_assert_null (ep_profile_editor_get_field (f->editor, "sent-folder-chooser"));
  subtitle = adw_action_row_get_subtitle (ADW_ACTION_ROW (ep_profile_editor_get_field (f->editor,
                                                                                      "sent-folder-choose-row")));
  g_assert_true (ep_test_contains (subtitle, "wrong password"));
}

/* Test Connection from the editor: the IMAP side signs in with the separate password typed (not
 * the sending one); two Sent candidates there, the person picks one in the results, and the
 * editor's fields and then profiles.ini have it. */
static void
test_connection_choose (Fixture       *f,
                        gconstpointer  data)
{
  g_autoptr(EpScriptServer) smtp = ep_script_server_new_for_test (
    EP_SCRIPT_GREETING_READY "C: EHLO *\nS: 250 mx.test greets you\n" EP_SCRIPT_QUIT);
  g_autoptr(EpScriptServer) imap = ep_script_server_new_for_test (
    "TLS: good\n"
    "S: * OK [CAPABILITY IMAP4rev1 SASL-IR AUTH=PLAIN] ready\n"
    "C: A1 AUTHENTICATE PLAIN *\n"
    "S: A1 OK [CAPABILITY IMAP4rev1] signed in\n"
    "C: A2 LIST \"\" \"*\"\n"
    "S: * LIST () \"/\" INBOX\n"
    "S: * LIST () \"/\" Sent\n"
    "S: * LIST () \"/\" \"Sent Items\"\n"
    "S: A2 OK done\n"
    "C? A3 LOGOUT\n"
    "S: A3 OK bye\n"
    "EOF\n");
  g_autofree char *port = g_strdup_printf ("%u", ep_script_server_get_port (imap));
  g_autofree char *sha = ep_test_certs_sha256 ("good");
  g_autofree char *received = NULL;
  g_autofree char *plain = NULL;
  g_autofree char *ini = NULL;
  EpConnectionTestWindow *window;
  GtkWidget *chooser;

  /* A submission server that needs no sign-in, so that the IMAP side is what is tested. */
  ep_test_set_field (f->editor, "username", "");
  ep_test_set_field (f->editor, "password", "");
  ep_test_select (f->editor, "security", EP_SMTP_SECURITY_NONE);
  ep_test_set_port (f->editor, ep_script_server_get_port (smtp));
  enable (f->editor);
  ep_test_set_field (f->editor, "imap-host", "127.0.0.1");
  ep_test_set_field (f->editor, "imap-port", port);
  ep_test_set_field (f->editor, "imap-username", "box");
  ep_test_select (f->editor, "imap-password-mode", 1);
  ep_test_set_field (f->editor, "imap-password", IMAP_PASSWORD);
  ep_profile_set_imap_pinned_sha256 (ep_profile_editor_get_draft (f->editor), sha);

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->editor), "editor.test", NULL));
  window = ep_profile_editor_get_test_window (f->editor);
  g_assert_true (ep_test_wait (ep_test_connection_done, window, WAIT_MS));
  ep_script_server_assert_done (smtp, 5000);
  ep_script_server_assert_done (imap, 5000);
  received = ep_script_server_dup_received_string (imap);
  plain = g_base64_encode ((const guchar *) "\0box\0" IMAP_PASSWORD, strlen (IMAP_PASSWORD) + 5);
  g_assert_true (ep_test_contains (received, plain));

  chooser = ep_connection_test_window_get_sent_folder_chooser (window);
  g_assert_nonnull (chooser);
  ep_test_screenshot (GTK_WIDGET (window), "test-connection-sent-chooser.png");
  adw_combo_row_set_selected (ADW_COMBO_ROW (chooser), 1);
  ep_connection_test_window_choose_sent_folder (window, adw_combo_row_get_selected (ADW_COMBO_ROW (chooser)));
  g_assert_cmpstr (ep_test_get_field (f->editor, "sent-folder"), ==, "Sent Items");
  g_assert_cmpuint (adw_combo_row_get_selected (ADW_COMBO_ROW (ep_profile_editor_get_field (f->editor,
                                                                                           "sent-folder-mode"))),
                    ==, 1);
  gtk_window_destroy (GTK_WINDOW (window));

  g_assert_true (ep_profile_editor_save (f->editor));
  g_assert_true (ep_test_wait (ep_test_dialog_idle, f->dialog, WAIT_MS));
  ini = read_profiles_ini (f);
  g_assert_true (ep_test_contains (ini, "imap-sent-folder=Sent Items\n"));
}

/* The same for a stored profile whose separate IMAP password is in the keyring: Test Connection
 * signs in with the saved one, and the folder used there is kept at once (the editor has
 * nothing left to save for it). */
static void
test_connection_choose_stored (Fixture       *f,
                               gconstpointer  data)
{
  g_autoptr(EpScriptServer) smtp = ep_script_server_new_for_test (
    EP_SCRIPT_GREETING_READY "C: EHLO *\nS: 250 mx.test greets you\n" EP_SCRIPT_QUIT);
  g_autoptr(EpScriptServer) imap = ep_script_server_new_for_test (
    "TLS: good\n"
    "S: * OK [CAPABILITY IMAP4rev1 SASL-IR AUTH=PLAIN] ready\n"
    "C: A1 AUTHENTICATE PLAIN *\n"
    "S: A1 OK [CAPABILITY IMAP4rev1] signed in\n"
    "C: A2 LIST \"\" \"*\"\n"
    "S: * LIST () \"/\" Sent\n"
    "S: * LIST () \"/\" \"Sent Items\"\n"
    "S: A2 OK done\n"
    "C? A3 LOGOUT\n"
    "S: A3 OK bye\n"
    "EOF\n");
  g_autofree char *sha = ep_test_certs_sha256 ("good");
  g_autofree char *received = NULL;
  g_autofree char *plain = NULL;
  g_autofree char *ini = NULL;
  g_autoptr(EpProfile) profile = ep_profile_new ("Stored");
  g_autoptr(GError) error = NULL;
  EpProfileEditor *editor;
  EpConnectionTestWindow *window;
  GtkWidget *holder;

  ep_profile_set_sender_address (profile, "me@example.org");
  ep_profile_set_host (profile, "127.0.0.1");
  ep_profile_set_port (profile, ep_script_server_get_port (smtp));
  ep_profile_set_security (profile, EP_SMTP_SECURITY_NONE);
  ep_profile_set_timeout (profile, 5);
  ep_profile_set_sent_copy (profile, TRUE);
  ep_profile_set_imap_host (profile, "127.0.0.1");
  ep_profile_set_imap_port (profile, ep_script_server_get_port (imap));
  ep_profile_set_imap_username (profile, "box");
  ep_profile_set_imap_own_password (profile, TRUE);
  ep_profile_set_imap_pinned_sha256 (profile, sha);
  g_assert_true (ep_profile_store_add (f->store, profile, &error));
  g_assert_true (ep_profile_store_save (f->store, &error));
  g_assert_no_error (error);
  g_assert_true (ep_secrets_store_token_sync (ep_profile_get_id (profile), EP_SECRETS_KIND_IMAP_PASSWORD,
                                              "Stored", IMAP_PASSWORD, NULL, &error));

  editor = ep_profile_editor_new (f->store, profile, NULL);
  holder = gtk_window_new ();
  gtk_window_set_child (GTK_WINDOW (holder), GTK_WIDGET (editor));
  gtk_window_present (GTK_WINDOW (holder));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (editor), "editor.test", NULL));
  window = ep_profile_editor_get_test_window (editor);
  g_assert_true (ep_test_wait (ep_test_connection_done, window, WAIT_MS));
  ep_script_server_assert_done (smtp, 5000);
  ep_script_server_assert_done (imap, 5000);
  received = ep_script_server_dup_received_string (imap);
  plain = g_base64_encode ((const guchar *) "\0box\0" IMAP_PASSWORD, strlen (IMAP_PASSWORD) + 5);
  g_assert_true (ep_test_contains (received, plain));

  g_assert_nonnull (ep_connection_test_window_get_sent_folder_chooser (window));
  ep_connection_test_window_choose_sent_folder (window, 1);
  g_assert_cmpstr (ep_profile_get_imap_sent_folder (profile), ==, "Sent Items");
  g_assert_false (ep_profile_editor_has_changes (editor));
  ini = read_profiles_ini (f);
  g_assert_true (ep_test_contains (ini, "imap-sent-folder=Sent Items\n"));
  gtk_window_destroy (GTK_WINDOW (holder));
  ep_secrets_clear_profile_async (ep_profile_get_id (profile), NULL, NULL, NULL);
  ep_test_iterate (200);
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
  g_test_add ("/profile-sent/" path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("save", test_save);
  ADD ("unknown-keys-kept", test_unknown_keys_kept);
  ADD ("validation", test_validation);
  ADD ("choose-folder", test_choose_folder);
  ADD ("choose-refused", test_choose_refused);
  ADD ("connection-test-choose", test_connection_choose);
  ADD ("connection-test-choose-stored", test_connection_choose_stored);
#undef ADD
  g_test_add_func ("/profile-sent/preset-off", test_preset_off);

  ret = g_test_run ();
  ep_secrets_disconnect ();
  return ret;
}
