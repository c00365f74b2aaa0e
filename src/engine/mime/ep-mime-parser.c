/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-mime-parser.c: a tolerant, bounded MIME reader. Messages come from any client, so every
 * length is checked and malformed structure degrades to plain text rather than failing. */
#include "config.h"


#include <string.h>
#include <glib/gi18n-lib.h>

#include "ep-base64.h"
#include "ep-flowed.h"
#include "ep-mime-error.h"
#include "ep-mime-parser.h"
#include "ep-qp.h"
#include "ep-rfc2047.h"

struct _EpMimePart
{
  GPtrArray  *headers;        /* name, value, name, value, …, NULL */
  char       *content_type;
  GHashTable *params;         /* Content-Type parameters */
  GHashTable *disp_params;    /* Content-Disposition parameters */
  char       *disposition;
  GBytes     *body;           /* slice of the message */
  GPtrArray  *children;
};

typedef struct {
  guint n_parts;
} ParseState;

static EpMimePart *parse_part (GBytes *bytes, gsize offset, gsize len, guint depth, ParseState *state);

/* Finds the end of the line starting at @p; returns the start of the next line. */
static const char *
next_line (const char *p,
           const char *end,
           gsize      *line_len)
{
  const char *nl = memchr (p, '\n', end - p);

  if (nl == NULL)
    {
      *line_len = end - p;
      return end;
    }
  *line_len = nl - p;
  if (*line_len > 0 && p[*line_len - 1] == '\r')
    (*line_len)--;
  return nl + 1;
}

/* RFC 2045 §5.1: token characters. */
static gboolean
is_token_char (char c)
{
  return c > 0x20 && c < 0x7f && strchr ("()<>@,;:\\\"/[]?=", c) == NULL;
}

static char *
convert_to_utf8 (const char *data,
                 gsize       len,
                 const char *charset)
{
  g_autofree char *converted = NULL;

  gsize converted_len = 0;

  if (charset != NULL && g_ascii_strcasecmp (charset, "utf-8") != 0 &&
      g_ascii_strcasecmp (charset, "us-ascii") != 0)
    converted = g_convert (data, len, "UTF-8", charset, NULL, &converted_len, NULL);
  /* iconv is not a validator: glibc reads a charset name such as "u?=tf-8" as UTF-8 and copies
   * sequences no UTF-8 decoder accepts (a fuzzer found F6 9C 90 9F). What comes out is made
   * valid either way. */
  if (converted != NULL)
    return g_utf8_make_valid (converted, converted_len);
  return g_utf8_make_valid (data, len);
}

/* RFC 2231 §4: charset'language'percent-encoded. */
static char *
decode_extended (const char *value,
                 gboolean    with_charset,
                 char      **charset)
{
  const char *text = value;
  g_autoptr(GString) raw = g_string_new (NULL);

  if (with_charset)
    {
      const char *q1 = strchr (value, '\'');
      const char *q2 = q1 ? strchr (q1 + 1, '\'') : NULL;

      if (q2 != NULL)
        {
          g_free (*charset);
          *charset = g_strndup (value, q1 - value);
          text = q2 + 1;
        }
    }
  for (const char *p = text; *p; p++)
    {
      if (*p == '%' && g_ascii_isxdigit (p[1]) && g_ascii_isxdigit (p[2]))
        {
          g_string_append_c (raw, (char) (g_ascii_xdigit_value (p[1]) * 16 + g_ascii_xdigit_value (p[2])));
          p += 2;
        }
      else
        g_string_append_c (raw, *p);
    }
  return g_string_free (g_steal_pointer (&raw), FALSE);
}

typedef struct {
  char      *plain;
  char      *extended;       /* name*= (already decoded to bytes) */
  GPtrArray *sections;       /* index → raw bytes of name*N or name*N* (NULL when missing) */
  char      *charset;
} ParamParts;

static void
param_parts_free (ParamParts *p)
{
  g_free (p->plain);
  g_free (p->extended);
  g_clear_pointer (&p->sections, g_ptr_array_unref);
  g_free (p->charset);
  g_free (p);
}

/* RFC 2231 allows continuations up to any number; bound it. */
#define EP_MIME_PARSER_MAX_SECTIONS 100

static void
add_param (GHashTable *parts,
           const char *attribute,
           const char *value)
{
  g_autofree char *lower = g_ascii_strdown (attribute, -1);
  char *star = strchr (lower, '*');
  ParamParts *p;

  if (star != NULL)
    *star = '\0';
  p = g_hash_table_lookup (parts, lower);
  if (p == NULL)
    {
      p = g_new0 (ParamParts, 1);
      g_hash_table_insert (parts, g_strdup (lower), p);
    }

  if (star == NULL)
    {
      if (p->plain == NULL)
        p->plain = g_strdup (value);
    }
  else if (star[1] == '\0')
    {
      g_free (p->extended);
      p->extended = decode_extended (value, TRUE, &p->charset);
    }
  else
    {
      char *end = NULL;
      guint64 index = g_ascii_strtoull (star + 1, &end, 10);
      gboolean extended = end != NULL && *end == '*';

      if (end == star + 1 || index >= EP_MIME_PARSER_MAX_SECTIONS)
        return;
      if (p->sections == NULL)
        p->sections = g_ptr_array_new_with_free_func (g_free);
      while (p->sections->len <= index)
        g_ptr_array_add (p->sections, NULL);
      g_free (p->sections->pdata[index]);
      p->sections->pdata[index] = extended ? decode_extended (value, index == 0, &p->charset)
                                           : g_strdup (value);
    }
}

static char *
resolve_param (ParamParts *p)
{
  if (p->sections != NULL && p->sections->len > 0 && p->sections->pdata[0] != NULL)
    {
      g_autoptr(GString) joined = g_string_new (NULL);

      for (guint i = 0; i < p->sections->len && p->sections->pdata[i] != NULL; i++)
        g_string_append (joined, p->sections->pdata[i]);
      return convert_to_utf8 (joined->str, joined->len, p->charset);
    }
  if (p->extended != NULL)
    return convert_to_utf8 (p->extended, strlen (p->extended), p->charset);
  if (p->plain != NULL)
    return g_strdup (p->plain);
  return NULL;
}

/* Parses "value; a=b; c=\"d\"" into the main value (lower case) and resolved parameters. */
static char *
parse_structured (const char  *header,
                  GHashTable **out_params)
{
  g_autoptr(GHashTable) parts = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                                       (GDestroyNotify) param_parts_free);
  GHashTable *params = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  const char *semi = strchr (header, ';');
  g_autofree char *main_value = g_strndup (header, semi ? (gsize) (semi - header) : strlen (header));
  const char *p = semi;
  GHashTableIter iter;
  gpointer key, value;

  while (p != NULL && *p == ';')
    {
      const char *name_start;
      g_autofree char *name = NULL;
      g_autoptr(GString) val = g_string_new (NULL);

      p++;
      while (g_ascii_isspace (*p))
        p++;
      name_start = p;
      while (is_token_char (*p) || *p == '*')
        p++;
      name = g_strndup (name_start, p - name_start);
      while (g_ascii_isspace (*p))
        p++;
      if (*p != '=')
        {
          p = strchr (p, ';');
          continue;
        }
      p++;
      while (g_ascii_isspace (*p))
        p++;
      if (*p == '"')
        {
          for (p++; *p && *p != '"'; p++)
            {
              if (*p == '\\' && p[1] != '\0')
                p++;
              g_string_append_c (val, *p);
            }
          if (*p == '"')
            p++;
        }
      else
        {
          while (*p && *p != ';' && !g_ascii_isspace (*p))
            g_string_append_c (val, *p++);
        }
      if (*name != '\0')
        add_param (parts, name, val->str);
      p = strchr (p, ';');
    }

  g_hash_table_iter_init (&iter, parts);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      char *resolved = resolve_param (value);

      if (resolved != NULL)
        g_hash_table_insert (params, g_strdup (key), resolved);
    }

  *out_params = params;
  return g_ascii_strdown (g_strstrip (main_value), -1);
}

static GPtrArray *
split_multipart (const char *body,
                 gsize       len,
                 const char *boundary)
{
  g_autoptr(GPtrArray) ranges = g_ptr_array_new ();   /* pairs of start, end offsets (as pointers) */
  g_autofree char *delimiter = g_strconcat ("--", boundary, NULL);
  gsize dlen = strlen (delimiter);
  const char *end = body + len;
  const char *part_start = NULL;
  gboolean closed = FALSE;

  for (const char *line = body; line < end;)
    {
      gsize line_len;
      const char *next = next_line (line, end, &line_len);

      if (line_len >= dlen && memcmp (line, delimiter, dlen) == 0)
        {
          const char *rest = line + dlen;
          gboolean closing = line_len >= dlen + 2 && rest[0] == '-' && rest[1] == '-';
          gboolean only_space = TRUE;

          for (const char *q = rest + (closing ? 2 : 0); q < line + line_len; q++)
            if (*q != ' ' && *q != '\t')
              only_space = FALSE;

          if (only_space)
            {
              if (part_start != NULL)
                {
                  /* The line break before a delimiter belongs to the delimiter (RFC 2046 §5.1.1). */
                  const char *part_end = line;
                  if (part_end > part_start && part_end[-1] == '\n')
                    part_end--;
                  if (part_end > part_start && part_end[-1] == '\r')
                    part_end--;
                  g_ptr_array_add (ranges, (gpointer) part_start);
                  g_ptr_array_add (ranges, (gpointer) part_end);
                }
              if (closing)
                {
                  closed = TRUE;
                  break;
                }
              part_start = next;
            }
        }
      line = next;
    }

  /* RFC 2046 §5.1.1 requires the close delimiter, but a message cut short still shows what
   * arrived: its last part runs to the end. */
  if (!closed && part_start != NULL && part_start < end)
    {
      g_ptr_array_add (ranges, (gpointer) part_start);
      g_ptr_array_add (ranges, (gpointer) end);
    }

  return g_steal_pointer (&ranges);
}

static EpMimePart *
parse_part (GBytes     *bytes,
            gsize       offset,
            gsize       len,
            guint       depth,
            ParseState *state)
{
  g_autoptr(EpMimePart) self = g_new0 (EpMimePart, 1);
  const char *data = (const char *) g_bytes_get_data (bytes, NULL) + offset;
  const char *end = data + len;
  const char *line = data;
  const char *body_start = end;
  g_autoptr(GString) current = NULL;
  const char *ct_header;
  const char *cd_header;

  state->n_parts++;
  self->headers = g_ptr_array_new_with_free_func (g_free);

  while (line < end)
    {
      gsize line_len;
      const char *next = next_line (line, end, &line_len);

      if (line_len == 0)
        {
          body_start = next;
          break;
        }
      if ((line[0] == ' ' || line[0] == '\t') && current != NULL)
        {
          /* RFC 5322 §2.2.3: unfolding removes the line break only. */
          g_string_append_len (current, line, line_len);
        }
      else
        {
          const char *colon = memchr (line, ':', line_len);

          if (current != NULL)
            {
              g_ptr_array_add (self->headers, g_strdup (g_strstrip (current->str)));
              g_string_free (g_steal_pointer (&current), TRUE);
            }
          if (colon != NULL && self->headers->len / 2 < EP_MIME_PARSER_MAX_HEADERS)
            {
              g_autofree char *name = g_strndup (line, colon - line);
              g_ptr_array_add (self->headers, g_strdup (g_strstrip (name)));
              current = g_string_new_len (colon + 1, line_len - (colon + 1 - line));
            }
        }
      line = next;
    }
  if (current != NULL)
    g_ptr_array_add (self->headers, g_strdup (g_strstrip (current->str)));
  if (self->headers->len % 2 == 1)
    g_ptr_array_add (self->headers, g_strdup (""));
  g_ptr_array_add (self->headers, NULL);

  self->body = g_bytes_new_from_bytes (bytes, offset + (body_start - data), end - body_start);

  ct_header = ep_mime_part_get_header (self, "Content-Type");
  if (ct_header != NULL)
    self->content_type = parse_structured (ct_header, &self->params);
  if (self->content_type == NULL || strchr (self->content_type, '/') == NULL)
    {
      g_free (self->content_type);
      self->content_type = g_strdup ("text/plain");
    }
  if (self->params == NULL)
    self->params = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);

  cd_header = ep_mime_part_get_header (self, "Content-Disposition");
  if (cd_header != NULL)
    self->disposition = parse_structured (cd_header, &self->disp_params);
  else
    self->disp_params = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);

  if (g_str_has_prefix (self->content_type, "multipart/") &&
      g_hash_table_lookup (self->params, "boundary") != NULL &&
      depth < EP_MIME_PARSER_MAX_DEPTH)
    {
      g_autoptr(GPtrArray) ranges = split_multipart (body_start, end - body_start,
                                                     g_hash_table_lookup (self->params, "boundary"));
      const char *base = g_bytes_get_data (bytes, NULL);

      /* Without a single delimiter it is not multipart at all: one leaf, so nothing is hidden. */
      if (ranges->len > 0)
        self->children = g_ptr_array_new_with_free_func ((GDestroyNotify) ep_mime_part_free);
      for (guint i = 0; i + 1 < ranges->len && state->n_parts < EP_MIME_PARSER_MAX_PARTS; i += 2)
        {
          const char *s = ranges->pdata[i], *e = ranges->pdata[i + 1];
          g_ptr_array_add (self->children, parse_part (bytes, s - base, e - s, depth + 1, state));
        }
    }

  return g_steal_pointer (&self);
}

EpMimePart *
ep_mime_parse (GBytes  *message,
               GError **error)
{
  ParseState state = { 0 };

  g_return_val_if_fail (message != NULL, NULL);

  if (g_bytes_get_size (message) == 0)
    {
      g_set_error (error, EP_MIME_ERROR, EP_MIME_ERROR_MISSING_FIELD, _("The message is empty"));
      return NULL;
    }
  return parse_part (message, 0, g_bytes_get_size (message), 0, &state);
}

void
ep_mime_part_free (EpMimePart *self)
{
  if (self == NULL)
    return;
  g_clear_pointer (&self->headers, g_ptr_array_unref);
  g_free (self->content_type);
  g_clear_pointer (&self->params, g_hash_table_unref);
  g_clear_pointer (&self->disp_params, g_hash_table_unref);
  g_free (self->disposition);
  g_clear_pointer (&self->body, g_bytes_unref);
  g_clear_pointer (&self->children, g_ptr_array_unref);
  g_free (self);
}

const char *
ep_mime_part_get_header (EpMimePart *self,
                         const char *name)
{
  g_return_val_if_fail (self != NULL, NULL);

  for (guint i = 0; i + 1 < self->headers->len && self->headers->pdata[i]; i += 2)
    if (g_ascii_strcasecmp (self->headers->pdata[i], name) == 0)
      return self->headers->pdata[i + 1];
  return NULL;
}

char *
ep_mime_part_dup_header_text (EpMimePart *self,
                              const char *name)
{
  const char *raw = ep_mime_part_get_header (self, name);
  g_autofree char *decoded = NULL;

  if (raw == NULL)
    return NULL;
  /* Raw 8-bit headers and encoded-words of bad UTF-8 exist; the text ends up in GTK labels. */
  decoded = ep_rfc2047_decode (raw);
  return g_utf8_make_valid (decoded, -1);
}

const char * const *
ep_mime_part_get_headers (EpMimePart *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return (const char * const *) self->headers->pdata;
}

const char *
ep_mime_part_get_content_type (EpMimePart *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->content_type;
}

const char *
ep_mime_part_get_param (EpMimePart *self,
                        const char *name)
{
  g_autofree char *lower = g_ascii_strdown (name, -1);

  g_return_val_if_fail (self != NULL, NULL);
  return g_hash_table_lookup (self->params, lower);
}

char *
ep_mime_part_dup_filename (EpMimePart *self)
{
  const char *name;
  g_autofree char *decoded = NULL;
  const char *slash;

  g_return_val_if_fail (self != NULL, NULL);

  name = g_hash_table_lookup (self->disp_params, "filename");
  if (name == NULL)
    name = g_hash_table_lookup (self->params, "name");
  if (name == NULL)
    return NULL;

  /* Not standard inside parameters, but what many clients write for old readers. */
  decoded = strstr (name, "=?") ? ep_rfc2047_decode (name) : g_strdup (name);
  slash = strrchr (decoded, '/');
  if (slash == NULL)
    slash = strrchr (decoded, '\\');
  return g_utf8_make_valid (slash ? slash + 1 : decoded, -1);
}

gboolean
ep_mime_part_is_attachment (EpMimePart *self)
{
  g_autofree char *filename = NULL;

  g_return_val_if_fail (self != NULL, FALSE);

  if (self->children != NULL)
    return FALSE;
  if (g_strcmp0 (self->disposition, "attachment") == 0)
    return TRUE;
  filename = ep_mime_part_dup_filename (self);
  return filename != NULL || !g_str_has_prefix (self->content_type, "text/");
}

GPtrArray *
ep_mime_part_get_children (EpMimePart *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->children;
}

GBytes *
ep_mime_part_decode (EpMimePart  *self,
                     GError     **error)
{
  const char *cte;
  gsize len;
  const char *data;

  g_return_val_if_fail (self != NULL, NULL);

  cte = ep_mime_part_get_header (self, "Content-Transfer-Encoding");
  data = g_bytes_get_data (self->body, &len);
  if (cte != NULL && g_ascii_strcasecmp (cte, "base64") == 0)
    {
      g_autofree char *text = g_strndup (data, len);
      gsize out_len = 0;
      guint8 *out = ep_base64_decode (text, &out_len, error);

      return out ? g_bytes_new_take (out, out_len) : NULL;
    }
  if (cte != NULL && g_ascii_strcasecmp (cte, "quoted-printable") == 0)
    {
      gsize out_len = 0;
      char *out = ep_qp_decode (data, len, &out_len);

      return g_bytes_new_take (out, out_len);
    }
  return g_bytes_ref (self->body);
}

char *
ep_mime_part_dup_text (EpMimePart  *self,
                       GError     **error)
{
  g_autoptr(GBytes) decoded = ep_mime_part_decode (self, error);
  g_autofree char *text = NULL;
  g_autoptr(GString) out = NULL;
  gsize len;
  const char *data;

  if (decoded == NULL)
    return NULL;
  data = g_bytes_get_data (decoded, &len);
  text = convert_to_utf8 (data ? data : "", len, ep_mime_part_get_param (self, "charset"));

  out = g_string_sized_new (strlen (text));
  for (const char *p = text; *p; p++)
    if (!(p[0] == '\r' && p[1] == '\n'))
      g_string_append_c (out, *p);
  /* Soft-wrapped lines joined again (RFC 3676 §4.2). */
  if (g_ascii_strcasecmp (ep_mime_part_get_content_type (self), "text/plain") == 0
      && g_strcmp0 (ep_mime_part_get_param (self, "format"), "flowed") == 0)
    {
      const char *delsp = ep_mime_part_get_param (self, "delsp");

      return ep_flowed_decode (out->str, delsp != NULL && g_ascii_strcasecmp (delsp, "yes") == 0);
    }
  return g_string_free (g_steal_pointer (&out), FALSE);
}

static void
collect_leaves (EpMimePart *part,
                GPtrArray  *out)
{
  if (part->children == NULL)
    {
      g_ptr_array_add (out, part);
      return;
    }
  for (guint i = 0; i < part->children->len; i++)
    collect_leaves (part->children->pdata[i], out);
}

GPtrArray *
ep_mime_part_collect_leaves (EpMimePart *self)
{
  GPtrArray *out = g_ptr_array_new ();

  g_return_val_if_fail (self != NULL, NULL);
  collect_leaves (self, out);
  return out;
}
