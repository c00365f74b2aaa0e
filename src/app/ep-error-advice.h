/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-error-advice.h: an error met while sending or testing a profile, in plain words (a heading)
 * with what to try (a suggestion). One table for both, so the advice cannot drift apart. */
#pragma once

#include <glib.h>

#include "ep-profile.h"
#include "ep-smtp-result.h"

G_BEGIN_DECLS

/* Where the user met the error: the same error calls for different words in the compose window
 * (the message was not sent; the profile is elsewhere) and in Test Connection (nothing is sent;
 * the profile's fields are at hand). */
typedef enum {
  EP_ERROR_ADVICE_SENDING,
  EP_ERROR_ADVICE_TESTING,
} EpErrorAdviceContext;

#define EP_ERROR_ADVICE_N_CONTEXTS (EP_ERROR_ADVICE_TESTING + 1)

void ep_error_advice_describe (const GError          *error,
                               EpErrorAdviceContext   context,
                               EpProfile             *profile,
                               EpSmtpResult          *result,
                               char                 **heading,
                               char                 **suggestion);

G_END_DECLS
