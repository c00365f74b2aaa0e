/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-fuzz.c: shared setup and checks of the libFuzzer targets. */
#include "config.h"

#include <glib/gstdio.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ep-fuzz.h"

static char *tmpdir;

static void
remove_tree (const char *path,
             gboolean    keep_top)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  if (dir != NULL)
    {
      while ((name = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *child = g_build_filename (path, name, NULL);

          if (g_file_test (child, G_FILE_TEST_IS_DIR) && !g_file_test (child, G_FILE_TEST_IS_SYMLINK))
            remove_tree (child, FALSE);
          else
            g_unlink (child);
        }
    }
  if (!keep_top)
    g_rmdir (path);
}

static void
remove_tmpdir (void)
{
  if (tmpdir != NULL)
    remove_tree (tmpdir, FALSE);
  g_clear_pointer (&tmpdir, g_free);
}

/* GLib ends a fatal message with SIGTRAP (it assumes a debugger), which libFuzzer does not
 * catch; abort() makes it keep the input and print the stack like any other crash. */
static GLogWriterOutput
abort_on_warning_writer (GLogLevelFlags   log_level,
                         const GLogField *fields,
                         gsize            n_fields,
                         gpointer         user_data)
{
  gboolean fatal = (log_level & (G_LOG_FLAG_FATAL | G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL |
                                 G_LOG_LEVEL_WARNING)) != 0;

  g_log_writer_default (log_level, fields, n_fields, user_data);
  if (fatal)
    abort ();
  return G_LOG_WRITER_HANDLED;
}

void
ep_fuzz_init (void)
{
  static const char * const xdg[][2] = {
    { "HOME", "home" },
    { "XDG_CONFIG_HOME", "config" },
    { "XDG_DATA_HOME", "data" },
    { "XDG_CACHE_HOME", "cache" },
    { "XDG_STATE_HOME", "state" },
    { "XDG_RUNTIME_DIR", "runtime" },
  };
  g_autoptr(GError) error = NULL;

  /* A precondition failing on some input is as much a bug as a crash: the writer aborts on
   * every warning and critical. They are not marked fatal for GLib (whatever G_DEBUG says),
   * or GLib would stop the process itself with SIGTRAP before the writer can tell. */
  g_log_set_always_fatal (G_LOG_FATAL_MASK);
  g_log_set_writer_func (abort_on_warning_writer, NULL, NULL);

  tmpdir = g_dir_make_tmp ("epistle-fuzz-XXXXXX", &error);
  if (tmpdir == NULL)
    g_error ("Cannot make a temporary directory: %s", error->message);
  atexit (remove_tmpdir);

  /* Set before GLib caches them (the first g_get_user_*_dir() call). */
  for (gsize i = 0; i < G_N_ELEMENTS (xdg); i++)
    {
      g_autofree char *dir = g_build_filename (tmpdir, xdg[i][1], NULL);

      g_mkdir_with_parents (dir, 0700);
      g_setenv (xdg[i][0], dir, TRUE);
    }
  g_setenv ("GSETTINGS_BACKEND", "memory", TRUE);
}

const char *
ep_fuzz_get_tmpdir (void)
{
  g_assert (tmpdir != NULL);
  return tmpdir;
}

void
ep_fuzz_clear_dir (const char *dir)
{
  remove_tree (dir, TRUE);
}

char *
ep_fuzz_to_string (const uint8_t *data,
                   size_t         size)
{
  char *text = g_malloc (size + 1);

  if (size > 0)
    memcpy (text, data, size);
  text[size] = '\0';
  return text;
}

void
ep_fuzz_write_file (const char    *path,
                    const uint8_t *data,
                    size_t         size)
{
  g_autoptr(GError) error = NULL;

  if (!g_file_set_contents (path, (const char *) data, (gssize) size, &error))
    g_error ("Cannot write %s: %s", path, error->message);
}

void
ep_fuzz_fail (const char *file,
              int         line,
              const char *format,
              ...)
{
  va_list args;

  fprintf (stderr, "%s:%d: check failed: ", file, line);
  va_start (args, format);
  vfprintf (stderr, format, args);
  va_end (args);
  fputc ('\n', stderr);
  fflush (stderr);
  abort ();
}

static void
print_escaped (const char *name,
               const void *data,
               gsize       len)
{
  const guchar *p = data;

  fprintf (stderr, "  %s (%" G_GSIZE_FORMAT " octets): \"", name, len);
  for (gsize i = 0; i < len && i < 2048; i++)
    {
      if (p[i] >= 0x20 && p[i] < 0x7f && p[i] != '\\' && p[i] != '"')
        fputc (p[i], stderr);
      else
        fprintf (stderr, "\\x%02x", p[i]);
    }
  fprintf (stderr, "%s\"\n", len > 2048 ? "…" : "");
}

void
ep_fuzz_check_mem (const char *file,
                   int         line,
                   const char *a_name,
                   const void *a,
                   gsize       a_len,
                   const char *b_name,
                   const void *b,
                   gsize       b_len)
{
  if (a_len == b_len && (a_len == 0 || memcmp (a, b, a_len) == 0))
    return;
  fprintf (stderr, "%s:%d: check failed: %s and %s differ\n", file, line, a_name, b_name);
  print_escaped (a_name, a, a_len);
  print_escaped (b_name, b, b_len);
  fflush (stderr);
  abort ();
}
