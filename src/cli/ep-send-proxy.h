/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-send-proxy.h: epistle-send's proxy, from the environment as curl takes it. */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

GProxyResolver *ep_send_proxy_resolver_new_from_environment (void);

G_END_DECLS
