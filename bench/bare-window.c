/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bare-window.c: the least a libadwaita app does to show a window (an AdwApplication with one
 * AdwApplicationWindow and a header bar), the yardstick bench/app measures Epistle's start
 * against. It installs the app's own probes (src/app/ep-bench-probes.c), so that both are timed
 * by the same code. */
#include "config.h"

#include <adwaita.h>

#include "ep-bench-probes.h"

#define BARE_WINDOW_TITLE "Bare Window"

static void
activate_cb (GtkApplication *app)
{
  GtkWidget *window = adw_application_window_new (app);
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);

  gtk_box_append (GTK_BOX (box), adw_header_bar_new ());
  adw_application_window_set_content (ADW_APPLICATION_WINDOW (window), box);
  gtk_window_set_title (GTK_WINDOW (window), BARE_WINDOW_TITLE);
  gtk_window_set_default_size (GTK_WINDOW (window), 640, 480);
  gtk_window_present (GTK_WINDOW (window));
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(AdwApplication) app = adw_application_new ("io.github.epistlemail.BenchBareWindow",
                                                       G_APPLICATION_DEFAULT_FLAGS);

  g_signal_connect (app, "activate", G_CALLBACK (activate_cb), NULL);
  ep_bench_probes_install (G_APPLICATION (app));
  return g_application_run (G_APPLICATION (app), argc, argv);
}
