/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-discover-error.h: the error domain of settings discovery. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define EP_DISCOVER_ERROR (ep_discover_error_quark ())

/**
 * EpDiscoverError:
 * @EP_DISCOVER_ERROR_INVALID_ADDRESS: not an e-mail address whose domain can be looked up
 * @EP_DISCOVER_ERROR_PARSE: an autoconfig file is not well-formed or too deeply nested
 * @EP_DISCOVER_ERROR_TOO_LARGE: an answer is larger than discovery reads
 * @EP_DISCOVER_ERROR_HTTP: the web server answered with an HTTP error status
 * @EP_DISCOVER_ERROR_HTTP_TEMPORARY: the web server failed or was busy (5xx, 429): trying
 *   again later may work
 * @EP_DISCOVER_ERROR_REDIRECT: too many redirects, or one to plain HTTP or another scheme
 * @EP_DISCOVER_ERROR_NOT_FOUND: the source has no settings for this domain
 */
typedef enum {
  EP_DISCOVER_ERROR_INVALID_ADDRESS,
  EP_DISCOVER_ERROR_PARSE,
  EP_DISCOVER_ERROR_TOO_LARGE,
  EP_DISCOVER_ERROR_HTTP,
  EP_DISCOVER_ERROR_REDIRECT,
  EP_DISCOVER_ERROR_NOT_FOUND,
  EP_DISCOVER_ERROR_HTTP_TEMPORARY,
} EpDiscoverError;

GQuark ep_discover_error_quark (void);

G_END_DECLS
