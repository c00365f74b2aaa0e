/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-send-login.h: epistle-send --login PROFILE: built-in sign-in from a terminal. */
#pragma once

#include "ep-send-options.h"

G_BEGIN_DECLS

/* Signs the profile opts->login in with its provider: the device flow (a code to enter on any
 * device) where the provider offers it for mail, else the browser flow with the address to open
 * printed and the redirect awaited on 127.0.0.1. The refresh token goes to the keyring. Prints
 * the code or the address on stdout, everything else on stderr; returns the exit status. */
int ep_send_login (EpSendOptions *opts);

G_END_DECLS
