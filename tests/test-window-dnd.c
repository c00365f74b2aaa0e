/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-window-dnd.c: real X11 drags (files and image data) from another process onto a compose
 * window, the attachment model's rules (duplicates, folders, unreadable files), and the cache
 * that keeps image data only as long as a message or a draft needs it. */
#include "config.h"

#include <glib/gstdio.h>
#include <adwaita.h>
#include <time.h>
#include <utime.h>

#include "ep-application-private.h"
#include "ep-attachment.h"
#include "ep-draft-store.h"
#include "ep-window-private.h"

static EpApplication *app;

static void
iterate_until (gboolean (*done) (gpointer), gpointer data, guint timeout_ms)
{
  gint64 end = g_get_monotonic_time () + (gint64) timeout_ms * 1000;

  while (!done (data) && g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, FALSE), g_usleep (2000);
}

static gboolean
never (gpointer data)
{
  return FALSE;
}

/* Lets both X clients exchange the drag protocol between pointer steps. */
static void
iterate_for (guint ms)
{
  iterate_until (never, NULL, ms);
}

static gboolean
subprocess_done (gpointer data)
{
  return g_object_get_data (data, "done") != NULL;
}

static void
subprocess_wait_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  g_subprocess_wait_finish (G_SUBPROCESS (object), result, NULL);
  g_object_set_data (object, "done", GINT_TO_POINTER (1));
}

/* Runs a command while the main loop keeps serving the window. */
static void
run_async (const char * const *argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocess) proc = g_subprocess_newv (argv, G_SUBPROCESS_FLAGS_NONE, &error);

  g_assert_no_error (error);
  g_subprocess_wait_async (proc, NULL, subprocess_wait_cb, NULL);
  iterate_until (subprocess_done, proc, 20000);
  g_assert_true (subprocess_done (proc));
  g_assert_cmpint (g_subprocess_get_exit_status (proc), ==, 0);
}

static gboolean
model_has_items (gpointer data)
{
  GListModel *model = data;
  return g_list_model_get_n_items (model) > GPOINTER_TO_UINT (g_object_get_data (data, "expect")) - 1;
}

static void
wait_for_items (EpWindow *window, guint n)
{
  GListModel *model = ep_window_get_attachments (window);

  g_object_set_data (G_OBJECT (model), "expect", GUINT_TO_POINTER (n));
  iterate_until (model_has_items, model, 10000);
  g_assert_cmpuint (g_list_model_get_n_items (model), ==, n);
}

static gboolean
window_mapped (gpointer data)
{
  return gtk_widget_get_mapped (data);
}

static char *
make_png (const char *name, int size)
{
  g_autoptr(GdkPixbuf) pixbuf = gdk_pixbuf_new (GDK_COLORSPACE_RGB, TRUE, 8, size, size);
  g_autoptr(GError) error = NULL;
  char *path = g_build_filename (g_getenv ("EPISTLE_TEST_TMPDIR"), name, NULL);

  gdk_pixbuf_fill (pixbuf, 0x3584e4ff);
  gdk_pixbuf_save (pixbuf, path, "png", &error, NULL);
  g_assert_no_error (error);
  return path;
}

/* Starts the drag source, then drags from it to (tx, ty) with real pointer motion. The source
 * must outlive the drop: the data is read from it afterwards. */
static GSubprocess *
drag_from_source (const char * const *source_args, int tx, int ty)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  GSubprocess *source = NULL;
  g_autoptr(GDataInputStream) out = NULL;
  g_autofree char *line = NULL;
  g_autofree char *script = g_build_filename (g_getenv ("EPISTLE_SRCDIR"), "tests", "dnd-source.py", NULL);
  int sx, sy;

  g_ptr_array_add (argv, (char *) "/usr/bin/python3");
  g_ptr_array_add (argv, script);
  for (guint i = 0; source_args[i]; i++)
    g_ptr_array_add (argv, (char *) source_args[i]);
  g_ptr_array_add (argv, NULL);

  source = g_subprocess_newv ((const char * const *) argv->pdata, G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error);
  g_assert_no_error (error);
  out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (source));
  line = g_data_input_stream_read_line_utf8 (out, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (line);
  g_assert_cmpint (sscanf (line, "READY %d %d", &sx, &sy), ==, 2);
  iterate_for (500);
  if (g_getenv ("EP_DEBUG_SHOTS"))
    run_async ((const char *[]) { "import", "-window", "root", "/tmp/dnd-a.png", NULL });

  {
    g_autofree char *x = g_strdup_printf ("%d", sx), *y = g_strdup_printf ("%d", sy);
    run_async ((const char *[]) { "xdotool", "mousemove", x, y, NULL });
    run_async ((const char *[]) { "xdotool", "mousedown", "1", NULL });
  }
  /* Small steps: one jump does not cross the drag threshold. */
  for (int i = 1; i <= 16; i++)
    {
      g_autofree char *x = g_strdup_printf ("%d", sx + (tx - sx) * i / 16);
      g_autofree char *y = g_strdup_printf ("%d", sy + (ty - sy) * i / 16);
      run_async ((const char *[]) { "xdotool", "mousemove", x, y, NULL });
      iterate_for (50);
    }
  iterate_for (300);
  if (g_getenv ("EP_DEBUG_SHOTS"))
    run_async ((const char *[]) { "import", "-window", "root", "/tmp/dnd-b.png", NULL });
  run_async ((const char *[]) { "xdotool", "mouseup", "1", NULL });
  return source;
}

static void
stop_source (GSubprocess *source)
{
  g_subprocess_force_exit (source);
  g_subprocess_wait (source, NULL, NULL);
  g_object_unref (source);
}

static EpWindow *
new_mapped_window (void)
{
  EpWindow *window = ep_window_new (ADW_APPLICATION (app), ep_application_get_profile_store (app));

  gtk_window_present (GTK_WINDOW (window));
  iterate_until (window_mapped, window, 5000);
  g_assert_true (gtk_widget_get_mapped (GTK_WIDGET (window)));
  return window;
}

static void
test_drag_files (void)
{
  EpWindow *window = new_mapped_window ();
  g_autofree char *png = make_png ("photo.png", 64);
  g_autofree char *txt = g_build_filename (g_getenv ("EPISTLE_TEST_TMPDIR"), "notes.txt", NULL);
  g_autoptr(GFile) png_file = g_file_new_for_path (png);
  g_autoptr(EpAttachment) first = NULL;
  GSubprocess *source;

  g_assert_true (g_file_set_contents (txt, "hello\n", -1, NULL));
  source = drag_from_source ((const char *[]) { png, txt, NULL }, 380, 420);
  wait_for_items (window, 2);
  stop_source (source);

  first = g_list_model_get_item (ep_window_get_attachments (window), 0);
  g_assert_true (g_file_equal (ep_attachment_get_file (first), png_file));
  g_assert_cmpstr (ep_attachment_get_content_type (first), ==, "image/png");
  g_assert_cmpuint (ep_attachment_get_size (first), >, 0);

  gtk_window_destroy (GTK_WINDOW (window));
}

static void
test_drag_image_data (void)
{
  EpWindow *window = new_mapped_window ();
  g_autofree char *png = make_png ("dragged.png", 33);
  g_autoptr(EpAttachment) attachment = NULL;
  g_autoptr(GdkPixbuf) saved = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;
  GSubprocess *source;

  source = drag_from_source ((const char *[]) { "--image", png, NULL }, 380, 420);
  wait_for_items (window, 1);
  stop_source (source);

  attachment = g_list_model_get_item (ep_window_get_attachments (window), 0);
  g_assert_cmpstr (ep_attachment_get_display_name (attachment), ==, "image.png");
  g_assert_cmpstr (ep_attachment_get_content_type (attachment), ==, "image/png");
  path = g_file_get_path (ep_attachment_get_file (attachment));
  g_assert_true (g_str_has_prefix (path, g_get_user_cache_dir ()));
  saved = gdk_pixbuf_new_from_file (path, &error);
  g_assert_no_error (error);
  g_assert_cmpint (gdk_pixbuf_get_width (saved), ==, 33);

  gtk_window_destroy (GTK_WINDOW (window));
}

static void
test_attachment_rules (void)
{
  EpWindow *window = ep_window_new (ADW_APPLICATION (app), ep_application_get_profile_store (app));
  const char *tmp = g_getenv ("EPISTLE_TEST_TMPDIR");
  g_autofree char *png = make_png ("a.png", 8);
  g_autofree char *secret = g_build_filename (tmp, "secret.txt", NULL);
  g_autoptr(GFile) png_file = g_file_new_for_path (png);
  g_autoptr(GFile) dir = g_file_new_for_path (tmp);
  g_autoptr(GFile) missing = g_file_new_for_path ("/nonexistent/file.pdf");
  g_autoptr(GFile) secret_file = g_file_new_for_path (secret);
  GListModel *model = ep_window_get_attachments (window);

  ep_window_add_file (window, png_file, NULL);
  wait_for_items (window, 1);
  /* Duplicate, folder, missing file: refused, the list unchanged. */
  ep_window_add_file (window, png_file, NULL);
  ep_window_add_file (window, dir, NULL);
  ep_window_add_file (window, missing, NULL);
  if (getuid () != 0)
    {
      g_assert_true (g_file_set_contents (secret, "x", -1, NULL));
      g_chmod (secret, 0);
      ep_window_add_file (window, secret_file, NULL);
    }
  while (ep_window_is_busy (window))
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpuint (g_list_model_get_n_items (model), ==, 1);

  /* The encoded size is base64's: 4/3 plus CRLF every 76 characters. */
  {
    g_autoptr(EpAttachment) a = g_list_model_get_item (model, 0);
    guint64 n = ep_attachment_get_size (a);
    guint64 chars = (n + 2) / 3 * 4;
    g_assert_cmpuint (ep_window_get_encoded_size (window), ==, chars + 2 * ((chars + 75) / 76));
  }

  {
    g_autofree char *uri = g_file_get_uri (png_file);
    gtk_widget_activate_action (GTK_WIDGET (window), "win.remove-attachment", "s", uri);
  }
  g_assert_cmpuint (g_list_model_get_n_items (model), ==, 0);

  gtk_window_destroy (GTK_WINDOW (window));
}

/* Ctrl+V in the text with files or an image on the clipboard attaches them; text still pastes. */
static void
test_paste (void)
{
  EpWindow *window = new_mapped_window ();
  GtkWidget *body = ep_window_get_field (window, "body");
  GdkClipboard *clipboard = gtk_widget_get_clipboard (body);
  g_autofree char *png = make_png ("pasted.png", 21);
  g_autoptr(GFile) file = g_file_new_for_path (png);
  g_autoptr(GdkTexture) texture = NULL;
  g_autoptr(GError) error = NULL;
  GSList *files = g_slist_append (NULL, file);
  GtkTextIter start, end;
  g_autofree char *text = NULL;

  /* Files, as a file manager puts them. */
  gdk_clipboard_set (clipboard, GDK_TYPE_FILE_LIST, files);
  g_slist_free (files);
  gtk_widget_grab_focus (body);
  g_signal_emit_by_name (body, "paste-clipboard");
  wait_for_items (window, 1);

  /* Image data, as a screenshot tool puts it: saved as image.png. */
  texture = gdk_texture_new_from_filename (png, &error);
  g_assert_no_error (error);
  gdk_clipboard_set_texture (clipboard, texture);
  g_signal_emit_by_name (body, "paste-clipboard");
  wait_for_items (window, 2);
  {
    g_autoptr(EpAttachment) second = g_list_model_get_item (ep_window_get_attachments (window), 1);
    g_assert_cmpstr (ep_attachment_get_display_name (second), ==, "image.png");
  }

  /* Text goes into the text, not into attachments. */
  gdk_clipboard_set_text (clipboard, "pasted words");
  g_signal_emit_by_name (body, "paste-clipboard");
  iterate_for (500);
  gtk_text_buffer_get_bounds (gtk_text_view_get_buffer (GTK_TEXT_VIEW (body)), &start, &end);
  text = gtk_text_buffer_get_text (gtk_text_view_get_buffer (GTK_TEXT_VIEW (body)), &start, &end, FALSE);
  g_assert_cmpstr (text, ==, "pasted words");
  g_assert_cmpuint (g_list_model_get_n_items (ep_window_get_attachments (window)), ==, 2);

  ep_window_discard_draft (window);
  gtk_window_destroy (GTK_WINDOW (window));
}

/* The image cache: what is pasted as data is kept as long as a message or a draft needs it. */

static gboolean
in_image_cache (GFile *file)
{
  g_autofree char *path = g_file_get_path (file);
  g_autofree char *images = g_build_filename (g_get_user_cache_dir (), "epistle", "images", NULL);
  g_autofree char *prefix = g_strconcat (images, G_DIR_SEPARATOR_S, NULL);

  return g_str_has_prefix (path, prefix);
}

/* Pastes image data into the text, as a screenshot tool puts it; returns the file it became. */
static GFile *
paste_image (EpWindow *window,
             int       size)
{
  GtkWidget *body = ep_window_get_field (window, "body");
  GListModel *model = ep_window_get_attachments (window);
  guint n = g_list_model_get_n_items (model);
  g_autofree char *png = make_png ("to-paste.png", size);
  g_autoptr(GdkTexture) texture = NULL;
  g_autoptr(EpAttachment) attachment = NULL;
  g_autoptr(GError) error = NULL;
  GFile *file;

  texture = gdk_texture_new_from_filename (png, &error);
  g_assert_no_error (error);
  gdk_clipboard_set_texture (gtk_widget_get_clipboard (body), texture);
  gtk_widget_grab_focus (body);
  g_signal_emit_by_name (body, "paste-clipboard");
  wait_for_items (window, n + 1);
  attachment = g_list_model_get_item (model, n);
  file = g_object_ref (ep_attachment_get_file (attachment));
  g_assert_true (in_image_cache (file));
  g_assert_true (g_file_query_exists (file, NULL));
  return file;
}

static void
remove_attachment (EpWindow *window,
                   GFile    *file)
{
  g_autofree char *uri = g_file_get_uri (file);

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.remove-attachment", "s", uri));
}

static gboolean
close_question_shown (gpointer window)
{
  GListModel *toplevels = gtk_window_get_toplevels ();

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GtkWindow) toplevel = g_list_model_get_item (toplevels, i);

      if (ADW_IS_MESSAGE_DIALOG (toplevel) && gtk_window_get_transient_for (toplevel) == window)
        {
          g_object_set_data (window, "close-question", toplevel);
          return TRUE;
        }
    }
  return FALSE;
}

static gboolean
pointer_cleared (gpointer data)
{
  return *(gpointer *) data == NULL;
}

static GtkWidget *
find_button (GtkWidget  *widget,
             const char *label)
{
  if (GTK_IS_BUTTON (widget) && g_strcmp0 (gtk_button_get_label (GTK_BUTTON (widget)), label) == 0)
    return widget;
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_button (child, label);

      if (found != NULL)
        return found;
    }
  return NULL;
}

/* Closes @window as the user does, clicking @button in "Save the Message as a Draft?"; the
 * window is gone afterwards. */
static void
close_answering (EpWindow   *window,
                 const char *button)
{
  GtkWidget *dialog;
  GtkWidget *widget;

  g_object_add_weak_pointer (G_OBJECT (window), (gpointer *) &window);
  gtk_window_close (GTK_WINDOW (window));
  iterate_until (close_question_shown, window, 5000);
  g_assert_true (close_question_shown (window));
  dialog = g_object_get_data (G_OBJECT (window), "close-question");
  widget = find_button (dialog, button);
  g_assert_nonnull (widget);
  g_signal_emit_by_name (widget, "clicked");
  iterate_until (pointer_cleared, &window, 5000);
  g_assert_null (window);
}

static gboolean
window_active (gpointer window)
{
  return gtk_window_is_active (window);
}

/* Removing the attachment removes the image; a file of the user's is never removed. */
static void
test_image_cache_remove (void)
{
  EpWindow *window = new_mapped_window ();
  g_autoptr(GFile) image = paste_image (window, 12);
  g_autoptr(GFile) folder = g_file_get_parent (image);
  g_autofree char *png = make_png ("users-own.png", 8);
  g_autoptr(GFile) own = g_file_new_for_path (png);
  GListModel *model = ep_window_get_attachments (window);

  ep_window_add_file (window, own, NULL);
  wait_for_items (window, 2);

  remove_attachment (window, image);
  g_assert_cmpuint (g_list_model_get_n_items (model), ==, 1);
  g_assert_false (g_file_query_exists (image, NULL));
  g_assert_false (g_file_query_exists (folder, NULL));

  remove_attachment (window, own);
  g_assert_cmpuint (g_list_model_get_n_items (model), ==, 0);
  g_assert_true (g_file_query_exists (own, NULL));

  ep_window_discard_draft (window);
  gtk_window_destroy (GTK_WINDOW (window));
}

/* A message delivered to the Sandbox takes its image with it. */
static void
test_image_cache_send (void)
{
  EpWindow *window = new_mapped_window ();
  g_autoptr(GFile) image = NULL;
  gint64 end = g_get_monotonic_time () + 120 * G_USEC_PER_SEC;

  /* Focused: success is a toast, not a notification (none is served on the test bus). */
  iterate_until (window_active, window, 5000);
  g_assert_true (gtk_window_is_active (GTK_WINDOW (window)));
  gtk_editable_set_text (GTK_EDITABLE (ep_window_get_field (window, "to")), "Ann <ann@example.org>");
  gtk_editable_set_text (GTK_EDITABLE (ep_window_get_field (window, "subject")), "A picture");
  image = paste_image (window, 16);

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.send", NULL));
  while (ep_window_is_sending (window) && g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, FALSE), g_usleep (500);
  g_assert_false (ep_window_is_sending (window));
  g_assert_nonnull (ep_window_get_last_result (window));
  g_assert_cmpint (ep_window_get_last_result (window)->outcome, ==, EP_SMTP_OUTCOME_DELIVERED);
  g_assert_false (g_file_query_exists (image, NULL));

  gtk_window_destroy (GTK_WINDOW (window));
}

/* A saved draft keeps its images, across a restart too; discarding one message leaves the
 * images of the others alone. */
static void
test_image_cache_drafts (void)
{
  EpWindow *window = new_mapped_window ();
  EpWindow *other = new_mapped_window ();
  EpWindow *restored = NULL;
  g_autoptr(EpDraftStore) store = ep_draft_store_new (NULL);
  g_autoptr(GFile) image = paste_image (window, 14);
  g_autoptr(GFile) other_image = paste_image (other, 15);
  g_autoptr(EpDraft) draft = NULL;
  g_autoptr(EpAttachment) attachment = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *image_uri = g_file_get_uri (image);
  g_autofree char *id = NULL;
  g_autofree char *draft_path = NULL;

  gtk_editable_set_text (GTK_EDITABLE (ep_window_get_field (window, "subject")), "Keep this");
  id = g_strdup (ep_window_get_draft_id (window));
  draft_path = ep_draft_store_dup_path (store, id);
  close_answering (window, "_Save Draft");
  g_assert_true (g_file_query_exists (image, NULL));

  /* The draft is there, and opens again with its image. */
  draft = ep_draft_store_load (store, id, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (draft->attachments->len, ==, 1);
  g_assert_cmpstr (((EpDraftAttachment *) draft->attachments->pdata[0])->uri, ==, image_uri);
  restored = new_mapped_window ();
  ep_window_load_draft (restored, draft);
  wait_for_items (restored, 1);
  attachment = g_list_model_get_item (ep_window_get_attachments (restored), 0);
  g_assert_true (g_file_equal (ep_attachment_get_file (attachment), image));

  /* The other message is discarded: its image goes, this draft's stays. */
  close_answering (other, "_Discard");
  g_assert_false (g_file_query_exists (other_image, NULL));
  g_assert_true (g_file_query_exists (image, NULL));

  /* Then this one: the draft and its image go. */
  close_answering (restored, "_Discard");
  g_assert_false (g_file_query_exists (image, NULL));
  g_assert_false (g_file_test (draft_path, G_FILE_TEST_EXISTS));
}

/* An image that another draft or another window refers to as well stays when one message lets
 * go of it. */
static void
test_image_cache_shared (void)
{
  EpWindow *window = new_mapped_window ();
  EpWindow *other = NULL;
  g_autoptr(EpDraftStore) store = ep_draft_store_new (NULL);
  g_autoptr(GFile) image = paste_image (window, 10);
  g_autoptr(GFile) second = paste_image (window, 11);
  g_autoptr(EpDraft) elsewhere = ep_draft_new ();
  g_autofree char *image_uri = g_file_get_uri (image);
  g_autoptr(GError) error = NULL;

  /* A saved draft of another message names the first image. */
  ep_draft_add_attachment (elsewhere, image_uri, "image.png", "image/png", 0);
  g_assert_true (ep_draft_store_save (store, elsewhere, &error));
  g_assert_no_error (error);
  remove_attachment (window, image);
  g_assert_true (g_file_query_exists (image, NULL));

  /* Another window has the second one attached. */
  other = new_mapped_window ();
  ep_window_add_file (other, second, NULL);
  wait_for_items (other, 1);
  ep_window_discard_draft (window);
  g_assert_true (g_file_query_exists (second, NULL));

  gtk_window_destroy (GTK_WINDOW (window));
  ep_window_discard_draft (other);
  g_assert_false (g_file_query_exists (second, NULL));
  gtk_window_destroy (GTK_WINDOW (other));
  g_assert_true (ep_draft_store_delete (store, elsewhere->id, NULL));
}

/* Left behind by an earlier session, made before the application starts (see main()). */
static char *stale_unused, *stale_in_draft, *fresh_unused, *stale_not_ours, *stale_empty_dir;
static char *stale_draft_id;

static char *
make_cached_image (const char *folder,
                   gint64      age_seconds)
{
  g_autofree char *dir = g_build_filename (g_get_user_cache_dir (), "epistle", "images", folder, NULL);
  char *path = g_build_filename (dir, "image.png", NULL);
  struct utimbuf times;

  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  g_assert_true (g_file_set_contents (path, "png", -1, NULL));
  times.actime = times.modtime = time (NULL) - age_seconds;
  g_assert_cmpint (g_utime (path, &times), ==, 0);
  g_assert_cmpint (g_utime (dir, &times), ==, 0);
  return path;
}

static void
prepare_stale_images (void)
{
  const gint64 two_days = 2 * 24 * 3600;
  g_autoptr(EpDraftStore) store = ep_draft_store_new (NULL);
  g_autoptr(EpDraft) draft = ep_draft_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *uri = NULL;
  g_autofree char *empty_image = NULL;

  stale_unused = make_cached_image ("0b7a6c52-6b1e-4b8e-9a51-1f4ad3c6e001", two_days);
  stale_in_draft = make_cached_image ("0b7a6c52-6b1e-4b8e-9a51-1f4ad3c6e002", two_days);
  fresh_unused = make_cached_image ("0b7a6c52-6b1e-4b8e-9a51-1f4ad3c6e003", 60);
  stale_not_ours = make_cached_image ("not-an-image-folder", two_days);
  empty_image = make_cached_image ("0b7a6c52-6b1e-4b8e-9a51-1f4ad3c6e004", two_days);
  stale_empty_dir = g_path_get_dirname (empty_image);
  g_assert_cmpint (g_unlink (empty_image), ==, 0);
  {
    struct utimbuf times = { time (NULL) - two_days, time (NULL) - two_days };
    g_assert_cmpint (g_utime (stale_empty_dir, &times), ==, 0);
  }

  uri = g_filename_to_uri (stale_in_draft, NULL, NULL);
  ep_draft_add_attachment (draft, uri, "image.png", "image/png", 3);
  g_assert_true (ep_draft_store_save (store, draft, &error));
  g_assert_no_error (error);
  stale_draft_id = g_strdup (draft->id);
}

static void
test_image_cache_startup (void)
{
  g_autoptr(EpDraftStore) store = ep_draft_store_new (NULL);

  g_assert_false (g_file_test (stale_unused, G_FILE_TEST_EXISTS));
  g_assert_false (g_file_test (stale_empty_dir, G_FILE_TEST_EXISTS));
  g_assert_true (g_file_test (stale_in_draft, G_FILE_TEST_EXISTS));
  g_assert_true (g_file_test (fresh_unused, G_FILE_TEST_EXISTS));
  g_assert_true (g_file_test (stale_not_ours, G_FILE_TEST_EXISTS));

  g_assert_true (ep_draft_store_delete (store, stale_draft_id, NULL));
  g_clear_pointer (&stale_unused, g_free);
  g_clear_pointer (&stale_in_draft, g_free);
  g_clear_pointer (&fresh_unused, g_free);
  g_clear_pointer (&stale_not_ours, g_free);
  g_clear_pointer (&stale_empty_dir, g_free);
  g_clear_pointer (&stale_draft_id, g_free);
}

int
main (int argc, char *argv[])
{
  g_autoptr(GError) error = NULL;
  int ret;

  gtk_test_init (&argc, &argv, NULL);
  /* Before the application starts: it cleans the image cache then. */
  prepare_stale_images ();
  app = ep_application_new ();
  g_application_set_flags (G_APPLICATION (app), G_APPLICATION_NON_UNIQUE);
  g_assert_true (g_application_register (G_APPLICATION (app), NULL, &error));

  g_test_add_func ("/window/attachment-rules", test_attachment_rules);
  g_test_add_func ("/window/drag-files", test_drag_files);
  g_test_add_func ("/window/drag-image-data", test_drag_image_data);
  g_test_add_func ("/window/paste", test_paste);
  g_test_add_func ("/window/image-cache/startup", test_image_cache_startup);
  g_test_add_func ("/window/image-cache/remove", test_image_cache_remove);
  g_test_add_func ("/window/image-cache/send", test_image_cache_send);
  g_test_add_func ("/window/image-cache/drafts", test_image_cache_drafts);
  g_test_add_func ("/window/image-cache/shared", test_image_cache_shared);
  ret = g_test_run ();

  g_clear_object (&app);
  return ret;
}
