/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-store-error.h: the storage layer's error domain (profiles, secrets, drafts, Sent, outbox). */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define EP_STORE_ERROR (ep_store_error_quark ())

/**
 * EpStoreError:
 * @EP_STORE_ERROR_CORRUPT: a stored file could not be parsed; it was moved aside, never overwritten
 * @EP_STORE_ERROR_INVALID: a value is not acceptable (bad field, control characters, bad id)
 * @EP_STORE_ERROR_IO: reading or writing failed for another reason
 * @EP_STORE_ERROR_NO_SPACE: the disk (or quota) is full; the previous file is untouched
 * @EP_STORE_ERROR_PERMISSION_DENIED: the file or directory may not be read or written
 * @EP_STORE_ERROR_NOT_FOUND: no such profile, draft, Sent entry or stored password
 * @EP_STORE_ERROR_EXISTS: the name is already used by another profile
 * @EP_STORE_ERROR_PROTECTED: the built-in Sandbox profile cannot be removed
 * @EP_STORE_ERROR_NEWER_FORMAT: written by a newer Epistle; left alone
 * @EP_STORE_ERROR_NO_KEYRING: no Secret Service is running or activatable on the session bus
 * @EP_STORE_ERROR_KEYRING: the Secret Service answered with an error (locked, dismissed prompt, ...)
 * @EP_STORE_ERROR_BUSY: another process (or another claim in this one) holds the outbox entry
 * @EP_STORE_ERROR_WRONG_STATE: the outbox entry's state does not allow this (a state change that
 *   is not allowed, or a claim of an entry that is not due)
 */
typedef enum {
  EP_STORE_ERROR_CORRUPT,
  EP_STORE_ERROR_INVALID,
  EP_STORE_ERROR_IO,
  EP_STORE_ERROR_NO_SPACE,
  EP_STORE_ERROR_PERMISSION_DENIED,
  EP_STORE_ERROR_NOT_FOUND,
  EP_STORE_ERROR_EXISTS,
  EP_STORE_ERROR_PROTECTED,
  EP_STORE_ERROR_NEWER_FORMAT,
  EP_STORE_ERROR_NO_KEYRING,
  EP_STORE_ERROR_KEYRING,
  EP_STORE_ERROR_BUSY,
  EP_STORE_ERROR_WRONG_STATE,
} EpStoreError;

GQuark       ep_store_error_quark     (void);
EpStoreError ep_store_error_from_errno (int saved_errno);

G_END_DECLS
