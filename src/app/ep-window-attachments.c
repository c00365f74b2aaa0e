/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-window-attachments.c: attaching files: chooser, drag-and-drop, paste, and the attachment list. */
#include "config.h"

#include <glib/gi18n.h>

#include "ep-attachment.h"
#include "ep-attachment-row.h"
#include "ep-base64.h"
#include "ep-image-cache.h"
#include "ep-window-private.h"

/* Checked attachments listed per main-loop turn: each batch is one change of the list (one
 * update of the summary and the send state), and drawing and input come in between. */
#define EP_WINDOW_LIST_BATCH 16

typedef struct {
  EpWindow *self;   /* weak */
  GFile    *file;
} AddData;

static void
add_data_free (AddData *data)
{
  g_clear_weak_pointer (&data->self);
  g_clear_object (&data->file);
  g_free (data);
}

/* The attachments' size on disk and once base64-encoded, as the MIME writer will send them. */
static void
attachment_sizes (EpWindow *self,
                  guint64  *total,
                  guint64  *encoded)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->attachments));

  *total = *encoded = 0;
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(EpAttachment) attachment = g_list_model_get_item (G_LIST_MODEL (self->attachments), i);
      guint64 size = ep_attachment_get_size (attachment);

      *total += size;
      *encoded += ep_base64_encoded_size (size, EP_BASE64_MIME_LINE_LENGTH);
    }
}

static gboolean
ep_window_has_file (EpWindow *self,
                    GFile    *file)
{
  return g_hash_table_contains (self->attached_files, file);
}

/* Keeps attached_files the set of the list's files and the checked ones: rebuilt when something
 * left the list, added to otherwise (a lookup per file added, not a walk of the list). */
static void
index_files (EpWindow *self,
             guint     position,
             guint     removed,
             guint     added)
{
  GListModel *list = G_LIST_MODEL (self->attachments);

  if (removed > 0)
    {
      g_hash_table_remove_all (self->attached_files);
      position = 0;
      added = g_list_model_get_n_items (list);
      for (guint i = 0; i < self->checked->len; i++)
        g_hash_table_add (self->attached_files,
                          g_object_ref (ep_attachment_get_file (self->checked->pdata[i])));
    }
  for (guint i = position; i < position + added; i++)
    {
      g_autoptr(EpAttachment) attachment = g_list_model_get_item (list, i);

      g_hash_table_add (self->attached_files, g_object_ref (ep_attachment_get_file (attachment)));
    }
}

/* Images pasted or dropped as data live in the image cache (ep-image-cache.c) until the message
 * lets go of them: removed from the list, sent or discarded. A saved draft keeps them. */

/* What the cache must keep when this window lets go of an image: what the saved drafts of other
 * messages refer to, and what the other windows have attached (perhaps not saved yet). NULL when
 * the drafts cannot be read: then nothing is known to be unused. */
static GHashTable *
dup_kept_image_uris (EpWindow *self)
{
  g_autoptr(GError) error = NULL;
  GHashTable *kept = ep_draft_store_dup_attachment_uris (self->drafts, self->draft_id, &error);
  GtkApplication *app = gtk_window_get_application (GTK_WINDOW (self));

  if (kept == NULL)
    {
      g_debug ("cached images kept: %s", error->message);
      return NULL;
    }
  for (GList *l = app != NULL ? gtk_application_get_windows (app) : NULL; l != NULL; l = l->next)
    {
      GListModel *others;

      if (!EP_IS_WINDOW (l->data) || l->data == self)
        continue;
      others = G_LIST_MODEL (EP_WINDOW (l->data)->attachments);
      for (guint i = 0; i < g_list_model_get_n_items (others); i++)
        {
          g_autoptr(EpAttachment) attachment = g_list_model_get_item (others, i);

          g_hash_table_add (kept, g_file_get_uri (ep_attachment_get_file (attachment)));
        }
    }
  return kept;
}

/* Removes those of @files that are cached images nothing else needs; other files are the
 * user's and never touched. */
static void
release_images (EpWindow  *self,
                GPtrArray *files)
{
  g_autoptr(GHashTable) kept = NULL;
  gboolean any = FALSE;

  for (guint i = 0; i < files->len && !any; i++)
    any = ep_image_cache_contains (files->pdata[i]);
  if (!any || (kept = dup_kept_image_uris (self)) == NULL)
    return;
  for (guint i = 0; i < files->len; i++)
    ep_image_cache_remove (files->pdata[i], kept);
}

static void
release_image (EpWindow *self,
               GFile    *file)
{
  g_autoptr(GPtrArray) files = g_ptr_array_new ();

  g_ptr_array_add (files, file);
  release_images (self, files);
}

/* The message is done (sent or discarded): its cached images go, unless something else keeps
 * them. */
void
ep_window_release_images (EpWindow *self)
{
  g_autoptr(GPtrArray) files = g_ptr_array_new_with_free_func (g_object_unref);
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->attachments));

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(EpAttachment) attachment = g_list_model_get_item (G_LIST_MODEL (self->attachments), i);

      g_ptr_array_add (files, g_object_ref (ep_attachment_get_file (attachment)));
    }
  release_images (self, files);
}

static void
ep_window_update_attachments_summary (EpWindow *self)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->attachments));
  guint64 total, encoded;
  g_autofree char *total_text = NULL;
  g_autofree char *encoded_text = NULL;
  g_autofree char *summary = NULL;
  gboolean too_big;

  attachment_sizes (self, &total, &encoded);

  total_text = g_format_size (total);
  encoded_text = g_format_size (encoded);
  /* Translators: "2 attachments, 3.4 MB (4.6 MB when sent)" */
  summary = g_strdup_printf (ngettext ("%u attachment, %s (%s when sent)",
                                       "%u attachments, %s (%s when sent)", n),
                             n, total_text, encoded_text);
  gtk_label_set_text (self->attachments_summary, summary);
  gtk_revealer_set_reveal_child (self->attachments_revealer, n > 0);
  ep_window_update_send_state (self);

  too_big = encoded > self->size_limit;
  gtk_widget_set_visible (GTK_WIDGET (self->size_warning_icon), too_big);
  gtk_widget_set_visible (GTK_WIDGET (self->size_warning_label), too_big);
  if (too_big)
    {
      g_autofree char *limit = g_format_size (self->size_limit);
      g_autofree char *warning = self->size_limit_known
        ? g_strdup_printf (_("Larger than the server’s limit of %s"), limit)
        : g_strdup_printf (_("Larger than %s, which many servers refuse"), limit);

      gtk_label_set_text (self->size_warning_label, warning);
    }
}

/* Lists the checked attachments EP_WINDOW_LIST_BATCH at a time, then lets the main loop breathe:
 * a thousand files given at once become a thousand list items, and each change of the list
 * updates the summary and the send state. */
static gboolean
list_checked_cb (gpointer user_data)
{
  EpWindow *self = user_data;
  guint n = MIN (self->checked->len, EP_WINDOW_LIST_BATCH);

  /* The store takes its own references; the batch then leaves checked. */
  g_list_store_splice (self->attachments, g_list_model_get_n_items (G_LIST_MODEL (self->attachments)),
                       0, self->checked->pdata, n);
  g_ptr_array_remove_range (self->checked, 0, n);
  self->pending_adds -= n;
  ep_window_update_send_state (self);
  if (self->checked->len > 0)
    return G_SOURCE_CONTINUE;
  self->checked_idle = 0;
  return G_SOURCE_REMOVE;
}

static void
attachment_checked_cb (GObject      *object,
                       GAsyncResult *result,
                       gpointer      user_data)
{
  AddData *data = user_data;
  EpWindow *self = data->self;
  g_autoptr(GError) error = NULL;
  g_autoptr(EpAttachment) attachment = ep_attachment_new_finish (result, &error);
  gboolean duplicate;

  if (self == NULL || g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      add_data_free (data);
      return;
    }

  duplicate = attachment != NULL && ep_window_has_file (self, data->file);
  if ((attachment == NULL || duplicate) && --self->pending_adds == 0)
    ep_window_update_send_state (self);
  if (attachment == NULL)
    ep_window_show_toast (self, error->message);
  else if (duplicate)
    {
      g_autofree char *text = g_strdup_printf (_("“%s” is already attached"),
                                               ep_attachment_get_display_name (attachment));
      ep_window_show_toast (self, text);
    }
  else
    {
      /* Still pending until listed: Send waits for it. */
      g_ptr_array_add (self->checked, g_object_ref (attachment));
      g_hash_table_add (self->attached_files, g_object_ref (data->file));
      if (self->checked_idle == 0)
        self->checked_idle = g_idle_add (list_checked_cb, self);
    }
  add_data_free (data);
}

void
ep_window_add_file (EpWindow   *self,
                    GFile      *file,
                    const char *display_name)
{
  AddData *data;

  g_return_if_fail (EP_IS_WINDOW (self));
  g_return_if_fail (G_IS_FILE (file));

  data = g_new0 (AddData, 1);
  g_set_weak_pointer (&data->self, self);
  data->file = g_object_ref (file);
  /* Send waits from the first file on; more files do not change why (checked once, not per
   * file: a file manager may hand over a thousand at once). */
  if (self->pending_adds++ == 0)
    ep_window_update_send_state (self);
  ep_attachment_new_async (file, display_name, self->cancellable, attachment_checked_cb, data);
}

static void
ep_window_add_file_list (EpWindow *self,
                         GSList   *files)
{
  for (GSList *l = files; l != NULL; l = l->next)
    ep_window_add_file (self, l->data, NULL);
}

/* Image data (dragged from a browser, pasted from a screenshot tool) becomes image.png in the
 * image cache. */
void
ep_window_add_texture (EpWindow   *self,
                       GdkTexture *texture)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = ep_image_cache_new_path ("image.png", &error);
  g_autoptr(GFile) file = NULL;

  if (path == NULL)
    {
      g_autofree char *text = g_strdup_printf (_("Could not keep the image: %s"), error->message);
      ep_window_show_toast (self, text);
      return;
    }
  file = g_file_new_for_path (path);
  if (!gdk_texture_save_to_png (texture, path))
    {
      release_image (self, file);
      ep_window_show_toast (self, _("Could not keep the image: saving it as PNG failed"));
      return;
    }
  ep_window_add_file (self, file, "image.png");
}

/* Drag and drop */

static GdkContentFormats *
drop_formats (void)
{
  GdkContentFormatsBuilder *builder = gdk_content_formats_builder_new ();

  gdk_content_formats_builder_add_gtype (builder, GDK_TYPE_FILE_LIST);
  gdk_content_formats_builder_add_gtype (builder, GDK_TYPE_TEXTURE);
  return gdk_content_formats_builder_free_to_formats (builder);
}

/* A browser offers the image itself and a web URI; a file manager offers local files.
 * Prefer image data when it is there, files otherwise. */
static GType
choose_drop_type (GdkContentFormats *formats)
{
  static const char *image_types[] = { "image/png", "image/jpeg", "image/gif", "image/webp",
                                       "image/bmp", "image/tiff", NULL };

  for (guint i = 0; image_types[i] != NULL; i++)
    if (gdk_content_formats_contain_mime_type (formats, image_types[i]))
      return GDK_TYPE_TEXTURE;
  return GDK_TYPE_FILE_LIST;
}

static void
ep_window_handle_value (EpWindow     *self,
                        const GValue *value)
{
  if (G_VALUE_HOLDS (value, GDK_TYPE_FILE_LIST))
    ep_window_add_file_list (self, g_value_get_boxed (value));
  else if (G_VALUE_HOLDS (value, GDK_TYPE_TEXTURE))
    ep_window_add_texture (self, g_value_get_object (value));
}

static void
drop_read_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  GdkDrop *drop = GDK_DROP (object);
  g_autoptr(EpWindow) self = user_data;
  g_autoptr(GError) error = NULL;
  const GValue *value;

  value = gdk_drop_read_value_finish (drop, result, &error);
  if (value == NULL)
    {
      g_autofree char *text = g_strdup_printf (_("The dropped item could not be attached: %s"),
                                               error->message);
      gdk_drop_finish (drop, 0);
      ep_window_show_toast (self, text);
      return;
    }

  ep_window_handle_value (self, value);
  gdk_drop_finish (drop, GDK_ACTION_COPY);
}

static gboolean
drop_cb (GtkDropTargetAsync *target,
         GdkDrop            *drop,
         double              x,
         double              y,
         EpWindow           *self)
{
  GType type = choose_drop_type (gdk_drop_get_formats (drop));

  gtk_revealer_set_reveal_child (self->drop_revealer, FALSE);
  gdk_drop_read_value_async (drop, type, G_PRIORITY_DEFAULT, self->cancellable,
                             drop_read_cb, g_object_ref (self));
  return TRUE;
}

static GdkDragAction
drag_enter_cb (GtkDropTargetAsync *target,
               GdkDrop            *drop,
               double              x,
               double              y,
               EpWindow           *self)
{
  gtk_revealer_set_reveal_child (self->drop_revealer, TRUE);
  return GDK_ACTION_COPY;
}

static void
drag_leave_cb (GtkDropTargetAsync *target,
               GdkDrop            *drop,
               EpWindow           *self)
{
  gtk_revealer_set_reveal_child (self->drop_revealer, FALSE);
}

/* Paste: files and images become attachments; text still goes into the text. */

static void
clipboard_read_cb (GObject      *object,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(EpWindow) self = user_data;
  g_autoptr(GError) error = NULL;
  const GValue *value;

  value = gdk_clipboard_read_value_finish (GDK_CLIPBOARD (object), result, &error);
  if (value == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          g_autofree char *text = g_strdup_printf (_("Nothing could be pasted: %s"), error->message);
          ep_window_show_toast (self, text);
        }
      return;
    }
  ep_window_handle_value (self, value);
}

/* Returns TRUE when the clipboard held files or an image and we took it as attachments. */
static gboolean
ep_window_paste_attachments (EpWindow     *self,
                             GdkClipboard *clipboard)
{
  g_autoptr(GdkContentFormats) formats = NULL;
  GType type;

  /* Remote clipboards list mime types only; ask which GTypes they can become. */
  formats = gdk_content_formats_union_deserialize_gtypes (
    gdk_content_formats_ref (gdk_clipboard_get_formats (clipboard)));

  if (gdk_content_formats_contain_gtype (formats, GDK_TYPE_FILE_LIST))
    type = GDK_TYPE_FILE_LIST;
  else if (gdk_content_formats_contain_gtype (formats, GDK_TYPE_TEXTURE))
    type = GDK_TYPE_TEXTURE;
  else
    return FALSE;

  gdk_clipboard_read_value_async (clipboard, type, G_PRIORITY_DEFAULT, self->cancellable,
                                  clipboard_read_cb, g_object_ref (self));
  return TRUE;
}

static void
body_paste_cb (GtkTextView *view,
               EpWindow    *self)
{
  if (ep_window_paste_attachments (self, gtk_widget_get_clipboard (GTK_WIDGET (view))))
    g_signal_stop_emission_by_name (view, "paste-clipboard");
}

/* Actions */

static void
add_files (EpWindow   *self,
           GListModel *files)
{
  guint n = g_list_model_get_n_items (files);

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(GFile) file = g_list_model_get_item (files, i);
      ep_window_add_file (self, file, NULL);
    }
}

#if GTK_CHECK_VERSION (4, 10, 0)
static void
attach_dialog_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(EpWindow) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GListModel) files = gtk_file_dialog_open_multiple_finish (GTK_FILE_DIALOG (source),
                                                                      result, &error);

  if (gtk_widget_in_destruction (GTK_WIDGET (self)))
    return;   /* the window was closed meanwhile */
  if (files != NULL)
    add_files (self, files);
  else if (!g_error_matches (error, GTK_DIALOG_ERROR, GTK_DIALOG_ERROR_DISMISSED) &&
           !g_error_matches (error, GTK_DIALOG_ERROR, GTK_DIALOG_ERROR_CANCELLED))
    ep_window_show_toast (self, error->message);
}
#else
static void
chooser_response_cb (GtkNativeDialog *chooser,
                     int              response,
                     EpWindow        *self)
{
  /* The window may have been closed meanwhile: nothing to attach to. */
  if (response == GTK_RESPONSE_ACCEPT && !gtk_widget_in_destruction (GTK_WIDGET (self)))
    {
      g_autoptr(GListModel) files = gtk_file_chooser_get_files (GTK_FILE_CHOOSER (chooser));

      add_files (self, files);
    }
  g_object_unref (chooser);
  g_object_unref (self);
}
#endif

static void
attach_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  EpWindow *self = EP_WINDOW (widget);

  /* Both go through the file chooser portal inside a sandbox: no file system access needed. */
#if GTK_CHECK_VERSION (4, 10, 0)
  g_autoptr(GtkFileDialog) dialog = gtk_file_dialog_new ();

  gtk_file_dialog_set_title (dialog, _("Attach Files"));
  gtk_file_dialog_set_accept_label (dialog, _("_Attach"));
  gtk_file_dialog_set_modal (dialog, TRUE);
  gtk_file_dialog_open_multiple (dialog, GTK_WINDOW (self), NULL, attach_dialog_cb, g_object_ref (self));
#else
  GtkFileChooserNative *chooser;

  chooser = gtk_file_chooser_native_new (_("Attach Files"), GTK_WINDOW (self),
                                         GTK_FILE_CHOOSER_ACTION_OPEN,
                                         _("_Attach"), _("_Cancel"));
  gtk_file_chooser_set_select_multiple (GTK_FILE_CHOOSER (chooser), TRUE);
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (chooser), TRUE);
  g_signal_connect (chooser, "response", G_CALLBACK (chooser_response_cb), g_object_ref (self));
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
#endif
}

static void
remove_attachment_action (GtkWidget  *widget,
                          const char *action_name,
                          GVariant   *parameter)
{
  EpWindow *self = EP_WINDOW (widget);
  g_autoptr(GFile) file = g_file_new_for_uri (g_variant_get_string (parameter, NULL));
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->attachments));

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(EpAttachment) attachment = g_list_model_get_item (G_LIST_MODEL (self->attachments), i);

      if (g_file_equal (ep_attachment_get_file (attachment), file))
        {
          g_list_store_remove (self->attachments, i);
          release_image (self, file);
          break;
        }
    }
}

/* The list view makes a row for each attachment on screen only (1,000 files make a screenful of
 * rows, not 1,000) and gives it the next attachment as the list scrolls. */
static void
setup_row_cb (GtkSignalListItemFactory *factory,
              GtkListItem              *item)
{
  /* Selectable, so that a row can take the keyboard focus (GTK 4.8); nothing is ever selected. */
  gtk_list_item_set_activatable (item, FALSE);
  gtk_list_item_set_child (item, ep_attachment_row_new ());
}

static void
bind_row_cb (GtkSignalListItemFactory *factory,
             GtkListItem              *item)
{
  ep_attachment_row_set_attachment (EP_ATTACHMENT_ROW (gtk_list_item_get_child (item)),
                                    gtk_list_item_get_item (item));
}

static void
unbind_row_cb (GtkSignalListItemFactory *factory,
               GtkListItem              *item)
{
  ep_attachment_row_set_attachment (EP_ATTACHMENT_ROW (gtk_list_item_get_child (item)), NULL);
}

/* Delete or BackSpace on a focused row removes its attachment, as its button does. */
static gboolean
list_key_pressed_cb (GtkEventControllerKey *controller,
                     guint                  keyval,
                     guint                  keycode,
                     GdkModifierType        state,
                     EpWindow              *self)
{
  GtkWidget *item_widget, *row;
  EpAttachment *attachment;
  g_autofree char *uri = NULL;

  if ((keyval != GDK_KEY_Delete && keyval != GDK_KEY_KP_Delete && keyval != GDK_KEY_BackSpace) ||
      (state & gtk_accelerator_get_default_mod_mask ()) != 0)
    return GDK_EVENT_PROPAGATE;
  item_widget = gtk_widget_get_focus_child (GTK_WIDGET (self->attachments_list));
  row = item_widget != NULL ? gtk_widget_get_first_child (item_widget) : NULL;
  if (row == NULL || !EP_IS_ATTACHMENT_ROW (row) ||
      (attachment = ep_attachment_row_get_attachment (EP_ATTACHMENT_ROW (row))) == NULL)
    return GDK_EVENT_PROPAGATE;
  uri = g_file_get_uri (ep_attachment_get_file (attachment));
  gtk_widget_activate_action (GTK_WIDGET (self), "win.remove-attachment", "s", uri);
  return GDK_EVENT_STOP;
}

static void
attachments_changed_cb (GListModel *list,
                        guint       position,
                        guint       removed,
                        guint       added,
                        EpWindow   *self)
{
  index_files (self, position, removed, added);
  ep_window_update_attachments_summary (self);
}

void
ep_window_attachments_class_init (GtkWidgetClass *widget_class)
{
  gtk_widget_class_install_action (widget_class, "win.attach", NULL, attach_action);
  gtk_widget_class_install_action (widget_class, "win.remove-attachment", "s",
                                   remove_attachment_action);
}

void
ep_window_attachments_init (EpWindow *self)
{
  GtkDropTargetAsync *target;
  g_autoptr(GdkContentFormats) formats = drop_formats ();
  g_autoptr(GtkListItemFactory) factory = NULL;
  g_autoptr(GtkNoSelection) selection = NULL;
  GtkEventController *key;

  self->attachments = g_list_store_new (EP_TYPE_ATTACHMENT);
  self->checked = g_ptr_array_new_with_free_func (g_object_unref);
  self->attached_files = g_hash_table_new_full (g_file_hash, (GEqualFunc) g_file_equal,
                                                g_object_unref, NULL);
  self->size_limit = EP_WINDOW_DEFAULT_SIZE_LIMIT;
  factory = gtk_signal_list_item_factory_new ();
  g_signal_connect (factory, "setup", G_CALLBACK (setup_row_cb), NULL);
  g_signal_connect (factory, "bind", G_CALLBACK (bind_row_cb), NULL);
  g_signal_connect (factory, "unbind", G_CALLBACK (unbind_row_cb), NULL);
  gtk_list_view_set_factory (self->attachments_list, factory);
  selection = gtk_no_selection_new (g_object_ref (G_LIST_MODEL (self->attachments)));
  gtk_list_view_set_model (self->attachments_list, GTK_SELECTION_MODEL (selection));
  key = gtk_event_controller_key_new ();
  g_signal_connect (key, "key-pressed", G_CALLBACK (list_key_pressed_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self->attachments_list), key);
  g_signal_connect (self->attachments, "items-changed", G_CALLBACK (attachments_changed_cb), self);

  target = gtk_drop_target_async_new (g_steal_pointer (&formats), GDK_ACTION_COPY);
  g_signal_connect (target, "drop", G_CALLBACK (drop_cb), self);
  g_signal_connect (target, "drag-enter", G_CALLBACK (drag_enter_cb), self);
  g_signal_connect (target, "drag-leave", G_CALLBACK (drag_leave_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (target));

  g_signal_connect (self->body_view, "paste-clipboard", G_CALLBACK (body_paste_cb), self);
  ep_window_update_attachments_summary (self);
}

GListModel *
ep_window_get_attachments (EpWindow *self)
{
  g_return_val_if_fail (EP_IS_WINDOW (self), NULL);
  return G_LIST_MODEL (self->attachments);
}

void
ep_window_set_size_limit (EpWindow *self,
                          guint64   size_limit)
{
  g_return_if_fail (EP_IS_WINDOW (self));

  self->size_limit_known = size_limit != 0;
  self->size_limit = size_limit ? size_limit : EP_WINDOW_DEFAULT_SIZE_LIMIT;
  ep_window_update_attachments_summary (self);
}

guint64
ep_window_get_encoded_size (EpWindow *self)
{
  guint64 total, encoded;

  g_return_val_if_fail (EP_IS_WINDOW (self), 0);
  attachment_sizes (self, &total, &encoded);
  return encoded;
}
