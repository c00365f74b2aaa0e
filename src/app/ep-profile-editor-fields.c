/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-profile-editor-fields.c: the editor's fields and the draft they edit, and the hints that
 * follow them: the provider preset for the address's domain, the usual port for the security,
 * a plain warning when nothing would be encrypted, a trusted certificate left behind with its
 * server. Plain copies into the draft are property bindings; a field that moves hints has a
 * handler. */
#include "config.h"

#include <glib/gi18n.h>

#include "ep-profile-editor-private.h"

/* RFC 6335 §6: TCP ports are 16-bit; 0 is reserved. */
#define EP_PORT_MIN 1
#define EP_PORT_MAX 65535

void
ep_profile_editor_mark_error (gpointer widget,
                              gboolean error)
{
  if (error)
    gtk_widget_add_css_class (GTK_WIDGET (widget), "error");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (widget), "error");
}

/* The port as typed, or 0 when it is not a number from 1 to 65535. */
guint16
ep_profile_editor_parse_port (EpProfileEditor *self)
{
  g_autofree char *text = dup_trimmed (self->port_row);
  guint64 port;

  if (!g_ascii_string_to_unsigned (text, 10, EP_PORT_MIN, EP_PORT_MAX, &port, NULL))
    return 0;
  return (guint16) port;
}

static const char *
security_label (const char *security)
{
  EpSmtpSecurity value = EP_SMTP_SECURITY_STARTTLS;

  ep_smtp_security_from_string (security, &value);
  return value == EP_SMTP_SECURITY_TLS ? _("Implicit TLS") : _("STARTTLS");
}

/* ---- hints ----------------------------------------------------------------------------------- */

static void
update_security_hint (EpProfileEditor *self)
{
  EpSmtpSecurity security = adw_combo_row_get_selected (self->security_row);
  guint16 port = ep_profile_editor_parse_port (self);
  const char *hint;

  if (ep_smtp_port_security_mismatch (port, security, NULL))
    hint = port == 465 ? _("Port 465 usually expects Implicit TLS") : _("Port 587 usually expects STARTTLS");
  else if (security == EP_SMTP_SECURITY_NONE)
    hint = _("Not encrypted");
  else
    hint = _("Usually Implicit TLS on port 465, STARTTLS on port 587");
  adw_action_row_set_subtitle (ADW_ACTION_ROW (self->security_row), hint);
  gtk_widget_set_visible (GTK_WIDGET (self->cleartext_row), security == EP_SMTP_SECURITY_NONE);
}

/* What the provider whose server the fields name wants the user to know (app passwords...). */
static void
update_note (EpProfileEditor *self)
{
  g_autofree char *host = dup_trimmed (self->host_row);
  guint16 port = ep_profile_editor_parse_port (self);
  const EpPreset *presets;
  const EpPreset *match = NULL;
  guint n;

  presets = ep_presets_get_all (&n);
  for (guint i = 0; i < n && match == NULL; i++)
    if (g_ascii_strcasecmp (host, presets[i].host) == 0 && port == presets[i].port)
      match = &presets[i];

  if (match != NULL && match->note != NULL)
    adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->note_row), _(match->note));
  gtk_widget_set_visible (GTK_WIDGET (self->note_row), match != NULL && match->note != NULL);
}

static gboolean
server_matches_preset (EpProfileEditor *self,
                       const EpPreset  *preset)
{
  g_autofree char *host = dup_trimmed (self->host_row);
  EpSmtpSecurity security = EP_SMTP_SECURITY_STARTTLS;

  ep_smtp_security_from_string (preset->security, &security);
  return g_ascii_strcasecmp (host, preset->host) == 0 && ep_profile_editor_parse_port (self) == preset->port &&
         adw_combo_row_get_selected (self->security_row) == (guint) security;
}

/* An address at gmail.com offers Gmail's server, unless the fields already say so. */
static void
update_offer (EpProfileEditor *self)
{
  const EpPreset *preset = self->is_sandbox ? NULL : ep_presets_for_address (text_of (self->address_row));

  self->offered = preset != NULL && !server_matches_preset (self, preset) ? preset : NULL;
  if (self->offered != NULL)
    {
      g_autofree char *title = NULL;
      g_autofree char *subtitle = NULL;

      /* Translators: %s is a provider, e.g. "Use Gmail’s server settings" */
      title = g_strdup_printf (_("Use %s’s server settings"), _(preset->name));
      /* Translators: "smtp.gmail.com, port 465, Implicit TLS" */
      subtitle = g_strdup_printf (_("%s, port %u, %s"), preset->host, preset->port,
                                  security_label (preset->security));
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->offer_row), title);
      adw_action_row_set_subtitle (self->offer_row, subtitle);
    }
  gtk_widget_set_visible (GTK_WIDGET (self->offer_row), self->offered != NULL);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "editor.apply-offer", self->offered != NULL);
}

void
ep_profile_editor_update_pinned_row (EpProfileEditor *self)
{
  const char *pinned = ep_profile_get_pinned_sha256 (self->draft);

  adw_action_row_set_subtitle (self->pinned_row,
                               pinned != NULL ? pinned
                                              : _("None: the authorities this computer trusts decide"));
  gtk_widget_set_visible (GTK_WIDGET (self->forget_certificate_button), pinned != NULL);
}

/* A certificate trusted for the saved server does not follow the profile to another one (the
 * draft dropped it already): say so while the fields name another server. */
static void
update_pin_note (EpProfileEditor *self)
{
  gboolean leaving;

  leaving = self->baseline != NULL && !self->is_sandbox && !self->pin_forgotten &&
            ep_profile_get_pinned_sha256 (self->baseline) != NULL &&
            !ep_profile_has_server (self->baseline, ep_profile_get_host (self->draft),
                                    ep_profile_get_port (self->draft));
  if (leaving)
    {
      g_autofree char *title = NULL;

      /* Translators: "The trusted certificate was for smtp.example.org:587; it will be forgotten" */
      title = g_strdup_printf (_("The trusted certificate was for %s:%u; it will be forgotten"),
                               ep_profile_get_host (self->baseline), ep_profile_get_port (self->baseline));
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->pin_note_row), title);
    }
  gtk_widget_set_visible (GTK_WIDGET (self->pin_note_row), leaving);
}

/* Back on the server the saved certificate was trusted for (the host typed again, say): it
 * applies again, unless the user chose to forget it. */
static void
restore_pin (EpProfileEditor *self)
{
  const char *kept = self->baseline != NULL ? ep_profile_get_pinned_sha256 (self->baseline) : NULL;

  if (kept != NULL && !self->pin_forgotten && ep_profile_get_pinned_sha256 (self->draft) == NULL &&
      ep_profile_has_server (self->baseline, ep_profile_get_host (self->draft),
                             ep_profile_get_port (self->draft)))
    ep_profile_set_pinned_sha256 (self->draft, kept);
}

void
ep_profile_editor_update_title (EpProfileEditor *self)
{
  const char *name = text_of (self->name_row);

  adw_window_title_set_title (self->window_title,
                              self->original == NULL ? _("New Profile") : _("Edit Profile"));
  adw_window_title_set_subtitle (self->window_title, name);
}

/* ---- fields → draft -------------------------------------------------------------------------- */

/* Before the fields are connected: nothing flows back into the draft. */
void
ep_profile_editor_load_fields (EpProfileEditor *self)
{
  EpProfile *p = self->draft;
  g_autofree char *port = g_strdup_printf ("%u", ep_profile_get_port (p));

  set_text (self->name_row, ep_profile_get_name (p));
  set_text (self->sender_name_row, ep_profile_get_sender_name (p));
  set_text (self->address_row, ep_profile_get_sender_address (p));
  set_text (self->host_row, ep_profile_get_host (p));
  set_text (self->port_row, port);
  adw_combo_row_set_selected (self->security_row, ep_profile_get_security (p));
  self->last_security = ep_profile_get_security (p);
  set_text (self->username_row, ep_profile_get_username (p));
  adw_combo_row_set_selected (self->auth_row, ep_profile_get_auth (p));
  gtk_spin_button_set_value (self->timeout_spin, ep_profile_get_timeout (p));
  set_text (self->ehlo_row, ep_profile_get_ehlo_name (p));

  ep_profile_editor_update_title (self);
  update_security_hint (self);
  ep_profile_editor_update_pinned_row (self);
  update_note (self);
  update_offer (self);
}

static void
name_changed_cb (EpProfileEditor *self)
{
  g_autofree char *name = dup_trimmed (self->name_row);

  ep_profile_set_name (self->draft, name);
  ep_profile_editor_mark_error (self->name_row,
                                !ep_profile_store_check_name (self->store, name, self->original, NULL));
  ep_profile_editor_update_title (self);
}

static void
address_changed_cb (EpProfileEditor *self)
{
  g_autofree char *text = dup_trimmed (self->address_row);

  ep_profile_set_sender_address (self->draft, text);
  update_offer (self);
}

static void
host_changed_cb (EpProfileEditor *self)
{
  g_autofree char *text = dup_trimmed (self->host_row);

  ep_profile_set_host (self->draft, text);
  restore_pin (self);
  update_pin_note (self);
  update_note (self);
  update_offer (self);
}

static void
port_changed_cb (EpProfileEditor *self)
{
  guint16 port = ep_profile_editor_parse_port (self);

  ep_profile_editor_mark_error (self->port_row, port == 0 && !self->is_sandbox);
  if (port != 0)
    ep_profile_set_port (self->draft, port);
  restore_pin (self);
  update_pin_note (self);
  update_security_hint (self);
  update_note (self);
  update_offer (self);
}

static void
security_changed_cb (EpProfileEditor *self)
{
  EpSmtpSecurity security = adw_combo_row_get_selected (self->security_row);
  guint16 port = ep_profile_editor_parse_port (self);

  /* The usual port follows the security, unless the user chose another one. */
  if (security != EP_SMTP_SECURITY_NONE && self->last_security != EP_SMTP_SECURITY_NONE &&
      (port == 0 || port == ep_smtp_security_default_port (self->last_security)))
    {
      g_autofree char *text = g_strdup_printf ("%u", ep_smtp_security_default_port (security));
      set_text (self->port_row, text);
    }
  self->last_security = security;
  ep_profile_set_security (self->draft, security);
  update_security_hint (self);
  update_offer (self);
}

/* Text fields keep no surrounding spaces in the profile. */
static gboolean
trimmed_text (GBinding     *binding,
              const GValue *from,
              GValue       *to,
              gpointer      user_data)
{
  g_value_take_string (to, g_strstrip (g_value_dup_string (from)));
  return TRUE;
}

/* The spin button holds whole seconds from 1 up; rounded as gtk_spin_button_get_value_as_int(). */
static gboolean
timeout_seconds (GBinding     *binding,
                 const GValue *from,
                 GValue       *to,
                 gpointer      user_data)
{
  g_value_set_uint (to, (guint) (g_value_get_double (from) + 0.5));
  return TRUE;
}

/* The mechanisms are listed in the order of EpSmtpAuthMechanism (which keeps NONE, never a
 * profile's choice, last). */
static gboolean
auth_mechanism (GBinding     *binding,
                const GValue *from,
                GValue       *to,
                gpointer      user_data)
{
  guint position = g_value_get_uint (from);

  if (position > EP_SMTP_AUTH_OAUTHBEARER)
    return FALSE;
  g_value_set_enum (to, (EpSmtpAuthMechanism) position);
  return TRUE;
}

/* A token mechanism signs in with an access token where the others take a password. */
static gboolean
password_title (GBinding     *binding,
                const GValue *from,
                GValue       *to,
                gpointer      user_data)
{
  gboolean token = ep_smtp_auth_mechanism_uses_token (g_value_get_uint (from));

  g_value_set_string (to, token ? _("Access _Token") : _("Pass_word"));
  return TRUE;
}

static void
bind_trimmed (gpointer    editable,
              EpProfile  *draft,
              const char *property)
{
  g_object_bind_property_full (editable, "text", draft, property, G_BINDING_DEFAULT,
                               trimmed_text, NULL, NULL, NULL);
}

void
ep_profile_editor_connect_fields (EpProfileEditor *self)
{
  bind_trimmed (self->sender_name_row, self->draft, "sender-name");
  bind_trimmed (self->username_row, self->draft, "username");
  bind_trimmed (self->ehlo_row, self->draft, "ehlo-name");
  g_object_bind_property_full (self->timeout_spin, "value", self->draft, "timeout", G_BINDING_DEFAULT,
                               timeout_seconds, NULL, NULL, NULL);
  g_object_bind_property_full (self->auth_row, "selected", self->draft, "auth", G_BINDING_DEFAULT,
                               auth_mechanism, NULL, NULL, NULL);
  g_object_bind_property_full (self->auth_row, "selected", self->password_row, "title",
                               G_BINDING_SYNC_CREATE, password_title, NULL, NULL, NULL);

  g_signal_connect_swapped (self->name_row, "changed", G_CALLBACK (name_changed_cb), self);
  g_signal_connect_swapped (self->address_row, "changed", G_CALLBACK (address_changed_cb), self);
  g_signal_connect_swapped (self->host_row, "changed", G_CALLBACK (host_changed_cb), self);
  g_signal_connect_swapped (self->port_row, "changed", G_CALLBACK (port_changed_cb), self);
  g_signal_connect_swapped (self->security_row, "notify::selected", G_CALLBACK (security_changed_cb), self);
}

void
ep_profile_editor_apply_preset (EpProfileEditor *self,
                                const EpPreset  *preset)
{
  EpSmtpSecurity security = EP_SMTP_SECURITY_STARTTLS;
  g_autofree char *port = g_strdup_printf ("%u", preset->port);

  ep_smtp_security_from_string (preset->security, &security);
  /* The port is set after the security, which would otherwise move it to its usual one. */
  set_text (self->host_row, preset->host);
  adw_combo_row_set_selected (self->security_row, security);
  set_text (self->port_row, port);
  if (*text_of (self->name_row) == '\0')
    set_text (self->name_row, _(preset->name));
  /* A provider that signs people in offers that first (EpSignInGroup turns it off on request),
   * when there is a client ID to sign in with; otherwise the switch is there, off. */
  if (preset->oauth_provider != NULL && ep_sign_in_has_client (preset->oauth_provider))
    ep_profile_set_oauth_setting (self->draft, EP_PROFILE_OAUTH_PROVIDER, preset->oauth_provider);
  ep_profile_editor_sent_apply_preset (self, preset);
  update_note (self);
  update_offer (self);
}

/* ---- the fields' own actions ----------------------------------------------------------------- */

static void
apply_offer_action (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *parameter)
{
  EpProfileEditor *self = EP_PROFILE_EDITOR (widget);

  if (self->offered != NULL)
    {
      ep_profile_editor_apply_preset (self, self->offered);
      gtk_widget_grab_focus (GTK_WIDGET (self->username_row));
    }
}

static void
forget_certificate_action (GtkWidget  *widget,
                           const char *action_name,
                           GVariant   *parameter)
{
  EpProfileEditor *self = EP_PROFILE_EDITOR (widget);

  /* Takes effect on Save, like every other field. */
  self->pin_forgotten = TRUE;
  ep_profile_set_pinned_sha256 (self->draft, NULL);
  update_pin_note (self);
  gtk_widget_grab_focus (GTK_WIDGET (self->ehlo_row));
}

void
ep_profile_editor_fields_class_init (GtkWidgetClass *widget_class)
{
  gtk_widget_class_install_action (widget_class, "editor.apply-offer", NULL, apply_offer_action);
  gtk_widget_class_install_action (widget_class, "editor.forget-certificate", NULL, forget_certificate_action);
}

/* The password row's reveal button has no accessible name in libadwaita 1.2 (a screen reader
 * says only "toggle button"): name it after what pressing it does. */
static void
peek_button_update_label (GtkToggleButton *button)
{
  gtk_accessible_update_property (GTK_ACCESSIBLE (button), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  gtk_toggle_button_get_active (button) ? _("Hide Password")
                                                                        : _("Show Password"),
                                  -1);
}

void
ep_profile_editor_name_peek_buttons (GtkWidget *widget)
{
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      if (GTK_IS_TOGGLE_BUTTON (child))
        {
          peek_button_update_label (GTK_TOGGLE_BUTTON (child));
          g_signal_connect (child, "notify::active", G_CALLBACK (peek_button_update_label), NULL);
        }
      else if (GTK_IS_BUTTON (child))
        gtk_accessible_update_property (GTK_ACCESSIBLE (child), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                        _("Show or Hide the Password"), -1);
      ep_profile_editor_name_peek_buttons (child);
    }
}

void
ep_profile_editor_fields_init (EpProfileEditor *self)
{
  ep_profile_editor_name_peek_buttons (GTK_WIDGET (self->password_row));
}
