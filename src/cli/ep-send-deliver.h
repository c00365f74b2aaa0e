/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-send-deliver.h: the network half of epistle-send: options to an SMTP session, outcome to an
 * exit status and plain messages on stderr. */
#pragma once

#include "ep-message.h"
#include "ep-profile-store.h"
#include "ep-smtp.h"
#include "ep-send-options.h"

G_BEGIN_DECLS

/* Sends @message (or the --raw file when opts->raw is set; @message is then ignored and may be
 * NULL) as the options say. Prints every diagnostic itself on stderr, one line each
 * ("epistle-send: recipient <x@y> refused: 550 5.1.1 no such user"), and the transcript with
 * --transcript; @error receives the primary cause as well, for callers that want it, but must
 * not be printed again. Returns the exit status of the contract (ep-send-exit.h), 80 for a partial delivery. */
int ep_send_deliver           (EpSendOptions  *opts,
                               EpMessage      *message,
                               GError        **error);

/* The saved profile that opts->profile names (by name, else by id), borrowed from @store
 * (loaded here); prints why not and returns the exit status (78) when there is none. */
int      ep_send_find_profile (EpSendOptions   *opts,
                               EpProfileStore  *store,
                               EpProfile      **out_profile,
                               GError         **error);
/* The secret read from --password-file (NULL without one); prints why not and returns the exit
 * status on a mistake. Free it with ep_secrets_password_free(). */
int      ep_send_password_file_secret (EpSendOptions  *opts,
                                       EpProfile      *profile,
                                       char          **out_secret,
                                       GError        **error);

/* The application's client ID (and secret) for the provider @profile signs in with, from its
 * settings when the schema is installed (epistle-send also runs without the app); NULL each
 * when none is set, and the profile's own or the build's applies. */
void     ep_send_oauth_client (EpProfile       *profile,
                               char           **client_id,
                               char           **client_secret);

/* "host", "host:port", "[v6]", "[v6]:port" → host and port (0 when absent). */
gboolean ep_send_parse_server (const char     *text,
                               char          **host,
                               guint16        *port);

G_END_DECLS
