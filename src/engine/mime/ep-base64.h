/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-base64.h: a fast streaming base64 encoder (RFC 4648 alphabet, RFC 2045 line breaks) and the one
 * decoder, in a MIME mode and a strict one (SASL). */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* RFC 2045 §6.8: encoded lines are no more than 76 characters long. */
#define EP_BASE64_MIME_LINE_LENGTH 76

typedef struct {
  guint8 pending[2];   /* input bytes waiting for a full 3-byte group */
  guint  n_pending;
  guint  line_length;  /* 0 = one unbroken line; otherwise a multiple of 4 */
  guint  column;       /* characters already on the current output line */
} EpBase64Encoder;

void    ep_base64_encoder_init   (EpBase64Encoder *enc,
                                  guint            line_length);
gsize   ep_base64_encoder_feed   (EpBase64Encoder *enc,
                                  const guint8    *in,
                                  gsize            len,
                                  char            *out);
gsize   ep_base64_encoder_finish (EpBase64Encoder *enc,
                                  char            *out);
gsize   ep_base64_encoded_max    (gsize            len,
                                  guint            line_length);
guint64 ep_base64_encoded_size   (guint64          len,
                                  guint            line_length);
char   *ep_base64_encode         (const guint8    *in,
                                  gsize            len,
                                  guint            line_length);
/* MIME bodies (RFC 2045 §6.8): whitespace between the characters is skipped. */
guint8 *ep_base64_decode         (const char      *in,
                                  gsize           *out_len,
                                  GError         **error);
/* One-line protocol data such as SASL (RFC 4648 §4, RFC 4954 §4): nothing but the alphabet and
 * the final padding. @len -1: up to the NUL. */
guint8 *ep_base64_decode_strict  (const char      *in,
                                  gssize           len,
                                  gsize           *out_len,
                                  GError         **error);
const char *ep_base64_get_implementation (void);

G_END_DECLS
