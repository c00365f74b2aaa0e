/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-identities-group.c: the profile editor's Identities, driven as a user would: the
 * implicit identity shown, identities added (the dialog refusing a bad address with the field
 * named), reordered, removed and brought back with Undo, saved to profiles.ini in that order. */
#include "config.h"

#include <glib/gstdio.h>

#include "ep-application-private.h"
#include "ep-identities-group-private.h"
#include "ep-profile-store.h"
#include "ep-profiles-test-util.h"

static char *
make_config_dir (void)
{
  static guint counter;
  g_autofree char *name = g_strdup_printf ("identities-%u", ++counter);
  char *dir = g_build_filename (g_getenv ("EPISTLE_TEST_TMPDIR"), name, NULL);

  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  return dir;
}

static EpIdentitiesGroup *
find_group (EpProfileEditor *editor)
{
  GtkWidget *identity_group = gtk_widget_get_ancestor (ep_profile_editor_get_field (editor, "address"),
                                                       ADW_TYPE_PREFERENCES_GROUP);
  GtkWidget *next = gtk_widget_get_next_sibling (identity_group);

  g_assert_true (EP_IS_IDENTITIES_GROUP (next));
  return EP_IDENTITIES_GROUP (next);
}

static guint
n_identities (EpProfile *profile)
{
  g_autoptr(GPtrArray) identities = ep_profile_dup_identities (profile);
  return identities->len;
}

static const char *
address_at (GPtrArray *identities,
            guint      index)
{
  return ((EpIdentity *) g_ptr_array_index (identities, index))->address;
}

static void
test_add_reorder_remove_undo (void)
{
  g_autofree char *dir = make_config_dir ();
  g_autoptr(EpProfileStore) store = ep_profile_store_new (dir);
  g_autoptr(EpProfileStore) again = NULL;
  g_autoptr(EpProfile) work = ep_profile_new ("Work");
  g_autoptr(GPtrArray) saved = NULL;
  g_autoptr(EpIdentity) support = ep_identity_new ("Support", "support@work.example");
  g_autoptr(GError) error = NULL;
  EpProfilesDialog *dialog;
  EpProfileEditor *editor;
  EpIdentitiesGroup *group;
  EpProfile *draft;
  GtkWindow *edit;
  EpProfile *reloaded;

  g_assert_true (ep_profile_store_load (store, NULL));
  ep_profile_set_sender_name (work, "Ana Lima");
  ep_profile_set_sender_address (work, "ana@work.example");
  ep_profile_set_host (work, "smtp.work.example");
  g_assert_true (ep_profile_store_add (store, work, &error));
  g_assert_no_error (error);
  dialog = ep_profiles_dialog_new (NULL, store);
  gtk_window_present (GTK_WINDOW (dialog));
  ep_profiles_dialog_edit (dialog, work);
  editor = ep_profiles_dialog_get_editor (dialog);
  group = find_group (editor);
  draft = ep_profile_editor_get_draft (editor);

  /* The implicit identity is there, and editing nothing changes nothing. */
  g_assert_cmpuint (n_identities (draft), ==, 1);
  g_assert_false (ep_profile_has_identities (draft));
  g_assert_false (ep_profile_editor_has_changes (editor));

  /* The dialog refuses an address that is none, naming the field. */
  edit = ep_identities_group_edit (group, G_MAXUINT);
  ep_identities_group_dialog_fill (edit, "Support", "not an address", "The Support Team");
  ep_test_screenshot (GTK_WIDGET (edit), "identity-dialog.png");
  g_assert_true (ep_test_contains (ep_identities_group_dialog_save (edit), "identity-2-address"));
  ep_identities_group_dialog_fill (edit, "Support", "support@work.example", "The Support Team\r\nX");
  g_assert_true (ep_test_contains (ep_identities_group_dialog_save (edit), "identity-2-signature"));
  gtk_window_destroy (edit);

  ep_identities_group_add (group, support);
  g_assert_true (ep_profile_has_identities (draft));
  g_assert_cmpuint (n_identities (draft), ==, 2);
  g_assert_true (ep_profile_editor_has_changes (editor));
  ep_identities_group_move (group, 1, -1);
  ep_test_screenshot (gtk_widget_get_ancestor (GTK_WIDGET (editor), GTK_TYPE_WINDOW), "profile-editor-identities.png");
  {
    g_autoptr(GPtrArray) now = ep_profile_dup_identities (draft);
    g_assert_cmpstr (address_at (now, 0), ==, "support@work.example");
    g_assert_cmpstr (address_at (now, 1), ==, "ana@work.example");
  }

  /* Removed, then back where it was with Undo. */
  ep_identities_group_remove (group, 0);
  g_assert_cmpuint (n_identities (draft), ==, 1);
  g_assert_true (ep_identities_group_undo (group));
  g_assert_false (ep_identities_group_undo (group));
  {
    g_autoptr(GPtrArray) now = ep_profile_dup_identities (draft);
    g_assert_cmpuint (now->len, ==, 2);
    g_assert_cmpstr (address_at (now, 0), ==, "support@work.example");
  }
  /* The last one stays. */
  ep_identities_group_remove (group, 1);
  ep_identities_group_remove (group, 0);
  g_assert_cmpuint (n_identities (draft), ==, 1);
  g_assert_true (ep_identities_group_undo (group));

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (editor), "editor.save", NULL));
  g_assert_null (ep_profiles_dialog_get_editor (dialog));
  again = ep_profile_store_new (dir);
  g_assert_true (ep_profile_store_load (again, &error));
  g_assert_no_error (error);
  reloaded = ep_profile_store_lookup_by_name (again, "Work");
  saved = ep_profile_dup_identities (reloaded);
  g_assert_cmpuint (saved->len, ==, 2);
  g_assert_cmpstr (address_at (saved, 0), ==, "support@work.example");
  g_assert_cmpstr (address_at (saved, 1), ==, "ana@work.example");

  gtk_window_destroy (GTK_WINDOW (dialog));
  ep_test_iterate (300);
}

int
main (int argc, char *argv[])
{
  gtk_test_init (&argc, &argv, NULL);
  adw_init ();
  /* The application class registers the resources (once). */
  g_type_class_unref (g_type_class_ref (EP_TYPE_APPLICATION));
  g_object_set (gtk_settings_get_default (), "gtk-enable-animations", FALSE, NULL);

  g_test_add_func ("/identities-group/add-reorder-remove-undo", test_add_reorder_remove_undo);
  return g_test_run ();
}
