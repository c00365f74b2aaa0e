/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-smtp-scripts.h: what the tests that send through the scripted server (ep-script-server.h)
 * share: the fragments of an ordinary SMTP session, pasted together into a script, and a profile
 * that points at such a server. Header-only.
 *
 * A fragment is a string literal of script lines (ep-script-server.h says what each step does).
 * Where the tests deliberately differ (another greeting, a reply code, the server's words for a
 * refusal) the fragment takes the difference as an argument, or the test keeps its own lines. */
#pragma once

#include "ep-profile.h"

/* The envelope sender of every transaction below, and the address of the profile. */
#define EP_SCRIPT_SENDER "me@example.org"

/* ---- Opening and closing --------------------------------------------------------------------- */

#define EP_SCRIPT_GREETING       "S: 220 mx.test ESMTP\n"
/* The submission server's greeting (test-profile-connection, the gauntlet). */
#define EP_SCRIPT_GREETING_READY "S: 220 mx.test ESMTP ready\n"

/* EHLO answered with PIPELINING and nothing else: no TLS, no sign-in. */
#define EP_SCRIPT_EHLO_PIPELINING "C: EHLO *\n"         \
                                  "S: 250-mx.test\n"    \
                                  "S: 250 PIPELINING\n"
/* EHLO answered with STARTTLS alone; EP_SCRIPT_STARTTLS and a TLS: step follow. */
#define EP_SCRIPT_EHLO_STARTTLS   "C: EHLO *\n"         \
                                  "S: 250-mx.test\n"    \
                                  "S: 250 STARTTLS\n"
#define EP_SCRIPT_STARTTLS        "C: STARTTLS\n"           \
                                  "S: 220 2.0.0 Go ahead\n"
/* EHLO again inside TLS: PIPELINING and AUTH PLAIN. */
#define EP_SCRIPT_EHLO_AUTH_PLAIN "C: EHLO *\n"          \
                                  "S: 250-mx.test\n"     \
                                  "S: 250-PIPELINING\n"  \
                                  "S: 250 AUTH PLAIN\n"

#define EP_SCRIPT_QUIT     "C: QUIT\n"            \
                           "S: 221 2.0.0 Bye\n"
/* QUIT, and then the client must close without another word. */
#define EP_SCRIPT_QUIT_EOF EP_SCRIPT_QUIT \
                           "EOF\n"

/* ---- Transactions (PIPELINING: the replies come after DATA) ---------------------------------- */

/* One recipient, accepted; the message read and queued. */
#define EP_SCRIPT_DELIVER_TO(rcpt)                     \
  "C: MAIL FROM:<" EP_SCRIPT_SENDER ">*\n"             \
  "C: RCPT TO:<" rcpt ">\n"                            \
  "C: DATA\n"                                          \
  "S: 250 2.1.0 ok\n"                                  \
  "S: 250 2.1.5 ok\n"                                  \
  "S: 354 go ahead\n"                                  \
  "DATA\n"                                             \
  "S: 250 2.0.0 queued\n"

/* Two recipients, the second refused with @refusal (a whole reply line, "550 ..."), up to the
 * server's 354: what follows is the client's choice (the message, or nothing). */
#define EP_SCRIPT_REFUSE_SECOND(accepted, refused, refusal) \
  "C: MAIL FROM:<" EP_SCRIPT_SENDER ">*\n"                  \
  "C: RCPT TO:<" accepted ">\n"                             \
  "C: RCPT TO:<" refused ">\n"                              \
  "C: DATA\n"                                               \
  "S: 250 2.1.0 ok\n"                                       \
  "S: 250 2.1.5 ok\n"                                       \
  "S: " refusal "\n"                                        \
  "S: 354 go ahead\n"

/* "Too many recipients" for the second of two: the first is delivered in a transaction of its
 * own, then the client opens a second one for @second alone, up to its DATA; the server's
 * replies to that one are the test's. */
#define EP_SCRIPT_SPLIT_452(first, second)             \
  "C: MAIL FROM:<" EP_SCRIPT_SENDER ">*\n"             \
  "C: RCPT TO:<" first ">\n"                           \
  "C: RCPT TO:<" second ">\n"                          \
  "C: DATA\n"                                          \
  "S: 250 2.1.0 ok\n"                                  \
  "S: 250 2.1.5 ok\n"                                  \
  "S: 452 4.5.3 Too many recipients\n"                 \
  "S: 354 go ahead\n"                                  \
  "DATA\n"                                             \
  "S: 250 2.0.0 queued\n"                              \
  "C: MAIL FROM:<" EP_SCRIPT_SENDER ">*\n"             \
  "C: RCPT TO:<" second ">\n"                          \
  "C: DATA\n"

/* ---- A profile for a scripted server --------------------------------------------------------- */

/* A profile named @name for a scripted server on 127.0.0.1 at @port: unencrypted and without
 * sign-in (allowed in clear), EP_SCRIPT_SENDER as its address, @timeout seconds for each reply. */
static G_GNUC_UNUSED EpProfile *
ep_test_scripted_profile (const char *name,
                          guint16     port,
                          guint       timeout)
{
  EpProfile *profile = ep_profile_new (name);

  ep_profile_set_host (profile, "127.0.0.1");
  ep_profile_set_port (profile, port);
  ep_profile_set_security (profile, EP_SMTP_SECURITY_NONE);
  ep_profile_set_sender_address (profile, EP_SCRIPT_SENDER);
  ep_profile_set_timeout (profile, timeout);
  return profile;
}
