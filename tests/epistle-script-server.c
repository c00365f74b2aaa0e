/* SPDX-License-Identifier: GPL-3.0-or-later */
/* epistle-script-server.c: one scripted SMTP connection (ep-script-server.h) as a process, so that
 * shell tests can run the real epistle-send against it (not installed). */
#include "config.h"

#include <stdio.h>

#include "ep-script-server.h"
#include "ep-test-certs.h"

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(EpScriptServer) server = NULL;
  g_autofree char *script = NULL;
  g_autofree char *received_path = NULL;
  int wait_ms = 20000;
  GOptionEntry entries[] = {
    { "received", 0, 0, G_OPTION_ARG_FILENAME, &received_path, "Write what the client sent to FILE", "FILE" },
    { "wait-ms", 0, 0, G_OPTION_ARG_INT, &wait_ms, "How long the script may take", "MS" },
    { NULL },
  };

  context = g_option_context_new ("SCRIPT-FILE - serve one connection on 127.0.0.1 with a script");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error) || argc != 2)
    {
      fprintf (stderr, "epistle-script-server: %s\n", error != NULL ? error->message : "one SCRIPT-FILE is needed");
      return 64;
    }
  if (!g_file_get_contents (argv[1], &script, NULL, &error)
      || (server = ep_script_server_new_for_script (script, &error)) == NULL)
    {
      fprintf (stderr, "epistle-script-server: %s\n", error->message);
      return 64;
    }

  {
    g_autofree char *ca = ep_test_certs_path ("ca");

    /* The test CA first (for --cafile), then the port: that line tells the test it listens. */
    printf ("CA %s\n", ca);
    printf ("PORT %u\n", ep_script_server_get_port (server));
    fflush (stdout);
  }

  ep_script_server_wait (server, (guint) MAX (wait_ms, 0), &error);
  if (received_path != NULL)
    {
      g_autoptr(GBytes) received = ep_script_server_get_received (server);
      g_autoptr(GError) write_error = NULL;

      if (!g_file_set_contents (received_path, g_bytes_get_data (received, NULL),
                                (gssize) g_bytes_get_size (received), &write_error))
        fprintf (stderr, "epistle-script-server: %s\n", write_error->message);
    }
  if (error != NULL || !ep_script_server_get_completed (server))
    {
      fprintf (stderr, "epistle-script-server: the script did not complete: %s\n",
               error != NULL ? error->message : "no error recorded");
      return 1;
    }
  return 0;
}
