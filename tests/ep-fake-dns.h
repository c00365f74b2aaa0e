/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-fake-dns.h: a DNS server on 127.0.0.1 (UDP) for the tests: it answers the MX and SRV
 * questions it was given, with or without the AD bit, NXDOMAIN to the others, or nothing at all
 * when told to keep silent. Only what the C library's stub resolver needs is spoken. */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef struct _EpFakeDns EpFakeDns;

EpFakeDns          *ep_fake_dns_new         (void);
void                ep_fake_dns_free        (EpFakeDns   *self);
GInetSocketAddress *ep_fake_dns_get_address (EpFakeDns   *self);
void                ep_fake_dns_add         (EpFakeDns   *self,
                                             const char  *name,
                                             guint16      type,
                                             const char  *target,
                                             gboolean     authenticated);
void                ep_fake_dns_set_silent  (EpFakeDns   *self,
                                             gboolean     silent);
guint               ep_fake_dns_count       (EpFakeDns   *self,
                                             const char  *name);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (EpFakeDns, ep_fake_dns_free)

G_END_DECLS
