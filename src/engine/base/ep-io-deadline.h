/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-io-deadline.h: blocking GIO calls bounded by a deadline, TLS included. */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/*
 * A socket timeout (g_socket_set_timeout) bounds each read or write of the socket, not a GIO
 * call: inside the TLS backend one record, or one handshake flight, is read by as many socket
 * reads as the peer likes, so a peer that sends a byte now and then keeps one
 * g_input_stream_read() or g_tls_connection_handshake() blocked for as long as it keeps dripping.
 *
 * An EpIoDeadline is a cancellable that a timer cancels at a deadline (monotonic microseconds,
 * as g_get_monotonic_time()) and that follows the caller's own cancellable. Hand it to the
 * blocking call; afterwards ep_io_deadline_check() turns the cancellation it caused into
 * G_IO_ERROR_TIMED_OUT. A cancellation by the caller's cancellable stays G_IO_ERROR_CANCELLED.
 *
 * A call cut at its deadline may leave the stream in the middle of a record or a handshake:
 * the caller should close it. The helpers below are the usual calls, each under one deadline;
 * a write or flush that the deadline interrupted fails even if the stream reported it done.
 */
typedef struct _EpIoDeadline EpIoDeadline;

EpIoDeadline *ep_io_deadline_new             (gint64         deadline,
                                              GCancellable  *cancellable);
GCancellable *ep_io_deadline_get_cancellable (EpIoDeadline  *self);
/* TRUE once the deadline has cancelled the call. */
gboolean      ep_io_deadline_expired         (EpIoDeadline  *self);
/* Replaces a G_IO_ERROR_CANCELLED in @error that the deadline caused by G_IO_ERROR_TIMED_OUT. */
void          ep_io_deadline_check           (EpIoDeadline  *self,
                                              GError       **error);
void          ep_io_deadline_free            (EpIoDeadline  *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (EpIoDeadline, ep_io_deadline_free)

gssize        ep_io_read                     (GInputStream   *stream,
                                              void           *buffer,
                                              gsize           count,
                                              gint64          deadline,
                                              GCancellable   *cancellable,
                                              GError        **error);
gboolean      ep_io_write_all                (GOutputStream  *stream,
                                              const void     *buffer,
                                              gsize           count,
                                              gint64          deadline,
                                              GCancellable   *cancellable,
                                              GError        **error);
gboolean      ep_io_flush                    (GOutputStream  *stream,
                                              gint64          deadline,
                                              GCancellable   *cancellable,
                                              GError        **error);
gboolean      ep_io_handshake                (GTlsConnection *connection,
                                              gint64          deadline,
                                              GCancellable   *cancellable,
                                              GError        **error);
gboolean      ep_io_close                    (GIOStream      *stream,
                                              gint64          deadline,
                                              GCancellable   *cancellable,
                                              GError        **error);

/*
 * A filter over @base in which every write, flush and close must be done within @timeout_us
 * of its start (G_IO_ERROR_TIMED_OUT otherwise). A write takes at most
 * EP_IO_DEADLINE_WRITE_PIECE octets, all of which must leave in that time: a slow link that
 * keeps up that rate is not cut off, while a peer that stops reading, or takes a byte now and
 * then, is. Closing it leaves @base open.
 */
/* 64 KiB: with the default 60 s timeout, about 1 KB/s at least. */
#define EP_IO_DEADLINE_WRITE_PIECE (64 * 1024)
#define EP_TYPE_IO_DEADLINE_OUTPUT_STREAM (ep_io_deadline_output_stream_get_type ())
G_DECLARE_FINAL_TYPE (EpIoDeadlineOutputStream, ep_io_deadline_output_stream,
                      EP, IO_DEADLINE_OUTPUT_STREAM, GFilterOutputStream)

GOutputStream *ep_io_deadline_output_stream_new (GOutputStream *base,
                                                 gint64         timeout_us);

G_END_DECLS
