/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-outbox-window.h: the Outbox: the messages waiting to be sent, what happened to each, and
 * what the person can do about it. */
#pragma once

#include <adwaita.h>

#include "ep-outbox-worker.h"

G_BEGIN_DECLS

#define EP_TYPE_OUTBOX_WINDOW (ep_outbox_window_get_type ())
G_DECLARE_FINAL_TYPE (EpOutboxWindow, ep_outbox_window, EP, OUTBOX_WINDOW, AdwApplicationWindow)

/* Edit opens the draft it makes with the application's action "app.open-draft" (the draft's id). */
EpOutboxWindow *ep_outbox_window_new    (GtkApplication *application,
                                         EpOutboxWorker *worker);
void            ep_outbox_window_reload (EpOutboxWindow *self);
/* Shows entry @id (when it is listed). */
void            ep_outbox_window_select (EpOutboxWindow *self,
                                         const char     *id);

G_END_DECLS
