/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-oauth-endpoint.h: within the oauth layer: one form POST to a token or device endpoint over
 * HTTPS (certificates always checked), its JSON answer, and the OAuth error it may carry. */
#pragma once

#include <json-glib/json-glib.h>

#include "ep-oauth-tokens.h"

G_BEGIN_DECLS

/* The answer of a POST: its JSON object (NULL when the body was not one), or the OAuth error
 * code (RFC 6749 §5.2 "error") and description when the endpoint refused. */
typedef struct {
  guint       status;
  JsonObject *object;
  char       *error_code;
  char       *error_description;
} EpOAuthAnswer;

void           ep_oauth_answer_free          (EpOAuthAnswer        *answer);

/* POSTs the NULL-terminated name/value pairs @form (application/x-www-form-urlencoded) to @url.
 * NULL only when no answer came (EP_OAUTH_ERROR_NETWORK, G_IO_ERROR_CANCELLED); an answer with
 * an error status is returned for the caller to judge. @step names the request in the
 * transcript ("token (refresh)"): secrets never go there. */
EpOAuthAnswer *ep_oauth_endpoint_post        (const char           *url,
                                              const char * const   *form,
                                              const EpOAuthOptions *options,
                                              const char           *step,
                                              GCancellable         *cancellable,
                                              GError              **error);

/* The generic error for an answer that is not a success: the endpoint's own words. */
void           ep_oauth_answer_set_error     (const EpOAuthAnswer  *answer,
                                              const char           *url,
                                              GError              **error);

/* A successful token answer (RFC 6749 §5.1) to tokens; EP_OAUTH_ERROR_PROTOCOL when it lacks
 * the access token or is not a bearer token. */
EpOAuthTokens *ep_oauth_answer_to_tokens     (const EpOAuthAnswer  *answer,
                                              GError              **error);

const char    *ep_oauth_answer_get_string    (const EpOAuthAnswer  *answer,
                                              const char           *member);
/* A number member (some providers send numbers as strings); @fallback when absent. */
gint64         ep_oauth_answer_get_int       (const EpOAuthAnswer  *answer,
                                              const char           *member,
                                              gint64                fallback);

void           ep_oauth_transcript_info      (const EpOAuthOptions *options,
                                              const char           *format,
                                              ...) G_GNUC_PRINTF (2, 3);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (EpOAuthAnswer, ep_oauth_answer_free)

G_END_DECLS
