/* SPDX-License-Identifier: GPL-3.0-or-later */
/* epistle-send-discover.c: epistle-send as the tests build it, never installed: discovery's
 * names, MX and SRV records come from the file in $EPISTLE_TEST_DNS (ep-fake-resolver.h's
 * format), and $EPISTLE_TEST_PORTS ("HTTPS HTTP TLS STARTTLS"), $EPISTLE_TEST_ISPDB and
 * $EPISTLE_TEST_NAMESERVER (the port of a DNS server on 127.0.0.1 asked about DNSSEC) point it at
 * local servers. The installed epistle-send has none of this code. */
#include "config.h"

#include <stdlib.h>

#include "ep-discover-private.h"
#include "ep-fake-resolver.h"
#include "ep-send-cli.h"
#include "ep-send-configure.h"

static void
point_at_local_servers (EpDiscover *discover)
{
  const char *ports = g_getenv ("EPISTLE_TEST_PORTS");
  const char *ispdb = g_getenv ("EPISTLE_TEST_ISPDB");
  const char *nameserver = g_getenv ("EPISTLE_TEST_NAMESERVER");

  if (ports != NULL)
    {
      g_auto(GStrv) p = g_strsplit (ports, " ", 4);

      if (g_strv_length (p) != 4)
        g_error ("EPISTLE_TEST_PORTS: expected four ports");
      ep_discover_set_test_ports (discover, (guint16) atoi (p[0]), (guint16) atoi (p[1]),
                                  (guint16) atoi (p[2]), (guint16) atoi (p[3]));
    }
  if (ispdb != NULL)
    ep_discover_set_ispdb_url (discover, ispdb);
  if (nameserver != NULL)
    {
      g_autoptr(GSocketAddress) at = g_inet_socket_address_new_from_string ("127.0.0.1", (guint) atoi (nameserver));

      ep_discover_set_test_nameserver (discover, G_INET_SOCKET_ADDRESS (at));
    }
}

int
main (int   argc,
      char *argv[])
{
  const char *dns = g_getenv ("EPISTLE_TEST_DNS");
  g_autoptr(EpFakeResolver) resolver = ep_fake_resolver_new ();
  g_autoptr(GError) error = NULL;

  if (dns == NULL || !ep_fake_resolver_load_file (resolver, dns, &error))
    g_error ("EPISTLE_TEST_DNS: %s", error != NULL ? error->message : "not set");
  g_resolver_set_default (G_RESOLVER (resolver));
  ep_send_configure_set_hook (point_at_local_servers);
  return ep_send_cli_run (argc, argv);
}
