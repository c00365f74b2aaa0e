/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-attachment-row.c: a row showing one attachment at a time; the thumbnail arrives from a
 * worker thread, asked for only when a row shows the attachment. */
#include "config.h"

#include <glib/gi18n.h>

#include "ep-attachment-row.h"

struct _EpAttachmentRow
{
  GtkBox         parent_instance;

  EpAttachment  *attachment;

  /* Template widgets */
  GtkImage      *preview;
  GtkLabel      *name_label;
  GtkLabel      *details_label;
  GtkButton     *remove_button;
};

G_DEFINE_FINAL_TYPE (EpAttachmentRow, ep_attachment_row, GTK_TYPE_BOX)

#define EP_ATTACHMENT_ROW_THUMBNAIL_SIZE 96

static void
ep_attachment_row_update_preview (EpAttachmentRow *self)
{
  GdkTexture *thumbnail = ep_attachment_get_thumbnail (self->attachment);

  if (thumbnail != NULL)
    {
      gtk_image_set_from_paintable (self->preview, GDK_PAINTABLE (thumbnail));
      gtk_image_set_pixel_size (self->preview, 48);
    }
  else
    {
      g_autoptr(GIcon) icon = NULL;
      g_autofree char *type = g_content_type_from_mime_type (ep_attachment_get_content_type (self->attachment));

      icon = g_content_type_get_icon (type ? type : "application/octet-stream");
      gtk_image_set_from_gicon (self->preview, icon);
      gtk_image_set_pixel_size (self->preview, 40);
    }
}

static void
thumbnail_changed_cb (EpAttachmentRow *self)
{
  ep_attachment_row_update_preview (self);
}

static void
ep_attachment_row_dispose (GObject *object)
{
  EpAttachmentRow *self = EP_ATTACHMENT_ROW (object);

  ep_attachment_row_set_attachment (self, NULL);

  G_OBJECT_CLASS (ep_attachment_row_parent_class)->dispose (object);
}

static void
ep_attachment_row_class_init (EpAttachmentRowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = ep_attachment_row_dispose;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/epistlemail/Epistle/ep-attachment-row.ui");
  gtk_widget_class_bind_template_child (widget_class, EpAttachmentRow, preview);
  gtk_widget_class_bind_template_child (widget_class, EpAttachmentRow, name_label);
  gtk_widget_class_bind_template_child (widget_class, EpAttachmentRow, details_label);
  gtk_widget_class_bind_template_child (widget_class, EpAttachmentRow, remove_button);
}

static void
ep_attachment_row_init (EpAttachmentRow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

GtkWidget *
ep_attachment_row_new (void)
{
  return g_object_new (EP_TYPE_ATTACHMENT_ROW, NULL);
}

/**
 * ep_attachment_row_set_attachment:
 * @attachment: (nullable): what the row shows from now on; %NULL: nothing
 */
void
ep_attachment_row_set_attachment (EpAttachmentRow *self,
                                  EpAttachment    *attachment)
{
  g_autofree char *size = NULL;
  g_autofree char *type = NULL;
  g_autofree char *description = NULL;
  g_autofree char *details = NULL;
  g_autofree char *remove_label = NULL;
  g_autofree char *uri = NULL;
  const char *name;

  g_return_if_fail (EP_IS_ATTACHMENT_ROW (self));
  g_return_if_fail (attachment == NULL || EP_IS_ATTACHMENT (attachment));

  if (self->attachment == attachment)
    return;
  if (self->attachment != NULL)
    g_signal_handlers_disconnect_by_data (self->attachment, self);
  g_set_object (&self->attachment, attachment);
  if (attachment == NULL)
    {
      gtk_actionable_set_action_name (GTK_ACTIONABLE (self->remove_button), NULL);
      return;
    }

  name = ep_attachment_get_display_name (attachment);
  size = g_format_size (ep_attachment_get_size (attachment));
  type = g_content_type_from_mime_type (ep_attachment_get_content_type (attachment));
  description = g_content_type_get_description (type ? type : "application/octet-stream");
  /* Translators: size, then file type, e.g. "1.2 MB · PNG image" */
  details = g_strdup_printf (_("%s · %s"), size, description);

  gtk_label_set_text (self->name_label, name);
  gtk_label_set_text (self->details_label, details);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->name_label), name);

  remove_label = g_strdup_printf (_("Remove “%s”"), name);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->remove_button), remove_label);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->remove_button),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, remove_label, -1);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, name,
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, details, -1);
  /* Attachments are unique by file (duplicates are refused), so the URI names the row. */
  uri = g_file_get_uri (ep_attachment_get_file (attachment));
  gtk_actionable_set_action_target_value (GTK_ACTIONABLE (self->remove_button),
                                          g_variant_new_string (uri));
  gtk_actionable_set_action_name (GTK_ACTIONABLE (self->remove_button), "win.remove-attachment");

  g_signal_connect_swapped (attachment, "notify::thumbnail",
                            G_CALLBACK (thumbnail_changed_cb), self);
  ep_attachment_row_update_preview (self);
  ep_attachment_load_thumbnail (attachment, EP_ATTACHMENT_ROW_THUMBNAIL_SIZE);
}

EpAttachment *
ep_attachment_row_get_attachment (EpAttachmentRow *self)
{
  g_return_val_if_fail (EP_IS_ATTACHMENT_ROW (self), NULL);
  return self->attachment;
}
