/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-test-util.h: helpers shared by the C tests: files, and elapsed-time bounds that hold under
 * valgrind and the sanitizers. */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

/* A fresh directory under the test's temporary directory, named PREFIX-XXXXXX. */
char *ep_test_make_dir   (const char *prefix);
char *ep_test_read_file  (const char *path);
void  ep_test_write_file (const char *path,
                          const char *contents);
/* Every name in @path, sorted, joined by spaces: catches leftover temporaries. */
char *ep_test_list_dir   (const char *path);

/* valgrind's preload library is in LD_PRELOAD: everything runs many times slower, and children
 * of g_test_trap_subprocess() would escape it. */
gboolean ep_test_under_valgrind (void);
/* An upper bound on elapsed time, stretched under valgrind (×20) and where EPISTLE_TEST_SLOW is
 * set (×3: the sanitizer setup). Lower bounds are never stretched: a deadline must not fire
 * early anywhere. */
gint64   ep_test_slack          (gint64 us);

/* Iterates @context until the caller holds the only reference to @object, for a bounded time
 * (2 s, stretched as ep_test_slack()), and fails if it does not: what a worker thread or a
 * queued callback held is let go of within moments of the work's end, not never. */
void     ep_test_wait_sole_owner (gpointer      object,
                                  GMainContext *context);

G_END_DECLS
