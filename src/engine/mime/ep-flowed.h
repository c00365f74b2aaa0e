/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-flowed.h: format=flowed plain text (RFC 3676), written and read back. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* RFC 3676 §4.2: lines SHOULD be at most 78 characters, and 72 or so are recommended so that
 * quoting in a reply does not push them over. */
#define EP_FLOWED_MAX_LINE    78
#define EP_FLOWED_WRAP_LINE   72

char *ep_flowed_encode (const char *text);
char *ep_flowed_decode (const char *text,
                        gboolean    delsp);

G_END_DECLS
