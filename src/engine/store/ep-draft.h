/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-draft.h: an unsent message as typed, with references to its attachments. */
#pragma once

#include <glib-object.h>

#include "ep-smtp-session.h"

G_BEGIN_DECLS

/**
 * EpDraftAttachment:
 * @uri: where the file is (a file:// URI; images pasted or dropped as data are first saved to
 *   the app's cache and referenced from there)
 * @display_name: the name shown and sent
 * @content_type: (nullable): a MIME type, or %NULL to guess at send time
 * @size: the size when attached, 0 if unknown (the file may have changed since)
 */
typedef struct
{
  char    *uri;
  char    *display_name;
  char    *content_type;
  guint64  size;
} EpDraftAttachment;

/**
 * EpDraft:
 * @id: random and stable; names the file
 * @profile_id: (nullable): the profile chosen in the compose window
 * @language: (nullable): the spelling language chosen for this message (a dictionary tag such
 *   as "de_DE"), or %NULL for the locale's
 * @from, @to, @cc, @bcc, @subject, @body: the fields exactly as typed (never %NULL; may be
 *   incomplete or invalid, it is a draft)
 * @attachments: (element-type EpDraftAttachment)
 * @delivered: (array zero-terminated=1) (nullable): envelope addresses that already have this
 *   message (an earlier send reached only some recipients); sending again leaves them out
 * @request: the Delivery Options chosen (notifications, REQUIRETLS)
 * @read_receipt: whether a read receipt is asked for
 * @identity: (nullable): the address of the identity chosen in From (its Reply-To and Bcc to
 *   itself apply), or %NULL when From is the profile's default or typed
 * @signature_start, @signature_end: where the signature inserted for that identity is in
 *   @body (character offsets, the "-- " line to its end), so that it is neither inserted again
 *   nor lost when the draft is restored; -1 when there is none
 * @created, @modified: set by ep_draft_new() and by each save
 */
typedef struct
{
  char      *id;
  char      *profile_id;
  char      *language;
  char      *from;
  char      *to;
  char      *cc;
  char      *bcc;
  char      *subject;
  char      *body;
  GPtrArray *attachments;
  GStrv      delivered;
  EpSmtpDeliveryRequest request;
  gboolean   read_receipt;
  char      *identity;
  gint       signature_start;
  gint       signature_end;
  GDateTime *created;
  GDateTime *modified;
} EpDraft;

#define EP_TYPE_DRAFT (ep_draft_get_type ())
#define EP_TYPE_DRAFT_ATTACHMENT (ep_draft_attachment_get_type ())
GType              ep_draft_get_type            (void) G_GNUC_CONST;
GType              ep_draft_attachment_get_type (void) G_GNUC_CONST;

EpDraftAttachment *ep_draft_attachment_new      (const char              *uri,
                                                 const char              *display_name,
                                                 const char              *content_type,
                                                 guint64                  size);
EpDraftAttachment *ep_draft_attachment_copy     (const EpDraftAttachment *attachment);
void               ep_draft_attachment_free     (EpDraftAttachment       *attachment);

EpDraft           *ep_draft_new                 (void);
EpDraft           *ep_draft_new_with_id         (const char              *id);
EpDraft           *ep_draft_copy                (const EpDraft           *draft);
void               ep_draft_free                (EpDraft                 *draft);
gboolean           ep_draft_id_is_valid         (const char              *id);
void               ep_draft_add_attachment      (EpDraft                 *draft,
                                                 const char              *uri,
                                                 const char              *display_name,
                                                 const char              *content_type,
                                                 guint64                  size);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (EpDraft, ep_draft_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (EpDraftAttachment, ep_draft_attachment_free)

G_END_DECLS
