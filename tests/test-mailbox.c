/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-mailbox.c: the Sandbox Inbox and Sent windows list stored messages, show them parsed by our
 * own MIME reader, update live when a message arrives, and delete. */
#include "config.h"

#include <string.h>
#include <adwaita.h>

#include "ep-application.h"
#include "ep-mailbox-window-private.h"
#include "ep-message-view.h"
#include "ep-sandbox-store.h"
#include "ep-schedule-dialog.h"
#include "ep-sent-copy-status.h"
#include "ep-sent-store.h"

static EpApplication *app;

/* A real 96×64 PNG with a gradient, base64-encoded with GLib's encoder (an independent one). */
static char *
make_png_base64 (void)
{
  g_autoptr(GdkPixbuf) pixbuf = gdk_pixbuf_new (GDK_COLORSPACE_RGB, FALSE, 8, 96, 64);
  g_autofree char *buffer = NULL;
  gsize size;
  guchar *pixels = gdk_pixbuf_get_pixels (pixbuf);
  int stride = gdk_pixbuf_get_rowstride (pixbuf);

  for (int y = 0; y < 64; y++)
    for (int x = 0; x < 96; x++)
      {
        pixels[y * stride + x * 3 + 0] = (guchar) (x * 2);
        pixels[y * stride + x * 3 + 1] = (guchar) (y * 3);
        pixels[y * stride + x * 3 + 2] = 200;
      }
  g_assert_true (gdk_pixbuf_save_to_buffer (pixbuf, &buffer, &size, "png", NULL, NULL));
  return g_base64_encode ((guchar *) buffer, size);
}

static char *
make_message (const char *subject)
{
  g_autofree char *png_base64 = make_png_base64 ();

  return g_strdup_printf ("From: Tester <t@example.org>\r\n"
                          "To: you@example.org\r\n"
                          "Date: Sun, 29 Nov 2026 10:00:00 +0100\r\n"
                          "Subject: %s\r\n"
                          "MIME-Version: 1.0\r\n"
                          "Content-Type: multipart/mixed; boundary=\"=_x\"\r\n"
                          "\r\n"
                          "--=_x\r\n"
                          "Content-Type: text/plain; charset=utf-8\r\n"
                          "\r\n"
                          "Hello there\r\n"
                          "--=_x\r\n"
                          "Content-Type: image/png; name=\"dot.png\"\r\n"
                          "Content-Disposition: attachment; filename=\"dot.png\"\r\n"
                          "Content-Transfer-Encoding: base64\r\n"
                          "\r\n"
                          "%s\r\n"
                          "--=_x--\r\n", subject, png_base64);
}

static void
deliver_to_sandbox (const char *subject)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(EpSandboxIncoming) in = ep_sandbox_incoming_new (&error);
  g_autoptr(EpSandboxEntry) entry = ep_sandbox_entry_new ();
  g_autofree char *text = make_message (subject);

  g_assert_no_error (error);
  g_assert_true (ep_sandbox_incoming_write (in, text, strlen (text), NULL, &error));
  entry->sender = g_strdup ("t@example.org");
  entry->recipients = g_strsplit ("you@example.org", ",", -1);
  entry->received = g_date_time_new_now_utc ();
  entry->transfer = g_strdup ("DATA");
  entry->client_address = g_strdup ("127.0.0.1:4242");
  entry->transcript = g_strdup ("S: 220 sandbox\nC: EHLO test\n");
  g_assert_true (ep_sandbox_incoming_commit (in, entry, NULL, &error));
  g_assert_no_error (error);
}

static gboolean
has_n_items (EpMailboxWindow *window, guint n)
{
  gint64 end = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;

  while (ep_mailbox_window_get_n_items (window) != n && g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, FALSE), g_usleep (1000);
  return ep_mailbox_window_get_n_items (window) == n;
}

static void
screenshot (const char *name)
{
  g_autofree char *dir = g_build_filename (g_getenv ("EPISTLE_BUILDDIR"), "screenshots", NULL);
  g_autofree char *path = g_build_filename (dir, name, NULL);
  const char *argv[] = { "import", "-window", "root", path, NULL };
  gint64 end = g_get_monotonic_time () + G_USEC_PER_SEC / 2;

  /* Let the window paint first. */
  while (g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, FALSE), g_usleep (1000);
  g_mkdir_with_parents (dir, 0755);
  /* For people to look at, not a check: a missing picture is said, not failed. */
  if (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL, NULL, NULL))
    g_test_message ("screenshot: %s", path);
  else
    g_test_message ("screenshot not taken: %s", path);
}

/* The first widget of @type under @widget for which @match (nullable) says yes. */
static GtkWidget *
find_widget (GtkWidget  *widget,
             GType       type,
             gboolean  (*match) (GtkWidget *widget, const char *text),
             const char *text)
{
  if (G_TYPE_CHECK_INSTANCE_TYPE (widget, type) && (match == NULL || match (widget, text)))
    return widget;
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_widget (child, type, match, text);

      if (found != NULL)
        return found;
    }
  return NULL;
}

static gboolean
label_is (GtkWidget  *label,
          const char *text)
{
  return gtk_widget_is_drawable (label) && g_strcmp0 (gtk_label_get_text (GTK_LABEL (label)), text) == 0;
}

static gboolean
picture_shows_something (GtkWidget  *picture,
                         const char *unused)
{
  GdkPaintable *paintable = gtk_picture_get_paintable (GTK_PICTURE (picture));

  return paintable != NULL && gdk_paintable_get_intrinsic_width (paintable) > 0;
}

/* Until @window has drawn @widget (a freshly selected message is laid out in the next frames). */
static void
wait_drawn (GtkWidget *window)
{
  gint64 end = g_get_monotonic_time () + G_USEC_PER_SEC / 2;

  while (g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, FALSE), g_usleep (1000);
  g_assert_true (gtk_widget_get_mapped (window));
}

/* Whether a text view under @widget holds @needle (the message view's panes). */
static gboolean
text_views_contain (GtkWidget  *widget,
                    const char *needle)
{
  if (GTK_IS_TEXT_VIEW (widget))
    {
      GtkTextBuffer *buffer = gtk_text_view_get_buffer (GTK_TEXT_VIEW (widget));
      GtkTextIter start, end;
      g_autofree char *text = NULL;

      gtk_text_buffer_get_bounds (buffer, &start, &end);
      text = gtk_text_buffer_get_text (buffer, &start, &end, FALSE);
      if (strstr (text, needle) != NULL)
        return TRUE;
    }
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    if (text_views_contain (child, needle))
      return TRUE;
  return FALSE;
}

static void
test_sandbox_inbox (void)
{
  EpMailboxWindow *window;
  GtkWidget *view;
  GtkWidget *picture;

  deliver_to_sandbox ("First message");
  window = ep_mailbox_window_new (GTK_APPLICATION (app), EP_MAILBOX_SANDBOX);
  gtk_window_present (GTK_WINDOW (window));
  g_assert_true (has_n_items (window, 1));

  /* Delivered while the window is open (as epistle-send would): it appears by itself. */
  deliver_to_sandbox ("Second message, with a picture");
  g_assert_true (has_n_items (window, 2));

  /* The newest first; its view shows what our MIME reader made of it: the subject, the text
   * part, and the PNG attachment as a decoded picture under its file name. */
  ep_mailbox_window_select (window, 0);
  wait_drawn (GTK_WIDGET (window));
  view = GTK_WIDGET (gtk_widget_get_template_child (GTK_WIDGET (window), EP_TYPE_MAILBOX_WINDOW, "view"));
  g_assert_nonnull (view);
  g_assert_nonnull (find_widget (view, GTK_TYPE_LABEL, label_is, "Second message, with a picture"));
  g_assert_true (text_views_contain (view, "Hello there"));
  g_assert_cmpuint (ep_message_view_get_n_attachments (EP_MESSAGE_VIEW (view)), ==, 1);
  g_assert_nonnull (find_widget (view, GTK_TYPE_LABEL, label_is, "dot.png"));
  picture = find_widget (view, GTK_TYPE_PICTURE, picture_shows_something, NULL);
  g_assert_nonnull (picture);
  g_assert_cmpint (gdk_paintable_get_intrinsic_width (gtk_picture_get_paintable (GTK_PICTURE (picture))), >, 0);
  screenshot ("sandbox-inbox.png");

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "mailbox.delete", NULL));
  g_assert_true (has_n_items (window, 1));

  gtk_window_destroy (GTK_WINDOW (window));
}

static void
test_sent (void)
{
  g_autoptr(EpSentStore) store = ep_sent_store_new (NULL);
  g_autoptr(EpSentInfo) info = ep_sent_info_new ();
  g_autofree char *text = make_message ("Sent one");
  g_autoptr(GInputStream) in = g_memory_input_stream_new_from_data (text, strlen (text), NULL);
  g_autoptr(GError) error = NULL;
  EpMailboxWindow *window;

  info->date = g_date_time_new_now_local ();
  g_free (info->subject);
  info->subject = g_strdup ("Sent one");
  g_free (info->from);
  info->from = g_strdup ("t@example.org");
  g_strfreev (info->recipients);
  info->recipients = g_strsplit ("you@example.org", ",", -1);
  g_free (info->server);
  info->server = g_strdup ("smtp.example.org:587");
  info->outcome = EP_SMTP_OUTCOME_DELIVERED;
  info->outcome_text = g_strdup ("250 2.0.0 Ok: queued");
  info->profile_id = g_strdup ("work");
  g_assert_true (ep_sent_store_add (store, info, in, "C: QUIT\n", NULL, &error));
  g_assert_no_error (error);

  window = ep_mailbox_window_new (GTK_APPLICATION (app), EP_MAILBOX_SENT);
  gtk_window_present (GTK_WINDOW (window));
  g_assert_true (has_n_items (window, 1));
  screenshot ("sent-messages.png");
  gtk_window_destroy (GTK_WINDOW (window));

  /* A partial delivery: the entry says so, and who does not have the message. */
  {
    g_autoptr(EpSentInfo) partial = ep_sent_info_copy (info);
    g_autoptr(GInputStream) again = g_memory_input_stream_new_from_data (text, strlen (text), NULL);

    g_clear_pointer (&partial->id, g_free);
    partial->outcome = EP_SMTP_OUTCOME_PARTIAL;
    g_free (partial->outcome_text);
    partial->outcome_text = g_strdup ("The server refused the sender for now: 451 4.3.0 later");
    partial->not_delivered = g_strsplit ("carol@example.org", ",", -1);
    /* Let the server hold it for a day (FUTURERELEASE): the details say until when. */
    partial->hold_until = g_date_time_add_days (info->date, 1);
    g_date_time_unref (partial->date);
    partial->date = g_date_time_add_seconds (info->date, 60);   /* newest: listed first */
    g_assert_true (ep_sent_store_add (store, partial, again, "C: QUIT\n", NULL, &error));
    g_assert_no_error (error);
  }
  window = ep_mailbox_window_new (GTK_APPLICATION (app), EP_MAILBOX_SENT);
  gtk_window_present (GTK_WINDOW (window));
  g_assert_true (has_n_items (window, 2));
  ep_mailbox_window_select (window, 0);
  g_assert_true (text_views_contain (GTK_WIDGET (window), "Outcome: delivered to some recipients"));
  g_assert_true (text_views_contain (GTK_WIDGET (window), "Not delivered to: carol@example.org"));
  {
    g_autoptr(GDateTime) until = g_date_time_add_days (info->date, 1);
    g_autofree char *when = ep_schedule_format_time (until);
    g_autofree char *held = g_strdup_printf ("Held by the server until %s", when);

    g_assert_true (text_views_contain (GTK_WIDGET (window), held));
  }
  gtk_window_destroy (GTK_WINDOW (window));

  /* The copy in the Sent folder on the server: made, or why not yet. */
  {
    g_autofree char *entry_dir = g_build_filename (ep_sent_store_get_dir (store), info->id, NULL);
    g_autoptr(EpSentCopyStatus) copy = ep_sent_copy_status_new ();

    copy->state = EP_SENT_COPY_DONE;
    copy->attempts = 1;
    g_assert_true (ep_sent_copy_status_save (entry_dir, copy, &error));
    window = ep_mailbox_window_new (GTK_APPLICATION (app), EP_MAILBOX_SENT);
    gtk_window_present (GTK_WINDOW (window));
    g_assert_true (has_n_items (window, 2));
    ep_mailbox_window_select (window, 1);
    g_assert_true (text_views_contain (GTK_WIDGET (window), "Copied to the Sent folder on the server"));
    gtk_window_destroy (GTK_WINDOW (window));

    copy->state = EP_SENT_COPY_PENDING;
    copy->next_attempt = g_date_time_add_minutes (info->date, 5);
    copy->last_error = g_strdup ("NO [OVERQUOTA] Mailbox is full");
    g_assert_true (ep_sent_copy_status_save (entry_dir, copy, &error));
    window = ep_mailbox_window_new (GTK_APPLICATION (app), EP_MAILBOX_SENT);
    gtk_window_present (GTK_WINDOW (window));
    g_assert_true (has_n_items (window, 2));
    ep_mailbox_window_select (window, 1);
    g_assert_true (text_views_contain (GTK_WIDGET (window),
                                       "Not copied to the Sent folder on the server yet: NO [OVERQUOTA] Mailbox is full"));
    gtk_window_destroy (GTK_WINDOW (window));

    /* Several Sent folders on the server: the person is told where to choose one. */
    copy->state = EP_SENT_COPY_FAILED;
    g_clear_pointer (&copy->next_attempt, g_date_time_unref);
    g_free (copy->last_error);
    copy->last_error = g_strdup ("Several folders could be the Sent folder (“Sent”, “INBOX.Sent”): choose one");
    copy->choose_folder = TRUE;
    g_assert_true (ep_sent_copy_status_save (entry_dir, copy, &error));
    window = ep_mailbox_window_new (GTK_APPLICATION (app), EP_MAILBOX_SENT);
    gtk_window_present (GTK_WINDOW (window));
    g_assert_true (has_n_items (window, 2));
    ep_mailbox_window_select (window, 1);
    g_assert_true (text_views_contain (GTK_WIDGET (window), "Not copied to the Sent folder on the server: Several"));
    g_assert_true (text_views_contain (GTK_WIDGET (window), "press Choose… under Copy to Sent Folder"));
    /* And a button to its profile's editor, where Choose… is. */
    {
      GtkWidget *button = ep_mailbox_window_get_choose_button (window);
      GVariant *target;

      g_assert_nonnull (button);
      g_assert_cmpstr (gtk_actionable_get_action_name (GTK_ACTIONABLE (button)), ==, "app.edit-profile");
      target = gtk_actionable_get_action_target_value (GTK_ACTIONABLE (button));
      g_assert_cmpstr (g_variant_get_string (target, NULL), ==, "work");
      screenshot ("sent-choose-folder.png");
    }
    gtk_window_destroy (GTK_WINDOW (window));
  }
}

int
main (int argc, char *argv[])
{
  g_autoptr(GError) error = NULL;
  int ret;

  gtk_test_init (&argc, &argv, NULL);
  app = ep_application_new ();
  g_application_set_flags (G_APPLICATION (app), G_APPLICATION_NON_UNIQUE);
  g_assert_true (g_application_register (G_APPLICATION (app), NULL, &error));

  g_test_add_func ("/mailbox/sandbox-inbox", test_sandbox_inbox);
  g_test_add_func ("/mailbox/sent", test_sent);
  ret = g_test_run ();

  g_clear_object (&app);
  return ret;
}
