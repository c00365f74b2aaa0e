/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-application.c: the single-instance Epistle application and its app-wide actions. */
#include "config.h"

#include <glib/gi18n.h>

#include "ep-application.h"
#include "ep-resources.h"
#include "ep-engine.h"
#include "ep-window.h"

struct _EpApplication
{
  AdwApplication parent_instance;
};

G_DEFINE_FINAL_TYPE (EpApplication, ep_application, ADW_TYPE_APPLICATION)

static void
ep_application_new_message_action (GSimpleAction *action,
                                   GVariant      *parameter,
                                   gpointer       user_data)
{
  EpApplication *self = user_data;
  EpWindow *window;

  window = ep_window_new (ADW_APPLICATION (self));
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

static const GActionEntry app_actions[] = {
  { "new-message", ep_application_new_message_action },
  { "about", ep_application_about_action },
  { "quit", ep_application_quit_action },
};

static EpWindow *
ep_application_new_window (EpApplication *self)
{
  return ep_window_new (ADW_APPLICATION (self));
}

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

static void
ep_application_activate (GApplication *app)
{
  GtkWindow *window;

  window = gtk_application_get_active_window (GTK_APPLICATION (app));
  if (window == NULL)
    window = GTK_WINDOW (ep_window_new (ADW_APPLICATION (app)));

  gtk_window_present (window);
}

static void
ep_application_startup (GApplication *app)
{
  static const char *new_accels[] = { "<Control>n", NULL };
  static const char *quit_accels[] = { "<Control>q", NULL };
  static const char *close_accels[] = { "<Control>w", NULL };
  static const char *send_accels[] = { "<Control>Return", NULL };
  static const char *attach_accels[] = { "<Control><Shift>a", NULL };

  G_APPLICATION_CLASS (ep_application_parent_class)->startup (app);

  g_action_map_add_action_entries (G_ACTION_MAP (app), app_actions,
                                   G_N_ELEMENTS (app_actions), app);
  gtk_application_set_accels_for_action (GTK_APPLICATION (app), "app.new-message", new_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (app), "app.quit", quit_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (app), "window.close", close_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (app), "win.send", send_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (app), "win.attach", attach_accels);
}

static void
ep_application_class_init (EpApplicationClass *klass)
{
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);

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
