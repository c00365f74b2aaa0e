/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-mailto.c: a strict mailto: parser. A web page controls these bytes: decode carefully, take only
 * the fields a composer needs, and never let a header value carry a line break. */
#include "config.h"

#include <string.h>
#include <glib/gi18n-lib.h>

#include "ep-mailto.h"
#include "ep-text.h"

/* Far above any real link; bounds the work a hostile URI can cause. */
#define EP_MAILTO_MAX_LENGTH (256 * 1024)
#define EP_MAILTO_MAX_FIELDS 256

/* A repeated field: the last one wins. */
static void
replace_string (char **slot,
                char **value)
{
  g_free (*slot);
  *slot = g_steal_pointer (value);
}

static void
ep_mailto_add_addresses (GPtrArray  *list,
                         const char *value)
{
  g_auto(GStrv) parts = g_strsplit (value, ",", -1);

  for (guint i = 0; parts[i] != NULL; i++)
    {
      g_autofree char *trimmed = g_strstrip (g_strdup (parts[i]));

      if (*trimmed != '\0')
        g_ptr_array_add (list, g_steal_pointer (&trimmed));
    }
}

/* Percent-decodes @text; the result must be UTF-8 and, unless @multiline, free of control characters. */
static char *
ep_mailto_decode (const char  *text,
                  gsize        len,
                  const char  *field,
                  gboolean     multiline,
                  GError     **error)
{
  g_autofree char *raw = g_strndup (text, len);
  g_autofree char *decoded = NULL;

  /* Returns NULL for bad escapes and for an escaped NUL, which would truncate the value. */
  decoded = g_uri_unescape_string (raw, NULL);
  if (decoded == NULL)
    {
      g_set_error (error, G_URI_ERROR, G_URI_ERROR_FAILED,
                   _("The link’s %s is not correctly encoded"), field);
      return NULL;
    }
  if (!g_utf8_validate (decoded, -1, NULL))
    {
      g_set_error (error, G_URI_ERROR, G_URI_ERROR_FAILED,
                   _("The link’s %s is not valid UTF-8"), field);
      return NULL;
    }
  /* Text people read: C1 controls (U+0080–U+009F) count as well as C0 and DEL, as for every
   * header value of a message; a body may have tabs and line breaks. */
  if (ep_text_find_control (decoded, multiline ? EP_TEXT_ALLOW_TAB | EP_TEXT_ALLOW_LINE_BREAKS
                                               : EP_TEXT_ALLOW_NONE) != NULL)
    {
      g_set_error (error, G_URI_ERROR, G_URI_ERROR_FAILED,
                   _("The link’s %s contains a control character"), field);
      return NULL;
    }
  return g_steal_pointer (&decoded);
}

static gboolean
ep_mailto_add_attachment (EpMailto    *self,
                          const char  *value,
                          GError     **error)
{
  g_autoptr(GFile) file = NULL;

  if (g_str_has_prefix (value, "/"))
    file = g_file_new_for_path (value);
  else if (g_ascii_strncasecmp (value, "file:", 5) == 0)
    file = g_file_new_for_uri (value);
  else
    {
      g_set_error (error, G_URI_ERROR, G_URI_ERROR_BAD_PATH,
                   _("The link asks to attach “%s”, which is not a local file"), value);
      return FALSE;
    }
  if (!g_file_is_native (file))
    {
      g_set_error (error, G_URI_ERROR, G_URI_ERROR_BAD_PATH,
                   _("The link asks to attach “%s”, which is not a local file"), value);
      return FALSE;
    }
  g_ptr_array_add (self->attachments, g_steal_pointer (&file));
  return TRUE;
}

EpMailto *
ep_mailto_parse (const char  *uri,
                 GError     **error)
{
  g_autoptr(EpMailto) self = NULL;
  const char *query;
  gsize path_len;
  guint n_fields = 0;

  g_return_val_if_fail (uri != NULL, NULL);

  if (g_ascii_strncasecmp (uri, "mailto:", 7) != 0)
    {
      g_set_error (error, G_URI_ERROR, G_URI_ERROR_BAD_SCHEME, _("Not a mailto: link"));
      return NULL;
    }
  if (strlen (uri) > EP_MAILTO_MAX_LENGTH)
    {
      g_set_error (error, G_URI_ERROR, G_URI_ERROR_FAILED, _("The mailto: link is too long"));
      return NULL;
    }

  self = g_new0 (EpMailto, 1);
  self->to = g_ptr_array_new_with_free_func (g_free);
  self->cc = g_ptr_array_new_with_free_func (g_free);
  self->bcc = g_ptr_array_new_with_free_func (g_free);
  self->attachments = g_ptr_array_new_with_free_func (g_object_unref);

  uri += 7;
  /* xdg-email and some browsers write mailto://addr; the slashes are not part of the address. */
  if (g_str_has_prefix (uri, "//"))
    uri += 2;
  query = strchr (uri, '?');
  path_len = query ? (gsize) (query - uri) : strlen (uri);
  if (path_len > 0)
    {
      g_autofree char *to = ep_mailto_decode (uri, path_len, _("recipient"), FALSE, error);

      if (to == NULL)
        return NULL;
      ep_mailto_add_addresses (self->to, to);
    }

  if (query == NULL)
    return g_steal_pointer (&self);

  for (const char *field = query + 1; *field != '\0';)
    {
      const char *end = strchr (field, '&');
      const char *eq;
      gsize field_len = end ? (gsize) (end - field) : strlen (field);
      g_autofree char *name = NULL;
      g_autofree char *value = NULL;
      gboolean is_body;

      if (++n_fields > EP_MAILTO_MAX_FIELDS)
        {
          g_set_error (error, G_URI_ERROR, G_URI_ERROR_FAILED, _("The mailto: link has too many fields"));
          return NULL;
        }

      eq = memchr (field, '=', field_len);
      if (eq != NULL)
        {
          name = ep_mailto_decode (field, eq - field, _("field name"), FALSE, error);
          if (name == NULL)
            return NULL;
          is_body = g_ascii_strcasecmp (name, "body") == 0;
          value = ep_mailto_decode (eq + 1, field_len - (eq + 1 - field), name, is_body, error);
          if (value == NULL)
            return NULL;

          if (g_ascii_strcasecmp (name, "to") == 0)
            ep_mailto_add_addresses (self->to, value);
          else if (g_ascii_strcasecmp (name, "cc") == 0)
            ep_mailto_add_addresses (self->cc, value);
          else if (g_ascii_strcasecmp (name, "bcc") == 0)
            ep_mailto_add_addresses (self->bcc, value);
          else if (g_ascii_strcasecmp (name, "subject") == 0)
            replace_string (&self->subject, &value);
          else if (is_body)
            replace_string (&self->body, &value);
          else if (g_ascii_strcasecmp (name, "attach") == 0 ||
                   g_ascii_strcasecmp (name, "attachment") == 0)
            {
              if (!ep_mailto_add_attachment (self, value, error))
                return NULL;
            }
          /* Other header fields (From, Reply-To, In-Reply-To, …) are ignored on purpose:
           * a link must not choose who the message claims to be from. */
        }

      if (end == NULL)
        break;
      field = end + 1;
    }

  return g_steal_pointer (&self);
}

void
ep_mailto_free (EpMailto *self)
{
  if (self == NULL)
    return;
  g_clear_pointer (&self->to, g_ptr_array_unref);
  g_clear_pointer (&self->cc, g_ptr_array_unref);
  g_clear_pointer (&self->bcc, g_ptr_array_unref);
  g_free (self->subject);
  g_free (self->body);
  g_clear_pointer (&self->attachments, g_ptr_array_unref);
  g_free (self);
}
