/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-smtp-data-stream.c: the DATA filter (dot-stuffing, CRLF normalisation, terminator) and BDAT
 * framing, including that every way of splitting the input gives the same bytes. */
#include "config.h"

#include <string.h>

#include "ep-smtp-data-stream.h"
#include "ep-test-util.h"

/* The obvious byte-at-a-time implementation of RFC 5321 §4.5.2 + §2.3.8, to compare against. */
static GByteArray *
reference_filter (const guint8 *in,
                  gsize         len,
                  gboolean      dot_stuff,
                  gboolean      terminate)
{
  GByteArray *out = g_byte_array_new ();
  gboolean bol = TRUE;

  for (gsize i = 0; i < len; i++)
    {
      guint8 c = in[i];

      if (c == '\r')
        {
          g_byte_array_append (out, (const guint8 *) "\r\n", 2);
          if (i + 1 < len && in[i + 1] == '\n')
            i++;
          bol = TRUE;
          continue;
        }
      if (c == '\n')
        {
          g_byte_array_append (out, (const guint8 *) "\r\n", 2);
          bol = TRUE;
          continue;
        }
      if (bol && dot_stuff && c == '.')
        g_byte_array_append (out, (const guint8 *) ".", 1);
      g_byte_array_append (out, &c, 1);
      bol = FALSE;
    }

  if (terminate)
    {
      if (!bol)
        g_byte_array_append (out, (const guint8 *) "\r\n", 2);
      g_byte_array_append (out, (const guint8 *) ".\r\n", 3);
    }

  return out;
}

/* Feeds @in to a fresh filter in pieces of @piece octets, closes it, returns what came out. */
static GBytes *
run_filter (const void            *in,
            gsize                  len,
            gsize                  piece,
            EpSmtpDataStreamFlags  flags)
{
  g_autoptr(GOutputStream) sink = g_memory_output_stream_new_resizable ();
  g_autoptr(GOutputStream) filter = ep_smtp_data_stream_new (sink, flags);
  g_autoptr(GError) error = NULL;
  const guint8 *p = in;
  gsize done = 0;
  GBytes *out;

  while (done < len)
    {
      gsize n = MIN (piece, len - done);

      g_assert_true (g_output_stream_write_all (filter, p + done, n, NULL, NULL, &error));
      g_assert_no_error (error);
      done += n;
    }

  g_assert_true (g_output_stream_close (filter, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (ep_smtp_data_stream_get_bytes_in (EP_SMTP_DATA_STREAM (filter)), ==, len);
  g_assert_false (g_output_stream_is_closed (sink));
  g_assert_true (g_output_stream_close (sink, NULL, NULL));

  /* Nothing else keeps either stream. */
  g_assert_finalize_object (g_steal_pointer (&filter));
  out = g_memory_output_stream_steal_as_bytes (G_MEMORY_OUTPUT_STREAM (sink));
  g_assert_finalize_object (g_steal_pointer (&sink));
  return out;
}

static void
assert_filter_len (const char *in,
                   gsize       len,
                   const char *expected,
                   gsize       expected_len)
{
  /* Every split of the input gives the same output. */
  for (gsize piece = 1; piece <= MAX (len, 1); piece++)
    {
      g_autoptr(GBytes) out = run_filter (in, len, piece, EP_SMTP_DATA_STREAM_DATA);
      gsize out_len = 0;
      const char *data = g_bytes_get_data (out, &out_len);

      g_assert_cmpmem (data, out_len, expected, expected_len);
    }
}

static void
assert_filter (const char *in,
               gsize       len,
               const char *expected)
{
  assert_filter_len (in, len, expected, strlen (expected));
}

#define ASSERT_FILTER(in, expected) assert_filter (in, sizeof (in) - 1, expected)

static void
test_plain_lines (void)
{
  ASSERT_FILTER ("a\r\nb\r\n", "a\r\nb\r\n.\r\n");
  ASSERT_FILTER ("Subject: x\r\n\r\nbody\r\n", "Subject: x\r\n\r\nbody\r\n.\r\n");
}

static void
test_no_final_newline (void)
{
  ASSERT_FILTER ("abc", "abc\r\n.\r\n");
  ASSERT_FILTER ("a\r\nb", "a\r\nb\r\n.\r\n");
}

static void
test_empty (void)
{
  ASSERT_FILTER ("", ".\r\n");
  ASSERT_FILTER ("\r\n", "\r\n.\r\n");
}

static void
test_dot_stuffing (void)
{
  ASSERT_FILTER (".\r\n", "..\r\n.\r\n");
  ASSERT_FILTER ("a\r\n.\r\nb\r\n", "a\r\n..\r\nb\r\n.\r\n");
  ASSERT_FILTER ("..x\r\n", "...x\r\n.\r\n");
  ASSERT_FILTER (".", "..\r\n.\r\n");
  ASSERT_FILTER ("a.b\r\n a\r\n.", "a.b\r\n a\r\n..\r\n.\r\n");
  ASSERT_FILTER ("a\r\n.\r\n.\r\n", "a\r\n..\r\n..\r\n.\r\n");
}

static void
test_bare_lf (void)
{
  ASSERT_FILTER ("a\nb\n", "a\r\nb\r\n.\r\n");
  ASSERT_FILTER ("\n\n", "\r\n\r\n.\r\n");
  ASSERT_FILTER ("a\n.\nb", "a\r\n..\r\nb\r\n.\r\n");
}

static void
test_bare_cr (void)
{
  ASSERT_FILTER ("a\rb", "a\r\nb\r\n.\r\n");
  ASSERT_FILTER ("a\r", "a\r\n.\r\n");
  ASSERT_FILTER ("\r\r\n", "\r\n\r\n.\r\n");
  ASSERT_FILTER ("a\r.b", "a\r\n..b\r\n.\r\n");
  ASSERT_FILTER ("a\r\r", "a\r\n\r\n.\r\n");
  ASSERT_FILTER ("x\n\r\n\r", "x\r\n\r\n\r\n.\r\n");
}

static void
test_binary_passes (void)
{
  static const char in[] = "a\0b\r\n\xff\xfe.\r\n";
  static const char expected[] = "a\0b\r\n\xff\xfe.\r\n.\r\n";

  assert_filter_len (in, sizeof in - 1, expected, sizeof expected - 1);
}

static void
test_normalize_only (void)
{
  static const char in[] = ".a\nb\r.\r\nc";
  g_autoptr(GBytes) out = run_filter (in, sizeof in - 1, 3, EP_SMTP_DATA_STREAM_NORMALIZE_ONLY);
  gsize len = 0;
  const char *data = g_bytes_get_data (out, &len);

  g_assert_cmpmem (data, len, ".a\r\nb\r\n.\r\nc", 11);
}

/* Input that is CRLF throughout already passes as it is, in any pieces; with DOT_STUFF the flag
 * changes nothing (the dots are still doubled). */
static void
test_crlf_input (void)
{
  static const char in[] = ".a\r\nb\r\n.\r\nc";
  static const char lone_lf[] = "a\nb";
  g_autoptr(GBytes) stuffed = NULL;
  g_autoptr(GBytes) as_is = NULL;
  gsize len = 0;
  const char *data;

  for (gsize piece = 1; piece <= sizeof in - 1; piece++)
    {
      g_autoptr(GBytes) pieces = run_filter (in, sizeof in - 1, piece, EP_SMTP_DATA_STREAM_CRLF_INPUT);

      data = g_bytes_get_data (pieces, &len);
      g_assert_cmpmem (data, len, in, sizeof in - 1);
    }
  stuffed = run_filter (in, sizeof in - 1, 3, EP_SMTP_DATA_STREAM_CRLF_INPUT | EP_SMTP_DATA_STREAM_DATA);
  data = g_bytes_get_data (stuffed, &len);
  g_assert_cmpmem (data, len, "..a\r\nb\r\n..\r\nc\r\n.\r\n", sizeof "..a\r\nb\r\n..\r\nc\r\n.\r\n" - 1);
  /* The promise is the caller's: nothing is checked (a bare LF stays). */
  as_is = run_filter (lone_lf, sizeof lone_lf - 1, 2, EP_SMTP_DATA_STREAM_CRLF_INPUT);
  data = g_bytes_get_data (as_is, &len);
  g_assert_cmpmem (data, len, lone_lf, sizeof lone_lf - 1);
}

static void
test_against_reference (void)
{
  /* Random text rich in '.', CR and LF, in sizes around the internal buffer. */
  const gsize len = EP_SMTP_DATA_BUFFER_SIZE * 2 + 12345;
  const gsize pieces[] = { 1, 2, 3, 7, 64, 4096, 65536, EP_SMTP_DATA_BUFFER_SIZE - 1,
                           EP_SMTP_DATA_BUFFER_SIZE, EP_SMTP_DATA_BUFFER_SIZE + 1, len };
  static const char alphabet[] = "..\r\n\n\rabcdefgh   xyz";
  g_autofree guint8 *in = g_malloc (len);
  g_autoptr(GByteArray) expected = NULL;
  g_autoptr(GRand) rand = g_rand_new_with_seed (4);

  for (gsize i = 0; i < len; i++)
    in[i] = alphabet[g_rand_int_range (rand, 0, sizeof alphabet - 1)];
  /* And one line longer than the buffer. */
  memset (in + 1000, 'L', EP_SMTP_DATA_BUFFER_SIZE + 10);

  expected = reference_filter (in, len, TRUE, TRUE);

  for (guint i = 0; i < G_N_ELEMENTS (pieces); i++)
    {
      g_autoptr(GBytes) out = run_filter (in, len, pieces[i], EP_SMTP_DATA_STREAM_DATA);
      gsize out_len = 0;
      const guint8 *data = g_bytes_get_data (out, &out_len);

      g_test_message ("piece size %" G_GSIZE_FORMAT, pieces[i]);
      g_assert_cmpmem (data, out_len, expected->data, expected->len);
    }
}

static void
test_counts_and_abort (void)
{
  g_autoptr(GOutputStream) sink = g_memory_output_stream_new_resizable ();
  g_autoptr(GOutputStream) filter = ep_smtp_data_stream_new (sink, EP_SMTP_DATA_STREAM_DATA);
  g_autoptr(GError) error = NULL;
  gsize written = 0;

  g_assert_true (g_output_stream_write_all (filter, ".x\n", 3, &written, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (g_output_stream_flush (filter, NULL, &error));
  g_assert_cmpuint (ep_smtp_data_stream_get_bytes_in (EP_SMTP_DATA_STREAM (filter)), ==, 3);
  g_assert_cmpuint (ep_smtp_data_stream_get_bytes_out (EP_SMTP_DATA_STREAM (filter)), ==, 5);

  /* A writer that failed half-way: closing must not end the data, or a truncated message would
   * be delivered. */
  ep_smtp_data_stream_abort (EP_SMTP_DATA_STREAM (filter));
  g_assert_false (g_output_stream_write_all (filter, "y", 1, NULL, NULL, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CLOSED);
  g_output_stream_close (filter, NULL, NULL);
  g_assert_cmpmem (g_memory_output_stream_get_data (G_MEMORY_OUTPUT_STREAM (sink)),
                   g_memory_output_stream_get_data_size (G_MEMORY_OUTPUT_STREAM (sink)),
                   "..x\r\n", 5);
  g_assert_finalize_object (g_steal_pointer (&filter));
  g_assert_finalize_object (g_steal_pointer (&sink));
}

static void
test_large_writes_pass_through (void)
{
  /* Output reaches the base stream in buffer-sized writes, not line by line. */
  g_autoptr(GOutputStream) sink = g_memory_output_stream_new_resizable ();
  g_autoptr(GOutputStream) filter = ep_smtp_data_stream_new (sink, EP_SMTP_DATA_STREAM_DATA);
  g_autofree char *line = g_strnfill (76, 'Q');
  g_autoptr(GString) block = g_string_new (NULL);
  gsize size_after_first;

  while (block->len < EP_SMTP_DATA_BUFFER_SIZE / 2)
    g_string_append_printf (block, "%s\r\n", line);

  g_assert_true (g_output_stream_write_all (filter, block->str, block->len, NULL, NULL, NULL));
  /* Still in the filter's buffer. */
  g_assert_cmpuint (g_memory_output_stream_get_data_size (G_MEMORY_OUTPUT_STREAM (sink)), ==, 0);
  g_assert_true (g_output_stream_write_all (filter, block->str, block->len, NULL, NULL, NULL));
  g_assert_true (g_output_stream_write_all (filter, block->str, block->len, NULL, NULL, NULL));
  size_after_first = g_memory_output_stream_get_data_size (G_MEMORY_OUTPUT_STREAM (sink));
  g_assert_cmpuint (size_after_first, >, 0);
  g_assert_cmpuint (size_after_first, <=, EP_SMTP_DATA_BUFFER_SIZE);
  g_assert_true (g_output_stream_close (filter, NULL, NULL));
  g_assert_cmpuint (g_memory_output_stream_get_data_size (G_MEMORY_OUTPUT_STREAM (sink)), ==, block->len * 3 + 3);
  g_assert_finalize_object (g_steal_pointer (&filter));
  g_assert_finalize_object (g_steal_pointer (&sink));
}

/* ---- BDAT ---- */

typedef struct {
  GArray *sizes;
  guint   lasts;
  guint   fail_at;   /* 1-based chunk number whose callback fails; 0 never */
} ChunkLog;

static gboolean
chunk_cb (guint64   chunk_size,
          gboolean  last,
          gpointer  user_data,
          GError  **error)
{
  ChunkLog *log = user_data;

  g_array_append_val (log->sizes, chunk_size);
  if (last)
    log->lasts++;
  if (log->fail_at != 0 && log->sizes->len == log->fail_at)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_FAILED, "552 too big");
      return FALSE;
    }
  return TRUE;
}

static GBytes *
run_bdat (const char *in,
          gsize       len,
          gsize       piece,
          gsize       chunk_size,
          ChunkLog   *log)
{
  g_autoptr(GOutputStream) sink = g_memory_output_stream_new_resizable ();
  g_autoptr(GOutputStream) bdat = ep_smtp_bdat_stream_new (sink, chunk_size, chunk_cb, log);
  gsize done = 0;
  GBytes *out;

  while (done < len)
    {
      gsize n = MIN (piece, len - done);

      g_assert_true (g_output_stream_write_all (bdat, in + done, n, NULL, NULL, NULL));
      done += n;
    }
  g_assert_true (g_output_stream_close (bdat, NULL, NULL));
  g_assert_cmpuint (ep_smtp_bdat_stream_get_bytes_in (EP_SMTP_BDAT_STREAM (bdat)), ==, len);
  g_assert_cmpuint (ep_smtp_bdat_stream_get_n_chunks (EP_SMTP_BDAT_STREAM (bdat)), ==, log->sizes->len);
  g_assert_false (g_output_stream_is_closed (sink));
  g_output_stream_close (sink, NULL, NULL);

  /* Nothing else keeps either stream. */
  g_assert_finalize_object (g_steal_pointer (&bdat));
  out = g_memory_output_stream_steal_as_bytes (G_MEMORY_OUTPUT_STREAM (sink));
  g_assert_finalize_object (g_steal_pointer (&sink));
  return out;
}

static void
assert_bdat (const char *in,
             gsize       chunk_size,
             const char *expected,
             guint       expected_chunks)
{
  for (gsize piece = 1; piece <= MAX (strlen (in), 1); piece++)
    {
      ChunkLog log = { g_array_new (FALSE, FALSE, sizeof (guint64)), 0, 0 };
      g_autoptr(GBytes) out = run_bdat (in, strlen (in), piece, chunk_size, &log);
      gsize out_len = 0;
      const char *data = g_bytes_get_data (out, &out_len);

      /* A write of a whole chunk or more may go out as one (bigger) chunk; compare only the
       * piece sizes that cannot do that. */
      if (piece < chunk_size)
        {
          g_assert_cmpmem (data, out_len, expected, strlen (expected));
          g_assert_cmpuint (log.sizes->len, ==, expected_chunks);
        }
      g_assert_cmpuint (log.lasts, ==, 1);
      g_array_unref (log.sizes);
    }
}

static void
test_bdat_framing (void)
{
  assert_bdat ("0123456789abcdefghijKLMNO", 10,
               "BDAT 10\r\n0123456789BDAT 10\r\nabcdefghijBDAT 5 LAST\r\nKLMNO", 3);
  assert_bdat ("0123456789abcdefghij", 10,
               "BDAT 10\r\n0123456789BDAT 10\r\nabcdefghijBDAT 0 LAST\r\n", 3);
  assert_bdat ("", 10, "BDAT 0 LAST\r\n", 1);
  assert_bdat ("a.\r\n.\r\n", 100, "BDAT 7 LAST\r\na.\r\n.\r\n", 1);
}

static void
test_bdat_large_write (void)
{
  /* A write of at least a chunk with nothing buffered goes out whole, without a copy. */
  ChunkLog log = { g_array_new (FALSE, FALSE, sizeof (guint64)), 0, 0 };
  g_autofree char *big = g_strnfill (25, 'x');
  g_autoptr(GBytes) out = run_bdat (big, 25, 25, 10, &log);
  gsize len = 0;
  const char *data = g_bytes_get_data (out, &len);
  g_autofree char *expected = g_strdup_printf ("BDAT 25\r\n%sBDAT 0 LAST\r\n", big);

  g_assert_cmpmem (data, len, expected, strlen (expected));
  g_assert_cmpuint (log.sizes->len, ==, 2);
  g_assert_cmpuint (g_array_index (log.sizes, guint64, 0), ==, 25);
  g_assert_cmpuint (g_array_index (log.sizes, guint64, 1), ==, 0);
  g_array_unref (log.sizes);
}

static void
test_bdat_callback_stops (void)
{
  ChunkLog log = { g_array_new (FALSE, FALSE, sizeof (guint64)), 0, 1 };
  g_autoptr(GOutputStream) sink = g_memory_output_stream_new_resizable ();
  g_autoptr(GOutputStream) bdat = ep_smtp_bdat_stream_new (sink, 4, chunk_cb, &log);
  g_autoptr(GError) error = NULL;

  g_assert_false (g_output_stream_write_all (bdat, "abcdefgh", 8, NULL, NULL, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_FAILED);
  /* Nothing more after the refused chunk, and no LAST on close. */
  g_output_stream_close (bdat, NULL, NULL);
  g_assert_cmpuint (log.lasts, ==, 0);
  g_assert_cmpmem (g_memory_output_stream_get_data (G_MEMORY_OUTPUT_STREAM (sink)),
                   g_memory_output_stream_get_data_size (G_MEMORY_OUTPUT_STREAM (sink)),
                   "BDAT 8\r\nabcdefgh", 16);
  g_array_unref (log.sizes);
  g_assert_finalize_object (g_steal_pointer (&bdat));
  g_assert_finalize_object (g_steal_pointer (&sink));
}

static void
test_bdat_abort (void)
{
  ChunkLog log = { g_array_new (FALSE, FALSE, sizeof (guint64)), 0, 0 };
  g_autoptr(GOutputStream) sink = g_memory_output_stream_new_resizable ();
  g_autoptr(GOutputStream) bdat = ep_smtp_bdat_stream_new (sink, 100, chunk_cb, &log);

  g_assert_true (g_output_stream_write_all (bdat, "partial", 7, NULL, NULL, NULL));
  ep_smtp_bdat_stream_abort (EP_SMTP_BDAT_STREAM (bdat));
  g_output_stream_close (bdat, NULL, NULL);
  g_assert_cmpuint (g_memory_output_stream_get_data_size (G_MEMORY_OUTPUT_STREAM (sink)), ==, 0);
  g_assert_cmpuint (log.sizes->len, ==, 0);
  g_array_unref (log.sizes);
  g_assert_finalize_object (g_steal_pointer (&bdat));
  g_assert_finalize_object (g_steal_pointer (&sink));
}

static void
test_throughput (void)
{
  /* Not a benchmark, but a guard against byte-at-a-time regressions: 64 MiB of base64-like
   * lines through the filter; the time is reported, and must stay far below a second per
   * 64 MiB even on a slow, sanitised build. */
  const gsize total = 64 * 1024 * 1024;
  g_autoptr(GOutputStream) sink = g_memory_output_stream_new (NULL, 0, g_realloc, g_free);
  g_autoptr(GOutputStream) filter = ep_smtp_data_stream_new (sink, EP_SMTP_DATA_STREAM_DATA);
  g_autoptr(GString) block = g_string_new (NULL);
  g_autofree char *line = g_strnfill (76, 'A');
  gint64 start, elapsed;
  gsize done = 0;

  while (block->len < 256 * 1024)
    g_string_append_printf (block, "%s\r\n", line);

  start = g_get_monotonic_time ();
  while (done < total)
    {
      g_assert_true (g_output_stream_write_all (filter, block->str, block->len, NULL, NULL, NULL));
      done += block->len;
      /* Keep memory flat: empty the sink as we go. */
      g_seekable_seek (G_SEEKABLE (sink), 0, G_SEEK_SET, NULL, NULL);
    }
  g_assert_true (g_output_stream_close (filter, NULL, NULL));
  elapsed = g_get_monotonic_time () - start;

  g_test_message ("filtered %" G_GSIZE_FORMAT " MiB in %.3f s (%.0f MiB/s)", done >> 20,
                  elapsed / 1e6, (done / 1048576.0) / (elapsed / 1e6));
  g_assert_cmpuint (ep_smtp_data_stream_get_bytes_out (EP_SMTP_DATA_STREAM (filter)), ==, done + 3);
  g_assert_cmpint (elapsed, <, ep_test_slack (10 * G_USEC_PER_SEC));
  g_assert_finalize_object (g_steal_pointer (&filter));
  g_assert_finalize_object (g_steal_pointer (&sink));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/smtp/data/plain-lines", test_plain_lines);
  g_test_add_func ("/smtp/data/no-final-newline", test_no_final_newline);
  g_test_add_func ("/smtp/data/empty", test_empty);
  g_test_add_func ("/smtp/data/dot-stuffing", test_dot_stuffing);
  g_test_add_func ("/smtp/data/bare-lf", test_bare_lf);
  g_test_add_func ("/smtp/data/bare-cr", test_bare_cr);
  g_test_add_func ("/smtp/data/binary", test_binary_passes);
  g_test_add_func ("/smtp/data/normalize-only", test_normalize_only);
  g_test_add_func ("/smtp/data/crlf-input", test_crlf_input);
  g_test_add_func ("/smtp/data/reference", test_against_reference);
  g_test_add_func ("/smtp/data/counts-and-abort", test_counts_and_abort);
  g_test_add_func ("/smtp/data/large-writes", test_large_writes_pass_through);
  g_test_add_func ("/smtp/data/throughput", test_throughput);
  g_test_add_func ("/smtp/bdat/framing", test_bdat_framing);
  g_test_add_func ("/smtp/bdat/large-write", test_bdat_large_write);
  g_test_add_func ("/smtp/bdat/callback-stops", test_bdat_callback_stops);
  g_test_add_func ("/smtp/bdat/abort", test_bdat_abort);

  return g_test_run ();
}
