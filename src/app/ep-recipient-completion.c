/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-recipient-completion.c: completion of the address being typed in a recipient field.
 *
 * The text after the field's last comma (or semicolon) is looked up in the application's
 * EpRecipientIndex at every change. The lookup runs on the main thread because it is fast:
 * well under a millisecond for 10,000 addresses (bench/recipients.c), so typing never waits.
 * The index itself is built and refreshed on a worker thread.
 *
 * The popover under the field never takes the focus (it does not grab, and nothing in it is
 * focusable): the person keeps typing in the field, and the keys that drive the popover (Up,
 * Down, Tab, Enter, Escape, and Shift+Delete for the selected row's Forget) are taken in the
 * capture phase only while it is open. Accepting
 * replaces the typed text with the address as the engine writes it for a field
 * (ep_address_to_text(): the name quoted when it has to be) and ", ". GtkEntryCompletion is
 * not used: it is deprecated from GTK 4.10 on. */
#include "config.h"

#include <glib/gi18n.h>

#include "ep-address.h"
#include "ep-recipient-completion-private.h"

#define COMPLETION_DATA_KEY "ep-recipient-completion"
#define INDEX_DATA_KEY      "ep-recipient-index"

/* A change this soon after a key press in the field is the person typing. */
#define TYPED_WITHIN_US     (G_USEC_PER_SEC / 2)

struct _EpRecipientCompletion
{
  GObject           parent_instance;

  GtkEntry         *entry;       /* weak: the entry owns us */
  GtkWidget        *popover;
  GtkListBox       *list;
  EpRecipientIndex *index;
  gulong            index_changed_id;
  GPtrArray        *matches;     /* element-type EpRecipientMatch, one per row */
  gsize             token_start; /* in bytes of the field's text: where the typed address begins */
  gboolean          inserting;
  gboolean          dismissed;   /* Escape: closed until the text changes */
  gboolean          typed;       /* the last change came from the keyboard, since the last
                                    accepted address */
  gint64            key_time;    /* the last key press in the field (monotonic) */
};

G_DEFINE_FINAL_TYPE (EpRecipientCompletion, ep_recipient_completion, G_TYPE_OBJECT)

/* ---- The application's index ----------------------------------------------------------------- */

static void
index_refreshed_cb (GObject      *object,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  if (!ep_recipient_index_refresh_finish (EP_RECIPIENT_INDEX (object), result, &error))
    g_debug ("recipient completion: %s", error->message);
}

/* An entry was added, sent or delivered: only what is new is read. */
static void
outbox_changed_cb (EpRecipientIndex *index)
{
  ep_recipient_index_refresh_async (index, NULL, index_refreshed_cb, NULL);
}

/* ---- The popover ----------------------------------------------------------------------------- */

/* "Name <address>" with the matched part in bold. */
static char *
match_markup (const EpRecipientMatch *match)
{
  const char *text = match->in_name ? match->name : match->address;
  g_autofree char *before = g_markup_escape_text (text, match->match_start);
  g_autofree char *matched = g_markup_escape_text (text + match->match_start,
                                                   match->match_end - match->match_start);
  g_autofree char *after = g_markup_escape_text (text + match->match_end, -1);
  g_autofree char *marked = g_strdup_printf ("%s<b>%s</b>%s", before, matched, after);
  g_autofree char *address = NULL;
  g_autofree char *name = NULL;

  if (match->name == NULL)
    return g_steal_pointer (&marked);
  if (match->in_name)
    {
      address = g_markup_escape_text (match->address, -1);
      /* Translators: a completion row: a person's name and address */
      return g_strdup_printf (_("%s <span alpha=\"70%%\">&lt;%s&gt;</span>"), marked, address);
    }
  name = g_markup_escape_text (match->name, -1);
  return g_strdup_printf (_("%s <span alpha=\"70%%\">&lt;%s&gt;</span>"), name, marked);
}

static char *
match_text (const EpRecipientMatch *match)
{
  if (match->name == NULL)
    return g_strdup (match->address);
  return g_strdup_printf ("%s <%s>", match->name, match->address);
}

static void ep_recipient_completion_update (EpRecipientCompletion *self);

static gboolean
update_idle_cb (gpointer data)
{
  ep_recipient_completion_update (data);
  return G_SOURCE_REMOVE;
}

static void
forget (EpRecipientCompletion *self,
        const char            *address)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autoptr(GError) error = NULL;

  if (self->index == NULL || address == NULL)
    return;
  /* Gone from completion either way; only the forget list for the next start may be lost. */
  if (!ep_recipient_index_forget (self->index, address, g_date_time_to_unix (now), &error))
    g_warning ("Could not save the forgotten address: %s", error->message);
  /* Not from inside the button's own click: the update replaces the rows. */
  g_idle_add_full (G_PRIORITY_DEFAULT, update_idle_cb, g_object_ref (self), g_object_unref);
}

static void
forget_clicked_cb (GtkButton             *button,
                   EpRecipientCompletion *self)
{
  forget (self, g_object_get_data (G_OBJECT (button), "address"));
}

static GtkWidget *
row_new (EpRecipientCompletion  *self,
         const EpRecipientMatch *match)
{
  GtkWidget *row = gtk_list_box_row_new ();
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  GtkWidget *label = gtk_label_new (NULL);
  GtkWidget *forget_button = gtk_button_new_from_icon_name ("edit-delete-symbolic");
  g_autofree char *markup = match_markup (match);
  g_autofree char *text = match_text (match);
  /* Translators: the accessible name of a completion row's Forget button, with the address */
  g_autofree char *forget_label = g_strdup_printf (_("Forget %s"), match->address);

  gtk_label_set_markup (GTK_LABEL (label), markup);
  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_END);
  gtk_label_set_max_width_chars (GTK_LABEL (label), 60);
  gtk_widget_set_hexpand (label, TRUE);
  gtk_box_append (GTK_BOX (box), label);

  gtk_widget_set_tooltip_text (forget_button, _("Forget This Address (Shift+Delete)"));
  gtk_button_set_has_frame (GTK_BUTTON (forget_button), FALSE);
  gtk_widget_set_focusable (forget_button, FALSE);
  gtk_widget_set_focus_on_click (forget_button, FALSE);
  gtk_accessible_update_property (GTK_ACCESSIBLE (forget_button), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  forget_label, -1);
  g_object_set_data_full (G_OBJECT (forget_button), "address", g_strdup (match->address), g_free);
  g_signal_connect (forget_button, "clicked", G_CALLBACK (forget_clicked_cb), self);
  gtk_box_append (GTK_BOX (box), forget_button);

  gtk_widget_set_margin_start (box, 6);
  gtk_list_box_row_set_child (GTK_LIST_BOX_ROW (row), box);
  gtk_widget_set_focusable (row, FALSE);
  gtk_accessible_update_property (GTK_ACCESSIBLE (row), GTK_ACCESSIBLE_PROPERTY_LABEL, text, -1);
  return row;
}

static void
popdown (EpRecipientCompletion *self)
{
  if (self->popover != NULL && gtk_widget_get_visible (self->popover))
    gtk_popover_popdown (GTK_POPOVER (self->popover));
  if (self->entry != NULL)
    gtk_accessible_update_state (GTK_ACCESSIBLE (self->entry), GTK_ACCESSIBLE_STATE_EXPANDED,
                                 FALSE, -1);
}

static void
remove_rows (EpRecipientCompletion *self)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->list))) != NULL)
    gtk_list_box_remove (self->list, child);
  g_ptr_array_set_size (self->matches, 0);
}

/* Where the address being typed starts: after the last separator outside quotes. */
static gsize
find_token_start (const char *text)
{
  gsize start = 0;
  gboolean quoted = FALSE;
  int angle = 0;

  for (gsize i = 0; text[i] != '\0'; i++)
    {
      if (text[i] == '\\' && quoted && text[i + 1] != '\0')
        i++;
      else if (text[i] == '"')
        quoted = !quoted;
      else if (!quoted && text[i] == '<')
        angle++;
      else if (!quoted && text[i] == '>' && angle > 0)
        angle--;
      else if (!quoted && angle == 0 && (text[i] == ',' || text[i] == ';'))
        start = i + 1;
    }
  return start;
}

/* The focus is in the entry's text, a child of the entry. */
static gboolean
entry_has_focus (GtkEntry *entry)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (entry));
  GtkWidget *focus = root != NULL ? gtk_root_get_focus (root) : NULL;

  return focus != NULL && (focus == GTK_WIDGET (entry) || gtk_widget_is_ancestor (focus, GTK_WIDGET (entry)));
}

static gboolean
is_blank (const char *text)
{
  for (; *text != '\0'; text++)
    if (!g_ascii_isspace (*text))
      return FALSE;
  return TRUE;
}

static void
ep_recipient_completion_update (EpRecipientCompletion *self)
{
  const char *text;
  const char *token;
  g_autoptr(GPtrArray) matches = NULL;

  if (self->entry == NULL)
    return;
  remove_rows (self);
  text = gtk_editable_get_text (GTK_EDITABLE (self->entry));
  self->token_start = find_token_start (text);
  token = text + self->token_start;
  /* Only while the person types: not for text a draft, a link or the window itself put in; and
   * a finished address ("… <a@b>") or nothing typed has nothing to complete. */
  if (!self->typed || self->dismissed || self->index == NULL ||
      !gtk_widget_get_mapped (GTK_WIDGET (self->entry)) || !entry_has_focus (self->entry) ||
      strchr (token, '>') != NULL || is_blank (token))
    {
      popdown (self);
      return;
    }
  /* What is being typed of the address itself: after an opening "<" or quote. */
  if (strchr (token, '<') != NULL)
    token = strrchr (token, '<') + 1;
  while (*token == ' ' || *token == '\t' || *token == '"')
    token++;
  matches = ep_recipient_index_query (self->index, token, EP_RECIPIENT_COMPLETION_MAX_ROWS);
  if (matches->len == 0)
    {
      popdown (self);
      return;
    }
  for (guint i = 0; i < matches->len; i++)
    {
      gtk_list_box_append (self->list, row_new (self, matches->pdata[i]));
      g_ptr_array_add (self->matches, g_ptr_array_steal_index (matches, i--));
    }
  gtk_list_box_select_row (self->list, gtk_list_box_get_row_at_index (self->list, 0));
  gtk_accessible_update_state (GTK_ACCESSIBLE (self->entry), GTK_ACCESSIBLE_STATE_EXPANDED,
                               TRUE, -1);
  if (!gtk_widget_get_visible (self->popover))
    {
      int width = gtk_widget_get_width (GTK_WIDGET (self->entry));
      GdkRectangle under = { 0, 0, width, gtk_widget_get_height (GTK_WIDGET (self->entry)) };

      /* As wide as the field and right under it, like the field's own list. */
      gtk_widget_set_size_request (gtk_popover_get_child (GTK_POPOVER (self->popover)), width, -1);
      gtk_popover_set_pointing_to (GTK_POPOVER (self->popover), &under);
      gtk_popover_popup (GTK_POPOVER (self->popover));
    }
}

/* Replaces the typed text with the row's address and ", ", ready for the next one. */
static void
accept_row (EpRecipientCompletion *self,
            GtkListBoxRow         *row)
{
  int i = row != NULL ? gtk_list_box_row_get_index (row) : -1;
  const EpRecipientMatch *match;
  g_autoptr(EpAddress) address = NULL;
  g_autofree char *typed = NULL;
  g_autofree char *before = NULL;
  g_autofree char *text = NULL;

  if (i < 0 || (guint) i >= self->matches->len)
    return;
  match = self->matches->pdata[i];
  address = ep_address_new (match->name, match->address, "", NULL);
  if (address == NULL)
    return;
  typed = ep_address_to_text (address);
  before = g_strndup (gtk_editable_get_text (GTK_EDITABLE (self->entry)), self->token_start);
  text = g_strconcat (before, self->token_start > 0 ? " " : "", typed, ", ", NULL);
  self->inserting = TRUE;
  gtk_editable_set_text (GTK_EDITABLE (self->entry), text);
  gtk_editable_set_position (GTK_EDITABLE (self->entry), -1);
  self->inserting = FALSE;
  self->typed = FALSE;
  remove_rows (self);
  popdown (self);
}

static void
move_selection (EpRecipientCompletion *self,
                int                    delta)
{
  GtkListBoxRow *row = gtk_list_box_get_selected_row (self->list);
  int n = (int) self->matches->len;
  int i = row != NULL ? gtk_list_box_row_get_index (row) : -1;

  if (n == 0)
    return;
  i = ((i + delta) % n + n) % n;
  gtk_list_box_select_row (self->list, gtk_list_box_get_row_at_index (self->list, i));
}

static gboolean
key_pressed_cb (GtkEventControllerKey *controller,
                guint                  keyval,
                guint                  keycode,
                GdkModifierType        state,
                EpRecipientCompletion *self)
{
  self->key_time = g_get_monotonic_time ();
  if (self->popover == NULL || !gtk_widget_get_visible (self->popover) ||
      (state & (GDK_CONTROL_MASK | GDK_ALT_MASK)) != 0)
    return GDK_EVENT_PROPAGATE;

  switch (keyval)
    {
    case GDK_KEY_Down:
    case GDK_KEY_KP_Down:
      move_selection (self, 1);
      return GDK_EVENT_STOP;
    case GDK_KEY_Up:
    case GDK_KEY_KP_Up:
      move_selection (self, -1);
      return GDK_EVENT_STOP;
    case GDK_KEY_Tab:
    case GDK_KEY_Return:
    case GDK_KEY_KP_Enter:
    case GDK_KEY_ISO_Enter:
      if ((state & GDK_SHIFT_MASK) != 0)
        return GDK_EVENT_PROPAGATE;
      accept_row (self, gtk_list_box_get_selected_row (self->list));
      return GDK_EVENT_STOP;
    case GDK_KEY_Escape:
      self->dismissed = TRUE;
      popdown (self);
      return GDK_EVENT_STOP;
    case GDK_KEY_Delete:
    case GDK_KEY_KP_Delete:
      /* The Forget buttons take no focus (the field keeps it): this is their key. */
      if ((state & GDK_SHIFT_MASK) == 0)
        return GDK_EVENT_PROPAGATE;
      {
        GtkListBoxRow *row = gtk_list_box_get_selected_row (self->list);
        int i = row != NULL ? gtk_list_box_row_get_index (row) : -1;

        if (i >= 0 && (guint) i < self->matches->len)
          forget (self, ((EpRecipientMatch *) self->matches->pdata[i])->address);
      }
      return GDK_EVENT_STOP;
    default:
      return GDK_EVENT_PROPAGATE;
    }
}

static void
row_activated_cb (GtkListBox            *list,
                  GtkListBoxRow         *row,
                  EpRecipientCompletion *self)
{
  accept_row (self, row);
}

static void
entry_changed_cb (EpRecipientCompletion *self)
{
  if (self->inserting)
    return;
  self->dismissed = FALSE;
  /* A key press goes through this controller just before the text changes (typing, an input
   * method's commit, a paste); text set by the program comes without one. */
  self->typed = g_get_monotonic_time () - self->key_time < TYPED_WITHIN_US;
  ep_recipient_completion_update (self);
}

static void
focus_leave_cb (EpRecipientCompletion *self)
{
  self->typed = FALSE;
  popdown (self);
}

static void
index_changed_cb (EpRecipientCompletion *self)
{
  /* What was typed before the index was read may have matches now. */
  if (self->entry != NULL && entry_has_focus (self->entry))
    ep_recipient_completion_update (self);
}

static void
entry_map_cb (EpRecipientCompletion *self)
{
  GtkRoot *root;
  GtkApplication *application;

  if (self->index != NULL || self->entry == NULL)
    return;
  root = gtk_widget_get_root (GTK_WIDGET (self->entry));
  application = GTK_IS_WINDOW (root) ? gtk_window_get_application (GTK_WINDOW (root)) : NULL;
  if (application == NULL)
    return;
  self->index = g_object_ref (ep_recipient_completion_get_index (G_APPLICATION (application)));
  self->index_changed_id = g_signal_connect_swapped (self->index, "changed",
                                                     G_CALLBACK (index_changed_cb), self);
}

/* The entry is going: the popover is its child and must go before it. */
static void
entry_destroy_cb (EpRecipientCompletion *self)
{
  g_object_run_dispose (G_OBJECT (self));
}

/* ---- GObject --------------------------------------------------------------------------------- */

static void
ep_recipient_completion_dispose (GObject *object)
{
  EpRecipientCompletion *self = EP_RECIPIENT_COMPLETION (object);

  g_clear_signal_handler (&self->index_changed_id, self->index);
  g_clear_object (&self->index);
  if (self->popover != NULL)
    {
      gtk_widget_unparent (self->popover);
      self->popover = NULL;
    }
  self->entry = NULL;
  G_OBJECT_CLASS (ep_recipient_completion_parent_class)->dispose (object);
}

static void
ep_recipient_completion_finalize (GObject *object)
{
  EpRecipientCompletion *self = EP_RECIPIENT_COMPLETION (object);

  g_ptr_array_unref (self->matches);
  G_OBJECT_CLASS (ep_recipient_completion_parent_class)->finalize (object);
}

static void
ep_recipient_completion_class_init (EpRecipientCompletionClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = ep_recipient_completion_dispose;
  object_class->finalize = ep_recipient_completion_finalize;
}

static void
ep_recipient_completion_init (EpRecipientCompletion *self)
{
  self->matches = g_ptr_array_new_with_free_func ((GDestroyNotify) ep_recipient_match_free);
}

/* ---- Public API ------------------------------------------------------------------------------ */

EpRecipientIndex *
ep_recipient_completion_get_index (GApplication *application)
{
  EpRecipientIndex *index;
  EpOutboxWorker *worker;

  g_return_val_if_fail (G_IS_APPLICATION (application), NULL);

  index = g_object_get_data (G_OBJECT (application), INDEX_DATA_KEY);
  if (index != NULL)
    return index;
  index = ep_recipient_index_new_default ();
  g_object_set_data_full (G_OBJECT (application), INDEX_DATA_KEY, index, g_object_unref);
  worker = ep_outbox_worker_get_for_application (application);
  if (worker != NULL)
    g_signal_connect_object (worker, "changed", G_CALLBACK (outbox_changed_cb), index,
                             G_CONNECT_SWAPPED);
  ep_recipient_index_refresh_async (index, NULL, index_refreshed_cb, NULL);
  return index;
}

void
ep_recipient_completion_attach (GtkEntry *entry)
{
  EpRecipientCompletion *self;
  GtkEventController *keys;
  GtkEventController *focus;
  GtkWidget *scrolled;

  g_return_if_fail (GTK_IS_ENTRY (entry));

  self = g_object_new (EP_TYPE_RECIPIENT_COMPLETION, NULL);
  self->entry = entry;

  self->list = GTK_LIST_BOX (gtk_list_box_new ());
  gtk_list_box_set_selection_mode (self->list, GTK_SELECTION_BROWSE);
  gtk_list_box_set_activate_on_single_click (self->list, TRUE);
  gtk_widget_set_focusable (GTK_WIDGET (self->list), FALSE);
  gtk_widget_add_css_class (GTK_WIDGET (self->list), "navigation-sidebar");
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->list), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Addresses you sent to"), -1);
  g_signal_connect (self->list, "row-activated", G_CALLBACK (row_activated_cb), self);
  scrolled = gtk_scrolled_window_new ();
  gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (scrolled), GTK_POLICY_NEVER, GTK_POLICY_NEVER);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scrolled), GTK_WIDGET (self->list));

  self->popover = gtk_popover_new ();
  gtk_popover_set_child (GTK_POPOVER (self->popover), scrolled);
  gtk_popover_set_autohide (GTK_POPOVER (self->popover), FALSE);
  gtk_popover_set_has_arrow (GTK_POPOVER (self->popover), FALSE);
  gtk_popover_set_position (GTK_POPOVER (self->popover), GTK_POS_BOTTOM);
  gtk_widget_set_can_focus (self->popover, FALSE);
  gtk_widget_add_css_class (self->popover, "recipient-completion");
  gtk_widget_set_parent (self->popover, GTK_WIDGET (entry));

  keys = gtk_event_controller_key_new ();
  gtk_event_controller_set_propagation_phase (keys, GTK_PHASE_CAPTURE);
  g_signal_connect (keys, "key-pressed", G_CALLBACK (key_pressed_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (entry), keys);
  focus = gtk_event_controller_focus_new ();
  g_signal_connect_swapped (focus, "leave", G_CALLBACK (focus_leave_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (entry), focus);

  g_signal_connect_object (entry, "changed", G_CALLBACK (entry_changed_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (entry, "map", G_CALLBACK (entry_map_cb), self, G_CONNECT_SWAPPED);
  gtk_accessible_update_property (GTK_ACCESSIBLE (entry), GTK_ACCESSIBLE_PROPERTY_AUTOCOMPLETE,
                                  GTK_ACCESSIBLE_AUTOCOMPLETE_LIST, -1);
  g_signal_connect_object (entry, "destroy", G_CALLBACK (entry_destroy_cb), self, G_CONNECT_SWAPPED);
  g_object_set_data_full (G_OBJECT (entry), COMPLETION_DATA_KEY, self, g_object_unref);
}

EpRecipientCompletion *
ep_recipient_completion_get_for_entry (GtkEntry *entry)
{
  g_return_val_if_fail (GTK_IS_ENTRY (entry), NULL);
  return g_object_get_data (G_OBJECT (entry), COMPLETION_DATA_KEY);
}

GtkPopover *
ep_recipient_completion_get_popover (EpRecipientCompletion *self)
{
  g_return_val_if_fail (EP_IS_RECIPIENT_COMPLETION (self), NULL);
  return GTK_POPOVER (self->popover);
}

GtkListBox *
ep_recipient_completion_get_list (EpRecipientCompletion *self)
{
  g_return_val_if_fail (EP_IS_RECIPIENT_COMPLETION (self), NULL);
  return self->list;
}
