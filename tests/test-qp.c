/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-qp.c: quoted-printable encoding of message text (RFC 2045 §6.7). */
#include "config.h"

#include <string.h>

#include "ep-qp.h"

/* Checks the rules on every physical line of @qp and that it decodes back to @text. */
static void
check_encoding (const char *text,
                const char *qp)
{
  g_auto(GStrv) lines = g_strsplit (qp, "\r\n", -1);
  g_autofree char *expected = NULL;
  g_autofree char *decoded = NULL;
  g_autoptr(GString) crlf = g_string_new (NULL);
  gsize decoded_len;

  for (guint i = 0; lines[i] != NULL; i++)
    {
      const char *line = lines[i];
      gsize len = strlen (line);
      g_autofree char *piece = NULL;
      gsize piece_len;

      g_assert_cmpuint (len, <=, EP_QP_LINE_LENGTH);
      g_assert_null (strchr (line, '\r'));
      g_assert_null (strchr (line, '\n'));
      for (gsize j = 0; j < len; j++)
        {
          guchar c = (guchar) line[j];

          g_assert_true (c == '\t' || (c >= 0x20 && c < 0x7f));
          /* "=" is either a soft break (last on the line) or starts an upper-case =XX. */
          if (c == '=' && j + 1 < len)
            {
              g_assert_cmpuint (j + 2, <, len);
              g_assert_nonnull (strchr ("0123456789ABCDEF", line[j + 1]));
              g_assert_nonnull (strchr ("0123456789ABCDEF", line[j + 2]));
            }
        }
      /* Rule 3: no whitespace at the end of an encoded line. */
      if (len > 0)
        g_assert_true (line[len - 1] != ' ' && line[len - 1] != '\t');
      /* Rule 5 plus ours: a soft break never splits a UTF-8 sequence, so each physical line
       * decodes to valid UTF-8 on its own. */
      piece = ep_qp_decode (line, len, &piece_len);
      g_assert_true (g_utf8_validate_len (piece, piece_len, NULL));
      /* Lines are never "." alone or starting with "From " (transport-safe). */
      g_assert_false (line[0] == '.');
      g_assert_false (g_str_has_prefix (line, "From "));
    }

  for (const char *p = text; *p != '\0'; p++)
    {
      if (*p == '\n')
        g_string_append (crlf, "\r\n");
      else
        g_string_append_c (crlf, *p);
    }
  expected = g_strdup (crlf->str);
  decoded = ep_qp_decode (qp, strlen (qp), &decoded_len);
  g_assert_cmpmem (decoded, decoded_len, expected, strlen (expected));
}

static char *
encode (const char *text)
{
  gsize len;
  char *qp = ep_qp_encode_text (text, strlen (text), &len);

  g_assert_cmpuint (len, ==, strlen (qp));
  check_encoding (text, qp);
  return qp;
}

static void
test_simple (void)
{
  static const struct { const char *in, *out; } cases[] = {
    { "", "" },
    { "hello\n", "hello\r\n" },
    { "a=b\n", "a=3Db\r\n" },
    { "caf\xc3\xa9\n", "caf=C3=A9\r\n" },
    { "trailing \n", "trailing=20\r\n" },
    { "tab\t\n", "tab=09\r\n" },
    { "in side\tkept\n", "in side\tkept\r\n" },
    { ".\n", "=2E\r\n" },
    { "..x\n", "=2E.x\r\n" },
    { "From me\n", "=46rom me\r\n" },
    { "From\n", "From\r\n" },
    { "a\n\nb", "a\r\n\r\nb" },
    { "esc\x1b del\x7f\n", "esc=1B del=7F\r\n" },
    { "\xf0\x9f\x98\x80\n", "=F0=9F=98=80\r\n" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *qp = encode (cases[i].in);
      g_assert_cmpstr (qp, ==, cases[i].out);
    }
}

static void
test_soft_breaks (void)
{
  g_autofree char *line76 = g_strnfill (76, 'a');
  g_autofree char *line77 = g_strnfill (77, 'a');
  g_autofree char *in76 = g_strconcat (line76, "\n", NULL);
  g_autofree char *in77 = g_strconcat (line77, "\n", NULL);
  g_autofree char *qp76 = encode (in76);
  g_autofree char *qp77 = encode (in77);
  g_autofree char *long_line = g_strnfill (5000, 'x');
  g_autofree char *qp_long = encode (long_line);

  /* 76 characters fit one encoded line; 77 need a soft break after 75. */
  g_assert_cmpuint (strlen (qp76), ==, 78);
  g_assert_true (g_str_has_suffix (qp77, "a=\r\naa\r\n"));
  g_assert_nonnull (strstr (qp77, "=\r\n"));
  g_assert_cmpuint (strlen (qp_long), >, 5000);
}

/* Soft breaks around multibyte characters, trailing whitespace and "=" at every position. */
static void
test_boundaries (void)
{
  const char *pieces[] = { "\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x98\x80", "=", " ", "\t", "a", "." };

  for (guint p = 0; p < G_N_ELEMENTS (pieces); p++)
    for (guint prefix = 60; prefix < 80; prefix++)
      {
        g_autoptr(GString) text = g_string_new (NULL);
        g_autofree char *qp = NULL;

        g_string_append_len (text, "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb",
                             prefix);
        for (guint k = 0; k < 30; k++)
          g_string_append (text, pieces[p]);
        g_string_append (text, "\n");
        g_string_append (text, pieces[p]);
        qp = encode (text->str);
      }
}

static void
test_random_text (void)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (7);
  const char *alphabet[] = { "a", "Z", " ", "\t", "=", ".", "From ", "\n", "\xc3\xa9", "\xe6\x97\xa5",
                             "\xf0\x9f\x8e\x89", "\x01", "\x7f", "_", "?" };

  for (guint r = 0; r < 300; r++)
    {
      g_autoptr(GString) text = g_string_new (NULL);
      guint n = g_rand_int_range (rand, 0, 400);
      g_autofree char *qp = NULL;

      for (guint i = 0; i < n; i++)
        g_string_append (text, alphabet[g_rand_int_range (rand, 0, G_N_ELEMENTS (alphabet))]);
      qp = encode (text->str);
    }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/qp/simple", test_simple);
  g_test_add_func ("/qp/soft-breaks", test_soft_breaks);
  g_test_add_func ("/qp/boundaries", test_boundaries);
  g_test_add_func ("/qp/random-text", test_random_text);

  return g_test_run ();
}
