/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-window.c: a compose window: header bar, address fields, subject and body. */
#include "config.h"

#include <glib/gi18n.h>

#include "ep-window-private.h"

G_DEFINE_FINAL_TYPE (EpWindow, ep_window, ADW_TYPE_APPLICATION_WINDOW)

static void
ep_window_set_offered_files (EpWindow  *self,
                             GPtrArray *files)
{
  g_autoptr(GString) names = g_string_new (NULL);
  g_autofree char *text = NULL;

  g_clear_pointer (&self->offered_files, g_ptr_array_unref);
  if (files == NULL || files->len == 0)
    {
      gtk_revealer_set_reveal_child (self->offer_revealer, FALSE);
      return;
    }

  self->offered_files = g_ptr_array_ref (files);
  for (guint i = 0; i < files->len; i++)
    {
      g_autofree char *name = g_file_get_parse_name (files->pdata[i]);

      if (names->len > 0)
        g_string_append (names, ", ");
      g_string_append (names, name);
    }
  text = g_strdup_printf (ngettext ("The link that opened this message asks to attach %u file: %s. "
                                    "Attach it only if you expected this.",
                                    "The link that opened this message asks to attach %u files: %s. "
                                    "Attach them only if you expected this.", files->len),
                          files->len, names->str);
  gtk_label_set_text (self->offer_label, text);
  gtk_revealer_set_reveal_child (self->offer_revealer, TRUE);
}

static void
attach_offered_action (GtkWidget  *widget,
                       const char *action_name,
                       GVariant   *parameter)
{
  EpWindow *self = EP_WINDOW (widget);
  g_autoptr(GPtrArray) files = g_steal_pointer (&self->offered_files);

  if (files != NULL)
    for (guint i = 0; i < files->len; i++)
      ep_window_add_file (self, files->pdata[i], NULL);
  ep_window_set_offered_files (self, NULL);
}

static void
ignore_offered_action (GtkWidget  *widget,
                       const char *action_name,
                       GVariant   *parameter)
{
  ep_window_set_offered_files (EP_WINDOW (widget), NULL);
}

/* The window is named after its subject, so that several drafts can be told apart. */
static void
subject_changed_cb (EpWindow *self)
{
  const char *subject = gtk_editable_get_text (GTK_EDITABLE (self->subject_entry));
  g_autofree char *trimmed = g_strstrip (g_strdup (subject));

  gtk_window_set_title (GTK_WINDOW (self), *trimmed ? trimmed : _("New Message"));
}

static void
ep_window_save_size (EpWindow *self)
{
  int width, height;

  gtk_window_get_default_size (GTK_WINDOW (self), &width, &height);
  g_settings_set_boolean (self->settings, "window-maximized", gtk_window_is_maximized (GTK_WINDOW (self)));
  if (!gtk_window_is_maximized (GTK_WINDOW (self)))
    {
      g_settings_set_int (self->settings, "window-width", width);
      g_settings_set_int (self->settings, "window-height", height);
    }
}

static gboolean
ep_window_close_request (GtkWindow *window)
{
  EpWindow *self = EP_WINDOW (window);

  ep_window_save_size (self);
  if (ep_window_confirm_close (self))
    return TRUE;
  return GTK_WINDOW_CLASS (ep_window_parent_class)->close_request (window);
}

static void
ep_window_dispose (GObject *object)
{
  EpWindow *self = EP_WINDOW (object);

  g_cancellable_cancel (self->cancellable);
  ep_window_send_dispose (self);
  ep_window_send_later_dispose (self);
  ep_window_waiting_dispose (self);
  ep_window_spell_dispose (self);
  ep_window_delivery_dispose (self);
  ep_window_identity_dispose (self);
  /* Widgets emit "changed" while they are torn down; nothing must react to that. */
  if (self->to_entry != NULL)
    {
      GObject *sources[] = { G_OBJECT (self->from_entry), G_OBJECT (self->to_entry),
                             G_OBJECT (self->cc_entry), G_OBJECT (self->bcc_entry),
                             G_OBJECT (self->subject_entry),
                             G_OBJECT (gtk_text_view_get_buffer (self->body_view)),
                             G_OBJECT (self->attachments) };

      for (guint i = 0; i < G_N_ELEMENTS (sources); i++)
        g_signal_handlers_disconnect_by_data (sources[i], self);
    }
  g_clear_handle_id (&self->draft_timeout, g_source_remove);
  g_clear_handle_id (&self->checked_idle, g_source_remove);
  gtk_widget_dispose_template (GTK_WIDGET (self), EP_TYPE_WINDOW);

  G_OBJECT_CLASS (ep_window_parent_class)->dispose (object);
}

static void
ep_window_finalize (GObject *object)
{
  EpWindow *self = EP_WINDOW (object);

  g_clear_object (&self->cancellable);
  g_clear_object (&self->settings);
  g_clear_object (&self->attachments);
  g_clear_pointer (&self->checked, g_ptr_array_unref);
  g_clear_pointer (&self->attached_files, g_hash_table_unref);
  g_clear_pointer (&self->offered_files, g_ptr_array_unref);
  g_clear_object (&self->drafts);
  g_clear_object (&self->store);
  g_clear_object (&self->outbox_worker);
  g_clear_object (&self->outbox);
  g_free (self->outbox_id);
  g_clear_pointer (&self->undo_until, g_date_time_unref);
  g_clear_object (&self->close_hold);
  g_free (self->draft_id);
  g_strfreev (self->delivered);
  g_free (self->saving_draft_id);
  g_free (self->profile_id);
  g_free (self->auto_from);
  g_clear_object (&self->send_op);
  g_clear_object (&self->send_cancellable);
  g_clear_object (&self->send_profile);

  G_OBJECT_CLASS (ep_window_parent_class)->finalize (object);
}

static void
ep_window_class_init (EpWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);


  object_class->dispose = ep_window_dispose;
  object_class->finalize = ep_window_finalize;
  GTK_WINDOW_CLASS (klass)->close_request = ep_window_close_request;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/epistlemail/Epistle/ep-window.ui");
  gtk_widget_class_bind_template_child (widget_class, EpWindow, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, EpWindow, send_button);
  gtk_widget_class_bind_template_child (widget_class, EpWindow, delivery_button);
  gtk_widget_class_bind_template_child (widget_class, EpWindow, cc_label);
  gtk_widget_class_bind_template_child (widget_class, EpWindow, bcc_label);
  gtk_widget_class_bind_template_child (widget_class, EpWindow, cc_button);
  gtk_widget_class_bind_template_child (widget_class, EpWindow, bcc_button);
  gtk_widget_class_bind_template_child (widget_class, EpWindow, from_entry);
  gtk_widget_class_bind_template_child (widget_class, EpWindow, to_entry);
  gtk_widget_class_bind_template_child (widget_class, EpWindow, cc_entry);
  gtk_widget_class_bind_template_child (widget_class, EpWindow, bcc_entry);
  gtk_widget_class_bind_template_child (widget_class, EpWindow, subject_entry);
  gtk_widget_class_bind_template_child (widget_class, EpWindow, body_view);
  gtk_widget_class_bind_template_child (widget_class, EpWindow, drop_revealer);
  gtk_widget_class_bind_template_child (widget_class, EpWindow, attachments_revealer);
  gtk_widget_class_bind_template_child (widget_class, EpWindow, attachments_list);
  gtk_widget_class_bind_template_child (widget_class, EpWindow, attachments_summary);
  gtk_widget_class_bind_template_child (widget_class, EpWindow, size_warning_icon);
  gtk_widget_class_bind_template_child (widget_class, EpWindow, size_warning_label);
  gtk_widget_class_bind_template_child (widget_class, EpWindow, offer_revealer);
  gtk_widget_class_bind_template_child (widget_class, EpWindow, sandbox_revealer);
  gtk_widget_class_bind_template_child (widget_class, EpWindow, delivered_revealer);
  gtk_widget_class_bind_template_child (widget_class, EpWindow, delivered_label);
  gtk_widget_class_bind_template_child (widget_class, EpWindow, offer_label);
  gtk_widget_class_bind_template_child (widget_class, EpWindow, profile_dropdown);
  gtk_widget_class_bind_template_child (widget_class, EpWindow, progress_revealer);
  gtk_widget_class_bind_template_child (widget_class, EpWindow, progress_label);
  gtk_widget_class_bind_template_child (widget_class, EpWindow, progress_bar);
  gtk_widget_class_bind_template_child (widget_class, EpWindow, cancel_button);

  ep_window_send_class_init (widget_class);
  ep_window_send_later_class_init (widget_class);
  ep_window_waiting_class_init (widget_class);
  ep_window_attachments_class_init (widget_class);
  gtk_widget_class_install_action (widget_class, "win.attach-offered", NULL, attach_offered_action);
  gtk_widget_class_install_action (widget_class, "win.ignore-offered", NULL, ignore_offered_action);
}

static void
ep_window_init (EpWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->cancellable = g_cancellable_new ();
  self->settings = g_settings_new (APP_ID);
  gtk_window_set_default_size (GTK_WINDOW (self),
                               g_settings_get_int (self->settings, "window-width"),
                               g_settings_get_int (self->settings, "window-height"));
  if (g_settings_get_boolean (self->settings, "window-maximized"))
    gtk_window_maximize (GTK_WINDOW (self));
  ep_window_attachments_init (self);
  ep_window_fields_init (self);
  ep_window_identity_init (self);
  ep_window_draft_init (self);
  ep_window_send_init (self);
  ep_window_send_later_init (self);
  ep_window_spell_init (self);
  g_signal_connect_swapped (self->subject_entry, "changed", G_CALLBACK (subject_changed_cb), self);
  gtk_widget_grab_focus (GTK_WIDGET (self->to_entry));
}

EpWindow *
ep_window_new (AdwApplication *application,
               EpProfileStore *store)
{
  EpWindow *self;

  g_return_val_if_fail (ADW_IS_APPLICATION (application), NULL);
  g_return_val_if_fail (store == NULL || EP_IS_PROFILE_STORE (store), NULL);

  self = g_object_new (EP_TYPE_WINDOW, "application", application, NULL);
  g_set_object (&self->store, store);
  ep_window_profile_setup (self);
  ep_window_delivery_init (self);
  ep_window_waiting_setup (self);
  return self;
}

void
ep_window_show_toast (EpWindow   *self,
                      const char *text)
{
  AdwToast *toast;

  g_return_if_fail (EP_IS_WINDOW (self));

  toast = adw_toast_new (text);
  adw_toast_set_timeout (toast, 5);
  adw_toast_overlay_add_toast (self->toast_overlay, toast);
}

gboolean
ep_window_is_busy (EpWindow *self)
{
  g_return_val_if_fail (EP_IS_WINDOW (self), FALSE);
  return self->pending_adds > 0;
}

static void
append_addresses (GtkEntry  *entry,
                  GPtrArray *addresses)
{
  g_autoptr(GString) text = g_string_new (gtk_editable_get_text (GTK_EDITABLE (entry)));

  for (guint i = 0; i < addresses->len; i++)
    {
      if (text->len > 0)
        g_string_append (text, ", ");
      g_string_append (text, addresses->pdata[i]);
    }
  gtk_editable_set_text (GTK_EDITABLE (entry), text->str);
}

/* Prefills the message from a mailto: link. Attachments the link names are only offered:
 * a web page must not be able to attach a private file without the user saying yes. */
void
ep_window_apply_mailto (EpWindow       *self,
                        const EpMailto *mailto)
{
  g_return_if_fail (EP_IS_WINDOW (self));
  g_return_if_fail (mailto != NULL);

  append_addresses (self->to_entry, mailto->to);
  append_addresses (self->cc_entry, mailto->cc);
  append_addresses (self->bcc_entry, mailto->bcc);
  if (mailto->subject != NULL)
    gtk_editable_set_text (GTK_EDITABLE (self->subject_entry), mailto->subject);
  if (mailto->body != NULL)
    {
      /* The text view works with \n line ends. */
      g_autoptr(GRegex) crlf = g_regex_new ("\r\n?", 0, 0, NULL);
      g_autofree char *body = g_regex_replace_literal (crlf, mailto->body, -1, 0, "\n", 0, NULL);

      gtk_text_buffer_set_text (gtk_text_view_get_buffer (self->body_view), body, -1);
    }
  ep_window_set_offered_files (self, mailto->attachments);
  ep_window_sync_reveal (self);
}

/* For tests and accessibility tooling: "from", "to", "cc", "bcc", "subject", "body". */
GtkWidget *
ep_window_get_field (EpWindow   *self,
                     const char *name)
{
  g_return_val_if_fail (EP_IS_WINDOW (self), NULL);

  if (g_str_equal (name, "from"))
    return GTK_WIDGET (self->from_entry);
  if (g_str_equal (name, "to"))
    return GTK_WIDGET (self->to_entry);
  if (g_str_equal (name, "cc"))
    return GTK_WIDGET (self->cc_entry);
  if (g_str_equal (name, "bcc"))
    return GTK_WIDGET (self->bcc_entry);
  if (g_str_equal (name, "subject"))
    return GTK_WIDGET (self->subject_entry);
  if (g_str_equal (name, "body"))
    return GTK_WIDGET (self->body_view);
  g_return_val_if_reached (NULL);
}

/* Why Send is not possible now (shown in the Send button's tooltip), or NULL. */
char *
ep_window_dup_send_blocker (EpWindow *self)
{
  g_return_val_if_fail (EP_IS_WINDOW (self), NULL);
  return ep_window_dup_not_ready_reason (self);
}
