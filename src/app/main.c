/* SPDX-License-Identifier: GPL-3.0-or-later */
/* main.c: entry point of the Epistle application. */
#include "config.h"

#include <locale.h>
#include <glib/gi18n.h>

#include "ep-application.h"
#include "ep-bench-probes.h"

int
main (int   argc,
      char *argv[])
{
  g_autoptr(EpApplication) app = NULL;
  const char *localedir = g_getenv ("EPISTLE_LOCALEDIR");

  setlocale (LC_ALL, "");
  /* EPISTLE_LOCALEDIR is a development and test hook: an uninstalled build finds the catalogs
   * in its own tree (BUILDDIR/po). Installed builds leave it unset and use LOCALEDIR. */
  bindtextdomain (GETTEXT_PACKAGE, localedir != NULL && *localedir != '\0' ? localedir : LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  app = ep_application_new ();
  ep_bench_probes_install (G_APPLICATION (app));
  return g_application_run (G_APPLICATION (app), argc, argv);
}
