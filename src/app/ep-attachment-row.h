/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-attachment-row.h: one row of the attachment list: thumbnail or icon, name, size and type,
 * remove. The list view makes rows only for what is on screen and binds each to one attachment
 * after another as the list scrolls. */
#pragma once

#include <gtk/gtk.h>

#include "ep-attachment.h"

G_BEGIN_DECLS

#define EP_TYPE_ATTACHMENT_ROW (ep_attachment_row_get_type ())
G_DECLARE_FINAL_TYPE (EpAttachmentRow, ep_attachment_row, EP, ATTACHMENT_ROW, GtkBox)

GtkWidget    *ep_attachment_row_new            (void);
void          ep_attachment_row_set_attachment (EpAttachmentRow *self,
                                                EpAttachment    *attachment);
EpAttachment *ep_attachment_row_get_attachment (EpAttachmentRow *self);

G_END_DECLS
