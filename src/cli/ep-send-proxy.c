/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-send-proxy.c: epistle-send's proxy, from the environment as curl takes it.
 *
 * A command-line sender follows its environment, not the desktop's settings: all_proxy (or
 * ALL_PROXY) names the proxy (socks5://, socks4://, http:// for CONNECT), no_proxy (or NO_PROXY)
 * the hosts reached directly, comma-separated. Without all_proxy every connection is direct.
 * Deciding here also spares each run GIO's own proxy module (libproxy and the C++ runtime under
 * it, some 2 MiB of a send's memory). */
#include "config.h"

#include "ep-send-proxy.h"

static const char *
first_set (const char *lower,
           const char *upper)
{
  const char *value = g_getenv (lower);

  if (value == NULL || *value == '\0')
    value = g_getenv (upper);
  return value != NULL && *value != '\0' ? value : NULL;
}

/**
 * ep_send_proxy_resolver_new_from_environment:
 *
 * Returns: (transfer full): the resolver for every connection epistle-send makes
 */
GProxyResolver *
ep_send_proxy_resolver_new_from_environment (void)
{
  const char *proxy = first_set ("all_proxy", "ALL_PROXY");
  const char *no_proxy = first_set ("no_proxy", "NO_PROXY");
  g_auto(GStrv) ignore = NULL;

  if (no_proxy != NULL)
    {
      ignore = g_strsplit (no_proxy, ",", -1);
      for (guint i = 0; ignore[i] != NULL; i++)
        g_strstrip (ignore[i]);
    }
  return g_simple_proxy_resolver_new (proxy, ignore);
}
