/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-window.c: the compose window is built from its template with its fields and actions. */
#include "config.h"

#include <string.h>
#include <adwaita.h>

#include "ep-application-private.h"
#include "ep-attachment.h"
#include "ep-draft-store.h"
#include "ep-profiles-test-util.h"
#include "ep-test-util.h"
#include "ep-window-private.h"

static EpApplication *app;

static void
test_window_structure (void)
{
  EpWindow *window = ep_window_new (ADW_APPLICATION (app), ep_application_get_profile_store (app));
  GtkWidget *widget = GTK_WIDGET (window);

  g_assert_true (ADW_IS_APPLICATION_WINDOW (window));
  g_assert_cmpstr (gtk_window_get_title (GTK_WINDOW (window)), ==, "New Message");
  /* Window actions are installed (win.attach itself would open a file chooser). */
  g_assert_true (gtk_widget_activate_action (widget, "win.remove-attachment", "s", "file:///nonexistent"));
  g_assert_true (g_action_group_has_action (G_ACTION_GROUP (app), "about"));
  g_assert_true (g_action_group_has_action (G_ACTION_GROUP (app), "new-message"));

  gtk_window_destroy (GTK_WINDOW (window));
}

static void
test_window_accels (void)
{
  g_auto(GStrv) send = gtk_application_get_accels_for_action (GTK_APPLICATION (app), "win.send");
  g_auto(GStrv) attach = gtk_application_get_accels_for_action (GTK_APPLICATION (app), "win.attach");

  g_assert_cmpstrv (send, ((const char * const[]) { "<Control>Return", NULL }));
  g_assert_cmpstrv (attach, ((const char * const[]) { "<Shift><Control>a", NULL }));
}

static void
test_window_mailto (void)
{
  EpWindow *window = ep_window_new (ADW_APPLICATION (app), ep_application_get_profile_store (app));
  g_autoptr(GError) error = NULL;
  g_autofree char *path = g_build_filename (g_getenv ("EPISTLE_TEST_TMPDIR"), "report.txt", NULL);
  g_autofree char *uri = g_strdup_printf ("mailto:a@x.org?cc=b@y.org&subject=Quarterly%%20report"
                                          "&body=Hi%%0D%%0Athere&attach=%s", path);
  g_autoptr(EpMailto) mailto = ep_mailto_parse (uri, &error);
  GListModel *attachments = ep_window_get_attachments (window);

  g_assert_no_error (error);
  g_assert_true (g_file_set_contents (path, "numbers", -1, NULL));
  ep_window_apply_mailto (window, mailto);
  g_assert_cmpstr (gtk_window_get_title (GTK_WINDOW (window)), ==, "Quarterly report");

  /* The link's attachment waits for the user's yes. */
  while (g_main_context_iteration (NULL, FALSE));
  g_assert_cmpuint (g_list_model_get_n_items (attachments), ==, 0);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.attach-offered", NULL));
  while (ep_window_is_busy (window))
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpuint (g_list_model_get_n_items (attachments), ==, 1);

  gtk_window_destroy (GTK_WINDOW (window));
}

/* Many files at once (a file manager's "Send to", `epistle --attach` × N): every one is listed,
 * a few rows per main-loop iteration rather than all in one, Send waits until the last row is
 * there, and a file given twice is listed once. On screen the list makes row widgets for what
 * can be seen only, and Delete on a row removes its file. */
static void
test_window_many_files (void)
{
  const guint n_files = 500;
  EpWindow *window = ep_window_new (ADW_APPLICATION (app), ep_application_get_profile_store (app));
  GListModel *attachments = ep_window_get_attachments (window);
  g_autofree char *dir = ep_test_make_dir ("many-files");
  g_autoptr(GPtrArray) files = g_ptr_array_new_with_free_func (g_object_unref);
  guint most = 0, iterations_adding = 0;
  gint64 deadline = g_get_monotonic_time () + ep_test_slack (60 * G_USEC_PER_SEC);

  gtk_editable_set_text (GTK_EDITABLE (ep_window_get_field (window, "to")), "ann@example.org");
  gtk_editable_set_text (GTK_EDITABLE (ep_window_get_field (window, "subject")), "Files");
  for (guint i = 0; i < n_files; i++)
    {
      g_autofree char *name = g_strdup_printf ("file-%03u.txt", i);
      g_autofree char *path = g_build_filename (dir, name, NULL);

      ep_test_write_file (path, name);
      g_ptr_array_add (files, g_file_new_for_path (path));
    }
  for (guint i = 0; i < n_files; i++)
    ep_window_add_file (window, files->pdata[i], NULL);
  ep_window_add_file (window, files->pdata[0], NULL);

  while (ep_window_is_busy (window))
    {
      guint before = g_list_model_get_n_items (attachments);
      guint added;

      g_autofree char *blocker = ep_window_dup_send_blocker (window);

      g_assert_nonnull (blocker);
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_main_context_iteration (NULL, TRUE);
      added = g_list_model_get_n_items (attachments) - before;
      most = MAX (most, added);
      iterations_adding += added > 0;
    }
  g_test_message ("%u rows listed over %u iterations, at most %u in one", n_files, iterations_adding, most);
  g_assert_cmpuint (g_list_model_get_n_items (attachments), ==, n_files);
  g_assert_cmpuint (iterations_adding, >, 1);
  g_assert_cmpuint (most, <, n_files);
  {
    g_autofree char *blocker = ep_window_dup_send_blocker (window);

    g_assert_null (blocker);
  }

  /* On screen, the list makes rows for what can be seen and a margin around it (some 200 at most
   * with GTK 4.8), not one per file. */
  gtk_window_present (GTK_WINDOW (window));
  while (!gtk_widget_get_mapped (GTK_WIDGET (window)) || gtk_widget_get_height (GTK_WIDGET (window)) == 0)
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_main_context_iteration (NULL, TRUE);
    }
  while (g_main_context_iteration (NULL, FALSE))
    ;
  {
    GtkWidget *list = GTK_WIDGET (window->attachments_list);
    GtkWidget *first = gtk_widget_get_first_child (list);
    GtkEventController *key = NULL;
    g_autoptr(GListModel) controllers = gtk_widget_observe_controllers (list);
    g_autoptr(EpAttachment) first_attachment = NULL;
    guint rows = 0;
    gboolean handled = FALSE;

    for (GtkWidget *child = first; child != NULL; child = gtk_widget_get_next_sibling (child))
      rows++;
    g_test_message ("%u row widgets for %u attachments", rows, n_files);
    g_assert_cmpuint (rows, >, 0);
    g_assert_cmpuint (rows, <, n_files / 2);
    ep_test_screenshot (GTK_WIDGET (window), "many-files.png");

    /* Delete on a focused row removes its attachment (the list's first). */
    first_attachment = g_list_model_get_item (attachments, 0);
    for (guint i = 0; i < g_list_model_get_n_items (controllers); i++)
      {
        g_autoptr(GtkEventController) c = g_list_model_get_item (controllers, i);

        if (GTK_IS_EVENT_CONTROLLER_KEY (c))
          key = c;
      }
    g_assert_nonnull (key);
    g_assert_true (gtk_widget_grab_focus (first));
    g_signal_emit_by_name (key, "key-pressed", GDK_KEY_Delete, 0, 0, &handled);
    g_assert_true (handled);
    g_assert_cmpuint (g_list_model_get_n_items (attachments), ==, n_files - 1);
    for (guint i = 0; i < n_files - 1; i++)
      {
        g_autoptr(EpAttachment) left = g_list_model_get_item (attachments, i);

        g_assert_false (g_file_equal (ep_attachment_get_file (left), ep_attachment_get_file (first_attachment)));
      }
  }

  ep_window_discard_draft (window);
  gtk_window_destroy (GTK_WINDOW (window));
}

static void
test_window_mailto_ignored (void)
{
  EpWindow *window = ep_window_new (ADW_APPLICATION (app), ep_application_get_profile_store (app));
  g_autoptr(EpMailto) mailto = ep_mailto_parse ("mailto:a@x.org?attach=/etc/passwd", NULL);

  ep_window_apply_mailto (window, mailto);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.ignore-offered", NULL));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.attach-offered", NULL));
  while (g_main_context_iteration (NULL, FALSE));
  g_assert_cmpuint (g_list_model_get_n_items (ep_window_get_attachments (window)), ==, 0);

  gtk_window_destroy (GTK_WINDOW (window));
}

static gboolean
send_enabled (EpWindow *window)
{
  g_autofree char *reason = ep_window_dup_send_blocker (window);
  return reason == NULL;
}

static void
test_window_validation (void)
{
  EpWindow *window = ep_window_new (ADW_APPLICATION (app), ep_application_get_profile_store (app));
  GtkEditable *from = GTK_EDITABLE (ep_window_get_field (window, "from"));
  GtkEditable *to = GTK_EDITABLE (ep_window_get_field (window, "to"));
  GtkEditable *bcc = GTK_EDITABLE (ep_window_get_field (window, "bcc"));
  g_autofree char *reason = NULL;

  g_assert_false (send_enabled (window));
  reason = ep_window_dup_send_blocker (window);
  g_assert_cmpstr (reason, ==, "Add at least one recipient");

  gtk_editable_set_text (to, "Jane Doe <jane@example.com>, bob@");
  g_assert_true (gtk_widget_has_css_class (GTK_WIDGET (to), "error"));
  g_assert_nonnull (gtk_widget_get_tooltip_text (GTK_WIDGET (to)));
  g_assert_nonnull (strstr (gtk_widget_get_tooltip_text (GTK_WIDGET (to)), "To"));
  g_assert_false (send_enabled (window));

  /* The Sandbox suggests a From; without one, Send says so. */
  g_assert_cmpstr (gtk_editable_get_text (from), !=, "");
  gtk_editable_set_text (from, "");
  gtk_editable_set_text (to, "Jane Doe <jane@example.com>; \"Doe, John\" <j@example.org>");
  g_assert_false (gtk_widget_has_css_class (GTK_WIDGET (to), "error"));
  g_clear_pointer (&reason, g_free);
  reason = ep_window_dup_send_blocker (window);
  g_assert_cmpstr (reason, ==, "Enter your address in From");

  gtk_editable_set_text (from, "Me <me@example.net>");
  g_assert_true (send_enabled (window));

  /* Only Bcc is enough; an injected line break is never accepted. */
  gtk_editable_set_text (to, "");
  gtk_editable_set_text (bcc, "hidden@example.org");
  g_assert_true (send_enabled (window));
  gtk_editable_set_text (bcc, "hidden@example.org\r\nRCPT TO:<x@y>");
  g_assert_false (send_enabled (window));

  gtk_window_destroy (GTK_WINDOW (window));
}

static gboolean
wait_for_file (const char *path, gboolean exists, guint ms)
{
  gint64 end = g_get_monotonic_time () + (gint64) ms * 1000;

  while (g_file_test (path, G_FILE_TEST_EXISTS) != exists && g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, FALSE), g_usleep (1000);
  return g_file_test (path, G_FILE_TEST_EXISTS) == exists;
}

static void
test_window_draft_autosave (void)
{
  EpWindow *window = ep_window_new (ADW_APPLICATION (app), ep_application_get_profile_store (app));
  EpWindow *restored = ep_window_new (ADW_APPLICATION (app), ep_application_get_profile_store (app));
  g_autoptr(EpDraftStore) store = ep_draft_store_new (NULL);
  g_autofree char *attachment = g_build_filename (g_getenv ("EPISTLE_TEST_TMPDIR"), "numbers.csv", NULL);
  g_autoptr(GFile) attachment_file = g_file_new_for_path (attachment);
  g_autoptr(EpDraft) loaded = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;
  g_autofree char *id = NULL;
  GtkTextBuffer *buffer;
  GtkTextIter start, end;
  g_autofree char *body = NULL;
  gint64 typed;

  g_assert_true (g_file_set_contents (attachment, "a,b\n1,2\n", -1, NULL));
  ep_window_add_file (window, attachment_file, NULL);
  while (ep_window_is_busy (window))
    g_main_context_iteration (NULL, TRUE);

  typed = g_get_monotonic_time ();
  gtk_editable_set_text (GTK_EDITABLE (ep_window_get_field (window, "to")), "Ann <ann@example.org>");
  gtk_editable_set_text (GTK_EDITABLE (ep_window_get_field (window, "subject")), "Numbers ✓");
  gtk_text_buffer_set_text (gtk_text_view_get_buffer (GTK_TEXT_VIEW (ep_window_get_field (window, "body"))),
                            "Line one\nLine two — ünïcode", -1);
  g_assert_nonnull (ep_window_get_draft_id (window));
  id = g_strdup (ep_window_get_draft_id (window));
  path = ep_draft_store_dup_path (store, id);

  /* Saved within 2 s of the change, without anything else happening. */
  g_assert_true (wait_for_file (path, TRUE, ep_test_slack (2000 * 1000) / 1000));
  g_assert_cmpint (g_get_monotonic_time () - typed, <, ep_test_slack (2 * G_USEC_PER_SEC));
  while (g_main_context_iteration (NULL, FALSE));
  loaded = ep_draft_store_load (store, id, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (loaded->subject, ==, "Numbers ✓");
  g_assert_cmpuint (loaded->attachments->len, ==, 1);

  ep_window_load_draft (restored, loaded);
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (ep_window_get_field (restored, "to"))), ==,
                   "Ann <ann@example.org>");
  g_assert_cmpstr (gtk_window_get_title (GTK_WINDOW (restored)), ==, "Numbers ✓");
  buffer = gtk_text_view_get_buffer (GTK_TEXT_VIEW (ep_window_get_field (restored, "body")));
  gtk_text_buffer_get_bounds (buffer, &start, &end);
  body = gtk_text_buffer_get_text (buffer, &start, &end, FALSE);
  g_assert_cmpstr (body, ==, "Line one\nLine two — ünïcode");
  while (ep_window_is_busy (restored))
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpuint (g_list_model_get_n_items (ep_window_get_attachments (restored)), ==, 1);
  g_assert_cmpstr (ep_window_get_draft_id (restored), ==, id);

  /* Discarding (or a confirmed send) removes it. */
  ep_window_discard_draft (restored);
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));

  gtk_window_destroy (GTK_WINDOW (window));
  gtk_window_destroy (GTK_WINDOW (restored));
  while (g_main_context_iteration (NULL, FALSE));
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
}

/* The check button labelled @label (mnemonic included) under @widget. */
static GtkCheckButton *
find_check (GtkWidget  *widget,
            const char *label)
{
  if (GTK_IS_CHECK_BUTTON (widget)
      && g_strcmp0 (gtk_check_button_get_label (GTK_CHECK_BUTTON (widget)), label) == 0)
    return GTK_CHECK_BUTTON (widget);
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkCheckButton *found = find_check (child, label);

      if (found != NULL)
        return found;
    }
  return NULL;
}

static gboolean
has_label (GtkWidget  *widget,
           const char *text)
{
  if (GTK_IS_LABEL (widget) && g_strcmp0 (gtk_label_get_text (GTK_LABEL (widget)), text) == 0)
    return TRUE;
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    if (has_label (child, text))
      return TRUE;
  return FALSE;
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

static guint resumed;

static void
resume_cb (EpWindow *window,
           gboolean  allow_partial,
           gboolean  immediate)
{
  resumed++;
}

static AdwMessageDialog *
find_message_dialog (void)
{
  GListModel *toplevels = gtk_window_get_toplevels ();

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GObject) w = g_list_model_get_item (toplevels, i);

      if (ADW_IS_MESSAGE_DIALOG (w))
        return ADW_MESSAGE_DIALOG (w);
    }
  return NULL;
}

/* Delivery Options: a server known to lack DSN has the notifications greyed out with the reason
 * and none asked for; REQUIRETLS offered is said; the read receipt reaches the message; the
 * choice survives a draft. */
static void
test_window_delivery_options (void)
{
  EpWindow *window = ep_window_new (ADW_APPLICATION (app), ep_application_get_profile_store (app));
  EpWindow *restored = ep_window_new (ADW_APPLICATION (app), ep_application_get_profile_store (app));
  g_autoptr(EpSmtpCapabilities) caps = ep_smtp_capabilities_new ();
  g_autoptr(EpDraft) draft = ep_draft_new ();
  g_autoptr(EpMessage) message = NULL;
  g_autoptr(GError) error = NULL;
  EpProfile *profile = ep_window_get_profile (window);
  GtkPopover *popover;
  GtkWidget *content;
  EpSmtpDeliveryRequest request;
  gboolean read_receipt = FALSE;

  g_assert_nonnull (profile);
  caps->flags = EP_SMTP_CAP_REQUIRETLS;
  ep_profile_learn_capabilities (profile, caps, NULL);

  gtk_window_present (GTK_WINDOW (window));
  gtk_menu_button_popup (window->delivery_button);
  popover = gtk_menu_button_get_popover (window->delivery_button);
  g_assert_nonnull (popover);
  content = gtk_popover_get_child (popover);
  g_assert_true (has_label (content, "This server does not offer delivery notifications (DSN): none can be asked for."));
  g_assert_true (has_label (content, "This server offers REQUIRETLS."));
  g_assert_false (gtk_widget_get_sensitive (GTK_WIDGET (find_check (content, "When Delivery _Fails"))));

  /* Chosen anyway (from an earlier draft, say): not asked of this server. */
  gtk_check_button_set_active (find_check (content, "When Delivery _Fails"), TRUE);
  gtk_check_button_set_active (find_check (content, "Ask for a _Read Receipt"), TRUE);
  gtk_check_button_set_active (find_check (content, "Require _TLS All the Way"), TRUE);
  g_assert_true (gtk_widget_get_sensitive (GTK_WIDGET (find_check (content, "Send _Anyway if the Server Cannot Promise It"))));
  screenshot ("delivery-options.png");

  ep_window_delivery_get (window, &request, &read_receipt);
  g_assert_cmpint (request.dsn_notify, ==, EP_SMTP_DSN_NONE);
  g_assert_cmpint (request.require_tls, ==, EP_SMTP_REQUIRE_TLS_ON);
  g_assert_true (read_receipt);
  gtk_editable_set_text (GTK_EDITABLE (ep_window_get_field (window, "to")), "ann@example.org");
  message = ep_window_build_message (window, &error);
  g_assert_no_error (error);
  g_assert_true (ep_message_get_read_receipt (message));

  /* The draft keeps the person's choice, notifications included. */
  ep_window_delivery_save (window, draft);
  g_assert_cmpint (draft->request.dsn_notify, ==, EP_SMTP_DSN_FAILURE);
  g_assert_true (draft->read_receipt);
  ep_window_delivery_load (restored, draft);
  ep_window_delivery_save (restored, draft);
  g_assert_cmpint (draft->request.dsn_notify, ==, EP_SMTP_DSN_FAILURE);
  g_assert_cmpint (draft->request.require_tls, ==, EP_SMTP_REQUIRE_TLS_ON);

  /* TLS all the way required of a server known not to offer it: asked first; "Send Without
   * It" records the choice and sends. Nothing asked where it is offered, or once chosen. */
  caps->flags = EP_SMTP_CAP_NONE;
  ep_profile_learn_capabilities (profile, caps, NULL);
  resumed = 0;
  g_assert_true (ep_window_delivery_ask_before_send (window, resume_cb, FALSE, TRUE));
  {
    AdwMessageDialog *dialog = find_message_dialog ();

    g_assert_nonnull (dialog);
    g_assert_cmpstr (adw_message_dialog_get_heading (dialog), ==, "Send Without TLS All the Way?");
    /* The dialog closes itself on a response. */
    adw_message_dialog_response (dialog, "send");
  }
  g_assert_cmpuint (resumed, ==, 1);
  ep_window_delivery_get (window, &request, &read_receipt);
  g_assert_cmpint (request.require_tls, ==, EP_SMTP_REQUIRE_TLS_IF_OFFERED);
  g_assert_false (ep_window_delivery_ask_before_send (window, resume_cb, FALSE, TRUE));

  /* Known to offer DSN: asked for. */
  caps->flags = EP_SMTP_CAP_DSN;
  ep_profile_learn_capabilities (profile, caps, NULL);
  gtk_popover_popdown (popover);
  gtk_menu_button_popup (window->delivery_button);
  ep_window_delivery_get (window, &request, &read_receipt);
  g_assert_cmpint (request.dsn_notify, ==, EP_SMTP_DSN_FAILURE);
  gtk_popover_popdown (popover);
  while (g_main_context_iteration (NULL, FALSE));

  ep_window_discard_draft (window);
  ep_window_discard_draft (restored);
  gtk_window_destroy (GTK_WINDOW (window));
  gtk_window_destroy (GTK_WINDOW (restored));
  while (g_main_context_iteration (NULL, FALSE));
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  int ret;

  gtk_test_init (&argc, &argv, NULL);
  app = ep_application_new ();
  g_application_set_flags (G_APPLICATION (app), G_APPLICATION_NON_UNIQUE);
  g_assert_true (g_application_register (G_APPLICATION (app), NULL, &error));
  g_assert_no_error (error);

  g_test_add_func ("/window/structure", test_window_structure);
  g_test_add_func ("/window/accels", test_window_accels);
  g_test_add_func ("/window/mailto", test_window_mailto);
  g_test_add_func ("/window/many-files", test_window_many_files);
  g_test_add_func ("/window/validation", test_window_validation);
  g_test_add_func ("/window/draft-autosave", test_window_draft_autosave);
  g_test_add_func ("/window/mailto-ignored", test_window_mailto_ignored);
  g_test_add_func ("/window/delivery-options", test_window_delivery_options);
  ret = g_test_run ();

  g_clear_object (&app);
  return ret;
}
