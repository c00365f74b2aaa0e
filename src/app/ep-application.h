/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-application.h: the single-instance Epistle application. */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define EP_TYPE_APPLICATION (ep_application_get_type ())
G_DECLARE_FINAL_TYPE (EpApplication, ep_application, EP, APPLICATION, AdwApplication)

#include "ep-outbox-worker.h"
#include "ep-profile-store.h"

EpApplication  *ep_application_new               (void);
/* The one sender of outbox entries, for the windows that add or show them. */
EpOutboxWorker *ep_application_get_outbox_worker (EpApplication *self);

G_END_DECLS
