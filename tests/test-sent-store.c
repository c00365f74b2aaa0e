/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-sent-store.c: Sent copies keep the exact bytes, list newest first, skip damaged
 * entries with a report (no warnings), and a full disk leaves no half entry behind. */
#include "config.h"

#include "ep-test-util.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>

#include "ep-atomic-file.h"
#include "ep-sent-copy-status.h"
#include "ep-sent-store.h"
#include "ep-store-error.h"

static EpSentInfo *
make_info (const char *subject,
           const char *iso_date)
{
  EpSentInfo *info = ep_sent_info_new ();
  const char *recipients[] = { "b@example.org", "c;semi@example.org", "Zoë <z@example.org>", NULL };

  g_free (info->subject);
  info->subject = g_strdup (subject);
  g_free (info->from);
  info->from = g_strdup ("a@example.org");
  g_strfreev (info->recipients);
  info->recipients = g_strdupv ((char **) recipients);
  g_free (info->server);
  info->server = g_strdup ("smtp.example.org:587");
  info->outcome = EP_SMTP_OUTCOME_DELIVERED;
  info->outcome_text = g_strdup ("250 2.0.0 Ok: queued as 4FZ1");
  info->profile_id = g_strdup ("work-1");
  if (iso_date != NULL)
    info->date = g_date_time_new_from_iso8601 (iso_date, NULL);
  return info;
}

static char *
add_entry (EpSentStore *store,
           const char  *subject,
           const char  *iso_date,
           GBytes      *message)
{
  g_autoptr(EpSentInfo) info = make_info (subject, iso_date);
  g_autoptr(GInputStream) input = g_memory_input_stream_new_from_bytes (message);
  g_autoptr(GError) error = NULL;

  g_assert_true (ep_sent_store_add (store, info, input, "C: EHLO [127.0.0.1]\nS: 250 ok\n",
                                    NULL, &error));
  g_assert_no_error (error);
  return g_strdup (info->id);
}

static void
test_add_round_trip (void)
{
  g_autofree char *dir = ep_test_make_dir ("sent");
  g_autoptr(EpSentStore) store = ep_sent_store_new (dir);
  g_autoptr(GBytes) message = ep_test_make_message (300 * 1024 + 3);
  g_autoptr(EpSentInfo) info = make_info ("Réport 📎", NULL);
  g_autoptr(GInputStream) input = g_memory_input_stream_new_from_bytes (message);
  g_autoptr(GPtrArray) entries = NULL;
  g_autoptr(GPtrArray) problems = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) stored = NULL;
  g_autofree char *path = NULL;
  g_autofree char *transcript = NULL;
  g_autofree char *entry_dir = NULL;
  g_autofree char *names = NULL;
  const char *redacted = "C: AUTH PLAIN [redacted]\nS: 235 2.7.0 ok\nC: [message body: 307203 octets]\n";
  EpSentInfo *listed;
  GStatBuf st;

  g_assert_true (ep_sent_store_add (store, info, input, redacted, NULL, &error));
  g_assert_no_error (error);
  g_assert_nonnull (info->id);
  g_assert_cmpuint (info->size, ==, g_bytes_get_size (message));
  g_assert_nonnull (info->date);

  path = ep_sent_store_dup_message_path (store, info->id);
  stored = ep_test_read_bytes (path);
  g_assert_true (g_bytes_equal (stored, message));
  g_assert_cmpint (g_stat (path, &st), ==, 0);
  g_assert_cmpuint (st.st_mode & 0777, ==, 0600);
  entry_dir = g_path_get_dirname (path);
  names = ep_test_list_dir (entry_dir);
  g_assert_cmpstr (names, ==, "message.eml meta.ini transcript.txt");

  transcript = ep_sent_store_load_transcript (store, info->id, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (transcript, ==, redacted);

  entries = ep_sent_store_list (store, &problems, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (problems->len, ==, 0);
  g_assert_cmpuint (entries->len, ==, 1);
  listed = entries->pdata[0];
  g_assert_cmpstr (listed->id, ==, info->id);
  g_assert_cmpstr (listed->subject, ==, "Réport 📎");
  g_assert_cmpstr (listed->from, ==, "a@example.org");
  g_assert_cmpstrv (listed->recipients, info->recipients);
  g_assert_cmpuint (listed->size, ==, g_bytes_get_size (message));
  g_assert_cmpstr (listed->server, ==, "smtp.example.org:587");
  g_assert_cmpint (listed->outcome, ==, EP_SMTP_OUTCOME_DELIVERED);
  g_assert_cmpstr (listed->outcome_text, ==, "250 2.0.0 Ok: queued as 4FZ1");
  g_assert_cmpstr (listed->profile_id, ==, "work-1");
  g_assert_cmpint (g_date_time_to_unix (listed->date), ==, g_date_time_to_unix (info->date));

  g_assert_cmpstr (ep_smtp_outcome_to_string (EP_SMTP_OUTCOME_UNKNOWN), ==, "unknown");
  g_assert_null (listed->not_delivered);
  g_assert_finalize_object (g_steal_pointer (&store));
}

/* A partial delivery is kept with the recipients that do not have the message. */
static void
test_partial_round_trip (void)
{
  g_autofree char *dir = ep_test_make_dir ("sent-partial");
  g_autoptr(EpSentStore) store = ep_sent_store_new (dir);
  g_autoptr(GBytes) message = ep_test_make_message (1000);
  g_autoptr(EpSentInfo) info = make_info ("Split", NULL);
  g_autoptr(GInputStream) input = g_memory_input_stream_new_from_bytes (message);
  g_autoptr(GPtrArray) entries = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(EpSentInfo) copy = NULL;
  EpSentInfo *listed;

  info->outcome = EP_SMTP_OUTCOME_PARTIAL;
  g_free (info->outcome_text);
  info->outcome_text = g_strdup ("The server refused the sender for now: 451 4.3.0 later");
  info->not_delivered = g_strsplit ("carol@example.net,dave@example.net", ",", -1);
  g_assert_true (ep_sent_store_add (store, info, input, "", NULL, &error));
  g_assert_no_error (error);

  entries = ep_sent_store_list (store, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (entries->len, ==, 1);
  listed = entries->pdata[0];
  g_assert_cmpint (listed->outcome, ==, EP_SMTP_OUTCOME_PARTIAL);
  g_assert_cmpstr (ep_smtp_outcome_to_string (listed->outcome), ==, "partial");
  g_assert_cmpstrv (listed->not_delivered, info->not_delivered);
  g_assert_cmpstr (listed->outcome_text, ==, info->outcome_text);
  copy = ep_sent_info_copy (listed);
  g_assert_cmpstrv (copy->not_delivered, info->not_delivered);
  g_assert_finalize_object (g_steal_pointer (&store));
}

/* A copy the server holds until a later time says so, and keeps saying so after a copy; older
 * copies without it read as not held. */
static void
test_hold_until_round_trip (void)
{
  g_autofree char *dir = ep_test_make_dir ("sent-held");
  g_autoptr(EpSentStore) store = ep_sent_store_new (dir);
  g_autoptr(GBytes) message = ep_test_make_message (1000);
  g_autoptr(EpSentInfo) info = make_info ("Held", NULL);
  g_autoptr(GInputStream) input = g_memory_input_stream_new_from_bytes (message);
  g_autoptr(GPtrArray) entries = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(EpSentInfo) copy = NULL;
  /* Beside the entry under test: an entry without a copy status. */
  g_autofree char *plain G_GNUC_UNUSED = add_entry (store, "Plain", "2026-01-01T10:00:00Z", message);
  g_autofree char *meta_path = NULL;
  g_autofree char *meta = NULL;
  EpSentInfo *listed = NULL;

  info->hold_until = g_date_time_new_utc (2031, 3, 4, 15, 0, 0);
  g_assert_true (ep_sent_store_add (store, info, input, "", NULL, &error));
  g_assert_no_error (error);
  meta_path = g_build_filename (dir, info->id, "meta.ini", NULL);
  meta = ep_test_read_file (meta_path);
  g_assert_nonnull (strstr (meta, "hold-until=2031-03-04T15:00:00Z\n"));

  entries = ep_sent_store_list (store, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (entries->len, ==, 2);
  for (guint i = 0; i < entries->len; i++)
    {
      EpSentInfo *each = entries->pdata[i];

      if (g_strcmp0 (each->id, info->id) == 0)
        listed = each;
      else
        g_assert_null (each->hold_until);
    }
  g_assert_nonnull (listed);
  g_assert_true (g_date_time_equal (listed->hold_until, info->hold_until));
  copy = ep_sent_info_copy (listed);
  g_assert_true (g_date_time_equal (copy->hold_until, info->hold_until));
  g_assert_finalize_object (g_steal_pointer (&store));
}

static void
test_writer_streaming (void)
{
  g_autofree char *dir = ep_test_make_dir ("sent");
  g_autoptr(EpSentStore) store = ep_sent_store_new (dir);
  g_autoptr(EpSentWriter) writer = NULL;
  g_autoptr(EpSentInfo) info = make_info ("Teed", NULL);
  g_autoptr(GByteArray) expected = g_byte_array_new ();
  g_autoptr(GBytes) stored = NULL;
  g_autoptr(GBytes) expected_bytes = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;
  GOutputStream *stream;

  writer = ep_sent_store_begin (store, &error);
  g_assert_no_error (error);
  stream = ep_sent_writer_get_output_stream (writer);
  /* As a sender teeing its output would: many small writes of various sizes. */
  for (guint i = 0; i < 2000; i++)
    {
      g_autofree char *line = g_strdup_printf ("line %u %*s\r\n", i, (int) (i % 97), "");
      gsize written;

      g_assert_true (g_output_stream_write_all (stream, line, strlen (line), &written, NULL, &error));
      g_byte_array_append (expected, (const guint8 *) line, strlen (line));
    }
  g_assert_true (ep_sent_writer_commit (writer, info, NULL, &error));
  g_assert_no_error (error);

  expected_bytes = g_byte_array_free_to_bytes (g_steal_pointer (&expected));
  path = ep_sent_store_dup_message_path (store, info->id);
  stored = ep_test_read_bytes (path);
  g_assert_true (g_bytes_equal (stored, expected_bytes));
  g_assert_cmpuint (info->size, ==, g_bytes_get_size (expected_bytes));
  /* A writer keeps its store. */
  g_clear_pointer (&writer, ep_sent_writer_free);
  g_assert_finalize_object (g_steal_pointer (&store));
}

static void
test_abandoned_writer (void)
{
  g_autofree char *dir = ep_test_make_dir ("sent");
  g_autoptr(EpSentStore) store = ep_sent_store_new (dir);
  g_autoptr(GPtrArray) entries = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *names = NULL;
  EpSentWriter *writer;

  writer = ep_sent_store_begin (store, &error);
  g_assert_no_error (error);
  g_assert_true (g_output_stream_write_all (ep_sent_writer_get_output_stream (writer),
                                            "partial", 7, NULL, NULL, &error));
  ep_sent_writer_free (writer);   /* the send failed before the end of data */

  names = ep_test_list_dir (dir);
  g_assert_cmpstr (names, ==, "");
  entries = ep_sent_store_list (store, NULL, &error);
  g_assert_cmpuint (entries->len, ==, 0);
  g_assert_finalize_object (g_steal_pointer (&store));
}

static void
test_list_order (void)
{
  g_autofree char *dir = ep_test_make_dir ("sent");
  g_autoptr(EpSentStore) store = ep_sent_store_new (dir);
  g_autoptr(GBytes) message = ep_test_make_message (100);
  g_autoptr(GPtrArray) entries = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *a = add_entry (store, "middle", "2024-05-02T10:00:00Z", message);
  g_autofree char *b = add_entry (store, "newest", "2024-05-03T09:00:00+02:00", message);
  g_autofree char *c = add_entry (store, "oldest", "2023-12-31T23:59:59Z", message);

  entries = ep_sent_store_list (store, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (entries->len, ==, 3);
  g_assert_cmpstr (((EpSentInfo *) entries->pdata[0])->subject, ==, "newest");
  g_assert_cmpstr (((EpSentInfo *) entries->pdata[1])->subject, ==, "middle");
  g_assert_cmpstr (((EpSentInfo *) entries->pdata[2])->subject, ==, "oldest");
  g_assert_cmpstr (((EpSentInfo *) entries->pdata[0])->id, ==, b);
  g_assert_cmpstr (((EpSentInfo *) entries->pdata[1])->id, ==, a);
  g_assert_cmpstr (((EpSentInfo *) entries->pdata[2])->id, ==, c);
  g_assert_finalize_object (g_steal_pointer (&store));
}

static void
test_damaged_entries (void)
{
  g_autofree char *dir = ep_test_make_dir ("sent");
  g_autoptr(EpSentStore) store = ep_sent_store_new (dir);
  g_autoptr(GBytes) message = ep_test_make_message (1000);
  g_autoptr(GPtrArray) entries = NULL;
  g_autoptr(GPtrArray) problems = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *good = add_entry (store, "good", "2024-01-01T00:00:00Z", message);
  g_autofree char *garbled = add_entry (store, "garbled", NULL, message);
  g_autofree char *truncated = add_entry (store, "truncated", NULL, message);
  g_autofree char *no_message = add_entry (store, "no message", NULL, message);
  g_autofree char *bad_date = add_entry (store, "bad date", NULL, message);
  g_autofree char *p = NULL;
  g_autofree char *empty_dir = g_build_filename (dir, "20240101T000000-000000-deadbeef", NULL);
  g_autofree char *stray = g_build_filename (dir, "stray-file", NULL);

  p = g_build_filename (dir, garbled, "meta.ini", NULL);
  ep_test_write_file (p, "\x01\x02 garbage \xff\n");
  g_free (p);
  p = g_build_filename (dir, truncated, "message.eml", NULL);
  ep_test_write_file (p, "From: a@example.org\r\n");
  g_free (p);
  p = g_build_filename (dir, no_message, "message.eml", NULL);
  g_assert_cmpint (g_unlink (p), ==, 0);
  g_free (p);
  p = g_build_filename (dir, bad_date, "meta.ini", NULL);
  ep_test_write_file (p, "[Sent]\nformat=1\ndate=yesterday\nsize=1000\noutcome=delivered\n");
  g_free (p);
  g_assert_cmpint (g_mkdir (empty_dir, 0700), ==, 0);
  ep_test_write_file (stray, "x");

  entries = ep_sent_store_list (store, &problems, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (entries->len, ==, 1);
  g_assert_cmpstr (((EpSentInfo *) entries->pdata[0])->id, ==, good);
  g_assert_cmpuint (problems->len, ==, 5);
  for (guint i = 0; i < problems->len; i++)
    {
      GError *problem = problems->pdata[i];

      g_test_message ("%s", problem->message);
      g_assert_error (problem, EP_STORE_ERROR, EP_STORE_ERROR_CORRUPT);
    }
  /* Damaged entries are left on disk for the user; nothing was deleted. */
  g_assert_true (g_file_test (empty_dir, G_FILE_TEST_IS_DIR));
  p = g_build_filename (dir, truncated, "message.eml", NULL);
  g_assert_true (g_file_test (p, G_FILE_TEST_EXISTS));
  g_assert_finalize_object (g_steal_pointer (&store));
}

typedef struct
{
  const char *suffix;
  guint64     after;
  guint       hits;
} FailSpec;

static int
fail_hook (const char        *path,
           EpAtomicFileStage  stage,
           guint64            offset,
           gpointer           user_data)
{
  FailSpec *spec = user_data;

  if (!g_str_has_suffix (path, spec->suffix) || offset < spec->after)
    return 0;
  spec->hits++;
  return ENOSPC;
}

static void
check_enospc (const char *suffix,
              guint64     after)
{
  g_autofree char *dir = ep_test_make_dir ("sent");
  g_autoptr(EpSentStore) store = ep_sent_store_new (dir);
  g_autoptr(GBytes) message = ep_test_make_message (1024 * 1024);
  g_autoptr(GBytes) before = NULL;
  g_autoptr(GBytes) after_bytes = NULL;
  g_autoptr(EpSentInfo) info = make_info ("doomed", NULL);
  g_autoptr(GInputStream) input = g_memory_input_stream_new_from_bytes (message);
  g_autoptr(GPtrArray) entries = NULL;
  g_autoptr(GPtrArray) problems = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *kept = add_entry (store, "kept", NULL, message);
  g_autofree char *kept_path = ep_sent_store_dup_message_path (store, kept);
  g_autofree char *names = NULL;
  FailSpec spec = { suffix, after, 0 };

  before = ep_test_read_bytes (kept_path);
  ep_atomic_file_set_fail_hook (fail_hook, &spec);
  g_assert_false (ep_sent_store_add (store, info, input, "transcript", NULL, &error));
  ep_atomic_file_set_fail_hook (NULL, NULL);
  g_assert_cmpuint (spec.hits, >=, 1);
  g_assert_error (error, EP_STORE_ERROR, EP_STORE_ERROR_NO_SPACE);
  g_test_message ("%s", error->message);

  /* No new entry, no temporary left, the earlier entry untouched. */
  names = ep_test_list_dir (dir);
  g_assert_cmpstr (names, ==, kept);
  entries = ep_sent_store_list (store, &problems, NULL);
  g_assert_cmpuint (entries->len, ==, 1);
  g_assert_cmpuint (problems->len, ==, 0);
  after_bytes = ep_test_read_bytes (kept_path);
  g_assert_true (g_bytes_equal (before, after_bytes));
  g_assert_finalize_object (g_steal_pointer (&store));
}

static void
test_enospc_message_start (void)
{
  check_enospc ("message.eml", 0);
}

static void
test_enospc_message_middle (void)
{
  check_enospc ("message.eml", 512 * 1024);
}

static void
test_enospc_transcript (void)
{
  check_enospc ("transcript.txt", 0);
}

static void
test_enospc_meta (void)
{
  check_enospc ("meta.ini", 0);
}

static void
test_enospc_teeing_writer (void)
{
  g_autofree char *dir = ep_test_make_dir ("sent");
  g_autoptr(EpSentStore) store = ep_sent_store_new (dir);
  g_autoptr(EpSentWriter) writer = NULL;
  g_autoptr(EpSentInfo) info = make_info ("teed", NULL);
  g_autoptr(GError) write_error = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *names = NULL;
  FailSpec spec = { "message.eml", 10, 0 };

  writer = ep_sent_store_begin (store, &error);
  g_assert_no_error (error);
  ep_atomic_file_set_fail_hook (fail_hook, &spec);
  g_assert_true (g_output_stream_write_all (ep_sent_writer_get_output_stream (writer),
                                            "0123456789", 10, NULL, NULL, NULL));
  /* The sender sees a plain GIO error on its tee... */
  g_assert_false (g_output_stream_write_all (ep_sent_writer_get_output_stream (writer),
                                             "more", 4, NULL, NULL, &write_error));
  g_assert_error (write_error, G_IO_ERROR, G_IO_ERROR_NO_SPACE);
  ep_atomic_file_set_fail_hook (NULL, NULL);
  /* ...and the commit reports it as the store's error, even if the tee ignored it. */
  g_assert_false (ep_sent_writer_commit (writer, info, "t", &error));
  g_assert_error (error, EP_STORE_ERROR, EP_STORE_ERROR_NO_SPACE);
  g_clear_pointer (&writer, ep_sent_writer_free);
  names = ep_test_list_dir (dir);
  g_assert_cmpstr (names, ==, "");
  g_assert_finalize_object (g_steal_pointer (&store));
}

static void
test_cancelled (void)
{
  g_autofree char *dir = ep_test_make_dir ("sent");
  g_autoptr(EpSentStore) store = ep_sent_store_new (dir);
  g_autoptr(GBytes) message = ep_test_make_message (1000);
  g_autoptr(EpSentInfo) info = make_info ("cancelled", NULL);
  g_autoptr(GInputStream) input = g_memory_input_stream_new_from_bytes (message);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *names = NULL;

  g_cancellable_cancel (cancellable);
  g_assert_false (ep_sent_store_add (store, info, input, NULL, cancellable, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  names = ep_test_list_dir (dir);
  g_assert_cmpstr (names, ==, "");
  g_assert_finalize_object (g_steal_pointer (&store));
}

static void
test_delete (void)
{
  g_autofree char *dir = ep_test_make_dir ("sent");
  g_autoptr(EpSentStore) store = ep_sent_store_new (dir);
  g_autoptr(GBytes) message = ep_test_make_message (10);
  g_autoptr(GPtrArray) entries = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *a = add_entry (store, "a", NULL, message);
  g_autofree char *b = add_entry (store, "b", NULL, message);
  g_autofree char *names = NULL;

  g_assert_true (ep_sent_store_delete (store, a, &error));
  g_assert_no_error (error);
  names = ep_test_list_dir (dir);
  g_assert_cmpstr (names, ==, b);
  g_assert_false (ep_sent_store_delete (store, a, &error));
  g_assert_error (error, EP_STORE_ERROR, EP_STORE_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_false (ep_sent_store_delete (store, "../..", &error));
  g_assert_error (error, EP_STORE_ERROR, EP_STORE_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_null (ep_sent_store_load_transcript (store, a, &error));
  g_assert_error (error, EP_STORE_ERROR, EP_STORE_ERROR_NOT_FOUND);
  g_clear_error (&error);
  entries = ep_sent_store_list (store, NULL, &error);
  g_assert_cmpuint (entries->len, ==, 1);
  g_assert_finalize_object (g_steal_pointer (&store));
}

/* A finished file (a delivered outbox entry's) goes in by a hard link: the same bytes, not copied,
 * and still there when the original goes. A file that cannot be read is an error that leaves
 * nothing behind. */
static void
test_add_file (void)
{
  g_autofree char *dir = ep_test_make_dir ("sent");
  g_autofree char *source_dir = ep_test_make_dir ("outbox-entry");
  g_autofree char *source = g_build_filename (source_dir, "message.eml", NULL);
  g_autofree char *missing = g_build_filename (source_dir, "gone.eml", NULL);
  g_autoptr(EpSentStore) store = ep_sent_store_new (dir);
  g_autoptr(GBytes) message = ep_test_make_message (64 * 1024 + 1);
  g_autoptr(EpSentInfo) info = make_info ("Moved", NULL);
  g_autoptr(EpSentInfo) again = make_info ("Gone", NULL);
  g_autoptr(GPtrArray) entries = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) stored = NULL;
  g_autofree char *path = NULL;
  g_autofree char *names = NULL;
  GStatBuf source_st, stored_st;

  g_file_set_contents (source, g_bytes_get_data (message, NULL), g_bytes_get_size (message), &error);
  g_assert_no_error (error);
  g_assert_true (ep_sent_store_add_file (store, info, source, "S: 250 ok\n", NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (info->size, ==, g_bytes_get_size (message));

  path = ep_sent_store_dup_message_path (store, info->id);
  g_assert_cmpint (g_stat (source, &source_st), ==, 0);
  g_assert_cmpint (g_stat (path, &stored_st), ==, 0);
  g_assert_cmpuint (stored_st.st_ino, ==, source_st.st_ino);
  g_assert_cmpint (g_unlink (source), ==, 0);
  stored = ep_test_read_bytes (path);
  g_assert_true (g_bytes_equal (stored, message));

  g_assert_false (ep_sent_store_add_file (store, again, missing, NULL, NULL, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
  names = ep_test_list_dir (dir);
  g_assert_cmpstr (names, ==, info->id);
  entries = ep_sent_store_list (store, NULL, NULL);
  g_assert_cmpuint (entries->len, ==, 1);
  g_assert_cmpuint (((EpSentInfo *) entries->pdata[0])->size, ==, g_bytes_get_size (message));
  g_assert_finalize_object (g_steal_pointer (&store));
}

/* Where the copy in the server's Sent folder stands, beside the entry: a round trip, no file
 * (nothing to copy), and damaged or newer files refused rather than guessed at. */
static void
test_copy_status (void)
{
  g_autofree char *dir = ep_test_make_dir ("sent-copy-status");
  g_autofree char *path = g_build_filename (dir, "server-copy.ini", NULL);
  g_autoptr(EpSentCopyStatus) status = ep_sent_copy_status_new ();
  g_autoptr(EpSentCopyStatus) loaded = NULL;
  g_autoptr(GError) error = NULL;
  const char *bad[] = {
    "[Server Copy]\nstate=pending\n",                                   /* no format */
    "[Server Copy]\nformat=1\nstate=sending\n",                        /* unknown state */
    "[Server Copy]\nformat=1\nstate=pending\nattempts=-1\n",
    "[Server Copy]\nformat=1\nstate=pending\nnext-attempt=tomorrow\n",
    "[Server Copy]\nformat=1\nstate=failed\nlast-error=a\\nb\n",     /* a line break */
    "[Server Copy]\nformat=1\nstate=done\nmaybe-there=yes\n",
    "not a key file",
  };

  g_assert_null (ep_sent_copy_status_load (dir, &error));
  g_assert_no_error (error);

  status->state = EP_SENT_COPY_PENDING;
  status->attempts = 3;
  status->first_attempt = g_date_time_new_utc (2026, 12, 7, 3, 0, 0);
  status->next_attempt = g_date_time_new_utc (2026, 12, 7, 4, 0, 0);
  status->maybe_there = TRUE;
  status->mailbox = g_strdup ("INBOX.Envoy&AOk-s");
  status->last_error = g_strdup ("NO [OVERQUOTA]\r\nover quota");
  g_assert_true (ep_sent_copy_status_save (dir, status, &error));
  g_assert_no_error (error);
  {
    GStatBuf st;

    g_assert_cmpint (g_stat (path, &st), ==, 0);
    g_assert_cmpuint (st.st_mode & 07777, ==, 0600);
  }
  loaded = ep_sent_copy_status_load (dir, &error);
  g_assert_no_error (error);
  g_assert_cmpint (loaded->state, ==, EP_SENT_COPY_PENDING);
  g_assert_cmpuint (loaded->attempts, ==, 3);
  g_assert_true (g_date_time_equal (loaded->first_attempt, status->first_attempt));
  g_assert_true (g_date_time_equal (loaded->next_attempt, status->next_attempt));
  g_assert_true (loaded->maybe_there);
  g_assert_cmpstr (loaded->mailbox, ==, "INBOX.Envoy&AOk-s");
  /* Kept on one line. */
  g_assert_cmpstr (loaded->last_error, ==, "NO [OVERQUOTA]  over quota");
  g_assert_false (ep_sent_copy_status_is_due (loaded, status->first_attempt));
  g_assert_true (ep_sent_copy_status_is_due (loaded, status->next_attempt));

  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_clear_error (&error);
      ep_test_write_file (path, bad[i]);
      g_assert_null (ep_sent_copy_status_load (dir, &error));
      g_assert_error (error, EP_STORE_ERROR, EP_STORE_ERROR_INVALID);
    }
  g_clear_error (&error);
  ep_test_write_file (path, "[Server Copy]\nformat=2\nstate=uploading\n");
  g_assert_null (ep_sent_copy_status_load (dir, &error));
  g_assert_error (error, EP_STORE_ERROR, EP_STORE_ERROR_NEWER_FORMAT);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/store/sent-store/add-round-trip", test_add_round_trip);
  g_test_add_func ("/store/sent-store/partial-round-trip", test_partial_round_trip);
  g_test_add_func ("/store/sent-store/hold-until-round-trip", test_hold_until_round_trip);
  g_test_add_func ("/store/sent-store/writer-streaming", test_writer_streaming);
  g_test_add_func ("/store/sent-store/abandoned-writer", test_abandoned_writer);
  g_test_add_func ("/store/sent-store/list-order", test_list_order);
  g_test_add_func ("/store/sent-store/damaged-entries", test_damaged_entries);
  g_test_add_func ("/store/sent-store/enospc-message-start", test_enospc_message_start);
  g_test_add_func ("/store/sent-store/enospc-message-middle", test_enospc_message_middle);
  g_test_add_func ("/store/sent-store/enospc-transcript", test_enospc_transcript);
  g_test_add_func ("/store/sent-store/enospc-meta", test_enospc_meta);
  g_test_add_func ("/store/sent-store/enospc-teeing-writer", test_enospc_teeing_writer);
  g_test_add_func ("/store/sent-store/cancelled", test_cancelled);
  g_test_add_func ("/store/sent-store/delete", test_delete);
  g_test_add_func ("/store/sent-store/add-file", test_add_file);
  g_test_add_func ("/store/sent-store/copy-status", test_copy_status);

  return g_test_run ();
}
