/* SPDX-License-Identifier: GPL-3.0-or-later */
/* fuzz-qp.c: the quoted-printable encoder (RFC 2045 §6.7), judged by a decoder of its own.
 *
 * The reference decoder below is written from RFC 2045 §6.7 alone and strictly: it refuses
 * anything an encoder must not produce (a bare CR or LF, "=" not followed by two upper-case hex
 * digits or a line break, octets outside printable ASCII), so it shares no code or leniency with
 * ep_qp_decode(). Oracles: the reference decoding of our output is the input with CRLF for each
 * LF; ep_qp_decode() agrees; lines are at most 76 characters, never end in white space, and never
 * start with "." or "From " (kept safe from SMTP and mbox). The input as text also goes to the
 * lenient ep_qp_decode(). */
#include "config.h"

#include <string.h>

#include "ep-fuzz.h"
#include "ep-qp.h"

int
LLVMFuzzerInitialize (int    *argc,
                      char ***argv)
{
  ep_fuzz_init ();
  return 0;
}

static int
upper_hex_value (char c)
{
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

/* Returns the decoded octets (LF for each hard line break), or fails the check. */
static GByteArray *
reference_decode (const char *in,
                  gsize       len)
{
  GByteArray *out = g_byte_array_new ();
  gsize i = 0;

  while (i < len)
    {
      char c = in[i];

      if (c == '=')
        {
          int hi, lo;
          guint8 octet;

          /* Rule 5: a soft line break. */
          if (i + 2 < len && in[i + 1] == '\r' && in[i + 2] == '\n')
            {
              i += 3;
              continue;
            }
          /* Rule 1: "=" and two upper-case hexadecimal digits. */
          EP_FUZZ_CHECK_MSG (i + 2 < len, "\"=\" at offset %" G_GSIZE_FORMAT " is cut off", i);
          hi = upper_hex_value (in[i + 1]);
          lo = upper_hex_value (in[i + 2]);
          EP_FUZZ_CHECK_MSG (hi >= 0 && lo >= 0, "bad escape at offset %" G_GSIZE_FORMAT, i);
          octet = (guint8) (hi * 16 + lo);
          g_byte_array_append (out, &octet, 1);
          i += 3;
        }
      else if (c == '\r')
        {
          guint8 lf = '\n';

          /* Rule 4: a hard line break is CRLF, nothing else. */
          EP_FUZZ_CHECK_MSG (i + 1 < len && in[i + 1] == '\n', "bare CR at offset %" G_GSIZE_FORMAT, i);
          g_byte_array_append (out, &lf, 1);
          i += 2;
        }
      else
        {
          /* Rules 2 and 3: printable ASCII but "=", and space or tab, literally. */
          EP_FUZZ_CHECK_MSG (c == ' ' || c == '\t' || ((guchar) c >= 33 && (guchar) c <= 126),
                             "octet 0x%02x at offset %" G_GSIZE_FORMAT, (guchar) c, i);
          g_byte_array_append (out, (const guint8 *) &c, 1);
          i++;
        }
    }
  return out;
}

static void
check_lines (const char *encoded,
             gsize       len)
{
  const char *line = encoded;
  const char *end = encoded + len;

  while (line < end)
    {
      const char *crlf = g_strstr_len (line, end - line, "\r\n");
      const char *line_end = crlf != NULL ? crlf : end;
      gsize line_len = line_end - line;

      EP_FUZZ_CHECK_MSG (line_len <= EP_QP_LINE_LENGTH, "encoded line of %" G_GSIZE_FORMAT " characters",
                         line_len);
      if (line_len > 0)
        {
          EP_FUZZ_CHECK (line_end[-1] != ' ' && line_end[-1] != '\t');
          EP_FUZZ_CHECK (line[0] != '.');
          EP_FUZZ_CHECK (!(line_len >= 5 && memcmp (line, "From ", 5) == 0));
        }
      if (crlf == NULL)
        break;
      line = crlf + 2;
    }
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autofree char *lenient = NULL;
  g_autofree char *encoded = NULL;
  g_autofree char *ours = NULL;
  g_autoptr(GByteArray) reference = NULL;
  g_autoptr(GString) with_crlf = g_string_new (NULL);
  gsize lenient_len = 0, encoded_len = 0, ours_len = 0;

  lenient = ep_qp_decode ((const char *) data, size, &lenient_len);
  EP_FUZZ_CHECK (lenient != NULL && lenient_len <= size);

  encoded = ep_qp_encode_text ((const char *) data, size, &encoded_len);
  EP_FUZZ_CHECK (encoded != NULL && strlen (encoded) == encoded_len);
  check_lines (encoded, encoded_len);

  reference = reference_decode (encoded, encoded_len);
  EP_FUZZ_CHECK_MEM (reference->data, reference->len, data, size);

  for (size_t i = 0; i < size; i++)
    {
      if (data[i] == '\n')
        g_string_append (with_crlf, "\r\n");
      else
        g_string_append_c (with_crlf, (char) data[i]);
    }
  ours = ep_qp_decode (encoded, encoded_len, &ours_len);
  EP_FUZZ_CHECK_MEM (ours, ours_len, with_crlf->str, with_crlf->len);

  return 0;
}
