/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-outbox-worker.h: the application's sender of outbox entries: it sends what is due, one
 * entry per profile at a time, waits for the next time or the network, and keeps the
 * application running while there is work. */
#pragma once

#include <gio/gio.h>

#include "ep-outbox-delivery.h"
#include "ep-outbox-store.h"
#include "ep-profile-store.h"

G_BEGIN_DECLS

#define EP_TYPE_OUTBOX_WORKER (ep_outbox_worker_get_type ())
G_DECLARE_FINAL_TYPE (EpOutboxWorker, ep_outbox_worker, EP, OUTBOX_WORKER, GObject)

/* Signal "changed" (no arguments): entries were added, changed state or went; views reload.
 * Properties "n-waiting" and "n-failing" (notified when they change). */

EpOutboxWorker *ep_outbox_worker_new            (EpOutboxStore  *store,
                                                 EpProfileStore *profiles);
EpOutboxStore  *ep_outbox_worker_get_store      (EpOutboxWorker *self);
/* The application that owns the worker makes it findable from the application, for its windows
 * (they know it as a GtkApplication). */
void            ep_outbox_worker_attach         (EpOutboxWorker *self,
                                                 GApplication   *application);
EpOutboxWorker *ep_outbox_worker_get_for_application (GApplication *application);
/* The first scan, the timer and the network monitor. */
void            ep_outbox_worker_start          (EpOutboxWorker *self);
/* The store changed (an entry added, held, queued or deleted by someone else): scan again. */
void            ep_outbox_worker_reload         (EpOutboxWorker *self);
/* Queues @id due now and sends it as soon as its profile is free. */
void            ep_outbox_worker_retry_now      (EpOutboxWorker *self,
                                                 const char     *id);
/* A window sends this entry itself (the first attempt, with its dialogs): the worker leaves it
 * alone until released. */
void            ep_outbox_worker_adopt          (EpOutboxWorker *self,
                                                 const char     *id);
void            ep_outbox_worker_release        (EpOutboxWorker *self,
                                                 const char     *id);
void            ep_outbox_worker_inhibit        (EpOutboxWorker *self);
void            ep_outbox_worker_uninhibit      (EpOutboxWorker *self);
/* The retry policy of the preferences, for an attempt a window makes itself. */
void            ep_outbox_worker_get_retry_policy (EpOutboxWorker      *self,
                                                   EpOutboxRetryPolicy *policy);
/* Queued, partial and held entries (and one being sent). */
guint           ep_outbox_worker_get_n_waiting  (EpOutboxWorker *self);
/* Failed and unknown entries: they need the person. */
guint           ep_outbox_worker_get_n_failing  (EpOutboxWorker *self);

G_END_DECLS
