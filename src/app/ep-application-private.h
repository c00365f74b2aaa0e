/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-application-private.h: the application's profile store, for the tests; windows are handed the store instead. */
#pragma once

#include "ep-application.h"

G_BEGIN_DECLS

EpProfileStore *ep_application_get_profile_store (EpApplication *self);
gboolean        ep_application_offers_setup      (EpApplication *self);

G_END_DECLS
