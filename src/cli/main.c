/* SPDX-License-Identifier: GPL-3.0-or-later */
/* main.c: entry point of epistle-send. */
#include "ep-send-cli.h"

int
main (int   argc,
      char *argv[])
{
  return ep_send_cli_run (argc, argv);
}
