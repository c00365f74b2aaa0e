/* SPDX-License-Identifier: GPL-3.0-or-later */
/* sink.c: a fast SMTP discard sink on 127.0.0.1 for bench/send (PIPELINING, CHUNKING, no TLS). */

/*
 * epistle-bench-sink [--port N] [--log FILE] [--no-chunking] [--no-pipelining]
 *
 * Listens on 127.0.0.1 (port 0 = any free port), prints "PORT\n" on stdout once listening,
 * and serves each connection in a forked child: EHLO advertises PIPELINING, CHUNKING,
 * 8BITMIME, SIZE and SMTPUTF8; every command is accepted; message data (DATA or BDAT) is read
 * as fast as the socket delivers it and thrown away.  After each transaction one line
 * "rcpts=N bytes=M mode=bdat|data\n" is appended to the log file (M = octets of message data
 * on the wire, including DATA's dot-stuffing, excluding its terminator), so the benchmark can
 * check that a client really sent everything.  Runs until killed.
 *
 * It is deliberately not a correct SMTP server: no address syntax checks, no limits, no TLS.
 */

#define _GNU_SOURCE  /* memmem, strcasestr */

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

/* Large reads keep the per-syscall cost negligible next to the copy. */
#define SINK_BUFFER_SIZE (1024 * 1024)
/* RFC 5321 §4.5.3.1.4 allows 512 octets per command line; accept more, but not unboundedly. */
#define SINK_MAX_LINE 4096
/* Advertised SIZE (RFC 1870): large enough for every benchmark message. */
#define SINK_MAX_SIZE "2147483648"

typedef struct {
  int      fd;
  char    *buf;
  size_t   start;        /* first unconsumed byte */
  size_t   end;          /* one past the last received byte */
  bool     chunking;
  bool     pipelining;
  int      log_fd;
  unsigned rcpts;
  uint64_t bytes;
} Conn;

static void __attribute__ ((noreturn))
die (const char *what)
{
  perror (what);
  exit (1);
}

static bool
send_all (Conn *c, const char *s)
{
  size_t len = strlen (s);

  while (len > 0)
    {
      ssize_t n = write (c->fd, s, len);
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        return false;
      s += n;
      len -= (size_t) n;
    }
  return true;
}

/* Appends to the buffer; compacts first when the free tail is small.  false on EOF/error. */
static bool
fill (Conn *c)
{
  ssize_t n;

  if (c->start == c->end)
    c->start = c->end = 0;
  else if (SINK_BUFFER_SIZE - c->end < SINK_BUFFER_SIZE / 4)
    {
      memmove (c->buf, c->buf + c->start, c->end - c->start);
      c->end -= c->start;
      c->start = 0;
    }
  do
    n = read (c->fd, c->buf + c->end, SINK_BUFFER_SIZE - c->end);
  while (n < 0 && errno == EINTR);
  if (n <= 0)
    return false;
  c->end += (size_t) n;
  return true;
}

/* One command line (CRLF or LF stripped) into @line; false on EOF or an overlong line. */
static bool
read_line (Conn *c, char *line)
{
  for (;;)
    {
      char *nl = memchr (c->buf + c->start, '\n', c->end - c->start);
      if (nl != NULL)
        {
          size_t len = (size_t) (nl - (c->buf + c->start));
          if (len >= SINK_MAX_LINE)
            return false;
          memcpy (line, c->buf + c->start, len);
          if (len > 0 && line[len - 1] == '\r')
            len--;
          line[len] = '\0';
          c->start += (size_t) (nl - (c->buf + c->start)) + 1;
          return true;
        }
      if (c->end - c->start >= SINK_MAX_LINE)
        return false;
      if (!fill (c))
        return false;
    }
}

static void
log_transaction (Conn *c, const char *mode)
{
  char line[128];
  int len;

  if (c->log_fd >= 0)
    {
      len = snprintf (line, sizeof line, "rcpts=%u bytes=%llu mode=%s\n",
                      c->rcpts, (unsigned long long) c->bytes, mode);
      if (write (c->log_fd, line, (size_t) len) != len)
        perror ("log");
    }
  c->rcpts = 0;
  c->bytes = 0;
}

/* Discards exactly @count octets of BDAT data. */
static bool
skip_bytes (Conn *c, uint64_t count)
{
  while (count > 0)
    {
      size_t avail = c->end - c->start;
      if (avail == 0)
        {
          if (!fill (c))
            return false;
          continue;
        }
      size_t take = avail < count ? avail : (size_t) count;
      c->start += take;
      c->bytes += take;
      count -= take;
    }
  return true;
}

/* Discards DATA content up to and including CRLF.CRLF (the CRLF before the dot belongs to the
 * message).  The data starts right after a line break, so a lone ".\r\n" first also ends it. */
static bool
skip_data (Conn *c)
{
  static const char term[] = "\r\n.\r\n";
  /* Last octets seen, so a terminator split across reads is still found. */
  char tail[8] = "\r\n";
  size_t tail_len = 2;

  for (;;)
    {
      size_t avail = c->end - c->start;
      char *p = c->buf + c->start;

      if (avail == 0)
        {
          if (!fill (c))
            return false;
          continue;
        }

      /* A terminator straddling the previous data and this buffer. */
      char joint[16];
      size_t head = avail < 4 ? avail : 4;
      memcpy (joint, tail, tail_len);
      memcpy (joint + tail_len, p, head);
      for (size_t i = 0; i < tail_len; i++)
        if (i + 5 <= tail_len + head && memcmp (joint + i, term, 5) == 0)
          {
            size_t used = i + 5 - tail_len;
            /* The counted bytes exclude ".\r\n" (the part after the message's last CRLF). */
            c->bytes += used >= 3 ? used - 3 : 0;
            c->start += used;
            return true;
          }

      char *hit = memmem (p, avail, term, 5);
      if (hit != NULL)
        {
          size_t used = (size_t) (hit - p) + 5;
          c->bytes += used - 3;
          c->start += used;
          return true;
        }

      /* Keep the last (up to 4) octets for the joint check, consume the rest. */
      size_t keep = avail < 4 ? avail : 4;
      if (avail >= 4)
        {
          memcpy (tail, p + avail - 4, 4);
          tail_len = 4;
        }
      else
        {
          /* Slide the short remainder into the tail. */
          size_t drop = tail_len + keep > 4 ? tail_len + keep - 4 : 0;
          memmove (tail, tail + drop, tail_len - drop);
          tail_len -= drop;
          memcpy (tail + tail_len, p, keep);
          tail_len += keep;
        }
      c->bytes += avail;
      c->start += avail;
    }
}

static void
serve (Conn *c)
{
  char line[SINK_MAX_LINE + 1];

  if (!send_all (c, "220 sink ESMTP discard\r\n"))
    return;

  while (read_line (c, line))
    {
      if (strncasecmp (line, "EHLO", 4) == 0)
        {
          char reply[512];
          snprintf (reply, sizeof reply,
                    "250-sink\r\n%s%s250-8BITMIME\r\n250-SIZE " SINK_MAX_SIZE "\r\n"
                    "250-ENHANCEDSTATUSCODES\r\n250 SMTPUTF8\r\n",
                    c->pipelining ? "250-PIPELINING\r\n" : "",
                    c->chunking ? "250-CHUNKING\r\n" : "");
          if (!send_all (c, reply))
            return;
        }
      else if (strncasecmp (line, "HELO", 4) == 0)
        {
          if (!send_all (c, "250 sink\r\n"))
            return;
        }
      else if (strncasecmp (line, "MAIL", 4) == 0)
        {
          c->rcpts = 0;
          c->bytes = 0;
          if (!send_all (c, "250 2.1.0 Ok\r\n"))
            return;
        }
      else if (strncasecmp (line, "RCPT", 4) == 0)
        {
          c->rcpts++;
          if (!send_all (c, "250 2.1.5 Ok\r\n"))
            return;
        }
      else if (strcasecmp (line, "DATA") == 0)
        {
          if (!send_all (c, "354 End data with <CR><LF>.<CR><LF>\r\n"))
            return;
          if (!skip_data (c))
            return;
          log_transaction (c, "data");
          if (!send_all (c, "250 2.0.0 Ok: discarded\r\n"))
            return;
        }
      else if (strncasecmp (line, "BDAT ", 5) == 0)
        {
          char *end = NULL;
          unsigned long long count = strtoull (line + 5, &end, 10);
          bool last = end != NULL && strcasestr (end, "LAST") != NULL;

          if (end == line + 5)
            {
              if (!send_all (c, "501 5.5.4 Syntax: BDAT size [LAST]\r\n"))
                return;
              continue;
            }
          if (!skip_bytes (c, count))
            return;
          if (last)
            {
              log_transaction (c, "bdat");
              if (!send_all (c, "250 2.0.0 Ok: discarded\r\n"))
                return;
            }
          else if (!send_all (c, "250 2.0.0 Ok: chunk received\r\n"))
            return;
        }
      else if (strcasecmp (line, "RSET") == 0 || strcasecmp (line, "NOOP") == 0)
        {
          c->rcpts = 0;
          c->bytes = 0;
          if (!send_all (c, "250 2.0.0 Ok\r\n"))
            return;
        }
      else if (strcasecmp (line, "QUIT") == 0)
        {
          send_all (c, "221 2.0.0 Bye\r\n");
          return;
        }
      else if (!send_all (c, "502 5.5.2 Command not implemented\r\n"))
        return;
    }
}

int
main (int argc, char **argv)
{
  int port = 0;
  const char *log_path = NULL;
  bool chunking = true, pipelining = true;
  struct sockaddr_in addr;
  socklen_t addr_len = sizeof addr;
  int one = 1;
  int lfd, log_fd = -1;

  for (int i = 1; i < argc; i++)
    {
      if (strcmp (argv[i], "--port") == 0 && i + 1 < argc)
        port = atoi (argv[++i]);
      else if (strcmp (argv[i], "--log") == 0 && i + 1 < argc)
        log_path = argv[++i];
      else if (strcmp (argv[i], "--no-chunking") == 0)
        chunking = false;
      else if (strcmp (argv[i], "--no-pipelining") == 0)
        pipelining = false;
      else
        {
          fprintf (stderr, "usage: %s [--port N] [--log FILE] [--no-chunking] [--no-pipelining]\n",
                   argv[0]);
          return 64;
        }
    }

  if (log_path != NULL)
    {
      log_fd = open (log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
      if (log_fd < 0)
        die (log_path);
    }

  /* Children are never waited for. */
  signal (SIGCHLD, SIG_IGN);
  signal (SIGPIPE, SIG_IGN);

  lfd = socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (lfd < 0)
    die ("socket");
  setsockopt (lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  memset (&addr, 0, sizeof addr);
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
  addr.sin_port = htons ((uint16_t) port);
  if (bind (lfd, (struct sockaddr *) &addr, sizeof addr) < 0)
    die ("bind");
  if (listen (lfd, 64) < 0)
    die ("listen");
  if (getsockname (lfd, (struct sockaddr *) &addr, &addr_len) < 0)
    die ("getsockname");
  printf ("%d\n", ntohs (addr.sin_port));
  fflush (stdout);

  for (;;)
    {
      int fd = accept (lfd, NULL, NULL);
      pid_t pid;

      if (fd < 0)
        {
          if (errno == EINTR || errno == ECONNABORTED)
            continue;
          die ("accept");
        }
      pid = fork ();
      if (pid < 0)
        die ("fork");
      if (pid == 0)
        {
          Conn c = { .fd = fd, .chunking = chunking, .pipelining = pipelining, .log_fd = log_fd };

          close (lfd);
          /* Replies are small and must not wait for Nagle. */
          setsockopt (fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
          c.buf = malloc (SINK_BUFFER_SIZE);
          if (c.buf == NULL)
            die ("malloc");
          serve (&c);
          close (fd);
          _exit (0);
        }
      close (fd);
    }
}
