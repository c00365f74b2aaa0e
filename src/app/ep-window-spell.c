/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-window-spell.c: spell checking in the compose window, in a language chosen per message (the
 * locale's until someone picks another in the context menu; the choice goes with the draft). */
#include "config.h"

#include "ep-spell-text.h"
#include "ep-window-private.h"

/* Someone picked a language (or a draft brought one): it is this message's from now on. */
static void
language_chosen_cb (EpWindow *self)
{
  g_free (self->spell_language);
  self->spell_language = g_strdup (ep_spell_checker_get_language (self->spell_checker));
  ep_window_schedule_draft_save (self);
}

/* Loading the dictionaries (enchant, its providers, the word list, the languages' names) takes
 * about as long as building the rest of the window: it is done once the window has drawn its
 * first frame, or at once when someone asks for the checking before that. */
static void
spell_setup (EpWindow *self)
{
  g_autofree char *language = NULL;

  if (self->spell_ready)
    return;
  self->spell_ready = TRUE;
  g_clear_handle_id (&self->spell_idle, g_source_remove);
  self->spell_checker = ep_spell_checker_new ();
  /* No dictionary: no underlines, no menu items, nothing to say about it. */
  if (!ep_spell_checker_is_available (self->spell_checker))
    return;
  language = ep_spell_checker_dup_default_language (self->spell_checker);
  ep_spell_checker_set_language (self->spell_checker, language);
  /* A draft's language, given before the checker was there. */
  if (self->spell_language != NULL)
    ep_spell_checker_set_language (self->spell_checker, self->spell_language);
  self->spell = ep_spell_text_new (self->spell_checker, self->body_view, self->subject_entry);
  g_signal_connect_object (self->spell_checker, "notify::language",
                           G_CALLBACK (language_chosen_cb), self, G_CONNECT_SWAPPED);
}

static gboolean
spell_idle_cb (gpointer user_data)
{
  EpWindow *self = user_data;

  self->spell_idle = 0;
  spell_setup (self);
  return G_SOURCE_REMOVE;
}

static void
first_paint_cb (GdkFrameClock *clock,
                EpWindow      *self)
{
  g_clear_signal_handler (&self->spell_paint_handler, clock);
  if (!self->spell_ready && self->spell_idle == 0)
    self->spell_idle = g_idle_add_full (G_PRIORITY_LOW, spell_idle_cb, self, NULL);
}

static void
window_mapped_cb (EpWindow *self)
{
  GdkFrameClock *clock = gtk_widget_get_frame_clock (GTK_WIDGET (self));

  g_signal_handlers_disconnect_by_func (self, window_mapped_cb, self);
  if (clock == NULL || self->spell_ready)
    return;
  self->spell_paint_handler = g_signal_connect_object (clock, "after-paint", G_CALLBACK (first_paint_cb),
                                                       self, 0);
}

void
ep_window_spell_init (EpWindow *self)
{
  g_signal_connect (self, "map", G_CALLBACK (window_mapped_cb), self);
}

void
ep_window_spell_dispose (EpWindow *self)
{
  GdkFrameClock *clock = gtk_widget_get_frame_clock (GTK_WIDGET (self));

  g_clear_handle_id (&self->spell_idle, g_source_remove);
  if (self->spell_paint_handler != 0 && clock != NULL)
    g_clear_signal_handler (&self->spell_paint_handler, clock);
  self->spell_ready = TRUE;   /* nothing is set up any more */
  if (self->spell_checker != NULL)
    g_signal_handlers_disconnect_by_data (self->spell_checker, self);
  if (self->spell != NULL)
    g_object_run_dispose (G_OBJECT (self->spell));
  g_clear_object (&self->spell);
  g_clear_object (&self->spell_checker);
  g_clear_pointer (&self->spell_language, g_free);
}

/* A draft's language: used when installed here, and kept for the draft either way. */
void
ep_window_spell_set_language (EpWindow   *self,
                              const char *language)
{
  if (language == NULL)
    return;
  if (self->spell_checker != NULL)
    ep_spell_checker_set_language (self->spell_checker, language);
  /* Not set up yet: spell_setup() takes it from here. */
  g_free (self->spell_language);
  self->spell_language = g_strdup (language);
}

/* Returns: (nullable): the message's chosen language, %NULL for the locale's */
const char *
ep_window_spell_get_language (EpWindow *self)
{
  return self->spell_language;
}

/* Returns: (nullable): the body's and subject's checking, %NULL without dictionaries */
EpSpellText *
ep_window_get_spell (EpWindow *self)
{
  g_return_val_if_fail (EP_IS_WINDOW (self), NULL);
  spell_setup (self);
  return self->spell;
}
