/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-profiles-test-util.h: shared helpers for the Server Profiles UI tests (waiting on the main
 * loop, driving the editor's fields, window screenshots under Xvfb). Header-only. */
#pragma once

#include <string.h>
#include <adwaita.h>
#ifdef GDK_WINDOWING_X11
#include <gdk/x11/gdkx.h>
#endif

#include "ep-connection-test-window.h"
#include "ep-profile-editor.h"
#include "ep-profiles-dialog-private.h"

typedef gboolean (*EpTestCondition) (gpointer data);

/* Runs the main loop for @ms milliseconds. */
static G_GNUC_UNUSED void
ep_test_iterate (guint ms)
{
  gint64 end = g_get_monotonic_time () + (gint64) ms * 1000;

  while (g_get_monotonic_time () < end)
    {
      if (!g_main_context_iteration (NULL, FALSE))
        g_usleep (1000);
    }
}

/* Runs the main loop until @condition holds or @timeout_ms passed; returns the condition. */
static G_GNUC_UNUSED gboolean
ep_test_wait (EpTestCondition condition,
              gpointer        data,
              guint           timeout_ms)
{
  gint64 end = g_get_monotonic_time () + (gint64) timeout_ms * 1000;

  while (!condition (data) && g_get_monotonic_time () < end)
    {
      if (!g_main_context_iteration (NULL, FALSE))
        g_usleep (1000);
    }
  return condition (data);
}

static G_GNUC_UNUSED gboolean
ep_test_dialog_idle (gpointer data)
{
  return !ep_profiles_dialog_is_busy (data);
}

static G_GNUC_UNUSED gboolean
ep_test_connection_done (gpointer data)
{
  return !ep_connection_test_window_is_running (data);
}

static G_GNUC_UNUSED gboolean
ep_test_keyring_known (gpointer data)
{
  return ep_profile_editor_get_keyring_state (data) != EP_KEYRING_STATE_UNKNOWN;
}

static G_GNUC_UNUSED void
ep_test_set_field (EpProfileEditor *editor,
                   const char      *field,
                   const char      *text)
{
  gtk_editable_set_text (GTK_EDITABLE (ep_profile_editor_get_field (editor, field)), text);
}

static G_GNUC_UNUSED const char *
ep_test_get_field (EpProfileEditor *editor,
                   const char      *field)
{
  return gtk_editable_get_text (GTK_EDITABLE (ep_profile_editor_get_field (editor, field)));
}

static G_GNUC_UNUSED void
ep_test_set_port (EpProfileEditor *editor,
                  guint16          port)
{
  g_autofree char *text = g_strdup_printf ("%u", port);

  ep_test_set_field (editor, "port", text);
}

static G_GNUC_UNUSED void
ep_test_select (EpProfileEditor *editor,
                const char      *field,
                guint            position)
{
  adw_combo_row_set_selected (ADW_COMBO_ROW (ep_profile_editor_get_field (editor, field)), position);
}

/* Whether @needle occurs in @haystack (NULL-safe, for g_assert_true with a message). */
static G_GNUC_UNUSED gboolean
ep_test_contains (const char *haystack,
                  const char *needle)
{
  return haystack != NULL && strstr (haystack, needle) != NULL;
}

/* Normalised fingerprints compare equal whatever their separators and case. */
static G_GNUC_UNUSED char *
ep_test_normalize_fingerprint (const char *text)
{
  GString *out = g_string_new (NULL);

  for (const char *p = text; p != NULL && *p != '\0'; p++)
    if (g_ascii_isxdigit (*p))
      g_string_append_c (out, g_ascii_tolower (*p));
  return g_string_free (out, FALSE);
}

/* Saves @window as it is on the X display to $EPISTLE_BUILDDIR/screenshots/@name. */
static G_GNUC_UNUSED void
ep_test_screenshot (GtkWidget  *window,
                    const char *name)
{
#ifdef GDK_WINDOWING_X11
  g_autofree char *dir = g_build_filename (g_getenv ("EPISTLE_BUILDDIR"), "screenshots", NULL);
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_autofree char *xid = NULL;
  g_autofree char *err = NULL;
  GdkSurface *surface;
  int status = 0;

  /* Let layout and painting settle. */
  ep_test_iterate (700);
  surface = gtk_native_get_surface (GTK_NATIVE (window));
  if (!GDK_IS_X11_SURFACE (surface))
    {
      g_test_message ("screenshot %s skipped: not on X11", name);
      return;
    }
  xid = g_strdup_printf ("0x%lx", (unsigned long) gdk_x11_surface_get_xid (surface));
  g_mkdir_with_parents (dir, 0755);
  {
    const char *argv[] = { "import", "-window", xid, path, NULL };

    /* For people to look at, not a check: a missing picture is said, not failed. */
    if (!g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL,
                       NULL, NULL, NULL, &err, &status, NULL) || status != 0)
      {
        g_test_message ("screenshot not taken: %s: %s", path, err != NULL ? err : "");
        return;
      }
  }
  g_test_message ("screenshot: %s", path);
#else
  g_test_message ("screenshot %s skipped: GTK without X11", name);
#endif
}
