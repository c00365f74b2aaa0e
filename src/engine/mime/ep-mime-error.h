/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-mime-error.h: the error domain of the MIME engine. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define EP_MIME_ERROR (ep_mime_error_quark ())

typedef enum {
  EP_MIME_ERROR_INVALID_ADDRESS,   /* the message names the field and the offending text */
  EP_MIME_ERROR_INVALID_HEADER,    /* control characters in a header value; names the field */
  EP_MIME_ERROR_INVALID_UTF8,      /* body or header text that is not valid UTF-8 */
  EP_MIME_ERROR_FILE,              /* attachment missing, unreadable or not a regular file */
  EP_MIME_ERROR_FILE_CHANGED,      /* attachment size changed between prepare and write */
  EP_MIME_ERROR_MISSING_FIELD,     /* no sender, no recipient */
  EP_MIME_ERROR_INVALID_ENCODING,  /* malformed base64 given to the decoder */
} EpMimeError;

GQuark ep_mime_error_quark (void);

G_END_DECLS
