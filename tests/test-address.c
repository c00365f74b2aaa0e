/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-address.c: addr-spec validation, IDN, SMTPUTF8, header form and the typed-list parser. */
#include "config.h"

#include <string.h>

#include "ep-address.h"
#include "ep-mime-error.h"

/* What a list parses to: "name|addr-spec|envelope" per address, joined by "\n"; NULL = error. */
typedef struct {
  const char *input;
  const char *expected;
} ListCase;

static const ListCase list_cases[] = {
  /* Valid. */
  { "", "" },
  { "   ", "" },
  { "jane@example.com", "|jane@example.com|jane@example.com" },
  { "  jane@example.com  ", "|jane@example.com|jane@example.com" },
  { "<jane@example.com>", "|jane@example.com|jane@example.com" },
  { "Jane Doe <jane@example.com>", "Jane Doe|jane@example.com|jane@example.com" },
  { "Jane   Doe   <jane@example.com>", "Jane Doe|jane@example.com|jane@example.com" },
  { "\"Doe, Jane\" <jane@example.com>", "Doe, Jane|jane@example.com|jane@example.com" },
  { "\"He said \\\"hi\\\"\" <h@example.com>", "He said \"hi\"|h@example.com|h@example.com" },
  { "\"back\\\\slash\" <b@example.com>", "back\\slash|b@example.com|b@example.com" },
  { "\"Tab\tIn Name\" <t@example.com>", "Tab In Name|t@example.com|t@example.com" },
  { "Jane Doe <jane@example.com>, bob@example.com; \"Doe, John\" <j@example.org>",
    "Jane Doe|jane@example.com|jane@example.com\n|bob@example.com|bob@example.com\n"
    "Doe, John|j@example.org|j@example.org" },
  { "a@example.com,b@example.com", "|a@example.com|a@example.com\n|b@example.com|b@example.com" },
  { "a@example.com;b@example.com;", "|a@example.com|a@example.com\n|b@example.com|b@example.com" },
  { "a@example.com,, ,b@example.com", "|a@example.com|a@example.com\n|b@example.com|b@example.com" },
  { "a@example.com\t, b@example.com", "|a@example.com|a@example.com\n|b@example.com|b@example.com" },
  { "bob@example.com (Bob Smith)", "|bob@example.com|bob@example.com" },
  { "(comment) Bob <bob@example.com>", "Bob|bob@example.com|bob@example.com" },
  { "Bob (the (nested) builder) <bob@example.com>", "Bob|bob@example.com|bob@example.com" },
  { "Team: a@example.com, b@example.com;", "|a@example.com|a@example.com\n|b@example.com|b@example.com" },
  { "undisclosed-recipients:;", "" },
  { "first.last@example.com", "|first.last@example.com|first.last@example.com" },
  { "user+tag@example.com", "|user+tag@example.com|user+tag@example.com" },
  { "!#$%&'*+-/=?^_`{|}~@example.com", "|!#$%&'*+-/=?^_`{|}~@example.com|!#$%&'*+-/=?^_`{|}~@example.com" },
  { "\"john doe\"@example.com", "|\"john doe\"@example.com|\"john doe\"@example.com" },
  { "\"a@b\"@example.com", "|\"a@b\"@example.com|\"a@b\"@example.com" },
  { "\"Quoted \\\"local\\\"\"@example.com", "|\"Quoted \\\"local\\\"\"@example.com|\"Quoted \\\"local\\\"\"@example.com" },
  { "user@localhost", "|user@localhost|user@localhost" },
  { "user@[127.0.0.1]", "|user@[127.0.0.1]|user@[127.0.0.1]" },
  { "user@[IPv6:::1]", "|user@[IPv6:::1]|user@[IPv6:::1]" },
  { "user@sub-domain.example.co.uk", "|user@sub-domain.example.co.uk|user@sub-domain.example.co.uk" },
  { "user@EXAMPLE.COM", "|user@EXAMPLE.COM|user@example.com" },
  { "info@bücher.example", "|info@bücher.example|info@xn--bcher-kva.example" },
  { "Ärger <x@münchen.example>", "Ärger|x@münchen.example|x@xn--mnchen-3ya.example" },
  { "y@例え.テスト", "|y@例え.テスト|y@xn--r8jz45g.xn--zckzah" },
  { "jörg@example.com", "|jörg@example.com|jörg@example.com" },
  { "山田 太郎 <taro@example.jp>", "山田 太郎|taro@example.jp|taro@example.jp" },
  { "=?UTF-8?Q?J=C3=B6rg?= <j@example.com>", "Jörg|j@example.com|j@example.com" },
  { "\"Zoë “Z” O’Neil, Jr.\" <zoe@example.ie>", "Zoë “Z” O’Neil, Jr.|zoe@example.ie|zoe@example.ie" },
  { "Name <  spaced@example.com  >", "Name|spaced@example.com|spaced@example.com" },
  { "\"\" <empty-name@example.com>", "|empty-name@example.com|empty-name@example.com" },
  /* Invalid. */
  { "foo@", NULL },
  { "@example.com", NULL },
  { "foo", NULL },
  { "John Smith", NULL },
  { "a@b@example.com", NULL },
  { ".a@example.com", NULL },
  { "a.@example.com", NULL },
  { "a..b@example.com", NULL },
  { "a b@example.com", NULL },
  { "a@exa mple.com", NULL },
  { "a@-example.com", NULL },
  { "a@example-.com", NULL },
  { "a@example..com", NULL },
  { "a@.example.com", NULL },
  { "a@example.com.", NULL },
  { "a@exam_ple.com", NULL },
  { "a@[300.1.1.1]", NULL },
  { "a@[127.0.0.1", NULL },
  { "Jane <jane@example.com", NULL },
  { "Jane jane@example.com>", NULL },
  { "Jane <jane@example.com> trailing", NULL },
  { "<>", NULL },
  { "Jane <a@x.com> <b@x.com>", NULL },
  { "\"unterminated <a@example.com>", NULL },
  { "(unterminated a@example.com", NULL },
  { "\"a\"b@example.com", NULL },
  { "a@example.com\r\nBcc: evil@example.com", NULL },
  { "a@example.com\nb@example.com", NULL },
  { "Evil\rName <e@example.com>", NULL },
  { "del\x7f@example.com", NULL },
  { "a@example.com Bcc: evil@example.com", NULL },
  { "a(b)c@example.com", NULL },
  { "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx@example.com", NULL },
  { "a@xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx.com", NULL },
  { "a@\xff.com", NULL },
};

static char *
describe (GPtrArray *list)
{
  GString *s = g_string_new (NULL);

  for (guint i = 0; i < list->len; i++)
    {
      EpAddress *a = g_ptr_array_index (list, i);

      if (i > 0)
        g_string_append_c (s, '\n');
      g_string_append_printf (s, "%s|%s|%s", ep_address_get_name (a) ? ep_address_get_name (a) : "",
                              ep_address_get_addr_spec (a), ep_address_get_envelope (a));
    }
  return g_string_free (s, FALSE);
}

static void
test_list_cases (void)
{
  guint n_valid = 0, n_invalid = 0;

  for (guint i = 0; i < G_N_ELEMENTS (list_cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GPtrArray) list = ep_address_list_parse (list_cases[i].input, "To", &error);

      g_autofree char *shown = g_strescape (list_cases[i].input, NULL);

      g_test_message ("parsing “%s”", shown);
      if (list_cases[i].expected == NULL)
        {
          g_assert_null (list);
          g_assert_nonnull (error);
          g_assert_true (error->domain == EP_MIME_ERROR);
          g_assert_true (error->code == EP_MIME_ERROR_INVALID_ADDRESS ||
                         error->code == EP_MIME_ERROR_INVALID_UTF8 ||
                         error->code == EP_MIME_ERROR_INVALID_HEADER);
          /* The message names the field. */
          g_assert_true (g_str_has_prefix (error->message, "To: "));
          n_invalid++;
        }
      else
        {
          g_autofree char *got = NULL;

          g_assert_no_error (error);
          g_assert_nonnull (list);
          got = describe (list);
          g_assert_cmpstr (got, ==, list_cases[i].expected);
          n_valid++;
        }
    }
  g_assert_cmpuint (n_valid + n_invalid, >=, 50);
  g_assert_cmpuint (n_invalid, >=, 20);
}

static void
test_error_message (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) list = ep_address_list_parse ("foo@", "Cc", &error);

  g_assert_null (list);
  g_assert_error (error, EP_MIME_ERROR, EP_MIME_ERROR_INVALID_ADDRESS);
  g_assert_true (g_str_has_prefix (error->message, "Cc: invalid address “foo@”: "));
}

static void
test_new_and_header (void)
{
  static const struct { const char *name, *spec, *header; } cases[] = {
    { NULL, "jane@example.com", "jane@example.com" },
    { "Jane Doe", "jane@example.com", "Jane Doe <jane@example.com>" },
    { "  Jane  ", "jane@example.com", "Jane <jane@example.com>" },
    { "", "jane@example.com", "jane@example.com" },
    { "Doe, Jane", "jane@example.com", "\"Doe, Jane\" <jane@example.com>" },
    { "Jürgen", "j@bücher.example", "=?UTF-8?Q?J=C3=BCrgen?= <j@xn--bcher-kva.example>" },
    { NULL, "jörg@bücher.example", "jörg@bücher.example" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(EpAddress) addr = ep_address_new (cases[i].name, cases[i].spec, "From", &error);
      g_autoptr(EpAddress) copy = NULL;
      g_autofree char *header = NULL;
      g_autofree char *copy_header = NULL;

      g_assert_no_error (error);
      header = ep_address_to_header (addr);
      g_assert_cmpstr (header, ==, cases[i].header);
      copy = ep_address_copy (addr);
      copy_header = ep_address_to_header (copy);
      g_assert_cmpstr (copy_header, ==, header);
      g_assert_cmpstr (ep_address_get_envelope (copy), ==, ep_address_get_envelope (addr));
    }
}

static void
test_smtputf8 (void)
{
  g_autoptr(EpAddress) ascii = ep_address_new (NULL, "a@bücher.example", "To", NULL);
  g_autoptr(EpAddress) utf8 = ep_address_new ("Jörg", "jörg@example.com", "To", NULL);

  g_assert_false (ep_address_needs_smtputf8 (ascii));
  g_assert_true (ep_address_needs_smtputf8 (utf8));
  g_assert_cmpstr (ep_address_get_domain (ascii), ==, "xn--bcher-kva.example");
  g_assert_cmpstr (ep_address_get_envelope (utf8), ==, "jörg@example.com");
}

static void
test_name_rejected (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(EpAddress) addr = ep_address_new ("Evil\nBcc: x@y", "a@example.com", "From", &error);

  g_assert_null (addr);
  g_assert_error (error, EP_MIME_ERROR, EP_MIME_ERROR_INVALID_HEADER);
  g_assert_true (g_str_has_prefix (error->message, "From: "));
}

static void
test_boxed (void)
{
  g_autoptr(EpAddress) addr = ep_address_new ("A", "a@example.com", "To", NULL);
  EpAddress *copy = g_boxed_copy (EP_TYPE_ADDRESS, addr);

  g_assert_true (G_TYPE_IS_BOXED (EP_TYPE_ADDRESS));
  g_assert_cmpstr (ep_address_get_name (copy), ==, "A");
  g_boxed_free (EP_TYPE_ADDRESS, copy);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/address/list-cases", test_list_cases);
  g_test_add_func ("/address/error-message", test_error_message);
  g_test_add_func ("/address/new-and-header", test_new_and_header);
  g_test_add_func ("/address/smtputf8", test_smtputf8);
  g_test_add_func ("/address/name-rejected", test_name_rejected);
  g_test_add_func ("/address/boxed", test_boxed);

  return g_test_run ();
}
