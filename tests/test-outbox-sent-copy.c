/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-outbox-sent-copy.c: an outbox delivery through a real Postfix with the copy in the
 * server's Sent folder on a real Dovecot (both on 127.0.0.1, started by test-imap-dovecot.sh):
 * the Sent store's bytes read back from Dovecot's Maildir byte for byte, flagged \Seen; no copy
 * with the option that skips it; an upload that fails leaves the delivery delivered (never sent
 * again) with the IMAP error on its own. */
#include "config.h"

#include <string.h>

#include "ep-connection-test.h"
#include "ep-imap-client.h"
#include "ep-outbox-delivery.h"
#include "ep-sent-copy-status.h"
#include "ep-sent-store.h"
#include "ep-smtp-tls-info.h"
#include "ep-store-error.h"
#include "ep-test-util.h"

#define MESSAGE_FMT "From: Tester <tester@epistle.test>\r\n"           \
                    "To: Someone <someone@example.org>\r\n"           \
                    "Subject: Outbox copy %s\r\n"                      \
                    "Message-ID: <%s@epistle.test>\r\n"                 \
                    "Date: Mon, 07 Dec 2026 03:05:32 +0000\r\n"        \
                    "MIME-Version: 1.0\r\n"                            \
                    "Content-Type: text/plain; charset=utf-8\r\n"     \
                    "Content-Transfer-Encoding: 8bit\r\n"             \
                    "\r\n"                                             \
                    "Gr\xc3\xbc\xc3\x9f""e.\r\n.\r\n..two dots\r\n"

static const char *
env (const char *name)
{
  const char *value = g_getenv (name);

  if (value == NULL || *value == '\0')
    g_error ("%s is not set: run this through test-imap-dovecot.sh", name);
  return value;
}

static guint16
env_port (const char *name)
{
  return (guint16) g_ascii_strtoull (env (name), NULL, 10);
}

static char *
server_pin (void)
{
  g_autofree char *path = g_build_filename (env ("MAILSERVER_DIR"), "tls", "server.pem", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GTlsCertificate) certificate = g_tls_certificate_new_from_file (path, &error);

  g_assert_no_error (error);
  return ep_smtp_certificate_sha256 (certificate);
}

/* The local Postfix (submission, STARTTLS) and Dovecot (IMAPS), their certificate trusted. */
static EpProfile *
make_profile (void)
{
  g_autofree char *pin = server_pin ();
  EpProfile *profile = ep_profile_new ("Local");

  ep_profile_set_sender_address (profile, "tester@epistle.test");
  ep_profile_set_host (profile, "127.0.0.1");
  ep_profile_set_port (profile, env_port ("SUBMISSION_PORT"));
  ep_profile_set_security (profile, EP_SMTP_SECURITY_STARTTLS);
  ep_profile_set_username (profile, env ("SASL_USER"));
  ep_profile_set_pinned_sha256 (profile, pin);
  ep_profile_set_timeout (profile, 20);
  ep_profile_set_sent_copy (profile, TRUE);
  ep_profile_set_imap_host (profile, "127.0.0.1");
  ep_profile_set_imap_port (profile, env_port ("IMAPS_PORT"));
  ep_profile_set_imap_security (profile, EP_SMTP_SECURITY_TLS);
  ep_profile_set_imap_pinned_sha256 (profile, pin);
  return profile;
}

/* The files of a Maildir folder (cur/ and new/), by path. */
static GPtrArray *
maildir_files (const char *folder)
{
  GPtrArray *files = g_ptr_array_new_with_free_func (g_free);
  const char * const subdirs[] = { "cur", "new" };

  for (guint i = 0; i < G_N_ELEMENTS (subdirs); i++)
    {
      g_autofree char *path = g_build_filename (folder, subdirs[i], NULL);
      g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
      const char *name;

      while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
        g_ptr_array_add (files, g_build_filename (path, name, NULL));
    }
  return files;
}

static GPtrArray *
sent_files (void)
{
  g_autofree char *folder = g_build_filename (env ("IMAP_MAILDIR"), ".Sent", NULL);

  return maildir_files (folder);
}

/* The one file of @after that is not in @before. */
static char *
new_file (GPtrArray *before,
          GPtrArray *after)
{
  g_assert_cmpuint (after->len, ==, before->len + 1);
  for (guint i = 0; i < after->len; i++)
    {
      gboolean known = FALSE;

      for (guint k = 0; k < before->len; k++)
        known |= g_str_equal (g_ptr_array_index (after, i), g_ptr_array_index (before, k));
      if (!known)
        return g_strdup (g_ptr_array_index (after, i));
    }
  g_assert_not_reached ();
}

typedef struct {
  char          *dir;
  char          *sent_dir;
  EpOutboxStore *store;
  EpProfile     *profile;
  char          *message;
} Fixture;

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autofree char *id = g_strdup_printf ("%s.%" G_GINT64_FORMAT, (const char *) data, g_get_real_time ());
  g_autofree char *outbox_dir = NULL;

  f->dir = ep_test_make_dir ("sent-copy");
  outbox_dir = g_build_filename (f->dir, "outbox", NULL);
  f->sent_dir = g_build_filename (f->dir, "sent", NULL);
  f->store = ep_outbox_store_new (outbox_dir);
  f->profile = make_profile ();
  f->message = g_strdup_printf (MESSAGE_FMT, (const char *) data, id);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  g_free (f->message);
  g_clear_object (&f->profile);
  g_clear_object (&f->store);
  g_free (f->sent_dir);
  g_free (f->dir);
}

static EpOutboxDeliveryReport *
add_and_deliver_with (Fixture    *f,
                      gboolean    no_sent_copy,
                      const char *imap_secret)
{
  const char *recipients[] = { "someone@example.org", NULL };
  g_autoptr(EpOutboxEntry) entry = ep_outbox_entry_new ("tester@epistle.test", recipients);
  g_autoptr(GInputStream) stream = g_memory_input_stream_new_from_data (f->message, strlen (f->message), NULL);
  g_autoptr(GError) error = NULL;
  EpOutboxDeliveryOptions options = {
    .sent_dir = f->sent_dir,
    .secret = env ("SASL_PASSWORD"),
    .imap_secret = imap_secret,
    .no_sent_copy = no_sent_copy,
  };
  EpOutboxDeliveryReport *report;

  entry->profile_id = g_strdup (ep_profile_get_id (f->profile));
  entry->state = EP_OUTBOX_STATE_QUEUED;
  g_assert_true (ep_outbox_store_add (f->store, entry, stream, strlen (f->message), NULL, &error));
  g_assert_no_error (error);
  report = ep_outbox_deliver_sync (f->store, entry->id, f->profile, &options, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (report);
  g_assert_no_error (report->error);
  g_assert_no_error (report->sent_error);
  g_assert_cmpint (report->state, ==, EP_OUTBOX_STATE_DELIVERED);
  g_assert_nonnull (report->sent_id);
  return report;
}

static EpOutboxDeliveryReport *
add_and_deliver (Fixture  *f,
                 gboolean  no_sent_copy)
{
  return add_and_deliver_with (f, no_sent_copy, NULL);
}

static char *
sent_store_bytes (Fixture                *f,
                  EpOutboxDeliveryReport *report,
                  gsize                  *len)
{
  g_autoptr(EpSentStore) sent = ep_sent_store_new (f->sent_dir);
  g_autofree char *path = ep_sent_store_dup_message_path (sent, report->sent_id);
  char *contents = NULL;

  g_assert_true (g_file_get_contents (path, &contents, len, NULL));
  return contents;
}

/* Delivered, then the Sent store's exact bytes in Dovecot's Sent folder, \Seen. */
static void
test_copied (Fixture       *f,
             gconstpointer  data)
{
  g_autoptr(GPtrArray) before = sent_files ();
  g_autoptr(GPtrArray) after = NULL;
  g_autoptr(EpOutboxDeliveryReport) report = NULL;
  g_autofree char *stored = NULL;
  g_autofree char *contents = NULL;
  g_autofree char *expected = NULL;
  gsize len = 0;
  gsize expected_len = 0;

  report = add_and_deliver (f, FALSE);
  g_assert_no_error (report->copy_error);
  g_assert_true (report->copy_tried);
  g_assert_true (report->copy_uploaded);
  g_assert_cmpstr (report->copy_mailbox, ==, "Sent");

  after = sent_files ();
  stored = new_file (before, after);
  expected = sent_store_bytes (f, report, &expected_len);
  g_assert_true (g_file_get_contents (stored, &contents, &len, NULL));
  g_assert_cmpmem (contents, len, expected, expected_len);
  g_assert_true (g_str_has_suffix (stored, ",S"));
}

/* epistle-send --no-sent-copy, in the engine's words: delivered, nothing uploaded. */
static void
test_skipped (Fixture       *f,
              gconstpointer  data)
{
  g_autoptr(GPtrArray) before = sent_files ();
  g_autoptr(GPtrArray) after = NULL;
  g_autoptr(EpOutboxDeliveryReport) report = add_and_deliver (f, TRUE);

  g_assert_false (report->copy_tried);
  g_assert_false (report->copy_uploaded);
  g_assert_no_error (report->copy_error);
  after = sent_files ();
  g_assert_cmpuint (after->len, ==, before->len);
}

static GDateTime *
in_an_hour (gpointer data)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();

  return g_date_time_add_hours (now, 1);
}

static EpSentCopyStatus *
load_status (Fixture    *f,
             const char *sent_id)
{
  g_autofree char *entry_dir = g_build_filename (f->sent_dir, sent_id, NULL);
  g_autoptr(GError) error = NULL;
  EpSentCopyStatus *status = ep_sent_copy_status_load (entry_dir, &error);

  g_assert_no_error (error);
  g_assert_nonnull (status);
  return status;
}

/* Messages in Postfix's inbox with @subject (Postfix delivers a moment after it accepted). */
static guint
inbox_count (const char *subject)
{
  g_autofree char *folder = g_build_filename (env ("MAILSERVER_DIR"), "mail", "inbox", NULL);
  g_autofree char *needle = g_strdup_printf ("\r\nSubject: Outbox copy %s\r\n", subject);
  g_autofree char *needle_lf = g_strdup_printf ("\nSubject: Outbox copy %s\n", subject);
  guint count = 0;

  for (guint tries = 0; tries < 50 && count == 0; tries++)
    {
      g_autoptr(GPtrArray) files = maildir_files (folder);

      for (guint i = 0; i < files->len; i++)
        {
          g_autofree char *contents = NULL;

          if (g_file_get_contents (files->pdata[i], &contents, NULL, NULL) &&
              (strstr (contents, needle) != NULL || strstr (contents, needle_lf) != NULL))
            count++;
        }
      if (count == 0)
        g_usleep (100000);
    }
  return count;
}

/* A mailbox whose IMAP account is not the submission account: the copy signs in with the IMAP
 * password of its own (never the SMTP one) and lands in that account's Sent folder, byte for
 * byte; the submission account's Sent folder gets nothing. */
static void
test_own_imap_password (Fixture       *f,
                        gconstpointer  data)
{
  g_autofree char *other_sent = g_build_filename (env ("IMAP_OTHER_MAILDIR"), ".Sent", NULL);
  g_autoptr(GPtrArray) before = sent_files ();
  g_autoptr(GPtrArray) other_before = maildir_files (other_sent);
  g_autoptr(GPtrArray) after = NULL;
  g_autoptr(GPtrArray) other_after = NULL;
  g_autoptr(EpOutboxDeliveryReport) report = NULL;
  g_autoptr(EpOutboxDeliveryReport) refused = NULL;
  g_autofree char *path = NULL;
  g_autofree char *stored = NULL;
  g_autofree char *expected = NULL;
  gsize stored_len = 0, expected_len = 0;

  ep_profile_set_imap_username (f->profile, env ("IMAP_OTHER_USER"));
  ep_profile_set_imap_own_password (f->profile, TRUE);
  report = add_and_deliver_with (f, FALSE, env ("IMAP_OTHER_PASSWORD"));
  g_assert_no_error (report->copy_error);
  g_assert_true (report->copy_uploaded);
  after = sent_files ();
  g_assert_cmpuint (after->len, ==, before->len);
  other_after = maildir_files (other_sent);
  path = new_file (other_before, other_after);
  g_assert_true (g_file_get_contents (path, &stored, &stored_len, NULL));
  expected = sent_store_bytes (f, report, &expected_len);
  g_assert_cmpmem (stored, stored_len, expected, expected_len);

  /* The SMTP password is not the IMAP account's: with it the copy is refused. */
  g_free (f->message);
  f->message = g_strdup_printf (MESSAGE_FMT, "own-refused", "own-refused");
  refused = add_and_deliver_with (f, FALSE, env ("SASL_PASSWORD"));
  g_assert_error (refused->copy_error, EP_IMAP_ERROR, EP_IMAP_ERROR_AUTH_FAILED);

  /* None given and none saved (no keyring here): not tried, and waiting on the backoff for the
   * person to save it, rather than failed for good. */
  {
    g_autoptr(EpOutboxDeliveryReport) missing = NULL;
    g_autoptr(EpSentCopyStatus) status = NULL;

    g_free (f->message);
    f->message = g_strdup_printf (MESSAGE_FMT, "own-missing", "own-missing");
    missing = add_and_deliver_with (f, FALSE, NULL);
    g_assert_error (missing->copy_error, EP_IMAP_ERROR, EP_IMAP_ERROR_AUTH_FAILED);
    g_assert_true (g_str_has_prefix (missing->copy_error->message, "No IMAP password is saved"));
    status = load_status (f, missing->sent_id);
    g_assert_cmpint (status->state, ==, EP_SENT_COPY_PENDING);
    g_assert_nonnull (status->next_attempt);
  }
}

/* The IMAP server cannot be reached: the delivery stands (delivered, in the Sent store, gone
 * from the outbox), the copy's failure is reported on its own, as worth a retry. */
static void
test_upload_fails (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(GPtrArray) before = sent_files ();
  g_autoptr(GPtrArray) after = NULL;
  g_autoptr(EpOutboxDeliveryReport) report = NULL;
  g_autoptr(GPtrArray) left = NULL;

  ep_profile_set_imap_port (f->profile, ep_test_closed_port ());
  report = add_and_deliver (f, FALSE);
  g_assert_true (report->copy_tried);
  g_assert_false (report->copy_uploaded);
  g_assert_error (report->copy_error, EP_IMAP_ERROR, EP_IMAP_ERROR_CONNECT);
  g_assert_true (ep_imap_error_is_temporary (report->copy_error));
  after = sent_files ();
  g_assert_cmpuint (after->len, ==, before->len);
  left = ep_outbox_store_list (f->store, NULL, NULL);
  g_assert_nonnull (left);
  g_assert_cmpuint (left->len, ==, 0);
  g_assert_nonnull (report->copy_next_attempt);

  /* Kept with the Sent entry, to be tried again on the outbox's backoff. */
  {
    g_autoptr(EpSentCopyStatus) status = load_status (f, report->sent_id);
    g_autoptr(GPtrArray) due_now = ep_outbox_list_sent_copies_due (f->sent_dir, NULL);
    g_autoptr(GDateTime) later = in_an_hour (NULL);
    g_autoptr(GPtrArray) due_later = ep_outbox_list_sent_copies_due (f->sent_dir, later);
    g_autoptr(GDateTime) next = ep_outbox_next_sent_copy_time (f->sent_dir);

    g_assert_cmpint (status->state, ==, EP_SENT_COPY_PENDING);
    g_assert_cmpuint (status->attempts, ==, 1);
    g_assert_nonnull (status->last_error);
    g_assert_nonnull (next);
    g_assert_true (g_date_time_equal (next, status->next_attempt));
    g_assert_cmpuint (due_later->len, ==, 1);
    g_assert_cmpstr (((EpSentInfo *) due_later->pdata[0])->id, ==, report->sent_id);
    (void) due_now;
  }
}

/* The retry once the IMAP server is back: the copy made from the Sent store's bytes, exactly
 * once, and the message not sent again. */
static void
test_upload_retried (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(GPtrArray) before = sent_files ();
  g_autoptr(GPtrArray) after = NULL;
  g_autoptr(EpOutboxDeliveryReport) report = NULL;
  g_autoptr(EpSentCopyStatus) status = NULL;
  g_autoptr(EpSentCopyStatus) again = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *stored = NULL;
  g_autofree char *contents = NULL;
  g_autofree char *expected = NULL;
  gsize len = 0;
  gsize expected_len = 0;
  EpOutboxDeliveryOptions options = {
    .sent_dir = f->sent_dir,
    .secret = env ("SASL_PASSWORD"),
    .now = in_an_hour,
  };

  ep_profile_set_imap_port (f->profile, ep_test_closed_port ());
  report = add_and_deliver (f, FALSE);
  g_assert_error (report->copy_error, EP_IMAP_ERROR, EP_IMAP_ERROR_CONNECT);

  /* Not due yet at the real time: nothing tried, nothing counted. */
  ep_profile_set_imap_port (f->profile, env_port ("IMAPS_PORT"));
  ep_profile_set_imap_pinned_sha256 (f->profile, ep_profile_get_pinned_sha256 (f->profile));
  options.now = NULL;
  g_assert_null (ep_outbox_retry_sent_copy_sync (report->sent_id, f->profile, &options, NULL, &error));
  g_assert_error (error, EP_STORE_ERROR, EP_STORE_ERROR_NOT_FOUND);
  g_clear_error (&error);

  options.now = in_an_hour;
  /* Another uploader at work (its lock held): left to it, nothing tried, nothing counted. */
  {
    g_autofree char *entry_dir = g_build_filename (f->sent_dir, report->sent_id, NULL);
    g_autoptr(EpSentCopyStatus) untouched = NULL;
    g_autoptr(GPtrArray) meanwhile = NULL;
    int held = ep_sent_copy_lock (entry_dir, &error);

    g_assert_no_error (error);
    g_assert_cmpint (held, >=, 0);
    g_assert_null (ep_outbox_retry_sent_copy_sync (report->sent_id, f->profile, &options, NULL, &error));
    g_assert_error (error, EP_STORE_ERROR, EP_STORE_ERROR_BUSY);
    g_clear_error (&error);
    ep_sent_copy_unlock (held);
    untouched = load_status (f, report->sent_id);
    meanwhile = sent_files ();
    g_assert_cmpuint (untouched->attempts, ==, 1);
    g_assert_cmpuint (meanwhile->len, ==, before->len);
  }
  status = ep_outbox_retry_sent_copy_sync (report->sent_id, f->profile, &options, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (status);
  g_assert_cmpint (status->state, ==, EP_SENT_COPY_DONE);
  g_assert_cmpuint (status->attempts, ==, 2);
  g_assert_cmpstr (status->mailbox, ==, "Sent");
  again = load_status (f, report->sent_id);
  g_assert_cmpint (again->state, ==, EP_SENT_COPY_DONE);

  after = sent_files ();
  stored = new_file (before, after);
  expected = sent_store_bytes (f, report, &expected_len);
  g_assert_true (g_file_get_contents (stored, &contents, &len, NULL));
  g_assert_cmpmem (contents, len, expected, expected_len);
  g_assert_cmpuint (inbox_count ("retried"), ==, 1);

  /* Done: not tried again. */
  g_assert_null (ep_outbox_retry_sent_copy_sync (report->sent_id, f->profile, &options, NULL, &error));
  g_assert_error (error, EP_STORE_ERROR, EP_STORE_ERROR_NOT_FOUND);
}

/* An upload whose answer was lost (the copy may be there): the retry finds it by its
 * Message-ID and stores nothing more. */
static void
test_retry_finds_copy (Fixture       *f,
                       gconstpointer  data)
{
  g_autoptr(GPtrArray) before = sent_files ();
  g_autoptr(GPtrArray) after = NULL;
  g_autoptr(EpOutboxDeliveryReport) report = add_and_deliver (f, FALSE);
  g_autoptr(EpSentCopyStatus) status = NULL;
  g_autoptr(EpSentCopyStatus) retried = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *entry_dir = g_build_filename (f->sent_dir, report->sent_id, NULL);
  EpOutboxDeliveryOptions options = {
    .sent_dir = f->sent_dir,
    .secret = env ("SASL_PASSWORD"),
    .now = in_an_hour,
  };

  g_assert_true (report->copy_uploaded);
  after = sent_files ();
  g_assert_cmpuint (after->len, ==, before->len + 1);

  /* What EP_IMAP_ERROR_UPLOAD_UNKNOWN leaves behind. */
  status = load_status (f, report->sent_id);
  status->state = EP_SENT_COPY_PENDING;
  status->maybe_there = TRUE;
  g_clear_pointer (&status->next_attempt, g_date_time_unref);
  status->next_attempt = g_date_time_new_now_utc ();
  g_assert_true (ep_sent_copy_status_save (entry_dir, status, &error));
  g_assert_no_error (error);

  retried = ep_outbox_retry_sent_copy_sync (report->sent_id, f->profile, &options, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (retried->state, ==, EP_SENT_COPY_DONE);
  g_clear_pointer (&after, g_ptr_array_unref);
  after = sent_files ();
  g_assert_cmpuint (after->len, ==, before->len + 1);
}

static void
test_done_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

/* Test Connection with the copy on: the SMTP side, then the IMAP side with the same secret and
 * its live steps, in the same transcript; an IMAP server that cannot be reached fails its own
 * side only. */
static void
test_connection_test (Fixture       *f,
                      gconstpointer  data)
{
  for (guint round = 0; round < 2; round++)
    {
      g_autoptr(EpConnectionTest) test = ep_connection_test_new (f->profile);
      g_autoptr(GAsyncResult) result = NULL;
      g_autoptr(EpSmtpResult) smtp = NULL;
      g_autoptr(GError) error = NULL;
      g_autofree char *text = NULL;
      gint64 end = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;
      const char *detail = NULL;

      if (round == 1)
        ep_profile_set_imap_port (f->profile, ep_test_closed_port ());
      ep_connection_test_set_secret (test, env ("SASL_PASSWORD"));
      ep_connection_test_run_async (test, NULL, test_done_cb, &result);
      while (result == NULL && g_get_monotonic_time () < end)
        g_main_context_iteration (NULL, TRUE);
      g_assert_nonnull (result);
      smtp = ep_connection_test_run_finish (test, result, &error);
      g_assert_no_error (error);
      g_assert_nonnull (smtp);
      g_assert_true (ep_connection_test_get_checks_imap (test));
      text = ep_smtp_transcript_to_string (smtp->transcript);
      g_assert_null (strstr (text, env ("SASL_PASSWORD")));
      if (round == 0)
        {
          g_assert_no_error ((GError *) ep_connection_test_get_imap_error (test));
          for (guint i = 0; i < EP_IMAP_CHECK_N_STEPS; i++)
            g_assert_cmpint (ep_connection_test_get_imap_step_state (test, i, NULL), ==, EP_TEST_STEP_STATE_OK);
          g_assert_cmpint (ep_connection_test_get_imap_step_state (test, EP_IMAP_CHECK_STEP_SENT_FOLDER, &detail),
                           ==, EP_TEST_STEP_STATE_OK);
          g_assert_nonnull (strstr (detail, "Sent"));
          g_assert_cmpstr (ep_connection_test_get_imap_result (test)->mailbox, ==, "Sent");
          /* One transcript: the SMTP dialogue, then the IMAP one. */
          g_assert_nonnull (strstr (text, "EHLO"));
          g_assert_nonnull (strstr (text, "LIST"));
          g_assert_true (strstr (text, "EHLO") < strstr (text, "LIST"));
        }
      else
        {
          g_assert_error ((GError *) ep_connection_test_get_imap_error (test), EP_IMAP_ERROR, EP_IMAP_ERROR_CONNECT);
          g_assert_cmpint (ep_connection_test_get_imap_step_state (test, EP_IMAP_CHECK_STEP_CONNECT, NULL), ==,
                           EP_TEST_STEP_STATE_FAILED);
          g_assert_cmpint (ep_connection_test_get_imap_step_state (test, EP_IMAP_CHECK_STEP_SENT_FOLDER, NULL), ==,
                           EP_TEST_STEP_STATE_PENDING);
        }
      g_assert_cmpint (smtp->outcome, ==, EP_SMTP_OUTCOME_DELIVERED);
    }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add ("/outbox-sent-copy/copied", Fixture, "copied", fixture_set_up, test_copied,
              fixture_tear_down);
  g_test_add ("/outbox-sent-copy/skipped", Fixture, "skipped", fixture_set_up, test_skipped,
              fixture_tear_down);
  g_test_add ("/outbox-sent-copy/own-imap-password", Fixture, "own", fixture_set_up,
              test_own_imap_password, fixture_tear_down);
  g_test_add ("/outbox-sent-copy/upload-fails", Fixture, "fails", fixture_set_up, test_upload_fails,
              fixture_tear_down);
  g_test_add ("/outbox-sent-copy/upload-retried", Fixture, "retried", fixture_set_up,
              test_upload_retried, fixture_tear_down);
  g_test_add ("/outbox-sent-copy/retry-finds-copy", Fixture, "found", fixture_set_up,
              test_retry_finds_copy, fixture_tear_down);
  g_test_add ("/outbox-sent-copy/connection-test", Fixture, "test", fixture_set_up,
              test_connection_test, fixture_tear_down);
  return g_test_run ();
}
