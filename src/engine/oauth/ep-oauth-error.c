/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-oauth-error.c: the error domain of built-in sign-in. */
#include "config.h"

#include "ep-oauth-error.h"

G_DEFINE_QUARK (ep-oauth-error-quark, ep_oauth_error)
