/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-text.h: the engine's one set of rules for control characters and ASCII in text. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/*
 * Two kinds of text, two notions of "control character":
 *
 * - Protocol text (SMTP command and reply lines, host names, SASL data) is judged octet by
 *   octet, whatever its encoding: a control is a C0 octet (0x00–0x1F) or DEL (0x7F), the octets
 *   that can end a line early, truncate a C string or drive a terminal. @length -1: up to the NUL.
 * - Text people read (header values, names, file names, links) is valid UTF-8 judged character
 *   by character: a control is what Unicode calls one (general category Cc): C0, DEL and the C1
 *   controls U+0080–U+009F, which terminals obey as well.
 */

/* A C0 control octet or DEL. */
static inline gboolean
ep_text_octet_is_control (guchar c)
{
  return c < 0x20 || c == 0x7f;
}

/* Every octet below 0x80. */
gboolean     ep_text_is_ascii            (const char  *text,
                                          gssize       length);
/* Every octet in 0x20–0x7E: ASCII without controls (spaces allowed). */
gboolean     ep_text_is_printable_ascii  (const char  *text,
                                          gssize       length);
/* Every octet in 0x21–0x7E: printable ASCII without spaces, as in an EHLO name or a token. */
gboolean     ep_text_is_visible_ascii    (const char  *text,
                                          gssize       length);
/* Some octet is a C0 control or DEL (CR, LF and NUL included). */
gboolean     ep_text_has_control         (const char  *text,
                                          gssize       length);
/* Some octet is CR or LF: what would end a protocol line early. */
gboolean     ep_text_has_line_break      (const char  *text,
                                          gssize       length);

/**
 * EpTextAllow:
 * @EP_TEXT_ALLOW_NONE: every control character counts
 * @EP_TEXT_ALLOW_TAB: TAB is whitespace here, not a control
 * @EP_TEXT_ALLOW_LINE_BREAKS: CR and LF are allowed (text of several lines)
 */
typedef enum {
  EP_TEXT_ALLOW_NONE        = 0,
  EP_TEXT_ALLOW_TAB         = 1 << 0,
  EP_TEXT_ALLOW_LINE_BREAKS = 1 << 1,
} EpTextAllow;

/* Unicode's control characters (Cc): U+0000–U+001F, U+007F–U+009F. */
gboolean     ep_text_unichar_is_control  (gunichar     c);
/* The first control character of UTF-8 @text that @allow does not allow, or NULL. Reads no
 * further than the NUL even when @text is not valid UTF-8 (then only its valid parts count). */
const char  *ep_text_find_control        (const char  *text,
                                          EpTextAllow  allow);
/* Valid UTF-8 without any control character: one line, nothing hidden. */
gboolean     ep_text_is_single_line      (const char  *text);
/* Valid UTF-8 without a control character other than TAB, as an unstructured header value
 * before encoding (RFC 5322 §2.2: no line breaks; WSP may be a TAB). */
gboolean     ep_text_is_header_value     (const char  *text);

/* Text from a peer made safe to show: a copy of @length octets with each C0 control and DEL
 * (NUL included) as '?', and invalid UTF-8 as U+FFFD. */
char        *ep_text_make_printable      (const char  *bytes,
                                          gsize        length);
/* Appends @length octets to @out with every control octet written as "\xNN", and every octet
 * from 0x80 up too unless @bytes is valid UTF-8 as a whole: nothing is lost, nothing can end the
 * line or reach a terminal, and valid text reads as it is. */
void         ep_text_append_escaped      (GString     *out,
                                          const char  *bytes,
                                          gsize        length);

/* Frees a secret (password, token) after overwriting it, so that it does not linger in freed
 * heap memory where a later crash dump could show it. NULL is fine. */
void         ep_text_free_secret         (char        *secret);

G_END_DECLS
