/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-text.c: control characters and ASCII in text, one rule each (see ep-text.h). */
#include "config.h"

#include "ep-text.h"

#include <string.h>

static gsize
length_of (const char *text,
           gssize      length)
{
  return length < 0 ? strlen (text) : (gsize) length;
}

/* Whether every octet of @text is within @lo..@hi. */
static gboolean
all_octets_between (const char *text,
                    gssize      length,
                    guchar      lo,
                    guchar      hi)
{
  gsize n = length_of (text, length);

  for (gsize i = 0; i < n; i++)
    if ((guchar) text[i] < lo || (guchar) text[i] > hi)
      return FALSE;
  return TRUE;
}

gboolean
ep_text_is_ascii (const char *text,
                  gssize      length)
{
  g_return_val_if_fail (text != NULL || length == 0, FALSE);

  return all_octets_between (text, length, 0x00, 0x7f);
}

gboolean
ep_text_is_printable_ascii (const char *text,
                            gssize      length)
{
  g_return_val_if_fail (text != NULL || length == 0, FALSE);

  return all_octets_between (text, length, 0x20, 0x7e);
}

gboolean
ep_text_is_visible_ascii (const char *text,
                          gssize      length)
{
  g_return_val_if_fail (text != NULL || length == 0, FALSE);

  return all_octets_between (text, length, 0x21, 0x7e);
}

gboolean
ep_text_has_control (const char *text,
                     gssize      length)
{
  gsize n;

  g_return_val_if_fail (text != NULL || length == 0, FALSE);

  n = length_of (text, length);
  for (gsize i = 0; i < n; i++)
    if (ep_text_octet_is_control ((guchar) text[i]))
      return TRUE;
  return FALSE;
}

gboolean
ep_text_has_line_break (const char *text,
                        gssize      length)
{
  gsize n;

  g_return_val_if_fail (text != NULL || length == 0, FALSE);

  n = length_of (text, length);
  for (gsize i = 0; i < n; i++)
    if (text[i] == '\r' || text[i] == '\n')
      return TRUE;
  return FALSE;
}

gboolean
ep_text_unichar_is_control (gunichar c)
{
  return c < 0x20 || (c >= 0x7f && c < 0xa0);
}

/* Octet by octet, so that invalid UTF-8 is never read past its NUL: C0 and DEL are one octet,
 * a C1 control is 0xC2 followed by 0x80–0x9F, and in valid UTF-8 0xC2 only ever leads. */
const char *
ep_text_find_control (const char  *text,
                      EpTextAllow  allow)
{
  g_return_val_if_fail (text != NULL, NULL);

  for (const char *p = text; *p != '\0'; p++)
    {
      guchar c = (guchar) *p;

      if (c == 0xc2 && (guchar) p[1] >= 0x80 && (guchar) p[1] < 0xa0)
        return p;
      if (!ep_text_octet_is_control (c))
        continue;
      if (c == '\t' && (allow & EP_TEXT_ALLOW_TAB) != 0)
        continue;
      if ((c == '\r' || c == '\n') && (allow & EP_TEXT_ALLOW_LINE_BREAKS) != 0)
        continue;
      return p;
    }
  return NULL;
}

gboolean
ep_text_is_single_line (const char *text)
{
  g_return_val_if_fail (text != NULL, FALSE);

  return g_utf8_validate (text, -1, NULL) && ep_text_find_control (text, EP_TEXT_ALLOW_NONE) == NULL;
}

gboolean
ep_text_is_header_value (const char *text)
{
  g_return_val_if_fail (text != NULL, FALSE);

  return g_utf8_validate (text, -1, NULL) && ep_text_find_control (text, EP_TEXT_ALLOW_TAB) == NULL;
}

char *
ep_text_make_printable (const char *bytes,
                        gsize       length)
{
  g_autofree char *copy = NULL;

  g_return_val_if_fail (bytes != NULL || length == 0, NULL);

  /* Not g_strndup: it would stop at a NUL. */
  copy = g_malloc (length + 1);
  if (length > 0)
    memcpy (copy, bytes, length);
  copy[length] = '\0';
  for (gsize i = 0; i < length; i++)
    if (ep_text_octet_is_control ((guchar) copy[i]))
      copy[i] = '?';
  return g_utf8_make_valid (copy, (gssize) length);
}

void
ep_text_append_escaped (GString    *out,
                        const char *bytes,
                        gsize       length)
{
  gboolean utf8;

  g_return_if_fail (out != NULL);
  g_return_if_fail (bytes != NULL || length == 0);

  utf8 = length == 0 || g_utf8_validate_len (bytes, length, NULL);
  for (gsize i = 0; i < length; i++)
    {
      guchar c = (guchar) bytes[i];

      if (ep_text_octet_is_control (c) || (c >= 0x80 && !utf8))
        g_string_append_printf (out, "\\x%02X", c);
      else
        g_string_append_c (out, (char) c);
    }
}

void
ep_text_free_secret (char *secret)
{
  if (secret == NULL)
    return;
  explicit_bzero (secret, strlen (secret));
  g_free (secret);
}
