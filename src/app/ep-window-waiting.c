/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-window-waiting.c: the strip under the compose window's header bar that says what waits in
 * the Outbox or could not be sent, with a button that opens it. A message that failed after
 * its window was closed is otherwise easy to miss. */
#include "config.h"

#include <glib/gi18n.h>

#include "ep-window-private.h"

static void
update_waiting (EpWindow *self)
{
  guint waiting = ep_outbox_worker_get_n_waiting (self->waiting_worker);
  guint failing = ep_outbox_worker_get_n_failing (self->waiting_worker);
  g_autofree char *text = NULL;

  if (failing > 0)
    text = g_strdup_printf (ngettext ("%u message could not be sent",
                                      "%u messages could not be sent", failing), failing);
  else if (waiting > 0)
    text = g_strdup_printf (ngettext ("%u message waiting in the Outbox",
                                      "%u messages waiting in the Outbox", waiting), waiting);
  if (text != NULL)
    gtk_label_set_text (self->waiting_label, text);
  gtk_image_set_from_icon_name (self->waiting_icon, failing > 0 ? "dialog-warning-symbolic"
                                                                : "mail-send-symbolic");
  gtk_revealer_set_reveal_child (self->waiting_revealer, text != NULL);
}

void
ep_window_waiting_class_init (GtkWidgetClass *widget_class)
{
  gtk_widget_class_bind_template_child (widget_class, EpWindow, waiting_revealer);
  gtk_widget_class_bind_template_child (widget_class, EpWindow, waiting_icon);
  gtk_widget_class_bind_template_child (widget_class, EpWindow, waiting_label);
}

/* Follows the application's outbox worker, when it has one. */
void
ep_window_waiting_setup (EpWindow *self)
{
  GtkApplication *app = gtk_window_get_application (GTK_WINDOW (self));
  EpOutboxWorker *worker = app != NULL ? ep_outbox_worker_get_for_application (G_APPLICATION (app))
                                       : NULL;

  if (worker == NULL)
    return;
  self->waiting_worker = g_object_ref (worker);
  g_signal_connect_swapped (worker, "notify::n-waiting", G_CALLBACK (update_waiting), self);
  g_signal_connect_swapped (worker, "notify::n-failing", G_CALLBACK (update_waiting), self);
  update_waiting (self);
}

void
ep_window_waiting_dispose (EpWindow *self)
{
  if (self->waiting_worker != NULL)
    g_signal_handlers_disconnect_by_data (self->waiting_worker, self);
  g_clear_object (&self->waiting_worker);
}
