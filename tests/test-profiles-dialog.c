/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-profiles-dialog.c: the Server Profiles window, driven as a user would (actions, fields,
 * toasts) on a session bus without any keyring: a profile made from a preset and edited is read
 * back from disk field by field; address domains offer presets; bad ports, cleartext passwords
 * and duplicate names are refused with a message; duplicate, delete with Undo, set as default;
 * the Sandbox cannot be deleted; the password is never written anywhere. */
#include "config.h"

#include <glib/gstdio.h>

#include "ep-application-private.h"
#include "ep-presets.h"
#include "ep-profile-store.h"
#include "ep-profiles-test-util.h"
#include "ep-setup-window.h"

#define WAIT_MS 10000

typedef struct
{
  char             *dir;
  EpProfileStore   *store;
  EpProfilesDialog *dialog;
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
  g_assert_true (ep_profile_store_load (f->store, NULL));
  f->dialog = ep_profiles_dialog_new (NULL, f->store);
  gtk_window_present (GTK_WINDOW (f->dialog));
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  gtk_window_destroy (GTK_WINDOW (f->dialog));
  /* Deletions still undoable become final on close: let their keyring calls finish. */
  ep_test_iterate (300);
  g_clear_object (&f->store);
  g_free (f->dir);
}

/* A fresh store read from the file, as the next start of Epistle would see it. */
static EpProfileStore *
reload (Fixture *f)
{
  EpProfileStore *store = ep_profile_store_new (f->dir);
  g_autoptr(GError) error = NULL;

  g_assert_true (ep_profile_store_load (store, &error));
  g_assert_no_error (error);
  return store;
}

static char *
read_profiles_file (Fixture *f)
{
  g_autofree char *path = g_build_filename (f->dir, "profiles.ini", NULL);
  char *text = NULL;

  g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
  return text;
}

static EpProfile *
add_stored_profile (Fixture    *f,
                    const char *name,
                    const char *host)
{
  EpProfile *profile = ep_profile_new (name);
  g_autoptr(GError) error = NULL;

  ep_profile_set_sender_address (profile, "me@example.org");
  ep_profile_set_host (profile, host);
  ep_profile_set_port (profile, 465);
  ep_profile_set_security (profile, EP_SMTP_SECURITY_TLS);
  ep_profile_set_username (profile, "me");
  g_assert_true (ep_profile_store_add (f->store, profile, &error));
  g_assert_no_error (error);
  g_assert_true (ep_profile_store_save (f->store, &error));
  g_object_unref (profile);   /* the store keeps it */
  return profile;
}

static gboolean
menu_has_action (GMenuModel *menu,
                 const char *action)
{
  for (int i = 0; i < g_menu_model_get_n_items (menu); i++)
    {
      g_autoptr(GMenuModel) section = g_menu_model_get_item_link (menu, i, G_MENU_LINK_SECTION);
      g_autofree char *name = NULL;

      if (section != NULL && menu_has_action (section, action))
        return TRUE;
      if (g_menu_model_get_item_attribute (menu, i, G_MENU_ATTRIBUTE_ACTION, "s", &name) &&
          g_str_equal (name, action))
        return TRUE;
    }
  return FALSE;
}

static const char *
last_toast_title (Fixture *f)
{
  AdwToast *toast = ep_profiles_dialog_get_last_toast (f->dialog);

  return toast != NULL ? adw_toast_get_title (toast) : NULL;
}

static EpProfileEditor *
open_add (Fixture    *f,
          const char *preset)
{
  EpProfileEditor *editor;

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->dialog), "profiles.add", "s", preset));
  editor = ep_profiles_dialog_get_editor (f->dialog);
  g_assert_nonnull (editor);
  g_assert_true (ep_profile_editor_get_is_new (editor));
  return editor;
}

static void
test_preset_edit_save_reload (Fixture       *f,
                              gconstpointer  data)
{
  g_autoptr(EpProfileStore) again = NULL;
  g_autofree char *file = NULL;
  EpProfileEditor *editor = open_add (f, "gmail");
  GtkWidget *note = ep_profile_editor_get_field (editor, "note");
  GtkWidget *offer = ep_profile_editor_get_field (editor, "offer");
  EpProfile *saved;
  const char *id;

  /* The preset fills the server and names the profile; its note says what Gmail needs. */
  g_assert_cmpstr (ep_test_get_field (editor, "name"), ==, "Gmail");
  g_assert_cmpstr (ep_test_get_field (editor, "host"), ==, "smtp.gmail.com");
  g_assert_cmpstr (ep_test_get_field (editor, "port"), ==, "465");
  g_assert_cmpuint (adw_combo_row_get_selected (ADW_COMBO_ROW (ep_profile_editor_get_field (editor, "security"))),
                    ==, EP_SMTP_SECURITY_TLS);
  g_assert_true (gtk_widget_get_visible (note));
  g_assert_true (ep_test_contains (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (note)), "app password"));

  /* An address at the preset's own domain offers nothing more. */
  ep_test_set_field (editor, "address", "ann@gmail.com");
  g_assert_false (gtk_widget_get_visible (offer));

  /* Spaces around what is typed do not reach the profile. */
  ep_test_set_field (editor, "name", "Work mail");
  ep_test_set_field (editor, "sender-name", " Ann Example ");
  ep_test_set_field (editor, "host", "smtp.example.org");
  /* Now the server differs from Gmail's: the address offers Gmail's settings back. */
  g_assert_true (gtk_widget_get_visible (offer));
  ep_test_select (editor, "security", EP_SMTP_SECURITY_STARTTLS);
  ep_test_set_field (editor, "port", "2587");
  ep_test_set_field (editor, "username", "ann.login ");
  gtk_editable_set_text (GTK_EDITABLE (ep_profile_editor_get_field (editor, "password")), "s3cret-Pw!");
  ep_test_select (editor, "auth", EP_SMTP_AUTH_SCRAM_SHA_256);
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (ep_profile_editor_get_field (editor, "timeout")), 42);
  ep_test_set_field (editor, "ehlo", " client.example.org");

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (editor), "editor.save", NULL));
  g_assert_null (ep_profiles_dialog_get_editor (f->dialog));
  g_assert_true (ep_test_wait (ep_test_dialog_idle, f->dialog, WAIT_MS));
  /* No keyring on this bus: said plainly, and the password went nowhere. */
  g_assert_true (ep_test_contains (last_toast_title (f), "No keyring is available"));

  saved = ep_profile_store_lookup_by_name (f->store, "Work mail");
  g_assert_nonnull (saved);
  id = ep_profile_get_id (saved);
  g_assert_nonnull (ep_profiles_dialog_get_row (f->dialog, saved));

  again = reload (f);
  saved = ep_profile_store_lookup_by_id (again, id);
  g_assert_nonnull (saved);
  g_assert_cmpstr (ep_profile_get_name (saved), ==, "Work mail");
  g_assert_cmpstr (ep_profile_get_sender_name (saved), ==, "Ann Example");
  g_assert_cmpstr (ep_profile_get_sender_address (saved), ==, "ann@gmail.com");
  g_assert_cmpstr (ep_profile_get_host (saved), ==, "smtp.example.org");
  g_assert_cmpuint (ep_profile_get_port (saved), ==, 2587);
  g_assert_cmpint (ep_profile_get_security (saved), ==, EP_SMTP_SECURITY_STARTTLS);
  g_assert_cmpstr (ep_profile_get_username (saved), ==, "ann.login");
  g_assert_cmpint (ep_profile_get_auth (saved), ==, EP_SMTP_AUTH_SCRAM_SHA_256);
  g_assert_cmpuint (ep_profile_get_timeout (saved), ==, 42);
  g_assert_cmpstr (ep_profile_get_ehlo_name (saved), ==, "client.example.org");
  g_assert_null (ep_profile_get_pinned_sha256 (saved));

  file = read_profiles_file (f);
  g_assert_false (ep_test_contains (file, "s3cret-Pw!"));

  /* Editing it again shows what was saved. */
  ep_profiles_dialog_edit (f->dialog, ep_profile_store_lookup_by_id (f->store, id));
  editor = ep_profiles_dialog_get_editor (f->dialog);
  g_assert_false (ep_profile_editor_get_is_new (editor));
  g_assert_cmpstr (ep_test_get_field (editor, "port"), ==, "2587");
  g_assert_cmpstr (ep_test_get_field (editor, "password"), ==, "");
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (editor), "editor.cancel", NULL));
  g_assert_null (ep_profiles_dialog_get_editor (f->dialog));
}

#define PIN_SHA256 "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"

static const char *
pinned_subtitle (EpProfileEditor *editor)
{
  return adw_action_row_get_subtitle (ADW_ACTION_ROW (ep_profile_editor_get_field (editor, "pinned")));
}

/* A certificate trusted for one server is not kept when the profile is pointed at another: the
 * editor says so while the fields name another host or port, and Save forgets it. Typing the
 * old server again brings it back; Forget is not undone that way. */
static void
test_server_change_forgets_pin (Fixture       *f,
                                gconstpointer  data)
{
  EpProfile *work = add_stored_profile (f, "Work", "smtp.old.example");
  g_autoptr(EpProfileStore) again = NULL;
  g_autofree char *file = NULL;
  EpProfileEditor *editor;
  GtkWidget *note;

  ep_profile_set_pinned_sha256 (work, PIN_SHA256);
  g_assert_true (ep_profile_store_save (f->store, NULL));

  ep_profiles_dialog_edit (f->dialog, work);
  editor = ep_profiles_dialog_get_editor (f->dialog);
  note = ep_profile_editor_get_field (editor, "pin-note");
  g_assert_false (gtk_widget_get_visible (note));
  g_assert_cmpstr (pinned_subtitle (editor), ==, PIN_SHA256);

  /* Another host: the note says which server the certificate was trusted for. */
  ep_test_set_field (editor, "host", "smtp.new.example");
  g_assert_true (gtk_widget_get_visible (note));
  g_assert_cmpstr (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (note)), ==,
                   "The trusted certificate was for smtp.old.example:465; it will be forgotten");
  g_assert_null (ep_profile_get_pinned_sha256 (ep_profile_editor_get_draft (editor)));
  g_assert_true (ep_test_contains (pinned_subtitle (editor), "None"));
  ep_test_screenshot (gtk_widget_get_ancestor (GTK_WIDGET (editor), GTK_TYPE_WINDOW), "profile-editor-pin-note.png");

  /* The old server again (its name in other letters too): the pin applies again. */
  ep_test_set_field (editor, "host", "SMTP.old.example");
  g_assert_false (gtk_widget_get_visible (note));
  g_assert_cmpstr (ep_profile_get_pinned_sha256 (ep_profile_editor_get_draft (editor)), ==, PIN_SHA256);

  /* Another port is another server as well. */
  ep_test_set_field (editor, "port", "587");
  g_assert_true (gtk_widget_get_visible (note));
  g_assert_null (ep_profile_get_pinned_sha256 (ep_profile_editor_get_draft (editor)));
  ep_test_set_field (editor, "port", "465");
  g_assert_false (gtk_widget_get_visible (note));

  /* Saved with the new host: gone, in memory and on disk. */
  ep_test_set_field (editor, "host", "smtp.new.example");
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (editor), "editor.save", NULL));
  g_assert_null (ep_profiles_dialog_get_editor (f->dialog));
  g_assert_cmpstr (ep_profile_get_host (work), ==, "smtp.new.example");
  g_assert_null (ep_profile_get_pinned_sha256 (work));
  again = reload (f);
  g_assert_null (ep_profile_get_pinned_sha256 (ep_profile_store_lookup_by_name (again, "Work")));
  file = read_profiles_file (f);
  g_assert_false (ep_test_contains (file, PIN_SHA256));
  g_assert_false (ep_test_contains (file, "pinned-host"));

  /* Forget, then another host and back: forgotten is forgotten, and no note about it. */
  ep_profile_set_pinned_sha256 (work, PIN_SHA256);
  ep_profiles_dialog_edit (f->dialog, work);
  editor = ep_profiles_dialog_get_editor (f->dialog);
  note = ep_profile_editor_get_field (editor, "pin-note");
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (editor), "editor.forget-certificate", NULL));
  ep_test_set_field (editor, "host", "smtp.other.example");
  g_assert_false (gtk_widget_get_visible (note));
  ep_test_set_field (editor, "host", "smtp.new.example");
  g_assert_null (ep_profile_get_pinned_sha256 (ep_profile_editor_get_draft (editor)));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (editor), "editor.save", NULL));
  g_assert_null (ep_profile_get_pinned_sha256 (work));
}

static void
test_address_offers_preset (Fixture       *f,
                            gconstpointer  data)
{
  EpProfileEditor *editor = open_add (f, "custom");
  GtkWidget *offer = ep_profile_editor_get_field (editor, "offer");
  const char *title;

  g_assert_cmpstr (ep_test_get_field (editor, "name"), ==, "");
  g_assert_false (gtk_widget_get_visible (offer));
  ep_test_set_field (editor, "address", "bob@GoogleMail.com");
  g_assert_true (gtk_widget_get_visible (offer));
  title = adw_preferences_row_get_title (ADW_PREFERENCES_ROW (offer));
  g_assert_cmpstr (title, ==, "Use Gmail’s server settings");
  g_assert_true (ep_test_contains (adw_action_row_get_subtitle (ADW_ACTION_ROW (offer)), "smtp.gmail.com"));

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (editor), "editor.apply-offer", NULL));
  g_assert_cmpstr (ep_test_get_field (editor, "host"), ==, "smtp.gmail.com");
  g_assert_cmpstr (ep_test_get_field (editor, "port"), ==, "465");
  g_assert_cmpuint (adw_combo_row_get_selected (ADW_COMBO_ROW (ep_profile_editor_get_field (editor, "security"))),
                    ==, EP_SMTP_SECURITY_TLS);
  g_assert_cmpstr (ep_test_get_field (editor, "name"), ==, "Gmail");
  g_assert_false (gtk_widget_get_visible (offer));
  g_assert_true (gtk_widget_get_visible (ep_profile_editor_get_field (editor, "note")));

  /* Other providers, by domain. */
  ep_test_set_field (editor, "address", "c@me.com");
  g_assert_true (ep_test_contains (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (offer)), "iCloud"));
  ep_test_set_field (editor, "address", "d@proton.me");
  g_assert_true (ep_test_contains (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (offer)), "Proton Mail Bridge"));
  ep_test_set_field (editor, "address", "e@example.org");
  g_assert_false (gtk_widget_get_visible (offer));

  g_assert_cmpstr (ep_presets_for_address ("x@hotmail.com")->id, ==, "outlook");
  g_assert_cmpstr (ep_presets_for_address ("x@live.com")->id, ==, "outlook");
  g_assert_cmpstr (ep_presets_for_address ("x@fastmail.fm")->id, ==, "fastmail");
  g_assert_cmpstr (ep_presets_for_address ("x@gmx.de")->id, ==, "gmx");
  g_assert_cmpstr (ep_presets_for_address ("Y <y@yahoo.com>")->id, ==, "yahoo");
  g_assert_cmpstr (ep_presets_for_address ("x@protonmail.com")->id, ==, "proton");
  g_assert_null (ep_presets_for_address ("x@notgmail.com"));
  g_assert_null (ep_presets_for_address ("gmail.com"));
  g_assert_cmpuint (ep_presets_lookup ("mailtrap")->port, ==, 2525);
  g_assert_cmpstr (ep_presets_lookup ("office365")->host, ==, "smtp.office365.com");
}

static void
test_validation (Fixture       *f,
                 gconstpointer  data)
{
  EpProfileEditor *editor = open_add (f, "custom");
  g_autoptr(EpProfileEditor) kept = NULL;
  GtkWidget *port = ep_profile_editor_get_field (editor, "port");
  GtkWidget *security = ep_profile_editor_get_field (editor, "security");
  GtkWidget *warning = ep_profile_editor_get_field (editor, "cleartext-warning");
  guint n_before = g_list_model_get_n_items (ep_profile_store_list (f->store));
  const char *bad_ports[] = { "70000", "0", "abc", "", "-5" };

  ep_test_set_field (editor, "name", "Validated");
  ep_test_set_field (editor, "address", "v@example.org");
  ep_test_set_field (editor, "host", "mail.example.org");

  /* The port: 1 to 65535, marked as wrong while typed, refused on Save. */
  for (guint i = 0; i < G_N_ELEMENTS (bad_ports); i++)
    {
      ep_test_set_field (editor, "port", bad_ports[i]);
      g_assert_true (gtk_widget_has_css_class (port, "error"));
      g_assert_false (ep_profile_editor_save (editor));
      g_assert_true (ep_test_contains (ep_profile_editor_get_problem (editor), "1 to 65535"));
    }
  ep_test_set_field (editor, "port", "65535");
  g_assert_false (gtk_widget_has_css_class (port, "error"));

  /* The usual pairings are hinted; a mismatch is named. */
  ep_test_set_field (editor, "port", "465");
  ep_test_select (editor, "security", EP_SMTP_SECURITY_STARTTLS);
  g_assert_cmpstr (adw_action_row_get_subtitle (ADW_ACTION_ROW (security)), ==,
                   "Port 465 usually expects Implicit TLS");
  ep_test_set_field (editor, "port", "587");
  ep_test_select (editor, "security", EP_SMTP_SECURITY_TLS);
  /* Choosing the security moved the usual port along. */
  g_assert_cmpstr (ep_test_get_field (editor, "port"), ==, "465");
  ep_test_set_field (editor, "port", "587");
  g_assert_cmpstr (adw_action_row_get_subtitle (ADW_ACTION_ROW (security)), ==,
                   "Port 587 usually expects STARTTLS");

  /* None: a plain warning, and no password in clear. */
  g_assert_false (gtk_widget_get_visible (warning));
  ep_test_select (editor, "security", EP_SMTP_SECURITY_NONE);
  g_assert_true (gtk_widget_get_visible (warning));
  g_assert_true (ep_test_contains (adw_action_row_get_subtitle (ADW_ACTION_ROW (warning)), "including your password"));
  g_assert_true (ep_test_contains (adw_action_row_get_subtitle (ADW_ACTION_ROW (warning)), "refuses to send a password"));
  ep_test_set_field (editor, "username", "v");
  gtk_editable_set_text (GTK_EDITABLE (ep_profile_editor_get_field (editor, "password")), "pw");
  g_assert_false (ep_profile_editor_save (editor));
  g_assert_true (ep_test_contains (ep_profile_editor_get_problem (editor), "never sends a password without encryption"));
  ep_test_select (editor, "security", EP_SMTP_SECURITY_STARTTLS);
  g_assert_false (gtk_widget_get_visible (warning));

  /* The address needs an "@"; the name must be free. */
  ep_test_set_field (editor, "address", "nobody");
  g_assert_false (ep_profile_editor_save (editor));
  g_assert_true (ep_test_contains (ep_profile_editor_get_problem (editor), "“@”"));
  ep_test_set_field (editor, "address", "v@example.org");
  ep_test_set_field (editor, "name", "sandbox");
  g_assert_true (gtk_widget_has_css_class (ep_profile_editor_get_field (editor, "name"), "error"));
  g_assert_false (ep_profile_editor_save (editor));
  g_assert_true (ep_test_contains (ep_profile_editor_get_problem (editor), "already a profile"));
  ep_test_set_field (editor, "ehlo", "bad name!");
  ep_test_set_field (editor, "name", "Validated");
  g_assert_false (ep_profile_editor_save (editor));
  g_assert_true (ep_test_contains (ep_profile_editor_get_problem (editor), "EHLO"));
  ep_test_set_field (editor, "ehlo", "");

  /* Nothing was stored by the refusals. */
  g_assert_cmpuint (g_list_model_get_n_items (ep_profile_store_list (f->store)), ==, n_before);

  /* An empty user name becomes the address once a password is given. The dialog lets go of
   * the editor once it is saved: kept here to ask it about the problem shown. */
  kept = g_object_ref (editor);
  ep_test_set_field (editor, "username", "");
  g_assert_true (ep_profile_editor_save (editor));
  g_assert_null (ep_profile_editor_get_problem (editor));
  g_assert_cmpstr (ep_profile_get_username (ep_profile_store_lookup_by_name (f->store, "Validated")), ==,
                   "v@example.org");
}

static void
test_duplicate (Fixture       *f,
                gconstpointer  data)
{
  EpProfile *work = add_stored_profile (f, "Work", "smtp.work.example");
  g_autoptr(EpProfileStore) again = NULL;
  EpProfile *copy;

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->dialog), "profiles.duplicate", "s",
                                             ep_profile_get_id (work)));
  g_assert_true (ep_test_wait (ep_test_dialog_idle, f->dialog, WAIT_MS));
  copy = ep_profile_store_lookup_by_name (f->store, "Work (copy)");
  g_assert_nonnull (copy);
  g_assert_cmpstr (ep_profile_get_id (copy), !=, ep_profile_get_id (work));
  g_assert_true (ep_test_contains (last_toast_title (f), "Work (copy)"));
  g_assert_nonnull (ep_profiles_dialog_get_row (f->dialog, copy));

  again = reload (f);
  copy = ep_profile_store_lookup_by_name (again, "Work (copy)");
  g_assert_nonnull (copy);
  g_assert_cmpstr (ep_profile_get_host (copy), ==, "smtp.work.example");
  g_assert_cmpuint (ep_profile_get_port (copy), ==, 465);
  g_assert_cmpstr (ep_profile_get_username (copy), ==, "me");
}

static void
test_delete_undo (Fixture       *f,
                  gconstpointer  data)
{
  EpProfile *before = add_stored_profile (f, "Before", "smtp.before.example");
  EpProfile *work = add_stored_profile (f, "Work", "smtp.work.example");
  EpProfile *after = add_stored_profile (f, "After", "smtp.after.example");
  GListModel *list = ep_profile_store_list (f->store);
  g_autofree char *id = g_strdup (ep_profile_get_id (work));
  g_autoptr(EpProfileStore) after_delete = NULL;
  g_autoptr(EpProfileStore) after_undo = NULL;
  g_autoptr(EpProfileStore) after_dismiss = NULL;
  AdwToast *toast;

  g_assert_true (ep_profile_store_set_default (f->store, work, NULL));
  g_assert_true (ep_profile_store_save (f->store, NULL));

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->dialog), "profiles.delete", "s", id));
  g_assert_null (ep_profile_store_lookup_by_id (f->store, id));
  g_assert_true (ep_profile_get_is_sandbox (ep_profile_store_get_default (f->store)));
  after_delete = reload (f);
  g_assert_null (ep_profile_store_lookup_by_id (after_delete, id));

  toast = ep_profiles_dialog_get_last_toast (f->dialog);
  g_assert_nonnull (toast);
  g_assert_cmpstr (adw_toast_get_title (toast), ==, "“Work” deleted");
  g_assert_cmpstr (adw_toast_get_button_label (toast), ==, "_Undo");
  g_assert_cmpstr (adw_toast_get_action_name (toast), ==, "profiles.undo-delete");

  /* Undo (what the toast's button does), then the toast goes away. */
  g_assert_true (gtk_widget_activate_action_variant (GTK_WIDGET (f->dialog), "profiles.undo-delete",
                                                     adw_toast_get_action_target_value (toast)));
  adw_toast_dismiss (toast);
  g_assert_true (ep_profile_store_lookup_by_id (f->store, id) == work);
  /* Back where it was, between the two others. */
  {
    g_autoptr(EpProfile) second = g_list_model_get_item (list, 1);
    g_autoptr(EpProfile) third = g_list_model_get_item (list, 2);
    g_autoptr(EpProfile) fourth = g_list_model_get_item (list, 3);

    g_assert_true (second == before);
    g_assert_true (third == work);
    g_assert_true (fourth == after);
  }
  g_assert_true (ep_profile_store_get_default (f->store) == work);
  g_assert_cmpstr (ep_profile_store_get_default_id (f->store), ==, id);
  after_undo = reload (f);
  g_assert_nonnull (ep_profile_store_lookup_by_id (after_undo, id));
  g_assert_true (ep_test_wait (ep_test_dialog_idle, f->dialog, WAIT_MS));

  /* Delete again and let the toast go: final. Undo afterwards does nothing. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->dialog), "profiles.delete", "s", id));
  toast = ep_profiles_dialog_get_last_toast (f->dialog);
  adw_toast_dismiss (toast);
  g_assert_true (ep_test_wait (ep_test_dialog_idle, f->dialog, WAIT_MS));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->dialog), "profiles.undo-delete", "s", id));
  g_assert_null (ep_profile_store_lookup_by_id (f->store, id));
  after_dismiss = reload (f);
  g_assert_null (ep_profile_store_lookup_by_id (after_dismiss, id));
}

static void
test_set_default (Fixture       *f,
                  gconstpointer  data)
{
  EpProfile *work = add_stored_profile (f, "Work", "smtp.work.example");
  EpProfile *sandbox = ep_profile_store_get_sandbox (f->store);
  GtkWidget *work_row, *sandbox_row;

  g_assert_true (ep_profile_store_get_default (f->store) == sandbox);
  g_assert_true (menu_has_action (ep_profiles_dialog_get_row_menu (f->dialog, work), "profiles.set-default"));
  g_assert_false (menu_has_action (ep_profiles_dialog_get_row_menu (f->dialog, sandbox), "profiles.set-default"));

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->dialog), "profiles.set-default", "s",
                                             ep_profile_get_id (work)));
  g_assert_true (ep_profile_store_get_default (f->store) == work);
  g_assert_cmpstr (ep_profile_store_get_default_id (f->store), ==, ep_profile_get_id (work));

  /* The "Default" marker moved, and so did the menu item. */
  work_row = ep_profiles_dialog_get_row (f->dialog, work);
  sandbox_row = ep_profiles_dialog_get_row (f->dialog, sandbox);
  g_assert_true (gtk_widget_get_visible (g_object_get_data (G_OBJECT (work_row), "ep-default-label")));
  g_assert_false (gtk_widget_get_visible (g_object_get_data (G_OBJECT (sandbox_row), "ep-default-label")));
  g_assert_false (menu_has_action (ep_profiles_dialog_get_row_menu (f->dialog, work), "profiles.set-default"));
  g_assert_true (menu_has_action (ep_profiles_dialog_get_row_menu (f->dialog, sandbox), "profiles.set-default"));
  g_assert_cmpstr (adw_action_row_get_subtitle (ADW_ACTION_ROW (work_row)), ==,
                   "smtp.work.example:465 · Implicit TLS");
}

/* The answer to "Discard Changes?" arrives from the main loop: a busy machine may take a while. */
static gboolean
no_editor (gpointer data)
{
  return ep_profiles_dialog_get_editor (data) == NULL;
}

static gboolean
editing_home (gpointer data)
{
  EpProfileEditor *editor = ep_profiles_dialog_get_editor (data);

  return editor != NULL && ep_profile_editor_get_profile (editor) != NULL &&
         g_str_equal (ep_profile_get_name (ep_profile_editor_get_profile (editor)), "Home");
}

static gboolean
is_null (gpointer data)
{
  return *(gpointer *) data == NULL;
}

/* Back (and closing the window, and opening another profile) with unsaved edits asks before
 * anything is lost; with nothing changed, or only a certificate trusted (stored at once), Back
 * just goes back. */
static void
test_back_asks (Fixture       *f,
                gconstpointer  data)
{
  EpProfile *work = add_stored_profile (f, "Work", "smtp.work.example");
  EpProfile *home = add_stored_profile (f, "Home", "smtp.home.example");
  EpProfilesDialog *closed = f->dialog;
  EpProfileEditor *editor;
  AdwMessageDialog *question;

  /* Nothing changed: straight back. */
  ep_profiles_dialog_edit (f->dialog, work);
  editor = ep_profiles_dialog_get_editor (f->dialog);
  g_assert_false (ep_profile_editor_has_changes (editor));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (editor), "editor.cancel", NULL));
  g_assert_null (ep_profiles_dialog_get_editor (f->dialog));

  /* A certificate trusted during a connection test is stored at once: nothing to lose. */
  ep_profiles_dialog_edit (f->dialog, work);
  editor = ep_profiles_dialog_get_editor (f->dialog);
  ep_profile_set_pinned_sha256 (ep_profile_editor_get_draft (editor),
                                "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08");
  g_assert_cmpstr (ep_profile_get_pinned_sha256 (work), ==,
                   "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08");
  g_assert_false (ep_profile_editor_has_changes (editor));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (editor), "editor.cancel", NULL));
  g_assert_null (ep_profiles_dialog_get_editor (f->dialog));

  /* A changed host: Back asks; "Keep Editing" keeps the editor and what was typed. */
  ep_profiles_dialog_edit (f->dialog, work);
  editor = ep_profiles_dialog_get_editor (f->dialog);
  ep_test_set_field (editor, "host", "smtp.elsewhere.example");
  g_assert_true (ep_profile_editor_has_changes (editor));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (editor), "editor.cancel", NULL));
  question = ep_profile_editor_get_discard_dialog (editor);
  g_assert_nonnull (question);
  g_assert_cmpstr (adw_message_dialog_get_heading (question), ==, "Discard Changes?");
  g_assert_cmpstr (adw_message_dialog_get_body (question), ==, "The changes to “Work” have not been saved.");
  g_assert_cmpstr (adw_message_dialog_get_default_response (question), ==, "cancel");
  ep_test_screenshot (GTK_WIDGET (question), "profile-editor-discard.png");
  /* Closed as Escape or the window's close button would: the close response, "cancel". */
  gtk_window_close (GTK_WINDOW (question));
  ep_test_iterate (50);
  g_assert_null (ep_profile_editor_get_discard_dialog (editor));
  g_assert_true (ep_profiles_dialog_get_editor (f->dialog) == editor);
  g_assert_cmpstr (ep_test_get_field (editor, "host"), ==, "smtp.elsewhere.example");

  /* Opening another profile asks too; "Keep Editing" stays, "Discard" opens the other one. */
  ep_profiles_dialog_edit (f->dialog, home);
  question = ep_profile_editor_get_discard_dialog (editor);
  g_assert_nonnull (question);
  gtk_window_close (GTK_WINDOW (question));
  ep_test_iterate (50);
  g_assert_true (ep_profiles_dialog_get_editor (f->dialog) == editor);
  ep_profiles_dialog_edit (f->dialog, work);   /* the same profile: the edits stay, no question */
  g_assert_null (ep_profile_editor_get_discard_dialog (editor));
  g_assert_true (ep_profiles_dialog_get_editor (f->dialog) == editor);
  ep_profiles_dialog_edit (f->dialog, home);
  adw_message_dialog_response (ep_profile_editor_get_discard_dialog (editor), "discard");
  g_assert_true (ep_test_wait (editing_home, f->dialog, WAIT_MS));
  g_assert_true (ep_profile_editor_get_profile (ep_profiles_dialog_get_editor (f->dialog)) == home);
  g_assert_cmpstr (ep_profile_get_host (work), ==, "smtp.work.example");
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (ep_profiles_dialog_get_editor (f->dialog)),
                                             "editor.cancel", NULL));

  /* Back again on changed edits; "Discard" goes back and the stored profile is untouched. */
  ep_profiles_dialog_edit (f->dialog, work);
  editor = ep_profiles_dialog_get_editor (f->dialog);
  ep_test_set_field (editor, "host", "smtp.elsewhere.example");
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (editor), "editor.cancel", NULL));
  adw_message_dialog_response (ep_profile_editor_get_discard_dialog (editor), "discard");
  g_assert_true (ep_test_wait (no_editor, f->dialog, WAIT_MS));
  g_assert_cmpstr (ep_profile_get_host (work), ==, "smtp.work.example");

  /* A password typed into a new profile counts too; closing the window asks, and the window
   * stays open until the user says so. */
  editor = open_add (f, "custom");
  gtk_editable_set_text (GTK_EDITABLE (ep_profile_editor_get_field (editor, "password")), "typed");
  g_assert_true (ep_profile_editor_has_changes (editor));
  gtk_window_close (GTK_WINDOW (f->dialog));
  ep_test_iterate (50);
  question = ep_profile_editor_get_discard_dialog (editor);
  g_assert_nonnull (question);
  g_assert_cmpstr (adw_message_dialog_get_body (question), ==, "The new profile has not been saved.");
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (f->dialog)));
  adw_message_dialog_response (question, "cancel");
  ep_test_iterate (50);
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (f->dialog)));
  g_assert_true (ep_profiles_dialog_get_editor (f->dialog) == editor);
  gtk_window_close (GTK_WINDOW (f->dialog));
  ep_test_iterate (50);
  g_object_add_weak_pointer (G_OBJECT (f->dialog), (gpointer *) &closed);
  adw_message_dialog_response (ep_profile_editor_get_discard_dialog (editor), "discard");
  /* The window closed, the unsaved profile with it. */
  g_assert_true (ep_test_wait (is_null, &closed, WAIT_MS));
  g_assert_cmpuint (g_list_model_get_n_items (ep_profile_store_list (f->store)), ==, 3);
  f->dialog = ep_profiles_dialog_new (NULL, f->store);   /* for the fixture's tear-down */
}

static void
test_sandbox_protected (Fixture       *f,
                        gconstpointer  data)
{
  EpProfile *sandbox = ep_profile_store_get_sandbox (f->store);
  g_autoptr(EpProfileStore) again = NULL;
  EpProfileEditor *editor;

  g_assert_false (menu_has_action (ep_profiles_dialog_get_row_menu (f->dialog, sandbox), "profiles.delete"));
  g_assert_true (menu_has_action (ep_profiles_dialog_get_row_menu (f->dialog, sandbox), "profiles.edit"));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->dialog), "profiles.delete", "s",
                                             EP_PROFILE_SANDBOX_ID));
  g_assert_true (ep_profile_store_get_sandbox (f->store) == sandbox);
  g_assert_true (ep_test_contains (last_toast_title (f), "cannot be deleted"));

  /* Its identity can be edited; its server cannot (not even shown). */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->dialog), "profiles.edit", "s",
                                             EP_PROFILE_SANDBOX_ID));
  editor = ep_profiles_dialog_get_editor (f->dialog);
  g_assert_false (gtk_widget_get_visible (gtk_widget_get_ancestor (ep_profile_editor_get_field (editor, "host"),
                                                                   ADW_TYPE_PREFERENCES_GROUP)));
  ep_test_set_field (editor, "sender-name", "Tester");
  ep_test_set_field (editor, "address", "tester@sandbox.invalid");
  g_assert_true (ep_profile_editor_save (editor));
  again = reload (f);
  g_assert_cmpstr (ep_profile_get_sender_name (ep_profile_store_get_sandbox (again)), ==, "Tester");
  g_assert_cmpstr (ep_profile_get_sender_address (ep_profile_store_get_sandbox (again)), ==, "tester@sandbox.invalid");
  g_assert_cmpuint (ep_profile_get_port (ep_profile_store_get_sandbox (again)), ==, 0);
  g_assert_cmpstr (ep_profile_get_host (ep_profile_store_get_sandbox (again)), ==, "127.0.0.1");
}

static void
test_no_keyring (Fixture       *f,
                 gconstpointer  data)
{
  EpProfileEditor *editor = open_add (f, "fastmail");
  GtkWidget *keyring = ep_profile_editor_get_field (editor, "keyring");
  g_autofree char *file = NULL;

  g_assert_true (ep_test_wait (ep_test_keyring_known, editor, WAIT_MS));
  g_assert_cmpint (ep_profile_editor_get_keyring_state (editor), ==, EP_KEYRING_STATE_ABSENT);
  g_assert_true (gtk_widget_get_visible (keyring));
  g_assert_cmpstr (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (keyring)), ==, "No keyring is available");
  g_assert_true (ep_test_contains (adw_action_row_get_subtitle (ADW_ACTION_ROW (keyring)), "ask for it each time you send"));

  ep_test_set_field (editor, "address", "someone@fastmail.com");
  gtk_editable_set_text (GTK_EDITABLE (ep_profile_editor_get_field (editor, "password")), "never-on-disk-7");
  g_assert_true (ep_profile_editor_save (editor));
  g_assert_true (ep_test_wait (ep_test_dialog_idle, f->dialog, WAIT_MS));
  g_assert_true (ep_test_contains (last_toast_title (f), "password was not saved"));
  file = read_profiles_file (f);
  g_assert_false (ep_test_contains (file, "never-on-disk-7"));
  g_assert_true (ep_test_contains (file, "username=someone@fastmail.com"));
}

static void
test_present_new (void)
{
  g_autofree char *dir = g_build_filename (g_getenv ("EPISTLE_TEST_TMPDIR"), "first-run", NULL);
  g_autoptr(EpProfileStore) store = ep_profile_store_new (dir);
  EpProfilesDialog *dialog = ep_profiles_dialog_present_new (NULL, store);
  EpProfileEditor *editor = ep_profiles_dialog_get_editor (dialog);

  /* The first-run entry point: one window, with a new profile's editor open. */
  g_assert_nonnull (editor);
  g_assert_true (ep_profile_editor_get_is_new (editor));
  g_assert_true (ep_profiles_dialog_present (NULL, store, NULL) == dialog);
  g_assert_true (ep_profiles_dialog_get_editor (dialog) == editor);
  gtk_window_destroy (GTK_WINDOW (dialog));
}

/* The default profile is the GSettings key "default-profile", both ways: choosing one in the
 * dialog writes the key; a change of the key (another instance, dconf-editor) is followed;
 * deleting the default profile resets the key to the Sandbox. */
static void
check_app_default_in_settings (EpApplication *app)
{
  g_autoptr(GSettings) settings = g_settings_new (APP_ID);
  g_autoptr(EpProfile) work = ep_profile_new ("Work");
  g_autoptr(EpProfile) home = ep_profile_new ("Home");
  g_autofree char *key = NULL;
  g_autofree char *file = NULL;
  EpProfileStore *store;
  EpProfilesDialog *dialog;

  store = ep_application_get_profile_store (app);

  /* The old default was carried over to GSettings once, and leaves profiles.ini at the next
   * save. */
  key = g_settings_get_string (settings, "default-profile");
  g_assert_cmpstr (key, ==, "old1");
  g_assert_cmpstr (ep_profile_get_id (ep_profile_store_get_default (store)), ==, "old1");
  g_assert_true (ep_profile_store_save (store, NULL));
  g_assert_true (g_file_get_contents (ep_profile_store_get_path (store), &file, NULL, NULL));
  g_assert_null (strstr (file, "default-profile"));
  g_assert_null (strstr (file, "[Epistle]"));
  g_clear_pointer (&key, g_free);
  g_settings_set_string (settings, "default-profile", "");

  ep_profile_set_host (work, "smtp.work.example");
  ep_profile_set_host (home, "smtp.home.example");
  g_assert_true (ep_profile_store_add (store, work, NULL));
  g_assert_true (ep_profile_store_add (store, home, NULL));
  g_assert_true (ep_profile_get_is_sandbox (ep_profile_store_get_default (store)));

  dialog = ep_profiles_dialog_present (NULL, store, NULL);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (dialog), "profiles.set-default", "s",
                                             ep_profile_get_id (work)));
  key = g_settings_get_string (settings, "default-profile");
  g_assert_cmpstr (key, ==, ep_profile_get_id (work));

  g_settings_set_string (settings, "default-profile", ep_profile_get_id (home));
  g_assert_true (ep_profile_store_get_default (store) == home);

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (dialog), "profiles.delete", "s",
                                             ep_profile_get_id (home)));
  g_clear_pointer (&key, g_free);
  key = g_settings_get_string (settings, "default-profile");
  g_assert_cmpstr (key, ==, "");
  g_assert_true (ep_profile_get_is_sandbox (ep_profile_store_get_default (store)));

  gtk_window_destroy (GTK_WINDOW (dialog));
  ep_test_iterate (100);
}

/* The application's actions: the menu's "Server Profiles…", the send error's "Edit Profile" (on
 * the profile that failed) and the first run's "Set up a server". */
static void
test_app_actions (void)
{
  g_autoptr(EpApplication) app = ep_application_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *config = g_build_filename (g_get_user_config_dir (), "epistle", NULL);
  g_autofree char *legacy = g_build_filename (config, "profiles.ini", NULL);
  EpProfileStore *store;
  EpProfilesDialog *dialog;
  EpProfileEditor *editor;
  GtkWindow *setup;

  /* A profiles.ini from the first development versions, with the default in it. */
  g_assert_cmpint (g_mkdir_with_parents (config, 0700), ==, 0);
  g_assert_true (g_file_set_contents (legacy, "[Epistle]\ndefault-profile=old1\n"
                                              "[Profile old1]\nname=Old\nhost=old.example\n", -1, NULL));
  g_application_set_flags (G_APPLICATION (app), G_APPLICATION_NON_UNIQUE);
  g_assert_true (g_application_register (G_APPLICATION (app), NULL, &error));
  store = ep_application_get_profile_store (app);

  g_action_group_activate_action (G_ACTION_GROUP (app), "profiles", NULL);
  dialog = ep_profiles_dialog_present (NULL, store, NULL);
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (dialog)));
  g_assert_null (ep_profiles_dialog_get_editor (dialog));

  g_action_group_activate_action (G_ACTION_GROUP (app), "edit-profile",
                                  g_variant_new_string (EP_PROFILE_SANDBOX_ID));
  g_assert_true (ep_profiles_dialog_present (NULL, store, NULL) == dialog);
  editor = ep_profiles_dialog_get_editor (dialog);
  g_assert_nonnull (editor);
  g_assert_true (ep_profile_editor_get_profile (editor) == ep_profile_store_get_sandbox (store));

  /* Set-up starts from the address, in a window of its own. */
  g_action_group_activate_action (G_ACTION_GROUP (app), "setup-server", NULL);
  setup = NULL;
  for (guint i = 0; i < g_list_model_get_n_items (gtk_window_get_toplevels ()); i++)
    {
      g_autoptr(GObject) window = g_list_model_get_item (gtk_window_get_toplevels (), i);

      if (EP_IS_SETUP_WINDOW (window))
        setup = GTK_WINDOW (window);
    }
  g_assert_nonnull (setup);
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (setup)));
  gtk_window_destroy (setup);

  gtk_window_destroy (GTK_WINDOW (dialog));
  ep_test_iterate (100);

  check_app_default_in_settings (app);
}

static void
test_screenshot (Fixture       *f,
                 gconstpointer  data)
{
  EpProfile *gmail = add_stored_profile (f, "Personal (Gmail)", "smtp.gmail.com");
  EpProfileEditor *editor;

  add_stored_profile (f, "Work", "smtp.office365.com");
  ep_profile_set_security (ep_profile_store_lookup_by_name (f->store, "Work"), EP_SMTP_SECURITY_STARTTLS);
  ep_profile_set_port (ep_profile_store_lookup_by_name (f->store, "Work"), 587);
  ep_profile_store_set_default (f->store, gmail, NULL);
  ep_test_screenshot (GTK_WIDGET (f->dialog), "profiles-dialog.png");

  editor = open_add (f, "gmail");
  ep_test_set_field (editor, "sender-name", "Ann Example");
  ep_test_set_field (editor, "address", "ann@gmail.com");
  g_assert_true (ep_test_wait (ep_test_keyring_known, editor, WAIT_MS));
  ep_test_screenshot (GTK_WIDGET (f->dialog), "profile-editor.png");

  /* Problems and warnings, as they look. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (editor), "editor.cancel", NULL));
  adw_message_dialog_response (ep_profile_editor_get_discard_dialog (editor), "discard");
  ep_test_iterate (50);
  editor = open_add (f, "custom");
  ep_test_set_field (editor, "name", "Clear");
  ep_test_set_field (editor, "address", "someone@gmail.com");
  ep_test_set_field (editor, "host", "relay.example.org");
  ep_test_select (editor, "security", EP_SMTP_SECURITY_NONE);
  ep_test_set_field (editor, "port", "70000");
  g_assert_false (ep_profile_editor_save (editor));
  ep_test_screenshot (GTK_WIDGET (f->dialog), "profile-editor-problems.png");
}

int
main (int   argc,
      char *argv[])
{
  gtk_test_init (&argc, &argv, NULL);
  adw_init ();
  /* The application class registers the resources (once). */
  g_type_class_unref (g_type_class_ref (EP_TYPE_APPLICATION));
  /* Subpages appear at once: no transition to wait for. */
  g_object_set (gtk_settings_get_default (), "gtk-enable-animations", FALSE, NULL);

#define ADD(path, func) \
  g_test_add ("/profiles-dialog/" path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("preset-edit-save-reload", test_preset_edit_save_reload);
  ADD ("server-change-forgets-pin", test_server_change_forgets_pin);
  ADD ("address-offers-preset", test_address_offers_preset);
  ADD ("validation", test_validation);
  ADD ("duplicate", test_duplicate);
  ADD ("delete-undo", test_delete_undo);
  ADD ("set-default", test_set_default);
  ADD ("back-asks", test_back_asks);
  ADD ("sandbox-protected", test_sandbox_protected);
  ADD ("no-keyring", test_no_keyring);
  ADD ("screenshot", test_screenshot);
#undef ADD
  g_test_add_func ("/profiles-dialog/present-new", test_present_new);
  g_test_add_func ("/profiles-dialog/app-actions", test_app_actions);

  return g_test_run ();
}
