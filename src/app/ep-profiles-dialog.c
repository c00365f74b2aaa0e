/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-profiles-dialog.c: the Server Profiles window. Rows follow the store (the Sandbox first, built
 * in: it can be edited but not deleted). Adding starts from the e-mail address (EpSetupWindow),
 * or from a provider preset or another server in the Add menu; editing happens on
 * a subpage (EpProfileEditor). A deleted profile leaves the store and the file at once but keeps
 * its password until its "Undo" toast is gone; Undo puts the same profile (same id, so the same
 * keyring entry) back. Passwords go to the Secret Service only, after the profile is saved. */
#include "config.h"

#include <glib/gi18n.h>

#include "ep-goa-ui.h"
#include "ep-oauth.h"
#include "ep-presets.h"
#include "ep-profiles-dialog-private.h"
#include "ep-secrets.h"
#include "ep-setup-window.h"
#include "ep-store-error.h"

/* Long enough to notice a slip and reach Undo. */
#define EP_UNDO_TIMEOUT_SECONDS 10

typedef struct
{
  EpProfile *profile;
  gboolean   was_default;
  guint      position;      /* in the list, to come back to on Undo */
} PendingDelete;

struct _EpProfilesDialog
{
  AdwPreferencesWindow  parent_instance;

  /* Template widgets */
  AdwPreferencesPage   *page;
  AdwPreferencesGroup  *profiles_group;
  AdwSplitButton       *add_button;
  GtkListBox           *list;

  /* Owned */
  EpProfileStore       *store;
  EpProfileEditor      *editor;       /* the subpage shown, if any */
  GHashTable           *pending;      /* id → PendingDelete: deleted, Undo still possible */
  AdwToast             *last_toast;
  guint                 busy;         /* keyring operations under way */
};

G_DEFINE_FINAL_TYPE (EpProfilesDialog, ep_profiles_dialog, ADW_TYPE_PREFERENCES_WINDOW)

/* The dialog is one per store: "Server Profiles…" twice raises the same window. */
static EpProfilesDialog *the_dialog;

static void
pending_delete_free (PendingDelete *pending)
{
  g_clear_object (&pending->profile);
  g_free (pending);
}

static void
show_toast (EpProfilesDialog *self,
            AdwToast         *toast)
{
  g_set_object (&self->last_toast, toast);
  adw_preferences_window_add_toast (ADW_PREFERENCES_WINDOW (self), toast);
}

static void
show_message (EpProfilesDialog *self,
              const char       *text)
{
  show_toast (self, adw_toast_new (text));
}

static gboolean
save_store (EpProfilesDialog *self)
{
  g_autoptr(GError) error = NULL;

  if (ep_profile_store_save (self->store, &error))
    return TRUE;
  show_message (self, error->message);
  return FALSE;
}

static EpProfile *
profile_for_parameter (EpProfilesDialog *self,
                       GVariant         *parameter)
{
  return ep_profile_store_lookup_by_id (self->store, g_variant_get_string (parameter, NULL));
}

/* ---- rows ------------------------------------------------------------------------------------ */

static const char *
security_words (EpSmtpSecurity security)
{
  switch (security)
    {
    case EP_SMTP_SECURITY_TLS:
      return _("Implicit TLS");
    case EP_SMTP_SECURITY_STARTTLS:
      return _("STARTTLS");
    case EP_SMTP_SECURITY_NONE:
    default:
      return _("Not encrypted");
    }
}

static GMenuItem *
menu_item (const char *label,
           const char *action,
           const char *id)
{
  GMenuItem *item = g_menu_item_new (label, NULL);

  g_menu_item_set_action_and_target_value (item, action, g_variant_new_string (id));
  return item;
}

static void
refresh_row (EpProfilesDialog *self,
             GtkWidget        *row)
{
  EpProfile *profile = g_object_get_data (G_OBJECT (row), "ep-profile");
  GtkWidget *default_label = g_object_get_data (G_OBJECT (row), "ep-default-label");
  GtkWidget *menu_button = g_object_get_data (G_OBJECT (row), "ep-menu-button");
  GMenu *menu = g_object_get_data (G_OBJECT (row), "ep-menu");
  gboolean is_default = ep_profile_store_get_default (self->store) == profile;
  const char *id = ep_profile_get_id (profile);
  g_autofree char *subtitle = NULL;
  g_autofree char *actions = NULL;
  g_autoptr(GMenu) main_section = g_menu_new ();
  g_autoptr(GMenu) delete_section = g_menu_new ();
  g_autoptr(GMenuItem) edit = menu_item (_("_Edit"), "profiles.edit", id);
  g_autoptr(GMenuItem) duplicate = menu_item (_("D_uplicate"), "profiles.duplicate", id);

  if (ep_profile_get_is_sandbox (profile))
    subtitle = g_strdup (_("Built-in test server on this computer: nothing leaves it"));
  else
    /* Translators: "smtp.gmail.com:465 · Implicit TLS" */
    subtitle = g_strdup_printf (_("%s:%u · %s"), ep_profile_get_host (profile),
                                ep_profile_get_port (profile),
                                security_words (ep_profile_get_security (profile)));
  /* Online Accounts' profiles say where they come from, or why they are not used. */
  if (ep_goa_ui_is_goa (profile))
    {
      g_autofree char *server = g_steal_pointer (&subtitle);

      subtitle = ep_goa_ui_dup_subtitle (profile, server);
      if (ep_goa_ui_is_usable (profile))
        gtk_widget_remove_css_class (row, "dim-label");
      else
        gtk_widget_add_css_class (row, "dim-label");
    }
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), ep_profile_get_name (profile));
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
  gtk_widget_set_visible (default_label, is_default);

  /* Translators: the accessible name of a profile's menu button, %s is the profile's name */
  actions = g_strdup_printf (_("Actions for “%s”"), ep_profile_get_name (profile));
  gtk_accessible_update_property (GTK_ACCESSIBLE (menu_button), GTK_ACCESSIBLE_PROPERTY_LABEL, actions, -1);

  g_menu_remove_all (menu);
  /* Read-only: edited, and removed, in Online Accounts; used as the default when usable. */
  if (ep_goa_ui_is_goa (profile))
    {
      if (ep_goa_ui_can_open_settings ())
        {
          g_autoptr(GMenuItem) open = menu_item (_("_Open Online Accounts Settings"), "profiles.open-goa", id);
          g_menu_append_item (main_section, open);
        }
      if (!is_default && ep_goa_ui_is_usable (profile))
        {
          g_autoptr(GMenuItem) make_default = menu_item (_("Set as _Default"), "profiles.set-default", id);
          g_menu_append_item (main_section, make_default);
        }
      g_menu_append_section (menu, NULL, G_MENU_MODEL (main_section));
      gtk_widget_set_visible (menu_button, g_menu_model_get_n_items (G_MENU_MODEL (main_section)) > 0);
      return;
    }
  g_menu_append_item (main_section, edit);
  g_menu_append_item (main_section, duplicate);
  if (!is_default)
    {
      g_autoptr(GMenuItem) make_default = menu_item (_("Set as _Default"), "profiles.set-default", id);
      g_menu_append_item (main_section, make_default);
    }
  g_menu_append_section (menu, NULL, G_MENU_MODEL (main_section));
  /* The Sandbox is built in: there is nothing to delete. */
  if (!ep_profile_get_is_sandbox (profile))
    {
      g_autoptr(GMenuItem) delete = menu_item (_("_Delete"), "profiles.delete", id);
      g_menu_append_item (delete_section, delete);
      g_menu_append_section (menu, NULL, G_MENU_MODEL (delete_section));
    }
}

static void
refresh_rows (EpProfilesDialog *self)
{
  for (GtkWidget *child = gtk_widget_get_first_child (GTK_WIDGET (self->list));
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    if (g_object_get_data (G_OBJECT (child), "ep-profile") != NULL)
      refresh_row (self, child);
}

static GtkWidget *
create_row (gpointer item,
            gpointer user_data)
{
  EpProfilesDialog *self = user_data;
  EpProfile *profile = item;
  GtkWidget *row = adw_action_row_new ();
  GtkWidget *icon = gtk_image_new_from_icon_name (ep_profile_get_is_sandbox (profile)
                                                  ? "applications-science-symbolic"
                                                  : ep_goa_ui_is_goa (profile) ? "goa-panel-symbolic"
                                                  : "network-server-symbolic");
  GtkWidget *default_label = gtk_label_new (_("Default"));
  GtkWidget *menu_button = gtk_menu_button_new ();
  g_autoptr(GMenu) menu = g_menu_new ();

  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), TRUE);
  adw_action_row_add_prefix (ADW_ACTION_ROW (row), icon);

  gtk_widget_add_css_class (default_label, "accent");
  gtk_widget_add_css_class (default_label, "caption-heading");
  gtk_widget_set_valign (default_label, GTK_ALIGN_CENTER);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), default_label);

  gtk_menu_button_set_icon_name (GTK_MENU_BUTTON (menu_button), "view-more-symbolic");
  gtk_menu_button_set_menu_model (GTK_MENU_BUTTON (menu_button), G_MENU_MODEL (menu));
  gtk_widget_set_valign (menu_button, GTK_ALIGN_CENTER);
  gtk_widget_set_tooltip_text (menu_button, _("More Actions"));
  gtk_widget_add_css_class (menu_button, "flat");
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), menu_button);

  g_object_set_data_full (G_OBJECT (row), "ep-profile", g_object_ref (profile), g_object_unref);
  g_object_set_data (G_OBJECT (row), "ep-default-label", default_label);
  g_object_set_data (G_OBJECT (row), "ep-menu-button", menu_button);
  g_object_set_data_full (G_OBJECT (row), "ep-menu", g_object_ref (menu), g_object_unref);
  refresh_row (self, row);
  return row;
}

/* A profile from Online Accounts is edited there: GNOME Settings' panel, when installed. */
static void
open_goa_settings (EpProfilesDialog *self)
{
  g_autoptr(GError) error = NULL;

  if (!ep_goa_ui_can_open_settings ())
    show_message (self, _("This profile comes from GNOME Online Accounts: change it in your system settings"));
  else if (!ep_goa_ui_open_settings (&error))
    show_message (self, error->message);
}

static void
open_goa_action (GtkWidget  *widget,
                 const char *action_name,
                 GVariant   *parameter)
{
  open_goa_settings (EP_PROFILES_DIALOG (widget));
}

static void
row_activated_cb (EpProfilesDialog *self,
                  GtkListBoxRow    *row)
{
  EpProfile *profile = g_object_get_data (G_OBJECT (row), "ep-profile");

  if (profile != NULL && ep_goa_ui_is_goa (profile))
    open_goa_settings (self);
  else if (profile != NULL)
    ep_profiles_dialog_edit (self, profile);
}

/* ---- keyring --------------------------------------------------------------------------------- */

typedef struct
{
  EpProfilesDialog *dialog;
  char             *id;
  char             *name;
} KeyringOp;

static KeyringOp *
keyring_op_new (EpProfilesDialog *self,
                EpProfile        *profile)
{
  KeyringOp *op = g_new0 (KeyringOp, 1);

  op->dialog = g_object_ref (self);
  op->id = g_strdup (ep_profile_get_id (profile));
  op->name = g_strdup (ep_profile_get_name (profile));
  self->busy++;
  return op;
}

static void
keyring_op_free (KeyringOp *op)
{
  op->dialog->busy--;
  g_object_unref (op->dialog);
  g_free (op->id);
  g_free (op->name);
  g_free (op);
}

static char *
keyring_label (const char *name)
{
  /* Translators: how the password appears in the keyring (Passwords and Keys) */
  return g_strdup_printf (_("Epistle: %s"), name);
}

static void
password_stored_cb (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  KeyringOp *op = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;

  if (ep_secrets_store_finish (result, &error))
    text = g_strdup_printf (_("“%s” saved, with its password in the keyring"), op->name);
  else if (g_error_matches (error, EP_STORE_ERROR, EP_STORE_ERROR_NO_KEYRING))
    text = g_strdup_printf (_("“%s” saved. No keyring is available, so the password was not saved: "
                              "Epistle will ask for it when you send."), op->name);
  else
    text = g_strdup_printf (_("“%s” saved, but the keyring did not keep the password: %s"),
                            op->name, error->message);
  show_message (op->dialog, text);
  keyring_op_free (op);
}

static void
password_cleared_cb (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  KeyringOp *op = user_data;

  /* Without a keyring there was nothing to clear. */
  ep_secrets_clear_finish (result, NULL);
  keyring_op_free (op);
}

/* A deleted profile's built-in sign-in goes with it: the refresh token in the keyring and the
 * access token in memory. The keyring blocks: on a worker thread. */
static void
sign_out_thread (GTask        *task,
                 gpointer      source,
                 gpointer      task_data,
                 GCancellable *cancellable)
{
  KeyringOp *op = task_data;
  g_autoptr(GError) error = NULL;

  /* Without a keyring there was nothing saved to forget. */
  if (!ep_oauth_account_sign_out_sync (op->id, cancellable, &error))
    g_debug ("Signing out of “%s”: %s", op->name, error->message);
  g_task_return_boolean (task, TRUE);
}

/* On the main thread: the dialog's count of keyring operations is the main thread's. */
static void
signed_out_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_task_propagate_boolean (G_TASK (result), NULL);
  keyring_op_free (user_data);
}

static void
sign_out (EpProfilesDialog *self,
          EpProfile        *profile)
{
  KeyringOp *op = keyring_op_new (self, profile);
  g_autoptr(GTask) task = g_task_new (NULL, NULL, signed_out_cb, op);

  g_task_set_task_data (task, op, NULL);
  g_task_run_in_thread (task, sign_out_thread);
}

static void
copied_password_stored_cb (GObject      *source,
                           GAsyncResult *result,
                           gpointer      user_data)
{
  KeyringOp *op = user_data;
  g_autoptr(GError) error = NULL;

  if (!ep_secrets_store_finish (result, &error))
    {
      g_autofree char *text = g_strdup_printf (_("The password was not copied to “%s”: %s"),
                                               op->name, error->message);
      show_message (op->dialog, text);
    }
  keyring_op_free (op);
}

/* A duplicate signs in like the original: its password is copied under the new id. */
static void
original_password_cb (GObject      *source,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  KeyringOp *op = user_data;
  char *password = ep_secrets_lookup_finish (result, NULL);

  if (password != NULL)
    {
      g_autofree char *label = keyring_label (op->name);
      KeyringOp *store_op = g_new0 (KeyringOp, 1);

      store_op->dialog = g_object_ref (op->dialog);
      store_op->id = g_strdup (op->id);
      store_op->name = g_strdup (op->name);
      op->dialog->busy++;
      ep_secrets_store_async (op->id, label, password, NULL, copied_password_stored_cb, store_op);
      ep_secrets_password_free (password);
    }
  keyring_op_free (op);
}

/* ---- editor subpage -------------------------------------------------------------------------- */

static void
close_editor (EpProfilesDialog *self)
{
  if (self->editor == NULL)
    return;
  g_signal_handlers_disconnect_by_data (self->editor, self);
  adw_preferences_window_close_subpage (ADW_PREFERENCES_WINDOW (self));
  g_clear_object (&self->editor);
}

static void
editor_saved_cb (EpProfileEditor  *editor,
                 EpProfile        *profile,
                 EpProfilesDialog *self)
{
  char *password = ep_profile_editor_dup_password (editor);
  EpKeyringState keyring = ep_profile_editor_get_keyring_state (editor);
  g_autofree char *text = NULL;

  if (password == NULL)
    text = g_strdup_printf (_("“%s” saved"), ep_profile_get_name (profile));
  else if (keyring == EP_KEYRING_STATE_ABSENT)
    /* Never written anywhere else: asked for again at send time. */
    text = g_strdup_printf (_("“%s” saved. No keyring is available, so the password was not saved: "
                              "Epistle will ask for it when you send."), ep_profile_get_name (profile));
  else
    {
      g_autofree char *label = keyring_label (ep_profile_get_name (profile));

      ep_secrets_store_async (ep_profile_get_id (profile), label, password, NULL,
                              password_stored_cb, keyring_op_new (self, profile));
    }
  if (password != NULL)
    ep_secrets_password_free (password);

  close_editor (self);
  if (text != NULL)
    show_message (self, text);
}

static void
editor_done_cb (EpProfileEditor  *editor,
                EpProfilesDialog *self)
{
  close_editor (self);
}

static void
show_editor (EpProfilesDialog *self,
             EpProfileEditor  *editor)
{
  close_editor (self);
  self->editor = g_object_ref_sink (editor);
  g_signal_connect (editor, "saved", G_CALLBACK (editor_saved_cb), self);
  g_signal_connect (editor, "done", G_CALLBACK (editor_done_cb), self);
  adw_preferences_window_present_subpage (ADW_PREFERENCES_WINDOW (self), GTK_WIDGET (editor));
}

/* ---- actions --------------------------------------------------------------------------------- */

static void
add_action (GtkWidget  *widget,
            const char *action_name,
            GVariant   *parameter)
{
  const char *preset = g_variant_get_string (parameter, NULL);

  ep_profiles_dialog_add (EP_PROFILES_DIALOG (widget), g_str_equal (preset, "custom") ? NULL : preset);
}

static void
setup_manually_cb (EpSetupWindow    *window,
                   EpProfile        *values,
                   const char       *password,
                   EpProfilesDialog *self)
{
  ep_profiles_dialog_add_prefilled (self, values, password);
}

/* Add: from the e-mail address first; the editor from there, or from the menu's presets. */
static void
setup_action (GtkWidget  *widget,
              const char *action_name,
              GVariant   *parameter)
{
  EpProfilesDialog *self = EP_PROFILES_DIALOG (widget);
  EpSetupWindow *window = ep_setup_window_new (GTK_WINDOW (self), self->store);

  g_signal_connect_object (window, "set-up-manually", G_CALLBACK (setup_manually_cb), self, 0);
  gtk_window_present (GTK_WINDOW (window));
}

static void
edit_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  EpProfilesDialog *self = EP_PROFILES_DIALOG (widget);
  EpProfile *profile = profile_for_parameter (self, parameter);

  if (profile != NULL)
    ep_profiles_dialog_edit (self, profile);
}

static void
duplicate_action (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  EpProfilesDialog *self = EP_PROFILES_DIALOG (widget);
  EpProfile *profile = profile_for_parameter (self, parameter);
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  EpProfile *copy;

  if (profile == NULL)
    return;
  copy = ep_profile_store_duplicate (self->store, profile, &error);
  if (copy == NULL)
    {
      show_message (self, error->message);
      return;
    }
  if (!save_store (self))
    return;
  if (!ep_profile_get_is_sandbox (profile))
    ep_secrets_lookup_async (ep_profile_get_id (profile), NULL, original_password_cb,
                             keyring_op_new (self, copy));
  /* Translators: %s is the new profile's name, e.g. "Work (copy)" */
  text = g_strdup_printf (_("Duplicated as “%s”"), ep_profile_get_name (copy));
  show_message (self, text);
}

static void
set_default_action (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *parameter)
{
  EpProfilesDialog *self = EP_PROFILES_DIALOG (widget);
  EpProfile *profile = profile_for_parameter (self, parameter);
  g_autoptr(GError) error = NULL;

  if (profile == NULL)
    return;
  /* A preference (GSettings, bound by the application): profiles.ini does not change. */
  if (!ep_profile_store_set_default (self->store, profile, &error))
    show_message (self, error->message);
}

/* The toast went away without Undo: the deletion is final, the password goes too. */
static void
toast_dismissed_cb (AdwToast         *toast,
                    EpProfilesDialog *self)
{
  const char *id = g_object_get_data (G_OBJECT (toast), "ep-profile-id");
  PendingDelete *pending = self->pending != NULL ? g_hash_table_lookup (self->pending, id) : NULL;

  if (pending == NULL)
    return;
  ep_secrets_clear_profile_async (id, NULL, password_cleared_cb, keyring_op_new (self, pending->profile));
  if (ep_oauth_provider_profile_uses (pending->profile))
    sign_out (self, pending->profile);
  g_hash_table_remove (self->pending, id);
}

static void
delete_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  EpProfilesDialog *self = EP_PROFILES_DIALOG (widget);
  EpProfile *profile = profile_for_parameter (self, parameter);
  g_autoptr(GError) error = NULL;
  PendingDelete *pending;
  AdwToast *toast;

  if (profile == NULL)
    return;

  pending = g_new0 (PendingDelete, 1);
  pending->profile = g_object_ref (profile);
  pending->was_default = ep_profile_store_get_default (self->store) == profile;
  pending->position = G_MAXUINT;
  for (guint i = 0; i < g_list_model_get_n_items (ep_profile_store_list (self->store)); i++)
    {
      g_autoptr(EpProfile) item = g_list_model_get_item (ep_profile_store_list (self->store), i);

      if (item == profile)
        pending->position = i;
    }
  if (!ep_profile_store_remove (self->store, profile, &error))
    {
      pending_delete_free (pending);
      show_message (self, error->message);
      return;
    }
  if (self->editor != NULL && ep_profile_editor_get_profile (self->editor) == profile)
    close_editor (self);
  save_store (self);
  g_hash_table_replace (self->pending, g_strdup (ep_profile_get_id (profile)), pending);

  /* Translators: %s is a profile's name */
  toast = adw_toast_new_format (_("“%s” deleted"), ep_profile_get_name (profile));
  adw_toast_set_button_label (toast, _("_Undo"));
  adw_toast_set_action_name (toast, "profiles.undo-delete");
  adw_toast_set_action_target_value (toast, g_variant_new_string (ep_profile_get_id (profile)));
  adw_toast_set_priority (toast, ADW_TOAST_PRIORITY_HIGH);
  adw_toast_set_timeout (toast, EP_UNDO_TIMEOUT_SECONDS);
  g_object_set_data_full (G_OBJECT (toast), "ep-profile-id",
                          g_strdup (ep_profile_get_id (profile)), g_free);
  g_signal_connect_object (toast, "dismissed", G_CALLBACK (toast_dismissed_cb), self, 0);
  show_toast (self, toast);
}

static void
undo_delete_action (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *parameter)
{
  EpProfilesDialog *self = EP_PROFILES_DIALOG (widget);
  const char *id = g_variant_get_string (parameter, NULL);
  PendingDelete *pending = g_hash_table_lookup (self->pending, id);
  g_autoptr(GError) error = NULL;

  if (pending == NULL)
    return;
  /* The very same object: same id, so the keyring entry (kept until now) still belongs to it. */
  if (!ep_profile_store_insert (self->store, pending->profile, pending->position, &error))
    {
      show_message (self, error->message);
      return;
    }
  if (pending->was_default)
    ep_profile_store_set_default (self->store, pending->profile, NULL);
  g_hash_table_remove (self->pending, id);
  save_store (self);
}

/* ---- GObject --------------------------------------------------------------------------------- */

static void
build_add_menu (EpProfilesDialog *self)
{
  g_autoptr(GMenu) menu = g_menu_new ();
  g_autoptr(GMenu) presets_section = g_menu_new ();
  g_autoptr(GMenu) custom_section = g_menu_new ();
  g_autoptr(GMenuItem) custom = menu_item (_("_Other Server…"), "profiles.add", "custom");
  const EpPreset *presets;
  guint n;

  presets = ep_presets_get_all (&n);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(GMenuItem) item = menu_item (_(presets[i].name), "profiles.add", presets[i].id);
      g_menu_append_item (presets_section, item);
    }
  g_menu_append_item (custom_section, custom);
  g_menu_append_section (menu, NULL, G_MENU_MODEL (presets_section));
  g_menu_append_section (menu, NULL, G_MENU_MODEL (custom_section));
  adw_split_button_set_menu_model (self->add_button, G_MENU_MODEL (menu));
}

/* The split button's two halves are buttons of their own, which libadwaita leaves unnamed: a
 * screen reader would say only "button". */
static void
name_add_buttons (GtkWidget *widget,
                  gboolean   in_menu)
{
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      gboolean menu = in_menu || GTK_IS_MENU_BUTTON (child);

      if (GTK_IS_BUTTON (child) || GTK_IS_MENU_BUTTON (child))
        gtk_accessible_update_property (GTK_ACCESSIBLE (child), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                        menu ? _("Add from a Provider or Another Server")
                                             : _("Add a Server Profile from Your E-mail Address"),
                                        -1);
      name_add_buttons (child, menu);
    }
}

static void
ep_profiles_dialog_dispose (GObject *object)
{
  EpProfilesDialog *self = EP_PROFILES_DIALOG (object);

  /* Deletions whose Undo is no longer possible become final now. */
  if (self->pending != NULL)
    {
      g_autoptr(GHashTable) pending = g_steal_pointer (&self->pending);
      GHashTableIter iter;
      gpointer key, value;

      g_hash_table_iter_init (&iter, pending);
      while (g_hash_table_iter_next (&iter, &key, &value))
        ep_secrets_clear_profile_async (key, NULL, password_cleared_cb,
                                        keyring_op_new (self, ((PendingDelete *) value)->profile));
    }
  if (self->editor != NULL)
    g_signal_handlers_disconnect_by_data (self->editor, self);
  g_clear_object (&self->editor);
  if (self->store != NULL)
    g_signal_handlers_disconnect_by_data (self->store, self);
  g_clear_object (&self->last_toast);
  /* The store outlives the dialog: a profile added after it closed must not build a row here. */
  if (self->list != NULL)
    gtk_list_box_bind_model (self->list, NULL, NULL, NULL, NULL);

  gtk_widget_dispose_template (GTK_WIDGET (self), EP_TYPE_PROFILES_DIALOG);

  G_OBJECT_CLASS (ep_profiles_dialog_parent_class)->dispose (object);
}

static void
ep_profiles_dialog_finalize (GObject *object)
{
  EpProfilesDialog *self = EP_PROFILES_DIALOG (object);

  g_clear_object (&self->store);

  G_OBJECT_CLASS (ep_profiles_dialog_parent_class)->finalize (object);
}

static void
close_discard_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(EpProfilesDialog) self = user_data;

  if (ep_profile_editor_ask_discard_finish (EP_PROFILE_EDITOR (source), result, NULL) &&
      self->editor == EP_PROFILE_EDITOR (source))
    {
      close_editor (self);
      gtk_window_close (GTK_WINDOW (self));
    }
}

/* Closing the window with unsaved edits in the editor asks first, as Back does. */
static gboolean
ep_profiles_dialog_close_request (GtkWindow *window)
{
  EpProfilesDialog *self = EP_PROFILES_DIALOG (window);

  if (self->editor != NULL && ep_profile_editor_has_changes (self->editor))
    {
      ep_profile_editor_ask_discard_async (self->editor, close_discard_cb, g_object_ref (self));
      return TRUE;
    }
  return GTK_WINDOW_CLASS (ep_profiles_dialog_parent_class)->close_request (window);
}

static void
ep_profiles_dialog_class_init (EpProfilesDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = ep_profiles_dialog_dispose;
  object_class->finalize = ep_profiles_dialog_finalize;
  GTK_WINDOW_CLASS (klass)->close_request = ep_profiles_dialog_close_request;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/epistlemail/Epistle/ep-profiles-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, EpProfilesDialog, page);
  gtk_widget_class_bind_template_child (widget_class, EpProfilesDialog, profiles_group);
  gtk_widget_class_bind_template_child (widget_class, EpProfilesDialog, add_button);
  gtk_widget_class_bind_template_child (widget_class, EpProfilesDialog, list);

  gtk_widget_class_install_action (widget_class, "profiles.setup", NULL, setup_action);
  gtk_widget_class_install_action (widget_class, "profiles.add", "s", add_action);
  gtk_widget_class_install_action (widget_class, "profiles.edit", "s", edit_action);
  gtk_widget_class_install_action (widget_class, "profiles.duplicate", "s", duplicate_action);
  gtk_widget_class_install_action (widget_class, "profiles.set-default", "s", set_default_action);
  gtk_widget_class_install_action (widget_class, "profiles.delete", "s", delete_action);
  gtk_widget_class_install_action (widget_class, "profiles.open-goa", "s", open_goa_action);
  gtk_widget_class_install_action (widget_class, "profiles.undo-delete", "s", undo_delete_action);
}

static void
ep_profiles_dialog_init (EpProfilesDialog *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->pending = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                         (GDestroyNotify) pending_delete_free);
  build_add_menu (self);
  name_add_buttons (GTK_WIDGET (self->add_button), FALSE);
  g_signal_connect_swapped (self->list, "row-activated", G_CALLBACK (row_activated_cb), self);
}

/**
 * ep_profiles_dialog_new:
 * @parent: (nullable): the window it belongs to (it is modal)
 */
EpProfilesDialog *
ep_profiles_dialog_new (GtkWindow      *parent,
                        EpProfileStore *store)
{
  EpProfilesDialog *self;

  g_return_val_if_fail (parent == NULL || GTK_IS_WINDOW (parent), NULL);
  g_return_val_if_fail (EP_IS_PROFILE_STORE (store), NULL);

  self = g_object_new (EP_TYPE_PROFILES_DIALOG, "transient-for", parent, NULL);
  if (parent != NULL && gtk_window_get_application (parent) != NULL)
    gtk_window_set_application (GTK_WINDOW (self), gtk_window_get_application (parent));
  self->store = g_object_ref (store);
  gtk_list_box_bind_model (self->list, ep_profile_store_list (store), create_row, self, NULL);
  g_signal_connect_swapped (store, "changed", G_CALLBACK (refresh_rows), self);
  return self;
}

static void
the_dialog_destroyed_cb (EpProfilesDialog *dialog)
{
  if (the_dialog == dialog)
    the_dialog = NULL;
}

/**
 * ep_profiles_dialog_present:
 * @parent: (nullable): the window asking
 * @profile: (nullable): open the editor on this profile
 *
 * Shows the Server Profiles window (the one already open, if any).
 *
 * Returns: (transfer none): the dialog
 */
EpProfilesDialog *
ep_profiles_dialog_present (GtkWindow      *parent,
                            EpProfileStore *store,
                            EpProfile      *profile)
{
  g_return_val_if_fail (EP_IS_PROFILE_STORE (store), NULL);

  /* Asked from a message (the send error's "Edit Profile"): belong to the window behind it,
   * which outlives the message. */
  if (ADW_IS_MESSAGE_DIALOG (parent) && gtk_window_get_transient_for (parent) != NULL)
    parent = gtk_window_get_transient_for (parent);

  if (the_dialog == NULL || the_dialog->store != store)
    {
      the_dialog = ep_profiles_dialog_new (parent, store);
      /* Forgotten when destroyed, not when finalized: a keyring call may still hold it. */
      g_signal_connect (the_dialog, "destroy", G_CALLBACK (the_dialog_destroyed_cb), NULL);
    }
  else if (parent != NULL && GTK_WINDOW (the_dialog) != parent)
    gtk_window_set_transient_for (GTK_WINDOW (the_dialog), parent);

  if (profile != NULL)
    ep_profiles_dialog_edit (the_dialog, profile);
  gtk_window_present (GTK_WINDOW (the_dialog));
  return the_dialog;
}

/**
 * ep_profiles_dialog_present_new:
 *
 * The Server Profiles window with the editor for a new profile, where typing the address offers
 * the provider's preset (set-up from the address alone is EpSetupWindow's).
 *
 * Returns: (transfer none): the dialog
 */
EpProfilesDialog *
ep_profiles_dialog_present_new (GtkWindow      *parent,
                                EpProfileStore *store)
{
  EpProfilesDialog *self = ep_profiles_dialog_present (parent, store, NULL);

  ep_profiles_dialog_add (self, NULL);
  return self;
}

/**
 * ep_profiles_dialog_add:
 * @preset_id: (nullable): a preset id (ep-presets.h), or %NULL for another server
 *
 * Opens the editor on a new profile; nothing is stored until Save.
 */
/* Opens the editor on @profile, or on a new profile from @preset_id when @profile is %NULL. */
static void
open_editor_now (EpProfilesDialog *self,
                 EpProfile        *profile,
                 const char       *preset_id)
{
  EpProfileEditor *editor = ep_profile_editor_new (self->store, profile, profile == NULL ? preset_id : NULL);

  show_editor (self, editor);
  if (profile != NULL)
    gtk_widget_grab_focus (ep_profile_editor_get_field (editor, "name"));
  else
    gtk_widget_grab_focus (ep_profile_editor_get_field (editor, preset_id != NULL ? "sender-name" : "address"));
}

typedef struct {
  EpProfilesDialog *self;
  EpProfile        *profile;
  char             *preset_id;
  EpProfile        *values;      /* for a new profile: what set-up from an address found */
  char             *password;
} OpenRequest;

/* The new profile's fields filled as if typed: the editor's own checks and hints follow them. */
static void
prefill_editor (EpProfileEditor *editor,
                EpProfile       *values,
                const char      *password)
{
  g_autofree char *port = NULL;
  struct { const char *field; const char *text; } texts[] = {
    { "name", ep_profile_get_name (values) },
    { "address", ep_profile_get_sender_address (values) },
    { "host", ep_profile_get_host (values) },
    { "username", ep_profile_get_username (values) },
    { "password", password },
  };

  for (guint i = 0; i < G_N_ELEMENTS (texts); i++)
    if (texts[i].text != NULL && *texts[i].text != '\0')
      gtk_editable_set_text (GTK_EDITABLE (ep_profile_editor_get_field (editor, texts[i].field)),
                             texts[i].text);
  if (ep_profile_get_host (values) != NULL && *ep_profile_get_host (values) != '\0')
    {
      port = g_strdup_printf ("%u", ep_profile_get_port (values));
      /* The security first: choosing it proposes its usual port, which the found one replaces. */
      adw_combo_row_set_selected (ADW_COMBO_ROW (ep_profile_editor_get_field (editor, "security")),
                                  ep_profile_get_security (values));
      gtk_editable_set_text (GTK_EDITABLE (ep_profile_editor_get_field (editor, "port")), port);
      adw_combo_row_set_selected (ADW_COMBO_ROW (ep_profile_editor_get_field (editor, "auth")),
                                  ep_profile_get_auth (values));
    }
  /* A provider's own sign-in chosen in the set-up: the editor opens with it turned on. */
  if (*ep_profile_get_oauth_setting (values, EP_PROFILE_OAUTH_PROVIDER) != '\0')
    ep_profile_set_oauth_setting (ep_profile_editor_get_draft (editor), EP_PROFILE_OAUTH_PROVIDER,
                                  ep_profile_get_oauth_setting (values, EP_PROFILE_OAUTH_PROVIDER));
}

static void
replace_discard_cb (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  OpenRequest *request = user_data;

  if (ep_profile_editor_ask_discard_finish (EP_PROFILE_EDITOR (source), result, NULL) &&
      request->self->editor == EP_PROFILE_EDITOR (source))
    {
      open_editor_now (request->self, request->profile, request->preset_id);
      if (request->values != NULL)
        prefill_editor (request->self->editor, request->values, request->password);
    }
  g_object_unref (request->self);
  g_clear_object (&request->profile);
  g_free (request->preset_id);
  g_clear_object (&request->values);
  g_clear_pointer (&request->password, ep_secrets_password_free);
  g_free (request);
}

/* Another editor asked for (the send error's "Edit Profile" from another compose window, say)
 * while this one holds unsaved edits: ask before they go. The same profile: keep the edits. */
static void
open_editor (EpProfilesDialog *self,
             EpProfile        *profile,
             const char       *preset_id,
             EpProfile        *values,
             const char       *password)
{
  OpenRequest *request;

  if (self->editor == NULL || !ep_profile_editor_has_changes (self->editor))
    {
      open_editor_now (self, profile, preset_id);
      if (values != NULL)
        prefill_editor (self->editor, values, password);
      return;
    }
  if (profile != NULL && ep_profile_editor_get_profile (self->editor) == profile)
    return;

  request = g_new0 (OpenRequest, 1);
  request->self = g_object_ref (self);
  request->profile = profile != NULL ? g_object_ref (profile) : NULL;
  request->preset_id = g_strdup (preset_id);
  request->values = values != NULL ? g_object_ref (values) : NULL;
  request->password = g_strdup (password);
  ep_profile_editor_ask_discard_async (self->editor, replace_discard_cb, request);
}

void
ep_profiles_dialog_add (EpProfilesDialog *self,
                        const char       *preset_id)
{
  g_return_if_fail (EP_IS_PROFILES_DIALOG (self));

  open_editor (self, NULL, preset_id, NULL, NULL);
}

/**
 * ep_profiles_dialog_add_prefilled:
 * @values: an unsaved profile whose name, address, server, security, user name and sign-in
 *   method fill the new profile's fields
 * @password: (nullable): the password typed so far
 *
 * The editor on a new profile with what set-up from an address found, as if typed: nothing is
 * stored until Save.
 */
void
ep_profiles_dialog_add_prefilled (EpProfilesDialog *self,
                                  EpProfile        *values,
                                  const char       *password)
{
  g_return_if_fail (EP_IS_PROFILES_DIALOG (self));
  g_return_if_fail (EP_IS_PROFILE (values));

  open_editor (self, NULL, NULL, values, password);
}

void
ep_profiles_dialog_edit (EpProfilesDialog *self,
                         EpProfile        *profile)
{
  g_return_if_fail (EP_IS_PROFILES_DIALOG (self));
  g_return_if_fail (EP_IS_PROFILE (profile));

  /* Read-only: nothing to edit here. */
  if (ep_goa_ui_is_goa (profile))
    {
      open_goa_settings (self);
      return;
    }
  open_editor (self, profile, NULL, NULL, NULL);
}

/* Returns: (transfer none) (nullable): the editor shown as the subpage */
EpProfileEditor *
ep_profiles_dialog_get_editor (EpProfilesDialog *self)
{
  g_return_val_if_fail (EP_IS_PROFILES_DIALOG (self), NULL);
  return self->editor;
}

/* Returns: (transfer none) (nullable): the list row (an #AdwActionRow) showing @profile */
GtkWidget *
ep_profiles_dialog_get_row (EpProfilesDialog *self,
                            EpProfile        *profile)
{
  g_return_val_if_fail (EP_IS_PROFILES_DIALOG (self), NULL);

  for (GtkWidget *child = gtk_widget_get_first_child (GTK_WIDGET (self->list));
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    if (g_object_get_data (G_OBJECT (child), "ep-profile") == profile)
      return child;
  return NULL;
}

/* Returns: (transfer none) (nullable): the menu of @profile's row */
GMenuModel *
ep_profiles_dialog_get_row_menu (EpProfilesDialog *self,
                                 EpProfile        *profile)
{
  GtkWidget *row = ep_profiles_dialog_get_row (self, profile);

  return row != NULL ? g_object_get_data (G_OBJECT (row), "ep-menu") : NULL;
}

/* Whether a password is still being saved, copied or removed. */
gboolean
ep_profiles_dialog_is_busy (EpProfilesDialog *self)
{
  g_return_val_if_fail (EP_IS_PROFILES_DIALOG (self), FALSE);
  return self->busy > 0;
}

/* Returns: (transfer none) (nullable): the last toast shown, for tests */
AdwToast *
ep_profiles_dialog_get_last_toast (EpProfilesDialog *self)
{
  g_return_val_if_fail (EP_IS_PROFILES_DIALOG (self), NULL);
  return self->last_toast;
}
