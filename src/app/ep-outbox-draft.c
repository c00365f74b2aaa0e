/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-outbox-draft.c: Edit on an outbox entry. The stored bytes are all there is of the message
 * (the files it was made from may have changed or gone), so the draft is read back from them:
 * the headers for From, To, Cc and Subject, the envelope for Bcc (the recipients the headers do
 * not name), the text part for the body, and every other part decoded to a file of its own in
 * the image cache, whose files live exactly as long as a message or a draft refers to them. */
#include "config.h"

#include <string.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "ep-address.h"
#include "ep-image-cache.h"
#include "ep-mime-parser.h"
#include "ep-outbox-draft.h"
#include "ep-store-error.h"
#include "ep-text.h"

/* Headers of any sane message fit in this; the rest is not needed for the subject. */
#define EP_OUTBOX_DRAFT_HEAD_SIZE (64 * 1024)

/* The header's addresses as the envelope spells them, to tell the Bcc recipients apart. */
static void
add_envelope_addresses (GHashTable *set,
                        const char *header_text)
{
  g_autoptr(GPtrArray) list = NULL;

  if (header_text == NULL)
    return;
  list = ep_address_list_parse (header_text, "", NULL);
  for (guint i = 0; list != NULL && i < list->len; i++)
    g_hash_table_add (set, g_ascii_strdown (ep_address_get_envelope (list->pdata[i]), -1));
}

/* A name for the file on disk: the part's own when it is a plain one, else a neutral one (the
 * name the recipient sees is kept in the draft apart from it). */
static char *
dup_file_name (const char *display_name)
{
  if (display_name == NULL || *display_name == '\0' || g_str_equal (display_name, ".") ||
      g_str_equal (display_name, "..") || strchr (display_name, G_DIR_SEPARATOR) != NULL ||
      !ep_text_is_single_line (display_name))
    return g_strdup ("attachment");
  return g_strdup (display_name);
}

static gboolean
write_attachment (EpDraft     *draft,
                  EpMimePart  *part,
                  GError     **error)
{
  g_autofree char *name = ep_mime_part_dup_filename (part);
  g_autofree char *file_name = NULL;
  g_autofree char *path = NULL;
  g_autofree char *uri = NULL;
  g_autoptr(GBytes) data = ep_mime_part_decode (part, error);

  if (data == NULL)
    return FALSE;
  if (name == NULL || *name == '\0')
    {
      g_free (name);
      name = g_strdup (_("Unnamed attachment"));
    }
  file_name = dup_file_name (name);
  path = ep_image_cache_new_path (file_name, error);
  if (path == NULL)
    return FALSE;
  if (!g_file_set_contents_full (path, g_bytes_get_data (data, NULL), g_bytes_get_size (data),
                                 G_FILE_SET_CONTENTS_CONSISTENT, 0600, error))
    return FALSE;
  uri = g_filename_to_uri (path, NULL, error);
  if (uri == NULL)
    return FALSE;
  ep_draft_add_attachment (draft, uri, name, ep_mime_part_get_content_type (part),
                           g_bytes_get_size (data));
  return TRUE;
}

/**
 * ep_outbox_draft_from_entry:
 *
 * Reads @entry's stored message back into a new draft (not saved): the fields, the body, the
 * profile, and the recipients who already have it (a partial delivery) as the draft's
 * delivered list. Attachments are written to files that the draft owns (released with
 * ep_outbox_draft_release() when the draft is not kept).
 *
 * Returns: (transfer full): the draft, or %NULL with @error
 */
EpDraft *
ep_outbox_draft_from_entry (EpOutboxStore        *store,
                            const EpOutboxEntry  *entry,
                            GError              **error)
{
  g_autofree char *path = NULL;
  g_autoptr(GMappedFile) mapped = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(EpMimePart) message = NULL;
  g_autoptr(EpDraft) draft = NULL;
  g_autoptr(GHashTable) named = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GPtrArray) leaves = NULL;
  g_autoptr(GStrvBuilder) bcc = g_strv_builder_new ();
  g_autoptr(GStrvBuilder) delivered = g_strv_builder_new ();
  g_auto(GStrv) bcc_list = NULL;
  gboolean have_body = FALSE;

  g_return_val_if_fail (EP_IS_OUTBOX_STORE (store), NULL);
  g_return_val_if_fail (entry != NULL, NULL);

  path = ep_outbox_store_dup_message_path (store, entry->id);
  mapped = g_mapped_file_new (path, FALSE, error);
  if (mapped == NULL)
    return NULL;
  bytes = g_mapped_file_get_bytes (mapped);
  message = ep_mime_parse (bytes, error);
  if (message == NULL)
    return NULL;

  draft = ep_draft_new ();
  g_free (draft->profile_id);
  draft->profile_id = g_strdup (entry->profile_id);
#define TAKE_HEADER(field, name)                                                   \
  G_STMT_START {                                                                   \
    char *text = ep_mime_part_dup_header_text (message, name);                     \
    if (text != NULL)                                                              \
      {                                                                            \
        g_free (draft->field);                                                     \
        draft->field = text;                                                       \
      }                                                                            \
  } G_STMT_END
  TAKE_HEADER (from, "From");
  TAKE_HEADER (to, "To");
  TAKE_HEADER (cc, "Cc");
  TAKE_HEADER (subject, "Subject");
#undef TAKE_HEADER
  /* The writer's word for a message with Bcc recipients only: not an address to send to. */
  if (g_str_equal (draft->to, "undisclosed-recipients:;"))
    {
      g_free (draft->to);
      draft->to = g_strdup ("");
    }

  add_envelope_addresses (named, draft->to);
  add_envelope_addresses (named, draft->cc);
  for (guint i = 0; i < entry->recipients->len; i++)
    {
      EpOutboxRecipient *r = entry->recipients->pdata[i];
      g_autofree char *lower = g_ascii_strdown (r->address, -1);

      if (!g_hash_table_contains (named, lower))
        g_strv_builder_add (bcc, r->address);
      if (r->state == EP_SMTP_RECIPIENT_DELIVERED || r->state == EP_SMTP_RECIPIENT_UNKNOWN)
        g_strv_builder_add (delivered, r->address);
    }
  bcc_list = g_strv_builder_end (bcc);
  g_free (draft->bcc);
  draft->bcc = g_strjoinv (", ", bcc_list);
  draft->delivered = g_strv_builder_end (delivered);
  if (draft->delivered[0] == NULL)
    g_clear_pointer (&draft->delivered, g_strfreev);

  leaves = ep_mime_part_collect_leaves (message);
  for (guint i = 0; i < leaves->len; i++)
    {
      EpMimePart *part = leaves->pdata[i];

      if (!have_body && !ep_mime_part_is_attachment (part) &&
          g_str_has_prefix (ep_mime_part_get_content_type (part), "text/"))
        {
          char *text = ep_mime_part_dup_text (part, error);
          gsize len;

          if (text == NULL)
            {
              ep_outbox_draft_release (draft);
              return NULL;
            }
          /* The writer ends the text with a line break when it has none: that one is its own,
           * unless the entry says the text as typed ended with one. */
          len = strlen (text);
          if (!entry->body_final_newline && len > 0 && text[len - 1] == '\n')
            text[len - 1] = '\0';
          g_free (draft->body);
          draft->body = text;
          have_body = TRUE;
          continue;
        }
      if (!write_attachment (draft, part, error))
        {
          ep_outbox_draft_release (draft);
          return NULL;
        }
    }
  return g_steal_pointer (&draft);
}

/**
 * ep_outbox_draft_release:
 *
 * Removes the files ep_outbox_draft_from_entry() wrote for @draft's attachments (a draft that is
 * not kept after all).
 */
void
ep_outbox_draft_release (EpDraft *draft)
{
  g_autoptr(GHashTable) none = g_hash_table_new (g_str_hash, g_str_equal);

  g_return_if_fail (draft != NULL);

  for (guint i = 0; i < draft->attachments->len; i++)
    {
      EpDraftAttachment *a = draft->attachments->pdata[i];
      g_autoptr(GFile) file = g_file_new_for_uri (a->uri);

      ep_image_cache_remove (file, none);
    }
}

/**
 * ep_outbox_draft_take:
 *
 * Edit: entry @id becomes a saved draft in @drafts and leaves the outbox. Either both happen or
 * neither does: an entry that is being sent (%EP_STORE_ERROR_BUSY, or
 * %EP_STORE_ERROR_WRONG_STATE) stays, and the draft and its files go again.
 *
 * Returns: (transfer full): the draft's id, or %NULL with @error
 */
char *
ep_outbox_draft_take (EpOutboxStore  *store,
                      EpDraftStore   *drafts,
                      const char     *id,
                      GError        **error)
{
  g_autoptr(EpOutboxEntry) entry = NULL;
  g_autoptr(EpDraft) draft = NULL;
  g_autoptr(GError) delete_error = NULL;

  g_return_val_if_fail (EP_IS_OUTBOX_STORE (store), NULL);
  g_return_val_if_fail (EP_IS_DRAFT_STORE (drafts), NULL);
  g_return_val_if_fail (id != NULL, NULL);

  entry = ep_outbox_store_load (store, id, error);
  if (entry == NULL)
    return NULL;
  if (entry->state == EP_OUTBOX_STATE_SENDING)
    {
      g_set_error_literal (error, EP_STORE_ERROR, EP_STORE_ERROR_BUSY,
                           _("The message is being sent right now"));
      return NULL;
    }
  draft = ep_outbox_draft_from_entry (store, entry, error);
  if (draft == NULL)
    return NULL;
  if (!ep_draft_store_save (drafts, draft, error))
    {
      ep_outbox_draft_release (draft);
      return NULL;
    }
  if (!ep_outbox_store_delete (store, id, &delete_error))
    {
      ep_draft_store_delete (drafts, draft->id, NULL);
      ep_outbox_draft_release (draft);
      g_propagate_error (error, g_steal_pointer (&delete_error));
      return NULL;
    }
  return g_strdup (draft->id);
}

char *
ep_outbox_draft_dup_subject (EpOutboxStore *store,
                             const char    *id)
{
  g_autoptr(GInputStream) in = NULL;
  g_autofree guint8 *buffer = NULL;
  g_autoptr(GBytes) head = NULL;
  g_autoptr(EpMimePart) part = NULL;
  gsize n = 0;

  g_return_val_if_fail (EP_IS_OUTBOX_STORE (store), NULL);
  g_return_val_if_fail (id != NULL, NULL);

  in = ep_outbox_store_open_message (store, id, NULL, NULL);
  buffer = g_malloc (EP_OUTBOX_DRAFT_HEAD_SIZE);
  if (in == NULL ||
      !g_input_stream_read_all (in, buffer, EP_OUTBOX_DRAFT_HEAD_SIZE, &n, NULL, NULL) || n == 0)
    return NULL;
  head = g_bytes_new (buffer, n);
  part = ep_mime_parse (head, NULL);
  return part ? ep_mime_part_dup_header_text (part, "Subject") : NULL;
}
