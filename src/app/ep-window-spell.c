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

void
ep_window_spell_init (EpWindow *self)
{
  g_autofree char *language = NULL;

  self->spell_checker = ep_spell_checker_new ();
  /* No dictionary: no underlines, no menu items, nothing to say about it. */
  if (!ep_spell_checker_is_available (self->spell_checker))
    return;
  language = ep_spell_checker_dup_default_language (self->spell_checker);
  ep_spell_checker_set_language (self->spell_checker, language);
  self->spell = ep_spell_text_new (self->spell_checker, self->body_view, self->subject_entry);
  g_signal_connect_object (self->spell_checker, "notify::language",
                           G_CALLBACK (language_chosen_cb), self, G_CONNECT_SWAPPED);
}

void
ep_window_spell_dispose (EpWindow *self)
{
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
  return self->spell;
}
