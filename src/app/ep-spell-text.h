/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-spell-text.h: spell checking as you type in a text view (and an entry beside it). */
#pragma once

#include <gtk/gtk.h>

#include "ep-spell-checker.h"

G_BEGIN_DECLS

#define EP_TYPE_SPELL_TEXT (ep_spell_text_get_type ())
G_DECLARE_FINAL_TYPE (EpSpellText, ep_spell_text, EP, SPELL_TEXT, GObject)

EpSpellText    *ep_spell_text_new         (EpSpellChecker *checker,
                                           GtkTextView    *view,
                                           GtkEntry       *entry);
EpSpellChecker *ep_spell_text_get_checker (EpSpellText    *self);

G_END_DECLS
