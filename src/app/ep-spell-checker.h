/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-spell-checker.h: words checked against one installed dictionary at a time (enchant). */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

#define EP_TYPE_SPELL_CHECKER (ep_spell_checker_get_type ())
G_DECLARE_FINAL_TYPE (EpSpellChecker, ep_spell_checker, EP, SPELL_CHECKER, GObject)

EpSpellChecker  *ep_spell_checker_new                  (void);
gboolean         ep_spell_checker_is_available         (EpSpellChecker *self);
const char * const *ep_spell_checker_get_languages     (EpSpellChecker *self);
gboolean         ep_spell_checker_has_language         (EpSpellChecker *self,
                                                        const char     *language);
char            *ep_spell_checker_dup_default_language (EpSpellChecker *self);
const char      *ep_spell_checker_get_language         (EpSpellChecker *self);
gboolean         ep_spell_checker_set_language         (EpSpellChecker *self,
                                                        const char     *language);
gboolean         ep_spell_checker_check_word           (EpSpellChecker *self,
                                                        const char     *word,
                                                        gssize          length);
GStrv            ep_spell_checker_dup_suggestions      (EpSpellChecker *self,
                                                        const char     *word);
void             ep_spell_checker_add_word             (EpSpellChecker *self,
                                                        const char     *word);
void             ep_spell_checker_ignore_word          (EpSpellChecker *self,
                                                        const char     *word);
char            *ep_spell_checker_dup_language_name    (const char     *language);

G_END_DECLS
