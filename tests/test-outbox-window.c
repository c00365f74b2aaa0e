/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-outbox-window.c: the Outbox window and Send Later, against a real outbox in the test's
 * own XDG_DATA_HOME. A Send Later time that passed before the application started is asked
 * about once a window is up, and Send Now queues it; the window lists an entry in each state
 * with the words for it; Delete asks first; Edit gives a compose window with the fields and the
 * attachment back and takes the entry out; Reschedule moves a held entry; the compose window's
 * strip says what could not be sent; Send Later through the picker refuses a past time,
 * writes a held entry for the chosen time, and the profile's server sees no connection; the
 * picker offers to let the server hold the message only as far as the profile's server, as
 * learned, can, and then the message goes at once with HOLDUNTIL=.
 *
 * The application's outbox worker runs throughout and may try a due entry of a case (a profile
 * that does not exist) before the case ends: tests/notification-server.py stands in for the
 * desktop's notification daemon, so that the notification it then sends has somewhere to go. */
#include "config.h"

#include <string.h>
#include <adwaita.h>

#include "ep-application-private.h"
#include "ep-attachment.h"
#include "ep-image-cache.h"
#include "ep-outbox-delivery.h"
#include "ep-outbox-draft.h"
#include "ep-outbox-overdue.h"
#include "ep-outbox-window-private.h"
#include "ep-outbox-worker-private.h"
#include "ep-store-error.h"
#include "ep-schedule-dialog-private.h"
#include "ep-script-server.h"
#include "ep-sent-store.h"
#include "ep-smtp-scripts.h"
#include "ep-test-util.h"
#include "ep-window-private.h"

#define EP_TEST_WAIT_US (10 * G_USEC_PER_SEC)

static EpApplication *app;
static char *overdue_id;

static EpOutboxStore *
store (void)
{
  return ep_outbox_worker_get_store (ep_application_get_outbox_worker (app));
}

/* Iterates the main context until @done says yes, for a bounded time. */
static gboolean
wait_for (gboolean (*done) (gpointer data),
          gpointer  data)
{
  gint64 end = g_get_monotonic_time () + ep_test_slack (EP_TEST_WAIT_US);

  while (!done (data) && g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, FALSE), g_usleep (1000);
  return done (data);
}

static void
spin (guint ms)
{
  gint64 end = g_get_monotonic_time () + ms * 1000;

  while (g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, FALSE), g_usleep (1000);
}

static void
screenshot (const char *name)
{
  g_autofree char *dir = g_build_filename (g_getenv ("EPISTLE_BUILDDIR"), "screenshots", NULL);
  g_autofree char *path = g_build_filename (dir, name, NULL);
  const char *argv[] = { "import", "-window", "root", path, NULL };

  /* Let the windows paint first. */
  spin (500);
  g_mkdir_with_parents (dir, 0755);
  /* For people to look at, not a check: a missing picture is said, not failed. */
  if (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL, NULL,
                    NULL))
    g_test_message ("screenshot: %s", path);
  else
    g_test_message ("screenshot not taken: %s", path);
}

/* @day's date at @hour:@minute, local time. */
static GDateTime *
local_time_on (GDateTime *day,
               int        hour,
               int        minute)
{
  return g_date_time_new_local (g_date_time_get_year (day), g_date_time_get_month (day),
                                g_date_time_get_day_of_month (day), hour, minute, 0);
}

static const char *
field_text (EpWindow   *window,
            const char *name)
{
  return gtk_editable_get_text (GTK_EDITABLE (ep_window_get_field (window, name)));
}

/* ---- Entries in the store -------------------------------------------------------------------- */

static char *
make_message (const char *subject)
{
  g_autofree char *notes = g_base64_encode ((const guchar *) "line one\nline two\n", 18);

  return g_strdup_printf ("Date: Sun, 6 Dec 2026 10:00:00 +0000\r\n"
                          "From: Tester <me@example.org>\r\n"
                          "To: Bob <bob@example.org>\r\n"
                          "Cc: carol@example.org\r\n"
                          "Subject: %s\r\n"
                          "Message-ID: <test@example.org>\r\n"
                          "MIME-Version: 1.0\r\n"
                          "Content-Type: multipart/mixed; boundary=\"=_b\"\r\n"
                          "\r\n"
                          "--=_b\r\n"
                          "Content-Type: text/plain; charset=utf-8\r\n"
                          "Content-Transfer-Encoding: quoted-printable\r\n"
                          "\r\n"
                          "Hello Bob,\r\n"
                          "caf=C3=A9 at noon?\r\n"
                          "\r\n"
                          "--=_b\r\n"
                          "Content-Type: text/plain; name=\"notes.txt\"\r\n"
                          "Content-Disposition: attachment; filename=\"notes.txt\"\r\n"
                          "Content-Transfer-Encoding: base64\r\n"
                          "\r\n"
                          "%s\r\n"
                          "--=_b--\r\n", subject, notes);
}

/* Adds a message for bob, carol and (Bcc) dave in @state, not before @not_before. */
static char *
add_entry (const char    *subject,
           EpOutboxState  state,
           GDateTime     *not_before,
           const char    *profile_id)
{
  const char *recipients[] = { "bob@example.org", "carol@example.org", "dave@example.org", NULL };
  g_autoptr(EpOutboxEntry) entry = ep_outbox_entry_new ("me@example.org", recipients);
  g_autofree char *text = make_message (subject);
  g_autoptr(GInputStream) in = g_memory_input_stream_new_from_data (g_strdup (text), strlen (text),
                                                                    g_free);
  g_autoptr(GError) error = NULL;

  entry->state = state;
  entry->not_before = g_date_time_ref (not_before);
  entry->profile_id = g_strdup (profile_id);
  entry->subject = g_strdup (subject);
  g_assert_true (ep_outbox_store_add (store (), entry, in, strlen (text), NULL, &error));
  g_assert_no_error (error);
  return g_strdup (entry->id);
}

/* One attempt on entry @id (due now), ending in @state with @outcome and the server's @reply. */
static void
attempt (const char    *id,
         EpOutboxState  state,
         EpSmtpOutcome  outcome,
         const char    *reply,
         GDateTime     *next)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autoptr(GError) error = NULL;
  g_autoptr(EpOutboxClaim) claim = ep_outbox_store_claim (store (), id, now, &error);
  g_autofree char *transcript = g_strdup_printf ("S: 220 mx.test ESMTP\nC: EHLO client\nS: %s\n",
                                                 reply);
  g_autoptr(EpOutboxAttempt) a = NULL;

  g_assert_no_error (error);
  if (state == EP_OUTBOX_STATE_PARTIAL)
    {
      g_assert_true (ep_outbox_claim_set_recipient_state (claim, "bob@example.org",
                                                          EP_SMTP_RECIPIENT_DELIVERED, &error));
      g_assert_true (ep_outbox_claim_set_recipient_state (claim, "carol@example.org",
                                                          EP_SMTP_RECIPIENT_DEFERRED, &error));
    }
  if (state == EP_OUTBOX_STATE_UNKNOWN)
    g_assert_true (ep_outbox_claim_mark_data_sent (claim, &error));
  a = ep_outbox_attempt_new (now, outcome, reply);
  g_assert_true (ep_outbox_claim_finish (claim, state, next, a, transcript, reply, &error));
  g_assert_no_error (error);
}

static EpOutboxState
state_of (const char *id,
          gboolean   *gone)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(EpOutboxEntry) entry = ep_outbox_store_load (store (), id, &error);

  *gone = entry == NULL;
  if (entry == NULL)
    {
      g_assert_error (error, EP_STORE_ERROR, EP_STORE_ERROR_NOT_FOUND);
      return EP_OUTBOX_STATE_DELIVERED;
    }
  return entry->state;
}

static gboolean
entry_gone (gpointer data)
{
  gboolean gone;

  state_of (data, &gone);
  return gone;
}

static gboolean
worker_idle (gpointer data)
{
  return ep_outbox_worker_get_n_running (ep_application_get_outbox_worker (app)) == 0;
}

/* ---- Windows --------------------------------------------------------------------------------- */

/* Whether a drawable label under @widget holds @needle. */
static gboolean
shows_text (GtkWidget  *widget,
            const char *needle)
{
  if (GTK_IS_LABEL (widget) && gtk_widget_is_drawable (widget) &&
      strstr (gtk_label_get_text (GTK_LABEL (widget)), needle) != NULL)
    return TRUE;
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    if (shows_text (child, needle))
      return TRUE;
  return FALSE;
}

static gboolean
window_settled (gpointer data)
{
  return !ep_outbox_window_is_loading (data);
}

static EpOutboxWindow *
open_outbox (void)
{
  EpOutboxWindow *window;

  g_assert_true (g_action_group_has_action (G_ACTION_GROUP (app), "outbox"));
  g_action_group_activate_action (G_ACTION_GROUP (app), "outbox", NULL);
  window = EP_OUTBOX_WINDOW (gtk_application_get_active_window (GTK_APPLICATION (app)));
  for (GList *l = gtk_application_get_windows (GTK_APPLICATION (app)); l != NULL; l = l->next)
    if (EP_IS_OUTBOX_WINDOW (l->data))
      window = l->data;
  g_assert_true (EP_IS_OUTBOX_WINDOW (window));
  g_assert_true (wait_for (window_settled, window));
  return window;
}

static void
reload_and_settle (EpOutboxWindow *window)
{
  ep_outbox_window_reload (window);
  g_assert_true (wait_for (window_settled, window));
}

static GtkWidget *
find_message_dialog (const char *heading)
{
  GListModel *toplevels = gtk_window_get_toplevels ();

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GObject) window = g_list_model_get_item (toplevels, i);

      if (ADW_IS_MESSAGE_DIALOG (window) && gtk_widget_get_visible (GTK_WIDGET (window)) &&
          g_strcmp0 (adw_message_dialog_get_heading (ADW_MESSAGE_DIALOG (window)), heading) == 0)
        return GTK_WIDGET (window);
    }
  return NULL;
}

/* What a click on the dialog's button does: the response, then the dialog closes. */
static void
respond (GtkWidget  *dialog,
         const char *response)
{
  g_object_ref (dialog);
  adw_message_dialog_response (ADW_MESSAGE_DIALOG (dialog), response);
  gtk_window_close (GTK_WINDOW (dialog));
  g_object_unref (dialog);
}

static gboolean
overdue_dialog_shown (gpointer data)
{
  return find_message_dialog ("A Scheduled Message Was Not Sent") != NULL;
}

static gboolean
overdue_dialog_gone (gpointer data)
{
  return !overdue_dialog_shown (data);
}

/* The first compose window other than @except. */
static EpWindow *
find_compose_window (EpWindow *except)
{
  for (GList *l = gtk_application_get_windows (GTK_APPLICATION (app)); l != NULL; l = l->next)
    if (EP_IS_WINDOW (l->data) && l->data != except)
      return l->data;
  return NULL;
}

static gboolean
compose_window_opened (gpointer data)
{
  return find_compose_window (data) != NULL;
}

/* ---- Cases ----------------------------------------------------------------------------------- */

/* Written before the application started (main()): the question comes with the first window, and
 * Send Now puts the message in the queue instead of leaving it held. */
static void
test_overdue (void)
{
  EpWindow *window = ep_window_new (ADW_APPLICATION (app), ep_application_get_profile_store (app));
  GtkWidget *dialog;
  gboolean gone;
  EpOutboxState state;

  gtk_window_present (GTK_WINDOW (window));
  g_assert_true (wait_for (overdue_dialog_shown, NULL));
  dialog = find_message_dialog ("A Scheduled Message Was Not Sent");
  /* Still held: nothing went out before the person answered. */
  g_assert_cmpint (state_of (overdue_id, &gone), ==, EP_OUTBOX_STATE_HELD);
  screenshot ("outbox-overdue.png");

  respond (dialog, "send");
  state = state_of (overdue_id, &gone);
  /* Queued, or already taken by the worker (and maybe delivered): anything but held. */
  g_assert_true (gone || state == EP_OUTBOX_STATE_QUEUED || state == EP_OUTBOX_STATE_SENDING ||
                 state == EP_OUTBOX_STATE_FAILED);
  g_assert_true (wait_for (overdue_dialog_gone, NULL));
  /* The worker sends it with its profile, the Sandbox: it leaves the Outbox. */
  g_assert_true (wait_for (entry_gone, overdue_id));
  g_assert_true (wait_for (worker_idle, NULL));

  gtk_window_destroy (GTK_WINDOW (window));
}

static void
test_states (void)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autoptr(GDateTime) tomorrow = g_date_time_add_days (now, 1);
  g_autoptr(GDateTime) past = g_date_time_add_seconds (now, -1);
  g_autofree char *when = ep_schedule_format_time (tomorrow);
  g_autofree char *held = add_entry ("Held one", EP_OUTBOX_STATE_HELD, tomorrow, "nowhere");
  g_autofree char *queued = add_entry ("Queued one", EP_OUTBOX_STATE_QUEUED, tomorrow, "nowhere");
  g_autofree char *retry = add_entry ("Retried one", EP_OUTBOX_STATE_QUEUED, past, "nowhere");
  g_autofree char *partial = add_entry ("Partial one", EP_OUTBOX_STATE_QUEUED, past, "nowhere");
  g_autofree char *failed = add_entry ("Failed one", EP_OUTBOX_STATE_QUEUED, past, "nowhere");
  g_autofree char *unknown = add_entry ("Unknown one", EP_OUTBOX_STATE_QUEUED, past, "nowhere");
  g_autofree char *expected = NULL;
  EpOutboxWindow *window;

  attempt (retry, EP_OUTBOX_STATE_QUEUED, EP_SMTP_OUTCOME_TEMPORARY, "451 4.3.0 Try again later",
           tomorrow);
  attempt (partial, EP_OUTBOX_STATE_PARTIAL, EP_SMTP_OUTCOME_PARTIAL, "250 2.0.0 Ok: queued",
           tomorrow);
  attempt (failed, EP_OUTBOX_STATE_FAILED, EP_SMTP_OUTCOME_REFUSED, "550 5.1.1 No such user", NULL);
  attempt (unknown, EP_OUTBOX_STATE_UNKNOWN, EP_SMTP_OUTCOME_UNKNOWN, "The connection was lost",
           NULL);

  window = open_outbox ();
  gtk_window_present (GTK_WINDOW (window));
  g_assert_cmpuint (ep_outbox_window_get_n_items (window), >=, 6);

  expected = g_strdup_printf ("Scheduled for %s", when);
  g_assert_cmpstr (ep_outbox_window_get_state_text (window, held), ==, expected);
  g_free (expected);
  /* Queued for a time of its own (epistle-send --at): that time, not "waiting". */
  expected = g_strdup_printf ("To be sent %s", when);
  g_assert_cmpstr (ep_outbox_window_get_state_text (window, queued), ==, expected);
  g_free (expected);
  expected = g_strdup_printf ("Not sent yet; next attempt %s", when);
  g_assert_cmpstr (ep_outbox_window_get_state_text (window, retry), ==, expected);
  g_free (expected);
  expected = g_strdup_printf ("Sent to some recipients; next attempt for the others %s", when);
  g_assert_cmpstr (ep_outbox_window_get_state_text (window, partial), ==, expected);
  g_assert_cmpstr (ep_outbox_window_get_state_text (window, failed), ==, "Could not be sent");
  g_assert_cmpstr (ep_outbox_window_get_state_text (window, unknown), ==,
                   "May have been sent: the server did not confirm it");

  /* The list itself says what the server answered last (the held entry is the one shown in
   * the details now, so this is the failed entry's row). */
  ep_outbox_window_select (window, held);
  spin (200);
  g_assert_true (shows_text (GTK_WIDGET (window), "550 5.1.1 No such user"));

  /* The actions follow the state: an unknown one is sent again only after a question, never
   * retried or edited as if nothing had reached the server. */
  ep_outbox_window_select (window, unknown);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "outbox.send-again", NULL));
  g_assert_nonnull (find_message_dialog ("Send Again?"));
  respond (find_message_dialog ("Send Again?"), "cancel");
  {
    gboolean gone;

    g_assert_cmpint (state_of (unknown, &gone), ==, EP_OUTBOX_STATE_UNKNOWN);
  }
  /* Retry is not among its actions: asking for it changes nothing. */
  gtk_widget_activate_action (GTK_WIDGET (window), "outbox.retry", NULL);
  {
    gboolean gone;

    g_assert_cmpint (state_of (unknown, &gone), ==, EP_OUTBOX_STATE_UNKNOWN);
  }
  ep_outbox_window_select (window, failed);
  screenshot ("outbox-window.png");

  /* Everything this case made goes, so that the next cases see only their own. */
  for (guint i = 0; i < 6; i++)
    {
      const char *ids[] = { held, queued, retry, partial, failed, unknown };

      g_assert_true (ep_outbox_store_delete (store (), ids[i], NULL));
    }
  gtk_window_destroy (GTK_WINDOW (window));
}

/* An entry the server is to hold, not sent yet: the list says until when the server holds it. */
static void
test_state_server_hold (void)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autoptr(GDateTime) past = g_date_time_add_seconds (now, -1);
  g_autoptr(GDateTime) hold = g_date_time_add_days (now, 2);
  const char *recipients[] = { "bob@example.org", NULL };
  g_autoptr(EpOutboxEntry) entry = ep_outbox_entry_new ("me@example.org", recipients);
  g_autofree char *text = make_message ("For the server to hold");
  g_autoptr(GInputStream) in = g_memory_input_stream_new_from_data (text, strlen (text), NULL);
  g_autofree char *when = ep_schedule_format_time (hold);
  g_autofree char *expected = g_strdup_printf ("Waiting to be sent; the server is to hold it "
                                               "until %s", when);
  g_autoptr(GError) error = NULL;
  EpOutboxWindow *window;

  entry->state = EP_OUTBOX_STATE_QUEUED;
  entry->not_before = g_date_time_ref (past);
  entry->profile_id = g_strdup ("nowhere");
  entry->subject = g_strdup ("For the server to hold");
  entry->hold_until = g_date_time_ref (hold);
  g_assert_true (ep_outbox_store_add (store (), entry, in, strlen (text), NULL, &error));
  g_assert_no_error (error);

  window = open_outbox ();
  reload_and_settle (window);
  g_assert_cmpstr (ep_outbox_window_get_state_text (window, entry->id), ==, expected);
  gtk_window_destroy (GTK_WINDOW (window));
  g_assert_true (ep_outbox_store_delete (store (), entry->id, NULL));
}

/* A message the server was to hold until a time that passed before it could leave (the computer
 * was off): at the next start it is asked about with the Send Later ones, held at that time and
 * no longer for the server to hold; one whose time is still to come stays as it was. */
static void
test_overdue_server_hold (void)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autoptr(GDateTime) added = g_date_time_add_hours (now, -3);
  g_autoptr(GDateTime) missed_time = g_date_time_add_hours (now, -1);
  g_autoptr(GDateTime) later = g_date_time_add_days (now, 2);
  const char *recipients[] = { "bob@example.org", NULL };
  GDateTime *holds[] = { missed_time, later };
  char *ids[2] = { NULL, NULL };
  g_autoptr(GPtrArray) overdue = NULL;
  g_autoptr(EpOutboxEntry) missed = NULL;
  g_autoptr(EpOutboxEntry) waiting = NULL;
  g_autoptr(GError) error = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (holds); i++)
    {
      g_autoptr(EpOutboxEntry) entry = ep_outbox_entry_new ("me@example.org", recipients);
      g_autofree char *text = make_message ("For the server to hold");
      g_autoptr(GInputStream) in = g_memory_input_stream_new_from_data (text, strlen (text), NULL);

      entry->state = EP_OUTBOX_STATE_QUEUED;
      entry->not_before = g_date_time_ref (added);
      entry->profile_id = g_strdup ("nowhere");
      entry->hold_until = g_date_time_ref (holds[i]);
      g_assert_true (ep_outbox_store_add (store (), entry, in, strlen (text), NULL, &error));
      g_assert_no_error (error);
      ids[i] = g_strdup (entry->id);
    }

  ep_outbox_overdue_hold_missed (store (), now);
  overdue = ep_outbox_overdue_list (store (), now);
  g_assert_cmpuint (overdue->len, ==, 1);
  g_assert_cmpstr (((EpOutboxEntry *) overdue->pdata[0])->id, ==, ids[0]);
  missed = ep_outbox_store_load (store (), ids[0], &error);
  g_assert_no_error (error);
  g_assert_cmpint (missed->state, ==, EP_OUTBOX_STATE_HELD);
  g_assert_true (g_date_time_equal (missed->not_before, missed_time));
  g_assert_null (missed->hold_until);
  waiting = ep_outbox_store_load (store (), ids[1], &error);
  g_assert_no_error (error);
  g_assert_cmpint (waiting->state, ==, EP_OUTBOX_STATE_QUEUED);
  g_assert_true (g_date_time_equal (waiting->hold_until, later));

  for (guint i = 0; i < G_N_ELEMENTS (ids); i++)
    {
      g_assert_true (ep_outbox_store_delete (store (), ids[i], &error));
      g_free (ids[i]);
    }
}

static void
test_delete (void)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autoptr(GDateTime) past = g_date_time_add_seconds (now, -1);
  g_autofree char *id = add_entry ("To be deleted", EP_OUTBOX_STATE_QUEUED, past, "nowhere");
  EpOutboxWindow *window;
  GtkWidget *dialog;
  gboolean gone;

  attempt (id, EP_OUTBOX_STATE_FAILED, EP_SMTP_OUTCOME_REFUSED, "550 5.1.1 No such user", NULL);
  window = open_outbox ();
  reload_and_settle (window);
  ep_outbox_window_select (window, id);

  /* Asked first: Cancel keeps it. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "outbox.delete", NULL));
  dialog = ep_outbox_window_get_dialog (window);
  g_assert_true (ADW_IS_MESSAGE_DIALOG (dialog));
  g_assert_cmpstr (adw_message_dialog_get_heading (ADW_MESSAGE_DIALOG (dialog)), ==,
                   "Delete This Message?");
  respond (dialog, "cancel");
  g_assert_cmpint (state_of (id, &gone), ==, EP_OUTBOX_STATE_FAILED);
  g_assert_false (gone);

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "outbox.delete", NULL));
  dialog = ep_outbox_window_get_dialog (window);
  g_assert_nonnull (dialog);
  respond (dialog, "delete");
  state_of (id, &gone);
  g_assert_true (gone);
  g_assert_true (wait_for (window_settled, window));
  g_assert_null (ep_outbox_window_get_state_text (window, id));

  gtk_window_destroy (GTK_WINDOW (window));
}

static void
test_edit (void)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autoptr(GDateTime) tomorrow = g_date_time_add_days (now, 1);
  g_autofree char *id = add_entry ("Lunch on Friday", EP_OUTBOX_STATE_HELD, tomorrow, "sandbox");
  EpOutboxWindow *window = open_outbox ();
  EpWindow *compose;
  GtkTextBuffer *buffer;
  GtkTextIter start, end;
  g_autofree char *body = NULL;
  g_autofree char *path = NULL;
  g_autofree char *contents = NULL;
  g_autoptr(EpAttachment) attachment = NULL;
  GListModel *attachments;
  gboolean gone;

  reload_and_settle (window);
  ep_outbox_window_select (window, id);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "outbox.edit", NULL));
  g_assert_true (wait_for (compose_window_opened, NULL));
  compose = find_compose_window (NULL);
  while (ep_window_is_busy (compose))
    g_main_context_iteration (NULL, TRUE);

  g_assert_cmpstr (field_text (compose, "from"), ==,
                   "Tester <me@example.org>");
  g_assert_cmpstr (field_text (compose, "to"), ==,
                   "Bob <bob@example.org>");
  g_assert_cmpstr (field_text (compose, "cc"), ==,
                   "carol@example.org");
  /* Not in the headers, but in the envelope: it was a Bcc. */
  g_assert_cmpstr (field_text (compose, "bcc"), ==,
                   "dave@example.org");
  g_assert_cmpstr (field_text (compose, "subject"), ==,
                   "Lunch on Friday");
  buffer = gtk_text_view_get_buffer (GTK_TEXT_VIEW (ep_window_get_field (compose, "body")));
  gtk_text_buffer_get_bounds (buffer, &start, &end);
  body = gtk_text_buffer_get_text (buffer, &start, &end, FALSE);
  /* The line break the writer adds to the text is its own, not the person's. */
  g_assert_cmpstr (body, ==, "Hello Bob,\ncafé at noon?");

  /* The attachment is a file of the draft's own, with the bytes that were going to be sent. */
  attachments = ep_window_get_attachments (compose);
  g_assert_cmpuint (g_list_model_get_n_items (attachments), ==, 1);
  attachment = g_list_model_get_item (attachments, 0);
  g_assert_cmpstr (ep_attachment_get_display_name (attachment), ==, "notes.txt");
  path = g_file_get_path (ep_attachment_get_file (attachment));
  g_assert_true (g_file_get_contents (path, &contents, NULL, NULL));
  g_assert_cmpstr (contents, ==, "line one\nline two\n");
  g_assert_nonnull (ep_window_get_draft_id (compose));

  /* It left the Outbox: it is a draft now, and nothing sends it behind the person's back. */
  state_of (id, &gone);
  g_assert_true (gone);
  screenshot ("outbox-edit.png");

  ep_window_discard_draft (compose);
  gtk_window_destroy (GTK_WINDOW (compose));
  gtk_window_destroy (GTK_WINDOW (window));
}

/* Edit gives the text back as it was typed, with or without its last line break, plain or
 * soft-wrapped (format=flowed): the stored bytes end with one either way. */
static void
test_edit_final_newline (void)
{
  static const char *texts[] = {
    "No line break at the end",
    "One line break at the end\n",
    "Two at the end\n\n",
    "A long line that the writer soft-wraps as format=flowed, well past the seventy-eight columns "
    "of a tidy line, ending with a break\n",
    "The same long line that the writer soft-wraps as format=flowed, well past the seventy-eight "
    "columns of a tidy line, with no break",
  };

  for (guint i = 0; i < G_N_ELEMENTS (texts); i++)
    {
      g_autoptr(EpMessage) message = ep_message_new ();
      g_autoptr(EpAddress) from = ep_address_new (NULL, "me@example.org", "From", NULL);
      g_autoptr(EpAddress) to = ep_address_new (NULL, "bob@example.org", "To", NULL);
      g_autoptr(EpOutboxEntry) entry = NULL;
      g_autoptr(GError) error = NULL;
      g_autofree char *id = NULL;
      g_autoptr(EpDraft) draft = NULL;

      ep_message_set_from (message, from);
      ep_message_add_to (message, to);
      g_assert_true (ep_message_set_subject (message, "Line breaks", NULL));
      g_assert_true (ep_message_set_body (message, texts[i], -1, NULL));
      id = ep_outbox_add_message_sync (store (), message, "sandbox", EP_OUTBOX_STATE_HELD, NULL,
                                       NULL, NULL, &error);
      g_assert_no_error (error);
      entry = ep_outbox_store_load (store (), id, &error);
      g_assert_no_error (error);
      draft = ep_outbox_draft_from_entry (store (), entry, &error);
      g_assert_no_error (error);
      g_assert_cmpstr (draft->body, ==, texts[i]);
      ep_outbox_draft_release (draft);
      g_assert_true (ep_outbox_store_delete (store (), id, &error));
    }
}

/* Reschedule on a held entry: the picker's time becomes its not-before, and it stays held. */
static void
test_reschedule (void)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autoptr(GDateTime) tomorrow = g_date_time_add_days (now, 1);
  g_autoptr(GDateTime) day = g_date_time_add_days (now, 3);
  g_autoptr(GDateTime) chosen = local_time_on (day, 17, 45);
  g_autofree char *id = add_entry ("Moved", EP_OUTBOX_STATE_HELD, tomorrow, "sandbox");
  EpOutboxWindow *window = open_outbox ();
  g_autoptr(EpOutboxEntry) entry = NULL;
  g_autofree char *expected = NULL;
  g_autofree char *when = ep_schedule_format_time (chosen);
  GtkWidget *dialog;

  reload_and_settle (window);
  ep_outbox_window_select (window, id);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "outbox.reschedule", NULL));
  dialog = ep_outbox_window_get_dialog (window);
  g_assert_true (EP_IS_SCHEDULE_DIALOG (dialog));
  ep_schedule_dialog_set_time (EP_SCHEDULE_DIALOG (dialog), chosen);
  g_assert_true (ep_schedule_dialog_accept (EP_SCHEDULE_DIALOG (dialog)));

  entry = ep_outbox_store_load (store (), id, NULL);
  g_assert_nonnull (entry);
  g_assert_cmpint (entry->state, ==, EP_OUTBOX_STATE_HELD);
  g_assert_true (g_date_time_equal (entry->not_before, chosen));
  g_assert_true (wait_for (window_settled, window));
  expected = g_strdup_printf ("Scheduled for %s", when);
  g_assert_cmpstr (ep_outbox_window_get_state_text (window, id), ==, expected);

  g_assert_true (ep_outbox_store_delete (store (), id, NULL));
  gtk_window_destroy (GTK_WINDOW (window));
}

static gboolean
strip_says (gpointer data)
{
  EpWindow *window = data;

  return gtk_revealer_get_reveal_child (window->waiting_revealer) &&
         g_strcmp0 (gtk_label_get_text (window->waiting_label), "1 message could not be sent") == 0;
}

static gboolean
strip_hidden (gpointer data)
{
  return !gtk_revealer_get_reveal_child (((EpWindow *) data)->waiting_revealer);
}

/* The compose window's strip: what could not be sent comes first, and it goes with the entry. */
static void
test_strip (void)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autoptr(GDateTime) tomorrow = g_date_time_add_days (now, 1);
  g_autoptr(GDateTime) past = g_date_time_add_seconds (now, -1);
  g_autofree char *held = add_entry ("Later", EP_OUTBOX_STATE_HELD, tomorrow, "sandbox");
  g_autofree char *failed = add_entry ("Refused", EP_OUTBOX_STATE_QUEUED, past, "nowhere");
  EpWindow *window;

  attempt (failed, EP_OUTBOX_STATE_FAILED, EP_SMTP_OUTCOME_REFUSED, "550 5.1.1 No such user", NULL);
  window = ep_window_new (ADW_APPLICATION (app), ep_application_get_profile_store (app));
  gtk_window_present (GTK_WINDOW (window));
  ep_outbox_worker_reload (ep_application_get_outbox_worker (app));
  g_assert_true (wait_for (strip_says, window));
  screenshot ("outbox-strip.png");

  g_assert_true (ep_outbox_store_delete (store (), failed, NULL));
  g_assert_true (ep_outbox_store_delete (store (), held, NULL));
  ep_outbox_worker_reload (ep_application_get_outbox_worker (app));
  g_assert_true (wait_for (strip_hidden, window));
  gtk_window_destroy (GTK_WINDOW (window));
}

/* The Send Later menu's times, from a Monday at 10:15 and a Sunday at 23:30 (local time). */
static void
test_presets (void)
{
  g_autoptr(GTimeZone) local = g_time_zone_new_local ();
  g_autoptr(GDateTime) monday = g_date_time_new (local, 2026, 12, 7, 10, 15, 0);
  g_autoptr(GDateTime) sunday = g_date_time_new (local, 2026, 12, 13, 23, 30, 0);
  struct { GDateTime *now; const char *preset; int day; int hour; int minute; } cases[] = {
    { monday, "hour", 7, 11, 15 },
    { monday, "tomorrow", 8, 8, 0 },
    { monday, "monday", 14, 8, 0 },   /* on a Monday: the next one */
    { sunday, "hour", 14, 0, 30 },
    { sunday, "tomorrow", 14, 8, 0 },
    { sunday, "monday", 14, 8, 0 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      EpSchedulePreset preset;
      g_autoptr(GDateTime) when = NULL;

      g_assert_true (ep_schedule_preset_from_string (cases[i].preset, &preset));
      when = ep_schedule_preset_time (preset, cases[i].now);
      g_assert_cmpint (g_date_time_get_day_of_month (when), ==, cases[i].day);
      g_assert_cmpint (g_date_time_get_hour (when), ==, cases[i].hour);
      g_assert_cmpint (g_date_time_get_minute (when), ==, cases[i].minute);
    }
  g_assert_false (ep_schedule_preset_from_string ("yesterday", &(EpSchedulePreset) { 0 }));
}

/* Keep as Draft, the third answer to the question at start-up: a compose window with the
 * message, and the entry out of the Outbox. */
static void
test_overdue_keep_as_draft (void)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autoptr(GDateTime) past = g_date_time_add_minutes (now, -5);
  g_autofree char *id = add_entry ("Kept back", EP_OUTBOX_STATE_HELD, past, "sandbox");
  g_autoptr(GPtrArray) overdue = ep_outbox_overdue_list (store (), now);
  GtkWidget *dialog;
  EpWindow *compose;
  gboolean gone;

  g_assert_cmpuint (overdue->len, ==, 1);
  g_assert_cmpstr (((EpOutboxEntry *) overdue->pdata[0])->id, ==, id);
  dialog = ep_outbox_overdue_present (NULL, ep_application_get_outbox_worker (app), overdue);
  respond (dialog, "draft");
  g_assert_true (wait_for (compose_window_opened, NULL));
  compose = find_compose_window (NULL);
  g_assert_cmpstr (field_text (compose, "subject"), ==,
                   "Kept back");
  state_of (id, &gone);
  g_assert_true (gone);

  ep_window_discard_draft (compose);
  gtk_window_destroy (GTK_WINDOW (compose));
}

static GtkWidget *
find_schedule_dialog (void)
{
  GListModel *toplevels = gtk_window_get_toplevels ();

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GObject) window = g_list_model_get_item (toplevels, i);

      if (EP_IS_SCHEDULE_DIALOG (window))
        return GTK_WIDGET (window);
    }
  return NULL;
}

/* Reschedule, the second answer: one new time for the messages asked about, still held. */
static void
test_overdue_reschedule (void)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autoptr(GDateTime) past = g_date_time_add_minutes (now, -5);
  g_autoptr(GDateTime) day = g_date_time_add_days (now, 1);
  g_autoptr(GDateTime) chosen = local_time_on (day, 8, 5);
  g_autofree char *first = add_entry ("Missed one", EP_OUTBOX_STATE_HELD, past, "sandbox");
  g_autofree char *second = add_entry ("Missed two", EP_OUTBOX_STATE_HELD, past, "sandbox");
  g_autoptr(GPtrArray) overdue = ep_outbox_overdue_list (store (), now);
  GtkWidget *dialog, *picker;

  g_assert_cmpuint (overdue->len, ==, 2);
  dialog = ep_outbox_overdue_present (NULL, ep_application_get_outbox_worker (app), overdue);
  g_assert_cmpstr (adw_message_dialog_get_heading (ADW_MESSAGE_DIALOG (dialog)), ==,
                   "Scheduled Messages Were Not Sent");
  respond (dialog, "reschedule");
  picker = find_schedule_dialog ();
  g_assert_nonnull (picker);
  ep_schedule_dialog_set_time (EP_SCHEDULE_DIALOG (picker), chosen);
  g_assert_true (ep_schedule_dialog_accept (EP_SCHEDULE_DIALOG (picker)));

  for (guint i = 0; i < 2; i++)
    {
      const char *id = i == 0 ? first : second;
      g_autoptr(EpOutboxEntry) entry = ep_outbox_store_load (store (), id, NULL);

      g_assert_nonnull (entry);
      g_assert_cmpint (entry->state, ==, EP_OUTBOX_STATE_HELD);
      g_assert_true (g_date_time_equal (entry->not_before, chosen));
      g_assert_true (ep_outbox_store_delete (store (), entry->id, NULL));
    }
}

static gboolean
listed (gpointer data)
{
  EpOutboxWindow *window = g_object_get_data (data, "window");

  return ep_outbox_window_get_state_text (window, g_object_get_data (data, "id")) != NULL;
}

/* Someone else changed the store (epistle-send, another window): once the worker has looked
 * again, the window shows it without being asked. */
static void
test_follows_worker (void)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autoptr(GDateTime) tomorrow = g_date_time_add_days (now, 1);
  EpOutboxWindow *window = open_outbox ();
  g_autofree char *id = add_entry ("Arrived later", EP_OUTBOX_STATE_HELD, tomorrow, "sandbox");
  g_autoptr(GObject) probe = g_object_new (G_TYPE_OBJECT, NULL);

  g_object_set_data (probe, "window", window);
  g_object_set_data (probe, "id", id);
  g_assert_null (ep_outbox_window_get_state_text (window, id));
  ep_outbox_worker_reload (ep_application_get_outbox_worker (app));
  g_assert_true (wait_for (listed, probe));

  g_assert_true (ep_outbox_store_delete (store (), id, NULL));
  gtk_window_destroy (GTK_WINDOW (window));
}

static guint
count_files (const char *dir)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;
  guint n = 0;

  while (d != NULL && (name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);

      n += g_file_test (path, G_FILE_TEST_IS_DIR) ? count_files (path) : 1;
    }
  return n;
}

/* Edit on a message that a sender holds: nothing changes, no draft and no decoded file stays. */
static void
test_edit_while_sending (void)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autoptr(GDateTime) past = g_date_time_add_seconds (now, -1);
  g_autofree char *id = add_entry ("Going now", EP_OUTBOX_STATE_QUEUED, past, "nowhere");
  g_autoptr(EpDraftStore) drafts = ep_draft_store_new (NULL);
  g_autofree char *images = ep_image_cache_dup_dir ();
  g_autoptr(GPtrArray) before = ep_draft_store_list (drafts, NULL, NULL);
  g_autoptr(GPtrArray) after = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(EpOutboxClaim) claim = ep_outbox_store_claim (store (), id, now, &error);
  guint files = count_files (images);
  g_autofree char *draft_id = NULL;

  g_assert_no_error (error);
  draft_id = ep_outbox_draft_take (store (), drafts, id, &error);
  g_assert_null (draft_id);
  g_assert_error (error, EP_STORE_ERROR, EP_STORE_ERROR_BUSY);
  after = ep_draft_store_list (drafts, NULL, NULL);
  g_assert_cmpuint (after->len, ==, before->len);
  g_assert_cmpuint (count_files (images), ==, files);

  g_clear_pointer (&claim, ep_outbox_claim_free);
  g_assert_true (ep_outbox_store_delete (store (), id, NULL));
}

static void
incoming_cb (GSocketService    *service,
             GSocketConnection *connection,
             GObject           *source,
             gpointer           user_data)
{
  guint *connections = user_data;

  (*connections)++;
}

static gboolean
not_scheduling (gpointer data)
{
  return !ep_window_is_scheduling (data);
}

static void
test_send_later (void)
{
  g_autoptr(GSocketService) service = g_socket_service_new ();
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) bound = NULL;
  g_autoptr(EpProfile) profile = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) before = ep_outbox_store_list (store (), NULL, NULL);
  g_autoptr(GPtrArray) after = NULL;
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autoptr(GDateTime) yesterday = g_date_time_add_days (now, -1);
  g_autoptr(GDateTime) day = g_date_time_add_days (now, 2);
  g_autoptr(GDateTime) chosen = local_time_on (day, 9, 30);
  EpOutboxEntry *held = NULL;
  EpWindow *window;
  GtkWidget *dialog;
  guint connections = 0;
  guint16 port;
  GtkTextBuffer *body;

  g_assert_true (g_socket_listener_add_address (G_SOCKET_LISTENER (service), address,
                                                G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, NULL,
                                                &bound, &error));
  g_assert_no_error (error);
  g_signal_connect (service, "incoming", G_CALLBACK (incoming_cb), &connections);
  port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
  profile = ep_test_scripted_profile ("Later Server", port, 5);
  g_assert_true (ep_profile_store_add (ep_application_get_profile_store (app), profile, &error));
  g_assert_no_error (error);

  window = ep_window_new (ADW_APPLICATION (app), ep_application_get_profile_store (app));
  ep_window_set_profile (window, profile);
  gtk_window_present (GTK_WINDOW (window));
  gtk_editable_set_text (GTK_EDITABLE (ep_window_get_field (window, "to")), "bob@example.org");
  gtk_editable_set_text (GTK_EDITABLE (ep_window_get_field (window, "subject")), "See you Tuesday");
  body = gtk_text_view_get_buffer (GTK_TEXT_VIEW (ep_window_get_field (window, "body")));
  gtk_text_buffer_set_text (body, "Tuesday at ten; the agenda is attached.", -1);

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.send-later-pick", NULL));
  dialog = ep_window_get_schedule_dialog (window);
  g_assert_true (EP_IS_SCHEDULE_DIALOG (dialog));
  /* A time that has passed is refused: nothing is written. */
  ep_schedule_dialog_set_time (EP_SCHEDULE_DIALOG (dialog), yesterday);
  g_assert_false (ep_schedule_dialog_accept (EP_SCHEDULE_DIALOG (dialog)));
  g_assert_false (ep_window_is_scheduling (window));
  ep_schedule_dialog_set_time (EP_SCHEDULE_DIALOG (dialog), chosen);
  screenshot ("send-later-picker.png");
  g_assert_true (ep_schedule_dialog_accept (EP_SCHEDULE_DIALOG (dialog)));
  /* Send Later asks what Send asks (the text mentions an attachment, and there is none); nothing
   * is written before the answer. */
  g_assert_nonnull (find_message_dialog ("Send Without Attachments?"));
  g_assert_false (ep_window_is_scheduling (window));
  after = ep_outbox_store_list (store (), NULL, &error);
  g_assert_cmpuint (after->len, ==, before->len);
  g_clear_pointer (&after, g_ptr_array_unref);
  respond (find_message_dialog ("Send Without Attachments?"), "send");
  g_assert_true (wait_for (not_scheduling, window));

  after = ep_outbox_store_list (store (), NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (after->len, ==, before->len + 1);
  for (guint i = 0; i < after->len; i++)
    {
      EpOutboxEntry *entry = after->pdata[i];

      if (g_strcmp0 (entry->subject, "See you Tuesday") == 0)
        held = entry;
    }
  g_assert_nonnull (held);
  g_assert_cmpint (held->state, ==, EP_OUTBOX_STATE_HELD);
  g_assert_true (g_date_time_equal (held->not_before, chosen));
  g_assert_cmpstr (held->profile_id, ==, ep_profile_get_id (profile));
  g_assert_cmpuint (held->recipients->len, ==, 1);
  g_assert_cmpstr (((EpOutboxRecipient *) held->recipients->pdata[0])->address, ==,
                   "bob@example.org");
  /* As after Send: the window is ready for the next message, and no draft is left. */
  g_assert_cmpstr (field_text (window, "subject"), ==, "");
  g_assert_null (ep_window_get_draft_id (window));

  /* The worker knows of it and waits: the server sees nothing. */
  ep_outbox_worker_reload (ep_application_get_outbox_worker (app));
  spin (1000);
  g_assert_cmpuint (connections, ==, 0);

  g_assert_true (ep_outbox_store_delete (store (), held->id, NULL));
  g_socket_service_stop (service);
  gtk_window_destroy (GTK_WINDOW (window));
}

/* An entry with @subject in the outbox, or NULL. */
static EpOutboxEntry *
find_entry (const char *subject)
{
  g_autoptr(GPtrArray) entries = ep_outbox_store_list (store (), NULL, NULL);

  for (guint i = 0; entries != NULL && i < entries->len; i++)
    {
      EpOutboxEntry *entry = entries->pdata[i];

      if (g_strcmp0 (entry->subject, subject) == 0)
        return ep_outbox_entry_copy (entry);
    }
  return NULL;
}

static gboolean
subject_gone (gpointer data)
{
  g_autoptr(EpOutboxEntry) entry = find_entry (data);

  return entry == NULL;
}

static const char *
row_subtitle (EpScheduleDialog *dialog)
{
  return adw_action_row_get_subtitle (ep_schedule_dialog_get_server_hold_row (dialog));
}

static gboolean
row_sensitive (EpScheduleDialog *dialog)
{
  return gtk_widget_get_sensitive (GTK_WIDGET (ep_schedule_dialog_get_server_hold_row (dialog)));
}

/* Send Later's picker and the server's FUTURERELEASE (RFC 4865) as the profile learned it: not
 * learned, not offered and too far ahead leave the switch off and say why; within the limit it
 * may be turned on, and the message then leaves at once with HOLDUNTIL= for the chosen time,
 * its Sent copy saying until when the server holds it. */
static void
test_send_later_server_hold (void)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autoptr(GDateTime) now_utc = g_date_time_new_now_utc ();
  g_autoptr(GDateTime) later = g_date_time_add_hours (now, 3);
  g_autoptr(GDateTime) chosen = local_time_on (later, g_date_time_get_hour (later),
                                               g_date_time_get_minute (later));
  g_autoptr(GDateTime) far_day = g_date_time_add_days (now, 3);
  g_autoptr(GDateTime) far = local_time_on (far_day, 9, 30);
  g_autoptr(GDateTime) chosen_utc = g_date_time_to_utc (chosen);
  g_autofree char *when = g_date_time_format (chosen_utc, "%Y-%m-%dT%H:%M:%SZ");
  g_autofree char *script = g_strdup_printf (EP_SCRIPT_GREETING
                                             "C: EHLO *\n"
                                             "S: 250-mx.test\n"
                                             "S: 250-PIPELINING\n"
                                             "S: 250 FUTURERELEASE 86400 2100-01-01T00:00:00Z\n"
                                             "C: MAIL FROM:<" EP_SCRIPT_SENDER "> HOLDUNTIL=%s\n"
                                             "C: RCPT TO:<bob@example.org>\n"
                                             "C: DATA\n"
                                             "S: 250 2.1.0 ok\n"
                                             "S: 250 2.1.5 ok\n"
                                             "S: 354 go ahead\n"
                                             "DATA\n"
                                             "S: 250 2.0.0 held until later\n"
                                             EP_SCRIPT_QUIT_EOF, when);
  g_autoptr(EpScriptServer) server = ep_script_server_new_for_test (script);
  g_autoptr(EpProfile) profile = ep_test_scripted_profile ("Holding Server",
                                                           ep_script_server_get_port (server), 5);
  g_autoptr(EpSentStore) sent = ep_sent_store_new (NULL);
  g_autoptr(GPtrArray) copies = NULL;
  g_autoptr(GError) error = NULL;
  EpScheduleDialog *dialog;
  EpSentInfo *copy = NULL;
  EpWindow *window;
  GtkTextBuffer *body;

  g_assert_true (ep_profile_store_add (ep_application_get_profile_store (app), profile, &error));
  g_assert_no_error (error);
  window = ep_window_new (ADW_APPLICATION (app), ep_application_get_profile_store (app));
  ep_window_set_profile (window, profile);
  gtk_window_present (GTK_WINDOW (window));
  gtk_editable_set_text (GTK_EDITABLE (ep_window_get_field (window, "to")), "bob@example.org");
  gtk_editable_set_text (GTK_EDITABLE (ep_window_get_field (window, "subject")), "Held by the server");
  body = gtk_text_view_get_buffer (GTK_TEXT_VIEW (ep_window_get_field (window, "body")));
  gtk_text_buffer_set_text (body, "Delivered while this computer sleeps.", -1);

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.send-later-pick", NULL));
  dialog = EP_SCHEDULE_DIALOG (ep_window_get_schedule_dialog (window));
  ep_schedule_dialog_set_time (dialog, chosen);
  spin (200);

  /* Nothing learned of the server yet. */
  g_assert_true (gtk_widget_is_visible (GTK_WIDGET (ep_schedule_dialog_get_server_hold_row (dialog))));
  g_assert_false (row_sensitive (dialog));
  g_assert_nonnull (strstr (row_subtitle (dialog), "Test the connection"));
  gtk_switch_set_active (ep_schedule_dialog_get_server_hold_switch (dialog), TRUE);
  g_assert_false (ep_schedule_dialog_get_server_hold (dialog));

  /* Its EHLO reply did not offer FUTURERELEASE. */
  ep_profile_set_future_release (profile, now_utc, FALSE, 0, 0);
  ep_schedule_dialog_set_time (dialog, chosen);
  g_assert_false (row_sensitive (dialog));
  g_assert_cmpstr (row_subtitle (dialog), ==, "The server of this profile cannot hold messages");

  /* Offered for a day: three days ahead is too far, three hours is not. */
  ep_profile_set_future_release (profile, now_utc, TRUE, 86400, 0);
  ep_schedule_dialog_set_time (dialog, far);
  g_assert_false (row_sensitive (dialog));
  g_assert_true (g_str_has_prefix (row_subtitle (dialog), "The server holds messages until "));
  g_assert_true (g_str_has_suffix (row_subtitle (dialog), " at the latest"));
  g_assert_false (ep_schedule_dialog_get_server_hold (dialog));
  screenshot ("send-later-server-hold-too-far.png");
  ep_schedule_dialog_set_time (dialog, chosen);
  g_assert_true (row_sensitive (dialog));
  g_assert_cmpstr (row_subtitle (dialog), ==,
                   "The message leaves now and the server delivers it at the chosen time, even if "
                   "this computer is off");
  g_assert_false (gtk_switch_get_active (ep_schedule_dialog_get_server_hold_switch (dialog)));
  gtk_switch_set_active (ep_schedule_dialog_get_server_hold_switch (dialog), TRUE);
  g_assert_true (ep_schedule_dialog_get_server_hold (dialog));
  screenshot ("send-later-server-hold.png");

  /* Accepted: queued to go now, the time for the server; the worker sends it at once. */
  g_assert_true (ep_schedule_dialog_accept (dialog));
  g_assert_true (wait_for (not_scheduling, window));
  ep_outbox_worker_reload (ep_application_get_outbox_worker (app));
  g_assert_true (wait_for (subject_gone, (gpointer) "Held by the server"));
  ep_script_server_assert_done (server, 5000);
  g_assert_true (wait_for (worker_idle, NULL));

  copies = ep_sent_store_list (sent, NULL, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < copies->len; i++)
    if (g_strcmp0 (((EpSentInfo *) copies->pdata[i])->subject, "Held by the server") == 0)
      copy = copies->pdata[i];
  g_assert_nonnull (copy);
  g_assert_nonnull (copy->hold_until);
  g_assert_true (g_date_time_equal (copy->hold_until, chosen));
  /* The delivery's EHLO reply is what the profile knows now. */
  g_assert_cmpint (g_date_time_compare (ep_profile_get_future_release_learned (profile), now_utc), >, 0);

  gtk_window_destroy (GTK_WINDOW (window));
}

/* The server held it before and no longer does: the entry is not sent early but waits in the
 * Outbox for its time, and the Outbox window says why. */
static void
test_server_hold_refused_shown (void)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autoptr(GDateTime) hold = g_date_time_add_hours (now, 3);
  g_autofree char *script = g_strconcat (EP_SCRIPT_GREETING EP_SCRIPT_EHLO_PIPELINING,
                                         EP_SCRIPT_QUIT_EOF, NULL);
  g_autoptr(EpScriptServer) server = ep_script_server_new_for_test (script);
  g_autoptr(EpProfile) profile = ep_test_scripted_profile ("Forgetful Server",
                                                           ep_script_server_get_port (server), 5);
  g_autoptr(EpOutboxEntry) entry = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = make_message ("No longer held");
  g_autoptr(GInputStream) in = g_memory_input_stream_new_from_data (text, strlen (text), NULL);
  const char *recipients[] = { "bob@example.org", NULL };
  g_autoptr(EpOutboxEntry) added = ep_outbox_entry_new ("me@example.org", recipients);
  EpOutboxWindow *window;
  const char *why = "The server no longer holds messages; Epistle will send it at ";

  g_assert_true (ep_profile_store_add (ep_application_get_profile_store (app), profile, &error));
  g_assert_no_error (error);
  added->state = EP_OUTBOX_STATE_QUEUED;
  added->profile_id = g_strdup (ep_profile_get_id (profile));
  added->subject = g_strdup ("No longer held");
  added->hold_until = g_date_time_ref (hold);
  g_assert_true (ep_outbox_store_add (store (), added, in, strlen (text), NULL, &error));
  g_assert_no_error (error);
  ep_outbox_worker_reload (ep_application_get_outbox_worker (app));
  ep_script_server_assert_done (server, 5000);

  entry = find_entry ("No longer held");
  for (gint64 end = g_get_monotonic_time () + ep_test_slack (EP_TEST_WAIT_US);
       (entry == NULL || entry->attempts->len == 0) && g_get_monotonic_time () < end;)
    {
      g_clear_pointer (&entry, ep_outbox_entry_free);
      spin (20);
      entry = find_entry ("No longer held");
    }
  g_assert_nonnull (entry);
  g_assert_cmpint (entry->state, ==, EP_OUTBOX_STATE_QUEUED);
  g_assert_null (entry->hold_until);
  g_assert_true (g_date_time_equal (entry->not_before, hold));

  g_assert_true (g_str_has_prefix (entry->last_error, why));

  window = open_outbox ();
  gtk_window_present (GTK_WINDOW (window));
  ep_outbox_window_select (window, entry->id);
  spin (200);
  g_assert_true (shows_text (GTK_WIDGET (window), why));
  {
    g_autofree char *when = ep_schedule_format_time (hold);
    g_autofree char *expected = g_strdup_printf ("To be sent %s", when);

    g_assert_cmpstr (ep_outbox_window_get_state_text (window, entry->id), ==, expected);
  }
  screenshot ("outbox-no-longer-held.png");
  gtk_window_destroy (GTK_WINDOW (window));
  g_assert_true (ep_outbox_store_delete (store (), entry->id, NULL));
}

int
main (int argc, char *argv[])
{
  g_autoptr(GError) error = NULL;
  g_autoptr(EpOutboxStore) outbox = NULL;
  g_autoptr(GDateTime) now = NULL;
  g_autoptr(GDateTime) hour_ago = NULL;
  GSubprocess *daemon = NULL;
  const char *recipients[] = { "bob@example.org", NULL };
  int ret;

  gtk_test_init (&argc, &argv, NULL);

  /* Scheduled for an hour ago, written before the application starts: it was closed then. */
  outbox = ep_outbox_store_new (NULL);
  now = g_date_time_new_now_utc ();
  hour_ago = g_date_time_add_hours (now, -1);
  {
    g_autoptr(EpOutboxEntry) entry = ep_outbox_entry_new ("me@example.org", recipients);
    const char *text = "From: me@example.org\r\nTo: bob@example.org\r\nSubject: Missed\r\n"
                       "\r\nHi\r\n";
    g_autoptr(GInputStream) in = g_memory_input_stream_new_from_data (text, strlen (text), NULL);

    entry->state = EP_OUTBOX_STATE_HELD;
    entry->not_before = g_date_time_ref (hour_ago);
    entry->profile_id = g_strdup ("sandbox");
    entry->subject = g_strdup ("Missed");
    g_assert_true (ep_outbox_store_add (outbox, entry, in, strlen (text), NULL, &error));
    g_assert_no_error (error);
    overdue_id = g_strdup (entry->id);
  }

  app = ep_application_new ();
  g_application_set_flags (G_APPLICATION (app), G_APPLICATION_NON_UNIQUE);
  g_assert_true (g_application_register (G_APPLICATION (app), NULL, &error));

  g_test_add_func ("/outbox/overdue", test_overdue);
  g_test_add_func ("/outbox/overdue-server-hold", test_overdue_server_hold);
  g_test_add_func ("/outbox/states", test_states);
  g_test_add_func ("/outbox/state-server-hold", test_state_server_hold);
  g_test_add_func ("/outbox/delete", test_delete);
  g_test_add_func ("/outbox/edit", test_edit);
  g_test_add_func ("/outbox/edit-final-newline", test_edit_final_newline);
  g_test_add_func ("/outbox/presets", test_presets);
  g_test_add_func ("/outbox/overdue-keep-as-draft", test_overdue_keep_as_draft);
  g_test_add_func ("/outbox/overdue-reschedule", test_overdue_reschedule);
  g_test_add_func ("/outbox/follows-worker", test_follows_worker);
  g_test_add_func ("/outbox/edit-while-sending", test_edit_while_sending);
  g_test_add_func ("/outbox/reschedule", test_reschedule);
  g_test_add_func ("/outbox/strip", test_strip);
  g_test_add_func ("/outbox/send-later", test_send_later);
  g_test_add_func ("/outbox/send-later-server-hold", test_send_later_server_hold);
  g_test_add_func ("/outbox/server-hold-refused", test_server_hold_refused_shown);

  {
    g_autofree char *log = g_build_filename (g_getenv ("EPISTLE_TEST_TMPDIR"), "notifications.log", NULL);
    g_autofree char *script = g_build_filename (g_getenv ("EPISTLE_SRCDIR"), "tests", "notification-server.py", NULL);
    g_autoptr(GDataInputStream) out = NULL;
    g_autofree char *ready = NULL;

    daemon = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error, "/usr/bin/python3", script, log, NULL);
    g_assert_no_error (error);
    out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (daemon));
    ready = g_data_input_stream_read_line (out, NULL, NULL, &error);
    g_assert_no_error (error);
    g_assert_cmpstr (ready, ==, "READY");
  }
  ret = g_test_run ();

  g_subprocess_force_exit (daemon);
  g_subprocess_wait (daemon, NULL, NULL);
  g_clear_object (&daemon);
  g_clear_object (&app);
  g_free (overdue_id);
  return ret;
}
