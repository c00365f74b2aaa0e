/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-profile-keyfile.h: one profile to and from its group in profiles.ini (formats: docs/stores.md). */
#pragma once

#include <glib.h>

#include "ep-profile.h"

G_BEGIN_DECLS

/* Builds the profile of @group (whose id is @id). On a bad value: NULL and an error naming the
 * key; the group is not touched, so that the next save keeps it for the user to fix. */
EpProfile *ep_profile_keyfile_read  (GKeyFile    *keyfile,
                                     const char  *group,
                                     const char  *id,
                                     GError     **error);
/* Writes @profile's keys into @group, leaving keys this version does not know alone. */
void       ep_profile_keyfile_write (GKeyFile    *keyfile,
                                     const char  *group,
                                     EpProfile   *profile);

G_END_DECLS
