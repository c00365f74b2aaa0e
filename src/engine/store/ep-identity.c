/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-identity.c: one From a profile sends as, and the checks on its fields. */
#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>

#include "ep-address.h"
#include "ep-identity.h"
#include "ep-store-error.h"
#include "ep-text.h"

G_DEFINE_BOXED_TYPE (EpIdentity, ep_identity, ep_identity_copy, ep_identity_free)

/* ---- Helpers --------------------------------------------------------------------------------- */

typedef enum {
  INVALID_TEXT,
  INVALID_CONTROL,
  INVALID_SIGNATURE_CONTROL,
  INVALID_TOO_LONG,
  INVALID_MISSING,
  INVALID_ADDRESS,
} Invalid;

/* Whole sentences, so that each translates as one. */
static gboolean
invalid (GError    **error,
         guint       number,
         const char *field,
         Invalid     why)
{
  g_autofree char *key = ep_identity_key_name (number, field);

  switch (why)
    {
    case INVALID_TEXT:
      g_set_error (error, EP_STORE_ERROR, EP_STORE_ERROR_INVALID, _("“%s” is not valid text"), key);
      break;
    case INVALID_CONTROL:
      g_set_error (error, EP_STORE_ERROR, EP_STORE_ERROR_INVALID, _("“%s” contains a line break or another control character"), key);
      break;
    case INVALID_SIGNATURE_CONTROL:
      g_set_error (error, EP_STORE_ERROR, EP_STORE_ERROR_INVALID, _("“%s” contains a carriage return or another control character"), key);
      break;
    case INVALID_TOO_LONG:
      g_set_error (error, EP_STORE_ERROR, EP_STORE_ERROR_INVALID, _("“%s” is too long"), key);
      break;
    case INVALID_MISSING:
      g_set_error (error, EP_STORE_ERROR, EP_STORE_ERROR_INVALID, _("“%s” is missing"), key);
      break;
    case INVALID_ADDRESS:
    default:
      g_set_error (error, EP_STORE_ERROR, EP_STORE_ERROR_INVALID, _("“%s” is not a mail address"), key);
      break;
    }
  return FALSE;
}

/* ---- Public API ------------------------------------------------------------------------------ */

/* The name profiles.ini gives a field of the identity at @number (from 1). */
char *
ep_identity_key_name (guint       number,
                      const char *field)
{
  return g_strdup_printf ("identity-%u-%s", number, field);
}

EpIdentity *
ep_identity_new (const char *name,
                 const char *address)
{
  EpIdentity *self = g_new0 (EpIdentity, 1);

  self->name = g_strdup (name != NULL ? name : "");
  self->address = g_strdup (address != NULL ? address : "");
  self->reply_to = g_strdup ("");
  self->signature = g_strdup ("");
  return self;
}

EpIdentity *
ep_identity_copy (const EpIdentity *self)
{
  EpIdentity *copy;

  g_return_val_if_fail (self != NULL, NULL);

  copy = ep_identity_new (self->name, self->address);
  ep_identity_set_string (&copy->reply_to, self->reply_to);
  ep_identity_set_string (&copy->signature, self->signature);
  copy->bcc_self = self->bcc_self;
  copy->signature_above_quote = self->signature_above_quote;
  copy->is_default = self->is_default;
  return copy;
}

void
ep_identity_free (EpIdentity *self)
{
  if (self == NULL)
    return;
  g_free (self->name);
  g_free (self->address);
  g_free (self->reply_to);
  g_free (self->signature);
  g_free (self);
}

gboolean
ep_identity_equal (const EpIdentity *a,
                   const EpIdentity *b)
{
  if (a == NULL || b == NULL)
    return a == b;
  return g_strcmp0 (a->name, b->name) == 0 && g_strcmp0 (a->address, b->address) == 0 &&
         g_strcmp0 (a->reply_to, b->reply_to) == 0 && !a->bcc_self == !b->bcc_self &&
         g_strcmp0 (a->signature, b->signature) == 0 &&
         !a->signature_above_quote == !b->signature_above_quote && !a->is_default == !b->is_default;
}

/* Fields are never NULL, so that readers need not check. */
void
ep_identity_set_string (char      **field,
                        const char *value)
{
  g_return_if_fail (field != NULL);

  if (g_strcmp0 (*field, value) == 0 && *field != NULL)
    return;
  g_free (*field);
  *field = g_strdup (value != NULL ? value : "");
}

/* Control characters (CR and LF above all) would let a field inject headers or SMTP commands;
 * the signature is the one field of several lines, and it goes in the body, where a line
 * break is a LF and the writer makes it CRLF: a CR of its own would be a bare CR on the wire. */
gboolean
ep_identity_validate (const EpIdentity *self,
                      guint             number,
                      GError          **error)
{
  const char *single[] = { self->name, self->address, self->reply_to };
  const char *names[] = { "name", "address", "reply-to" };
  g_autoptr(EpAddress) address = NULL;

  g_return_val_if_fail (self != NULL, FALSE);

  for (gsize i = 0; i < G_N_ELEMENTS (single); i++)
    {
      if (single[i] == NULL || !g_utf8_validate (single[i], -1, NULL))
        return invalid (error, number, names[i], INVALID_TEXT);
      if (ep_text_find_control (single[i], EP_TEXT_ALLOW_NONE) != NULL)
        return invalid (error, number, names[i], INVALID_CONTROL);
    }
  if (self->signature == NULL || !g_utf8_validate (self->signature, -1, NULL))
    return invalid (error, number, "signature", INVALID_TEXT);
  if (strchr (self->signature, '\r') != NULL ||
      ep_text_find_control (self->signature, EP_TEXT_ALLOW_TAB | EP_TEXT_ALLOW_LINE_BREAKS) != NULL)
    return invalid (error, number, "signature", INVALID_SIGNATURE_CONTROL);
  if (strlen (self->signature) > EP_IDENTITY_SIGNATURE_MAX)
    return invalid (error, number, "signature", INVALID_TOO_LONG);
  if (*self->address == '\0')
    return invalid (error, number, "address", INVALID_MISSING);
  address = ep_address_new (*self->name != '\0' ? self->name : NULL, self->address, "From", NULL);
  if (address == NULL)
    return invalid (error, number, "address", INVALID_ADDRESS);
  if (*self->reply_to != '\0')
    {
      g_autoptr(GPtrArray) list = ep_address_list_parse (self->reply_to, "Reply-To", NULL);

      if (list == NULL || list->len == 0)
        return invalid (error, number, "reply-to", INVALID_ADDRESS);
    }
  return TRUE;
}

char *
ep_identity_dup_from (const EpIdentity *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  if (*self->name == '\0')
    return g_strdup (self->address);
  /* Quoted when it holds characters that are special in an address list. */
  if (strpbrk (self->name, ",;<>@\"()[]:\\.") != NULL)
    {
      g_autoptr(GString) quoted = g_string_new ("\"");

      for (const char *p = self->name; *p != '\0'; p++)
        {
          if (*p == '"' || *p == '\\')
            g_string_append_c (quoted, '\\');
          g_string_append_c (quoted, *p);
        }
      g_string_append_c (quoted, '"');
      return g_strdup_printf ("%s <%s>", quoted->str, self->address);
    }
  return g_strdup_printf ("%s <%s>", self->name, self->address);
}

char *
ep_identity_dup_domain (const EpIdentity *self)
{
  const char *at;

  g_return_val_if_fail (self != NULL, NULL);

  at = strrchr (self->address, '@');
  return g_utf8_strdown (at != NULL ? at + 1 : "", -1);
}

gboolean
ep_identity_matches_from (const EpIdentity *self,
                          const char       *text)
{
  g_autoptr(GPtrArray) list = NULL;
  const EpAddress *address;

  g_return_val_if_fail (self != NULL, FALSE);

  if (text == NULL)
    return FALSE;
  list = ep_address_list_parse (text, "From", NULL);
  if (list == NULL || list->len != 1)
    return FALSE;
  address = g_ptr_array_index (list, 0);
  return g_ascii_strcasecmp (ep_address_get_addr_spec (address), self->address) == 0;
}

gboolean
ep_identity_matches (const EpIdentity *self,
                     const char       *query)
{
  g_autofree char *wanted = NULL;
  g_autofree char *name = NULL;
  g_autofree char *address = NULL;

  g_return_val_if_fail (self != NULL, FALSE);

  if (query == NULL)
    return FALSE;
  wanted = g_utf8_casefold (query, -1);
  name = g_utf8_casefold (self->name, -1);
  address = g_utf8_casefold (self->address, -1);
  g_strstrip (wanted);
  return *wanted != '\0' && (g_str_equal (wanted, name) || g_str_equal (wanted, address));
}

char *
ep_identity_dup_signature_block (const EpIdentity *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  if (*self->signature == '\0')
    return NULL;
  return g_strconcat (EP_IDENTITY_SIGNATURE_DELIMITER "\n", self->signature, NULL);
}

gsize
ep_identity_signature_offset (const EpIdentity *self,
                              const char       *body)
{
  gsize length;

  g_return_val_if_fail (self != NULL, 0);

  length = body != NULL ? strlen (body) : 0;
  if (!self->signature_above_quote || length == 0)
    return length;
  for (const char *line = body; line != NULL && *line != '\0';)
    {
      const char *next = strchr (line, '\n');

      if (*line == '>')
        return (gsize) (line - body);
      line = next != NULL ? next + 1 : NULL;
    }
  return length;
}
