/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-engine.h: the engine's umbrella header (GLib/GIO/GnuTLS only, never GTK). */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

const char *ep_engine_version    (void);
const char *ep_engine_user_agent (void);

G_END_DECLS
