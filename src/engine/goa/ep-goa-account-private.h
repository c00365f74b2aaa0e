/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-goa-account-private.h: what #EpGoaAccounts needs of an account. */
#pragma once

#include "ep-goa-account.h"
#include "ep-goa-dbus.h"

G_BEGIN_DECLS

EpGoaAccount *ep_goa_account_new         (EpGoaDBusObject *object);
/* Whether the object is a mail account to list: an Account with the Mail interface, or one
 * whose mail was turned off (listed greyed, with the reason). */
gboolean      ep_goa_object_is_listed    (EpGoaDBusObject *object);
/* Whether it is an account at all (an object with the Account interface and an id). */
gboolean      ep_goa_object_is_account   (EpGoaDBusObject *object);
/* A new profile for the account, its settings read from Online Accounts. */
EpProfile    *ep_goa_account_new_profile (EpGoaAccount    *self);
/* Reads the settings into @profile again (after a change in Online Accounts). */
void          ep_goa_account_apply       (EpGoaAccount    *self,
                                          EpProfile       *profile);
/* The account left Online Accounts: credentials are not asked for any more. */
void          ep_goa_account_set_gone    (EpGoaAccount    *self);

G_END_DECLS
