/* SPDX-License-Identifier: GPL-3.0-or-later */
/* fuzz-imap-response.c: the IMAP response parser on what a hostile server may send.
 *
 * Oracles: the same bytes fed at once, one octet at a time and in uneven chunks give the same
 * responses and the same outcome; every response keeps within the named limits (tag length,
 * items, nesting) and holds no control character outside literals; and the one-shot form
 * agrees with the stream on a single response. */
#include "config.h"

#include <string.h>

#include "ep-fuzz.h"
#include "ep-imap-response.h"

int
LLVMFuzzerInitialize (int    *argc,
                      char ***argv)
{
  ep_fuzz_init ();
  return 0;
}

static gboolean
has_control (const char *text)
{
  for (const char *p = text; *p != '\0'; p++)
    if ((guchar) *p < 0x20 || *p == 0x7f)
      return TRUE;
  return FALSE;
}

/* Checks @item and appends a description; returns the number of items in it (itself included). */
static guint
describe_item (GString          *out,
               const EpImapItem *item,
               guint             depth)
{
  guint n = 1;

  EP_FUZZ_CHECK (depth <= EP_IMAP_NESTING_MAX);
  switch (item->kind)
    {
    case EP_IMAP_ITEM_ATOM:
      EP_FUZZ_CHECK (item->len > 0 && strlen (item->text) == item->len);
      EP_FUZZ_CHECK (!has_control (item->text));
      EP_FUZZ_CHECK (g_ascii_strcasecmp (item->text, "NIL") != 0);
      g_string_append_printf (out, "a:%s ", item->text);
      break;
    case EP_IMAP_ITEM_STRING:
      /* Literals may hold CR and LF, never NUL. */
      EP_FUZZ_CHECK (strlen (item->text) == item->len);
      EP_FUZZ_CHECK (item->len <= EP_IMAP_LITERAL_MAX);
      g_string_append_printf (out, "s%" G_GSIZE_FORMAT ":", item->len);
      g_string_append_len (out, item->text, item->len);
      g_string_append_c (out, ' ');
      break;
    case EP_IMAP_ITEM_NIL:
      EP_FUZZ_CHECK (item->children == NULL);
      g_string_append (out, "NIL ");
      break;
    case EP_IMAP_ITEM_LIST:
    default:
      EP_FUZZ_CHECK (item->kind == EP_IMAP_ITEM_LIST && item->children != NULL);
      EP_FUZZ_CHECK (depth < EP_IMAP_NESTING_MAX);
      g_string_append (out, "( ");
      for (guint i = 0; i < item->children->len; i++)
        n += describe_item (out, g_ptr_array_index (item->children, i), depth + 1);
      g_string_append (out, ") ");
      break;
    }
  return n;
}

static void
describe_response (GString              *out,
                   const EpImapResponse *response)
{
  guint n_items = 0;
  g_autofree char *display = ep_imap_response_dup_display_text (response);

  EP_FUZZ_CHECK (g_utf8_validate (display, -1, NULL));
  g_string_append_printf (out, "%d|%s|%d|%s|%s|%s|", response->kind,
                          response->tag != NULL ? response->tag : "-", response->status,
                          response->code != NULL ? response->code : "-",
                          response->code_args != NULL ? response->code_args : "-",
                          response->text != NULL ? response->text : "-");
  if (response->kind == EP_IMAP_RESPONSE_TAGGED)
    {
      EP_FUZZ_CHECK (response->tag != NULL && *response->tag != '\0');
      EP_FUZZ_CHECK (strlen (response->tag) <= EP_IMAP_TAG_MAX);
      EP_FUZZ_CHECK (response->status == EP_IMAP_STATUS_OK || response->status == EP_IMAP_STATUS_NO
                     || response->status == EP_IMAP_STATUS_BAD);
    }
  else
    EP_FUZZ_CHECK (response->tag == NULL);
  if (response->text != NULL)
    EP_FUZZ_CHECK (!has_control (response->text));
  if (response->code_args != NULL)
    EP_FUZZ_CHECK (!has_control (response->code_args));
  if (response->status != EP_IMAP_STATUS_NONE || response->kind == EP_IMAP_RESPONSE_CONTINUATION)
    EP_FUZZ_CHECK (response->items->len == 0);
  else
    EP_FUZZ_CHECK (response->items->len > 0);
  for (guint i = 0; i < response->items->len; i++)
    n_items += describe_item (out, g_ptr_array_index (response->items, i), 0);
  EP_FUZZ_CHECK (n_items <= EP_IMAP_ITEMS_MAX);
  g_string_append_c (out, '\n');
}

/* Feeds @data in pieces of at most @chunk octets (0: the sizes cycle through 1..7). */
static char *
parse_stream (const uint8_t *data,
              size_t         size,
              gsize          chunk)
{
  g_autoptr(EpImapParser) parser = ep_imap_parser_new ();
  g_autoptr(GString) out = g_string_new (NULL);
  gsize pos = 0;
  guint step = 0;

  while (pos < size)
    {
      gsize want = chunk != 0 ? chunk : 1 + step++ % 7;
      gsize n = MIN (want, size - pos);
      gsize consumed = G_MAXSIZE;
      g_autoptr(GError) error = NULL;
      EpImapParserStatus status;

      status = ep_imap_parser_feed (parser, (const char *) data + pos, n, &consumed, &error);
      EP_FUZZ_CHECK (consumed <= n);
      if (status == EP_IMAP_PARSER_ERROR)
        {
          EP_FUZZ_CHECK (g_error_matches (error, EP_IMAP_ERROR, EP_IMAP_ERROR_PROTOCOL));
          g_string_append_printf (out, "ERROR at %" G_GSIZE_FORMAT "\n", pos + consumed);
          return g_string_free (g_steal_pointer (&out), FALSE);
        }
      EP_FUZZ_CHECK (error == NULL);
      pos += consumed;
      if (status == EP_IMAP_PARSER_COMPLETE)
        {
          g_autoptr(EpImapResponse) response = NULL;
          g_auto(GStrv) lines = ep_imap_parser_dup_lines (parser);

          for (guint i = 0; lines[i] != NULL; i++)
            EP_FUZZ_CHECK (strlen (lines[i]) < EP_IMAP_LINE_MAX);
          response = ep_imap_parser_take_response (parser);
          EP_FUZZ_CHECK (response != NULL);
          describe_response (out, response);
        }
      else
        EP_FUZZ_CHECK (consumed == n);
    }
  g_string_append (out, "END\n");
  return g_string_free (g_steal_pointer (&out), FALSE);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autofree char *whole = parse_stream (data, size, MAX (size, 1));
  g_autofree char *bytewise = parse_stream (data, size, 1);
  g_autofree char *uneven = parse_stream (data, size, 0);
  g_autoptr(EpImapResponse) single = NULL;
  g_autoptr(GError) error = NULL;

  EP_FUZZ_CHECK_MEM (bytewise, strlen (bytewise), whole, strlen (whole));
  EP_FUZZ_CHECK_MEM (uneven, strlen (uneven), whole, strlen (whole));

  /* The one-shot form accepts exactly one complete response and nothing after it. */
  single = ep_imap_response_parse ((const char *) data, size, &error);
  if (single != NULL)
    {
      g_autoptr(GString) expected = g_string_new (NULL);

      describe_response (expected, single);
      g_string_append (expected, "END\n");
      EP_FUZZ_CHECK_MEM (expected->str, expected->len, whole, strlen (whole));
    }
  else
    EP_FUZZ_CHECK (g_error_matches (error, EP_IMAP_ERROR, EP_IMAP_ERROR_PROTOCOL));

  return 0;
}
