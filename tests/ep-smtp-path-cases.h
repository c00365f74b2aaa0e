/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-smtp-path-cases.h: mailboxes that RFC 5321 §4.1.2 (with RFC 6531's UTF-8) takes and does
 * not take, for test-smtp-path (the grammar itself) and test-sandbox-server (the client's
 * envelope and the Sandbox's MAIL and RCPT agreeing on each). Each is sent as it is written:
 * ASCII domains only (the client writes U-labels as A-labels). */
#pragma once

#include <glib.h>

#include "ep-smtp-limits.h"

typedef struct {
  const char *mailbox;
  gboolean    valid;
  const char *why;
} EpSmtpPathCase;

static const EpSmtpPathCase ep_smtp_path_cases[] = {
  { "alice@example.com", TRUE, "plain" },
  { "Alice.Smith@Example.COM", TRUE, "dots and capitals" },
  { "a@b", TRUE, "one-letter labels" },
  { "user@localhost", TRUE, "a single label" },
  { "user@123.example", TRUE, "a label of digits" },
  { "user@sub-domain.example-host.org", TRUE, "inner hyphens" },
  { "user@xn--bcher-kva.example", TRUE, "an A-label" },
  { "x!#$%&'*+-/=?^_`{|}~@example.com", TRUE, "every atext special" },
  { "\"john doe\"@example.com", TRUE, "a quoted local part with a space" },
  { "\"a@b\"@example.com", TRUE, "an @ in quotes" },
  { "\"a>b\"@example.com", TRUE, "a > in quotes" },
  { "\"a\\\"b\"@example.com", TRUE, "a quoted quote" },
  { "\"a\\\\b\"@example.com", TRUE, "a quoted backslash" },
  { "\"a(b),c\"@example.com", TRUE, "specials in quotes" },
  { "\"\"@example.com", TRUE, "an empty quoted string" },
  { "user@[192.0.2.1]", TRUE, "an IPv4 literal" },
  { "user@[IPv6:2001:db8::1]", TRUE, "an IPv6 literal" },
  { "user@[ipv6:::1]", TRUE, "the IPv6 tag in any case" },
  { "jörg@example.com", TRUE, "UTF-8 in the local part" },
  { "\"jö rg\"@example.com", TRUE, "UTF-8 in quotes" },

  { "alice", FALSE, "no @ and not Postmaster" },
  { "@example.com", FALSE, "no local part" },
  { "alice@", FALSE, "no domain" },
  { "alice@@example.com", FALSE, "two @" },
  { "al ice@example.com", FALSE, "a space outside quotes" },
  { "alice.@example.com", FALSE, "a dot last in the local part" },
  { ".alice@example.com", FALSE, "a dot first" },
  { "al..ice@example.com", FALSE, "two dots" },
  { "al(ice)@example.com", FALSE, "specials outside quotes" },
  { "al,ice@example.com", FALSE, "a comma" },
  { "al\"ice@example.com", FALSE, "a stray quote" },
  { "\"unclosed@example.com", FALSE, "an unclosed quote" },
  { "\"a\"b@example.com", FALSE, "text after the quoted string" },
  { "\"a\\é\"@example.com", FALSE, "a quoted pair of UTF-8" },
  { "\"tab\there\"@example.com", FALSE, "a tab in quotes" },
  { "\"bell\a\"@example.com", FALSE, "a control character in quotes" },
  { "ali\x7f" "ce@example.com", FALSE, "DEL" },
  { "<alice@example.com>", FALSE, "brackets" },
  { "alice@example.com>", FALSE, "a closing bracket" },
  { "alice@example..com", FALSE, "an empty label" },
  { "alice@.example.com", FALSE, "a dot first in the domain" },
  { "alice@example.com.", FALSE, "a dot last in the domain" },
  { "alice@-example.com", FALSE, "a hyphen first in a label" },
  { "alice@example-.com", FALSE, "a hyphen last in a label" },
  { "alice@exa_mple.com", FALSE, "an underscore in the domain" },
  { "alice@exa mple.com", FALSE, "a space in the domain" },
  { "alice@[192.0.2.256]", FALSE, "no IPv4 address" },
  { "alice@[192.0.2]", FALSE, "three octets" },
  { "alice@[2001:db8::1]", FALSE, "IPv6 without its tag" },
  { "alice@[IPv6:192.0.2.1]", FALSE, "IPv4 with the IPv6 tag" },
  { "alice@[IPv6:fe80::1%eth0]", FALSE, "a zone" },
  { "alice@[x-tag:content]", FALSE, "a general address literal" },
  { "alice@[]", FALSE, "an empty literal" },
  { "alice@[192.0.2.1", FALSE, "an unclosed literal" },
};

/* Cases at the size limits (ep-smtp-limits.h), made at run time: each string is "+" (valid) or
 * "-" (not) followed by the mailbox. */
static inline GPtrArray *
ep_smtp_path_limit_cases (void)
{
  GPtrArray *cases = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *local_max = g_strnfill (EP_SMTP_LOCAL_PART_MAX, 'l');
  g_autofree char *local_over = g_strnfill (EP_SMTP_LOCAL_PART_MAX + 1, 'l');
  g_autofree char *label_max = g_strnfill (EP_DNS_LABEL_MAX, 'd');
  g_autofree char *label_over = g_strnfill (EP_DNS_LABEL_MAX + 1, 'd');
  /* 64 + "@" + 63 + "." + 63 + "." + 61 = 254 octets: the longest mailbox a path can hold. */
  g_autofree char *label_61 = g_strnfill (61, 'e');
  g_autofree char *label_62 = g_strnfill (62, 'e');

  g_ptr_array_add (cases, g_strconcat ("+", local_max, "@example.com", NULL));
  g_ptr_array_add (cases, g_strconcat ("-", local_over, "@example.com", NULL));
  g_ptr_array_add (cases, g_strconcat ("+a@", label_max, ".example", NULL));
  g_ptr_array_add (cases, g_strconcat ("-a@", label_over, ".example", NULL));
  g_ptr_array_add (cases, g_strconcat ("+", local_max, "@", label_max, ".", label_max, ".", label_61, NULL));
  g_ptr_array_add (cases, g_strconcat ("-", local_max, "@", label_max, ".", label_max, ".", label_62, NULL));
  return cases;
}
