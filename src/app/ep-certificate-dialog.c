/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-certificate-dialog.c: an untrusted server certificate is never accepted silently. The dialog
 * names what failed (self-signed, unknown issuer, wrong host, expired, not yet valid, or a change
 * since the user trusted the previous one), shows the certificate, and pins its SHA-256
 * fingerprint on the profile only when the user says so. */
#include "config.h"

#include <string.h>
#include <glib/gi18n.h>

#include "ep-certificate-dialog-private.h"
#include "ep-smtp-config.h"
#include "ep-smtp-error.h"

typedef struct
{
  EpProfileStore           *store;     /* nullable */
  EpProfile                *profile;
  EpSmtpResult             *result;
  EpCertificateTrustedFunc  on_trusted;
  gpointer                  user_data;
  GDestroyNotify            user_data_destroy;
} TrustRequest;

static void
trust_request_free (TrustRequest *request)
{
  g_clear_object (&request->store);
  g_clear_object (&request->profile);
  g_clear_pointer (&request->result, ep_smtp_result_unref);
  if (request->user_data_destroy != NULL)
    request->user_data_destroy (request->user_data);
  g_free (request);
}

/**
 * ep_certificate_dialog_applies:
 *
 * Whether @error is a certificate rejection for which the dialog has something to show: the
 * engine's %EP_SMTP_ERROR_TLS_CERTIFICATE and a certificate in @result.
 */
gboolean
ep_certificate_dialog_applies (const GError *error,
                               EpSmtpResult *result)
{
  return g_error_matches (error, EP_SMTP_ERROR, EP_SMTP_ERROR_TLS_CERTIFICATE) &&
         result != NULL && result->tls != NULL && result->tls->sha256 != NULL;
}

/* Whether @profile has a pinned certificate and @tls shows another one. */
gboolean
ep_certificate_dialog_is_change (EpProfile           *profile,
                                 const EpSmtpTlsInfo *tls)
{
  g_autofree char *pinned = NULL;
  g_autofree char *seen = NULL;

  g_return_val_if_fail (EP_IS_PROFILE (profile), FALSE);

  if (tls == NULL || ep_profile_get_pinned_sha256 (profile) == NULL)
    return FALSE;
  pinned = ep_smtp_fingerprint_normalize (ep_profile_get_pinned_sha256 (profile));
  seen = ep_smtp_fingerprint_normalize (tls->sha256);
  return pinned != NULL && g_strcmp0 (pinned, seen) != 0;
}

/* Dates in UTC with the time: validity limits are instants, and "expired today" needs the hour. */
char *
ep_certificate_format_date (GDateTime *date_time)
{
  g_autoptr(GDateTime) utc = NULL;

  if (date_time == NULL)
    return g_strdup (_("unknown"));
  utc = g_date_time_to_utc (date_time);
  /* Translators: a certificate's validity limit, see the strftime() manual page */
  return g_date_time_format (utc, _("%Y-%m-%d %H:%M UTC"));
}

static void
append_reason (GString    *text,
               const char *reason)
{
  g_string_append_printf (text, " %s", reason);
}

/**
 * ep_certificate_dialog_describe_problem:
 *
 * Returns: (transfer full): what is wrong with the certificate in @tls, in sentences, for
 *   @profile's server
 */
char *
ep_certificate_dialog_describe_problem (EpProfile           *profile,
                                        const EpSmtpTlsInfo *tls)
{
  g_autoptr(GString) text = g_string_new (NULL);
  const char *host = ep_profile_get_host (profile);
  GTlsCertificateFlags errors = tls->errors;

  if (ep_certificate_dialog_is_change (profile, tls))
    {
      g_string_append_printf (text,
                              _("The certificate changed since you trusted it: the server at “%s” now "
                                "presents a different certificate from the one you accepted. Servers renew "
                                "their certificates from time to time, but this is also exactly what "
                                "someone intercepting the connection would show. Trust the new one only "
                                "if you know that the server’s certificate was replaced."),
                              host);
      return g_string_free (g_steal_pointer (&text), FALSE);
    }

  g_string_append_printf (text, _("Epistle could not confirm that this server really is “%s”."), host);
  if (errors & G_TLS_CERTIFICATE_UNKNOWN_CA)
    {
      if (tls->subject != NULL && g_strcmp0 (tls->subject, tls->issuer) == 0)
        append_reason (text, _("The certificate is self-signed: it vouches for itself, and no "
                               "authority this computer trusts has confirmed it."));
      else
        append_reason (text, _("The certificate was issued by an authority this computer does "
                               "not trust."));
    }
  if (errors & G_TLS_CERTIFICATE_BAD_IDENTITY)
    {
      g_autofree char *reason = g_strdup_printf (_("The certificate was issued for another server "
                                                   "name, not for “%s”."), host);
      append_reason (text, reason);
    }
  if (errors & G_TLS_CERTIFICATE_EXPIRED)
    {
      g_autofree char *date = ep_certificate_format_date (tls->not_after);
      g_autofree char *reason = g_strdup_printf (_("The certificate expired on %s."), date);
      append_reason (text, reason);
    }
  if (errors & G_TLS_CERTIFICATE_NOT_ACTIVATED)
    {
      g_autofree char *date = ep_certificate_format_date (tls->not_before);
      g_autofree char *reason = g_strdup_printf (_("The certificate is not valid before %s."), date);
      append_reason (text, reason);
    }
  if (errors & G_TLS_CERTIFICATE_REVOKED)
    append_reason (text, _("The certificate was revoked by its issuer."));
  if (errors & G_TLS_CERTIFICATE_INSECURE)
    append_reason (text, _("The certificate uses an insecure algorithm."));
  if ((errors & ~(G_TLS_CERTIFICATE_UNKNOWN_CA | G_TLS_CERTIFICATE_BAD_IDENTITY |
                  G_TLS_CERTIFICATE_EXPIRED | G_TLS_CERTIFICATE_NOT_ACTIVATED |
                  G_TLS_CERTIFICATE_REVOKED | G_TLS_CERTIFICATE_INSECURE)) != 0 ||
      errors == 0)
    append_reason (text, _("The certificate could not be verified."));

  g_string_append (text, "\n\n");
  g_string_append (text, _("Someone could be intercepting the connection. Trust this certificate "
                           "only if you know it belongs to your server, for example a server you "
                           "run yourself or Proton Mail Bridge."));
  return g_string_free (g_steal_pointer (&text), FALSE);
}

/* "AB:CD:…" in two lines of 16 octets: short enough for the dialog, easy to compare aloud. */
char *
ep_certificate_format_fingerprint (const char *fingerprint)
{
  /* 16 octets of "XX:" less the last colon. */
  const gsize half = 16 * 3 - 1;

  if (fingerprint == NULL || strlen (fingerprint) <= half + 1)
    return g_strdup (fingerprint);
  return g_strdup_printf ("%.*s\n%s", (int) half, fingerprint, fingerprint + half + 1);
}

static void
add_detail (GtkGrid    *grid,
            int         row,
            const char *caption,
            const char *value,
            gboolean    fingerprint)
{
  g_autofree char *text = fingerprint ? ep_certificate_format_fingerprint (value) : g_strdup (value);
  GtkWidget *caption_label = gtk_label_new (caption);
  GtkWidget *value_label = gtk_label_new (text != NULL ? text : _("unknown"));

  gtk_label_set_xalign (GTK_LABEL (caption_label), 1.0);
  gtk_label_set_yalign (GTK_LABEL (caption_label), 0.0);
  gtk_widget_add_css_class (caption_label, "dim-label");
  gtk_label_set_xalign (GTK_LABEL (value_label), 0.0);
  gtk_label_set_selectable (GTK_LABEL (value_label), TRUE);
  if (fingerprint)
    gtk_widget_add_css_class (value_label, "monospace");
  else
    {
      gtk_label_set_wrap (GTK_LABEL (value_label), TRUE);
      gtk_label_set_wrap_mode (GTK_LABEL (value_label), PANGO_WRAP_WORD_CHAR);
      gtk_label_set_width_chars (GTK_LABEL (value_label), 30);
      gtk_label_set_max_width_chars (GTK_LABEL (value_label), 40);
    }
  gtk_accessible_update_relation (GTK_ACCESSIBLE (value_label),
                                  GTK_ACCESSIBLE_RELATION_LABELLED_BY, caption_label, NULL,
                                  -1);
  gtk_grid_attach (grid, caption_label, 0, row, 1, 1);
  gtk_grid_attach (grid, value_label, 1, row, 1, 1);
}

static GtkWidget *
build_details (EpProfile           *profile,
               const EpSmtpTlsInfo *tls,
               gboolean             changed)
{
  GtkWidget *grid = gtk_grid_new ();
  g_autofree char *not_before = ep_certificate_format_date (tls->not_before);
  g_autofree char *not_after = ep_certificate_format_date (tls->not_after);
  int row = 0;

  gtk_grid_set_row_spacing (GTK_GRID (grid), 6);
  gtk_grid_set_column_spacing (GTK_GRID (grid), 12);
  gtk_widget_set_margin_top (grid, 6);
  add_detail (GTK_GRID (grid), row++, _("Issued to"), tls->subject, FALSE);
  add_detail (GTK_GRID (grid), row++, _("Issued by"), tls->issuer, FALSE);
  add_detail (GTK_GRID (grid), row++, _("Valid from"), not_before, FALSE);
  add_detail (GTK_GRID (grid), row++, _("Valid until"), not_after, FALSE);
  add_detail (GTK_GRID (grid), row++, _("SHA-256"), tls->sha256, TRUE);
  if (changed)
    add_detail (GTK_GRID (grid), row++, _("Trusted before"), ep_profile_get_pinned_sha256 (profile), TRUE);
  return grid;
}

static void
save_failed (GtkWindow    *parent,
             const GError *error)
{
  GtkWidget *dialog = adw_message_dialog_new (parent, _("The Trust Could Not Be Saved"), NULL);

  adw_message_dialog_format_body (ADW_MESSAGE_DIALOG (dialog),
                                  _("The certificate is trusted until Epistle quits, but the profile could not be saved: %s"),
                                  error->message);
  adw_message_dialog_add_response (ADW_MESSAGE_DIALOG (dialog), "close", _("_Close"));
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
response_cb (AdwMessageDialog *dialog,
             const char       *response,
             TrustRequest     *request)
{
  g_autoptr(GError) error = NULL;

  if (!g_str_equal (response, "trust"))
    return;

  ep_profile_set_pinned_sha256 (request->profile, request->result->tls->sha256);
  if (request->store != NULL &&
      ep_profile_store_lookup_by_id (request->store, ep_profile_get_id (request->profile)) == request->profile &&
      !ep_profile_store_save (request->store, &error))
    save_failed (gtk_window_get_transient_for (GTK_WINDOW (dialog)), error);

  if (request->on_trusted != NULL)
    request->on_trusted (request->profile, request->user_data);
}

/**
 * ep_certificate_dialog_present:
 * @parent: (nullable): the window the dialog belongs to
 * @store: (nullable): saved after pinning when @profile is one of its profiles
 * @profile: the profile whose connection was refused
 * @result: the refused session's result; its certificate (result->tls) is shown and pinned
 * @on_trusted: (nullable): called after "Trust This Certificate"
 *
 * Shows why the certificate was refused and offers to trust it for @profile. A certificate
 * that differs from one pinned before is announced as a change, with a destructive-styled
 * button. Nothing is pinned on Cancel.
 *
 * Returns: (transfer none): the dialog (an #AdwMessageDialog), already presented
 */
GtkWidget *
ep_certificate_dialog_present (GtkWindow                *parent,
                               EpProfileStore           *store,
                               EpProfile                *profile,
                               EpSmtpResult             *result,
                               EpCertificateTrustedFunc  on_trusted,
                               gpointer                  user_data,
                               GDestroyNotify            user_data_destroy)
{
  TrustRequest *request;
  GtkWidget *dialog;
  g_autofree char *body = NULL;
  gboolean changed;

  g_return_val_if_fail (parent == NULL || GTK_IS_WINDOW (parent), NULL);
  g_return_val_if_fail (store == NULL || EP_IS_PROFILE_STORE (store), NULL);
  g_return_val_if_fail (EP_IS_PROFILE (profile), NULL);
  g_return_val_if_fail (result != NULL && result->tls != NULL && result->tls->sha256 != NULL, NULL);

  changed = ep_certificate_dialog_is_change (profile, result->tls);
  body = ep_certificate_dialog_describe_problem (profile, result->tls);
  dialog = adw_message_dialog_new (parent,
                                   changed ? _("The Server’s Certificate Changed")
                                           : _("The Server’s Certificate Is Not Trusted"),
                                   body);
  adw_message_dialog_set_extra_child (ADW_MESSAGE_DIALOG (dialog),
                                      build_details (profile, result->tls, changed));
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog),
                                    "cancel", _("_Cancel"),
                                    "trust", changed ? _("_Trust the New Certificate")
                                                     : _("_Trust This Certificate"),
                                    NULL);
  /* Trusting is never the easy way out: Enter and Escape both mean Cancel. */
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  if (changed)
    adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "trust",
                                                ADW_RESPONSE_DESTRUCTIVE);

  request = g_new0 (TrustRequest, 1);
  request->store = store != NULL ? g_object_ref (store) : NULL;
  request->profile = g_object_ref (profile);
  request->result = ep_smtp_result_ref (result);
  request->on_trusted = on_trusted;
  request->user_data = user_data;
  request->user_data_destroy = user_data_destroy;
  g_object_set_data_full (G_OBJECT (dialog), "ep-trust-request", request,
                          (GDestroyNotify) trust_request_free);
  g_signal_connect (dialog, "response", G_CALLBACK (response_cb), request);

  gtk_window_present (GTK_WINDOW (dialog));
  return dialog;
}
