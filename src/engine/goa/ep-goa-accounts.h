/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-goa-accounts.h: the mail accounts of GNOME Online Accounts, listed as read-only profiles
 * in a profile store (ids "goa:<account id>"), kept up to date while the service runs. */
#pragma once

#include <gio/gio.h>

#include "ep-profile-store.h"

G_BEGIN_DECLS

#define EP_TYPE_GOA_ACCOUNTS (ep_goa_accounts_get_type ())
G_DECLARE_FINAL_TYPE (EpGoaAccounts, ep_goa_accounts, EP, GOA_ACCOUNTS, GObject)

/* Lists nothing until loaded; the profiles leave @store when the object is disposed. @store is
 * not referenced: it may keep this object alive itself (g_object_set_data_full()). */
EpGoaAccounts *ep_goa_accounts_new         (EpProfileStore       *store);

/* Connects to Online Accounts on the session bus and lists its mail accounts, then follows
 * accounts added, removed and changed (in the thread-default main context of the call). No
 * session bus, or no Online Accounts service, is no error: nothing is listed, and the
 * accounts appear if the service starts later. Fails only with G_IO_ERROR_CANCELLED. */
void           ep_goa_accounts_load_async  (EpGoaAccounts        *self,
                                            GCancellable         *cancellable,
                                            GAsyncReadyCallback   callback,
                                            gpointer              user_data);
gboolean       ep_goa_accounts_load_finish (EpGoaAccounts        *self,
                                            GAsyncResult         *result,
                                            GError              **error);
/* The same, blocking: for a command-line tool. */
void           ep_goa_accounts_load_sync   (EpGoaAccounts        *self,
                                            GCancellable         *cancellable);

/* How many accounts are listed now (usable or not). */
guint          ep_goa_accounts_get_n_listed (EpGoaAccounts       *self);

G_END_DECLS
