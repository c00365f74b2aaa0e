/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-smtp-reply.h: SMTP replies and an incremental, bounded parser for them (RFC 5321 §4.2). */
#pragma once

#include <glib-object.h>

#include "ep-smtp-limits.h"

G_BEGIN_DECLS

/* RFC 5321 §4.5.3.1.5 limits a reply line to EP_SMTP_REPLY_LINE_RFC_MAX (512) octets including
 * CRLF. Real servers overshoot it (long 250-AUTH lines, verbose policy texts), so we allow four
 * times as much, but no more. */
#define EP_SMTP_REPLY_LINE_MAX      (4 * EP_SMTP_REPLY_LINE_RFC_MAX)
/* RFC 5321 sets no limit on the number of lines of a multiline reply; an EHLO reply has a line per
 * extension (a dozen or two in practice). Anything beyond this is a server trying to exhaust us. */
#define EP_SMTP_REPLY_MAX_LINES     100
/* Bound on the whole reply, including CRLFs. */
#define EP_SMTP_REPLY_MAX_BYTES     (64 * 1024)

typedef struct {
  guint   code;        /* 200..559 */
  char   *enhanced;    /* nullable: "5.1.1" (RFC 3463), from the first line when its class matches */
  GStrv   lines;       /* text after "NNN " / "NNN-" on each line, control characters replaced */
} EpSmtpReply;

#define EP_TYPE_SMTP_REPLY (ep_smtp_reply_get_type ())

GType        ep_smtp_reply_get_type (void) G_GNUC_CONST;
EpSmtpReply *ep_smtp_reply_new      (guint              code,
                                     const char * const *lines);
EpSmtpReply *ep_smtp_reply_copy     (const EpSmtpReply *self);
void         ep_smtp_reply_free     (EpSmtpReply       *self);

/* 2 positive completion, 3 intermediate, 4 transient, 5 permanent. */
static inline guint ep_smtp_reply_class (const EpSmtpReply *self) { return self->code / 100; }

/* The text of all lines without the repeated enhanced code, joined by @separator. */
char        *ep_smtp_reply_dup_text (const EpSmtpReply *self,
                                     const char        *separator);
/* One line for messages and transcripts: "550 5.1.1 no such user". */
char        *ep_smtp_reply_to_string (const EpSmtpReply *self);

typedef enum {
  EP_SMTP_REPLY_PARSER_NEED_MORE,
  EP_SMTP_REPLY_PARSER_COMPLETE,
  EP_SMTP_REPLY_PARSER_ERROR,
} EpSmtpReplyParserStatus;

typedef struct _EpSmtpReplyParser EpSmtpReplyParser;

EpSmtpReplyParser      *ep_smtp_reply_parser_new   (void);
void                    ep_smtp_reply_parser_free  (EpSmtpReplyParser *self);
void                    ep_smtp_reply_parser_reset (EpSmtpReplyParser *self);
/* Consumes bytes up to the end of one complete reply (or all of @len when more is needed); bytes after
 * the reply are left for the caller (*consumed < len). A line ends at LF; a CR before it is dropped.
 * On ERROR, @error is EP_SMTP_ERROR_PROTOCOL and the parser must be reset before reuse. */
EpSmtpReplyParserStatus ep_smtp_reply_parser_feed  (EpSmtpReplyParser *self,
                                                    const char        *data,
                                                    gsize              len,
                                                    gsize             *consumed,
                                                    GError           **error);
/* After COMPLETE: the reply (transfer full); the parser is ready for the next one. */
EpSmtpReply            *ep_smtp_reply_parser_take_reply (EpSmtpReplyParser *self);
/* Convenience for tests and tools: parses exactly one reply from @text; trailing bytes are an error. */
EpSmtpReply            *ep_smtp_reply_parse        (const char        *text,
                                                    gssize             len,
                                                    GError           **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (EpSmtpReply, ep_smtp_reply_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (EpSmtpReplyParser, ep_smtp_reply_parser_free)

G_END_DECLS
