/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-flowed.c: format=flowed plain text (RFC 3676), written and read back.
 *
 * Written with DelSp=no (the default, RFC 3676 §4.2): a soft break happens after a space, and
 * that space stays at the end of the line, so a reader that does not know flowed text shows the
 * words exactly as typed, on tidy lines, and one that does joins the lines again. A line that has
 * no space to break at (a long URL, a path) is left whole rather than cut. */

#include "config.h"

#include <string.h>

#include "ep-flowed.h"

/* RFC 3676 §4.3: the signature separator, which is never flowed. */
#define SIGNATURE_SEPARATOR "-- "

static gboolean
is_signature_separator (const char *line)
{
  return strcmp (line, SIGNATURE_SEPARATOR) == 0;
}

/* A line the person typed with a quote mark is a quote (RFC 3676 §4.5): it is kept as it is. */
static gboolean
is_quoted (const char *line)
{
  return line[0] == '>';
}

/* RFC 3676 §4.4: a line that starts with a space, a quote mark or "From " gets one more space,
 * which the reader takes away (and "From " is what mbox files would mangle). */
static void
append_stuffed (GString    *out,
                const char *line,
                gssize      len)
{
  if (len < 0)
    len = strlen (line);
  if (len > 0 && (line[0] == ' ' || line[0] == '>' || (len >= 5 && strncmp (line, "From ", 5) == 0)))
    g_string_append_c (out, ' ');
  g_string_append_len (out, line, len);
}

/* Breaks one unquoted line after spaces, each piece at most EP_FLOWED_WRAP_LINE characters
 * where the words allow; every piece but the last ends with its space(s). */
static void
append_wrapped (GString    *out,
                const char *line)
{
  const char *start = line;   /* of the piece being built */
  const char *p = line;
  glong piece_chars = 0;

  while (*p != '\0')
    {
      const char *word = p;
      glong word_chars = 0;
      glong space_chars = 0;

      /* Leading spaces belong to the first word. */
      if (p == line)
        for (; *p == ' '; p++)
          word_chars++;
      for (; *p != '\0' && *p != ' '; p = g_utf8_next_char (p))
        word_chars++;
      for (; *p == ' '; p++)
        space_chars++;
      if (word != start && piece_chars + word_chars > EP_FLOWED_WRAP_LINE)
        {
          append_stuffed (out, start, word - start);
          g_string_append_c (out, '\n');
          start = word;
          piece_chars = 0;
        }
      piece_chars += word_chars + space_chars;
    }
  append_stuffed (out, start, -1);
}

/**
 * ep_flowed_encode:
 * @text: the body, UTF-8, lines ended by LF
 *
 * Returns: (nullable): the body as format=flowed text, or %NULL when no line is longer than
 * EP_FLOWED_MAX_LINE characters (then it goes as it is, with fixed lines).
 */
char *
ep_flowed_encode (const char *text)
{
  g_auto(GStrv) lines = NULL;
  gboolean needed = FALSE;
  GString *out;

  g_return_val_if_fail (text != NULL, NULL);

  lines = g_strsplit (text, "\n", -1);
  for (guint i = 0; lines[i] != NULL && !needed; i++)
    needed = !is_quoted (lines[i]) && g_utf8_strlen (lines[i], -1) > EP_FLOWED_MAX_LINE;
  if (!needed)
    return NULL;

  out = g_string_sized_new (strlen (text) + strlen (text) / EP_FLOWED_WRAP_LINE + 16);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      char *line = lines[i];
      gsize len;

      if (i > 0)
        g_string_append_c (out, '\n');
      if (is_signature_separator (line))
        {
          g_string_append (out, SIGNATURE_SEPARATOR);
          continue;
        }
      /* A space at the end would make the line flowed: a fixed line has none. */
      len = strlen (line);
      while (len > 0 && line[len - 1] == ' ')
        line[--len] = '\0';
      if (is_quoted (line))
        g_string_append (out, line);
      else if (g_utf8_strlen (line, -1) <= EP_FLOWED_MAX_LINE)
        append_stuffed (out, line, -1);
      else
        append_wrapped (out, line);
    }
  return g_string_free (out, FALSE);
}

static void
flush_paragraph (GString *out,
                 GString *paragraph,
                 guint    depth)
{
  for (guint i = 0; i < depth; i++)
    g_string_append_c (out, '>');
  if (depth > 0 && paragraph->len > 0)
    g_string_append_c (out, ' ');
  g_string_append_len (out, paragraph->str, paragraph->len);
  g_string_append_c (out, '\n');
  g_string_truncate (paragraph, 0);
}

/**
 * ep_flowed_decode:
 * @text: a format=flowed body, UTF-8, lines ended by LF or CRLF
 * @delsp: the DelSp parameter (a soft break's space is not part of the text)
 *
 * Joins flowed lines back into the lines they were (RFC 3676 §4.2), removing space-stuffing.
 * A quoted line that is not part of a flowed paragraph comes back as it is.
 *
 * Returns: the text, lines ended by LF.
 */
char *
ep_flowed_decode (const char *text,
                  gboolean    delsp)
{
  g_auto(GStrv) lines = NULL;
  g_autoptr(GString) paragraph = g_string_new (NULL);
  GString *out;
  gboolean open = FALSE;     /* a flowed line is waiting for the rest of its paragraph */
  guint open_depth = 0;
  guint n;

  g_return_val_if_fail (text != NULL, NULL);

  lines = g_strsplit (text, "\n", -1);
  n = g_strv_length (lines);
  /* The text's final line break leaves an empty string after it: not a line. */
  if (n > 0 && lines[n - 1][0] == '\0')
    n--;
  out = g_string_sized_new (strlen (text));
  for (guint i = 0; i < n; i++)
    {
      char *line = lines[i];
      gsize len = strlen (line);
      guint depth = 0;
      const char *content;
      gsize content_len;
      gboolean flowed;

      if (len > 0 && line[len - 1] == '\r')
        line[--len] = '\0';
      while (line[depth] == '>')
        depth++;
      content = line + depth;
      if (*content == ' ')
        content++;
      content_len = strlen (content);
      flowed = content_len > 0 && content[content_len - 1] == ' '
               && !is_signature_separator (content);

      /* A flowed line followed by one of another quote depth ends there (§4.5). */
      if (open && depth != open_depth)
        {
          flush_paragraph (out, paragraph, open_depth);
          open = FALSE;
        }
      if (!open && !flowed && depth > 0)
        {
          g_string_append (out, line);
          g_string_append_c (out, '\n');
          continue;
        }
      if (flowed && delsp)
        content_len--;
      g_string_append_len (paragraph, content, content_len);
      open = flowed;
      open_depth = depth;
      if (!flowed)
        flush_paragraph (out, paragraph, depth);
    }
  if (open)
    flush_paragraph (out, paragraph, open_depth);
  /* Without a final line break in the text, none in the result. */
  if (out->len > 0 && !g_str_has_suffix (text, "\n"))
    g_string_truncate (out, out->len - 1);
  return g_string_free (out, FALSE);
}
