/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-send-identity.h: epistle-send --identity: one of the saved profiles' identities. */
#pragma once

#include "ep-message.h"
#include "ep-send-options.h"

G_BEGIN_DECLS

/* Finds opts->identity (a display name or an address) in --profile's identities, or in all
 * profiles' when there is no --profile (then it must be unique there, and its profile becomes
 * --profile unless --server is given); fills --from unless it was given. Prints the reason and
 * returns the exit status when it is not found or not unique. */
int  ep_send_identity_resolve (EpSendOptions *opts);
/* What the chosen identity adds to @message: Reply-To, the blind copy to itself and the
 * signature below the text. Nothing without --identity. */
gboolean ep_send_identity_apply (EpSendOptions *opts,
                                 EpMessage     *message,
                                 GError       **error);

G_END_DECLS
