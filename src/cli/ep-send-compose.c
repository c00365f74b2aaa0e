/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-send-compose.c: the compose options of epistle-send turned into a checked EpMessage. */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <gio/gunixinputstream.h>
#include <gio/gunixoutputstream.h>
#include <glib/gi18n.h>

#include "ep-mime-error.h"
#include "ep-mime-writer.h"
#include "ep-send-compose.h"
#include "ep-send-exit.h"
#include "ep-send-identity.h"

static gboolean
add_recipients (EpMessage   *message,
                char       **texts,
                const char  *field,
                void       (*add) (EpMessage *, const EpAddress *),
                GError     **error)
{
  for (guint i = 0; texts != NULL && texts[i] != NULL; i++)
    {
      g_autoptr(GPtrArray) list = ep_address_list_parse (texts[i], field, error);

      if (list == NULL)
        return FALSE;
      for (guint j = 0; j < list->len; j++)
        add (message, g_ptr_array_index (list, j));
    }
  return TRUE;
}

static GBytes *
read_body (const char  *path,
           GError     **error)
{
  g_autoptr(GInputStream) in = NULL;
  g_autoptr(GOutputStream) mem = NULL;
  g_autoptr(GError) local_error = NULL;

  if (g_strcmp0 (path, "-") == 0)
    in = g_unix_input_stream_new (STDIN_FILENO, FALSE);
  else
    {
      g_autoptr(GFile) file = g_file_new_for_commandline_arg (path);
      g_autoptr(GFileInfo) info = g_file_query_info (file, G_FILE_ATTRIBUTE_STANDARD_TYPE,
                                                     G_FILE_QUERY_INFO_NONE, NULL, &local_error);

      if (info != NULL && g_file_info_get_file_type (info) == G_FILE_TYPE_DIRECTORY)
        g_set_error_literal (&local_error, G_IO_ERROR, G_IO_ERROR_IS_DIRECTORY,
                             _("is a directory"));
      else if (info != NULL)
        in = G_INPUT_STREAM (g_file_read (file, NULL, &local_error));
    }

  mem = g_memory_output_stream_new_resizable ();
  if (in == NULL ||
      g_output_stream_splice (mem, in, G_OUTPUT_STREAM_SPLICE_CLOSE_TARGET, NULL, &local_error) < 0)
    {
      g_set_error (error, EP_MIME_ERROR, EP_MIME_ERROR_FILE,
                   /* Translators: --body is the option, %s a file name, then the reason */
                   _("--body “%s”: %s"), path, local_error->message);
      return NULL;
    }
  return g_memory_output_stream_steal_as_bytes (G_MEMORY_OUTPUT_STREAM (mem));
}

/* Builds and prepares the message (so that missing or unreadable attachments are reported
 * here, before anything is written or sent). Returns an EpExitStatus; on anything but
 * EP_EXIT_OK, @error says what, naming the field or file. The network path sends the same
 * EpMessage. */
int
ep_send_compose_message (EpSendOptions  *opts,
                         EpMessage     **out,
                         GError        **error)
{
  g_autoptr(EpMessage) message = ep_message_new ();
  g_autoptr(GPtrArray) from = NULL;

  g_return_val_if_fail (opts != NULL, EP_EXIT_SOFTWARE);
  g_return_val_if_fail (out != NULL, EP_EXIT_SOFTWARE);
  /* The exit status is chosen from the error, so one is always needed. */
  g_return_val_if_fail (error != NULL && *error == NULL, EP_EXIT_SOFTWARE);

  if (opts->from == NULL)
    {
      g_set_error (error, EP_MIME_ERROR, EP_MIME_ERROR_MISSING_FIELD,
                   _("the sender is missing (--from ADDR)"));
      return EP_EXIT_USAGE;
    }
  from = ep_address_list_parse (opts->from, "From", error);
  if (from == NULL)
    return ep_send_exit_status_for (*error);
  if (from->len != 1)
    {
      g_set_error (error, EP_MIME_ERROR, EP_MIME_ERROR_INVALID_ADDRESS,
                   _("From: exactly one sender address is needed"));
      return EP_EXIT_DATAERR;
    }
  ep_message_set_from (message, g_ptr_array_index (from, 0));

  if (!add_recipients (message, opts->to, "To", ep_message_add_to, error) ||
      !add_recipients (message, opts->positional, "To", ep_message_add_to, error) ||
      !add_recipients (message, opts->cc, "Cc", ep_message_add_cc, error) ||
      !add_recipients (message, opts->bcc, "Bcc", ep_message_add_bcc, error))
    return ep_send_exit_status_for (*error);

  if (ep_message_get_to (message)->len + ep_message_get_cc (message)->len +
      ep_message_get_bcc (message)->len == 0)
    {
      g_set_error (error, EP_MIME_ERROR, EP_MIME_ERROR_MISSING_FIELD,
                   _("there is no recipient (--to, --cc, --bcc or RECIPIENT)"));
      return EP_EXIT_USAGE;
    }

  if (opts->subject != NULL && !ep_message_set_subject (message, opts->subject, error))
    return ep_send_exit_status_for (*error);

  if (opts->body != NULL)
    {
      g_autoptr(GBytes) body = read_body (opts->body, error);
      gsize len;
      const char *data;

      if (body == NULL)
        return EP_EXIT_NOINPUT;
      data = g_bytes_get_data (body, &len);
      if (!ep_message_set_body (message, data != NULL ? data : "", len, error))
        {
          g_prefix_error (error, "--body “%s”: ", opts->body);
          return ep_send_exit_status_for (*error);
        }
    }
  /* Long lines soft-wrapped (RFC 3676), as the app does by default. */
  ep_message_set_format_flowed (message, !opts->no_flowed);
  ep_message_set_read_receipt (message, opts->read_receipt);
  if (!ep_send_identity_apply (opts, message, error))
    return ep_send_exit_status_for (*error);

  for (guint i = 0; opts->attach != NULL && opts->attach[i] != NULL; i++)
    {
      g_autoptr(GFile) file = g_file_new_for_commandline_arg (opts->attach[i]);
      ep_message_add_attachment (message, file, NULL, NULL);
    }

  if (!ep_mime_writer_prepare (message, error))
    return ep_send_exit_status_for (*error);

  *out = g_steal_pointer (&message);
  return EP_EXIT_OK;
}

/* --print: the exact bytes that would be sent, on standard output, nothing added. */
int
ep_send_print (EpSendOptions *opts)
{
  g_autoptr(EpMessage) message = NULL;
  g_autoptr(GOutputStream) out = NULL;
  g_autoptr(GError) error = NULL;
  int status;

  status = ep_send_compose_message (opts, &message, &error);
  if (status != EP_EXIT_OK)
    {
      g_printerr ("epistle-send: %s\n", error->message);
      return status;
    }

  out = g_unix_output_stream_new (STDOUT_FILENO, FALSE);
  if (!ep_mime_writer_write (message, out, NULL, NULL, NULL, &error))
    {
      g_printerr ("epistle-send: %s\n", error->message);
      if (g_error_matches (error, EP_MIME_ERROR, EP_MIME_ERROR_FILE))
        return EP_EXIT_NOINPUT;
      return EP_EXIT_IOERR;
    }
  return EP_EXIT_OK;
}
