/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-relay.c: the worker → main context relay: everything arrives on the relay's context and
 * nowhere else, events in the order posted with progress kept between them, progress coalesced
 * (at most one delivery per interval, the latest values never lost), nothing after closing or
 * after the end, and the owner's data let go of on the context. */
#include "config.h"

#include <string.h>

#include "ep-relay.h"

/* Every wait in these tests gives up after this long. */
#define WAIT_US (10 * G_USEC_PER_SEC)

typedef enum {
  LOG_EVENT,
  LOG_PROGRESS,
} LogKind;

typedef struct {
  LogKind kind;
  guint64 value;
} LogEntry;

typedef struct {
  GMainContext *context;
  GThread      *receiver;      /* the thread that iterates @context */
  GArray       *log;           /* LogEntry, as delivered */
  guint         wrong_thread;  /* callbacks run elsewhere than @receiver or off @context */
  guint         destroyed;
  GThread      *destroyed_on;
  gint          events_freed;  /* atomic: freed on the worker too, after closing */
  gboolean      closed_seen;   /* a callback ran after the test closed the relay */
  gboolean      test_closed;
} Sink;

typedef struct {
  Sink    *sink;
  guint64  value;
} Event;

static void
event_free (Event *event)
{
  g_atomic_int_inc (&event->sink->events_freed);
  g_free (event);
}

static Event *
event_new (Sink    *sink,
           guint64  value)
{
  Event *event = g_new0 (Event, 1);

  event->sink = sink;
  event->value = value;
  return event;
}

static void
check_thread (Sink *sink)
{
  if (g_thread_self () != sink->receiver || !g_main_context_is_owner (sink->context))
    sink->wrong_thread++;
  if (sink->test_closed)
    sink->closed_seen = TRUE;
}

static void
on_event (gpointer event,
          gpointer user_data)
{
  Sink *sink = user_data;
  LogEntry entry = { LOG_EVENT, ((Event *) event)->value };

  check_thread (sink);
  g_array_append_val (sink->log, entry);
}

static void
on_progress (guint64  done,
             guint64  total,
             gpointer user_data)
{
  Sink *sink = user_data;
  LogEntry entry = { LOG_PROGRESS, done };

  check_thread (sink);
  g_assert_cmpuint (total, ==, done * 2);
  g_array_append_val (sink->log, entry);
}

static void
on_destroy (gpointer user_data)
{
  Sink *sink = user_data;

  sink->destroyed++;
  sink->destroyed_on = g_thread_self ();
}

/* The test's own context, thread-default on the test thread: the relay must deliver there,
 * never on the global default context nor on the worker. */
static void
sink_init (Sink *sink)
{
  memset (sink, 0, sizeof (*sink));
  sink->context = g_main_context_new ();
  sink->receiver = g_thread_self ();
  sink->log = g_array_new (FALSE, FALSE, sizeof (LogEntry));
  g_main_context_push_thread_default (sink->context);
}

static void
sink_clear (Sink *sink)
{
  g_main_context_pop_thread_default (sink->context);
  g_main_context_unref (sink->context);
  g_array_unref (sink->log);
}

static EpRelay *
sink_relay (Sink  *sink,
            guint  interval_ms)
{
  return ep_relay_new (NULL, interval_ms, on_event, on_progress, sink, on_destroy);
}

/* Iterates the sink's context until @done says so (or the wait runs out). */
static gboolean
iterate_until (Sink       *sink,
               GSourceFunc done,
               gpointer    data)
{
  gint64 end = g_get_monotonic_time () + WAIT_US;

  while (!done (data) && g_get_monotonic_time () < end)
    g_main_context_iteration (sink->context, FALSE), g_usleep (200);
  return done (data);
}

static void
iterate_for (Sink   *sink,
             gint64  us)
{
  gint64 end = g_get_monotonic_time () + us;

  while (g_get_monotonic_time () < end)
    g_main_context_iteration (sink->context, FALSE), g_usleep (200);
}

/* ---- a worker thread that posts a script ---------------------------------------------------- */

typedef enum {
  STEP_EVENT,
  STEP_PROGRESS_RUN,   /* @count progress posts, values @value … @value + @count - 1 */
  STEP_SLEEP_MS,
  STEP_WAIT_GATE,      /* until the test opens the gate */
  STEP_END,
} StepKind;

typedef struct {
  StepKind kind;
  guint64  value;
  guint    count;
} Step;

typedef struct {
  EpRelay    *relay;
  Sink       *sink;
  const Step *steps;
  gsize       n_steps;
  gint        gate;    /* atomic */
} Worker;

static gpointer
worker_thread (gpointer data)
{
  Worker *worker = data;

  for (gsize i = 0; i < worker->n_steps; i++)
    {
      const Step *step = &worker->steps[i];

      switch (step->kind)
        {
        case STEP_EVENT:
          ep_relay_post_event (worker->relay, event_new (worker->sink, step->value),
                               (GDestroyNotify) event_free);
          break;
        case STEP_PROGRESS_RUN:
          for (guint j = 0; j < step->count; j++)
            ep_relay_post_progress (worker->relay, step->value + j, (step->value + j) * 2);
          break;
        case STEP_SLEEP_MS:
          g_usleep (step->value * 1000);
          break;
        case STEP_WAIT_GATE:
          {
            gint64 end = g_get_monotonic_time () + WAIT_US;

            while (!g_atomic_int_get (&worker->gate) && g_get_monotonic_time () < end)
              g_usleep (1000);
          }
          break;
        case STEP_END:
          ep_relay_post_end (worker->relay);
          break;
        default:
          g_assert_not_reached ();
        }
    }
  return NULL;
}

static gboolean
relay_closed (gpointer data)
{
  return ep_relay_is_closed (data);
}

/* Events in order, with the progress posted between two events delivered between them, its
 * values rising, and the last one of each run delivered before the next event. */
static void
test_order (void)
{
  enum { RUN = 20000 };
  static const Step steps[] = {
    { STEP_EVENT, 1, 0 },
    { STEP_PROGRESS_RUN, 100000, RUN },
    { STEP_EVENT, 2, 0 },
    { STEP_EVENT, 3, 0 },
    { STEP_PROGRESS_RUN, 200000, RUN },
    { STEP_SLEEP_MS, 30, 0 },
    { STEP_PROGRESS_RUN, 300000, RUN },
    { STEP_EVENT, 4, 0 },
    { STEP_END, 0, 0 },
  };
  Sink sink;
  Worker worker = { 0 };
  g_autoptr(EpRelay) relay = NULL;
  GThread *thread;
  guint64 last_progress = 0;
  guint next_event = 1;

  sink_init (&sink);
  relay = sink_relay (&sink, 10);
  worker = (Worker) { relay, &sink, steps, G_N_ELEMENTS (steps), 0 };
  thread = g_thread_new ("relay-worker", worker_thread, &worker);
  g_assert_true (iterate_until (&sink, relay_closed, relay));
  g_thread_join (thread);

  /* Nothing ran on the global default context. */
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_assert_cmpuint (sink.wrong_thread, ==, 0);

  for (guint i = 0; i < sink.log->len; i++)
    {
      LogEntry *entry = &g_array_index (sink.log, LogEntry, i);

      if (entry->kind == LOG_EVENT)
        {
          g_assert_cmpuint (entry->value, ==, next_event);
          next_event++;
          /* The run before this event ended with its last value. */
          if (entry->value == 2)
            g_assert_cmpuint (last_progress, ==, 100000 + RUN - 1);
          if (entry->value == 4)
            g_assert_cmpuint (last_progress, ==, 300000 + RUN - 1);
          continue;
        }
      /* Rising, and within the runs between the events it sits between. */
      g_assert_cmpuint (entry->value, >, last_progress);
      if (next_event == 2)
        g_assert_cmpuint (entry->value / 100000, ==, 1);
      else
        g_assert_cmpuint (next_event, ==, 4);
      last_progress = entry->value;
    }
  g_assert_cmpuint (next_event, ==, 5);
  /* The end closed the relay, and let go of the owner's data on the context. */
  g_assert_cmpuint (sink.destroyed, ==, 1);
  g_assert_true (sink.destroyed_on == g_thread_self ());
  g_assert_cmpint (g_atomic_int_get (&sink.events_freed), ==, 4);
  sink_clear (&sink);
}

/* A steady stream of progress for about half a second: at most one delivery per interval (plus
 * the first), and the very last value arrives. */
static void
test_coalescing (void)
{
  enum { INTERVAL_MS = 50, POSTS = 100 };
  Step steps[POSTS * 2 + 1];
  Sink sink;
  Worker worker;
  g_autoptr(EpRelay) relay = NULL;
  GThread *thread;
  gint64 start, elapsed;
  guint deliveries = 0;
  LogEntry *last;

  for (guint i = 0; i < POSTS; i++)
    {
      steps[2 * i] = (Step) { STEP_PROGRESS_RUN, 1 + i * 1000, 1000 };
      steps[2 * i + 1] = (Step) { STEP_SLEEP_MS, 5, 0 };
    }
  steps[POSTS * 2] = (Step) { STEP_END, 0, 0 };

  sink_init (&sink);
  relay = sink_relay (&sink, INTERVAL_MS);
  worker = (Worker) { relay, &sink, steps, G_N_ELEMENTS (steps), 0 };
  start = g_get_monotonic_time ();
  thread = g_thread_new ("relay-worker", worker_thread, &worker);
  g_assert_true (iterate_until (&sink, relay_closed, relay));
  elapsed = g_get_monotonic_time () - start;
  g_thread_join (thread);

  for (guint i = 0; i < sink.log->len; i++)
    if (g_array_index (sink.log, LogEntry, i).kind == LOG_PROGRESS)
      deliveries++;
  g_test_message ("%u progress deliveries in %" G_GINT64_FORMAT " ms for %u posts",
                  deliveries, elapsed / 1000, POSTS * 1000);
  g_assert_cmpuint (deliveries, >=, 2);
  g_assert_cmpuint (deliveries, <=, elapsed / (INTERVAL_MS * 1000) + 2);
  last = &g_array_index (sink.log, LogEntry, sink.log->len - 1);
  g_assert_cmpint (last->kind, ==, LOG_PROGRESS);
  g_assert_cmpuint (last->value, ==, (POSTS - 1) * 1000 + 1000);
  g_assert_cmpuint (sink.wrong_thread, ==, 0);
  sink_clear (&sink);
}

/* Progress with nothing after it still arrives, once its interval has passed; a flush delivers
 * it at once. */
static void
test_trailing_progress_and_flush (void)
{
  Sink sink;
  g_autoptr(EpRelay) relay = NULL;

  sink_init (&sink);
  relay = sink_relay (&sink, 100);
  ep_relay_post_progress (relay, 1, 2);
  iterate_for (&sink, 20 * 1000);
  g_assert_cmpuint (sink.log->len, ==, 1);

  /* Within the interval: it waits, and then arrives. */
  ep_relay_post_progress (relay, 2, 4);
  ep_relay_post_progress (relay, 3, 6);
  iterate_for (&sink, 20 * 1000);
  g_assert_cmpuint (sink.log->len, ==, 1);
  iterate_for (&sink, 200 * 1000);
  g_assert_cmpuint (sink.log->len, ==, 2);
  g_assert_cmpuint (g_array_index (sink.log, LogEntry, 1).value, ==, 3);

  /* A flush does not wait for the interval. */
  ep_relay_post_progress (relay, 4, 8);
  ep_relay_flush (relay);
  g_assert_cmpuint (sink.log->len, ==, 3);
  g_assert_cmpuint (g_array_index (sink.log, LogEntry, 2).value, ==, 4);

  ep_relay_close (relay);
  g_assert_cmpuint (sink.destroyed, ==, 1);
  sink_clear (&sink);
}

/* Closed while a worker keeps posting: nothing is delivered afterwards, everything posted is
 * freed (the rest on the worker, at once), and the owner's data is let go of once, on the
 * context, at the close. */
static void
test_close (void)
{
  static const Step steps[] = {
    { STEP_EVENT, 1, 0 },
    { STEP_WAIT_GATE, 0, 0 },
    { STEP_EVENT, 2, 0 },
    { STEP_PROGRESS_RUN, 10, 1000 },
    { STEP_EVENT, 3, 0 },
    { STEP_END, 0, 0 },
  };
  Sink sink;
  Worker worker;
  g_autoptr(EpRelay) relay = NULL;
  GThread *thread;

  sink_init (&sink);
  relay = sink_relay (&sink, 10);
  worker = (Worker) { relay, &sink, steps, G_N_ELEMENTS (steps), 0 };
  thread = g_thread_new ("relay-worker", worker_thread, &worker);

  /* The first event, then the relay is dropped while the worker waits. */
  {
    gint64 end = g_get_monotonic_time () + WAIT_US;

    while (sink.log->len == 0 && g_get_monotonic_time () < end)
      g_main_context_iteration (sink.context, FALSE), g_usleep (200);
  }
  g_assert_cmpuint (sink.log->len, ==, 1);
  ep_relay_close (relay);
  sink.test_closed = TRUE;
  g_assert_true (ep_relay_is_closed (relay));
  g_assert_cmpuint (sink.destroyed, ==, 1);
  g_assert_true (sink.destroyed_on == g_thread_self ());

  g_atomic_int_set (&worker.gate, 1);
  g_thread_join (thread);
  iterate_for (&sink, 100 * 1000);
  g_assert_false (sink.closed_seen);
  g_assert_cmpuint (sink.log->len, ==, 1);
  g_assert_cmpint (g_atomic_int_get (&sink.events_freed), ==, 3);
  g_assert_cmpuint (sink.destroyed, ==, 1);
  /* Closing again changes nothing. */
  ep_relay_close (relay);
  g_assert_cmpuint (sink.destroyed, ==, 1);
  sink_clear (&sink);
}

/* A callback may close the relay: what was still queued behind it is not delivered. */
typedef struct {
  Sink    *sink;
  EpRelay *relay;
} Closer;

static void
closing_event (gpointer event,
               gpointer user_data)
{
  Closer *closer = user_data;

  on_event (event, closer->sink);
  ep_relay_close (closer->relay);
  closer->sink->test_closed = TRUE;
}

static void
test_close_from_callback (void)
{
  Sink sink;
  Closer closer;
  g_autoptr(EpRelay) relay = NULL;

  sink_init (&sink);
  closer.sink = &sink;
  relay = ep_relay_new (NULL, 10, closing_event, on_progress, &closer, NULL);
  closer.relay = relay;
  for (guint i = 1; i <= 3; i++)
    ep_relay_post_event (relay, event_new (&sink, i), (GDestroyNotify) event_free);
  ep_relay_post_progress (relay, 7, 14);
  iterate_for (&sink, 50 * 1000);
  g_assert_cmpuint (sink.log->len, ==, 1);
  g_assert_false (sink.closed_seen);
  g_assert_cmpint (g_atomic_int_get (&sink.events_freed), ==, 3);
  sink_clear (&sink);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/relay/order", test_order);
  g_test_add_func ("/relay/coalescing", test_coalescing);
  g_test_add_func ("/relay/trailing-progress-and-flush", test_trailing_progress_and_flush);
  g_test_add_func ("/relay/close", test_close);
  g_test_add_func ("/relay/close-from-callback", test_close_from_callback);

  return g_test_run ();
}
