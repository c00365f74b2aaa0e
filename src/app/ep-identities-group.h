/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-identities-group.h: the profile editor's Identities: the Froms the profile sends as, each
 * with its Reply-To, blind copy to itself and signature; added, reordered, edited, removed
 * with Undo. */
#pragma once

#include <adwaita.h>

#include "ep-profile.h"

G_BEGIN_DECLS

#define EP_TYPE_IDENTITIES_GROUP (ep_identities_group_get_type ())
G_DECLARE_FINAL_TYPE (EpIdentitiesGroup, ep_identities_group, EP, IDENTITIES_GROUP, AdwPreferencesGroup)

/* Puts a group for @draft (the profile the editor edits: the group writes its identities) in
 * the page just after @after. */
EpIdentitiesGroup *ep_identities_group_attach (EpProfile *draft,
                                               GtkWidget *after);

G_END_DECLS
