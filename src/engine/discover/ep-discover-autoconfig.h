/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-discover-autoconfig.h: the outgoing servers of an autoconfig file (Thunderbird's
 * clientConfig 1.1 format, as served by providers and the ISPDB), parsed without any network
 * access. */
#pragma once

#include <glib.h>

#include "ep-discover-candidate.h"

G_BEGIN_DECLS

/* What the parser takes: a real file is a few KiB; anything larger is refused unread. */
#define EP_AUTOCONFIG_MAX_SIZE     (256 * 1024)
/* Elements deeper than this (the format needs four) end the parse: nesting attacks. */
#define EP_AUTOCONFIG_MAX_DEPTH    16
/* Outgoing servers kept from one file; the rest are ignored. */
#define EP_AUTOCONFIG_MAX_SERVERS  16
/* Longest text of one element read (a host name is at most 253 octets, RFC 1035 §2.3.4). */
#define EP_AUTOCONFIG_MAX_TEXT     1024

/**
 * ep_autoconfig_parse:
 * @data: the file (need not be NUL-terminated)
 * @length: its size in octets
 * @address: the e-mail address whose %EMAILADDRESS%, %EMAILLOCALPART% and %EMAILDOMAIN% the
 *   file's values get
 * @out_display_name: (out) (optional) (nullable): the provider's display name
 * @error: EP_DISCOVER_ERROR_TOO_LARGE, _PARSE (not well-formed, an entity it does not know,
 *   too deep) or _NOT_FOUND (well-formed, but no usable outgoing SMTP server)
 *
 * Only `outgoingServer type="smtp"` inside `emailProvider` counts; unknown elements are ignored.
 * A server is kept only with a valid host name, a port and a socketType of "SSL" (implicit TLS)
 * or "STARTTLS": "plain" and any value the parser does not know are dropped, never taken as
 * "no security". The candidates' provenance is left for the caller to set.
 *
 * Returns: (transfer full) (element-type EpDiscoverCandidate): the servers in the file's order
 */
GPtrArray *ep_autoconfig_parse (const char  *data,
                                gsize        length,
                                const char  *address,
                                char       **out_display_name,
                                GError     **error);

/* Whether @host is a host name discovery may use: an IP literal or a DNS name of letters,
 * digits and hyphens (after IDNA), at most 253 octets. */
gboolean   ep_autoconfig_host_is_valid (const char *host);

G_END_DECLS
