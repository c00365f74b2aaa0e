/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-store-error.c: the storage layer's error domain. */
#include "config.h"

#include <errno.h>

#include "ep-store-error.h"

G_DEFINE_QUARK (ep-store-error-quark, ep_store_error)

/* Only the causes a user can act on get their own code; the rest is "I/O". */
EpStoreError
ep_store_error_from_errno (int saved_errno)
{
  switch (saved_errno)
    {
    case ENOSPC:
#ifdef EDQUOT
    case EDQUOT:
#endif
      return EP_STORE_ERROR_NO_SPACE;
    case EACCES:
    case EPERM:
    case EROFS:
      return EP_STORE_ERROR_PERMISSION_DENIED;
    case ENOENT:
      return EP_STORE_ERROR_NOT_FOUND;
    default:
      return EP_STORE_ERROR_IO;
    }
}
