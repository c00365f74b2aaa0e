/* SPDX-License-Identifier: GPL-3.0-or-later */
/* epistle-sandbox-server.c: runs the Sandbox server alone, for peer clients in tests (not installed). */
#include "config.h"

#include <glib-unix.h>
#include <stdio.h>
#include <stdlib.h>

#include "ep-sandbox.h"

static gboolean
quit_cb (gpointer data)
{
  g_main_loop_quit (data);
  return G_SOURCE_REMOVE;
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(EpSandboxServer) server = NULL;
  g_autoptr(GMainLoop) loop = NULL;
  g_autofree char *inbox = NULL;
  gint64 size_limit = 0;
  int idle_timeout = 0;
  GOptionEntry entries[] = {
    { "size-limit", 0, 0, G_OPTION_ARG_INT64, &size_limit, "SIZE limit in octets", "N" },
    { "idle-timeout", 0, 0, G_OPTION_ARG_INT, &idle_timeout, "Idle timeout in seconds", "S" },
    { NULL },
  };

  context = g_option_context_new ("- serve the Epistle Sandbox on 127.0.0.1 until killed");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      fprintf (stderr, "epistle-sandbox-server: %s\n", error->message);
      return 64;
    }

  server = ep_sandbox_server_new ();
  if (size_limit > 0)
    ep_sandbox_server_set_size_limit (server, (guint64) size_limit);
  if (idle_timeout > 0)
    ep_sandbox_server_set_idle_timeout (server, (guint) idle_timeout);
  if (!ep_sandbox_server_start (server, NULL, &error))
    {
      fprintf (stderr, "epistle-sandbox-server: %s\n", error->message);
      return 1;
    }

  inbox = ep_sandbox_dup_inbox_dir ();
  printf ("PORT %u\n", ep_sandbox_server_get_port (server));
  printf ("USER %s\n", ep_sandbox_server_get_username (server));
  printf ("PASSWORD %s\n", ep_sandbox_server_get_password (server));
  printf ("CERT %s\n", ep_sandbox_server_get_certificate_path (server));
  printf ("SHA256 %s\n", ep_sandbox_server_get_certificate_sha256 (server));
  printf ("INBOX %s\n", inbox);
  printf ("STORAGE %s\n",
          ep_sandbox_credentials_get_storage () == EP_SANDBOX_SECRET_STORAGE_KEYRING ? "keyring" : "memory");
  printf ("READY\n");
  fflush (stdout);

  loop = g_main_loop_new (NULL, FALSE);
  g_unix_signal_add (SIGTERM, quit_cb, loop);
  g_unix_signal_add (SIGINT, quit_cb, loop);
  g_main_loop_run (loop);

  ep_sandbox_server_stop (server);
  return 0;
}
