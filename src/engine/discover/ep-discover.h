/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-discover.h: submission settings from an e-mail address alone. The sources (presets, the
 * provider's autoconfig, the ISPDB, MX, SRV, probing) are asked concurrently within a bounded
 * time; the answer is a ranked list of candidates, each with where it came from. */
#pragma once

#include <gio/gio.h>

#include "ep-discover-candidate.h"
#include "ep-discover-error.h"

G_BEGIN_DECLS

/* The whole discovery, all sources together, unless ep_discover_set_timeout() says otherwise. */
#define EP_DISCOVER_DEFAULT_TIMEOUT_MS 10000
/* The Mozilla ISPDB: BASE + DOMAIN. */
#define EP_DISCOVER_DEFAULT_ISPDB_URL  "https://autoconfig.thunderbird.net/v1.1/"

/**
 * EpDiscoverResult:
 * @address: the address looked up, as given (surrounding blanks removed)
 * @domain: its domain, lower-case, as an A-label
 * @candidates: (element-type EpDiscoverCandidate): best first: by source priority, then in the
 *   order the source gave; empty when nothing was found
 * @attempts: (element-type EpDiscoverAttempt): every question asked, in the order reported
 *   (a probe reports its servers together, when it ends; sources that were not asked or were
 *   stopped included): the transcript
 * @temporary: nothing was found and some source failed in a way that trying again later may
 *   cure (a timeout, a network or server error)
 * @elapsed_ms: from the start to the result
 *
 * A reference-counted boxed struct.
 */
typedef struct {
  char      *address;
  char      *domain;
  GPtrArray *candidates;
  GPtrArray *attempts;
  gboolean   temporary;
  guint      elapsed_ms;
} EpDiscoverResult;

#define EP_TYPE_DISCOVER_RESULT (ep_discover_result_get_type ())
GType                ep_discover_result_get_type  (void) G_GNUC_CONST;
EpDiscoverResult    *ep_discover_result_ref       (EpDiscoverResult *self);
void                 ep_discover_result_unref     (EpDiscoverResult *self);
/* Returns: (transfer none) (nullable): the first candidate, or NULL when none was found */
EpDiscoverCandidate *ep_discover_result_get_best  (EpDiscoverResult *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (EpDiscoverResult, ep_discover_result_unref)

#define EP_TYPE_DISCOVER (ep_discover_get_type ())
G_DECLARE_FINAL_TYPE (EpDiscover, ep_discover, EP, DISCOVER, GObject)

/* @address: what the person typed ("me@example.com"); checked when the run starts. */
EpDiscover       *ep_discover_new                 (const char          *address);

/* The bound on the whole run (default EP_DISCOVER_DEFAULT_TIMEOUT_MS): sources that have not
 * answered by then are stopped and reported as timed out; the result has what the others
 * found. */
void              ep_discover_set_timeout         (EpDiscover          *self,
                                                   guint                timeout_ms);
/* The person agreed that the domain may be sent to the ISPDB (default: not asked). The presets
 * and the provider's own domain need no consent. */
void              ep_discover_set_ispdb_consent   (EpDiscover          *self,
                                                   gboolean             consent);
/* The ISPDB's base URL (default EP_DISCOVER_DEFAULT_ISPDB_URL); the domain is appended. */
void              ep_discover_set_ispdb_url       (EpDiscover          *self,
                                                   const char          *base_url);
/* Also try the provider's autoconfig over plain HTTP when HTTPS gave nothing (default off).
 * A server such a file names outside the address's domain must be confirmed. */
void              ep_discover_set_allow_plain_http (EpDiscover         *self,
                                                    gboolean            allow);
/* PEM trust anchors used besides the system's, with the same checks, for HTTPS and for the
 * probes' TLS (an absolute path; NULL: none). No certificate is ever accepted otherwise. */
void              ep_discover_set_cafile          (EpDiscover          *self,
                                                   const char          *cafile);
/* Whether to try the domain's likely servers when no other source answers (default TRUE). */
void              ep_discover_set_probe           (EpDiscover          *self,
                                                   gboolean             probe);

/* Once per object. "source-changed" (source, state) comes on the caller's thread-default main
 * context as each source starts and ends, before @callback. Cancelling @cancellable stops
 * every source; the run then ends with G_IO_ERROR_CANCELLED. */
void              ep_discover_run_async           (EpDiscover          *self,
                                                   GCancellable        *cancellable,
                                                   GAsyncReadyCallback  callback,
                                                   gpointer             user_data);
/* Returns: (transfer full): the result, also when nothing was found (no candidate; see
 * @temporary); NULL with EP_DISCOVER_ERROR_INVALID_ADDRESS or G_IO_ERROR_CANCELLED. */
EpDiscoverResult *ep_discover_run_finish          (EpDiscover          *self,
                                                   GAsyncResult        *result,
                                                   GError             **error);

const char       *ep_discover_get_address         (EpDiscover          *self);
/* Where @source stands now (WAITING before the run). */
EpDiscoverState   ep_discover_get_source_state    (EpDiscover          *self,
                                                   EpDiscoverSource     source);

/* Checks @address as discovery needs it: one '@', a non-empty local part without control
 * characters or blanks, a valid domain. @out_domain (nullable): the domain, lower-case
 * A-label. Error: EP_DISCOVER_ERROR_INVALID_ADDRESS. */
gboolean          ep_discover_check_address       (const char          *address,
                                                   char               **out_domain,
                                                   GError             **error);

G_END_DECLS
