/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-sandbox-error.c: the error domain of the built-in Sandbox server and its inbox. */
#include "config.h"

#include "ep-sandbox-error.h"

G_DEFINE_QUARK (ep-sandbox-error-quark, ep_sandbox_error)
