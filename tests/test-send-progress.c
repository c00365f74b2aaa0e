/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-send-progress.c: EpSendOperation against the scripted server: the session runs on a
 * worker thread, and its progress and outcome arrive on the caller's main context only, in
 * order (stages rising, DONE and the last byte count before the outcome), coalesced, nothing
 * after the outcome; the operation is let go of once it has finished. */
#include "config.h"

#include "ep-address.h"
#include "ep-message.h"
#include "ep-profile.h"
#include "ep-script-server.h"
#include "ep-send-operation.h"
#include "ep-smtp-scripts.h"
#include "ep-test-util.h"

#define WAIT_US (20 * G_USEC_PER_SEC)

/* Big enough that the body takes several progress reports. */
#define BODY_LINES 40000

static const char *PLAIN_SESSION =
  EP_SCRIPT_GREETING
  EP_SCRIPT_EHLO_PIPELINING
  EP_SCRIPT_DELIVER_TO ("you@example.org")
  "C: QUIT\n"
  "S: 221 2.0.0 bye\n";

typedef struct {
  EpTestCaller  caller;            /* notifications off its context, and after the outcome */
  GArray       *stages;            /* EpSmtpStage, as notified */
  guint         bytes_notified;
  EpSmtpStage   stage_at_outcome;
  guint64       sent_at_outcome;
  guint64       total_at_outcome;
  EpSmtpResult *result;
  GError       *error;
} Watch;

static void
stage_cb (EpSendOperation *op,
          GParamSpec      *pspec,
          Watch           *watch)
{
  EpSmtpStage stage = ep_send_operation_get_stage (op);

  ep_test_caller_check (&watch->caller);
  g_array_append_val (watch->stages, stage);
}

static void
bytes_cb (EpSendOperation *op,
          GParamSpec      *pspec,
          Watch           *watch)
{
  ep_test_caller_check (&watch->caller);
  watch->bytes_notified++;
}

static void
status_cb (EpSendOperation *op,
           GParamSpec      *pspec,
           Watch           *watch)
{
  ep_test_caller_check (&watch->caller);
}

static void
done_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  EpSendOperation *op = EP_SEND_OPERATION (source);
  Watch *watch = user_data;

  ep_test_caller_check (&watch->caller);
  watch->result = ep_send_operation_run_finish (op, result, &watch->error);
  watch->stage_at_outcome = ep_send_operation_get_stage (op);
  watch->sent_at_outcome = ep_send_operation_get_bytes_sent (op);
  watch->total_at_outcome = ep_send_operation_get_bytes_total (op);
  watch->caller.finished = TRUE;
}

static EpMessage *
big_message (void)
{
  g_autoptr(EpMessage) message = ep_message_new ();
  g_autoptr(GString) body = g_string_new (NULL);
  g_autoptr(EpAddress) from = ep_address_new ("Me", "me@example.org", "From", NULL);
  g_autoptr(EpAddress) to = ep_address_new ("You", "you@example.org", "To", NULL);

  for (guint i = 0; i < BODY_LINES; i++)
    g_string_append_printf (body, "Line %u of a long letter, long enough to be sent in pieces.\n", i);
  ep_message_set_from (message, from);
  ep_message_add_to (message, to);
  g_assert_true (ep_message_set_subject (message, "Progress", NULL));
  g_assert_true (ep_message_set_body (message, body->str, body->len, NULL));
  return g_steal_pointer (&message);
}

/* The session on a worker thread; what it reports, and the outcome, on the caller's main
 * context (its own here, not the global default one). */
static void
test_worker_and_main_context (void)
{
  g_autoptr(EpScriptServer) server = ep_script_server_new_for_test (PLAIN_SESSION);
  g_autoptr(EpProfile) profile = NULL;
  g_autoptr(EpMessage) message = big_message ();
  g_autofree char *sent_dir = ep_test_make_dir ("sent");
  EpSendOperation *op;
  Watch watch = { 0 };
  gint64 start, elapsed, end;

  profile = ep_test_scripted_profile ("Scripted", ep_script_server_get_port (server), 10);
  ep_test_caller_init (&watch.caller);
  watch.stages = g_array_new (FALSE, FALSE, sizeof (EpSmtpStage));

  op = ep_send_operation_new (profile, message);
  g_assert_cmpint (ep_send_operation_get_stage (op), ==, EP_SMTP_STAGE_CONNECTING);
  g_object_add_weak_pointer (G_OBJECT (op), (gpointer *) &op);
  ep_send_operation_set_sent_dir (op, sent_dir);
  g_signal_connect (op, "notify::stage", G_CALLBACK (stage_cb), &watch);
  g_signal_connect (op, "notify::bytes-sent", G_CALLBACK (bytes_cb), &watch);
  g_signal_connect (op, "notify::status-text", G_CALLBACK (status_cb), &watch);
  start = g_get_monotonic_time ();
  ep_send_operation_run_async (op, NULL, done_cb, &watch);
  end = start + WAIT_US;
  while (!watch.caller.finished && g_get_monotonic_time () < end)
    g_main_context_iteration (watch.caller.context, TRUE);
  elapsed = g_get_monotonic_time () - start;
  g_assert_true (watch.caller.finished);

  g_assert_no_error (watch.error);
  g_assert_nonnull (watch.result);
  g_assert_cmpint (watch.result->outcome, ==, EP_SMTP_OUTCOME_DELIVERED);
  g_assert_nonnull (ep_send_operation_get_sent_id (op));
  g_assert_true (ep_script_server_wait (server, 5000, NULL));
  g_assert_true (ep_script_server_get_completed (server));

  /* Only ever on the caller's thread and context: nothing ran on the global default one. */
  g_assert_cmpuint (watch.caller.elsewhere, ==, 0);
  /* Stages rising from CONNECTING (where it starts) through SENDING to DONE, all of them
   * before the outcome, with the last byte count. */
  g_assert_cmpuint (watch.stages->len, >=, 3);
  g_assert_cmpint (g_array_index (watch.stages, EpSmtpStage, 0), ==, EP_SMTP_STAGE_SENDING);
  for (guint i = 1; i < watch.stages->len; i++)
    g_assert_cmpint (g_array_index (watch.stages, EpSmtpStage, i), >, g_array_index (watch.stages, EpSmtpStage, i - 1));
  g_assert_cmpint (watch.stage_at_outcome, ==, EP_SMTP_STAGE_DONE);
  g_assert_cmpuint (watch.total_at_outcome, >, BODY_LINES * 50);
  g_assert_cmpuint (watch.sent_at_outcome, ==, watch.total_at_outcome);
  /* Coalesced: at most one byte count per interval (100 ms), besides one per stage. */
  g_test_message ("%u byte counts in %" G_GINT64_FORMAT " ms", watch.bytes_notified, elapsed / 1000);
  g_assert_cmpuint (watch.bytes_notified, <=, elapsed / (100 * 1000) + 1 + watch.stages->len);

  /* Nothing after the outcome; then the operation is let go of (the relay held it). */
  ep_test_caller_assert_quiet (&watch.caller, 300);
  g_object_unref (op);
  g_assert_null (op);

  ep_smtp_result_unref (watch.result);
  g_array_unref (watch.stages);
  ep_test_caller_clear (&watch.caller);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/send-progress/worker-and-main-context", test_worker_and_main_context);

  return g_test_run ();
}
