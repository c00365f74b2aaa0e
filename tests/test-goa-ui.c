/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-goa-ui.c: profiles from GNOME Online Accounts in the Server Profiles window, under Xvfb,
 * with the fake service on the test's private session bus: listed with where they come from,
 * read-only (no Edit, Duplicate or Delete; Delete and Edit refused when asked for anyway), an
 * account whose mail is off dimmed with the reason, and an account added while the window is
 * open appearing in it. A screenshot shows them. */
#include "config.h"

#include <glib/gstdio.h>

#include "ep-application-private.h"
#include "ep-window-private.h"
#include "ep-fake-goa.h"
#include "ep-goa-accounts.h"
#include "ep-profile-store.h"
#include "ep-profiles-test-util.h"

#define WAIT_MS 10000

/* One application for the cases that need it, started before any fake service runs. */
static EpApplication *app;

static const EpFakeGoaAccount google = {
  .id = "account_1_0", .provider_type = "google", .provider_name = "Google",
  .address = "ann@gmail.com", .smtp_host = "smtp.gmail.com:587", .kind = EP_FAKE_GOA_OAUTH2,
  .use_tls = TRUE,
};
static const EpFakeGoaAccount disabled = {
  .id = "account_2_0", .provider_type = "google", .provider_name = "Google",
  .address = "old@gmail.com", .smtp_host = "smtp.gmail.com:587", .kind = EP_FAKE_GOA_OAUTH2,
  .use_tls = TRUE, .mail_disabled = TRUE,
};
static const EpFakeGoaAccount microsoft = {
  .id = "account_4_0", .provider_type = "ms_graph", .provider_name = "Microsoft 365",
  .address = "kim@contoso.example", .smtp_host = "smtp.office365.com:587", .kind = EP_FAKE_GOA_OAUTH2,
  .use_tls = TRUE,
};
static const EpFakeGoaAccount later = {
  .id = "account_3_0", .provider_type = "imap_smtp", .provider_name = "IMAP and SMTP",
  .address = "pat@example.org", .smtp_host = "mail.example.org", .kind = EP_FAKE_GOA_PASSWORD,
  .use_ssl = TRUE,
};

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

typedef struct {
  EpProfileStore *store;
  const char     *id;
} Lookup;

static gboolean
listed (gpointer data)
{
  Lookup *lookup = data;

  return ep_profile_store_lookup_by_id (lookup->store, lookup->id) != NULL;
}

static gboolean
not_listed (gpointer data)
{
  return !listed (data);
}

static gboolean
loaded (gpointer data)
{
  return *(gboolean *) data;
}

static void
loaded_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_assert_true (ep_goa_accounts_load_finish (EP_GOA_ACCOUNTS (object), result, NULL));
  *(gboolean *) user_data = TRUE;
}

static gboolean
row_dimmed (gpointer row)
{
  return gtk_widget_has_css_class (row, "dim-label");
}

static gboolean
row_not_dimmed (gpointer row)
{
  return !gtk_widget_has_css_class (row, "dim-label");
}

static const char *
row_subtitle (EpProfilesDialog *dialog,
              EpProfile        *profile)
{
  GtkWidget *row = ep_profiles_dialog_get_row (dialog, profile);

  g_assert_nonnull (row);
  return adw_action_row_get_subtitle (ADW_ACTION_ROW (row));
}

static void
test_read_only (void)
{
  g_autoptr(EpFakeGoa) fake = ep_fake_goa_new ();
  g_autofree char *dir = g_build_filename (g_getenv ("EPISTLE_TEST_TMPDIR"), "goa-ui", NULL);
  g_autoptr(EpProfileStore) store = NULL;
  g_autoptr(EpGoaAccounts) accounts = NULL;
  EpProfilesDialog *dialog;
  EpProfile *profile;
  EpProfile *off;
  GMenuModel *menu;
  AdwToast *toast;
  gboolean done = FALSE;
  Lookup lookup;

  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  store = ep_profile_store_new (dir);
  g_assert_true (ep_profile_store_load (store, NULL));
  ep_fake_goa_add (fake, &google);
  ep_fake_goa_add (fake, &disabled);
  ep_fake_goa_add (fake, &microsoft);
  accounts = ep_goa_accounts_new (store);
  ep_goa_accounts_load_async (accounts, NULL, loaded_cb, &done);
  g_assert_true (ep_test_wait (loaded, &done, WAIT_MS));

  dialog = ep_profiles_dialog_new (NULL, store);
  gtk_window_present (GTK_WINDOW (dialog));
  ep_test_iterate (100);

  profile = ep_profile_store_lookup_by_id (store, "goa:account_1_0");
  g_assert_nonnull (profile);
  g_assert_true (ep_test_contains (row_subtitle (dialog, profile), "From GNOME Online Accounts · Google · smtp.gmail.com:587"));
  g_assert_false (gtk_widget_has_css_class (ep_profiles_dialog_get_row (dialog, profile), "dim-label"));
  menu = ep_profiles_dialog_get_row_menu (dialog, profile);
  g_assert_false (menu_has_action (menu, "profiles.edit"));
  g_assert_false (menu_has_action (menu, "profiles.duplicate"));
  g_assert_false (menu_has_action (menu, "profiles.delete"));
  g_assert_true (menu_has_action (menu, "profiles.set-default"));

  off = ep_profile_store_lookup_by_id (store, "goa:account_2_0");
  g_assert_nonnull (off);
  g_assert_true (ep_test_contains (row_subtitle (dialog, off), "not used: Mail is turned off"));
  g_assert_true (gtk_widget_has_css_class (ep_profiles_dialog_get_row (dialog, off), "dim-label"));
  g_assert_false (menu_has_action (ep_profiles_dialog_get_row_menu (dialog, off), "profiles.set-default"));

  /* Microsoft 365: listed and usable, but its profile says plainly that its sign-in may not do
   * for SMTP, and what to do then. */
  g_assert_true (ep_test_contains (row_subtitle (dialog, ep_profile_store_lookup_by_id (store, "goa:account_4_0")),
                                   "Microsoft Graph"));

  /* Asked for anyway: nothing is deleted, and no editor opens (GNOME Settings is not installed
   * here, so the window says where to change it). */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (dialog), "profiles.delete", "s", "goa:account_1_0"));
  g_assert_true (ep_profile_store_lookup_by_id (store, "goa:account_1_0") == profile);
  toast = ep_profiles_dialog_get_last_toast (dialog);
  g_assert_true (ep_test_contains (adw_toast_get_title (toast), "comes from another application"));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (dialog), "profiles.edit", "s", "goa:account_1_0"));
  g_assert_null (ep_profiles_dialog_get_editor (dialog));
  toast = ep_profiles_dialog_get_last_toast (dialog);
  g_assert_true (ep_test_contains (adw_toast_get_title (toast), "GNOME Online Accounts"));

  /* Added while the window is open: it appears. */
  ep_fake_goa_add (fake, &later);
  lookup.store = store;
  lookup.id = "goa:account_3_0";
  g_assert_true (ep_test_wait (listed, &lookup, WAIT_MS));
  ep_test_iterate (100);
  g_assert_true (ep_test_contains (row_subtitle (dialog, ep_profile_store_lookup_by_id (store, lookup.id)),
                                   "IMAP and SMTP · mail.example.org:465 · Implicit TLS"));

  /* Mail turned off for a listed account: its row says so at once, and back again. */
  ep_fake_goa_set_mail_disabled (fake, google.id, TRUE);
  g_assert_true (ep_test_wait (row_dimmed, ep_profiles_dialog_get_row (dialog, profile), WAIT_MS));
  g_assert_true (ep_test_contains (row_subtitle (dialog, profile), "not used: Mail is turned off"));
  ep_fake_goa_set_mail_disabled (fake, google.id, FALSE);
  g_assert_true (ep_test_wait (row_not_dimmed, ep_profiles_dialog_get_row (dialog, profile), WAIT_MS));

  ep_test_screenshot (GTK_WIDGET (dialog), "profiles-dialog-goa.png");
  gtk_window_destroy (GTK_WINDOW (dialog));
  ep_test_iterate (100);
}

static gboolean
file_exists (gpointer path)
{
  return g_file_test (path, G_FILE_TEST_EXISTS);
}

/* With GNOME Settings installed (a stand-in on PATH that records its arguments), the row's menu
 * offers its Online Accounts panel, and the action (and activating the row) opens it. */
static void
test_open_settings (void)
{
  g_autoptr(EpFakeGoa) fake = ep_fake_goa_new ();
  g_autofree char *dir = g_build_filename (g_getenv ("EPISTLE_TEST_TMPDIR"), "goa-settings", NULL);
  g_autofree char *bin = g_build_filename (dir, "bin", NULL);
  g_autofree char *program = g_build_filename (bin, "gnome-control-center", NULL);
  g_autofree char *record = g_build_filename (dir, "arguments", NULL);
  g_autofree char *script = g_strdup_printf ("#!/bin/sh\necho \"$@\" > '%s.part' && mv '%s.part' '%s'\n",
                                             record, record, record);
  g_autofree char *path = g_strdup_printf ("%s:%s", bin, g_getenv ("PATH"));
  g_autofree char *arguments = NULL;
  g_autoptr(EpProfileStore) store = NULL;
  g_autoptr(EpGoaAccounts) accounts = NULL;
  g_autoptr(GError) error = NULL;
  EpProfilesDialog *dialog;
  EpProfile *profile;
  gboolean done = FALSE;

  g_assert_cmpint (g_mkdir_with_parents (bin, 0700), ==, 0);
  g_assert_true (g_file_set_contents (program, script, -1, &error));
  g_assert_cmpint (g_chmod (program, 0700), ==, 0);
  g_setenv ("PATH", path, TRUE);

  store = ep_profile_store_new (dir);
  g_assert_true (ep_profile_store_load (store, NULL));
  ep_fake_goa_add (fake, &google);
  accounts = ep_goa_accounts_new (store);
  ep_goa_accounts_load_async (accounts, NULL, loaded_cb, &done);
  g_assert_true (ep_test_wait (loaded, &done, WAIT_MS));
  dialog = ep_profiles_dialog_new (NULL, store);
  gtk_window_present (GTK_WINDOW (dialog));
  ep_test_iterate (100);

  profile = ep_profile_store_lookup_by_id (store, "goa:account_1_0");
  g_assert_true (menu_has_action (ep_profiles_dialog_get_row_menu (dialog, profile), "profiles.open-goa"));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (dialog), "profiles.open-goa", "s", "goa:account_1_0"));
  g_assert_true (ep_test_wait (file_exists, record, WAIT_MS));
  g_assert_true (g_file_get_contents (record, &arguments, NULL, &error));
  g_assert_cmpstr (arguments, ==, "online-accounts\n");
  g_assert_null (ep_profiles_dialog_get_editor (dialog));

  gtk_window_destroy (GTK_WINDOW (dialog));
  ep_test_iterate (100);
}

/* The application lists Online Accounts' accounts at start-up, and the compose window offers
 * them: chosen, one fills From with the account's name and address; the list says where each
 * comes from. */
static void
test_compose (void)
{
  g_autoptr(EpFakeGoa) fake = ep_fake_goa_new ();
  EpProfileStore *store = ep_application_get_profile_store (app);
  EpWindow *window;
  EpProfile *profile;
  Lookup lookup;

  /* The application started before this service: its accounts appear when it takes the name. */
  ep_fake_goa_add (fake, &google);
  lookup.store = store;
  lookup.id = "goa:account_1_0";
  g_assert_true (ep_test_wait (listed, &lookup, WAIT_MS));
  profile = ep_profile_store_lookup_by_id (store, lookup.id);

  window = ep_window_new (ADW_APPLICATION (app), store);
  gtk_window_present (GTK_WINDOW (window));
  g_assert_nonnull (gtk_drop_down_get_list_factory (window->profile_dropdown));
  ep_window_set_profile (window, profile);
  g_assert_true (ep_window_get_profile (window) == profile);
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (window->from_entry)), ==, "Fake Person <ann@gmail.com>");
  ep_test_iterate (100);
  ep_test_screenshot (GTK_WIDGET (window), "compose-goa.png");
  gtk_window_destroy (GTK_WINDOW (window));
  ep_test_iterate (100);
}

static gboolean
window_has_profile (gpointer data)
{
  gpointer *args = data;

  return ep_window_get_profile (args[0]) == args[1];
}

/* The default profile is an Online Accounts one: a compose window opened before the service
 * answered (at start-up) shows it once it is listed, instead of staying on the Sandbox that
 * stood in for it; a profile the person picked meanwhile is kept. */
static void
test_default_comes_later (void)
{
  g_autoptr(EpFakeGoa) fake = NULL;
  g_autoptr(EpProfile) work = NULL;
  g_autoptr(GError) error = NULL;
  EpProfileStore *store = ep_application_get_profile_store (app);
  EpWindow *window;
  EpWindow *picked;
  Lookup lookup;
  gpointer args[2];

  /* The earlier cases' services are gone, and their accounts with them. */
  lookup.store = store;
  lookup.id = "goa:account_1_0";
  g_assert_true (ep_test_wait (not_listed, &lookup, WAIT_MS));
  /* Chosen as the default in an earlier run; Online Accounts has not answered yet. */
  ep_profile_store_set_default_id (store, "goa:account_1_0");
  window = ep_window_new (ADW_APPLICATION (app), store);
  picked = ep_window_new (ADW_APPLICATION (app), store);
  g_assert_true (ep_profile_get_is_sandbox (ep_window_get_profile (window)));
  /* The person picks another profile in the second window before the account is listed. */
  work = ep_profile_new ("Work");
  ep_profile_set_host (work, "smtp.example.org");
  g_assert_true (ep_profile_store_add (store, work, &error));
  g_assert_no_error (error);
  ep_window_set_profile (picked, work);

  fake = ep_fake_goa_new ();
  ep_fake_goa_add (fake, &google);
  g_assert_true (ep_test_wait (listed, &lookup, WAIT_MS));
  args[0] = window;
  args[1] = ep_profile_store_lookup_by_id (store, lookup.id);
  g_assert_true (ep_test_wait (window_has_profile, args, WAIT_MS));
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (window->from_entry)), ==, "Fake Person <ann@gmail.com>");
  g_assert_true (ep_window_get_profile (picked) == work);

  gtk_window_destroy (GTK_WINDOW (window));
  gtk_window_destroy (GTK_WINDOW (picked));
  ep_profile_store_set_default_id (store, NULL);
  g_assert_true (ep_profile_store_remove (store, work, NULL));
  ep_test_iterate (100);
}

/* Zero set-up: no default chosen and no profile of the person's own, so the first usable
 * Online Accounts account becomes the default (not one with mail turned off); never when the
 * person chose a default, or has a profile of their own. */
static void
test_zero_setup (void)
{
  g_autoptr(EpFakeGoa) fake = NULL;
  g_autoptr(GSettings) settings = g_settings_new (APP_ID);
  g_autoptr(EpProfile) work = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *chosen = NULL;
  EpProfileStore *store = ep_application_get_profile_store (app);
  Lookup lookup = { store, "goa:account_1_0" };
  Lookup off = { store, "goa:account_2_0" };

  g_assert_true (ep_test_wait (not_listed, &lookup, WAIT_MS));
  g_settings_reset (settings, "default-profile");
  fake = ep_fake_goa_new ();
  ep_fake_goa_add (fake, &disabled);
  ep_fake_goa_add (fake, &google);
  g_assert_true (ep_test_wait (listed, &lookup, WAIT_MS));
  g_assert_true (ep_test_wait (listed, &off, WAIT_MS));
  g_assert_true (ep_profile_get_is_sandbox (ep_profile_store_get_default (store)));

  g_assert_true (ep_application_default_to_goa (app));
  g_assert_cmpstr (ep_profile_store_get_default_id (store), ==, "goa:account_1_0");
  g_assert_false (ep_application_offers_setup (app));
  /* Chosen now: not chosen again over the person's choice. */
  chosen = g_settings_get_string (settings, "default-profile");
  g_assert_cmpstr (chosen, ==, "goa:account_1_0");
  ep_profile_store_set_default_id (store, EP_PROFILE_SANDBOX_ID);
  g_assert_false (ep_application_default_to_goa (app));
  g_assert_true (ep_profile_get_is_sandbox (ep_profile_store_get_default (store)));

  /* A profile of the person's own: theirs to choose. */
  g_settings_reset (settings, "default-profile");
  work = ep_profile_new ("Own");
  ep_profile_set_host (work, "smtp.example.org");
  g_assert_true (ep_profile_store_add (store, work, &error));
  g_assert_no_error (error);
  g_assert_false (ep_application_default_to_goa (app));
  g_assert_true (ep_profile_get_is_sandbox (ep_profile_store_get_default (store)));
  g_assert_true (ep_profile_store_remove (store, work, NULL));
  g_settings_reset (settings, "default-profile");
  ep_test_iterate (100);
}

int
main (int   argc,
      char *argv[])
{
  int status;

  gtk_test_init (&argc, &argv, NULL);
  adw_init ();
  /* The application class registers the resources (once). */
  g_type_class_unref (g_type_class_ref (EP_TYPE_APPLICATION));
  g_object_set (gtk_settings_get_default (), "gtk-enable-animations", FALSE, NULL);

  app = ep_application_new ();
  g_application_set_flags (G_APPLICATION (app), G_APPLICATION_NON_UNIQUE);
  g_assert_true (g_application_register (G_APPLICATION (app), NULL, NULL));

  g_test_add_func ("/goa-ui/read-only", test_read_only);
  g_test_add_func ("/goa-ui/compose", test_compose);
  g_test_add_func ("/goa-ui/open-settings", test_open_settings);
  g_test_add_func ("/goa-ui/default-comes-later", test_default_comes_later);
  g_test_add_func ("/goa-ui/zero-setup", test_zero_setup);
  status = g_test_run ();
  g_clear_object (&app);
  return status;
}
