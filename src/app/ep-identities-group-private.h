/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-identities-group-private.h: what the tests drive of the Identities group. */
#pragma once

#include "ep-identities-group.h"

G_BEGIN_DECLS

void       ep_identities_group_add        (EpIdentitiesGroup *self,
                                           const EpIdentity  *identity);
void       ep_identities_group_move       (EpIdentitiesGroup *self,
                                           guint              index,
                                           int                delta);
void       ep_identities_group_remove     (EpIdentitiesGroup *self,
                                           guint              index);
gboolean   ep_identities_group_undo       (EpIdentitiesGroup *self);
/* The edit dialog of identity @index (G_MAXUINT: a new one), shown. */
GtkWindow *ep_identities_group_edit       (EpIdentitiesGroup *self,
                                           guint              index);
/* Fills the edit dialog's fields, and presses its Save: the error shown (the window stays), or
 * %NULL when it saved and closed. */
void        ep_identities_group_dialog_fill (GtkWindow   *edit,
                                             const char  *name,
                                             const char  *address,
                                             const char  *signature);
const char *ep_identities_group_dialog_save (GtkWindow   *edit);

G_END_DECLS
