/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-recipient-completion.c: the To field completes from the Sent store under Xvfb, driven by
 * real key presses (xdotool), and never for text the program sets: the popover under the field
 * with the best ranked first, Down and Enter, Tab, Escape, the field's text exactly right after
 * each (a name with a comma quoted), the focus never leaving the field, Forget on a row and with
 * Shift+Delete, a delivery learned at once, and a screenshot of the popover. */
#include "config.h"

#include <string.h>
#include <adwaita.h>

#include "ep-address.h"
#include "ep-application-private.h"
#include "ep-recipient-completion-private.h"
#include "ep-sent-store.h"
#include "ep-test-util.h"
#include "ep-window-private.h"

static EpApplication *app;

/* ---- Helpers ----------------------------------------------------------------------------- */

static void
iterate_for (guint ms)
{
  gint64 end = g_get_monotonic_time () + ms * 1000;

  while (g_get_monotonic_time () < end)
    {
      while (g_main_context_iteration (NULL, FALSE))
        ;
      g_usleep (1000);
    }
}

typedef gboolean (*Condition) (gpointer data);

static gboolean
wait_for (Condition condition,
          gpointer  data)
{
  gint64 end = g_get_monotonic_time () + ep_test_slack (10 * G_USEC_PER_SEC);

  while (!condition (data))
    {
      if (g_get_monotonic_time () > end)
        return FALSE;
      g_main_context_iteration (NULL, FALSE);
      g_usleep (1000);
    }
  return TRUE;
}

static void
xdotool (const char * const *args)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  int status = 0;

  g_ptr_array_add (argv, (char *) "xdotool");
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (char *) args[i]);
  g_ptr_array_add (argv, NULL);
  /* The main loop keeps running while the keys go through the X server. */
  g_assert_true (g_spawn_sync (NULL, (char **) argv->pdata, NULL, G_SPAWN_SEARCH_PATH, NULL,
                               NULL, NULL, NULL, &status, &error));
  g_assert_no_error (error);
  g_assert_true (g_spawn_check_wait_status (status, NULL));
  iterate_for (100);
}

static void
type_text (const char *text)
{
  xdotool ((const char *[]) { "type", "--delay", "20", text, NULL });
}

static void
press (const char *key)
{
  xdotool ((const char *[]) { "key", key, NULL });
}

static void
screenshot (const char *name)
{
  g_autofree char *dir = g_build_filename (g_getenv ("EPISTLE_BUILDDIR"), "screenshots", NULL);
  g_autofree char *path = g_build_filename (dir, name, NULL);
  const char *argv[] = { "import", "-window", "root", path, NULL };

  iterate_for (300);
  g_mkdir_with_parents (dir, 0755);
  /* For people to look at, not a check: a missing picture is said, not failed. */
  if (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL, NULL, NULL))
    g_test_message ("screenshot: %s", path);
  else
    g_test_message ("screenshot not taken: %s", path);
}

static void
add_sent (EpSentStore *store,
          const char  *to,
          const char  *bcc,
          gint64       when)
{
  g_autoptr(GPtrArray) list = ep_address_list_parse (to, "To", NULL);
  g_autoptr(GStrvBuilder) envelope = g_strv_builder_new ();
  g_autoptr(EpSentInfo) info = ep_sent_info_new ();
  g_autofree char *message = g_strdup_printf ("From: me@example.org\r\nTo: %s\r\nMessage-ID: <%" G_GINT64_FORMAT "@test>\r\n"
                                              "Subject: hi\r\n\r\nHi\r\n", to, when);
  g_autoptr(GInputStream) input = g_memory_input_stream_new_from_data (g_strdup (message), -1, g_free);
  g_autoptr(GError) error = NULL;

  for (guint i = 0; i < list->len; i++)
    g_strv_builder_add (envelope, ep_address_get_envelope (list->pdata[i]));
  if (bcc != NULL)
    g_strv_builder_add (envelope, bcc);
  g_clear_pointer (&info->date, g_date_time_unref);
  info->date = g_date_time_new_from_unix_utc (when);
  g_strfreev (info->recipients);
  info->recipients = g_strv_builder_end (envelope);
  g_free (info->server);
  info->server = g_strdup ("Sandbox");
  info->outcome = EP_SMTP_OUTCOME_DELIVERED;
  g_assert_true (ep_sent_store_add (store, info, input, "", NULL, &error));
  g_assert_no_error (error);
}

typedef struct {
  GtkEntry              *entry;
  EpRecipientCompletion *completion;
  guint                  rows;
} Field;

static guint
n_rows (Field *field)
{
  GtkListBox *list = ep_recipient_completion_get_list (field->completion);
  guint n = 0;

  while (gtk_list_box_get_row_at_index (list, (int) n) != NULL)
    n++;
  return n;
}

static gboolean
popover_shows_rows (gpointer data)
{
  Field *field = data;

  return gtk_widget_get_mapped (GTK_WIDGET (ep_recipient_completion_get_popover (field->completion))) &&
         n_rows (field) == field->rows;
}

static gboolean
popover_hidden (gpointer data)
{
  Field *field = data;

  return !gtk_widget_get_visible (GTK_WIDGET (ep_recipient_completion_get_popover (field->completion)));
}

static gboolean
entry_focused (gpointer data)
{
  Field *field = data;
  GtkWidget *focus = gtk_root_get_focus (gtk_widget_get_root (GTK_WIDGET (field->entry)));

  return focus != NULL && gtk_widget_is_ancestor (focus, GTK_WIDGET (field->entry));
}

static guint expected_addresses;

static gboolean
index_ready (gpointer data)
{
  return ep_recipient_index_get_n_addresses (data) == expected_addresses;
}

static void
assert_row (Field      *field,
            int         i,
            const char *label)
{
  GtkListBox *list = ep_recipient_completion_get_list (field->completion);
  GtkListBoxRow *row = gtk_list_box_get_row_at_index (list, i);
  g_autofree char *shown = NULL;
  GtkWidget *box = gtk_list_box_row_get_child (row);
  GtkWidget *text = gtk_widget_get_first_child (box);

  g_assert_nonnull (row);
  g_assert_true (GTK_IS_LABEL (text));
  shown = g_strdup (gtk_label_get_text (GTK_LABEL (text)));
  g_assert_cmpstr (shown, ==, label);
}

static const char *
field_text (Field *field)
{
  return gtk_editable_get_text (GTK_EDITABLE (field->entry));
}

/* ---- The test ---------------------------------------------------------------------------- */

static void
test_keyboard (void)
{
  g_autoptr(EpSentStore) store = ep_sent_store_new (NULL);
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;
  EpWindow *window;
  EpRecipientIndex *index;
  Field field = { 0 };
  GtkListBoxRow *selected;
  g_autofree char *forget_path = g_build_filename (g_get_user_data_dir (), "epistle",
                                                   EP_RECIPIENT_INDEX_FORGET_FILE, NULL);

  for (int i = 0; i < 3; i++)
    add_sent (store, "Zoë Ng <zoe.ng@example.org>", NULL, now - 3600 - i);
  add_sent (store, "Zoltán Kovács <zoltan@example.net>", "hidden@example.com", now - 7200);
  add_sent (store, "\"Doe, John\" <john@example.com>", NULL, now - 9000);

  window = ep_window_new (ADW_APPLICATION (app), ep_application_get_profile_store (app));
  gtk_window_set_default_size (GTK_WINDOW (window), 720, 480);
  gtk_window_present (GTK_WINDOW (window));
  field.entry = window->to_entry;
  field.completion = ep_recipient_completion_get_for_entry (field.entry);
  g_assert_nonnull (field.completion);
  g_assert_null (ep_recipient_completion_get_for_entry (window->from_entry));

  /* Built off the main thread from the Sent store when the window came up. */
  index = ep_recipient_completion_get_index (G_APPLICATION (app));
  expected_addresses = 4;
  g_assert_true (wait_for (index_ready, index));

  gtk_widget_grab_focus (GTK_WIDGET (field.entry));
  g_assert_true (wait_for (entry_focused, &field));
  iterate_for (300);

  /* Text the program puts in (a draft, a link, a test) is not completed: only typing is. */
  gtk_editable_set_text (GTK_EDITABLE (field.entry), "zo");
  iterate_for (300);
  g_assert_true (popover_hidden (&field));
  gtk_editable_set_text (GTK_EDITABLE (field.entry), "");

  /* "zo": both, the one written to most recently and most often first. */
  type_text ("zo");
  field.rows = 2;
  g_assert_true (wait_for (popover_shows_rows, &field));
  assert_row (&field, 0, "Zoë Ng <zoe.ng@example.org>");
  assert_row (&field, 1, "Zoltán Kovács <zoltan@example.net>");
  g_assert_true (entry_focused (&field));
  screenshot ("recipient-completion.png");

  /* Down, Enter: the second, with ", " after it; the popover closes, the focus stays. */
  press ("Down");
  selected = gtk_list_box_get_selected_row (ep_recipient_completion_get_list (field.completion));
  g_assert_cmpint (gtk_list_box_row_get_index (selected), ==, 1);
  press ("Return");
  g_assert_true (wait_for (popover_hidden, &field));
  g_assert_cmpstr (field_text (&field), ==, "Zoltán Kovács <zoltan@example.net>, ");
  g_assert_true (entry_focused (&field));
  g_assert_cmpint (gtk_editable_get_position (GTK_EDITABLE (field.entry)), ==,
                   g_utf8_strlen (field_text (&field), -1));

  /* A word inside the name, accents ignored; Tab accepts; the comma in the name is quoted. */
  type_text ("john");
  field.rows = 1;
  g_assert_true (wait_for (popover_shows_rows, &field));
  assert_row (&field, 0, "Doe, John <john@example.com>");
  press ("Tab");
  g_assert_true (wait_for (popover_hidden, &field));
  g_assert_cmpstr (field_text (&field), ==,
                   "Zoltán Kovács <zoltan@example.net>, \"Doe, John\" <john@example.com>, ");
  g_assert_true (entry_focused (&field));

  /* Typed with an opening quote or angle bracket: the same, and the whole typed text replaced. */
  type_text ("Jo <jo");
  field.rows = 1;
  g_assert_true (wait_for (popover_shows_rows, &field));
  assert_row (&field, 0, "Doe, John <john@example.com>");
  press ("Escape");
  g_assert_true (wait_for (popover_hidden, &field));
  type_text ("h");
  g_assert_true (wait_for (popover_shows_rows, &field));
  press ("Return");
  g_assert_true (wait_for (popover_hidden, &field));
  g_assert_cmpstr (field_text (&field), ==,
                   "Zoltán Kovács <zoltan@example.net>, \"Doe, John\" <john@example.com>, "
                   "\"Doe, John\" <john@example.com>, ");
  gtk_editable_set_text (GTK_EDITABLE (field.entry),
                         "Zoltán Kovács <zoltan@example.net>, \"Doe, John\" <john@example.com>, ");
  gtk_editable_set_position (GTK_EDITABLE (field.entry), -1);

  /* Escape dismisses and leaves the typed text; typing again offers again. */
  type_text ("kov");
  field.rows = 1;
  g_assert_true (wait_for (popover_shows_rows, &field));
  press ("Escape");
  g_assert_true (wait_for (popover_hidden, &field));
  g_assert_cmpstr (field_text (&field), ==,
                   "Zoltán Kovács <zoltan@example.net>, \"Doe, John\" <john@example.com>, kov");
  g_assert_true (entry_focused (&field));
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (window)));
  type_text ("a");
  g_assert_true (wait_for (popover_shows_rows, &field));
  press ("Escape");
  g_assert_true (wait_for (popover_hidden, &field));

  /* The Bcc recipient is offered by its address only (its name was never sent anywhere). */
  gtk_editable_set_text (GTK_EDITABLE (field.entry), "");
  type_text ("hid");
  g_assert_true (wait_for (popover_shows_rows, &field));
  assert_row (&field, 0, "hidden@example.com");
  press ("Return");
  g_assert_true (wait_for (popover_hidden, &field));
  g_assert_cmpstr (field_text (&field), ==, "hidden@example.com, ");

  /* Forget on a row: gone from the popover at once and from the forget list on disk. */
  type_text ("zo");
  field.rows = 2;
  g_assert_true (wait_for (popover_shows_rows, &field));
  {
    GtkListBox *list = ep_recipient_completion_get_list (field.completion);
    GtkWidget *box = gtk_list_box_row_get_child (gtk_list_box_get_row_at_index (list, 0));
    GtkWidget *forget = gtk_widget_get_last_child (box);

    g_assert_true (GTK_IS_BUTTON (forget));
    g_assert_false (gtk_widget_get_focusable (forget));
    g_signal_emit_by_name (forget, "clicked");
  }
  field.rows = 1;
  g_assert_true (wait_for (popover_shows_rows, &field));
  assert_row (&field, 0, "Zoltán Kovács <zoltan@example.net>");
  g_assert_true (g_file_test (forget_path, G_FILE_TEST_EXISTS));
  g_assert_true (entry_focused (&field));
  press ("Escape");
  g_assert_true (wait_for (popover_hidden, &field));

  /* A delivery (the outbox worker says it changed): the new Sent entry is learned, and what is
   * being typed is completed from it. */
  gtk_editable_set_text (GTK_EDITABLE (field.entry), "");
  add_sent (store, "Quinn Ávila <quinn@example.org>", NULL, now);
  g_signal_emit_by_name (ep_outbox_worker_get_for_application (G_APPLICATION (app)), "changed");
  expected_addresses = 3 + 1;
  g_assert_true (wait_for (index_ready, index));
  type_text ("avi");
  field.rows = 1;
  g_assert_true (wait_for (popover_shows_rows, &field));
  assert_row (&field, 0, "Quinn Ávila <quinn@example.org>");
  /* Shift+Delete forgets the selected row from the keyboard (its button takes no focus). */
  gtk_editable_set_text (GTK_EDITABLE (field.entry), "");
  type_text ("kov");
  g_assert_true (wait_for (popover_shows_rows, &field));
  assert_row (&field, 0, "Zoltán Kovács <zoltan@example.net>");
  press ("shift+Delete");
  g_assert_true (wait_for (popover_hidden, &field));
  g_assert_cmpstr (field_text (&field), ==, "kov");
  g_assert_cmpuint (ep_recipient_index_get_n_addresses (index), ==, 3);
  gtk_editable_set_text (GTK_EDITABLE (field.entry), "");
  type_text ("avi");
  g_assert_true (wait_for (popover_shows_rows, &field));
  press ("Return");
  g_assert_true (wait_for (popover_hidden, &field));
  g_assert_cmpstr (field_text (&field), ==, "Quinn Ávila <quinn@example.org>, ");

  gtk_window_destroy (GTK_WINDOW (window));
  iterate_for (100);
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

  g_test_add_func ("/recipient-completion/keyboard", test_keyboard);
  ret = g_test_run ();

  g_clear_object (&app);
  return ret;
}
