/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-window-identity.c: From as a choice of identities, and the signature: placed once
 * (never again for a restored draft or after mailto: text), swapped with the identity only while
 * unedited, and sent with its "-- " line, Reply-To and the blind copy to itself to the Sandbox. */
#include "config.h"

#include <string.h>
#include <glib/gstdio.h>
#include <adwaita.h>

#include "ep-application-private.h"
#include "ep-draft-store.h"
#include "ep-mailto.h"
#include "ep-mime-parser.h"
#include "ep-profile-store.h"
#include "ep-sandbox-store.h"
#include "ep-test-util.h"
#include "ep-window-private.h"

static EpApplication *app;
static GSettings *settings;

static AdwMessageDialog *
find_message_dialog (EpWindow *parent)
{
  GListModel *toplevels = gtk_window_get_toplevels ();

  /* @parent's own: an earlier case's dialog may still be closing (slowly, under the sanitizers). */
  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GObject) w = g_list_model_get_item (toplevels, i);

      if (ADW_IS_MESSAGE_DIALOG (w) && gtk_widget_get_visible (GTK_WIDGET (w)) &&
          gtk_window_get_transient_for (GTK_WINDOW (w)) == GTK_WINDOW (parent))
        return ADW_MESSAGE_DIALOG (w);
    }
  return NULL;
}

static EpSandboxEntry *
find_in_inbox (GPtrArray  *inbox,
               const char *subject_line)
{
  for (guint i = 0; i < inbox->len; i++)
    {
      EpSandboxEntry *e = g_ptr_array_index (inbox, i);
      g_autofree char *text = NULL;

      g_assert_true (g_file_get_contents (e->eml_path, &text, NULL, NULL));
      if (strstr (text, subject_line) != NULL)
        return e;
    }
  return NULL;
}

static void
wait_delivered (EpWindow *window)
{
  gint64 end = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;

  while ((ep_window_is_sending (window) || ep_window_get_last_result (window) == NULL) &&
         g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, FALSE), g_usleep (500);
  g_assert_nonnull (ep_window_get_last_result (window));
  g_assert_cmpint (ep_window_get_last_result (window)->outcome, ==, EP_SMTP_OUTCOME_DELIVERED);
}

static EpProfile *
get_sandbox (void)
{
  return ep_profile_store_get_sandbox (ep_application_get_profile_store (app));
}

/* Two identities on the Sandbox: the default one, and a role address with its own Reply-To,
 * a blind copy to itself and another signature. */
static void
set_identities (void)
{
  g_autoptr(GPtrArray) identities = g_ptr_array_new_with_free_func ((GDestroyNotify) ep_identity_free);
  EpIdentity *ana = ep_identity_new ("Ana Lima", "ana@home.example");
  EpIdentity *role = ep_identity_new ("Role Desk", "role@home.example");

  ep_identity_set_string (&ana->signature, "Ana\nat home");
  ana->is_default = TRUE;
  ep_identity_set_string (&role->reply_to, "desk@home.example");
  ep_identity_set_string (&role->signature, "The Role Desk");
  role->bcc_self = TRUE;
  g_ptr_array_add (identities, ana);
  g_ptr_array_add (identities, role);
  ep_profile_set_identities (get_sandbox (), identities);
}

static void
iterate (guint ms)
{
  gint64 end = g_get_monotonic_time () + (gint64) ms * 1000;

  while (g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, FALSE), g_usleep (1000);
}

static EpWindow *
new_window (void)
{
  return ep_window_new (ADW_APPLICATION (app), ep_application_get_profile_store (app));
}

static void
show (EpWindow *window)
{
  gint64 end = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;

  gtk_window_present (GTK_WINDOW (window));
  while (!gtk_widget_get_mapped (GTK_WIDGET (window)) && g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, FALSE);
  g_assert_true (gtk_widget_get_mapped (GTK_WIDGET (window)));
}

static char *
dup_body (EpWindow *window)
{
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (GTK_TEXT_VIEW (ep_window_get_field (window, "body")));
  GtkTextIter start, end;

  gtk_text_buffer_get_bounds (buffer, &start, &end);
  return gtk_text_buffer_get_text (buffer, &start, &end, FALSE);
}

static guint
count (const char *haystack,
       const char *needle)
{
  guint n = 0;

  for (const char *p = strstr (haystack, needle); p != NULL; p = strstr (p + 1, needle))
    n++;
  return n;
}

static void
choose (EpWindow *window,
        guint     index)
{
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "identity.choose", "(su)",
                                             EP_PROFILE_SANDBOX_ID, index));
}

static const char *
from_text (EpWindow *window)
{
  return gtk_editable_get_text (GTK_EDITABLE (ep_window_get_field (window, "from")));
}

static void
screenshot_now (const char *name)
{
  g_autofree char *dir = g_build_filename (g_getenv ("EPISTLE_BUILDDIR"), "screenshots", NULL);
  g_autofree char *path = g_build_filename (dir, name, NULL);
  const char *argv[] = { "import", "-window", "root", path, NULL };

  iterate (500);
  g_mkdir_with_parents (dir, 0755);
  /* For people to look at, not a check. */
  if (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL, NULL, NULL))
    g_test_message ("screenshot: %s", path);
  else
    g_test_message ("screenshot not taken: %s", path);
}

static void
test_placed_once_and_swapped (void)
{
  EpWindow *window = new_window ();
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (GTK_TEXT_VIEW (ep_window_get_field (window, "body")));
  g_autofree char *body = NULL;
  g_autofree char *signature = NULL;
  GtkTextIter iter;

  g_assert_cmpstr (from_text (window), ==, "Ana Lima <ana@home.example>");
  show (window);
  /* A new message: a line to write on, an empty line, the default identity's signature. */
  body = dup_body (window);
  g_assert_cmpstr (body, ==, "\n\n-- \nAna\nat home");
  /* Nothing typed yet: no draft, nothing to ask on closing. */
  g_assert_null (ep_window_get_draft_id (window));
  gtk_text_buffer_insert_at_cursor (buffer, "Hello.", -1);

  choose (window, 1);
  g_assert_cmpstr (from_text (window), ==, "Role Desk <role@home.example>");
  g_clear_pointer (&body, g_free);
  body = dup_body (window);
  g_assert_cmpstr (body, ==, "Hello.\n\n-- \nThe Role Desk");
  choose (window, 1);
  choose (window, 0);
  g_clear_pointer (&body, g_free);
  body = dup_body (window);
  g_assert_cmpstr (body, ==, "Hello.\n\n-- \nAna\nat home");

  /* Edited, the signature is the person's text: another identity leaves it alone. */
  gtk_text_buffer_get_end_iter (buffer, &iter);
  gtk_text_buffer_insert (buffer, &iter, " (mobile)", -1);
  choose (window, 1);
  g_assert_cmpstr (from_text (window), ==, "Role Desk <role@home.example>");
  g_clear_pointer (&body, g_free);
  body = dup_body (window);
  g_assert_cmpstr (body, ==, "Hello.\n\n-- \nAna\nat home (mobile)");
  signature = ep_window_dup_signature (window);
  g_assert_cmpstr (signature, ==, "-- \nAna\nat home (mobile)");

  gtk_menu_button_popup (GTK_MENU_BUTTON (gtk_widget_get_next_sibling (ep_window_get_field (window, "from"))));
  screenshot_now ("identity-menu.png");
  ep_window_discard_draft (window);
  gtk_window_destroy (GTK_WINDOW (window));
}

/* A restored draft keeps its one signature: not placed again when shown, and still swapped
 * (once) when the identity changes, since the draft says where it is. */
static void
test_draft_restore (void)
{
  EpWindow *first = new_window ();
  EpWindow *again = new_window ();
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (GTK_TEXT_VIEW (ep_window_get_field (first, "body")));
  g_autoptr(EpDraftStore) drafts = ep_draft_store_new (NULL);
  g_autoptr(EpDraft) saved = NULL;
  g_autoptr(EpDraft) loaded = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *body = NULL;
  g_autofree char *restored = NULL;

  show (first);
  gtk_text_buffer_insert_at_cursor (buffer, "Draft text", -1);
  choose (first, 1);
  g_assert_true (ep_window_save_draft_sync (first, &error));
  g_assert_no_error (error);
  body = dup_body (first);
  g_assert_cmpstr (body, ==, "Draft text\n\n-- \nThe Role Desk");
  saved = ep_window_to_draft (first);
  loaded = ep_draft_store_load (drafts, saved->id, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (loaded->body, ==, body);
  g_assert_cmpint (loaded->signature_start, ==, strlen ("Draft text\n\n"));
  g_assert_cmpint (loaded->signature_end, ==, g_utf8_strlen (body, -1));
  g_assert_cmpstr (loaded->identity, ==, "role@home.example");

  ep_window_load_draft (again, loaded);
  show (again);
  restored = dup_body (again);
  g_assert_cmpstr (restored, ==, body);
  g_assert_cmpuint (count (restored, "-- \n"), ==, 1);
  choose (again, 0);
  g_clear_pointer (&restored, g_free);
  restored = dup_body (again);
  g_assert_cmpstr (restored, ==, "Draft text\n\n-- \nAna\nat home");

  ep_window_discard_draft (again);
  gtk_window_destroy (GTK_WINDOW (again));
  gtk_window_destroy (GTK_WINDOW (first));
}

/* A signature the person deleted, or edited, stays as they left it when the draft comes back:
 * nothing is placed again, and another identity does not replace the edited one. */
static void
test_draft_without_signature (void)
{
  EpWindow *first = new_window ();
  EpWindow *again = new_window ();
  EpWindow *edited = new_window ();
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (GTK_TEXT_VIEW (ep_window_get_field (first, "body")));
  g_autoptr(EpDraft) draft = NULL;
  g_autoptr(EpDraft) edited_draft = NULL;
  g_autofree char *restored = NULL;
  g_autofree char *kept = NULL;
  GtkTextIter end;

  show (first);
  gtk_text_buffer_set_text (buffer, "No signature here.", -1);
  draft = ep_window_to_draft (first);
  g_assert_cmpstr (draft->body, ==, "No signature here.");
  g_assert_cmpint (draft->signature_start, ==, -1);
  ep_window_load_draft (again, draft);
  show (again);
  restored = dup_body (again);
  g_assert_cmpstr (restored, ==, "No signature here.");
  choose (again, 1);
  g_clear_pointer (&restored, g_free);
  restored = dup_body (again);
  g_assert_cmpstr (restored, ==, "No signature here.");

  /* Edited, then saved: the draft does not track it, so nothing ever replaces it. */
  gtk_text_buffer_set_text (buffer, "", -1);
  ep_window_load_draft (first, draft);
  gtk_window_destroy (GTK_WINDOW (first));
  first = new_window ();
  buffer = gtk_text_view_get_buffer (GTK_TEXT_VIEW (ep_window_get_field (first, "body")));
  show (first);
  gtk_text_buffer_get_end_iter (buffer, &end);
  gtk_text_buffer_insert (buffer, &end, " (mobile)", -1);
  edited_draft = ep_window_to_draft (first);
  g_assert_cmpint (edited_draft->signature_start, ==, -1);
  ep_window_load_draft (edited, edited_draft);
  show (edited);
  choose (edited, 1);
  kept = dup_body (edited);
  g_assert_cmpstr (kept, ==, "\n\n-- \nAna\nat home (mobile)");

  ep_window_discard_draft (first);
  ep_window_discard_draft (again);
  ep_window_discard_draft (edited);
  gtk_window_destroy (GTK_WINDOW (edited));
  gtk_window_destroy (GTK_WINDOW (again));
  gtk_window_destroy (GTK_WINDOW (first));
}

/* mailto: text comes first, the signature below it, once. */
static void
test_mailto (void)
{
  EpWindow *window = new_window ();
  g_autoptr(EpMailto) mailto = ep_mailto_parse ("mailto:bo@example.org?body=From%20a%20link", NULL);
  g_autofree char *body = NULL;

  g_assert_nonnull (mailto);
  ep_window_apply_mailto (window, mailto);
  show (window);
  body = dup_body (window);
  g_assert_cmpstr (body, ==, "From a link\n\n-- \nAna\nat home");
  ep_window_discard_draft (window);
  gtk_window_destroy (GTK_WINDOW (window));
}

/* An identity that puts its signature above quoted text: a mailto: body with a quote gets it
 * between the text and the quote, with an empty line on each side; the draft knows where. */
static void
test_above_quote (void)
{
  g_autoptr(GPtrArray) identities = ep_profile_dup_identities (get_sandbox ());
  g_autoptr(GPtrArray) changed = ep_profile_dup_identities (get_sandbox ());
  EpWindow *window = new_window ();
  g_autoptr(EpMailto) mailto = ep_mailto_parse ("mailto:bo@example.org?body=Yes.%0A%0A%3E%20You%20wrote%3A%0A%3E%20a%20question%0A",
                                                NULL);
  g_autofree char *body = NULL;

  ((EpIdentity *) g_ptr_array_index (changed, 0))->signature_above_quote = TRUE;
  ep_profile_set_identities (get_sandbox (), changed);
  g_assert_nonnull (mailto);
  ep_window_apply_mailto (window, mailto);
  show (window);
  body = dup_body (window);
  g_assert_cmpstr (body, ==, "Yes.\n\n-- \nAna\nat home\n\n> You wrote:\n> a question\n");
  /* Another identity swaps it in place, still above the quote. */
  choose (window, 1);
  g_clear_pointer (&body, g_free);
  body = dup_body (window);
  g_assert_cmpstr (body, ==, "Yes.\n\n-- \nThe Role Desk\n\n> You wrote:\n> a question\n");
  ep_window_discard_draft (window);
  gtk_window_destroy (GTK_WINDOW (window));
  ep_profile_set_identities (get_sandbox (), identities);
}

/* Sent as the role identity: From, Reply-To, the envelope sender and the blind copy to itself
 * are its own, and the delimiter line is "-- " CRLF on the Sandbox copy. */
static void
test_send (void)
{
  EpWindow *window = new_window ();
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (GTK_TEXT_VIEW (ep_window_get_field (window, "body")));
  g_autoptr(GPtrArray) inbox = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *bytes = NULL;
  gsize length;
  EpSandboxEntry *entry = NULL;
  gint64 end;

  show (window);
  gtk_text_buffer_insert_at_cursor (buffer, "Sent as the desk.", -1);
  choose (window, 1);
  gtk_editable_set_text (GTK_EDITABLE (ep_window_get_field (window, "to")), "Bo <bo@example.org>");
  gtk_editable_set_text (GTK_EDITABLE (ep_window_get_field (window, "subject")), "As the desk");
  screenshot_now ("identity-chosen.png");
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.send", NULL));
  end = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;
  while ((ep_window_is_sending (window) || ep_window_get_last_result (window) == NULL) &&
         g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, FALSE), g_usleep (500);
  g_assert_nonnull (ep_window_get_last_result (window));
  g_assert_cmpint (ep_window_get_last_result (window)->outcome, ==, EP_SMTP_OUTCOME_DELIVERED);

  inbox = ep_sandbox_store_list (&error);
  g_assert_no_error (error);
  for (guint i = 0; i < inbox->len; i++)
    {
      EpSandboxEntry *e = g_ptr_array_index (inbox, i);
      g_autofree char *text = NULL;

      g_assert_true (g_file_get_contents (e->eml_path, &text, NULL, NULL));
      if (strstr (text, "Subject: As the desk") != NULL)
        entry = e;
    }
  g_assert_nonnull (entry);
  g_assert_true (g_file_get_contents (entry->eml_path, &bytes, &length, NULL));
  g_test_message ("%s", bytes);
  g_assert_cmpstr (entry->sender, ==, "role@home.example");
  g_assert_true (g_strv_contains ((const char * const *) entry->recipients, "bo@example.org"));
  g_assert_true (g_strv_contains ((const char * const *) entry->recipients, "role@home.example"));
  {
    g_autoptr(GBytes) b = g_bytes_new_static (bytes, length);
    g_autoptr(EpMimePart) m = ep_mime_parse (b, NULL);
    g_autofree char *from = ep_mime_part_dup_header_text (m, "From");
    g_autofree char *reply_to = ep_mime_part_dup_header_text (m, "Reply-To");
    g_autofree char *bcc = ep_mime_part_dup_header_text (m, "Bcc");

    g_assert_cmpstr (from, ==, "Role Desk <role@home.example>");
    g_assert_cmpstr (reply_to, ==, "desk@home.example");
    g_assert_null (bcc);
  }
  g_assert_nonnull (strstr (bytes, "\r\n\r\nSent as the desk.\r\n\r\n-- \r\nThe Role Desk"));
  g_assert_cmpuint (count (bytes, "\r\n-- \r\n"), ==, 1);
  gtk_window_destroy (GTK_WINDOW (window));
}

/* More visible recipients than the setting allows: Send asks first; Move to Bcc empties To and
 * Cc into Bcc and sends, so that no recipient sees the others. */
static void
test_many_recipients (void)
{
  EpWindow *window = new_window ();
  g_autoptr(GPtrArray) inbox = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *bytes = NULL;
  AdwMessageDialog *dialog;
  EpSandboxEntry *entry;

  g_settings_set_uint (settings, "bcc-suggest-recipients", 2);
  show (window);
  gtk_editable_set_text (GTK_EDITABLE (ep_window_get_field (window, "to")), "a@x.example, B <b@x.example>");
  gtk_editable_set_text (GTK_EDITABLE (ep_window_get_field (window, "cc")), "c@x.example");
  gtk_editable_set_text (GTK_EDITABLE (ep_window_get_field (window, "subject")), "Many at once");
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.send", NULL));
  dialog = find_message_dialog (window);
  g_assert_nonnull (dialog);
  g_assert_cmpstr (adw_message_dialog_get_heading (dialog), ==, "Send with Recipients in Bcc?");
  g_assert_true (strstr (adw_message_dialog_get_body (dialog), "3 people") != NULL);
  g_assert_false (ep_window_is_sending (window));
  screenshot_now ("identity-many-recipients.png");
  adw_message_dialog_response (dialog, "move");
  /* Active again when the message is delivered: a toast, not a desktop notification (no
   * notification service runs here). */
  {
    gint64 end = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;

    gtk_window_present (GTK_WINDOW (window));
    while (!gtk_window_is_active (GTK_WINDOW (window)) && g_get_monotonic_time () < end)
      g_main_context_iteration (NULL, FALSE);
  }
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (ep_window_get_field (window, "to"))), ==, "");
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (ep_window_get_field (window, "cc"))), ==, "");
  wait_delivered (window);

  inbox = ep_sandbox_store_list (&error);
  g_assert_no_error (error);
  entry = find_in_inbox (inbox, "Subject: Many at once");
  g_assert_nonnull (entry);
  g_assert_cmpuint (g_strv_length (entry->recipients), ==, 3);
  g_assert_true (g_file_get_contents (entry->eml_path, &bytes, NULL, NULL));
  g_assert_null (strstr (bytes, "x.example"));
  g_assert_nonnull (strstr (bytes, "To: undisclosed-recipients:;"));
  g_settings_set_uint (settings, "bcc-suggest-recipients", 10);
  gtk_window_destroy (GTK_WINDOW (window));
}

/* A From outside the profile's usual domain: a note before the first send from it, once. */
static void
test_other_domain (void)
{
  EpProfileStore *store = ep_application_get_profile_store (app);
  g_autoptr(EpProfile) work = ep_profile_new ("Work");
  g_autoptr(GPtrArray) identities = g_ptr_array_new_with_free_func ((GDestroyNotify) ep_identity_free);
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) noted = NULL;
  g_autofree char *tooltip = NULL;
  EpWindow *window;
  AdwMessageDialog *dialog;

  ep_profile_set_sender_address (work, "ana@work.example");
  ep_profile_set_host (work, "127.0.0.1");
  g_ptr_array_add (identities, ep_identity_new ("Ana", "ana@work.example"));
  g_ptr_array_add (identities, ep_identity_new ("Ana", "ana@home.example"));
  ep_profile_set_identities (work, identities);
  g_assert_true (ep_profile_store_add (store, work, &error));
  g_assert_no_error (error);

  window = new_window ();
  ep_window_set_profile (window, work);
  show (window);
  /* Its own domain: nothing to say. */
  g_assert_cmpstr (from_text (window), ==, "Ana <ana@work.example>");
  g_assert_false (ep_window_identity_ask_before_send (window, EP_CHECK_MANY_RECIPIENTS, NULL, FALSE));

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "identity.choose", "(su)",
                                             ep_profile_get_id (work), 1));
  g_assert_cmpstr (from_text (window), ==, "Ana <ana@home.example>");
  g_assert_null (gtk_entry_get_icon_name (GTK_ENTRY (ep_window_get_field (window, "from")),
                                          GTK_ENTRY_ICON_SECONDARY));
  /* A From that is none of the identities still works, with a quiet note. */
  gtk_editable_set_text (GTK_EDITABLE (ep_window_get_field (window, "from")), "Someone <someone@elsewhere.example>");
  g_assert_cmpstr (gtk_entry_get_icon_name (GTK_ENTRY (ep_window_get_field (window, "from")),
                                            GTK_ENTRY_ICON_SECONDARY), ==, "dialog-information-symbolic");
  tooltip = gtk_entry_get_icon_tooltip_text (GTK_ENTRY (ep_window_get_field (window, "from")),
                                             GTK_ENTRY_ICON_SECONDARY);
  g_assert_nonnull (strstr (tooltip, "not one of your identities"));
  screenshot_now ("identity-unknown-from.png");
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "identity.choose", "(su)",
                                             ep_profile_get_id (work), 1));
  g_assert_null (gtk_entry_get_icon_name (GTK_ENTRY (ep_window_get_field (window, "from")),
                                          GTK_ENTRY_ICON_SECONDARY));
  g_assert_true (ep_window_identity_ask_before_send (window, 0, NULL, FALSE));
  dialog = find_message_dialog (window);
  g_assert_nonnull (dialog);
  g_assert_cmpstr (adw_message_dialog_get_heading (dialog), ==, "Sending From Another Domain");
  screenshot_now ("identity-other-domain.png");
  /* Cancelled: asked again next time. */
  adw_message_dialog_response (dialog, "cancel");
  iterate (100);
  g_assert_true (ep_window_identity_ask_before_send (window, 0, NULL, FALSE));
  dialog = find_message_dialog (window);
  /* Answered Send (nothing goes out: there is no recipient, which the send says itself). */
  adw_message_dialog_response (dialog, "send");
  noted = g_settings_get_strv (settings, "identity-domains-noted");
  g_assert_cmpuint (g_strv_length (noted), ==, 1);
  g_assert_true (g_str_has_suffix (noted[0], " ana@home.example"));
  iterate (100);
  g_assert_false (ep_window_identity_ask_before_send (window, 0, NULL, FALSE));

  gtk_window_destroy (GTK_WINDOW (window));
  g_assert_true (ep_profile_store_remove (store, work, &error));
}

int
main (int argc, char *argv[])
{
  g_autoptr(GError) error = NULL;
  int ret;

  gtk_test_init (&argc, &argv, NULL);
  app = ep_application_new ();
  g_application_set_flags (G_APPLICATION (app), G_APPLICATION_NON_UNIQUE);
  g_assert_true (g_application_register (G_APPLICATION (app), NULL, &error));
  settings = g_settings_new (APP_ID);
  g_settings_set_uint (settings, "bcc-suggest-recipients", 10);
  g_settings_set_strv (settings, "identity-domains-noted", NULL);
  g_settings_set_uint (settings, "undo-send-seconds", 0);
  set_identities ();

  g_test_add_func ("/window-identity/placed-once-and-swapped", test_placed_once_and_swapped);
  g_test_add_func ("/window-identity/draft-restore", test_draft_restore);
  g_test_add_func ("/window-identity/draft-without-signature", test_draft_without_signature);
  g_test_add_func ("/window-identity/mailto", test_mailto);
  g_test_add_func ("/window-identity/above-quote", test_above_quote);
  g_test_add_func ("/window-identity/send", test_send);
  g_test_add_func ("/window-identity/many-recipients-to-bcc", test_many_recipients);
  g_test_add_func ("/window-identity/other-domain-once", test_other_domain);
  ret = g_test_run ();

  g_clear_object (&settings);
  g_clear_object (&app);
  return ret;
}
