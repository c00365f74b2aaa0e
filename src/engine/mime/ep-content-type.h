/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-content-type.h: MIME types of attachments, sniffed from their first bytes and their name. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* How much of a file the sniffer looks at. */
#define EP_CONTENT_TYPE_SNIFF_SIZE 4096

#define EP_CONTENT_TYPE_DEFAULT "application/octet-stream"

char     *ep_content_type_guess    (const char   *name,
                                    const guint8 *data,
                                    gsize         len);
gboolean  ep_content_type_is_valid (const char   *type);

G_END_DECLS
