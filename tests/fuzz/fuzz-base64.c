/* SPDX-License-Identifier: GPL-3.0-or-later */
/* fuzz-base64.c: the streaming base64 encoder, judged by GLib's decoder; and our decoder.
 *
 * Input: octet 0 picks the line length (none, MIME's 76, or another multiple of 4), octet 1 the
 * sizes of the pieces fed to the encoder, the rest is the data. Oracles: g_base64_decode() (an
 * independent implementation) gives the data back; fed in pieces or at once, the output is the
 * same; each feed stays inside ep_base64_encoded_max() (every output buffer is allocated to
 * exactly that size, so AddressSanitizer sees any overrun); the total is
 * ep_base64_encoded_size(); lines have the chosen length and end in CRLF. The input as text also
 * goes to ep_base64_decode(), which must agree with GLib wherever it accepts, and to
 * ep_base64_decode_strict(), which must accept what the MIME mode accepts without whitespace and
 * nothing else; one unbroken line of our encoder's output is strict base64. */
#include "config.h"

#include <string.h>

#include "ep-base64.h"
#include "ep-fuzz.h"

int
LLVMFuzzerInitialize (int    *argc,
                      char ***argv)
{
  ep_fuzz_init ();
  return 0;
}

static guint
pick_line_length (guint8 selector)
{
  switch (selector % 4)
    {
    case 0:
      return 0;
    case 1:
      return EP_BASE64_MIME_LINE_LENGTH;
    default:
      return 4 * (1 + selector / 4 % 40);
    }
}

static char *
encode_in_pieces (const guint8 *in,
                  gsize         len,
                  guint         line_length,
                  guint8        pattern,
                  gsize        *out_len)
{
  g_autoptr(GString) out = g_string_new (NULL);
  EpBase64Encoder enc;
  gsize pos = 0;
  guint step = 0;

  ep_base64_encoder_init (&enc, line_length);
  while (pos < len)
    {
      /* Piece sizes around the interesting ones: 1, 2, 3 octets, a line's worth (57), more. */
      gsize piece = 1 + (gsize) ((pattern + 7 * step++) % 97);
      gsize n = MIN (piece, len - pos);
      gsize max = ep_base64_encoded_max (n, line_length);
      g_autofree char *buffer = g_malloc (max);
      gsize written = ep_base64_encoder_feed (&enc, in + pos, n, buffer);

      EP_FUZZ_CHECK (written <= max);
      g_string_append_len (out, buffer, written);
      pos += n;
    }
  {
    /* finish writes at most one group and a CRLF. */
    char tail[6];
    gsize written = ep_base64_encoder_finish (&enc, tail);

    EP_FUZZ_CHECK (written <= sizeof tail);
    g_string_append_len (out, tail, written);
  }
  *out_len = out->len;
  return g_string_free (g_steal_pointer (&out), FALSE);
}

static void
check_lines (const char *encoded,
             gsize       len,
             guint       line_length,
             gsize       input_len)
{
  gsize column = 0;

  if (line_length == 0)
    {
      EP_FUZZ_CHECK (strpbrk (encoded, "\r\n") == NULL);
      return;
    }
  for (gsize i = 0; i < len; i++)
    {
      if (encoded[i] == '\r')
        {
          EP_FUZZ_CHECK (i + 1 < len && encoded[i + 1] == '\n');
          /* Every line is full except the last, and none is empty. */
          EP_FUZZ_CHECK (column == line_length || (i + 2 == len && column > 0));
          column = 0;
          i++;
        }
      else
        {
          EP_FUZZ_CHECK (encoded[i] != '\n');
          column++;
          EP_FUZZ_CHECK (column <= line_length);
        }
    }
  EP_FUZZ_CHECK (column == 0);
  EP_FUZZ_CHECK ((len == 0) == (input_len == 0));
}

static void
check_alphabet (const char *encoded,
                gsize       len)
{
  gsize data_chars = 0, padding = 0;

  for (gsize i = 0; i < len; i++)
    {
      char c = encoded[i];

      if (c == '\r' || c == '\n')
        continue;
      if (c == '=')
        padding++;
      else
        {
          EP_FUZZ_CHECK (g_ascii_isalnum (c) || c == '+' || c == '/');
          EP_FUZZ_CHECK (padding == 0);
        }
      data_chars++;
    }
  EP_FUZZ_CHECK (padding <= 2);
  EP_FUZZ_CHECK (data_chars % 4 == 0);
}

/* The strict decoder on the raw input (a NUL included): what it takes is what the MIME decoder
 * takes, without whitespace and with the same bytes; and the MIME decoder's canonical input
 * without whitespace or NUL it takes too. @mime: the MIME decoder's result for the same text. */
static void
check_strict (const uint8_t *data,
              size_t         size,
              const guint8  *mime,
              gsize          mime_len)
{
  g_autofree guint8 *strict = NULL;
  g_autoptr(GError) error = NULL;
  gsize strict_len = 0;
  gboolean plain = memchr (data, '\0', size) == NULL;

  for (size_t i = 0; plain && i < size; i++)
    plain = data[i] != ' ' && data[i] != '\t' && data[i] != '\r' && data[i] != '\n';

  strict = ep_base64_decode_strict ((const char *) data, (gssize) size, &strict_len, &error);
  EP_FUZZ_CHECK ((strict == NULL) == (error != NULL));
  if (strict != NULL)
    {
      EP_FUZZ_CHECK (plain);
      EP_FUZZ_CHECK (mime != NULL);
      EP_FUZZ_CHECK_MEM (strict, strict_len, mime, mime_len);
    }
  else if (plain)
    EP_FUZZ_CHECK (mime == NULL);
}

/* Our decoder on arbitrary text: where it accepts, GLib's lenient decoder reads the same. */
static void
check_decoder (const uint8_t *data,
               size_t         size)
{
  g_autofree char *text = ep_fuzz_to_string (data, size);
  g_autofree guint8 *ours = NULL;
  g_autofree guint8 *glib = NULL;
  g_autoptr(GError) error = NULL;
  gsize ours_len = 0, glib_len = 0;

  ours = ep_base64_decode (text, &ours_len, &error);
  check_strict (data, size, ours, ours_len);
  if (ours == NULL)
    {
      EP_FUZZ_CHECK (error != NULL);
      return;
    }
  glib = g_base64_decode (text, &glib_len);
  EP_FUZZ_CHECK_MEM (ours, ours_len, glib, glib_len);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  const guint8 *in;
  gsize len;
  guint line_length;
  g_autofree char *pieces = NULL;
  g_autofree char *whole = NULL;
  g_autofree guint8 *glib = NULL;
  g_autofree guint8 *ours = NULL;
  g_autoptr(GError) error = NULL;
  gsize pieces_len = 0, glib_len = 0, ours_len = 0;

  check_decoder (data, size);
  if (size < 2)
    return 0;

  line_length = pick_line_length (data[0]);
  in = data + 2;
  len = size - 2;

  pieces = encode_in_pieces (in, len, line_length, data[1], &pieces_len);
  whole = ep_base64_encode (in, len, line_length);
  EP_FUZZ_CHECK_MEM (pieces, pieces_len, whole, strlen (whole));
  EP_FUZZ_CHECK (pieces_len == ep_base64_encoded_size (len, line_length));
  EP_FUZZ_CHECK (pieces_len <= ep_base64_encoded_max (len, line_length));
  check_lines (pieces, pieces_len, line_length, len);
  check_alphabet (pieces, pieces_len);

  /* GLib skips the CRLFs like any character outside the alphabet. */
  glib = g_base64_decode (whole, &glib_len);
  EP_FUZZ_CHECK_MEM (glib, glib_len, in, len);

  ours = ep_base64_decode (whole, &ours_len, &error);
  EP_FUZZ_CHECK_MSG (ours != NULL, "our decoder refuses our encoder: %s", error->message);
  EP_FUZZ_CHECK_MEM (ours, ours_len, in, len);

  /* One unbroken line is strict base64. */
  if (line_length == 0)
    {
      g_autofree guint8 *strict = NULL;
      gsize strict_len = 0;

      strict = ep_base64_decode_strict (whole, -1, &strict_len, NULL);
      EP_FUZZ_CHECK (strict != NULL);
      EP_FUZZ_CHECK_MEM (strict, strict_len, in, len);
    }

  return 0;
}
