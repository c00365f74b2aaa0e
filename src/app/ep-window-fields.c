/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-window-fields.c: the address fields: validation and completion as you type, Cc/Bcc, and
 * whether Send is ready. */
#include "config.h"

#include <glib/gi18n.h>

#include "ep-address.h"
#include "ep-recipient-completion.h"
#include "ep-window-private.h"

typedef struct {
  GtkEntry   *entry;
  const char *field;   /* untranslated header name, used in messages */
} FieldInfo;

/* Sets @widget's tooltip unless it says that already. GTK asks the display where the pointer is
 * each time a tooltip is set (a round trip to the X server): the send state is worked out again
 * for every file added, and 1,000 files at once made that thousands of round trips. */
static void
set_tooltip (GtkWidget  *widget,
             const char *text)
{
  const char *current = gtk_widget_get_tooltip_text (widget);

  if (g_strcmp0 (current, text) != 0)
    gtk_widget_set_tooltip_text (widget, text);
}

/* Parses one field; marks the entry and returns the number of addresses (or -1 when invalid). */
static int
ep_window_check_field (EpWindow   *self,
                       GtkEntry   *entry,
                       const char *field,
                       char      **reason)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (entry));
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) list = ep_address_list_parse (text, field, &error);

  if (list == NULL)
    {
      gtk_widget_add_css_class (GTK_WIDGET (entry), "error");
      gtk_entry_set_icon_from_icon_name (entry, GTK_ENTRY_ICON_SECONDARY, "dialog-warning-symbolic");
      gtk_entry_set_icon_tooltip_text (entry, GTK_ENTRY_ICON_SECONDARY, error->message);
      set_tooltip (GTK_WIDGET (entry), error->message);
      if (reason != NULL && *reason == NULL)
        *reason = g_strdup (error->message);
      return -1;
    }

  gtk_widget_remove_css_class (GTK_WIDGET (entry), "error");
  if (gtk_entry_get_icon_name (entry, GTK_ENTRY_ICON_SECONDARY) != NULL)
    gtk_entry_set_icon_from_icon_name (entry, GTK_ENTRY_ICON_SECONDARY, NULL);
  set_tooltip (GTK_WIDGET (entry), NULL);
  return (int) list->len;
}

/* Why the message cannot be sent yet, or NULL when it can. */
char *
ep_window_dup_not_ready_reason (EpWindow *self)
{
  g_autofree char *reason = NULL;
  int n_from, n_to, n_cc, n_bcc;

  n_from = ep_window_check_field (self, self->from_entry, _("From"), &reason);
  n_to = ep_window_check_field (self, self->to_entry, _("To"), &reason);
  n_cc = ep_window_check_field (self, self->cc_entry, _("Cc"), &reason);
  n_bcc = ep_window_check_field (self, self->bcc_entry, _("Bcc"), &reason);

  if (reason != NULL)
    return g_steal_pointer (&reason);
  if (n_to + n_cc + n_bcc == 0)
    return g_strdup (_("Add at least one recipient"));
  if (n_from == 0)
    return g_strdup (_("Enter your address in From"));
  if (n_from > 1)
    return g_strdup (_("From must be a single address"));
  if (self->pending_adds > 0)
    return g_strdup (_("Attachments are still being added"));
  return NULL;
}

void
ep_window_update_send_state (EpWindow *self)
{
  g_autofree char *reason = NULL;

  if (self->sending)
    return;

  reason = ep_window_dup_not_ready_reason (self);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.send", reason == NULL);
  set_tooltip (GTK_WIDGET (self->send_button), reason ? reason : _("Send the Message (Ctrl+Return)"));
}

static void
field_changed_cb (EpWindow *self)
{
  ep_window_update_send_state (self);
}

static void
reveal_toggled_cb (GtkToggleButton *button,
                   EpWindow        *self)
{
  gboolean cc = button == self->cc_button;
  GtkWidget *entry = GTK_WIDGET (cc ? self->cc_entry : self->bcc_entry);
  GtkWidget *label = GTK_WIDGET (cc ? self->cc_label : self->bcc_label);
  gboolean active = gtk_toggle_button_get_active (button);

  gtk_widget_set_visible (entry, active);
  gtk_widget_set_visible (label, active);
  if (active)
    gtk_widget_grab_focus (entry);
}

/* Shows Cc/Bcc whenever they hold something (a link or a draft filled them). */
void
ep_window_sync_reveal (EpWindow *self)
{
  if (*gtk_editable_get_text (GTK_EDITABLE (self->cc_entry)) != '\0')
    gtk_toggle_button_set_active (self->cc_button, TRUE);
  if (*gtk_editable_get_text (GTK_EDITABLE (self->bcc_entry)) != '\0')
    gtk_toggle_button_set_active (self->bcc_button, TRUE);
}

/**
 * ep_window_select_address:
 *
 * Puts the focus on the recipient field that holds @address (To, Cc or Bcc; compared without
 * regard to case) with the address selected, ready to be corrected or removed.
 *
 * Returns: whether @address was found
 */
gboolean
ep_window_select_address (EpWindow   *self,
                          const char *address)
{
  GtkEntry *entries[] = { self->to_entry, self->cc_entry, self->bcc_entry };
  g_autofree char *wanted = g_utf8_casefold (address, -1);

  for (guint i = 0; i < G_N_ELEMENTS (entries); i++)
    {
      const char *text = gtk_editable_get_text (GTK_EDITABLE (entries[i]));
      g_autofree char *folded = g_utf8_casefold (text, -1);
      const char *at = strstr (folded, wanted);
      glong start, end;

      if (at == NULL)
        continue;
      /* Case folding keeps ASCII lengths; for the rest count characters in the folded text,
       * which match the field's when the address is found at all. */
      start = g_utf8_pointer_to_offset (folded, at);
      end = start + g_utf8_strlen (wanted, -1);
      ep_window_sync_reveal (self);
      gtk_widget_grab_focus (GTK_WIDGET (entries[i]));
      gtk_editable_select_region (GTK_EDITABLE (entries[i]), (int) start, (int) end);
      return TRUE;
    }
  return FALSE;
}

void
ep_window_fields_init (EpWindow *self)
{
  GtkEntry *entries[] = { self->from_entry, self->to_entry, self->cc_entry, self->bcc_entry };

  for (guint i = 0; i < G_N_ELEMENTS (entries); i++)
    g_signal_connect_swapped (entries[i], "changed", G_CALLBACK (field_changed_cb), self);
  /* From is the person's own address: completion is for recipients. */
  for (guint i = 1; i < G_N_ELEMENTS (entries); i++)
    ep_recipient_completion_attach (entries[i]);
  g_signal_connect (self->cc_button, "toggled", G_CALLBACK (reveal_toggled_cb), self);
  g_signal_connect (self->bcc_button, "toggled", G_CALLBACK (reveal_toggled_cb), self);

  ep_window_update_send_state (self);
}
