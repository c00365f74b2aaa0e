/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-window.c: a compose window: header bar, address fields, subject and body. */
#include "config.h"

#include <glib/gi18n.h>

#include "ep-window.h"

struct _EpWindow
{
  AdwApplicationWindow parent_instance;

  /* Template widgets */
  AdwToastOverlay *toast_overlay;
  GtkButton       *send_button;
  GtkEntry        *from_entry;
  GtkEntry        *to_entry;
  GtkEntry        *cc_entry;
  GtkEntry        *bcc_entry;
  GtkEntry        *subject_entry;
  GtkTextView     *body_view;
};

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
ep_window_attach_action (GtkWidget  *widget,
                         const char *action_name,
                         GVariant   *parameter)
{
}

static void
ep_window_class_init (EpWindowClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

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

  gtk_widget_class_install_action (widget_class, "win.send", NULL, ep_window_send_action);
  gtk_widget_class_install_action (widget_class, "win.attach", NULL, ep_window_attach_action);
}

static void
ep_window_init (EpWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  gtk_widget_grab_focus (GTK_WIDGET (self->to_entry));
}

EpWindow *
ep_window_new (AdwApplication *application)
{
  g_return_val_if_fail (ADW_IS_APPLICATION (application), NULL);

  return g_object_new (EP_TYPE_WINDOW, "application", application, NULL);
}
