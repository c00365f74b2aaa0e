/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-smtp-sasl.c: PLAIN, LOGIN, CRAM-MD5, SCRAM-SHA-1/-256, XOAUTH2 and OAUTHBEARER, client side.
 * Hashes, HMAC, PBKDF2 and randomness come from GnuTLS. */
#include "config.h"

#include <string.h>
#include <glib/gi18n-lib.h>
#include <gnutls/gnutls.h>
#include <gnutls/crypto.h>

#include "ep-base64.h"
#include "ep-smtp-sasl.h"
#include "ep-text.h"

/* The largest digest we use (SHA-256). */
#define MAX_DIGEST_OCTETS 32
/* RFC 5802 §7: "biws" is base64("n,,"): no channel binding, no authorization identity. */
#define SCRAM_GS2_HEADER  "n,,"
#define SCRAM_CBIND_B64   "biws"
/* RFC 2195: the CRAM-MD5 response carries the HMAC-MD5 digest in lower-case hex. */
#define MD5_OCTETS        16

typedef enum {
  STATE_START,
  STATE_SENT_FIRST,    /* initial response (or the answer to the first challenge) is out */
  STATE_SENT_SECOND,   /* LOGIN password / SCRAM client-final / OAuth error acknowledgement */
  STATE_DONE,
} SaslState;

struct _EpSmtpSasl {
  GObject              parent_instance;

  EpSmtpAuthMechanism  mechanism;
  char                *username;
  char                *secret;
  SaslState            state;
  guint                rounds;
  gboolean             server_verified;
  char                *server_error;

  /* SCRAM */
  char                *client_nonce;
  char                *client_first_bare;
  guint8               server_signature[MAX_DIGEST_OCTETS];
  gsize                digest_len;
};

G_DEFINE_FINAL_TYPE (EpSmtpSasl, ep_smtp_sasl, G_TYPE_OBJECT)

G_LOCK_DEFINE_STATIC (test_nonce);
static char *test_nonce;

static void
wipe_string (char **str)
{
  if (*str != NULL)
    {
      explicit_bzero (*str, strlen (*str));
      g_clear_pointer (str, g_free);
    }
}

static void
ep_smtp_sasl_finalize (GObject *object)
{
  EpSmtpSasl *self = EP_SMTP_SASL (object);

  g_free (self->username);
  wipe_string (&self->secret);
  g_free (self->server_error);
  g_free (self->client_nonce);
  g_free (self->client_first_bare);
  explicit_bzero (self->server_signature, sizeof self->server_signature);

  G_OBJECT_CLASS (ep_smtp_sasl_parent_class)->finalize (object);
}

static void
ep_smtp_sasl_class_init (EpSmtpSaslClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = ep_smtp_sasl_finalize;
}

static void
ep_smtp_sasl_init (EpSmtpSasl *self)
{
}

/* ---- helpers --------------------------------------------------------------------------------- */

/* Code points RFC 3454 table B.1 maps to nothing. */
static gboolean
is_mapped_to_nothing (gunichar c)
{
  return c == 0x00AD || c == 0x034F || c == 0x1806 || (c >= 0x180B && c <= 0x180D)
         || (c >= 0x200B && c <= 0x200D) || c == 0x2060 || (c >= 0xFE00 && c <= 0xFE0F)
         || c == 0xFEFF;
}

static gboolean
is_prohibited (gunichar c)
{
  GUnicodeType type = g_unichar_type (c);

  return type == G_UNICODE_CONTROL || type == G_UNICODE_PRIVATE_USE || type == G_UNICODE_SURROGATE
         || (c >= 0xFDD0 && c <= 0xFDEF) || (c & 0xFFFE) == 0xFFFE;
}

/* A partial SASLprep (RFC 4013), enough for real user names and passwords:
 * - ASCII text is used as it is, but control characters are refused (RFC 4013 §2.3, C.2.1);
 * - otherwise: non-ASCII spaces become U+0020 (§2.1, C.1.2), the B.1 characters are removed (§2.1),
 *   the result is normalised to NFKC (§2.2), and control, private-use, surrogate and non-character
 *   code points are refused (§2.3).
 * Not done: the bidirectional checks (§2.4) and refusing unassigned code points (§2.5), which only
 * matter for strings a server stores; the server applies its own preparation anyway. */
char *
ep_smtp_saslprep (const char *text,
                  GError    **error)
{
  g_autoptr(GString) mapped = NULL;
  g_autofree char *normalized = NULL;

  g_return_val_if_fail (text != NULL, NULL);

  if (!g_utf8_validate (text, -1, NULL))
    goto prohibited;

  if (ep_text_has_control (text, -1))
    goto prohibited;
  if (ep_text_is_ascii (text, -1))
    return g_strdup (text);

  mapped = g_string_new (NULL);
  for (const char *p = text; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (is_mapped_to_nothing (c))
        continue;
      if (c >= 0x80 && g_unichar_type (c) == G_UNICODE_SPACE_SEPARATOR)
        c = ' ';
      g_string_append_unichar (mapped, c);
    }

  normalized = g_utf8_normalize (mapped->str, mapped->len, G_NORMALIZE_NFKC);
  if (normalized == NULL)
    goto prohibited;

  for (const char *p = normalized; *p != '\0'; p = g_utf8_next_char (p))
    if (is_prohibited (g_utf8_get_char (p)))
      goto prohibited;

  return g_steal_pointer (&normalized);

prohibited:
  g_set_error_literal (error, EP_SMTP_ERROR, EP_SMTP_ERROR_INVALID_CONFIG,
                       _("The user name or password contains characters that cannot be used for authentication"));
  return NULL;
}

/* RFC 5802 §5.1 saslname: "," and "=" are escaped as "=2C" and "=3D". Also used for OAUTHBEARER's
 * a= (RFC 7628 §3.1 reuses the GS2 header syntax). */
static char *
escape_saslname (const char *name)
{
  GString *out = g_string_sized_new (strlen (name));

  for (const char *p = name; *p != '\0'; p++)
    {
      if (*p == ',')
        g_string_append (out, "=2C");
      else if (*p == '=')
        g_string_append (out, "=3D");
      else
        g_string_append_c (out, *p);
    }

  return g_string_free (out, FALSE);
}

static GBytes *
bytes_from_string_take (char *text)
{
  gsize len = strlen (text);

  return g_bytes_new_take (text, len);
}

static EpSmtpSaslStatus
cancel (GError    **error,
        EpSmtpError code,
        const char *message)
{
  g_set_error_literal (error, EP_SMTP_ERROR, code, message);
  return EP_SMTP_SASL_CANCEL;
}

static gboolean
is_scram (EpSmtpAuthMechanism mechanism)
{
  return mechanism == EP_SMTP_AUTH_SCRAM_SHA_1 || mechanism == EP_SMTP_AUTH_SCRAM_SHA_256;
}

static gnutls_mac_algorithm_t
scram_mac (EpSmtpSasl *self)
{
  return self->mechanism == EP_SMTP_AUTH_SCRAM_SHA_256 ? GNUTLS_MAC_SHA256 : GNUTLS_MAC_SHA1;
}

static gnutls_digest_algorithm_t
scram_digest (EpSmtpSasl *self)
{
  return self->mechanism == EP_SMTP_AUTH_SCRAM_SHA_256 ? GNUTLS_DIG_SHA256 : GNUTLS_DIG_SHA1;
}

static gboolean
constant_time_equal (const guint8 *a,
                     const guint8 *b,
                     gsize         len)
{
  guint8 diff = 0;

  for (gsize i = 0; i < len; i++)
    diff |= a[i] ^ b[i];

  return diff == 0;
}

/* ---- construction ---------------------------------------------------------------------------- */

EpSmtpSasl *
ep_smtp_sasl_new (EpSmtpAuthMechanism  mechanism,
                  const char          *username,
                  const char          *secret,
                  GError             **error)
{
  g_autoptr(EpSmtpSasl) self = NULL;

  g_return_val_if_fail (mechanism != EP_SMTP_AUTH_AUTO && mechanism != EP_SMTP_AUTH_NONE, NULL);
  g_return_val_if_fail (username != NULL, NULL);
  g_return_val_if_fail (secret != NULL, NULL);

  self = g_object_new (EP_TYPE_SMTP_SASL, NULL);
  self->mechanism = mechanism;

  if (is_scram (mechanism))
    {
      /* RFC 5802 §5.1: both the name and the password are SASLprep-ed. */
      self->username = ep_smtp_saslprep (username, error);
      if (self->username == NULL)
        return NULL;
      self->secret = ep_smtp_saslprep (secret, error);
      if (self->secret == NULL)
        return NULL;
      self->digest_len = mechanism == EP_SMTP_AUTH_SCRAM_SHA_256 ? 32 : 20;
      G_LOCK (test_nonce);
      self->client_nonce = g_strdup (test_nonce);
      G_UNLOCK (test_nonce);
    }
  else
    {
      self->username = g_strdup (username);
      self->secret = g_strdup (secret);
    }

  return g_steal_pointer (&self);
}

EpSmtpAuthMechanism
ep_smtp_sasl_get_mechanism (EpSmtpSasl *self)
{
  g_return_val_if_fail (EP_IS_SMTP_SASL (self), EP_SMTP_AUTH_NONE);

  return self->mechanism;
}

void
ep_smtp_sasl_set_client_nonce (EpSmtpSasl *self,
                               const char *nonce)
{
  g_return_if_fail (EP_IS_SMTP_SASL (self));
  g_return_if_fail (nonce != NULL && strchr (nonce, ',') == NULL);

  g_free (self->client_nonce);
  self->client_nonce = g_strdup (nonce);
}

void
ep_smtp_sasl_set_test_client_nonce (const char *nonce)
{
  g_return_if_fail (nonce == NULL || strchr (nonce, ',') == NULL);

  G_LOCK (test_nonce);
  g_free (test_nonce);
  test_nonce = g_strdup (nonce);
  G_UNLOCK (test_nonce);
}

gboolean
ep_smtp_sasl_is_server_verified (EpSmtpSasl *self)
{
  g_return_val_if_fail (EP_IS_SMTP_SASL (self), FALSE);

  return is_scram (self->mechanism) ? self->server_verified : TRUE;
}

const char *
ep_smtp_sasl_get_server_error (EpSmtpSasl *self)
{
  g_return_val_if_fail (EP_IS_SMTP_SASL (self), NULL);

  return self->server_error;
}

/* ---- SCRAM (RFC 5802, RFC 7677) -------------------------------------------------------------- */

static char *
scram_client_first (EpSmtpSasl *self)
{
  g_autofree char *name = escape_saslname (self->username);

  if (self->client_nonce == NULL)
    {
      guint8 random[EP_SMTP_SCRAM_NONCE_OCTETS];

      /* GNUTLS_RND_NONCE: unpredictable but not key material (RFC 5802 §5.1 "nonce"). */
      if (gnutls_rnd (GNUTLS_RND_NONCE, random, sizeof random) < 0)
        g_error ("GnuTLS cannot produce random numbers");
      /* base64 of random octets never contains ','. */
      self->client_nonce = g_base64_encode (random, sizeof random);
    }

  g_free (self->client_first_bare);
  self->client_first_bare = g_strdup_printf ("n=%s,r=%s", name, self->client_nonce);

  return g_strconcat (SCRAM_GS2_HEADER, self->client_first_bare, NULL);
}

/* Splits "r=…,s=…,i=…[,ext]" into its attributes; each must be "x=value". */
static gboolean
scram_parse_server_first (const char  *message,
                          char       **nonce,
                          char       **salt_b64,
                          guint       *iterations)
{
  g_auto(GStrv) parts = g_strsplit (message, ",", -1);
  guint64 count = 0;

  if (g_strv_length (parts) < 3)
    return FALSE;

  /* RFC 5802 §5.1: m= is reserved; a client that sees it must fail the authentication. */
  if (!g_str_has_prefix (parts[0], "r=") || !g_str_has_prefix (parts[1], "s=")
      || !g_str_has_prefix (parts[2], "i="))
    return FALSE;

  if (!g_ascii_string_to_unsigned (parts[2] + 2, 10, 1, EP_SMTP_SCRAM_MAX_ITERATIONS, &count, NULL))
    return FALSE;

  *nonce = g_strdup (parts[0] + 2);
  *salt_b64 = g_strdup (parts[1] + 2);
  *iterations = (guint) count;

  return TRUE;
}

static gboolean
printable_nonce (const char *nonce)
{
  /* RFC 5802 §7: printable = %x21-2B / %x2D-7E (no ','). */
  return ep_text_is_visible_ascii (nonce, -1) && strchr (nonce, ',') == NULL;
}

static EpSmtpSaslStatus
scram_step_server_first (EpSmtpSasl   *self,
                         const char   *server_first,
                         GBytes      **response,
                         GError      **error)
{
  g_autofree char *nonce = NULL;
  g_autofree char *salt_b64 = NULL;
  g_autofree guint8 *salt = NULL;
  g_autofree char *without_proof = NULL;
  g_autofree char *auth_message = NULL;
  g_autofree char *proof_b64 = NULL;
  gsize salt_len = 0;
  guint iterations = 0;
  guint8 salted[MAX_DIGEST_OCTETS], client_key[MAX_DIGEST_OCTETS], stored_key[MAX_DIGEST_OCTETS];
  guint8 client_signature[MAX_DIGEST_OCTETS], proof[MAX_DIGEST_OCTETS], server_key[MAX_DIGEST_OCTETS];
  gnutls_datum_t key, salt_datum;
  gnutls_mac_algorithm_t mac = scram_mac (self);
  gsize dlen = self->digest_len;
  gboolean ok;

  if (!scram_parse_server_first (server_first, &nonce, &salt_b64, &iterations))
    return cancel (error, EP_SMTP_ERROR_PROTOCOL,
                   _("Malformed SCRAM challenge from the server (or an iteration count we refuse)"));

  /* The server's nonce must extend ours (RFC 5802 §5.1 "r="), or someone replays an old exchange. */
  if (!g_str_has_prefix (nonce, self->client_nonce) || strlen (nonce) <= strlen (self->client_nonce)
      || !printable_nonce (nonce))
    return cancel (error, EP_SMTP_ERROR_PROTOCOL,
                   _("The server's SCRAM nonce does not extend ours"));

  salt = ep_base64_decode_strict (salt_b64, -1, &salt_len, NULL);
  if (salt == NULL || salt_len == 0)
    return cancel (error, EP_SMTP_ERROR_PROTOCOL, _("Malformed SCRAM salt from the server"));

  key.data = (unsigned char *) self->secret;
  key.size = strlen (self->secret);
  salt_datum.data = salt;
  salt_datum.size = salt_len;

  ok = gnutls_pbkdf2 (mac, &key, &salt_datum, iterations, salted, dlen) >= 0
       && gnutls_hmac_fast (mac, salted, dlen, "Client Key", strlen ("Client Key"), client_key) >= 0
       && gnutls_hash_fast (scram_digest (self), client_key, dlen, stored_key) >= 0;

  without_proof = g_strdup_printf ("c=" SCRAM_CBIND_B64 ",r=%s", nonce);
  auth_message = g_strdup_printf ("%s,%s,%s", self->client_first_bare, server_first, without_proof);

  ok = ok
       && gnutls_hmac_fast (mac, stored_key, dlen, auth_message, strlen (auth_message), client_signature) >= 0
       && gnutls_hmac_fast (mac, salted, dlen, "Server Key", strlen ("Server Key"), server_key) >= 0
       && gnutls_hmac_fast (mac, server_key, dlen, auth_message, strlen (auth_message),
                            self->server_signature) >= 0;

  for (gsize i = 0; i < dlen; i++)
    proof[i] = client_key[i] ^ client_signature[i];

  explicit_bzero (salted, sizeof salted);
  explicit_bzero (client_key, sizeof client_key);
  explicit_bzero (stored_key, sizeof stored_key);
  explicit_bzero (server_key, sizeof server_key);

  if (!ok)
    return cancel (error, EP_SMTP_ERROR_AUTH_FAILED, _("GnuTLS could not compute the SCRAM proof"));

  proof_b64 = g_base64_encode (proof, dlen);
  *response = bytes_from_string_take (g_strdup_printf ("%s,p=%s", without_proof, proof_b64));

  return EP_SMTP_SASL_CONTINUE;
}

static gboolean
scram_verify_server_final (EpSmtpSasl  *self,
                           const char  *server_final,
                           GError     **error)
{
  g_autofree guint8 *signature = NULL;
  gsize signature_len = 0;
  const char *end;
  g_autofree char *value = NULL;

  if (g_str_has_prefix (server_final, "e="))
    {
      g_autofree char *reason = g_strndup (server_final + 2, strcspn (server_final + 2, ","));

      g_set_error (error, EP_SMTP_ERROR, EP_SMTP_ERROR_AUTH_FAILED,
                   _("The server refused the SCRAM authentication: %s"), reason);
      return FALSE;
    }

  if (!g_str_has_prefix (server_final, "v="))
    {
      g_set_error_literal (error, EP_SMTP_ERROR, EP_SMTP_ERROR_PROTOCOL,
                           _("Malformed SCRAM server-final message"));
      return FALSE;
    }

  end = strchr (server_final, ',');
  value = end != NULL ? g_strndup (server_final + 2, end - server_final - 2) : g_strdup (server_final + 2);
  signature = ep_base64_decode_strict (value, -1, &signature_len, NULL);

  if (signature == NULL || signature_len != self->digest_len
      || !constant_time_equal (signature, self->server_signature, self->digest_len))
    {
      g_set_error_literal (error, EP_SMTP_ERROR, EP_SMTP_ERROR_AUTH_FAILED,
                           _("The server could not prove that it knows the password (wrong SCRAM server signature)"));
      return FALSE;
    }

  self->server_verified = TRUE;
  return TRUE;
}

/* ---- public stepping ------------------------------------------------------------------------- */

static char *
build_initial (EpSmtpSasl *self,
               gsize      *len)
{
  switch (self->mechanism)
    {
    case EP_SMTP_AUTH_PLAIN:
      {
        /* RFC 4616 §2: [authzid] NUL authcid NUL passwd; we never ask for another identity. */
        gsize ulen = strlen (self->username), plen = strlen (self->secret);
        char *msg = g_malloc (ulen + plen + 3);

        msg[0] = '\0';
        memcpy (msg + 1, self->username, ulen);
        msg[1 + ulen] = '\0';
        memcpy (msg + 2 + ulen, self->secret, plen);
        msg[2 + ulen + plen] = '\0';
        *len = ulen + plen + 2;
        return msg;
      }
    case EP_SMTP_AUTH_XOAUTH2:
      {
        char *msg = g_strdup_printf ("user=%s\001auth=Bearer %s\001\001", self->username, self->secret);
        *len = strlen (msg);
        return msg;
      }
    case EP_SMTP_AUTH_OAUTHBEARER:
      {
        /* RFC 7628 §3.1: gs2-header with the authorization identity, then kvpairs, each ended by ^A. */
        g_autofree char *name = escape_saslname (self->username);
        char *msg = g_strdup_printf ("n,a=%s,\001auth=Bearer %s\001\001", name, self->secret);
        *len = strlen (msg);
        return msg;
      }
    case EP_SMTP_AUTH_SCRAM_SHA_1:
    case EP_SMTP_AUTH_SCRAM_SHA_256:
      {
        char *msg = scram_client_first (self);
        *len = strlen (msg);
        return msg;
      }
    case EP_SMTP_AUTH_LOGIN:
    case EP_SMTP_AUTH_CRAM_MD5:
    case EP_SMTP_AUTH_AUTO:
    case EP_SMTP_AUTH_NONE:
    default:
      return NULL;
    }
}

gboolean
ep_smtp_sasl_get_initial_response (EpSmtpSasl  *self,
                                   GBytes     **response)
{
  char *msg;
  gsize len = 0;

  g_return_val_if_fail (EP_IS_SMTP_SASL (self), FALSE);
  g_return_val_if_fail (response != NULL, FALSE);
  g_return_val_if_fail (self->state == STATE_START, FALSE);

  msg = build_initial (self, &len);
  if (msg == NULL)
    return FALSE;

  *response = g_bytes_new_take (msg, len);
  self->state = STATE_SENT_FIRST;
  return TRUE;
}

static EpSmtpSaslStatus
cram_md5_step (EpSmtpSasl   *self,
               const guint8 *challenge,
               gsize         len,
               GBytes      **response,
               GError      **error)
{
  guint8 digest[MD5_OCTETS];
  GString *out;

  if (len == 0)
    return cancel (error, EP_SMTP_ERROR_PROTOCOL, _("The server sent an empty CRAM-MD5 challenge"));

  if (gnutls_hmac_fast (GNUTLS_MAC_MD5, self->secret, strlen (self->secret), challenge, len, digest) < 0)
    return cancel (error, EP_SMTP_ERROR_AUTH_UNSUPPORTED, _("GnuTLS cannot compute HMAC-MD5 (FIPS mode?)"));

  out = g_string_new (self->username);
  g_string_append_c (out, ' ');
  for (gsize i = 0; i < MD5_OCTETS; i++)
    g_string_append_printf (out, "%02x", digest[i]);

  *response = bytes_from_string_take (g_string_free (out, FALSE));
  return EP_SMTP_SASL_CONTINUE;
}

EpSmtpSaslStatus
ep_smtp_sasl_step (EpSmtpSasl   *self,
                   const guint8 *challenge,
                   gsize         len,
                   GBytes      **response,
                   GError      **error)
{
  g_return_val_if_fail (EP_IS_SMTP_SASL (self), EP_SMTP_SASL_CANCEL);
  g_return_val_if_fail (challenge != NULL || len == 0, EP_SMTP_SASL_CANCEL);
  g_return_val_if_fail (response != NULL, EP_SMTP_SASL_CANCEL);

  *response = NULL;

  if (++self->rounds > EP_SMTP_SASL_MAX_ROUNDS)
    return cancel (error, EP_SMTP_ERROR_PROTOCOL, _("The server sent too many authentication challenges"));

  /* A client-first mechanism asked for its first message with an empty challenge (no initial
   * response was sent, RFC 4954 §4). */
  if (self->state == STATE_START && len == 0)
    {
      gsize first_len = 0;
      char *first = build_initial (self, &first_len);

      if (first != NULL)
        {
          *response = g_bytes_new_take (first, first_len);
          self->state = STATE_SENT_FIRST;
          return EP_SMTP_SASL_CONTINUE;
        }
    }

  switch (self->mechanism)
    {
    case EP_SMTP_AUTH_LOGIN:
      /* draft-murchison-sasl-login: the prompts ("Username:", "Password:") carry no meaning;
       * the first asks for the name, the second for the password, and there is no third. */
      if (self->state == STATE_START)
        {
          self->state = STATE_SENT_FIRST;
          *response = g_bytes_new (self->username, strlen (self->username));
          return EP_SMTP_SASL_CONTINUE;
        }
      if (self->state == STATE_SENT_FIRST)
        {
          self->state = STATE_SENT_SECOND;
          *response = g_bytes_new (self->secret, strlen (self->secret));
          return EP_SMTP_SASL_CONTINUE;
        }
      return cancel (error, EP_SMTP_ERROR_PROTOCOL, _("Unexpected third LOGIN challenge from the server"));

    case EP_SMTP_AUTH_CRAM_MD5:
      if (self->state != STATE_START)
        return cancel (error, EP_SMTP_ERROR_PROTOCOL, _("Unexpected second CRAM-MD5 challenge from the server"));
      self->state = STATE_SENT_FIRST;
      return cram_md5_step (self, challenge, len, response, error);

    case EP_SMTP_AUTH_PLAIN:
      return cancel (error, EP_SMTP_ERROR_PROTOCOL, _("Unexpected PLAIN challenge from the server"));

    case EP_SMTP_AUTH_XOAUTH2:
    case EP_SMTP_AUTH_OAUTHBEARER:
      /* The only challenge after the token is an error report in JSON (RFC 7628 §3.2.2); we
       * acknowledge it (XOAUTH2: empty; OAUTHBEARER: a lone ^A) and the server answers 5xx. */
      if (self->state != STATE_SENT_FIRST)
        return cancel (error, EP_SMTP_ERROR_PROTOCOL, _("Unexpected OAuth challenge from the server"));
      self->state = STATE_SENT_SECOND;
      g_free (self->server_error);
      self->server_error = ep_text_make_printable ((const char *) challenge, len);
      *response = self->mechanism == EP_SMTP_AUTH_OAUTHBEARER ? g_bytes_new ("\001", 1) : g_bytes_new (NULL, 0);
      return EP_SMTP_SASL_CONTINUE;

    case EP_SMTP_AUTH_SCRAM_SHA_1:
    case EP_SMTP_AUTH_SCRAM_SHA_256:
      {
        g_autofree char *text = NULL;

        if (memchr (challenge, '\0', len) != NULL || !g_utf8_validate ((const char *) challenge, len, NULL))
          return cancel (error, EP_SMTP_ERROR_PROTOCOL, _("Malformed SCRAM challenge from the server"));
        text = g_strndup ((const char *) challenge, len);

        if (self->state == STATE_SENT_FIRST)
          {
            EpSmtpSaslStatus status = scram_step_server_first (self, text, response, error);

            if (status == EP_SMTP_SASL_CONTINUE)
              self->state = STATE_SENT_SECOND;
            return status;
          }
        if (self->state == STATE_SENT_SECOND)
          {
            if (!scram_verify_server_final (self, text, error))
              return EP_SMTP_SASL_CANCEL;
            self->state = STATE_DONE;
            *response = g_bytes_new (NULL, 0);
            return EP_SMTP_SASL_CONTINUE;
          }
        return cancel (error, EP_SMTP_ERROR_PROTOCOL, _("Unexpected SCRAM challenge from the server"));
      }

    case EP_SMTP_AUTH_AUTO:
    case EP_SMTP_AUTH_NONE:
    default:
      g_return_val_if_reached (EP_SMTP_SASL_CANCEL);
    }
}

gboolean
ep_smtp_sasl_finish (EpSmtpSasl   *self,
                     const guint8 *data,
                     gsize         len,
                     GError      **error)
{
  g_return_val_if_fail (EP_IS_SMTP_SASL (self), FALSE);

  if (!is_scram (self->mechanism))
    return TRUE;

  if (!self->server_verified && data != NULL && len > 0 && self->state == STATE_SENT_SECOND)
    {
      g_autofree char *text = NULL;

      if (memchr (data, '\0', len) != NULL)
        {
          g_set_error_literal (error, EP_SMTP_ERROR, EP_SMTP_ERROR_PROTOCOL,
                               _("Malformed SCRAM server-final message"));
          return FALSE;
        }
      text = g_strndup ((const char *) data, len);
      if (!scram_verify_server_final (self, text, error))
        return FALSE;
      self->state = STATE_DONE;
    }

  if (!self->server_verified)
    {
      g_set_error_literal (error, EP_SMTP_ERROR, EP_SMTP_ERROR_AUTH_FAILED,
                           _("The server accepted the SCRAM authentication without proving that it knows the password"));
      return FALSE;
    }

  return TRUE;
}
