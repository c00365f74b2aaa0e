/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-application-private.h: the application's profile store, for the tests; windows are handed the store instead. */
#pragma once

#include "ep-application.h"

G_BEGIN_DECLS

EpProfileStore *ep_application_get_profile_store (EpApplication *self);
gboolean        ep_application_offers_setup      (EpApplication *self);
/* Makes the first usable Online Accounts profile the default when the person has chosen none
 * and has no profile of their own; whether it did. Run once the accounts are listed. */
gboolean        ep_application_default_to_goa    (EpApplication *self);

G_END_DECLS
