/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-store-util.c: reading keyfiles strictly, and moving damaged files aside. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
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
/* GKeyFile drops the CR of a CRLF line ending, but keeps any other CR at the end of a line (a
 * last line without LF, or CR CR LF) as part of the value; and when it writes the file, that
 * CR is followed by LF and vanishes at the next read. So a value would change by being saved.
 * No value of ours ends in a raw CR (they are written as "\r"): drop every CR at a line end. */
static void
strip_line_end_crs (char  *contents,
                    gsize *length)
{
  const char *end = contents + *length;
  char *out = contents;

  for (const char *line = contents; line < end; )
    {
      const char *nl = memchr (line, '\n', end - line);
      const char *line_end = nl != NULL ? nl : end;
      const char *text_end = line_end;

      while (text_end > line && text_end[-1] == '\r')
        text_end--;
      memmove (out, line, text_end - line);
      out += text_end - line;
      if (nl != NULL)
        *out++ = '\n';
      line = nl != NULL ? nl + 1 : end;
    }
  *out = '\0';
  *length = out - contents;
}

/* Where a line's text starts (GKeyFile skips leading blanks) and where it ends (before CR LF). */
static void
line_bounds (const char  *line,
             const char  *end,
             const char **out_text,
             const char **out_text_end)
{
  const char *text = line;
  const char *text_end = end;

  while (text < end && g_ascii_isspace (*text))
    text++;
  if (text_end > text && text_end[-1] == '\r')
    text_end--;
  *out_text = text;
  *out_text_end = text_end;
}

/* "group\x1fkey" for a key line, NULL for anything else; updates @group on a group line. */
static char *
line_identity (const char  *line,
               const char  *end,
               char       **group)
{
  const char *text, *text_end, *equals, *key_end;

  line_bounds (line, end, &text, &text_end);
  if (text == text_end || *text == '#')
    return NULL;
  if (*text == '[')
    {
      const char *close = text_end;

      while (close > text && close[-1] != ']')
        close--;
      if (close > text + 1)
        {
          g_free (*group);
          *group = g_strndup (text + 1, close - 1 - (text + 1));
        }
      return NULL;
    }
  equals = memchr (text, '=', text_end - text);
  if (equals == NULL || *group == NULL)
    return NULL;
  key_end = equals;
  while (key_end > text && g_ascii_isspace (key_end[-1]))
    key_end--;
  return g_strdup_printf ("%s\x1f%.*s", *group, (int) (key_end - text), text);
}

/* A file edited by hand may repeat a key in a group (or a group, which GKeyFile merges).
 * GKeyFile reads the last one, but cannot remove the earlier ones: they would come back after
 * a save. Keep only the last line of each key, as GKeyFile would have read it; everything
 * else, comments included, stays as it was. */
static void
drop_repeated_keys (char  *contents,
                    gsize *length)
{
  g_autoptr(GHashTable) last = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autofree char *group = NULL;
  const char *end = contents + *length;
  gboolean repeated = FALSE;
  char *out = contents;
  guint index = 0;

  for (const char *line = contents; line < end; index++)
    {
      const char *nl = memchr (line, '\n', end - line);
      const char *line_end = nl != NULL ? nl : end;
      char *id = line_identity (line, line_end, &group);

      if (id != NULL)
        repeated |= !g_hash_table_insert (last, id, GUINT_TO_POINTER (index + 1));
      line = nl != NULL ? nl + 1 : end;
    }
  if (!repeated)
    return;

  g_clear_pointer (&group, g_free);
  index = 0;
  for (const char *line = contents; line < end; index++)
    {
      const char *nl = memchr (line, '\n', end - line);
      const char *next = nl != NULL ? nl + 1 : end;
      g_autofree char *id = line_identity (line, nl != NULL ? nl : end, &group);

      if (id == NULL || GPOINTER_TO_UINT (g_hash_table_lookup (last, id)) == index + 1)
        {
          memmove (out, line, next - line);
          out += next - line;
        }
      line = next;
    }
  *out = '\0';
  *length = out - contents;
}

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

  strip_line_end_crs (contents, &length);

  /* GKeyFile only checks UTF-8 when a value is read; check all of it up front so that a
   * damaged file is refused as a whole rather than half-loaded. */
  if (g_utf8_validate (contents, length, NULL))
    {
      /* On a copy: a problem is reported with the line number it has in the file. */
      g_autofree char *text = g_strndup (contents, length);
      gsize text_length = length;

      drop_repeated_keys (text, &text_length);
      if (g_key_file_load_from_data (keyfile, text, text_length, EP_STORE_KEYFILE_FLAGS, &local_error))
        return TRUE;
    }

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

void
ep_store_move_aside_and_report (const char  *path,
                                GError     **error)
{
  g_autoptr(GError) move_error = NULL;
  g_autofree char *aside = ep_store_move_aside (path, &move_error);
  GError *reported = *error;
  g_autofree char *first = ep_store_without_period (reported->message);

  if (aside != NULL)
    {
      g_autofree char *display = g_filename_display_name (aside);

      *error = g_error_new (EP_STORE_ERROR, EP_STORE_ERROR_CORRUPT,
                            _("%s. It was moved to “%s”."), first, display);
    }
  else
    *error = g_error_new (EP_STORE_ERROR, EP_STORE_ERROR_CORRUPT, "%s. %s",
                          first, move_error->message);
  g_error_free (reported);
}

/* Letters, digits, '-' and '_', at most EP_STORE_MAX_ID_LENGTH: the ids of profiles, drafts and
 * Sent entries end up in file names, keyfile group names and keyring attributes. */
gboolean
ep_store_id_is_valid (const char *id)
{
  gsize len;

  if (id == NULL)
    return FALSE;
  len = strlen (id);
  if (len == 0 || len > EP_STORE_MAX_ID_LENGTH)
    return FALSE;
  for (const char *p = id; *p != '\0'; p++)
    if (!g_ascii_isalnum (*p) && *p != '-' && *p != '_')
      return FALSE;
  return TRUE;
}

gboolean
ep_store_profile_ref_is_valid (const char *id)
{
  const char *colon;
  g_autofree char *source = NULL;

  if (ep_store_id_is_valid (id))
    return TRUE;
  colon = id != NULL ? strchr (id, ':') : NULL;
  if (colon == NULL)
    return FALSE;
  source = g_strndup (id, colon - id);
  return ep_store_id_is_valid (source) && ep_store_id_is_valid (colon + 1);
}

/* Undoes the escapes GKeyFile writes (\s \n \t \r \\, and \; inside a list). With @items,
 * the value is a list: unescaped ';' ends an item, and a last empty item (the trailing ';'
 * GKeyFile writes) is not one. Anything else after a backslash, a backslash at the end, or
 * invalid UTF-8 is %G_KEY_FILE_ERROR_INVALID_VALUE. */
static gboolean
unescape_value (const char  *raw,
                const char  *key,
                GString     *value,
                GPtrArray   *items,
                GError     **error)
{
  for (const char *p = raw; ; p++)
    {
      char c = *p;

      if (c == '\0' || (c == ';' && items != NULL))
        {
          if (!g_utf8_validate_len (value->str, value->len, NULL))
            {
              g_set_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
                           _("“%s” is not valid UTF-8"), key);
              return FALSE;
            }
          if (items == NULL)
            return TRUE;
          if (c == ';' || value->len > 0)
            g_ptr_array_add (items, g_strndup (value->str, value->len));
          g_string_truncate (value, 0);
          if (c == '\0')
            return TRUE;
          continue;
        }
      if (c == '\\')
        {
          switch (*++p)
            {
            case 's': c = ' '; break;
            case 'n': c = '\n'; break;
            case 't': c = '\t'; break;
            case 'r': c = '\r'; break;
            case '\\': c = '\\'; break;
            case ';':
              if (items != NULL)
                {
                  c = ';';
                  break;
                }
              G_GNUC_FALLTHROUGH;
            default:
              g_set_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
                           *p == '\0' ? _("“%s” ends with a lone backslash")
                                      : _("“%s” holds an unknown escape sequence"),
                           key);
              return FALSE;
            }
        }
      g_string_append_c (value, c);
    }
}

/* The raw value of @key, unescaped into a string, or into list items when @items is given. */
static GString *
get_unescaped (GKeyFile    *keyfile,
               const char  *group,
               const char  *key,
               GPtrArray   *items,
               GError     **error)
{
  g_autofree char *raw = g_key_file_get_value (keyfile, group, key, error);
  g_autoptr(GString) value = NULL;

  if (raw == NULL)
    return NULL;
  value = g_string_sized_new (strlen (raw));
  if (!unescape_value (raw, key, value, items, error))
    return NULL;
  return g_steal_pointer (&value);
}

/**
 * ep_store_keyfile_dup_string:
 *
 * g_key_file_get_string() without its GLib 2.74 faults: for a value with an unknown escape and
 * a trailing backslash it sets one GError over another (a warning, fatal in our tests), and for
 * a bad escape it returns a value and an error at once. This reads the raw value and undoes
 * exactly the escapes GKeyFile writes; a bad one is %G_KEY_FILE_ERROR_INVALID_VALUE.
 *
 * Returns: (transfer full): the value, or %NULL with @error set
 */
char *
ep_store_keyfile_dup_string (GKeyFile    *keyfile,
                             const char  *group,
                             const char  *key,
                             GError     **error)
{
  GString *value = get_unescaped (keyfile, group, key, NULL, error);

  return value != NULL ? g_string_free (value, FALSE) : NULL;
}

/**
 * ep_store_keyfile_dup_string_list:
 *
 * g_key_file_get_string_list() with the same strictness as ep_store_keyfile_dup_string().
 *
 * Returns: (transfer full): the items, or %NULL with @error set
 */
char **
ep_store_keyfile_dup_string_list (GKeyFile    *keyfile,
                                  const char  *group,
                                  const char  *key,
                                  GError     **error)
{
  g_autoptr(GPtrArray) items = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GString) rest = get_unescaped (keyfile, group, key, items, error);

  if (rest == NULL)
    return NULL;
  g_ptr_array_set_free_func (items, NULL);
  g_ptr_array_add (items, NULL);
  return (char **) g_ptr_array_free (g_steal_pointer (&items), FALSE);
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

char *
ep_store_new_entry_id (void)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autofree char *stamp = g_date_time_format (now, "%Y%m%dT%H%M%S");

  return g_strdup_printf ("%s-%06d-%08x", stamp, g_date_time_get_microsecond (now),
                          g_random_int ());
}

void
ep_store_sync_dir (const char *path)
{
  int fd = open (path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

  /* The rename is what matters; not every file system can make it durable, and the data is
   * already safe, so failing here is not an error. */
  if (fd >= 0)
    {
      fsync (fd);
      close (fd);
    }
}

void
ep_store_remove_entry_dir (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);

      g_unlink (child);
    }
  g_rmdir (path);
}

int
ep_store_try_lock (const char *path,
                   int        *errsv)
{
  /* Private, like every store file (0600). */
  int fd = open (path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, S_IRUSR | S_IWUSR);

  if (fd < 0)
    {
      *errsv = errno;
      return -1;
    }
  while (flock (fd, LOCK_EX | LOCK_NB) != 0)
    {
      if (errno == EINTR)
        continue;
      *errsv = errno;
      close (fd);
      return -1;
    }
  return fd;
}
