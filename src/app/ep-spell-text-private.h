/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-spell-text-private.h: what only the tests need of spell checking in the compose window. */
#pragma once

#include "ep-spell-text.h"

G_BEGIN_DECLS

gboolean    ep_spell_text_is_checking           (EpSpellText       *self);
void        ep_spell_text_set_budget            (EpSpellText       *self,
                                                 gint64             budget_us);
GStrv       ep_spell_text_dup_misspelled        (EpSpellText       *self);
GStrv       ep_spell_text_dup_subject_misspelled (EpSpellText      *self);
void        ep_spell_text_prepare_menu          (EpSpellText       *self,
                                                 const GtkTextIter *iter);
GMenuModel *ep_spell_text_get_menu              (EpSpellText       *self);
GMenuModel *ep_spell_text_prepare_entry_menu    (EpSpellText       *self);

G_END_DECLS
