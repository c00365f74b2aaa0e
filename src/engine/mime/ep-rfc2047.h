/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-rfc2047.h: encoded-words for header text (RFC 2047) and header folding (RFC 5322 §2.2.3). */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* RFC 2047 §2: an encoded-word is at most 75 characters. */
#define EP_RFC2047_MAX_WORD_LENGTH 75
/* Ours are shorter, so that "Subject: " plus one word still fits the 78-column line. */
#define EP_RFC2047_WORD_LENGTH 66
/* RFC 5322 §2.1.1: lines SHOULD be at most 78 characters and MUST be at most 998 (CRLF excluded). */
#define EP_HEADER_LINE_LENGTH 78
#define EP_LINE_LENGTH_MAX 998

char    *ep_rfc2047_encode_unstructured (const char *text);
char    *ep_rfc2047_encode_phrase       (const char *text);
void     ep_rfc2047_append_encoded      (GString    *out,
                                         const char *text,
                                         gsize       len,
                                         gsize       max_word_length);
char    *ep_rfc2047_decode              (const char *value);
char    *ep_header_fold                 (const char *name,
                                         const char *value,
                                         gboolean    structured);
gboolean ep_header_text_check           (const char *text,
                                         const char *field,
                                         GError    **error);

G_END_DECLS
