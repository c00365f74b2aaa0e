/* SPDX-License-Identifier: GPL-3.0-or-later */
/* mime-base64.c: in-process base64 throughput, ours vs GLib, both streaming with line breaks. */
#include "config.h"

#include <time.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ep-base64.h"
#include "ep-mime-writer.h"

#define INPUT_SIZE (32 * 1024 * 1024)
#define CHUNK EP_MIME_READ_CHUNK
#define RUNS 10

/* Folds the output into a value the compiler cannot discard. */
static guint64 sink;

/* CPU time of this thread: on a shared machine, time spent descheduled is not the encoder's. */
static double
now (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

static double
run_ours (const guint8 *in,
          char         *out)
{
  EpBase64Encoder enc;
  double start = now ();

  ep_base64_encoder_init (&enc, EP_BASE64_MIME_LINE_LENGTH);
  for (gsize pos = 0; pos < INPUT_SIZE; pos += CHUNK)
    {
      gsize n = ep_base64_encoder_feed (&enc, in + pos, MIN (CHUNK, INPUT_SIZE - pos), out);
      sink += (guchar) out[n / 2];
    }
  sink += ep_base64_encoder_finish (&enc, out);
  return now () - start;
}

static double
run_glib (const guint8 *in,
          char         *out)
{
  int state = 0, save = 0;
  double start = now ();

  for (gsize pos = 0; pos < INPUT_SIZE; pos += CHUNK)
    {
      gsize n = g_base64_encode_step (in + pos, MIN (CHUNK, INPUT_SIZE - pos), TRUE, out,
                                      &state, &save);
      sink += (guchar) out[n / 2];
    }
  sink += g_base64_encode_close (TRUE, out, &state, &save);
  return now () - start;
}

int
main (int   argc,
      char *argv[])
{
  g_autofree guint8 *in = g_malloc (INPUT_SIZE);
  /* GLib's documented bound: (len / 3 + 1) * 4 + 4, plus one newline per 72 characters. */
  g_autofree char *out = g_malloc (CHUNK * 2 + 1024);
  g_autoptr(GRand) rand = g_rand_new_with_seed (42);
  double best_ours = G_MAXDOUBLE, best_glib = G_MAXDOUBLE;

  for (gsize i = 0; i < INPUT_SIZE; i += 4)
    {
      guint32 r = g_rand_int (rand);
      memcpy (in + i, &r, 4);
    }

  for (int r = 0; r < RUNS; r++)
    {
      best_ours = MIN (best_ours, run_ours (in, out));
      best_glib = MIN (best_glib, run_glib (in, out));
    }

  printf ("base64-impl %s\n", ep_base64_get_implementation ());
  printf ("base64-ours-MBps %.0f\n", INPUT_SIZE / best_ours / 1e6);
  printf ("base64-glib-MBps %.0f\n", INPUT_SIZE / best_glib / 1e6);
  printf ("# checksum %" G_GUINT64_FORMAT "\n", sink);
  return 0;
}
