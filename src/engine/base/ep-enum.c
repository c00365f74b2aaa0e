/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-enum.c: enum values to and from their GType nicks. */
#include "config.h"

#include <string.h>

#include "ep-enum.h"

const char *
ep_enum_to_nick (GType type,
                 int   value)
{
  g_autoptr(GEnumClass) klass = g_type_class_ref (type);
  GEnumValue *ev = g_enum_get_value (klass, value);

  return ev != NULL ? ev->value_nick : NULL;
}

gboolean
ep_enum_from_nick (GType       type,
                   const char *nick,
                   gboolean    ignore_case,
                   int        *out_value)
{
  g_autoptr(GEnumClass) klass = g_type_class_ref (type);

  g_return_val_if_fail (out_value != NULL, FALSE);

  if (nick == NULL)
    return FALSE;
  for (guint i = 0; i < klass->n_values; i++)
    {
      const char *candidate = klass->values[i].value_nick;

      if (ignore_case ? g_ascii_strcasecmp (nick, candidate) == 0 : strcmp (nick, candidate) == 0)
        {
          *out_value = klass->values[i].value;
          return TRUE;
        }
    }
  return FALSE;
}
