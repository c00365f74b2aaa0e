/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-keyring-row.c: asks (off the main thread) whether a Secret Service is there, then whether
 * it holds a password for the profile, and says so; Forget removes that password. Only whether
 * there is one is kept: the row never holds or shows a saved password. */
#include "config.h"

#include <glib/gi18n.h>

#include "ep-keyring-row.h"
#include "ep-secrets.h"
#include "ep-store-error.h"

struct _EpKeyringRow
{
  AdwActionRow    parent_instance;

  /* Template widgets */
  GtkImage       *icon;
  GtkButton      *forget_button;

  char           *profile_id;    /* nullable: a profile not saved yet has nothing in the keyring */
  GCancellable   *cancellable;
  EpKeyringState  state;
  gboolean        has_stored_password;
};

G_DEFINE_FINAL_TYPE (EpKeyringRow, ep_keyring_row, ADW_TYPE_ACTION_ROW)

static void
show_toast (EpKeyringRow *self,
            const char   *text)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));

  if (ADW_IS_PREFERENCES_WINDOW (root))
    adw_preferences_window_add_toast (ADW_PREFERENCES_WINDOW (root), adw_toast_new (text));
}

static void
update (EpKeyringRow *self)
{
  const char *title = NULL;
  const char *subtitle = NULL;
  const char *icon = "channel-secure-symbolic";

  switch (self->state)
    {
    case EP_KEYRING_STATE_ABSENT:
      icon = "dialog-warning-symbolic";
      title = _("No keyring is available");
      subtitle = _("Epistle keeps passwords only in the system keyring, and none is running. "
                   "The password will not be saved anywhere: Epistle will ask for it each time "
                   "you send.");
      break;
    case EP_KEYRING_STATE_AVAILABLE:
      if (self->has_stored_password)
        {
          title = _("A password is saved in the keyring");
          subtitle = _("Leave the field empty to keep it, or type a new one to replace it.");
        }
      else
        {
          title = _("The password will be saved in the keyring");
          subtitle = _("Only there, never in a file.");
        }
      break;
    case EP_KEYRING_STATE_UNKNOWN:
    default:
      break;
    }

  gtk_widget_set_visible (GTK_WIDGET (self), title != NULL);
  if (title == NULL)
    return;
  gtk_image_set_from_icon_name (self->icon, icon);
  if (self->state == EP_KEYRING_STATE_ABSENT)
    gtk_widget_add_css_class (GTK_WIDGET (self->icon), "warning");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self->icon), "warning");
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self), title);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (self), subtitle);
  gtk_widget_set_visible (GTK_WIDGET (self->forget_button), self->has_stored_password);
}

static void
lookup_done_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(EpKeyringRow) self = user_data;
  g_autoptr(GError) error = NULL;
  char *password = ep_secrets_lookup_finish (result, &error);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  /* Only whether there is one: the password itself goes at once. */
  self->has_stored_password = password != NULL;
  ep_secrets_password_free (password);
  if (g_error_matches (error, EP_STORE_ERROR, EP_STORE_ERROR_NO_KEYRING))
    self->state = EP_KEYRING_STATE_ABSENT;
  update (self);
}

static void
check_thread (GTask        *task,
              gpointer      source_object,
              gpointer      task_data,
              GCancellable *cancellable)
{
  GError *error = NULL;

  if (ep_secrets_check_available (cancellable, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

static void
check_done_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  EpKeyringRow *self = EP_KEYRING_ROW (source);
  g_autoptr(GError) error = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      self->state = EP_KEYRING_STATE_ABSENT;
      update (self);
      return;
    }

  self->state = EP_KEYRING_STATE_AVAILABLE;
  update (self);
  if (self->profile_id != NULL)
    ep_secrets_lookup_async (self->profile_id, self->cancellable, lookup_done_cb, g_object_ref (self));
}

static void
clear_done_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(EpKeyringRow) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!ep_secrets_clear_finish (result, &error))
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        show_toast (self, error->message);
      return;
    }
  self->has_stored_password = FALSE;
  update (self);
  show_toast (self, _("The saved password was removed from the keyring"));
}

static void
forget_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  ep_keyring_row_forget (EP_KEYRING_ROW (widget));
}

static void
ep_keyring_row_dispose (GObject *object)
{
  EpKeyringRow *self = EP_KEYRING_ROW (object);

  g_cancellable_cancel (self->cancellable);
  gtk_widget_dispose_template (GTK_WIDGET (self), EP_TYPE_KEYRING_ROW);

  G_OBJECT_CLASS (ep_keyring_row_parent_class)->dispose (object);
}

static void
ep_keyring_row_finalize (GObject *object)
{
  EpKeyringRow *self = EP_KEYRING_ROW (object);

  g_clear_object (&self->cancellable);
  g_free (self->profile_id);

  G_OBJECT_CLASS (ep_keyring_row_parent_class)->finalize (object);
}

static void
ep_keyring_row_class_init (EpKeyringRowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = ep_keyring_row_dispose;
  object_class->finalize = ep_keyring_row_finalize;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/epistlemail/Epistle/ep-keyring-row.ui");
  gtk_widget_class_bind_template_child (widget_class, EpKeyringRow, icon);
  gtk_widget_class_bind_template_child (widget_class, EpKeyringRow, forget_button);

  gtk_widget_class_install_action (widget_class, "keyring-row.forget", NULL, forget_action);
}

static void
ep_keyring_row_init (EpKeyringRow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->cancellable = g_cancellable_new ();
}

/**
 * ep_keyring_row_load:
 * @profile_id: (nullable): the saved profile whose password to look for; %NULL for a profile
 *   not saved yet
 *
 * Finds out whether a keyring is there (and holds a password for @profile_id), and shows it.
 */
void
ep_keyring_row_load (EpKeyringRow *self,
                     const char   *profile_id)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (EP_IS_KEYRING_ROW (self));

  g_free (self->profile_id);
  self->profile_id = g_strdup (profile_id);
  task = g_task_new (self, self->cancellable, check_done_cb, NULL);
  g_task_set_source_tag (task, ep_keyring_row_load);
  g_task_run_in_thread (task, check_thread);
}

EpKeyringState
ep_keyring_row_get_state (EpKeyringRow *self)
{
  g_return_val_if_fail (EP_IS_KEYRING_ROW (self), EP_KEYRING_STATE_UNKNOWN);
  return self->state;
}

gboolean
ep_keyring_row_get_has_stored_password (EpKeyringRow *self)
{
  g_return_val_if_fail (EP_IS_KEYRING_ROW (self), FALSE);
  return self->has_stored_password;
}

/* Removes the profile's saved password from the keyring at once (not on Save: the keyring is
 * not part of the profile being edited). */
void
ep_keyring_row_forget (EpKeyringRow *self)
{
  g_return_if_fail (EP_IS_KEYRING_ROW (self));

  if (self->profile_id != NULL)
    ep_secrets_clear_async (self->profile_id, self->cancellable, clear_done_cb, g_object_ref (self));
}
