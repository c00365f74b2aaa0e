/* SPDX-License-Identifier: GPL-3.0-or-later */
/* fuzz-smtp-capabilities.c: the EHLO keyword parser on whatever a server announces.
 *
 * The input is a reply as sent; when it does not parse as one, its lines are wrapped as a
 * 250 reply, so that every input reaches the capability parser through the real reply parser.
 * Oracles: flags, the AUTH list and SIZE agree with each other, mechanism names are unique,
 * upper case and without spaces, and a copy is equal. */
#include "config.h"

#include <string.h>

#include "ep-fuzz.h"
#include "ep-smtp-capabilities.h"

int
LLVMFuzzerInitialize (int    *argc,
                      char ***argv)
{
  ep_fuzz_init ();
  return 0;
}

static EpSmtpReply *
wrap_as_ehlo_reply (const uint8_t *data,
                    size_t         size)
{
  g_autofree char *text = ep_fuzz_to_string (data, size);
  g_auto(GStrv) lines = g_strsplit (text, "\n", -1);
  g_autoptr(GString) wire = g_string_new (NULL);
  guint n = g_strv_length (lines);

  for (guint i = 0; i < n; i++)
    g_string_append_printf (wire, "250%c%s\n", i + 1 < n ? '-' : ' ', lines[i]);
  return ep_smtp_reply_parse (wire->str, wire->len, NULL);
}

static const EpSmtpAuthMechanism mechanisms[] = {
  EP_SMTP_AUTH_AUTO, EP_SMTP_AUTH_NONE, EP_SMTP_AUTH_PLAIN, EP_SMTP_AUTH_LOGIN,
  EP_SMTP_AUTH_CRAM_MD5, EP_SMTP_AUTH_SCRAM_SHA_1, EP_SMTP_AUTH_SCRAM_SHA_256,
  EP_SMTP_AUTH_XOAUTH2, EP_SMTP_AUTH_OAUTHBEARER,
};

static void
check_capabilities (const EpSmtpCapabilities *caps,
                    const EpSmtpReply        *reply)
{
  g_autoptr(EpSmtpCapabilities) copy = ep_smtp_capabilities_copy (caps);
  g_autofree char *shown = ep_smtp_capabilities_to_string (caps);
  const EpSmtpCapFlags known = EP_SMTP_CAP_STARTTLS | EP_SMTP_CAP_AUTH | EP_SMTP_CAP_SIZE |
                               EP_SMTP_CAP_PIPELINING | EP_SMTP_CAP_CHUNKING |
                               EP_SMTP_CAP_8BITMIME | EP_SMTP_CAP_SMTPUTF8 |
                               EP_SMTP_CAP_ENHANCEDSTATUSCODES | EP_SMTP_CAP_DSN;
  guint n_mechs;

  EP_FUZZ_CHECK (caps->esmtp);
  EP_FUZZ_CHECK ((caps->flags & ~known) == 0);
  EP_FUZZ_CHECK (caps->auth_mechs != NULL);
  EP_FUZZ_CHECK (caps->domain != NULL);
  EP_FUZZ_CHECK (strchr (caps->domain, ' ') == NULL);
  EP_FUZZ_CHECK (g_str_has_prefix (reply->lines[0], caps->domain));
  if (caps->size_max > 0)
    EP_FUZZ_CHECK (ep_smtp_capabilities_has (caps, EP_SMTP_CAP_SIZE));

  n_mechs = g_strv_length (caps->auth_mechs);
  if (n_mechs > 0)
    EP_FUZZ_CHECK (ep_smtp_capabilities_has (caps, EP_SMTP_CAP_AUTH));
  for (guint i = 0; i < n_mechs; i++)
    {
      const char *mech = caps->auth_mechs[i];
      g_autofree char *upper = g_ascii_strup (mech, -1);

      EP_FUZZ_CHECK (*mech != '\0');
      EP_FUZZ_CHECK (strchr (mech, ' ') == NULL);
      EP_FUZZ_CHECK (g_str_equal (mech, upper));
      for (guint j = 0; j < i; j++)
        EP_FUZZ_CHECK (!g_str_equal (mech, caps->auth_mechs[j]));
    }

  for (gsize i = 0; i < G_N_ELEMENTS (mechanisms); i++)
    {
      EpSmtpAuthMechanism m = mechanisms[i];
      gboolean offered = ep_smtp_capabilities_has_auth (caps, m);
      gboolean listed = m != EP_SMTP_AUTH_AUTO && m != EP_SMTP_AUTH_NONE &&
                        g_strv_contains ((const char * const *) caps->auth_mechs,
                                         ep_smtp_auth_mechanism_to_string (m));

      EP_FUZZ_CHECK (offered == listed);
    }

  EP_FUZZ_CHECK (g_utf8_validate (shown, -1, NULL));
  EP_FUZZ_CHECK (copy->flags == caps->flags);
  EP_FUZZ_CHECK (copy->size_max == caps->size_max);
  EP_FUZZ_CHECK (copy->esmtp == caps->esmtp);
  EP_FUZZ_CHECK (g_strcmp0 (copy->domain, caps->domain) == 0);
  EP_FUZZ_CHECK (g_strv_equal ((const char * const *) copy->auth_mechs,
                               (const char * const *) caps->auth_mechs));
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(EpSmtpReply) reply = NULL;
  g_autoptr(EpSmtpCapabilities) caps = NULL;

  reply = ep_smtp_reply_parse ((const char *) data, (gssize) size, NULL);
  if (reply == NULL)
    reply = wrap_as_ehlo_reply (data, size);
  if (reply == NULL)
    return 0;   /* beyond the reply parser's limits: never reaches the capability parser */

  caps = ep_smtp_capabilities_new_from_ehlo (reply);
  EP_FUZZ_CHECK (caps != NULL);
  check_capabilities (caps, reply);
  return 0;
}
