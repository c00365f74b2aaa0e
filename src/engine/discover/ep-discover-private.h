/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-discover-private.h: what only the tests set on a discovery: the ports of the well-known
 * services, so that local servers on unprivileged ports stand in for them, and the DNS resolver
 * asked whether an answer was validated by DNSSEC. */
#pragma once

#include "ep-discover.h"

G_BEGIN_DECLS

/* 0 keeps a port's default (443 for HTTPS, 80 for HTTP, 465 and 587 for the probes). */
void ep_discover_set_test_ports (EpDiscover *self,
                                 guint16     https_port,
                                 guint16     http_port,
                                 guint16     tls_port,
                                 guint16     starttls_port);

/* An IPv4 resolver instead of the system's, for the DNSSEC check only; %NULL: the system's. */
void ep_discover_set_test_nameserver (EpDiscover         *self,
                                      GInetSocketAddress *nameserver);

G_END_DECLS
