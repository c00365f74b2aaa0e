/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-engine.c: version information shared by the app, the CLI and the MIME writer. */
#include "config.h"

#include "ep-engine.h"

const char *
ep_engine_version (void)
{
  return PACKAGE_VERSION;
}

/* The value of the User-Agent header we write. */
const char *
ep_engine_user_agent (void)
{
  return "Epistle/" PACKAGE_VERSION;
}
