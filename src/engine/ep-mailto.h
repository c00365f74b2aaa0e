/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-mailto.h: mailto: URIs (RFC 6068), as browsers, file managers and the Email portal pass them. */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef struct {
  GPtrArray *to;           /* element-type utf8: address text as given, not yet validated */
  GPtrArray *cc;
  GPtrArray *bcc;
  char      *subject;      /* nullable */
  char      *body;         /* nullable; line breaks as given (%0D%0A) */
  GPtrArray *attachments;  /* element-type GFile: local files only, to be confirmed by the user */
} EpMailto;

EpMailto *ep_mailto_parse (const char  *uri,
                           GError     **error);
void      ep_mailto_free  (EpMailto    *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (EpMailto, ep_mailto_free)

G_END_DECLS
