/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-relay.h: hands what a worker thread reports to a main context: discrete events in order,
 * byte progress coalesced. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/*
 * A worker thread posts; the relay's main context (the caller's, usually the UI's) receives.
 *
 * - An event (ep_relay_post_event()) is delivered exactly once, after everything posted before
 *   it, and as soon as the context gets to it.
 * - Progress (ep_relay_post_progress()) is coalesced: posts that follow one another keep only
 *   the latest values, and they reach the context at most once per interval, unless an event
 *   comes after them (it takes them along at once, so that they stay in order). The latest
 *   values always arrive eventually: coalescing drops the ones in between, never the last.
 * - ep_relay_post_end(), the worker's last post: once everything before it has been delivered,
 *   the relay closes itself.
 * - ep_relay_close(), on the context: nothing is delivered afterwards; events still waiting
 *   are freed, and so are those posted later (at once, on the posting thread).
 *
 * Closing lets go of @user_data (its destroy notify), on the context: until then, the relay
 * keeps it for the callbacks, so an owner may pass a reference to itself. Every relay must be
 * closed, by its end or by ep_relay_close(), or it and @user_data are never freed.
 */
typedef struct _EpRelay EpRelay;

/* On the relay's context. @event belongs to the relay (it frees it after the call). */
typedef void (*EpRelayEventFunc)    (gpointer event,
                                     gpointer user_data);
typedef void (*EpRelayProgressFunc) (guint64  done,
                                     guint64  total,
                                     gpointer user_data);

/* @context: (nullable): where callbacks run; NULL for the thread-default context of the
 * caller. @interval_ms: the least time between two progress deliveries. */
EpRelay  *ep_relay_new           (GMainContext        *context,
                                  guint                interval_ms,
                                  EpRelayEventFunc     event_func,
                                  EpRelayProgressFunc  progress_func,
                                  gpointer             user_data,
                                  GDestroyNotify       user_data_destroy);
EpRelay  *ep_relay_ref           (EpRelay             *self);
void      ep_relay_unref         (EpRelay             *self);

/* Any thread. */
void      ep_relay_post_event    (EpRelay             *self,
                                  gpointer             event,
                                  GDestroyNotify       event_free);
void      ep_relay_post_progress (EpRelay             *self,
                                  guint64              done,
                                  guint64              total);
void      ep_relay_post_end      (EpRelay             *self);
gboolean  ep_relay_is_closed     (EpRelay             *self);

/* On the relay's context only. */
/* Delivers everything posted so far, now, in order (e.g. before an outcome is shown). */
void      ep_relay_flush         (EpRelay             *self);
void      ep_relay_close         (EpRelay             *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (EpRelay, ep_relay_unref)

G_END_DECLS
