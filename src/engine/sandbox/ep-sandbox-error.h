/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-sandbox-error.h: the error domain of the built-in Sandbox server and its inbox. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define EP_SANDBOX_ERROR (ep_sandbox_error_quark ())

/**
 * EpSandboxError:
 * @EP_SANDBOX_ERROR_TLS_UNAVAILABLE: GIO has no TLS backend (glib-networking missing)
 * @EP_SANDBOX_ERROR_CERTIFICATE: the self-signed certificate could not be made or loaded
 * @EP_SANDBOX_ERROR_INVALID_ID: not the id of a stored message (bad characters or shape)
 * @EP_SANDBOX_ERROR_NOT_FOUND: no stored message has this id
 * @EP_SANDBOX_ERROR_CORRUPT: an envelope record could not be parsed
 * @EP_SANDBOX_ERROR_IO: reading or writing the Sandbox directory failed
 * @EP_SANDBOX_ERROR_RUNNING: the server is already running
 */
typedef enum {
  EP_SANDBOX_ERROR_TLS_UNAVAILABLE,
  EP_SANDBOX_ERROR_CERTIFICATE,
  EP_SANDBOX_ERROR_INVALID_ID,
  EP_SANDBOX_ERROR_NOT_FOUND,
  EP_SANDBOX_ERROR_CORRUPT,
  EP_SANDBOX_ERROR_IO,
  EP_SANDBOX_ERROR_RUNNING,
} EpSandboxError;

GQuark ep_sandbox_error_quark (void);

G_END_DECLS
