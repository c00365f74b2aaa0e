/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-smtp-path.c: the RFC 5321 path grammar (smtp/ep-smtp-path.h) shared by the client and the
 * Sandbox: the table of ep-smtp-path-cases.h, the null reverse-path and <Postmaster>, and the
 * splitting of MAIL/RCPT arguments. test-sandbox-server runs the same table through the client's
 * envelope and the Sandbox's MAIL and RCPT. */
#include "config.h"

#include <string.h>

#include "ep-smtp-path-cases.h"
#include "ep-smtp-path.h"

static void
test_cases (void)
{
  g_autoptr(GPtrArray) limits = ep_smtp_path_limit_cases ();

  for (guint i = 0; i < G_N_ELEMENTS (ep_smtp_path_cases); i++)
    {
      const EpSmtpPathCase *c = &ep_smtp_path_cases[i];

      g_test_message ("%s: %s", c->why, c->mailbox);
      g_assert_cmpint (ep_smtp_mailbox_is_valid (c->mailbox), ==, c->valid);
      g_assert_cmpint (ep_smtp_reverse_path_is_valid (c->mailbox), ==, c->valid);
      g_assert_cmpint (ep_smtp_forward_path_is_valid (c->mailbox), ==, c->valid);
    }
  for (guint i = 0; i < limits->len; i++)
    {
      const char *text = g_ptr_array_index (limits, i);

      g_test_message ("limit: %s (%zu octets)", text + 1, strlen (text + 1));
      g_assert_cmpint (ep_smtp_mailbox_is_valid (text + 1), ==, text[0] == '+');
    }
}

/* The two paths that are not a Mailbox: "<>" as the sender, <Postmaster> as a recipient. */
static void
test_null_and_postmaster (void)
{
  g_assert_true (ep_smtp_reverse_path_is_valid (""));
  g_assert_false (ep_smtp_forward_path_is_valid (""));
  g_assert_false (ep_smtp_mailbox_is_valid (""));

  g_assert_true (ep_smtp_forward_path_is_valid ("Postmaster"));
  g_assert_true (ep_smtp_forward_path_is_valid ("postmaster"));
  g_assert_true (ep_smtp_forward_path_is_valid ("POSTMASTER"));
  g_assert_false (ep_smtp_reverse_path_is_valid ("postmaster"));
  g_assert_false (ep_smtp_mailbox_is_valid ("postmaster"));
  g_assert_false (ep_smtp_forward_path_is_valid ("postmasters"));
  g_assert_true (ep_smtp_reverse_path_is_valid ("postmaster@example.com"));
}

/* RFC 6531: U-labels are part of the grammar (the client sends A-labels all the same). */
static void
test_utf8 (void)
{
  g_assert_true (ep_smtp_mailbox_is_valid ("user@bücher.example"));
  g_assert_true (ep_smtp_mailbox_is_valid ("用户@例子.广告"));
  g_assert_false (ep_smtp_mailbox_is_valid ("user@bü cher.example"));
  g_assert_false (ep_smtp_mailbox_is_valid ("\xff@example.com"));
  g_assert_false (ep_smtp_mailbox_is_valid ("user@exa\xc3mple.com"));
  g_assert_false (ep_smtp_mailbox_is_valid ("\"\xc3\"@example.com"));
}

static void
test_split (void)
{
  static const struct {
    const char *text;
    const char *mailbox;   /* NULL: refused */
    const char *params;
  } cases[] = {
    { "<alice@example.com>", "alice@example.com", "" },
    { "<alice@example.com> SIZE=10 BODY=8BITMIME", "alice@example.com", "SIZE=10 BODY=8BITMIME" },
    { "<>", "", "" },
    { "<> SIZE=1", "", "SIZE=1" },
    { "<@one.example,@two.example:alice@example.com>", "alice@example.com", "" },
    { "<\"a>b\"@example.com> X=1", "\"a>b\"@example.com", "X=1" },
    { "<\"a\\\">\"@example.com>", "\"a\\\">\"@example.com", "" },
    { "<anything goes here>", "anything goes here", "" },   /* split, not judged */
    { "alice@example.com", NULL, NULL },
    { " <alice@example.com>", NULL, NULL },
    { "<alice@example.com", NULL, NULL },
    { "<alice@example.com>X", NULL, NULL },
    { "<alice@example.com> ", NULL, NULL },
    { "<@one.example alice@example.com>", NULL, NULL },
    { "<\"alice@example.com>", NULL, NULL },
    { "", NULL, NULL },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *mailbox = NULL;
      const char *params = NULL;
      gboolean ok = ep_smtp_path_split (cases[i].text, &mailbox, &params);

      g_test_message ("splitting “%s”", cases[i].text);
      g_assert_cmpint (ok, ==, cases[i].mailbox != NULL);
      if (ok)
        {
          g_assert_cmpstr (mailbox, ==, cases[i].mailbox);
          g_assert_cmpstr (params, ==, cases[i].params);
        }
    }
}

/* A path, brackets (and source route) included, is at most EP_SMTP_PATH_MAX octets. */
static void
test_split_length (void)
{
  g_autofree char *fits_local = g_strnfill (EP_SMTP_PATH_MAX - 2 - strlen ("@example.com"), 'a');
  g_autofree char *fits = g_strdup_printf ("<%s@example.com>", fits_local);
  g_autofree char *over = g_strdup_printf ("<%sa@example.com>", fits_local);
  g_autofree char *route = g_strdup_printf ("<@r:%s@example.com>", fits_local);
  g_autofree char *mailbox = NULL;
  const char *params = NULL;

  g_assert_cmpuint (strlen (fits), ==, EP_SMTP_PATH_MAX);
  g_assert_true (ep_smtp_path_split (fits, &mailbox, &params));
  g_assert_cmpuint (strlen (mailbox), ==, EP_SMTP_MAILBOX_MAX);
  g_clear_pointer (&mailbox, g_free);
  g_assert_false (ep_smtp_path_split (over, &mailbox, &params));
  g_assert_false (ep_smtp_path_split (route, &mailbox, &params));
  g_assert_null (mailbox);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/smtp/path/cases", test_cases);
  g_test_add_func ("/smtp/path/null-and-postmaster", test_null_and_postmaster);
  g_test_add_func ("/smtp/path/utf8", test_utf8);
  g_test_add_func ("/smtp/path/split", test_split);
  g_test_add_func ("/smtp/path/split-length", test_split_length);

  return g_test_run ();
}
