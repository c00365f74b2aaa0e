/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-enum.h: how stores, the command line and logs spell an enum value: its GType nick. */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

/* The nick of @value in the enum @type; NULL for a value the type does not have. */
const char *ep_enum_to_nick   (GType        type,
                               int          value);
/* The value whose nick is @nick: exactly (a store's spelling), or ignoring ASCII case (what
 * people type on a command line). FALSE, @out_value untouched, when none matches. */
gboolean    ep_enum_from_nick (GType        type,
                               const char  *nick,
                               gboolean     ignore_case,
                               int         *out_value);

G_END_DECLS
