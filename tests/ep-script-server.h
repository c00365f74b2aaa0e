/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-script-server.h: a scripted SMTP (or any line protocol) server on 127.0.0.1 for tests. */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/*
 * One server serves one connection with one script, on its own thread and GMainContext. It
 * records every byte the client sent (after TLS: the decrypted application data), read by
 * read, so a test can assert the exact bytes and how they were grouped into writes. Each send
 * step leaves as its own TCP segment (TCP_NODELAY); one S! step is one segment, which is how
 * a test puts extra bytes "in the same segment" as a reply.
 *
 * Usage: ep_script_server_new_for_script() (parses and starts listening on 127.0.0.1, port 0),
 * point the client at ep_script_server_get_port(), run it, then ep_script_server_wait() and
 * check ep_script_server_dup_received_string() / _get_body() / _get_read(). In a test,
 * ep_script_server_new_for_test() and ep_script_server_assert_done() fail the test instead of
 * handing back an error. The fragments of an ordinary SMTP session that several tests play are
 * in ep-smtp-scripts.h.
 *
 * Text scripts: one step per line; leading blanks, empty lines and lines starting with '#' are
 * ignored. In TEXT, the escapes \r \n \t \\ and \xHH stand for those bytes.
 *
 *   S: TEXT              send TEXT followed by CRLF
 *   S! TEXT              send TEXT exactly (nothing added: partial lines, bare LF, NUL, ...)
 *   C: LINE              the client must send LINE + CRLF; LINE is a glob when it holds '*' or '?'
 *   C= LINE              the same, LINE taken literally (for lines such as "*")
 *   C? LINE              optional: the client either sends LINE + CRLF or closes the connection
 *   DATA                 read a DATA body up to CRLF.CRLF (kept raw, dot-stuffed as on the wire)
 *   LITERAL              read the IMAP literal that the line of the last C: step announced
 *                        ("{N}" or "{N+}" at its end) and the CRLF after it; kept as a body
 *   BDAT: REPLY          read BDAT commands and their chunks until BDAT ... LAST, answering
 *                        each chunk with REPLY + CRLF (nothing when REPLY is empty)
 *   TLS: CERT            server-side TLS handshake with CERT (an ep-test-certs name or a PEM path)
 *   TLS-REJECT: CERT     offer CERT to a client that must refuse it: the step passes whether the
 *                        handshake fails or completes; what follows (normally EOF) checks that
 *                        nothing was sent
 *   TLS-DRIP MS: CERT    like TLS:, but the server's handshake messages leave one byte at a
 *                        time, MS milliseconds apart (the encrypted bytes: see RAW-DRIP)
 *   RAW-DRIP: MS         from here on, what the server sends after TLS leaves the socket one byte
 *                        at a time, MS milliseconds apart: each TLS record is dripped, not just
 *                        the text in it; 0 sends at full speed again. A drip gives up (and the
 *                        step fails) after RAW_DRIP_LIMIT_MS in all, so that a client which waits
 *                        for ever still ends the test
 *   STALL: MS            sleep MS milliseconds (less if the client hangs up meanwhile)
 *   DRIP MS: TEXT        send TEXT + CRLF one byte at a time, MS milliseconds between bytes
 *   DRIP MS! TEXT        the same without the CRLF
 *   FLOOD N: TEXT        send TEXT (nothing added) N times; the client hanging up is expected
 *   CLOSE                close the connection (gracefully: FIN, TLS close_notify)
 *   RESET                close abruptly (SO_LINGER 0: RST)
 *   EOF                  the client must close the connection without sending anything more
 *   DRAIN                read and record everything until the client closes
 *   QUIET: MS            the client must send nothing for MS milliseconds (it waits for a reply)
 *
 * Steps that compute their answer from what the client sent (SCRAM, CRAM-MD5 with a random
 * challenge, endless challenges) are added with ep_script_server_add_responder() between parts
 * of a text script.
 *
 * When the client is gone, later sends are skipped silently; steps that need the client
 * (C:, DATA, BDAT, TLS) fail. The first failure ends the script and closes the connection.
 */

typedef enum
{
  EP_SCRIPT_STEP_SEND,
  EP_SCRIPT_STEP_EXPECT,
  EP_SCRIPT_STEP_EXPECT_OPTIONAL,
  EP_SCRIPT_STEP_READ_DATA,
  EP_SCRIPT_STEP_READ_BDAT,
  EP_SCRIPT_STEP_START_TLS,
  EP_SCRIPT_STEP_START_TLS_REJECTED,
  EP_SCRIPT_STEP_STALL,
  EP_SCRIPT_STEP_DRIP,
  EP_SCRIPT_STEP_FLOOD,
  EP_SCRIPT_STEP_DISCONNECT,
  EP_SCRIPT_STEP_RESET,
  EP_SCRIPT_STEP_EXPECT_CLOSE,
  EP_SCRIPT_STEP_DRAIN,
  EP_SCRIPT_STEP_QUIET,
  EP_SCRIPT_STEP_RESPOND,
  EP_SCRIPT_STEP_START_TLS_DRIP,
  EP_SCRIPT_STEP_RAW_DRIP,
  EP_SCRIPT_STEP_READ_LITERAL,
} EpScriptStepKind;

typedef enum
{
  EP_SCRIPT_RESPONSE_DONE,    /* send the reply, go on with the next step */
  EP_SCRIPT_RESPONSE_AGAIN,   /* send the reply, then read another line for the same responder */
  EP_SCRIPT_RESPONSE_FAIL,    /* record @error as a failure and end the script */
} EpScriptResponse;

/* Called on the server thread with one client line (without its CRLF, which the server checked);
 * appends what to send to @reply (nothing added). */
typedef EpScriptResponse (*EpScriptResponder) (const char  *line,
                                               GByteArray  *reply,
                                               gpointer     user_data,
                                               GError     **error);

#define EP_TYPE_SCRIPT_SERVER (ep_script_server_get_type ())
G_DECLARE_FINAL_TYPE (EpScriptServer, ep_script_server, EP, SCRIPT_SERVER, GObject)

EpScriptServer *ep_script_server_new             (void);
EpScriptServer *ep_script_server_new_for_script  (const char      *script,
                                                  GError         **error);
EpScriptServer *ep_script_server_new_for_test    (const char      *script);
void            ep_script_server_add_step        (EpScriptServer  *self,
                                                  EpScriptStepKind kind,
                                                  const char      *arg,
                                                  gssize           arg_len,
                                                  guint            number);
void            ep_script_server_add_responder   (EpScriptServer  *self,
                                                  EpScriptResponder responder,
                                                  gpointer         user_data);
gboolean        ep_script_server_add_script      (EpScriptServer  *self,
                                                  const char      *script,
                                                  GError         **error);
void            ep_script_server_set_io_timeout  (EpScriptServer  *self,
                                                  guint            seconds);
void            ep_script_server_set_port        (EpScriptServer  *self,
                                                  guint16          port);
gboolean        ep_script_server_start           (EpScriptServer  *self,
                                                  GError         **error);
guint16         ep_script_server_get_port        (EpScriptServer  *self);
gboolean        ep_script_server_wait            (EpScriptServer  *self,
                                                  guint            timeout_ms,
                                                  GError         **error);
void            ep_script_server_assert_done     (EpScriptServer  *self,
                                                  guint            timeout_ms);

gboolean        ep_script_server_get_connected   (EpScriptServer  *self);
gboolean        ep_script_server_get_completed   (EpScriptServer  *self);
/* How many steps have passed so far (from any thread): a test can wait for a point. */
guint           ep_script_server_get_n_steps_done (EpScriptServer *self);
GBytes         *ep_script_server_get_received    (EpScriptServer  *self);
char           *ep_script_server_dup_received_string (EpScriptServer *self);
GBytes         *ep_script_server_get_received_cleartext (EpScriptServer *self);
guint           ep_script_server_get_n_reads     (EpScriptServer  *self);
GBytes         *ep_script_server_get_read        (EpScriptServer  *self,
                                                  guint            index);
gboolean        ep_script_server_get_read_is_tls (EpScriptServer  *self,
                                                  guint            index);
guint           ep_script_server_get_n_bodies    (EpScriptServer  *self);
GBytes         *ep_script_server_get_body        (EpScriptServer  *self,
                                                  guint            index);
gboolean        ep_script_server_received_contains (EpScriptServer *self,
                                                    const char     *needle);

G_END_DECLS
