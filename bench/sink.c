/* SPDX-License-Identifier: GPL-3.0-or-later */
/* sink.c: a fast SMTP discard sink on 127.0.0.1 for bench/send (PIPELINING, CHUNKING, and TLS
 * with GnuTLS: implicit or STARTTLS). */

/*
 * epistle-bench-sink [--port N] [--log FILE] [--no-chunking] [--no-pipelining]
 *                    [--tls CERT KEY | --starttls CERT KEY]
 * epistle-bench-sink --self-test MIB [--tls CERT KEY]
 *
 * Listens on 127.0.0.1 (port 0 = any free port), prints "PORT\n" on stdout once listening,
 * and serves each connection in a forked child: EHLO advertises PIPELINING, CHUNKING,
 * 8BITMIME, SIZE and SMTPUTF8 (and STARTTLS with --starttls, until it is used); every command
 * is accepted; message data (DATA or BDAT) is read as fast as the socket delivers it and thrown
 * away.  With --tls every connection starts with a TLS handshake (implicit TLS, RFC 8314); with
 * --starttls after the STARTTLS command (RFC 3207), and whatever the client pipelined after
 * that command is discarded.  After each transaction one line
 * "rcpts=N bytes=M mode=bdat|data tls=0|1\n" is appended to the log file (M = octets of
 * message data on the wire, including DATA's dot-stuffing, excluding its terminator), so the
 * benchmark can check that a client really sent everything.  Runs until killed.
 *
 * --self-test MIB measures the sink itself: a client in this process sends MIB MiB in one
 * BDAT through a socket pair to a forked sink (over TLS with --tls, the client verifying
 * nothing) and prints "selftest bytes=N seconds=S mib_per_s=R tls=DESCRIPTION|none\n": the rate at which the sink
 * can take a message, which must be far above any client's for the benchmark to mean anything.
 *
 * It is deliberately not a correct SMTP server: no address syntax checks, no limits.
 */

#define _GNU_SOURCE  /* memmem, strcasestr */

#include <errno.h>
#include <fcntl.h>
#include <gnutls/gnutls.h>
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
#include <time.h>
#include <unistd.h>

/* Large reads keep the per-syscall cost negligible next to the copy. */
#define SINK_BUFFER_SIZE (1024 * 1024)
/* RFC 5321 §4.5.3.1.4 allows 512 octets per command line; accept more, but not unboundedly. */
#define SINK_MAX_LINE 4096
/* Advertised SIZE (RFC 1870): large enough for every benchmark message. */
#define SINK_MAX_SIZE "2147483648"

typedef struct {
  int      fd;
  gnutls_session_t session;           /* NULL until TLS is up */
  gnutls_certificate_credentials_t credentials;   /* NULL: no TLS offered */
  bool     starttls;                  /* offered after EHLO rather than at once */
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
      ssize_t n;

      if (c->session != NULL)
        {
          n = gnutls_record_send (c->session, s, len);
          if (n == GNUTLS_E_AGAIN || n == GNUTLS_E_INTERRUPTED)
            continue;
        }
      else
        {
          n = write (c->fd, s, len);
          if (n < 0 && errno == EINTR)
            continue;
        }
      if (n <= 0)
        return false;
      s += n;
      len -= (size_t) n;
    }
  return true;
}

/* A TLS handshake as the server on the connection; false (said on stderr) when it fails. */
static bool
start_tls (Conn *c)
{
  int ret;

  if (gnutls_init (&c->session, GNUTLS_SERVER) < 0 ||
      gnutls_set_default_priority (c->session) < 0 ||
      gnutls_credentials_set (c->session, GNUTLS_CRD_CERTIFICATE, c->credentials) < 0)
    return false;
  gnutls_transport_set_int (c->session, c->fd);
  gnutls_handshake_set_timeout (c->session, GNUTLS_DEFAULT_HANDSHAKE_TIMEOUT);
  do
    ret = gnutls_handshake (c->session);
  while (ret < 0 && gnutls_error_is_fatal (ret) == 0);
  if (ret < 0)
    {
      fprintf (stderr, "sink: TLS handshake: %s\n", gnutls_strerror (ret));
      gnutls_deinit (c->session);
      c->session = NULL;
      return false;
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
  if (c->session != NULL)
    {
      do
        n = gnutls_record_recv (c->session, c->buf + c->end, SINK_BUFFER_SIZE - c->end);
      while (n == GNUTLS_E_AGAIN || n == GNUTLS_E_INTERRUPTED);
    }
  else
    {
      do
        n = read (c->fd, c->buf + c->end, SINK_BUFFER_SIZE - c->end);
      while (n < 0 && errno == EINTR);
    }
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
      len = snprintf (line, sizeof line, "rcpts=%u bytes=%llu mode=%s tls=%d\n",
                      c->rcpts, (unsigned long long) c->bytes, mode, c->session != NULL);
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

  if (c->credentials != NULL && !c->starttls && !start_tls (c))
    return;
  if (!send_all (c, "220 sink ESMTP discard\r\n"))
    return;

  while (read_line (c, line))
    {
      if (strncasecmp (line, "EHLO", 4) == 0)
        {
          char reply[512];
          snprintf (reply, sizeof reply,
                    "250-sink\r\n%s%s%s250-8BITMIME\r\n250-SIZE " SINK_MAX_SIZE "\r\n"
                    "250-ENHANCEDSTATUSCODES\r\n250 SMTPUTF8\r\n",
                    c->pipelining ? "250-PIPELINING\r\n" : "",
                    c->chunking ? "250-CHUNKING\r\n" : "",
                    c->starttls && c->session == NULL ? "250-STARTTLS\r\n" : "");
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
      else if (strcasecmp (line, "STARTTLS") == 0 && c->starttls && c->session == NULL)
        {
          if (!send_all (c, "220 2.0.0 Ready to start TLS\r\n"))
            return;
          /* Anything pipelined after STARTTLS came in the clear: never used (RFC 3207 §4.2). */
          c->start = c->end = 0;
          if (!start_tls (c))
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

/* Writes all of @data as the client of the self-test (TLS when @session is set). */
static bool
client_write (int fd, gnutls_session_t session, const char *data, size_t len)
{
  while (len > 0)
    {
      ssize_t n = session != NULL ? gnutls_record_send (session, data, len) : write (fd, data, len);

      if (n == GNUTLS_E_AGAIN || n == GNUTLS_E_INTERRUPTED || (n < 0 && session == NULL && errno == EINTR))
        continue;
      if (n <= 0)
        return false;
      data += n;
      len -= (size_t) n;
    }
  return true;
}

/* The sink's own rate: @mib MiB in one BDAT LAST to a forked sink over a socket pair. */
static int
self_test (unsigned mib, gnutls_certificate_credentials_t server_credentials)
{
  /* 16 KiB is the most one TLS record carries: send in whole records. */
  static char chunk[16 * 1024 * 16];
  gnutls_certificate_credentials_t credentials = NULL;
  gnutls_session_t session = NULL;
  uint64_t total = (uint64_t) mib << 20;
  char command[256];
  char reply[8192];
  size_t got = 0;
  struct timespec t0, t1;
  int pair[2];
  pid_t pid;

  if (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) < 0)
    die ("socketpair");
  pid = fork ();
  if (pid < 0)
    die ("fork");
  if (pid == 0)
    {
      Conn c = { .fd = pair[1], .chunking = true, .pipelining = true, .log_fd = -1,
                 .credentials = server_credentials };

      close (pair[0]);
      c.buf = malloc (SINK_BUFFER_SIZE);
      if (c.buf == NULL)
        die ("malloc");
      serve (&c);
      _exit (0);
    }
  close (pair[1]);
  memset (chunk, 'x', sizeof chunk);

  clock_gettime (CLOCK_MONOTONIC, &t0);
  if (server_credentials != NULL)
    {
      int ret;

      /* The benchmark's own peer: nothing to verify. */
      if (gnutls_certificate_allocate_credentials (&credentials) < 0 ||
          gnutls_init (&session, GNUTLS_CLIENT) < 0 ||
          gnutls_set_default_priority (session) < 0 ||
          gnutls_credentials_set (session, GNUTLS_CRD_CERTIFICATE, credentials) < 0)
        die ("gnutls client");
      gnutls_transport_set_int (session, pair[0]);
      do
        ret = gnutls_handshake (session);
      while (ret < 0 && gnutls_error_is_fatal (ret) == 0);
      if (ret < 0)
        {
          fprintf (stderr, "self-test: TLS handshake: %s\n", gnutls_strerror (ret));
          return 1;
        }
    }
  snprintf (command, sizeof command,
            "EHLO selftest\r\nMAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.org>\r\nBDAT %llu LAST\r\n",
            (unsigned long long) total);
  if (!client_write (pair[0], session, command, strlen (command)))
    die ("self-test write");
  for (uint64_t left = total; left > 0;)
    {
      size_t n = left < sizeof chunk ? (size_t) left : sizeof chunk;

      if (!client_write (pair[0], session, chunk, n))
        die ("self-test write");
      left -= n;
    }
  /* Until the reply to BDAT LAST (the earlier replies come first). */
  while (memmem (reply, got, "discarded", 9) == NULL)
    {
      ssize_t n;

      if (got == sizeof reply)
        got = 0;
      n = session != NULL ? gnutls_record_recv (session, reply + got, sizeof reply - got)
                          : read (pair[0], reply + got, sizeof reply - got);
      if (n == GNUTLS_E_AGAIN || n == GNUTLS_E_INTERRUPTED)
        continue;
      if (n <= 0)
        die ("self-test read");
      got += (size_t) n;
    }
  clock_gettime (CLOCK_MONOTONIC, &t1);
  client_write (pair[0], session, "QUIT\r\n", 6);
  {
    double seconds = (double) (t1.tv_sec - t0.tv_sec) + (double) (t1.tv_nsec - t0.tv_nsec) / 1e9;

    char *description = session != NULL ? gnutls_session_get_desc (session) : NULL;

    printf ("selftest bytes=%llu seconds=%.4f mib_per_s=%.1f tls=%s\n", (unsigned long long) total,
            seconds, (double) total / (1 << 20) / seconds, description != NULL ? description : "none");
    gnutls_free (description);
  }
  if (session != NULL)
    gnutls_deinit (session);
  if (credentials != NULL)
    gnutls_certificate_free_credentials (credentials);
  close (pair[0]);
  return 0;
}

static void __attribute__ ((noreturn))
usage (const char *argv0)
{
  fprintf (stderr, "usage: %s [--port N] [--log FILE] [--no-chunking] [--no-pipelining]\n"
                   "          [--tls CERT KEY | --starttls CERT KEY] [--self-test MIB]\n", argv0);
  exit (64);
}

int
main (int argc, char **argv)
{
  int port = 0;
  const char *log_path = NULL;
  const char *cert = NULL, *key = NULL;
  bool chunking = true, pipelining = true, starttls = false;
  unsigned self_test_mib = 0;
  gnutls_certificate_credentials_t credentials = NULL;
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
      else if ((strcmp (argv[i], "--tls") == 0 || strcmp (argv[i], "--starttls") == 0) && i + 2 < argc)
        {
          starttls = strcmp (argv[i], "--starttls") == 0;
          cert = argv[++i];
          key = argv[++i];
        }
      else if (strcmp (argv[i], "--self-test") == 0 && i + 1 < argc)
        self_test_mib = (unsigned) atoi (argv[++i]);
      else
        usage (argv[0]);
    }

  signal (SIGPIPE, SIG_IGN);
  if (cert != NULL)
    {
      int ret;

      if (gnutls_global_init () < 0 || gnutls_certificate_allocate_credentials (&credentials) < 0)
        die ("gnutls");
      ret = gnutls_certificate_set_x509_key_file (credentials, cert, key, GNUTLS_X509_FMT_PEM);
      if (ret < 0)
        {
          fprintf (stderr, "sink: %s, %s: %s\n", cert, key, gnutls_strerror (ret));
          return 1;
        }
    }
  if (self_test_mib > 0)
    return self_test (self_test_mib, credentials);

  if (log_path != NULL)
    {
      log_fd = open (log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
      if (log_fd < 0)
        die (log_path);
    }

  /* Children are never waited for. */
  signal (SIGCHLD, SIG_IGN);

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
          Conn c = { .fd = fd, .chunking = chunking, .pipelining = pipelining, .log_fd = log_fd,
                     .credentials = credentials, .starttls = starttls };

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
