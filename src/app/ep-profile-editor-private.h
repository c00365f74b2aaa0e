/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-profile-editor-private.h: the profile editor's state, shared by its ep-profile-editor-*.c
 * parts. */
#pragma once

#include "ep-keyring-row.h"
#include "ep-presets.h"
#include "ep-profile-editor.h"
#include "ep-sign-in-group.h"

G_BEGIN_DECLS

typedef struct _EpProfileEditorSent EpProfileEditorSent;

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
  EpKeyringRow           *keyring_row;
  AdwComboRow            *auth_row;
  EpSignInGroup          *sign_in_group;
  AdwPreferencesGroup    *sent_group;
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
  gboolean                is_sandbox;
  gboolean                pin_forgotten;  /* Forget pressed: the saved pin goes on Save */
  EpSmtpSecurity          last_security;
  const EpPreset         *offered;
  char                   *problem;
  EpProfileEditorSent    *sent;          /* the Copy to Sent Folder section */

  /* Weak */
  EpConnectionTestWindow *test_window;
  AdwMessageDialog       *discard_dialog;
};

static inline const char *
text_of (gpointer editable)
{
  return gtk_editable_get_text (GTK_EDITABLE (editable));
}

static inline char *
dup_trimmed (gpointer editable)
{
  return g_strstrip (g_strdup (text_of (editable)));
}

static inline void
set_text (gpointer    editable,
          const char *text)
{
  gtk_editable_set_text (GTK_EDITABLE (editable), text != NULL ? text : "");
}

/* ep-profile-editor.c */
void     ep_profile_editor_emit_saved          (EpProfileEditor *self,
                                                EpProfile       *profile);
void     ep_profile_editor_emit_done           (EpProfileEditor *self);

/* ep-profile-editor-fields.c: the fields, the hints that follow them, and the draft they edit */
void     ep_profile_editor_fields_class_init   (GtkWidgetClass  *widget_class);
void     ep_profile_editor_fields_init         (EpProfileEditor *self);
void     ep_profile_editor_load_fields         (EpProfileEditor *self);
void     ep_profile_editor_connect_fields      (EpProfileEditor *self);
guint16  ep_profile_editor_parse_port          (EpProfileEditor *self);
/* Shows @widget (a field) as wrong, or not, with the "error" style. */
void     ep_profile_editor_mark_error          (gpointer         widget,
                                                gboolean         error);
void     ep_profile_editor_apply_preset        (EpProfileEditor *self,
                                                const EpPreset  *preset);
void     ep_profile_editor_update_title        (EpProfileEditor *self);
void     ep_profile_editor_update_pinned_row   (EpProfileEditor *self);
void     ep_profile_editor_name_peek_buttons   (GtkWidget       *password_row);

/* ep-profile-editor-actions.c: Save, Back and the discard question, Test Connection, and what a
 * connection test decides that is kept at once */
void     ep_profile_editor_actions_class_init  (GtkWidgetClass  *widget_class);
void     ep_profile_editor_connect_draft       (EpProfileEditor *self);
void     ep_profile_editor_actions_dispose     (EpProfileEditor *self);

/* ep-profile-editor-sent.c: the Copy to Sent Folder section (IMAP) */
void        ep_profile_editor_sent_init         (EpProfileEditor  *self);
void        ep_profile_editor_sent_apply_preset (EpProfileEditor  *self,
                                                 const EpPreset   *preset);
const char *ep_profile_editor_sent_check        (EpProfileEditor  *self,
                                                 gpointer         *out_focus);
void        ep_profile_editor_sent_copy_to      (EpProfileEditor  *self,
                                                 EpProfile        *target);
gboolean    ep_profile_editor_sent_has_changes  (EpProfileEditor  *self);
void        ep_profile_editor_sent_saved        (EpProfileEditor  *self,
                                                 EpProfile        *target);
void        ep_profile_editor_sent_pass_password (EpProfileEditor       *self,
                                                  EpConnectionTestWindow *window);
void        ep_profile_editor_sent_choose       (EpProfileEditor  *self,
                                                 const char       *folder);
GtkWidget  *ep_profile_editor_sent_get_field    (EpProfileEditor  *self,
                                                 const char       *name);
void        ep_profile_editor_sent_dispose      (EpProfileEditor  *self);

G_END_DECLS
