/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-spell-checker-private.h: what only the tests need of the spell checker. */
#pragma once

#include "ep-spell-checker.h"

G_BEGIN_DECLS

/* Checkers made after this call see only these of the installed dictionaries (an empty list:
 * none, as on a system without any); %NULL: all of them again. */
void ep_spell_checker_set_test_languages (const char * const *languages);

G_END_DECLS
