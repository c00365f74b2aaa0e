/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-window-profile.c: which server profile the message goes through, and the From it suggests. */
#include "config.h"

#include <string.h>
#include <glib/gi18n.h>

#include "ep-goa-ui.h"
#include "ep-profile-store.h"
#include "ep-sandbox-server.h"
#include "ep-window-private.h"

static EpProfileStore *
get_store (EpWindow *self)
{
  return self->store;
}

/* What From says when the user has not typed one: the profile's identity. The Sandbox has
 * none; a local address keeps it usable the moment Epistle starts. */
static char *
suggested_from (EpProfile *profile)
{
  g_autoptr(EpIdentity) identity = ep_profile_dup_default_identity (profile);
  const char *name = ep_profile_get_sender_name (profile);
  const char *address = ep_profile_get_sender_address (profile);

  if (identity != NULL)
    return ep_identity_dup_from (identity);
  if (address == NULL || *address == '\0')
    {
      if (!ep_profile_get_is_sandbox (profile))
        return NULL;
      return g_strdup_printf ("%s <%s@localhost>", g_get_real_name (), g_get_user_name ());
    }
  if (name != NULL && *name != '\0')
    {
      /* Quoted when it holds characters that are special in an address list. */
      if (strpbrk (name, ",;<>@\"()[]:\\.") != NULL)
        {
          g_autoptr(GString) quoted = g_string_new ("\"");
          for (const char *p = name; *p; p++)
            {
              if (*p == '"' || *p == '\\')
                g_string_append_c (quoted, '\\');
              g_string_append_c (quoted, *p);
            }
          g_string_append_c (quoted, '"');
          return g_strdup_printf ("%s <%s>", quoted->str, address);
        }
      return g_strdup_printf ("%s <%s>", name, address);
    }
  return g_strdup (address);
}

static void
apply_profile (EpWindow  *self,
               EpProfile *profile)
{
  const char *from = gtk_editable_get_text (GTK_EDITABLE (self->from_entry));
  g_autofree char *suggestion = suggested_from (profile);

  g_free (self->profile_id);
  self->profile_id = g_strdup (ep_profile_get_id (profile));
  /* Say plainly where messages go while the Sandbox is chosen, and offer a real server. */
  gtk_revealer_set_reveal_child (self->sandbox_revealer, ep_profile_get_is_sandbox (profile));
  /* The Sandbox's limit is known without asking it. */
  if (ep_profile_get_is_sandbox (profile))
    ep_window_set_size_limit (self, ep_sandbox_server_get_size_limit (ep_sandbox_server_get_default ()));
  else
    ep_window_set_size_limit (self, ep_profile_get_size_limit (profile));

  /* Only replace a From we filled in ourselves. */
  if (suggestion != NULL && (*from == '\0' || g_strcmp0 (from, self->auto_from) == 0))
    {
      gtk_editable_set_text (GTK_EDITABLE (self->from_entry), suggestion);
      g_free (self->auto_from);
      self->auto_from = g_steal_pointer (&suggestion);
    }
}

/* The profile a window wants (a draft's, or the default) may be listed only later: GNOME Online
 * Accounts' profiles come once the service has answered, after the first window may be up.
 * Until the person picks another one, the window switches to it when it appears. */
#define WANTED_KEY       "ep-profile-wanted"
#define AUTO_SELECT_KEY  "ep-profile-auto-select"

static void
selected_changed_cb (EpWindow *self)
{
  EpProfile *profile = ep_window_get_profile (self);

  if (profile != NULL)
    {
      if (g_object_get_data (G_OBJECT (self), AUTO_SELECT_KEY) == NULL &&
          g_strcmp0 (ep_profile_get_id (profile), self->profile_id) != 0)
        g_object_set_data (G_OBJECT (self), WANTED_KEY, NULL);
      apply_profile (self, profile);
      ep_window_identity_profile_changed (self);
      ep_window_schedule_draft_save (self);
    }
}

static guint
find_profile (GListModel *model,
              const char *id)
{
  guint n = g_list_model_get_n_items (model);

  for (guint i = 0; id != NULL && i < n; i++)
    {
      g_autoptr(EpProfile) p = g_list_model_get_item (model, i);

      if (g_strcmp0 (ep_profile_get_id (p), id) == 0)
        return i;
    }
  return GTK_INVALID_LIST_POSITION;
}

static void
profiles_changed_cb (EpWindow   *self,
                     guint       position,
                     guint       removed,
                     guint       added,
                     GListModel *model)
{
  const char *wanted = g_object_get_data (G_OBJECT (self), WANTED_KEY);
  guint found;

  if (wanted == NULL || added == 0)
    return;
  found = find_profile (model, wanted);
  if (found == GTK_INVALID_LIST_POSITION)
    return;
  g_object_set_data (G_OBJECT (self), AUTO_SELECT_KEY, GINT_TO_POINTER (TRUE));
  gtk_drop_down_set_selected (self->profile_dropdown, found);
  g_object_set_data (G_OBJECT (self), AUTO_SELECT_KEY, NULL);
  g_object_set_data (G_OBJECT (self), WANTED_KEY, NULL);
}

void
ep_window_profile_setup (EpWindow *self)
{
  EpProfileStore *store = get_store (self);
  g_autoptr(GtkExpression) expression = NULL;
  GListModel *model;
  EpProfile *fallback;
  guint position;

  if (store == NULL)
    return;

  model = ep_profile_store_list (store);
  expression = gtk_property_expression_new (EP_TYPE_PROFILE, NULL, "name");
  gtk_drop_down_set_expression (self->profile_dropdown, expression);
  gtk_drop_down_set_model (self->profile_dropdown, model);
  /* The list says which profiles come from Online Accounts, and why one is not used. */
  {
    g_autoptr(GtkListItemFactory) factory = ep_goa_ui_profile_factory ();

    gtk_drop_down_set_list_factory (self->profile_dropdown, factory);
  }

  position = find_profile (model, self->profile_id);
  {
    const char *wanted = self->profile_id != NULL ? self->profile_id : ep_profile_store_get_default_id (store);

    if (position == GTK_INVALID_LIST_POSITION && *wanted != '\0' &&
        find_profile (model, wanted) == GTK_INVALID_LIST_POSITION)
      {
        g_object_set_data_full (G_OBJECT (self), WANTED_KEY, g_strdup (wanted), g_free);
        g_signal_connect_object (model, "items-changed", G_CALLBACK (profiles_changed_cb), self,
                                 G_CONNECT_SWAPPED);
      }
  }
  if (position == GTK_INVALID_LIST_POSITION)
    {
      fallback = ep_profile_store_get_default (store);
      position = find_profile (model, fallback ? ep_profile_get_id (fallback) : NULL);
    }
  if (position == GTK_INVALID_LIST_POSITION)
    position = 0;

  gtk_drop_down_set_selected (self->profile_dropdown, position);
  g_signal_connect_swapped (self->profile_dropdown, "notify::selected",
                            G_CALLBACK (selected_changed_cb), self);
  if (ep_window_get_profile (self) != NULL)
    {
      self->loading_draft = TRUE;
      apply_profile (self, ep_window_get_profile (self));
      self->loading_draft = FALSE;
    }
}

EpProfile *
ep_window_get_profile (EpWindow *self)
{
  g_return_val_if_fail (EP_IS_WINDOW (self), NULL);
  return gtk_drop_down_get_selected_item (self->profile_dropdown);
}

void
ep_window_set_profile (EpWindow  *self,
                       EpProfile *profile)
{
  GListModel *model;
  guint position;

  g_return_if_fail (EP_IS_WINDOW (self));
  g_return_if_fail (EP_IS_PROFILE (profile));

  model = gtk_drop_down_get_model (self->profile_dropdown);
  position = model ? find_profile (model, ep_profile_get_id (profile)) : GTK_INVALID_LIST_POSITION;
  if (position != GTK_INVALID_LIST_POSITION)
    gtk_drop_down_set_selected (self->profile_dropdown, position);
}
