/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-smtp.h: the SMTP engine's public headers in one include. */
#pragma once

#include "ep-smtp-capabilities.h"
#include "ep-smtp-config.h"
#include "ep-smtp-error.h"
#include "ep-smtp-path.h"
#include "ep-smtp-reply.h"
#include "ep-smtp-result.h"
#include "ep-smtp-session.h"
#include "ep-smtp-tls-info.h"
#include "ep-smtp-transcript.h"
