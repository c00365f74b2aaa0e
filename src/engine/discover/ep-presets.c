/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-presets.c: the table of well-known submission servers and the address-domain lookup. */
#include "config.h"

#include <string.h>
#include <glib/gi18n-lib.h>

#include "ep-presets.h"

/* Ports follow each provider's published settings: 465 is implicit TLS (RFC 8314 §3.3),
 * 587 and 2525 are submission with STARTTLS (RFC 6409 §3.1, RFC 3207); IMAP over implicit TLS
 * on 993 (RFC 8314 §7.3). Proton Mail Bridge and Mailtrap have no copy to make: the first
 * files sent mail itself, the second catches it. */
static const EpPreset presets[] = {
  { "mailtrap", N_("Mailtrap Sandbox"), "sandbox.smtp.mailtrap.io", 2525, "starttls",
    N_("Use the user name and password shown in your Mailtrap inbox’s SMTP settings. "
       "Messages are caught by Mailtrap and never delivered."),
    NULL, NULL },
  { "gmail", N_("Gmail"), "smtp.gmail.com", 465, "tls",
    N_("Sign in with Google below, or use an app password (Google Account → Security → "
       "App passwords), never your usual password."),
    "gmail.com;googlemail.com",
    "google", "imap.gmail.com", 993, N_("Gmail files sent mail in its Sent folder itself.") },
  { "outlook", N_("Outlook.com"), "smtp-mail.outlook.com", 587, "starttls",
    N_("Outlook.com no longer takes passwords from mail apps: sign in with Microsoft below."),
    "outlook.com;hotmail.com;live.com",
    "microsoft-consumers",
    "outlook.office365.com", 993, N_("Outlook.com files sent mail in its Sent folder itself.") },
  { "office365", N_("Microsoft 365"), "smtp.office365.com", 587, "starttls",
    N_("Sign in with Microsoft below. Your organisation must allow authenticated SMTP for your "
       "mailbox."),
    NULL,
    "microsoft-organizations",
    "outlook.office365.com", 993, N_("Microsoft 365 files sent mail in its Sent folder itself.") },
  { "fastmail", N_("Fastmail"), "smtp.fastmail.com", 465, "tls",
    N_("Sign in with Fastmail below, or use an app password (Settings → Privacy & Security → "
       "App passwords)."),
    "fastmail.com;fastmail.fm",
    "fastmail", "imap.fastmail.com", 993, NULL },
  { "icloud", N_("iCloud Mail"), "smtp.mail.me.com", 587, "starttls",
    N_("iCloud needs an app-specific password (appleid.apple.com → Sign-In and Security)."),
    "icloud.com;me.com;mac.com",
    NULL, "imap.mail.me.com", 993, NULL },
  { "yahoo", N_("Yahoo Mail"), "smtp.mail.yahoo.com", 465, "tls",
    N_("Sign in with Yahoo below, or use an app password (Account Security → Generate app "
       "password)."),
    "yahoo.com",
    "yahoo", "imap.mail.yahoo.com", 993, NULL },
  { "gmx", N_("GMX"), "mail.gmx.net", 587, "starttls",
    NULL,
    "gmx.net;gmx.de;gmx.com",
    NULL, "imap.gmx.net", 993, NULL },
  { "proton", N_("Proton Mail Bridge"), "127.0.0.1", 1025, "starttls",
    N_("Proton Mail Bridge must be running on this computer. Use the user name and password "
       "that Bridge shows, not your Proton password. Bridge has its own certificate: review "
       "and trust it when the connection test asks."),
    "proton.me;protonmail.com;pm.me", NULL },
};

/* Returns: (transfer none): every preset, in menu order */
const EpPreset *
ep_presets_get_all (guint *n_presets)
{
  if (n_presets != NULL)
    *n_presets = G_N_ELEMENTS (presets);
  return presets;
}

/* Returns: (transfer none) (nullable): the preset called @id */
const EpPreset *
ep_presets_lookup (const char *id)
{
  for (guint i = 0; id != NULL && i < G_N_ELEMENTS (presets); i++)
    if (g_str_equal (presets[i].id, id))
      return &presets[i];
  return NULL;
}

/* Whether @domain (compared without regard to ASCII case) is one this preset serves. */
gboolean
ep_presets_matches_domain (const EpPreset *preset,
                           const char     *domain)
{
  g_auto(GStrv) domains = NULL;

  g_return_val_if_fail (preset != NULL, FALSE);

  if (preset->domains == NULL || domain == NULL || *domain == '\0')
    return FALSE;
  domains = g_strsplit (preset->domains, ";", -1);
  for (guint i = 0; domains[i] != NULL; i++)
    if (g_ascii_strcasecmp (domains[i], domain) == 0)
      return TRUE;
  return FALSE;
}

/**
 * ep_presets_for_address:
 * @address: what the user typed as the sender address, possibly incomplete
 *
 * Returns: (transfer none) (nullable): the preset serving the address's domain (the part
 *   after the last '@', surrounding blanks and a trailing '>' ignored)
 */
const EpPreset *
ep_presets_for_address (const char *address)
{
  g_autofree char *domain = NULL;
  const char *at;
  gsize len;

  if (address == NULL || (at = strrchr (address, '@')) == NULL)
    return NULL;
  domain = g_strstrip (g_strdup (at + 1));
  len = strlen (domain);
  if (len > 0 && domain[len - 1] == '>')
    domain[len - 1] = '\0';

  for (guint i = 0; i < G_N_ELEMENTS (presets); i++)
    if (ep_presets_matches_domain (&presets[i], domain))
      return &presets[i];
  return NULL;
}
