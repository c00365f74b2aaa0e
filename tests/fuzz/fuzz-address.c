/* SPDX-License-Identifier: GPL-3.0-or-later */
/* fuzz-address.c: the address-list parser on what people type, paste and mailto: links carry.
 *
 * Oracles: no parsed address holds a control character (header and envelope injection); each
 * address written as a header parses back to the same mailbox (envelope and display name); and
 * ep_address_new() accepts what the list parser produced. */
#include "config.h"

#include <string.h>

#include "ep-address.h"
#include "ep-fuzz.h"
#include "ep-mime-error.h"

int
LLVMFuzzerInitialize (int    *argc,
                      char ***argv)
{
  ep_fuzz_init ();
  return 0;
}

static gboolean
has_control (const char *text)
{
  for (const char *p = text; *p != '\0'; p++)
    if ((guchar) *p < 0x20 || *p == 0x7f)
      return TRUE;
  return FALSE;
}

static void
check_address (const EpAddress *address)
{
  const char *name = ep_address_get_name (address);
  const char *envelope = ep_address_get_envelope (address);
  const char *domain = ep_address_get_domain (address);
  g_autofree char *header = ep_address_to_header (address);
  g_autoptr(GPtrArray) again = NULL;
  g_autoptr(EpAddress) direct = NULL;
  g_autoptr(GError) error = NULL;
  const EpAddress *back;

  EP_FUZZ_CHECK (envelope != NULL && domain != NULL);
  EP_FUZZ_CHECK (!has_control (envelope) && g_utf8_validate (envelope, -1, NULL));
  EP_FUZZ_CHECK (strlen (envelope) <= EP_SMTP_MAILBOX_MAX);
  EP_FUZZ_CHECK (g_str_has_suffix (envelope, domain));
  EP_FUZZ_CHECK (name == NULL || (*name != '\0' && !has_control (name)));
  /* An ASCII local part means an ASCII envelope (the domain as A-labels). */
  if (!ep_address_needs_smtputf8 (address))
    for (const char *p = envelope; *p != '\0'; p++)
      EP_FUZZ_CHECK ((guchar) *p < 0x80);

  EP_FUZZ_CHECK (!has_control (header));
  again = ep_address_list_parse (header, "To", &error);
  EP_FUZZ_CHECK_MSG (again != NULL, "“%s” does not parse back: %s", header, error->message);
  EP_FUZZ_CHECK_MSG (again->len == 1, "“%s” parses back to %u addresses", header, again->len);
  back = again->pdata[0];
  EP_FUZZ_CHECK_MSG (g_str_equal (ep_address_get_envelope (back), envelope),
                     "“%s” parses back to <%s>, not <%s>", header,
                     ep_address_get_envelope (back), envelope);
  EP_FUZZ_CHECK_MSG (g_strcmp0 (ep_address_get_name (back), name) == 0,
                     "“%s” parses back to the name “%s”, not “%s”", header,
                     ep_address_get_name (back), name);

  direct = ep_address_new (name, ep_address_get_addr_spec (address), "To", &error);
  EP_FUZZ_CHECK_MSG (direct != NULL, "ep_address_new refuses what the list parser made: %s",
                     error->message);
  EP_FUZZ_CHECK (g_str_equal (ep_address_get_envelope (direct), envelope));
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autofree char *text = ep_fuzz_to_string (data, size);
  g_autoptr(GPtrArray) list = NULL;
  g_autoptr(GError) error = NULL;

  list = ep_address_list_parse (text, "To", &error);
  if (list == NULL)
    {
      EP_FUZZ_CHECK (error != NULL && error->domain == EP_MIME_ERROR);
      EP_FUZZ_CHECK (g_utf8_validate (error->message, -1, NULL));
      return 0;
    }
  EP_FUZZ_CHECK (error == NULL);
  for (guint i = 0; i < list->len; i++)
    check_address (list->pdata[i]);
  return 0;
}
