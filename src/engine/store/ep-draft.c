/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-draft.c: the draft record (a boxed struct the compose window fills in). */
#include "config.h"

#include <string.h>

#include "ep-draft.h"
#include "ep-store-util.h"

/* Draft ids become file names: keep them short and free of path syntax. */

G_DEFINE_BOXED_TYPE (EpDraftAttachment, ep_draft_attachment,
                     ep_draft_attachment_copy, ep_draft_attachment_free)
G_DEFINE_BOXED_TYPE (EpDraft, ep_draft, ep_draft_copy, ep_draft_free)

EpDraftAttachment *
ep_draft_attachment_new (const char *uri,
                         const char *display_name,
                         const char *content_type,
                         guint64     size)
{
  EpDraftAttachment *attachment;

  g_return_val_if_fail (uri != NULL, NULL);

  attachment = g_new0 (EpDraftAttachment, 1);
  attachment->uri = g_strdup (uri);
  attachment->display_name = g_strdup (display_name != NULL ? display_name : "");
  attachment->content_type = g_strdup (content_type);
  attachment->size = size;
  return attachment;
}

EpDraftAttachment *
ep_draft_attachment_copy (const EpDraftAttachment *attachment)
{
  g_return_val_if_fail (attachment != NULL, NULL);

  return ep_draft_attachment_new (attachment->uri, attachment->display_name,
                                  attachment->content_type, attachment->size);
}

void
ep_draft_attachment_free (EpDraftAttachment *attachment)
{
  if (attachment == NULL)
    return;
  g_free (attachment->uri);
  g_free (attachment->display_name);
  g_free (attachment->content_type);
  g_free (attachment);
}

/* Letters, digits, '-' and '_' only: an id from a file name can never climb out of the
 * drafts folder. */
gboolean
ep_draft_id_is_valid (const char *id)
{
  return ep_store_id_is_valid (id);
}

EpDraft *
ep_draft_new_with_id (const char *id)
{
  EpDraft *draft;

  g_return_val_if_fail (ep_draft_id_is_valid (id), NULL);

  draft = g_new0 (EpDraft, 1);
  draft->id = g_strdup (id);
  draft->from = g_strdup ("");
  draft->to = g_strdup ("");
  draft->cc = g_strdup ("");
  draft->bcc = g_strdup ("");
  draft->subject = g_strdup ("");
  draft->body = g_strdup ("");
  draft->signature_start = -1;
  draft->signature_end = -1;
  draft->attachments = g_ptr_array_new_with_free_func ((GDestroyNotify) ep_draft_attachment_free);
  draft->created = g_date_time_new_now_utc ();
  draft->modified = g_date_time_ref (draft->created);
  return draft;
}

/* Returns: an empty draft with a fresh random id, created now */
EpDraft *
ep_draft_new (void)
{
  g_autofree char *id = g_uuid_string_random ();

  return ep_draft_new_with_id (id);
}

static void
replace (char       **field,
         const char  *value)
{
  g_free (*field);
  *field = g_strdup (value != NULL ? value : "");
}

EpDraft *
ep_draft_copy (const EpDraft *draft)
{
  EpDraft *copy;

  g_return_val_if_fail (draft != NULL, NULL);

  copy = ep_draft_new_with_id (draft->id);
  copy->profile_id = g_strdup (draft->profile_id);
  copy->language = g_strdup (draft->language);
  copy->identity = g_strdup (draft->identity);
  copy->signature_start = draft->signature_start;
  copy->signature_end = draft->signature_end;
  replace (&copy->from, draft->from);
  replace (&copy->to, draft->to);
  replace (&copy->cc, draft->cc);
  replace (&copy->bcc, draft->bcc);
  replace (&copy->subject, draft->subject);
  replace (&copy->body, draft->body);
  for (guint i = 0; draft->attachments != NULL && i < draft->attachments->len; i++)
    g_ptr_array_add (copy->attachments, ep_draft_attachment_copy (draft->attachments->pdata[i]));
  copy->delivered = g_strdupv (draft->delivered);
  copy->request = draft->request;
  copy->read_receipt = draft->read_receipt;
  if (draft->created != NULL)
    {
      g_date_time_unref (copy->created);
      copy->created = g_date_time_ref (draft->created);
    }
  if (draft->modified != NULL)
    {
      g_date_time_unref (copy->modified);
      copy->modified = g_date_time_ref (draft->modified);
    }
  return copy;
}

void
ep_draft_free (EpDraft *draft)
{
  if (draft == NULL)
    return;
  g_free (draft->id);
  g_free (draft->profile_id);
  g_free (draft->language);
  g_free (draft->identity);
  g_free (draft->from);
  g_free (draft->to);
  g_free (draft->cc);
  g_free (draft->bcc);
  g_free (draft->subject);
  g_free (draft->body);
  g_clear_pointer (&draft->attachments, g_ptr_array_unref);
  g_strfreev (draft->delivered);
  g_clear_pointer (&draft->created, g_date_time_unref);
  g_clear_pointer (&draft->modified, g_date_time_unref);
  g_free (draft);
}

void
ep_draft_add_attachment (EpDraft    *draft,
                         const char *uri,
                         const char *display_name,
                         const char *content_type,
                         guint64     size)
{
  g_return_if_fail (draft != NULL);
  g_return_if_fail (uri != NULL);

  g_ptr_array_add (draft->attachments,
                   ep_draft_attachment_new (uri, display_name, content_type, size));
}
