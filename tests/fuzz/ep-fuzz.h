/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-fuzz.h: what every libFuzzer target shares: its entry points, a strict GLib and checks. */
#pragma once

#include <glib.h>
#include <stddef.h>
#include <stdint.h>

G_BEGIN_DECLS

/* libFuzzer calls these; declared here so that -Wmissing-prototypes holds for the targets. */
int   LLVMFuzzerInitialize   (int            *argc,
                              char         ***argv);
int   LLVMFuzzerTestOneInput (const uint8_t  *data,
                              size_t          size);

/* Makes GLib criticals and warnings abort() (a g_return_if_fail() reached from input is a
 * finding; abort, not GLib's SIGTRAP, so that libFuzzer keeps the input), and points HOME and
 * the XDG directories at a private directory that is removed when the process exits. Call
 * first in LLVMFuzzerInitialize(). */
void        ep_fuzz_init            (void);
/* The private directory (exists until exit). */
const char *ep_fuzz_get_tmpdir      (void);
/* Empties @dir (recursively), keeping @dir itself; a missing @dir is fine. */
void        ep_fuzz_clear_dir       (const char    *dir);
/* The input as a C string: a copy with a NUL after it (it stops at the first NUL inside). */
char       *ep_fuzz_to_string       (const uint8_t *data,
                                     size_t         size);
/* Writes @data to @path, or aborts: a harness that cannot set up is not a finding to hide. */
void        ep_fuzz_write_file      (const char    *path,
                                     const uint8_t *data,
                                     size_t         size);

/* An oracle failed: prints "FILE:LINE: check failed: …", then aborts so that libFuzzer keeps
 * the input. */
G_NORETURN void ep_fuzz_fail        (const char    *file,
                                     int            line,
                                     const char    *format,
                                     ...) G_GNUC_PRINTF (3, 4);

#define EP_FUZZ_CHECK(cond) \
  G_STMT_START { \
    if (G_UNLIKELY (!(cond))) \
      ep_fuzz_fail (__FILE__, __LINE__, "%s", #cond); \
  } G_STMT_END

#define EP_FUZZ_CHECK_MSG(cond, ...) \
  G_STMT_START { \
    if (G_UNLIKELY (!(cond))) \
      ep_fuzz_fail (__FILE__, __LINE__, __VA_ARGS__); \
  } G_STMT_END

/* Two byte strings must be equal; on failure both are printed, escaped. */
#define EP_FUZZ_CHECK_MEM(a, alen, b, blen) \
  ep_fuzz_check_mem (__FILE__, __LINE__, #a, (a), (alen), #b, (b), (blen))

void        ep_fuzz_check_mem       (const char    *file,
                                     int            line,
                                     const char    *a_name,
                                     const void    *a,
                                     gsize          a_len,
                                     const char    *b_name,
                                     const void    *b,
                                     gsize          b_len);

G_END_DECLS
