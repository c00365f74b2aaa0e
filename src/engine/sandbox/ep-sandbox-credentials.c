/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-sandbox-credentials.c: the Sandbox's user name and generated password (keyring or memory). */
#include "config.h"

#include "ep-sandbox-credentials.h"

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>

#include "ep-io-deadline.h"
#include "ep-profile.h"
#include "ep-secrets.h"
#include "ep-store-error.h"

/* 144 random bits: 24 characters of URL-safe base64, easy to paste into swaks or curl. */
#define PASSWORD_RANDOM_OCTETS 18

/* What the keyring shows for the Sandbox's item (the profiles' items are "Epistle: <name>"). */
#define KEYRING_LABEL "Epistle Sandbox"

static GMutex credentials_mutex;
static char *cached_password;
static EpSandboxSecretStorage cached_storage = EP_SANDBOX_SECRET_STORAGE_UNKNOWN;

/* The Sandbox's password is an ordinary profile password (store/ep-secrets.h) for the
 * profile id "sandbox". ep-secrets bounds its bus probe, not libsecret's own calls, which
 * wait as long as D-Bus lets them (activation, an unlock prompt): one deadline over the
 * whole lookup and store keeps a silent Secret Service from stalling a send. */
static char *
fetch_or_create (GCancellable           *cancellable,
                 EpSandboxSecretStorage *out_storage)
{
  g_autoptr(EpIoDeadline) deadline = NULL;
  g_autoptr(GError) error = NULL;
  GCancellable *bounded;
  char *password;

  *out_storage = EP_SANDBOX_SECRET_STORAGE_MEMORY;
  deadline = ep_io_deadline_new (g_get_monotonic_time () +
                                 (gint64) EP_SANDBOX_KEYRING_TIMEOUT_MS * 1000, cancellable);
  bounded = ep_io_deadline_get_cancellable (deadline);

  password = ep_secrets_lookup_sync (EP_PROFILE_SANDBOX_ID, bounded, &error);
  if (password != NULL)
    {
      *out_storage = EP_SANDBOX_SECRET_STORAGE_KEYRING;
      return password;
    }

  password = ep_sandbox_credentials_generate_password ();
  if (g_error_matches (error, EP_STORE_ERROR, EP_STORE_ERROR_NOT_FOUND))
    {
      g_clear_error (&error);
      if (ep_secrets_store_sync (EP_PROFILE_SANDBOX_ID, KEYRING_LABEL, password, bounded, &error))
        {
          *out_storage = EP_SANDBOX_SECRET_STORAGE_KEYRING;
          return password;
        }
    }
  ep_io_deadline_check (deadline, &error);
  g_debug ("keyring unusable (%s): the Sandbox password lives in memory", error->message);
  return password;
}

/**
 * ep_sandbox_credentials_get_username:
 *
 * Returns: the fixed user name of the Sandbox server, "sandbox".
 */
const char *
ep_sandbox_credentials_get_username (void)
{
  return EP_SANDBOX_USERNAME;
}

/**
 * ep_sandbox_credentials_generate_password:
 *
 * Returns: a new random password (24 letters and digits, over 140 bits).
 */
char *
ep_sandbox_credentials_generate_password (void)
{
  guint8 random[PASSWORD_RANDOM_OCTETS];
  char *password;

  /* Only fails when the library is in an error state; GLib's generator is no secret source. */
  if (gnutls_rnd (GNUTLS_RND_KEY, random, sizeof random) < 0)
    g_error ("gnutls_rnd failed: no random numbers for the Sandbox password");
  password = g_base64_encode (random, sizeof random);
  gnutls_memset (random, 0, sizeof random);
  /* Letters and digits only: a leading '-' made command-line clients (swaks) read the password
   * as an option. Folding two of 64 symbols costs under 3 of the 144 bits. */
  g_strdelimit (password, "+", 'x');
  g_strdelimit (password, "/", 'y');
  return password;
}

/**
 * ep_sandbox_credentials_dup_password:
 * @cancellable: (nullable): cancels a slow keyring lookup
 *
 * The Sandbox password: looked up in the Secret Service (profile "sandbox"), made and
 * stored there at first use; without a usable Secret Service (none on the bus, locked, no
 * answer within %EP_SANDBOX_KEYRING_TIMEOUT_MS) it is made once and kept in memory for the
 * life of the process. Either way every caller in this process gets the same password, so
 * the in-process server and client agree. May block: call it from a worker thread.
 *
 * Returns: (transfer full): the password.
 */
char *
ep_sandbox_credentials_dup_password (GCancellable *cancellable)
{
  char *password;

  g_mutex_lock (&credentials_mutex);
  if (cached_password == NULL)
    cached_password = fetch_or_create (cancellable, &cached_storage);
  password = g_strdup (cached_password);
  g_mutex_unlock (&credentials_mutex);
  return password;
}

/**
 * ep_sandbox_credentials_get_storage:
 *
 * Returns: where the password obtained by ep_sandbox_credentials_dup_password() is kept.
 */
EpSandboxSecretStorage
ep_sandbox_credentials_get_storage (void)
{
  EpSandboxSecretStorage storage;

  g_mutex_lock (&credentials_mutex);
  storage = cached_storage;
  g_mutex_unlock (&credentials_mutex);
  return storage;
}
