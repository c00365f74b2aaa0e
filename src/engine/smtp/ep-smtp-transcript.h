/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-smtp-transcript.h: the dialogue of a session, redacted, for --transcript and the UI (thread-safe). */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

typedef enum {
  EP_SMTP_TRANSCRIPT_CLIENT = 'C',   /* sent by us */
  EP_SMTP_TRANSCRIPT_SERVER = 'S',   /* received */
  EP_SMTP_TRANSCRIPT_INFO   = 'I',   /* what we did or decided: connect, TLS, body summary */
} EpSmtpTranscriptDirection;

typedef struct {
  EpSmtpTranscriptDirection direction;
  gint64                    time;     /* g_get_monotonic_time () */
  char                     *line;     /* no CRLF; already redacted */
} EpSmtpTranscriptEntry;

/* Called on the thread that adds the line (the session's worker), with the lock not held. */
typedef void (*EpSmtpTranscriptLineFunc) (EpSmtpTranscriptDirection direction,
                                          const char               *line,
                                          gpointer                  user_data);

#define EP_TYPE_SMTP_TRANSCRIPT (ep_smtp_transcript_get_type ())
G_DECLARE_FINAL_TYPE (EpSmtpTranscript, ep_smtp_transcript, EP, SMTP_TRANSCRIPT, GObject)

EpSmtpTranscript *ep_smtp_transcript_new           (void);
/* Appends a line. Callers redact: the session never passes secrets here. Also logged with g_debug. */
void              ep_smtp_transcript_add           (EpSmtpTranscript          *self,
                                                    EpSmtpTranscriptDirection  direction,
                                                    const char                *line);
void              ep_smtp_transcript_add_printf    (EpSmtpTranscript          *self,
                                                    EpSmtpTranscriptDirection  direction,
                                                    const char                *format,
                                                    ...) G_GNUC_PRINTF (3, 4);
void              ep_smtp_transcript_set_line_func (EpSmtpTranscript          *self,
                                                    EpSmtpTranscriptLineFunc   func,
                                                    gpointer                   user_data,
                                                    GDestroyNotify             destroy);
guint             ep_smtp_transcript_get_n_entries (EpSmtpTranscript          *self);
/* A snapshot (element-type EpSmtpTranscriptEntry, free function set). */
GPtrArray        *ep_smtp_transcript_dup_entries   (EpSmtpTranscript          *self);
/* "C: MAIL FROM:<a@b>\n" lines, in order. */
char             *ep_smtp_transcript_to_string     (EpSmtpTranscript          *self);

void              ep_smtp_transcript_entry_free    (EpSmtpTranscriptEntry     *entry);

G_END_DECLS
