/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-bench-probes.c: what bench/app cannot see from outside: when the first window's first frame
 * was drawn, and how long the main loop went without running. Built into the app and into
 * bench's bare libadwaita window, so that both are timed by the same code. */
#include "config.h"

#include <stdio.h>
#include <time.h>
#include <glib/gstdio.h>

#include "ep-bench-probes.h"

/* bench/app measures the running binary from outside, and two things only the app itself can
 * see: when its first frame was drawn, and how long its main loop went without running. Each
 * probe is off unless its environment variable names a file descriptor that bench/app opened;
 * unset, they cost one getenv at start. Times are CLOCK_MONOTONIC microseconds
 * (g_get_monotonic_time), the clock bench/app reads too. */

/* Main-loop gaps are summed up per period of this length, one line each. */
#define BENCH_STALL_PERIOD_US (100 * 1000)

typedef struct {
  int    fd;
  gint64 last_tick;
  gint64 last_cpu;
  gint64 period_start;
  gint64 max_gap;
  gint64 max_busy;
} BenchStallProbe;

static int
bench_probe_fd (const char *variable)
{
  const char *value = g_getenv (variable);
  char *end = NULL;
  gint64 fd;

  if (value == NULL || *value == '\0')
    return -1;
  fd = g_ascii_strtoll (value, &end, 10);
  if (*end != '\0' || fd < 3 || fd > G_MAXINT)
    return -1;
  return (int) fd;
}

static void
bench_after_paint_cb (GdkFrameClock *clock,
                      GtkWidget     *window)
{
  int fd;

  /* A paint before the window is on screen draws nothing anyone sees. */
  if (!gtk_widget_get_mapped (window))
    return;
  fd = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (window), "ep-bench-first-frame-fd"));
  dprintf (fd, "first_frame_us=%" G_GINT64_FORMAT "\n", g_get_monotonic_time ());
  g_close (fd, NULL);
  g_signal_handlers_disconnect_by_func (clock, bench_after_paint_cb, window);
}

static void
bench_window_realize_cb (GtkWidget *window)
{
  g_signal_connect_object (gtk_widget_get_frame_clock (window), "after-paint",
                           G_CALLBACK (bench_after_paint_cb), window, 0);
}

static void
bench_window_added_cb (GtkApplication *app,
                       GtkWindow      *window,
                       gpointer        fd)
{
  g_signal_handlers_disconnect_by_func (app, bench_window_added_cb, fd);
  g_object_set_data (G_OBJECT (window), "ep-bench-first-frame-fd", fd);
  if (gtk_widget_get_realized (GTK_WIDGET (window)))
    bench_window_realize_cb (GTK_WIDGET (window));
  else
    g_signal_connect (window, "realize", G_CALLBACK (bench_window_realize_cb), NULL);
}

/* The main thread's CPU time in microseconds. */
static gint64
bench_thread_cpu_us (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_THREAD_CPUTIME_ID, &ts);
  return (gint64) ts.tv_sec * G_USEC_PER_SEC + ts.tv_nsec / 1000;
}

/* A high-priority tick every millisecond: the time between two ticks is how long the loop was
 * busy elsewhere. On a shared machine that wall time also counts waiting for a CPU, so the
 * main thread's CPU time between two ticks is noted too. One line per period, with the
 * period's largest of each. */
static gboolean
bench_stall_tick_cb (gpointer user_data)
{
  BenchStallProbe *probe = user_data;
  gint64 now = g_get_monotonic_time ();
  gint64 cpu = bench_thread_cpu_us ();

  probe->max_gap = MAX (probe->max_gap, now - probe->last_tick);
  probe->max_busy = MAX (probe->max_busy, cpu - probe->last_cpu);
  probe->last_tick = now;
  probe->last_cpu = cpu;
  if (now - probe->period_start >= BENCH_STALL_PERIOD_US)
    {
      dprintf (probe->fd, "t_us=%" G_GINT64_FORMAT " max_gap_us=%" G_GINT64_FORMAT
               " max_busy_us=%" G_GINT64_FORMAT "\n", now, probe->max_gap, probe->max_busy);
      probe->period_start = now;
      probe->max_gap = 0;
      probe->max_busy = 0;
    }
  return G_SOURCE_CONTINUE;
}

void
ep_bench_probes_install (GApplication *app)
{
  int frame_fd = bench_probe_fd ("EPISTLE_BENCH_FIRST_FRAME_FD");
  int stall_fd = bench_probe_fd ("EPISTLE_BENCH_STALL_FD");

  if (frame_fd >= 0)
    g_signal_connect (app, "window-added", G_CALLBACK (bench_window_added_cb),
                      GINT_TO_POINTER (frame_fd));
  if (stall_fd >= 0)
    {
      BenchStallProbe *probe = g_new0 (BenchStallProbe, 1);

      probe->fd = stall_fd;
      probe->last_tick = probe->period_start = g_get_monotonic_time ();
      probe->last_cpu = bench_thread_cpu_us ();
      g_timeout_add_full (G_PRIORITY_HIGH, 1, bench_stall_tick_cb, probe, g_free);
    }
}
