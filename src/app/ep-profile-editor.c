/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-profile-editor.c: every setting of one profile, edited on a draft so that nothing changes
 * until Save. Hints follow the fields: the provider preset for the address's domain, the usual
 * port for the security, a plain warning when nothing would be encrypted, whether a keyring
 * can keep the password. Save validates, writes profiles.ini (atomically, through the store) and
 * leaves the password to the Secret Service (done by the dialog on "saved"). */
#include "config.h"

#include <glib/gi18n.h>

#include "ep-presets.h"
#include "ep-profile-editor.h"
#include "ep-secrets.h"
#include "ep-store-error.h"

/* RFC 6335 §6: TCP ports are 16-bit; 0 is reserved. */
#define EP_PORT_MIN 1
#define EP_PORT_MAX 65535

struct _EpProfileEditor
{
  AdwBin                  parent_instance;

  /* Template widgets */
  AdwWindowTitle         *window_title;
  GtkButton              *save_button;
  AdwPreferencesPage     *page;
  AdwPreferencesGroup    *problem_group;
  AdwActionRow           *problem_row;
  AdwPreferencesGroup    *identity_group;
  AdwEntryRow            *name_row;
  AdwEntryRow            *sender_name_row;
  AdwEntryRow            *address_row;
  AdwActionRow           *offer_row;
  AdwPreferencesGroup    *sandbox_group;
  AdwPreferencesGroup    *server_group;
  AdwActionRow           *note_row;
  AdwEntryRow            *host_row;
  AdwEntryRow            *port_row;
  AdwComboRow            *security_row;
  AdwActionRow           *cleartext_row;
  AdwActionRow           *pin_note_row;
  AdwPreferencesGroup    *auth_group;
  AdwEntryRow            *username_row;
  AdwPasswordEntryRow    *password_row;
  AdwActionRow           *keyring_row;
  GtkImage               *keyring_icon;
  GtkButton              *forget_password_button;
  AdwComboRow            *auth_row;
  AdwPreferencesGroup    *advanced_group;
  GtkSpinButton          *timeout_spin;
  AdwEntryRow            *ehlo_row;
  AdwActionRow           *pinned_row;
  GtkButton              *forget_certificate_button;
  GtkButton              *test_button;

  /* Owned */
  EpProfileStore         *store;
  EpProfile              *original;      /* NULL for a new profile until its first save */
  EpProfile              *draft;         /* what the fields say; same id as @original */
  EpProfile              *baseline;      /* the draft as it was when the editor opened */
  GCancellable           *cancellable;
  EpKeyringState          keyring;
  gboolean                has_stored_password;
  gboolean                is_sandbox;
  gboolean                loading;
  gboolean                pin_forgotten;  /* Forget pressed: the saved pin goes on Save */
  EpSmtpSecurity       last_security;
  const EpPreset         *offered;
  char                   *problem;

  /* Weak */
  EpConnectionTestWindow *test_window;
  AdwMessageDialog       *discard_dialog;
};

G_DEFINE_FINAL_TYPE (EpProfileEditor, ep_profile_editor, ADW_TYPE_BIN)

enum {
  SAVED,
  DONE,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* ---- helpers ------------------------------------------------------------------------------- */

static const char *
text_of (gpointer editable)
{
  return gtk_editable_get_text (GTK_EDITABLE (editable));
}

static char *
dup_trimmed (gpointer editable)
{
  return g_strstrip (g_strdup (text_of (editable)));
}

static void
set_text (gpointer    editable,
          const char *text)
{
  gtk_editable_set_text (GTK_EDITABLE (editable), text != NULL ? text : "");
}

static void
mark_error (gpointer widget,
            gboolean error)
{
  if (error)
    gtk_widget_add_css_class (GTK_WIDGET (widget), "error");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (widget), "error");
}

/* The port as typed, or 0 when it is not a number from 1 to 65535. */
static guint16
parse_port (EpProfileEditor *self)
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

static void
show_toast (EpProfileEditor *self,
            const char      *text)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));

  if (ADW_IS_PREFERENCES_WINDOW (root))
    adw_preferences_window_add_toast (ADW_PREFERENCES_WINDOW (root), adw_toast_new (text));
}

static void
set_problem (EpProfileEditor *self,
             const char      *problem,
             gpointer         focus)
{
  g_free (self->problem);
  self->problem = g_strdup (problem);
  adw_action_row_set_subtitle (self->problem_row, problem != NULL ? problem : "");
  gtk_widget_set_visible (GTK_WIDGET (self->problem_group), problem != NULL);
  if (focus != NULL)
    gtk_widget_grab_focus (GTK_WIDGET (focus));
}

/* ---- hints ------------------------------------------------------------------------------- */

static void
update_security_hint (EpProfileEditor *self)
{
  EpSmtpSecurity security = adw_combo_row_get_selected (self->security_row);
  guint16 port = parse_port (self);
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
  guint16 port = parse_port (self);
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
  return g_ascii_strcasecmp (host, preset->host) == 0 && parse_port (self) == preset->port &&
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

static void
update_keyring_row (EpProfileEditor *self)
{
  const char *title = NULL;
  const char *subtitle = NULL;
  const char *icon = "channel-secure-symbolic";

  switch (self->keyring)
    {
    case EP_KEYRING_STATE_ABSENT:
      icon = "dialog-warning-symbolic";
      title = _("No keyring is available");
      subtitle = _("Epistle keeps passwords only in the system keyring, and none is running. "
                   "The password will not be saved anywhere: Epistle will ask for it each time "
                   "you send.");
      break;
    case EP_KEYRING_STATE_AVAILABLE:
      if (self->has_stored_password)
        {
          title = _("A password is saved in the keyring");
          subtitle = _("Leave the field empty to keep it, or type a new one to replace it.");
        }
      else
        {
          title = _("The password will be saved in the keyring");
          subtitle = _("Only there, never in a file.");
        }
      break;
    case EP_KEYRING_STATE_UNKNOWN:
    default:
      break;
    }

  gtk_widget_set_visible (GTK_WIDGET (self->keyring_row), title != NULL);
  if (title == NULL)
    return;
  gtk_image_set_from_icon_name (self->keyring_icon, icon);
  if (self->keyring == EP_KEYRING_STATE_ABSENT)
    gtk_widget_add_css_class (GTK_WIDGET (self->keyring_icon), "warning");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self->keyring_icon), "warning");
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->keyring_row), title);
  adw_action_row_set_subtitle (self->keyring_row, subtitle);
  gtk_widget_set_visible (GTK_WIDGET (self->forget_password_button), self->has_stored_password);
}

static void
update_password_title (EpProfileEditor *self)
{
  EpSmtpAuthMechanism auth = adw_combo_row_get_selected (self->auth_row);
  gboolean token = ep_smtp_auth_mechanism_uses_token (auth);

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->password_row),
                                 token ? _("Access _Token") : _("Pass_word"));
}

static void
update_pinned_row (EpProfileEditor *self)
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

static void
update_title (EpProfileEditor *self)
{
  const char *name = text_of (self->name_row);

  adw_window_title_set_title (self->window_title,
                              self->original == NULL ? _("New Profile") : _("Edit Profile"));
  adw_window_title_set_subtitle (self->window_title, name);
}

/* ---- fields ↔ draft ------------------------------------------------------------------------- */

static void
load_fields (EpProfileEditor *self)
{
  EpProfile *p = self->draft;
  g_autofree char *port = g_strdup_printf ("%u", ep_profile_get_port (p));

  self->loading = TRUE;
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
  self->loading = FALSE;

  update_title (self);
  update_security_hint (self);
  update_password_title (self);
  update_pinned_row (self);
  update_note (self);
  update_offer (self);
}

static void
name_changed_cb (EpProfileEditor *self)
{
  g_autofree char *name = dup_trimmed (self->name_row);

  if (self->loading)
    return;
  ep_profile_set_name (self->draft, name);
  mark_error (self->name_row, !ep_profile_store_check_name (self->store, name, self->original, NULL));
  update_title (self);
}

static void
sender_name_changed_cb (EpProfileEditor *self)
{
  g_autofree char *text = dup_trimmed (self->sender_name_row);

  if (!self->loading)
    ep_profile_set_sender_name (self->draft, text);
}

static void
address_changed_cb (EpProfileEditor *self)
{
  g_autofree char *text = dup_trimmed (self->address_row);

  if (self->loading)
    return;
  ep_profile_set_sender_address (self->draft, text);
  update_offer (self);
}

static void
host_changed_cb (EpProfileEditor *self)
{
  g_autofree char *text = dup_trimmed (self->host_row);

  if (self->loading)
    return;
  ep_profile_set_host (self->draft, text);
  restore_pin (self);
  update_pin_note (self);
  update_note (self);
  update_offer (self);
}

static void
port_changed_cb (EpProfileEditor *self)
{
  guint16 port = parse_port (self);

  if (self->loading)
    return;
  mark_error (self->port_row, port == 0 && !self->is_sandbox);
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
  guint16 port = parse_port (self);

  if (self->loading)
    return;
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

static void
username_changed_cb (EpProfileEditor *self)
{
  g_autofree char *text = dup_trimmed (self->username_row);

  if (!self->loading)
    ep_profile_set_username (self->draft, text);
}

static void
auth_changed_cb (EpProfileEditor *self)
{
  if (!self->loading)
    ep_profile_set_auth (self->draft, adw_combo_row_get_selected (self->auth_row));
  update_password_title (self);
}

static void
timeout_changed_cb (EpProfileEditor *self)
{
  if (!self->loading)
    ep_profile_set_timeout (self->draft, gtk_spin_button_get_value_as_int (self->timeout_spin));
}

static void
ehlo_changed_cb (EpProfileEditor *self)
{
  g_autofree char *text = dup_trimmed (self->ehlo_row);

  if (!self->loading)
    ep_profile_set_ehlo_name (self->draft, text);
}

static void
apply_preset (EpProfileEditor *self,
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
  update_note (self);
  update_offer (self);
}

/* A name nobody uses yet: "Gmail", then "Gmail 2", ... */
static char *
free_name (EpProfileStore *store,
           const char     *base)
{
  char *name = g_strdup (base);

  for (guint i = 2; ep_profile_store_lookup_by_name (store, name) != NULL; i++)
    {
      g_free (name);
      /* Translators: a second profile made from the same preset, e.g. "Gmail 2" */
      name = g_strdup_printf (_("%s %u"), base, i);
    }
  return name;
}

/* Trusting a certificate in the connection test pins it on the draft; a stored profile for the
 * same server keeps it at once (the user decided about that certificate, not about the other
 * fields). The SIZE limit learnt there is kept the same way. */
static gboolean
same_server_as_original (EpProfileEditor *self)
{
  return self->original != NULL &&
         ep_profile_has_server (self->original, ep_profile_get_host (self->draft),
                                ep_profile_get_port (self->draft));
}

static void
persist_on_original (EpProfileEditor *self)
{
  g_autoptr(GError) error = NULL;

  if (!ep_profile_store_save (self->store, &error))
    show_toast (self, error->message);
}

static void
draft_pinned_cb (EpProfileEditor *self)
{
  const char *pinned = ep_profile_get_pinned_sha256 (self->draft);

  update_pinned_row (self);
  if (pinned != NULL && same_server_as_original (self) && !self->is_sandbox &&
      g_strcmp0 (ep_profile_get_pinned_sha256 (self->original), pinned) != 0)
    {
      ep_profile_set_pinned_sha256 (self->original, pinned);
      ep_profile_set_pinned_sha256 (self->baseline, pinned);   /* saved already: no change */
      persist_on_original (self);
    }
}

static void
draft_size_limit_cb (EpProfileEditor *self)
{
  guint64 size = ep_profile_get_size_limit (self->draft);

  if (size > 0 && (same_server_as_original (self) || self->is_sandbox) &&
      ep_profile_get_size_limit (self->original) != size)
    {
      ep_profile_set_size_limit (self->original, size);
      persist_on_original (self);
    }
}

/* ---- keyring ------------------------------------------------------------------------------- */

static void
lookup_done_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(EpProfileEditor) self = user_data;
  g_autoptr(GError) error = NULL;
  char *password = ep_secrets_lookup_finish (result, &error);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  /* Only whether there is one: the editor never shows a saved password. */
  self->has_stored_password = password != NULL;
  ep_secrets_password_free (password);
  if (g_error_matches (error, EP_STORE_ERROR, EP_STORE_ERROR_NO_KEYRING))
    self->keyring = EP_KEYRING_STATE_ABSENT;
  update_keyring_row (self);
}

static void
check_thread (GTask        *task,
              gpointer      source_object,
              gpointer      task_data,
              GCancellable *cancellable)
{
  GError *error = NULL;

  if (ep_secrets_check_available (cancellable, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

static void
check_done_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  EpProfileEditor *self = EP_PROFILE_EDITOR (source);
  g_autoptr(GError) error = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      self->keyring = EP_KEYRING_STATE_ABSENT;
      update_keyring_row (self);
      return;
    }

  self->keyring = EP_KEYRING_STATE_AVAILABLE;
  update_keyring_row (self);
  if (self->original != NULL && !self->is_sandbox)
    ep_secrets_lookup_async (ep_profile_get_id (self->original), self->cancellable,
                             lookup_done_cb, g_object_ref (self));
}

static void
check_keyring (EpProfileEditor *self)
{
  g_autoptr(GTask) task = g_task_new (self, self->cancellable, check_done_cb, NULL);

  g_task_set_source_tag (task, check_keyring);
  g_task_run_in_thread (task, check_thread);
}

static void
clear_done_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(EpProfileEditor) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!ep_secrets_clear_finish (result, &error))
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        show_toast (self, error->message);
      return;
    }
  self->has_stored_password = FALSE;
  update_keyring_row (self);
  show_toast (self, _("The saved password was removed from the keyring"));
}

/* ---- actions ------------------------------------------------------------------------------- */

static gboolean
has_credentials (EpProfileEditor *self)
{
  return *text_of (self->username_row) != '\0' &&
         (*text_of (self->password_row) != '\0' || self->has_stored_password);
}

/**
 * ep_profile_editor_save:
 *
 * Checks the fields (showing the first problem above them and focusing its field), then adds
 * the new profile or updates the edited one and writes the store. Emits "saved"; the password
 * is the listener's to keep (ep_profile_editor_dup_password()).
 *
 * Returns: whether the profile was saved
 */
gboolean
ep_profile_editor_save (EpProfileEditor *self)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(EpProfile) check = NULL;
  g_autofree char *name = NULL;
  EpProfile *target;

  g_return_val_if_fail (EP_IS_PROFILE_EDITOR (self), FALSE);

  name = dup_trimmed (self->name_row);
  if (!ep_profile_store_check_name (self->store, name, self->original, &error))
    {
      set_problem (self, error->message, self->name_row);
      return FALSE;
    }
  if (!self->is_sandbox && parse_port (self) == 0)
    {
      set_problem (self, _("The port must be a number from 1 to 65535."), self->port_row);
      return FALSE;
    }

  /* An empty user name means the address, once there is a password to go with it. */
  if (!self->is_sandbox && *text_of (self->username_row) == '\0' &&
      (*text_of (self->password_row) != '\0' || self->has_stored_password))
    set_text (self->username_row, ep_profile_get_sender_address (self->draft));

  if (!self->is_sandbox && ep_profile_get_security (self->draft) == EP_SMTP_SECURITY_NONE &&
      has_credentials (self))
    {
      set_problem (self, _("Epistle never sends a password without encryption. Choose Implicit TLS "
                           "or STARTTLS, or leave the user name and password empty for a server "
                           "that needs no sign-in."), self->security_row);
      return FALSE;
    }

  /* The Sandbox keeps its own server: check the identity on a Sandbox-shaped copy. */
  if (self->is_sandbox)
    {
      check = ep_profile_new_sandbox ();
      ep_profile_set_name (check, ep_profile_get_name (self->draft));
      ep_profile_set_sender_name (check, ep_profile_get_sender_name (self->draft));
      ep_profile_set_sender_address (check, ep_profile_get_sender_address (self->draft));
    }
  else
    check = g_object_ref (self->draft);
  if (!ep_profile_validate (check, &error))
    {
      set_problem (self, error->message, NULL);
      return FALSE;
    }

  if (self->original == NULL)
    {
      if (!ep_profile_store_add (self->store, self->draft, &error))
        {
          set_problem (self, error->message, self->name_row);
          return FALSE;
        }
      self->original = g_object_ref (self->draft);
    }
  target = self->original;
  if (target != self->draft)
    {
      g_object_freeze_notify (G_OBJECT (target));
      ep_profile_set_name (target, ep_profile_get_name (self->draft));
      ep_profile_set_sender_name (target, ep_profile_get_sender_name (self->draft));
      ep_profile_set_sender_address (target, ep_profile_get_sender_address (self->draft));
      if (!self->is_sandbox)
        {
          ep_profile_set_host (target, ep_profile_get_host (self->draft));
          ep_profile_set_port (target, ep_profile_get_port (self->draft));
          ep_profile_set_security (target, ep_profile_get_security (self->draft));
          ep_profile_set_username (target, ep_profile_get_username (self->draft));
          ep_profile_set_auth (target, ep_profile_get_auth (self->draft));
          ep_profile_set_pinned_sha256 (target, ep_profile_get_pinned_sha256 (self->draft));
          ep_profile_set_timeout (target, ep_profile_get_timeout (self->draft));
          ep_profile_set_ehlo_name (target, ep_profile_get_ehlo_name (self->draft));
        }
      if (ep_profile_get_size_limit (self->draft) > 0)
        ep_profile_set_size_limit (target, ep_profile_get_size_limit (self->draft));
      g_object_thaw_notify (G_OBJECT (target));
    }

  if (!ep_profile_store_save (self->store, &error))
    {
      set_problem (self, error->message, NULL);
      return FALSE;
    }

  set_problem (self, NULL, NULL);
  g_signal_emit (self, signals[SAVED], 0, target);
  return TRUE;
}

static void
save_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  ep_profile_editor_save (EP_PROFILE_EDITOR (widget));
}

/**
 * ep_profile_editor_has_changes:
 *
 * Returns: whether leaving now would lose something the user did: a setting changed since the
 *   editor opened (a certificate trusted and stored at once does not count), or a password typed
 */
gboolean
ep_profile_editor_has_changes (EpProfileEditor *self)
{
  EpProfile *a, *b;

  g_return_val_if_fail (EP_IS_PROFILE_EDITOR (self), FALSE);

  a = self->baseline;
  b = self->draft;
  return *text_of (self->password_row) != '\0' ||
         g_strcmp0 (ep_profile_get_name (a), ep_profile_get_name (b)) != 0 ||
         g_strcmp0 (ep_profile_get_sender_name (a), ep_profile_get_sender_name (b)) != 0 ||
         g_strcmp0 (ep_profile_get_sender_address (a), ep_profile_get_sender_address (b)) != 0 ||
         g_strcmp0 (ep_profile_get_host (a), ep_profile_get_host (b)) != 0 ||
         ep_profile_get_port (a) != ep_profile_get_port (b) ||
         ep_profile_get_security (a) != ep_profile_get_security (b) ||
         g_strcmp0 (ep_profile_get_username (a), ep_profile_get_username (b)) != 0 ||
         ep_profile_get_auth (a) != ep_profile_get_auth (b) ||
         g_strcmp0 (ep_profile_get_pinned_sha256 (a), ep_profile_get_pinned_sha256 (b)) != 0 ||
         ep_profile_get_timeout (a) != ep_profile_get_timeout (b) ||
         g_strcmp0 (ep_profile_get_ehlo_name (a), ep_profile_get_ehlo_name (b)) != 0;
}

static void
discard_response_cb (AdwMessageDialog *dialog,
                     const char       *response,
                     gpointer          user_data)
{
  g_autoptr(GTask) task = user_data;
  EpProfileEditor *self = g_task_get_source_object (task);

  /* Answered once: adw_message_dialog_response() may be called again on a dialog that stays
   * open, and the task is gone after this. */
  g_signal_handlers_disconnect_by_func (dialog, discard_response_cb, user_data);
  /* Answered: the question is over even if GTK keeps the window a little longer. */
  g_object_remove_weak_pointer (G_OBJECT (dialog), (gpointer *) &self->discard_dialog);
  self->discard_dialog = NULL;
  g_task_return_boolean (task, g_str_equal (response, "discard"));
}

/**
 * ep_profile_editor_ask_discard_async:
 *
 * Asks "Discard Changes?" over the window holding the editor. Finishes with %TRUE when the
 * user chose to discard, %FALSE when they keep editing (or a question is already open).
 */
void
ep_profile_editor_ask_discard_async (EpProfileEditor     *self,
                                     GAsyncReadyCallback  callback,
                                     gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autofree char *body = NULL;
  GtkWidget *dialog;

  g_return_if_fail (EP_IS_PROFILE_EDITOR (self));

  task = g_task_new (self, NULL, callback, user_data);
  g_task_set_source_tag (task, ep_profile_editor_ask_discard_async);
  if (self->discard_dialog != NULL)
    {
      gtk_window_present (GTK_WINDOW (self->discard_dialog));
      g_task_return_boolean (task, FALSE);
      return;
    }

  if (self->original == NULL)
    body = g_strdup (_("The new profile has not been saved."));
  else
    /* Translators: %s is a profile's name */
    body = g_strdup_printf (_("The changes to “%s” have not been saved."),
                            ep_profile_get_name (self->original));
  dialog = adw_message_dialog_new (GTK_WINDOW (gtk_widget_get_root (GTK_WIDGET (self))),
                                   _("Discard Changes?"), body);
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog),
                                    "cancel", _("_Keep Editing"),
                                    "discard", _("_Discard"),
                                    NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "discard",
                                              ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  g_signal_connect (dialog, "response", G_CALLBACK (discard_response_cb), g_steal_pointer (&task));
  self->discard_dialog = ADW_MESSAGE_DIALOG (dialog);
  g_object_add_weak_pointer (G_OBJECT (dialog), (gpointer *) &self->discard_dialog);
  gtk_window_present (GTK_WINDOW (dialog));
}

gboolean
ep_profile_editor_ask_discard_finish (EpProfileEditor  *self,
                                      GAsyncResult     *result,
                                      GError          **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* Returns: (transfer none) (nullable): the open "Discard Changes?" question, for tests */
AdwMessageDialog *
ep_profile_editor_get_discard_dialog (EpProfileEditor *self)
{
  g_return_val_if_fail (EP_IS_PROFILE_EDITOR (self), NULL);
  return self->discard_dialog;
}

static void
back_discard_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  EpProfileEditor *self = EP_PROFILE_EDITOR (source);

  if (ep_profile_editor_ask_discard_finish (self, result, NULL))
    g_signal_emit (self, signals[DONE], 0);
}

/* Back (or Escape): leaves at once when nothing would be lost, otherwise asks first. */
static void
cancel_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  EpProfileEditor *self = EP_PROFILE_EDITOR (widget);

  if (!ep_profile_editor_has_changes (self))
    g_signal_emit (widget, signals[DONE], 0);
  else
    ep_profile_editor_ask_discard_async (self, back_discard_cb, NULL);
}

static void
apply_offer_action (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *parameter)
{
  EpProfileEditor *self = EP_PROFILE_EDITOR (widget);

  if (self->offered != NULL)
    {
      apply_preset (self, self->offered);
      gtk_widget_grab_focus (GTK_WIDGET (self->username_row));
    }
}

static void
forget_password_action (GtkWidget  *widget,
                        const char *action_name,
                        GVariant   *parameter)
{
  EpProfileEditor *self = EP_PROFILE_EDITOR (widget);

  if (self->original != NULL)
    ep_secrets_clear_async (ep_profile_get_id (self->original), self->cancellable,
                            clear_done_cb, g_object_ref (self));
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

static void
test_window_destroyed_cb (EpProfileEditor *self)
{
  self->test_window = NULL;
}

/**
 * ep_profile_editor_test_connection:
 *
 * Opens (or reuses) the connection test for the values in the fields and runs it. Nothing is
 * saved, except what the user decides there: a trusted certificate, and the SIZE limit.
 */
void
ep_profile_editor_test_connection (EpProfileEditor *self)
{
  g_autofree char *password = NULL;
  GtkRoot *root;

  g_return_if_fail (EP_IS_PROFILE_EDITOR (self));

  if (!self->is_sandbox && parse_port (self) == 0)
    {
      set_problem (self, _("The port must be a number from 1 to 65535."), self->port_row);
      return;
    }
  if (!self->is_sandbox && *text_of (self->host_row) == '\0')
    {
      set_problem (self, _("Enter the server’s name first."), self->host_row);
      return;
    }
  password = ep_profile_editor_dup_password (self);
  /* The saved password is for the saved server: a test of another one (whoever answers there)
   * must not get it. The user types the password meant for this server instead. */
  if (password == NULL && !self->is_sandbox && self->original != NULL &&
      !same_server_as_original (self) && *text_of (self->username_row) != '\0' &&
      (self->has_stored_password || self->keyring == EP_KEYRING_STATE_UNKNOWN))
    {
      g_autofree char *problem = NULL;

      /* Translators: %s:%u is the saved server, e.g. "smtp.example.org:587" */
      problem = g_strdup_printf (_("The saved password is for %s:%u. To test this server, type "
                                   "its password."),
                                 ep_profile_get_host (self->original), ep_profile_get_port (self->original));
      set_problem (self, problem, self->password_row);
      return;
    }
  set_problem (self, NULL, NULL);

  if (self->test_window == NULL)
    {
      root = gtk_widget_get_root (GTK_WIDGET (self));
      self->test_window = ep_connection_test_window_new (GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                                         self->store, self->draft, self->is_sandbox,
                                                         password);
      g_signal_connect_object (self->test_window, "destroy", G_CALLBACK (test_window_destroyed_cb),
                               self, G_CONNECT_SWAPPED);
    }
  else
    ep_connection_test_window_set_password (self->test_window, password);
  if (password != NULL)
    ep_secrets_password_free (g_steal_pointer (&password));

  gtk_window_present (GTK_WINDOW (self->test_window));
  ep_connection_test_window_start (self->test_window);
}

static void
test_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  ep_profile_editor_test_connection (EP_PROFILE_EDITOR (widget));
}

/* ---- GObject ------------------------------------------------------------------------------- */

static void
ep_profile_editor_dispose (GObject *object)
{
  EpProfileEditor *self = EP_PROFILE_EDITOR (object);

  g_cancellable_cancel (self->cancellable);
  if (self->test_window != NULL)
    gtk_window_destroy (GTK_WINDOW (self->test_window));
  if (self->discard_dialog != NULL)
    {
      AdwMessageDialog *dialog = self->discard_dialog;

      /* Answer it (keep editing: nothing discarded by accident) so that whoever waits is told. */
      g_object_ref (dialog);
      adw_message_dialog_response (dialog, "cancel");
      gtk_window_destroy (GTK_WINDOW (dialog));
      g_object_unref (dialog);
    }
  if (self->draft != NULL)
    g_signal_handlers_disconnect_by_data (self->draft, self);

  gtk_widget_dispose_template (GTK_WIDGET (self), EP_TYPE_PROFILE_EDITOR);

  G_OBJECT_CLASS (ep_profile_editor_parent_class)->dispose (object);
}

static void
ep_profile_editor_finalize (GObject *object)
{
  EpProfileEditor *self = EP_PROFILE_EDITOR (object);

  g_clear_object (&self->cancellable);
  g_clear_object (&self->store);
  g_clear_object (&self->original);
  g_clear_object (&self->draft);
  g_clear_object (&self->baseline);
  g_free (self->problem);

  G_OBJECT_CLASS (ep_profile_editor_parent_class)->finalize (object);
}

static void
ep_profile_editor_class_init (EpProfileEditorClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = ep_profile_editor_dispose;
  object_class->finalize = ep_profile_editor_finalize;

  /**
   * EpProfileEditor::saved:
   * @profile: the profile now in the store
   */
  signals[SAVED] = g_signal_new ("saved", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                 0, NULL, NULL, NULL, G_TYPE_NONE, 1, EP_TYPE_PROFILE);
  /* Back without saving (after asking, when something would be lost). */
  signals[DONE] = g_signal_new ("done", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                0, NULL, NULL, NULL, G_TYPE_NONE, 0);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/epistlemail/Epistle/ep-profile-editor.ui");
  gtk_widget_class_bind_template_child (widget_class, EpProfileEditor, window_title);
  gtk_widget_class_bind_template_child (widget_class, EpProfileEditor, save_button);
  gtk_widget_class_bind_template_child (widget_class, EpProfileEditor, page);
  gtk_widget_class_bind_template_child (widget_class, EpProfileEditor, problem_group);
  gtk_widget_class_bind_template_child (widget_class, EpProfileEditor, problem_row);
  gtk_widget_class_bind_template_child (widget_class, EpProfileEditor, identity_group);
  gtk_widget_class_bind_template_child (widget_class, EpProfileEditor, name_row);
  gtk_widget_class_bind_template_child (widget_class, EpProfileEditor, sender_name_row);
  gtk_widget_class_bind_template_child (widget_class, EpProfileEditor, address_row);
  gtk_widget_class_bind_template_child (widget_class, EpProfileEditor, offer_row);
  gtk_widget_class_bind_template_child (widget_class, EpProfileEditor, sandbox_group);
  gtk_widget_class_bind_template_child (widget_class, EpProfileEditor, server_group);
  gtk_widget_class_bind_template_child (widget_class, EpProfileEditor, note_row);
  gtk_widget_class_bind_template_child (widget_class, EpProfileEditor, host_row);
  gtk_widget_class_bind_template_child (widget_class, EpProfileEditor, port_row);
  gtk_widget_class_bind_template_child (widget_class, EpProfileEditor, security_row);
  gtk_widget_class_bind_template_child (widget_class, EpProfileEditor, cleartext_row);
  gtk_widget_class_bind_template_child (widget_class, EpProfileEditor, pin_note_row);
  gtk_widget_class_bind_template_child (widget_class, EpProfileEditor, auth_group);
  gtk_widget_class_bind_template_child (widget_class, EpProfileEditor, username_row);
  gtk_widget_class_bind_template_child (widget_class, EpProfileEditor, password_row);
  gtk_widget_class_bind_template_child (widget_class, EpProfileEditor, keyring_row);
  gtk_widget_class_bind_template_child (widget_class, EpProfileEditor, keyring_icon);
  gtk_widget_class_bind_template_child (widget_class, EpProfileEditor, forget_password_button);
  gtk_widget_class_bind_template_child (widget_class, EpProfileEditor, auth_row);
  gtk_widget_class_bind_template_child (widget_class, EpProfileEditor, advanced_group);
  gtk_widget_class_bind_template_child (widget_class, EpProfileEditor, timeout_spin);
  gtk_widget_class_bind_template_child (widget_class, EpProfileEditor, ehlo_row);
  gtk_widget_class_bind_template_child (widget_class, EpProfileEditor, pinned_row);
  gtk_widget_class_bind_template_child (widget_class, EpProfileEditor, forget_certificate_button);
  gtk_widget_class_bind_template_child (widget_class, EpProfileEditor, test_button);

  gtk_widget_class_install_action (widget_class, "editor.save", NULL, save_action);
  gtk_widget_class_install_action (widget_class, "editor.cancel", NULL, cancel_action);
  gtk_widget_class_install_action (widget_class, "editor.apply-offer", NULL, apply_offer_action);
  gtk_widget_class_install_action (widget_class, "editor.forget-password", NULL, forget_password_action);
  gtk_widget_class_install_action (widget_class, "editor.forget-certificate", NULL, forget_certificate_action);
  gtk_widget_class_install_action (widget_class, "editor.test", NULL, test_action);
  /* The preferences window closes on Escape; inside the editor, Escape only goes back. */
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "editor.cancel", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_s, GDK_CONTROL_MASK, "editor.save", NULL);
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

static void
name_peek_buttons (GtkWidget *widget)
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
      name_peek_buttons (child);
    }
}

static void
ep_profile_editor_init (EpProfileEditor *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  name_peek_buttons (GTK_WIDGET (self->password_row));
  self->cancellable = g_cancellable_new ();
}

static void
connect_fields (EpProfileEditor *self)
{
  g_signal_connect_swapped (self->name_row, "changed", G_CALLBACK (name_changed_cb), self);
  g_signal_connect_swapped (self->sender_name_row, "changed", G_CALLBACK (sender_name_changed_cb), self);
  g_signal_connect_swapped (self->address_row, "changed", G_CALLBACK (address_changed_cb), self);
  g_signal_connect_swapped (self->host_row, "changed", G_CALLBACK (host_changed_cb), self);
  g_signal_connect_swapped (self->port_row, "changed", G_CALLBACK (port_changed_cb), self);
  g_signal_connect_swapped (self->security_row, "notify::selected", G_CALLBACK (security_changed_cb), self);
  g_signal_connect_swapped (self->username_row, "changed", G_CALLBACK (username_changed_cb), self);
  g_signal_connect_swapped (self->auth_row, "notify::selected", G_CALLBACK (auth_changed_cb), self);
  g_signal_connect_swapped (self->timeout_spin, "value-changed", G_CALLBACK (timeout_changed_cb), self);
  g_signal_connect_swapped (self->ehlo_row, "changed", G_CALLBACK (ehlo_changed_cb), self);
  g_signal_connect_swapped (self->draft, "notify::pinned-sha256", G_CALLBACK (draft_pinned_cb), self);
  g_signal_connect_swapped (self->draft, "notify::size-limit", G_CALLBACK (draft_size_limit_cb), self);
}

/**
 * ep_profile_editor_new:
 * @profile: (nullable): the stored profile to edit, or %NULL for a new one
 * @preset_id: (nullable): for a new profile, the preset (ep-presets.h) to start from
 */
EpProfileEditor *
ep_profile_editor_new (EpProfileStore *store,
                       EpProfile      *profile,
                       const char     *preset_id)
{
  EpProfileEditor *self;

  g_return_val_if_fail (EP_IS_PROFILE_STORE (store), NULL);
  g_return_val_if_fail (profile == NULL || EP_IS_PROFILE (profile), NULL);

  self = g_object_new (EP_TYPE_PROFILE_EDITOR, NULL);
  self->store = g_object_ref (store);
  if (profile != NULL)
    {
      self->original = g_object_ref (profile);
      self->is_sandbox = ep_profile_get_is_sandbox (profile);
      self->draft = ep_profile_copy (profile, ep_profile_get_id (profile), NULL);
    }
  else
    self->draft = ep_profile_new (NULL);

  gtk_widget_set_visible (GTK_WIDGET (self->sandbox_group), self->is_sandbox);
  gtk_widget_set_visible (GTK_WIDGET (self->server_group), !self->is_sandbox);
  gtk_widget_set_visible (GTK_WIDGET (self->auth_group), !self->is_sandbox);
  gtk_widget_set_visible (GTK_WIDGET (self->advanced_group), !self->is_sandbox);

  load_fields (self);
  connect_fields (self);

  if (profile == NULL)
    {
      const EpPreset *preset = ep_presets_lookup (preset_id);

      if (preset != NULL)
        {
          g_autofree char *name = free_name (store, _(preset->name));

          set_text (self->name_row, name);
          apply_preset (self, preset);
        }
    }
  update_title (self);
  update_keyring_row (self);
  if (!self->is_sandbox)
    check_keyring (self);
  self->baseline = ep_profile_copy (self->draft, ep_profile_get_id (self->draft), NULL);
  return self;
}

/* Returns: (transfer none) (nullable): the stored profile (after the first save, for a new one) */
EpProfile *
ep_profile_editor_get_profile (EpProfileEditor *self)
{
  g_return_val_if_fail (EP_IS_PROFILE_EDITOR (self), NULL);
  return self->original;
}

/* Returns: (transfer none): the values as edited */
EpProfile *
ep_profile_editor_get_draft (EpProfileEditor *self)
{
  g_return_val_if_fail (EP_IS_PROFILE_EDITOR (self), NULL);
  return self->draft;
}

gboolean
ep_profile_editor_get_is_new (EpProfileEditor *self)
{
  g_return_val_if_fail (EP_IS_PROFILE_EDITOR (self), FALSE);
  return self->original == NULL;
}

/* Returns: (transfer full) (nullable): the password typed, to be freed with
 *   ep_secrets_password_free(); %NULL when the field is empty */
char *
ep_profile_editor_dup_password (EpProfileEditor *self)
{
  const char *text;

  g_return_val_if_fail (EP_IS_PROFILE_EDITOR (self), NULL);

  text = text_of (self->password_row);
  return *text != '\0' ? g_strdup (text) : NULL;
}

/* Returns: (transfer none) (nullable) */
EpConnectionTestWindow *
ep_profile_editor_get_test_window (EpProfileEditor *self)
{
  g_return_val_if_fail (EP_IS_PROFILE_EDITOR (self), NULL);
  return self->test_window;
}

EpKeyringState
ep_profile_editor_get_keyring_state (EpProfileEditor *self)
{
  g_return_val_if_fail (EP_IS_PROFILE_EDITOR (self), EP_KEYRING_STATE_UNKNOWN);
  return self->keyring;
}

gboolean
ep_profile_editor_has_stored_password (EpProfileEditor *self)
{
  g_return_val_if_fail (EP_IS_PROFILE_EDITOR (self), FALSE);
  return self->has_stored_password;
}

/* Returns: (nullable): the problem shown above the fields, if any */
const char *
ep_profile_editor_get_problem (EpProfileEditor *self)
{
  g_return_val_if_fail (EP_IS_PROFILE_EDITOR (self), NULL);
  return self->problem;
}

/**
 * ep_profile_editor_get_field:
 * @name: "name", "sender-name", "address", "offer", "note", "host", "port", "security",
 *   "cleartext-warning", "pin-note", "username", "password", "keyring", "auth", "timeout", "ehlo",
 *   "pinned", "save", "test"
 *
 * For tests and accessibility tooling.
 *
 * Returns: (transfer none): the widget
 */
GtkWidget *
ep_profile_editor_get_field (EpProfileEditor *self,
                             const char      *name)
{
  const struct { const char *name; gpointer widget; } fields[] = {
    { "name", self->name_row },
    { "sender-name", self->sender_name_row },
    { "address", self->address_row },
    { "offer", self->offer_row },
    { "note", self->note_row },
    { "host", self->host_row },
    { "port", self->port_row },
    { "security", self->security_row },
    { "cleartext-warning", self->cleartext_row },
    { "pin-note", self->pin_note_row },
    { "username", self->username_row },
    { "password", self->password_row },
    { "keyring", self->keyring_row },
    { "auth", self->auth_row },
    { "timeout", self->timeout_spin },
    { "ehlo", self->ehlo_row },
    { "pinned", self->pinned_row },
    { "save", self->save_button },
    { "test", self->test_button },
  };

  g_return_val_if_fail (EP_IS_PROFILE_EDITOR (self), NULL);

  for (guint i = 0; i < G_N_ELEMENTS (fields); i++)
    if (g_str_equal (fields[i].name, name))
      return GTK_WIDGET (fields[i].widget);
  g_return_val_if_reached (NULL);
}
