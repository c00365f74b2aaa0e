/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-discover-dnssec.h: whether the system's resolver vouches for a DNS answer (the AD bit). */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* How long a check may take before the answer counts as not validated. */
#define EP_DISCOVER_DNSSEC_TIMEOUT_MS 2000

void     ep_discover_dnssec_check_async  (const char          *name,
                                          guint16              type,
                                          const char          *host,
                                          GInetSocketAddress  *nameserver,
                                          GCancellable        *cancellable,
                                          GAsyncReadyCallback  callback,
                                          gpointer             user_data);
gboolean ep_discover_dnssec_check_finish (GAsyncResult        *result);

gboolean ep_discover_dnssec_check        (const char          *name,
                                          guint16              type,
                                          const char          *host,
                                          GInetSocketAddress  *nameserver);

G_END_DECLS
