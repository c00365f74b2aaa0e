/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-mime-writer.h: turns an EpMessage into RFC 5322 + MIME bytes, streaming attachments from disk. */
#pragma once

#include <gio/gio.h>

#include "ep-message.h"

G_BEGIN_DECLS

/* RFC 2046 §5.1.1: a boundary is 1 to 70 characters. */
#define EP_MIME_BOUNDARY_MAX 70
/* Attachments are read in chunks of this size: large enough for few system calls, small enough
 * that memory does not depend on the size of the files. */
#define EP_MIME_READ_CHUNK (192 * 1024)

typedef void (*EpMimeProgressFunc) (guint64  written,
                                    guint64  total,
                                    gpointer user_data);

gboolean  ep_mime_writer_prepare  (EpMessage           *message,
                                   GError             **error);
guint64   ep_mime_writer_get_size (EpMessage           *message);
gboolean  ep_mime_writer_write    (EpMessage           *message,
                                   GOutputStream       *stream,
                                   EpMimeProgressFunc   progress,
                                   gpointer             user_data,
                                   GCancellable        *cancellable,
                                   GError             **error);

char     *ep_mime_format_date     (GDateTime           *date);
char     *ep_mime_make_boundary   (void);
char     *ep_mime_make_message_id (const char          *domain);

G_END_DECLS
