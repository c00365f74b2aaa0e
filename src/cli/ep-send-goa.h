/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-send-goa.h: GNOME Online Accounts' mail accounts among epistle-send's profiles. */
#pragma once

#include "ep-profile-store.h"

G_BEGIN_DECLS

/* Lists Online Accounts' mail accounts in @store ("goa:<account id>", named "address
 * (Provider)") for as long as @store lives; nothing without the service. */
void ep_send_list_goa (EpProfileStore *store);

G_END_DECLS
