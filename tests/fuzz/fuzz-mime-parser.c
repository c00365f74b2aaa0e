/* SPDX-License-Identifier: GPL-3.0-or-later */
/* fuzz-mime-parser.c: the MIME reader on messages any client can hand the Sandbox.
 *
 * Every accessor runs on every part. Oracles: the tree respects EP_MIME_PARSER_MAX_DEPTH and
 * EP_MIME_PARSER_MAX_PARTS; headers come in name/value pairs; content types are "type/subtype"
 * in lower case; file names never hold a "/" (they name files to be saved); what the Sandbox
 * view shows in labels (decoded header text, file names, text parts) is valid UTF-8. */
#include "config.h"

#include <string.h>

#include "ep-fuzz.h"
#include "ep-mime-error.h"
#include "ep-mime-parser.h"

int
LLVMFuzzerInitialize (int    *argc,
                      char ***argv)
{
  ep_fuzz_init ();
  return 0;
}

static void
check_part (EpMimePart *part,
            guint       depth,
            guint      *n_parts)
{
  const char * const *headers = ep_mime_part_get_headers (part);
  const char *type = ep_mime_part_get_content_type (part);
  g_autofree char *lower = g_ascii_strdown (type, -1);
  g_autofree char *filename = ep_mime_part_dup_filename (part);
  g_autofree char *subject = ep_mime_part_dup_header_text (part, "Subject");
  g_autofree char *from = ep_mime_part_dup_header_text (part, "From");
  g_autoptr(GBytes) body = NULL;
  g_autoptr(GError) error = NULL;
  GPtrArray *children;
  guint n_headers = 0;

  EP_FUZZ_CHECK (depth <= EP_MIME_PARSER_MAX_DEPTH);
  (*n_parts)++;

  while (headers[n_headers] != NULL)
    n_headers++;
  EP_FUZZ_CHECK (n_headers % 2 == 0);
  EP_FUZZ_CHECK (n_headers / 2 <= EP_MIME_PARSER_MAX_HEADERS);
  for (guint i = 0; i < n_headers; i += 2)
    EP_FUZZ_CHECK (ep_mime_part_get_header (part, headers[i]) != NULL);

  EP_FUZZ_CHECK (strchr (type, '/') != NULL);
  EP_FUZZ_CHECK (g_str_equal (type, lower));
  ep_mime_part_get_param (part, "charset");
  ep_mime_part_get_param (part, "boundary");
  ep_mime_part_get_param (part, "name");
  if (filename != NULL)
    {
      EP_FUZZ_CHECK_MSG (strchr (filename, '/') == NULL, "file name “%s”", filename);
      EP_FUZZ_CHECK (g_utf8_validate (filename, -1, NULL));
    }
  EP_FUZZ_CHECK (subject == NULL || g_utf8_validate (subject, -1, NULL));
  EP_FUZZ_CHECK (from == NULL || g_utf8_validate (from, -1, NULL));
  ep_mime_part_is_attachment (part);

  body = ep_mime_part_decode (part, &error);
  EP_FUZZ_CHECK ((body == NULL) == (error != NULL));
  if (body == NULL)
    EP_FUZZ_CHECK (g_error_matches (error, EP_MIME_ERROR, EP_MIME_ERROR_INVALID_ENCODING));
  g_clear_error (&error);

  if (g_str_has_prefix (type, "text/"))
    {
      g_autofree char *text = ep_mime_part_dup_text (part, &error);

      EP_FUZZ_CHECK ((text == NULL) == (error != NULL));
      if (text != NULL)
        EP_FUZZ_CHECK (g_utf8_validate (text, -1, NULL));
    }

  children = ep_mime_part_get_children (part);
  for (guint i = 0; children != NULL && i < children->len; i++)
    check_part (children->pdata[i], depth + 1, n_parts);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(GBytes) bytes = g_bytes_new (data, size);
  g_autoptr(EpMimePart) message = NULL;
  g_autoptr(GPtrArray) leaves = NULL;
  g_autoptr(GError) error = NULL;
  guint n_parts = 0;

  message = ep_mime_parse (bytes, &error);
  if (message == NULL)
    {
      EP_FUZZ_CHECK (size == 0 && error != NULL);
      return 0;
    }
  check_part (message, 0, &n_parts);
  EP_FUZZ_CHECK (n_parts <= EP_MIME_PARSER_MAX_PARTS);

  leaves = ep_mime_part_collect_leaves (message);
  EP_FUZZ_CHECK (leaves->len >= 1 && leaves->len <= n_parts);
  return 0;
}
