/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-presets.h: well-known submission servers (host, port, security): offered when adding a
 * profile, and the first source of settings discovery (answered offline). */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Plain data: security is the profile keyfile's spelling ("tls", "starttls"); the app's menu
 * and discovery (ep-discover.h) read the same table. */
typedef struct {
  const char *id;        /* stable, for actions and tests: "gmail" */
  const char *name;      /* translatable (N_), in the menu and as the new profile's name */
  const char *host;
  guint16     port;
  const char *security;  /* "tls" or "starttls" */
  const char *note;      /* translatable (N_) or NULL: what the user must know (app passwords, ...) */
  const char *domains;   /* NULL or ';'-separated address domains served by this provider */
  const char *oauth_provider; /* NULL or the built-in sign-in provider's id (ep-oauth-provider.h):
                                 a profile made from the preset signs in with it */
  /* The copy in the Sent folder on the server: the provider's IMAP server (implicit TLS), NULL
   * when none is known; and, for providers that file what their SMTP server sends themselves,
   * why the copy is off by default (translatable, N_), NULL when it is on. */
  const char *imap_host;
  guint16     imap_port;
  const char *sent_copy_off;
} EpPreset;

const EpPreset *ep_presets_get_all         (guint      *n_presets);
const EpPreset *ep_presets_lookup          (const char *id);
const EpPreset *ep_presets_for_address     (const char *address);
gboolean        ep_presets_matches_domain  (const EpPreset *preset,
                                            const char     *domain);

G_END_DECLS
