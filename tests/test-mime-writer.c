/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-mime-writer.c: the message model and the streaming writer, end to end in memory. */
#include "config.h"

#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <glib/gstdio.h>

#include "ep-base64.h"
#include "ep-message.h"
#include "ep-mime-error.h"
#include "ep-mime-writer.h"

typedef struct {
  char *dir;
} Fixture;

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  f->dir = g_dir_make_tmp ("mime-writer-XXXXXX", &error);
  g_assert_no_error (error);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(GDir) dir = g_dir_open (f->dir, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_build_filename (f->dir, name, NULL);
      g_remove (path);
    }
  g_rmdir (f->dir);
  g_free (f->dir);
}

static GFile *
make_file (Fixture    *f,
           const char *name,
           gsize       size)
{
  g_autofree char *path = g_build_filename (f->dir, name, NULL);
  g_autofree guint8 *data = g_malloc (size + 1);
  g_autoptr(GError) error = NULL;

  for (gsize i = 0; i < size; i++)
    data[i] = (guint8) (i * 7 + i / 251);
  g_file_set_contents (path, (const char *) data, size, &error);
  g_assert_no_error (error);
  return g_file_new_for_path (path);
}

static EpMessage *
make_message (void)
{
  EpMessage *message = ep_message_new ();
  g_autoptr(EpAddress) from = ep_address_new ("Jane Doe", "jane@bücher.example", "From", NULL);
  g_autoptr(EpAddress) to = ep_address_new (NULL, "bob@example.com", "To", NULL);
  g_autoptr(EpAddress) bcc = ep_address_new ("Hidden", "secret@example.net", "Bcc", NULL);

  ep_message_set_from (message, from);
  ep_message_add_to (message, to);
  ep_message_add_bcc (message, bcc);
  g_assert_true (ep_message_set_subject (message, "Hello", NULL));
  g_assert_true (ep_message_set_body (message, "Hi Bob,\nsee attached.\n", -1, NULL));
  return message;
}

typedef struct {
  guint64 last;
  guint64 total;
  guint   calls;
} Progress;

static void
progress_cb (guint64  written,
             guint64  total,
             gpointer user_data)
{
  Progress *p = user_data;

  g_assert_cmpuint (written, >=, p->last);
  g_assert_cmpuint (written, <=, total);
  p->last = written;
  p->total = total;
  p->calls++;
}

/* Prepares and writes into memory; checks the size promise and the line rules. */
static GBytes *
write_message (EpMessage *message)
{
  g_autoptr(GOutputStream) out = g_memory_output_stream_new_resizable ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = NULL;
  Progress progress = { 0 };
  const char *data;
  gsize len;
  gsize line = 0;
  gboolean in_headers = TRUE;

  g_assert_true (ep_mime_writer_prepare (message, &error));
  g_assert_no_error (error);
  g_assert_true (ep_mime_writer_write (message, out, progress_cb, &progress, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (g_output_stream_close (out, NULL, NULL));
  bytes = g_memory_output_stream_steal_as_bytes (G_MEMORY_OUTPUT_STREAM (out));
  data = g_bytes_get_data (bytes, &len);

  g_assert_cmpuint (len, ==, ep_mime_writer_get_size (message));
  g_assert_cmpuint (progress.last, ==, len);
  g_assert_cmpuint (progress.total, ==, len);
  g_assert_cmpuint (progress.calls, >=, 1);

  /* CRLF only, lines within 998 octets, header lines within 78, ends with CRLF. */
  g_assert_true (len >= 2 && data[len - 2] == '\r' && data[len - 1] == '\n');
  for (gsize i = 0; i < len; i++)
    {
      if (data[i] == '\r')
        {
          g_assert_true (i + 1 < len && data[i + 1] == '\n');
          if (line == 0)
            in_headers = FALSE;
          line = 0;
          i++;
          continue;
        }
      g_assert_cmpint (data[i], !=, '\n');
      line++;
      g_assert_cmpuint (line, <=, 998);
      if (in_headers)
        g_assert_cmpuint (line, <=, 78);
    }

  return g_steal_pointer (&bytes);
}

static char *
bytes_to_string (GBytes *bytes)
{
  gsize len;
  const char *data = g_bytes_get_data (bytes, &len);

  return g_strndup (data, len);
}

static void
test_date_format (void)
{
  static const struct { int y, mo, d, h, mi, s; double offset_h; const char *expected; } cases[] = {
    { 2024, 2, 29, 13, 5, 9, 5.5, "Thu, 29 Feb 2024 13:05:09 +0530" },
    { 1999, 12, 31, 23, 59, 59, -8, "Fri, 31 Dec 1999 23:59:59 -0800" },
    { 2025, 1, 5, 0, 0, 0, 0, "Sun, 5 Jan 2025 00:00:00 +0000" },
    { 2025, 6, 2, 7, 8, 9, -3.5, "Mon, 2 Jun 2025 07:08:09 -0330" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GTimeZone) tz = g_time_zone_new_offset ((gint32) (cases[i].offset_h * 3600));
      g_autoptr(GDateTime) dt = g_date_time_new (tz, cases[i].y, cases[i].mo, cases[i].d,
                                                 cases[i].h, cases[i].mi, cases[i].s);
      g_autofree char *formatted = ep_mime_format_date (dt);

      g_assert_cmpstr (formatted, ==, cases[i].expected);
    }
}

static void
test_headers (Fixture       *f,
              gconstpointer  data)
{
  g_autoptr(EpMessage) message = make_message ();
  g_autoptr(GTimeZone) tz = g_time_zone_new_offset (3600);
  g_autoptr(GDateTime) date = g_date_time_new (tz, 2024, 3, 1, 12, 0, 0);
  g_autoptr(GBytes) bytes = NULL;
  g_autofree char *text = NULL;
  g_autoptr(GRegex) mid = g_regex_new ("\r\nMessage-ID: <[a-z2-7]{26}@xn--bcher-kva\\.example>\r\n",
                                       0, 0, NULL);

  ep_message_set_date (message, date);
  bytes = write_message (message);
  text = bytes_to_string (bytes);

  g_assert_true (g_str_has_prefix (text, "Date: Fri, 1 Mar 2024 12:00:00 +0100\r\n"
                                         "From: Jane Doe <jane@xn--bcher-kva.example>\r\n"
                                         "To: bob@example.com\r\n"
                                         "Subject: Hello\r\n"));
  g_assert_true (g_regex_match (mid, text, 0, NULL));
  g_assert_nonnull (strstr (text, "\r\nUser-Agent: Epistle/" PACKAGE_VERSION "\r\n"));
  g_assert_nonnull (strstr (text, "\r\nMIME-Version: 1.0\r\n"));
  g_assert_nonnull (strstr (text, "\r\nContent-Type: text/plain; charset=utf-8\r\n"
                                  "Content-Transfer-Encoding: 7bit\r\n\r\n"
                                  "Hi Bob,\r\nsee attached.\r\n"));
  g_assert_true (g_str_has_suffix (text, "\r\n\r\nHi Bob,\r\nsee attached.\r\n"));
  /* Bcc is envelope only. */
  g_assert_null (strstr (text, "Bcc"));
  g_assert_null (strstr (text, "secret@"));
  g_assert_cmpstr (ep_message_get_message_id (message), !=, NULL);
  g_assert_finalize_object (g_steal_pointer (&message));
}

static void
test_random_ids (void)
{
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  for (guint i = 0; i < 200; i++)
    {
      char *boundary = ep_mime_make_boundary ();
      g_autofree char *id = ep_mime_make_message_id ("example.com");

      g_assert_cmpuint (strlen (boundary), <=, EP_MIME_BOUNDARY_MAX);
      g_assert_nonnull (strstr (boundary, "=_"));
      for (const char *c = boundary; *c != '\0'; c++)
        g_assert_true (g_ascii_isalnum (*c) || *c == '=' || *c == '_');
      g_assert_true (g_hash_table_add (seen, boundary));
      g_assert_true (g_str_has_prefix (id, "<") && g_str_has_suffix (id, "@example.com>"));
      g_assert_true (g_hash_table_add (seen, g_steal_pointer (&id)));
    }
}

static void
test_attachments_sizes (Fixture       *f,
                        gconstpointer  data)
{
  static const gsize sizes[] = { 0, 1, 2, 3, 56, 57, 58, 1000, EP_MIME_READ_CHUNK - 1,
                                 EP_MIME_READ_CHUNK, EP_MIME_READ_CHUNK + 1, 1024 * 1024 + 5 };

  for (guint i = 0; i < G_N_ELEMENTS (sizes); i++)
    {
      g_autoptr(EpMessage) message = make_message ();
      g_autofree char *name = g_strdup_printf ("file-%u.bin", i);
      g_autoptr(GFile) file = make_file (f, name, sizes[i]);
      g_autoptr(GBytes) bytes = NULL;
      g_autofree char *text = NULL;
      g_autofree char *contents = NULL;
      g_autofree char *encoded = NULL;
      gsize len;
      g_autofree char *boundary_line = NULL;
      char *start, *end;

      ep_message_add_attachment (message, file, NULL, NULL);
      bytes = write_message (message);
      text = bytes_to_string (bytes);

      /* The attachment's base64 is exactly our encoding of the file, between its part headers
       * and the closing delimiter. */
      g_assert_true (g_file_load_contents (file, NULL, &contents, &len, NULL, NULL));
      encoded = ep_base64_encode ((const guint8 *) contents, len, 76);
      start = strstr (text, "Content-Transfer-Encoding: base64\r\n\r\n");
      g_assert_nonnull (start);
      start += strlen ("Content-Transfer-Encoding: base64\r\n\r\n");
      end = g_strrstr (text, "--=_Epistle_");
      g_assert_nonnull (end);
      g_assert_true (g_str_has_suffix (text, "--\r\n"));
      if (len == 0)
        g_assert_cmpmem (start, end - start, "\r\n", 2);
      else
        g_assert_cmpmem (start, end - start, encoded, strlen (encoded));
      g_assert_nonnull (strstr (text, "Content-Disposition: attachment; filename=\"file-"));
      boundary_line = g_strdup_printf ("Content-Type: multipart/mixed;\r\n boundary=\"");
      g_assert_nonnull (strstr (text, boundary_line));
    }
}

static void
test_prepare_is_stable (Fixture       *f,
                        gconstpointer  data)
{
  g_autoptr(EpMessage) message = make_message ();
  g_autoptr(GFile) file = make_file (f, "stable.bin", 5000);
  g_autoptr(GBytes) first = NULL;
  g_autoptr(GBytes) second = NULL;

  ep_message_add_attachment (message, file, "Rénamed.bin", "application/x-custom");
  first = write_message (message);
  /* The SMTP layer prepares again: Date, Message-ID and boundary must not change. */
  second = write_message (message);
  g_assert_true (g_bytes_equal (first, second));
  g_assert_nonnull (g_strstr_len (g_bytes_get_data (first, NULL), g_bytes_get_size (first),
                                  "Content-Type: application/x-custom;"));
  g_assert_nonnull (g_strstr_len (g_bytes_get_data (first, NULL), g_bytes_get_size (first),
                                  "filename*=UTF-8''R%C3%A9named.bin"));
  g_assert_finalize_object (g_steal_pointer (&message));
}

static void
test_sniffing (Fixture       *f,
               gconstpointer  data)
{
  static const guint8 png[] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0, 0, 13,
                                'I', 'H', 'D', 'R', 0, 0, 0, 1, 0, 0, 0, 1, 8, 2, 0, 0, 0 };
  g_autofree char *path = g_build_filename (f->dir, "image-without-extension", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GFile) bin = make_file (f, "unknown.zzqq", 100);
  g_autoptr(EpMessage) message = make_message ();
  g_autoptr(GBytes) bytes = NULL;
  g_autofree char *text = NULL;

  g_autofree char *utf8_path = g_build_filename (f->dir, "notes.txt", NULL);
  g_autofree char *latin1_path = g_build_filename (f->dir, "old.txt", NULL);
  g_autoptr(GFile) utf8 = g_file_new_for_path (utf8_path);
  g_autoptr(GFile) latin1 = g_file_new_for_path (latin1_path);
  g_autofree char *matlab_path = g_build_filename (f->dir, "report.bin", NULL);
  g_autoptr(GFile) matlab = g_file_new_for_path (matlab_path);
  static const char percent_then_binary[] = "%\x9c\x00\x01\xff\x00binary";

  g_assert_true (g_file_set_contents (path, (const char *) png, sizeof png, NULL));
  g_assert_true (g_file_set_contents (utf8_path, "h\xc3\xa9llo\n", -1, NULL));
  g_assert_true (g_file_set_contents (latin1_path, "caf\xe9\n", -1, NULL));
  /* Random bytes that happen to start with "%" are MATLAB to shared-mime-info's weak magic,
   * and the app passes on what GIO said: a NUL says it is no text, whatever the type. */
  g_assert_true (g_file_set_contents (matlab_path, percent_then_binary, sizeof percent_then_binary, NULL));
  ep_message_add_attachment (message, matlab, NULL, "text/x-matlab");
  ep_message_add_attachment (message, file, NULL, NULL);
  ep_message_add_attachment (message, bin, NULL, "not a type");
  ep_message_add_attachment (message, utf8, NULL, NULL);
  ep_message_add_attachment (message, latin1, NULL, NULL);
  bytes = write_message (message);
  text = bytes_to_string (bytes);
  /* Text says its charset when it is UTF-8, and only then. */
  g_assert_nonnull (strstr (text, "Content-Type: text/plain; charset=utf-8; name=\"notes.txt\""));
  g_assert_nonnull (strstr (text, "Content-Type: text/plain; name=\"old.txt\""));
  g_assert_nonnull (strstr (text, "Content-Type: image/png; name=\"image-without-extension\""));
  g_assert_nonnull (strstr (text, "Content-Type: application/octet-stream; name=\"unknown.zzqq\""));
  g_assert_nonnull (strstr (text, "Content-Type: application/octet-stream; name=\"report.bin\""));
  g_assert_finalize_object (g_steal_pointer (&message));
}

static void
test_missing_fields (void)
{
  g_autoptr(EpMessage) message = ep_message_new ();
  g_autoptr(EpAddress) from = ep_address_new (NULL, "a@example.com", "From", NULL);
  g_autoptr(GError) error = NULL;

  g_assert_false (ep_mime_writer_prepare (message, &error));
  g_assert_error (error, EP_MIME_ERROR, EP_MIME_ERROR_MISSING_FIELD);
  g_clear_error (&error);
  ep_message_set_from (message, from);
  g_assert_false (ep_mime_writer_prepare (message, &error));
  g_assert_error (error, EP_MIME_ERROR, EP_MIME_ERROR_MISSING_FIELD);
  g_assert_finalize_object (g_steal_pointer (&message));
}

static void
check_file_error (GFile      *file,
                  const char *needle)
{
  g_autoptr(EpMessage) message = make_message ();
  g_autoptr(GOutputStream) out = g_memory_output_stream_new_resizable ();
  g_autoptr(GError) error = NULL;

  ep_message_add_attachment (message, file, NULL, NULL);
  g_assert_false (ep_mime_writer_prepare (message, &error));
  g_assert_error (error, EP_MIME_ERROR, EP_MIME_ERROR_FILE);
  g_assert_nonnull (strstr (error->message, needle));
  g_clear_error (&error);
  /* Nothing is written when an attachment is bad. */
  g_assert_false (ep_mime_writer_write (message, out, NULL, NULL, NULL, &error));
  g_assert_error (error, EP_MIME_ERROR, EP_MIME_ERROR_FILE);
  g_assert_cmpuint (g_memory_output_stream_get_data_size (G_MEMORY_OUTPUT_STREAM (out)), ==, 0);
  g_assert_finalize_object (g_steal_pointer (&message));
}

static void
test_bad_files (Fixture       *f,
                gconstpointer  data)
{
  g_autofree char *missing = g_build_filename (f->dir, "missing.pdf", NULL);
  g_autofree char *fifo = g_build_filename (f->dir, "a-fifo", NULL);
  g_autoptr(GFile) missing_file = g_file_new_for_path (missing);
  g_autoptr(GFile) dir_file = g_file_new_for_path (f->dir);
  g_autoptr(GFile) fifo_file = g_file_new_for_path (fifo);
  g_autoptr(GFile) zero = g_file_new_for_path ("/dev/zero");

  g_assert_cmpint (mkfifo (fifo, 0600), ==, 0);
  check_file_error (missing_file, "missing.pdf");
  check_file_error (dir_file, "not a regular file");
  check_file_error (fifo_file, "a-fifo");
  check_file_error (zero, "/dev/zero");
}

static void
test_unreadable_file (Fixture       *f,
                      gconstpointer  data)
{
  g_autoptr(GFile) locked = NULL;

  if (geteuid () == 0)
    {
      g_test_skip ("running as root, which reads a file whatever its mode");
      return;
    }
  locked = make_file (f, "locked.bin", 10);
  g_chmod (g_file_peek_path (locked), 0);
  check_file_error (locked, "locked.bin");
}

static void
check_changed (Fixture  *f,
               gssize    delta)
{
  g_autoptr(EpMessage) message = make_message ();
  g_autoptr(GFile) file = make_file (f, "changing.bin", 300000);
  g_autoptr(GOutputStream) out = g_memory_output_stream_new_resizable ();
  g_autoptr(GError) error = NULL;

  ep_message_add_attachment (message, file, NULL, NULL);
  g_assert_true (ep_mime_writer_prepare (message, &error));
  g_assert_no_error (error);
  g_assert_cmpint (truncate (g_file_peek_path (file), 300000 + delta), ==, 0);
  g_assert_false (ep_mime_writer_write (message, out, NULL, NULL, NULL, &error));
  g_assert_error (error, EP_MIME_ERROR, EP_MIME_ERROR_FILE_CHANGED);
  g_assert_nonnull (strstr (error->message, "changing.bin"));
  g_assert_finalize_object (g_steal_pointer (&message));
}

static void
test_file_changed (Fixture       *f,
                   gconstpointer  data)
{
  check_changed (f, 1);
  check_changed (f, -1);
  check_changed (f, 500000);
  check_changed (f, -300000);
}

/* RFC 8098 §2.1: asked for, Disposition-Notification-To names the author as From does; not
 * asked for (the default), no such header; changing it after a prepare takes effect. */
static void
test_read_receipt (void)
{
  g_autoptr(EpMessage) message = make_message ();
  g_autoptr(GBytes) plain = NULL;
  g_autoptr(GBytes) asked = NULL;
  g_autofree char *plain_text = NULL;
  g_autofree char *asked_text = NULL;

  g_assert_false (ep_message_get_read_receipt (message));
  plain = write_message (message);
  plain_text = bytes_to_string (plain);
  g_assert_null (strstr (plain_text, "Disposition-Notification-To"));

  ep_message_set_read_receipt (message, TRUE);
  g_assert_true (ep_message_get_read_receipt (message));
  asked = write_message (message);
  asked_text = bytes_to_string (asked);
  g_assert_nonnull (strstr (asked_text, "\r\nDisposition-Notification-To: Jane Doe <jane@xn--bcher-kva.example>\r\n"));
}

static void
test_body_encoding (void)
{
  static const struct { const char *body; const char *cte; const char *encoded; } cases[] = {
    { "plain\n", "7bit", "plain\r\n" },
    { "no newline", "7bit", "no newline\r\n" },
    { "crlf\r\nand cr\rend", "7bit", "crlf\r\nand cr\r\nend\r\n" },
    { ".\nFrom x\n", "7bit", ".\r\nFrom x\r\n" },
    { "caf\xc3\xa9\n", "quoted-printable", "caf=C3=A9\r\n" },
    { "esc\x1b\n", "quoted-printable", "esc=1B\r\n" },
    { "", "7bit", "" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(EpMessage) message = make_message ();
      g_autoptr(GBytes) bytes = NULL;
      g_autofree char *text = NULL;
      g_autofree char *expected = NULL;

      g_assert_true (ep_message_set_body (message, cases[i].body, -1, NULL));
      bytes = write_message (message);
      text = bytes_to_string (bytes);
      expected = g_strdup_printf ("Content-Transfer-Encoding: %s\r\n\r\n%s", cases[i].cte,
                                  cases[i].encoded);
      g_assert_true (g_str_has_suffix (text, expected));
    }
}

static void
test_long_line_body (void)
{
  g_autoptr(EpMessage) message = make_message ();
  g_autofree char *line = g_strnfill (999, 'a');
  g_autoptr(GBytes) bytes = NULL;
  g_autofree char *text = NULL;

  g_assert_true (ep_message_set_body (message, line, -1, NULL));
  bytes = write_message (message);
  text = bytes_to_string (bytes);
  g_assert_nonnull (strstr (text, "Content-Transfer-Encoding: quoted-printable"));
  g_assert_finalize_object (g_steal_pointer (&message));
}

static void
test_invalid_input (void)
{
  g_autoptr(EpMessage) message = ep_message_new ();
  g_autoptr(GError) error = NULL;

  g_assert_false (ep_message_set_body (message, "caf\xe9", -1, &error));
  g_assert_error (error, EP_MIME_ERROR, EP_MIME_ERROR_INVALID_UTF8);
  g_clear_error (&error);
  g_assert_false (ep_message_set_body (message, "a\0b", 3, &error));
  g_assert_error (error, EP_MIME_ERROR, EP_MIME_ERROR_INVALID_UTF8);
  g_clear_error (&error);
  g_assert_false (ep_message_set_subject (message, "Hi\r\nBcc: evil@example.com", &error));
  g_assert_error (error, EP_MIME_ERROR, EP_MIME_ERROR_INVALID_HEADER);
  g_assert_true (g_str_has_prefix (error->message, "Subject: "));
  g_assert_null (ep_message_get_subject (message));
  g_assert_cmpstr (ep_message_get_body (message), ==, "");
  g_assert_finalize_object (g_steal_pointer (&message));
}

static void
test_envelope (void)
{
  g_autoptr(EpMessage) message = ep_message_new ();
  const char *inputs[][2] = {
    { "To", "a@Example.com" }, { "To", "b@example.com" }, { "Cc", "a@EXAMPLE.COM" },
    { "Cc", "A@example.com" }, { "Bcc", "b@example.com" }, { "Bcc", "c@bücher.example" },
  };
  g_auto(GStrv) rcpts = NULL;
  g_autoptr(EpAddress) from = ep_address_new (NULL, "me@bücher.example", "From", NULL);
  g_autoptr(EpAddress) utf8 = ep_address_new (NULL, "jörg@example.com", "Bcc", NULL);

  ep_message_set_from (message, from);
  for (guint i = 0; i < G_N_ELEMENTS (inputs); i++)
    {
      g_autoptr(EpAddress) a = ep_address_new (NULL, inputs[i][1], inputs[i][0], NULL);

      if (g_str_equal (inputs[i][0], "To"))
        ep_message_add_to (message, a);
      else if (g_str_equal (inputs[i][0], "Cc"))
        ep_message_add_cc (message, a);
      else
        ep_message_add_bcc (message, a);
    }
  rcpts = ep_message_dup_envelope_recipients (message);
  g_assert_cmpstr (ep_message_get_envelope_sender (message), ==, "me@xn--bcher-kva.example");
  g_assert_cmpuint (g_strv_length (rcpts), ==, 4);
  /* Domains are case-insensitive: the envelope carries them in lower case. */
  g_assert_cmpstr (rcpts[0], ==, "a@example.com");
  g_assert_cmpstr (rcpts[1], ==, "b@example.com");
  g_assert_cmpstr (rcpts[2], ==, "A@example.com");
  g_assert_cmpstr (rcpts[3], ==, "c@xn--bcher-kva.example");
  g_assert_false (ep_message_needs_smtputf8 (message));
  g_assert_false (ep_message_needs_8bitmime (message));
  ep_message_add_bcc (message, utf8);
  g_assert_true (ep_message_needs_smtputf8 (message));
  g_assert_finalize_object (g_steal_pointer (&message));
}

static void
test_cancel (Fixture       *f,
             gconstpointer  data)
{
  g_autoptr(EpMessage) message = make_message ();
  g_autoptr(GFile) file = make_file (f, "cancel.bin", 1000000);
  g_autoptr(GOutputStream) out = g_memory_output_stream_new_resizable ();
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;

  ep_message_add_attachment (message, file, NULL, NULL);
  g_assert_true (ep_mime_writer_prepare (message, NULL));
  g_cancellable_cancel (cancellable);
  g_assert_false (ep_mime_writer_write (message, out, NULL, NULL, cancellable, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_finalize_object (g_steal_pointer (&message));
}

static void
test_model (Fixture       *f,
            gconstpointer  data)
{
  g_autoptr(EpMessage) message = make_message ();
  g_autoptr(GFile) a = make_file (f, "a.txt", 1);
  g_autoptr(GFile) b = make_file (f, "b.txt", 1);
  g_autoptr(GFile) dir_name = g_file_new_for_path ("/tmp/x/y/name.bin");

  ep_message_add_attachment (message, a, NULL, NULL);
  ep_message_add_attachment (message, b, "dir/shown\nname.txt", NULL);
  ep_message_add_attachment (message, dir_name, NULL, NULL);
  g_assert_cmpuint (ep_message_get_n_attachments (message), ==, 3);
  g_assert_cmpstr (ep_message_get_attachment_name (message, 0), ==, "a.txt");
  /* Basename only; a line break in a name never reaches a header. */
  g_assert_cmpstr (ep_message_get_attachment_name (message, 1), ==, "shown_name.txt");
  g_assert_cmpstr (ep_message_get_attachment_name (message, 2), ==, "name.bin");
  g_assert_true (ep_message_get_attachment_file (message, 1) == b);
  ep_message_remove_attachment (message, 2);
  g_assert_cmpuint (ep_message_get_n_attachments (message), ==, 2);
  g_assert_cmpuint (ep_message_get_to (message)->len, ==, 1);
  g_assert_cmpuint (ep_message_get_cc (message)->len, ==, 0);
  g_assert_cmpuint (ep_message_get_bcc (message)->len, ==, 1);
  ep_message_clear_recipients (message);
  g_assert_cmpuint (ep_message_get_to (message)->len + ep_message_get_bcc (message)->len, ==, 0);
  g_assert_finalize_object (g_steal_pointer (&message));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/mime-writer/date-format", test_date_format);
  g_test_add_func ("/mime-writer/random-ids", test_random_ids);
  g_test_add_func ("/mime-writer/missing-fields", test_missing_fields);
  g_test_add_func ("/mime-writer/body-encoding", test_body_encoding);
  g_test_add_func ("/mime-writer/read-receipt", test_read_receipt);
  g_test_add_func ("/mime-writer/long-line-body", test_long_line_body);
  g_test_add_func ("/mime-writer/invalid-input", test_invalid_input);
  g_test_add_func ("/mime-writer/envelope", test_envelope);
  g_test_add ("/mime-writer/headers", Fixture, NULL, fixture_setup, test_headers, fixture_teardown);
  g_test_add ("/mime-writer/attachment-sizes", Fixture, NULL, fixture_setup, test_attachments_sizes,
              fixture_teardown);
  g_test_add ("/mime-writer/prepare-is-stable", Fixture, NULL, fixture_setup,
              test_prepare_is_stable, fixture_teardown);
  g_test_add ("/mime-writer/sniffing", Fixture, NULL, fixture_setup, test_sniffing, fixture_teardown);
  g_test_add ("/mime-writer/bad-files", Fixture, NULL, fixture_setup, test_bad_files, fixture_teardown);
  g_test_add ("/mime-writer/unreadable-file", Fixture, NULL, fixture_setup, test_unreadable_file, fixture_teardown);
  g_test_add ("/mime-writer/file-changed", Fixture, NULL, fixture_setup, test_file_changed,
              fixture_teardown);
  g_test_add ("/mime-writer/cancel", Fixture, NULL, fixture_setup, test_cancel, fixture_teardown);
  g_test_add ("/mime-writer/model", Fixture, NULL, fixture_setup, test_model, fixture_teardown);

  return g_test_run ();
}
