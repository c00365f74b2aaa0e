/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-smtp-transcript.h: the dialogue of an SMTP session, redacted, as "C: "/"S: "/"I: " lines: the
 * client's (for --transcript, the UI and Sent copies) and the Sandbox's (kept with each message),
 * from either side's point of view, in the same format. Thread-safe. */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

/* Who a line is from: the letters name the party, not the direction, so that the client's and the
 * server's transcripts of one session read alike. */
typedef enum {
  EP_SMTP_TRANSCRIPT_CLIENT = 'C',   /* a line of the client: sent by the client, received by a server */
  EP_SMTP_TRANSCRIPT_SERVER = 'S',   /* a line of the server */
  EP_SMTP_TRANSCRIPT_INFO   = 'I',   /* what the side keeping the transcript did or saw: connect, TLS, a summary */
} EpSmtpTranscriptDirection;

/* What stands in a line for a secret: an AUTH payload, a SASL challenge or response. */
#define EP_SMTP_TRANSCRIPT_REDACTED "[redacted]"
/* The last line of a transcript that reached its size limit. */
#define EP_SMTP_TRANSCRIPT_TRUNCATED "[transcript truncated]"

typedef struct {
  EpSmtpTranscriptDirection direction;
  gint64                    time;     /* g_get_monotonic_time () */
  char                     *line;     /* no CRLF; already redacted; control octets as \xNN */
} EpSmtpTranscriptEntry;

/* Called on the thread that adds the line (the session's worker), with the lock not held. */
typedef void (*EpSmtpTranscriptLineFunc) (EpSmtpTranscriptDirection direction,
                                          const char               *line,
                                          gpointer                  user_data);

#define EP_TYPE_SMTP_TRANSCRIPT (ep_smtp_transcript_get_type ())
G_DECLARE_FINAL_TYPE (EpSmtpTranscript, ep_smtp_transcript, EP, SMTP_TRANSCRIPT, GObject)

EpSmtpTranscript *ep_smtp_transcript_new             (void);
/* Once the lines take more than @max_size octets as text (0, the default: no limit), a last
 * "I: [transcript truncated]" is added and later lines are dropped. */
void              ep_smtp_transcript_set_max_size    (EpSmtpTranscript          *self,
                                                      gsize                      max_size);
/* Each line is also logged with g_debug() in @log_domain (a static string; default the SMTP
 * client's, "Epistle-Smtp"). */
void              ep_smtp_transcript_set_log_domain  (EpSmtpTranscript          *self,
                                                      const char                *log_domain);
/* Appends a line. Callers redact: secrets never come here. Octets that could end or break the
 * line (C0 controls, DEL; every octet from 0x80 up when the line is not UTF-8) are written as
 * "\xNN" (ep_text_append_escaped()), so each entry is one line of printable text. */
void              ep_smtp_transcript_add             (EpSmtpTranscript          *self,
                                                      EpSmtpTranscriptDirection  direction,
                                                      const char                *line);
/* The same for @length octets that may hold a NUL (a peer's line as it came). */
void              ep_smtp_transcript_add_len         (EpSmtpTranscript          *self,
                                                      EpSmtpTranscriptDirection  direction,
                                                      const char                *line,
                                                      gsize                      length);
void              ep_smtp_transcript_add_printf      (EpSmtpTranscript          *self,
                                                      EpSmtpTranscriptDirection  direction,
                                                      const char                *format,
                                                      ...) G_GNUC_PRINTF (3, 4);
void              ep_smtp_transcript_set_line_func   (EpSmtpTranscript          *self,
                                                      EpSmtpTranscriptLineFunc   func,
                                                      gpointer                   user_data,
                                                      GDestroyNotify             destroy);
guint             ep_smtp_transcript_get_n_entries   (EpSmtpTranscript          *self);
/* A snapshot (element-type EpSmtpTranscriptEntry, free function set). */
GPtrArray        *ep_smtp_transcript_dup_entries     (EpSmtpTranscript          *self);
/* "C: MAIL FROM:<a@b>\n" lines, in order. */
char             *ep_smtp_transcript_to_string       (EpSmtpTranscript          *self);

void              ep_smtp_transcript_entry_free      (EpSmtpTranscriptEntry     *entry);

G_END_DECLS
