/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-message.h: the message being composed: sender, recipients, subject, text and attachments. */
#pragma once

#include <gio/gio.h>

#include "ep-address.h"

G_BEGIN_DECLS

#define EP_TYPE_MESSAGE (ep_message_get_type ())

G_DECLARE_FINAL_TYPE (EpMessage, ep_message, EP, MESSAGE, GObject)

EpMessage       *ep_message_new                     (void);

void             ep_message_set_from                (EpMessage        *self,
                                                     const EpAddress  *from);
const EpAddress *ep_message_get_from                (EpMessage        *self);
void             ep_message_add_to                  (EpMessage        *self,
                                                     const EpAddress  *addr);
void             ep_message_add_cc                  (EpMessage        *self,
                                                     const EpAddress  *addr);
void             ep_message_add_bcc                 (EpMessage        *self,
                                                     const EpAddress  *addr);
void             ep_message_add_reply_to            (EpMessage        *self,
                                                     const EpAddress  *addr);
GPtrArray       *ep_message_get_reply_to            (EpMessage        *self);
GPtrArray       *ep_message_get_to                  (EpMessage        *self);
GPtrArray       *ep_message_get_cc                  (EpMessage        *self);
GPtrArray       *ep_message_get_bcc                 (EpMessage        *self);
void             ep_message_clear_recipients        (EpMessage        *self);

gboolean         ep_message_set_subject             (EpMessage        *self,
                                                     const char       *subject,
                                                     GError          **error);
const char      *ep_message_get_subject             (EpMessage        *self);
gboolean         ep_message_set_body                (EpMessage        *self,
                                                     const char       *text,
                                                     gssize            len,
                                                     GError          **error);
const char      *ep_message_get_body                (EpMessage        *self);

void             ep_message_add_attachment          (EpMessage        *self,
                                                     GFile            *file,
                                                     const char       *display_name,
                                                     const char       *content_type);
guint            ep_message_get_n_attachments       (EpMessage        *self);
GFile           *ep_message_get_attachment_file     (EpMessage        *self,
                                                     guint             index);
const char      *ep_message_get_attachment_name     (EpMessage        *self,
                                                     guint             index);
void             ep_message_remove_attachment       (EpMessage        *self,
                                                     guint             index);

void             ep_message_set_date                (EpMessage        *self,
                                                     GDateTime        *date);
GDateTime       *ep_message_get_date                (EpMessage        *self);
const char      *ep_message_get_message_id          (EpMessage        *self);

/* Envelope: the sender is From's envelope form; recipients are To, Cc and Bcc in that order,
 * deduplicated (domains compared without case). A non-ASCII local part anywhere makes the
 * message need SMTPUTF8: such an address is then written in the header as UTF-8 (RFC 6532),
 * while every other header stays ASCII (RFC 2047 words, A-label domains). Bodies are always
 * 7bit, quoted-printable or base64, so 8BITMIME is never needed. */
const char      *ep_message_get_envelope_sender     (EpMessage        *self);
GStrv            ep_message_dup_envelope_recipients (EpMessage        *self);
gboolean         ep_message_needs_smtputf8          (EpMessage        *self);
gboolean         ep_message_needs_8bitmime          (EpMessage        *self);
void             ep_message_set_allow_8bit          (EpMessage        *self,
                                                     gboolean          allow);
void             ep_message_set_format_flowed       (EpMessage        *self,
                                                     gboolean          flowed);
void             ep_message_set_read_receipt        (EpMessage        *self,
                                                     gboolean          read_receipt);
gboolean         ep_message_get_read_receipt        (EpMessage        *self);

G_END_DECLS
