/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-smtp-sasl.c: SASL mechanisms against the RFC test vectors (RFC 2195, 5802, 7677), their
 * refusals of malformed or lying servers, strict base64 and our partial SASLprep. */
#include "config.h"

#include <string.h>

#include "ep-smtp-sasl.h"

static EpSmtpSasl *
new_sasl (EpSmtpAuthMechanism mechanism,
          const char         *user,
          const char         *secret)
{
  g_autoptr(GError) error = NULL;
  EpSmtpSasl *sasl = ep_smtp_sasl_new (mechanism, user, secret, &error);

  g_assert_no_error (error);
  g_assert_nonnull (sasl);
  return sasl;
}

static void
assert_bytes (GBytes     *bytes,
              const char *expected,
              gsize       expected_len)
{
  gsize len = 0;
  const char *data = g_bytes_get_data (bytes, &len);

  g_assert_cmpmem (data, len, expected, expected_len);
}

static void
assert_string_bytes (GBytes     *bytes,
                     const char *expected)
{
  assert_bytes (bytes, expected, strlen (expected));
}

/* Runs one step with a text challenge and expects CONTINUE. */
static GBytes *
step_ok (EpSmtpSasl *sasl,
         const char *challenge)
{
  g_autoptr(GError) error = NULL;
  GBytes *response = NULL;

  g_assert_cmpint (ep_smtp_sasl_step (sasl, (const guint8 *) challenge, strlen (challenge), &response, &error),
                   ==, EP_SMTP_SASL_CONTINUE);
  g_assert_no_error (error);
  g_assert_nonnull (response);
  return response;
}

static void
step_cancel (EpSmtpSasl *sasl,
             const char *challenge,
             EpSmtpError code)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) response = NULL;

  g_assert_cmpint (ep_smtp_sasl_step (sasl, (const guint8 *) challenge, strlen (challenge), &response, &error),
                   ==, EP_SMTP_SASL_CANCEL);
  g_assert_error (error, EP_SMTP_ERROR, (gint) code);
  g_assert_null (response);
}

static void
test_plain (void)
{
  g_autoptr(EpSmtpSasl) sasl = new_sasl (EP_SMTP_AUTH_PLAIN, "tim", "tanstaaf");
  g_autoptr(EpSmtpSasl) late = new_sasl (EP_SMTP_AUTH_PLAIN, "tim", "tanstaaf");
  g_autoptr(GBytes) initial = NULL;
  g_autoptr(GBytes) asked = NULL;

  g_assert_true (ep_smtp_sasl_get_initial_response (sasl, &initial));
  assert_bytes (initial, "\0tim\0tanstaaf", 13);
  /* A challenge after the credentials makes no sense for PLAIN. */
  step_cancel (sasl, "more?", EP_SMTP_ERROR_PROTOCOL);

  /* Without an initial response the server asks with an empty 334. */
  asked = step_ok (late, "");
  assert_bytes (asked, "\0tim\0tanstaaf", 13);
  g_assert_true (ep_smtp_sasl_is_server_verified (late));
  g_assert_finalize_object (g_steal_pointer (&late));
  g_assert_finalize_object (g_steal_pointer (&sasl));
}

static void
test_login (void)
{
  g_autoptr(EpSmtpSasl) sasl = new_sasl (EP_SMTP_AUTH_LOGIN, "user@example.org", "secret");
  g_autoptr(GBytes) initial = NULL;
  g_autoptr(GBytes) name = NULL;
  g_autoptr(GBytes) password = NULL;

  g_assert_false (ep_smtp_sasl_get_initial_response (sasl, &initial));
  g_assert_null (initial);
  name = step_ok (sasl, "Username:");
  assert_string_bytes (name, "user@example.org");
  password = step_ok (sasl, "Password:");
  assert_string_bytes (password, "secret");
  step_cancel (sasl, "Again:", EP_SMTP_ERROR_PROTOCOL);
  g_assert_finalize_object (g_steal_pointer (&sasl));
}

static void
test_cram_md5 (void)
{
  /* RFC 2195 §2. */
  g_autoptr(EpSmtpSasl) sasl = new_sasl (EP_SMTP_AUTH_CRAM_MD5, "tim", "tanstaaftanstaaf");
  g_autoptr(EpSmtpSasl) empty = new_sasl (EP_SMTP_AUTH_CRAM_MD5, "tim", "tanstaaftanstaaf");
  g_autoptr(GBytes) initial = NULL;
  g_autoptr(GBytes) response = NULL;

  g_assert_false (ep_smtp_sasl_get_initial_response (sasl, &initial));
  response = step_ok (sasl, "<1896.697170952@postoffice.reston.mci.net>");
  assert_string_bytes (response, "tim b913a602c7eda7a495b4e6e7334d3890");
  step_cancel (sasl, "<again@x>", EP_SMTP_ERROR_PROTOCOL);
  step_cancel (empty, "", EP_SMTP_ERROR_PROTOCOL);
  g_assert_finalize_object (g_steal_pointer (&empty));
  g_assert_finalize_object (g_steal_pointer (&sasl));
}

typedef struct {
  EpSmtpAuthMechanism mechanism;
  const char *nonce;
  const char *client_first;
  const char *server_first;
  const char *client_final;
  const char *server_final;
} ScramVector;

/* RFC 5802 §5 and RFC 7677 §3: user "user", password "pencil". */
static const ScramVector scram_sha1 = {
  EP_SMTP_AUTH_SCRAM_SHA_1,
  "fyko+d2lbbFgONRv9qkxdawL",
  "n,,n=user,r=fyko+d2lbbFgONRv9qkxdawL",
  "r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=4096",
  "c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,p=v0X8v3Bz2T0CJGbJQyF0X+HI4Ts=",
  "v=rmF9pqV8S7suAoZWja4dJRkFsKQ=",
};

static const ScramVector scram_sha256 = {
  EP_SMTP_AUTH_SCRAM_SHA_256,
  "rOprNGfwEbeRWgbNEkqO",
  "n,,n=user,r=rOprNGfwEbeRWgbNEkqO",
  "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096",
  "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=",
  "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=",
};

static EpSmtpSasl *
scram_up_to_final (const ScramVector *v)
{
  EpSmtpSasl *sasl = new_sasl (v->mechanism, "user", "pencil");
  g_autoptr(GBytes) first = NULL;
  g_autoptr(GBytes) final = NULL;

  ep_smtp_sasl_set_client_nonce (sasl, v->nonce);
  g_assert_true (ep_smtp_sasl_get_initial_response (sasl, &first));
  assert_string_bytes (first, v->client_first);
  final = step_ok (sasl, v->server_first);
  assert_string_bytes (final, v->client_final);
  g_assert_false (ep_smtp_sasl_is_server_verified (sasl));

  return sasl;
}

static void
test_scram_vector (gconstpointer data)
{
  const ScramVector *v = data;
  g_autoptr(EpSmtpSasl) sasl = scram_up_to_final (v);
  g_autoptr(GBytes) empty = step_ok (sasl, v->server_final);
  g_autoptr(GError) error = NULL;

  g_assert_cmpuint (g_bytes_get_size (empty), ==, 0);
  g_assert_true (ep_smtp_sasl_is_server_verified (sasl));
  g_assert_true (ep_smtp_sasl_finish (sasl, NULL, 0, &error));
  g_assert_no_error (error);
  g_assert_finalize_object (g_steal_pointer (&sasl));
}

static void
test_scram_final_with_235 (gconstpointer data)
{
  /* Server data sent along with the 235 instead of in a 334 (RFC 4954 §4). */
  const ScramVector *v = data;
  g_autoptr(EpSmtpSasl) sasl = scram_up_to_final (v);
  g_autoptr(GError) error = NULL;

  g_assert_true (ep_smtp_sasl_finish (sasl, (const guint8 *) v->server_final, strlen (v->server_final), &error));
  g_assert_no_error (error);
  g_assert_true (ep_smtp_sasl_is_server_verified (sasl));
  g_assert_finalize_object (g_steal_pointer (&sasl));
}

static void
test_scram_bad_signature (gconstpointer data)
{
  const ScramVector *v = data;
  g_autoptr(EpSmtpSasl) sasl = scram_up_to_final (v);
  g_autoptr(EpSmtpSasl) sasl2 = scram_up_to_final (v);
  g_autoptr(EpSmtpSasl) sasl3 = scram_up_to_final (v);
  g_autofree char *forged = g_strdup (v->server_final);
  g_autoptr(GError) error = NULL;

  /* One flipped character of the signature. */
  forged[3] = forged[3] == 'A' ? 'B' : 'A';
  step_cancel (sasl, forged, EP_SMTP_ERROR_AUTH_FAILED);
  g_assert_false (ep_smtp_sasl_is_server_verified (sasl));

  /* A server that says 235 without ever proving itself is not trusted either. */
  g_assert_false (ep_smtp_sasl_finish (sasl2, NULL, 0, &error));
  g_assert_error (error, EP_SMTP_ERROR, EP_SMTP_ERROR_AUTH_FAILED);

  /* e= is the server's refusal. */
  step_cancel (sasl3, "e=invalid-proof", EP_SMTP_ERROR_AUTH_FAILED);
  g_assert_finalize_object (g_steal_pointer (&sasl3));
  g_assert_finalize_object (g_steal_pointer (&sasl2));
  g_assert_finalize_object (g_steal_pointer (&sasl));
}

static void
test_scram_malformed (void)
{
  const char *bad_first[] = {
    "",                                                    /* empty */
    "garbage",
    "m=ext,r=fyko+d2lbbFgONRv9qkxdawLxyz,s=QSXCR+Q6sek8bf92,i=4096",  /* reserved m= */
    "r=fyko+d2lbbFgONRv9qkxdawL,s=QSXCR+Q6sek8bf92,i=4096",          /* nonce not extended */
    "r=someone-elses-nonce,s=QSXCR+Q6sek8bf92,i=4096",               /* nonce not ours */
    "r=fyko+d2lbbFgONRv9qkxdawLxyz,s=,i=4096",                       /* empty salt */
    "r=fyko+d2lbbFgONRv9qkxdawLxyz,s=%%%,i=4096",                    /* salt not base64 */
    "r=fyko+d2lbbFgONRv9qkxdawLxyz,s=QSXCR+Q6sek8bf92,i=0",          /* no iterations */
    "r=fyko+d2lbbFgONRv9qkxdawLxyz,s=QSXCR+Q6sek8bf92,i=99999999",   /* CPU exhaustion */
    "r=fyko+d2lbbFgONRv9qkxdawLxyz,s=QSXCR+Q6sek8bf92,i=12x",
    "s=QSXCR+Q6sek8bf92,r=fyko+d2lbbFgONRv9qkxdawLxyz,i=4096",       /* wrong order */
  };

  for (guint i = 0; i < G_N_ELEMENTS (bad_first); i++)
    {
      g_autoptr(EpSmtpSasl) sasl = new_sasl (EP_SMTP_AUTH_SCRAM_SHA_1, "user", "pencil");
      g_autoptr(GBytes) first = NULL;
      g_autoptr(GError) error = NULL;
      g_autoptr(GBytes) response = NULL;

      ep_smtp_sasl_set_client_nonce (sasl, "fyko+d2lbbFgONRv9qkxdawL");
      g_assert_true (ep_smtp_sasl_get_initial_response (sasl, &first));
      g_test_message ("server-first: %s", bad_first[i]);
      g_assert_cmpint (ep_smtp_sasl_step (sasl, (const guint8 *) bad_first[i], strlen (bad_first[i]),
                                          &response, &error), ==, EP_SMTP_SASL_CANCEL);
      g_assert_error (error, EP_SMTP_ERROR, EP_SMTP_ERROR_PROTOCOL);
    }

  /* NUL inside a challenge. */
  {
    g_autoptr(EpSmtpSasl) sasl = new_sasl (EP_SMTP_AUTH_SCRAM_SHA_256, "user", "pencil");
    g_autoptr(GBytes) first = NULL;
    g_autoptr(GBytes) response = NULL;
    g_autoptr(GError) error = NULL;

    g_assert_true (ep_smtp_sasl_get_initial_response (sasl, &first));
    g_assert_cmpint (ep_smtp_sasl_step (sasl, (const guint8 *) "r=\0x", 4, &response, &error),
                     ==, EP_SMTP_SASL_CANCEL);
    g_assert_error (error, EP_SMTP_ERROR, EP_SMTP_ERROR_PROTOCOL);
  }
}

static void
test_scram_random_nonce (void)
{
  g_autoptr(EpSmtpSasl) a = new_sasl (EP_SMTP_AUTH_SCRAM_SHA_256, "user", "pencil");
  g_autoptr(EpSmtpSasl) b = new_sasl (EP_SMTP_AUTH_SCRAM_SHA_256, "user", "pencil");
  g_autoptr(GBytes) first_a = NULL;
  g_autoptr(GBytes) first_b = NULL;
  gsize len = 0;
  const char *text;

  g_assert_true (ep_smtp_sasl_get_initial_response (a, &first_a));
  g_assert_true (ep_smtp_sasl_get_initial_response (b, &first_b));
  g_assert_false (g_bytes_equal (first_a, first_b));
  text = g_bytes_get_data (first_a, &len);
  g_assert_true (len > strlen ("n,,n=user,r=") + 20);
  g_assert_cmpmem (text, strlen ("n,,n=user,r="), "n,,n=user,r=", strlen ("n,,n=user,r="));
  g_assert_null (memchr (text + strlen ("n,,n=user,r="), ',', len - strlen ("n,,n=user,r=")));
  g_assert_finalize_object (g_steal_pointer (&b));
  g_assert_finalize_object (g_steal_pointer (&a));
}

static void
test_scram_escaped_name (void)
{
  g_autoptr(EpSmtpSasl) sasl = new_sasl (EP_SMTP_AUTH_SCRAM_SHA_1, "a,b=c", "pencil");
  g_autoptr(GBytes) first = NULL;

  ep_smtp_sasl_set_client_nonce (sasl, "abc");
  g_assert_true (ep_smtp_sasl_get_initial_response (sasl, &first));
  assert_string_bytes (first, "n,,n=a=2Cb=3Dc,r=abc");
  g_assert_finalize_object (g_steal_pointer (&sasl));
}

static void
test_xoauth2 (void)
{
  g_autoptr(EpSmtpSasl) sasl = new_sasl (EP_SMTP_AUTH_XOAUTH2, "someuser@example.com", "ya29.vF9dft4qmTc2Nvb3RlckBhdHRhdmlzdGEuY29tCg");
  g_autoptr(GBytes) initial = NULL;
  g_autoptr(GBytes) ack = NULL;

  g_assert_true (ep_smtp_sasl_get_initial_response (sasl, &initial));
  assert_string_bytes (initial, "user=someuser@example.com\001auth=Bearer ya29.vF9dft4qmTc2Nvb3RlckBhdHRhdmlzdGEuY29tCg\001\001");
  ack = step_ok (sasl, "{\"status\":\"401\",\"schemes\":\"bearer\"}");
  g_assert_cmpuint (g_bytes_get_size (ack), ==, 0);
  g_assert_cmpstr (ep_smtp_sasl_get_server_error (sasl), ==, "{\"status\":\"401\",\"schemes\":\"bearer\"}");
  step_cancel (sasl, "{}", EP_SMTP_ERROR_PROTOCOL);
  g_assert_finalize_object (g_steal_pointer (&sasl));
}

static void
test_oauthbearer (void)
{
  /* RFC 7628 §4.1 shape, with a user name that needs escaping. */
  g_autoptr(EpSmtpSasl) sasl = new_sasl (EP_SMTP_AUTH_OAUTHBEARER, "user=x,y@example.com", "vF9dft4qmTc2Nvb3RlckBhbHR");
  g_autoptr(GBytes) initial = NULL;
  g_autoptr(GBytes) ack = NULL;

  g_assert_true (ep_smtp_sasl_get_initial_response (sasl, &initial));
  assert_string_bytes (initial, "n,a=user=3Dx=2Cy@example.com,\001auth=Bearer vF9dft4qmTc2Nvb3RlckBhbHR\001\001");
  ack = step_ok (sasl, "{\"status\":\"invalid_token\"}");
  assert_string_bytes (ack, "\001");
  g_assert_finalize_object (g_steal_pointer (&sasl));
}

static void
test_saslprep (void)
{
  /* RFC 4013 §3 examples, except the bidi one we do not check. */
  const struct { const char *in; const char *out; } cases[] = {
    { "I\xc2\xadX", "IX" },           /* SOFT HYPHEN mapped to nothing */
    { "user", "user" },
    { "USER", "USER" },
    { "\xc2\xaa", "a" },              /* FEMININE ORDINAL INDICATOR, NFKC */
    { "\xe2\x85\xa8", "IX" },         /* ROMAN NUMERAL NINE, NFKC */
    { "pass\xc2\xa0word", "pass word" }, /* NO-BREAK SPACE to SPACE */
    { "caf\xc3\xa9", "caf\xc3\xa9" },
  };
  const char *prohibited[] = { "\x07", "a\tb", "x\x7fy", "a\xee\x80\x80" /* private use */, "\xff" };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *out = ep_smtp_saslprep (cases[i].in, &error);

      g_assert_no_error (error);
      g_assert_cmpstr (out, ==, cases[i].out);
    }

  for (guint i = 0; i < G_N_ELEMENTS (prohibited); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *out = ep_smtp_saslprep (prohibited[i], &error);

      g_assert_null (out);
      g_assert_error (error, EP_SMTP_ERROR, EP_SMTP_ERROR_INVALID_CONFIG);
    }
}

static void
test_scram_saslprep_password (void)
{
  /* Same proof for "pencil" and "pen\u00ADcil": the password is prepared before PBKDF2. */
  g_autoptr(EpSmtpSasl) a = new_sasl (EP_SMTP_AUTH_SCRAM_SHA_256, "user", "pen\xc2\xad" "cil");
  g_autoptr(GBytes) first = NULL;
  g_autoptr(GBytes) final = NULL;

  ep_smtp_sasl_set_client_nonce (a, scram_sha256.nonce);
  g_assert_true (ep_smtp_sasl_get_initial_response (a, &first));
  final = step_ok (a, scram_sha256.server_first);
  assert_string_bytes (final, scram_sha256.client_final);
  g_assert_finalize_object (g_steal_pointer (&a));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/smtp/sasl/plain", test_plain);
  g_test_add_func ("/smtp/sasl/login", test_login);
  g_test_add_func ("/smtp/sasl/cram-md5/rfc2195", test_cram_md5);
  g_test_add_data_func ("/smtp/sasl/scram-sha-1/rfc5802", &scram_sha1, test_scram_vector);
  g_test_add_data_func ("/smtp/sasl/scram-sha-256/rfc7677", &scram_sha256, test_scram_vector);
  g_test_add_data_func ("/smtp/sasl/scram-sha-1/final-with-235", &scram_sha1, test_scram_final_with_235);
  g_test_add_data_func ("/smtp/sasl/scram-sha-256/final-with-235", &scram_sha256, test_scram_final_with_235);
  g_test_add_data_func ("/smtp/sasl/scram-sha-1/bad-server-signature", &scram_sha1, test_scram_bad_signature);
  g_test_add_data_func ("/smtp/sasl/scram-sha-256/bad-server-signature", &scram_sha256, test_scram_bad_signature);
  g_test_add_func ("/smtp/sasl/scram/malformed", test_scram_malformed);
  g_test_add_func ("/smtp/sasl/scram/random-nonce", test_scram_random_nonce);
  g_test_add_func ("/smtp/sasl/scram/escaped-name", test_scram_escaped_name);
  g_test_add_func ("/smtp/sasl/scram/saslprep-password", test_scram_saslprep_password);
  g_test_add_func ("/smtp/sasl/xoauth2", test_xoauth2);
  g_test_add_func ("/smtp/sasl/oauthbearer", test_oauthbearer);
  g_test_add_func ("/smtp/sasl/saslprep", test_saslprep);

  return g_test_run ();
}
