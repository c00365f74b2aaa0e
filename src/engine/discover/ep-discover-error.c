/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-discover-error.c: the error domain of settings discovery. */
#include "config.h"

#include "ep-discover-error.h"

G_DEFINE_QUARK (ep-discover-error-quark, ep_discover_error)
