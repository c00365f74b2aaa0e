/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-send-configure.h: epistle-send --configure ADDRESS: settings discovery from the command
 * line, printed as a profiles.ini group and optionally saved as a profile. */
#pragma once

#include "ep-discover.h"
#include "ep-send-options.h"

G_BEGIN_DECLS

/* Runs the discovery for opts->configure; prints the best result on stdout (a profiles.ini
 * group, with where it came from as comments), the transcript on stderr with --transcript,
 * saves it with --save NAME. Returns 0 found, 69 nothing found, 75 nothing found but a source
 * failed in a way that may pass (a timeout, the network), 78 not an address (or --save
 * refused). */
int  ep_send_configure          (EpSendOptions *opts);

/* Called with each discovery before it runs. Only the test build of epistle-send sets one (to
 * point discovery at local servers); the installed program has none and no way to get one. */
typedef void (*EpSendConfigureHook) (EpDiscover *discover);
void ep_send_configure_set_hook (EpSendConfigureHook hook);

G_END_DECLS
