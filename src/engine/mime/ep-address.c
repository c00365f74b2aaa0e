/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-address.c: addr-spec validation (RFC 5322 §3.4.1, RFC 6531), IDN to A-labels, list parsing. */
#include "config.h"


#include <string.h>
#include <gio/gio.h>
#include <glib/gi18n-lib.h>

#include "ep-address.h"
#include "ep-mime-error.h"
#include "ep-rfc2047.h"
#include "ep-text.h"

struct _EpAddress {
  char     *name;         /* nullable, UTF-8, trimmed */
  char     *addr_spec;    /* as typed (trimmed) */
  char     *envelope;     /* local@A-label domain */
  char     *header_addr;  /* what goes between < > in a header */
  char     *domain;       /* A-label (or literal) domain */
  gboolean  smtputf8;
};

G_DEFINE_BOXED_TYPE (EpAddress, ep_address, ep_address_copy, ep_address_free)

/* Sets the error and returns NULL, so that failing constructors can return its value. */
static gpointer
invalid (GError     **error,
         const char  *field,
         const char  *text,
         const char  *reason)
{
  g_set_error (error, EP_MIME_ERROR, EP_MIME_ERROR_INVALID_ADDRESS,
               /* Translators: "To: invalid address “foo@”: the domain is missing" */
               _("%s: invalid address “%s”: %s"), field, text, reason);
  return NULL;
}

/* RFC 5322 §3.2.3 atext, plus any UTF-8 (RFC 6532 §3.2 extends atext with UTF8-non-ascii). */
static gboolean
is_atext (guchar c)
{
  return g_ascii_isalnum (c) || c >= 0x80 ||
         (c != '\0' && strchr ("!#$%&'*+-/=?^_`{|}~", c) != NULL);
}

static gboolean
check_dot_atom (const char *s,
                gsize       len)
{
  if (len == 0 || s[0] == '.' || s[len - 1] == '.')
    return FALSE;
  for (gsize i = 0; i < len; i++)
    {
      if (s[i] == '.')
        {
          if (s[i + 1] == '.')
            return FALSE;
        }
      else if (!is_atext ((guchar) s[i]))
        return FALSE;
    }
  return TRUE;
}

/* A quoted local part: printable ASCII (and UTF-8) with \ and " only as quoted-pairs.
 * Returns the length of the quoted-string including its quotes, or 0. */
static gsize
scan_quoted_local (const char *s)
{
  gsize i = 1;

  g_assert (s[0] == '"');
  while (s[i] != '\0' && s[i] != '"')
    {
      if (s[i] == '\\')
        {
          if (s[i + 1] == '\0')
            return 0;
          i++;
        }
      i++;
    }
  if (s[i] != '"' || i == 1)
    return 0;
  return i + 1;
}

static gboolean
check_label (const char *label,
             gsize       len)
{
  if (len == 0 || len > EP_DNS_LABEL_MAX || label[0] == '-' || label[len - 1] == '-')
    return FALSE;
  for (gsize i = 0; i < len; i++)
    if (!g_ascii_isalnum (label[i]) && label[i] != '-')
      return FALSE;
  return TRUE;
}

/* The domain as an A-label string (IDNA via g_hostname_to_ascii), or a domain literal. */
static char *
normalise_domain (const char  *domain,
                  const char **reason)
{
  g_autofree char *ascii = NULL;
  const char *p;

  if (domain[0] == '\0')
    {
      *reason = _("the domain is missing");
      return NULL;
    }

  if (domain[0] == '[')
    {
      gsize len = strlen (domain);
      g_autofree char *inner = NULL;

      if (domain[len - 1] != ']')
        {
          *reason = _("the domain literal is not closed");
          return NULL;
        }
      inner = g_strndup (domain + 1, len - 2);
      if (g_ascii_strncasecmp (inner, "IPv6:", 5) == 0 &&
          strchr (inner + 5, ':') != NULL && g_hostname_is_ip_address (inner + 5))
        return g_strdup (domain);
      if (strchr (inner, ':') == NULL && g_hostname_is_ip_address (inner))
        return g_strdup (domain);
      *reason = _("the domain literal is not an IP address");
      return NULL;
    }

  ascii = g_hostname_to_ascii (domain);
  if (ascii == NULL)
    {
      *reason = _("the domain is not a valid host name");
      return NULL;
    }
  if (strlen (ascii) > EP_DNS_NAME_MAX)
    {
      *reason = _("the domain is too long");
      return NULL;
    }
  p = ascii;
  for (;;)
    {
      const char *dot = strchr (p, '.');
      gsize len = dot != NULL ? (gsize) (dot - p) : strlen (p);

      if (!check_label (p, len))
        {
          *reason = _("the domain is not a valid host name");
          return NULL;
        }
      if (dot == NULL)
        break;
      p = dot + 1;
    }

  return g_steal_pointer (&ascii);
}

EpAddress *
ep_address_new (const char  *display_name,
                const char  *addr_spec,
                const char  *field,
                GError     **error)
{
  g_autoptr(EpAddress) self = NULL;
  g_autofree char *spec = NULL;
  g_autofree char *local = NULL;
  g_autofree char *domain = NULL;
  const char *at;
  const char *reason = NULL;

  g_return_val_if_fail (addr_spec != NULL, NULL);
  g_return_val_if_fail (field != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!g_utf8_validate (addr_spec, -1, NULL))
    {
      g_set_error (error, EP_MIME_ERROR, EP_MIME_ERROR_INVALID_UTF8,
                   _("%s: the address is not valid UTF-8"), field);
      return NULL;
    }
  if (ep_text_find_control (addr_spec, EP_TEXT_ALLOW_NONE) != NULL)
    {
      g_autofree char *shown = g_strescape (addr_spec, NULL);
      return invalid (error, field, shown, _("it contains a line break or control character"));
    }

  self = g_new0 (EpAddress, 1);
  if (display_name != NULL)
    {
      g_autofree char *name = NULL;

      if (!ep_header_text_check (display_name, field, error))
        return NULL;
      /* A tab in a name is whitespace like any other (pasted from a table, say). */
      name = g_strstrip (g_strdelimit (g_strdup (display_name), "\t", ' '));
      if (name[0] != '\0')
        self->name = g_steal_pointer (&name);
    }

  spec = g_strstrip (g_strdup (addr_spec));
  if (spec[0] == '\0')
    return invalid (error, field, spec, _("the address is empty"));

  if (spec[0] == '"')
    {
      gsize qlen = scan_quoted_local (spec);

      if (qlen == 0)
        return invalid (error, field, spec, _("the quoted local part is not closed"));
      at = spec + qlen;
      if (*at != '@')
        return invalid (error, field, spec, _("the “@” must follow the quoted local part"));
    }
  else
    {
      at = strchr (spec, '@');
      if (at == NULL)
        return invalid (error, field, spec, _("the “@” and the domain are missing"));
      if (at == spec)
        return invalid (error, field, spec, _("the part before the “@” is missing"));
      if (!check_dot_atom (spec, at - spec))
        return invalid (error, field, spec,
                        _("the part before the “@” contains characters that need quoting"));
    }

  local = g_strndup (spec, at - spec);
  if (strlen (local) > EP_SMTP_LOCAL_PART_MAX)
    return invalid (error, field, spec, _("the part before the “@” is longer than 64 octets"));
  if (strchr (at + 1, '@') != NULL)
    return invalid (error, field, spec, _("it contains more than one “@”"));

  domain = normalise_domain (at + 1, &reason);
  if (domain == NULL)
    return invalid (error, field, spec, reason);

  self->domain = g_steal_pointer (&domain);
  self->smtputf8 = !ep_text_is_ascii (local, -1);
  self->envelope = g_strconcat (local, "@", self->domain, NULL);
  if (strlen (self->envelope) > EP_SMTP_MAILBOX_MAX)
    return invalid (error, field, spec, _("the address is longer than 254 octets"));
  /* With a non-ASCII local part the header carries the address in UTF-8 (RFC 6532) and the
   * message needs SMTPUTF8 anyway; otherwise the header stays ASCII with the A-label domain. */
  self->header_addr = self->smtputf8 ? g_strdup (spec) : g_strdup (self->envelope);
  self->addr_spec = g_steal_pointer (&spec);

  return g_steal_pointer (&self);
}

EpAddress *
ep_address_copy (const EpAddress *self)
{
  EpAddress *copy;

  g_return_val_if_fail (self != NULL, NULL);

  copy = g_new0 (EpAddress, 1);
  copy->name = g_strdup (self->name);
  copy->addr_spec = g_strdup (self->addr_spec);
  copy->envelope = g_strdup (self->envelope);
  copy->header_addr = g_strdup (self->header_addr);
  copy->domain = g_strdup (self->domain);
  copy->smtputf8 = self->smtputf8;
  return copy;
}

void
ep_address_free (EpAddress *self)
{
  if (self == NULL)
    return;
  g_free (self->name);
  g_free (self->addr_spec);
  g_free (self->envelope);
  g_free (self->header_addr);
  g_free (self->domain);
  g_free (self);
}

const char *
ep_address_get_name (const EpAddress *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->name;
}

const char *
ep_address_get_addr_spec (const EpAddress *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->addr_spec;
}

const char *
ep_address_get_envelope (const EpAddress *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->envelope;
}

/* The domain in A-label form (or the literal), e.g. for the right side of a Message-ID. */
const char *
ep_address_get_domain (const EpAddress *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->domain;
}

gboolean
ep_address_needs_smtputf8 (const EpAddress *self)
{
  g_return_val_if_fail (self != NULL, FALSE);
  return self->smtputf8;
}

char *
ep_address_to_header (const EpAddress *self)
{
  g_autofree char *phrase = NULL;

  g_return_val_if_fail (self != NULL, NULL);

  if (self->name == NULL)
    return g_strdup (self->header_addr);
  phrase = ep_rfc2047_encode_phrase (self->name);
  return g_strdup_printf ("%s <%s>", phrase, self->header_addr);
}

/* Whether a display name must be quoted so that ep_address_list_parse() gives it back as it
 * is: RFC 5322 specials (§3.2.3) other than the period that names often carry ("J. Doe"), what
 * our parser reads as a comment or an encoded word, and whitespace it would collapse. */
static gboolean
name_needs_quotes (const char *name)
{
  if (strpbrk (name, "()<>[]:;@\\,\"") != NULL || strstr (name, "=?") != NULL ||
      strstr (name, "  ") != NULL)
    return TRUE;
  return g_ascii_isspace (name[0]) || (name[0] != '\0' && g_ascii_isspace (name[strlen (name) - 1]));
}

/**
 * ep_address_to_text:
 *
 * The address as a person types it in a field ("Ana Lima <ana@example.org>", the name quoted
 * when it has to be), in UTF-8 without encoded words: ep_address_list_parse() reads it back to
 * the same name and address.
 *
 * Returns: (transfer full): the text
 */
char *
ep_address_to_text (const EpAddress *self)
{
  GString *out;

  g_return_val_if_fail (self != NULL, NULL);

  if (self->name == NULL)
    return g_strdup (self->addr_spec);
  out = g_string_new (NULL);
  if (name_needs_quotes (self->name))
    {
      g_string_append_c (out, '"');
      for (const char *p = self->name; *p != '\0'; p++)
        {
          if (*p == '"' || *p == '\\')
            g_string_append_c (out, '\\');
          g_string_append_c (out, *p);
        }
      g_string_append_c (out, '"');
    }
  else
    g_string_append (out, self->name);
  g_string_append_printf (out, " <%s>", self->addr_spec);
  return g_string_free (out, FALSE);
}

/* The parser of typed lists. */

typedef struct {
  GString  *phrase;      /* raw text outside < >, quoted-strings kept with their quotes */
  GString  *angle;       /* text inside < > */
  gboolean  has_angle;
  gboolean  angle_closed;
} Entry;

static void
entry_reset (Entry *e)
{
  g_string_truncate (e->phrase, 0);
  g_string_truncate (e->angle, 0);
  e->has_angle = FALSE;
  e->angle_closed = FALSE;
}

/* Display name from the raw phrase: quoted parts unescaped, the rest with whitespace collapsed;
 * pasted encoded-words are decoded. */
static char *
phrase_to_name (const char *raw)
{
  GString *name = g_string_new (NULL);
  gboolean in_quotes = FALSE;
  gboolean quoted_any = FALSE;
  g_autofree char *trimmed = NULL;

  for (const char *p = raw; *p != '\0'; p++)
    {
      if (in_quotes)
        {
          if (*p == '\\' && p[1] != '\0')
            g_string_append_c (name, *++p);
          else if (*p == '"')
            in_quotes = FALSE;
          else
            g_string_append_c (name, *p);
        }
      else if (*p == '"')
        in_quotes = quoted_any = TRUE;
      else if (*p == ' ' || *p == '\t')
        {
          if (name->len > 0 && name->str[name->len - 1] != ' ')
            g_string_append_c (name, ' ');
        }
      else
        g_string_append_c (name, *p);
    }

  trimmed = g_strstrip (g_string_free (name, FALSE));
  if (!quoted_any && strstr (trimmed, "=?") != NULL)
    return ep_rfc2047_decode (trimmed);
  return g_steal_pointer (&trimmed);
}

static gboolean
entry_finish (Entry       *e,
              GPtrArray   *list,
              const char  *field,
              GError     **error)
{
  EpAddress *addr;

  if (e->has_angle)
    {
      g_autofree char *name = NULL;
      g_autofree char *spec = g_strstrip (g_strdup (e->angle->str));

      if (!e->angle_closed)
        {
          invalid (error, field, e->angle->str, _("the “>” is missing"));
          return FALSE;
        }
      name = phrase_to_name (e->phrase->str);
      addr = ep_address_new (name[0] != '\0' ? name : NULL, spec, field, error);
    }
  else
    {
      g_autofree char *spec = g_strstrip (g_strdup (e->phrase->str));

      if (spec[0] == '\0')
        {
          entry_reset (e);
          return TRUE;
        }
      addr = ep_address_new (NULL, spec, field, error);
    }

  if (addr == NULL)
    return FALSE;
  g_ptr_array_add (list, addr);
  entry_reset (e);
  return TRUE;
}

/* Accepts what people type and paste: "Jane <j@x>, bob@y; \"Doe, John\" <j@z>", comments in
 * parentheses (dropped), group syntax ("Team: a@x, b@y;", the group name dropped). */
GPtrArray *
ep_address_list_parse (const char  *text,
                       const char  *field,
                       GError     **error)
{
  g_autoptr(GPtrArray) list = NULL;
  g_autoptr(GString) phrase = g_string_new (NULL);
  g_autoptr(GString) angle = g_string_new (NULL);
  Entry e = { phrase, angle, FALSE, FALSE };
  const char *p;

  g_return_val_if_fail (text != NULL, NULL);
  g_return_val_if_fail (field != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!g_utf8_validate (text, -1, NULL))
    {
      g_set_error (error, EP_MIME_ERROR, EP_MIME_ERROR_INVALID_UTF8,
                   _("%s: the addresses are not valid UTF-8"), field);
      return NULL;
    }
  if (ep_text_find_control (text, EP_TEXT_ALLOW_TAB) != NULL)
    {
      g_autofree char *shown = g_strescape (text, NULL);
      return invalid (error, field, shown, _("it contains a line break or control character"));
    }

  list = g_ptr_array_new_with_free_func ((GDestroyNotify) ep_address_free);

  for (p = text; *p != '\0'; p++)
    {
      GString *buf = e.has_angle && !e.angle_closed ? e.angle : e.phrase;

      if (*p == '"')
        {
          const char *start = p;

          for (p++; *p != '\0' && *p != '"'; p++)
            if (*p == '\\' && p[1] != '\0')
              p++;
          if (*p == '\0')
            return invalid (error, field, start, _("the closing quote is missing"));
          if (e.angle_closed)
            return invalid (error, field, text, _("unexpected text after “>”"));
          g_string_append_len (buf, start, p - start + 1);
        }
      else if (*p == '[')
        {
          /* A domain literal ("[IPv6:::1]") is one unit: its colons are not a group's. */
          const char *close = strchr (p, ']');

          if (close == NULL)
            return invalid (error, field, p, _("the closing bracket is missing"));
          if (e.angle_closed)
            return invalid (error, field, text, _("unexpected text after “>”"));
          g_string_append_len (buf, p, close - p + 1);
          p = close;
        }
      else if (*p == '(')
        {
          const char *start = p;
          int depth = 0;

          for (; *p != '\0'; p++)
            {
              if (*p == '\\' && p[1] != '\0')
                p++;
              else if (*p == '(')
                depth++;
              else if (*p == ')' && --depth == 0)
                break;
            }
          if (*p == '\0')
            return invalid (error, field, start, _("the closing parenthesis is missing"));
          g_string_append_c (buf, ' ');
        }
      else if (*p == '<')
        {
          if (e.has_angle)
            return invalid (error, field, text, _("unexpected “<”"));
          e.has_angle = TRUE;
        }
      else if (*p == '>')
        {
          if (!e.has_angle || e.angle_closed)
            return invalid (error, field, text, _("unexpected “>”"));
          e.angle_closed = TRUE;
        }
      else if ((*p == ',' || *p == ';') && !(e.has_angle && !e.angle_closed))
        {
          if (!entry_finish (&e, list, field, error))
            return NULL;
        }
      else if (*p == ':' && !e.has_angle)
        {
          /* A group's name, as long as it does not look like an address. */
          if (strchr (e.phrase->str, '@') != NULL)
            return invalid (error, field, text, _("unexpected “:”"));
          g_string_truncate (e.phrase, 0);
        }
      else if (e.angle_closed && *p != ' ' && *p != '\t')
        return invalid (error, field, text, _("unexpected text after “>”"));
      else
        g_string_append_c (buf, *p == '\t' ? ' ' : *p);
    }

  if (!entry_finish (&e, list, field, error))
    return NULL;

  return g_steal_pointer (&list);
}
