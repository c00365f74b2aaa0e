/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-send-goa.c: GNOME Online Accounts' mail accounts among epistle-send's profiles, and
 * --list-profiles, which shows them with the saved ones. */
#include "config.h"

#include <glib/gi18n.h>

#include "ep-goa-account.h"
#include "ep-goa-accounts.h"
#include "ep-send-exit.h"
#include "ep-send-goa.h"
#include "ep-send-table.h"
#include "ep-store-error.h"

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

int
ep_send_list_profiles (EpSendOptions *opts)
{
  g_autoptr(EpProfileStore) store = ep_profile_store_new (NULL);
  g_autoptr(GError) error = NULL;
  GListModel *list;

  g_return_val_if_fail (opts != NULL, EP_EXIT_SOFTWARE);

  /* A file with a bad group still lists the others. */
  if (!ep_profile_store_load (store, &error))
    {
      g_printerr ("epistle-send: %s\n", error->message);
      if (!g_error_matches (error, EP_STORE_ERROR, EP_STORE_ERROR_INVALID))
        return EP_EXIT_CONFIG;
    }
  ep_send_list_goa (store);

  list = ep_profile_store_list (store);
  for (guint i = 0; i < g_list_model_get_n_items (list); i++)
    {
      g_autoptr(EpProfile) profile = g_list_model_get_item (list, i);
      EpGoaAccount *account = ep_goa_account_from_profile (profile);
      g_autoptr(GString) line = g_string_new (NULL);
      g_autofree char *server = NULL;
      g_autofree char *problem = NULL;
      g_autofree char *note = NULL;

      if (!ep_profile_get_is_sandbox (profile) && *ep_profile_get_host (profile) != '\0')
        server = ep_smtp_format_server (ep_profile_get_host (profile), ep_profile_get_port (profile));
      if (account != NULL)
        problem = ep_goa_account_dup_problem (account);
      if (problem != NULL)
        /* Translators: --list-profiles: why a profile from GNOME Online Accounts is not used */
        note = g_strdup_printf (_("not used: %s"), problem);

      ep_send_append_field (line, ep_profile_get_id (profile));
      ep_send_append_field (line, ep_profile_get_name (profile));
      ep_send_append_field (line, server);
      ep_send_append_field (line, ep_profile_get_is_sandbox (profile) ? "sandbox" : account != NULL ? "goa" : "profiles.ini");
      ep_send_append_field (line, note);
      g_print ("%s\n", line->str);
    }
  return EP_EXIT_OK;
}
