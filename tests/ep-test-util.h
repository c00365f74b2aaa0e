/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-test-util.h: helpers shared by the C tests: files, elapsed-time bounds that hold under
 * valgrind and the sanitizers, and where an asynchronous operation's reports arrive. */
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

/* The whole of @path. */
GBytes *ep_test_read_bytes   (const char *path);
/* A stored message of @size octets with every byte value, bare CR and LF, and a NUL after its
 * header: what a store keeps must come back as it was, never interpreted. */
GBytes *ep_test_make_message (gsize       size);

/* A port on 127.0.0.1 where nothing listens (bound, then closed): a server that is down. */
guint16 ep_test_closed_port (void);

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

/* Where an asynchronous operation's reports arrive: each on the thread and main context that
 * started it, and none once its outcome is in. ep_test_caller_init() makes that context and
 * pushes it as the thread default; each report's handler calls ep_test_caller_check(), and the
 * outcome's sets @finished after its own check. */
typedef struct
{
  GMainContext *context;
  GThread      *thread;
  guint         elsewhere;       /* reports off that thread or context */
  guint         after_outcome;   /* reports once @finished was set */
  gboolean      finished;
} EpTestCaller;

void     ep_test_caller_init   (EpTestCaller *caller);
void     ep_test_caller_check  (EpTestCaller *caller);
/* Iterates the context for @ms more milliseconds, then fails if anything was reported after the
 * outcome meanwhile (or before). */
void     ep_test_caller_assert_quiet (EpTestCaller *caller,
                                      guint         ms);
/* Pops the context and lets go of it. */
void     ep_test_caller_clear  (EpTestCaller *caller);

G_END_DECLS
