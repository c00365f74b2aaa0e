/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-keyring-row.h: the row under a profile's password field: whether the system keyring can
 * keep the password and whether one is saved there (never the password itself), with Forget to
 * remove it. */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

/* Whether passwords can be kept: learnt shortly after the editor opens (ep_keyring_row_load()). */
typedef enum {
  EP_KEYRING_STATE_UNKNOWN,
  EP_KEYRING_STATE_AVAILABLE,
  EP_KEYRING_STATE_ABSENT,
} EpKeyringState;

#define EP_TYPE_KEYRING_ROW (ep_keyring_row_get_type ())
G_DECLARE_FINAL_TYPE (EpKeyringRow, ep_keyring_row, EP, KEYRING_ROW, AdwActionRow)

void            ep_keyring_row_load                    (EpKeyringRow *self,
                                                        const char   *profile_id);
EpKeyringState  ep_keyring_row_get_state               (EpKeyringRow *self);
gboolean        ep_keyring_row_get_has_stored_password (EpKeyringRow *self);
void            ep_keyring_row_forget                  (EpKeyringRow *self);

G_END_DECLS
