/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-content-type.c: attachment types from GIO's shared-mime-info sniffing, with a safe fallback. */
#include "config.h"


#include <string.h>
#include <gio/gio.h>

#include "ep-content-type.h"
#include "ep-text.h"

/* RFC 2045 §5.1: type "/" subtype, both tokens. Parameters are ours to add, not the caller's. */
static gboolean
is_token (const char *s,
          gsize       len)
{
  if (len == 0 || len > 127 || !ep_text_is_visible_ascii (s, (gssize) len))
    return FALSE;
  for (gsize i = 0; i < len; i++)
    if (strchr ("()<>@,;:\\\"/[]?=", s[i]) != NULL)
      return FALSE;
  return TRUE;
}

gboolean
ep_content_type_is_valid (const char *type)
{
  const char *slash;

  if (type == NULL)
    return FALSE;
  slash = strchr (type, '/');
  return slash != NULL &&
         is_token (type, slash - type) &&
         is_token (slash + 1, strlen (slash + 1));
}

/* @data may be NULL (name only). Empty data is judged by name only: GIO calls every empty file
 * application/x-zerosize, which tells a recipient nothing. */
char *
ep_content_type_guess (const char   *name,
                       const guint8 *data,
                       gsize         len)
{
  g_autofree char *guess = NULL;
  g_autofree char *mime = NULL;

  guess = g_content_type_guess (name, len > 0 ? data : NULL, len > 0 ? len : 0, NULL);
  if (guess != NULL)
    mime = g_content_type_get_mime_type (guess);

  if (mime == NULL || !ep_content_type_is_valid (mime) ||
      g_str_equal (mime, "application/x-zerosize"))
    return g_strdup (EP_CONTENT_TYPE_DEFAULT);
  return g_steal_pointer (&mime);
}
