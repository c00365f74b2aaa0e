/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-test-util.h: small file helpers shared by the store tests. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* A fresh directory under the test's temporary directory, named PREFIX-XXXXXX. */
char *ep_test_make_dir   (const char *prefix);
char *ep_test_read_file  (const char *path);
void  ep_test_write_file (const char *path,
                          const char *contents);
/* Every name in @path, sorted, joined by spaces: catches leftover temporaries. */
char *ep_test_list_dir   (const char *path);

G_END_DECLS
