/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-application.c: the single-instance Epistle application and its app-wide actions. */
#include "config.h"

#include <glib/gi18n.h>

#include "ep-application-private.h"
#include "ep-resources.h"
#include "ep-draft-store.h"
#include "ep-engine.h"
#include "ep-goa-account.h"
#include "ep-goa-accounts.h"
#include "ep-image-cache.h"
#include "ep-mailbox-window.h"
#include "ep-outbox-overdue.h"
#include "ep-outbox-window.h"
#include "ep-outbox-store.h"
#include "ep-profiles-dialog.h"
#include "ep-setup-window.h"
#include "ep-window.h"

struct _EpApplication
{
  AdwApplication parent_instance;

  gboolean        drafts_restored;
  GSettings      *settings;
  EpProfileStore *profiles;
  EpGoaAccounts  *goa;              /* Online Accounts' mail accounts, listed in @profiles */
  EpOutboxWorker *outbox_worker;
  GPtrArray      *overdue;          /* of EpOutboxEntry: asked about once a window exists */
  guint           overdue_source;
  GError         *profiles_error;   /* shown once a window exists */
};

G_DEFINE_FINAL_TYPE (EpApplication, ep_application, ADW_TYPE_APPLICATION)

/* Tells the user about a damaged profiles file in @window, once. */
static void
ep_application_report_problems (EpApplication *self,
                                EpWindow      *window)
{
  if (self->profiles_error != NULL)
    {
      ep_window_show_toast (window, self->profiles_error->message);
      g_clear_error (&self->profiles_error);
    }
}

/* Every compose window comes from here: with the profiles, and told what went wrong at start. */
static EpWindow *
ep_application_new_window (EpApplication *self)
{
  EpWindow *window = ep_window_new (ADW_APPLICATION (self), self->profiles);

  ep_application_report_problems (self, window);
  return window;
}

static void
ep_application_new_message_action (GSimpleAction *action,
                                   GVariant      *parameter,
                                   gpointer       user_data)
{
  EpApplication *self = user_data;
  EpWindow *window;

  window = ep_application_new_window (self);
  gtk_window_present (GTK_WINDOW (window));
}

static void
ep_application_about_action (GSimpleAction *action,
                             GVariant      *parameter,
                             gpointer       user_data)
{
  EpApplication *self = user_data;
  GtkWindow *parent = gtk_application_get_active_window (GTK_APPLICATION (self));
  static const char *developers[] = { "The Epistle developers", NULL };

#if ADW_CHECK_VERSION (1, 5, 0)
  AdwDialog *about = adw_about_dialog_new ();

  adw_about_dialog_set_application_name (ADW_ABOUT_DIALOG (about), _("Epistle"));
  adw_about_dialog_set_application_icon (ADW_ABOUT_DIALOG (about), APP_ID);
  adw_about_dialog_set_version (ADW_ABOUT_DIALOG (about), PACKAGE_VERSION);
  adw_about_dialog_set_developer_name (ADW_ABOUT_DIALOG (about), _("The Epistle developers"));
  adw_about_dialog_set_developers (ADW_ABOUT_DIALOG (about), developers);
  adw_about_dialog_set_license_type (ADW_ABOUT_DIALOG (about), GTK_LICENSE_GPL_3_0);
  adw_about_dialog_set_comments (ADW_ABOUT_DIALOG (about),
                                 _("Compose e-mail and send it over SMTP, and see exactly what happens."));
  adw_about_dialog_set_website (ADW_ABOUT_DIALOG (about), "https://github.com/epistlemail/epistle");
  adw_about_dialog_set_issue_url (ADW_ABOUT_DIALOG (about), "https://github.com/epistlemail/epistle/issues");
  /* Translators: put your names here, one per line. */
  adw_about_dialog_set_translator_credits (ADW_ABOUT_DIALOG (about), _("translator-credits"));
  adw_dialog_present (about, parent ? GTK_WIDGET (parent) : NULL);
#else
  GtkWidget *about = adw_about_window_new ();

  gtk_window_set_transient_for (GTK_WINDOW (about), parent);
  gtk_window_set_modal (GTK_WINDOW (about), TRUE);
  adw_about_window_set_application_name (ADW_ABOUT_WINDOW (about), _("Epistle"));
  adw_about_window_set_application_icon (ADW_ABOUT_WINDOW (about), APP_ID);
  adw_about_window_set_version (ADW_ABOUT_WINDOW (about), PACKAGE_VERSION);
  adw_about_window_set_developer_name (ADW_ABOUT_WINDOW (about), _("The Epistle developers"));
  adw_about_window_set_developers (ADW_ABOUT_WINDOW (about), developers);
  adw_about_window_set_license_type (ADW_ABOUT_WINDOW (about), GTK_LICENSE_GPL_3_0);
  adw_about_window_set_comments (ADW_ABOUT_WINDOW (about),
                                 _("Compose e-mail and send it over SMTP, and see exactly what happens."));
  adw_about_window_set_website (ADW_ABOUT_WINDOW (about), "https://github.com/epistlemail/epistle");
  adw_about_window_set_issue_url (ADW_ABOUT_WINDOW (about), "https://github.com/epistlemail/epistle/issues");
  /* Translators: put your names here, one per line. */
  adw_about_window_set_translator_credits (ADW_ABOUT_WINDOW (about), _("translator-credits"));
  gtk_window_present (GTK_WINDOW (about));
#endif
}

static void
ep_application_show_mailbox (EpApplication *self,
                             EpMailboxKind  kind)
{
  GList *windows = gtk_application_get_windows (GTK_APPLICATION (self));
  EpMailboxWindow *window = NULL;

  /* One window per mailbox. */
  for (GList *l = windows; l != NULL; l = l->next)
    if (EP_IS_MAILBOX_WINDOW (l->data) && ep_mailbox_window_get_kind (l->data) == kind)
      window = l->data;
  if (window == NULL)
    window = ep_mailbox_window_new (GTK_APPLICATION (self), kind);
  gtk_window_present (GTK_WINDOW (window));
}

static void
ep_application_sandbox_inbox_action (GSimpleAction *action,
                                     GVariant      *parameter,
                                     gpointer       user_data)
{
  ep_application_show_mailbox (user_data, EP_MAILBOX_SANDBOX);
}

static void
ep_application_sent_action (GSimpleAction *action,
                            GVariant      *parameter,
                            gpointer       user_data)
{
  ep_application_show_mailbox (user_data, EP_MAILBOX_SENT);
}

static void
ep_application_quit_action (GSimpleAction *action,
                            GVariant      *parameter,
                            gpointer       user_data)
{
  EpApplication *self = user_data;
  GList *windows = gtk_application_get_windows (GTK_APPLICATION (self));

  /* Close each window so that it can ask about unsent content. */
  for (GList *l = windows; l != NULL;)
    {
      GtkWindow *window = l->data;
      l = l->next;
      gtk_window_close (window);
    }
}

/* Server Profiles: app.profiles opens the list, app.edit-profile('ID') the editor on one profile
 * (the send error's "Edit Profile"), app.setup-server a new profile (first run). */
static void
ep_application_profiles_action (GSimpleAction *action,
                                GVariant      *parameter,
                                gpointer       user_data)
{
  EpApplication *self = user_data;
  GtkWindow *parent = gtk_application_get_active_window (GTK_APPLICATION (self));
  EpProfile *profile = NULL;

  if (parameter != NULL)
    profile = ep_profile_store_lookup_by_id (self->profiles, g_variant_get_string (parameter, NULL));
  ep_profiles_dialog_present (parent, self->profiles, profile);
}

static void
ep_application_setup_manually_cb (EpSetupWindow *window,
                                  EpProfile     *values,
                                  const char    *password,
                                  EpApplication *self)
{
  GtkWindow *parent = gtk_window_get_transient_for (GTK_WINDOW (window));
  EpProfilesDialog *dialog = ep_profiles_dialog_present (parent, self->profiles, NULL);

  ep_profiles_dialog_add_prefilled (dialog, values, password);
}

/* Set-up from an e-mail address, over @parent; the manual editor in Server Profiles from there. */
static EpSetupWindow *
ep_application_present_setup (EpApplication *self,
                              GtkWindow     *parent)
{
  EpSetupWindow *window = ep_setup_window_new (parent, self->profiles);

  g_signal_connect_object (window, "set-up-manually", G_CALLBACK (ep_application_setup_manually_cb),
                           self, 0);
  gtk_window_present (GTK_WINDOW (window));
  return window;
}

static void
ep_application_setup_server_action (GSimpleAction *action,
                                    GVariant      *parameter,
                                    gpointer       user_data)
{
  EpApplication *self = user_data;

  ep_application_present_setup (self, gtk_application_get_active_window (GTK_APPLICATION (self)));
}

static void
ep_application_setup_closed_cb (EpApplication *self)
{
  g_settings_set_boolean (self->settings, "setup-dismissed", TRUE);
}

static void
ep_application_outbox_action (GSimpleAction *action,
                              GVariant      *parameter,
                              gpointer       user_data)
{
  EpApplication *self = user_data;
  GList *windows = gtk_application_get_windows (GTK_APPLICATION (self));
  EpOutboxWindow *window = NULL;

  /* One Outbox window. */
  for (GList *l = windows; l != NULL; l = l->next)
    if (EP_IS_OUTBOX_WINDOW (l->data))
      window = l->data;
  if (window == NULL)
    window = ep_outbox_window_new (GTK_APPLICATION (self), self->outbox_worker);
  gtk_window_present (GTK_WINDOW (window));
}

/* A saved draft in a compose window of its own: Edit in the Outbox, Keep as Draft. */
static void
ep_application_open_draft_action (GSimpleAction *action,
                                  GVariant      *parameter,
                                  gpointer       user_data)
{
  EpApplication *self = user_data;
  g_autoptr(EpDraftStore) store = ep_draft_store_new (NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(EpDraft) draft = ep_draft_store_load (store, g_variant_get_string (parameter, NULL), &error);
  EpWindow *window = ep_application_new_window (self);

  if (draft != NULL)
    ep_window_load_draft (window, draft);
  else
    ep_window_show_toast (window, error->message);
  gtk_window_present (GTK_WINDOW (window));
}

static const GActionEntry app_actions[] = {
  { "new-message", ep_application_new_message_action },
  { "about", ep_application_about_action },
  { "sandbox-inbox", ep_application_sandbox_inbox_action },
  { "sent", ep_application_sent_action },
  { "profiles", ep_application_profiles_action },
  { "edit-profile", ep_application_profiles_action, "s" },
  { "setup-server", ep_application_setup_server_action },
  { "outbox", ep_application_outbox_action },
  { "open-draft", ep_application_open_draft_action, "s" },
  { "quit", ep_application_quit_action },
};


/* A mailto: link or a file from the command line, a launcher or D-Bus. Returns FALSE with
 * @error for a link that cannot be used. */
static gboolean
ep_application_open_one (EpApplication  *self,
                         EpWindow      **window,
                         GFile          *file,
                         GError        **error)
{
  if (g_file_has_uri_scheme (file, "mailto"))
    {
      g_autofree char *uri = g_file_get_uri (file);
      g_autoptr(EpMailto) mailto = ep_mailto_parse (uri, error);

      if (mailto == NULL)
        return FALSE;
      /* Each link is its own message. */
      *window = ep_application_new_window (self);
      ep_window_apply_mailto (*window, mailto);
      gtk_window_present (GTK_WINDOW (*window));
      return TRUE;
    }

  if (*window == NULL)
    *window = ep_application_new_window (self);
  ep_window_add_file (*window, file, NULL);
  gtk_window_present (GTK_WINDOW (*window));
  return TRUE;
}

static void
ep_application_open (GApplication  *app,
                     GFile        **files,
                     int            n_files,
                     const char    *hint)
{
  EpApplication *self = EP_APPLICATION (app);
  EpWindow *window = NULL;

  for (int i = 0; i < n_files; i++)
    {
      g_autoptr(GError) error = NULL;

      if (!ep_application_open_one (self, &window, files[i], &error))
        {
          if (window == NULL)
            window = ep_application_new_window (self);
          ep_window_show_toast (window, error->message);
          gtk_window_present (GTK_WINDOW (window));
        }
    }
}

static int
ep_application_command_line (GApplication            *app,
                             GApplicationCommandLine *cmdline)
{
  EpApplication *self = EP_APPLICATION (app);
  GVariantDict *options = g_application_command_line_get_options_dict (cmdline);
  g_autofree const char **attach = NULL;
  g_autofree const char **remaining = NULL;
  gboolean new_message = FALSE;
  EpWindow *window = NULL;
  int status = 0;

  g_variant_dict_lookup (options, "attach", "^a&ay", &attach);
  g_variant_dict_lookup (options, G_OPTION_REMAINING, "^a&ay", &remaining);
  g_variant_dict_lookup (options, "new-message", "b", &new_message);

  for (guint i = 0; remaining != NULL && remaining[i] != NULL; i++)
    {
      g_autoptr(GFile) file = NULL;
      g_autoptr(GError) error = NULL;

      if (g_ascii_strncasecmp (remaining[i], "mailto:", 7) == 0)
        file = g_file_new_for_uri (remaining[i]);
      else
        file = g_application_command_line_create_file_for_arg (cmdline, remaining[i]);

      if (!ep_application_open_one (self, &window, file, &error))
        {
          g_application_command_line_printerr (cmdline, "epistle: %s\n", error->message);
          status = 65;
        }
    }

  for (guint i = 0; attach != NULL && attach[i] != NULL; i++)
    {
      g_autoptr(GFile) file = g_application_command_line_create_file_for_arg (cmdline, attach[i]);

      if (window == NULL)
        window = ep_application_new_window (self);
      ep_window_add_file (window, file, NULL);
    }

  if (window != NULL)
    gtk_window_present (GTK_WINDOW (window));
  else if (new_message)
    gtk_window_present (GTK_WINDOW (ep_application_new_window (self)));
  else if (status == 0)
    g_application_activate (app);

  return status;
}

static int
ep_application_handle_local_options (GApplication *app,
                                     GVariantDict *options)
{
  if (g_variant_dict_contains (options, "version"))
    {
      g_print ("epistle %s\n", ep_engine_version ());
      return 0;
    }

  return G_APPLICATION_CLASS (ep_application_parent_class)->handle_local_options (app, options);
}

/* After a crash, a kill or a quit with drafts kept: every draft opens again in its own window.
 * Returns the number of windows opened. */
static guint
ep_application_restore_drafts (EpApplication *self)
{
  g_autoptr(EpDraftStore) store = ep_draft_store_new (NULL);
  g_autoptr(GPtrArray) problems = NULL;
  g_autoptr(GPtrArray) drafts = NULL;
  g_autoptr(GError) error = NULL;
  EpWindow *last = NULL;

  if (self->drafts_restored)
    return 0;
  self->drafts_restored = TRUE;

  drafts = ep_draft_store_list (store, &problems, &error);
  if (drafts == NULL)
    return 0;
  for (guint i = 0; i < drafts->len; i++)
    {
      last = ep_application_new_window (self);
      ep_window_load_draft (last, drafts->pdata[i]);
      gtk_window_present (GTK_WINDOW (last));
    }
  /* A damaged draft was moved aside by the store, never deleted: say where. */
  if (last != NULL && problems != NULL && problems->len > 0)
    {
      for (guint i = 0; i < problems->len; i++)
        ep_window_show_toast (last, ((GError *) problems->pdata[i])->message);
    }
  return drafts->len;
}

static void
ep_application_activate (GApplication *app)
{
  EpApplication *self = EP_APPLICATION (app);
  GtkWindow *window;

  if (ep_application_restore_drafts (self) > 0)
    return;

  window = gtk_application_get_active_window (GTK_APPLICATION (app));
  if (window == NULL)
    {
      window = GTK_WINDOW (ep_application_new_window (self));
      gtk_window_present (window);
      /* The first start: sending anywhere but the Sandbox needs a real account, so the way to
       * one comes first. Closed once, it stays closed (the Sandbox banner still offers it). */
      if (ep_application_offers_setup (self))
        {
          EpSetupWindow *setup = ep_application_present_setup (self, window);

          g_signal_connect_object (setup, "destroy", G_CALLBACK (ep_application_setup_closed_cb), self,
                                   G_CONNECT_SWAPPED);
        }
      return;
    }

  gtk_window_present (window);
}

/* Pasted images that an earlier session left behind (it crashed, or a file could not be
 * removed) and that no saved draft needs. Young ones stay: another instance may be writing one. */
static void
ep_application_clean_image_cache (void)
{
  g_autoptr(EpDraftStore) store = ep_draft_store_new (NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GHashTable) kept = ep_draft_store_dup_attachment_uris (store, NULL, &error);

  if (kept == NULL)
    g_debug ("cached images kept: %s", error->message);
  else
    ep_image_cache_clean (kept, EP_IMAGE_CACHE_STALE_AGE);
}

static gboolean
ep_application_ask_overdue_cb (gpointer user_data)
{
  EpApplication *self = user_data;
  g_autoptr(GPtrArray) overdue = g_steal_pointer (&self->overdue);
  GtkWindow *parent = gtk_application_get_active_window (GTK_APPLICATION (self));

  self->overdue_source = 0;
  if (parent == NULL && gtk_application_get_windows (GTK_APPLICATION (self)) != NULL)
    parent = gtk_application_get_windows (GTK_APPLICATION (self))->data;
  ep_outbox_overdue_present (parent, self->outbox_worker, overdue);
  return G_SOURCE_REMOVE;
}

/* The question waits for a window to stand on; asked once, after the window is shown. */
static void
ep_application_window_added_cb (GtkApplication *app,
                                GtkWindow      *window,
                                gpointer        user_data)
{
  EpApplication *self = EP_APPLICATION (app);

  g_signal_handlers_disconnect_by_func (app, ep_application_window_added_cb, user_data);
  if (self->overdue != NULL && self->overdue_source == 0)
    self->overdue_source = g_idle_add (ep_application_ask_overdue_cb, self);
}

static void
ep_application_goa_loaded_cb (GObject      *source,
                              GAsyncResult *result,
                              gpointer      user_data)
{
  g_autoptr(EpApplication) self = user_data;

  /* Never fails but when cancelled, and nothing cancels it. */
  ep_goa_accounts_load_finish (EP_GOA_ACCOUNTS (source), result, NULL);
  ep_application_default_to_goa (self);
  if (self->outbox_worker != NULL)
    ep_outbox_worker_start (self->outbox_worker);
}

static void
ep_application_startup (GApplication *app)
{
  static const char *new_accels[] = { "<Control>n", NULL };
  static const char *quit_accels[] = { "<Control>q", NULL };
  static const char *close_accels[] = { "<Control>w", NULL };
  static const char *send_accels[] = { "<Control>Return", NULL };
  static const char *attach_accels[] = { "<Control><Shift>a", NULL };
  EpApplication *self = EP_APPLICATION (app);

  G_APPLICATION_CLASS (ep_application_parent_class)->startup (app);
  ep_application_clean_image_cache ();

  /* A damaged profiles.ini is moved aside by the store, never overwritten; say so later. */
  ep_profile_store_load (self->profiles, &self->profiles_error);
  /* The default profile is a preference: GSettings holds it, both ways (carried over once from
   * profiles.ini, where the first development versions kept it). */
  self->settings = g_settings_new (APP_ID);
  {
    g_autofree char *legacy = ep_profile_store_take_legacy_default_id (self->profiles);
    g_autoptr(GVariant) user_value = g_settings_get_user_value (self->settings, "default-profile");

    if (legacy != NULL && user_value == NULL)
      g_settings_set_string (self->settings, "default-profile", legacy);
  }
  g_settings_bind (self->settings, "default-profile", self->profiles, "default-id",
                   G_SETTINGS_BIND_DEFAULT);

  /* Messages left in the Outbox by an earlier run (a crash during the undo time included) go
   * out now, without a window. */
  {
    g_autoptr(EpOutboxStore) outbox = ep_outbox_store_new (NULL);

    g_autoptr(GDateTime) now = g_date_time_new_now_utc ();

    self->outbox_worker = ep_outbox_worker_new (outbox, self->profiles);
    ep_outbox_worker_attach (self->outbox_worker, app);
    /* Started once Online Accounts' profiles are listed (at once without the service), so
     * that a message queued with one of them finds it. */
    self->goa = ep_goa_accounts_new (self->profiles);
    ep_goa_accounts_load_async (self->goa, NULL, ep_application_goa_loaded_cb, g_object_ref (self));
    /* Send Later times that passed while Epistle was not running (and server holds that never
     * reached the server): the worker leaves them held, and the person is asked once the first
     * window is up. */
    ep_outbox_overdue_hold_missed (outbox, now);
    self->overdue = ep_outbox_overdue_list (outbox, now);
    if (self->overdue->len > 0)
      g_signal_connect (app, "window-added", G_CALLBACK (ep_application_window_added_cb), NULL);
    else
      g_clear_pointer (&self->overdue, g_ptr_array_unref);
  }

  g_action_map_add_action_entries (G_ACTION_MAP (app), app_actions,
                                   G_N_ELEMENTS (app_actions), app);
  gtk_application_set_accels_for_action (GTK_APPLICATION (app), "app.new-message", new_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (app), "app.quit", quit_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (app), "window.close", close_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (app), "win.send", send_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (app), "win.attach", attach_accels);
}

static void
ep_application_finalize (GObject *object)
{
  EpApplication *self = EP_APPLICATION (object);

  g_clear_handle_id (&self->overdue_source, g_source_remove);
  g_clear_pointer (&self->overdue, g_ptr_array_unref);
  g_clear_object (&self->outbox_worker);
  g_clear_object (&self->settings);
  g_clear_object (&self->goa);
  g_clear_object (&self->profiles);
  g_clear_error (&self->profiles_error);

  G_OBJECT_CLASS (ep_application_parent_class)->finalize (object);
}

static void
ep_application_class_init (EpApplicationClass *klass)
{
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);

  G_OBJECT_CLASS (klass)->finalize = ep_application_finalize;

  /* Registered by hand: a constructor in a static library is dropped by the linker. */
  ep_register_resource ();

  app_class->activate = ep_application_activate;
  app_class->startup = ep_application_startup;
  app_class->handle_local_options = ep_application_handle_local_options;
  app_class->command_line = ep_application_command_line;
  app_class->open = ep_application_open;
}

static void
ep_application_init (EpApplication *self)
{
  static const GOptionEntry entries[] = {
    { "version", 0, 0, G_OPTION_ARG_NONE, NULL, N_("Print the version and exit"), NULL },
    { "new-message", 0, 0, G_OPTION_ARG_NONE, NULL, N_("Open a new compose window"), NULL },
    { "attach", 'a', 0, G_OPTION_ARG_FILENAME_ARRAY, NULL, N_("Attach FILE to a new message"), N_("FILE") },
    { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_FILENAME_ARRAY, NULL, NULL, N_("[mailto:…|FILE…]") },
    G_OPTION_ENTRY_NULL
  };

  g_application_add_main_option_entries (G_APPLICATION (self), entries);
  self->profiles = ep_profile_store_new (NULL);
}

EpProfileStore *
ep_application_get_profile_store (EpApplication *self)
{
  g_return_val_if_fail (EP_IS_APPLICATION (self), NULL);
  return self->profiles;
}

EpOutboxWorker *
ep_application_get_outbox_worker (EpApplication *self)
{
  g_return_val_if_fail (EP_IS_APPLICATION (self), NULL);
  return self->outbox_worker;
}

EpApplication *
ep_application_new (void)
{
  return g_object_new (EP_TYPE_APPLICATION,
                       "application-id", APP_ID,
                       "flags", G_APPLICATION_HANDLES_COMMAND_LINE | G_APPLICATION_HANDLES_OPEN,
                       "resource-base-path", "/io/github/epistlemail/Epistle",
                       NULL);
}

/* Whether a start offers set-up from an e-mail address: no profile but the Sandbox, and the
 * offer was never closed. The tests of the whole app, which start it many times in fresh homes,
 * say EPISTLE_NO_FIRST_RUN_SETUP=1. */
gboolean
ep_application_offers_setup (EpApplication *self)
{
  g_return_val_if_fail (EP_IS_APPLICATION (self), FALSE);

  if (g_strcmp0 (g_getenv ("EPISTLE_NO_FIRST_RUN_SETUP"), "1") == 0)
    return FALSE;
  /* An Online Accounts account to send with is set up already. */
  if (ep_profile_store_is_external (self->profiles, ep_profile_store_get_default (self->profiles)))
    return FALSE;
  return g_list_model_get_n_items (ep_profile_store_list (self->profiles)) <= 1 &&
         !g_settings_get_boolean (self->settings, "setup-dismissed");
}

/* Zero set-up: when the person never chose a default and has no profile of their own, the first
 * Online Accounts mail account that Epistle can use is the one to send with (and stays chosen,
 * as if picked in Server Profiles). */
gboolean
ep_application_default_to_goa (EpApplication *self)
{
  GListModel *profiles = ep_profile_store_list (self->profiles);
  g_autoptr(GVariant) chosen = g_settings_get_user_value (self->settings, "default-profile");
  EpProfile *usable = NULL;

  g_return_val_if_fail (EP_IS_APPLICATION (self), FALSE);

  if (chosen != NULL)
    return FALSE;
  for (guint i = 0; i < g_list_model_get_n_items (profiles); i++)
    {
      g_autoptr(EpProfile) profile = g_list_model_get_item (profiles, i);
      EpGoaAccount *account;   /* borrowed */
      g_autofree char *problem = NULL;

      if (ep_profile_get_is_sandbox (profile))
        continue;
      if (!ep_profile_store_is_external (self->profiles, profile))
        return FALSE;   /* a profile of their own: their choice, not ours */
      account = ep_goa_account_from_profile (profile);
      if (account != NULL)
        problem = ep_goa_account_dup_problem (account);
      if (usable == NULL && account != NULL && problem == NULL)
        usable = profile;
    }
  return usable != NULL && ep_profile_store_set_default (self->profiles, usable, NULL);
}
