/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-window-identity.c: From as a choice of identities across profiles, and the signature of
 * the one chosen, kept in the body as ordinary text between two marks.
 *
 * The signature is placed once per message: when a new window is first shown (after any
 * mailto: text), never for a restored draft, whose file says where its signature is. Choosing
 * another identity replaces it only while it is exactly what was placed. */
#include "config.h"

#include <string.h>
#include <glib/gi18n.h>

#include "ep-address.h"
#include "ep-profile-store.h"
#include "ep-window-private.h"

struct _EpWindowIdentity
{
  GtkMenuButton *button;
  GtkTextMark   *start;        /* the "-- " line; NULL while there is no signature */
  GtkTextMark   *end;
  char          *placed;       /* the signature text exactly as placed */
  gboolean       settled;      /* placed once, or a draft said where it is: never again */
  char          *chosen;       /* the address of the identity chosen from the menu */
};

/* ---- Helpers --------------------------------------------------------------------------------- */

static GtkTextBuffer *
get_buffer (EpWindow *self)
{
  return gtk_text_view_get_buffer (self->body_view);
}

/* The signature block's text as it is now; NULL without one. */
static char *
dup_current (EpWindow *self)
{
  EpWindowIdentity *identity = self->identity;
  GtkTextIter start, end;

  if (identity->start == NULL)
    return NULL;
  gtk_text_buffer_get_iter_at_mark (get_buffer (self), &start, identity->start);
  gtk_text_buffer_get_iter_at_mark (get_buffer (self), &end, identity->end);
  return gtk_text_buffer_get_text (get_buffer (self), &start, &end, FALSE);
}

static gboolean
is_unedited (EpWindow *self)
{
  g_autofree char *current = dup_current (self);

  return current != NULL && g_strcmp0 (current, self->identity->placed) == 0;
}

static void
forget_marks (EpWindow *self)
{
  EpWindowIdentity *identity = self->identity;

  if (identity->start != NULL)
    {
      gtk_text_buffer_delete_mark (get_buffer (self), identity->start);
      gtk_text_buffer_delete_mark (get_buffer (self), identity->end);
    }
  identity->start = NULL;
  identity->end = NULL;
  g_clear_pointer (&identity->placed, g_free);
}

/* Marks the signature block between two character offsets. Both marks move on with text typed
 * where they are: typed just before the "-- " line it is the message's, typed at the end of the
 * signature it is an edit of the signature. */
static void
set_marks (EpWindow *self,
           int       start_offset,
           int       end_offset)
{
  EpWindowIdentity *identity = self->identity;
  GtkTextBuffer *buffer = get_buffer (self);
  GtkTextIter start, end;

  forget_marks (self);
  gtk_text_buffer_get_iter_at_offset (buffer, &start, start_offset);
  gtk_text_buffer_get_iter_at_offset (buffer, &end, end_offset);
  identity->start = gtk_text_buffer_create_mark (buffer, NULL, &start, FALSE);
  identity->end = gtk_text_buffer_create_mark (buffer, NULL, &end, FALSE);
  identity->placed = dup_current (self);
}

/* Puts @block where @identity wants it (ep_identity_signature_offset()): at the end of the
 * body after an empty line, or above its quoted text with an empty line on each side. The
 * cursor stays where it was (at the top of a new message, where the person starts writing). */
static void
place_signature (EpWindow         *self,
                 const EpIdentity *identity,
                 const char       *block)
{
  GtkTextBuffer *buffer = get_buffer (self);
  gboolean was_loading = self->loading_draft;
  GtkTextIter start, end, at, cursor;
  g_autofree char *body = NULL;
  int cursor_offset;
  int start_offset;
  int end_offset;
  gboolean above;
  g_autoptr(GString) separator = g_string_new (NULL);

  gtk_text_buffer_get_iter_at_mark (buffer, &cursor, gtk_text_buffer_get_insert (buffer));
  cursor_offset = gtk_text_iter_get_offset (&cursor);
  gtk_text_buffer_get_bounds (buffer, &start, &end);
  body = gtk_text_buffer_get_text (buffer, &start, &end, FALSE);
  {
    gsize offset = ep_identity_signature_offset (identity, body);

    above = body[offset] != '\0';
    gtk_text_buffer_get_iter_at_offset (buffer, &at, (int) g_utf8_pointer_to_offset (body, body + offset));
  }
  /* The empty line before it; an empty message (or one that starts with the quote) gets a first
   * line to write on before that. */
  if (gtk_text_iter_is_start (&at))
    g_string_append (separator, "\n\n");
  else
    {
      GtkTextIter before = at;

      gtk_text_iter_backward_char (&before);
      if (gtk_text_iter_get_char (&before) != '\n')
        g_string_append (separator, "\n\n");
      /* Above a quote, text that ends with an empty line already needs no other. */
      else if (!above || !gtk_text_iter_backward_char (&before) || gtk_text_iter_get_char (&before) != '\n')
        g_string_append_c (separator, '\n');
    }
  /* Only the person's own typing makes a new message worth a draft. */
  self->loading_draft = TRUE;
  gtk_text_buffer_insert (buffer, &at, separator->str, -1);
  start_offset = gtk_text_iter_get_offset (&at);
  gtk_text_buffer_insert (buffer, &at, block, -1);
  end_offset = gtk_text_iter_get_offset (&at);
  /* The quote's own empty line, before the marks: it is not the signature's. */
  if (above)
    gtk_text_buffer_insert (buffer, &at, "\n\n", -1);
  set_marks (self, start_offset, end_offset);
  gtk_text_buffer_get_iter_at_offset (buffer, &cursor, cursor_offset);
  gtk_text_buffer_place_cursor (buffer, &cursor);
  self->loading_draft = was_loading;
}

/* The identity the window sends as: the one whose address From holds, in the chosen profile. */
static EpIdentity *
dup_sending_identity (EpWindow *self)
{
  EpProfile *profile = ep_window_get_profile (self);
  const char *from = gtk_editable_get_text (GTK_EDITABLE (self->from_entry));
  g_autoptr(GPtrArray) identities = NULL;

  if (profile == NULL)
    return NULL;
  identities = ep_profile_dup_identities (profile);
  for (guint i = 0; i < identities->len; i++)
    if (ep_identity_matches_from (g_ptr_array_index (identities, i), from))
      return ep_identity_copy (g_ptr_array_index (identities, i));
  return NULL;
}

/* Whether @from is one of the identities of any profile. */
static gboolean
is_known_from (EpWindow   *self,
               const char *from)
{
  GListModel *profiles = self->store != NULL ? ep_profile_store_list (self->store) : NULL;
  guint n = profiles != NULL ? g_list_model_get_n_items (profiles) : 0;

  for (guint p = 0; p < n; p++)
    {
      g_autoptr(EpProfile) profile = g_list_model_get_item (profiles, p);
      g_autoptr(GPtrArray) identities = ep_profile_dup_identities (profile);

      for (guint i = 0; i < identities->len; i++)
        if (ep_identity_matches_from (g_ptr_array_index (identities, i), from))
          return TRUE;
    }
  return FALSE;
}

/* A From typed by hand still goes out (the server decides); a quiet icon says so. */
static void
from_changed_cb (EpWindow *self)
{
  const char *from = gtk_editable_get_text (GTK_EDITABLE (self->from_entry));
  EpProfile *profile = self->store != NULL ? ep_window_get_profile (self) : NULL;
  g_autoptr(GPtrArray) list = ep_address_list_parse (from, "From", NULL);
  gboolean unknown = list != NULL && list->len == 1 && profile != NULL &&
                     !ep_profile_get_is_sandbox (profile) && !is_known_from (self, from);

  gtk_entry_set_icon_from_icon_name (self->from_entry, GTK_ENTRY_ICON_SECONDARY,
                                     unknown ? "dialog-information-symbolic" : NULL);
  gtk_entry_set_icon_tooltip_text (self->from_entry, GTK_ENTRY_ICON_SECONDARY,
                                   unknown ? _("This address is not one of your identities: the server may refuse it or mark the message")
                                           : NULL);
}

static void
swap_signature (EpWindow         *self,
                const EpIdentity *identity)
{
  g_autofree char *block = identity != NULL ? ep_identity_dup_signature_block (identity) : NULL;
  EpWindowIdentity *state = self->identity;
  GtkTextBuffer *buffer = get_buffer (self);
  gboolean was_loading = self->loading_draft;
  GtkTextIter start, end;
  int start_offset;

  if (state->start == NULL)
    {
      /* A message whose signature was deleted, or a restored draft without one, stays so. */
      if (!state->settled && block != NULL)
        {
          place_signature (self, identity, block);
          state->settled = TRUE;
        }
      return;
    }
  if (!is_unedited (self) || g_strcmp0 (block, state->placed) == 0)
    return;

  gtk_text_buffer_get_iter_at_mark (buffer, &start, state->start);
  gtk_text_buffer_get_iter_at_mark (buffer, &end, state->end);
  start_offset = gtk_text_iter_get_offset (&start);
  self->loading_draft = TRUE;
  gtk_text_buffer_delete (buffer, &start, &end);
  if (block != NULL)
    {
      gtk_text_buffer_insert (buffer, &start, block, -1);
      set_marks (self, start_offset, gtk_text_iter_get_offset (&start));
    }
  else
    forget_marks (self);
  self->loading_draft = was_loading;
  ep_window_schedule_draft_save (self);
}

static void
choose_action (GSimpleAction *action,
               GVariant      *parameter,
               gpointer       user_data)
{
  EpWindow *self = user_data;
  const char *profile_id;
  guint32 index;
  EpProfile *profile;
  g_autoptr(GPtrArray) identities = NULL;
  EpIdentity *identity;
  g_autofree char *from = NULL;

  g_variant_get (parameter, "(&su)", &profile_id, &index);
  profile = self->store != NULL ? ep_profile_store_lookup_by_id (self->store, profile_id) : NULL;
  if (profile == NULL)
    return;
  identities = ep_profile_dup_identities (profile);
  if (index >= identities->len)
    return;
  identity = g_ptr_array_index (identities, index);
  ep_window_set_profile (self, profile);
  from = ep_identity_dup_from (identity);
  gtk_editable_set_text (GTK_EDITABLE (self->from_entry), from);
  g_free (self->auto_from);
  self->auto_from = g_steal_pointer (&from);
  g_free (self->identity->chosen);
  self->identity->chosen = g_strdup (identity->address);
  swap_signature (self, identity);
}

/* Built each time it opens, so that it shows the profiles as they are now. */
static void
create_popup_cb (GtkMenuButton *button,
                 gpointer       user_data)
{
  EpWindow *self = user_data;
  g_autoptr(GMenu) menu = g_menu_new ();
  GListModel *profiles = self->store != NULL ? ep_profile_store_list (self->store) : NULL;
  guint n = profiles != NULL ? g_list_model_get_n_items (profiles) : 0;

  for (guint p = 0; p < n; p++)
    {
      g_autoptr(EpProfile) profile = g_list_model_get_item (profiles, p);
      g_autoptr(GPtrArray) identities = ep_profile_dup_identities (profile);
      g_autoptr(GMenu) section = g_menu_new ();

      for (guint i = 0; i < identities->len; i++)
        {
          EpIdentity *identity = g_ptr_array_index (identities, i);
          g_autofree char *from = ep_identity_dup_from (identity);
          /* Translators: an identity in the From menu: "Ana Lima <ana@work.example> — Work" */
          g_autofree char *label = g_strdup_printf (_("%s — %s"), from, ep_profile_get_name (profile));
          g_autoptr(GMenuItem) item = g_menu_item_new (label, NULL);

          g_menu_item_set_action_and_target (item, "identity.choose", "(su)",
                                             ep_profile_get_id (profile), i);
          g_menu_append_item (section, item);
        }
      if (identities->len > 0)
        g_menu_append_section (menu, NULL, G_MENU_MODEL (section));
    }
  gtk_menu_button_set_menu_model (button, G_MENU_MODEL (menu));
}

/* ---- Questions before sending ---------------------------------------------------------------- */

static guint
count_addresses (GtkEntry *entry)
{
  g_autoptr(GPtrArray) list = ep_address_list_parse (gtk_editable_get_text (GTK_EDITABLE (entry)),
                                                     "To", NULL);

  return list != NULL ? list->len : 0;
}

/* To and Cc emptied into Bcc, after what Bcc held. */
static void
move_to_bcc (EpWindow *self)
{
  GtkEntry *from[] = { self->to_entry, self->cc_entry };
  g_autofree char *held = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->bcc_entry))));
  g_autoptr(GString) bcc = g_string_new (held);

  for (gsize i = 0; i < G_N_ELEMENTS (from); i++)
    {
      g_autofree char *text = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (from[i]))));

      if (*text == '\0')
        continue;
      if (bcc->len > 0)
        g_string_append (bcc, bcc->str[bcc->len - 1] == ',' ? " " : ", ");
      g_string_append (bcc, text);
      gtk_editable_set_text (GTK_EDITABLE (from[i]), "");
    }
  gtk_editable_set_text (GTK_EDITABLE (self->bcc_entry), bcc->str);
  ep_window_sync_reveal (self);
}

static void
check_response_cb (AdwMessageDialog *dialog,
                   const char       *response,
                   EpWindow         *self)
{
  guint skip = GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (dialog), "skip"));
  GDateTime *when = g_object_get_data (G_OBJECT (dialog), "when");
  gboolean server_hold = GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (dialog), "server-hold"));
  const char *noted = g_object_get_data (G_OBJECT (dialog), "noted");

  if (g_str_equal (response, "cancel"))
    return;
  if (g_str_equal (response, "move"))
    move_to_bcc (self);
  if (noted != NULL)
    {
      g_auto(GStrv) before = g_settings_get_strv (self->settings, "identity-domains-noted");
      g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
      g_auto(GStrv) after = NULL;

      g_strv_builder_addv (builder, (const char **) before);
      g_strv_builder_add (builder, noted);
      after = g_strv_builder_end (builder);
      g_settings_set_strv (self->settings, "identity-domains-noted", (const char * const *) after);
    }
  ep_window_check_and_send (self, skip, when, server_hold);
}

static GtkWidget *
new_question (EpWindow   *self,
              const char *heading,
              const char *body,
              guint       skip,
              GDateTime  *when,
              gboolean    server_hold)
{
  GtkWidget *dialog = adw_message_dialog_new (GTK_WINDOW (self), heading, body);

  adw_message_dialog_add_response (ADW_MESSAGE_DIALOG (dialog), "cancel", _("_Cancel"));
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  g_object_set_data (G_OBJECT (dialog), "skip", GUINT_TO_POINTER (skip));
  if (when != NULL)
    g_object_set_data_full (G_OBJECT (dialog), "when", g_date_time_ref (when),
                            (GDestroyNotify) g_date_time_unref);
  g_object_set_data (G_OBJECT (dialog), "server-hold", GUINT_TO_POINTER (server_hold));
  g_signal_connect (dialog, "response", G_CALLBACK (check_response_cb), self);
  return dialog;
}

static gboolean
ask_many_recipients (EpWindow  *self,
                     guint      skip,
                     GDateTime *when,
                     gboolean   server_hold)
{
  guint limit = g_settings_get_uint (self->settings, "bcc-suggest-recipients");
  guint visible = count_addresses (self->to_entry) + count_addresses (self->cc_entry);
  g_autofree char *body = NULL;
  GtkWidget *dialog;

  if ((skip & EP_CHECK_MANY_RECIPIENTS) || limit == 0 || visible <= limit)
    return FALSE;
  body = g_strdup_printf (ngettext ("To and Cc name %u person, who all see each other’s addresses. In Bcc, each sees only their own.",
                                    "To and Cc name %u people, who all see each other’s addresses. In Bcc, each sees only their own.",
                                    visible),
                          visible);
  dialog = new_question (self, _("Send with Recipients in Bcc?"), body,
                         skip | EP_CHECK_MANY_RECIPIENTS, when, server_hold);
  adw_message_dialog_add_response (ADW_MESSAGE_DIALOG (dialog), "send", _("_Send Anyway"));
  adw_message_dialog_add_response (ADW_MESSAGE_DIALOG (dialog), "move", _("_Move to Bcc"));
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "move", ADW_RESPONSE_SUGGESTED);
  gtk_window_present (GTK_WINDOW (dialog));
  return TRUE;
}

/* A From outside the domain the server usually sends for: said once per profile and address. */
static gboolean
ask_other_domain (EpWindow  *self,
                  guint      skip,
                  GDateTime *when,
                  gboolean   server_hold)
{
  EpProfile *profile = ep_window_get_profile (self);
  g_autoptr(GPtrArray) from = NULL;
  g_autofree char *noted = NULL;
  g_autofree char *body = NULL;
  g_auto(GStrv) already = NULL;
  const char *usual;
  const char *domain;
  const char *address;
  GtkWidget *dialog;

  if ((skip & EP_CHECK_IDENTITY_DOMAIN) || profile == NULL || ep_profile_get_is_sandbox (profile))
    return FALSE;
  usual = strrchr (ep_profile_get_sender_address (profile), '@');
  from = ep_address_list_parse (gtk_editable_get_text (GTK_EDITABLE (self->from_entry)), "From", NULL);
  if (usual == NULL || from == NULL || from->len != 1)
    return FALSE;
  domain = ep_address_get_domain (g_ptr_array_index (from, 0));
  address = ep_address_get_addr_spec (g_ptr_array_index (from, 0));
  if (domain == NULL || g_ascii_strcasecmp (usual + 1, domain) == 0)
    return FALSE;
  noted = g_strdup_printf ("%s %s", ep_profile_get_id (profile), address);
  already = g_settings_get_strv (self->settings, "identity-domains-noted");
  if (g_strv_contains ((const char * const *) already, noted))
    return FALSE;

  /* Translators: the first %s is an address, the second a domain (example.com), the third a
   * profile's name */
  body = g_strdup_printf (_("%s is not at %s, the domain “%s” usually sends from. The server may refuse the message, or the recipients’ servers may mark it as suspicious. This is said once for this address."),
                          address, usual + 1, ep_profile_get_name (profile));
  dialog = new_question (self, _("Sending From Another Domain"), body,
                         skip | EP_CHECK_IDENTITY_DOMAIN, when, server_hold);
  adw_message_dialog_add_response (ADW_MESSAGE_DIALOG (dialog), "send", _("_Send"));
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "send", ADW_RESPONSE_SUGGESTED);
  g_object_set_data_full (G_OBJECT (dialog), "noted", g_steal_pointer (&noted), g_free);
  gtk_window_present (GTK_WINDOW (dialog));
  return TRUE;
}

/* ---- Window parts ---------------------------------------------------------------------------- */

static void
map_cb (EpWindow *self)
{
  g_autoptr(EpIdentity) identity = NULL;

  /* A restored draft settled it already (ep_window_identity_load()). */
  if (self->identity->settled)
    return;
  identity = dup_sending_identity (self);
  swap_signature (self, identity);
  self->identity->settled = TRUE;
}

void
ep_window_identity_init (EpWindow *self)
{
  static const GActionEntry actions[] = {
    { .name = "choose", .activate = choose_action, .parameter_type = "(su)" },
  };
  g_autoptr(GSimpleActionGroup) group = g_simple_action_group_new ();
  GtkWidget *grid = gtk_widget_get_parent (GTK_WIDGET (self->from_entry));
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  GtkWidget *button = gtk_menu_button_new ();

  self->identity = g_new0 (EpWindowIdentity, 1);
  self->identity->button = GTK_MENU_BUTTON (button);
  g_action_map_add_action_entries (G_ACTION_MAP (group), actions, G_N_ELEMENTS (actions), self);
  gtk_widget_insert_action_group (GTK_WIDGET (self), "identity", G_ACTION_GROUP (group));

  /* From and its menu side by side, where From was. */
  g_object_ref (self->from_entry);
  gtk_grid_remove (GTK_GRID (grid), GTK_WIDGET (self->from_entry));
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (self->from_entry));
  g_object_unref (self->from_entry);
  gtk_menu_button_set_icon_name (GTK_MENU_BUTTON (button), "system-users-symbolic");
  gtk_widget_set_tooltip_text (button, _("Choose an Identity"));
  gtk_accessible_update_property (GTK_ACCESSIBLE (button),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("Choose an Identity"), -1);
  gtk_menu_button_set_create_popup_func (GTK_MENU_BUTTON (button), create_popup_cb, self, NULL);
  gtk_box_append (GTK_BOX (box), button);
  gtk_grid_attach (GTK_GRID (grid), box, 1, 0, 1, 1);

  g_signal_connect_swapped (self->from_entry, "changed", G_CALLBACK (from_changed_cb), self);
  g_signal_connect (self, "map", G_CALLBACK (map_cb), NULL);
}

void
ep_window_identity_dispose (EpWindow *self)
{
  if (self->identity == NULL)
    return;
  if (self->from_entry != NULL)
    g_signal_handlers_disconnect_by_func (self->from_entry, from_changed_cb, self);
  g_clear_pointer (&self->identity->placed, g_free);
  g_clear_pointer (&self->identity->chosen, g_free);
  g_clear_pointer (&self->identity, g_free);
}

/* The profile changed (the profile menu, a draft): its default identity's signature replaces
 * one that was not edited. */
void
ep_window_identity_profile_changed (EpWindow *self)
{
  g_autoptr(EpIdentity) identity = NULL;

  if (self->identity == NULL || !self->identity->settled || self->loading_draft)
    return;
  identity = dup_sending_identity (self);
  swap_signature (self, identity);
}

/* What the identity From holds adds to the message: Reply-To and the blind copy to itself. */
gboolean
ep_window_identity_apply (EpWindow   *self,
                          EpMessage  *message,
                          GError    **error)
{
  g_autoptr(EpIdentity) identity = dup_sending_identity (self);

  if (identity == NULL)
    return TRUE;
  if (*identity->reply_to != '\0')
    {
      g_autoptr(GPtrArray) list = ep_address_list_parse (identity->reply_to, _("Reply-To"), error);

      if (list == NULL)
        return FALSE;
      for (guint i = 0; i < list->len; i++)
        ep_message_add_reply_to (message, g_ptr_array_index (list, i));
    }
  if (identity->bcc_self)
    {
      g_autoptr(EpAddress) address = ep_address_new (NULL, identity->address, _("Bcc"), error);

      if (address == NULL)
        return FALSE;
      ep_message_add_bcc (message, address);
    }
  return TRUE;
}

/* Whether the body holds nothing but a signature placed and left as it was: a new message that
 * has it is still empty (no draft, no question on closing). */
gboolean
ep_window_identity_body_is_empty (EpWindow *self)
{
  g_autofree char *body = NULL;
  GtkTextIter start, end;

  if (self->identity == NULL || !is_unedited (self))
    return gtk_text_buffer_get_char_count (get_buffer (self)) == 0;
  gtk_text_buffer_get_start_iter (get_buffer (self), &start);
  gtk_text_buffer_get_iter_at_mark (get_buffer (self), &end, self->identity->start);
  body = gtk_text_buffer_get_text (get_buffer (self), &start, &end, FALSE);
  g_strstrip (body);
  gtk_text_buffer_get_iter_at_mark (get_buffer (self), &start, self->identity->end);
  gtk_text_buffer_get_end_iter (get_buffer (self), &end);
  return *body == '\0' && gtk_text_iter_equal (&start, &end);
}

void
ep_window_identity_save (EpWindow *self,
                         EpDraft  *draft)
{
  GtkTextIter iter;

  g_clear_pointer (&draft->identity, g_free);
  draft->identity = g_strdup (self->identity->chosen);
  draft->signature_start = -1;
  draft->signature_end = -1;
  /* An edited signature is the person's own text: never replaced, so not tracked. */
  if (!is_unedited (self))
    return;
  gtk_text_buffer_get_iter_at_mark (get_buffer (self), &iter, self->identity->start);
  draft->signature_start = gtk_text_iter_get_offset (&iter);
  gtk_text_buffer_get_iter_at_mark (get_buffer (self), &iter, self->identity->end);
  draft->signature_end = gtk_text_iter_get_offset (&iter);
}

/* After the body is set from the draft: its signature is where the draft says, and nothing is
 * ever placed again, whatever the draft holds. */
void
ep_window_identity_load (EpWindow      *self,
                         const EpDraft *draft)
{
  int n = gtk_text_buffer_get_char_count (get_buffer (self));

  forget_marks (self);
  g_free (self->identity->chosen);
  self->identity->chosen = g_strdup (draft->identity);
  self->identity->settled = TRUE;
  if (draft->signature_start >= 0 && draft->signature_start <= draft->signature_end &&
      draft->signature_end <= n)
    set_marks (self, draft->signature_start, draft->signature_end);
}

gboolean
ep_window_identity_ask_before_send (EpWindow  *self,
                                    guint      skip,
                                    GDateTime *when,
                                    gboolean   server_hold)
{
  return ask_many_recipients (self, skip, when, server_hold) ||
         ask_other_domain (self, skip, when, server_hold);
}

/* For the tests. */
char *
ep_window_dup_signature (EpWindow *self)
{
  g_return_val_if_fail (EP_IS_WINDOW (self), NULL);
  return dup_current (self);
}
