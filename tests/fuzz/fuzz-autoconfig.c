/* SPDX-License-Identifier: GPL-3.0-or-later */
/* fuzz-autoconfig.c: the autoconfig parser of settings discovery, which reads files any web
 * server (or, over plain HTTP, anyone on the path) can write.
 *
 * The input is the file. Oracles: a failure is one of discovery's errors, in UTF-8; every
 * server kept has a valid host name, a port, and implicit TLS or STARTTLS (never no
 * security); its user name and the provider's name hold no control characters, all UTF-8. */
#include "config.h"

#include "ep-discover-autoconfig.h"
#include "ep-discover-error.h"
#include "ep-fuzz.h"
#include "ep-text.h"

int
LLVMFuzzerInitialize (int    *argc,
                      char ***argv)
{
  ep_fuzz_init ();
  return 0;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(GPtrArray) list = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *display_name = NULL;

  list = ep_autoconfig_parse ((const char *) data, size, "jo.doe@example.org", &display_name, &error);
  if (list == NULL)
    {
      EP_FUZZ_CHECK (error != NULL);
      EP_FUZZ_CHECK (error->domain == EP_DISCOVER_ERROR);
      EP_FUZZ_CHECK (g_utf8_validate (error->message, -1, NULL));
      EP_FUZZ_CHECK (display_name == NULL);
      return 0;
    }
  EP_FUZZ_CHECK (error == NULL);
  EP_FUZZ_CHECK (list->len > 0 && list->len <= EP_AUTOCONFIG_MAX_SERVERS);

  for (guint i = 0; i < list->len; i++)
    {
      EpDiscoverCandidate *c = list->pdata[i];

      EP_FUZZ_CHECK (ep_autoconfig_host_is_valid (c->host));
      EP_FUZZ_CHECK (c->port != 0);
      EP_FUZZ_CHECK_MSG (c->security == EP_SMTP_SECURITY_TLS || c->security == EP_SMTP_SECURITY_STARTTLS,
                         "security %d proposed", c->security);
      EP_FUZZ_CHECK (c->username != NULL && *c->username != '\0');
      EP_FUZZ_CHECK (!ep_text_has_control (c->username, -1));
      EP_FUZZ_CHECK (g_utf8_validate (c->username, -1, NULL));
      EP_FUZZ_CHECK (c->mechanisms != NULL && c->mechanisms[0] == NULL);
      if (c->display_name != NULL)
        {
          EP_FUZZ_CHECK (g_utf8_validate (c->display_name, -1, NULL));
          EP_FUZZ_CHECK (ep_text_find_control (c->display_name, EP_TEXT_ALLOW_NONE) == NULL);
        }
    }
  return 0;
}
