/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-send-goa.h: GNOME Online Accounts' mail accounts among epistle-send's profiles. */
#pragma once

#include "ep-profile-store.h"
#include "ep-send-options.h"

G_BEGIN_DECLS

/* Lists Online Accounts' mail accounts in @store ("goa:<account id>", named "address
 * (Provider)") for as long as @store lives; nothing without the service. */
void ep_send_list_goa      (EpProfileStore *store);

/* --list-profiles: one tab-separated line per profile on standard output (id, name, server,
 * source, why it is not used or "-"). Exit status: 0, or 78 when profiles.ini cannot be read. */
int  ep_send_list_profiles (EpSendOptions  *opts);

G_END_DECLS
