/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-mime-error.c: the error domain of the MIME engine. */
#include "config.h"

#include "ep-mime-error.h"

G_DEFINE_QUARK (ep-mime-error-quark, ep_mime_error)
