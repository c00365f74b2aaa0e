/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-image-cache.h: image data pasted or dropped into a message, kept as files in
 * $XDG_CACHE_HOME/epistle/images/<uuid>/ for as long as a message or a draft needs them. */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* At start-up, an image nothing refers to is removed once it is this old: a younger one may
 * belong to a message another instance is writing and has not saved as a draft yet. */
#define EP_IMAGE_CACHE_STALE_AGE (24 * G_TIME_SPAN_HOUR)

char     *ep_image_cache_dup_dir   (void);
char     *ep_image_cache_new_path  (const char  *name,
                                    GError     **error);
gboolean  ep_image_cache_contains  (GFile       *file);
gboolean  ep_image_cache_remove    (GFile       *file,
                                    GHashTable  *kept_uris);
guint     ep_image_cache_clean     (GHashTable  *kept_uris,
                                    GTimeSpan    min_age);

G_END_DECLS
