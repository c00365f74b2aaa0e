/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-outbox-worker-private.h: what the tests need of the outbox worker: their own clock, and a
 * look at its timer and at whether it keeps the application running. */
#pragma once

#include "ep-outbox-worker.h"

G_BEGIN_DECLS

/* Returns a new reference to the current time; called on the main thread and on the delivery
 * threads. */
typedef GDateTime *(*EpOutboxWorkerClock) (gpointer clock_data);

void        ep_outbox_worker_set_clock     (EpOutboxWorker      *self,
                                            EpOutboxWorkerClock  clock,
                                            gpointer             clock_data);
/* Before ep_outbox_worker_start(): a monitor of the test's own instead of the system's. */
void        ep_outbox_worker_set_network_monitor (EpOutboxWorker  *self,
                                                  GNetworkMonitor *monitor);
/* Whether the worker runs in a Flatpak (and asks the Background portal), whatever the file
 * system says. */
void        ep_outbox_worker_set_sandboxed (EpOutboxWorker      *self,
                                            gboolean             sandboxed);
/* When the timer fires next (NULL: no timer). */
GDateTime  *ep_outbox_worker_get_wakeup    (EpOutboxWorker      *self);
gboolean    ep_outbox_worker_is_holding    (EpOutboxWorker      *self);
guint       ep_outbox_worker_get_n_running (EpOutboxWorker      *self);
/* Connections the worker started (attempts handed to the engine), since it was made. */
guint       ep_outbox_worker_get_n_attempts (EpOutboxWorker     *self);
/* Copies in the Sent folder on the server it tried again, since it was made. */
guint       ep_outbox_worker_get_n_copy_attempts (EpOutboxWorker *self);

G_END_DECLS
