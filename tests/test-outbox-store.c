/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-outbox-store.c: the outbox keeps the exact bytes and the envelope, allows only the state
 * changes of its table, moves damaged entries aside with a report, survives a full disk and a
 * crash at every write, and never lets two senders have the same entry: a claim is refused while
 * another process holds it, ends with that process (SIGKILL), and an abandoned claim becomes
 * "unknown" once its end of data went out, "queued" before.
 *
 * The same binary is its own helper process: "--outbox-helper MODE ..." (see helper_main()). */
#include "config.h"

#include "ep-test-util.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ep-atomic-file.h"
#include "ep-outbox-store.h"
#include "ep-store-error.h"

#define RACE_ENTRIES 100
/* A helper holding a claim waits at most this long to be killed. */
#define HELPER_HOLD_SECONDS 60

static const char * const default_recipients[] = {
  "b@example.org", "c;semi@example.org", "zoë@bücher.example", NULL
};

/* ---- Helpers --------------------------------------------------------------------------------- */

static EpOutboxEntry *
make_entry (EpOutboxState state)
{
  EpOutboxEntry *entry = ep_outbox_entry_new ("a@example.org", default_recipients);

  entry->state = state;
  entry->profile_id = g_strdup ("work-1");
  return entry;
}

static char *
add_entry (EpOutboxStore *store,
           EpOutboxState  state,
           gsize          size)
{
  g_autoptr(EpOutboxEntry) entry = make_entry (state);
  g_autoptr(GBytes) message = ep_test_make_message (size);
  g_autoptr(GInputStream) input = g_memory_input_stream_new_from_bytes (message);
  g_autoptr(GError) error = NULL;

  g_assert_true (ep_outbox_store_add (store, entry, input, size, NULL, &error));
  g_assert_no_error (error);
  return g_strdup (entry->id);
}

static char *
meta_path (EpOutboxStore *store,
           const char    *id)
{
  return g_build_filename (ep_outbox_store_get_dir (store), id, "meta.ini", NULL);
}

static char *
read_meta (EpOutboxStore *store,
           const char    *id)
{
  g_autofree char *path = meta_path (store, id);

  return ep_test_read_file (path);
}

static EpOutboxEntry *
load (EpOutboxStore *store,
      const char    *id)
{
  g_autoptr(GError) error = NULL;
  EpOutboxEntry *entry = ep_outbox_store_load (store, id, &error);

  g_assert_no_error (error);
  g_assert_nonnull (entry);
  return entry;
}

static EpSmtpRecipientState
recipient_state (const EpOutboxEntry *entry,
                 guint                index)
{
  return ((const EpOutboxRecipient *) entry->recipients->pdata[index])->state;
}

static EpSmtpOutcome
attempt_outcome (const EpOutboxEntry *entry,
                 guint                index)
{
  return ((const EpOutboxAttempt *) entry->attempts->pdata[index])->outcome;
}

static EpOutboxState
state_of (EpOutboxStore *store,
          const char    *id)
{
  g_autoptr(EpOutboxEntry) entry = load (store, id);

  return entry->state;
}

static EpOutboxClaim *
claim (EpOutboxStore *store,
       const char    *id)
{
  g_autoptr(GError) error = NULL;
  EpOutboxClaim *result = ep_outbox_store_claim (store, id, NULL, &error);

  g_assert_no_error (error);
  g_assert_nonnull (result);
  return result;
}

static void
set_all_recipients (EpOutboxClaim        *self,
                    EpSmtpRecipientState  state)
{
  const EpOutboxEntry *entry = ep_outbox_claim_get_entry (self);

  for (guint i = 0; i < entry->recipients->len; i++)
    {
      const EpOutboxRecipient *recipient = entry->recipients->pdata[i];

      g_assert_true (ep_outbox_claim_set_recipient_state (self, recipient->address, state, NULL));
    }
}

static gboolean
finish (EpOutboxClaim  *self,
        EpOutboxState   state,
        EpSmtpOutcome   outcome,
        const char     *transcript,
        GError        **error)
{
  g_autoptr(EpOutboxAttempt) attempt = ep_outbox_attempt_new (NULL, outcome, "250 2.0.0 Ok");

  return ep_outbox_claim_finish (self, state, NULL, attempt, transcript, NULL, error);
}

/* One full send: claim, the end of data, 250 for everyone. */
static void
deliver (EpOutboxStore *store,
         const char    *id)
{
  g_autoptr(EpOutboxClaim) held = claim (store, id);
  g_autoptr(GError) error = NULL;

  g_assert_true (ep_outbox_claim_mark_data_sent (held, &error));
  g_assert_no_error (error);
  set_all_recipients (held, EP_SMTP_RECIPIENT_DELIVERED);
  g_assert_true (finish (held, EP_OUTBOX_STATE_DELIVERED, EP_SMTP_OUTCOME_DELIVERED,
                         "C: DATA\nS: 250 ok\n", &error));
  g_assert_no_error (error);
}

/* An entry brought into @state the way the store allows. */
static char *
add_in_state (EpOutboxStore *store,
              EpOutboxState  state)
{
  g_autofree char *id = add_entry (store, state == EP_OUTBOX_STATE_HELD
                                          ? EP_OUTBOX_STATE_HELD : EP_OUTBOX_STATE_QUEUED, 64);
  g_autoptr(EpOutboxClaim) held = NULL;
  g_autoptr(GError) error = NULL;
  const char *first = default_recipients[0];
  const char *second = default_recipients[1];

  switch (state)
    {
    case EP_OUTBOX_STATE_HELD:
    case EP_OUTBOX_STATE_QUEUED:
      break;
    case EP_OUTBOX_STATE_DELIVERED:
      deliver (store, id);
      break;
    case EP_OUTBOX_STATE_PARTIAL:
      held = claim (store, id);
      g_assert_true (ep_outbox_claim_mark_data_sent (held, NULL));
      g_assert_true (ep_outbox_claim_set_recipient_state (held, first, EP_SMTP_RECIPIENT_DELIVERED,
                                                          NULL));
      g_assert_true (ep_outbox_claim_set_recipient_state (held, second, EP_SMTP_RECIPIENT_DEFERRED,
                                                          NULL));
      g_assert_true (finish (held, EP_OUTBOX_STATE_PARTIAL, EP_SMTP_OUTCOME_PARTIAL, NULL, &error));
      break;
    case EP_OUTBOX_STATE_FAILED:
      held = claim (store, id);
      set_all_recipients (held, EP_SMTP_RECIPIENT_REFUSED);
      g_assert_true (finish (held, EP_OUTBOX_STATE_FAILED, EP_SMTP_OUTCOME_REFUSED, NULL, &error));
      break;
    case EP_OUTBOX_STATE_UNKNOWN:
      held = claim (store, id);
      g_assert_true (ep_outbox_claim_mark_data_sent (held, NULL));
      set_all_recipients (held, EP_SMTP_RECIPIENT_UNKNOWN);
      g_assert_true (finish (held, EP_OUTBOX_STATE_UNKNOWN, EP_SMTP_OUTCOME_UNKNOWN, NULL, &error));
      break;
    case EP_OUTBOX_STATE_SENDING:
    default:
      g_assert_not_reached ();
    }
  g_assert_no_error (error);
  g_assert_cmpint (state_of (store, id), ==, state);
  return g_steal_pointer (&id);
}

static char *
self_exe (void)
{
  g_autoptr(GError) error = NULL;
  char *path = g_file_read_link ("/proc/self/exe", &error);

  g_assert_no_error (error);
  return path;
}

/* This binary in helper mode, with a pipe to its stdin and from its stdout. Under valgrind the
 * helper runs natively: valgrind's preload library does not work outside valgrind. */
static GSubprocess *
spawn_helper (const char * const *args)
{
  g_autoptr(GSubprocessLauncher) launcher =
    g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  g_autofree char *exe = self_exe ();
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  GSubprocess *process;

  g_ptr_array_add (argv, exe);
  g_ptr_array_add (argv, (gpointer) "--outbox-helper");
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (gpointer) args[i]);
  g_ptr_array_add (argv, NULL);
  if (ep_test_under_valgrind ())
    g_subprocess_launcher_unsetenv (launcher, "LD_PRELOAD");
  process = g_subprocess_launcher_spawnv (launcher, (const char * const *) argv->pdata, &error);
  g_assert_no_error (error);
  return process;
}

/* The next line the helper writes; NULL at its end (it failed: its stderr says why). */
static char *
read_helper_line (GDataInputStream *lines)
{
  g_autoptr(GError) error = NULL;
  char *line = g_data_input_stream_read_line_utf8 (lines, NULL, NULL, &error);

  g_assert_no_error (error);
  return line;
}

/* ---- Round trip ------------------------------------------------------------------------------ */

static void
test_round_trip (void)
{
  g_autofree char *dir = ep_test_make_dir ("outbox");
  g_autofree char *outbox = g_build_filename (dir, "epistle", "outbox", NULL);
  g_autoptr(EpOutboxStore) store = ep_outbox_store_new (outbox);
  g_autoptr(GBytes) message = ep_test_make_message (300 * 1024 + 3);
  g_autoptr(EpOutboxEntry) entry = make_entry (EP_OUTBOX_STATE_QUEUED);
  g_autoptr(GInputStream) input = g_memory_input_stream_new_from_bytes (message);
  g_autoptr(GInputStream) reopened = NULL;
  g_autoptr(GOutputStream) copy = g_memory_output_stream_new_resizable ();
  g_autoptr(GBytes) copied = NULL;
  g_autoptr(GBytes) stored = NULL;
  g_autoptr(GPtrArray) entries = NULL;
  g_autoptr(GPtrArray) problems = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GDateTime) before = g_date_time_new_now_utc ();
  g_autofree char *path = NULL;
  g_autofree char *entry_dir = NULL;
  g_autofree char *names = NULL;
  EpOutboxEntry *listed;
  GStatBuf st;

  g_assert_true (ep_outbox_store_add (store, entry, input, g_bytes_get_size (message), NULL, &error));
  g_assert_no_error (error);
  g_assert_nonnull (entry->id);
  g_assert_cmpuint (entry->size, ==, g_bytes_get_size (message));
  g_assert_nonnull (entry->created);
  g_assert_cmpint (g_date_time_compare (entry->created, before), >=, 0);
  /* Not given: due from now on. */
  g_assert_cmpint (g_date_time_compare (entry->not_before, entry->created), ==, 0);

  /* Folders 0700, files 0600, exactly the files of an entry. */
  g_assert_cmpint (g_stat (outbox, &st), ==, 0);
  g_assert_cmpuint (st.st_mode & 0777, ==, 0700);
  path = ep_outbox_store_dup_message_path (store, entry->id);
  entry_dir = g_path_get_dirname (path);
  g_assert_cmpint (g_stat (entry_dir, &st), ==, 0);
  g_assert_cmpuint (st.st_mode & 0777, ==, 0700);
  names = ep_test_list_dir (entry_dir);
  g_assert_cmpstr (names, ==, "lock message.eml meta.ini");
  for (const char *const *name = (const char *const[]) { "lock", "message.eml", "meta.ini", NULL };
       *name != NULL; name++)
    {
      g_autofree char *file = g_build_filename (entry_dir, *name, NULL);

      g_assert_cmpint (g_stat (file, &st), ==, 0);
      g_assert_cmpuint (st.st_mode & 0777, ==, 0600);
    }
  stored = ep_test_read_bytes (path);
  g_assert_true (g_bytes_equal (stored, message));

  /* The bytes again, for the Sent store or a draft. */
  reopened = ep_outbox_store_open_message (store, entry->id, NULL, &error);
  g_assert_no_error (error);
  g_output_stream_splice (copy, reopened, G_OUTPUT_STREAM_SPLICE_CLOSE_TARGET, NULL, &error);
  g_assert_no_error (error);
  copied = g_memory_output_stream_steal_as_bytes (G_MEMORY_OUTPUT_STREAM (copy));
  g_assert_true (g_bytes_equal (copied, message));

  entries = ep_outbox_store_list (store, &problems, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (problems->len, ==, 0);
  g_assert_cmpuint (entries->len, ==, 1);
  listed = entries->pdata[0];
  g_assert_cmpstr (listed->id, ==, entry->id);
  g_assert_cmpstr (listed->sender, ==, "a@example.org");
  g_assert_cmpstr (listed->profile_id, ==, "work-1");
  g_assert_cmpint (listed->state, ==, EP_OUTBOX_STATE_QUEUED);
  g_assert_cmpuint (listed->size, ==, g_bytes_get_size (message));
  g_assert_cmpint (g_date_time_to_unix (listed->created), ==, g_date_time_to_unix (entry->created));
  g_assert_cmpint (g_date_time_to_unix (listed->not_before), ==,
                   g_date_time_to_unix (entry->not_before));
  g_assert_cmpuint (listed->recipients->len, ==, 3);
  for (guint i = 0; i < 3; i++)
    {
      EpOutboxRecipient *recipient = listed->recipients->pdata[i];

      g_assert_cmpstr (recipient->address, ==, default_recipients[i]);
      g_assert_cmpint (recipient->state, ==, EP_SMTP_RECIPIENT_PENDING);
    }
  g_assert_cmpuint (listed->attempts->len, ==, 0);
  g_assert_null (listed->last_error);
  g_assert_null (listed->data_sent);
  g_assert_true (ep_outbox_entry_is_due (listed, NULL));
  g_assert_finalize_object (g_steal_pointer (&store));
}

/* The subject and From kept for display go through meta.ini, also past an attempt and a
 * copy; an entry without them reads back without them. */
static void
test_subject_and_from (void)
{
  g_autofree char *dir = ep_test_make_dir ("outbox");
  g_autoptr(EpOutboxStore) store = ep_outbox_store_new (dir);
  g_autoptr(EpOutboxEntry) entry = make_entry (EP_OUTBOX_STATE_QUEUED);
  g_autoptr(EpOutboxEntry) plain = make_entry (EP_OUTBOX_STATE_QUEUED);
  g_autoptr(EpOutboxEntry) loaded = NULL;
  g_autoptr(EpOutboxEntry) copy = NULL;
  g_autoptr(GInputStream) input = g_memory_input_stream_new_from_data ("x\r\n", 3, NULL);
  g_autoptr(GInputStream) input2 = g_memory_input_stream_new_from_data ("y\r\n", 3, NULL);
  g_autoptr(EpOutboxClaim) held = NULL;
  g_autoptr(GError) error = NULL;

  entry->subject = g_strdup ("Café = \"naïve\"\nsecond line");
  entry->from = g_strdup ("Zoë Example <a@example.org>");
  g_assert_true (ep_outbox_store_add (store, entry, input, 3, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (ep_outbox_store_add (store, plain, input2, 3, NULL, &error));
  g_assert_no_error (error);

  held = claim (store, entry->id);
  g_assert_true (finish (held, EP_OUTBOX_STATE_QUEUED, EP_SMTP_OUTCOME_TEMPORARY, NULL, &error));
  g_assert_no_error (error);
  loaded = ep_outbox_store_load (store, entry->id, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (loaded->subject, ==, "Café = \"naïve\"\nsecond line");
  g_assert_cmpstr (loaded->from, ==, "Zoë Example <a@example.org>");
  copy = ep_outbox_entry_copy (loaded);
  g_assert_cmpstr (copy->subject, ==, loaded->subject);
  g_assert_cmpstr (copy->from, ==, loaded->from);

  g_clear_pointer (&loaded, ep_outbox_entry_free);
  loaded = ep_outbox_store_load (store, plain->id, &error);
  g_assert_no_error (error);
  g_assert_null (loaded->subject);
  g_assert_null (loaded->from);
}

/* A claim given back before the end of the data: as it was claimed, no attempt counted, and
 * claimable again; after the data-sent mark the release is refused. */
static void
test_claim_release (void)
{
  g_autofree char *dir = ep_test_make_dir ("outbox");
  g_autoptr(EpOutboxStore) store = ep_outbox_store_new (dir);
  g_autofree char *id = add_entry (store, EP_OUTBOX_STATE_QUEUED, 10);
  g_autoptr(EpOutboxClaim) held = claim (store, id);
  g_autoptr(EpOutboxEntry) entry = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_true (ep_outbox_claim_set_recipient_state (held, default_recipients[0],
                                                      EP_SMTP_RECIPIENT_DELIVERED, NULL));
  g_assert_true (ep_outbox_claim_release (held, &error));
  g_assert_no_error (error);
  /* Released: finishing or releasing again is refused. */
  g_assert_false (ep_outbox_claim_release (held, &error));
  g_assert_error (error, EP_STORE_ERROR, EP_STORE_ERROR_WRONG_STATE);
  g_clear_error (&error);
  g_clear_pointer (&held, ep_outbox_claim_free);

  entry = ep_outbox_store_load (store, id, &error);
  g_assert_no_error (error);
  g_assert_cmpint (entry->state, ==, EP_OUTBOX_STATE_QUEUED);
  g_assert_cmpuint (entry->attempts->len, ==, 0);
  g_assert_null (entry->last_error);
  g_assert_cmpint (((EpOutboxRecipient *) entry->recipients->pdata[0])->state, ==,
                   EP_SMTP_RECIPIENT_PENDING);

  held = claim (store, id);
  g_assert_true (ep_outbox_claim_mark_data_sent (held, NULL));
  g_assert_false (ep_outbox_claim_release (held, &error));
  g_assert_error (error, EP_STORE_ERROR, EP_STORE_ERROR_WRONG_STATE);
  g_clear_pointer (&held, ep_outbox_claim_free);
  g_assert_cmpint (state_of (store, id), ==, EP_OUTBOX_STATE_UNKNOWN);
}

/* A delivered entry goes under its sender's own claim, which holds the lock until then: another
 * sender that takes the lock for a moment (a claim that finds the entry not due) could make a
 * later plain delete fail, but cannot come between the claim and this one. */
static void
test_claim_delete (void)
{
  g_autofree char *dir = ep_test_make_dir ("outbox");
  g_autoptr(EpOutboxStore) store = ep_outbox_store_new (dir);
  g_autofree char *id = add_entry (store, EP_OUTBOX_STATE_QUEUED, 10);
  g_autofree char *lock_path = g_build_filename (dir, id, "lock", NULL);
  g_autofree char *names = NULL;
  g_autoptr(EpOutboxClaim) held = claim (store, id);
  g_autoptr(GError) error = NULL;
  int probe;

  g_assert_false (ep_outbox_claim_delete (held, &error));
  g_assert_error (error, EP_STORE_ERROR, EP_STORE_ERROR_WRONG_STATE);
  g_clear_error (&error);

  g_assert_true (ep_outbox_claim_mark_data_sent (held, &error));
  set_all_recipients (held, EP_SMTP_RECIPIENT_DELIVERED);
  g_assert_true (finish (held, EP_OUTBOX_STATE_DELIVERED, EP_SMTP_OUTCOME_DELIVERED, NULL, &error));
  g_assert_no_error (error);

  /* Finished, the claim still holds the lock: another open file (as another process's would
   * be) cannot take it, so nobody can stand in the way of the deletion. */
  probe = open (lock_path, O_RDWR | O_CLOEXEC);
  g_assert_cmpint (probe, >=, 0);
  g_assert_cmpint (flock (probe, LOCK_EX | LOCK_NB), ==, -1);
  g_assert_cmpint (errno, ==, EWOULDBLOCK);
  close (probe);

  g_assert_true (ep_outbox_claim_delete (held, &error));
  g_assert_no_error (error);
  g_clear_pointer (&held, ep_outbox_claim_free);
  g_assert_null (ep_outbox_store_load (store, id, &error));
  g_assert_error (error, EP_STORE_ERROR, EP_STORE_ERROR_NOT_FOUND);
  names = ep_test_list_dir (dir);
  g_assert_cmpstr (names, ==, "");
}

/* As the MIME writer would: many small writes into the writer's stream; held for later. */
static void
test_writer_streaming (void)
{
  g_autofree char *dir = ep_test_make_dir ("outbox");
  g_autoptr(EpOutboxStore) store = ep_outbox_store_new (dir);
  g_autoptr(EpOutboxWriter) writer = NULL;
  g_autoptr(EpOutboxEntry) entry = make_entry (EP_OUTBOX_STATE_HELD);
  g_autoptr(EpOutboxEntry) loaded = NULL;
  g_autoptr(GByteArray) expected = g_byte_array_new ();
  g_autoptr(GBytes) expected_bytes = NULL;
  g_autoptr(GBytes) stored = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GDateTime) later = g_date_time_new_from_iso8601 ("2031-05-02T08:00:00Z", NULL);
  g_autoptr(GDateTime) after = g_date_time_add_seconds (later, 1);
  g_autoptr(GPtrArray) due = NULL;
  g_autofree char *path = NULL;
  GOutputStream *stream;

  entry->not_before = g_date_time_ref (later);
  writer = ep_outbox_store_begin (store, 0, &error);
  g_assert_no_error (error);
  stream = ep_outbox_writer_get_output_stream (writer);
  for (guint i = 0; i < 2000; i++)
    {
      g_autofree char *line = g_strdup_printf ("line %u %*s\r\n", i, (int) (i % 97), "");

      g_assert_true (g_output_stream_write_all (stream, line, strlen (line), NULL, NULL, &error));
      g_byte_array_append (expected, (const guint8 *) line, strlen (line));
    }
  g_assert_true (ep_outbox_writer_commit (writer, entry, &error));
  g_assert_no_error (error);
  g_clear_pointer (&writer, ep_outbox_writer_free);

  expected_bytes = g_byte_array_free_to_bytes (g_steal_pointer (&expected));
  path = ep_outbox_store_dup_message_path (store, entry->id);
  stored = ep_test_read_bytes (path);
  g_assert_true (g_bytes_equal (stored, expected_bytes));

  loaded = load (store, entry->id);
  g_assert_cmpint (loaded->state, ==, EP_OUTBOX_STATE_HELD);
  g_assert_cmpint (g_date_time_compare (loaded->not_before, later), ==, 0);
  /* Held is never due, not even after its time: the person or the app queues it. */
  g_assert_false (ep_outbox_entry_is_due (loaded, after));
  due = ep_outbox_store_list_due (store, after, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (due->len, ==, 0);
  g_clear_pointer (&due, g_ptr_array_unref);

  g_assert_true (ep_outbox_store_queue (store, entry->id, later, &error));
  g_assert_no_error (error);
  due = ep_outbox_store_list_due (store, later, NULL, &error);
  g_assert_cmpuint (due->len, ==, 1);
  g_clear_pointer (&due, g_ptr_array_unref);
  g_clear_pointer (&later, g_date_time_unref);
  later = g_date_time_add_seconds (after, -2);
  due = ep_outbox_store_list_due (store, later, NULL, &error);
  g_assert_cmpuint (due->len, ==, 0);
  g_assert_finalize_object (g_steal_pointer (&store));
}

static void
test_abandoned_writer (void)
{
  g_autofree char *dir = ep_test_make_dir ("outbox");
  g_autoptr(EpOutboxStore) store = ep_outbox_store_new (dir);
  g_autoptr(GError) error = NULL;
  g_autofree char *names = NULL;
  EpOutboxWriter *writer;

  writer = ep_outbox_store_begin (store, 7, &error);
  g_assert_no_error (error);
  g_assert_true (g_output_stream_write_all (ep_outbox_writer_get_output_stream (writer),
                                            "partial", 7, NULL, NULL, &error));
  ep_outbox_writer_free (writer);
  names = ep_test_list_dir (dir);
  g_assert_cmpstr (names, ==, "");
  g_assert_finalize_object (g_steal_pointer (&store));
}

static void
test_invalid_entries (void)
{
  g_autofree char *dir = ep_test_make_dir ("outbox");
  g_autoptr(EpOutboxStore) store = ep_outbox_store_new (dir);
  g_autofree char *names = NULL;
  const char * const twice[] = { "b@example.org", "b@example.org", NULL };
  const char * const line_break[] = { "b@example.org\r\nRCPT TO:<c@example.org>", NULL };

  for (guint i = 0; i < 7; i++)
    {
      g_autoptr(EpOutboxEntry) entry = make_entry (EP_OUTBOX_STATE_QUEUED);
      g_autoptr(GInputStream) input = g_memory_input_stream_new_from_data ("x", 1, NULL);
      g_autoptr(GError) error = NULL;

      switch (i)
        {
        case 0:
          entry->state = EP_OUTBOX_STATE_SENDING;
          break;
        case 1:
          g_ptr_array_set_size (entry->recipients, 0);
          break;
        case 2:
          g_free (entry->sender);
          entry->sender = g_strdup ("a@example.org\nX: y");
          break;
        case 3:
          ep_outbox_entry_free (entry);
          entry = ep_outbox_entry_new ("a@example.org", twice);
          break;
        case 4:
          ep_outbox_entry_free (entry);
          entry = ep_outbox_entry_new ("a@example.org", line_break);
          break;
        case 5:
          g_free (entry->profile_id);
          entry->profile_id = g_strdup ("../profiles");
          break;
        case 6:
          entry->state = EP_OUTBOX_STATE_DELIVERED;
          break;
        default:
          g_assert_not_reached ();
        }
      g_assert_false (ep_outbox_store_add (store, entry, input, 1, NULL, &error));
      g_assert_error (error, EP_STORE_ERROR, EP_STORE_ERROR_INVALID);
      g_test_message ("%s", error->message);
      g_assert_null (entry->id);
    }
  names = ep_test_list_dir (dir);
  g_assert_cmpstr (names, ==, "");
  g_assert_finalize_object (g_steal_pointer (&store));
}

/* Keys, groups and comments this version does not know survive every change. */
static void
test_unknown_content_kept (void)
{
  g_autofree char *dir = ep_test_make_dir ("outbox");
  g_autoptr(EpOutboxStore) store = ep_outbox_store_new (dir);
  g_autofree char *id = add_entry (store, EP_OUTBOX_STATE_HELD, 10);
  g_autofree char *path = meta_path (store, id);
  g_autofree char *meta = read_meta (store, id);
  g_autoptr(GString) edited = g_string_new (meta);
  g_autofree char *after = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_cmpuint (g_string_replace (edited, "[Outbox]\n", "[Outbox]\nx-later=1\n", 1), ==, 1);
  g_string_prepend (edited, "# written by hand\n");
  g_string_append (edited, "\n[Future]\nkey=value\n");
  ep_test_write_file (path, edited->str);
  g_assert_true (ep_outbox_store_queue (store, id, NULL, &error));
  g_assert_no_error (error);
  deliver (store, id);

  after = read_meta (store, id);
  g_test_message ("%s", after);
  g_assert_nonnull (strstr (after, "# written by hand"));
  g_assert_nonnull (strstr (after, "x-later=1"));
  g_assert_nonnull (strstr (after, "[Future]\nkey=value"));
  g_assert_nonnull (strstr (after, "state=delivered"));
  g_assert_finalize_object (g_steal_pointer (&store));
}

/* ---- State changes --------------------------------------------------------------------------- */

static void
test_transition_table (void)
{
  /* Rows: from; columns: to, in the enum's order (held queued sending delivered partial failed
   * unknown). */
  static const char *table[EP_OUTBOX_N_STATES] = {
    /* held      */ ".+.....",
    /* queued    */ "+.+....",
    /* sending   */ ".+.++++",
    /* delivered */ ".......",
    /* partial   */ "..+....",
    /* failed    */ ".+.....",
    /* unknown   */ ".+.++..",
  };

  for (guint from = 0; from < EP_OUTBOX_N_STATES; from++)
    for (guint to = 0; to < EP_OUTBOX_N_STATES; to++)
      {
        g_test_message ("%s → %s", ep_outbox_state_to_string (from), ep_outbox_state_to_string (to));
        g_assert_cmpint (ep_outbox_state_can_change (from, to), ==, table[from][to] == '+');
      }
  for (guint state = 0; state < EP_OUTBOX_N_STATES; state++)
    {
      EpOutboxState back;

      g_assert_true (ep_outbox_state_from_string (ep_outbox_state_to_string (state), &back));
      g_assert_cmpint (back, ==, state);
    }
}

typedef enum {
  CHANGE_HOLD,
  CHANGE_QUEUE,
  CHANGE_CLAIM,
  CHANGE_MARK_DELIVERED,
} Change;

/* What each change does from each state, by the person's functions and the claim: allowed
 * exactly where the table allows it (or where it only changes the time); a refusal writes
 * nothing. */
static void
test_changes_by_state (void)
{
  g_autofree char *dir = ep_test_make_dir ("outbox");
  g_autoptr(EpOutboxStore) store = ep_outbox_store_new (dir);
  const EpOutboxState targets[] = {
    EP_OUTBOX_STATE_HELD, EP_OUTBOX_STATE_QUEUED, EP_OUTBOX_STATE_SENDING, EP_OUTBOX_STATE_DELIVERED,
  };

  for (guint from = 0; from < EP_OUTBOX_N_STATES; from++)
    {
      if (from == EP_OUTBOX_STATE_SENDING)
        continue;   /* claimed: test_finish_by_state */
      for (Change change = CHANGE_HOLD; change <= CHANGE_MARK_DELIVERED; change++)
        {
          g_autofree char *id = add_in_state (store, from);
          g_autofree char *before = read_meta (store, id);
          g_autofree char *after = NULL;
          g_autoptr(EpOutboxClaim) held = NULL;
          g_autoptr(GError) error = NULL;
          EpOutboxState to = targets[change];
          gboolean same = from == to ||
                          (change == CHANGE_QUEUE && from == EP_OUTBOX_STATE_PARTIAL);
          gboolean expected = same ? change != CHANGE_MARK_DELIVERED && change != CHANGE_CLAIM
                                   : ep_outbox_state_can_change (from, to);
          gboolean ok = FALSE;

          switch (change)
            {
            case CHANGE_HOLD:
              ok = ep_outbox_store_hold (store, id, NULL, &error);
              break;
            case CHANGE_QUEUE:
              ok = ep_outbox_store_queue (store, id, NULL, &error);
              break;
            case CHANGE_CLAIM:
              held = ep_outbox_store_claim (store, id, NULL, &error);
              ok = held != NULL;
              break;
            case CHANGE_MARK_DELIVERED:
              ok = ep_outbox_store_mark_delivered (store, id, &error);
              break;
            default:
              g_assert_not_reached ();
            }
          g_test_message ("%s, change %d: %s", ep_outbox_state_to_string (from), change,
                          ok ? "allowed" : error->message);
          g_assert_cmpint (ok, ==, expected);
          after = read_meta (store, id);
          if (!ok)
            {
              g_assert_error (error, EP_STORE_ERROR, EP_STORE_ERROR_WRONG_STATE);
              g_assert_cmpstr (after, ==, before);
            }
          else if (change == CHANGE_MARK_DELIVERED)
            g_assert_cmpint (state_of (store, id), ==, EP_OUTBOX_STATE_DELIVERED);
          else if (change == CHANGE_QUEUE && from == EP_OUTBOX_STATE_PARTIAL)
            g_assert_cmpint (state_of (store, id), ==, EP_OUTBOX_STATE_PARTIAL);
          else if (change != CHANGE_CLAIM)
            g_assert_cmpint (state_of (store, id), ==, to);
          else
            g_assert_cmpint (ep_outbox_claim_get_entry (held)->state, ==, EP_OUTBOX_STATE_SENDING);
        }
    }
  g_assert_finalize_object (g_steal_pointer (&store));
}

/* From "sending", only the claim's finish moves on, to exactly the states of the table, and only
 * with recipients that fit the state. A claimed entry is busy for everyone else. */
static void
test_finish_by_state (void)
{
  g_autofree char *dir = ep_test_make_dir ("outbox");
  g_autoptr(EpOutboxStore) store = ep_outbox_store_new (dir);

  for (guint to = 0; to < EP_OUTBOX_N_STATES; to++)
    {
      g_autofree char *id = add_entry (store, EP_OUTBOX_STATE_QUEUED, 10);
      g_autoptr(EpOutboxClaim) held = claim (store, id);
      g_autofree char *before = read_meta (store, id);
      g_autofree char *after = NULL;
      g_autoptr(GError) error = NULL;
      gboolean expected = ep_outbox_state_can_change (EP_OUTBOX_STATE_SENDING, to);
      gboolean ok;

      /* Busy for every other change, in this process too. */
      g_assert_null (ep_outbox_store_claim (store, id, NULL, &error));
      g_assert_error (error, EP_STORE_ERROR, EP_STORE_ERROR_BUSY);
      g_clear_error (&error);
      g_assert_false (ep_outbox_store_queue (store, id, NULL, &error));
      g_assert_error (error, EP_STORE_ERROR, EP_STORE_ERROR_BUSY);
      g_clear_error (&error);
      g_assert_false (ep_outbox_store_delete (store, id, &error));
      g_assert_error (error, EP_STORE_ERROR, EP_STORE_ERROR_BUSY);
      g_clear_error (&error);
      /* Listed as sending while held: not mistaken for abandoned. */
      g_assert_cmpint (state_of (store, id), ==, EP_OUTBOX_STATE_SENDING);

      if (to == EP_OUTBOX_STATE_DELIVERED)
        {
          g_assert_false (finish (held, to, EP_SMTP_OUTCOME_DELIVERED, NULL, &error));
          g_assert_error (error, EP_STORE_ERROR, EP_STORE_ERROR_WRONG_STATE);
          g_clear_error (&error);
          set_all_recipients (held, EP_SMTP_RECIPIENT_DELIVERED);
        }
      else if (to == EP_OUTBOX_STATE_PARTIAL)
        {
          set_all_recipients (held, EP_SMTP_RECIPIENT_DELIVERED);
          g_assert_false (finish (held, to, EP_SMTP_OUTCOME_PARTIAL, NULL, &error));
          g_assert_error (error, EP_STORE_ERROR, EP_STORE_ERROR_WRONG_STATE);
          g_clear_error (&error);
          g_assert_true (ep_outbox_claim_set_recipient_state (held, default_recipients[2],
                                                              EP_SMTP_RECIPIENT_DEFERRED, NULL));
        }
      ok = finish (held, to, EP_SMTP_OUTCOME_TEMPORARY, NULL, &error);
      g_assert_cmpint (ok, ==, expected);
      after = read_meta (store, id);
      if (!ok)
        {
          g_test_message ("sending → %s: %s", ep_outbox_state_to_string (to), error->message);
          g_assert_error (error, EP_STORE_ERROR, EP_STORE_ERROR_WRONG_STATE);
          g_assert_cmpstr (after, ==, before);
          g_clear_error (&error);
          /* The claim is still good. */
          g_assert_true (finish (held, EP_OUTBOX_STATE_QUEUED, EP_SMTP_OUTCOME_TEMPORARY, NULL,
                                 &error));
          g_assert_no_error (error);
          g_assert_cmpint (ep_outbox_claim_get_entry (held)->state, ==, EP_OUTBOX_STATE_QUEUED);
        }
      else
        g_assert_cmpint (ep_outbox_claim_get_entry (held)->state, ==, to);
      /* Once finished, a claim changes nothing more. */
      g_assert_false (ep_outbox_claim_mark_data_sent (held, &error));
      g_assert_error (error, EP_STORE_ERROR, EP_STORE_ERROR_WRONG_STATE);
      g_clear_pointer (&held, ep_outbox_claim_free);
      g_assert_cmpint (state_of (store, id), ==, expected ? to : EP_OUTBOX_STATE_QUEUED);
    }
  g_assert_finalize_object (g_steal_pointer (&store));
}

/* What the person's changes do to the recipients, and a claim before its time. */
static void
test_recipients_and_time (void)
{
  g_autofree char *dir = ep_test_make_dir ("outbox");
  g_autoptr(EpOutboxStore) store = ep_outbox_store_new (dir);
  g_autofree char *failed = add_in_state (store, EP_OUTBOX_STATE_FAILED);
  g_autofree char *partial = add_in_state (store, EP_OUTBOX_STATE_PARTIAL);
  g_autoptr(EpOutboxEntry) entry = NULL;
  g_autoptr(EpOutboxClaim) held = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autoptr(GDateTime) later = g_date_time_add_hours (now, 1);
  g_auto(GStrv) undelivered = NULL;
  g_autofree char *unknown = add_entry (store, EP_OUTBOX_STATE_QUEUED, 10);

  /* Retrying a failed message: everyone is pending again. */
  g_assert_true (ep_outbox_store_queue (store, failed, later, &error));
  entry = load (store, failed);
  g_assert_cmpint (entry->state, ==, EP_OUTBOX_STATE_QUEUED);
  for (guint i = 0; i < entry->recipients->len; i++)
    g_assert_cmpint (((EpOutboxRecipient *) entry->recipients->pdata[i])->state, ==,
                     EP_SMTP_RECIPIENT_PENDING);
  /* Not before its time. */
  g_assert_false (ep_outbox_entry_is_due (entry, now));
  g_assert_null (ep_outbox_store_claim (store, failed, now, &error));
  g_assert_error (error, EP_STORE_ERROR, EP_STORE_ERROR_WRONG_STATE);
  g_test_message ("%s", error->message);
  g_clear_error (&error);
  held = ep_outbox_store_claim (store, failed, later, &error);
  g_assert_no_error (error);
  g_clear_pointer (&held, ep_outbox_claim_free);
  g_clear_pointer (&entry, ep_outbox_entry_free);

  /* Partial: only those without it are sent to again. */
  entry = load (store, partial);
  undelivered = ep_outbox_entry_dup_undelivered (entry);
  g_assert_cmpuint (g_strv_length (undelivered), ==, 2);
  g_assert_cmpstr (undelivered[0], ==, default_recipients[1]);
  g_assert_cmpstr (undelivered[1], ==, default_recipients[2]);
  g_clear_pointer (&entry, ep_outbox_entry_free);

  /* Unknown, marked delivered by the person while a recipient was never in the transaction. */
  held = claim (store, unknown);
  g_assert_true (ep_outbox_claim_mark_data_sent (held, NULL));
  g_assert_true (ep_outbox_claim_set_recipient_state (held, default_recipients[0],
                                                      EP_SMTP_RECIPIENT_UNKNOWN, NULL));
  g_assert_true (ep_outbox_claim_set_recipient_state (held, default_recipients[1],
                                                      EP_SMTP_RECIPIENT_UNKNOWN, NULL));
  g_assert_true (finish (held, EP_OUTBOX_STATE_UNKNOWN, EP_SMTP_OUTCOME_UNKNOWN, NULL, &error));
  g_assert_no_error (error);
  g_clear_pointer (&held, ep_outbox_claim_free);
  g_assert_true (ep_outbox_store_mark_delivered (store, unknown, &error));
  g_assert_no_error (error);
  entry = load (store, unknown);
  g_assert_cmpint (entry->state, ==, EP_OUTBOX_STATE_PARTIAL);
  g_assert_cmpint (recipient_state (entry, 0), ==, EP_SMTP_RECIPIENT_DELIVERED);
  g_assert_cmpint (recipient_state (entry, 2), ==, EP_SMTP_RECIPIENT_PENDING);
  g_assert_finalize_object (g_steal_pointer (&store));
}

static void
test_attempt_history (void)
{
  g_autofree char *dir = ep_test_make_dir ("outbox");
  g_autoptr(EpOutboxStore) store = ep_outbox_store_new (dir);
  g_autofree char *id = add_entry (store, EP_OUTBOX_STATE_QUEUED, 100);
  g_autoptr(EpOutboxClaim) held = NULL;
  g_autoptr(EpOutboxAttempt) first = NULL;
  g_autoptr(EpOutboxAttempt) second = NULL;
  g_autoptr(EpOutboxEntry) entry = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GDateTime) start = g_date_time_new_from_iso8601 ("2024-03-01T10:00:00Z", NULL);
  g_autoptr(GDateTime) retry = g_date_time_new_from_iso8601 ("2024-03-01T10:00:30Z", NULL);
  g_autofree char *transcript = NULL;
  const char *redacted = "C: AUTH PLAIN [redacted]\nS: 451 4.3.0 Try later\n";
  const EpOutboxAttempt *listed;

  held = claim (store, id);
  first = ep_outbox_attempt_new (start, EP_SMTP_OUTCOME_TEMPORARY, "451 4.3.0 Try later");
  g_assert_true (ep_outbox_claim_finish (held, EP_OUTBOX_STATE_QUEUED, retry, first, redacted,
                                         "The server is busy", &error));
  g_assert_no_error (error);
  g_clear_pointer (&held, ep_outbox_claim_free);

  held = ep_outbox_store_claim (store, id, retry, &error);
  g_assert_no_error (error);
  g_assert_true (ep_outbox_claim_mark_data_sent (held, &error));
  g_assert_nonnull (ep_outbox_claim_get_entry (held)->data_sent);
  g_assert_true (ep_outbox_claim_set_recipient_state (held, default_recipients[0],
                                                      EP_SMTP_RECIPIENT_DELIVERED, NULL));
  g_assert_true (ep_outbox_claim_set_recipient_state (held, default_recipients[1],
                                                      EP_SMTP_RECIPIENT_REFUSED, NULL));
  g_assert_true (ep_outbox_claim_set_recipient_state (held, default_recipients[2],
                                                      EP_SMTP_RECIPIENT_DELIVERED, NULL));
  g_assert_false (ep_outbox_claim_set_recipient_state (held, "stranger@example.org",
                                                       EP_SMTP_RECIPIENT_DELIVERED, &error));
  g_assert_error (error, EP_STORE_ERROR, EP_STORE_ERROR_INVALID);
  g_clear_error (&error);
  second = ep_outbox_attempt_new (retry, EP_SMTP_OUTCOME_DELIVERED, "250 2.0.0 Ok: queued");
  g_assert_true (ep_outbox_claim_finish (held, EP_OUTBOX_STATE_DELIVERED, NULL, second, NULL, NULL,
                                         &error));
  g_assert_no_error (error);
  g_clear_pointer (&held, ep_outbox_claim_free);

  entry = load (store, id);
  g_assert_cmpint (entry->state, ==, EP_OUTBOX_STATE_DELIVERED);
  g_assert_null (entry->last_error);
  g_assert_null (entry->data_sent);
  g_assert_cmpuint (entry->attempts->len, ==, 2);
  listed = entry->attempts->pdata[0];
  g_assert_cmpint (g_date_time_compare (listed->time, start), ==, 0);
  g_assert_cmpint (listed->outcome, ==, EP_SMTP_OUTCOME_TEMPORARY);
  g_assert_cmpstr (listed->reply, ==, "451 4.3.0 Try later");
  g_assert_true (listed->has_transcript);
  listed = entry->attempts->pdata[1];
  g_assert_cmpint (listed->outcome, ==, EP_SMTP_OUTCOME_DELIVERED);
  g_assert_false (listed->has_transcript);
  g_assert_cmpint (recipient_state (entry, 1), ==,
                   EP_SMTP_RECIPIENT_REFUSED);

  transcript = ep_outbox_store_load_transcript (store, id, 1, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (transcript, ==, redacted);
  g_assert_null (ep_outbox_store_load_transcript (store, id, 2, &error));
  g_assert_error (error, EP_STORE_ERROR, EP_STORE_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_null (ep_outbox_store_load_transcript (store, id, 3, &error));
  g_assert_error (error, EP_STORE_ERROR, EP_STORE_ERROR_NOT_FOUND);
  g_clear_error (&error);

  /* Delivered: the caller copies it to Sent, then deletes it. */
  g_assert_true (ep_outbox_store_delete (store, id, &error));
  g_assert_no_error (error);
  g_assert_false (ep_outbox_store_delete (store, id, &error));
  g_assert_error (error, EP_STORE_ERROR, EP_STORE_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_false (ep_outbox_store_delete (store, "../..", &error));
  g_assert_error (error, EP_STORE_ERROR, EP_STORE_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_null (ep_outbox_store_load (store, id, &error));
  g_assert_error (error, EP_STORE_ERROR, EP_STORE_ERROR_NOT_FOUND);
  g_assert_finalize_object (g_steal_pointer (&store));
}

/* A claim let go of without finishing is recovered at once, as after a crash. */
static void
test_claim_released_unfinished (void)
{
  g_autofree char *dir = ep_test_make_dir ("outbox");
  g_autoptr(EpOutboxStore) store = ep_outbox_store_new (dir);
  g_autofree char *before_data = add_entry (store, EP_OUTBOX_STATE_QUEUED, 10);
  g_autofree char *after_data = add_entry (store, EP_OUTBOX_STATE_QUEUED, 10);
  g_autoptr(EpOutboxEntry) entry = NULL;
  EpOutboxClaim *held;

  held = claim (store, before_data);
  ep_outbox_claim_free (held);
  entry = load (store, before_data);
  g_assert_cmpint (entry->state, ==, EP_OUTBOX_STATE_QUEUED);
  g_assert_cmpuint (entry->attempts->len, ==, 1);
  g_assert_cmpint (attempt_outcome (entry, 0), ==, EP_SMTP_OUTCOME_TEMPORARY);
  g_assert_nonnull (entry->last_error);
  g_clear_pointer (&entry, ep_outbox_entry_free);

  held = claim (store, after_data);
  g_assert_true (ep_outbox_claim_mark_data_sent (held, NULL));
  ep_outbox_claim_free (held);
  entry = load (store, after_data);
  g_assert_cmpint (entry->state, ==, EP_OUTBOX_STATE_UNKNOWN);
  g_assert_cmpint (attempt_outcome (entry, 0), ==, EP_SMTP_OUTCOME_UNKNOWN);
  g_assert_cmpint (recipient_state (entry, 0), ==, EP_SMTP_RECIPIENT_UNKNOWN);
  g_test_message ("%s", entry->last_error);
  g_assert_finalize_object (g_steal_pointer (&store));
}

/* ---- Damaged entries ------------------------------------------------------------------------- */

static void
damage (EpOutboxStore *store,
        const char    *id,
        const char    *file,
        const char    *contents)
{
  g_autofree char *path = g_build_filename (ep_outbox_store_get_dir (store), id, file, NULL);

  if (contents == NULL)
    g_assert_cmpint (g_unlink (path), ==, 0);
  else
    ep_test_write_file (path, contents);
}

/* meta.ini of @id with the first @find replaced by @replace. */
static void
edit_meta (EpOutboxStore *store,
           const char    *id,
           const char    *find,
           const char    *replace)
{
  g_autofree char *meta = read_meta (store, id);
  g_autofree char *path = meta_path (store, id);
  g_autoptr(GString) edited = g_string_new (meta);

  g_assert_nonnull (strstr (meta, find));
  g_string_replace (edited, find, replace, 1);
  ep_test_write_file (path, edited->str);
}

static void
test_damaged_entries (void)
{
  g_autofree char *dir = ep_test_make_dir ("outbox");
  g_autoptr(EpOutboxStore) store = ep_outbox_store_new (dir);
  g_autofree char *good = add_entry (store, EP_OUTBOX_STATE_QUEUED, 100);
  g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) entries = NULL;
  g_autoptr(GPtrArray) problems = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *newer = add_entry (store, EP_OUTBOX_STATE_QUEUED, 100);
  g_autofree char *busy = add_entry (store, EP_OUTBOX_STATE_QUEUED, 100);
  g_autofree char *loaded = add_entry (store, EP_OUTBOX_STATE_QUEUED, 100);
  g_autofree char *busy_lock = g_build_filename (dir, busy, "lock", NULL);
  g_autofree char *names = NULL;
  int busy_fd;
  guint damaged_count = 0;

  for (guint i = 0; i < 12; i++)
    {
      char *id = add_entry (store, EP_OUTBOX_STATE_QUEUED, 100);

      g_ptr_array_add (ids, id);
      switch (i)
        {
        case 0: damage (store, id, "meta.ini", "\x01\x02 garbage \xff\n"); break;
        case 1: damage (store, id, "meta.ini", NULL); break;
        case 2: damage (store, id, "message.eml", "From: a@example.org\r\n"); break;
        case 3: damage (store, id, "message.eml", NULL); break;
        case 4: edit_meta (store, id, "state=queued", "state=lost"); break;
        case 5: edit_meta (store, id, "state=pending", "state=maybe"); break;
        case 6: edit_meta (store, id, "[Recipient 1]", "[Recipient 4]"); break;
        case 7: edit_meta (store, id, "not-before=", "not-before=tomorrow\nx="); break;
        case 8: edit_meta (store, id, "sender=a@example.org", "sender=a@example.org\\x"); break;
        case 9: edit_meta (store, id, "state=queued", "state=sending"); break;   /* no claim keys */
        case 10: edit_meta (store, id, "format=1", "format=banana"); break;
        case 11: damage (store, id, "meta.ini", "[Outbox]\nformat=1\n"); break;
        default: g_assert_not_reached ();
        }
    }
  edit_meta (store, newer, "format=1", "format=5");
  /* Damaged while someone holds its lock: reported, but left where it is. */
  damage (store, busy, "meta.ini", "[Outbox\n");
  busy_fd = open (busy_lock, O_RDWR | O_CLOEXEC);
  g_assert_cmpint (busy_fd, >=, 0);
  g_assert_cmpint (flock (busy_fd, LOCK_EX | LOCK_NB), ==, 0);
  /* Loading one by one moves it aside too. */
  damage (store, loaded, "meta.ini", "");
  g_assert_null (ep_outbox_store_load (store, loaded, &error));
  g_assert_error (error, EP_STORE_ERROR, EP_STORE_ERROR_CORRUPT);
  g_assert_nonnull (strstr (error->message, ".corrupt-"));
  g_clear_error (&error);

  entries = ep_outbox_store_list (store, &problems, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < entries->len; i++)
    for (guint j = 0; j < ids->len; j++)
      if (strcmp (((EpOutboxEntry *) entries->pdata[i])->id, ids->pdata[j]) == 0)
        g_test_message ("damage %u was not seen", j);
  g_assert_cmpuint (entries->len, ==, 1);
  g_assert_cmpstr (((EpOutboxEntry *) entries->pdata[0])->id, ==, good);
  g_assert_cmpuint (problems->len, ==, ids->len + 2);
  for (guint i = 0; i < problems->len; i++)
    {
      GError *problem = problems->pdata[i];

      g_test_message ("%s", problem->message);
      if (g_error_matches (problem, EP_STORE_ERROR, EP_STORE_ERROR_NEWER_FORMAT))
        continue;
      g_assert_error (problem, EP_STORE_ERROR, EP_STORE_ERROR_CORRUPT);
      damaged_count += strstr (problem->message, ".corrupt-") != NULL;
    }
  g_assert_cmpuint (damaged_count, ==, ids->len);

  /* Every damaged entry is still there, under another name; the newer one and the busy one
   * are where they were. Nothing was deleted. */
  for (guint i = 0; i < ids->len; i++)
    {
      g_autofree char *path = g_build_filename (dir, ids->pdata[i], NULL);
      g_autofree char *pattern = g_strconcat (ids->pdata[i], ".corrupt-*", NULL);
      g_autoptr(GDir) listing = g_dir_open (dir, 0, NULL);
      const char *name;
      gboolean found = FALSE;

      g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
      while ((name = g_dir_read_name (listing)) != NULL)
        found |= g_pattern_match_simple (pattern, name);
      g_assert_true (found);
    }
  g_clear_pointer (&problems, g_ptr_array_unref);
  g_clear_pointer (&entries, g_ptr_array_unref);

  /* Reported once: the next listing sees only the ones left in place. */
  close (busy_fd);
  entries = ep_outbox_store_list (store, &problems, &error);
  g_assert_cmpuint (entries->len, ==, 1);
  g_assert_cmpuint (problems->len, ==, 2);
  g_clear_pointer (&problems, g_ptr_array_unref);
  g_clear_pointer (&entries, g_ptr_array_unref);
  entries = ep_outbox_store_list (store, &problems, &error);
  g_assert_cmpuint (problems->len, ==, 1);
  g_assert_error ((GError *) problems->pdata[0], EP_STORE_ERROR, EP_STORE_ERROR_NEWER_FORMAT);
  /* A newer entry is not ours to send. */
  g_assert_null (ep_outbox_store_claim (store, newer, NULL, &error));
  g_assert_error (error, EP_STORE_ERROR, EP_STORE_ERROR_NEWER_FORMAT);
  names = ep_test_list_dir (dir);
  g_test_message ("%s", names);
  g_assert_finalize_object (g_steal_pointer (&store));
}

/* ---- A full disk ----------------------------------------------------------------------------- */

typedef struct
{
  guint calls;
  guint fail_at;   /* 0: never */
  gboolean fail_from;   /* fail every call from fail_at on, not only that one */
} FailPlan;

static int
fail_hook (const char        *path,
           EpAtomicFileStage  stage,
           guint64            offset,
           gpointer           user_data)
{
  FailPlan *plan = user_data;

  plan->calls++;
  if (plan->fail_at != 0 &&
      (plan->calls == plan->fail_at || (plan->fail_from && plan->calls > plan->fail_at)))
    return ENOSPC;
  return 0;
}

/* A new entry, with a full disk at each of its writes and syncs in turn: no entry, nothing left
 * behind, the entry already there untouched. */
static void
test_enospc_add (void)
{
  g_autofree char *dir = ep_test_make_dir ("outbox");
  g_autoptr(EpOutboxStore) store = ep_outbox_store_new (dir);
  g_autofree char *kept = add_entry (store, EP_OUTBOX_STATE_QUEUED, 100);
  g_autofree char *kept_meta = read_meta (store, kept);
  g_autoptr(GBytes) message = ep_test_make_message (200 * 1024);
  FailPlan plan = { 0 };
  guint total;

  /* How many writes and syncs an entry takes. */
  {
    g_autofree char *counted_dir = ep_test_make_dir ("outbox-count");
    g_autoptr(EpOutboxStore) counted = ep_outbox_store_new (counted_dir);
    g_autoptr(EpOutboxEntry) entry = make_entry (EP_OUTBOX_STATE_QUEUED);
    g_autoptr(GInputStream) input = g_memory_input_stream_new_from_bytes (message);

    ep_atomic_file_set_fail_hook (fail_hook, &plan);
    g_assert_true (ep_outbox_store_add (counted, entry, input, 0, NULL, NULL));
    ep_atomic_file_set_fail_hook (NULL, NULL);
    total = plan.calls;
    g_test_message ("an entry of %zu bytes takes %u writes and syncs",
                    g_bytes_get_size (message), total);
    g_assert_cmpuint (total, >=, 6);   /* several chunks, a sync, the summary and its sync */
  }

  for (guint k = 1; k <= total; k++)
    {
      g_autoptr(EpOutboxEntry) entry = make_entry (EP_OUTBOX_STATE_QUEUED);
      g_autoptr(GInputStream) input = g_memory_input_stream_new_from_bytes (message);
      g_autoptr(GPtrArray) entries = NULL;
      g_autoptr(GPtrArray) problems = NULL;
      g_autoptr(GError) error = NULL;
      g_autofree char *names = NULL;
      g_autofree char *meta = NULL;

      plan = (FailPlan) { 0, k, FALSE };
      ep_atomic_file_set_fail_hook (fail_hook, &plan);
      g_assert_false (ep_outbox_store_add (store, entry, input, 0, NULL, &error));
      ep_atomic_file_set_fail_hook (NULL, NULL);
      g_assert_error (error, EP_STORE_ERROR, EP_STORE_ERROR_NO_SPACE);
      if (k == 1)
        g_test_message ("%s", error->message);
      g_assert_null (entry->id);

      names = ep_test_list_dir (dir);
      g_assert_cmpstr (names, ==, kept);
      entries = ep_outbox_store_list (store, &problems, NULL);
      g_assert_cmpuint (entries->len, ==, 1);
      g_assert_cmpuint (problems->len, ==, 0);
      meta = read_meta (store, kept);
      g_assert_cmpstr (meta, ==, kept_meta);
    }
  g_assert_finalize_object (g_steal_pointer (&store));
}

/* The size is checked against the free space before anything is written. */
static void
test_free_space_check (void)
{
  g_autofree char *dir = ep_test_make_dir ("outbox");
  g_autoptr(EpOutboxStore) store = ep_outbox_store_new (dir);
  g_autoptr(EpOutboxEntry) entry = make_entry (EP_OUTBOX_STATE_QUEUED);
  g_autoptr(GInputStream) input = g_memory_input_stream_new_from_data ("x", 1, NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *names = NULL;
  FailPlan plan = { 0 };

  ep_atomic_file_set_fail_hook (fail_hook, &plan);
  /* Far beyond any disk (1 EiB), and the largest number there is. */
  g_assert_false (ep_outbox_store_add (store, entry, input, G_GUINT64_CONSTANT (1) << 60, NULL,
                                       &error));
  g_assert_error (error, EP_STORE_ERROR, EP_STORE_ERROR_NO_SPACE);
  g_test_message ("%s", error->message);
  g_clear_error (&error);
  g_assert_null (ep_outbox_store_begin (store, G_MAXUINT64, &error));
  g_assert_error (error, EP_STORE_ERROR, EP_STORE_ERROR_NO_SPACE);
  ep_atomic_file_set_fail_hook (NULL, NULL);
  g_assert_cmpuint (plan.calls, ==, 0);
  names = ep_test_list_dir (dir);
  g_assert_cmpstr (names, ==, "");
  g_assert_finalize_object (g_steal_pointer (&store));
}

typedef enum {
  STEP_CLAIM,
  STEP_MARK,
  STEP_FINISH,
  STEP_QUEUE,
  STEP_HOLD,
  STEP_MARK_DELIVERED,
  N_STEPS,
} Step;

/* Brings a fresh entry to just before @step; @out_claim: the claim, for the claim's steps. */
static char *
prepare_step (EpOutboxStore  *store,
              Step            step,
              EpOutboxClaim **out_claim)
{
  char *id;

  *out_claim = NULL;
  switch (step)
    {
    case STEP_CLAIM:
      return add_entry (store, EP_OUTBOX_STATE_QUEUED, 10);
    case STEP_MARK:
      id = add_entry (store, EP_OUTBOX_STATE_QUEUED, 10);
      *out_claim = claim (store, id);
      return id;
    case STEP_FINISH:
      id = add_entry (store, EP_OUTBOX_STATE_QUEUED, 10);
      *out_claim = claim (store, id);
      g_assert_true (ep_outbox_claim_mark_data_sent (*out_claim, NULL));
      set_all_recipients (*out_claim, EP_SMTP_RECIPIENT_DELIVERED);
      return id;
    case STEP_QUEUE:
      return add_entry (store, EP_OUTBOX_STATE_HELD, 10);
    case STEP_HOLD:
      return add_entry (store, EP_OUTBOX_STATE_QUEUED, 10);
    case STEP_MARK_DELIVERED:
      return add_in_state (store, EP_OUTBOX_STATE_UNKNOWN);
    case N_STEPS:
    default:
      g_assert_not_reached ();
    }
}

/* @out_claimed: what STEP_CLAIM took, let go of by the caller (after the hook is gone: an
 * unfinished claim writes when it is let go of). */
static gboolean
run_step (EpOutboxStore  *store,
          Step            step,
          const char     *id,
          EpOutboxClaim  *held,
          EpOutboxClaim **out_claimed,
          GError        **error)
{
  switch (step)
    {
    case STEP_CLAIM:
      *out_claimed = ep_outbox_store_claim (store, id, NULL, error);
      return *out_claimed != NULL;
    case STEP_MARK:
      return ep_outbox_claim_mark_data_sent (held, error);
    case STEP_FINISH:
      return finish (held, EP_OUTBOX_STATE_DELIVERED, EP_SMTP_OUTCOME_DELIVERED, "C: QUIT\n", error);
    case STEP_QUEUE:
      return ep_outbox_store_queue (store, id, NULL, error);
    case STEP_HOLD:
      return ep_outbox_store_hold (store, id, NULL, error);
    case STEP_MARK_DELIVERED:
      return ep_outbox_store_mark_delivered (store, id, error);
    case N_STEPS:
    default:
      g_assert_not_reached ();
    }
}

/* Every change with a full disk at each of its writes and syncs: the entry is exactly as it was
 * (meta.ini byte for byte, no transcript of an attempt that was not recorded). */
static void
test_enospc_changes (void)
{
  g_autofree char *dir = ep_test_make_dir ("outbox");
  g_autoptr(EpOutboxStore) store = ep_outbox_store_new (dir);

  for (Step step = 0; step < N_STEPS; step++)
    {
      g_autofree char *counted = NULL;
      g_autoptr(EpOutboxClaim) counted_claim = NULL;
      g_autoptr(EpOutboxClaim) taken = NULL;
      FailPlan plan = { 0 };
      guint total;

      counted = prepare_step (store, step, &counted_claim);
      ep_atomic_file_set_fail_hook (fail_hook, &plan);
      g_assert_true (run_step (store, step, counted, counted_claim, &taken, NULL));
      ep_atomic_file_set_fail_hook (NULL, NULL);
      total = plan.calls;
      g_assert_cmpuint (total, >=, 2);

      for (guint k = 1; k <= total; k++)
        {
          g_autoptr(EpOutboxClaim) held = NULL;
          g_autoptr(EpOutboxClaim) none = NULL;
          g_autoptr(GError) error = NULL;
          g_autofree char *id = prepare_step (store, step, &held);
          g_autofree char *before = read_meta (store, id);
          g_autofree char *after = NULL;
          g_autofree char *transcript = g_build_filename (dir, id, "attempt-1.txt", NULL);

          plan = (FailPlan) { 0, k, FALSE };
          ep_atomic_file_set_fail_hook (fail_hook, &plan);
          g_assert_false (run_step (store, step, id, held, &none, &error));
          g_assert_null (none);
          ep_atomic_file_set_fail_hook (NULL, NULL);
          g_assert_error (error, EP_STORE_ERROR, EP_STORE_ERROR_NO_SPACE);
          after = read_meta (store, id);
          g_assert_cmpstr (after, ==, before);
          g_assert_false (g_file_test (transcript, G_FILE_TEST_EXISTS));
        }
    }
  g_assert_finalize_object (g_steal_pointer (&store));
}

/* The disk fills up after the server said 250 and before that was written: the entry must not
 * be sent again. It stays "sending" with its mark until someone recovers it, as unknown. */
static void
test_enospc_after_delivery (void)
{
  g_autofree char *dir = ep_test_make_dir ("outbox");
  g_autoptr(EpOutboxStore) store = ep_outbox_store_new (dir);
  g_autoptr(EpOutboxClaim) held = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(EpOutboxEntry) entry = NULL;
  g_autofree char *id = prepare_step (store, STEP_FINISH, &held);
  FailPlan plan = { 0, 1, TRUE };

  ep_atomic_file_set_fail_hook (fail_hook, &plan);
  g_assert_false (finish (held, EP_OUTBOX_STATE_DELIVERED, EP_SMTP_OUTCOME_DELIVERED, NULL, &error));
  g_assert_error (error, EP_STORE_ERROR, EP_STORE_ERROR_NO_SPACE);
  /* Letting go tries to recover it, and cannot write either. */
  g_clear_pointer (&held, ep_outbox_claim_free);
  ep_atomic_file_set_fail_hook (NULL, NULL);

  entry = load (store, id);
  g_assert_cmpint (entry->state, ==, EP_OUTBOX_STATE_UNKNOWN);
  g_assert_false (ep_outbox_entry_is_due (entry, NULL));
  g_assert_finalize_object (g_steal_pointer (&store));
}

/* ---- Other processes ------------------------------------------------------------------------- */

static void
check_claim_killed (gboolean data_sent)
{
  g_autofree char *dir = ep_test_make_dir ("outbox");
  g_autoptr(EpOutboxStore) store = ep_outbox_store_new (dir);
  g_autofree char *id = add_entry (store, EP_OUTBOX_STATE_QUEUED, 1000);
  const char *args[] = { "hold", dir, id, data_sent ? "1" : "0", NULL };
  g_autoptr(GSubprocess) helper = spawn_helper (args);
  g_autoptr(GDataInputStream) lines = g_data_input_stream_new (g_subprocess_get_stdout_pipe (helper));
  g_autoptr(EpOutboxEntry) entry = NULL;
  g_autoptr(EpOutboxClaim) second = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *line = NULL;

  line = read_helper_line (lines);
  g_assert_cmpstr (line, ==, "claimed");

  /* The other process holds it: no claim, no change, and it is listed as being sent. */
  for (guint i = 0; i < 3; i++)
    {
      g_assert_null (ep_outbox_store_claim (store, id, NULL, &error));
      g_assert_error (error, EP_STORE_ERROR, EP_STORE_ERROR_BUSY);
      g_clear_error (&error);
    }
  g_assert_false (ep_outbox_store_hold (store, id, NULL, &error));
  g_assert_error (error, EP_STORE_ERROR, EP_STORE_ERROR_BUSY);
  g_clear_error (&error);
  g_assert_false (ep_outbox_store_delete (store, id, &error));
  g_assert_error (error, EP_STORE_ERROR, EP_STORE_ERROR_BUSY);
  g_clear_error (&error);
  entry = load (store, id);
  g_assert_cmpint (entry->state, ==, EP_OUTBOX_STATE_SENDING);
  g_assert_cmpint (entry->data_sent != NULL, ==, data_sent);
  g_clear_pointer (&entry, ep_outbox_entry_free);

  g_subprocess_force_exit (helper);
  g_assert_true (g_subprocess_wait (helper, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_signaled (helper));
  g_assert_cmpint (g_subprocess_get_term_sig (helper), ==, SIGKILL);

  /* Its lock went with it. */
  entry = load (store, id);
  g_assert_cmpuint (entry->attempts->len, ==, 1);
  if (data_sent)
    {
      g_assert_cmpint (entry->state, ==, EP_OUTBOX_STATE_UNKNOWN);
      g_assert_false (ep_outbox_entry_is_due (entry, NULL));
      g_assert_null (ep_outbox_store_claim (store, id, NULL, &error));
      g_assert_error (error, EP_STORE_ERROR, EP_STORE_ERROR_WRONG_STATE);
    }
  else
    {
      g_assert_cmpint (entry->state, ==, EP_OUTBOX_STATE_QUEUED);
      second = ep_outbox_store_claim (store, id, NULL, &error);
      g_assert_no_error (error);
      g_assert_nonnull (second);
    }
  g_clear_pointer (&second, ep_outbox_claim_free);
  g_assert_finalize_object (g_steal_pointer (&store));
}

static void
test_claim_killed_before_data_end (void)
{
  check_claim_killed (FALSE);
}

static void
test_claim_killed_after_data_end (void)
{
  check_claim_killed (TRUE);
}

/* Without anything else running: the claim recovered by a claim (not by a listing). */
static void
test_claim_recovers_abandoned (void)
{
  g_autofree char *dir = ep_test_make_dir ("outbox");
  g_autoptr(EpOutboxStore) store = ep_outbox_store_new (dir);
  g_autofree char *id = add_entry (store, EP_OUTBOX_STATE_QUEUED, 1000);
  const char *args[] = { "hold", dir, id, "0", NULL };
  g_autoptr(GSubprocess) helper = spawn_helper (args);
  g_autoptr(GDataInputStream) lines = g_data_input_stream_new (g_subprocess_get_stdout_pipe (helper));
  g_autoptr(EpOutboxClaim) second = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *line = read_helper_line (lines);

  g_assert_cmpstr (line, ==, "claimed");
  g_subprocess_force_exit (helper);
  g_assert_true (g_subprocess_wait (helper, NULL, NULL));
  second = ep_outbox_store_claim (store, id, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (ep_outbox_claim_get_entry (second)->attempts->len, ==, 1);
  g_clear_pointer (&second, ep_outbox_claim_free);
  g_assert_finalize_object (g_steal_pointer (&store));
}

/* Counts each id a helper says it claimed; returns how many it claimed. */
static guint
count_claims (GHashTable *counts,
              const char *output)
{
  g_auto(GStrv) lines = g_strsplit (output, "\n", -1);
  guint claimed = 0;

  for (guint i = 0; lines[i] != NULL; i++)
    {
      guint seen;

      if (lines[i][0] == '\0')
        continue;
      seen = GPOINTER_TO_UINT (g_hash_table_lookup (counts, lines[i]));
      g_hash_table_insert (counts, g_strdup (lines[i]), GUINT_TO_POINTER (seen + 1));
      claimed++;
    }
  return claimed;
}

/* Everything until the end of the stream. */
static char *
read_rest (GInputStream *input)
{
  g_autoptr(GOutputStream) output = g_memory_output_stream_new_resizable ();
  g_autoptr(GError) error = NULL;

  g_output_stream_splice (output, input, G_OUTPUT_STREAM_SPLICE_CLOSE_TARGET, NULL, &error);
  g_assert_no_error (error);
  return g_strndup (g_memory_output_stream_get_data (G_MEMORY_OUTPUT_STREAM (output)),
                    g_memory_output_stream_get_data_size (G_MEMORY_OUTPUT_STREAM (output)));
}

/* Two processes take the same 100 entries in the same order at the same moment: each entry is
 * claimed, and delivered, exactly once. */
static void
test_claim_race (void)
{
  g_autofree char *dir = ep_test_make_dir ("outbox");
  g_autoptr(EpOutboxStore) store = ep_outbox_store_new (dir);
  g_autoptr(GHashTable) ids = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GHashTable) counts = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GPtrArray) entries = NULL;
  g_autoptr(GPtrArray) problems = NULL;
  g_autoptr(GError) error = NULL;
  GSubprocess *helpers[2];
  GDataInputStream *lines[2];
  guint claimed_by[2] = { 0, 0 };
  gint64 start = g_get_monotonic_time ();
  GHashTableIter iter;
  gpointer key, value;

  for (guint i = 0; i < RACE_ENTRIES; i++)
    g_hash_table_add (ids, add_entry (store, EP_OUTBOX_STATE_QUEUED, 200));

  for (guint h = 0; h < 2; h++)
    {
      const char *args[] = { "race", dir, NULL };
      g_autofree char *line = NULL;

      helpers[h] = spawn_helper (args);
      lines[h] = g_data_input_stream_new (g_subprocess_get_stdout_pipe (helpers[h]));
      line = read_helper_line (lines[h]);
      g_assert_cmpstr (line, ==, "ready");
    }
  /* Both are waiting on their stdin: go. */
  for (guint h = 0; h < 2; h++)
    g_assert_true (g_output_stream_close (g_subprocess_get_stdin_pipe (helpers[h]), NULL, NULL));
  for (guint h = 0; h < 2; h++)
    {
      g_autofree char *output = read_rest (G_INPUT_STREAM (lines[h]));

      g_assert_true (g_subprocess_wait_check (helpers[h], NULL, &error));
      g_assert_no_error (error);
      claimed_by[h] = count_claims (counts, output);
      g_object_unref (lines[h]);
      g_object_unref (helpers[h]);
    }
  g_test_message ("claims: %u and %u, in %" G_GINT64_FORMAT " ms", claimed_by[0], claimed_by[1],
                  (g_get_monotonic_time () - start) / 1000);

  g_assert_cmpuint (g_hash_table_size (counts), ==, RACE_ENTRIES);
  g_hash_table_iter_init (&iter, counts);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      g_assert_true (g_hash_table_contains (ids, key));
      g_assert_cmpuint (GPOINTER_TO_UINT (value), ==, 1);
    }
  entries = ep_outbox_store_list (store, &problems, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (problems->len, ==, 0);
  g_assert_cmpuint (entries->len, ==, RACE_ENTRIES);
  for (guint i = 0; i < entries->len; i++)
    {
      const EpOutboxEntry *entry = entries->pdata[i];

      g_assert_cmpint (entry->state, ==, EP_OUTBOX_STATE_DELIVERED);
      g_assert_cmpuint (entry->attempts->len, ==, 1);
    }
  g_assert_finalize_object (g_steal_pointer (&store));
}

/* A process killed at each write and sync of an entry, and of a send (claim, the end of data,
 * the outcome): nothing half-written is ever listed, and a message whose end of data may have
 * gone out is never queued again. */
static void
test_crash_at_every_step (void)
{
  g_autofree char *dir = ep_test_make_dir ("outbox");
  g_autoptr(EpOutboxStore) store = ep_outbox_store_new (dir);
  guint add_calls, claim_calls, mark_calls, finish_calls;
  FailPlan plan = { 0 };

  /* The counts, in this process. */
  {
    g_autoptr(EpOutboxClaim) held = NULL;
    g_autofree char *id = NULL;

    ep_atomic_file_set_fail_hook (fail_hook, &plan);
    id = add_entry (store, EP_OUTBOX_STATE_QUEUED, 200 * 1024);
    add_calls = plan.calls;
    plan.calls = 0;
    held = claim (store, id);
    claim_calls = plan.calls;
    plan.calls = 0;
    g_assert_true (ep_outbox_claim_mark_data_sent (held, NULL));
    mark_calls = plan.calls;
    plan.calls = 0;
    set_all_recipients (held, EP_SMTP_RECIPIENT_DELIVERED);
    g_assert_true (finish (held, EP_OUTBOX_STATE_DELIVERED, EP_SMTP_OUTCOME_DELIVERED, "C: .\n", NULL));
    finish_calls = plan.calls;
    ep_atomic_file_set_fail_hook (NULL, NULL);
    g_clear_pointer (&held, ep_outbox_claim_free);
    g_assert_true (ep_outbox_store_delete (store, id, NULL));
    g_test_message ("writes and syncs: %u to add, %u to claim, %u to mark the end of data, "
                    "%u to finish", add_calls, claim_calls, mark_calls, finish_calls);
  }

  for (guint k = 1; k <= add_calls + 1; k++)
    {
      g_autofree char *at = g_strdup_printf ("%u", k);
      const char *args[] = { "crash-add", dir, at, NULL };
      g_autoptr(GSubprocess) helper = spawn_helper (args);
      g_autoptr(GPtrArray) entries = NULL;
      g_autoptr(GPtrArray) problems = NULL;
      g_autoptr(GError) error = NULL;

      g_assert_true (g_subprocess_wait (helper, NULL, &error));
      g_assert_true (g_subprocess_get_if_exited (helper));
      g_assert_cmpint (g_subprocess_get_exit_status (helper), ==, k <= add_calls ? 9 : 0);
      entries = ep_outbox_store_list (store, &problems, &error);
      g_assert_no_error (error);
      g_assert_cmpuint (problems->len, ==, 0);
      g_assert_cmpuint (entries->len, ==, k <= add_calls ? 0 : 1);
      if (entries->len == 1)
        {
          const char *id = ((EpOutboxEntry *) entries->pdata[0])->id;
          g_autoptr(GBytes) expected = ep_test_make_message (200 * 1024);
          g_autofree char *path = ep_outbox_store_dup_message_path (store, id);
          g_autoptr(GBytes) stored = ep_test_read_bytes (path);

          g_assert_true (g_bytes_equal (stored, expected));
          g_assert_true (ep_outbox_store_delete (store, id, NULL));
        }
    }

  for (guint k = 1; k <= claim_calls + mark_calls + finish_calls + 1; k++)
    {
      g_autofree char *id = add_entry (store, EP_OUTBOX_STATE_QUEUED, 100);
      g_autofree char *at = g_strdup_printf ("%u", k);
      const char *args[] = { "crash-send", dir, id, at, NULL };
      g_autoptr(GSubprocess) helper = spawn_helper (args);
      g_autoptr(EpOutboxEntry) entry = NULL;
      g_autoptr(GError) error = NULL;
      EpOutboxState expected;

      g_assert_true (g_subprocess_wait (helper, NULL, &error));
      g_assert_true (g_subprocess_get_if_exited (helper));
      g_assert_cmpint (g_subprocess_get_exit_status (helper), ==,
                       k <= claim_calls + mark_calls + finish_calls ? 9 : 0);
      if (k <= claim_calls + mark_calls)
        expected = EP_OUTBOX_STATE_QUEUED;     /* nothing could have reached the server */
      else if (k <= claim_calls + mark_calls + finish_calls)
        expected = EP_OUTBOX_STATE_UNKNOWN;    /* the mark was on disk, the 250 was not */
      else
        expected = EP_OUTBOX_STATE_DELIVERED;
      entry = load (store, id);
      g_test_message ("crash at %u: %s", k, ep_outbox_state_to_string (entry->state));
      g_assert_cmpint (entry->state, ==, expected);
      g_assert_cmpuint (entry->attempts->len, ==, k <= claim_calls ? 0 : 1);
    }
  g_assert_finalize_object (g_steal_pointer (&store));
}

/* ---- The helper process ---------------------------------------------------------------------- */

static G_NORETURN void
helper_fail (const char *what,
             GError     *error)
{
  g_printerr ("helper: %s: %s\n", what, error != NULL ? error->message : "failed");
  exit (2);
}

static int
crash_hook (const char        *path,
            EpAtomicFileStage  stage,
            guint64            offset,
            gpointer           user_data)
{
  FailPlan *plan = user_data;

  if (++plan->calls == plan->fail_at)
    _exit (9);   /* as sudden as a kill: no cleanup, no flush */
  return 0;
}

/* Modes:
 *   hold DIR ID MARK    claim ID (and mark the end of data when MARK is 1), say "claimed",
 *                       then wait to be killed (at most HELPER_HOLD_SECONDS)
 *   race DIR            say "ready", wait for stdin to close, then claim and deliver every due
 *                       entry it can, saying the id of each one it claimed
 *   crash-add DIR K     add an entry, ending the process at the K-th write or sync
 *   crash-send DIR ID K claim, mark and deliver ID, ending the process at the K-th write or sync */
static int
helper_main (int   argc,
             char *argv[])
{
  g_autoptr(EpOutboxStore) store = NULL;
  g_autoptr(GError) error = NULL;
  const char *mode = argv[2];
  FailPlan plan = { 0 };

  if (argc < 4)
    helper_fail ("usage", NULL);
  store = ep_outbox_store_new (argv[3]);

  if (strcmp (mode, "hold") == 0 && argc == 6)
    {
      g_autoptr(EpOutboxClaim) held = ep_outbox_store_claim (store, argv[4], NULL, &error);

      if (held == NULL)
        helper_fail ("claim", error);
      if (strcmp (argv[5], "1") == 0 && !ep_outbox_claim_mark_data_sent (held, &error))
        helper_fail ("mark", error);
      GPollFD input = { STDIN_FILENO, G_IO_IN | G_IO_HUP, 0 };

      printf ("claimed\n");
      fflush (stdout);
      /* Until killed; or until the test's end of the pipe closes, should the test itself end. */
      g_poll (&input, 1, HELPER_HOLD_SECONDS * 1000);
      return 3;
    }
  if (strcmp (mode, "race") == 0)
    {
      g_autoptr(GPtrArray) due = NULL;
      char buffer[16];

      printf ("ready\n");
      fflush (stdout);
      while (read (STDIN_FILENO, buffer, sizeof buffer) > 0)
        ;
      due = ep_outbox_store_list_due (store, NULL, NULL, &error);
      if (due == NULL)
        helper_fail ("list", error);
      for (guint i = 0; i < due->len; i++)
        {
          const char *id = ((EpOutboxEntry *) due->pdata[i])->id;
          g_autoptr(EpOutboxClaim) held = ep_outbox_store_claim (store, id, NULL, &error);

          if (held == NULL)
            {
              if (!g_error_matches (error, EP_STORE_ERROR, EP_STORE_ERROR_BUSY) &&
                  !g_error_matches (error, EP_STORE_ERROR, EP_STORE_ERROR_WRONG_STATE))
                helper_fail ("claim", error);
              g_clear_error (&error);
              continue;
            }
          printf ("%s\n", id);
          fflush (stdout);
          if (!ep_outbox_claim_mark_data_sent (held, &error))
            helper_fail ("mark", error);
          set_all_recipients (held, EP_SMTP_RECIPIENT_DELIVERED);
          if (!finish (held, EP_OUTBOX_STATE_DELIVERED, EP_SMTP_OUTCOME_DELIVERED, NULL, &error))
            helper_fail ("finish", error);
        }
      return 0;
    }
  if (strcmp (mode, "crash-add") == 0 && argc == 5)
    {
      g_autofree char *id = NULL;

      plan.fail_at = atoi (argv[4]);
      ep_atomic_file_set_fail_hook (crash_hook, &plan);
      id = add_entry (store, EP_OUTBOX_STATE_QUEUED, 200 * 1024);
      return 0;
    }
  if (strcmp (mode, "crash-send") == 0 && argc == 6)
    {
      plan.fail_at = atoi (argv[5]);
      ep_atomic_file_set_fail_hook (crash_hook, &plan);
      deliver (store, argv[4]);
      return 0;
    }
  helper_fail ("unknown mode", NULL);
}

/* An entry the server is to hold keeps its hold-until time through meta.ini (format 2, so that
 * an older Epistle does not send it early), a copy and an attempt; dropping the hold makes it an
 * ordinary (format 1) entry again; a damaged time is a damaged entry; entries without it load. */
static void
test_hold_until (void)
{
  g_autofree char *dir = ep_test_make_dir ("outbox");
  g_autoptr(EpOutboxStore) store = ep_outbox_store_new (dir);
  g_autoptr(EpOutboxEntry) entry = make_entry (EP_OUTBOX_STATE_QUEUED);
  g_autoptr(EpOutboxEntry) loaded = NULL;
  g_autoptr(EpOutboxEntry) copy = NULL;
  g_autoptr(GInputStream) input = g_memory_input_stream_new_from_data ("x\r\n", 3, NULL);
  g_autoptr(GDateTime) hold = g_date_time_new_utc (2031, 3, 4, 15, 0, 0);
  g_autoptr(EpOutboxClaim) held = NULL;
  g_autoptr(EpOutboxAttempt) attempt = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *plain = add_entry (store, EP_OUTBOX_STATE_QUEUED, 10);
  g_autofree char *meta = NULL;
  g_autofree char *other = NULL;

  entry->hold_until = g_date_time_ref (hold);
  g_assert_true (ep_outbox_store_add (store, entry, input, 3, NULL, &error));
  g_assert_no_error (error);
  meta = read_meta (store, entry->id);
  g_assert_nonnull (strstr (meta, "format=2\n"));
  g_assert_nonnull (strstr (meta, "hold-until=2031-03-04T15:00:00Z\n"));
  loaded = ep_outbox_store_load (store, entry->id, &error);
  g_assert_no_error (error);
  g_assert_nonnull (loaded->hold_until);
  g_assert_true (g_date_time_equal (loaded->hold_until, hold));
  /* Due now: the server holds it, not the outbox. */
  g_assert_true (ep_outbox_entry_is_due (loaded, NULL));
  copy = ep_outbox_entry_copy (loaded);
  g_assert_true (g_date_time_equal (copy->hold_until, hold));

  /* Without one: as before, format 1. */
  g_clear_pointer (&meta, g_free);
  meta = read_meta (store, plain);
  g_assert_nonnull (strstr (meta, "format=1\n"));
  g_assert_null (strstr (meta, "hold-until"));
  g_clear_pointer (&loaded, ep_outbox_entry_free);
  loaded = ep_outbox_store_load (store, plain, &error);
  g_assert_no_error (error);
  g_assert_null (loaded->hold_until);

  /* An attempt that does not drop it keeps it. */
  held = claim (store, entry->id);
  g_assert_true (finish (held, EP_OUTBOX_STATE_QUEUED, EP_SMTP_OUTCOME_TEMPORARY, NULL, &error));
  g_assert_no_error (error);
  g_clear_pointer (&held, ep_outbox_claim_free);
  g_clear_pointer (&loaded, ep_outbox_entry_free);
  loaded = ep_outbox_store_load (store, entry->id, &error);
  g_assert_true (g_date_time_equal (loaded->hold_until, hold));

  /* The server would not hold it: an ordinary entry for that time. */
  held = claim (store, entry->id);
  ep_outbox_claim_drop_hold (held);
  attempt = ep_outbox_attempt_new (NULL, EP_SMTP_OUTCOME_REFUSED, "no");
  g_assert_true (ep_outbox_claim_finish (held, EP_OUTBOX_STATE_QUEUED, hold, attempt, NULL,
                                         "not held", &error));
  g_assert_no_error (error);
  g_clear_pointer (&held, ep_outbox_claim_free);
  g_clear_pointer (&loaded, ep_outbox_entry_free);
  loaded = ep_outbox_store_load (store, entry->id, &error);
  g_assert_no_error (error);
  g_assert_null (loaded->hold_until);
  g_assert_true (g_date_time_equal (loaded->not_before, hold));
  g_assert_cmpint (loaded->state, ==, EP_OUTBOX_STATE_QUEUED);
  g_assert_false (ep_outbox_entry_is_due (loaded, NULL));
  g_clear_pointer (&meta, g_free);
  meta = read_meta (store, entry->id);
  g_assert_nonnull (strstr (meta, "format=1\n"));
  g_assert_null (strstr (meta, "hold-until"));

  /* Rescheduled by the person: Epistle holds it until then, the server is no longer asked to. */
  {
    g_autoptr(EpOutboxEntry) second = make_entry (EP_OUTBOX_STATE_QUEUED);
    g_autoptr(GInputStream) input2 = g_memory_input_stream_new_from_data ("y\r\n", 3, NULL);
    g_autoptr(GDateTime) earlier = g_date_time_add_days (hold, -1);
    g_autoptr(EpOutboxEntry) rescheduled = NULL;

    second->hold_until = g_date_time_ref (hold);
    g_assert_true (ep_outbox_store_add (store, second, input2, 3, NULL, &error));
    g_assert_no_error (error);
    g_assert_true (ep_outbox_store_hold (store, second->id, earlier, &error));
    g_assert_no_error (error);
    rescheduled = ep_outbox_store_load (store, second->id, &error);
    g_assert_no_error (error);
    g_assert_cmpint (rescheduled->state, ==, EP_OUTBOX_STATE_HELD);
    g_assert_null (rescheduled->hold_until);
    g_assert_true (g_date_time_equal (rescheduled->not_before, earlier));
  }

  /* A time that is not one: damaged, never sent without it. */
  other = add_entry (store, EP_OUTBOX_STATE_QUEUED, 10);
  edit_meta (store, other, "format=1\n", "format=2\nhold-until=at three\n");
  g_clear_pointer (&loaded, ep_outbox_entry_free);
  loaded = ep_outbox_store_load (store, other, &error);
  g_assert_null (loaded);
  g_assert_error (error, EP_STORE_ERROR, EP_STORE_ERROR_CORRUPT);
}

/* Delivery options: written as format 3 with their keys and read back; a value this version
 * does not know makes the entry damaged (never sent without what was asked for); an entry of
 * format 1 has none. */
static void
test_delivery_request (void)
{
  g_autofree char *dir = ep_test_make_dir ("outbox");
  g_autoptr(EpOutboxStore) store = ep_outbox_store_new (dir);
  g_autoptr(EpOutboxEntry) entry = make_entry (EP_OUTBOX_STATE_QUEUED);
  g_autoptr(EpOutboxEntry) loaded = NULL;
  g_autoptr(EpOutboxEntry) copy = NULL;
  g_autoptr(GInputStream) input = g_memory_input_stream_new_from_data ("x\r\n", 3, NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *plain = add_entry (store, EP_OUTBOX_STATE_QUEUED, 10);
  g_autofree char *meta = NULL;
  g_autofree char *other = NULL;

  entry->request.dsn_notify = EP_SMTP_DSN_NEVER;
  entry->request.require_tls = EP_SMTP_REQUIRE_TLS_ON;
  entry->dsn_envid = g_strdup ("<id@example.org>");
  g_assert_true (ep_outbox_store_add (store, entry, input, 3, NULL, &error));
  g_assert_no_error (error);
  meta = read_meta (store, entry->id);
  g_assert_nonnull (strstr (meta, "format=3\n"));
  g_assert_nonnull (strstr (meta, "dsn-notify=NEVER\n"));
  g_assert_nonnull (strstr (meta, "require-tls=on\n"));
  loaded = ep_outbox_store_load (store, entry->id, &error);
  g_assert_no_error (error);
  g_assert_cmpint (loaded->request.dsn_notify, ==, EP_SMTP_DSN_NEVER);
  g_assert_cmpint (loaded->request.require_tls, ==, EP_SMTP_REQUIRE_TLS_ON);
  g_assert_cmpstr (loaded->dsn_envid, ==, "<id@example.org>");
  copy = ep_outbox_entry_copy (loaded);
  g_assert_cmpint (copy->request.require_tls, ==, EP_SMTP_REQUIRE_TLS_ON);
  g_assert_cmpstr (copy->dsn_envid, ==, "<id@example.org>");

  g_clear_pointer (&loaded, ep_outbox_entry_free);
  loaded = ep_outbox_store_load (store, plain, &error);
  g_assert_no_error (error);
  g_assert_cmpint (loaded->request.dsn_notify, ==, EP_SMTP_DSN_NONE);
  g_assert_cmpint (loaded->request.require_tls, ==, EP_SMTP_REQUIRE_TLS_OFF);

  other = add_entry (store, EP_OUTBOX_STATE_QUEUED, 10);
  edit_meta (store, other, "format=1\n", "format=3\nrequire-tls=maybe\n");
  g_clear_pointer (&loaded, ep_outbox_entry_free);
  loaded = ep_outbox_store_load (store, other, &error);
  g_assert_null (loaded);
  g_assert_error (error, EP_STORE_ERROR, EP_STORE_ERROR_CORRUPT);
}

/* Bytes that need 8BITMIME: written as format 4 (an older Epistle would send them to a server
 * without it), kept through a claim and its outcome, read back; a marker this version cannot
 * read makes the entry damaged rather than sent as if it needed nothing. */
static void
test_needs_8bitmime (void)
{
  g_autofree char *dir = ep_test_make_dir ("outbox");
  g_autoptr(EpOutboxStore) store = ep_outbox_store_new (dir);
  g_autoptr(EpOutboxEntry) entry = make_entry (EP_OUTBOX_STATE_QUEUED);
  g_autoptr(EpOutboxEntry) loaded = NULL;
  g_autoptr(EpOutboxEntry) copy = NULL;
  g_autoptr(GInputStream) input = g_memory_input_stream_new_from_data ("\xc3\xbc\r\n", 4, NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *plain = add_entry (store, EP_OUTBOX_STATE_QUEUED, 10);
  g_autofree char *meta = NULL;
  g_autofree char *other = NULL;

  entry->needs_8bitmime = TRUE;
  g_assert_true (ep_outbox_store_add (store, entry, input, 4, NULL, &error));
  g_assert_no_error (error);
  meta = read_meta (store, entry->id);
  g_assert_nonnull (strstr (meta, "format=4\n"));
  g_assert_nonnull (strstr (meta, "needs-8bitmime=true\n"));
  loaded = load (store, entry->id);
  g_assert_true (loaded->needs_8bitmime);
  copy = ep_outbox_entry_copy (loaded);
  g_assert_true (copy->needs_8bitmime);
  {
    g_autoptr(EpOutboxClaim) held = claim (store, entry->id);

    g_assert_true (ep_outbox_claim_get_entry (held)->needs_8bitmime);
    g_assert_true (finish (held, EP_OUTBOX_STATE_FAILED, EP_SMTP_OUTCOME_REFUSED, NULL, &error));
    g_assert_no_error (error);
  }
  g_clear_pointer (&loaded, ep_outbox_entry_free);
  loaded = load (store, entry->id);
  g_assert_cmpint (loaded->state, ==, EP_OUTBOX_STATE_FAILED);
  g_assert_true (loaded->needs_8bitmime);

  /* Without it: as before, format 1 and no key. */
  g_clear_pointer (&loaded, ep_outbox_entry_free);
  loaded = load (store, plain);
  g_assert_false (loaded->needs_8bitmime);
  g_clear_pointer (&meta, g_free);
  meta = read_meta (store, plain);
  g_assert_nonnull (strstr (meta, "format=1\n"));
  g_assert_null (strstr (meta, "needs-8bitmime"));

  other = add_entry (store, EP_OUTBOX_STATE_QUEUED, 10);
  edit_meta (store, other, "format=1\n", "format=4\nneeds-8bitmime=maybe\n");
  g_clear_pointer (&loaded, ep_outbox_entry_free);
  loaded = ep_outbox_store_load (store, other, &error);
  g_assert_null (loaded);
  g_assert_error (error, EP_STORE_ERROR, EP_STORE_ERROR_CORRUPT);
}

int
main (int   argc,
      char *argv[])
{
  if (argc >= 3 && strcmp (argv[1], "--outbox-helper") == 0)
    return helper_main (argc, argv);

  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/store/outbox/round-trip", test_round_trip);
  g_test_add_func ("/store/outbox/subject-and-from", test_subject_and_from);
  g_test_add_func ("/store/outbox/hold-until", test_hold_until);
  g_test_add_func ("/store/outbox/delivery-request", test_delivery_request);
  g_test_add_func ("/store/outbox/needs-8bitmime", test_needs_8bitmime);
  g_test_add_func ("/store/outbox/claim-release", test_claim_release);
  g_test_add_func ("/store/outbox/claim-delete", test_claim_delete);
  g_test_add_func ("/store/outbox/writer-streaming", test_writer_streaming);
  g_test_add_func ("/store/outbox/abandoned-writer", test_abandoned_writer);
  g_test_add_func ("/store/outbox/invalid-entries", test_invalid_entries);
  g_test_add_func ("/store/outbox/unknown-content-kept", test_unknown_content_kept);
  g_test_add_func ("/store/outbox/transition-table", test_transition_table);
  g_test_add_func ("/store/outbox/changes-by-state", test_changes_by_state);
  g_test_add_func ("/store/outbox/finish-by-state", test_finish_by_state);
  g_test_add_func ("/store/outbox/recipients-and-time", test_recipients_and_time);
  g_test_add_func ("/store/outbox/attempt-history", test_attempt_history);
  g_test_add_func ("/store/outbox/claim-released-unfinished", test_claim_released_unfinished);
  g_test_add_func ("/store/outbox/damaged-entries", test_damaged_entries);
  g_test_add_func ("/store/outbox/enospc-add", test_enospc_add);
  g_test_add_func ("/store/outbox/free-space-check", test_free_space_check);
  g_test_add_func ("/store/outbox/enospc-changes", test_enospc_changes);
  g_test_add_func ("/store/outbox/enospc-after-delivery", test_enospc_after_delivery);
  g_test_add_func ("/store/outbox/claim-killed-before-data-end", test_claim_killed_before_data_end);
  g_test_add_func ("/store/outbox/claim-killed-after-data-end", test_claim_killed_after_data_end);
  g_test_add_func ("/store/outbox/claim-recovers-abandoned", test_claim_recovers_abandoned);
  g_test_add_func ("/store/outbox/claim-race", test_claim_race);
  g_test_add_func ("/store/outbox/crash-at-every-step", test_crash_at_every_step);

  return g_test_run ();
}
