/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-profile-store.h: the saved server profiles ($XDG_CONFIG_HOME/epistle/profiles.ini). */
#pragma once

#include <gio/gio.h>

#include "ep-profile.h"

G_BEGIN_DECLS

#define EP_TYPE_PROFILE_STORE (ep_profile_store_get_type ())
G_DECLARE_FINAL_TYPE (EpProfileStore, ep_profile_store, EP, PROFILE_STORE, GObject)

EpProfileStore *ep_profile_store_new            (const char      *config_dir);
const char     *ep_profile_store_get_path       (EpProfileStore  *self);
gboolean        ep_profile_store_load           (EpProfileStore  *self,
                                                 GError         **error);
gboolean        ep_profile_store_save           (EpProfileStore  *self,
                                                 GError         **error);

GListModel     *ep_profile_store_list           (EpProfileStore  *self);
EpProfile      *ep_profile_store_lookup_by_id   (EpProfileStore  *self,
                                                 const char      *id);
EpProfile      *ep_profile_store_lookup_by_name (EpProfileStore  *self,
                                                 const char      *name);
EpProfile      *ep_profile_store_get_sandbox    (EpProfileStore  *self);

gboolean        ep_profile_store_check_name     (EpProfileStore  *self,
                                                 const char      *name,
                                                 EpProfile       *except,
                                                 GError         **error);
gboolean        ep_profile_store_add            (EpProfileStore  *self,
                                                 EpProfile       *profile,
                                                 GError         **error);
gboolean        ep_profile_store_insert         (EpProfileStore  *self,
                                                 EpProfile       *profile,
                                                 guint            position,
                                                 GError         **error);
gboolean        ep_profile_store_remove         (EpProfileStore  *self,
                                                 EpProfile       *profile,
                                                 GError         **error);
EpProfile      *ep_profile_store_duplicate      (EpProfileStore  *self,
                                                 EpProfile       *profile,
                                                 GError         **error);

EpProfile      *ep_profile_store_get_default    (EpProfileStore  *self);
const char     *ep_profile_store_get_default_id (EpProfileStore  *self);
char           *ep_profile_store_take_legacy_default_id (EpProfileStore *self);
void            ep_profile_store_set_default_id (EpProfileStore  *self,
                                                 const char      *id);
gboolean        ep_profile_store_set_default    (EpProfileStore  *self,
                                                 EpProfile       *profile,
                                                 GError         **error);

/* Profiles another source keeps (GNOME Online Accounts): listed, looked up, never saved. */
void            ep_profile_store_add_external    (EpProfileStore  *self,
                                                  EpProfile       *profile);
void            ep_profile_store_remove_external (EpProfileStore  *self,
                                                  EpProfile       *profile);
gboolean        ep_profile_store_is_external     (EpProfileStore  *self,
                                                  EpProfile       *profile);

G_END_DECLS
