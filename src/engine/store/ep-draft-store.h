/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-draft-store.h: drafts, one keyfile each, in $XDG_DATA_HOME/epistle/drafts/. */
#pragma once

#include <gio/gio.h>

#include "ep-draft.h"

G_BEGIN_DECLS

#define EP_TYPE_DRAFT_STORE (ep_draft_store_get_type ())
G_DECLARE_FINAL_TYPE (EpDraftStore, ep_draft_store, EP, DRAFT_STORE, GObject)

EpDraftStore *ep_draft_store_new         (const char           *drafts_dir);
const char   *ep_draft_store_get_dir     (EpDraftStore         *self);
char         *ep_draft_store_dup_path    (EpDraftStore         *self,
                                          const char           *id);

gboolean      ep_draft_store_save        (EpDraftStore         *self,
                                          EpDraft              *draft,
                                          GError              **error);
void          ep_draft_store_save_async  (EpDraftStore         *self,
                                          EpDraft              *draft,
                                          GCancellable         *cancellable,
                                          GAsyncReadyCallback   callback,
                                          gpointer              user_data);
gboolean      ep_draft_store_save_finish (EpDraftStore         *self,
                                          GAsyncResult         *result,
                                          GError              **error);

EpDraft      *ep_draft_store_load        (EpDraftStore         *self,
                                          const char           *id,
                                          GError              **error);
GPtrArray    *ep_draft_store_list        (EpDraftStore         *self,
                                          GPtrArray           **out_problems,
                                          GError              **error);
gboolean      ep_draft_store_delete      (EpDraftStore         *self,
                                          const char           *id,
                                          GError              **error);
GHashTable   *ep_draft_store_dup_attachment_uris (EpDraftStore  *self,
                                                 const char    *except_id,
                                                 GError       **error);

G_END_DECLS
