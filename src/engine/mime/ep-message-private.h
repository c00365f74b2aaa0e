/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-message-private.h: the parts of EpMessage the writer fills in and reads (engine-internal). */
#pragma once

#include "ep-message.h"

G_BEGIN_DECLS

/* How an attachment's bytes go on the wire. */
typedef enum {
  EP_ATTACHMENT_BASE64,        /* any file */
  EP_ATTACHMENT_MESSAGE_7BIT,  /* a well-formed message/rfc822, line ends made CRLF */
  EP_ATTACHMENT_MESSAGE_8BIT,  /* the same with 8-bit octets (needs 8BITMIME) */
} EpAttachmentEncoding;

typedef struct {
  GFile   *file;
  char    *display_name;    /* basename, UTF-8, no control characters */
  char    *content_type;    /* given by the caller, or NULL to sniff */
  /* Fixed by ep_mime_writer_prepare(). */
  char    *effective_type;
  guint64  size;            /* of the file */
  EpAttachmentEncoding encoding;
  guint64  message_size;    /* a message's octets on the wire, its line ends made CRLF */
} EpAttachment;

struct _EpMessage {
  GObject     parent_instance;

  EpAddress  *from;
  GPtrArray  *to;            /* element-type EpAddress */
  GPtrArray  *cc;
  GPtrArray  *bcc;
  GPtrArray  *reply_to;      /* element-type EpAddress; empty: no Reply-To header */
  char       *subject;       /* nullable: no Subject header */
  char       *body;          /* UTF-8, LF line ends */
  GPtrArray  *attachments;   /* element-type EpAttachment */

  /* Kept across prepares, so a second prepare (the SMTP layer's) writes the same message. */
  GDateTime  *date;
  char       *message_id;
  char       *boundary;
  /* An attached message with 8-bit octets may go as 8bit (the server has 8BITMIME). */
  gboolean    no_8bit;
  /* Long lines of the text soft-wrapped as format=flowed. */
  gboolean    flowed;
  /* Disposition-Notification-To: the sender (RFC 8098). */
  gboolean    read_receipt;

  /* The plan of the writer: literal segments and attachment data, valid while prepared. */
  GPtrArray  *segments;
  guint64     size;
  gboolean    prepared;
};

void ep_message_invalidate (EpMessage *self);

G_END_DECLS
