/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-sandbox.h: the built-in Sandbox (server, certificate, credentials, inbox), one include. */
#pragma once

#include "ep-sandbox-certificate.h"
#include "ep-sandbox-credentials.h"
#include "ep-sandbox-error.h"
#include "ep-sandbox-server.h"
#include "ep-sandbox-store.h"
