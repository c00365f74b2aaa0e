/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-identities-group.c: the Identities of the profile editor. The list is the draft's
 * (ep_profile_set_identities()), saved with the rest of the profile; a profile without its own
 * shows the one its sender name and address give, and the first change makes it a real one. */
#include "config.h"

#include <glib/gi18n.h>

#include "ep-identities-group-private.h"

struct _EpIdentitiesGroup
{
  AdwPreferencesGroup  parent_instance;

  EpProfile           *draft;
  GPtrArray           *rows;          /* the rows shown, to remove them on rebuild */
  EpIdentity          *removed;       /* the last one removed, for Undo */
  guint                removed_index;
  AdwToast            *toast;         /* weak: the Undo toast */
};

G_DEFINE_FINAL_TYPE (EpIdentitiesGroup, ep_identities_group, ADW_TYPE_PREFERENCES_GROUP)

static void rebuild (EpIdentitiesGroup *self);

/* ---- Helpers --------------------------------------------------------------------------------- */

static GPtrArray *
dup_list (EpIdentitiesGroup *self)
{
  return ep_profile_dup_identities (self->draft);
}

static void
store_list (EpIdentitiesGroup *self,
            GPtrArray         *identities)
{
  ep_profile_set_identities (self->draft, identities);
  rebuild (self);
}

static void
move_clicked_cb (GtkButton         *button,
                 EpIdentitiesGroup *self)
{
  guint index = GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (button), "index"));
  int delta = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (button), "delta"));

  ep_identities_group_move (self, index, delta);
}

static void
remove_clicked_cb (GtkButton         *button,
                   EpIdentitiesGroup *self)
{
  ep_identities_group_remove (self, GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (button), "index")));
}

static void
row_activated_cb (AdwActionRow      *row,
                  EpIdentitiesGroup *self)
{
  ep_identities_group_edit (self, GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (row), "index")));
}

static void
add_clicked_cb (EpIdentitiesGroup *self)
{
  ep_identities_group_edit (self, G_MAXUINT);
}

static GtkWidget *
icon_button (const char *icon,
             const char *label,
             guint       index)
{
  GtkWidget *button = gtk_button_new_from_icon_name (icon);

  gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (button, "flat");
  gtk_widget_set_tooltip_text (button, label);
  gtk_accessible_update_property (GTK_ACCESSIBLE (button), GTK_ACCESSIBLE_PROPERTY_LABEL, label, -1);
  g_object_set_data (G_OBJECT (button), "index", GUINT_TO_POINTER (index));
  return button;
}

static void
rebuild (EpIdentitiesGroup *self)
{
  g_autoptr(GPtrArray) identities = dup_list (self);

  for (guint i = 0; i < self->rows->len; i++)
    adw_preferences_group_remove (ADW_PREFERENCES_GROUP (self), g_ptr_array_index (self->rows, i));
  g_ptr_array_set_size (self->rows, 0);

  for (guint i = 0; i < identities->len; i++)
    {
      EpIdentity *identity = g_ptr_array_index (identities, i);
      g_autofree char *from = ep_identity_dup_from (identity);
      g_autoptr(GString) subtitle = g_string_new (NULL);
      GtkWidget *row = adw_action_row_new ();
      GtkWidget *up = icon_button ("go-up-symbolic", _("Move Up"), i);
      GtkWidget *down = icon_button ("go-down-symbolic", _("Move Down"), i);
      GtkWidget *remove = icon_button ("user-trash-symbolic", _("Remove Identity"), i);

      if (identity->is_default)
        g_string_append (subtitle, _("Default"));
      if (*identity->reply_to != '\0')
        {
          g_autofree char *text = g_strdup_printf (_("Replies to %s"), identity->reply_to);
          g_string_append_printf (subtitle, "%s%s", subtitle->len > 0 ? " · " : "", text);
        }
      if (*identity->signature != '\0')
        g_string_append_printf (subtitle, "%s%s", subtitle->len > 0 ? " · " : "", _("Signature"));
      if (!ep_profile_has_identities (self->draft))
        g_string_append_printf (subtitle, "%s%s", subtitle->len > 0 ? " · " : "",
                                _("From your name and address above"));
      /* Plain text: an address has "<" and ">". */
      adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), from);
      adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle->str);
      gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), TRUE);
      g_object_set_data (G_OBJECT (row), "index", GUINT_TO_POINTER (i));
      g_signal_connect (row, "activated", G_CALLBACK (row_activated_cb), self);

      g_object_set_data (G_OBJECT (up), "delta", GINT_TO_POINTER (-1));
      g_object_set_data (G_OBJECT (down), "delta", GINT_TO_POINTER (1));
      gtk_widget_set_sensitive (up, i > 0);
      gtk_widget_set_sensitive (down, i + 1 < identities->len);
      gtk_widget_set_sensitive (remove, identities->len > 1);
      g_signal_connect (up, "clicked", G_CALLBACK (move_clicked_cb), self);
      g_signal_connect (down, "clicked", G_CALLBACK (move_clicked_cb), self);
      g_signal_connect (remove, "clicked", G_CALLBACK (remove_clicked_cb), self);
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), up);
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), down);
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), remove);
      adw_preferences_group_add (ADW_PREFERENCES_GROUP (self), row);
      g_ptr_array_add (self->rows, row);
    }
}

/* ---- Edit dialog ----------------------------------------------------------------------------- */

typedef struct {
  EpIdentitiesGroup *group;
  guint              index;
  GtkWindow         *window;
  AdwEntryRow       *name;
  AdwEntryRow       *address;
  AdwEntryRow       *reply_to;
  GtkSwitch         *bcc_self;
  GtkSwitch         *above_quote;
  GtkSwitch         *is_default;
  GtkTextView       *signature;
  GtkLabel          *error;
} EditDialog;

static void
edit_dialog_free (EditDialog *dialog)
{
  g_object_unref (dialog->group);
  g_free (dialog);
}

static void
save_clicked_cb (EditDialog *dialog)
{
  EpIdentitiesGroup *self = dialog->group;
  g_autoptr(GPtrArray) identities = dup_list (self);
  g_autoptr(EpIdentity) identity = ep_identity_new (gtk_editable_get_text (GTK_EDITABLE (dialog->name)),
                                                    gtk_editable_get_text (GTK_EDITABLE (dialog->address)));
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (dialog->signature);
  g_autofree char *signature = NULL;
  g_autoptr(GError) error = NULL;
  GtkTextIter start, end;
  guint number = dialog->index < identities->len ? dialog->index + 1 : identities->len + 1;

  gtk_text_buffer_get_bounds (buffer, &start, &end);
  signature = gtk_text_buffer_get_text (buffer, &start, &end, FALSE);
  g_strstrip (identity->name);
  g_strstrip (identity->address);
  ep_identity_set_string (&identity->reply_to, gtk_editable_get_text (GTK_EDITABLE (dialog->reply_to)));
  g_strstrip (identity->reply_to);
  ep_identity_set_string (&identity->signature, signature);
  identity->bcc_self = gtk_switch_get_active (dialog->bcc_self);
  identity->signature_above_quote = gtk_switch_get_active (dialog->above_quote);
  identity->is_default = gtk_switch_get_active (dialog->is_default);
  if (!ep_identity_validate (identity, number, &error))
    {
      gtk_label_set_text (dialog->error, error->message);
      gtk_widget_set_visible (GTK_WIDGET (dialog->error), TRUE);
      return;
    }
  /* One default: the one just marked. */
  if (identity->is_default)
    for (guint i = 0; i < identities->len; i++)
      ((EpIdentity *) g_ptr_array_index (identities, i))->is_default = FALSE;
  if (dialog->index < identities->len)
    {
      ep_identity_free (g_ptr_array_index (identities, dialog->index));
      g_ptr_array_index (identities, dialog->index) = g_steal_pointer (&identity);
    }
  else
    g_ptr_array_add (identities, g_steal_pointer (&identity));
  store_list (self, identities);
  gtk_window_destroy (dialog->window);
}

static GtkWidget *
switch_row (const char  *title,
            const char  *subtitle,
            gboolean     active,
            GtkSwitch  **out_switch)
{
  GtkWidget *row = adw_action_row_new ();
  GtkWidget *toggle = gtk_switch_new ();

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  if (subtitle != NULL)
    adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
  gtk_switch_set_active (GTK_SWITCH (toggle), active);
  gtk_widget_set_valign (toggle, GTK_ALIGN_CENTER);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), toggle);
  adw_action_row_set_activatable_widget (ADW_ACTION_ROW (row), toggle);
  *out_switch = GTK_SWITCH (toggle);
  return row;
}

static GtkWidget *
entry_row (const char  *title,
           const char  *text,
           AdwEntryRow **out_row)
{
  GtkWidget *row = adw_entry_row_new ();

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  adw_preferences_row_set_use_underline (ADW_PREFERENCES_ROW (row), TRUE);
  gtk_editable_set_text (GTK_EDITABLE (row), text);
  *out_row = ADW_ENTRY_ROW (row);
  return row;
}

/* ---- GObject --------------------------------------------------------------------------------- */

static void
ep_identities_group_dispose (GObject *object)
{
  EpIdentitiesGroup *self = EP_IDENTITIES_GROUP (object);

  if (self->toast != NULL)
    g_object_remove_weak_pointer (G_OBJECT (self->toast), (gpointer *) &self->toast);
  self->toast = NULL;
  if (self->draft != NULL)
    g_signal_handlers_disconnect_by_data (self->draft, self);
  g_clear_object (&self->draft);
  g_clear_pointer (&self->removed, ep_identity_free);
  g_clear_pointer (&self->rows, g_ptr_array_unref);

  G_OBJECT_CLASS (ep_identities_group_parent_class)->dispose (object);
}

static void
ep_identities_group_class_init (EpIdentitiesGroupClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = ep_identities_group_dispose;
}

static void
ep_identities_group_init (EpIdentitiesGroup *self)
{
  GtkWidget *add = gtk_button_new_from_icon_name ("list-add-symbolic");

  self->rows = g_ptr_array_new ();
  adw_preferences_group_set_title (ADW_PREFERENCES_GROUP (self), _("Identities"));
  adw_preferences_group_set_description (ADW_PREFERENCES_GROUP (self),
                                         _("The addresses you send as through this server, each with its own signature. New messages start with the default one."));
  gtk_widget_add_css_class (add, "flat");
  gtk_widget_set_tooltip_text (add, _("Add Identity"));
  gtk_accessible_update_property (GTK_ACCESSIBLE (add), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Add Identity"), -1);
  g_signal_connect_swapped (add, "clicked", G_CALLBACK (add_clicked_cb), self);
  adw_preferences_group_set_header_suffix (ADW_PREFERENCES_GROUP (self), add);
}

/* ---- Public API ------------------------------------------------------------------------------ */

EpIdentitiesGroup *
ep_identities_group_attach (EpProfile *draft,
                            GtkWidget *after)
{
  EpIdentitiesGroup *self;

  g_return_val_if_fail (EP_IS_PROFILE (draft), NULL);
  g_return_val_if_fail (GTK_IS_WIDGET (after), NULL);

  self = g_object_new (EP_TYPE_IDENTITIES_GROUP, NULL);
  self->draft = g_object_ref (draft);
  /* The implicit identity follows the name and address typed above it. */
  g_signal_connect_swapped (draft, "notify::sender-name", G_CALLBACK (rebuild), self);
  g_signal_connect_swapped (draft, "notify::sender-address", G_CALLBACK (rebuild), self);
  gtk_widget_insert_after (GTK_WIDGET (self), gtk_widget_get_parent (after), after);
  rebuild (self);
  return self;
}

void
ep_identities_group_add (EpIdentitiesGroup *self,
                         const EpIdentity  *identity)
{
  g_autoptr(GPtrArray) identities = dup_list (self);

  g_return_if_fail (EP_IS_IDENTITIES_GROUP (self));

  g_ptr_array_add (identities, ep_identity_copy (identity));
  store_list (self, identities);
}

void
ep_identities_group_move (EpIdentitiesGroup *self,
                          guint              index,
                          int                delta)
{
  g_autoptr(GPtrArray) identities = dup_list (self);
  gint64 target = (gint64) index + delta;
  gpointer moved;

  g_return_if_fail (EP_IS_IDENTITIES_GROUP (self));

  if (index >= identities->len || target < 0 || target >= identities->len)
    return;
  moved = g_ptr_array_steal_index (identities, index);
  g_ptr_array_insert (identities, (int) target, moved);
  store_list (self, identities);
}

static void
undo_clicked_cb (EpIdentitiesGroup *self)
{
  ep_identities_group_undo (self);
}

void
ep_identities_group_remove (EpIdentitiesGroup *self,
                            guint              index)
{
  g_autoptr(GPtrArray) identities = dup_list (self);
  g_autofree char *from = NULL;
  g_autofree char *title = NULL;
  g_autofree char *escaped = NULL;
  GtkRoot *root;
  AdwToast *toast;

  g_return_if_fail (EP_IS_IDENTITIES_GROUP (self));

  /* A profile sends as someone: the last one stays. */
  if (index >= identities->len || identities->len < 2)
    return;
  g_clear_pointer (&self->removed, ep_identity_free);
  self->removed = g_ptr_array_steal_index (identities, index);
  self->removed_index = index;
  store_list (self, identities);

  from = ep_identity_dup_from (self->removed);
  /* Translators: a toast; %s is an identity, "Ana Lima <ana@example.com>" */
  title = g_strdup_printf (_("“%s” removed"), from);
  /* A toast's title is markup, and an address has "<" and ">". */
  escaped = g_markup_escape_text (title, -1);
  toast = adw_toast_new (escaped);
  adw_toast_set_button_label (toast, _("_Undo"));
  g_signal_connect_swapped (toast, "button-clicked", G_CALLBACK (undo_clicked_cb), self);
  if (self->toast != NULL)
    g_object_remove_weak_pointer (G_OBJECT (self->toast), (gpointer *) &self->toast);
  self->toast = toast;
  g_object_add_weak_pointer (G_OBJECT (toast), (gpointer *) &self->toast);
  root = gtk_widget_get_root (GTK_WIDGET (self));
  if (ADW_IS_PREFERENCES_WINDOW (root))
    adw_preferences_window_add_toast (ADW_PREFERENCES_WINDOW (root), toast);
  else
    g_object_unref (toast);
}

gboolean
ep_identities_group_undo (EpIdentitiesGroup *self)
{
  g_autoptr(GPtrArray) identities = dup_list (self);

  g_return_val_if_fail (EP_IS_IDENTITIES_GROUP (self), FALSE);

  if (self->removed == NULL)
    return FALSE;
  /* Back where it was; a default of its own stays the one default. */
  if (self->removed->is_default)
    for (guint i = 0; i < identities->len; i++)
      ((EpIdentity *) g_ptr_array_index (identities, i))->is_default = FALSE;
  g_ptr_array_insert (identities, MIN (self->removed_index, identities->len),
                      g_steal_pointer (&self->removed));
  store_list (self, identities);
  if (self->toast != NULL)
    adw_toast_dismiss (self->toast);
  return TRUE;
}

void
ep_identities_group_dialog_fill (GtkWindow  *edit,
                                 const char *name,
                                 const char *address,
                                 const char *signature)
{
  EditDialog *dialog = g_object_get_data (G_OBJECT (edit), "ep-edit-dialog");

  gtk_editable_set_text (GTK_EDITABLE (dialog->name), name);
  gtk_editable_set_text (GTK_EDITABLE (dialog->address), address);
  gtk_text_buffer_set_text (gtk_text_view_get_buffer (dialog->signature), signature, -1);
}

const char *
ep_identities_group_dialog_save (GtkWindow *edit)
{
  EditDialog *dialog = g_object_get_data (G_OBJECT (edit), "ep-edit-dialog");
  g_autoptr(GtkWindow) alive = g_object_ref (edit);

  save_clicked_cb (dialog);
  if (gtk_widget_get_visible (GTK_WIDGET (alive)) && gtk_widget_get_visible (GTK_WIDGET (dialog->error)))
    return gtk_label_get_text (dialog->error);
  return NULL;
}

GtkWindow *
ep_identities_group_edit (EpIdentitiesGroup *self,
                          guint              index)
{
  g_autoptr(GPtrArray) identities = dup_list (self);
  g_autoptr(EpIdentity) fresh = ep_identity_new (NULL, NULL);
  const EpIdentity *identity = index < identities->len ? g_ptr_array_index (identities, index) : fresh;
  EditDialog *dialog = g_new0 (EditDialog, 1);
  GtkWidget *window = adw_window_new ();
  GtkWidget *content = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  GtkWidget *header = adw_header_bar_new ();
  GtkWidget *cancel = gtk_button_new_with_mnemonic (_("_Cancel"));
  GtkWidget *save = gtk_button_new_with_mnemonic (_("_Save"));
  GtkWidget *page = adw_preferences_page_new ();
  GtkWidget *fields = adw_preferences_group_new ();
  GtkWidget *signature_group = adw_preferences_group_new ();
  GtkWidget *frame = gtk_frame_new (NULL);
  GtkWidget *scroller = gtk_scrolled_window_new ();
  GtkWidget *text = gtk_text_view_new ();
  GtkWidget *error = gtk_label_new (NULL);
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));

  g_return_val_if_fail (EP_IS_IDENTITIES_GROUP (self), NULL);

  dialog->group = g_object_ref (self);
  dialog->index = index;
  dialog->window = GTK_WINDOW (window);
  g_object_set_data_full (G_OBJECT (window), "ep-edit-dialog", dialog, (GDestroyNotify) edit_dialog_free);

  gtk_window_set_title (GTK_WINDOW (window), index < identities->len ? _("Edit Identity") : _("New Identity"));
  gtk_window_set_modal (GTK_WINDOW (window), TRUE);
  gtk_window_set_default_size (GTK_WINDOW (window), 480, 560);
  if (GTK_IS_WINDOW (root))
    gtk_window_set_transient_for (GTK_WINDOW (window), GTK_WINDOW (root));
  adw_header_bar_set_show_end_title_buttons (ADW_HEADER_BAR (header), FALSE);
  adw_header_bar_pack_start (ADW_HEADER_BAR (header), cancel);
  adw_header_bar_pack_end (ADW_HEADER_BAR (header), save);
  gtk_widget_add_css_class (save, "suggested-action");
  g_signal_connect_swapped (cancel, "clicked", G_CALLBACK (gtk_window_destroy), window);
  g_signal_connect_swapped (save, "clicked", G_CALLBACK (save_clicked_cb), dialog);

  adw_preferences_group_add (ADW_PREFERENCES_GROUP (fields),
                             entry_row (_("_Your Name"), identity->name, &dialog->name));
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (fields),
                             entry_row (_("Email A_ddress"), identity->address, &dialog->address));
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (fields),
                             entry_row (_("_Reply-To (optional)"), identity->reply_to, &dialog->reply_to));
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (fields),
                             switch_row (_("Blind Copy to Myself"),
                                         _("Each message also goes to this address, unseen by the others"),
                                         identity->bcc_self, &dialog->bcc_self));
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (fields),
                             switch_row (_("Default Identity"), NULL,
                                         identity->is_default || identities->len == 0,
                                         &dialog->is_default));

  adw_preferences_group_set_title (ADW_PREFERENCES_GROUP (signature_group), _("Signature"));
  adw_preferences_group_set_description (ADW_PREFERENCES_GROUP (signature_group),
                                         _("Plain text put below your messages, after a “-- ” line."));
  gtk_text_view_set_wrap_mode (GTK_TEXT_VIEW (text), GTK_WRAP_WORD_CHAR);
  gtk_text_view_set_monospace (GTK_TEXT_VIEW (text), TRUE);
  gtk_text_view_set_top_margin (GTK_TEXT_VIEW (text), 6);
  gtk_text_view_set_bottom_margin (GTK_TEXT_VIEW (text), 6);
  gtk_text_view_set_left_margin (GTK_TEXT_VIEW (text), 6);
  gtk_text_view_set_right_margin (GTK_TEXT_VIEW (text), 6);
  gtk_text_buffer_set_text (gtk_text_view_get_buffer (GTK_TEXT_VIEW (text)), identity->signature, -1);
  gtk_accessible_update_property (GTK_ACCESSIBLE (text), GTK_ACCESSIBLE_PROPERTY_LABEL, _("Signature"), -1);
  dialog->signature = GTK_TEXT_VIEW (text);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scroller), text);
  gtk_widget_set_size_request (scroller, -1, 120);
  gtk_frame_set_child (GTK_FRAME (frame), scroller);
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (signature_group), frame);
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (signature_group),
                             switch_row (_("Above Quoted Text"),
                                         _("When the message holds quoted text (lines starting with "
                                           "“>”), the signature goes above it instead of at the end"),
                                         identity->signature_above_quote, &dialog->above_quote));

  gtk_label_set_wrap (GTK_LABEL (error), TRUE);
  gtk_label_set_xalign (GTK_LABEL (error), 0);
  gtk_widget_add_css_class (error, "error");
  gtk_widget_set_visible (error, FALSE);
  dialog->error = GTK_LABEL (error);
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (signature_group), error);

  adw_preferences_page_add (ADW_PREFERENCES_PAGE (page), ADW_PREFERENCES_GROUP (fields));
  adw_preferences_page_add (ADW_PREFERENCES_PAGE (page), ADW_PREFERENCES_GROUP (signature_group));
  gtk_box_append (GTK_BOX (content), header);
  gtk_widget_set_vexpand (page, TRUE);
  gtk_box_append (GTK_BOX (content), page);
  adw_window_set_content (ADW_WINDOW (window), content);
  gtk_window_present (GTK_WINDOW (window));
  return GTK_WINDOW (window);
}
