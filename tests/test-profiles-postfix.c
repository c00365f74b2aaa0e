/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-profiles-postfix.c: the whole profile story against a real Postfix + Dovecot on loopback
 * (started by test-profiles-postfix.sh), under Xvfb with a headless GNOME Keyring: a profile made
 * from a preset, its server changed to the local submission port, its password saved in the
 * keyring; the connection test meets Postfix's certificate (signed by a test CA no system trusts),
 * the user trusts it, the test passes every step; then a message sent with the saved profile (and
 * the keyring's password) lands in the Maildir. */
#include "config.h"

#include "ep-address.h"
#include "ep-message.h"
#include "ep-profile-store.h"
#include "ep-profiles-test-util.h"
#include "ep-resources.h"
#include "ep-secrets.h"
#include "ep-send-operation.h"
#include "ep-smtp-error.h"

#define WAIT_MS 30000
/* Postfix delivers into the Maildir about 70 ms after the final 250. */
#define DELIVERY_MS 20000

static GtkWidget *
find_descendant (GtkWidget *widget,
                 GType      type)
{
  if (G_TYPE_CHECK_INSTANCE_TYPE (widget, type))
    return widget;
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_descendant (child, type);

      if (found != NULL)
        return found;
    }
  return NULL;
}

static void
send_done_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  GAsyncResult **out = user_data;

  *out = g_object_ref (result);
}

/* The first file in the Maildir (new/ or cur/) whose text holds @needle. */
static char *
find_delivered (const char *maildir,
                const char *needle)
{
  const char *subdirs[] = { "new", "cur" };

  for (guint i = 0; i < G_N_ELEMENTS (subdirs); i++)
    {
      g_autofree char *dir = g_build_filename (maildir, subdirs[i], NULL);
      g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
      const char *name;

      while (d != NULL && (name = g_dir_read_name (d)) != NULL)
        {
          g_autofree char *path = g_build_filename (dir, name, NULL);
          g_autofree char *text = NULL;

          if (g_file_get_contents (path, &text, NULL, NULL) && strstr (text, needle) != NULL)
            return g_steal_pointer (&text);
        }
    }
  return NULL;
}

static void
respond (GtkWidget  *dialog,
         const char *response)
{
  adw_message_dialog_response (ADW_MESSAGE_DIALOG (dialog), response);
  gtk_window_close (GTK_WINDOW (dialog));
}

static void
test_preset_to_delivery (void)
{
  const char *port = g_getenv ("SUBMISSION_PORT");
  const char *user = g_getenv ("SASL_USER");
  const char *password = g_getenv ("SASL_PASSWORD");
  const char *maildir = g_getenv ("MAILDIR");
  g_autoptr(EpProfileStore) store = ep_profile_store_new (NULL);
  g_autoptr(EpProfileStore) again = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *stored = NULL;
  g_autofree char *pinned = NULL;
  g_autofree char *seen = NULL;
  g_autofree char *subject = NULL;
  g_autofree char *delivered = NULL;
  g_autoptr(EpMessage) message = NULL;
  g_autoptr(EpAddress) from = NULL;
  g_autoptr(EpAddress) to = NULL;
  g_autoptr(EpSendOperation) op = NULL;
  g_autoptr(GAsyncResult) send_result = NULL;
  g_autoptr(EpSmtpResult) result = NULL;
  EpProfilesDialog *dialog;
  EpProfileEditor *editor;
  EpConnectionTestWindow *window;
  GtkWidget *cert_dialog;
  EpProfile *profile;
  gint64 end;

  g_assert_nonnull (port);
  ep_profile_store_load (store, NULL);
  dialog = ep_profiles_dialog_new (NULL, store);
  gtk_window_present (GTK_WINDOW (dialog));

  /* 1. From a preset, pointed at the local Postfix; the password goes to the keyring. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (dialog), "profiles.add", "s", "fastmail"));
  editor = ep_profiles_dialog_get_editor (dialog);
  g_assert_cmpstr (ep_test_get_field (editor, "host"), ==, "smtp.fastmail.com");
  ep_test_set_field (editor, "name", "Local Postfix");
  ep_test_set_field (editor, "sender-name", "Epistle Tester");
  ep_test_set_field (editor, "address", "tester@example.org");
  ep_test_set_field (editor, "host", "127.0.0.1");
  ep_test_select (editor, "security", EP_SMTP_SECURITY_STARTTLS);
  ep_test_set_field (editor, "port", port);
  ep_test_set_field (editor, "username", user);
  gtk_editable_set_text (GTK_EDITABLE (ep_profile_editor_get_field (editor, "password")), password);
  g_assert_true (ep_test_wait (ep_test_keyring_known, editor, WAIT_MS));
  g_assert_cmpint (ep_profile_editor_get_keyring_state (editor), ==, EP_KEYRING_STATE_AVAILABLE);
  g_assert_true (ep_profile_editor_save (editor));
  g_assert_true (ep_test_wait (ep_test_dialog_idle, dialog, WAIT_MS));
  profile = ep_profile_store_lookup_by_name (store, "Local Postfix");
  g_assert_nonnull (profile);
  stored = ep_secrets_lookup_sync (ep_profile_get_id (profile), NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (stored, ==, password);

  /* 2. Test the connection with the saved profile (nothing typed: the keyring's password).
   *    Postfix's certificate comes from a test CA: refused, shown, trusted. */
  ep_profiles_dialog_edit (dialog, profile);
  editor = ep_profiles_dialog_get_editor (dialog);
  ep_profile_editor_test_connection (editor);
  window = ep_profile_editor_get_test_window (editor);
  g_assert_true (ep_test_wait (ep_test_connection_done, window, WAIT_MS));
  g_assert_error (ep_connection_test_window_get_error (window), EP_SMTP_ERROR, EP_SMTP_ERROR_TLS_CERTIFICATE);
  g_assert_cmpint (ep_connection_test_window_get_step_state (window, EP_SMTP_TEST_STEP_AUTH, NULL), ==,
                   EP_TEST_STEP_STATE_PENDING);
  cert_dialog = ep_connection_test_window_get_certificate_dialog (window);
  g_assert_nonnull (cert_dialog);
  g_assert_true (ep_test_contains (adw_message_dialog_get_body (ADW_MESSAGE_DIALOG (cert_dialog)),
                                   "issued by an authority this computer does not trust"));
  seen = ep_test_normalize_fingerprint (ep_connection_test_window_get_result (window)->tls->sha256);
  respond (cert_dialog, "trust");

  /* Trusting tests again by itself: every step passes. */
  g_assert_true (ep_test_wait (ep_test_connection_done, window, WAIT_MS));
  g_assert_null (ep_connection_test_window_get_error (window));
  for (guint step = EP_SMTP_TEST_STEP_CONNECT; step <= EP_SMTP_TEST_STEP_QUIT; step++)
    {
      const char *detail = NULL;
      EpTestStepState state = ep_connection_test_window_get_step_state (window, step, &detail);

      g_test_message ("step %u: %s", step, detail);
      g_assert_cmpint (state, ==, EP_TEST_STEP_STATE_OK);
    }
  g_assert_true (ep_connection_test_window_get_result (window)->tls->pinned);
  ep_test_screenshot (GTK_WIDGET (window), "test-connection-postfix.png");
  {
    GtkWidget *scroller = find_descendant (GTK_WIDGET (window), GTK_TYPE_SCROLLED_WINDOW);
    GtkAdjustment *adj = gtk_scrolled_window_get_vadjustment (GTK_SCROLLED_WINDOW (scroller));

    gtk_adjustment_set_value (adj, 0.4 * (gtk_adjustment_get_upper (adj) - gtk_adjustment_get_page_size (adj)));
    ep_test_screenshot (GTK_WIDGET (window), "test-connection-postfix-details.png");
  }
  gtk_window_destroy (GTK_WINDOW (window));

  /* The stored profile kept the pin (and the SIZE limit) at once, on disk too. */
  again = ep_profile_store_new (NULL);
  g_assert_true (ep_profile_store_load (again, NULL));
  pinned = ep_test_normalize_fingerprint (ep_profile_get_pinned_sha256 (ep_profile_store_lookup_by_name (again, "Local Postfix")));
  g_assert_cmpstr (pinned, ==, seen);
  g_assert_cmpuint (ep_profile_get_size_limit (ep_profile_store_lookup_by_name (again, "Local Postfix")), >, 0);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (editor), "editor.cancel", NULL));

  /* 3. Send with the saved profile: the password comes from the keyring. */
  subject = g_strdup_printf ("Profiles UI test %08x", g_random_int ());
  message = ep_message_new ();
  from = ep_address_new ("Epistle Tester", "tester@example.org", "From", &error);
  g_assert_no_error (error);
  to = ep_address_new (NULL, "someone@example.net", "To", &error);
  g_assert_no_error (error);
  ep_message_set_from (message, from);
  ep_message_add_to (message, to);
  g_assert_true (ep_message_set_subject (message, subject, NULL));
  g_assert_true (ep_message_set_body (message, "Sent through a profile made in the dialog.\n", -1, NULL));
  op = ep_send_operation_new (profile, message);
  {
    g_autofree char *sent_dir = g_build_filename (g_getenv ("EPISTLE_TEST_TMPDIR"), "sent", NULL);
    ep_send_operation_set_sent_dir (op, sent_dir);
  }
  ep_send_operation_run_async (op, NULL, send_done_cb, &send_result);
  end = g_get_monotonic_time () + (gint64) WAIT_MS * 1000;
  while (send_result == NULL && g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, TRUE);
  g_assert_nonnull (send_result);
  result = ep_send_operation_run_finish (op, send_result, &error);
  g_assert_no_error (error);
  g_assert_cmpint (result->outcome, ==, EP_SMTP_OUTCOME_DELIVERED);
  g_assert_true (result->tls->pinned);

  end = g_get_monotonic_time () + (gint64) DELIVERY_MS * 1000;
  while ((delivered = find_delivered (maildir, subject)) == NULL && g_get_monotonic_time () < end)
    g_usleep (50 * 1000);
  g_assert_nonnull (delivered);
  g_assert_true (ep_test_contains (delivered, "Sent through a profile made in the dialog."));
  g_assert_true (ep_test_contains (delivered, "From: Epistle Tester <tester@example.org>"));

  gtk_window_destroy (GTK_WINDOW (dialog));
  ep_test_iterate (300);
}

int
main (int   argc,
      char *argv[])
{
  int ret;

  if (g_getenv ("SUBMISSION_PORT") == NULL || g_strcmp0 (g_getenv ("EP_TEST_KEYRING"), "present") != 0)
    {
      g_print ("1..0 # SKIP needs test-profiles-postfix.sh and ep-keyring-env.sh --with-keyring\n");
      return 0;
    }

  gtk_test_init (&argc, &argv, NULL);
  adw_init ();
  ep_register_resource ();
  g_object_set (gtk_settings_get_default (), "gtk-enable-animations", FALSE, NULL);

  g_test_add_func ("/profiles-postfix/preset-to-delivery", test_preset_to_delivery);
  ret = g_test_run ();
  ep_secrets_disconnect ();
  return ret;
}
