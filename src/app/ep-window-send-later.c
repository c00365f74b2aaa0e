/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-window-send-later.c: Send Later, the menu on the Send button. The message is built exactly
 * as Send builds it and written to the Outbox as held until the chosen time, when the outbox
 * worker sends it (if Epistle is not running then, it asks at the next start). Or, when the
 * person lets the server hold it (RFC 4865 FUTURERELEASE, offered by the picker when the
 * profile's server can), queued to go at once with that time for the server. The draft goes
 * once the Outbox has the message, and the window does what it does after Send. */
#include "config.h"

#include <glib/gi18n.h>

#include "ep-outbox-delivery.h"
#include "ep-schedule-dialog.h"
#include "ep-window-private.h"

typedef struct {
  EpOutboxStore *store;
  EpMessage     *message;
  char          *profile_id;
  GDateTime     *when;
  gboolean       server_hold;
  gboolean       allow_8bit;    /* ep_outbox_profile_allows_8bit(), read on the main thread */
  GStrv          delivered;
  EpSmtpDeliveryRequest request;
} ScheduleData;

static void
schedule_data_free (ScheduleData *data)
{
  g_object_unref (data->store);
  g_object_unref (data->message);
  g_free (data->profile_id);
  g_date_time_unref (data->when);
  g_strfreev (data->delivered);
  g_free (data);
}

static EpOutboxWorker *
get_worker (EpWindow *self)
{
  GtkApplication *app = gtk_window_get_application (GTK_WINDOW (self));

  return app != NULL ? ep_outbox_worker_get_for_application (G_APPLICATION (app)) : NULL;
}

/* On a worker thread: the attachments are read and encoded now, which may take a while. */
static void
schedule_thread (GTask        *task,
                 gpointer      source_object,
                 gpointer      task_data,
                 GCancellable *cancellable)
{
  ScheduleData *data = task_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GDateTime) utc = g_date_time_to_utc (data->when);
  char *id;

  /* Held by the server: queued now, the server keeps it until then. */
  id = ep_outbox_add_message_with_request_sync (data->store, data->message, data->profile_id,
                                                data->server_hold ? EP_OUTBOX_STATE_QUEUED : EP_OUTBOX_STATE_HELD,
                                                data->server_hold ? NULL : utc,
                                                data->server_hold ? utc : NULL, &data->request,
                                                data->allow_8bit, (const char * const *) data->delivered,
                                                cancellable, &error);

  if (id == NULL)
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_pointer (task, id, g_free);
}

static void
set_scheduling (EpWindow *self,
                gboolean  scheduling)
{
  self->scheduling = scheduling;
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.send-later", !scheduling);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.send-later-pick", !scheduling);
}

static void
scheduled_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(EpWindow) self = user_data;
  ScheduleData *data = g_task_get_task_data (G_TASK (result));
  g_autoptr(GError) error = NULL;
  g_autofree char *id = g_task_propagate_pointer (G_TASK (result), &error);
  g_autofree char *when = NULL;
  g_autofree char *text = NULL;
  EpOutboxWorker *worker;

  set_scheduling (self, FALSE);
  if (id == NULL)
    {
      /* The fields are as they were: nothing is lost, the person can try again or send. */
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          text = g_strdup_printf (_("The message could not be scheduled: %s"), error->message);
          ep_window_show_toast (self, text);
        }
      return;
    }

  worker = get_worker (self);
  if (worker != NULL)
    ep_outbox_worker_reload (worker);
  ep_window_discard_draft (self);
  when = ep_schedule_format_time (data->when);
  /* Translators: %s is a day and a time, such as "Tuesday 8 December at 08:00" */
  text = g_strdup_printf (_("Scheduled for %s"), when);
  ep_window_show_toast (self, text);

  if (g_settings_get_enum (self->settings, "after-send") == 1)
    {
      self->close_confirmed = TRUE;
      gtk_window_close (GTK_WINDOW (self));
    }
  else
    ep_window_clear_fields (self);
}

/* Builds the message as Send does and writes it to the Outbox, held until @when (by the server
 * when @server_hold). */
void
ep_window_schedule (EpWindow  *self,
                    GDateTime *when,
                    gboolean   server_hold)
{
  g_autofree char *reason = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(EpMessage) message = NULL;
  g_autoptr(GTask) task = NULL;
  EpOutboxWorker *worker = get_worker (self);
  EpProfile *profile = ep_window_get_profile (self);
  ScheduleData *data;

  if (self->sending || self->scheduling)
    return;
  reason = ep_window_dup_not_ready_reason (self);
  if (reason != NULL)
    {
      ep_window_show_toast (self, reason);
      return;
    }
  if (profile == NULL)
    {
      ep_window_show_toast (self, _("Choose a server profile first"));
      return;
    }
  message = ep_window_build_message (self, &error);
  if (message == NULL)
    {
      ep_window_show_toast (self, error->message);
      return;
    }

  data = g_new0 (ScheduleData, 1);
  data->store = worker != NULL ? g_object_ref (ep_outbox_worker_get_store (worker))
                               : ep_outbox_store_new (NULL);
  data->message = g_steal_pointer (&message);
  data->profile_id = g_strdup (ep_profile_get_id (profile));
  data->when = g_date_time_ref (when);
  data->server_hold = server_hold;
  /* Read here: the profile belongs to this thread. */
  data->allow_8bit = ep_outbox_profile_allows_8bit (profile);
  data->delivered = g_strdupv (self->delivered);
  {
    gboolean read_receipt;

    ep_window_delivery_get (self, &data->request, &read_receipt);
  }
  set_scheduling (self, TRUE);
  task = g_task_new (NULL, self->cancellable, scheduled_cb, g_object_ref (self));
  g_task_set_source_tag (task, ep_window_schedule);
  g_task_set_task_data (task, data, (GDestroyNotify) schedule_data_free);
  g_task_run_in_thread (task, schedule_thread);
}

static void
send_later_action (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *parameter)
{
  EpWindow *self = EP_WINDOW (widget);
  EpSchedulePreset preset;
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autoptr(GDateTime) when = NULL;

  if (!ep_schedule_preset_from_string (g_variant_get_string (parameter, NULL), &preset))
    return;
  when = ep_schedule_preset_time (preset, now);
  ep_window_check_and_send (self, 0, when, FALSE);
}

static void
picker_chosen_cb (EpScheduleDialog *dialog,
                  GDateTime        *when,
                  EpWindow         *self)
{
  ep_window_check_and_send (self, 0, when, ep_schedule_dialog_get_server_hold (dialog));
}

static void
send_later_pick_action (GtkWidget  *widget,
                        const char *action_name,
                        GVariant   *parameter)
{
  EpWindow *self = EP_WINDOW (widget);
  g_autofree char *reason = ep_window_dup_not_ready_reason (self);
  EpScheduleDialog *dialog;

  /* Said before a time is chosen, not after. */
  if (reason != NULL)
    {
      ep_window_show_toast (self, reason);
      return;
    }
  dialog = ep_schedule_dialog_new (GTK_WINDOW (self), _("Send Later"), _("_Schedule"), NULL);
  ep_schedule_dialog_set_profile (dialog, ep_window_get_profile (self));
  g_signal_connect_object (dialog, "chosen", G_CALLBACK (picker_chosen_cb), self, 0);
  self->schedule_dialog = GTK_WIDGET (dialog);
  g_object_add_weak_pointer (G_OBJECT (dialog), (gpointer *) &self->schedule_dialog);
  gtk_window_present (GTK_WINDOW (dialog));
}

void
ep_window_send_later_class_init (GtkWidgetClass *widget_class)
{
  gtk_widget_class_install_action (widget_class, "win.send-later", "s", send_later_action);
  gtk_widget_class_install_action (widget_class, "win.send-later-pick", NULL,
                                   send_later_pick_action);
}

/* The split button's two halves get names of their own: the arrow has no label to be read. */
static void
name_split_parts (GtkWidget  *widget,
                  const char *menu_name)
{
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      if (GTK_IS_MENU_BUTTON (child) || GTK_IS_TOGGLE_BUTTON (child))
        gtk_accessible_update_property (GTK_ACCESSIBLE (child), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                        menu_name, -1);
      name_split_parts (child, menu_name);
    }
}

void
ep_window_send_later_init (EpWindow *self)
{
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->send_button), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Send"), -1);
  name_split_parts (self->send_button, _("Send Later"));
}

void
ep_window_send_later_dispose (EpWindow *self)
{
  if (self->schedule_dialog != NULL)
    {
      g_object_remove_weak_pointer (G_OBJECT (self->schedule_dialog),
                                    (gpointer *) &self->schedule_dialog);
      gtk_window_destroy (GTK_WINDOW (self->schedule_dialog));
      self->schedule_dialog = NULL;
    }
}

GtkWidget *
ep_window_get_schedule_dialog (EpWindow *self)
{
  g_return_val_if_fail (EP_IS_WINDOW (self), NULL);
  return self->schedule_dialog;
}

gboolean
ep_window_is_scheduling (EpWindow *self)
{
  g_return_val_if_fail (EP_IS_WINDOW (self), FALSE);
  return self->scheduling;
}
