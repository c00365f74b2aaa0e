/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-discover-fetch.h: one small file over HTTPS for discovery: certificate always checked,
 * a few redirects at most and never from HTTPS to HTTP, the body size-limited before anyone
 * parses it. Internal to the discover layer. */
#pragma once

#include <gio/gio.h>
#include <libsoup/soup.h>

G_BEGIN_DECLS

/* Redirects followed for one file (each one checked as the first request). */
#define EP_DISCOVER_MAX_REDIRECTS 3
/* Octets read of one answer; more is an error, whatever Content-Length says. */
#define EP_DISCOVER_MAX_BODY      (256 * 1024)

/* @extra_ca (nullable): anchors trusted besides the system's, with the same checks (host
 * name, dates); no certificate is ever accepted otherwise. @allow_http: a plain-HTTP URL may be
 * fetched (and redirect to HTTPS); HTTPS never redirects to HTTP. */
void    ep_discover_fetch_async  (SoupSession         *session,
                                  const char          *url,
                                  gboolean             allow_http,
                                  GTlsDatabase        *extra_ca,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data);
/* @out_url: (out) (optional): the URL finally answered (after redirects); @out_https: whether
 * every hop was HTTPS. Errors: EP_DISCOVER_ERROR_NOT_FOUND (404, 410), _HTTP_TEMPORARY (5xx,
 * 429), _HTTP (other statuses), _REDIRECT, _TOO_LARGE, and GIO/TLS/resolver errors as they
 * came. */
GBytes *ep_discover_fetch_finish (GAsyncResult        *result,
                                  char               **out_url,
                                  gboolean            *out_https,
                                  GError             **error);

G_END_DECLS
