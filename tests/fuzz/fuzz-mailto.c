/* SPDX-License-Identifier: GPL-3.0-or-later */
/* fuzz-mailto.c: mailto: links (RFC 6068), which any web page can make.
 *
 * The input is the URI, "mailto:" prepended when missing so that the fuzzer spends its time past
 * the scheme. Oracles: recipients and the subject hold no control characters (they become
 * header fields), the body only line breaks and tabs, all of it UTF-8; recipients are non-empty
 * and split at commas; attachments are local files. Recipients then go through the address-list
 * parser, as the composer does. */
#include "config.h"

#include <string.h>

#include "ep-address.h"
#include "ep-fuzz.h"
#include "ep-mailto.h"

int
LLVMFuzzerInitialize (int    *argc,
                      char ***argv)
{
  ep_fuzz_init ();
  return 0;
}

static void
check_header_text (const char *text,
                   gboolean    multiline)
{
  EP_FUZZ_CHECK (g_utf8_validate (text, -1, NULL));
  for (const char *p = text; *p != '\0'; p++)
    {
      guchar c = (guchar) *p;

      if (multiline && (c == '\r' || c == '\n' || c == '\t'))
        continue;
      EP_FUZZ_CHECK_MSG (c >= 0x20 && c != 0x7f, "control character 0x%02x", c);
    }
}

static void
check_recipients (GPtrArray *list)
{
  for (guint i = 0; i < list->len; i++)
    {
      const char *recipient = list->pdata[i];
      g_autoptr(GPtrArray) addresses = NULL;

      check_header_text (recipient, FALSE);
      EP_FUZZ_CHECK (*recipient != '\0');
      EP_FUZZ_CHECK (strchr (recipient, ',') == NULL);
      EP_FUZZ_CHECK (!g_ascii_isspace (recipient[0]));
      addresses = ep_address_list_parse (recipient, "To", NULL);
    }
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autofree char *text = ep_fuzz_to_string (data, size);
  g_autofree char *uri = NULL;
  g_autoptr(EpMailto) mailto = NULL;
  g_autoptr(GError) error = NULL;

  uri = g_ascii_strncasecmp (text, "mailto:", 7) == 0 ? g_strdup (text) : g_strconcat ("mailto:", text, NULL);
  mailto = ep_mailto_parse (uri, &error);
  if (mailto == NULL)
    {
      EP_FUZZ_CHECK (error != NULL);
      EP_FUZZ_CHECK (g_utf8_validate (error->message, -1, NULL));
      return 0;
    }
  EP_FUZZ_CHECK (error == NULL);

  check_recipients (mailto->to);
  check_recipients (mailto->cc);
  check_recipients (mailto->bcc);
  if (mailto->subject != NULL)
    check_header_text (mailto->subject, FALSE);
  if (mailto->body != NULL)
    check_header_text (mailto->body, TRUE);
  for (guint i = 0; i < mailto->attachments->len; i++)
    {
      GFile *file = mailto->attachments->pdata[i];
      g_autofree char *path = g_file_get_path (file);

      EP_FUZZ_CHECK (g_file_is_native (file));
      EP_FUZZ_CHECK (path != NULL && g_path_is_absolute (path));
    }
  return 0;
}
