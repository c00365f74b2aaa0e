/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-qp.c: quoted-printable encoding of UTF-8 text with soft breaks between whole characters. */
#include "config.h"


#include <string.h>

#include "ep-qp.h"
#include "ep-text.h"

static const char hex_digits[] = "0123456789ABCDEF";

/* The longest token: a 4-byte UTF-8 sequence as =XX=XX=XX=XX. */
#define MAX_TOKEN 12

static gsize
utf8_sequence_length (guchar c)
{
  if (c < 0xc0)
    return 1;
  if (c < 0xe0)
    return 2;
  if (c < 0xf0)
    return 3;
  return 4;
}

static gsize
put_hex (char   *out,
         guchar  c)
{
  out[0] = '=';
  out[1] = hex_digits[c >> 4];
  out[2] = hex_digits[c & 0xf];
  return 3;
}

/* The encoded form of the character at @p. A character at the start of a physical line that
 * could be taken for SMTP's end of data (".") or an mbox separator ("From ") is encoded too:
 * it costs two octets and spares the message from transports that mangle such lines. */
static gsize
make_token (const char *p,
            const char *line_end,
            gboolean    at_line_start,
            char        out[MAX_TOKEN],
            gsize      *consumed)
{
  guchar c = (guchar) *p;
  gsize n = utf8_sequence_length (c);

  if (n > (gsize) (line_end - p))
    n = 1;
  *consumed = n;

  if (c >= 0x80)
    {
      gsize len = 0;

      for (gsize i = 0; i < n; i++)
        len += put_hex (out + len, (guchar) p[i]);
      return len;
    }
  if (c == ' ' || c == '\t')
    {
      /* Rule 3: whitespace at the end of an encoded line must be encoded. */
      if (p + 1 == line_end)
        return put_hex (out, c);
      out[0] = (char) c;
      return 1;
    }
  if (c == '=' || ep_text_octet_is_control (c))
    return put_hex (out, c);
  if (at_line_start && (c == '.' ||
                        (c == 'F' && line_end - p >= 5 && memcmp (p, "From ", 5) == 0)))
    return put_hex (out, c);
  out[0] = (char) c;
  return 1;
}

static void
encode_line (GString    *out,
             const char *p,
             const char *line_end)
{
  gsize column = 0;

  while (p < line_end)
    {
      char token[MAX_TOKEN];
      gsize consumed;
      gsize len = make_token (p, line_end, column == 0, token, &consumed);
      gboolean last = p + consumed == line_end;

      /* A soft break costs one column ("="), except after the line's last token. */
      if (column + len > EP_QP_LINE_LENGTH - (last ? 0 : 1))
        {
          g_string_append (out, "=\r\n");
          column = 0;
          len = make_token (p, line_end, TRUE, token, &consumed);
        }
      g_string_append_len (out, token, len);
      column += len;
      p += consumed;
    }
}

/* @text uses LF line ends (no CR); each LF becomes CRLF. */
char *
ep_qp_encode_text (const char *text,
                   gsize       len,
                   gsize      *out_len)
{
  GString *out;
  const char *p = text;
  const char *end = text + len;

  g_return_val_if_fail (text != NULL || len == 0, NULL);

  out = g_string_sized_new (len + len / 8 + 16);
  while (p < end)
    {
      const char *nl = memchr (p, '\n', end - p);
      const char *line_end = nl != NULL ? nl : end;

      encode_line (out, p, line_end);
      if (nl == NULL)
        break;
      g_string_append (out, "\r\n");
      p = nl + 1;
    }

  if (out_len != NULL)
    *out_len = out->len;
  return g_string_free (out, FALSE);
}

/* Lenient decoder for tests and the Sandbox view: soft breaks removed, =XX decoded, CRLF kept. */
char *
ep_qp_decode (const char *in,
              gsize       len,
              gsize      *out_len)
{
  GString *out = g_string_sized_new (len);

  g_return_val_if_fail (in != NULL || len == 0, NULL);

  for (gsize i = 0; i < len; i++)
    {
      if (in[i] == '=' && i + 1 < len && in[i + 1] == '\n')
        i += 1;
      else if (in[i] == '=' && i + 2 < len && in[i + 1] == '\r' && in[i + 2] == '\n')
        i += 2;
      else if (in[i] == '=' && i + 2 < len &&
               g_ascii_isxdigit (in[i + 1]) && g_ascii_isxdigit (in[i + 2]))
        {
          g_string_append_c (out, (char) (g_ascii_xdigit_value (in[i + 1]) * 16 +
                                          g_ascii_xdigit_value (in[i + 2])));
          i += 2;
        }
      else
        g_string_append_c (out, in[i]);
    }

  if (out_len != NULL)
    *out_len = out->len;
  return g_string_free (out, FALSE);
}
