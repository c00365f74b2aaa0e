/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-store-util.c: reading keyfiles strictly, and moving damaged files aside. */
#include "config.h"

#include <errno.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

#include "ep-store-error.h"
#include "ep-store-util.h"

/* More than enough for the same file going bad repeatedly within one second. */
#define EP_STORE_MAX_ASIDE_ATTEMPTS 100

/* GKeyFile's own messages quote the line but not its number; people editing the file by
 * hand want the number. This follows GKeyFile's grammar: blank, comment, [group], key=value. */
static guint
find_bad_line (const char *contents,
               gsize       length)
{
  const char *invalid_utf8 = NULL;
  const char *end = contents + length;
  gboolean seen_group = FALSE;
  guint line = 1;

  if (!g_utf8_validate (contents, length, &invalid_utf8))
    end = invalid_utf8;

  for (const char *p = contents; p < end; line++)
    {
      const char *eol = memchr (p, '\n', end - p);
      const char *stop = eol != NULL ? eol : end;
      const char *s = p;
      const char *e = stop;

      while (s < e && g_ascii_isspace (*s))
        s++;
      while (e > s && g_ascii_isspace (e[-1]))
        e--;

      if (s == e || *s == '#')
        ;
      else if (*s == '[')
        {
          if (e[-1] != ']')
            return line;
          seen_group = TRUE;
        }
      else
        {
          const char *eq = memchr (s, '=', e - s);

          if (!seen_group || eq == NULL || eq == s)
            return line;
        }

      if (eol == NULL)
        break;
      p = eol + 1;
    }

  if (invalid_utf8 != NULL)
    {
      line = 1;
      for (const char *p = contents; p < invalid_utf8; p++)
        if (*p == '\n')
          line++;
      return line;
    }
  return 0;
}

/**
 * ep_store_load_keyfile:
 *
 * Reads @path into @keyfile, strictly: the whole file must be UTF-8 and parse. A damaged
 * file gives %EP_STORE_ERROR_CORRUPT naming the file and, when known, the line; a file that
 * cannot be read gives the errno's code (%EP_STORE_ERROR_NOT_FOUND when missing).
 */
gboolean
ep_store_load_keyfile (GKeyFile    *keyfile,
                       const char  *path,
                       GError     **error)
{
  g_autofree char *contents = NULL;
  g_autofree char *display = g_filename_display_name (path);
  g_autoptr(GError) local_error = NULL;
  gsize length = 0;
  guint line;

  if (!g_file_get_contents (path, &contents, &length, &local_error))
    {
      int errsv = ENOENT;

      if (!g_error_matches (local_error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        errsv = g_error_matches (local_error, G_FILE_ERROR, G_FILE_ERROR_ACCES) ? EACCES : EIO;
      /* GLib's message already names the file and the cause. */
      g_set_error_literal (error, EP_STORE_ERROR, ep_store_error_from_errno (errsv),
                           local_error->message);
      return FALSE;
    }

  /* GKeyFile only checks UTF-8 when a value is read; check all of it up front so that a
   * damaged file is refused as a whole rather than half-loaded. */
  if (g_utf8_validate (contents, length, NULL) &&
      g_key_file_load_from_data (keyfile, contents, length, EP_STORE_KEYFILE_FLAGS, &local_error))
    return TRUE;

  line = find_bad_line (contents, length);
  if (local_error == NULL)
    g_set_error (error, EP_STORE_ERROR, EP_STORE_ERROR_CORRUPT,
                 _("“%s” is damaged: line %u is not valid UTF-8 text"), display, line);
  else if (line > 0)
    g_set_error (error, EP_STORE_ERROR, EP_STORE_ERROR_CORRUPT,
                 _("“%s” is damaged at line %u: %s"), display, line, local_error->message);
  else
    g_set_error (error, EP_STORE_ERROR, EP_STORE_ERROR_CORRUPT,
                 _("“%s” is damaged: %s"), display, local_error->message);
  return FALSE;
}

/**
 * ep_store_move_aside:
 *
 * Renames a damaged @path to "@path.corrupt-YYYYMMDDTHHMMSSZ" (with "-2", "-3"... when
 * taken), so it is kept for the user and never overwritten by the next save.
 *
 * Returns: (transfer full): the new name, or %NULL with @error set
 */
char *
ep_store_move_aside (const char  *path,
                     GError     **error)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autofree char *stamp = g_date_time_format (now, "%Y%m%dT%H%M%SZ");
  g_autofree char *display = g_filename_display_name (path);
  int errsv = EEXIST;

  for (guint attempt = 1; attempt <= EP_STORE_MAX_ASIDE_ATTEMPTS; attempt++)
    {
      g_autofree char *aside = attempt == 1
        ? g_strdup_printf ("%s.corrupt-%s", path, stamp)
        : g_strdup_printf ("%s.corrupt-%s-%u", path, stamp, attempt);

      /* link(2) never replaces an existing name, unlike rename(2). */
      if (link (path, aside) == 0)
        {
          if (g_unlink (path) != 0)
            {
              errsv = errno;
              g_unlink (aside);
              break;
            }
          return g_steal_pointer (&aside);
        }
      errsv = errno;
      if (errsv == EEXIST)
        continue;
      /* Some file systems have no hard links: fall back to a rename that checks first. */
      if (!g_file_test (aside, G_FILE_TEST_EXISTS) && g_rename (path, aside) == 0)
        return g_steal_pointer (&aside);
      errsv = errno;
      break;
    }

  g_set_error (error, EP_STORE_ERROR, ep_store_error_from_errno (errsv),
               _("Could not move the damaged file “%s” aside: %s"), display, g_strerror (errsv));
  return NULL;
}

gboolean
ep_store_text_is_single_line (const char *text)
{
  for (const char *p = text; p != NULL && *p != '\0'; p = g_utf8_next_char (p))
    if (g_unichar_iscntrl (g_utf8_get_char (p)))
      return FALSE;
  return TRUE;
}

/* ISO 8601 in UTC with seconds: sortable, unambiguous, readable. */
char *
ep_store_format_date (GDateTime *date)
{
  g_autoptr(GDateTime) utc = g_date_time_to_utc (date);

  return g_date_time_format_iso8601 (utc);
}

GDateTime *
ep_store_parse_date (const char *text)
{
  if (text == NULL)
    return NULL;
  return g_date_time_new_from_iso8601 (text, NULL);
}

/* For joining another sentence after a message from GLib, which may or may not end in '.'. */
char *
ep_store_without_period (const char *message)
{
  gsize len = strlen (message);

  while (len > 0 && message[len - 1] == '.')
    len--;
  return g_strndup (message, len);
}
