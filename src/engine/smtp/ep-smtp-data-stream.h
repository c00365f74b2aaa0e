/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-smtp-data-stream.h: output filters for the message body on the wire: CRLF normalisation and
 * dot-stuffing for DATA (RFC 5321 §4.5.2), and BDAT framing for CHUNKING (RFC 3030). */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* Writes to the base stream are gathered into buffers of this size: large writes keep the
 * socket, not us, the limit. */
#define EP_SMTP_DATA_BUFFER_SIZE  (256 * 1024)
/* Octets per BDAT chunk (RFC 3030 leaves the size to the client). */
#define EP_SMTP_BDAT_CHUNK_SIZE   (1024 * 1024)

typedef enum {
  EP_SMTP_DATA_STREAM_NORMALIZE_ONLY = 0,       /* CRLF normalisation only (in front of BDAT) */
  EP_SMTP_DATA_STREAM_DOT_STUFF      = 1 << 0,  /* '.' at a line start is doubled */
  EP_SMTP_DATA_STREAM_TERMINATE      = 1 << 1,  /* close writes the final "CRLF.CRLF" */
  /* The input is CRLF throughout already (the MIME writer's output): without DOT_STUFF nothing
   * is scanned, the octets pass as they are (in front of BDAT). */
  EP_SMTP_DATA_STREAM_CRLF_INPUT     = 1 << 2,
} EpSmtpDataStreamFlags;

#define EP_SMTP_DATA_STREAM_DATA (EP_SMTP_DATA_STREAM_DOT_STUFF | EP_SMTP_DATA_STREAM_TERMINATE)

#define EP_TYPE_SMTP_DATA_STREAM (ep_smtp_data_stream_get_type ())
G_DECLARE_FINAL_TYPE (EpSmtpDataStream, ep_smtp_data_stream, EP, SMTP_DATA_STREAM, GFilterOutputStream)

/* Bare LF and bare CR become CRLF. Closing the filter flushes and (with TERMINATE) ends the data;
 * it does not close @base_stream. */
GOutputStream *ep_smtp_data_stream_new            (GOutputStream         *base_stream,
                                                   EpSmtpDataStreamFlags  flags);
/* After a failure upstream (the MIME writer stopped half-way): closing (or finalizing) the stream
 * will then NOT end the data, so a truncated message is never delivered. A failed write aborts too. */
void           ep_smtp_data_stream_abort          (EpSmtpDataStream      *self);
/* TRUE when a write to the base stream failed (as opposed to the writer's own input failing). */
gboolean       ep_smtp_data_stream_get_base_failed (EpSmtpDataStream     *self);
/* Octets received from the writer (the message size as composed). */
guint64        ep_smtp_data_stream_get_bytes_in   (EpSmtpDataStream      *self);
/* Octets passed to the base stream, stuffing and terminator included. */
guint64        ep_smtp_data_stream_get_bytes_out  (EpSmtpDataStream      *self);

/* Called after each BDAT chunk went to the base stream; return FALSE (with @error) to stop: the
 * session reads the chunk's reply here, or looks for an early one when pipelining. */
typedef gboolean (*EpSmtpBdatChunkFunc) (guint64   chunk_size,
                                         gboolean  last,
                                         gpointer  user_data,
                                         GError  **error);

#define EP_TYPE_SMTP_BDAT_STREAM (ep_smtp_bdat_stream_get_type ())
G_DECLARE_FINAL_TYPE (EpSmtpBdatStream, ep_smtp_bdat_stream, EP, SMTP_BDAT_STREAM, GFilterOutputStream)

/* Frames what is written as "BDAT n\r\n" + n octets; closing sends the rest as "BDAT n LAST\r\n"
 * (n may be 0). @chunk_size 0 = EP_SMTP_BDAT_CHUNK_SIZE. Does not close @base_stream. */
GOutputStream *ep_smtp_bdat_stream_new            (GOutputStream         *base_stream,
                                                   gsize                  chunk_size,
                                                   EpSmtpBdatChunkFunc    chunk_func,
                                                   gpointer               user_data);
/* As for the data stream: after this, closing sends no "BDAT n LAST". */
void           ep_smtp_bdat_stream_abort          (EpSmtpBdatStream      *self);
guint          ep_smtp_bdat_stream_get_n_chunks   (EpSmtpBdatStream      *self);
guint64        ep_smtp_bdat_stream_get_bytes_in   (EpSmtpBdatStream      *self);

G_END_DECLS
