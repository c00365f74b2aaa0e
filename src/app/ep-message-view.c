/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-message-view.c: a message read back with our own MIME parser, so what Epistle shows is what
 * a recipient's reader would decode from the bytes. */
#include "config.h"

#include <glib/gi18n.h>

#include "ep-message-view.h"
#include "ep-mime-parser.h"

/* The source page shows at most this much; a 50 MB message would make the text view crawl. */
#define EP_MESSAGE_VIEW_SOURCE_MAX (1024 * 1024)
#define EP_MESSAGE_VIEW_PREVIEW_SIZE 160

struct _EpMessageView
{
  AdwBin         parent_instance;

  /* Template widgets */
  GtkLabel      *subject_label;
  GtkGrid       *header_grid;
  GtkLabel      *body_label;
  GtkFlowBox    *attachments_box;
  GtkTextView   *source_view;
  GtkTextView   *transcript_view;

  guint          n_attachments;
};

G_DEFINE_FINAL_TYPE (EpMessageView, ep_message_view, ADW_TYPE_BIN)

typedef struct {
  char   *name;
  GBytes *data;
} SaveData;

static void
save_data_free (SaveData *data)
{
  g_free (data->name);
  g_bytes_unref (data->data);
  g_free (data);
}

/* One "Save Attachment" in progress: its own copy of what to write, so that the view can be
 * rebuilt (or closed) while the chooser is open. */
typedef struct {
  GBytes    *data;
  GtkWindow *parent;
} SaveOp;

static void
save_op_free (SaveOp *op)
{
  g_bytes_unref (op->data);
  g_object_unref (op->parent);
  g_free (op);
}

static void
show_save_error (SaveOp     *op,
                 const char *message)
{
  GtkWidget *dialog = adw_message_dialog_new (op->parent, _("Could Not Save the Attachment"), message);

  adw_message_dialog_add_response (ADW_MESSAGE_DIALOG (dialog), "close", _("_Close"));
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
write_attachment (SaveOp *op,
                  GFile  *file)
{
  g_autoptr(GError) error = NULL;

  if (!g_file_replace_contents (file, g_bytes_get_data (op->data, NULL), g_bytes_get_size (op->data),
                                NULL, FALSE, G_FILE_CREATE_NONE, NULL, NULL, &error))
    show_save_error (op, error->message);
}

#if GTK_CHECK_VERSION (4, 10, 0)
static void
save_dialog_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  SaveOp *op = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GFile) file = gtk_file_dialog_save_finish (GTK_FILE_DIALOG (source), result, &error);

  if (file != NULL)
    write_attachment (op, file);
  else if (!g_error_matches (error, GTK_DIALOG_ERROR, GTK_DIALOG_ERROR_DISMISSED) &&
           !g_error_matches (error, GTK_DIALOG_ERROR, GTK_DIALOG_ERROR_CANCELLED))
    show_save_error (op, error->message);
  save_op_free (op);
}
#else
static void
save_response_cb (GtkNativeDialog *chooser,
                  int              response,
                  SaveOp          *op)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));

      if (file != NULL)
        write_attachment (op, file);
    }
  save_op_free (op);
  g_object_unref (chooser);
}
#endif

static void
save_clicked_cb (GtkButton *button,
                 SaveData  *data)
{
  SaveOp *op = g_new0 (SaveOp, 1);

  op->data = g_bytes_ref (data->data);
  op->parent = g_object_ref (GTK_WINDOW (gtk_widget_get_root (GTK_WIDGET (button))));

  /* Both go through the file chooser portal inside a sandbox. */
#if GTK_CHECK_VERSION (4, 10, 0)
  {
    g_autoptr(GtkFileDialog) dialog = gtk_file_dialog_new ();

    gtk_file_dialog_set_title (dialog, _("Save Attachment"));
    gtk_file_dialog_set_initial_name (dialog, data->name);
    gtk_file_dialog_save (dialog, op->parent, NULL, save_dialog_cb, op);
  }
#else
  {
    GtkFileChooserNative *chooser;

    chooser = gtk_file_chooser_native_new (_("Save Attachment"), op->parent,
                                           GTK_FILE_CHOOSER_ACTION_SAVE, _("_Save"), _("_Cancel"));
    gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (chooser), data->name);
    g_signal_connect (chooser, "response", G_CALLBACK (save_response_cb), op);
    gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
  }
#endif
}

static GtkWidget *
attachment_widget (EpMimePart *part)
{
  g_autofree char *name = ep_mime_part_dup_filename (part);
  g_autoptr(GBytes) data = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *size = NULL;
  g_autofree char *save_label = NULL;
  GtkWidget *box, *preview = NULL, *label, *details, *button;
  const char *type = ep_mime_part_get_content_type (part);
  SaveData *save;

  if (name == NULL || *name == '\0')
    {
      g_free (name);
      name = g_strdup (_("Unnamed attachment"));
    }
  data = ep_mime_part_decode (part, &error);

  box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  gtk_widget_add_css_class (box, "card");
  gtk_widget_set_size_request (box, EP_MESSAGE_VIEW_PREVIEW_SIZE + 24, -1);

  if (data != NULL && g_str_has_prefix (type, "image/"))
    {
      g_autoptr(GInputStream) in = g_memory_input_stream_new_from_bytes (data);
      /* Decoded at preview size: a huge picture costs no more than a small one. */
      g_autoptr(GdkPixbuf) pixbuf = gdk_pixbuf_new_from_stream_at_scale (in, EP_MESSAGE_VIEW_PREVIEW_SIZE,
                                                                         EP_MESSAGE_VIEW_PREVIEW_SIZE,
                                                                         TRUE, NULL, NULL);
      g_autoptr(GdkTexture) texture = pixbuf ? gdk_texture_new_for_pixbuf (pixbuf) : NULL;

      if (texture != NULL)
        {
          preview = gtk_picture_new_for_paintable (GDK_PAINTABLE (texture));
          gtk_picture_set_can_shrink (GTK_PICTURE (preview), TRUE);
          gtk_widget_set_size_request (preview, EP_MESSAGE_VIEW_PREVIEW_SIZE, EP_MESSAGE_VIEW_PREVIEW_SIZE);
          gtk_accessible_update_property (GTK_ACCESSIBLE (preview),
                                          GTK_ACCESSIBLE_PROPERTY_LABEL, name, -1);
        }
    }
  if (preview == NULL)
    {
      g_autofree char *content_type = g_content_type_from_mime_type (type);
      g_autoptr(GIcon) icon = g_content_type_get_icon (content_type ? content_type : "application/octet-stream");

      preview = gtk_image_new_from_gicon (icon);
      gtk_image_set_pixel_size (GTK_IMAGE (preview), 64);
      gtk_widget_set_margin_top (preview, 12);
    }
  gtk_box_append (GTK_BOX (box), preview);

  label = gtk_label_new (name);
  gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_MIDDLE);
  gtk_widget_set_tooltip_text (label, name);
  gtk_box_append (GTK_BOX (box), label);

  if (data != NULL)
    size = g_format_size (g_bytes_get_size (data));
  details = gtk_label_new (data ? size : error->message);
  gtk_widget_add_css_class (details, "dim-label");
  gtk_widget_add_css_class (details, "caption");
  gtk_label_set_wrap (GTK_LABEL (details), TRUE);
  gtk_box_append (GTK_BOX (box), details);

  button = gtk_button_new_with_mnemonic (_("Save _As…"));
  save_label = g_strdup_printf (_("Save “%s” As…"), name);
  gtk_accessible_update_property (GTK_ACCESSIBLE (button), GTK_ACCESSIBLE_PROPERTY_LABEL, save_label, -1);
  gtk_widget_set_margin_start (button, 6);
  gtk_widget_set_margin_end (button, 6);
  gtk_widget_set_margin_bottom (button, 6);
  gtk_widget_set_sensitive (button, data != NULL);
  if (data != NULL)
    {
      save = g_new0 (SaveData, 1);
      save->name = g_strdup (name);
      save->data = g_bytes_ref (data);
      g_signal_connect_data (button, "clicked", G_CALLBACK (save_clicked_cb), save,
                             (GClosureNotify) save_data_free, 0);
    }
  gtk_box_append (GTK_BOX (box), button);
  return box;
}

static void
add_header_row (EpMessageView *self,
                int            row,
                const char    *label_text,
                const char    *value)
{
  GtkWidget *label = gtk_label_new (label_text);
  GtkWidget *value_label = gtk_label_new (value);

  gtk_label_set_xalign (GTK_LABEL (label), 1);
  gtk_label_set_yalign (GTK_LABEL (label), 0);
  gtk_widget_add_css_class (label, "dim-label");
  gtk_label_set_xalign (GTK_LABEL (value_label), 0);
  gtk_label_set_wrap (GTK_LABEL (value_label), TRUE);
  gtk_label_set_wrap_mode (GTK_LABEL (value_label), PANGO_WRAP_WORD_CHAR);
  gtk_label_set_selectable (GTK_LABEL (value_label), TRUE);
  gtk_widget_set_hexpand (value_label, TRUE);
  gtk_grid_attach (self->header_grid, label, 0, row, 1, 1);
  gtk_grid_attach (self->header_grid, value_label, 1, row, 1, 1);
}

static void
remove_all_children (GtkWidget *parent)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (parent)) != NULL)
    {
      if (GTK_IS_FLOW_BOX (parent))
        gtk_flow_box_remove (GTK_FLOW_BOX (parent), child);
      else if (GTK_IS_GRID (parent))
        gtk_grid_remove (GTK_GRID (parent), child);
    }
}

static void
ep_message_view_class_init (EpMessageViewClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/epistlemail/Epistle/ep-message-view.ui");
  gtk_widget_class_bind_template_child (widget_class, EpMessageView, subject_label);
  gtk_widget_class_bind_template_child (widget_class, EpMessageView, header_grid);
  gtk_widget_class_bind_template_child (widget_class, EpMessageView, body_label);
  gtk_widget_class_bind_template_child (widget_class, EpMessageView, attachments_box);
  gtk_widget_class_bind_template_child (widget_class, EpMessageView, source_view);
  gtk_widget_class_bind_template_child (widget_class, EpMessageView, transcript_view);
}

static void
ep_message_view_init (EpMessageView *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

void
ep_message_view_clear (EpMessageView *self)
{
  g_return_if_fail (EP_IS_MESSAGE_VIEW (self));

  remove_all_children (GTK_WIDGET (self->header_grid));
  remove_all_children (GTK_WIDGET (self->attachments_box));
  gtk_label_set_text (self->subject_label, "");
  gtk_label_set_text (self->body_label, "");
  gtk_text_buffer_set_text (gtk_text_view_get_buffer (self->source_view), "", -1);
  gtk_text_buffer_set_text (gtk_text_view_get_buffer (self->transcript_view), "", -1);
  self->n_attachments = 0;
}

void
ep_message_view_set_message (EpMessageView *self,
                             GBytes        *raw,
                             const char    *transcript,
                             const char    *details)
{
  static const struct { const char *header; const char *label; } shown[] = {
    { "From", N_("From") }, { "To", N_("To") }, { "Cc", N_("Cc") },
    { "Date", N_("Date") }, { "Message-ID", N_("Message-ID") },
  };
  g_autoptr(EpMimePart) message = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) leaves = NULL;
  g_autoptr(GString) body = g_string_new (NULL);
  g_autofree char *subject = NULL;
  g_autofree char *source = NULL;
  gsize raw_len;
  const char *raw_data;
  int row = 0;

  g_return_if_fail (EP_IS_MESSAGE_VIEW (self));
  g_return_if_fail (raw != NULL);

  ep_message_view_clear (self);

  raw_data = g_bytes_get_data (raw, &raw_len);
  source = g_utf8_make_valid (raw_data ? raw_data : "", MIN (raw_len, EP_MESSAGE_VIEW_SOURCE_MAX));
  if (raw_len > EP_MESSAGE_VIEW_SOURCE_MAX)
    {
      g_autofree char *more = g_format_size (raw_len - EP_MESSAGE_VIEW_SOURCE_MAX);
      g_autofree char *note = g_strdup_printf (_("\n[%s more not shown]\n"), more);
      g_autofree char *joined = g_strconcat (source, note, NULL);
      g_free (source);
      source = g_steal_pointer (&joined);
    }
  gtk_text_buffer_set_text (gtk_text_view_get_buffer (self->source_view), source, -1);

  {
    g_autofree char *text = g_strconcat (details ? details : "", details ? "\n\n" : "",
                                         transcript ? transcript : _("No transcript was kept."), NULL);
    gtk_text_buffer_set_text (gtk_text_view_get_buffer (self->transcript_view), text, -1);
  }

  message = ep_mime_parse (raw, &error);
  if (message == NULL)
    {
      gtk_label_set_text (self->body_label, error->message);
      return;
    }

  subject = ep_mime_part_dup_header_text (message, "Subject");
  gtk_label_set_text (self->subject_label, subject && *subject ? subject : _("(No subject)"));
  for (guint i = 0; i < G_N_ELEMENTS (shown); i++)
    {
      g_autofree char *value = ep_mime_part_dup_header_text (message, shown[i].header);

      if (value != NULL)
        add_header_row (self, row++, _(shown[i].label), value);
    }

  leaves = ep_mime_part_collect_leaves (message);
  for (guint i = 0; i < leaves->len; i++)
    {
      EpMimePart *part = leaves->pdata[i];

      if (!ep_mime_part_is_attachment (part) && g_str_has_prefix (ep_mime_part_get_content_type (part), "text/"))
        {
          g_autoptr(GError) text_error = NULL;
          g_autofree char *text = ep_mime_part_dup_text (part, &text_error);

          if (body->len > 0)
            g_string_append (body, "\n\n");
          g_string_append (body, text ? text : text_error->message);
        }
      else
        {
          GtkWidget *widget = attachment_widget (part);

          gtk_flow_box_append (self->attachments_box, widget);
          self->n_attachments++;
        }
    }
  gtk_label_set_text (self->body_label, body->str);
}

guint
ep_message_view_get_n_attachments (EpMessageView *self)
{
  g_return_val_if_fail (EP_IS_MESSAGE_VIEW (self), 0);
  return self->n_attachments;
}

GtkWidget *
ep_message_view_new (void)
{
  return g_object_new (EP_TYPE_MESSAGE_VIEW, NULL);
}
