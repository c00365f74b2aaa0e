/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-window.c: the compose window is built from its template with its fields and actions. */
#include "config.h"

#include <adwaita.h>

#include "ep-application.h"
#include "ep-window.h"

static EpApplication *app;

static void
test_window_structure (void)
{
  EpWindow *window = ep_window_new (ADW_APPLICATION (app));
  GtkWidget *widget = GTK_WIDGET (window);

  g_assert_true (ADW_IS_APPLICATION_WINDOW (window));
  g_assert_cmpstr (gtk_window_get_title (GTK_WINDOW (window)), ==, "New Message");
  g_assert_true (gtk_widget_activate_action (widget, "win.attach", NULL));
  g_assert_true (g_action_group_has_action (G_ACTION_GROUP (app), "about"));
  g_assert_true (g_action_group_has_action (G_ACTION_GROUP (app), "new-message"));

  gtk_window_destroy (GTK_WINDOW (window));
}

static void
test_window_accels (void)
{
  g_auto(GStrv) send = gtk_application_get_accels_for_action (GTK_APPLICATION (app), "win.send");
  g_auto(GStrv) attach = gtk_application_get_accels_for_action (GTK_APPLICATION (app), "win.attach");

  g_assert_cmpstrv (send, ((const char * const[]) { "<Control>Return", NULL }));
  g_assert_cmpstrv (attach, ((const char * const[]) { "<Shift><Control>a", NULL }));
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  int ret;

  gtk_test_init (&argc, &argv, NULL);
  app = ep_application_new ();
  g_application_set_flags (G_APPLICATION (app), G_APPLICATION_NON_UNIQUE);
  g_assert_true (g_application_register (G_APPLICATION (app), NULL, &error));
  g_assert_no_error (error);

  g_test_add_func ("/window/structure", test_window_structure);
  g_test_add_func ("/window/accels", test_window_accels);
  ret = g_test_run ();

  g_clear_object (&app);
  return ret;
}
