/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-goa-error.c: the error domain of profiles from GNOME Online Accounts. */
#include "config.h"

#include "ep-goa-error.h"

G_DEFINE_QUARK (ep-goa-error-quark, ep_goa_error)
