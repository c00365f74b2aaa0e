/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-relay.c: one queue under a mutex, drained on the main context by one GSource whose ready
 * time the posting threads set: at once for an event, at the end of the interval for progress.
 * A progress post that finds progress at the tail of the queue updates it in place; that is
 * the whole of the coalescing, and it keeps progress in order with the events around it. */
#include "config.h"

#include "ep-relay.h"

typedef enum {
  ITEM_EVENT,
  ITEM_PROGRESS,
  ITEM_END,
} ItemKind;

typedef struct {
  ItemKind        kind;
  gpointer        event;
  GDestroyNotify  event_free;
  guint64         done;
  guint64         total;
} Item;

struct _EpRelay
{
  gatomicrefcount      ref_count;
  GMutex               lock;
  GMainContext        *context;
  gint64               interval_us;
  EpRelayEventFunc     event_func;
  EpRelayProgressFunc  progress_func;

  /* Under @lock */
  GQueue               items;
  GSource             *source;         /* NULL once closed */
  gpointer             user_data;
  GDestroyNotify       user_data_destroy;
  gboolean             closed;
  gint64               ready_time;     /* when @source is due; -1: not scheduled */
  gint64               last_progress;  /* when progress was last delivered */
};

static void
item_free (Item *item)
{
  if (item->event_free != NULL)
    item->event_free (item->event);
  g_free (item);
}

/* Under the lock: make the source due at @when (monotonic µs) unless it is due sooner already. */
static void
schedule_locked (EpRelay *self,
                 gint64   when)
{
  if (self->source == NULL)
    return;
  if (self->ready_time != -1 && self->ready_time <= when)
    return;
  self->ready_time = when;
  /* Wakes the context up when called from another thread. */
  g_source_set_ready_time (self->source, when);
}

static void
unschedule_locked (EpRelay *self)
{
  self->ready_time = -1;
  if (self->source != NULL)
    g_source_set_ready_time (self->source, -1);
}

/* Delivers the queue's items one at a time, so that a callback that flushes again (or runs a
 * nested main loop) cannot deliver a later one before an earlier one. Without @all, trailing
 * progress whose interval has not passed waits for it. */
static void
deliver (EpRelay  *self,
         gboolean  all)
{
  ep_relay_ref (self);
  for (;;)
    {
      Item *item;
      gint64 now = g_get_monotonic_time ();

      g_mutex_lock (&self->lock);
      if (self->closed)
        {
          g_mutex_unlock (&self->lock);
          break;
        }
      item = g_queue_peek_head (&self->items);
      if (item == NULL)
        {
          unschedule_locked (self);
          g_mutex_unlock (&self->lock);
          break;
        }
      if (!all && item->kind == ITEM_PROGRESS && self->items.length == 1 &&
          now < self->last_progress + self->interval_us)
        {
          unschedule_locked (self);
          schedule_locked (self, self->last_progress + self->interval_us);
          g_mutex_unlock (&self->lock);
          break;
        }
      g_queue_pop_head (&self->items);
      if (item->kind == ITEM_PROGRESS)
        self->last_progress = now;
      g_mutex_unlock (&self->lock);

      switch (item->kind)
        {
        case ITEM_EVENT:
          self->event_func (item->event, self->user_data);
          break;
        case ITEM_PROGRESS:
          self->progress_func (item->done, item->total, self->user_data);
          break;
        case ITEM_END:
          ep_relay_close (self);
          break;
        default:
          g_assert_not_reached ();
        }
      item_free (item);
    }
  ep_relay_unref (self);
}

static gboolean
relay_source_dispatch (GSource     *source,
                       GSourceFunc  callback,
                       gpointer     user_data)
{
  return callback (user_data);
}

static GSourceFuncs relay_source_funcs = {
  .dispatch = relay_source_dispatch,
};

static gboolean
relay_dispatch_cb (gpointer user_data)
{
  deliver (user_data, FALSE);
  return G_SOURCE_CONTINUE;
}

EpRelay *
ep_relay_new (GMainContext        *context,
              guint                interval_ms,
              EpRelayEventFunc     event_func,
              EpRelayProgressFunc  progress_func,
              gpointer             user_data,
              GDestroyNotify       user_data_destroy)
{
  EpRelay *self = g_new0 (EpRelay, 1);

  g_atomic_ref_count_init (&self->ref_count);
  g_mutex_init (&self->lock);
  self->context = context != NULL ? g_main_context_ref (context) : g_main_context_ref_thread_default ();
  self->interval_us = (gint64) interval_ms * 1000;
  self->event_func = event_func;
  self->progress_func = progress_func;
  self->user_data = user_data;
  self->user_data_destroy = user_data_destroy;
  g_queue_init (&self->items);
  self->ready_time = -1;
  /* The first progress goes at once. */
  self->last_progress = g_get_monotonic_time () - self->interval_us;

  /* The source's callback holds a reference until the relay is closed. */
  self->source = g_source_new (&relay_source_funcs, sizeof (GSource));
  g_source_set_static_name (self->source, "EpRelay");
  g_source_set_callback (self->source, relay_dispatch_cb, ep_relay_ref (self),
                         (GDestroyNotify) ep_relay_unref);
  g_source_attach (self->source, self->context);
  return self;
}

EpRelay *
ep_relay_ref (EpRelay *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_atomic_ref_count_inc (&self->ref_count);
  return self;
}

void
ep_relay_unref (EpRelay *self)
{
  g_return_if_fail (self != NULL);

  if (!g_atomic_ref_count_dec (&self->ref_count))
    return;
  /* The source held a reference until closing, so it is gone, and so are the items. */
  g_assert (self->source == NULL);
  g_main_context_unref (self->context);
  g_mutex_clear (&self->lock);
  g_free (self);
}

static void
post (EpRelay *self,
      Item    *item)
{
  g_mutex_lock (&self->lock);
  if (self->closed)
    {
      g_mutex_unlock (&self->lock);
      item_free (item);
      return;
    }
  g_queue_push_tail (&self->items, item);
  schedule_locked (self, 0);
  g_mutex_unlock (&self->lock);
}

void
ep_relay_post_event (EpRelay        *self,
                     gpointer        event,
                     GDestroyNotify  event_free)
{
  Item *item;

  g_return_if_fail (self != NULL);
  g_return_if_fail (self->event_func != NULL);

  item = g_new0 (Item, 1);
  item->kind = ITEM_EVENT;
  item->event = event;
  item->event_free = event_free;
  post (self, item);
}

void
ep_relay_post_progress (EpRelay *self,
                        guint64  done,
                        guint64  total)
{
  Item *tail;

  g_return_if_fail (self != NULL);
  g_return_if_fail (self->progress_func != NULL);

  g_mutex_lock (&self->lock);
  if (self->closed)
    {
      g_mutex_unlock (&self->lock);
      return;
    }
  tail = g_queue_peek_tail (&self->items);
  if (tail == NULL || tail->kind != ITEM_PROGRESS)
    {
      tail = g_new0 (Item, 1);
      tail->kind = ITEM_PROGRESS;
      g_queue_push_tail (&self->items, tail);
    }
  tail->done = done;
  tail->total = total;
  schedule_locked (self, self->last_progress + self->interval_us);
  g_mutex_unlock (&self->lock);
}

void
ep_relay_post_end (EpRelay *self)
{
  Item *item;

  g_return_if_fail (self != NULL);

  item = g_new0 (Item, 1);
  item->kind = ITEM_END;
  post (self, item);
}

gboolean
ep_relay_is_closed (EpRelay *self)
{
  gboolean closed;

  g_return_val_if_fail (self != NULL, TRUE);

  g_mutex_lock (&self->lock);
  closed = self->closed;
  g_mutex_unlock (&self->lock);
  return closed;
}

void
ep_relay_flush (EpRelay *self)
{
  g_return_if_fail (self != NULL);
  deliver (self, TRUE);
}

void
ep_relay_close (EpRelay *self)
{
  GQueue items = G_QUEUE_INIT;
  GSource *source;
  gpointer user_data;
  GDestroyNotify user_data_destroy;

  g_return_if_fail (self != NULL);

  g_mutex_lock (&self->lock);
  if (self->closed)
    {
      g_mutex_unlock (&self->lock);
      return;
    }
  self->closed = TRUE;
  items = self->items;
  g_queue_init (&self->items);
  source = g_steal_pointer (&self->source);
  user_data = g_steal_pointer (&self->user_data);
  user_data_destroy = g_steal_pointer (&self->user_data_destroy);
  g_mutex_unlock (&self->lock);

  g_queue_clear_full (&items, (GDestroyNotify) item_free);
  if (user_data_destroy != NULL)
    user_data_destroy (user_data);
  /* Drops the source's reference to the relay: the caller holds its own. */
  g_source_destroy (source);
  g_source_unref (source);
}
