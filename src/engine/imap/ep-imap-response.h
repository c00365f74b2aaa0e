/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-imap-response.h: IMAP4rev1 server responses (RFC 3501 §7, §9), read by a strict, bounded,
 * incremental parser: the one piece of the client that hostile input reaches first. */
#pragma once

#include <glib-object.h>

#include "ep-imap-error.h"

G_BEGIN_DECLS

/* Every limit below is ours: RFC 3501 sets none, and a server that exceeds one gets a protocol
 * error rather than our memory.
 *
 * Octets in one line of a response, CRLF included. RFC 7162 §4 asks clients to accept lines of
 * at least 8192 octets; a CAPABILITY or LIST line is far shorter. */
#define EP_IMAP_LINE_MAX            (8 * 1024)
/* Octets in one literal ({N}, RFC 3501 §4.3) sent by the server. The client never fetches a
 * message: what may come as a literal is a mailbox name or a status text. */
#define EP_IMAP_LITERAL_MAX         (64 * 1024)
/* Literals in one response (a LIST response has at most one, the mailbox name). */
#define EP_IMAP_LITERALS_MAX        16
/* Octets of one whole response: its lines and literals together. */
#define EP_IMAP_RESPONSE_MAX        (256 * 1024)
/* Depth of nested parenthesised lists: LIST responses nest 2 (3 with LIST-EXTENDED's
 * CHILDINFO); anything much deeper is only there to exhaust the stack or the heap. */
#define EP_IMAP_NESTING_MAX         8
/* Items in one response, all lists together: a SEARCH result of a duplicate check holds one or
 * a few UIDs, a CAPABILITY response a few dozen atoms. */
#define EP_IMAP_ITEMS_MAX           4096
/* Octets of a tag (RFC 3501 §9 "tag"): ours are "A" and a number. */
#define EP_IMAP_TAG_MAX             32

typedef enum {
  EP_IMAP_ITEM_ATOM,      /* also numbers and flags such as \Sent */
  EP_IMAP_ITEM_STRING,    /* a quoted string (unescaped) or a literal */
  EP_IMAP_ITEM_NIL,
  EP_IMAP_ITEM_LIST,
} EpImapItemKind;

typedef struct _EpImapItem EpImapItem;
struct _EpImapItem {
  EpImapItemKind  kind;
  char           *text;      /* ATOM and STRING: NUL-terminated (neither may hold a NUL) */
  gsize           len;
  GPtrArray      *children;  /* LIST: EpImapItem, possibly empty */
};

typedef enum {
  EP_IMAP_RESPONSE_UNTAGGED,       /* "* ..." */
  EP_IMAP_RESPONSE_TAGGED,         /* "A1 OK ..." */
  EP_IMAP_RESPONSE_CONTINUATION,   /* "+ ..." */
} EpImapResponseKind;

typedef enum {
  EP_IMAP_STATUS_NONE,     /* untagged data (CAPABILITY, LIST, SEARCH, 3 EXISTS, ...) */
  EP_IMAP_STATUS_OK,
  EP_IMAP_STATUS_NO,
  EP_IMAP_STATUS_BAD,
  EP_IMAP_STATUS_BYE,      /* untagged only */
  EP_IMAP_STATUS_PREAUTH,  /* untagged only, in the greeting */
} EpImapStatus;

typedef struct {
  EpImapResponseKind  kind;
  char               *tag;        /* TAGGED only */
  EpImapStatus        status;
  char               *code;       /* response code atom in upper case ("APPENDUID"), or NULL */
  char               *code_args;  /* what follows it inside the brackets, or NULL */
  char               *text;       /* status responses and continuations: the text, as sent
                                     (printable; not necessarily UTF-8, see _dup_display_text) */
  GPtrArray          *items;      /* untagged data: the items after "* "; otherwise empty */
} EpImapResponse;

#define EP_TYPE_IMAP_RESPONSE (ep_imap_response_get_type ())

GType           ep_imap_response_get_type   (void) G_GNUC_CONST;
void            ep_imap_response_free       (EpImapResponse       *self);
/* One complete response (lines and literals as on the wire, the last CRLF included), nothing
 * after it. Error: EP_IMAP_ERROR_PROTOCOL, naming what was wrong. */
EpImapResponse *ep_imap_response_parse      (const char           *data,
                                             gsize                 len,
                                             GError              **error);
/* Untagged data: TRUE when the first item is the atom @name (case-insensitive). */
gboolean        ep_imap_response_is         (const EpImapResponse *self,
                                             const char           *name);
/* The text (with "[CODE args] " in front when there is a code), valid UTF-8, for messages. */
char           *ep_imap_response_dup_display_text (const EpImapResponse *self);

/* Item helpers; @index out of range gives NULL / FALSE. */
const EpImapItem *ep_imap_response_get_item (const EpImapResponse *self,
                                             guint                 index);
/* An atom or a string: its text; NIL and lists: NULL. */
const char     *ep_imap_item_get_text       (const EpImapItem     *item);
/* A number (RFC 3501 §9 "number", 0..4294967295) in an atom. */
gboolean        ep_imap_item_get_number     (const EpImapItem     *item,
                                             guint32              *out_number);

typedef enum {
  EP_IMAP_PARSER_NEED_MORE,
  EP_IMAP_PARSER_COMPLETE,
  EP_IMAP_PARSER_ERROR,
} EpImapParserStatus;

typedef struct _EpImapParser EpImapParser;

/* The framing: where a response ends, which literals it holds, every limit above. Feed it
 * whatever arrived; it consumes up to the end of one response (*consumed) and stops there, so
 * that the bytes after a response stay with the caller (STARTTLS: nothing may follow the OK). */
EpImapParser   *ep_imap_parser_new           (void);
void            ep_imap_parser_free          (EpImapParser        *self);
void            ep_imap_parser_reset         (EpImapParser        *self);
EpImapParserStatus ep_imap_parser_feed       (EpImapParser        *self,
                                              const char          *data,
                                              gsize                len,
                                              gsize               *consumed,
                                              GError             **error);
/* After COMPLETE: the response (transfer full); the parser is ready for the next one. */
EpImapResponse *ep_imap_parser_take_response (EpImapParser        *self);
/* After COMPLETE, before take_response: the raw lines of the response as on the wire, each
 * literal's octets left out (for the transcript, which must not hold them). */
char          **ep_imap_parser_dup_lines     (EpImapParser        *self);
/* While a response is incomplete: TRUE when its last line announced a synchronizing literal
 * we are inside of; used by the fuzz target. */
gboolean        ep_imap_parser_in_literal    (EpImapParser        *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (EpImapResponse, ep_imap_response_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (EpImapParser, ep_imap_parser_free)

G_END_DECLS
