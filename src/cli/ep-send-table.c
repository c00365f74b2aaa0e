/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-send-table.c: epistle-send's tab-separated listings. */
#include "config.h"

#include "ep-send-table.h"

void
ep_send_append_field (GString    *line,
                      const char *text)
{
  if (line->len > 0)
    g_string_append_c (line, '\t');
  if (text == NULL || *text == '\0')
    {
      g_string_append_c (line, '-');
      return;
    }
  for (const char *p = text; *p != '\0'; p++)
    g_string_append_c (line, (guchar) *p < 0x20 || *p == 0x7f ? ' ' : *p);
}
