/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-sandbox-session-auth.c: AUTH PLAIN and LOGIN, and AUTH lines redacted in the transcript. */
#include "config.h"

#include "ep-sandbox-session-private.h"

#include <string.h>

#include "ep-base64.h"
#include "ep-text.h"

/* RFC 4422 3.1: the longest SASL mechanism name. */
#define SASL_MECHANISM_MAX 20

/* Spaces, tabs, NUL and the other control characters: whatever a client may put between AUTH,
 * the mechanism and the response, valid or not. */
static gboolean
is_auth_separator (guint8 c)
{
  return c == ' ' || ep_text_octet_is_control (c);
}

/* A word shown as the mechanism. RFC 4422 3.1 names are upper case, at most 20 characters
 * of A-Z 0-9 - _; base64 has lower case letters, so a response sent without its mechanism is
 * almost never taken for one. Lower case is only accepted for the mechanisms offered here. */
static gboolean
is_shown_mechanism (const guint8 *word,
                    gsize         length)
{
  if (length == 0 || length > SASL_MECHANISM_MAX)
    return FALSE;
  if ((length == 5 && g_ascii_strncasecmp ((const char *) word, "PLAIN", 5) == 0) ||
      (length == 5 && g_ascii_strncasecmp ((const char *) word, "LOGIN", 5) == 0))
    return TRUE;
  for (gsize i = 0; i < length; i++)
    if (!g_ascii_isupper (word[i]) && !g_ascii_isdigit (word[i]) && word[i] != '-' && word[i] != '_')
      return FALSE;
  return TRUE;
}

/* A client line that starts with AUTH goes to the transcript as the verb and the mechanism, as
 * sent, and EP_SMTP_TRANSCRIPT_REDACTED for whatever follows, however it is separated; FALSE for
 * other lines. */
gboolean
ep_sandbox_session_transcript_add_auth (Session      *s,
                                        const guint8 *data,
                                        gsize         length)
{
  g_autoptr(GString) shown = NULL;
  gsize start = 0, word_end, end;

  while (start < length && is_auth_separator (data[start]))
    start++;
  if (length - start < 4 || g_ascii_strncasecmp ((const char *) data + start, "AUTH", 4) != 0)
    return FALSE;

  end = start + 4;
  while (end < length && is_auth_separator (data[end]))
    end++;
  word_end = end;
  while (word_end < length && !is_auth_separator (data[word_end]))
    word_end++;
  if (is_shown_mechanism (data + end, word_end - end))
    {
      end = word_end;
      while (end < length && is_auth_separator (data[end]))
        end++;
    }

  shown = g_string_new_len ((const char *) data, (gssize) end);
  if (end < length)
    g_string_append (shown, is_auth_separator (data[end - 1]) ? EP_SMTP_TRANSCRIPT_REDACTED
                                                              : " " EP_SMTP_TRANSCRIPT_REDACTED);
  ep_smtp_transcript_add_len (s->transcript, EP_SMTP_TRANSCRIPT_CLIENT, shown->str, shown->len);
  return TRUE;
}

/* A response: strict base64 (RFC 4648 4) as RFC 4954 4 demands, @length octets that may hold a
 * NUL (refused). "=" alone is the empty response that RFC 4954 4 asks of an initial response; it
 * is taken on a continuation line too, where the empty line is the empty response. */
static GBytes *
decode_base64 (const char *text,
               gsize       length)
{
  guint8 *data;
  gsize decoded = 0;

  if (length == 1 && text[0] == '=')
    return g_bytes_new (NULL, 0);
  data = ep_base64_decode_strict (text, (gssize) length, &decoded, NULL);
  if (data == NULL)
    return NULL;
  return g_bytes_new_take (data, decoded);
}

static gboolean
secret_equal (const char *given,
              gsize       given_length,
              const char *expected)
{
  gsize expected_length = strlen (expected);
  guchar difference = given_length != expected_length;

  /* Time independent of where the strings differ. */
  for (gsize i = 0; i < given_length; i++)
    difference |= (guchar) given[i] ^ (guchar) expected[expected_length > 0 ? i % expected_length : 0];
  return difference == 0;
}

/* A line of the AUTH exchange; NULL when the exchange ended (the reason already replied). */
static GBytes *
read_auth_response (Session *s)
{
  g_autoptr(GByteArray) line = g_byte_array_new ();
  g_autoptr(GError) error = NULL;
  gboolean too_long, bare_lf;
  g_autofree char *text = NULL;
  GBytes *decoded;

  if (ep_sandbox_session_read_line (s, EP_SMTP_AUTH_LINE_MAX, line, &too_long, &bare_lf,
                                    &error) != READ_OK)
    {
      s->closing = TRUE;
      return NULL;
    }
  ep_smtp_transcript_add (s->transcript, EP_SMTP_TRANSCRIPT_CLIENT, EP_SMTP_TRANSCRIPT_REDACTED);
  if (too_long)
    {
      ep_sandbox_session_reply (s, "500 5.5.6 Authentication Exchange line is too long");
      return NULL;
    }
  text = g_strndup ((const char *) line->data, line->len);
  if (g_str_equal (text, "*"))
    {
      ep_sandbox_session_reply (s, "501 5.7.0 Authentication cancelled");
      return NULL;
    }
  decoded = decode_base64 ((const char *) line->data, line->len);
  if (decoded == NULL)
    ep_sandbox_session_reply (s, "501 5.5.2 Cannot decode the response (base64 expected)");
  return decoded;
}

static void
check_credentials (Session    *s,
                   const char *mechanism,
                   const char *user,
                   gsize       user_length,
                   const char *password,
                   gsize       password_length)
{
  gboolean user_ok = secret_equal (user, user_length, s->config->username);
  gboolean password_ok = secret_equal (password, password_length, s->config->password);

  if (user_ok && password_ok)
    {
      s->auth_mechanism = g_strdup (mechanism);
      s->auth_user = g_strndup (user, user_length);
      /* From now on the session keeps its slot, whoever else wants one. */
      g_atomic_int_set (&s->slot->authenticated, 1);
      ep_sandbox_session_reply (s, "235 2.7.0 Authentication successful");
    }
  else
    ep_sandbox_session_reply (s, "535 5.7.8 Authentication credentials invalid");
}

/* RFC 4616: [authzid] NUL authcid NUL passwd */
static void
auth_plain (Session    *s,
            const char *initial)
{
  g_autoptr(GBytes) response = NULL;
  const char *data, *first_nul, *second_nul, *end;
  gsize length;

  if (initial != NULL)
    {
      response = decode_base64 (initial, strlen (initial));
      if (response == NULL)
        {
          ep_sandbox_session_reply (s, "501 5.5.2 Cannot decode the response (base64 expected)");
          return;
        }
    }
  else
    {
      ep_sandbox_session_reply (s, "334 ");
      response = read_auth_response (s);
      if (response == NULL)
        return;
    }

  data = g_bytes_get_data (response, &length);
  /* An empty response ("=") has no data at all, not even a pointer to compute with. */
  if (length == 0)
    {
      ep_sandbox_session_reply (s, "501 5.5.2 Malformed PLAIN response");
      return;
    }
  end = data + length;
  first_nul = memchr (data, '\0', length);
  second_nul = first_nul != NULL ? memchr (first_nul + 1, '\0', (gsize) (end - first_nul - 1)) : NULL;
  if (second_nul == NULL || memchr (second_nul + 1, '\0', (gsize) (end - second_nul - 1)) != NULL)
    {
      ep_sandbox_session_reply (s, "501 5.5.2 Malformed PLAIN response");
      return;
    }
  /* Acting for another user is not possible here. */
  if (first_nul != data &&
      ((gsize) (first_nul - data) != (gsize) (second_nul - first_nul - 1) ||
       memcmp (data, first_nul + 1, (gsize) (first_nul - data)) != 0))
    {
      ep_sandbox_session_reply (s, "535 5.7.8 Authentication credentials invalid");
      return;
    }
  check_credentials (s, "PLAIN", first_nul + 1, (gsize) (second_nul - first_nul - 1),
                     second_nul + 1, (gsize) (end - second_nul - 1));
}

/* The LOGIN mechanism (draft-murchison-sasl-login): user name, then password. */
static void
auth_login (Session    *s,
            const char *initial)
{
  g_autoptr(GBytes) user = NULL;
  g_autoptr(GBytes) password = NULL;
  const char *user_data, *password_data;
  gsize user_length, password_length;

  if (initial != NULL)
    {
      user = decode_base64 (initial, strlen (initial));
      if (user == NULL)
        {
          ep_sandbox_session_reply (s, "501 5.5.2 Cannot decode the response (base64 expected)");
          return;
        }
    }
  else
    {
      ep_sandbox_session_reply (s, "334 VXNlcm5hbWU6");   /* "Username:" */
      user = read_auth_response (s);
      if (user == NULL)
        return;
    }
  ep_sandbox_session_reply (s, "334 UGFzc3dvcmQ6");       /* "Password:" */
  password = read_auth_response (s);
  if (password == NULL)
    return;

  user_data = g_bytes_get_data (user, &user_length);
  password_data = g_bytes_get_data (password, &password_length);
  check_credentials (s, "LOGIN", user_data != NULL ? user_data : "", user_length,
                     password_data != NULL ? password_data : "", password_length);
}

void
ep_sandbox_session_command_auth (Session    *s,
                                 const char *args)
{
  g_auto(GStrv) words = NULL;

  if (args == NULL || *args == '\0')
    {
      ep_sandbox_session_reply (s, "501 5.5.4 Syntax: AUTH mechanism [initial-response]");
      return;
    }
  if (s->greeting == NULL)
    {
      ep_sandbox_session_reply (s, "503 5.5.1 Send EHLO first");
      return;
    }
  if (s->tls == NULL)
    {
      ep_sandbox_session_reply (s, "538 5.7.11 Encryption required for requested authentication mechanism");
      return;
    }
  /* Also refuses AUTH inside a transaction (RFC 4954 4): MAIL needs authentication first. */
  if (s->auth_user != NULL)
    {
      ep_sandbox_session_reply (s, "503 5.5.1 Already authenticated");
      return;
    }

  words = g_strsplit (args, " ", 0);
  if (g_strv_length (words) > 2 || *words[0] == '\0' ||
      (words[1] != NULL && *words[1] == '\0'))
    {
      ep_sandbox_session_reply (s, "501 5.5.4 Syntax: AUTH mechanism [initial-response]");
      return;
    }
  if (g_ascii_strcasecmp (words[0], "PLAIN") == 0)
    auth_plain (s, words[1]);
  else if (g_ascii_strcasecmp (words[0], "LOGIN") == 0)
    auth_login (s, words[1]);
  else
    ep_sandbox_session_reply (s, "504 5.5.4 Unrecognized authentication type");
}
