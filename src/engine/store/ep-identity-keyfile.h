/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-identity-keyfile.h: a profile's identities to and from its profiles.ini group. */
#pragma once

#include <glib.h>

#include "ep-identity.h"

G_BEGIN_DECLS

/* The identities of @group, in order (empty when it has none); %NULL and an error naming the
 * key when one is refused. */
GPtrArray *ep_identity_keyfile_read  (GKeyFile    *keyfile,
                                      const char  *group,
                                      GError     **error);
/* Replaces the identity keys of @group with @identities (none written when empty); other keys,
 * known or not, are left alone. */
void       ep_identity_keyfile_write (GKeyFile    *keyfile,
                                      const char  *group,
                                      GPtrArray   *identities);

G_END_DECLS
