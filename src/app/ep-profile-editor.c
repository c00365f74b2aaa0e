/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-profile-editor.c: every setting of one profile, edited on a draft so that nothing changes
 * until Save. The parts: ep-profile-editor-fields.c (the fields, the draft they edit, and the
 * hints that follow them), ep-profile-editor-actions.c (Save, Back, Test Connection) and
 * EpKeyringRow (whether the keyring keeps a password for the profile); this file makes the
 * editor and answers questions about it. */
#include "config.h"

#include <glib/gi18n.h>

#include "ep-identities-group.h"
#include "ep-profile-editor-private.h"

G_DEFINE_FINAL_TYPE (EpProfileEditor, ep_profile_editor, ADW_TYPE_BIN)

enum {
  SAVED,
  DONE,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* ---- GObject --------------------------------------------------------------------------------- */

static void
ep_profile_editor_dispose (GObject *object)
{
  EpProfileEditor *self = EP_PROFILE_EDITOR (object);

  if (self->original == NULL && self->sign_in_group != NULL)
    ep_sign_in_group_forget_unsaved (self->sign_in_group);
  ep_profile_editor_actions_dispose (self);
  ep_profile_editor_sent_dispose (self);
  gtk_widget_dispose_template (GTK_WIDGET (self), EP_TYPE_PROFILE_EDITOR);

  G_OBJECT_CLASS (ep_profile_editor_parent_class)->dispose (object);
}

static void
ep_profile_editor_finalize (GObject *object)
{
  EpProfileEditor *self = EP_PROFILE_EDITOR (object);

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

  g_type_ensure (EP_TYPE_KEYRING_ROW);
  g_type_ensure (EP_TYPE_SIGN_IN_GROUP);
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
  gtk_widget_class_bind_template_child (widget_class, EpProfileEditor, auth_row);
  gtk_widget_class_bind_template_child (widget_class, EpProfileEditor, sign_in_group);
  gtk_widget_class_bind_template_child (widget_class, EpProfileEditor, sent_group);
  gtk_widget_class_bind_template_child (widget_class, EpProfileEditor, advanced_group);
  gtk_widget_class_bind_template_child (widget_class, EpProfileEditor, timeout_spin);
  gtk_widget_class_bind_template_child (widget_class, EpProfileEditor, ehlo_row);
  gtk_widget_class_bind_template_child (widget_class, EpProfileEditor, pinned_row);
  gtk_widget_class_bind_template_child (widget_class, EpProfileEditor, forget_certificate_button);
  gtk_widget_class_bind_template_child (widget_class, EpProfileEditor, test_button);

  ep_profile_editor_fields_class_init (widget_class);
  ep_profile_editor_actions_class_init (widget_class);
}

static void
ep_profile_editor_init (EpProfileEditor *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  ep_profile_editor_fields_init (self);
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

  ep_profile_editor_load_fields (self);
  ep_profile_editor_sent_init (self);
  if (!self->is_sandbox)
    ep_sign_in_group_set_profile (self->sign_in_group, self->draft);
  ep_identities_group_attach (self->draft, GTK_WIDGET (self->identity_group));
  ep_profile_editor_connect_fields (self);
  ep_profile_editor_connect_draft (self);

  if (profile == NULL)
    {
      const EpPreset *preset = ep_presets_lookup (preset_id);

      if (preset != NULL)
        {
          g_autofree char *name = free_name (store, _(preset->name));

          set_text (self->name_row, name);
          ep_profile_editor_apply_preset (self, preset);
        }
    }
  ep_profile_editor_update_title (self);
  if (!self->is_sandbox)
    ep_keyring_row_load (self->keyring_row, self->original != NULL ? ep_profile_get_id (self->original) : NULL);
  self->baseline = ep_profile_copy (self->draft, ep_profile_get_id (self->draft), NULL);
  return self;
}

void
ep_profile_editor_emit_saved (EpProfileEditor *self,
                              EpProfile       *profile)
{
  g_signal_emit (self, signals[SAVED], 0, profile);
}

void
ep_profile_editor_emit_done (EpProfileEditor *self)
{
  g_signal_emit (self, signals[DONE], 0);
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
  return ep_keyring_row_get_state (self->keyring_row);
}

gboolean
ep_profile_editor_has_stored_password (EpProfileEditor *self)
{
  g_return_val_if_fail (EP_IS_PROFILE_EDITOR (self), FALSE);
  return ep_keyring_row_get_has_stored_password (self->keyring_row);
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
 *   "pinned", "save", "test", and the Copy to Sent Folder section's
 *   (ep_profile_editor_sent_get_field())
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
    { "sign-in", self->sign_in_group },
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
  /* The Copy to Sent Folder section's (ep-profile-editor-sent.c). */
  return ep_profile_editor_sent_get_field (self, name);
}
