/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-schedule-dialog-private.h: what the tests look at in the schedule dialog. */
#pragma once

#include "ep-schedule-dialog.h"

G_BEGIN_DECLS

/* The row of "Let the server hold it until then" (its subtitle says why it cannot be chosen)
 * and its switch. */
AdwActionRow *ep_schedule_dialog_get_server_hold_row    (EpScheduleDialog *self);
GtkSwitch    *ep_schedule_dialog_get_server_hold_switch (EpScheduleDialog *self);

G_END_DECLS
