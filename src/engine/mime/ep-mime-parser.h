/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-mime-parser.h: reads a received message back into parts (the Sandbox inbox, tests). */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* Bounds on what a hostile message can make us do. */
#define EP_MIME_PARSER_MAX_DEPTH   16
#define EP_MIME_PARSER_MAX_PARTS   1000
#define EP_MIME_PARSER_MAX_HEADERS 1000

typedef struct _EpMimePart EpMimePart;

EpMimePart *ep_mime_parse                     (GBytes      *message,
                                               GError     **error);
void        ep_mime_part_free                 (EpMimePart  *self);

/* The first header of that name, unfolded, as it was (encoded words not decoded). */
const char *ep_mime_part_get_header           (EpMimePart  *self,
                                               const char  *name);
/* The same with RFC 2047 encoded words decoded, as valid UTF-8 (bad octets replaced). */
char       *ep_mime_part_dup_header_text      (EpMimePart  *self,
                                               const char  *name);
/* All headers in order: name, value, name, value, …, NULL (transfer none). */
const char * const *ep_mime_part_get_headers  (EpMimePart  *self);
/* "type/subtype", lower case; text/plain when absent (RFC 2045 §5.2). */
const char *ep_mime_part_get_content_type     (EpMimePart  *self);
/* A Content-Type parameter, RFC 2231 continuations and charsets resolved. */
const char *ep_mime_part_get_param            (EpMimePart  *self,
                                               const char  *name);
/* The file name from Content-Disposition or Content-Type (RFC 2231 or 2047), basename only,
 * as valid UTF-8. */
char       *ep_mime_part_dup_filename         (EpMimePart  *self);
gboolean    ep_mime_part_is_attachment        (EpMimePart  *self);
GPtrArray  *ep_mime_part_get_children         (EpMimePart  *self);   /* element-type EpMimePart, or NULL */
/* The body with its Content-Transfer-Encoding undone. */
GBytes     *ep_mime_part_decode               (EpMimePart  *self,
                                               GError     **error);
/* A text part as UTF-8 (charset converted, line ends as \n). */
char       *ep_mime_part_dup_text             (EpMimePart  *self,
                                               GError     **error);
/* Every leaf part in order (the message itself when it is not multipart). */
GPtrArray  *ep_mime_part_collect_leaves       (EpMimePart  *self);   /* element-type EpMimePart, transfer container */

G_DEFINE_AUTOPTR_CLEANUP_FUNC (EpMimePart, ep_mime_part_free)

G_END_DECLS
