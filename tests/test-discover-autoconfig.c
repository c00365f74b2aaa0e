/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-discover-autoconfig.c: the autoconfig parser on files shaped like providers', hoster's
 * and the ISPDB's (tests/discover/), and on hostile input: entities, deep nesting, huge files,
 * values it does not know. */
#include "config.h"

#include <string.h>

#include "ep-discover-autoconfig.h"
#include "ep-discover-error.h"
#include "ep-test-util.h"

static GPtrArray *
parse_fixture (const char  *name,
               const char  *address,
               GError     **error)
{
  g_autofree char *path = g_test_build_filename (G_TEST_DIST, "discover", name, NULL);
  g_autofree char *data = ep_test_read_file (path);

  return ep_autoconfig_parse (data, strlen (data), address, NULL, error);
}

static GPtrArray *
parse_text (const char  *text,
            GError     **error)
{
  return ep_autoconfig_parse (text, strlen (text), "jo@example.org", NULL, error);
}

/* One outgoing server in an otherwise minimal file. */
static char *
one_server (const char *socket_type,
            const char *host,
            const char *port)
{
  return g_strdup_printf ("<clientConfig version=\"1.1\"><emailProvider id=\"x\">"
                          "<outgoingServer type=\"smtp\"><hostname>%s</hostname><port>%s</port>"
                          "<socketType>%s</socketType></outgoingServer>"
                          "</emailProvider></clientConfig>", host, port, socket_type);
}

/* ---- Real-world shapes ---------------------------------------------------------------------- */

static void
test_provider (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) list = parse_fixture ("provider-fastmail.xml", "Jo.Doe@fastmail.example", &error);
  EpDiscoverCandidate *c;

  g_assert_no_error (error);
  g_assert_cmpuint (list->len, ==, 1);
  c = list->pdata[0];
  g_assert_cmpstr (c->host, ==, "smtp.fastmail.example");
  g_assert_cmpuint (c->port, ==, 465);
  g_assert_cmpint (c->security, ==, EP_SMTP_SECURITY_TLS);
  g_assert_cmpstr (c->username, ==, "Jo.Doe@fastmail.example");
  g_assert_cmpint (c->username_form, ==, EP_DISCOVER_USERNAME_ADDRESS);
  g_assert_cmpint (c->auth, ==, EP_DISCOVER_AUTH_PASSWORD);
  g_assert_cmpstr (c->display_name, ==, "Fastmail");
  g_assert_cmpint (ep_discover_candidate_get_auth_mechanism (c), ==, EP_SMTP_AUTH_AUTO);
  /* Its IMAP server, for the copy in the Sent folder. */
  g_assert_cmpstr (c->imap_host, ==, "imap.fastmail.example");
  g_assert_cmpuint (c->imap_port, ==, 993);
  g_assert_cmpint (c->imap_security, ==, EP_SMTP_SECURITY_TLS);
  g_assert_null (c->sent_copy_off);
}

/* The IMAP server is held to the same rules as the outgoing one: exactly SSL or STARTTLS, a
 * valid host and port; a bad one is left out (the outgoing server stays), a POP3 server is not
 * one, and the first good IMAP server is the one. */
static void
test_imap_server (void)
{
  const char *bad[] = {
    "<socketType>plain</socketType><hostname>imap.example.org</hostname><port>143</port>",
    "<socketType>starttls</socketType><hostname>imap.example.org</hostname><port>143</port>",
    "<socketType>SSL</socketType><hostname>imap example.org</hostname><port>993</port>",
    "<socketType>SSL</socketType><hostname>imap.example.org</hostname><port>99999</port>",
    "<socketType>SSL</socketType><port>993</port>",
  };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *text = g_strdup_printf (
        "<clientConfig version=\"1.1\"><emailProvider id=\"x\">"
        "<incomingServer type=\"imap\">%s</incomingServer>"
        "<incomingServer type=\"pop3\"><hostname>pop.example.org</hostname><port>995</port>"
        "<socketType>SSL</socketType></incomingServer>"
        "<outgoingServer type=\"smtp\"><hostname>smtp.example.org</hostname><port>465</port>"
        "<socketType>SSL</socketType></outgoingServer>"
        "</emailProvider></clientConfig>", bad[i]);
      g_autoptr(GPtrArray) list = parse_text (text, &error);

      g_assert_no_error (error);
      g_assert_cmpuint (list->len, ==, 1);
      g_assert_null (((EpDiscoverCandidate *) list->pdata[0])->imap_host);
    }

  {
    g_autoptr(GError) error = NULL;
    g_autoptr(GPtrArray) list = parse_text (
      "<clientConfig version=\"1.1\"><emailProvider id=\"x\">"
      "<incomingServer type=\"imap\"><hostname>bad host</hostname><port>993</port>"
      "<socketType>SSL</socketType></incomingServer>"
      "<incomingServer type=\"imap\"><hostname>imap.%EMAILDOMAIN%</hostname><port>143</port>"
      "<socketType>STARTTLS</socketType></incomingServer>"
      "<outgoingServer type=\"smtp\"><hostname>smtp.example.org</hostname><port>587</port>"
      "<socketType>STARTTLS</socketType></outgoingServer>"
      "</emailProvider></clientConfig>", &error);
    EpDiscoverCandidate *c;

    g_assert_no_error (error);
    c = list->pdata[0];
    g_assert_cmpstr (c->imap_host, ==, "imap.example.org");
    g_assert_cmpuint (c->imap_port, ==, 143);
    g_assert_cmpint (c->imap_security, ==, EP_SMTP_SECURITY_STARTTLS);
  }
  /* Only an IMAP server: no outgoing one, nothing found. */
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(GPtrArray) list = parse_text (
      "<clientConfig version=\"1.1\"><emailProvider id=\"x\">"
      "<incomingServer type=\"imap\"><hostname>imap.example.org</hostname><port>993</port>"
      "<socketType>SSL</socketType></incomingServer>"
      "</emailProvider></clientConfig>", &error);

    g_assert_null (list);
    g_assert_error (error, EP_DISCOVER_ERROR, EP_DISCOVER_ERROR_NOT_FOUND);
  }
}

static void
test_oauth2 (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) list = parse_fixture ("ispdb-oauth2.xml", "me@bigmail.example", &error);
  g_autoptr(GPtrArray) only = NULL;
  g_autofree char *display_name = NULL;
  const char *oauth_only =
    "<clientConfig><emailProvider id=\"o\"><outgoingServer type=\"smtp\">"
    "<hostname>smtp.o.example</hostname><port>587</port><socketType>STARTTLS</socketType>"
    "<authentication>OAuth2</authentication></outgoingServer></emailProvider></clientConfig>";
  EpDiscoverCandidate *c;

  g_assert_no_error (error);
  g_assert_cmpuint (list->len, ==, 1);
  c = list->pdata[0];
  g_assert_cmpstr (c->host, ==, "smtp.bigmail.example");
  g_assert_cmpint (c->auth, ==, EP_DISCOVER_AUTH_OAUTH2 | EP_DISCOVER_AUTH_PASSWORD);
  /* A password still works: the strongest offered is chosen when the profile is used. */
  g_assert_cmpint (ep_discover_candidate_get_auth_mechanism (c), ==, EP_SMTP_AUTH_AUTO);

  only = ep_autoconfig_parse (oauth_only, strlen (oauth_only), "a@o.example", &display_name, &error);
  g_assert_no_error (error);
  g_assert_null (display_name);
  c = only->pdata[0];
  g_assert_cmpint (c->auth, ==, EP_DISCOVER_AUTH_OAUTH2);
  g_assert_cmpint (ep_discover_candidate_get_auth_mechanism (c), ==, EP_SMTP_AUTH_XOAUTH2);
}

static void
test_substitutions_and_multiple (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) list = parse_fixture ("hoster-multiple.xml", "jo@hosted.example", &error);
  EpDiscoverCandidate *c;

  g_assert_no_error (error);
  /* plain, the unknown socketType and the non-SMTP server are gone; the order is the file's. */
  g_assert_cmpuint (list->len, ==, 2);
  c = list->pdata[0];
  g_assert_cmpstr (c->host, ==, "mail.hosted.example");
  g_assert_cmpuint (c->port, ==, 587);
  g_assert_cmpint (c->security, ==, EP_SMTP_SECURITY_STARTTLS);
  g_assert_cmpstr (c->username, ==, "jo");
  g_assert_cmpint (c->username_form, ==, EP_DISCOVER_USERNAME_LOCAL_PART);
  g_assert_cmpint (c->auth, ==, EP_DISCOVER_AUTH_PASSWORD_ENCRYPTED);
  g_assert_cmpstr (c->display_name, ==, "%EMAILDOMAIN% mail");
  c = list->pdata[1];
  g_assert_cmpstr (c->host, ==, "smtps.hosted.example");
  g_assert_cmpint (c->security, ==, EP_SMTP_SECURITY_TLS);
  g_assert_cmpstr (c->username, ==, "user-jo@hosted");
  g_assert_cmpint (c->username_form, ==, EP_DISCOVER_USERNAME_OTHER);
  g_assert_cmpint (c->auth, ==, EP_DISCOVER_AUTH_PASSWORD);
  for (guint i = 0; i < list->len; i++)
    g_assert_cmpint (((EpDiscoverCandidate *) list->pdata[i])->security, !=, EP_SMTP_SECURITY_NONE);
}

static void
test_unknown_elements (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) list = parse_fixture ("office-starttls.xml", "jo@corp.example", &error);
  g_autoptr(EpProfile) profile = NULL;
  EpDiscoverCandidate *c;

  g_assert_no_error (error);
  g_assert_cmpuint (list->len, ==, 1);
  c = list->pdata[0];
  g_assert_cmpstr (c->host, ==, "relay.corp.example");
  g_assert_cmpstr (c->display_name, ==, "Corp & Co");
  g_assert_cmpstr (c->username, ==, "jo@corp.example");
  g_assert_cmpint (c->username_form, ==, EP_DISCOVER_USERNAME_UNKNOWN);
  g_assert_cmpint (c->auth, ==, EP_DISCOVER_AUTH_NONE_NEEDED);

  /* No sign-in: the profile has no user name. */
  profile = ep_discover_candidate_to_profile (c, "Corp", "jo@corp.example");
  g_assert_cmpstr (ep_profile_get_host (profile), ==, "relay.corp.example");
  g_assert_cmpuint (ep_profile_get_port (profile), ==, 587);
  g_assert_cmpint (ep_profile_get_security (profile), ==, EP_SMTP_SECURITY_STARTTLS);
  g_assert_cmpstr (ep_profile_get_sender_address (profile), ==, "jo@corp.example");
  g_assert_true (ep_profile_get_username (profile) == NULL || *ep_profile_get_username (profile) == '\0');
}

/* ---- What is never proposed ----------------------------------------------------------------- */

static void
test_socket_types (void)
{
  /* Only these two spellings, exactly: anything else drops the server, never "none". */
  const char *refused[] = { "plain", "PLAIN", "none", "ssl", "starttls", "TLS", "", "SSL ",
                            "STARTTLS-if-available", "\xc2\xa0SSL" };

  for (guint i = 0; i < G_N_ELEMENTS (refused); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *text = one_server (refused[i], "smtp.example.org", "587");
      g_autoptr(GPtrArray) list = parse_text (text, &error);

      /* "SSL " is stripped like every value, so it counts as SSL. */
      if (g_str_equal (refused[i], "SSL "))
        {
          g_assert_no_error (error);
          g_assert_cmpint (((EpDiscoverCandidate *) list->pdata[0])->security, ==, EP_SMTP_SECURITY_TLS);
          continue;
        }
      g_assert_null (list);
      g_assert_error (error, EP_DISCOVER_ERROR, EP_DISCOVER_ERROR_NOT_FOUND);
    }
}

static void
test_bad_values (void)
{
  const struct { const char *host; const char *port; } bad[] = {
    { "smtp.example.org", "0" },
    { "smtp.example.org", "65536" },
    { "smtp.example.org", "58x" },
    { "smtp.example.org", "-1" },
    { "", "587" },
    { "smtp example.org", "587" },
    { "smtp.example.org\x01", "587" },
    { "smtp.example.org&#10;RCPT", "587" },
    { "smtp..example.org", "587" },
    { "-smtp.example.org", "587" },
    { "smtp/example.org", "587" },
    { "smtp.example.org:25", "587" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *text = one_server ("SSL", bad[i].host, bad[i].port);
      g_autoptr(GPtrArray) list = parse_text (text, &error);

      g_assert_null (list);
      g_assert_nonnull (error);
    }
}

/* ---- Hostile input -------------------------------------------------------------------------- */

static void
test_entities (void)
{
  const char *laughs =
    "<?xml version=\"1.0\"?>\n"
    "<!DOCTYPE clientConfig [\n"
    " <!ENTITY lol \"lol\">\n"
    " <!ENTITY lol2 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">\n"
    " <!ENTITY lol3 \"&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;\">\n"
    "]>\n"
    "<clientConfig><emailProvider id=\"x\"><displayName>&lol3;</displayName>"
    "<outgoingServer type=\"smtp\"><hostname>smtp.example.org</hostname><port>465</port>"
    "<socketType>SSL</socketType></outgoingServer></emailProvider></clientConfig>";
  const char *external =
    "<?xml version=\"1.0\"?>\n"
    "<!DOCTYPE clientConfig [ <!ENTITY host SYSTEM \"file:///etc/hostname\"> ]>\n"
    "<clientConfig><emailProvider id=\"x\">"
    "<outgoingServer type=\"smtp\"><hostname>&host;</hostname><port>465</port>"
    "<socketType>SSL</socketType></outgoingServer></emailProvider></clientConfig>";
  const char *predefined =
    "<clientConfig><emailProvider id=\"x\"><displayName>A &amp; B &#x263A;</displayName>"
    "<outgoingServer type=\"smtp\"><hostname>smtp.example.org</hostname><port>465</port>"
    "<socketType>SSL</socketType></outgoingServer></emailProvider></clientConfig>";
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) list = NULL;

  list = parse_text (laughs, &error);
  g_assert_null (list);
  g_assert_error (error, EP_DISCOVER_ERROR, EP_DISCOVER_ERROR_PARSE);
  g_clear_error (&error);

  list = parse_text (external, &error);
  g_assert_null (list);
  g_assert_error (error, EP_DISCOVER_ERROR, EP_DISCOVER_ERROR_PARSE);
  g_clear_error (&error);

  list = parse_text (predefined, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (((EpDiscoverCandidate *) list->pdata[0])->display_name, ==, "A & B \xe2\x98\xba");
}

static void
test_deep_nesting (void)
{
  GString *text = g_string_new ("<clientConfig><emailProvider id=\"x\">");
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) list = NULL;

  for (guint i = 0; i < 50000; i++)
    g_string_append (text, "<a>");
  list = parse_text (text->str, &error);
  g_assert_null (list);
  g_assert_error (error, EP_DISCOVER_ERROR, EP_DISCOVER_ERROR_PARSE);
  g_string_free (text, TRUE);
}

static void
test_huge (void)
{
  gsize size = 10 * 1024 * 1024;
  g_autofree char *text = g_malloc (size + 1);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) list = NULL;
  const char *head = "<clientConfig><emailProvider id=\"x\"><displayName>";
  gint64 start;

  memset (text, 'A', size);
  memcpy (text, head, strlen (head));
  text[size] = '\0';
  start = g_get_monotonic_time ();
  list = ep_autoconfig_parse (text, size, "jo@example.org", NULL, &error);
  g_assert_null (list);
  g_assert_error (error, EP_DISCOVER_ERROR, EP_DISCOVER_ERROR_TOO_LARGE);
  /* Refused unread: far quicker than parsing 10 MB. */
  g_assert_cmpint (g_get_monotonic_time () - start, <, ep_test_slack (50000));
  g_clear_error (&error);

  /* Just under the limit, but one value longer than any real one. */
  list = ep_autoconfig_parse (text, EP_AUTOCONFIG_MAX_SIZE, "jo@example.org", NULL, &error);
  g_assert_null (list);
  g_assert_error (error, EP_DISCOVER_ERROR, EP_DISCOVER_ERROR_PARSE);
}

static void
test_many_servers (void)
{
  GString *text = g_string_new ("<clientConfig><emailProvider id=\"x\">");
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) list = NULL;

  for (guint i = 0; i < 200; i++)
    g_string_append_printf (text, "<outgoingServer type=\"smtp\"><hostname>s%u.example.org</hostname>"
                            "<port>465</port><socketType>SSL</socketType></outgoingServer>", i);
  g_string_append (text, "</emailProvider></clientConfig>");
  list = parse_text (text->str, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (list->len, ==, EP_AUTOCONFIG_MAX_SERVERS);
  g_string_free (text, TRUE);
}

static void
test_malformed (void)
{
  const char *inputs[] = {
    "",
    "not xml at all",
    "<clientConfig><emailProvider>",
    "<clientConfig></emailProvider>",
    "<clientConfig>\xff\xfe</clientConfig>",
    "<clientConfig a=\"1\" a=\"2\"/>",
    "<clientConfig><emailProvider id=\"x\"><outgoingServer type=\"smtp\"><socketType>TLS-may\xfb" "be"
    "</socketType></outgoingServer></emailProvider></clientConfig>",
    "<clientConfig\xc3><x/></clientConfig>",
  };

  for (guint i = 0; i < G_N_ELEMENTS (inputs); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GPtrArray) list = parse_text (inputs[i], &error);

      g_assert_null (list);
      g_assert_nonnull (error);
      g_assert_true (error->domain == EP_DISCOVER_ERROR);
      /* The message may be shown: never the input's invalid bytes. */
      g_assert_true (g_utf8_validate (error->message, -1, NULL));
    }
}

static void
test_misplaced (void)
{
  /* A server outside emailProvider, or nested in another element, is not the provider's. */
  const char *inputs[] = {
    "<clientConfig><outgoingServer type=\"smtp\"><hostname>smtp.example.org</hostname>"
    "<port>465</port><socketType>SSL</socketType></outgoingServer></clientConfig>",
    "<clientConfig><emailProvider id=\"x\"><x><outgoingServer type=\"smtp\"><hostname>smtp.example.org"
    "</hostname><port>465</port><socketType>SSL</socketType></outgoingServer></x></emailProvider>"
    "</clientConfig>",
    "<clientConfig><emailProvider id=\"x\"><outgoingServer type=\"smtp\"><x><hostname>smtp.example.org"
    "</hostname></x><port>465</port><socketType>SSL</socketType></outgoingServer></emailProvider>"
    "</clientConfig>",
  };

  for (guint i = 0; i < G_N_ELEMENTS (inputs); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GPtrArray) list = parse_text (inputs[i], &error);

      g_assert_null (list);
      g_assert_error (error, EP_DISCOVER_ERROR, EP_DISCOVER_ERROR_NOT_FOUND);
    }
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/discover-autoconfig/provider", test_provider);
  g_test_add_func ("/discover-autoconfig/imap-server", test_imap_server);
  g_test_add_func ("/discover-autoconfig/oauth2", test_oauth2);
  g_test_add_func ("/discover-autoconfig/substitutions-and-multiple", test_substitutions_and_multiple);
  g_test_add_func ("/discover-autoconfig/unknown-elements", test_unknown_elements);
  g_test_add_func ("/discover-autoconfig/socket-types", test_socket_types);
  g_test_add_func ("/discover-autoconfig/bad-values", test_bad_values);
  g_test_add_func ("/discover-autoconfig/entities", test_entities);
  g_test_add_func ("/discover-autoconfig/deep-nesting", test_deep_nesting);
  g_test_add_func ("/discover-autoconfig/huge", test_huge);
  g_test_add_func ("/discover-autoconfig/many-servers", test_many_servers);
  g_test_add_func ("/discover-autoconfig/malformed", test_malformed);
  g_test_add_func ("/discover-autoconfig/misplaced", test_misplaced);

  return g_test_run ();
}
