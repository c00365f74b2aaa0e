/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-outbox-overdue.h: messages scheduled with Send Later whose time passed while Epistle was not
 * running. They are not sent by themselves (what was right to send then may not be now): the
 * person is asked to send them now, choose another time, or take them back as drafts. */
#pragma once

#include <adwaita.h>

#include "ep-outbox-worker.h"

G_BEGIN_DECLS

/* A message that the server was to hold until a time not after @now, and that never left (the
 * computer was off): held at that time, so that the question is asked about it too, instead of
 * it going out late by itself. */
void       ep_outbox_overdue_hold_missed (EpOutboxStore *store,
                                          GDateTime     *now);
/* The held entries of @store whose time is not after @now (element-type EpOutboxEntry). */
GPtrArray *ep_outbox_overdue_list    (EpOutboxStore  *store,
                                      GDateTime      *now);
/* Asks about @entries (from ep_outbox_overdue_list()); Keep as Draft opens each draft with the
 * application's action "app.open-draft". Returns the dialog. */
GtkWidget *ep_outbox_overdue_present (GtkWindow      *parent,
                                      EpOutboxWorker *worker,
                                      GPtrArray      *entries);

G_END_DECLS
