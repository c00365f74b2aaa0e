/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-connection-test-window-results.c: what the connection test found, shown below the steps:
 * what the server offers, its TLS and certificate, and the transcript. Every value row keeps
 * its text (for the window's summary) and can be selected and copied. */
#include "config.h"

#include <inttypes.h>

#include <glib/gi18n.h>

#include "ep-certificate-dialog.h"
#include "ep-connection-test-window-private.h"

/* A row that shows a label and a value the user may select and copy. */
static GtkWidget *
make_value_row (const char *caption,
                const char *value,
                gboolean    monospace)
{
  GtkWidget *row = adw_preferences_row_new ();
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 3);
  GtkWidget *caption_label = gtk_label_new (caption);
  GtkWidget *value_label = gtk_label_new (value);

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), caption);
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), FALSE);
  gtk_widget_set_margin_top (box, 8);
  gtk_widget_set_margin_bottom (box, 8);
  gtk_widget_set_margin_start (box, 12);
  gtk_widget_set_margin_end (box, 12);
  gtk_label_set_xalign (GTK_LABEL (caption_label), 0.0);
  gtk_widget_add_css_class (caption_label, "caption");
  gtk_widget_add_css_class (caption_label, "dim-label");
  gtk_label_set_xalign (GTK_LABEL (value_label), 0.0);
  gtk_label_set_wrap (GTK_LABEL (value_label), TRUE);
  gtk_label_set_wrap_mode (GTK_LABEL (value_label), monospace ? PANGO_WRAP_CHAR : PANGO_WRAP_WORD_CHAR);
  gtk_label_set_selectable (GTK_LABEL (value_label), TRUE);
  if (monospace)
    gtk_widget_add_css_class (value_label, "monospace");
  gtk_accessible_update_relation (GTK_ACCESSIBLE (value_label),
                                  GTK_ACCESSIBLE_RELATION_LABELLED_BY, caption_label, NULL, -1);
  gtk_box_append (GTK_BOX (box), caption_label);
  gtk_box_append (GTK_BOX (box), value_label);
  gtk_list_box_row_set_child (GTK_LIST_BOX_ROW (row), box);
  g_object_set_data_full (G_OBJECT (row), "ep-value", g_strdup (value), g_free);
  return row;
}

static void
add_result_row (EpConnectionTestWindow *self,
                AdwPreferencesGroup    *group,
                GtkWidget              *row)
{
  adw_preferences_group_add (group, row);
  g_ptr_array_add (self->result_rows, g_object_ref (row));
}

static void
add_value (EpConnectionTestWindow *self,
           AdwPreferencesGroup    *group,
           const char             *caption,
           const char             *value,
           gboolean                monospace)
{
  add_result_row (self, group, make_value_row (caption, value, monospace));
}

/* An extension the server does or does not offer: its name, what it is good for, yes or no. */
static void
add_extension (EpConnectionTestWindow   *self,
               const EpSmtpCapabilities *caps,
               EpSmtpCapFlags            flag,
               const char               *name,
               const char               *meaning)
{
  GtkWidget *row = adw_action_row_new ();
  gboolean offered = ep_smtp_capabilities_has (caps, flag);
  GtkWidget *value = gtk_label_new (offered ? _("Offered") : _("Not offered"));

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), name);
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), meaning);
  if (!offered)
    gtk_widget_add_css_class (value, "dim-label");
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), value);
  g_object_set_data_full (G_OBJECT (row), "ep-value", g_strdup (gtk_label_get_text (GTK_LABEL (value))), g_free);
  add_result_row (self, self->caps_group, row);
}

void
ep_connection_test_window_clear_results (EpConnectionTestWindow *self)
{
  for (guint i = 0; i < self->result_rows->len; i++)
    {
      GtkWidget *row = self->result_rows->pdata[i];
      GtkWidget *group = gtk_widget_get_ancestor (row, ADW_TYPE_PREFERENCES_GROUP);

      if (group != NULL)
        adw_preferences_group_remove (ADW_PREFERENCES_GROUP (group), row);
    }
  g_ptr_array_set_size (self->result_rows, 0);
  gtk_widget_set_visible (GTK_WIDGET (self->caps_group), FALSE);
  gtk_widget_set_visible (GTK_WIDGET (self->tls_group), FALSE);
  gtk_widget_set_visible (GTK_WIDGET (self->cert_group), FALSE);
  gtk_widget_set_visible (GTK_WIDGET (self->transcript_group), FALSE);
  gtk_text_buffer_set_text (gtk_text_view_get_buffer (self->transcript_view), "", -1);
}

static void
show_capabilities (EpConnectionTestWindow   *self,
                   const EpSmtpCapabilities *caps)
{
  g_autofree char *size = NULL;
  g_autofree char *mechanisms = NULL;

  if (!ep_smtp_capabilities_has (caps, EP_SMTP_CAP_SIZE))
    size = g_strdup (_("Not announced"));
  else if (caps->size_max == 0)
    size = g_strdup (_("Announced without a limit"));
  else
    {
      g_autofree char *human = g_format_size (caps->size_max);
      /* Translators: "35.9 MB (35882577 bytes)" */
      size = g_strdup_printf (_("%s (%" PRIu64 " bytes)"), human, caps->size_max);
    }
  mechanisms = caps->auth_mechs[0] != NULL ? g_strjoinv (" ", caps->auth_mechs)
                                           : g_strdup (_("None offered"));

  if (caps->domain != NULL)
    add_value (self, self->caps_group, _("Server name"), caps->domain, FALSE);
  add_value (self, self->caps_group, _("Largest message accepted (SIZE)"), size, FALSE);
  add_value (self, self->caps_group, _("Sign-in methods (AUTH)"), mechanisms, FALSE);
  add_extension (self, caps, EP_SMTP_CAP_PIPELINING, "PIPELINING",
                 _("Commands are sent in batches, saving round trips"));
  add_extension (self, caps, EP_SMTP_CAP_CHUNKING, "CHUNKING",
                 _("The message is sent in chunks (BDAT)"));
  add_extension (self, caps, EP_SMTP_CAP_8BITMIME, "8BITMIME",
                 _("Text may travel as 8-bit, without re-encoding"));
  add_extension (self, caps, EP_SMTP_CAP_SMTPUTF8, "SMTPUTF8",
                 _("Addresses may contain non-ASCII characters"));
  gtk_widget_set_visible (GTK_WIDGET (self->caps_group), TRUE);
}

static void
show_tls (EpConnectionTestWindow *self,
          const EpSmtpTlsInfo    *tls)
{
  g_autofree char *trust = NULL;
  g_autofree char *not_before = ep_certificate_format_date (tls->not_before);
  g_autofree char *not_after = ep_certificate_format_date (tls->not_after);
  g_autofree char *fingerprint = NULL;

  if (tls->verified && tls->pinned)
    trust = g_strdup (_("Trusted because you chose to trust this certificate"));
  else if (tls->verified)
    trust = g_strdup (_("Verified: issued for this server by an authority this computer trusts"));
  else
    {
      g_autofree char *checks = ep_smtp_certificate_flags_to_string (tls->errors);
      /* Translators: %s is a list such as "unknown issuer, expired" */
      trust = g_strdup_printf (_("Not trusted: %s"), checks);
    }

  if (tls->verified)
    {
      add_value (self, self->tls_group, _("Protocol"), tls->protocol_version, FALSE);
      add_value (self, self->tls_group, _("Cipher suite"), tls->ciphersuite, TRUE);
      gtk_widget_set_visible (GTK_WIDGET (self->tls_group), TRUE);
    }

  if (tls->sha256 == NULL)
    return;
  add_value (self, self->cert_group, _("Trust"), trust, FALSE);
  add_value (self, self->cert_group, _("Issued to"), tls->subject ? tls->subject : _("unknown"), FALSE);
  add_value (self, self->cert_group, _("Issued by"), tls->issuer ? tls->issuer : _("unknown"), FALSE);
  add_value (self, self->cert_group, _("Valid from"), not_before, FALSE);
  add_value (self, self->cert_group, _("Valid until"), not_after, FALSE);
  fingerprint = ep_certificate_format_fingerprint (tls->sha256);
  add_value (self, self->cert_group, _("SHA-256 fingerprint"), fingerprint, TRUE);
  gtk_widget_set_visible (GTK_WIDGET (self->cert_group), TRUE);
}

/* The server's capabilities, its TLS and certificate, and the transcript. */
void
ep_connection_test_window_show_result (EpConnectionTestWindow *self,
                                       EpSmtpResult           *result)
{
  g_autofree char *transcript = result->transcript != NULL
                                ? ep_smtp_transcript_to_string (result->transcript) : NULL;

  if (result->capabilities != NULL)
    show_capabilities (self, result->capabilities);
  if (result->tls != NULL)
    show_tls (self, result->tls);
  if (transcript != NULL && *transcript != '\0')
    {
      gtk_text_buffer_set_text (gtk_text_view_get_buffer (self->transcript_view), transcript, -1);
      gtk_widget_set_visible (GTK_WIDGET (self->transcript_group), TRUE);
    }
}
