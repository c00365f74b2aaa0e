/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-send-operation.c: EpSendOperation end to end against the scripted server, one
 * outcome per case: a delivery and its Sent copy (the very bytes the server got), a typed
 * password used over STARTTLS and kept out of the copy, a refused recipient with and without
 * allow-partial, a partial delivery, a cancellation, what is refused before connecting, and a
 * copy that cannot be kept. Each run also checks that progress came on the caller's main context,
 * in order, and that the operation is let go of afterwards. */
#include "config.h"

#include <string.h>

#include "ep-address.h"
#include "ep-mime-error.h"
#include "ep-script-server.h"
#include "ep-send-operation.h"
#include "ep-sent-store.h"
#include "ep-smtp.h"
#include "ep-smtp-scripts.h"
#include "ep-test-certs.h"
#include "ep-test-util.h"

#define PASSWORD "typed-S3cret"
#define WAIT_MS  5000

/* Two recipients, nobody@example.org refused in the server's words. */
#define REFUSING_NOBODY EP_SCRIPT_GREETING EP_SCRIPT_EHLO_PIPELINING                \
                        EP_SCRIPT_REFUSE_SECOND ("ann@example.org", "nobody@example.org", \
                                                 "550 5.1.1 <nobody@example.org>: User unknown")

/* --- fixtures ------------------------------------------------------------------------------- */

/* The scripted server's profile (ep-smtp-scripts.h), 5 s for each reply. */
static EpProfile *
plain_profile (EpScriptServer *server)
{
  return ep_test_scripted_profile ("Scripted", ep_script_server_get_port (server), 5);
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

/* No line of the body starts with a dot: the DATA the server reads is the message as is. */
static EpMessage *
new_message (const char *to,
             const char *cc)
{
  EpMessage *message = ep_message_new ();
  g_autoptr(EpAddress) from = ep_address_new ("Me", EP_SCRIPT_SENDER, "From", NULL);
  g_autoptr(GError) error = NULL;

  ep_message_set_from (message, from);
  add_addresses (message, to, "To", ep_message_add_to);
  add_addresses (message, cc, "Cc", ep_message_add_cc);
  g_assert_true (ep_message_set_subject (message, "Operation", &error));
  g_assert_true (ep_message_set_body (message, "Hello from the operation.\n", -1, &error));
  g_assert_no_error (error);
  return message;
}

/* --- running an operation ------------------------------------------------------------------- */

typedef struct
{
  GMainContext    *context;         /* pushed as the thread default: the caller's context */
  GThread         *thread;
  EpSendOperation *operation;
  GCancellable    *cancellable;
  GArray          *stages;          /* EpSmtpStage, each "stage" notification */
  GArray          *bytes_sent;      /* guint64, each "bytes-sent" notification */
  guint            n_notifications;
  guint            n_before_done;   /* notifications before the callback ran */
  gboolean         wrong_context;
  gboolean         done;
  EpSmtpResult    *result;
  GError          *error;
  gint64           cancelled_at;
  EpScriptServer  *server;          /* for test_cancel */
} Run;

/* Progress is for the UI: it must come on the thread and context that started the operation. */
static void
notify_cb (GObject    *object,
           GParamSpec *pspec,
           gpointer    user_data)
{
  Run *run = user_data;

  if (g_thread_self () != run->thread || !g_main_context_is_owner (run->context))
    run->wrong_context = TRUE;
  run->n_notifications++;

  if (g_str_equal (pspec->name, "stage"))
    {
      EpSmtpStage stage = ep_send_operation_get_stage (run->operation);

      g_array_append_val (run->stages, stage);
    }
  else if (g_str_equal (pspec->name, "bytes-sent"))
    {
      guint64 sent = ep_send_operation_get_bytes_sent (run->operation);

      g_array_append_val (run->bytes_sent, sent);
    }
}

static void
done_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  Run *run = user_data;

  g_assert_true (g_thread_self () == run->thread);
  run->n_before_done = run->n_notifications;
  run->result = ep_send_operation_run_finish (EP_SEND_OPERATION (object), result, &run->error);
  run->done = TRUE;
}

static gboolean
give_up_cb (gpointer user_data)
{
  g_error ("the send operation did not finish in time");
  return G_SOURCE_REMOVE;
}

static void
run_init (Run             *run,
          EpSendOperation *operation)
{
  memset (run, 0, sizeof *run);
  run->context = g_main_context_new ();
  run->thread = g_thread_self ();
  run->operation = operation;
  run->cancellable = g_cancellable_new ();
  run->stages = g_array_new (FALSE, FALSE, sizeof (EpSmtpStage));
  run->bytes_sent = g_array_new (FALSE, FALSE, sizeof (guint64));
  g_signal_connect (operation, "notify", G_CALLBACK (notify_cb), run);
}

/* Runs the operation on a context of its own, as a caller other than the default context would,
 * until its callback ran and it let go of every reference it took to itself (the worker's task,
 * progress on its way: moments after the outcome, not more), so that the caller is its last
 * owner again. */
static void
run_operation (Run *run)
{
  g_autoptr(GSource) guard = g_timeout_source_new (ep_test_slack (30 * G_USEC_PER_SEC) / 1000);

  g_main_context_push_thread_default (run->context);
  g_source_set_callback (guard, give_up_cb, NULL, NULL);
  g_source_attach (guard, run->context);

  ep_send_operation_run_async (run->operation, run->cancellable, done_cb, run);
  while (!run->done)
    g_main_context_iteration (run->context, TRUE);
  g_source_destroy (guard);

  ep_test_wait_sole_owner (run->operation, run->context);

  g_main_context_pop_thread_default (run->context);
  g_signal_handlers_disconnect_by_data (run->operation, run);

  if (run->error != NULL)
    g_test_message ("error: %s (%s %d)", run->error->message,
                    g_quark_to_string (run->error->domain), run->error->code);
  /* Nothing went to the global default context instead. */
  g_assert_false (g_main_context_pending (NULL));
  g_assert_false (run->wrong_context);
}

static void
run_clear (Run *run)
{
  g_clear_pointer (&run->context, g_main_context_unref);
  g_clear_object (&run->cancellable);
  g_clear_pointer (&run->stages, g_array_unref);
  g_clear_pointer (&run->bytes_sent, g_array_unref);
  g_clear_pointer (&run->result, ep_smtp_result_unref);
  g_clear_error (&run->error);
}

/* Progress in order: stages only rise, bytes never shrink, and the last word is DONE with
 * everything counted. */
static void
assert_progress_in_order (Run *run)
{
  EpSendOperation *operation = run->operation;

  g_assert_cmpuint (run->stages->len, >, 0);
  for (guint i = 1; i < run->stages->len; i++)
    g_assert_cmpint (g_array_index (run->stages, EpSmtpStage, i - 1), <, g_array_index (run->stages, EpSmtpStage, i));
  for (guint i = 1; i < run->bytes_sent->len; i++)
    g_assert_cmpuint (g_array_index (run->bytes_sent, guint64, i - 1), <=, g_array_index (run->bytes_sent, guint64, i));
  g_assert_cmpint (g_array_index (run->stages, EpSmtpStage, run->stages->len - 1), ==, EP_SMTP_STAGE_DONE);
  g_assert_cmpint (ep_send_operation_get_stage (operation), ==, EP_SMTP_STAGE_DONE);
  g_assert_cmpstr (ep_send_operation_get_status_text (operation), ==, "Finished");
  /* Progress came while the message was on its way, not only with the outcome. */
  g_assert_cmpuint (run->n_before_done, >, 0);
}

static EpSentInfo *
only_sent_copy (const char *sent_dir,
                const char *id)
{
  g_autoptr(EpSentStore) store = ep_sent_store_new (sent_dir);
  g_autoptr(GPtrArray) problems = NULL;
  g_autoptr(GPtrArray) list = NULL;
  g_autoptr(GError) error = NULL;
  EpSentInfo *info;

  list = ep_sent_store_list (store, &problems, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (list->len, ==, 1);
  g_assert_true (problems == NULL || problems->len == 0);
  info = ep_sent_info_copy (g_ptr_array_index (list, 0));
  g_assert_cmpstr (info->id, ==, id);
  g_assert_finalize_object (g_steal_pointer (&store));
  return info;
}

/* The stored message: one folder per copy, its bytes in message.eml (ep-sent-store.c). */
static char *
sent_copy_bytes (const char *sent_dir,
                 const char *id)
{
  g_autofree char *path = g_build_filename (sent_dir, id, "message.eml", NULL);

  return ep_test_read_file (path);
}

static char *
sent_copy_transcript (const char *sent_dir,
                      const char *id)
{
  g_autoptr(EpSentStore) store = ep_sent_store_new (sent_dir);
  g_autoptr(GError) error = NULL;
  char *transcript = ep_sent_store_load_transcript (store, id, &error);

  g_assert_no_error (error);
  g_assert_finalize_object (g_steal_pointer (&store));
  return transcript;
}

static char *
body_received (EpScriptServer *server,
               guint           index)
{
  g_autoptr(GBytes) body = ep_script_server_get_body (server, index);

  g_assert_nonnull (body);
  return g_strndup (g_bytes_get_data (body, NULL), g_bytes_get_size (body));
}

/* The operation holds the profile and the message; once it is gone, the test is their last
 * owner, as it is the server's. */
static void
assert_all_finalized (EpSendOperation **operation,
                      EpMessage       **message,
                      EpProfile       **profile,
                      EpScriptServer  **server)
{
  g_assert_finalize_object (g_steal_pointer (operation));
  g_assert_finalize_object (g_steal_pointer (message));
  g_assert_finalize_object (g_steal_pointer (profile));
  g_assert_finalize_object (g_steal_pointer (server));
}

/* --- one operation against one server ------------------------------------------------------- */

/* What a case sends with: a server playing its script, the profile for it, the message, a fresh
 * Sent directory, and the operation that sends the message (its copy kept there). */
typedef struct
{
  EpScriptServer  *server;
  EpProfile       *profile;
  EpMessage       *message;
  char            *sent_dir;
  EpSendOperation *operation;
  Run              run;
} Case;

static void
case_init (Case       *c,
           const char *script,
           const char *to,
           const char *cc)
{
  *c = (Case) { 0 };
  c->server = ep_script_server_new_for_test (script);
  c->profile = plain_profile (c->server);
  c->message = new_message (to, cc);
  c->sent_dir = ep_test_make_dir ("sent");
  c->operation = ep_send_operation_new (c->profile, c->message);
  ep_send_operation_set_sent_dir (c->operation, c->sent_dir);
}

/* Runs the operation, set up as the case wants it, and waits for the server's script to end. */
static void
case_run (Case *c)
{
  run_init (&c->run, c->operation);
  run_operation (&c->run);
  ep_script_server_assert_done (c->server, WAIT_MS);
}

/* Nothing of the message reached the server, and no Sent copy was kept. */
static void
assert_nothing_sent (Case *c)
{
  g_autofree char *listing = NULL;

  g_assert_cmpuint (ep_script_server_get_n_bodies (c->server), ==, 0);
  g_assert_null (ep_send_operation_get_sent_id (c->operation));
  listing = ep_test_list_dir (c->sent_dir);
  g_assert_cmpstr (listing, ==, "");
}

static void
case_clear (Case *c)
{
  run_clear (&c->run);
  assert_all_finalized (&c->operation, &c->message, &c->profile, &c->server);
  g_free (c->sent_dir);
}

/* --- cases ---------------------------------------------------------------------------------- */

/* Delivered: the outcome, progress in order on the caller's context, and a Sent copy holding the
 * very bytes the server received, its envelope, server, profile and transcript. */
static void
test_delivered (void)
{
  g_autoptr(EpSentInfo) info = NULL;
  g_autofree char *stored = NULL;
  g_autofree char *received = NULL;
  g_autofree char *transcript = NULL;
  g_autofree char *server_name = NULL;
  Case c;

  case_init (&c,
             EP_SCRIPT_GREETING
             "C: EHLO *\n"
             /* Still connecting here: its progress has time to reach the caller. */
             "STALL: 300\n"
             "S: 250-mx.test\n"
             "S: 250 PIPELINING\n"
             "C: MAIL FROM:<me@example.org>*\n"
             "C: RCPT TO:<ann@example.org>\n"
             "C: RCPT TO:<bob@example.org>\n"
             "C: DATA\n"
             "S: 250 2.1.0 ok\n"
             "S: 250 2.1.5 ok\n"
             "S: 250 2.1.5 ok\n"
             "S: 354 go ahead\n"
             "DATA\n"
             "S: 250 2.0.0 Ok: queued as 4711\n"
             EP_SCRIPT_QUIT_EOF,
             "Ann <ann@example.org>", "bob@example.org");
  case_run (&c);

  g_assert_no_error (c.run.error);
  g_assert_nonnull (c.run.result);
  g_assert_cmpint (c.run.result->outcome, ==, EP_SMTP_OUTCOME_DELIVERED);
  g_assert_cmpuint (c.run.result->final_code, ==, 250);
  assert_progress_in_order (&c.run);
  g_assert_cmpuint (ep_send_operation_get_bytes_total (c.operation), >, 0);
  g_assert_cmpuint (ep_send_operation_get_bytes_sent (c.operation), ==, ep_send_operation_get_bytes_total (c.operation));
  g_assert_cmpfloat (ep_send_operation_get_fraction (c.operation), ==, 1.0);

  g_assert_nonnull (ep_send_operation_get_sent_id (c.operation));
  g_assert_null (ep_send_operation_get_sent_error (c.operation));
  info = only_sent_copy (c.sent_dir, ep_send_operation_get_sent_id (c.operation));
  g_assert_cmpint (info->outcome, ==, EP_SMTP_OUTCOME_DELIVERED);
  g_assert_cmpstr (info->outcome_text, ==, "250 Ok: queued as 4711");
  g_assert_cmpstr (info->subject, ==, "Operation");
  g_assert_cmpstr (info->from, ==, "Me <me@example.org>");
  g_assert_cmpuint (g_strv_length (info->recipients), ==, 2);
  g_assert_cmpstr (info->recipients[0], ==, "ann@example.org");
  g_assert_cmpstr (info->recipients[1], ==, "bob@example.org");
  g_assert_true (info->not_delivered == NULL || info->not_delivered[0] == NULL);
  server_name = g_strdup_printf ("127.0.0.1:%u", ep_script_server_get_port (c.server));
  g_assert_cmpstr (info->server, ==, server_name);
  g_assert_cmpstr (info->profile_id, ==, ep_profile_get_id (c.profile));

  stored = sent_copy_bytes (c.sent_dir, info->id);
  received = body_received (c.server, 0);
  g_assert_cmpstr (stored, ==, received);
  g_assert_cmpuint (info->size, ==, strlen (received));
  transcript = sent_copy_transcript (c.sent_dir, info->id);
  g_assert_nonnull (strstr (transcript, "RCPT TO:<bob@example.org>"));
  g_assert_nonnull (strstr (transcript, "250 2.0.0 Ok: queued as 4711"));

  case_clear (&c);
}

/* Over STARTTLS to a pinned certificate, with a password typed at send time (no keyring): it
 * signs in with it, every stage is reported in order, and the password is in no Sent file. */
static void
test_typed_password (void)
{
  g_autofree char *sha = ep_test_certs_sha256 ("self-signed");
  g_autofree char *plain = NULL;
  g_autofree char *script = NULL;
  g_autofree char *transcript = NULL;
  g_autofree char *stored = NULL;
  g_autoptr(GString) payload = g_string_new (NULL);
  Case c;

  g_string_append_c (payload, '\0');
  g_string_append (payload, "me@example.org");
  g_string_append_c (payload, '\0');
  g_string_append (payload, PASSWORD);
  plain = g_base64_encode ((const guchar *) payload->str, payload->len);
  script = g_strdup_printf (EP_SCRIPT_GREETING
                            EP_SCRIPT_EHLO_STARTTLS
                            EP_SCRIPT_STARTTLS
                            "TLS: self-signed\n"
                            EP_SCRIPT_EHLO_AUTH_PLAIN
                            "C: AUTH PLAIN %s\n"
                            "S: 235 2.7.0 Accepted\n"
                            EP_SCRIPT_DELIVER_TO ("ann@example.org")
                            EP_SCRIPT_QUIT_EOF, plain);
  case_init (&c, script, "ann@example.org", NULL);
  ep_profile_set_security (c.profile, EP_SMTP_SECURITY_STARTTLS);
  ep_profile_set_pinned_sha256 (c.profile, sha);
  ep_profile_set_username (c.profile, "me@example.org");
  ep_send_operation_set_password (c.operation, PASSWORD);
  case_run (&c);

  g_assert_no_error (c.run.error);
  g_assert_cmpint (c.run.result->outcome, ==, EP_SMTP_OUTCOME_DELIVERED);
  g_assert_true (c.run.result->tls->pinned);
  assert_progress_in_order (&c.run);

  g_assert_nonnull (ep_send_operation_get_sent_id (c.operation));
  transcript = sent_copy_transcript (c.sent_dir, ep_send_operation_get_sent_id (c.operation));
  g_assert_nonnull (strstr (transcript, "AUTH PLAIN"));
  g_assert_null (strstr (transcript, plain));
  g_assert_null (strstr (transcript, PASSWORD));
  stored = sent_copy_bytes (c.sent_dir, ep_send_operation_get_sent_id (c.operation));
  g_assert_null (strstr (stored, PASSWORD));

  case_clear (&c);
}

/* A refused recipient without allow-partial: nothing is sent, the result names the refusal, and
 * no Sent copy is kept. */
static void
test_refused_recipient (void)
{
  Case c;

  case_init (&c, REFUSING_NOBODY "DRAIN\n", "ann@example.org, nobody@example.org", NULL);
  case_run (&c);

  g_assert_error (c.run.error, EP_SMTP_ERROR, EP_SMTP_ERROR_RECIPIENT_REJECTED);
  g_assert_nonnull (c.run.result);
  g_assert_cmpint (c.run.result->outcome, ==, EP_SMTP_OUTCOME_REFUSED);
  g_assert_cmpuint (ep_smtp_result_count_in_state (c.run.result, EP_SMTP_RECIPIENT_REFUSED), ==, 1);
  g_assert_cmpuint (ep_smtp_result_count_in_state (c.run.result, EP_SMTP_RECIPIENT_DELIVERED), ==, 0);
  assert_nothing_sent (&c);

  case_clear (&c);
}

/* With allow-partial, the accepted recipient gets the message and the refused one does not: the
 * Sent copy says who does not have it. */
static void
test_refused_recipient_allow_partial (void)
{
  g_autoptr(EpSentInfo) info = NULL;
  Case c;

  case_init (&c, REFUSING_NOBODY "DATA\n" "S: 250 2.0.0 queued\n" EP_SCRIPT_QUIT_EOF,
             "ann@example.org, nobody@example.org", NULL);
  ep_send_operation_set_allow_partial (c.operation, TRUE);
  case_run (&c);

  g_assert_no_error (c.run.error);
  g_assert_cmpint (c.run.result->outcome, ==, EP_SMTP_OUTCOME_DELIVERED);
  g_assert_cmpuint (ep_smtp_result_count_refused (c.run.result), ==, 1);
  g_assert_cmpuint (ep_script_server_get_n_bodies (c.server), ==, 1);

  g_assert_nonnull (ep_send_operation_get_sent_id (c.operation));
  info = only_sent_copy (c.sent_dir, ep_send_operation_get_sent_id (c.operation));
  g_assert_nonnull (info->not_delivered);
  g_assert_cmpuint (g_strv_length (info->not_delivered), ==, 1);
  g_assert_cmpstr (info->not_delivered[0], ==, "nobody@example.org");

  case_clear (&c);
}

/* "Too many recipients" splits the envelope; the first transaction is delivered, then the
 * remaining recipient is refused: a partial outcome, with an error, and a Sent copy that says
 * who does not have the message. */
static void
test_partial (void)
{
  g_autoptr(EpSentInfo) info = NULL;
  g_autofree char *stored = NULL;
  g_autofree char *received = NULL;
  Case c;

  case_init (&c,
             EP_SCRIPT_GREETING
             EP_SCRIPT_EHLO_PIPELINING
             EP_SCRIPT_SPLIT_452 ("ann@example.org", "carol@example.org")
             "S: 250 2.1.0 ok\n"
             "S: 550 5.1.1 <carol@example.org>: User unknown\n"
             "S: 554 5.5.1 No valid recipients\n"
             "DRAIN\n",
             "ann@example.org, carol@example.org", NULL);
  case_run (&c);

  g_assert_nonnull (c.run.error);
  g_assert_nonnull (c.run.result);
  g_assert_cmpint (c.run.result->outcome, ==, EP_SMTP_OUTCOME_PARTIAL);
  g_assert_cmpuint (ep_smtp_result_count_in_state (c.run.result, EP_SMTP_RECIPIENT_DELIVERED), ==, 1);
  g_assert_cmpuint (ep_smtp_result_count_in_state (c.run.result, EP_SMTP_RECIPIENT_REFUSED), ==, 1);

  g_assert_nonnull (ep_send_operation_get_sent_id (c.operation));
  info = only_sent_copy (c.sent_dir, ep_send_operation_get_sent_id (c.operation));
  g_assert_cmpint (info->outcome, ==, EP_SMTP_OUTCOME_PARTIAL);
  g_assert_nonnull (info->not_delivered);
  g_assert_cmpuint (g_strv_length (info->not_delivered), ==, 1);
  g_assert_cmpstr (info->not_delivered[0], ==, "carol@example.org");
  g_assert_cmpstr (info->outcome_text, ==, c.run.error->message);
  stored = sent_copy_bytes (c.sent_dir, info->id);
  received = body_received (c.server, 0);
  g_assert_cmpstr (stored, ==, received);

  case_clear (&c);
}

static gboolean
cancel_when_stalled_cb (gpointer user_data)
{
  Run *run = user_data;

  /* Greeting sent, EHLO read: the server now stalls. */
  if (ep_script_server_get_n_steps_done (run->server) < 2)
    return G_SOURCE_CONTINUE;
  run->cancelled_at = g_get_monotonic_time ();
  g_cancellable_cancel (run->cancellable);
  return G_SOURCE_REMOVE;
}

/* Cancelled while the server is silent: the operation ends at once with the cancellation, not a
 * timeout, closes the connection, and keeps no Sent copy. */
static void
test_cancel (void)
{
  g_autoptr(GSource) poll = g_timeout_source_new (10);
  gint64 ended;
  Case c;

  case_init (&c,
             EP_SCRIPT_GREETING
             "C: EHLO *\n"
             "STALL: 4000\n"
             "DRAIN\n",
             "ann@example.org", NULL);
  run_init (&c.run, c.operation);
  c.run.server = c.server;
  g_source_set_callback (poll, cancel_when_stalled_cb, &c.run, NULL);
  g_source_attach (poll, c.run.context);
  run_operation (&c.run);
  ended = g_get_monotonic_time ();
  g_source_destroy (poll);

  g_assert_cmpint (c.run.cancelled_at, >, 0);
  g_assert_error (c.run.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpint (ended - c.run.cancelled_at, <, ep_test_slack (G_USEC_PER_SEC));
  /* The server saw the connection close, long before the end of its stall. */
  ep_script_server_assert_done (c.server, WAIT_MS);
  assert_nothing_sent (&c);

  case_clear (&c);
}

/* Recipients that have the message from an earlier partial delivery are left out of the
 * envelope (compared without case); when that leaves nobody, nothing connects at all. */
static void
test_already_delivered (void)
{
  g_autoptr(EpScriptServer) idle = NULL;
  g_autoptr(EpProfile) idle_profile = NULL;
  g_autoptr(EpSendOperation) nobody_left = NULL;
  g_autoptr(EpSentInfo) info = NULL;
  static const char *ann[] = { "ANN@example.org", NULL };
  static const char *both[] = { "ann@example.org", "Bob@Example.org", NULL };
  Run run;
  Case c;

  case_init (&c,
             EP_SCRIPT_GREETING EP_SCRIPT_EHLO_PIPELINING
             EP_SCRIPT_DELIVER_TO ("bob@example.org") EP_SCRIPT_QUIT_EOF,
             "ann@example.org, bob@example.org", NULL);
  idle = ep_script_server_new_for_test (EP_SCRIPT_GREETING);
  idle_profile = plain_profile (idle);

  ep_send_operation_set_already_delivered (c.operation, ann);
  case_run (&c);
  g_assert_no_error (c.run.error);
  info = only_sent_copy (c.sent_dir, ep_send_operation_get_sent_id (c.operation));
  g_assert_cmpuint (g_strv_length (info->recipients), ==, 1);
  g_assert_cmpstr (info->recipients[0], ==, "bob@example.org");
  run_clear (&c.run);

  nobody_left = ep_send_operation_new (idle_profile, c.message);
  ep_send_operation_set_sent_dir (nobody_left, c.sent_dir);
  ep_send_operation_set_already_delivered (nobody_left, both);
  run_init (&run, nobody_left);
  run_operation (&run);
  g_assert_error (run.error, EP_SMTP_ERROR, EP_SMTP_ERROR_INVALID_ADDRESS);
  g_assert_cmpstr (run.error->message, ==, "Every recipient already has this message");
  g_assert_null (run.result);
  g_assert_false (ep_script_server_get_connected (idle));
  run_clear (&run);

  g_assert_finalize_object (g_steal_pointer (&nobody_left));
  g_assert_finalize_object (g_steal_pointer (&idle_profile));
  g_assert_finalize_object (g_steal_pointer (&idle));
  case_clear (&c);
}

/* A missing attachment is found before anything touches the network: no result, no connection. */
static void
test_missing_attachment (void)
{
  g_autoptr(EpScriptServer) idle = ep_script_server_new_for_test (EP_SCRIPT_GREETING);
  g_autoptr(EpProfile) profile = plain_profile (idle);
  g_autoptr(EpMessage) message = new_message ("ann@example.org", NULL);
  g_autofree char *dir = ep_test_make_dir ("attach");
  g_autofree char *path = g_build_filename (dir, "gone.pdf", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(EpSendOperation) operation = NULL;
  Run run;

  ep_message_add_attachment (message, file, NULL, NULL);
  operation = ep_send_operation_new (profile, message);
  run_init (&run, operation);
  run_operation (&run);

  g_assert_error (run.error, EP_MIME_ERROR, EP_MIME_ERROR_FILE);
  g_assert_nonnull (strstr (run.error->message, "gone.pdf"));
  g_assert_null (run.result);
  g_assert_false (ep_script_server_get_connected (idle));
  g_assert_null (ep_send_operation_get_sent_id (operation));

  run_clear (&run);
  assert_all_finalized (&operation, &message, &profile, &idle);
}

/* The message is delivered but its copy cannot be kept (the Sent directory is a file): the
 * delivery is still a success, and the operation says why there is no copy. */
static void
test_sent_copy_fails (void)
{
  g_autoptr(EpScriptServer) server = ep_script_server_new_for_test (
    EP_SCRIPT_GREETING EP_SCRIPT_EHLO_PIPELINING
    EP_SCRIPT_DELIVER_TO ("ann@example.org") EP_SCRIPT_QUIT_EOF);
  g_autoptr(EpProfile) profile = plain_profile (server);
  g_autoptr(EpMessage) message = new_message ("ann@example.org", NULL);
  g_autofree char *dir = ep_test_make_dir ("sent-parent");
  g_autofree char *not_a_dir = g_build_filename (dir, "sent", NULL);
  g_autoptr(EpSendOperation) operation = ep_send_operation_new (profile, message);
  Run run;

  ep_test_write_file (not_a_dir, "a file where the Sent directory should be");
  ep_send_operation_set_sent_dir (operation, not_a_dir);
  run_init (&run, operation);
  run_operation (&run);
  ep_script_server_assert_done (server, WAIT_MS);

  g_assert_no_error (run.error);
  g_assert_cmpint (run.result->outcome, ==, EP_SMTP_OUTCOME_DELIVERED);
  g_assert_null (ep_send_operation_get_sent_id (operation));
  g_assert_nonnull (ep_send_operation_get_sent_error (operation));
  g_test_message ("no copy: %s", ep_send_operation_get_sent_error (operation)->message);

  run_clear (&run);
  assert_all_finalized (&operation, &message, &profile, &server);
}

int
main (int   argc,
      char *argv[])
{
  int ret;

  /* Generated before any thread exists. */
  ep_test_certs_dir ();
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/send-operation/delivered", test_delivered);
  g_test_add_func ("/send-operation/typed-password", test_typed_password);
  g_test_add_func ("/send-operation/refused-recipient", test_refused_recipient);
  g_test_add_func ("/send-operation/refused-recipient-allow-partial", test_refused_recipient_allow_partial);
  g_test_add_func ("/send-operation/partial", test_partial);
  g_test_add_func ("/send-operation/cancel", test_cancel);
  g_test_add_func ("/send-operation/already-delivered", test_already_delivered);
  g_test_add_func ("/send-operation/missing-attachment", test_missing_attachment);
  g_test_add_func ("/send-operation/sent-copy-fails", test_sent_copy_fails);

  ret = g_test_run ();
  ep_test_certs_cleanup ();
  return ret;
}
