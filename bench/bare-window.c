/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bare-window.c: the least a libadwaita app does to show a window (an AdwApplication with one
 * AdwApplicationWindow and a header bar), the yardstick bench/app measures Epistle's start
 * against. It honours the same first-frame hook as the app (EPISTLE_BENCH_FIRST_FRAME_FD: the
 * CLOCK_MONOTONIC time in microseconds of the first frame painted while the window is mapped),
 * so that both are timed the same way. */
#include <stdio.h>
#include <adwaita.h>
#include <glib/gstdio.h>

#define BARE_WINDOW_TITLE "Bare Window"

static void
after_paint_cb (GdkFrameClock *clock,
                GtkWidget     *window)
{
  int fd = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (window), "first-frame-fd"));

  if (!gtk_widget_get_mapped (window))
    return;
  dprintf (fd, "first_frame_us=%" G_GINT64_FORMAT "\n", g_get_monotonic_time ());
  g_close (fd, NULL);
  g_signal_handlers_disconnect_by_func (clock, after_paint_cb, window);
}

static void
realize_cb (GtkWidget *window)
{
  g_signal_connect_object (gtk_widget_get_frame_clock (window), "after-paint",
                           G_CALLBACK (after_paint_cb), window, 0);
}

static void
activate_cb (GtkApplication *app)
{
  const char *fd_env = g_getenv ("EPISTLE_BENCH_FIRST_FRAME_FD");
  GtkWidget *window = adw_application_window_new (app);
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);

  gtk_box_append (GTK_BOX (box), adw_header_bar_new ());
  adw_application_window_set_content (ADW_APPLICATION_WINDOW (window), box);
  gtk_window_set_title (GTK_WINDOW (window), BARE_WINDOW_TITLE);
  gtk_window_set_default_size (GTK_WINDOW (window), 640, 480);
  if (fd_env != NULL && *fd_env != '\0')
    {
      g_object_set_data (G_OBJECT (window), "first-frame-fd",
                         GINT_TO_POINTER ((int) g_ascii_strtoll (fd_env, NULL, 10)));
      g_signal_connect (window, "realize", G_CALLBACK (realize_cb), NULL);
    }
  gtk_window_present (GTK_WINDOW (window));
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(AdwApplication) app = adw_application_new ("io.github.epistlemail.BenchBareWindow",
                                                       G_APPLICATION_DEFAULT_FLAGS);

  g_signal_connect (app, "activate", G_CALLBACK (activate_cb), NULL);
  return g_application_run (G_APPLICATION (app), argc, argv);
}
