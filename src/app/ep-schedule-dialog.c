/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-schedule-dialog.c: a day from a calendar and a time from two spin buttons, in local time.
 * A time that has passed is refused here, where the person can still change it: a message
 * scheduled for the past would go at once, which is what Send is for. */
#include "config.h"

#include <glib/gi18n.h>

#include "ep-schedule-dialog-private.h"

/* How often the dialog checks again whether the time shown has passed while it is open. */
#define EP_SCHEDULE_RECHECK_SECONDS 15

struct _EpScheduleDialog
{
  AdwWindow parent_instance;

  /* Template widgets */
  GtkButton     *cancel_button;
  GtkButton     *accept_button;
  GtkCalendar   *calendar;
  GtkSpinButton *hour_spin;
  GtkSpinButton *minute_spin;
  GtkLabel      *hint_label;
  GtkWidget     *server_hold_list;
  AdwActionRow  *server_hold_row;
  GtkSwitch     *server_hold_switch;

  EpProfile     *profile;          /* Send Later: the server that may hold the message */
  gboolean       server_can_hold;  /* for the time shown, as last learned */
  guint          recheck_source;
};

#define EP_SCHEDULE_DIALOG_UI "/io/github/epistlemail/Epistle/ep-schedule-dialog.ui"

G_DEFINE_FINAL_TYPE (EpScheduleDialog, ep_schedule_dialog, ADW_TYPE_WINDOW)

enum {
  SIGNAL_CHOSEN,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static GDateTime *
at_morning (GDateTime *day)
{
  return g_date_time_new (g_date_time_get_timezone (day), g_date_time_get_year (day),
                          g_date_time_get_month (day), g_date_time_get_day_of_month (day),
                          EP_SCHEDULE_MORNING_HOUR, 0, 0);
}

/* The latest time the profile's server holds a message until, asked @now; NULL: no limit. */
static GDateTime *
dup_hold_limit (EpProfile *profile,
                GDateTime *now)
{
  guint64 interval = 0;
  gint64 latest = 0;
  GDateTime *limit = NULL;

  ep_profile_get_future_release (profile, &interval, &latest);
  if (interval > 0)
    limit = g_date_time_add_seconds (now, (gdouble) MIN (interval, (guint64) G_MAXINT32));
  if (latest > 0)
    {
      g_autoptr(GDateTime) date = g_date_time_new_from_unix_utc (latest);

      if (date != NULL && (limit == NULL || g_date_time_compare (date, limit) < 0))
        {
          g_clear_pointer (&limit, g_date_time_unref);
          limit = g_steal_pointer (&date);
        }
    }
  return limit;
}

/* The switch offered as far as the server, as last learned, can hold the message until
 * @chosen; else insensitive, off, and the row says why. */
static void
update_server_hold (EpScheduleDialog *self,
                    GDateTime        *chosen,
                    GDateTime        *now)
{
  g_autofree char *reason = NULL;

  gtk_widget_set_visible (self->server_hold_list, self->profile != NULL);
  if (self->profile == NULL)
    {
      self->server_can_hold = FALSE;
      return;
    }
  self->server_can_hold = ep_profile_can_hold_until (self->profile, chosen, now);
  if (self->server_can_hold)
    reason = g_strdup (_("The message leaves now and the server delivers it at the chosen time, "
                         "even if this computer is off"));
  else if (ep_profile_get_future_release_learned (self->profile) == NULL)
    reason = g_strdup (_("Test the connection of this profile first, to learn whether its "
                         "server can hold messages"));
  else if (!ep_profile_get_future_release (self->profile, NULL, NULL))
    reason = g_strdup (_("The server of this profile cannot hold messages"));
  else
    {
      g_autoptr(GDateTime) limit = dup_hold_limit (self->profile, now);
      g_autofree char *until = limit != NULL ? ep_schedule_format_time (limit) : NULL;

      /* Translators: %s is a day and a time, such as "Tuesday 8 December at 08:00" */
      reason = g_strdup_printf (_("The server holds messages until %s at the latest"),
                                until != NULL ? until : "");
    }
  adw_action_row_set_subtitle (self->server_hold_row, reason);
  gtk_widget_set_sensitive (GTK_WIDGET (self->server_hold_row), self->server_can_hold);
  if (!self->server_can_hold)
    gtk_switch_set_active (self->server_hold_switch, FALSE);
}

/* Whether the time shown is still to come; says so under the fields when it is not. */
static gboolean
update_validity (EpScheduleDialog *self)
{
  g_autoptr(GDateTime) chosen = ep_schedule_dialog_dup_time (self);
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  gboolean future = g_date_time_compare (chosen, now) > 0;
  g_autofree char *when = ep_schedule_format_time (chosen);
  g_autofree char *hint = NULL;

  update_server_hold (self, chosen, now);
  if (future && ep_schedule_dialog_get_server_hold (self))
    /* Translators: %s is a day and a time, such as "Tuesday 8 December at 08:00" */
    hint = g_strdup_printf (_("The message leaves now; the server delivers it on %s."), when);
  else if (future)
    /* Translators: %s is a day and a time, such as "Tuesday 8 December at 08:00" */
    hint = g_strdup_printf (_("The message will be sent on %s."), when);
  else
    hint = g_strdup (_("This time has passed. Choose a time in the future."));
  gtk_label_set_text (self->hint_label, hint);
  gtk_widget_set_sensitive (GTK_WIDGET (self->accept_button), future);
  return future;
}

static gboolean
recheck_cb (gpointer user_data)
{
  update_validity (user_data);
  return G_SOURCE_CONTINUE;
}

/* Minutes as two digits: 08:05, not 8:5. */
static gboolean
spin_output_cb (GtkSpinButton *spin,
                gpointer       user_data)
{
  g_autofree char *text = g_strdup_printf ("%02d", gtk_spin_button_get_value_as_int (spin));

  gtk_editable_set_text (GTK_EDITABLE (spin), text);
  return TRUE;
}

static void
accept_clicked_cb (EpScheduleDialog *self)
{
  ep_schedule_dialog_accept (self);
}

static void
ep_schedule_dialog_dispose (GObject *object)
{
  EpScheduleDialog *self = EP_SCHEDULE_DIALOG (object);

  g_clear_handle_id (&self->recheck_source, g_source_remove);
  g_clear_object (&self->profile);
  gtk_widget_dispose_template (GTK_WIDGET (self), EP_TYPE_SCHEDULE_DIALOG);

  G_OBJECT_CLASS (ep_schedule_dialog_parent_class)->dispose (object);
}

static void
ep_schedule_dialog_class_init (EpScheduleDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = ep_schedule_dialog_dispose;

  signals[SIGNAL_CHOSEN] = g_signal_new ("chosen", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                         0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_DATE_TIME);

  gtk_widget_class_set_template_from_resource (widget_class, EP_SCHEDULE_DIALOG_UI);
  gtk_widget_class_bind_template_child (widget_class, EpScheduleDialog, cancel_button);
  gtk_widget_class_bind_template_child (widget_class, EpScheduleDialog, accept_button);
  gtk_widget_class_bind_template_child (widget_class, EpScheduleDialog, calendar);
  gtk_widget_class_bind_template_child (widget_class, EpScheduleDialog, hour_spin);
  gtk_widget_class_bind_template_child (widget_class, EpScheduleDialog, minute_spin);
  gtk_widget_class_bind_template_child (widget_class, EpScheduleDialog, hint_label);
  gtk_widget_class_bind_template_child (widget_class, EpScheduleDialog, server_hold_list);
  gtk_widget_class_bind_template_child (widget_class, EpScheduleDialog, server_hold_row);
  gtk_widget_class_bind_template_child (widget_class, EpScheduleDialog, server_hold_switch);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
ep_schedule_dialog_init (EpScheduleDialog *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  g_signal_connect (self->hour_spin, "output", G_CALLBACK (spin_output_cb), NULL);
  g_signal_connect (self->minute_spin, "output", G_CALLBACK (spin_output_cb), NULL);
  g_signal_connect_swapped (self->calendar, "day-selected", G_CALLBACK (update_validity), self);
  g_signal_connect_swapped (self->hour_spin, "value-changed", G_CALLBACK (update_validity), self);
  g_signal_connect_swapped (self->minute_spin, "value-changed", G_CALLBACK (update_validity), self);
  g_signal_connect_swapped (self->server_hold_switch, "notify::active",
                            G_CALLBACK (update_validity), self);
  g_signal_connect_swapped (self->cancel_button, "clicked", G_CALLBACK (gtk_window_close), self);
  g_signal_connect_swapped (self->accept_button, "clicked", G_CALLBACK (accept_clicked_cb), self);
  self->recheck_source = g_timeout_add_seconds (EP_SCHEDULE_RECHECK_SECONDS, recheck_cb, self);
}

/**
 * ep_schedule_preset_time:
 * @now: the current time, in the time zone the presets are meant in (local)
 *
 * Returns: (transfer full): when @preset is, counted from @now
 */
GDateTime *
ep_schedule_preset_time (EpSchedulePreset  preset,
                         GDateTime        *now)
{
  g_autoptr(GDateTime) day = NULL;
  int days;

  g_return_val_if_fail (now != NULL, NULL);

  switch (preset)
    {
    case EP_SCHEDULE_IN_ONE_HOUR:
      return g_date_time_add_hours (now, 1);
    case EP_SCHEDULE_TOMORROW_MORNING:
      day = g_date_time_add_days (now, 1);
      return at_morning (day);
    case EP_SCHEDULE_MONDAY_MORNING:
      /* 1 is Monday, 7 Sunday; on a Monday it is the next one. */
      days = 8 - g_date_time_get_day_of_week (now);
      day = g_date_time_add_days (now, days);
      return at_morning (day);
    default:
      g_return_val_if_reached (NULL);
    }
}

/* The names the Send Later menu's items carry: "hour", "tomorrow", "monday". */
gboolean
ep_schedule_preset_from_string (const char       *name,
                                EpSchedulePreset *out_preset)
{
  static const struct { const char *name; EpSchedulePreset preset; } names[] = {
    { "hour", EP_SCHEDULE_IN_ONE_HOUR },
    { "tomorrow", EP_SCHEDULE_TOMORROW_MORNING },
    { "monday", EP_SCHEDULE_MONDAY_MORNING },
  };

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    if (g_strcmp0 (name, names[i].name) == 0)
      {
        *out_preset = names[i].preset;
        return TRUE;
      }
  return FALSE;
}

char *
ep_schedule_format_time (GDateTime *time)
{
  g_autoptr(GDateTime) local = NULL;

  g_return_val_if_fail (time != NULL, NULL);

  local = g_date_time_to_local (time);
  /* Translators: a day and a time for a message sent later, as g_date_time_format() takes it:
   * "Tuesday 8 December at 08:00" */
  return g_date_time_format (local, _("%A %-d %B at %H:%M"));
}

/**
 * ep_schedule_dialog_new:
 * @title: the dialog's title ("Send Later", "Reschedule")
 * @accept_label: its button, with a mnemonic
 * @initial: (nullable): the time shown first; %NULL: an hour from now
 */
EpScheduleDialog *
ep_schedule_dialog_new (GtkWindow  *parent,
                        const char *title,
                        const char *accept_label,
                        GDateTime  *initial)
{
  EpScheduleDialog *self;
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autoptr(GDateTime) shown = NULL;

  g_return_val_if_fail (parent == NULL || GTK_IS_WINDOW (parent), NULL);
  g_return_val_if_fail (title != NULL && accept_label != NULL, NULL);

  self = g_object_new (EP_TYPE_SCHEDULE_DIALOG, "title", title, "transient-for", parent, NULL);
  gtk_button_set_label (self->accept_button, accept_label);
  /* A time that has passed (a reschedule of something overdue) makes a poor start. */
  if (initial != NULL && g_date_time_compare (initial, now) > 0)
    shown = g_date_time_ref (initial);
  else
    shown = ep_schedule_preset_time (EP_SCHEDULE_IN_ONE_HOUR, now);
  ep_schedule_dialog_set_time (self, shown);
  return self;
}

/**
 * ep_schedule_dialog_dup_time:
 *
 * Returns: (transfer full): the day and time shown, in local time (seconds 0)
 */
GDateTime *
ep_schedule_dialog_dup_time (EpScheduleDialog *self)
{
  g_autoptr(GDateTime) day = NULL;
  g_autoptr(GTimeZone) local = g_time_zone_new_local ();

  g_return_val_if_fail (EP_IS_SCHEDULE_DIALOG (self), NULL);

  day = gtk_calendar_get_date (self->calendar);
  return g_date_time_new (local, g_date_time_get_year (day), g_date_time_get_month (day),
                          g_date_time_get_day_of_month (day),
                          gtk_spin_button_get_value_as_int (self->hour_spin),
                          gtk_spin_button_get_value_as_int (self->minute_spin), 0);
}

void
ep_schedule_dialog_set_time (EpScheduleDialog *self,
                             GDateTime        *time)
{
  g_autoptr(GDateTime) local = NULL;

  g_return_if_fail (EP_IS_SCHEDULE_DIALOG (self));
  g_return_if_fail (time != NULL);

  local = g_date_time_to_local (time);
  gtk_calendar_select_day (self->calendar, local);
  gtk_spin_button_set_value (self->hour_spin, g_date_time_get_hour (local));
  gtk_spin_button_set_value (self->minute_spin, g_date_time_get_minute (local));
  update_validity (self);
}

gboolean
ep_schedule_dialog_accept (EpScheduleDialog *self)
{
  g_autoptr(GDateTime) chosen = NULL;

  g_return_val_if_fail (EP_IS_SCHEDULE_DIALOG (self), FALSE);

  if (!update_validity (self))
    return FALSE;
  chosen = ep_schedule_dialog_dup_time (self);
  /* Kept alive through the handlers: one of them may close the dialog's parent. */
  g_object_ref (self);
  g_signal_emit (self, signals[SIGNAL_CHOSEN], 0, chosen);
  gtk_window_destroy (GTK_WINDOW (self));
  g_object_unref (self);
  return TRUE;
}

void
ep_schedule_dialog_set_profile (EpScheduleDialog *self,
                                EpProfile        *profile)
{
  g_return_if_fail (EP_IS_SCHEDULE_DIALOG (self));
  g_return_if_fail (profile == NULL || EP_IS_PROFILE (profile));

  g_set_object (&self->profile, profile);
  update_validity (self);
}

gboolean
ep_schedule_dialog_get_server_hold (EpScheduleDialog *self)
{
  g_return_val_if_fail (EP_IS_SCHEDULE_DIALOG (self), FALSE);

  return self->server_can_hold && gtk_switch_get_active (self->server_hold_switch);
}

AdwActionRow *
ep_schedule_dialog_get_server_hold_row (EpScheduleDialog *self)
{
  g_return_val_if_fail (EP_IS_SCHEDULE_DIALOG (self), NULL);

  return self->server_hold_row;
}

GtkSwitch *
ep_schedule_dialog_get_server_hold_switch (EpScheduleDialog *self)
{
  g_return_val_if_fail (EP_IS_SCHEDULE_DIALOG (self), NULL);

  return self->server_hold_switch;
}
