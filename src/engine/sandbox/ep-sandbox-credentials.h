/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-sandbox-credentials.h: the Sandbox's user name and generated password (keyring or memory). */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define EP_SANDBOX_USERNAME "sandbox"

/* The password is the Sandbox profile's item in the Secret Service (store/ep-secrets.h, profile
 * id EP_PROFILE_SANDBOX_ID). A Secret Service that neither answers nor fails must not stall a
 * send for long: the lookup, and the store at first use, end within this time together. */
#define EP_SANDBOX_KEYRING_TIMEOUT_MS 5000

/**
 * EpSandboxSecretStorage:
 * @EP_SANDBOX_SECRET_STORAGE_UNKNOWN: not looked up yet
 * @EP_SANDBOX_SECRET_STORAGE_KEYRING: kept in the Secret Service
 * @EP_SANDBOX_SECRET_STORAGE_MEMORY: no usable Secret Service; kept for this process only
 */
typedef enum {
  EP_SANDBOX_SECRET_STORAGE_UNKNOWN,
  EP_SANDBOX_SECRET_STORAGE_KEYRING,
  EP_SANDBOX_SECRET_STORAGE_MEMORY,
} EpSandboxSecretStorage;

const char             *ep_sandbox_credentials_get_username (void);
char                   *ep_sandbox_credentials_dup_password (GCancellable *cancellable);
EpSandboxSecretStorage  ep_sandbox_credentials_get_storage  (void);
char                   *ep_sandbox_credentials_generate_password (void);

G_END_DECLS
