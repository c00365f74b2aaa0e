/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-base64.c: the streaming base64 encoder and the decoder, in its MIME and strict modes. */
#include "config.h"

#include <string.h>

#include "ep-base64.h"
#include "ep-mime-error.h"

static guint8 *
random_bytes (GRand *rand,
              gsize  n)
{
  guint8 *data = g_malloc (n + 1);

  for (gsize i = 0; i < n; i++)
    data[i] = (guint8) g_rand_int_range (rand, 0, 256);
  return data;
}

/* Feeds @data in chunks of @chunk bytes (0: random sizes from @rand) and returns the output. */
static char *
encode_in_chunks (const guint8 *data,
                  gsize         len,
                  guint         line_length,
                  gsize         chunk,
                  GRand        *rand)
{
  EpBase64Encoder enc;
  GString *out = g_string_new (NULL);
  gsize pos = 0;

  ep_base64_encoder_init (&enc, line_length);
  while (pos < len)
    {
      gsize n = chunk != 0 ? chunk : (gsize) g_rand_int_range (rand, 0, 200);
      gsize max;
      gsize written;

      n = MIN (n, len - pos);
      max = ep_base64_encoded_max (n, line_length);
      g_string_set_size (out, out->len + max);
      written = ep_base64_encoder_feed (&enc, data + pos, n, out->str + out->len - max);
      g_assert_cmpuint (written, <=, max);
      g_string_set_size (out, out->len - max + written);
      pos += n;
    }
  g_string_set_size (out, out->len + 8);
  g_string_set_size (out, out->len - 8 + ep_base64_encoder_finish (&enc, out->str + out->len - 8));
  return g_string_free (out, FALSE);
}

static void
test_rfc4648_vectors (void)
{
  /* RFC 4648 §10. */
  static const struct { const char *in, *out; } vectors[] = {
    { "", "" }, { "f", "Zg==" }, { "fo", "Zm8=" }, { "foo", "Zm9v" },
    { "foob", "Zm9vYg==" }, { "fooba", "Zm9vYmE=" }, { "foobar", "Zm9vYmFy" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (vectors); i++)
    {
      g_autofree char *plain = ep_base64_encode ((const guint8 *) vectors[i].in,
                                                 strlen (vectors[i].in), 0);
      g_autofree char *lines = ep_base64_encode ((const guint8 *) vectors[i].in,
                                                 strlen (vectors[i].in), 76);
      g_autofree char *with_crlf = *vectors[i].out ? g_strconcat (vectors[i].out, "\r\n", NULL)
                                                   : g_strdup ("");
      g_autofree guint8 *back = NULL;
      gsize back_len;

      g_assert_cmpstr (plain, ==, vectors[i].out);
      g_assert_cmpstr (lines, ==, with_crlf);
      back = ep_base64_decode (vectors[i].out, &back_len, NULL);
      g_assert_nonnull (back);
      g_assert_cmpmem (back, back_len, vectors[i].in, strlen (vectors[i].in));
    }
}

/* Against GLib's encoder, for every length up to a few lines and all byte values. */
static void
test_matches_glib (void)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (1);

  for (gsize len = 0; len < 400; len++)
    {
      g_autofree guint8 *data = random_bytes (rand, len);
      g_autofree char *ours = ep_base64_encode (data, len, 0);
      g_autofree char *glib = g_base64_encode (data, len);

      g_assert_cmpstr (ours, ==, glib);
    }
}

/* Whole MIME lines go through a vector encoder where the CPU has one: it must agree with GLib
 * on every 6-bit value at every position of a line, and on runs of 0x00 and 0xff. */
static void
test_mime_lines_match_glib (void)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (4);
  const char *requested = g_getenv ("EPISTLE_BASE64_IMPL");
  gsize len = 1024 * 1024 + 7;
  g_autofree guint8 *data = random_bytes (rand, len);

  g_test_message ("MIME lines encoded by: %s", ep_base64_get_implementation ());
  if (requested != NULL)
    {
#if defined(__x86_64__)
      if (g_str_equal (requested, "ssse3") && !__builtin_cpu_supports ("ssse3"))
        {
          g_test_skip ("this CPU has no SSSE3");
          return;
        }
#else
      if (!g_str_equal (requested, "scalar"))
        {
          g_test_skip ("vector encoders exist for x86-64 only");
          return;
        }
#endif
      g_assert_cmpstr (ep_base64_get_implementation (), ==, requested);
    }

  memset (data + 57 * 3, 0x00, 57 * 2);
  memset (data + 57 * 7, 0xff, 57 * 2);
  for (gsize offset = 0; offset < 3; offset++)
    {
      g_autofree char *lines = ep_base64_encode (data + offset, len - offset, 76);
      g_autofree char *glib = g_base64_encode (data + offset, len - offset);
      g_auto(GStrv) parts = g_strsplit (lines, "\r\n", -1);
      g_autofree char *joined = g_strjoinv ("", parts);

      g_assert_cmpstr (joined, ==, glib);
      for (guint i = 0; parts[i + 1] != NULL && parts[i + 2] != NULL; i++)
        g_assert_cmpuint (strlen (parts[i]), ==, 76);
    }
}

static void
test_line_breaks (void)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (2);

  for (gsize len = 0; len < 600; len++)
    {
      g_autofree guint8 *data = random_bytes (rand, len);
      g_autofree char *lines = ep_base64_encode (data, len, 76);
      g_autofree char *flat = ep_base64_encode (data, len, 0);
      g_auto(GStrv) parts = g_strsplit (lines, "\r\n", -1);
      g_autofree char *joined = g_strjoinv ("", parts);
      guint n = g_strv_length (parts);

      g_assert_cmpuint (strlen (lines), ==, ep_base64_encoded_size (len, 76));
      g_assert_cmpuint (strlen (flat), ==, ep_base64_encoded_size (len, 0));
      g_assert_cmpstr (joined, ==, flat);
      if (len == 0)
        {
          g_assert_cmpstr (lines, ==, "");
          continue;
        }
      /* Every line but the empty remainder after the final CRLF is full, except the last. */
      g_assert_cmpstr (parts[n - 1], ==, "");
      for (guint i = 0; i + 1 < n; i++)
        {
          g_assert_cmpuint (strlen (parts[i]), <=, 76);
          g_assert_cmpuint (strlen (parts[i]), >, 0);
          if (i + 2 < n)
            g_assert_cmpuint (strlen (parts[i]), ==, 76);
          g_assert_null (strchr (parts[i], '\n'));
          g_assert_null (strchr (parts[i], '\r'));
        }
      if (len == 57)
        g_assert_cmpuint (n, ==, 2);
    }
}

/* The streaming rule: every chunk split from 1 to 100 bytes gives identical output. */
static void
test_chunk_splits (void)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (3);
  gsize sizes[] = { 0, 1, 2, 3, 56, 57, 58, 113, 114, 115, 1000, 4321 };

  for (guint s = 0; s < G_N_ELEMENTS (sizes); s++)
    for (guint line = 0; line <= 76; line += 76)
      {
        g_autofree guint8 *data = random_bytes (rand, sizes[s]);
        g_autofree char *whole = ep_base64_encode (data, sizes[s], line);

        for (gsize chunk = 1; chunk <= 100; chunk++)
          {
            g_autofree char *split = encode_in_chunks (data, sizes[s], line, chunk, NULL);
            g_assert_cmpstr (split, ==, whole);
          }
        for (guint r = 0; r < 50; r++)
          {
            g_autofree char *split = encode_in_chunks (data, sizes[s], line, 0, rand);
            g_assert_cmpstr (split, ==, whole);
          }
      }
}

static void
test_other_line_lengths (void)
{
  static const guint8 data[] = "any carnal pleasure.";
  g_autofree char *four = ep_base64_encode (data, 20, 4);
  g_autofree char *eight = ep_base64_encode (data, 20, 8);

  g_assert_cmpstr (four, ==, "YW55\r\nIGNh\r\ncm5h\r\nbCBw\r\nbGVh\r\nc3Vy\r\nZS4=\r\n");
  g_assert_cmpstr (eight, ==, "YW55IGNh\r\ncm5hbCBw\r\nbGVhc3Vy\r\nZS4=\r\n");
  g_assert_cmpuint (ep_base64_encoded_size (20, 8), ==, strlen (eight));
}

static void
test_encoder_reuse (void)
{
  EpBase64Encoder enc;
  char out[64];
  gsize n;

  ep_base64_encoder_init (&enc, 76);
  n = ep_base64_encoder_feed (&enc, (const guint8 *) "ab", 2, out);
  g_assert_cmpuint (n, ==, 0);
  n = ep_base64_encoder_finish (&enc, out);
  g_assert_cmpmem (out, n, "YWI=\r\n", 6);
  /* finish resets: the encoder starts a new stream. */
  n = ep_base64_encoder_feed (&enc, (const guint8 *) "abc", 3, out);
  n += ep_base64_encoder_finish (&enc, out + n);
  g_assert_cmpmem (out, n, "YWJj\r\n", 6);
  n = ep_base64_encoder_finish (&enc, out);
  g_assert_cmpuint (n, ==, 0);
}

static void
test_decode (void)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (4);

  for (gsize len = 0; len < 300; len += 7)
    {
      g_autofree guint8 *data = random_bytes (rand, len);
      g_autofree char *lines = ep_base64_encode (data, len, 76);
      g_autofree guint8 *back = NULL;
      gsize back_len = 0;
      g_autoptr(GError) error = NULL;

      back = ep_base64_decode (lines, &back_len, &error);
      g_assert_no_error (error);
      g_assert_cmpmem (back, back_len, data, len);
    }
}

static void
test_decode_invalid (void)
{
  static const char *bad[] = {
    "Zg=", "Z===", "Zm9v!", "Zg==Zg==", "Zh==", "Zm9=", "Z", "Zm9vY", "=Zg=", "Zm9v====", "Zm8=x",
  };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;
      gsize len = 0;
      g_autofree guint8 *out = ep_base64_decode (bad[i], &len, &error);

      g_test_message ("decoding “%s”", bad[i]);
      g_assert_null (out);
      g_assert_error (error, EP_MIME_ERROR, EP_MIME_ERROR_INVALID_ENCODING);
    }
}

/* The strict decoder (SASL, RFC 4954 §4) accepts exactly RFC 4648 §4 base64. */
static void
test_decode_strict (void)
{
  static const struct { const char *in, *out; } good[] = {
    { "", "" }, { "Zg==", "f" }, { "Zm8=", "fo" }, { "Zm9v", "foo" }, { "Zm9vYg==", "foob" },
    { "Zm9vYmE=", "fooba" }, { "Zm9vYmFy", "foobar" }, { "VXNlcm5hbWU6", "Username:" },
    { "+/+/", "\xfb\xff\xbf" },
  };
  g_autoptr(GRand) rand = g_rand_new_with_seed (5);

  for (guint i = 0; i < G_N_ELEMENTS (good); i++)
    {
      g_autoptr(GError) error = NULL;
      gsize len = 1;
      g_autofree guint8 *out = ep_base64_decode_strict (good[i].in, -1, &len, &error);

      g_test_message ("decoding “%s”", good[i].in);
      g_assert_no_error (error);
      g_assert_nonnull (out);
      g_assert_cmpmem (out, len, good[i].out, strlen (good[i].out));
    }

  /* Every encoding of random bytes on one line, and the length taken from the caller: what follows
   * it in the buffer is not read. */
  for (gsize n = 0; n < 200; n += 3)
    {
      g_autofree guint8 *data = random_bytes (rand, n);
      g_autofree char *text = ep_base64_encode (data, n, 0);
      g_autofree char *followed = g_strconcat (text, "!\n", NULL);
      g_autofree guint8 *back = NULL;
      gsize back_len = 0;
      g_autoptr(GError) error = NULL;

      back = ep_base64_decode_strict (followed, (gssize) strlen (text), &back_len, &error);
      g_assert_no_error (error);
      g_assert_cmpmem (back, back_len, data, n);
    }
}

static void
assert_strict_refuses (const char *in,
                       gssize      len,
                       const char *why)
{
  g_autoptr(GError) error = NULL;
  gsize out_len = 0;
  g_autofree guint8 *out = ep_base64_decode_strict (in, len, &out_len, &error);

  g_test_message ("refusing “%s” (%s)", in, why);
  g_assert_null (out);
  g_assert_error (error, EP_MIME_ERROR, EP_MIME_ERROR_INVALID_ENCODING);
}

/* Each way of not being RFC 4648 §4 base64, refused. */
static void
test_decode_strict_rejects (void)
{
  /* Characters outside the alphabet, the URL-safe one (RFC 4648 §5) included. */
  assert_strict_refuses ("Zm9v!A==", -1, "bad character");
  assert_strict_refuses ("****", -1, "bad character");
  assert_strict_refuses ("Zm-_", -1, "URL-safe alphabet");
  assert_strict_refuses ("Zm9\xc3\xa9", -1, "non-ASCII");
  /* Whitespace anywhere: MIME's decoder skips it, the strict one does not. */
  assert_strict_refuses ("Zm9v Yg==", -1, "space");
  assert_strict_refuses ("Zm9v\tYg==", -1, "tab");
  assert_strict_refuses ("Zm9v\r\nYg==", -1, "line break");
  assert_strict_refuses ("Zm9vYg==\r\n", -1, "trailing CRLF");
  assert_strict_refuses ("Zm9vYg==\n", -1, "trailing LF");
  assert_strict_refuses (" Zm9v", -1, "leading space");
  assert_strict_refuses ("ab c", -1, "space");
  assert_strict_refuses ("ab\nc", -1, "line break");
  /* A NUL within the given length (a line that held one). */
  assert_strict_refuses ("Zm9v\0Yg==", 9, "NUL");
  /* Padding: missing, misplaced, too much, or pad bits that are not zero. */
  assert_strict_refuses ("Zg", -1, "missing padding");
  assert_strict_refuses ("Zm9", -1, "missing padding");
  assert_strict_refuses ("Z", -1, "a lone character");
  assert_strict_refuses ("abc", -1, "length not a multiple of 4");
  assert_strict_refuses ("Zg=", -1, "half the padding");
  assert_strict_refuses ("Z===", -1, "three padding characters");
  assert_strict_refuses ("a===", -1, "three padding characters");
  assert_strict_refuses ("====", -1, "padding only");
  assert_strict_refuses ("=", -1, "padding only");
  assert_strict_refuses ("=abc", -1, "padding first");
  assert_strict_refuses ("ab=c", -1, "padding inside");
  assert_strict_refuses ("Zg==Zg==", -1, "data after the padding");
  assert_strict_refuses ("Zm9v====", -1, "a group of padding");
  assert_strict_refuses ("Zh==", -1, "non-zero pad bits");
  assert_strict_refuses ("Zm9=", -1, "non-zero pad bits");
}

/* What the MIME decoder takes from a body, whitespace and all, the strict one refuses; without
 * whitespace the two agree. */
static void
test_decode_modes (void)
{
  static const char *inputs[] = { "Zm9v\r\nYmFy", "Zm9v YmFy", "Zm9v\tYmFy", "Zm9vYmFy\r\n" };

  for (guint i = 0; i < G_N_ELEMENTS (inputs); i++)
    {
      gsize mime_len = 0, strict_len = 0;
      g_autofree guint8 *mime = ep_base64_decode (inputs[i], &mime_len, NULL);
      g_autofree guint8 *strict = ep_base64_decode_strict (inputs[i], -1, &strict_len, NULL);

      g_assert_cmpmem (mime, mime_len, "foobar", 6);
      g_assert_null (strict);
    }
}

static void
test_sizes (void)
{
  g_assert_cmpuint (ep_base64_encoded_size (0, 76), ==, 0);
  g_assert_cmpuint (ep_base64_encoded_size (1, 76), ==, 6);
  g_assert_cmpuint (ep_base64_encoded_size (57, 76), ==, 78);
  g_assert_cmpuint (ep_base64_encoded_size (58, 76), ==, 84);
  /* 256 MiB: 4/3 plus a CRLF per 57 input bytes, beyond 32 bits of intermediate values. */
  g_assert_cmpuint (ep_base64_encoded_size (G_GUINT64_CONSTANT (268435456), 76), ==,
                    G_GUINT64_CONSTANT (357913944) + 2 * G_GUINT64_CONSTANT (4709394));
  g_assert_cmpuint (ep_base64_encoded_size (G_GUINT64_CONSTANT (6000000000), 0), ==,
                    G_GUINT64_CONSTANT (8000000000));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/base64/rfc4648-vectors", test_rfc4648_vectors);
  g_test_add_func ("/base64/matches-glib", test_matches_glib);
  g_test_add_func ("/base64/line-breaks", test_line_breaks);
  g_test_add_func ("/base64/mime-lines-match-glib", test_mime_lines_match_glib);
  g_test_add_func ("/base64/chunk-splits", test_chunk_splits);
  g_test_add_func ("/base64/other-line-lengths", test_other_line_lengths);
  g_test_add_func ("/base64/encoder-reuse", test_encoder_reuse);
  g_test_add_func ("/base64/decode", test_decode);
  g_test_add_func ("/base64/decode-invalid", test_decode_invalid);
  g_test_add_func ("/base64/decode-strict", test_decode_strict);
  g_test_add_func ("/base64/decode-strict-rejects", test_decode_strict_rejects);
  g_test_add_func ("/base64/decode-modes", test_decode_modes);
  g_test_add_func ("/base64/sizes", test_sizes);

  return g_test_run ();
}
