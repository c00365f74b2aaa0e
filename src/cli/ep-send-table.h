/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-send-table.h: epistle-send's tab-separated listings (--outbox, --list-profiles), one line a
 * row, one field a column. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Appends one field to @line (a tab before all but the first): "-" when empty; tabs, line
 * breaks and other controls become spaces, so that a field never breaks its row. */
void ep_send_append_field (GString    *line,
                           const char *text);

G_END_DECLS
