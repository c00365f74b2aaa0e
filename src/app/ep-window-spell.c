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

/* A checker with the locale's dictionary, or @language's when it is installed. Run on a worker
 * thread too: the checker is only handed over once it is complete. */
static EpSpellChecker *
new_checker (const char *language)
{
  EpSpellChecker *checker = ep_spell_checker_new ();
  g_autofree char *fallback = NULL;

  /* No dictionary: no underlines, no menu items, nothing to say about it. */
  if (!ep_spell_checker_is_available (checker))
    return checker;
  if (language == NULL || !ep_spell_checker_set_language (checker, language))
    {
      fallback = ep_spell_checker_dup_default_language (checker);
      ep_spell_checker_set_language (checker, fallback);
    }
  return checker;
}

static void
install_checker (EpWindow       *self,
                 EpSpellChecker *checker)
{
  self->spell_ready = TRUE;
  if (self->spell_loading != NULL)
    g_cancellable_cancel (self->spell_loading);
  g_clear_object (&self->spell_loading);
  self->spell_checker = checker;
  if (!ep_spell_checker_is_available (checker))
    return;
  /* A draft's language that came while the dictionaries were being read. */
  if (self->spell_language != NULL)
    ep_spell_checker_set_language (checker, self->spell_language);
  self->spell = ep_spell_text_new (checker, self->body_view, self->subject_entry);
  g_signal_connect_object (checker, "notify::language",
                           G_CALLBACK (language_chosen_cb), self, G_CONNECT_SWAPPED);
}

/* Reading the dictionaries (enchant, its providers, a Hunspell word list of some 50,000 entries)
 * takes as long as building the rest of the window, and longer than a frame: it is done on a
 * worker thread once the window has drawn its first frame, or at once on this thread when
 * someone asks for the checking before it is ready. */
static void
spell_setup (EpWindow *self)
{
  if (self->spell_ready)
    return;
  install_checker (self, new_checker (self->spell_language));
}

static void
load_thread (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  g_task_return_pointer (task, new_checker (task_data), g_object_unref);
}

static void
loaded_cb (GObject      *source_object,
           GAsyncResult *result,
           gpointer      user_data)
{
  EpWindow *self = EP_WINDOW (source_object);
  EpSpellChecker *checker = g_task_propagate_pointer (G_TASK (result), NULL);

  /* Set up meanwhile (asked for at once, or the window went away): this one is not needed. */
  if (checker == NULL || self->spell_ready)
    {
      g_clear_object (&checker);
      return;
    }
  install_checker (self, checker);
}

static void
first_paint_cb (GdkFrameClock *clock,
                EpWindow      *self)
{
  g_autoptr(GTask) task = NULL;

  g_clear_signal_handler (&self->spell_paint_handler, clock);
  if (self->spell_ready || self->spell_loading != NULL)
    return;
  self->spell_loading = g_cancellable_new ();
  task = g_task_new (self, self->spell_loading, loaded_cb, NULL);
  g_task_set_source_tag (task, first_paint_cb);
  g_task_set_task_data (task, g_strdup (self->spell_language), g_free);
  g_task_set_check_cancellable (task, TRUE);
  g_task_run_in_thread (task, load_thread);
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

  if (self->spell_loading != NULL)
    g_cancellable_cancel (self->spell_loading);
  g_clear_object (&self->spell_loading);
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
