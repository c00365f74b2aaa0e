/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-send-compose.h: builds the EpMessage of epistle-send from its options, and --print. */
#pragma once

#include "ep-message.h"
#include "ep-send-options.h"

G_BEGIN_DECLS

int ep_send_compose_message (EpSendOptions  *opts,
                             EpMessage     **out,
                             GError        **error);
int ep_send_print           (EpSendOptions  *opts);

G_END_DECLS
