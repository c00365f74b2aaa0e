/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-outbox-delivery.c: the outbox's sending side against the scripted server: the backoff
 * (a pure function, on a fake clock and fixed randoms), a message added with the envelope of a
 * direct send, temporary failures retried at the policy's times and then delivered once with the
 * same bytes, a server that starts later, an answer lost after the end of the data (never sent
 * again), recipients deferred at RCPT retried alone, a refusal kept with the server's words, a
 * cancelled attempt that counts for nothing, the policy giving up, and several entries over
 * one connection (a refusal in the middle, a server leaving between messages with a 421 or
 * without a word). */
#include "config.h"

#include <string.h>

#include "ep-address.h"
#include "ep-mime-writer.h"
#include "ep-outbox-delivery.h"
#include "ep-script-server.h"
#include "ep-send-operation.h"
#include "ep-sent-store.h"
#include "ep-smtp.h"
#include "ep-smtp-scripts.h"
#include "ep-store-error.h"
#include "ep-test-util.h"

#define WAIT_MS 5000

/* ---- Fixtures -------------------------------------------------------------------------------- */

/* The clock and the dice the delivery sees: moved by the test. */
typedef struct
{
  GDateTime *now;
  double     random;
} FakeClock;

static GDateTime *
fake_now (gpointer clock_data)
{
  FakeClock *clock = clock_data;

  return g_date_time_ref (clock->now);
}

static double
fake_random (gpointer clock_data)
{
  FakeClock *clock = clock_data;

  return clock->random;
}

static void
clock_set (FakeClock *clock,
           GDateTime *when)
{
  g_clear_pointer (&clock->now, g_date_time_unref);
  clock->now = g_date_time_ref (when);
}

static void
add_addresses (EpMessage   *message,
               const char  *text,
               const char  *field,
               void       (*add) (EpMessage *, const EpAddress *))
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) list = NULL;

  if (text == NULL)
    return;
  list = ep_address_list_parse (text, field, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < list->len; i++)
    add (message, g_ptr_array_index (list, i));
}

static EpMessage *
new_message (const char *to,
             const char *cc,
             const char *bcc)
{
  EpMessage *message = ep_message_new ();
  g_autoptr(EpAddress) from = ep_address_new ("Me", EP_SCRIPT_SENDER, "From", NULL);
  g_autoptr(GError) error = NULL;

  ep_message_set_from (message, from);
  add_addresses (message, to, "To", ep_message_add_to);
  add_addresses (message, cc, "Cc", ep_message_add_cc);
  add_addresses (message, bcc, "Bcc", ep_message_add_bcc);
  g_assert_true (ep_message_set_subject (message, "Outbox test", &error));
  g_assert_true (ep_message_set_body (message, "Hello from the outbox.\n", -1, &error));
  g_assert_no_error (error);
  return message;
}

/* A store in a fresh folder, with a Sent folder beside it. */
typedef struct
{
  char          *dir;
  char          *sent_dir;
  EpOutboxStore *store;
  FakeClock      clock;
  EpOutboxRetryPolicy policy;
  EpOutboxDeliveryOptions options;
} Fixture;

static void
fixture_init (Fixture *f)
{
  /* The store stamps an entry's creation with the real time, and the policy's age counts from
   * there: the fake clock starts at the real time, in whole seconds as the store keeps them. */
  g_autoptr(GDateTime) start = g_date_time_new_from_unix_utc (g_get_real_time () / G_USEC_PER_SEC);

  *f = (Fixture) { 0 };
  f->dir = ep_test_make_dir ("outbox-delivery");
  f->sent_dir = g_build_filename (f->dir, "sent", NULL);
  {
    g_autofree char *outbox = g_build_filename (f->dir, "outbox", NULL);
    f->store = ep_outbox_store_new (outbox);
  }
  clock_set (&f->clock, start);
  f->clock.random = 0.5;
  ep_outbox_retry_policy_init_default (&f->policy);
  f->options.sent_dir = f->sent_dir;
  f->options.policy = &f->policy;
  f->options.now = fake_now;
  f->options.random = fake_random;
  f->options.clock_data = &f->clock;
}

static void
fixture_clear (Fixture *f)
{
  g_assert_finalize_object (g_steal_pointer (&f->store));
  g_clear_pointer (&f->clock.now, g_date_time_unref);
  g_free (f->sent_dir);
  g_free (f->dir);
}

/* A message for @to (and @cc), added queued at the fake clock's time. */
static char *
add (Fixture    *f,
     const char *to,
     const char *cc)
{
  g_autoptr(EpMessage) message = new_message (to, cc, NULL);
  g_autoptr(GError) error = NULL;
  char *id = ep_outbox_add_message_sync (f->store, message, NULL, EP_OUTBOX_STATE_QUEUED,
                                         f->clock.now, NULL, NULL, &error);

  g_assert_no_error (error);
  g_assert_nonnull (id);
  return id;
}

static EpOutboxEntry *
load (Fixture    *f,
      const char *id)
{
  g_autoptr(GError) error = NULL;
  EpOutboxEntry *entry = ep_outbox_store_load (f->store, id, &error);

  g_assert_no_error (error);
  return entry;
}

static gboolean
is_gone (Fixture    *f,
         const char *id)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(EpOutboxEntry) entry = ep_outbox_store_load (f->store, id, &error);

  return entry == NULL && g_error_matches (error, EP_STORE_ERROR, EP_STORE_ERROR_NOT_FOUND);
}

/* One attempt against @server (playing its script to the end). */
static EpOutboxDeliveryReport *
deliver (Fixture        *f,
         const char     *id,
         EpScriptServer *server,
         guint16         port)
{
  g_autoptr(EpProfile) profile = ep_test_scripted_profile ("Scripted",
                                                           server != NULL ? ep_script_server_get_port (server) : port,
                                                           5);
  g_autoptr(GError) error = NULL;
  EpOutboxDeliveryReport *report = ep_outbox_deliver_sync (f->store, id, profile, &f->options, NULL, &error);

  g_assert_no_error (error);
  g_assert_nonnull (report);
  if (report->error != NULL)
    g_test_message ("attempt: %s", report->error->message);
  if (server != NULL)
    ep_script_server_assert_done (server, WAIT_MS);
  return report;
}

static char *
stored_message (Fixture    *f,
                const char *id)
{
  g_autofree char *path = ep_outbox_store_dup_message_path (f->store, id);

  return ep_test_read_file (path);
}

static char *
body_received (EpScriptServer *server)
{
  g_autoptr(GBytes) body = ep_script_server_get_body (server, 0);

  g_assert_nonnull (body);
  return g_strndup (g_bytes_get_data (body, NULL), g_bytes_get_size (body));
}

static EpSentInfo *
only_sent_copy (Fixture *f)
{
  g_autoptr(EpSentStore) sent = ep_sent_store_new (f->sent_dir);
  g_autoptr(GPtrArray) list = NULL;
  g_autoptr(GError) error = NULL;

  list = ep_sent_store_list (sent, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (list->len, ==, 1);
  return ep_sent_info_copy (g_ptr_array_index (list, 0));
}

static void
assert_seconds_after (GDateTime *later,
                      GDateTime *earlier,
                      gint64     seconds)
{
  g_assert_nonnull (later);
  g_assert_cmpint (g_date_time_difference (later, earlier), ==, seconds * G_TIME_SPAN_SECOND);
}

#define OPENING EP_SCRIPT_GREETING EP_SCRIPT_EHLO_PIPELINING

/* ---- Retry policy ---------------------------------------------------------------------------- */

static EpOutboxEntry *
entry_with_attempts (GDateTime *created,
                     guint      attempts)
{
  static const char *rcpts[] = { "ann@example.org", NULL };
  EpOutboxEntry *entry = ep_outbox_entry_new (EP_SCRIPT_SENDER, rcpts);

  entry->created = g_date_time_ref (created);
  for (guint i = 0; i < attempts; i++)
    g_ptr_array_add (entry->attempts, ep_outbox_attempt_new (created, EP_SMTP_OUTCOME_TEMPORARY, NULL));
  return entry;
}

static gint64
delay_after (const EpOutboxRetryPolicy *policy,
             GDateTime                 *created,
             GDateTime                 *now,
             guint                      attempts,
             double                     random)
{
  g_autoptr(EpOutboxEntry) entry = entry_with_attempts (created, attempts);
  g_autoptr(GDateTime) next = ep_outbox_retry_policy_next_attempt (policy, entry, now, random);

  if (next == NULL)
    return -1;
  return g_date_time_difference (next, now) / G_TIME_SPAN_SECOND;
}

static void
test_policy (void)
{
  g_autoptr(GDateTime) created = g_date_time_new_utc (2026, 3, 1, 12, 0, 0);
  g_autoptr(GDateTime) soon = g_date_time_add_minutes (created, 10);
  EpOutboxRetryPolicy policy;

  ep_outbox_retry_policy_init_default (&policy);
  g_assert_cmpuint (policy.first_delay, ==, 30);
  g_assert_cmpuint (policy.max_delay, ==, 3600);
  g_assert_cmpfloat (policy.jitter, ==, 0.2);
  g_assert_cmpuint (policy.max_attempts, ==, 0);
  g_assert_cmpuint (policy.max_age, ==, 2 * 24 * 3600);

  /* Doubling from 30 s, up to an hour; 0.5 is no jitter. */
  g_assert_cmpint (delay_after (&policy, created, soon, 1, 0.5), ==, 30);
  g_assert_cmpint (delay_after (&policy, created, soon, 2, 0.5), ==, 60);
  g_assert_cmpint (delay_after (&policy, created, soon, 3, 0.5), ==, 120);
  g_assert_cmpint (delay_after (&policy, created, soon, 7, 0.5), ==, 1920);
  g_assert_cmpint (delay_after (&policy, created, soon, 8, 0.5), ==, 3600);
  g_assert_cmpint (delay_after (&policy, created, soon, 500, 0.5), ==, 3600);
  /* The jitter: 20 % either way, never beyond the maximum. */
  g_assert_cmpint (delay_after (&policy, created, soon, 1, 0.0), ==, 24);
  g_assert_cmpint (delay_after (&policy, created, soon, 1, 0.75), ==, 33);
  g_assert_cmpint (delay_after (&policy, created, soon, 3, 0.0), ==, 96);
  g_assert_cmpint (delay_after (&policy, created, soon, 9, 0.0), ==, 2880);
  g_assert_cmpint (delay_after (&policy, created, soon, 9, 0.999), ==, 3600);

  /* Two days after it was queued the policy gives up; just before, the last attempt is at the
   * deadline itself rather than beyond it. */
  {
    g_autoptr(GDateTime) late = g_date_time_add_seconds (created, 2 * 24 * 3600 - 100);
    g_autoptr(GDateTime) over = g_date_time_add_seconds (created, 2 * 24 * 3600);

    g_assert_cmpint (delay_after (&policy, created, late, 20, 0.5), ==, 100);
    g_assert_cmpint (delay_after (&policy, created, over, 20, 0.5), ==, -1);
  }

  /* A limit on attempts counts the one that just failed. */
  policy.max_attempts = 3;
  g_assert_cmpint (delay_after (&policy, created, soon, 2, 0.5), ==, 60);
  g_assert_cmpint (delay_after (&policy, created, soon, 3, 0.5), ==, -1);
  /* No age limit. */
  policy.max_attempts = 0;
  policy.max_age = 0;
  {
    g_autoptr(GDateTime) much_later = g_date_time_add_days (created, 30);

    g_assert_cmpint (delay_after (&policy, created, much_later, 200, 0.5), ==, 3600);
  }
}

/* ---- Adding ---------------------------------------------------------------------------------- */

/* The envelope of a direct send (sender, To + Cc + Bcc without duplicates, Bcc in no header),
 * minus those who have it already; the bytes exactly what the MIME writer makes. */
static void
test_add_message (void)
{
  Fixture f;
  g_autoptr(EpMessage) message = new_message ("Ann <ann@example.org>, bob@example.org",
                                              "ann@example.org, cy@example.org",
                                              "dee@example.org, bob@example.org");
  g_autoptr(GOutputStream) expected = g_memory_output_stream_new_resizable ();
  g_autoptr(GError) error = NULL;
  g_autoptr(EpOutboxEntry) entry = NULL;
  g_autofree char *id = NULL;
  g_autofree char *stored = NULL;
  g_autofree char *expected_text = NULL;
  static const char *delivered[] = { "CY@example.org", NULL };
  g_autoptr(GDateTime) later = NULL;

  fixture_init (&f);
  later = g_date_time_add_hours (f.clock.now, 3);
  id = ep_outbox_add_message_sync (f.store, message, "work-1", EP_OUTBOX_STATE_HELD, later,
                                   delivered, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (id);

  entry = load (&f, id);
  g_assert_cmpint (entry->state, ==, EP_OUTBOX_STATE_HELD);
  g_assert_cmpstr (entry->profile_id, ==, "work-1");
  g_assert_cmpstr (entry->sender, ==, EP_SCRIPT_SENDER);
  g_assert_cmpint (g_date_time_compare (entry->not_before, later), ==, 0);
  g_assert_cmpuint (entry->recipients->len, ==, 3);
  g_assert_cmpstr (((EpOutboxRecipient *) entry->recipients->pdata[0])->address, ==, "ann@example.org");
  g_assert_cmpstr (((EpOutboxRecipient *) entry->recipients->pdata[1])->address, ==, "bob@example.org");
  g_assert_cmpstr (((EpOutboxRecipient *) entry->recipients->pdata[2])->address, ==, "dee@example.org");
  g_assert_cmpstr (entry->subject, ==, "Outbox test");
  g_assert_cmpstr (entry->from, ==, "Me <me@example.org>");

  /* The same prepared message written again: the very bytes (Date, Message-ID fixed). */
  g_assert_true (ep_mime_writer_write (message, expected, NULL, NULL, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (g_output_stream_close (expected, NULL, &error));
  expected_text = g_strndup (g_memory_output_stream_get_data (G_MEMORY_OUTPUT_STREAM (expected)),
                             g_memory_output_stream_get_data_size (G_MEMORY_OUTPUT_STREAM (expected)));
  stored = stored_message (&f, id);
  g_assert_cmpstr (stored, ==, expected_text);
  g_assert_cmpuint (entry->size, ==, strlen (expected_text));
  g_assert_null (strstr (stored, "dee@example.org"));
  g_assert_null (strstr (stored, "Bcc:"));
  g_assert_nonnull (strstr (stored, ep_message_get_message_id (message)));

  /* Everyone has it already: nothing to add. */
  {
    static const char *everyone[] = { "ann@example.org", "bob@example.org", "cy@example.org",
                                      "dee@example.org", NULL };
    g_autofree char *none = ep_outbox_add_message_sync (f.store, message, NULL, EP_OUTBOX_STATE_QUEUED,
                                                        NULL, everyone, NULL, &error);

    g_assert_null (none);
    g_assert_error (error, EP_SMTP_ERROR, EP_SMTP_ERROR_INVALID_ADDRESS);
  }

  fixture_clear (&f);
}

/* ---- Delivering ------------------------------------------------------------------------------ */

/* 421 at the greeting, then 451 to MAIL: queued again each time, at 30 s and then 60 s on the
 * injected clock (and not claimable before); the third attempt delivers it once, with the bytes
 * stored at the start (the same Message-ID), into Sent, and the entry is gone. */
static void
test_temporary_then_delivered (void)
{
  Fixture f;
  g_autofree char *id = NULL;
  g_autofree char *stored = NULL;
  g_autofree char *received = NULL;
  g_autoptr(EpOutboxEntry) entry = NULL;
  g_autoptr(EpSentInfo) info = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GDateTime) start = NULL;

  fixture_init (&f);
  start = g_date_time_ref (f.clock.now);
  id = add (&f, "ann@example.org", NULL);
  stored = stored_message (&f, id);

  {
    g_autoptr(EpScriptServer) server = ep_script_server_new_for_test ("S: 421 4.3.2 mx.test busy\n"
                                                                      "EOF\n");
    g_autoptr(EpOutboxDeliveryReport) report = deliver (&f, id, server, 0);

    g_assert_cmpint (report->state, ==, EP_OUTBOX_STATE_QUEUED);
    g_assert_error (report->error, EP_SMTP_ERROR, EP_SMTP_ERROR_TEMPORARY);
    assert_seconds_after (report->next_attempt, start, 30);
    entry = load (&f, id);
    g_assert_cmpint (entry->state, ==, EP_OUTBOX_STATE_QUEUED);
    assert_seconds_after (entry->not_before, start, 30);
    g_assert_cmpuint (entry->attempts->len, ==, 1);
    g_assert_cmpint (((EpOutboxAttempt *) entry->attempts->pdata[0])->outcome, ==, EP_SMTP_OUTCOME_TEMPORARY);
    g_assert_nonnull (strstr (entry->last_error, "421 4.3.2 mx.test busy"));
    g_clear_pointer (&entry, ep_outbox_entry_free);
  }

  /* Not before its time. */
  {
    g_autoptr(GDateTime) early = g_date_time_add_seconds (start, 29);
    g_autoptr(EpProfile) profile = ep_test_scripted_profile ("Scripted", 9, 5);
    g_autoptr(EpOutboxDeliveryReport) report = NULL;

    clock_set (&f.clock, early);
    report = ep_outbox_deliver_sync (f.store, id, profile, &f.options, NULL, &error);
    g_assert_null (report);
    g_assert_error (error, EP_STORE_ERROR, EP_STORE_ERROR_WRONG_STATE);
    g_clear_error (&error);
  }

  {
    g_autoptr(GDateTime) second = g_date_time_add_seconds (start, 30);
    g_autoptr(EpScriptServer) server =
      ep_script_server_new_for_test (OPENING
                                     "C: MAIL FROM:<" EP_SCRIPT_SENDER ">*\n"
                                     "C: RCPT TO:<ann@example.org>\n"
                                     "C: DATA\n"
                                     "S: 451 4.3.0 Try again later\n"
                                     "S: 503 5.5.1 Sender first\n"
                                     "S: 503 5.5.1 Sender first\n"
                                     EP_SCRIPT_QUIT_EOF);
    g_autoptr(EpOutboxDeliveryReport) report = NULL;

    clock_set (&f.clock, second);
    report = deliver (&f, id, server, 0);
    g_assert_cmpint (report->state, ==, EP_OUTBOX_STATE_QUEUED);
    assert_seconds_after (report->next_attempt, second, 60);
    entry = load (&f, id);
    assert_seconds_after (entry->not_before, second, 60);
    g_assert_cmpuint (entry->attempts->len, ==, 2);
    g_clear_pointer (&entry, ep_outbox_entry_free);
  }

  {
    g_autoptr(GDateTime) third = g_date_time_add_seconds (start, 90);
    g_autoptr(EpScriptServer) server = ep_script_server_new_for_test (OPENING
                                                                      EP_SCRIPT_DELIVER_TO ("ann@example.org")
                                                                      EP_SCRIPT_QUIT_EOF);
    g_autoptr(EpOutboxDeliveryReport) report = NULL;

    clock_set (&f.clock, third);
    report = deliver (&f, id, server, 0);
    g_assert_no_error (report->error);
    g_assert_cmpint (report->state, ==, EP_OUTBOX_STATE_DELIVERED);
    g_assert_null (report->next_attempt);
    g_assert_no_error (report->sent_error);
    g_assert_nonnull (report->sent_id);
    received = body_received (server);
    g_assert_cmpstr (received, ==, stored);
  }

  g_assert_true (is_gone (&f, id));
  info = only_sent_copy (&f);
  g_assert_cmpstr (info->subject, ==, "Outbox test");
  g_assert_cmpstr (info->from, ==, "Me <me@example.org>");
  g_assert_cmpstr (info->recipients[0], ==, "ann@example.org");
  g_assert_null (info->recipients[1]);
  g_assert_true (info->not_delivered == NULL || info->not_delivered[0] == NULL);
  g_assert_cmpint (info->outcome, ==, EP_SMTP_OUTCOME_DELIVERED);
  g_assert_cmpstr (info->outcome_text, ==, "250 2.0.0 queued");
  {
    g_autofree char *path = g_build_filename (f.sent_dir, info->id, "message.eml", NULL);
    g_autofree char *copy = ep_test_read_file (path);

    g_assert_cmpstr (copy, ==, stored);
  }
  fixture_clear (&f);
}

/* Nothing listens at first (refused: queued again); then a server starts on that very port and
 * the next attempt delivers it. */
static void
test_connection_refused_then_server (void)
{
  Fixture f;
  g_autofree char *id = NULL;
  g_autoptr(GSocket) probe = NULL;
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) any = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) bound = NULL;
  g_autoptr(GError) error = NULL;
  guint16 port;

  fixture_init (&f);
  id = add (&f, "ann@example.org", NULL);

  /* A port that was free a moment ago, and is closed now. */
  probe = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, &error);
  g_assert_no_error (error);
  g_assert_true (g_socket_bind (probe, any, TRUE, &error));
  bound = g_socket_get_local_address (probe, &error);
  g_assert_no_error (error);
  port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
  g_socket_close (probe, NULL);

  {
    g_autoptr(EpOutboxDeliveryReport) report = deliver (&f, id, NULL, port);

    g_assert_cmpint (report->state, ==, EP_OUTBOX_STATE_QUEUED);
    g_assert_error (report->error, EP_SMTP_ERROR, EP_SMTP_ERROR_CONNECT);
    g_assert_nonnull (report->next_attempt);
  }

  {
    g_autoptr(GDateTime) later = g_date_time_add_seconds (f.clock.now, 30);
    g_autoptr(EpScriptServer) server = ep_script_server_new ();
    g_autoptr(EpOutboxDeliveryReport) report = NULL;

    ep_script_server_set_port (server, port);
    g_assert_true (ep_script_server_add_script (server, OPENING EP_SCRIPT_DELIVER_TO ("ann@example.org")
                                                        EP_SCRIPT_QUIT_EOF, &error));
    g_assert_true (ep_script_server_start (server, &error));
    g_assert_no_error (error);
    g_assert_cmpuint (ep_script_server_get_port (server), ==, port);
    clock_set (&f.clock, later);
    report = deliver (&f, id, server, 0);
    g_assert_cmpint (report->state, ==, EP_OUTBOX_STATE_DELIVERED);
  }
  g_assert_true (is_gone (&f, id));
  fixture_clear (&f);
}

/* The connection drops after the end of the data: the server may have it. Unknown, with the
 * recipient unknown; never due again, so neither a listing of due entries nor another attempt
 * sends it a second time. */
static void
test_lost_after_end_of_data (void)
{
  Fixture f;
  g_autofree char *id = NULL;
  g_autoptr(EpOutboxEntry) entry = NULL;
  g_autoptr(GPtrArray) due = NULL;
  g_autoptr(GError) error = NULL;

  fixture_init (&f);
  id = add (&f, "ann@example.org", NULL);

  {
    g_autoptr(EpScriptServer) server = ep_script_server_new_for_test (OPENING
                                                                      "C: MAIL FROM:<" EP_SCRIPT_SENDER ">*\n"
                                                                      "C: RCPT TO:<ann@example.org>\n"
                                                                      "C: DATA\n"
                                                                      "S: 250 2.1.0 ok\n"
                                                                      "S: 250 2.1.5 ok\n"
                                                                      "S: 354 go ahead\n"
                                                                      "DATA\n"
                                                                      "CLOSE\n");
    g_autoptr(EpOutboxDeliveryReport) report = deliver (&f, id, server, 0);

    g_assert_cmpint (report->state, ==, EP_OUTBOX_STATE_UNKNOWN);
    g_assert_error (report->error, EP_SMTP_ERROR, EP_SMTP_ERROR_DELIVERY_UNKNOWN);
    g_assert_null (report->next_attempt);
    g_assert_null (report->sent_id);
  }

  entry = load (&f, id);
  g_assert_cmpint (entry->state, ==, EP_OUTBOX_STATE_UNKNOWN);
  g_assert_cmpint (((EpOutboxRecipient *) entry->recipients->pdata[0])->state, ==, EP_SMTP_RECIPIENT_UNKNOWN);
  g_assert_cmpuint (entry->attempts->len, ==, 1);
  g_assert_cmpint (((EpOutboxAttempt *) entry->attempts->pdata[0])->outcome, ==, EP_SMTP_OUTCOME_UNKNOWN);
  g_assert_nonnull (entry->last_error);

  {
    g_autoptr(GDateTime) much_later = g_date_time_add_days (f.clock.now, 1);
    g_autoptr(EpProfile) profile = ep_test_scripted_profile ("Scripted", 9, 5);
    g_autoptr(EpOutboxDeliveryReport) again = NULL;

    due = ep_outbox_store_list_due (f.store, much_later, NULL, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (due->len, ==, 0);
    clock_set (&f.clock, much_later);
    again = ep_outbox_deliver_sync (f.store, id, profile, &f.options, NULL, &error);
    g_assert_null (again);
    g_assert_error (error, EP_STORE_ERROR, EP_STORE_ERROR_WRONG_STATE);
  }
  fixture_clear (&f);
}

typedef struct
{
  Fixture                *f;
  const char             *id;
  EpProfile              *profile;
  EpOutboxDeliveryReport *report;
} DeliverThread;

static gpointer
deliver_thread (gpointer data)
{
  DeliverThread *d = data;

  d->report = ep_outbox_deliver_sync (d->f->store, d->id, d->profile, &d->f->options, NULL, NULL);
  return NULL;
}

/* While the server has read the whole message, end of data included, and not answered yet, the
 * entry on disk already says that the data was sent: a sender killed there leaves it unknown,
 * never sent twice. */
static void
test_data_sent_before_end (void)
{
  Fixture f;
  g_autofree char *id = NULL;
  g_autofree char *meta_path = NULL;
  g_autofree char *meta = NULL;
  g_autoptr(EpScriptServer) server =
    ep_script_server_new_for_test (OPENING
                                   "C: MAIL FROM:<" EP_SCRIPT_SENDER ">*\n"
                                   "C: RCPT TO:<ann@example.org>\n"
                                   "C: DATA\n"
                                   "S: 250 2.1.0 ok\n"
                                   "S: 250 2.1.5 ok\n"
                                   "S: 354 go ahead\n"
                                   "DATA\n"
                                   "STALL: 2000\n"
                                   "S: 250 2.0.0 queued\n"
                                   EP_SCRIPT_QUIT_EOF);
  g_autoptr(EpProfile) profile = ep_test_scripted_profile ("Scripted", ep_script_server_get_port (server), 5);
  DeliverThread d = { &f, NULL, profile, NULL };
  GThread *thread;
  gint64 deadline = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;

  fixture_init (&f);
  id = add (&f, "ann@example.org", NULL);
  d.id = id;
  thread = g_thread_new ("deliver", deliver_thread, &d);
  /* Greeting, EHLO and its two lines, the envelope's three and their three replies: the next
   * step, DATA, ends with the end of the data. */
  while (ep_script_server_get_n_steps_done (server) < 11 && g_get_monotonic_time () < deadline)
    g_usleep (10 * 1000);
  g_assert_cmpuint (ep_script_server_get_n_steps_done (server), >=, 11);
  meta_path = g_build_filename (ep_outbox_store_get_dir (f.store), id, "meta.ini", NULL);
  meta = ep_test_read_file (meta_path);
  g_assert_nonnull (strstr (meta, "state=sending"));
  g_assert_nonnull (strstr (meta, "data-sent="));
  g_thread_join (thread);
  ep_script_server_assert_done (server, WAIT_MS);

  g_assert_nonnull (d.report);
  g_assert_cmpint (d.report->state, ==, EP_OUTBOX_STATE_DELIVERED);
  ep_outbox_delivery_report_free (d.report);
  g_assert_true (is_gone (&f, id));
  fixture_clear (&f);
}

/* Allow-partial, bob deferred at RCPT (451): ann has it, the entry is partial and retried at the
 * policy's time with bob alone in RCPT TO; then delivered, and the Sent copy names both. */
static void
test_partial_retry (void)
{
  Fixture f;
  g_autofree char *id = NULL;
  g_autoptr(EpOutboxEntry) entry = NULL;
  g_autoptr(EpSentInfo) info = NULL;
  g_autoptr(GDateTime) start = NULL;

  fixture_init (&f);
  f.options.allow_partial = TRUE;
  start = g_date_time_ref (f.clock.now);
  id = add (&f, "ann@example.org, bob@example.org", NULL);

  {
    g_autoptr(EpScriptServer) server =
      ep_script_server_new_for_test (OPENING
                                     "C: MAIL FROM:<" EP_SCRIPT_SENDER ">*\n"
                                     "C: RCPT TO:<ann@example.org>\n"
                                     "C: RCPT TO:<bob@example.org>\n"
                                     "C: DATA\n"
                                     "S: 250 2.1.0 ok\n"
                                     "S: 250 2.1.5 ok\n"
                                     "S: 451 4.2.1 Mailbox busy, try later\n"
                                     "S: 354 go ahead\n"
                                     "DATA\n"
                                     "S: 250 2.0.0 queued\n"
                                     EP_SCRIPT_QUIT_EOF);
    g_autoptr(EpOutboxDeliveryReport) report = deliver (&f, id, server, 0);

    g_assert_cmpint (report->state, ==, EP_OUTBOX_STATE_PARTIAL);
    assert_seconds_after (report->next_attempt, start, 30);
    g_assert_null (report->sent_id);
  }
  entry = load (&f, id);
  g_assert_cmpint (entry->state, ==, EP_OUTBOX_STATE_PARTIAL);
  g_assert_cmpint (((EpOutboxRecipient *) entry->recipients->pdata[0])->state, ==, EP_SMTP_RECIPIENT_DELIVERED);
  g_assert_cmpint (((EpOutboxRecipient *) entry->recipients->pdata[1])->state, ==, EP_SMTP_RECIPIENT_DEFERRED);

  {
    g_autoptr(GDateTime) later = g_date_time_add_seconds (start, 30);
    g_autoptr(EpScriptServer) server = ep_script_server_new_for_test (OPENING
                                                                      EP_SCRIPT_DELIVER_TO ("bob@example.org")
                                                                      EP_SCRIPT_QUIT_EOF);
    g_autoptr(EpOutboxDeliveryReport) report = NULL;

    clock_set (&f.clock, later);
    report = deliver (&f, id, server, 0);
    g_assert_cmpint (report->state, ==, EP_OUTBOX_STATE_DELIVERED);
    g_assert_false (ep_script_server_received_contains (server, "ann@example.org>\r\n"));
  }
  g_assert_true (is_gone (&f, id));
  info = only_sent_copy (&f);
  g_assert_cmpuint (g_strv_length (info->recipients), ==, 2);
  g_assert_true (info->not_delivered == NULL || info->not_delivered[0] == NULL);
  fixture_clear (&f);
}

/* A 5xx after the end of the data: failed for good, the server's reply kept for the person. */
static void
test_refused (void)
{
  Fixture f;
  g_autofree char *id = NULL;
  g_autoptr(EpOutboxEntry) entry = NULL;

  fixture_init (&f);
  id = add (&f, "ann@example.org", NULL);
  {
    g_autoptr(EpScriptServer) server = ep_script_server_new_for_test (OPENING
                                                                      "C: MAIL FROM:<" EP_SCRIPT_SENDER ">*\n"
                                                                      "C: RCPT TO:<ann@example.org>\n"
                                                                      "C: DATA\n"
                                                                      "S: 250 2.1.0 ok\n"
                                                                      "S: 250 2.1.5 ok\n"
                                                                      "S: 354 go ahead\n"
                                                                      "DATA\n"
                                                                      "S: 554 5.7.1 Message rejected as spam\n"
                                                                      EP_SCRIPT_QUIT_EOF);
    g_autoptr(EpOutboxDeliveryReport) report = deliver (&f, id, server, 0);

    g_assert_cmpint (report->state, ==, EP_OUTBOX_STATE_FAILED);
    g_assert_error (report->error, EP_SMTP_ERROR, EP_SMTP_ERROR_MESSAGE_REJECTED);
    g_assert_null (report->next_attempt);
  }
  entry = load (&f, id);
  g_assert_cmpint (entry->state, ==, EP_OUTBOX_STATE_FAILED);
  g_assert_nonnull (strstr (entry->last_error, "554 5.7.1 Message rejected as spam"));
  g_assert_cmpstr (((EpOutboxAttempt *) entry->attempts->pdata[0])->reply, ==, entry->last_error);
  g_assert_true (((EpOutboxAttempt *) entry->attempts->pdata[0])->has_transcript);
  {
    g_autoptr(GError) error = NULL;
    g_autofree char *transcript = ep_outbox_store_load_transcript (f.store, id, 1, &error);

    g_assert_no_error (error);
    g_assert_nonnull (strstr (transcript, "554 5.7.1 Message rejected as spam"));
  }
  fixture_clear (&f);
}

/* ---- An attached message with 8-bit text (RFC 6152 8BITMIME) -------------------------------- */

/* An .eml in UTF-8 without any declared encoding, as a mail program saves one. */
#define EML_8BIT "From: ana@example.org\nSubject: Inner\n\nGr\xc3\xbc\xc3\x9f" "e, Zo\xc3\xab\n"
/* The same as it is kept in a message/rfc822 part: CRLF, 8-bit octets as they are. */
#define EML_8BIT_KEPT "Content-Transfer-Encoding: 8bit\r\n\r\n"                          \
                      "From: ana@example.org\r\nSubject: Inner\r\n\r\n"                  \
                      "Gr\xc3\xbc\xc3\x9f" "e, Zo\xc3\xab\r\n"

#define OPENING_8BITMIME EP_SCRIPT_GREETING      \
                         "C: EHLO *\n"           \
                         "S: 250-mx.test\n"      \
                         "S: 250-PIPELINING\n"   \
                         "S: 250 8BITMIME\n"

/* new_message() for ann@example.org with the .eml above attached. */
static EpMessage *
new_message_with_eml (Fixture *f)
{
  EpMessage *message = new_message ("ann@example.org", NULL, NULL);
  g_autofree char *path = g_build_filename (f->dir, "forwarded.eml", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);

  ep_test_write_file (path, EML_8BIT);
  ep_message_add_attachment (message, file, NULL, NULL);
  return message;
}

/* A profile whose server was last seen offering @offered (EP_SMTP_CAP_NONE: nothing). */
static EpProfile *
profile_that_saw (EpSmtpCapFlags offered)
{
  EpProfile *profile = ep_test_scripted_profile ("Scripted", 25, 5);
  g_autoptr(EpSmtpCapabilities) caps = ep_smtp_capabilities_new ();

  caps->flags = offered;
  ep_profile_learn_capabilities (profile, caps, NULL);
  return profile;
}

/* Added as the app and epistle-send add it: 8-bit kept when the profile allows it. */
static char *
add_with_eml (Fixture   *f,
              EpProfile *profile)
{
  g_autoptr(EpMessage) message = new_message_with_eml (f);
  g_autoptr(GError) error = NULL;
  char *id = ep_outbox_add_message_with_request_sync (f->store, message, NULL, EP_OUTBOX_STATE_QUEUED,
                                                      f->clock.now, NULL, NULL,
                                                      ep_outbox_profile_allows_8bit (profile),
                                                      NULL, NULL, &error);

  g_assert_no_error (error);
  g_assert_nonnull (id);
  return id;
}

static char *
meta_of (Fixture    *f,
         const char *id)
{
  g_autofree char *path = g_build_filename (f->dir, "outbox", id, "meta.ini", NULL);

  return ep_test_read_file (path);
}

static void
assert_7bit (const char *text)
{
  for (const char *p = text; *p != '\0'; p++)
    g_assert_cmpint ((guchar) *p, <, 0x80);
}

/* The profile's server was last seen offering 8BITMIME: the attached message is kept as it is
 * (message/rfc822, 8bit, its octets untouched), the entry says that it needs 8BITMIME, and
 * goes with BODY=8BITMIME. */
static void
test_8bit_kept_for_8bitmime (void)
{
  Fixture f;
  g_autoptr(EpProfile) profile = profile_that_saw (EP_SMTP_CAP_8BITMIME | EP_SMTP_CAP_DSN);
  g_autoptr(EpOutboxEntry) entry = NULL;
  g_autofree char *id = NULL;
  g_autofree char *stored = NULL;
  g_autofree char *meta = NULL;

  fixture_init (&f);
  g_assert_true (ep_outbox_profile_allows_8bit (profile));
  id = add_with_eml (&f, profile);
  stored = stored_message (&f, id);
  g_assert_nonnull (strstr (stored, "Content-Type: message/rfc822"));
  g_assert_nonnull (strstr (stored, EML_8BIT_KEPT));
  g_assert_null (strstr (stored, "application/octet-stream"));
  entry = load (&f, id);
  g_assert_true (entry->needs_8bitmime);
  /* An Epistle that would send it to a server without 8BITMIME too leaves it alone. */
  meta = meta_of (&f, id);
  g_assert_nonnull (strstr (meta, "needs-8bitmime=true\n"));
  g_assert_nonnull (strstr (meta, "format=4\n"));

  {
    g_autoptr(EpScriptServer) server = ep_script_server_new_for_test (
      OPENING_8BITMIME
      "C: MAIL FROM:<" EP_SCRIPT_SENDER "> BODY=8BITMIME\n"
      "C: RCPT TO:<ann@example.org>\n"
      "C: DATA\n"
      "S: 250 2.1.0 ok\n"
      "S: 250 2.1.5 ok\n"
      "S: 354 go ahead\n"
      "DATA\n"
      "S: 250 2.0.0 queued\n"
      EP_SCRIPT_QUIT_EOF);
    g_autoptr(EpOutboxDeliveryReport) report = deliver (&f, id, server, 0);
    g_autofree char *body = NULL;

    g_assert_no_error (report->error);
    g_assert_cmpint (report->state, ==, EP_OUTBOX_STATE_DELIVERED);
    body = body_received (server);
    g_assert_nonnull (strstr (body, EML_8BIT_KEPT));
  }
  g_assert_true (is_gone (&f, id));
  fixture_clear (&f);
}

/* Not known to offer 8BITMIME (never seen, or seen without it): attached as a file in base64,
 * as before; nothing 8-bit is stored and the entry needs nothing. */
static void
test_8bit_file_without_8bitmime (void)
{
  g_autoptr(EpProfile) never = ep_test_scripted_profile ("Scripted", 25, 5);
  g_autoptr(EpProfile) without = profile_that_saw (EP_SMTP_CAP_DSN | EP_SMTP_CAP_SIZE);
  EpProfile *profiles[] = { never, without };

  for (guint i = 0; i < G_N_ELEMENTS (profiles); i++)
    {
      Fixture f;
      g_autoptr(EpOutboxEntry) entry = NULL;
      g_autofree char *id = NULL;
      g_autofree char *stored = NULL;
      g_autofree char *meta = NULL;

      fixture_init (&f);
      g_assert_false (ep_outbox_profile_allows_8bit (profiles[i]));
      id = add_with_eml (&f, profiles[i]);
      stored = stored_message (&f, id);
      g_assert_null (strstr (stored, "message/rfc822"));
      g_assert_nonnull (strstr (stored, "Content-Type: application/octet-stream"));
      g_assert_nonnull (strstr (stored, "Content-Transfer-Encoding: base64"));
      assert_7bit (stored);
      entry = load (&f, id);
      g_assert_false (entry->needs_8bitmime);
      meta = meta_of (&f, id);
      g_assert_null (strstr (meta, "needs-8bitmime"));
      g_assert_nonnull (strstr (meta, "format=1\n"));
      fixture_clear (&f);
    }
}

/* Stored for a server that offered 8BITMIME, and the server no longer does: nothing is sent
 * (only QUIT after EHLO), the entry fails for good and says what to do. The profile learns it
 * from that attempt, so the message made again goes as a file, to the same server. */
static void
test_8bit_server_dropped_8bitmime (void)
{
  Fixture f;
  g_autoptr(EpProfile) profile = profile_that_saw (EP_SMTP_CAP_8BITMIME);
  g_autoptr(EpOutboxEntry) entry = NULL;
  g_autoptr(GDateTime) much_later = NULL;
  g_autofree char *id = NULL;
  g_autofree char *again = NULL;

  fixture_init (&f);
  id = add_with_eml (&f, profile);
  {
    g_autoptr(EpScriptServer) server = ep_script_server_new_for_test (OPENING EP_SCRIPT_QUIT_EOF);
    g_autoptr(EpOutboxDeliveryReport) report = deliver (&f, id, server, 0);
    g_autofree char *received = ep_script_server_dup_received_string (server);

    g_assert_error (report->error, EP_SMTP_ERROR, EP_SMTP_ERROR_8BITMIME_UNSUPPORTED);
    g_assert_cmpint (report->state, ==, EP_OUTBOX_STATE_FAILED);
    g_assert_cmpint (report->result->outcome, ==, EP_SMTP_OUTCOME_REFUSED);
    g_assert_null (report->next_attempt);
    g_assert_null (strstr (received, "MAIL"));
    g_assert_null (strstr (received, "Gr\xc3\xbc"));
    g_assert_true (g_str_has_suffix (received, "QUIT\r\n"));

    ep_profile_learn_capabilities (profile, report->result->capabilities, NULL);
    g_assert_false (ep_outbox_profile_allows_8bit (profile));
  }
  entry = load (&f, id);
  g_assert_cmpint (entry->state, ==, EP_OUTBOX_STATE_FAILED);
  g_assert_cmpstr (entry->last_error, ==,
                   "This server no longer accepts 8-bit messages (8BITMIME): edit the message and send it "
                   "again to attach the message file as a file");
  g_assert_cmpuint (entry->attempts->len, ==, 1);
  g_assert_cmpint (((EpOutboxAttempt *) entry->attempts->pdata[0])->outcome, ==, EP_SMTP_OUTCOME_REFUSED);
  /* Never tried again by itself. */
  much_later = g_date_time_add_days (f.clock.now, 30);
  g_assert_false (ep_outbox_entry_is_due (entry, much_later));

  /* Made again for what the server offers now: a file, and it goes. */
  again = add_with_eml (&f, profile);
  {
    g_autofree char *script = g_strconcat (OPENING, EP_SCRIPT_DELIVER_TO ("ann@example.org"),
                                           EP_SCRIPT_QUIT_EOF, NULL);
    g_autoptr(EpScriptServer) server = ep_script_server_new_for_test (script);
    g_autoptr(EpOutboxDeliveryReport) report = deliver (&f, again, server, 0);
    g_autofree char *body = NULL;

    g_assert_no_error (report->error);
    g_assert_cmpint (report->state, ==, EP_OUTBOX_STATE_DELIVERED);
    g_assert_false (ep_script_server_received_contains (server, "BODY=8BITMIME"));
    body = body_received (server);
    g_assert_nonnull (strstr (body, "Content-Type: application/octet-stream"));
    assert_7bit (body);
  }
  fixture_clear (&f);
}

/* ---- Held by the server (RFC 4865 FUTURERELEASE) --------------------------------------------- */

#define FUTURE_OPENING(limits) EP_SCRIPT_GREETING        \
                               "C: EHLO *\n"             \
                               "S: 250-mx.test\n"        \
                               "S: 250-PIPELINING\n"     \
                               "S: 250 FUTURERELEASE " limits "\n"

/* A message the server is to hold, added two hours ahead of the real time (the engine checks
 * the server's limits against it). */
static char *
add_server_held (Fixture    *f,
                 GDateTime **out_hold)
{
  g_autoptr(EpMessage) message = new_message ("ann@example.org", NULL, NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GDateTime) now = g_date_time_new_from_unix_utc (g_get_real_time () / G_USEC_PER_SEC);
  char *id;

  *out_hold = g_date_time_add_hours (now, 2);
  id = ep_outbox_add_server_held_message_sync (f->store, message, NULL, *out_hold, NULL, NULL,
                                               &error);
  g_assert_no_error (error);
  g_assert_nonnull (id);
  /* The fake clock just after the store's stamp, so that the entry is due by it. */
  {
    g_autoptr(EpOutboxEntry) entry = load (f, id);
    g_autoptr(GDateTime) after = g_date_time_add_seconds (entry->not_before, 1);

    clock_set (&f->clock, after);
  }
  return id;
}

/* Due at once, sent with HOLDUNTIL= (UTC, whole seconds) on MAIL FROM, and the Sent copy says
 * until when the server holds it. */
static void
test_server_hold (void)
{
  Fixture f;
  g_autofree char *id = NULL;
  g_autofree char *when = NULL;
  g_autofree char *script = NULL;
  g_autoptr(GDateTime) hold = NULL;
  g_autoptr(EpOutboxEntry) entry = NULL;
  g_autoptr(GPtrArray) due = NULL;
  g_autoptr(EpSentInfo) info = NULL;
  g_autoptr(GError) error = NULL;

  fixture_init (&f);
  id = add_server_held (&f, &hold);
  entry = load (&f, id);
  g_assert_cmpint (entry->state, ==, EP_OUTBOX_STATE_QUEUED);
  g_assert_true (g_date_time_equal (entry->hold_until, hold));
  /* Due now (the real time: the entry was created after the fake clock's start). */
  due = ep_outbox_store_list_due (f.store, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (due->len, ==, 1);

  when = g_date_time_format (hold, "%Y-%m-%dT%H:%M:%SZ");
  script = g_strdup_printf (FUTURE_OPENING ("604800 2100-01-01T00:00:00Z")
                            "C: MAIL FROM:<" EP_SCRIPT_SENDER "> HOLDUNTIL=%s\n"
                            "C: RCPT TO:<ann@example.org>\n"
                            "C: DATA\n"
                            "S: 250 2.1.0 ok\n"
                            "S: 250 2.1.5 ok\n"
                            "S: 354 go ahead\n"
                            "DATA\n"
                            "S: 250 2.0.0 queued until later\n"
                            EP_SCRIPT_QUIT_EOF, when);
  {
    g_autoptr(EpScriptServer) server = ep_script_server_new_for_test (script);
    g_autoptr(EpOutboxDeliveryReport) report = deliver (&f, id, server, 0);

    g_assert_no_error (report->error);
    g_assert_cmpint (report->state, ==, EP_OUTBOX_STATE_DELIVERED);
    g_assert_true (ep_smtp_capabilities_has (report->result->capabilities,
                                             EP_SMTP_CAP_FUTURERELEASE));
  }
  g_assert_true (is_gone (&f, id));
  info = only_sent_copy (&f);
  g_assert_nonnull (info->hold_until);
  g_assert_true (g_date_time_equal (info->hold_until, hold));
  fixture_clear (&f);
}

/* ---- Delivery options (RFC 3461 DSN, RFC 8689 REQUIRETLS) ------------------------------------ */

/* Queued with notifications and "TLS all the way if offered": kept in the entry (a format an
 * older Epistle refuses rather than send without them), and applied by the attempt with the
 * Message-ID as ENVID; this server in clear has no REQUIRETLS, so the message goes without. */
static void
test_delivery_request (void)
{
  const EpSmtpDeliveryRequest request = {
    .dsn_notify = EP_SMTP_DSN_SUCCESS | EP_SMTP_DSN_FAILURE,
    .dsn_ret = EP_SMTP_DSN_RET_FULL,
    .require_tls = EP_SMTP_REQUIRE_TLS_IF_OFFERED,
  };
  Fixture f;
  g_autoptr(EpMessage) message = new_message ("ann@example.org", NULL, NULL);
  g_autoptr(EpOutboxEntry) entry = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *id = NULL;
  g_autofree char *meta_path = NULL;
  g_autofree char *meta = NULL;
  g_autofree char *script = NULL;
  g_autofree char *envid = NULL;

  fixture_init (&f);
  id = ep_outbox_add_message_with_request_sync (f.store, message, NULL, EP_OUTBOX_STATE_QUEUED, NULL,
                                                NULL, &request, FALSE, NULL, NULL, &error);
  g_assert_no_error (error);
  entry = load (&f, id);
  g_assert_cmpint (entry->request.dsn_notify, ==, request.dsn_notify);
  g_assert_cmpint (entry->request.dsn_ret, ==, EP_SMTP_DSN_RET_FULL);
  g_assert_cmpint (entry->request.require_tls, ==, EP_SMTP_REQUIRE_TLS_IF_OFFERED);
  g_assert_cmpstr (entry->dsn_envid, ==, ep_message_get_message_id (message));
  meta_path = g_build_filename (f.dir, "outbox", id, "meta.ini", NULL);
  g_assert_true (g_file_get_contents (meta_path, &meta, NULL, NULL));
  g_assert_nonnull (strstr (meta, "format=3\n"));
  g_assert_nonnull (strstr (meta, "dsn-notify=SUCCESS,FAILURE\n"));
  g_assert_nonnull (strstr (meta, "dsn-ret=full\n"));
  g_assert_nonnull (strstr (meta, "require-tls=if-offered\n"));
  {
    g_autoptr(GDateTime) after = g_date_time_add_seconds (entry->not_before, 1);

    clock_set (&f.clock, after);
  }

  envid = ep_smtp_xtext_encode (ep_message_get_message_id (message));
  script = g_strdup_printf (EP_SCRIPT_GREETING
                            "C: EHLO *\n"
                            "S: 250-mx.test\n"
                            "S: 250-PIPELINING\n"
                            "S: 250 DSN\n"
                            "C: MAIL FROM:<" EP_SCRIPT_SENDER "> RET=FULL ENVID=%s\n"
                            "C: RCPT TO:<ann@example.org> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;ann@example.org\n"
                            "C: DATA\n"
                            "S: 250 2.1.0 ok\n"
                            "S: 250 2.1.5 ok\n"
                            "S: 354 go ahead\n"
                            "DATA\n"
                            "S: 250 2.0.0 queued\n"
                            EP_SCRIPT_QUIT_EOF, envid);
  {
    g_autoptr(EpScriptServer) server = ep_script_server_new_for_test (script);
    g_autoptr(EpOutboxDeliveryReport) report = deliver (&f, id, server, 0);

    g_assert_no_error (report->error);
    g_assert_cmpint (report->state, ==, EP_OUTBOX_STATE_DELIVERED);
  }
  fixture_clear (&f);
}

/* Required, and the server does not offer REQUIRETLS: nothing is sent, the entry fails (trying
 * again would not help) and says why. */
static void
test_delivery_request_requiretls_refused (void)
{
  const EpSmtpDeliveryRequest request = { .require_tls = EP_SMTP_REQUIRE_TLS_ON };
  Fixture f;
  g_autoptr(EpMessage) message = new_message ("ann@example.org", NULL, NULL);
  g_autoptr(EpOutboxEntry) entry = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *id = NULL;

  fixture_init (&f);
  id = ep_outbox_add_message_with_request_sync (f.store, message, NULL, EP_OUTBOX_STATE_QUEUED, NULL,
                                                NULL, &request, FALSE, NULL, NULL, &error);
  g_assert_no_error (error);
  entry = load (&f, id);
  {
    g_autoptr(GDateTime) after = g_date_time_add_seconds (entry->not_before, 1);

    clock_set (&f.clock, after);
  }
  {
    g_autoptr(EpScriptServer) server = ep_script_server_new_for_test (EP_SCRIPT_GREETING
                                                                      EP_SCRIPT_EHLO_PIPELINING
                                                                      EP_SCRIPT_QUIT_EOF);
    g_autoptr(EpOutboxDeliveryReport) report = deliver (&f, id, server, 0);

    g_assert_error (report->error, EP_SMTP_ERROR, EP_SMTP_ERROR_REQUIRETLS_UNSUPPORTED);
    g_assert_cmpint (report->state, ==, EP_OUTBOX_STATE_FAILED);
    g_assert_false (ep_script_server_received_contains (server, "MAIL"));
  }
  g_clear_pointer (&entry, ep_outbox_entry_free);
  entry = load (&f, id);
  g_assert_nonnull (strstr (entry->last_error, "REQUIRETLS"));
  fixture_clear (&f);
}

/* The server will not hold it (FUTURERELEASE gone, its limit shorter now, or MAIL FROM refused
 * with the request): nothing is sent, the entry waits in the outbox for its time and says why;
 * at that time it goes without HOLDUNTIL=, and its Sent copy does not claim a hold. */
static void
test_server_hold_refused (void)
{
  static const char *scripts[] = {
    OPENING EP_SCRIPT_QUIT_EOF,
    FUTURE_OPENING ("3600 2100-01-01T00:00:00Z") EP_SCRIPT_QUIT_EOF,
    FUTURE_OPENING ("604800 2100-01-01T00:00:00Z")
      "C: MAIL FROM:<" EP_SCRIPT_SENDER "> HOLDUNTIL=*\n"
      "C: RCPT TO:<ann@example.org>\n"
      "C: DATA\n"
      "S: 554 5.3.4 HOLDUNTIL is beyond the limit\n"
      "S: 503 5.5.1 need MAIL\n"
      "S: 503 5.5.1 need RCPT\n"
      EP_SCRIPT_QUIT_EOF,
  };

  for (guint i = 0; i < G_N_ELEMENTS (scripts); i++)
    {
      Fixture f;
      g_autofree char *id = NULL;
      g_autoptr(GDateTime) hold = NULL;
      g_autoptr(EpOutboxEntry) entry = NULL;
      g_autoptr(GPtrArray) due = NULL;
      g_autoptr(EpSentInfo) info = NULL;
      g_autoptr(GError) error = NULL;

      g_test_message ("script %u", i);
      fixture_init (&f);
      id = add_server_held (&f, &hold);
      {
        g_autoptr(EpScriptServer) server = ep_script_server_new_for_test (scripts[i]);
        g_autoptr(EpOutboxDeliveryReport) report = deliver (&f, id, server, 0);

        g_assert_cmpint (report->state, ==, EP_OUTBOX_STATE_QUEUED);
        g_assert_nonnull (report->next_attempt);
        g_assert_true (g_date_time_equal (report->next_attempt, hold));
        g_autoptr(GBytes) body = ep_script_server_get_body (server, 0);

        g_assert_null (body);
        g_assert_null (report->sent_id);
      }
      entry = load (&f, id);
      g_assert_cmpint (entry->state, ==, EP_OUTBOX_STATE_QUEUED);
      g_assert_null (entry->hold_until);
      g_assert_true (g_date_time_equal (entry->not_before, hold));
      g_assert_nonnull (entry->last_error);
      g_assert_true (g_str_has_prefix (entry->last_error,
                                       "The server no longer holds messages; Epistle will send it at "));
      g_assert_cmpint (((EpOutboxAttempt *) entry->attempts->pdata[0])->outcome, ==,
                       EP_SMTP_OUTCOME_REFUSED);
      due = ep_outbox_store_list_due (f.store, NULL, NULL, &error);
      g_assert_no_error (error);
      g_assert_cmpuint (due->len, ==, 0);

      /* Its time: sent as any message. */
      clock_set (&f.clock, hold);
      {
        g_autofree char *script = g_strconcat (FUTURE_OPENING ("604800 2100-01-01T00:00:00Z"),
                                               EP_SCRIPT_DELIVER_TO ("ann@example.org"),
                                               EP_SCRIPT_QUIT_EOF, NULL);
        g_autoptr(EpScriptServer) server = ep_script_server_new_for_test (script);
        g_autoptr(EpOutboxDeliveryReport) report = deliver (&f, id, server, 0);

        g_assert_cmpint (report->state, ==, EP_OUTBOX_STATE_DELIVERED);
        g_assert_false (ep_script_server_received_contains (server, "HOLDUNTIL"));
      }
      info = only_sent_copy (&f);
      g_assert_null (info->hold_until);
      fixture_clear (&f);
    }
}

/* With at most two attempts, the second temporary failure is the last: failed, in words that
 * say so. */
static void
test_gives_up (void)
{
  Fixture f;
  g_autofree char *id = NULL;
  g_autoptr(EpOutboxEntry) entry = NULL;

  fixture_init (&f);
  f.policy.max_attempts = 2;
  id = add (&f, "ann@example.org", NULL);
  for (guint i = 0; i < 2; i++)
    {
      g_autoptr(EpScriptServer) server = ep_script_server_new_for_test ("S: 421 4.3.2 mx.test busy\n"
                                                                        "EOF\n");
      g_autoptr(GDateTime) later = g_date_time_add_seconds (f.clock.now, 90 * 60 + 30);
      g_autoptr(EpOutboxDeliveryReport) report = deliver (&f, id, server, 0);

      g_assert_cmpint (report->state, ==, i == 0 ? EP_OUTBOX_STATE_QUEUED : EP_OUTBOX_STATE_FAILED);
      clock_set (&f.clock, later);
    }
  entry = load (&f, id);
  g_assert_cmpint (entry->state, ==, EP_OUTBOX_STATE_FAILED);
  g_assert_true (g_str_has_prefix (entry->last_error, "Gave up after 2 attempts over 90 minutes: "));
  g_assert_nonnull (strstr (entry->last_error, "421 4.3.2 mx.test busy"));
  fixture_clear (&f);
}

/* Cancelled before it reached the server: back to queued, no attempt counted. */
static void
test_cancelled (void)
{
  Fixture f;
  g_autofree char *id = NULL;
  g_autoptr(EpOutboxEntry) entry = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(EpProfile) profile = ep_test_scripted_profile ("Scripted", 9, 5);
  g_autoptr(EpOutboxDeliveryReport) report = NULL;
  g_autoptr(GError) error = NULL;

  fixture_init (&f);
  id = add (&f, "ann@example.org", NULL);
  g_cancellable_cancel (cancellable);
  report = ep_outbox_deliver_sync (f.store, id, profile, &f.options, cancellable, &error);
  if (report == NULL)
    g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  else
    {
      g_assert_error (report->error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
      g_assert_cmpint (report->state, ==, EP_OUTBOX_STATE_QUEUED);
    }
  entry = load (&f, id);
  g_assert_cmpint (entry->state, ==, EP_OUTBOX_STATE_QUEUED);
  g_assert_cmpuint (entry->attempts->len, ==, 0);
  g_assert_null (entry->last_error);
  fixture_clear (&f);
}

/* A profile that signs in, with no secret given and none to be found: nothing tried, no report,
 * the entry exactly as it was (the caller asks for the secret and tries again). */
static void
test_missing_secret (void)
{
  Fixture f;
  g_autofree char *id = NULL;
  g_autofree char *meta_path = NULL;
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  g_autoptr(EpProfile) profile = ep_test_scripted_profile ("Scripted", 9, 5);
  g_autoptr(EpOutboxDeliveryReport) report = NULL;
  g_autoptr(GError) error = NULL;

  fixture_init (&f);
  id = add (&f, "ann@example.org", NULL);
  meta_path = g_build_filename (ep_outbox_store_get_dir (f.store), id, "meta.ini", NULL);
  before = ep_test_read_file (meta_path);
  ep_profile_set_security (profile, EP_SMTP_SECURITY_STARTTLS);
  ep_profile_set_username (profile, "me@example.org");

  report = ep_outbox_deliver_sync (f.store, id, profile, &f.options, NULL, &error);
  g_assert_null (report);
  g_assert_nonnull (error);
  g_test_message ("%s", error->message);
  g_assert_true (error->domain == EP_STORE_ERROR);
  after = ep_test_read_file (meta_path);
  g_assert_cmpstr (after, ==, before);
  fixture_clear (&f);
}

/* ---- Through EpSendOperation ----------------------------------------------------------------- */

typedef struct
{
  gboolean      done;
  EpSmtpResult *result;
  GError       *error;
  guint         stages;
} OpRun;

static void
op_done_cb (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  OpRun *run = user_data;

  run->result = ep_send_operation_run_finish (EP_SEND_OPERATION (object), result, &run->error);
  run->done = TRUE;
}

static void
op_stage_cb (GObject    *object,
             GParamSpec *pspec,
             gpointer    user_data)
{
  ((OpRun *) user_data)->stages++;
}

/* The operation's outbox mode: progress as for a direct send, the report after run_finish, the
 * retry policy it was given; a report of NULL when nothing could be tried. */
static void
test_send_operation (void)
{
  Fixture f;
  g_autofree char *id = NULL;
  g_autoptr(EpScriptServer) server = ep_script_server_new_for_test ("S: 421 4.3.2 mx.test busy\n"
                                                                    "EOF\n");
  g_autoptr(EpProfile) profile = NULL;
  g_autoptr(EpSendOperation) operation = NULL;
  const EpOutboxDeliveryReport *report;
  g_autoptr(GDateTime) before = NULL;
  g_autoptr(EpOutboxEntry) entry = NULL;
  OpRun run = { 0 };
  EpOutboxRetryPolicy policy;

  fixture_init (&f);
  id = add (&f, "ann@example.org", NULL);
  profile = ep_test_scripted_profile ("Scripted", ep_script_server_get_port (server), 5);
  operation = ep_send_operation_new_for_outbox (profile, f.store, id);
  ep_send_operation_set_sent_dir (operation, f.sent_dir);
  ep_outbox_retry_policy_init_default (&policy);
  policy.first_delay = 600;
  policy.jitter = 0;
  ep_send_operation_set_retry_policy (operation, &policy);
  g_signal_connect (operation, "notify::stage", G_CALLBACK (op_stage_cb), &run);

  before = g_date_time_new_now_utc ();
  ep_send_operation_run_async (operation, NULL, op_done_cb, &run);
  while (!run.done)
    g_main_context_iteration (NULL, TRUE);
  ep_script_server_assert_done (server, WAIT_MS);

  g_assert_error (run.error, EP_SMTP_ERROR, EP_SMTP_ERROR_TEMPORARY);
  g_assert_nonnull (run.result);
  g_assert_cmpint (run.result->outcome, ==, EP_SMTP_OUTCOME_TEMPORARY);
  g_assert_cmpuint (run.stages, >, 0);
  g_assert_cmpint (ep_send_operation_get_stage (operation), ==, EP_SMTP_STAGE_DONE);
  report = ep_send_operation_get_outbox_report (operation);
  g_assert_nonnull (report);
  g_assert_cmpint (report->state, ==, EP_OUTBOX_STATE_QUEUED);
  g_assert_cmpint (g_date_time_difference (report->next_attempt, before), >=, 600 * G_TIME_SPAN_SECOND);
  g_assert_cmpint (g_date_time_difference (report->next_attempt, before), <, 660 * G_TIME_SPAN_SECOND);
  entry = load (&f, id);
  g_assert_cmpint (entry->state, ==, EP_OUTBOX_STATE_QUEUED);
  g_assert_cmpuint (entry->attempts->len, ==, 1);

  /* Not due now: nothing tried, no report. */
  g_clear_pointer (&run.result, ep_smtp_result_unref);
  g_clear_error (&run.error);
  run.done = FALSE;
  ep_send_operation_run_async (operation, NULL, op_done_cb, &run);
  while (!run.done)
    g_main_context_iteration (NULL, TRUE);
  g_assert_error (run.error, EP_STORE_ERROR, EP_STORE_ERROR_WRONG_STATE);
  g_assert_null (run.result);
  g_assert_null (ep_send_operation_get_outbox_report (operation));
  g_clear_error (&run.error);

  g_signal_handlers_disconnect_by_data (operation, &run);
  ep_test_wait_sole_owner (operation, NULL);
  g_assert_finalize_object (g_steal_pointer (&operation));
  fixture_clear (&f);
}

/* ---- Several entries over one connection --------------------------------------------------- */

/* What a batch reported for each entry, in order. */
typedef struct
{
  GPtrArray *ids;
  GPtrArray *states;    /* GINT_TO_POINTER (state), or -1 when not tried */
  GPtrArray *sent_ids;  /* nullable strings */
  GPtrArray *errors;    /* why not tried (GError), nullable */
} BatchRun;

static void
error_free_nullable (gpointer error)
{
  if (error != NULL)
    g_error_free (error);
}

static void
batch_run_init (BatchRun *run)
{
  run->ids = g_ptr_array_new_with_free_func (g_free);
  run->states = g_ptr_array_new ();
  run->sent_ids = g_ptr_array_new_with_free_func (g_free);
  run->errors = g_ptr_array_new_with_free_func (error_free_nullable);
}

static void
batch_run_clear (BatchRun *run)
{
  g_ptr_array_unref (run->ids);
  g_ptr_array_unref (run->states);
  g_ptr_array_unref (run->sent_ids);
  g_ptr_array_unref (run->errors);
}

static void
batch_delivered_cb (const char             *id,
                    EpOutboxDeliveryReport *report_in,
                    const GError           *error,
                    gpointer                user_data)
{
  g_autoptr(EpOutboxDeliveryReport) report = report_in;
  BatchRun *run = user_data;

  g_assert_true ((report == NULL) == (error != NULL));
  if (report != NULL && report->error != NULL)
    g_test_message ("%s: %s", id, report->error->message);
  g_ptr_array_add (run->ids, g_strdup (id));
  g_ptr_array_add (run->states, GINT_TO_POINTER (report != NULL ? (int) report->state : -1));
  g_ptr_array_add (run->sent_ids, report != NULL ? g_strdup (report->sent_id) : NULL);
  g_ptr_array_add (run->errors, error != NULL ? g_error_copy (error) : NULL);
}

/* @ids as one batch against @server (playing its one connection's script to the end). */
static void
deliver_batch (Fixture            *f,
               const char * const *ids,
               EpScriptServer     *server,
               BatchRun           *run)
{
  g_autoptr(EpProfile) profile = ep_test_scripted_profile ("Scripted", ep_script_server_get_port (server), 5);

  batch_run_init (run);
  ep_outbox_deliver_batch_sync (f->store, ids, profile, &f->options, batch_delivered_cb, run, NULL);
  g_assert_cmpuint (run->ids->len, ==, g_strv_length ((char **) ids));
  for (guint i = 0; ids[i] != NULL; i++)
    g_assert_cmpstr (run->ids->pdata[i], ==, ids[i]);
  ep_script_server_assert_done (server, WAIT_MS);
}

static int
batch_state (BatchRun *run,
             guint     i)
{
  return GPOINTER_TO_INT (run->states->pdata[i]);
}

/* Whether @text holds the connection's opening and @rcpt's transaction, and no other's. */
static void
assert_own_transcript (const char         *text,
                       const char         *rcpt,
                       const char * const *others)
{
  g_autofree char *mine = g_strdup_printf ("C: RCPT TO:<%s>", rcpt);

  g_assert_nonnull (text);
  g_assert_nonnull (strstr (text, "S: 220 mx.test ESMTP"));
  g_assert_nonnull (strstr (text, "C: EHLO "));
  g_assert_nonnull (strstr (text, mine));
  for (guint i = 0; others[i] != NULL; i++)
    {
      g_autofree char *other = g_strdup_printf ("C: RCPT TO:<%s>", others[i]);

      if (g_strcmp0 (others[i], rcpt) != 0)
        g_assert_null (strstr (text, other));
    }
}

static char *
sent_transcript (Fixture    *f,
                 const char *sent_id)
{
  g_autoptr(EpSentStore) sent = ep_sent_store_new (f->sent_dir);
  g_autoptr(GError) error = NULL;
  char *text = ep_sent_store_load_transcript (sent, sent_id, &error);

  g_assert_no_error (error);
  return text;
}

/* Three entries, one connection: one greeting, one EHLO, three transactions, one QUIT; each
 * delivered with its own Sent copy (its own bytes) and its own transcript. */
static void
test_batch_one_connection (void)
{
  static const char * const rcpts[] = { "ann@example.org", "bob@example.org", "cat@example.org", NULL };
  Fixture f;
  BatchRun run;
  char *ids[4] = { NULL };
  char *stored[3] = { NULL };

  fixture_init (&f);
  for (guint i = 0; i < 3; i++)
    {
      ids[i] = add (&f, rcpts[i], NULL);
      stored[i] = stored_message (&f, ids[i]);
    }

  {
    g_autoptr(EpScriptServer) server =
      ep_script_server_new_for_test (OPENING
                                     EP_SCRIPT_DELIVER_TO ("ann@example.org")
                                     EP_SCRIPT_DELIVER_TO ("bob@example.org")
                                     EP_SCRIPT_DELIVER_TO ("cat@example.org")
                                     EP_SCRIPT_QUIT_EOF);

    deliver_batch (&f, (const char * const *) ids, server, &run);
    g_assert_cmpuint (ep_script_server_get_n_bodies (server), ==, 3);
    for (guint i = 0; i < 3; i++)
      {
        g_autoptr(GBytes) body = ep_script_server_get_body (server, i);
        g_autofree char *received = g_strndup (g_bytes_get_data (body, NULL), g_bytes_get_size (body));

        g_assert_cmpstr (received, ==, stored[i]);
      }
  }

  for (guint i = 0; i < 3; i++)
    {
      g_autofree char *transcript = NULL;
      g_autoptr(EpSentStore) sent = ep_sent_store_new (f.sent_dir);
      g_autofree char *path = NULL;
      g_autofree char *copy = NULL;

      g_assert_cmpint (batch_state (&run, i), ==, EP_OUTBOX_STATE_DELIVERED);
      g_assert_nonnull (run.sent_ids->pdata[i]);
      g_assert_true (is_gone (&f, ids[i]));
      path = ep_sent_store_dup_message_path (sent, run.sent_ids->pdata[i]);
      copy = ep_test_read_file (path);
      g_assert_cmpstr (copy, ==, stored[i]);
      transcript = sent_transcript (&f, run.sent_ids->pdata[i]);
      assert_own_transcript (transcript, rcpts[i], rcpts);
    }

  batch_run_clear (&run);
  for (guint i = 0; i < 3; i++)
    {
      g_free (ids[i]);
      g_free (stored[i]);
    }
  fixture_clear (&f);
}

/* The second entry's recipient is refused: that entry fails with the server's words, RSET
 * clears the transaction, and the third still goes over the same connection. */
static void
test_batch_refused_middle (void)
{
  static const char * const rcpts[] = { "ann@example.org", "bob@example.org", "cat@example.org", NULL };
  Fixture f;
  BatchRun run;
  char *ids[4] = { NULL };
  g_autoptr(EpOutboxEntry) entry = NULL;
  g_autofree char *transcript = NULL;
  g_autoptr(GError) error = NULL;

  fixture_init (&f);
  for (guint i = 0; i < 3; i++)
    ids[i] = add (&f, rcpts[i], NULL);

  {
    g_autoptr(EpScriptServer) server =
      ep_script_server_new_for_test (OPENING
                                     EP_SCRIPT_DELIVER_TO ("ann@example.org")
                                     "C: MAIL FROM:<" EP_SCRIPT_SENDER ">*\n"
                                     "C: RCPT TO:<bob@example.org>\n"
                                     "C: DATA\n"
                                     "S: 250 2.1.0 ok\n"
                                     "S: 550 5.1.1 No such user bob\n"
                                     "S: 554 5.5.1 No valid recipients\n"
                                     "C: RSET\n"
                                     "S: 250 2.0.0 Reset\n"
                                     EP_SCRIPT_DELIVER_TO ("cat@example.org")
                                     EP_SCRIPT_QUIT_EOF);

    deliver_batch (&f, (const char * const *) ids, server, &run);
    g_assert_cmpuint (ep_script_server_get_n_bodies (server), ==, 2);
  }

  g_assert_cmpint (batch_state (&run, 0), ==, EP_OUTBOX_STATE_DELIVERED);
  g_assert_true (is_gone (&f, ids[0]));
  g_assert_cmpint (batch_state (&run, 1), ==, EP_OUTBOX_STATE_FAILED);
  g_assert_null (run.sent_ids->pdata[1]);
  entry = load (&f, ids[1]);
  g_assert_cmpint (entry->state, ==, EP_OUTBOX_STATE_FAILED);
  g_assert_cmpuint (entry->attempts->len, ==, 1);
  g_assert_nonnull (strstr (entry->last_error, "550 5.1.1 No such user bob"));
  transcript = ep_outbox_store_load_transcript (f.store, ids[1], 1, &error);
  g_assert_no_error (error);
  assert_own_transcript (transcript, "bob@example.org", rcpts);
  g_assert_cmpint (batch_state (&run, 2), ==, EP_OUTBOX_STATE_DELIVERED);
  g_assert_true (is_gone (&f, ids[2]));

  batch_run_clear (&run);
  for (guint i = 0; i < 3; i++)
    g_free (ids[i]);
  fixture_clear (&f);
}

/* RSET after the refused entry is answered with 421: the third entry is not tried. */
static void
test_batch_rset_refused (void)
{
  static const char * const rcpts[] = { "ann@example.org", "bob@example.org", NULL };
  Fixture f;
  BatchRun run;
  char *ids[3] = { NULL };
  g_autoptr(EpOutboxEntry) refused = NULL;
  g_autoptr(EpOutboxEntry) left = NULL;

  fixture_init (&f);
  for (guint i = 0; i < 2; i++)
    ids[i] = add (&f, rcpts[i], NULL);

  {
    g_autoptr(EpScriptServer) server =
      ep_script_server_new_for_test (OPENING
                                     "C: MAIL FROM:<" EP_SCRIPT_SENDER ">*\n"
                                     "C: RCPT TO:<ann@example.org>\n"
                                     "C: DATA\n"
                                     "S: 250 2.1.0 ok\n"
                                     "S: 550 5.1.1 No such user ann\n"
                                     "S: 554 5.5.1 No valid recipients\n"
                                     "C: RSET\n"
                                     "S: 421 4.3.2 mx.test closing\n"
                                     "EOF\n");

    deliver_batch (&f, (const char * const *) ids, server, &run);
  }

  g_assert_cmpint (batch_state (&run, 0), ==, EP_OUTBOX_STATE_FAILED);
  refused = load (&f, ids[0]);
  g_assert_cmpuint (refused->attempts->len, ==, 1);
  g_assert_cmpint (batch_state (&run, 1), ==, -1);
  g_assert_error ((GError *) run.errors->pdata[1], EP_SMTP_ERROR, EP_SMTP_ERROR_TEMPORARY);
  left = load (&f, ids[1]);
  g_assert_cmpint (left->state, ==, EP_OUTBOX_STATE_QUEUED);
  g_assert_cmpuint (left->attempts->len, ==, 0);

  batch_run_clear (&run);
  for (guint i = 0; i < 2; i++)
    g_free (ids[i]);
  fixture_clear (&f);
}

/* The server says 421 right after the first message (in the segment of its 250, or hangs up
 * without a word): that one is delivered; the other two are not tried (still queued, due, no
 * attempt counted). */
static void
test_batch_ended_between (gconstpointer data)
{
  const char *ending = data;
  static const char * const rcpts[] = { "ann@example.org", "bob@example.org", "cat@example.org", NULL };
  Fixture f;
  BatchRun run;
  char *ids[4] = { NULL };

  fixture_init (&f);
  for (guint i = 0; i < 3; i++)
    ids[i] = add (&f, rcpts[i], NULL);

  {
    g_autofree char *script = g_strconcat (OPENING
                                           "C: MAIL FROM:<" EP_SCRIPT_SENDER ">*\n"
                                           "C: RCPT TO:<ann@example.org>\n"
                                           "C: DATA\n"
                                           "S: 250 2.1.0 ok\n"
                                           "S: 250 2.1.5 ok\n"
                                           "S: 354 go ahead\n"
                                           "DATA\n",
                                           ending, NULL);
    g_autoptr(EpScriptServer) server = ep_script_server_new_for_test (script);

    deliver_batch (&f, (const char * const *) ids, server, &run);
  }

  g_assert_cmpint (batch_state (&run, 0), ==, EP_OUTBOX_STATE_DELIVERED);
  g_assert_true (is_gone (&f, ids[0]));
  for (guint i = 1; i < 3; i++)
    {
      g_autoptr(EpOutboxEntry) entry = load (&f, ids[i]);

      g_assert_cmpint (batch_state (&run, i), ==, -1);
      g_assert_nonnull (run.errors->pdata[i]);
      g_assert_cmpint (entry->state, ==, EP_OUTBOX_STATE_QUEUED);
      g_assert_cmpuint (entry->attempts->len, ==, 0);
      g_assert_null (entry->last_error);
    }

  batch_run_clear (&run);
  for (guint i = 0; i < 3; i++)
    g_free (ids[i]);
  fixture_clear (&f);
}

/* A copy refused because the server had several Sent folders waits for the person's choice;
 * once made, that profile's such copies are due again, and nothing else changes. */
static void
test_requeue_after_choice (void)
{
  g_autofree char *dir = ep_test_make_dir ("requeue");
  g_autoptr(EpSentStore) sent = ep_sent_store_new (dir);
  g_autoptr(GDateTime) now = g_date_time_new_utc (2026, 12, 7, 6, 0, 0);
  const char *profiles[] = { "mine", "mine", "other" };
  gboolean choose[] = { TRUE, FALSE, TRUE };
  g_autoptr(GPtrArray) list = NULL;
  g_autoptr(GPtrArray) due = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (profiles); i++)
    {
      g_autoptr(EpSentInfo) info = ep_sent_info_new ();
      g_autoptr(EpSentCopyStatus) status = ep_sent_copy_status_new ();
      g_autoptr(GInputStream) in = g_memory_input_stream_new_from_data ("Subject: x\r\n\r\nx\r\n", 17, NULL);
      g_autoptr(GError) error = NULL;
      g_autofree char *entry_dir = NULL;

      info->date = g_date_time_ref (now);
      info->profile_id = g_strdup (profiles[i]);
      info->outcome = EP_SMTP_OUTCOME_DELIVERED;
      g_assert_true (ep_sent_store_add (sent, info, in, "", NULL, &error));
      g_assert_no_error (error);
      entry_dir = g_build_filename (dir, info->id, NULL);
      status->state = EP_SENT_COPY_FAILED;
      status->attempts = 1;
      status->choose_folder = choose[i];
      status->last_error = g_strdup ("several Sent folders");
      g_assert_true (ep_sent_copy_status_save (entry_dir, status, &error));
    }
  due = ep_outbox_list_sent_copies_due (dir, now);
  g_assert_cmpuint (due->len, ==, 0);
  g_clear_pointer (&due, g_ptr_array_unref);

  g_assert_cmpuint (ep_outbox_requeue_sent_copies (dir, "mine", now), ==, 1);
  due = ep_outbox_list_sent_copies_due (dir, now);
  g_assert_cmpuint (due->len, ==, 1);
  g_assert_cmpstr (((EpSentInfo *) due->pdata[0])->profile_id, ==, "mine");
  {
    g_autofree char *entry_dir = g_build_filename (dir, ((EpSentInfo *) due->pdata[0])->id, NULL);
    g_autoptr(EpSentCopyStatus) status = ep_sent_copy_status_load (entry_dir, NULL);

    g_assert_cmpint (status->state, ==, EP_SENT_COPY_PENDING);
    g_assert_false (status->choose_folder);
    g_assert_true (g_date_time_equal (status->next_attempt, now));
  }
  /* Once: nothing left to requeue for it. */
  g_assert_cmpuint (ep_outbox_requeue_sent_copies (dir, "mine", now), ==, 0);
  list = ep_sent_store_list (sent, NULL, NULL);
  g_assert_cmpuint (list->len, ==, 3);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/outbox-delivery/policy", test_policy);
  g_test_add_func ("/outbox-delivery/requeue-after-choice", test_requeue_after_choice);
  g_test_add_func ("/outbox-delivery/add-message", test_add_message);
  g_test_add_func ("/outbox-delivery/temporary-then-delivered", test_temporary_then_delivered);
  g_test_add_func ("/outbox-delivery/connection-refused-then-server", test_connection_refused_then_server);
  g_test_add_func ("/outbox-delivery/lost-after-end-of-data", test_lost_after_end_of_data);
  g_test_add_func ("/outbox-delivery/data-sent-before-end", test_data_sent_before_end);
  g_test_add_func ("/outbox-delivery/partial-retry", test_partial_retry);
  g_test_add_func ("/outbox-delivery/refused", test_refused);
  g_test_add_func ("/outbox-delivery/server-hold", test_server_hold);
  g_test_add_func ("/outbox-delivery/server-hold-refused", test_server_hold_refused);
  g_test_add_func ("/outbox-delivery/gives-up", test_gives_up);
  g_test_add_func ("/outbox-delivery/cancelled", test_cancelled);
  g_test_add_func ("/outbox-delivery/missing-secret", test_missing_secret);
  g_test_add_func ("/outbox-delivery/send-operation", test_send_operation);
  g_test_add_func ("/outbox-delivery/delivery-request", test_delivery_request);
  g_test_add_func ("/outbox-delivery/delivery-request-requiretls-refused",
                   test_delivery_request_requiretls_refused);
  g_test_add_func ("/outbox-delivery/8bit/kept-for-8bitmime", test_8bit_kept_for_8bitmime);
  g_test_add_func ("/outbox-delivery/8bit/file-without-8bitmime", test_8bit_file_without_8bitmime);
  g_test_add_func ("/outbox-delivery/8bit/server-dropped-8bitmime", test_8bit_server_dropped_8bitmime);
  g_test_add_func ("/outbox-delivery/batch/one-connection", test_batch_one_connection);
  g_test_add_func ("/outbox-delivery/batch/refused-middle", test_batch_refused_middle);
  g_test_add_func ("/outbox-delivery/batch/rset-refused", test_batch_rset_refused);
  /* The 421 in the same segment as the 250: the client has it before it goes on; after it
   * the client must close without a word. */
  g_test_add_data_func ("/outbox-delivery/batch/421-between",
                        "S! 250 2.0.0 queued\\r\\n421 4.3.2 mx.test closing\\r\\n\n"
                        "EOF\n",
                        test_batch_ended_between);
  g_test_add_data_func ("/outbox-delivery/batch/closed-between",
                        "S: 250 2.0.0 queued\n"
                        "CLOSE\n",
                        test_batch_ended_between);

  return g_test_run ();
}
