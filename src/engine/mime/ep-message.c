/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-message.c: the composed message as a model; ep-mime-writer.c turns it into bytes. */
#include "config.h"

#include <string.h>
#include <glib/gi18n-lib.h>

#include "ep-message-private.h"
#include "ep-mime-error.h"
#include "ep-rfc2047.h"
#include "ep-text.h"

G_DEFINE_FINAL_TYPE (EpMessage, ep_message, G_TYPE_OBJECT)

static void
ep_attachment_free (EpAttachment *att)
{
  g_clear_object (&att->file);
  g_free (att->display_name);
  g_free (att->content_type);
  g_free (att->effective_type);
  g_free (att);
}

static void
ep_message_finalize (GObject *object)
{
  EpMessage *self = EP_MESSAGE (object);

  ep_message_invalidate (self);
  g_clear_pointer (&self->from, ep_address_free);
  g_clear_pointer (&self->to, g_ptr_array_unref);
  g_clear_pointer (&self->cc, g_ptr_array_unref);
  g_clear_pointer (&self->bcc, g_ptr_array_unref);
  g_clear_pointer (&self->reply_to, g_ptr_array_unref);
  g_clear_pointer (&self->subject, g_free);
  g_clear_pointer (&self->body, g_free);
  g_clear_pointer (&self->attachments, g_ptr_array_unref);
  g_clear_pointer (&self->date, g_date_time_unref);
  g_clear_pointer (&self->message_id, g_free);
  g_clear_pointer (&self->boundary, g_free);

  G_OBJECT_CLASS (ep_message_parent_class)->finalize (object);
}

static void
ep_message_class_init (EpMessageClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = ep_message_finalize;
}

static void
ep_message_init (EpMessage *self)
{
  self->to = g_ptr_array_new_with_free_func ((GDestroyNotify) ep_address_free);
  self->cc = g_ptr_array_new_with_free_func ((GDestroyNotify) ep_address_free);
  self->bcc = g_ptr_array_new_with_free_func ((GDestroyNotify) ep_address_free);
  self->reply_to = g_ptr_array_new_with_free_func ((GDestroyNotify) ep_address_free);
  self->attachments = g_ptr_array_new_with_free_func ((GDestroyNotify) ep_attachment_free);
  self->body = g_strdup ("");
}

/* The plan points into the model; any change makes it stale. */
void
ep_message_invalidate (EpMessage *self)
{
  self->prepared = FALSE;
  g_clear_pointer (&self->segments, g_ptr_array_unref);
  self->size = 0;
}

EpMessage *
ep_message_new (void)
{
  return g_object_new (EP_TYPE_MESSAGE, NULL);
}

void
ep_message_set_from (EpMessage       *self,
                     const EpAddress *from)
{
  g_return_if_fail (EP_IS_MESSAGE (self));

  g_clear_pointer (&self->from, ep_address_free);
  if (from != NULL)
    self->from = ep_address_copy (from);
  ep_message_invalidate (self);
}

const EpAddress *
ep_message_get_from (EpMessage *self)
{
  g_return_val_if_fail (EP_IS_MESSAGE (self), NULL);
  return self->from;
}

void
ep_message_add_to (EpMessage       *self,
                   const EpAddress *addr)
{
  g_return_if_fail (EP_IS_MESSAGE (self));
  g_return_if_fail (addr != NULL);

  g_ptr_array_add (self->to, ep_address_copy (addr));
  ep_message_invalidate (self);
}

void
ep_message_add_cc (EpMessage       *self,
                   const EpAddress *addr)
{
  g_return_if_fail (EP_IS_MESSAGE (self));
  g_return_if_fail (addr != NULL);

  g_ptr_array_add (self->cc, ep_address_copy (addr));
  ep_message_invalidate (self);
}

void
ep_message_add_bcc (EpMessage       *self,
                    const EpAddress *addr)
{
  g_return_if_fail (EP_IS_MESSAGE (self));
  g_return_if_fail (addr != NULL);

  g_ptr_array_add (self->bcc, ep_address_copy (addr));
  ep_message_invalidate (self);
}

/* Reply-To (RFC 5322 §3.6.2): where replies should go; never an envelope recipient. */
void
ep_message_add_reply_to (EpMessage       *self,
                         const EpAddress *addr)
{
  g_return_if_fail (EP_IS_MESSAGE (self));
  g_return_if_fail (addr != NULL);

  g_ptr_array_add (self->reply_to, ep_address_copy (addr));
  ep_message_invalidate (self);
}

GPtrArray *
ep_message_get_reply_to (EpMessage *self)
{
  g_return_val_if_fail (EP_IS_MESSAGE (self), NULL);
  return self->reply_to;
}

GPtrArray *
ep_message_get_to (EpMessage *self)
{
  g_return_val_if_fail (EP_IS_MESSAGE (self), NULL);
  return self->to;
}

GPtrArray *
ep_message_get_cc (EpMessage *self)
{
  g_return_val_if_fail (EP_IS_MESSAGE (self), NULL);
  return self->cc;
}

GPtrArray *
ep_message_get_bcc (EpMessage *self)
{
  g_return_val_if_fail (EP_IS_MESSAGE (self), NULL);
  return self->bcc;
}

void
ep_message_clear_recipients (EpMessage *self)
{
  g_return_if_fail (EP_IS_MESSAGE (self));

  g_ptr_array_set_size (self->to, 0);
  g_ptr_array_set_size (self->cc, 0);
  g_ptr_array_set_size (self->bcc, 0);
  ep_message_invalidate (self);
}

/* NULL removes the Subject header; "" writes an empty one. */
gboolean
ep_message_set_subject (EpMessage   *self,
                        const char  *subject,
                        GError     **error)
{
  g_return_val_if_fail (EP_IS_MESSAGE (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  /* Translators: the name of the Subject field, in error messages about it. */
  if (subject != NULL && !ep_header_text_check (subject, _("Subject"), error))
    return FALSE;

  g_free (self->subject);
  self->subject = g_strdup (subject);
  ep_message_invalidate (self);
  return TRUE;
}

const char *
ep_message_get_subject (EpMessage *self)
{
  g_return_val_if_fail (EP_IS_MESSAGE (self), NULL);
  return self->subject;
}

/* CRLF and lone CR become LF; the writer turns every LF into CRLF. */
static char *
normalise_newlines (const char *text,
                    gsize       len)
{
  char *out = g_malloc (len + 1);
  gsize n = 0;

  for (gsize i = 0; i < len; i++)
    {
      if (text[i] == '\r')
        {
          out[n++] = '\n';
          if (i + 1 < len && text[i + 1] == '\n')
            i++;
        }
      else
        out[n++] = text[i];
    }
  out[n] = '\0';
  return out;
}

/* The text must be UTF-8 (an embedded NUL counts as invalid): the body is never transcoded
 * by guesswork. */
gboolean
ep_message_set_body (EpMessage   *self,
                     const char  *text,
                     gssize       len,
                     GError     **error)
{
  const char *end;

  g_return_val_if_fail (EP_IS_MESSAGE (self), FALSE);
  g_return_val_if_fail (text != NULL || len == 0, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (text == NULL)
    text = "";
  if (len < 0)
    len = strlen (text);
  if (!g_utf8_validate_len (text, len, &end))
    {
      g_set_error (error, EP_MIME_ERROR, EP_MIME_ERROR_INVALID_UTF8,
                   _("The message text is not valid UTF-8 (at byte %zu)"),
                   (gsize) (end - text));
      return FALSE;
    }

  g_free (self->body);
  self->body = normalise_newlines (text, len);
  ep_message_invalidate (self);
  return TRUE;
}

const char *
ep_message_get_body (EpMessage *self)
{
  g_return_val_if_fail (EP_IS_MESSAGE (self), NULL);
  return self->body;
}

/* A name fit for a header parameter: the last path component, UTF-8, no control characters
 * (a line break in a file name is legal on disk and would otherwise reach the header). */
static char *
sanitise_display_name (GFile      *file,
                       const char *display_name)
{
  g_autofree char *name = NULL;
  const char *slash;
  GString *clean;

  if (display_name != NULL && g_utf8_validate (display_name, -1, NULL))
    name = g_strdup (display_name);
  else
    {
      g_autofree char *base = g_file_get_basename (file);

      if (base != NULL && g_utf8_validate (base, -1, NULL))
        name = g_steal_pointer (&base);
      else if (g_file_peek_path (file) != NULL)
        name = g_filename_display_basename (g_file_peek_path (file));
      else
        name = g_strdup ("");
    }

  slash = strrchr (name, '/');
  if (slash != NULL)
    slash++;
  else
    slash = name;

  clean = g_string_new (NULL);
  for (const char *p = slash; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (ep_text_unichar_is_control (c))
        g_string_append_c (clean, '_');
      else
        g_string_append_unichar (clean, c);
    }
  if (clean->len == 0)
    g_string_append (clean, "attachment");
  return g_string_free (clean, FALSE);
}

void
ep_message_add_attachment (EpMessage  *self,
                           GFile      *file,
                           const char *display_name,
                           const char *content_type)
{
  EpAttachment *att;

  g_return_if_fail (EP_IS_MESSAGE (self));
  g_return_if_fail (G_IS_FILE (file));

  att = g_new0 (EpAttachment, 1);
  att->file = g_object_ref (file);
  att->display_name = sanitise_display_name (file, display_name);
  att->content_type = g_strdup (content_type);
  g_ptr_array_add (self->attachments, att);
  ep_message_invalidate (self);
}

guint
ep_message_get_n_attachments (EpMessage *self)
{
  g_return_val_if_fail (EP_IS_MESSAGE (self), 0);
  return self->attachments->len;
}

GFile *
ep_message_get_attachment_file (EpMessage *self,
                                guint      index)
{
  g_return_val_if_fail (EP_IS_MESSAGE (self), NULL);
  g_return_val_if_fail (index < self->attachments->len, NULL);
  return ((EpAttachment *) g_ptr_array_index (self->attachments, index))->file;
}

const char *
ep_message_get_attachment_name (EpMessage *self,
                                guint      index)
{
  g_return_val_if_fail (EP_IS_MESSAGE (self), NULL);
  g_return_val_if_fail (index < self->attachments->len, NULL);
  return ((EpAttachment *) g_ptr_array_index (self->attachments, index))->display_name;
}

void
ep_message_remove_attachment (EpMessage *self,
                              guint      index)
{
  g_return_if_fail (EP_IS_MESSAGE (self));
  g_return_if_fail (index < self->attachments->len);

  g_ptr_array_remove_index (self->attachments, index);
  ep_message_invalidate (self);
}

/* NULL lets ep_mime_writer_prepare() take the current time. */
void
ep_message_set_date (EpMessage *self,
                     GDateTime *date)
{
  g_return_if_fail (EP_IS_MESSAGE (self));

  g_clear_pointer (&self->date, g_date_time_unref);
  if (date != NULL)
    self->date = g_date_time_ref (date);
  ep_message_invalidate (self);
}

GDateTime *
ep_message_get_date (EpMessage *self)
{
  g_return_val_if_fail (EP_IS_MESSAGE (self), NULL);
  return self->date;
}

/* With its angle brackets; NULL before the first prepare. */
const char *
ep_message_get_message_id (EpMessage *self)
{
  g_return_val_if_fail (EP_IS_MESSAGE (self), NULL);
  return self->message_id;
}

const char *
ep_message_get_envelope_sender (EpMessage *self)
{
  g_return_val_if_fail (EP_IS_MESSAGE (self), NULL);
  return self->from != NULL ? ep_address_get_envelope (self->from) : NULL;
}

/* Local parts compare exactly (RFC 5321 §2.4: they may be case-sensitive), domains without case. */
static char *
envelope_key (const EpAddress *addr)
{
  const char *envelope = ep_address_get_envelope (addr);
  const char *at = strrchr (envelope, '@');
  g_autofree char *domain = g_ascii_strdown (at, -1);

  return g_strdup_printf ("%.*s%s", (int) (at - envelope), envelope, domain);
}

GStrv
ep_message_dup_envelope_recipients (EpMessage *self)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  GPtrArray *lists[3];

  g_return_val_if_fail (EP_IS_MESSAGE (self), NULL);

  lists[0] = self->to;
  lists[1] = self->cc;
  lists[2] = self->bcc;
  for (guint l = 0; l < G_N_ELEMENTS (lists); l++)
    for (guint i = 0; i < lists[l]->len; i++)
      {
        const EpAddress *addr = g_ptr_array_index (lists[l], i);
        char *key = envelope_key (addr);

        if (g_hash_table_add (seen, key))
          g_strv_builder_add (builder, ep_address_get_envelope (addr));
      }

  return g_strv_builder_end (builder);
}

gboolean
ep_message_needs_smtputf8 (EpMessage *self)
{
  GPtrArray *lists[4];

  g_return_val_if_fail (EP_IS_MESSAGE (self), FALSE);

  if (self->from != NULL && ep_address_needs_smtputf8 (self->from))
    return TRUE;
  lists[0] = self->to;
  lists[1] = self->cc;
  lists[2] = self->bcc;
  lists[3] = self->reply_to;
  for (guint l = 0; l < G_N_ELEMENTS (lists); l++)
    for (guint i = 0; i < lists[l]->len; i++)
      if (ep_address_needs_smtputf8 (g_ptr_array_index (lists[l], i)))
        return TRUE;
  return FALSE;
}

/* Bodies are quoted-printable or 7bit and files base64, so only an attached message with 8-bit
 * octets, sent as it is (RFC 2046 §5.2.1 allows no other encoding for message/rfc822), needs
 * 8BITMIME (headers with UTF-8 addresses are SMTPUTF8's business, see
 * ep_message_needs_smtputf8()). Valid after ep_mime_writer_prepare(). */
gboolean
ep_message_needs_8bitmime (EpMessage *self)
{
  g_return_val_if_fail (EP_IS_MESSAGE (self), FALSE);

  for (guint i = 0; i < self->attachments->len; i++)
    {
      EpAttachment *att = g_ptr_array_index (self->attachments, i);

      if (att->encoding == EP_ATTACHMENT_MESSAGE_8BIT)
        return TRUE;
    }
  return FALSE;
}

/**
 * ep_message_set_allow_8bit:
 *
 * Whether an attached message with 8-bit octets may go as 8bit (the default, for a server with
 * 8BITMIME and for --print). Without, such a message is attached as application/octet-stream in
 * base64. Takes effect at the next ep_mime_writer_prepare().
 */
void
ep_message_set_allow_8bit (EpMessage *self,
                           gboolean   allow)
{
  g_return_if_fail (EP_IS_MESSAGE (self));

  if (self->no_8bit == !allow)
    return;
  self->no_8bit = !allow;
  ep_message_invalidate (self);
}

/**
 * ep_message_set_format_flowed:
 *
 * Whether a text with lines longer than EP_FLOWED_MAX_LINE characters goes as format=flowed
 * (RFC 3676: soft-wrapped, readers that know it join the lines again) rather than with its long
 * lines as they are (quoted-printable then keeps them within SMTP's limits). Off by default.
 */
void
ep_message_set_format_flowed (EpMessage *self,
                              gboolean   flowed)
{
  g_return_if_fail (EP_IS_MESSAGE (self));

  if (self->flowed == !!flowed)
    return;
  self->flowed = !!flowed;
  ep_message_invalidate (self);
}

/**
 * ep_message_set_read_receipt:
 *
 * Whether the message asks its readers' programs for a read receipt (RFC 8098 §2.1:
 * Disposition-Notification-To naming the sender). Off by default: a reader may decline, and many
 * find the question intrusive.
 */
void
ep_message_set_read_receipt (EpMessage *self,
                             gboolean   read_receipt)
{
  g_return_if_fail (EP_IS_MESSAGE (self));

  if (self->read_receipt == !!read_receipt)
    return;
  self->read_receipt = !!read_receipt;
  ep_message_invalidate (self);
}

gboolean
ep_message_get_read_receipt (EpMessage *self)
{
  g_return_val_if_fail (EP_IS_MESSAGE (self), FALSE);
  return self->read_receipt;
}
