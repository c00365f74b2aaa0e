/* SPDX-License-Identifier: GPL-3.0-or-later */
/* fuzz-smtp-sasl.c: the client side of SMTP AUTH on server challenges (RFC 4954 §4).
 *
 * Input: one octet choosing the mechanism ('P' PLAIN, 'L' LOGIN, 'C' CRAM-MD5, 'S' SCRAM-SHA-1,
 * 'H' SCRAM-SHA-256, 'X' XOAUTH2, 'O' OAUTHBEARER: in upper case the client sends an initial
 * response, in lower case it waits for the server's first challenge; any other octet picks a
 * mechanism by its value, its top bit the initial response), then the server's challenges,
 * already base64-decoded, one per line ('\n'). A line starting with
 * "235 " is additional data with success and goes to ep_smtp_sasl_finish(). The SCRAM nonces are
 * those of RFC 5802 and RFC 7677 with user "user" and password "pencil", so the RFC exchanges in
 * the corpus verify.
 *
 * Each challenge line also goes, as 334 text, through the strict base64 decoder used for AUTH,
 * which must agree with the MIME decoder wherever both accept. */
#include "config.h"

#include <string.h>

#include "ep-base64.h"
#include "ep-fuzz.h"
#include "ep-smtp-sasl.h"

/* RFC 5802 §5 and RFC 7677 §3. */
#define SCRAM_SHA_1_NONCE   "fyko+d2lbbFgONRv9qkxdawL"
#define SCRAM_SHA_256_NONCE "rOprNGfwEbeRWgbNEkqO"

/* Not a limit of the code under test: PBKDF2 with EP_SMTP_SCRAM_MAX_ITERATIONS takes about a
 * second, which would make the fuzzer crawl. The bound itself is covered by test-smtp-sasl. */
#define FUZZ_MAX_ITERATIONS 20000

static const struct {
  char                selector;
  EpSmtpAuthMechanism mechanism;
} mechanisms[] = {
  { 'P', EP_SMTP_AUTH_PLAIN },
  { 'L', EP_SMTP_AUTH_LOGIN },
  { 'C', EP_SMTP_AUTH_CRAM_MD5 },
  { 'S', EP_SMTP_AUTH_SCRAM_SHA_1 },
  { 'H', EP_SMTP_AUTH_SCRAM_SHA_256 },
  { 'X', EP_SMTP_AUTH_XOAUTH2 },
  { 'O', EP_SMTP_AUTH_OAUTHBEARER },
};

int
LLVMFuzzerInitialize (int    *argc,
                      char ***argv)
{
  ep_fuzz_init ();
  return 0;
}

static EpSmtpAuthMechanism
pick_mechanism (guint8    selector,
                gboolean *initial_response)
{
  for (gsize i = 0; i < G_N_ELEMENTS (mechanisms); i++)
    if (mechanisms[i].selector == g_ascii_toupper ((char) selector))
      {
        *initial_response = g_ascii_isupper ((char) selector);
        return mechanisms[i].mechanism;
      }
  *initial_response = (selector & 0x80) != 0;
  return mechanisms[selector % G_N_ELEMENTS (mechanisms)].mechanism;
}

/* Whether some "i=" in @text asks for more PBKDF2 rounds than the fuzzer can afford. */
static gboolean
too_many_iterations (const uint8_t *data,
                     size_t         size)
{
  for (size_t i = 0; i + 2 < size; i++)
    {
      guint64 value = 0;
      size_t j;

      if (data[i] != 'i' || data[i + 1] != '=')
        continue;
      for (j = i + 2; j < size && g_ascii_isdigit (data[j]) && value <= FUZZ_MAX_ITERATIONS; j++)
        value = value * 10 + (data[j] - '0');
      if (value > FUZZ_MAX_ITERATIONS)
        return TRUE;
    }
  return FALSE;
}

static void
check_base64 (const uint8_t *line,
              size_t         len)
{
  g_autofree char *text = ep_fuzz_to_string (line, len);
  g_autofree guint8 *strict = NULL;
  g_autofree guint8 *mime = NULL;
  g_autoptr(GError) error = NULL;
  gsize strict_len = 0, mime_len = 0;

  strict = ep_base64_decode_strict (text, -1, &strict_len, &error);
  EP_FUZZ_CHECK ((strict == NULL) == (error != NULL));
  mime = ep_base64_decode (text, &mime_len, NULL);
  if (strict != NULL && mime != NULL)
    EP_FUZZ_CHECK_MEM (strict, strict_len, mime, mime_len);
  /* What the MIME decoder accepts without whitespace is canonical base64: strict takes it too. */
  if (mime != NULL && strcspn (text, " \t\r\n") == strlen (text))
    EP_FUZZ_CHECK (strict != NULL);
}

static void
check_response (EpSmtpSaslStatus  status,
                GBytes           *response,
                const GError     *error)
{
  if (status == EP_SMTP_SASL_CONTINUE)
    {
      EP_FUZZ_CHECK (response != NULL);
      EP_FUZZ_CHECK (error == NULL);
    }
  else
    {
      EP_FUZZ_CHECK (status == EP_SMTP_SASL_CANCEL);
      EP_FUZZ_CHECK (response == NULL);
      EP_FUZZ_CHECK (error != NULL && error->domain == EP_SMTP_ERROR);
    }
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(EpSmtpSasl) sasl = NULL;
  g_autoptr(GBytes) initial = NULL;
  g_autoptr(GError) error = NULL;
  EpSmtpAuthMechanism mechanism;
  gboolean initial_response;
  gboolean verified_before;
  size_t pos = 1;

  if (size == 0 || too_many_iterations (data, size))
    return 0;

  mechanism = pick_mechanism (data[0], &initial_response);
  sasl = ep_smtp_sasl_new (mechanism, "user", "pencil", &error);
  EP_FUZZ_CHECK (sasl != NULL);
  if (mechanism == EP_SMTP_AUTH_SCRAM_SHA_1)
    ep_smtp_sasl_set_client_nonce (sasl, SCRAM_SHA_1_NONCE);
  else if (mechanism == EP_SMTP_AUTH_SCRAM_SHA_256)
    ep_smtp_sasl_set_client_nonce (sasl, SCRAM_SHA_256_NONCE);

  /* As with "AUTH MECH initial-response"; LOGIN and CRAM-MD5 have none and say so. */
  if (initial_response)
    ep_smtp_sasl_get_initial_response (sasl, &initial);

  while (pos <= size)
    {
      const uint8_t *line = data + pos;
      const uint8_t *nl = pos < size ? memchr (line, '\n', size - pos) : NULL;
      size_t len = nl != NULL ? (size_t) (nl - line) : size - pos;
      g_autoptr(GBytes) response = NULL;
      g_autoptr(GError) step_error = NULL;
      EpSmtpSaslStatus status;

      check_base64 (line, len);

      if (len >= 4 && memcmp (line, "235 ", 4) == 0)
        {
          gboolean ok = ep_smtp_sasl_finish (sasl, line + 4, len - 4, &step_error);

          EP_FUZZ_CHECK (ok == (step_error == NULL));
          if (ok)
            EP_FUZZ_CHECK (ep_smtp_sasl_is_server_verified (sasl));
          break;
        }

      verified_before = ep_smtp_sasl_is_server_verified (sasl);
      status = ep_smtp_sasl_step (sasl, line, len, &response, &step_error);
      check_response (status, response, step_error);
      /* Once verified, a SCRAM exchange cannot be un-verified, nor verified by a refusal. */
      if (verified_before)
        EP_FUZZ_CHECK (ep_smtp_sasl_is_server_verified (sasl));
      if (status == EP_SMTP_SASL_CANCEL)
        break;

      if (nl == NULL)
        break;
      pos += len + 1;
    }

  return 0;
}
