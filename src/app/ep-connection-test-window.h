/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-connection-test-window.h: Test Connection: greeting → EHLO → TLS → EHLO → AUTH → QUIT, live,
 * then what the server offers, its TLS and certificate, and the transcript. */
#pragma once

#include <adwaita.h>

#include "ep-connection-test.h"
#include "ep-profile-store.h"
#include "ep-smtp-session.h"

G_BEGIN_DECLS

#define EP_TYPE_CONNECTION_TEST_WINDOW (ep_connection_test_window_get_type ())
G_DECLARE_FINAL_TYPE (EpConnectionTestWindow, ep_connection_test_window, EP, CONNECTION_TEST_WINDOW, AdwWindow)

EpConnectionTestWindow *ep_connection_test_window_new        (GtkWindow              *parent,
                                                              EpProfileStore         *store,
                                                              EpProfile              *profile,
                                                              gboolean                sandbox,
                                                              const char             *password);
void             ep_connection_test_window_set_password      (EpConnectionTestWindow *self,
                                                              const char             *password);
void             ep_connection_test_window_set_imap_password (EpConnectionTestWindow *self,
                                                              const char             *password);
void             ep_connection_test_window_start             (EpConnectionTestWindow *self);
gboolean         ep_connection_test_window_is_running        (EpConnectionTestWindow *self);
EpTestStepState  ep_connection_test_window_get_step_state    (EpConnectionTestWindow *self,
                                                              EpSmtpTestStep          step,
                                                              const char            **detail);
gboolean         ep_connection_test_window_get_step_visible  (EpConnectionTestWindow *self,
                                                              EpSmtpTestStep          step);
EpSmtpResult    *ep_connection_test_window_get_result        (EpConnectionTestWindow *self);
const GError    *ep_connection_test_window_get_error         (EpConnectionTestWindow *self);
const char      *ep_connection_test_window_get_suggestion    (EpConnectionTestWindow *self);
char            *ep_connection_test_window_dup_summary       (EpConnectionTestWindow *self);
GtkWidget       *ep_connection_test_window_get_certificate_dialog (EpConnectionTestWindow *self);
/* Several Sent folders on the IMAP server: the row to pick one (NULL when there is no choice);
 * ep_connection_test_window_choose_sent_folder() sets the profile's imap-sent-folder. */
GtkWidget       *ep_connection_test_window_get_sent_folder_chooser (EpConnectionTestWindow *self);
void             ep_connection_test_window_choose_sent_folder (EpConnectionTestWindow *self,
                                                               guint                   index);


G_END_DECLS
