/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-window.c: a compose window: header bar, address fields, subject and body. */
#include "config.h"

#include <glib/gi18n.h>

#include "ep-window-private.h"

G_DEFINE_FINAL_TYPE (EpWindow, ep_window, ADW_TYPE_APPLICATION_WINDOW)

static void
ep_window_send_action (GtkWidget  *widget,
                       const char *action_name,
                       GVariant   *parameter)
{
  EpWindow *self = EP_WINDOW (widget);

  adw_toast_overlay_add_toast (self->toast_overlay,
                               adw_toast_new (_("No server is set up yet")));
}

static void
ep_window_dispose (GObject *object)
{
  EpWindow *self = EP_WINDOW (object);

  g_cancellable_cancel (self->cancellable);
  gtk_widget_dispose_template (GTK_WIDGET (self), EP_TYPE_WINDOW);

  G_OBJECT_CLASS (ep_window_parent_class)->dispose (object);
}

static void
ep_window_finalize (GObject *object)
{
  EpWindow *self = EP_WINDOW (object);

  g_clear_object (&self->cancellable);
  g_clear_object (&self->attachments);

  G_OBJECT_CLASS (ep_window_parent_class)->finalize (object);
}

static void
ep_window_class_init (EpWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = ep_window_dispose;
  object_class->finalize = ep_window_finalize;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/epistlemail/Epistle/ep-window.ui");
  gtk_widget_class_bind_template_child (widget_class, EpWindow, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, EpWindow, send_button);
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

  gtk_widget_class_install_action (widget_class, "win.send", NULL, ep_window_send_action);
  ep_window_attachments_class_init (widget_class);
}

static void
ep_window_init (EpWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->cancellable = g_cancellable_new ();
  ep_window_attachments_init (self);
  gtk_widget_grab_focus (GTK_WIDGET (self->to_entry));
}

EpWindow *
ep_window_new (AdwApplication *application)
{
  g_return_val_if_fail (ADW_IS_APPLICATION (application), NULL);

  return g_object_new (EP_TYPE_WINDOW, "application", application, NULL);
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
