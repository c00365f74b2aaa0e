/* SPDX-License-Identifier: GPL-3.0-or-later */
/* measure.c: runs one command and reports its wall time, CPU time and peak RSS for bench/send. */

/*
 * epistle-bench-measure OUTPUT TIMEOUT COMMAND [ARG…]
 *
 * Runs COMMAND (stdin, stdout and stderr inherited) and writes one line to the file OUTPUT:
 *   "wall=SECONDS user=SECONDS sys=SECONDS maxrss=KIB status=EXIT"
 * (status 128+N when killed by signal N).  After TIMEOUT seconds the command is killed.
 *
 * Why not the benchmark's Python process itself: Linux carries the exec'ing process's old
 * peak RSS over into the new program's ru_maxrss, so a child of a 14 MiB Python process never
 * reports less than 14 MiB.  This launcher is tiny (~1 MiB), like /usr/bin/time, but needs no
 * extra package.
 */

#define _GNU_SOURCE

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static pid_t child_pid;

static void
on_alarm (int signum)
{
  (void) signum;
  if (child_pid > 0)
    kill (child_pid, SIGKILL);
}

static double
seconds (struct timeval tv)
{
  return (double) tv.tv_sec + (double) tv.tv_usec / 1e6;
}

int
main (int argc, char **argv)
{
  struct timespec t0, t1;
  struct rusage ru;
  struct sigaction sa = { 0 };
  int status = 0;
  int code;
  FILE *out;

  if (argc < 4)
    {
      fprintf (stderr, "usage: %s OUTPUT TIMEOUT COMMAND [ARG...]\n", argv[0]);
      return 64;
    }

  sa.sa_handler = on_alarm;
  sigaction (SIGALRM, &sa, NULL);

  clock_gettime (CLOCK_MONOTONIC, &t0);
  child_pid = fork ();
  if (child_pid < 0)
    {
      perror ("fork");
      return 71;
    }
  if (child_pid == 0)
    {
      execvp (argv[3], argv + 3);
      perror (argv[3]);
      _exit (127);
    }
  alarm ((unsigned) atoi (argv[2]));
  while (wait4 (child_pid, &status, 0, &ru) < 0)
    {
      if (errno != EINTR)
        {
          perror ("wait4");
          return 71;
        }
    }
  clock_gettime (CLOCK_MONOTONIC, &t1);
  alarm (0);

  if (WIFEXITED (status))
    code = WEXITSTATUS (status);
  else if (WIFSIGNALED (status))
    code = 128 + WTERMSIG (status);
  else
    code = 255;

  out = fopen (argv[1], "w");
  if (out == NULL)
    {
      perror (argv[1]);
      return 73;
    }
  fprintf (out, "wall=%.6f user=%.6f sys=%.6f maxrss=%ld status=%d\n",
           (double) (t1.tv_sec - t0.tv_sec) + (double) (t1.tv_nsec - t0.tv_nsec) / 1e9,
           seconds (ru.ru_utime), seconds (ru.ru_stime), ru.ru_maxrss, code);
  if (fclose (out) != 0)
    {
      perror (argv[1]);
      return 74;
    }
  return 0;
}
