/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-profile-editor-actions.c: what the editor does with the draft. Save validates and writes
 * profiles.ini (atomically, through the store) and leaves the password to the Secret Service
 * (done by the dialog on "saved"); Back asks before losing anything; Test Connection runs on the
 * fields as they are, and what the user decides there (a trusted certificate, the SIZE limit
 * learnt) is kept at once. Forget Password is the keyring row's own. */
#include "config.h"

#include <glib/gi18n.h>

#include "ep-profile-editor-private.h"
#include "ep-secrets.h"

static void
show_toast (EpProfileEditor *self,
            const char      *text)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));

  if (ADW_IS_PREFERENCES_WINDOW (root))
    adw_preferences_window_add_toast (ADW_PREFERENCES_WINDOW (root), adw_toast_new (text));
}

static void
set_problem (EpProfileEditor *self,
             const char      *problem,
             gpointer         focus)
{
  g_free (self->problem);
  self->problem = g_strdup (problem);
  adw_action_row_set_subtitle (self->problem_row, problem != NULL ? problem : "");
  gtk_widget_set_visible (GTK_WIDGET (self->problem_group), problem != NULL);
  if (focus != NULL)
    gtk_widget_grab_focus (GTK_WIDGET (focus));
}

/* Only once a test connection learned it: never forgets what @to knows. */
/* Only a profile's own identities: the one of its sender address stays implicit. */
static void
copy_identities (EpProfile *from,
                 EpProfile *to)
{
  g_autoptr(GPtrArray) identities = ep_profile_has_identities (from) ? ep_profile_dup_identities (from) : NULL;

  ep_profile_set_identities (to, identities);
}

static void
copy_future_release (EpProfile *from,
                     EpProfile *to)
{
  GDateTime *learned = ep_profile_get_future_release_learned (from);
  guint64 interval = 0;
  gint64 latest = 0;
  gboolean offered;

  if (learned == NULL)
    return;
  offered = ep_profile_get_future_release (from, &interval, &latest);
  ep_profile_set_future_release (to, learned, offered, interval, latest);
  /* The same EHLO reply told DSN, REQUIRETLS and 8BITMIME: kept with the time it was seen. */
  ep_profile_set_delivery_extensions (to, ep_profile_get_delivery_extensions (from, NULL));
}

static gboolean
has_stored_password (EpProfileEditor *self)
{
  return ep_keyring_row_get_has_stored_password (self->keyring_row);
}

static gboolean
has_credentials (EpProfileEditor *self)
{
  return *text_of (self->username_row) != '\0' &&
         (*text_of (self->password_row) != '\0' || has_stored_password (self));
}

/* ---- Save ------------------------------------------------------------------------------------ */

/**
 * ep_profile_editor_save:
 *
 * Checks the fields (showing the first problem above them and focusing its field), then adds
 * the new profile or updates the edited one and writes the store. Emits "saved"; the password
 * is the listener's to keep (ep_profile_editor_dup_password()).
 *
 * Returns: whether the profile was saved
 */
gboolean
ep_profile_editor_save (EpProfileEditor *self)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(EpProfile) check = NULL;
  g_autofree char *name = NULL;
  const char *sent_problem;
  gpointer sent_focus = NULL;
  EpProfile *target;

  g_return_val_if_fail (EP_IS_PROFILE_EDITOR (self), FALSE);

  name = dup_trimmed (self->name_row);
  if (!ep_profile_store_check_name (self->store, name, self->original, &error))
    {
      set_problem (self, error->message, self->name_row);
      return FALSE;
    }
  if (!self->is_sandbox && ep_profile_editor_parse_port (self) == 0)
    {
      set_problem (self, _("The port must be a number from 1 to 65535."), self->port_row);
      return FALSE;
    }

  /* An empty user name means the address, once there is a password to go with it. */
  if (!self->is_sandbox && *text_of (self->username_row) == '\0' &&
      (*text_of (self->password_row) != '\0' || has_stored_password (self)))
    set_text (self->username_row, ep_profile_get_sender_address (self->draft));

  if (!self->is_sandbox && ep_profile_get_security (self->draft) == EP_SMTP_SECURITY_NONE &&
      has_credentials (self))
    {
      set_problem (self, _("Epistle never sends a password without encryption. Choose Implicit TLS "
                           "or STARTTLS, or leave the user name and password empty for a server "
                           "that needs no sign-in."), self->security_row);
      return FALSE;
    }

  sent_problem = ep_profile_editor_sent_check (self, &sent_focus);
  if (sent_problem != NULL)
    {
      set_problem (self, sent_problem, sent_focus);
      return FALSE;
    }

  /* The Sandbox keeps its own server: check the identity on a Sandbox-shaped copy. */
  if (self->is_sandbox)
    {
      check = ep_profile_new_sandbox ();
      ep_profile_set_name (check, ep_profile_get_name (self->draft));
      ep_profile_set_sender_name (check, ep_profile_get_sender_name (self->draft));
      ep_profile_set_sender_address (check, ep_profile_get_sender_address (self->draft));
      copy_identities (self->draft, check);
    }
  else
    check = g_object_ref (self->draft);
  if (!ep_profile_validate (check, &error))
    {
      set_problem (self, error->message, NULL);
      return FALSE;
    }

  if (self->original == NULL)
    {
      if (!ep_profile_store_add (self->store, self->draft, &error))
        {
          set_problem (self, error->message, self->name_row);
          return FALSE;
        }
      self->original = g_object_ref (self->draft);
    }
  target = self->original;
  if (target != self->draft)
    {
      g_object_freeze_notify (G_OBJECT (target));
      ep_profile_set_name (target, ep_profile_get_name (self->draft));
      ep_profile_set_sender_name (target, ep_profile_get_sender_name (self->draft));
      ep_profile_set_sender_address (target, ep_profile_get_sender_address (self->draft));
      if (!self->is_sandbox)
        {
          ep_profile_set_host (target, ep_profile_get_host (self->draft));
          ep_profile_set_port (target, ep_profile_get_port (self->draft));
          ep_profile_set_security (target, ep_profile_get_security (self->draft));
          ep_profile_set_username (target, ep_profile_get_username (self->draft));
          ep_profile_set_auth (target, ep_profile_get_auth (self->draft));
          ep_profile_set_pinned_sha256 (target, ep_profile_get_pinned_sha256 (self->draft));
          ep_profile_set_timeout (target, ep_profile_get_timeout (self->draft));
          ep_profile_set_ehlo_name (target, ep_profile_get_ehlo_name (self->draft));
          for (guint i = 0; i < EP_PROFILE_N_OAUTH_SETTINGS; i++)
            ep_profile_set_oauth_setting (target, i, ep_profile_get_oauth_setting (self->draft, i));
          ep_profile_editor_sent_copy_to (self, target);
        }
      if (ep_profile_get_size_limit (self->draft) > 0)
        ep_profile_set_size_limit (target, ep_profile_get_size_limit (self->draft));
      copy_future_release (self->draft, target);
      copy_identities (self->draft, target);
      g_object_thaw_notify (G_OBJECT (target));
    }

  if (!ep_profile_store_save (self->store, &error))
    {
      set_problem (self, error->message, NULL);
      return FALSE;
    }

  set_problem (self, NULL, NULL);
  ep_profile_editor_sent_saved (self, target);
  ep_profile_editor_emit_saved (self, target);
  return TRUE;
}

static void
save_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  ep_profile_editor_save (EP_PROFILE_EDITOR (widget));
}

/* ---- Back, and the question before losing edits ---------------------------------------------- */

static gboolean
oauth_changed (EpProfile *a,
               EpProfile *b)
{
  for (guint i = 0; i < EP_PROFILE_N_OAUTH_SETTINGS; i++)
    if (g_strcmp0 (ep_profile_get_oauth_setting (a, i), ep_profile_get_oauth_setting (b, i)) != 0)
      return TRUE;
  return FALSE;
}

static gboolean
identities_changed (EpProfile *a,
                    EpProfile *b)
{
  g_autoptr(GPtrArray) x = ep_profile_dup_identities (a);
  g_autoptr(GPtrArray) y = ep_profile_dup_identities (b);

  if (ep_profile_has_identities (a) != ep_profile_has_identities (b) || x->len != y->len)
    return TRUE;
  for (guint i = 0; i < x->len; i++)
    if (!ep_identity_equal (g_ptr_array_index (x, i), g_ptr_array_index (y, i)))
      return TRUE;
  return FALSE;
}

/**
 * ep_profile_editor_has_changes:
 *
 * Returns: whether leaving now would lose something the user did: a setting changed since the
 *   editor opened (a certificate trusted and stored at once does not count), or a password typed
 */
gboolean
ep_profile_editor_has_changes (EpProfileEditor *self)
{
  EpProfile *a, *b;

  g_return_val_if_fail (EP_IS_PROFILE_EDITOR (self), FALSE);

  a = self->baseline;
  b = self->draft;
  return *text_of (self->password_row) != '\0' ||
         g_strcmp0 (ep_profile_get_name (a), ep_profile_get_name (b)) != 0 ||
         g_strcmp0 (ep_profile_get_sender_name (a), ep_profile_get_sender_name (b)) != 0 ||
         g_strcmp0 (ep_profile_get_sender_address (a), ep_profile_get_sender_address (b)) != 0 ||
         g_strcmp0 (ep_profile_get_host (a), ep_profile_get_host (b)) != 0 ||
         ep_profile_get_port (a) != ep_profile_get_port (b) ||
         ep_profile_get_security (a) != ep_profile_get_security (b) ||
         g_strcmp0 (ep_profile_get_username (a), ep_profile_get_username (b)) != 0 ||
         ep_profile_get_auth (a) != ep_profile_get_auth (b) ||
         g_strcmp0 (ep_profile_get_pinned_sha256 (a), ep_profile_get_pinned_sha256 (b)) != 0 ||
         ep_profile_get_timeout (a) != ep_profile_get_timeout (b) ||
         g_strcmp0 (ep_profile_get_ehlo_name (a), ep_profile_get_ehlo_name (b)) != 0 ||
         oauth_changed (a, b) ||
         identities_changed (a, b) ||
         ep_profile_editor_sent_has_changes (self);
}

static void
discard_response_cb (AdwMessageDialog *dialog,
                     const char       *response,
                     gpointer          user_data)
{
  g_autoptr(GTask) task = user_data;
  EpProfileEditor *self = g_task_get_source_object (task);

  /* Answered once: adw_message_dialog_response() may be called again on a dialog that stays
   * open, and the task is gone after this. */
  g_signal_handlers_disconnect_by_func (dialog, discard_response_cb, user_data);
  /* Answered: the question is over even if GTK keeps the window a little longer. */
  g_object_remove_weak_pointer (G_OBJECT (dialog), (gpointer *) &self->discard_dialog);
  self->discard_dialog = NULL;
  g_task_return_boolean (task, g_str_equal (response, "discard"));
}

/**
 * ep_profile_editor_ask_discard_async:
 *
 * Asks "Discard Changes?" over the window holding the editor. Finishes with %TRUE when the
 * user chose to discard, %FALSE when they keep editing (or a question is already open).
 */
void
ep_profile_editor_ask_discard_async (EpProfileEditor     *self,
                                     GAsyncReadyCallback  callback,
                                     gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autofree char *body = NULL;
  GtkWidget *dialog;

  g_return_if_fail (EP_IS_PROFILE_EDITOR (self));

  task = g_task_new (self, NULL, callback, user_data);
  g_task_set_source_tag (task, ep_profile_editor_ask_discard_async);
  if (self->discard_dialog != NULL)
    {
      gtk_window_present (GTK_WINDOW (self->discard_dialog));
      g_task_return_boolean (task, FALSE);
      return;
    }

  if (self->original == NULL)
    body = g_strdup (_("The new profile has not been saved."));
  else
    /* Translators: %s is a profile's name */
    body = g_strdup_printf (_("The changes to “%s” have not been saved."),
                            ep_profile_get_name (self->original));
  dialog = adw_message_dialog_new (GTK_WINDOW (gtk_widget_get_root (GTK_WIDGET (self))),
                                   _("Discard Changes?"), body);
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog),
                                    "cancel", _("_Keep Editing"),
                                    "discard", _("_Discard"),
                                    NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "discard",
                                              ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  g_signal_connect (dialog, "response", G_CALLBACK (discard_response_cb), g_steal_pointer (&task));
  self->discard_dialog = ADW_MESSAGE_DIALOG (dialog);
  g_object_add_weak_pointer (G_OBJECT (dialog), (gpointer *) &self->discard_dialog);
  gtk_window_present (GTK_WINDOW (dialog));
}

gboolean
ep_profile_editor_ask_discard_finish (EpProfileEditor  *self,
                                      GAsyncResult     *result,
                                      GError          **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* Returns: (transfer none) (nullable): the open "Discard Changes?" question, for tests */
AdwMessageDialog *
ep_profile_editor_get_discard_dialog (EpProfileEditor *self)
{
  g_return_val_if_fail (EP_IS_PROFILE_EDITOR (self), NULL);
  return self->discard_dialog;
}

static void
back_discard_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  EpProfileEditor *self = EP_PROFILE_EDITOR (source);

  if (ep_profile_editor_ask_discard_finish (self, result, NULL))
    ep_profile_editor_emit_done (self);
}

/* Back (or Escape): leaves at once when nothing would be lost, otherwise asks first. */
static void
cancel_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  EpProfileEditor *self = EP_PROFILE_EDITOR (widget);

  if (!ep_profile_editor_has_changes (self))
    ep_profile_editor_emit_done (self);
  else
    ep_profile_editor_ask_discard_async (self, back_discard_cb, NULL);
}

/* ---- Test Connection ------------------------------------------------------------------------- */

/* Trusting a certificate in the connection test pins it on the draft; a stored profile for the
 * same server keeps it at once (the user decided about that certificate, not about the other
 * fields). The SIZE limit learnt there is kept the same way. */
static gboolean
same_server_as_original (EpProfileEditor *self)
{
  return self->original != NULL &&
         ep_profile_has_server (self->original, ep_profile_get_host (self->draft),
                                ep_profile_get_port (self->draft));
}

static void
persist_on_original (EpProfileEditor *self)
{
  g_autoptr(GError) error = NULL;

  if (!ep_profile_store_save (self->store, &error))
    show_toast (self, error->message);
}

static void
draft_pinned_cb (EpProfileEditor *self)
{
  const char *pinned = ep_profile_get_pinned_sha256 (self->draft);

  ep_profile_editor_update_pinned_row (self);
  if (pinned != NULL && same_server_as_original (self) && !self->is_sandbox &&
      g_strcmp0 (ep_profile_get_pinned_sha256 (self->original), pinned) != 0)
    {
      ep_profile_set_pinned_sha256 (self->original, pinned);
      ep_profile_set_pinned_sha256 (self->baseline, pinned);   /* saved already: no change */
      persist_on_original (self);
    }
}

static void
draft_size_limit_cb (EpProfileEditor *self)
{
  guint64 size = ep_profile_get_size_limit (self->draft);

  if (size > 0 && (same_server_as_original (self) || self->is_sandbox) &&
      ep_profile_get_size_limit (self->original) != size)
    {
      ep_profile_set_size_limit (self->original, size);
      persist_on_original (self);
    }
}

/* What a test connection learned of FUTURERELEASE, for Send Later: only about the server the
 * original names. */
static void
draft_future_release_cb (EpProfileEditor *self)
{
  GDateTime *learned = ep_profile_get_future_release_learned (self->draft);

  if (learned != NULL && (same_server_as_original (self) || self->is_sandbox))
    {
      copy_future_release (self->draft, self->original);
      persist_on_original (self);
    }
}

void
ep_profile_editor_connect_draft (EpProfileEditor *self)
{
  g_signal_connect_swapped (self->draft, "notify::pinned-sha256", G_CALLBACK (draft_pinned_cb), self);
  g_signal_connect_swapped (self->draft, "notify::size-limit", G_CALLBACK (draft_size_limit_cb), self);
  g_signal_connect_swapped (self->draft, "notify::future-release-learned",
                            G_CALLBACK (draft_future_release_cb), self);
}

static void
test_window_destroyed_cb (EpProfileEditor *self)
{
  self->test_window = NULL;
}

/**
 * ep_profile_editor_test_connection:
 *
 * Opens (or reuses) the connection test for the values in the fields and runs it. Nothing is
 * saved, except what the user decides there: a trusted certificate, and the SIZE limit.
 */
void
ep_profile_editor_test_connection (EpProfileEditor *self)
{
  g_autofree char *password = NULL;
  GtkRoot *root;

  g_return_if_fail (EP_IS_PROFILE_EDITOR (self));

  if (!self->is_sandbox && ep_profile_editor_parse_port (self) == 0)
    {
      set_problem (self, _("The port must be a number from 1 to 65535."), self->port_row);
      return;
    }
  if (!self->is_sandbox && *text_of (self->host_row) == '\0')
    {
      set_problem (self, _("Enter the server’s name first."), self->host_row);
      return;
    }
  password = ep_profile_editor_dup_password (self);
  /* The saved password is for the saved server: a test of another one (whoever answers there)
   * must not get it. The user types the password meant for this server instead. */
  if (password == NULL && !self->is_sandbox && self->original != NULL &&
      !same_server_as_original (self) && *text_of (self->username_row) != '\0' &&
      (has_stored_password (self) ||
       ep_keyring_row_get_state (self->keyring_row) == EP_KEYRING_STATE_UNKNOWN))
    {
      g_autofree char *problem = NULL;

      /* Translators: %s:%u is the saved server, e.g. "smtp.example.org:587" */
      problem = g_strdup_printf (_("The saved password is for %s:%u. To test this server, type "
                                   "its password."),
                                 ep_profile_get_host (self->original), ep_profile_get_port (self->original));
      set_problem (self, problem, self->password_row);
      return;
    }
  set_problem (self, NULL, NULL);

  if (self->test_window == NULL)
    {
      root = gtk_widget_get_root (GTK_WIDGET (self));
      self->test_window = ep_connection_test_window_new (GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                                         self->store, self->draft, self->is_sandbox,
                                                         password);
      g_signal_connect_object (self->test_window, "destroy", G_CALLBACK (test_window_destroyed_cb),
                               self, G_CONNECT_SWAPPED);
    }
  else
    ep_connection_test_window_set_password (self->test_window, password);
  if (password != NULL)
    ep_secrets_password_free (g_steal_pointer (&password));
  ep_profile_editor_sent_pass_password (self, self->test_window);

  gtk_window_present (GTK_WINDOW (self->test_window));
  ep_connection_test_window_start (self->test_window);
}

static void
test_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  ep_profile_editor_test_connection (EP_PROFILE_EDITOR (widget));
}

/* ---- set-up and tear-down -------------------------------------------------------------------- */

void
ep_profile_editor_actions_class_init (GtkWidgetClass *widget_class)
{
  gtk_widget_class_install_action (widget_class, "editor.save", NULL, save_action);
  gtk_widget_class_install_action (widget_class, "editor.cancel", NULL, cancel_action);
  gtk_widget_class_install_action (widget_class, "editor.test", NULL, test_action);
  /* The preferences window closes on Escape; inside the editor, Escape only goes back. */
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "editor.cancel", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_s, GDK_CONTROL_MASK, "editor.save", NULL);
}

void
ep_profile_editor_actions_dispose (EpProfileEditor *self)
{
  if (self->test_window != NULL)
    gtk_window_destroy (GTK_WINDOW (self->test_window));
  if (self->discard_dialog != NULL)
    {
      AdwMessageDialog *dialog = self->discard_dialog;

      /* Answer it (keep editing: nothing discarded by accident) so that whoever waits is told. */
      g_object_ref (dialog);
      adw_message_dialog_response (dialog, "cancel");
      gtk_window_destroy (GTK_WINDOW (dialog));
      g_object_unref (dialog);
    }
  if (self->draft != NULL)
    g_signal_handlers_disconnect_by_data (self->draft, self);
}
