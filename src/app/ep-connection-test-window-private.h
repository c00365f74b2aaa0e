/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-connection-test-window-private.h: the connection test window's state, shared by its
 * ep-connection-test-window-*.c parts. */
#pragma once

#include "ep-connection-test-window.h"

G_BEGIN_DECLS

#define N_STEPS EP_CONNECTION_TEST_N_STEPS

struct _EpConnectionTestWindow
{
  AdwWindow            parent_instance;

  /* Template widgets */
  AdwToastOverlay     *toast_overlay;
  AdwWindowTitle      *window_title;
  GtkButton           *again_button;
  AdwPreferencesGroup *steps_group;
  AdwPreferencesGroup *outcome_group;
  AdwPreferencesGroup *caps_group;
  AdwPreferencesGroup *tls_group;
  AdwPreferencesGroup *cert_group;
  AdwPreferencesGroup *transcript_group;
  AdwActionRow        *outcome_row;
  GtkImage            *outcome_icon;
  GtkTextView         *transcript_view;

  /* Owned */
  EpProfileStore      *store;
  EpProfile           *profile;
  char                *password;       /* typed, not saved; wiped when replaced or freed */
  char                *imap_password;  /* the IMAP server's own, typed; the same */
  gboolean             sandbox;
  EpConnectionTest    *test;           /* the latest run */
  GCancellable        *cancellable;    /* while it runs */
  gboolean             finished;
  AdwActionRow        *step_rows[N_STEPS];
  GtkStack            *step_icons[N_STEPS];
  AdwActionRow        *imap_rows[EP_IMAP_CHECK_N_STEPS];   /* the Sent folder copy's side */
  GtkStack            *imap_icons[EP_IMAP_CHECK_N_STEPS];
  AdwComboRow         *imap_choose_row;  /* several Sent folders: the person picks one */
  GPtrArray           *result_rows;    /* rows added to caps/tls/cert groups, to remove them */
  EpSmtpResult        *result;
  GError              *error;
  char                *suggestion;

  /* Weak */
  GtkWidget           *certificate_dialog;
};

/* ep-connection-test-window.c */
GtkWidget *ep_connection_test_window_make_step_icons (void);

/* ep-connection-test-window-imap.c */
void ep_connection_test_window_init_imap   (EpConnectionTestWindow *self);
void ep_connection_test_window_watch_imap  (EpConnectionTestWindow *self);
void ep_connection_test_window_update_imap (EpConnectionTestWindow *self);
void ep_connection_test_window_finalize_imap (EpConnectionTestWindow *self);
void ep_connection_test_window_move_imap_last (EpConnectionTestWindow *self);
/* For the tests: PENDING while the row is hidden (no IMAP side). */
EpTestStepState ep_connection_test_window_get_imap_step_state (EpConnectionTestWindow  *self,
                                                               EpImapCheckStep          step,
                                                               const char             **detail);

/* ep-connection-test-window-results.c */
void ep_connection_test_window_clear_results (EpConnectionTestWindow *self);
void ep_connection_test_window_show_result   (EpConnectionTestWindow *self,
                                              EpSmtpResult           *result);

G_END_DECLS
