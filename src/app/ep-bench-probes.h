/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-bench-probes.h: bench/app's probes, off unless their environment variables are set. */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* EPISTLE_BENCH_FIRST_FRAME_FD: the first window's first frame painted while mapped, once, as
 * "first_frame_us=T"; EPISTLE_BENCH_STALL_FD: "t_us= max_gap_us= max_busy_us=" every 100 ms.
 * Times are g_get_monotonic_time() microseconds. Call before g_application_run(). */
void ep_bench_probes_install (GApplication *app);

G_END_DECLS
