/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-test-send.c: the app's send run from a test, and scripted servers taking turns on a port. */
#include "config.h"

#include <string.h>

#include "ep-send-operation.h"
#include "ep-smtp-scripts.h"
#include "ep-test-send.h"
#include "ep-test-util.h"

/* How long a step may take (the scripted server's wait); stretched under valgrind. */
#define WAIT_MS 10000

EpScriptServer *
ep_test_start_server (const char *script,
                      guint16     port)
{
  EpScriptServer *server = ep_script_server_new ();
  g_autoptr(GError) error = NULL;

  if (port != 0)
    ep_script_server_set_port (server, port);
  g_assert_true (ep_script_server_add_script (server, script, &error));
  g_assert_true (ep_script_server_start (server, &error));
  g_assert_no_error (error);
  return server;
}

void
ep_test_relay_next (EpTestRelay *relay)
{
  if (relay->first != NULL)
    ep_script_server_assert_done (relay->first, WAIT_MS);
  g_clear_object (&relay->first);
  if (relay->second_script != NULL && relay->second == NULL)
    relay->second = ep_test_start_server (relay->second_script, relay->port);
}

void
ep_test_relay_clear (EpTestRelay *relay)
{
  g_clear_object (&relay->first);
  g_clear_object (&relay->second);
  g_clear_pointer (&relay->second_script, g_free);
}

EpMessage *
ep_test_new_message (void)
{
  EpMessage *message = ep_message_new ();
  g_autoptr(EpAddress) from = ep_address_new ("Me", EP_SCRIPT_SENDER, "From", NULL);
  g_autoptr(EpAddress) to = ep_address_new (NULL, "ann@example.org", "To", NULL);
  g_autoptr(GError) error = NULL;

  ep_message_set_from (message, from);
  ep_message_add_to (message, to);
  g_assert_true (ep_message_set_subject (message, "Signed in", &error));
  g_assert_true (ep_message_set_body (message, "Sent with a token.\n", -1, &error));
  g_assert_no_error (error);
  return message;
}

static void
send_done_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  EpTestSendOutcome *outcome = user_data;

  outcome->result = ep_send_operation_run_finish (EP_SEND_OPERATION (object), result, &outcome->error);
  outcome->done = TRUE;
}

void
ep_test_send (EpProfile         *profile,
              const char        *sent_dir,
              const char        *client_id,
              EpTestSendOutcome *outcome)
{
  g_autoptr(GMainContext) context = g_main_context_new ();
  g_autoptr(EpMessage) message = ep_test_new_message ();
  g_autoptr(EpSendOperation) operation = ep_send_operation_new (profile, message);
  gint64 deadline = g_get_monotonic_time () + ep_test_slack (30 * G_USEC_PER_SEC);

  memset (outcome, 0, sizeof *outcome);
  ep_send_operation_set_sent_dir (operation, sent_dir);
  ep_send_operation_set_oauth_client (operation, client_id, NULL);
  g_main_context_push_thread_default (context);
  ep_send_operation_run_async (operation, NULL, send_done_cb, outcome);
  while (!outcome->done)
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_main_context_iteration (context, TRUE);
    }
  ep_test_wait_sole_owner (operation, context);
  g_main_context_pop_thread_default (context);
}

void
ep_test_send_outcome_clear (EpTestSendOutcome *outcome)
{
  g_clear_pointer (&outcome->result, ep_smtp_result_unref);
  g_clear_error (&outcome->error);
}
