/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-send-goa.c: GNOME Online Accounts' mail accounts among epistle-send's profiles. */
#include "config.h"

#include "ep-goa-accounts.h"
#include "ep-send-goa.h"

void
ep_send_list_goa (EpProfileStore *store)
{
  EpGoaAccounts *accounts;

  g_return_if_fail (EP_IS_PROFILE_STORE (store));

  if (g_object_get_data (G_OBJECT (store), "ep-goa-accounts") != NULL)
    return;
  accounts = ep_goa_accounts_new (store);
  /* Blocking is fine here: a command-line tool, and the service answers at once (or is absent). */
  ep_goa_accounts_load_sync (accounts, NULL);
  /* The store keeps the accounts (which do not keep it) for as long as its profiles are used. */
  g_object_set_data_full (G_OBJECT (store), "ep-goa-accounts", accounts, g_object_unref);
}
