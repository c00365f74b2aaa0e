/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-outbox-worker.c: the application's outbox worker on a clock of the test's own: its one
 * timer armed for the earliest not-before time (and re-armed for the backoff after a temporary
 * failure, with one connection per attempt), the due entries of one profile sent over one
 * connection, the application held only while work is running or due soon, adopted entries
 * left alone until released, and held entries queued when their time comes while it runs but
 * left alone when they were overdue at start. Against the scripted server on 127.0.0.1. */
#include "config.h"

#include <string.h>

#include "ep-outbox-worker-private.h"
#include "ep-profile-store.h"
#include "ep-script-server.h"
#include "ep-sent-copy-status.h"
#include "ep-sent-store.h"
#include "ep-smtp-scripts.h"
#include "ep-test-util.h"

#define MESSAGE "From: me@example.org\r\nTo: bob@example.org\r\nSubject: Outbox\r\n\r\nHello\r\n"

/* The test's clock: the worker reads it on its delivery threads too, so it only changes while
 * nothing runs. */
static GDateTime *fake_now;

static GDateTime *
fake_clock (gpointer clock_data)
{
  return g_date_time_ref (fake_now);
}

static void
set_clock (GDateTime *time)
{
  g_clear_pointer (&fake_now, g_date_time_unref);
  fake_now = g_date_time_ref (time);
}

typedef struct
{
  char           *dir;
  EpOutboxStore  *store;
  EpProfileStore *profiles;
  EpProfile      *profile;
  EpOutboxWorker *worker;
  GApplication   *app;
  guint           n_changed;
} Fixture;

static void
changed_cb (EpOutboxWorker *worker,
            Fixture        *f)
{
  f->n_changed++;
}

static void
fixture_init (Fixture *f,
              guint16  port)
{
  /* Starts at the real time: the retry policy measures an entry's age from when it was added. */
  g_autoptr(GDateTime) start = g_date_time_new_now_utc ();
  g_autofree char *outbox = NULL;
  g_autoptr(GError) error = NULL;

  memset (f, 0, sizeof *f);
  set_clock (start);
  f->dir = g_dir_make_tmp ("outbox-worker-XXXXXX", &error);
  g_assert_no_error (error);
  outbox = g_build_filename (f->dir, "outbox", NULL);
  f->store = ep_outbox_store_new (outbox);
  f->profiles = ep_profile_store_new (f->dir);
  f->profile = ep_test_scripted_profile ("Scripted", port, 5);
  g_assert_true (ep_profile_store_add (f->profiles, f->profile, &error));
  g_assert_no_error (error);
  f->app = g_application_new ("io.github.epistlemail.Epistle.TestWorker", G_APPLICATION_NON_UNIQUE);
  g_application_set_default (f->app);
  f->worker = ep_outbox_worker_new (f->store, f->profiles);
  ep_outbox_worker_set_clock (f->worker, fake_clock, NULL);
  g_signal_connect (f->worker, "changed", G_CALLBACK (changed_cb), f);
}

static void
fixture_clear (Fixture *f)
{
  /* An attempt's thread lets go of the worker moments after its result arrived. */
  ep_test_wait_sole_owner (f->worker, NULL);
  g_assert_finalize_object (g_steal_pointer (&f->worker));
  g_application_set_default (NULL);
  g_clear_object (&f->app);
  g_clear_object (&f->profile);
  g_clear_object (&f->profiles);
  g_clear_object (&f->store);
  g_free (f->dir);
}

/* An entry for the scripted profile, @seconds after the test's clock. */
static char *
add_entry (Fixture       *f,
           EpOutboxState  state,
           int            seconds)
{
  const char *recipients[] = { "bob@example.org", NULL };
  g_autoptr(EpOutboxEntry) entry = ep_outbox_entry_new (EP_SCRIPT_SENDER, recipients);
  g_autoptr(GInputStream) message = g_memory_input_stream_new_from_data (MESSAGE, strlen (MESSAGE), NULL);
  g_autoptr(GError) error = NULL;

  entry->profile_id = g_strdup (ep_profile_get_id (f->profile));
  entry->state = state;
  g_clear_pointer (&entry->not_before, g_date_time_unref);
  entry->not_before = g_date_time_add_seconds (fake_now, seconds);
  g_assert_true (ep_outbox_store_add (f->store, entry, message, strlen (MESSAGE), NULL, &error));
  g_assert_no_error (error);
  return g_strdup (entry->id);
}

static void
assert_wakeup (Fixture *f,
               int      seconds)
{
  g_autoptr(GDateTime) expected = g_date_time_add_seconds (fake_now, seconds);
  GDateTime *wakeup = ep_outbox_worker_get_wakeup (f->worker);

  g_assert_nonnull (wakeup);
  g_assert_cmpint (g_date_time_difference (wakeup, expected), ==, 0);
}

/* Iterates until no attempt runs (bounded). */
static void
wait_idle (Fixture *f)
{
  gint64 end = g_get_monotonic_time () + ep_test_slack (10 * G_USEC_PER_SEC);

  while (ep_outbox_worker_get_n_running (f->worker) > 0 && g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpuint (ep_outbox_worker_get_n_running (f->worker), ==, 0);
}

/* Lets the main loop run for @ms: whatever the worker would do by itself, it does now. */
static void
spin (guint ms)
{
  gint64 end = g_get_monotonic_time () + (gint64) ms * 1000;

  while (g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, FALSE), g_usleep (1000);
}

/* ---- A network monitor of the test's own ------------------------------------------------------ */

/* Says whether the network is there as the test sets it, and counts the questions. */
G_DECLARE_FINAL_TYPE (TestMonitor, test_monitor, TEST, MONITOR, GObject)

struct _TestMonitor
{
  GObject  parent_instance;
  gboolean reachable;
  guint    n_checks;
};

enum {
  TEST_PROP_0,
  TEST_PROP_AVAILABLE,
  TEST_PROP_METERED,
  TEST_PROP_CONNECTIVITY,
};

static void test_monitor_network_iface_init (GNetworkMonitorInterface *iface);
static void test_monitor_initable_iface_init (GInitableIface *iface);

G_DEFINE_TYPE_WITH_CODE (TestMonitor, test_monitor, G_TYPE_OBJECT,
                         G_IMPLEMENT_INTERFACE (G_TYPE_INITABLE, test_monitor_initable_iface_init)
                         G_IMPLEMENT_INTERFACE (G_TYPE_NETWORK_MONITOR, test_monitor_network_iface_init))

static gboolean
test_monitor_initable_init (GInitable     *initable,
                            GCancellable  *cancellable,
                            GError       **error)
{
  return TRUE;
}

static void
test_monitor_initable_iface_init (GInitableIface *iface)
{
  iface->init = test_monitor_initable_init;
}

static gboolean
test_monitor_can_reach (GNetworkMonitor     *monitor,
                        GSocketConnectable  *connectable,
                        GCancellable        *cancellable,
                        GError             **error)
{
  TestMonitor *self = (TestMonitor *) monitor;

  self->n_checks++;
  if (!self->reachable)
    g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NETWORK_UNREACHABLE, "Network unreachable");
  return self->reachable;
}

static void
test_monitor_can_reach_async (GNetworkMonitor     *monitor,
                              GSocketConnectable  *connectable,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (monitor, cancellable, callback, user_data);
  GError *error = NULL;

  if (test_monitor_can_reach (monitor, connectable, cancellable, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

static gboolean
test_monitor_can_reach_finish (GNetworkMonitor  *monitor,
                               GAsyncResult     *result,
                               GError          **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
test_monitor_network_iface_init (GNetworkMonitorInterface *iface)
{
  iface->can_reach = test_monitor_can_reach;
  iface->can_reach_async = test_monitor_can_reach_async;
  iface->can_reach_finish = test_monitor_can_reach_finish;
}

static void
test_monitor_get_property (GObject    *object,
                           guint       prop_id,
                           GValue     *value,
                           GParamSpec *pspec)
{
  TestMonitor *self = (TestMonitor *) object;

  switch (prop_id)
    {
    case TEST_PROP_AVAILABLE:
      g_value_set_boolean (value, self->reachable);
      break;
    case TEST_PROP_METERED:
      g_value_set_boolean (value, FALSE);
      break;
    case TEST_PROP_CONNECTIVITY:
      g_value_set_enum (value, self->reachable ? G_NETWORK_CONNECTIVITY_FULL : G_NETWORK_CONNECTIVITY_LOCAL);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
test_monitor_class_init (TestMonitorClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = test_monitor_get_property;
  g_object_class_override_property (object_class, TEST_PROP_AVAILABLE, "network-available");
  g_object_class_override_property (object_class, TEST_PROP_METERED, "network-metered");
  g_object_class_override_property (object_class, TEST_PROP_CONNECTIVITY, "connectivity");
}

static void
test_monitor_init (TestMonitor *self)
{
  self->reachable = TRUE;
}

/* ---- Cases ------------------------------------------------------------------------------------ */

static void
test_timer (void)
{
  Fixture f;
  g_autofree char *later = NULL;
  g_autofree char *sooner = NULL;
  guint changed;

  g_autoptr(GSettings) settings = g_settings_new (APP_ID);

  fixture_init (&f, 1);
  g_settings_set_boolean (settings, "outbox-keep-running", FALSE);
  later = add_entry (&f, EP_OUTBOX_STATE_QUEUED, 600);
  ep_outbox_worker_start (f.worker);

  /* One timer, for the one time something becomes due; ten minutes away, and the person does
   * not want Epistle to keep running for the Outbox: nothing holds the application. */
  assert_wakeup (&f, 600);
  g_assert_false (ep_outbox_worker_is_holding (f.worker));
  g_assert_cmpuint (ep_outbox_worker_get_n_waiting (f.worker), ==, 1);
  g_assert_cmpuint (f.n_changed, ==, 1);

  /* By default it does: the same entry now keeps the application running until its time, and
   * turning the preference off again lets it go at once. */
  g_settings_reset (settings, "outbox-keep-running");
  g_assert_true (ep_outbox_worker_is_holding (f.worker));
  assert_wakeup (&f, 600);
  g_settings_set_boolean (settings, "outbox-keep-running", FALSE);
  g_assert_false (ep_outbox_worker_is_holding (f.worker));

  /* An earlier one: the timer moves to it, and a minute away the application stays. */
  sooner = add_entry (&f, EP_OUTBOX_STATE_QUEUED, 60);
  ep_outbox_worker_reload (f.worker);
  assert_wakeup (&f, 60);
  g_assert_true (ep_outbox_worker_is_holding (f.worker));
  g_assert_cmpuint (ep_outbox_worker_get_n_waiting (f.worker), ==, 2);
  g_assert_cmpuint (f.n_changed, ==, 2);

  /* Reloading what did not change says nothing. */
  changed = f.n_changed;
  ep_outbox_worker_reload (f.worker);
  g_assert_cmpuint (f.n_changed, ==, changed);

  /* Both gone: no timer, nothing held. No attempt was ever made. */
  g_assert_true (ep_outbox_store_delete (f.store, sooner, NULL));
  g_assert_true (ep_outbox_store_delete (f.store, later, NULL));
  ep_outbox_worker_reload (f.worker);
  g_assert_null (ep_outbox_worker_get_wakeup (f.worker));
  g_assert_false (ep_outbox_worker_is_holding (f.worker));
  g_assert_cmpuint (ep_outbox_worker_get_n_waiting (f.worker), ==, 0);
  g_assert_cmpuint (ep_outbox_worker_get_n_attempts (f.worker), ==, 0);
  fixture_clear (&f);
  g_settings_reset (settings, "outbox-keep-running");
}

/* A temporary failure: the engine records the attempt and the next time; the worker sleeps until
 * exactly then (one connection, no second one by itself), and sends when the time comes. */
static void
test_backoff (void)
{
  g_autoptr(EpScriptServer) busy = ep_script_server_new_for_test (
    "S: 421 4.3.2 Too busy, try later\n"
    "C? QUIT\n");
  g_autoptr(EpScriptServer) ready = NULL;
  g_autoptr(EpOutboxEntry) entry = NULL;
  g_autoptr(GSettings) settings = g_settings_new (APP_ID);
  g_autoptr(GError) error = NULL;
  g_autofree char *id = NULL;
  EpOutboxRetryPolicy policy;
  GTimeSpan wait;
  Fixture f;

  g_settings_set_uint (settings, "outbox-retry-max-delay", 90);
  fixture_init (&f, ep_script_server_get_port (busy));
  ep_outbox_worker_get_retry_policy (f.worker, &policy);
  g_assert_cmpuint (policy.max_delay, ==, 90);
  g_assert_cmpuint (policy.max_age, ==, 48 * 3600);

  id = add_entry (&f, EP_OUTBOX_STATE_QUEUED, 0);
  ep_outbox_worker_start (f.worker);
  /* Running: the application is held. */
  g_assert_cmpuint (ep_outbox_worker_get_n_running (f.worker), ==, 1);
  g_assert_true (ep_outbox_worker_is_holding (f.worker));
  wait_idle (&f);
  ep_script_server_assert_done (busy, 5000);

  entry = ep_outbox_store_load (f.store, id, &error);
  g_assert_no_error (error);
  g_assert_cmpint (entry->state, ==, EP_OUTBOX_STATE_QUEUED);
  g_assert_cmpuint (entry->attempts->len, ==, 1);
  /* The next attempt by the policy, on the worker's clock; the timer armed for exactly it. */
  wait = g_date_time_difference (entry->not_before, fake_now);
  g_test_message ("next attempt after %" G_GINT64_FORMAT " s", wait / G_TIME_SPAN_SECOND);
  g_assert_cmpint (wait, >, 0);
  g_assert_cmpint (wait, <=, (GTimeSpan) (policy.max_delay * (1 + policy.jitter) + 1) * G_TIME_SPAN_SECOND);
  g_assert_nonnull (ep_outbox_worker_get_wakeup (f.worker));
  g_assert_cmpint (g_date_time_difference (ep_outbox_worker_get_wakeup (f.worker), entry->not_before), ==, 0);
  /* Within two minutes: the application stays for it. */
  g_assert_true (ep_outbox_worker_is_holding (f.worker));

  /* Nothing more by itself before that time: one connection so far. */
  spin (500);
  g_assert_cmpuint (ep_outbox_worker_get_n_attempts (f.worker), ==, 1);

  /* The time comes (the timer would fire; the clock is the test's): delivered, and then nothing
   * is left to wait for. */
  ready = ep_script_server_new_for_test (EP_SCRIPT_GREETING
                                         EP_SCRIPT_EHLO_PIPELINING
                                         EP_SCRIPT_DELIVER_TO ("bob@example.org")
                                         EP_SCRIPT_QUIT_EOF);
  ep_profile_set_port (f.profile, ep_script_server_get_port (ready));
  set_clock (entry->not_before);
  ep_outbox_worker_reload (f.worker);
  g_assert_cmpuint (ep_outbox_worker_get_n_attempts (f.worker), ==, 2);
  wait_idle (&f);
  ep_script_server_assert_done (ready, 5000);
  g_clear_pointer (&entry, ep_outbox_entry_free);
  entry = ep_outbox_store_load (f.store, id, NULL);
  g_assert_null (entry);
  g_assert_null (ep_outbox_worker_get_wakeup (f.worker));
  g_assert_false (ep_outbox_worker_is_holding (f.worker));
  g_assert_cmpuint (ep_outbox_worker_get_n_waiting (f.worker), ==, 0);
  fixture_clear (&f);
  g_settings_reset (settings, "outbox-retry-max-delay");
}

/* Three entries of one profile due at once: one connection takes them all, each delivered. */
static void
test_batch (void)
{
  g_autoptr(EpScriptServer) server =
    ep_script_server_new_for_test (EP_SCRIPT_GREETING
                                   EP_SCRIPT_EHLO_PIPELINING
                                   EP_SCRIPT_DELIVER_TO ("bob@example.org")
                                   EP_SCRIPT_DELIVER_TO ("bob@example.org")
                                   EP_SCRIPT_DELIVER_TO ("bob@example.org")
                                   EP_SCRIPT_QUIT_EOF);
  char *ids[3];
  Fixture f;

  fixture_init (&f, ep_script_server_get_port (server));
  for (guint i = 0; i < 3; i++)
    ids[i] = add_entry (&f, EP_OUTBOX_STATE_QUEUED, 0);
  ep_outbox_worker_start (f.worker);
  g_assert_cmpuint (ep_outbox_worker_get_n_running (f.worker), ==, 1);
  wait_idle (&f);
  ep_script_server_assert_done (server, 5000);
  g_assert_cmpuint (ep_script_server_get_n_bodies (server), ==, 3);
  g_assert_cmpuint (ep_outbox_worker_get_n_attempts (f.worker), ==, 1);
  for (guint i = 0; i < 3; i++)
    {
      g_autoptr(EpOutboxEntry) entry = ep_outbox_store_load (f.store, ids[i], NULL);

      g_assert_null (entry);
      g_free (ids[i]);
    }
  g_assert_cmpuint (ep_outbox_worker_get_n_waiting (f.worker), ==, 0);
  fixture_clear (&f);
}

/* A window sends its entry itself: the worker leaves it alone, due or not, until released. */
static void
test_adopted (void)
{
  g_autoptr(EpScriptServer) server = ep_script_server_new_for_test (EP_SCRIPT_GREETING
                                                                    EP_SCRIPT_EHLO_PIPELINING
                                                                    EP_SCRIPT_DELIVER_TO ("bob@example.org")
                                                                    EP_SCRIPT_QUIT_EOF);
  g_autofree char *id = NULL;
  Fixture f;

  fixture_init (&f, ep_script_server_get_port (server));
  id = add_entry (&f, EP_OUTBOX_STATE_QUEUED, 0);
  ep_outbox_worker_adopt (f.worker, id);
  ep_outbox_worker_start (f.worker);
  spin (300);
  g_assert_cmpuint (ep_outbox_worker_get_n_attempts (f.worker), ==, 0);
  g_assert_false (ep_script_server_get_connected (server));
  /* Adopted work is the window's: it does not hold the application. */
  g_assert_false (ep_outbox_worker_is_holding (f.worker));

  /* Released (a temporary failure in the window): the worker sends it. */
  ep_outbox_worker_release (f.worker, id);
  g_assert_cmpuint (ep_outbox_worker_get_n_attempts (f.worker), ==, 1);
  wait_idle (&f);
  ep_script_server_assert_done (server, 5000);
  g_assert_cmpuint (ep_outbox_worker_get_n_waiting (f.worker), ==, 0);
  fixture_clear (&f);
}

/* A window adding an entry it will send itself keeps the worker from looking at the store until
 * it has adopted the entry: the worker, woken by the new folder, would otherwise take it first. */
static void
test_inhibited (void)
{
  g_autoptr(EpScriptServer) server = ep_script_server_new_for_test (EP_SCRIPT_GREETING
                                                                    EP_SCRIPT_EHLO_PIPELINING
                                                                    EP_SCRIPT_DELIVER_TO ("bob@example.org")
                                                                    EP_SCRIPT_QUIT_EOF);
  g_autofree char *adopted = NULL;
  Fixture f;

  fixture_init (&f, ep_script_server_get_port (server));
  ep_outbox_worker_start (f.worker);
  ep_outbox_worker_inhibit (f.worker);
  adopted = add_entry (&f, EP_OUTBOX_STATE_QUEUED, 0);
  ep_outbox_worker_reload (f.worker);
  spin (300);
  g_assert_cmpuint (ep_outbox_worker_get_n_attempts (f.worker), ==, 0);
  ep_outbox_worker_adopt (f.worker, adopted);
  ep_outbox_worker_uninhibit (f.worker);
  spin (300);
  g_assert_cmpuint (ep_outbox_worker_get_n_attempts (f.worker), ==, 0);
  g_assert_false (ep_script_server_get_connected (server));

  /* The scan that waited runs when the last window lets go: an entry nobody adopted goes. */
  ep_outbox_worker_release (f.worker, adopted);
  g_assert_cmpuint (ep_outbox_worker_get_n_attempts (f.worker), ==, 1);
  wait_idle (&f);
  ep_script_server_assert_done (server, 5000);
  fixture_clear (&f);
}

/* Send Later: a held entry whose time comes while the app runs is queued and sent; one whose
 * time had passed before the start is overdue and left for the person to decide. */
static void
test_held (void)
{
  g_autoptr(EpScriptServer) server = ep_script_server_new_for_test (EP_SCRIPT_GREETING
                                                                    EP_SCRIPT_EHLO_PIPELINING
                                                                    EP_SCRIPT_DELIVER_TO ("bob@example.org")
                                                                    EP_SCRIPT_QUIT_EOF);
  g_autoptr(EpOutboxEntry) overdue_entry = NULL;
  g_autoptr(GDateTime) later = NULL;
  g_autofree char *overdue = NULL;
  g_autofree char *coming = NULL;
  Fixture f;

  fixture_init (&f, ep_script_server_get_port (server));
  overdue = add_entry (&f, EP_OUTBOX_STATE_HELD, -3600);
  coming = add_entry (&f, EP_OUTBOX_STATE_HELD, 30);
  ep_outbox_worker_start (f.worker);
  assert_wakeup (&f, 30);
  g_assert_cmpuint (ep_outbox_worker_get_n_waiting (f.worker), ==, 2);
  g_assert_cmpuint (ep_outbox_worker_get_n_attempts (f.worker), ==, 0);

  later = g_date_time_add_seconds (fake_now, 31);
  set_clock (later);
  ep_outbox_worker_reload (f.worker);
  g_assert_cmpuint (ep_outbox_worker_get_n_attempts (f.worker), ==, 1);
  wait_idle (&f);
  ep_script_server_assert_done (server, 5000);
  g_assert_null (ep_outbox_store_load (f.store, coming, NULL));

  overdue_entry = ep_outbox_store_load (f.store, overdue, NULL);
  g_assert_nonnull (overdue_entry);
  g_assert_cmpint (overdue_entry->state, ==, EP_OUTBOX_STATE_HELD);
  g_assert_cmpuint (overdue_entry->attempts->len, ==, 0);
  g_assert_cmpuint (ep_outbox_worker_get_n_waiting (f.worker), ==, 1);
  g_assert_null (ep_outbox_worker_get_wakeup (f.worker));
  g_assert_false (ep_outbox_worker_is_holding (f.worker));
  fixture_clear (&f);
}

/* The profile signs in and its password is nowhere (no keyring on the test bus): the entry is
 * left exactly as it was, and not tried again by itself (a reload, the timer), only when the
 * person retries. */
static void
test_missing_secret (void)
{
  g_autoptr(EpScriptServer) server = ep_script_server_new_for_test (EP_SCRIPT_GREETING "EOF\n");
  g_autoptr(EpOutboxEntry) entry = NULL;
  g_autofree char *id = NULL;
  Fixture f;

  fixture_init (&f, ep_script_server_get_port (server));
  ep_profile_set_username (f.profile, "me");
  id = add_entry (&f, EP_OUTBOX_STATE_QUEUED, 0);
  ep_outbox_worker_start (f.worker);
  wait_idle (&f);
  g_assert_cmpuint (ep_outbox_worker_get_n_attempts (f.worker), ==, 1);
  entry = ep_outbox_store_load (f.store, id, NULL);
  g_assert_nonnull (entry);
  g_assert_cmpint (entry->state, ==, EP_OUTBOX_STATE_QUEUED);
  g_assert_cmpuint (entry->attempts->len, ==, 0);
  g_assert_false (ep_script_server_get_connected (server));

  ep_outbox_worker_reload (f.worker);
  spin (300);
  g_assert_cmpuint (ep_outbox_worker_get_n_attempts (f.worker), ==, 1);
  g_assert_false (ep_outbox_worker_is_holding (f.worker));

  ep_outbox_worker_retry_now (f.worker, id);
  g_assert_cmpuint (ep_outbox_worker_get_n_attempts (f.worker), ==, 2);
  wait_idle (&f);
  g_assert_false (ep_script_server_get_connected (server));
  fixture_clear (&f);
}

/* The network is down: after an attempt that could not connect, the worker asks the network
 * monitor before the next connection, and while it says no, no connection is made however often
 * the worker looks (no storm); it asks again only after a minute, or when the network changes.
 * When the network is back, the entry goes at once, without waiting for its retry time. */
static void
test_network_down (void)
{
  g_autoptr(EpScriptServer) server = NULL;
  g_autoptr(TestMonitor) monitor = g_object_new (test_monitor_get_type (), NULL);
  g_autoptr(EpOutboxEntry) entry = NULL;
  g_autofree char *id = NULL;
  Fixture f;

  fixture_init (&f, ep_test_closed_port ());
  ep_outbox_worker_set_network_monitor (f.worker, G_NETWORK_MONITOR (monitor));
  id = add_entry (&f, EP_OUTBOX_STATE_QUEUED, 0);
  ep_outbox_worker_start (f.worker);
  wait_idle (&f);
  g_assert_cmpuint (ep_outbox_worker_get_n_attempts (f.worker), ==, 1);
  g_assert_cmpuint (monitor->n_checks, ==, 0);
  entry = ep_outbox_store_load (f.store, id, NULL);
  g_assert_cmpint (entry->state, ==, EP_OUTBOX_STATE_QUEUED);
  g_assert_cmpuint (entry->attempts->len, ==, 1);

  /* The network goes; the retry time comes: asked, not connected. */
  monitor->reachable = FALSE;
  set_clock (entry->not_before);
  ep_outbox_worker_reload (f.worker);
  spin (200);
  g_assert_cmpuint (monitor->n_checks, ==, 1);
  g_assert_cmpuint (ep_outbox_worker_get_n_attempts (f.worker), ==, 1);
  assert_wakeup (&f, 60);
  for (guint i = 0; i < 20; i++)
    ep_outbox_worker_reload (f.worker);
  spin (200);
  g_assert_cmpuint (monitor->n_checks, ==, 1);
  g_assert_cmpuint (ep_outbox_worker_get_n_attempts (f.worker), ==, 1);

  /* Back: sent at once, to a server that answers now. */
  server = ep_script_server_new_for_test (EP_SCRIPT_GREETING
                                          EP_SCRIPT_EHLO_PIPELINING
                                          EP_SCRIPT_DELIVER_TO ("bob@example.org")
                                          EP_SCRIPT_QUIT_EOF);
  ep_profile_set_port (f.profile, ep_script_server_get_port (server));
  monitor->reachable = TRUE;
  g_signal_emit_by_name (monitor, "network-changed", TRUE);
  g_assert_cmpuint (monitor->n_checks, ==, 2);
  spin (100);
  wait_idle (&f);
  ep_script_server_assert_done (server, 5000);
  g_assert_cmpuint (ep_outbox_worker_get_n_attempts (f.worker), ==, 2);
  g_assert_cmpuint (ep_outbox_worker_get_n_waiting (f.worker), ==, 0);
  fixture_clear (&f);
}

/* Another process (epistle-send --at) adds an entry: the worker sees the store's folder change
 * and sends it, without a reload. */
static void
test_store_watched (void)
{
  g_autoptr(EpScriptServer) server = ep_script_server_new_for_test (EP_SCRIPT_GREETING
                                                                    EP_SCRIPT_EHLO_PIPELINING
                                                                    EP_SCRIPT_DELIVER_TO ("bob@example.org")
                                                                    EP_SCRIPT_QUIT_EOF);
  g_autofree char *id = NULL;
  gint64 end;
  Fixture f;

  fixture_init (&f, ep_script_server_get_port (server));
  ep_outbox_worker_start (f.worker);
  g_assert_cmpuint (ep_outbox_worker_get_n_waiting (f.worker), ==, 0);
  id = add_entry (&f, EP_OUTBOX_STATE_QUEUED, 0);
  end = g_get_monotonic_time () + ep_test_slack (5 * G_USEC_PER_SEC);
  while (ep_outbox_worker_get_n_attempts (f.worker) == 0 && g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, FALSE), g_usleep (1000);
  g_assert_cmpuint (ep_outbox_worker_get_n_attempts (f.worker), ==, 1);
  wait_idle (&f);
  ep_script_server_assert_done (server, 5000);
  g_assert_null (ep_outbox_store_load (f.store, id, NULL));
  fixture_clear (&f);
}

/* Lines the stand-in notification daemon logged so far. */
static guint
count_lines (const char *path)
{
  g_autofree char *text = NULL;
  guint n = 0;

  if (!g_file_get_contents (path, &text, NULL, NULL))
    return 0;
  for (const char *p = text; *p != '\0'; p++)
    n += *p == '\n';
  return n;
}

/* What needs the person is told once per entry, on the desktop; a temporary failure (a retry to
 * come) never. tests/notification-server.py stands in for the notification daemon. As in a
 * Flatpak, the Background portal (tests/background-portal.py) is asked once to let the app run
 * without windows. */
static void
test_notifications (void)
{
  g_autofree char *log = g_build_filename (g_getenv ("EPISTLE_TEST_TMPDIR"), "worker-notifications.log", NULL);
  g_autofree char *script = g_build_filename (g_getenv ("EPISTLE_SRCDIR"), "tests", "notification-server.py", NULL);
  g_autoptr(EpScriptServer) busy = ep_script_server_new_for_test ("S: 421 4.3.2 Too busy\n"
                                                                  "C? QUIT\n");
  g_autoptr(EpScriptServer) refusing = NULL;
  g_autoptr(GSubprocess) daemon = NULL;
  g_autoptr(GDataInputStream) out = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *ready = NULL;
  g_autofree char *logged = NULL;
  g_autofree char *id = NULL;
  g_autofree char *portal_log = g_build_filename (g_getenv ("EPISTLE_TEST_TMPDIR"), "portal.log", NULL);
  g_autofree char *portal_script = g_build_filename (g_getenv ("EPISTLE_SRCDIR"), "tests", "background-portal.py", NULL);
  g_autoptr(GSubprocess) portal = NULL;
  g_autoptr(GDataInputStream) portal_out = NULL;
  g_autofree char *portal_ready = NULL;
  g_autofree char *portal_logged = NULL;
  gint64 end;
  Fixture f;

  daemon = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error, "/usr/bin/python3", script, log, NULL);
  g_assert_no_error (error);
  out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (daemon));
  ready = g_data_input_stream_read_line (out, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (ready, ==, "READY");

  portal = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error, "/usr/bin/python3", portal_script,
                             portal_log, NULL);
  g_assert_no_error (error);
  portal_out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (portal));
  portal_ready = g_data_input_stream_read_line (portal_out, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (portal_ready, ==, "READY");

  fixture_init (&f, ep_script_server_get_port (busy));
  g_assert_true (g_application_register (f.app, NULL, &error));
  g_assert_no_error (error);
  /* As in a Flatpak: holding the application asks the Background portal, once. */
  ep_outbox_worker_set_sandboxed (f.worker, TRUE);
  id = add_entry (&f, EP_OUTBOX_STATE_QUEUED, 0);
  ep_outbox_worker_start (f.worker);
  wait_idle (&f);
  ep_script_server_assert_done (busy, 5000);

  /* Refused for good on the retry: told once, however often the worker looks again. */
  refusing = ep_script_server_new_for_test (EP_SCRIPT_GREETING
                                            EP_SCRIPT_EHLO_PIPELINING
                                            "C: MAIL FROM:<" EP_SCRIPT_SENDER ">*\n"
                                            "C: RCPT TO:<bob@example.org>\n"
                                            "C: DATA\n"
                                            "S: 550 5.7.1 Sender not allowed\n"
                                            "S: 554 5.5.1 No valid recipients\n"
                                            "S: 554 5.5.1 No valid recipients\n"
                                            "C? QUIT\n");
  ep_profile_set_port (f.profile, ep_script_server_get_port (refusing));
  spin (300);
  g_assert_cmpuint (count_lines (log), ==, 0);
  set_clock (ep_outbox_worker_get_wakeup (f.worker));
  ep_outbox_worker_reload (f.worker);
  wait_idle (&f);
  ep_script_server_assert_done (refusing, 5000);
  ep_outbox_worker_reload (f.worker);
  ep_outbox_worker_reload (f.worker);
  end = g_get_monotonic_time () + ep_test_slack (5 * G_USEC_PER_SEC);
  while (count_lines (log) < 1 && g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, FALSE), g_usleep (1000);
  spin (300);
  g_assert_true (g_file_get_contents (log, &logged, NULL, NULL));
  g_test_message ("%s", logged);
  g_assert_cmpuint (count_lines (log), ==, 1);
  g_assert_nonnull (strstr (logged, "\"summary\": \"Message Not Sent\""));
  g_assert_nonnull (strstr (logged, "bob@example.org"));
  g_assert_cmpuint (ep_outbox_worker_get_n_failing (f.worker), ==, 1);

  /* Asked once, however long and often the application was held. */
  g_assert_true (g_file_get_contents (portal_log, &portal_logged, NULL, NULL));
  g_test_message ("%s", portal_logged);
  g_assert_cmpuint (count_lines (portal_log), ==, 1);
  g_assert_nonnull (strstr (portal_logged, "\"reason\": \"Sending the messages in the Outbox\""));
  g_assert_nonnull (strstr (portal_logged, "\"autostart\": false"));

  g_subprocess_force_exit (daemon);
  g_subprocess_wait (daemon, NULL, NULL);
  g_subprocess_force_exit (portal);
  g_subprocess_wait (portal, NULL, NULL);
  fixture_clear (&f);
}

/* A copy in the Sent folder on the server that failed after a delivery: the timer is armed for
 * its next time on the outbox's backoff, the application held while it is due soon, and when
 * the time comes it is tried again from the Sent store's bytes (here against a closed port:
 * pending again, later), never with a delivery. */
static void
test_sent_copy (void)
{
  Fixture f;
  g_autoptr(EpSentStore) sent = ep_sent_store_new (NULL);
  g_autoptr(EpSentInfo) info = ep_sent_info_new ();
  g_autoptr(GInputStream) message = g_memory_input_stream_new_from_data (MESSAGE, strlen (MESSAGE), NULL);
  g_autoptr(EpSentCopyStatus) status = ep_sent_copy_status_new ();
  g_autoptr(EpSentCopyStatus) after = NULL;
  g_autoptr(GDateTime) later = NULL;
  g_autoptr(GSettings) settings = g_settings_new (APP_ID);
  g_autofree char *entry_dir = NULL;
  g_autoptr(GError) error = NULL;
  gint64 end;

  fixture_init (&f, 1);
  g_settings_set_boolean (settings, "outbox-keep-running", FALSE);
  ep_profile_set_sent_copy (f.profile, TRUE);
  ep_profile_set_imap_host (f.profile, "127.0.0.1");
  ep_profile_set_imap_port (f.profile, ep_test_closed_port ());
  ep_profile_set_imap_security (f.profile, EP_SMTP_SECURITY_NONE);
  info->profile_id = g_strdup (ep_profile_get_id (f.profile));
  g_assert_true (ep_sent_store_add (sent, info, message, NULL, NULL, &error));
  g_assert_no_error (error);
  entry_dir = g_build_filename (ep_sent_store_get_dir (sent), info->id, NULL);
  status->state = EP_SENT_COPY_PENDING;
  status->attempts = 1;
  status->first_attempt = g_date_time_ref (fake_now);
  status->next_attempt = g_date_time_add_seconds (fake_now, 30);
  g_assert_true (ep_sent_copy_status_save (entry_dir, status, &error));
  g_assert_no_error (error);

  ep_outbox_worker_start (f.worker);
  assert_wakeup (&f, 30);
  g_assert_true (ep_outbox_worker_is_holding (f.worker));
  g_assert_cmpuint (ep_outbox_worker_get_n_copy_attempts (f.worker), ==, 0);

  /* Its time: one more upload, recorded, and the timer armed for the next one. */
  later = g_date_time_add_seconds (fake_now, 31);
  set_clock (later);
  ep_outbox_worker_reload (f.worker);
  g_assert_cmpuint (ep_outbox_worker_get_n_copy_attempts (f.worker), ==, 1);
  g_assert_true (ep_outbox_worker_is_holding (f.worker));
  end = g_get_monotonic_time () + ep_test_slack (10 * G_USEC_PER_SEC);
  do
    {
      g_clear_pointer (&after, ep_sent_copy_status_free);
      spin (20);
      after = ep_sent_copy_status_load (entry_dir, NULL);
    }
  while (after != NULL && after->attempts < 2 && g_get_monotonic_time () < end);
  g_assert_nonnull (after);
  g_assert_cmpuint (after->attempts, ==, 2);
  g_assert_cmpint (after->state, ==, EP_SENT_COPY_PENDING);
  g_assert_nonnull (after->last_error);
  spin (50);
  g_assert_nonnull (ep_outbox_worker_get_wakeup (f.worker));
  g_assert_true (g_date_time_equal (ep_outbox_worker_get_wakeup (f.worker), after->next_attempt));
  g_assert_cmpuint (ep_outbox_worker_get_n_copy_attempts (f.worker), ==, 1);
  g_assert_cmpuint (ep_outbox_worker_get_n_attempts (f.worker), ==, 0);

  /* Done (or no longer to be made): nothing holds the application for it. */
  after->state = EP_SENT_COPY_DONE;
  g_clear_pointer (&after->next_attempt, g_date_time_unref);
  g_assert_true (ep_sent_copy_status_save (entry_dir, after, &error));
  ep_outbox_worker_reload (f.worker);
  g_assert_false (ep_outbox_worker_is_holding (f.worker));
  g_assert_null (ep_outbox_worker_get_wakeup (f.worker));
  g_assert_true (ep_sent_store_delete (sent, info->id, NULL));
  fixture_clear (&f);
  g_settings_reset (settings, "outbox-keep-running");
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/outbox-worker/timer", test_timer);
  g_test_add_func ("/outbox-worker/backoff", test_backoff);
  g_test_add_func ("/outbox-worker/batch", test_batch);
  g_test_add_func ("/outbox-worker/adopted", test_adopted);
  g_test_add_func ("/outbox-worker/inhibited", test_inhibited);
  g_test_add_func ("/outbox-worker/held", test_held);
  g_test_add_func ("/outbox-worker/missing-secret", test_missing_secret);
  g_test_add_func ("/outbox-worker/network-down", test_network_down);
  g_test_add_func ("/outbox-worker/store-watched", test_store_watched);
  g_test_add_func ("/outbox-worker/sent-copy", test_sent_copy);
  /* Last: it registers an application on the bus, and GIO's clean-up of one registered and then
   * freed within the process has been seen to overflow the stack in a case run after it. */
  g_test_add_func ("/outbox-worker/notifications", test_notifications);
  return g_test_run ();
}
