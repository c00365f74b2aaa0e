/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-fake-resolver.h: a GResolver for tests: host names, MX and SRV records from a table, names
 * that never answer, nothing ever asked of a real DNS server. */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define EP_TYPE_FAKE_RESOLVER (ep_fake_resolver_get_type ())
G_DECLARE_FINAL_TYPE (EpFakeResolver, ep_fake_resolver, EP, FAKE_RESOLVER, GResolver)

/* Knows "localhost" (127.0.0.1) and nothing else yet. Install it with g_resolver_set_default(). */
EpFakeResolver *ep_fake_resolver_new        (void);
/* @name resolves to @ip (an IPv4 or IPv6 literal). */
void            ep_fake_resolver_add_host   (EpFakeResolver *self,
                                             const char     *name,
                                             const char     *ip);
void            ep_fake_resolver_add_mx     (EpFakeResolver *self,
                                             const char     *domain,
                                             guint16         preference,
                                             const char     *host);
void            ep_fake_resolver_add_srv    (EpFakeResolver *self,
                                             const char     *name,
                                             guint16         priority,
                                             guint16         weight,
                                             guint16         port,
                                             const char     *target);
/* Every question about @name (addresses or records) waits until it is cancelled. */
void            ep_fake_resolver_add_stall  (EpFakeResolver *self,
                                             const char     *name);
/* Every question about @name fails with G_RESOLVER_ERROR_TEMPORARY_FAILURE. */
void            ep_fake_resolver_add_failure (EpFakeResolver *self,
                                              const char     *name);

/* Lines of a file, blank ones and '#' comments ignored:
 *   host NAME IP | mx DOMAIN PREFERENCE HOST | srv NAME PRIORITY WEIGHT PORT TARGET
 *   stall NAME | fail NAME */
gboolean        ep_fake_resolver_load_file  (EpFakeResolver *self,
                                             const char     *path,
                                             GError        **error);

/* How many questions were asked about @name: a test can show that a source was never asked. */
guint           ep_fake_resolver_count_lookups (EpFakeResolver *self,
                                                const char     *name);

G_END_DECLS
