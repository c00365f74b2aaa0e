/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-tls-system-database.h: the system's certificate authorities, read only as far as a chain
 * needs them. */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define EP_TYPE_TLS_SYSTEM_DATABASE (ep_tls_system_database_get_type ())
G_DECLARE_FINAL_TYPE (EpTlsSystemDatabase, ep_tls_system_database, EP, TLS_SYSTEM_DATABASE, GTlsDatabase)

EpTlsSystemDatabase *ep_tls_system_database_new         (const char          *bundle);
EpTlsSystemDatabase *ep_tls_system_database_get_default (void);
void                 ep_tls_system_database_prepare     (EpTlsSystemDatabase *self);
const char          *ep_tls_system_database_get_bundle  (EpTlsSystemDatabase *self);

G_END_DECLS
