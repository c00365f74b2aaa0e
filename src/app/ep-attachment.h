/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-attachment.h: one attachment of a message being composed (a file on disk). */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define EP_TYPE_ATTACHMENT (ep_attachment_get_type ())
G_DECLARE_FINAL_TYPE (EpAttachment, ep_attachment, EP, ATTACHMENT, GObject)

/* Checks the file (exists, regular, readable) and reads its size and content type. */
void          ep_attachment_new_async        (GFile               *file,
                                              const char          *display_name,
                                              GCancellable        *cancellable,
                                              GAsyncReadyCallback  callback,
                                              gpointer             user_data);
EpAttachment *ep_attachment_new_finish       (GAsyncResult        *result,
                                              GError             **error);
EpAttachment *ep_attachment_new_for_info     (GFile               *file,
                                              const char          *display_name,
                                              const char          *content_type,
                                              guint64              size);

GFile        *ep_attachment_get_file         (EpAttachment        *self);
const char   *ep_attachment_get_display_name (EpAttachment        *self);
const char   *ep_attachment_get_content_type (EpAttachment        *self);
guint64       ep_attachment_get_size         (EpAttachment        *self);
gboolean      ep_attachment_is_image         (EpAttachment        *self);
GdkTexture   *ep_attachment_get_thumbnail    (EpAttachment        *self);
void          ep_attachment_load_thumbnail   (EpAttachment        *self,
                                              int                  size);

G_END_DECLS
