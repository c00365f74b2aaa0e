/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-schedule-dialog.h: choosing when a message goes (Send Later, Reschedule): a day and a time
 * of day, never one that has passed; and the ready-made times of the Send Later menu. */
#pragma once

#include <adwaita.h>

#include "ep-profile.h"

G_BEGIN_DECLS

/* The hour the "morning" presets mean (local time). */
#define EP_SCHEDULE_MORNING_HOUR 8

/**
 * EpSchedulePreset:
 * @EP_SCHEDULE_IN_ONE_HOUR: an hour from now
 * @EP_SCHEDULE_TOMORROW_MORNING: tomorrow at %EP_SCHEDULE_MORNING_HOUR
 * @EP_SCHEDULE_MONDAY_MORNING: the next Monday (never today) at %EP_SCHEDULE_MORNING_HOUR
 */
typedef enum {
  EP_SCHEDULE_IN_ONE_HOUR,
  EP_SCHEDULE_TOMORROW_MORNING,
  EP_SCHEDULE_MONDAY_MORNING,
} EpSchedulePreset;

GDateTime *ep_schedule_preset_time     (EpSchedulePreset  preset,
                                        GDateTime        *now);
gboolean   ep_schedule_preset_from_string (const char    *name,
                                        EpSchedulePreset *out_preset);
/* "Tuesday 8 December at 08:00" in the local time zone: for toasts and the Outbox. */
char      *ep_schedule_format_time     (GDateTime        *time);

#define EP_TYPE_SCHEDULE_DIALOG (ep_schedule_dialog_get_type ())
G_DECLARE_FINAL_TYPE (EpScheduleDialog, ep_schedule_dialog, EP, SCHEDULE_DIALOG, AdwWindow)

/* Signal "chosen" (GDateTime *time): the person accepted a time that had not passed. */

EpScheduleDialog *ep_schedule_dialog_new      (GtkWindow        *parent,
                                               const char       *title,
                                               const char       *accept_label,
                                               GDateTime        *initial);
GDateTime        *ep_schedule_dialog_dup_time (EpScheduleDialog *self);
void              ep_schedule_dialog_set_time (EpScheduleDialog *self,
                                               GDateTime        *time);
/* Offers "Let the server hold it until then" (Send Later) as far as @profile's server, as last
 * learned, can hold a message until the time shown; %NULL: not offered (Reschedule). */
void              ep_schedule_dialog_set_profile     (EpScheduleDialog *self,
                                                      EpProfile        *profile);
/* Whether the person chose to let the server hold the message and, as last learned, it can. */
gboolean          ep_schedule_dialog_get_server_hold (EpScheduleDialog *self);
/* Accepts the time shown, as the button does; FALSE when it has passed (nothing is chosen). */
gboolean          ep_schedule_dialog_accept   (EpScheduleDialog *self);

G_END_DECLS
