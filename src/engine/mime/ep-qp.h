/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-qp.h: quoted-printable body encoding (RFC 2045 §6.7). */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* RFC 2045 §6.7 rule 5: encoded lines are no more than 76 characters long. */
#define EP_QP_LINE_LENGTH 76

char *ep_qp_encode_text (const char *text,
                         gsize       len,
                         gsize      *out_len);
char *ep_qp_decode      (const char *in,
                         gsize       len,
                         gsize      *out_len);

G_END_DECLS
