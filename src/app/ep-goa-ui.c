/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-goa-ui.c: profiles from GNOME Online Accounts in the app (see ep-goa-ui.h). */
#include "config.h"

#include <glib/gi18n.h>

#include "ep-goa-account.h"
#include "ep-goa-ui.h"

/* GNOME Settings and its panel for Online Accounts. */
#define SETTINGS_PROGRAM "gnome-control-center"
#define SETTINGS_PANEL   "online-accounts"

/* ---- The drop-down's rows -------------------------------------------------------------------- */

static void
setup_cb (GtkSignalListItemFactory *factory,
          GtkListItem              *item,
          gpointer                  user_data)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  GtkWidget *name = gtk_label_new (NULL);
  GtkWidget *origin = gtk_label_new (NULL);

  gtk_label_set_xalign (GTK_LABEL (name), 0);
  gtk_label_set_xalign (GTK_LABEL (origin), 0);
  gtk_label_set_wrap (GTK_LABEL (origin), TRUE);
  gtk_label_set_max_width_chars (GTK_LABEL (origin), 40);
  gtk_widget_add_css_class (origin, "caption");
  gtk_widget_add_css_class (origin, "dim-label");
  gtk_box_append (GTK_BOX (box), name);
  gtk_box_append (GTK_BOX (box), origin);
  gtk_list_item_set_child (item, box);
}

static void
bind_cb (GtkSignalListItemFactory *factory,
         GtkListItem              *item,
         gpointer                  user_data)
{
  EpProfile *profile = gtk_list_item_get_item (item);
  GtkWidget *box = gtk_list_item_get_child (item);
  GtkWidget *name = gtk_widget_get_first_child (box);
  GtkWidget *origin = gtk_widget_get_next_sibling (name);
  EpGoaAccount *account = ep_goa_account_from_profile (profile);
  g_autofree char *problem = account != NULL ? ep_goa_account_dup_problem (account) : NULL;

  gtk_label_set_text (GTK_LABEL (name), ep_profile_get_name (profile));
  gtk_widget_set_visible (origin, account != NULL);
  if (account != NULL)
    gtk_label_set_text (GTK_LABEL (origin), problem != NULL ? problem : _("From GNOME Online Accounts"));
  /* Shown, so that the person sees it is there and why it is not used; a send with it fails
   * with the same reason. */
  if (problem != NULL)
    gtk_widget_add_css_class (name, "dim-label");
  else
    gtk_widget_remove_css_class (name, "dim-label");
}

/* ---- Public API ------------------------------------------------------------------------------ */

gboolean
ep_goa_ui_is_goa (EpProfile *profile)
{
  return ep_goa_account_from_profile (profile) != NULL;
}

gboolean
ep_goa_ui_is_usable (EpProfile *profile)
{
  EpGoaAccount *account = ep_goa_account_from_profile (profile);
  g_autofree char *problem = account != NULL ? ep_goa_account_dup_problem (account) : NULL;

  return problem == NULL;
}

char *
ep_goa_ui_dup_subtitle (EpProfile  *profile,
                        const char *server)
{
  EpGoaAccount *account = ep_goa_account_from_profile (profile);
  g_autofree char *problem = NULL;
  g_autofree char *provider = NULL;

  g_return_val_if_fail (account != NULL, NULL);

  problem = ep_goa_account_dup_problem (account);
  if (problem != NULL)
    /* Translators: a profile from GNOME Online Accounts that is not used, and why */
    return g_strdup_printf (_("From GNOME Online Accounts · not used: %s"), problem);
  provider = ep_goa_account_dup_provider_name (account);
  if (ep_goa_account_get_attention_needed (account))
    /* Translators: %s is the provider ("Google") */
    return g_strdup_printf (_("From GNOME Online Accounts · %s · sign in again in Settings → Online Accounts"),
                            provider);
  /* Its token is for Microsoft Graph: said before a send fails with it, not only after. */
  if (ep_goa_account_get_is_microsoft_365 (account))
    /* Translators: %s is the provider ("Microsoft 365"), then its server */
    return g_strdup_printf (_("From GNOME Online Accounts · %s · %s · signed in for Microsoft Graph, "
                              "which may not send mail over SMTP: if sending fails, add the account "
                              "in Epistle and sign in there"), provider, server);
  /* Translators: where a profile comes from; %s: the provider ("Google"), then its server
   * ("smtp.gmail.com:587 · STARTTLS") */
  return g_strdup_printf (_("From GNOME Online Accounts · %s · %s"), provider, server);
}

gboolean
ep_goa_ui_can_open_settings (void)
{
  g_autofree char *path = g_find_program_in_path (SETTINGS_PROGRAM);

  return path != NULL;
}

gboolean
ep_goa_ui_open_settings (GError **error)
{
  const char *argv[] = { SETTINGS_PROGRAM, SETTINGS_PANEL, NULL };

  return g_spawn_async (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, error);
}

GtkListItemFactory *
ep_goa_ui_profile_factory (void)
{
  GtkListItemFactory *factory = gtk_signal_list_item_factory_new ();

  g_signal_connect (factory, "setup", G_CALLBACK (setup_cb), NULL);
  g_signal_connect (factory, "bind", G_CALLBACK (bind_cb), NULL);
  return factory;
}
