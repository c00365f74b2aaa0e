/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-identity-keyfile.c: a profile's identities as "identity-<n>-<field>" keys of its group.
 *
 * Keys in the profile's own group keep a profile whole: deleting it, copying its group by hand
 * or skipping it for a bad value takes its identities along. The number is the order, from 1
 * without gaps. */
#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>

#include "ep-identity-keyfile.h"
#include "ep-store-error.h"
#include "ep-store-util.h"
#include "ep-text.h"

#define KEY_PREFIX "identity-"

#define FIELD_NAME      "name"
#define FIELD_ADDRESS   "address"
#define FIELD_REPLY_TO  "reply-to"
#define FIELD_BCC_SELF  "bcc-self"
#define FIELD_SIGNATURE "signature"
#define FIELD_ABOVE     "signature-above-quote"
#define FIELD_DEFAULT   "default"

static const char * const fields[] = {
  FIELD_NAME, FIELD_ADDRESS, FIELD_REPLY_TO, FIELD_BCC_SELF, FIELD_SIGNATURE, FIELD_ABOVE,
  FIELD_DEFAULT,
};

/* ---- Helpers --------------------------------------------------------------------------------- */

/* The number of an identity key of a known field, 0 for any other key; a number out of range
 * is G_MAXUINT, so that the reader can refuse it. */
static guint
parse_key (const char  *key,
           const char **out_field)
{
  const char *p;
  const char *dash;
  guint64 number;
  g_autofree char *digits = NULL;

  if (!g_str_has_prefix (key, KEY_PREFIX))
    return 0;
  p = key + strlen (KEY_PREFIX);
  dash = strchr (p, '-');
  if (dash == NULL || dash == p)
    return 0;
  for (gsize i = 0; i < G_N_ELEMENTS (fields); i++)
    if (g_str_equal (dash + 1, fields[i]))
      *out_field = fields[i];
  if (*out_field == NULL)
    return 0;
  digits = g_strndup (p, dash - p);
  /* "01" is not 1: two spellings of one key would be two keys to GKeyFile. */
  if (digits[0] == '0' ||
      !g_ascii_string_to_unsigned (digits, 10, 1, EP_IDENTITY_MAX, &number, NULL))
    return G_MAXUINT;
  return (guint) number;
}

typedef enum {
  REFUSE_NOT_TEXT,
  REFUSE_NOT_BOOLEAN,
  REFUSE_MISSING,
  REFUSE_SECOND_DEFAULT,
} Refusal;

static gboolean
refuse (GError    **error,
        guint       number,
        const char *field,
        Refusal     refusal)
{
  g_autofree char *key = ep_identity_key_name (number, field);

  switch (refusal)
    {
    case REFUSE_NOT_TEXT:
      g_set_error (error, EP_STORE_ERROR, EP_STORE_ERROR_INVALID, _("“%s” is not valid text"), key);
      break;
    case REFUSE_NOT_BOOLEAN:
      g_set_error (error, EP_STORE_ERROR, EP_STORE_ERROR_INVALID, _("“%s” must be true or false"), key);
      break;
    case REFUSE_MISSING:
      g_set_error (error, EP_STORE_ERROR, EP_STORE_ERROR_INVALID, _("“%s” is missing"), key);
      break;
    case REFUSE_SECOND_DEFAULT:
    default:
      g_set_error (error, EP_STORE_ERROR, EP_STORE_ERROR_INVALID,
                   _("“%s”: another identity is the default"), key);
      break;
    }
  return FALSE;
}

static gboolean
read_text (GKeyFile    *keyfile,
           const char  *group,
           guint        number,
           const char  *field,
           char       **out_value,
           GError     **error)
{
  g_autofree char *key = ep_identity_key_name (number, field);
  g_autofree char *value = NULL;

  if (!g_key_file_has_key (keyfile, group, key, NULL))
    return TRUE;
  value = ep_store_keyfile_dup_string (keyfile, group, key, NULL);
  if (value == NULL)
    return refuse (error, number, field, REFUSE_NOT_TEXT);
  g_free (*out_value);
  *out_value = g_steal_pointer (&value);
  return TRUE;
}

static gboolean
read_flag (GKeyFile    *keyfile,
           const char  *group,
           guint        number,
           const char  *field,
           gboolean    *out_value,
           GError     **error)
{
  g_autofree char *key = ep_identity_key_name (number, field);
  g_autofree char *text = NULL;

  if (!g_key_file_has_key (keyfile, group, key, NULL))
    return TRUE;
  text = g_key_file_get_value (keyfile, group, key, NULL);
  g_strstrip (text);
  if (!g_str_equal (text, "true") && !g_str_equal (text, "false"))
    return refuse (error, number, field, REFUSE_NOT_BOOLEAN);
  *out_value = g_str_equal (text, "true");
  return TRUE;
}

/* GKeyFile's escapes (\n, \t, \\), and \s for every space that would otherwise end the line or
 * start it: GKeyFile drops those, and a signature's last line (or one left with the "-- "
 * delimiter's space) must come back byte for byte. */
static char *
escape_text (const char *text)
{
  GString *raw = g_string_sized_new (strlen (text) + 8);
  gsize length = strlen (text);
  gsize trailing = length;

  while (trailing > 0 && text[trailing - 1] == ' ')
    trailing--;
  for (gsize i = 0; i < length; i++)
    {
      char c = text[i];

      if (c == '\\')
        g_string_append (raw, "\\\\");
      else if (c == '\n')
        g_string_append (raw, "\\n");
      else if (c == '\t')
        g_string_append (raw, "\\t");
      else if (c == '\r')
        g_string_append (raw, "\\r");
      else if (c == ' ' && (i == 0 || i >= trailing))
        g_string_append (raw, "\\s");
      else
        g_string_append_c (raw, c);
    }
  return g_string_free (raw, FALSE);
}

/* ---- Public API ------------------------------------------------------------------------------ */

GPtrArray *
ep_identity_keyfile_read (GKeyFile    *keyfile,
                          const char  *group,
                          GError     **error)
{
  g_autoptr(GPtrArray) identities = g_ptr_array_new_with_free_func ((GDestroyNotify) ep_identity_free);
  g_auto(GStrv) keys = g_key_file_get_keys (keyfile, group, NULL, NULL);
  gboolean have_default = FALSE;
  guint count = 0;

  for (guint i = 0; keys != NULL && keys[i] != NULL; i++)
    {
      const char *field = NULL;
      guint number = parse_key (keys[i], &field);

      if (number == G_MAXUINT)
        {
          g_set_error (error, EP_STORE_ERROR, EP_STORE_ERROR_INVALID,
                       _("“%s”: identities are numbered from 1 to %u"), keys[i], EP_IDENTITY_MAX);
          return NULL;
        }
      count = MAX (count, number);
    }

  for (guint number = 1; number <= count; number++)
    {
      g_autoptr(EpIdentity) identity = ep_identity_new (NULL, NULL);
      g_autofree char *address_key = ep_identity_key_name (number, FIELD_ADDRESS);

      /* A gap would leave the order of the ones after it to chance. */
      if (!g_key_file_has_key (keyfile, group, address_key, NULL))
        {
          refuse (error, number, FIELD_ADDRESS, REFUSE_MISSING);
          return NULL;
        }
      if (!read_text (keyfile, group, number, FIELD_NAME, &identity->name, error) ||
          !read_text (keyfile, group, number, FIELD_ADDRESS, &identity->address, error) ||
          !read_text (keyfile, group, number, FIELD_REPLY_TO, &identity->reply_to, error) ||
          !read_text (keyfile, group, number, FIELD_SIGNATURE, &identity->signature, error) ||
          !read_flag (keyfile, group, number, FIELD_BCC_SELF, &identity->bcc_self, error) ||
          !read_flag (keyfile, group, number, FIELD_ABOVE, &identity->signature_above_quote, error) ||
          !read_flag (keyfile, group, number, FIELD_DEFAULT, &identity->is_default, error))
        return NULL;
      if (!ep_identity_validate (identity, number, error))
        return NULL;
      if (identity->is_default && have_default)
        {
          refuse (error, number, FIELD_DEFAULT, REFUSE_SECOND_DEFAULT);
          return NULL;
        }
      have_default = have_default || identity->is_default;
      g_ptr_array_add (identities, g_steal_pointer (&identity));
    }
  return g_steal_pointer (&identities);
}

void
ep_identity_keyfile_write (GKeyFile   *keyfile,
                           const char *group,
                           GPtrArray  *identities)
{
  g_auto(GStrv) keys = g_key_file_get_keys (keyfile, group, NULL, NULL);

  for (guint i = 0; keys != NULL && keys[i] != NULL; i++)
    {
      const char *field = NULL;

      if (parse_key (keys[i], &field) != 0)
        g_key_file_remove_key (keyfile, group, keys[i], NULL);
    }

  for (guint i = 0; identities != NULL && i < identities->len; i++)
    {
      const EpIdentity *identity = g_ptr_array_index (identities, i);
      const struct { const char *field; const char *value; } texts[] = {
        { FIELD_NAME, identity->name },
        { FIELD_ADDRESS, identity->address },
        { FIELD_REPLY_TO, identity->reply_to },
        { FIELD_SIGNATURE, identity->signature },
      };

      for (gsize t = 0; t < G_N_ELEMENTS (texts); t++)
        {
          g_autofree char *key = ep_identity_key_name (i + 1, texts[t].field);
          g_autofree char *raw = NULL;

          /* The address always, so that the identity exists; the others when set. */
          if (*texts[t].value == '\0' && !g_str_equal (texts[t].field, FIELD_ADDRESS))
            continue;
          raw = escape_text (texts[t].value);
          g_key_file_set_value (keyfile, group, key, raw);
        }
      if (identity->bcc_self)
        {
          g_autofree char *key = ep_identity_key_name (i + 1, FIELD_BCC_SELF);
          g_key_file_set_boolean (keyfile, group, key, TRUE);
        }
      if (identity->signature_above_quote)
        {
          g_autofree char *key = ep_identity_key_name (i + 1, FIELD_ABOVE);
          g_key_file_set_boolean (keyfile, group, key, TRUE);
        }
      if (identity->is_default)
        {
          g_autofree char *key = ep_identity_key_name (i + 1, FIELD_DEFAULT);
          g_key_file_set_boolean (keyfile, group, key, TRUE);
        }
    }
}
