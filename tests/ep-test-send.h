/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-test-send.h: the app's send run from a test, and scripted SMTP servers taking turns on one
 * port (a first session refused, the next one served by a server with the next script). */
#pragma once

#include "ep-message.h"
#include "ep-profile.h"
#include "ep-script-server.h"
#include "ep-smtp-result.h"

G_BEGIN_DECLS

/* The scripted server playing @script on 127.0.0.1, on @port (0: any), started. */
EpScriptServer *ep_test_start_server        (const char *script,
                                             guint16     port);

/* @first serves the first session on @port; ep_test_relay_next() (called by a fake
 * authorization server's hook, before a new token is handed out) checks that it is done and
 * starts @second_script's server on the same port. */
typedef struct {
  EpScriptServer *first;
  EpScriptServer *second;
  char           *second_script;
  guint16         port;
} EpTestRelay;

void            ep_test_relay_next          (EpTestRelay *relay);
void            ep_test_relay_clear         (EpTestRelay *relay);

/* A small message from EP_SCRIPT_SENDER to ann@example.org. */
EpMessage      *ep_test_new_message         (void);

typedef struct {
  gboolean      done;
  EpSmtpResult *result;
  GError       *error;
} EpTestSendOutcome;

/* The app's send of a small message from EP_SCRIPT_SENDER to ann@example.org (a worker thread,
 * on a context of its own), its Sent copy in @sent_dir, with the application's OAuth client ID
 * @client_id (nullable); bounded in time. */
void            ep_test_send                (EpProfile         *profile,
                                             const char        *sent_dir,
                                             const char        *client_id,
                                             EpTestSendOutcome *outcome);
void            ep_test_send_outcome_clear  (EpTestSendOutcome *outcome);

G_END_DECLS
