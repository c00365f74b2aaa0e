/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ep-base64.c: base64, streaming, with CRLF line breaks written inline.
 *
 * Whole MIME lines (57 bytes in, 76 characters out), where nearly all the time goes, use the
 * widest vector unit the CPU has (AVX2 or SSSE3 on x86-64, chosen once at run time); everything
 * else, and other CPUs, use a 12-bit lookup table. Both give the same bytes (tests/test-base64). */
#include "config.h"


#include <string.h>
#include <glib/gi18n-lib.h>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define EP_BASE64_X86_SIMD 1
#include <immintrin.h>
#endif

#include "ep-base64.h"
#include "ep-mime-error.h"

static const char alphabet[] =
  "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* Every 12-bit value maps to its two output characters: one lookup per half of a 3-byte group
 * halves the number of table reads of a 6-bit table, which is what makes the encoder fast.
 * Stored as 16-bit values whose in-memory bytes are the two characters. */
static guint16 pair_table[4096];

static void choose_line_encoder (void);

static void
ensure_tables (void)
{
  static gsize ready = 0;

  if (g_once_init_enter (&ready))
    {
      for (guint i = 0; i < 4096; i++)
        {
          char pair[2] = { alphabet[i >> 6], alphabet[i & 0x3f] };
          memcpy (&pair_table[i], pair, 2);
        }
      choose_line_encoder ();
      g_once_init_leave (&ready, 1);
    }
}

static inline void
encode_group (const guint8 *in,
              char         *out)
{
  guint32 v = ((guint32) in[0] << 16) | ((guint32) in[1] << 8) | in[2];

  memcpy (out, &pair_table[v >> 12], 2);
  memcpy (out + 2, &pair_table[v & 0xfff], 2);
}

/* Two groups from one unaligned 64-bit big-endian load, written with one 8-byte store. */
static inline void
encode_two_groups (const guint8 *in,
                   char         *out)
{
  guint64 w, v;

  memcpy (&w, in, 8);
  w = GUINT64_FROM_BE (w);
#if G_BYTE_ORDER == G_LITTLE_ENDIAN
  v = (guint64) pair_table[(w >> 52) & 0xfff] |
      ((guint64) pair_table[(w >> 40) & 0xfff] << 16) |
      ((guint64) pair_table[(w >> 28) & 0xfff] << 32) |
      ((guint64) pair_table[(w >> 16) & 0xfff] << 48);
#else
  v = ((guint64) pair_table[(w >> 52) & 0xfff] << 48) |
      ((guint64) pair_table[(w >> 40) & 0xfff] << 32) |
      ((guint64) pair_table[(w >> 28) & 0xfff] << 16) |
      (guint64) pair_table[(w >> 16) & 0xfff];
#endif
  memcpy (out, &v, 8);
}

/* Encodes @n_groups whole groups; the 8-byte loads read 2 bytes beyond a pair of groups, so
 * they are used only while @avail bytes from @in allow it. */
static inline char *
encode_groups (const guint8 *in,
               gsize         n_groups,
               gsize         avail,
               char         *out)
{
  gsize i = 0;

  for (; i + 2 <= n_groups && i * 3 + 8 <= avail; i += 2)
    encode_two_groups (in + i * 3, out + i * 4);
  for (; i < n_groups; i++)
    encode_group (in + i * 3, out + i * 4);

  return out + n_groups * 4;
}

/* One MIME line: 57 input bytes, 76 characters and CRLF. Nine double groups read at most up to
 * byte 56, inside the line's own input. */
static inline char *
encode_mime_line (const guint8 *in,
                  char         *out)
{
  /* Unrolled by hand: -O2 keeps the loop, and the independent loads are the speed. */
  encode_two_groups (in, out);
  encode_two_groups (in + 6, out + 8);
  encode_two_groups (in + 12, out + 16);
  encode_two_groups (in + 18, out + 24);
  encode_two_groups (in + 24, out + 32);
  encode_two_groups (in + 30, out + 40);
  encode_two_groups (in + 36, out + 48);
  encode_two_groups (in + 42, out + 56);
  encode_two_groups (in + 48, out + 64);
  encode_group (in + 54, out + 72);
  out[76] = '\r';
  out[77] = '\n';
  return out + 78;
}

/* The last 9 bytes of a MIME line (groups 16 to 18) and its CRLF, after the vector part. */
static inline char *
finish_mime_line (const guint8 *in,
                  char         *out)
{
  encode_two_groups (in + 48, out + 64);   /* reads bytes 48..55 */
  encode_group (in + 54, out + 72);
  out[76] = '\r';
  out[77] = '\n';
  return out + 78;
}

typedef char *(*EncodeLinesFunc) (const guint8 *in, gsize n_lines, char *out);

static char *
encode_mime_lines_scalar (const guint8 *in,
                          gsize         n_lines,
                          char         *out)
{
  for (gsize i = 0; i < n_lines; i++, in += 57)
    out = encode_mime_line (in, out);
  return out;
}

#ifdef EP_BASE64_X86_SIMD
/* Twelve input bytes in each 16-byte lane become sixteen characters:
 * 1. a shuffle puts the bytes a b c of each group into a 32-bit lane as b a c b, so that the
 *    16-bit halves hold a:b and b:c;
 * 2. two 16-bit multiplications move each 6-bit field to the bottom of its own byte: the high
 *    multiply shifts right (a's top 6 bits by 10, the middle of b:c by 6), the low multiply
 *    shifts left (the middle of a:b by 4, c's low 6 bits by 8);
 * 3. the 6-bit values become ASCII by adding an offset per range (A–Z, a–z, 0–9, +, /): a
 *    saturating subtraction and one comparison turn each value into a range number from 0 to
 *    13, which a byte shuffle looks up in a table of offsets. */
#define SHUFFLE_BYTES 1, 0, 2, 1, 4, 3, 5, 4, 7, 6, 8, 7, 10, 9, 11, 10
/* Range number → offset: 0 is 26..51 (+71), 1..10 are 52..61 (−4), 11 is 62 (−19),
 * 12 is 63 (−16), 13 is 0..25 (+65). */
#define ASCII_OFFSETS 71, -4, -4, -4, -4, -4, -4, -4, -4, -4, -4, -19, -16, 65, 0, 0

__attribute__((target ("ssse3")))
static inline __m128i
ssse3_encode_12 (const guint8 *in)
{
  const __m128i shuffle = _mm_setr_epi8 (SHUFFLE_BYTES);
  const __m128i offsets = _mm_setr_epi8 (ASCII_OFFSETS);
  __m128i v = _mm_shuffle_epi8 (_mm_loadu_si128 ((const void *) in), shuffle);
  __m128i high = _mm_mulhi_epu16 (_mm_and_si128 (v, _mm_set1_epi32 (0x0fc0fc00)),
                                  _mm_set1_epi32 (0x04000040));
  __m128i low = _mm_mullo_epi16 (_mm_and_si128 (v, _mm_set1_epi32 (0x003f03f0)),
                                 _mm_set1_epi32 (0x01000010));
  __m128i values = _mm_or_si128 (high, low);
  __m128i range = _mm_or_si128 (_mm_subs_epu8 (values, _mm_set1_epi8 (51)),
                                _mm_and_si128 (_mm_cmpgt_epi8 (_mm_set1_epi8 (26), values),
                                               _mm_set1_epi8 (13)));

  return _mm_add_epi8 (values, _mm_shuffle_epi8 (offsets, range));
}

__attribute__((target ("ssse3")))
static char *
encode_mime_lines_ssse3 (const guint8 *in,
                         gsize         n_lines,
                         char         *out)
{
  for (gsize i = 0; i < n_lines; i++, in += 57)
    {
      /* Loads read bytes 0..51 of the line's 57. */
      _mm_storeu_si128 ((void *) out, ssse3_encode_12 (in));
      _mm_storeu_si128 ((void *) (out + 16), ssse3_encode_12 (in + 12));
      _mm_storeu_si128 ((void *) (out + 32), ssse3_encode_12 (in + 24));
      _mm_storeu_si128 ((void *) (out + 48), ssse3_encode_12 (in + 36));
      out = finish_mime_line (in, out);
    }
  return out;
}

/* The same in both 128-bit lanes of a 256-bit register: 24 bytes in, 32 characters out. */
__attribute__((target ("avx2")))
static inline __m256i
avx2_encode_24 (const guint8 *in)
{
  const __m256i shuffle = _mm256_setr_epi8 (SHUFFLE_BYTES, SHUFFLE_BYTES);
  const __m256i offsets = _mm256_setr_epi8 (ASCII_OFFSETS, ASCII_OFFSETS);
  __m256i v = _mm256_inserti128_si256 (_mm256_castsi128_si256 (_mm_loadu_si128 ((const void *) in)),
                                       _mm_loadu_si128 ((const void *) (in + 12)), 1);
  __m256i high, low, values, range;

  v = _mm256_shuffle_epi8 (v, shuffle);
  high = _mm256_mulhi_epu16 (_mm256_and_si256 (v, _mm256_set1_epi32 (0x0fc0fc00)),
                             _mm256_set1_epi32 (0x04000040));
  low = _mm256_mullo_epi16 (_mm256_and_si256 (v, _mm256_set1_epi32 (0x003f03f0)),
                            _mm256_set1_epi32 (0x01000010));
  values = _mm256_or_si256 (high, low);
  range = _mm256_or_si256 (_mm256_subs_epu8 (values, _mm256_set1_epi8 (51)),
                           _mm256_and_si256 (_mm256_cmpgt_epi8 (_mm256_set1_epi8 (26), values),
                                             _mm256_set1_epi8 (13)));
  return _mm256_add_epi8 (values, _mm256_shuffle_epi8 (offsets, range));
}

__attribute__((target ("avx2")))
static char *
encode_mime_lines_avx2 (const guint8 *in,
                        gsize         n_lines,
                        char         *out)
{
  for (gsize i = 0; i < n_lines; i++, in += 57)
    {
      /* Loads read bytes 0..51 of the line's 57. */
      _mm256_storeu_si256 ((void *) out, avx2_encode_24 (in));
      _mm256_storeu_si256 ((void *) (out + 32), avx2_encode_24 (in + 24));
      out = finish_mime_line (in, out);
    }
  return out;
}
#endif

static EncodeLinesFunc encode_mime_lines = encode_mime_lines_scalar;

static void
choose_line_encoder (void)
{
  const char *force = g_getenv ("EPISTLE_BASE64_IMPL");   /* tests and benchmarks */

#ifdef EP_BASE64_X86_SIMD
  __builtin_cpu_init ();
  if (g_strcmp0 (force, "scalar") == 0)
    return;
  if (__builtin_cpu_supports ("avx2") && g_strcmp0 (force, "ssse3") != 0)
    encode_mime_lines = encode_mime_lines_avx2;
  else if (__builtin_cpu_supports ("ssse3"))
    encode_mime_lines = encode_mime_lines_ssse3;
#else
  (void) force;
#endif
}

/**
 * ep_base64_get_implementation:
 *
 * Returns: which encoder whole MIME lines use: "avx2", "ssse3" or "scalar"
 */
const char *
ep_base64_get_implementation (void)
{
  ensure_tables ();
#ifdef EP_BASE64_X86_SIMD
  if (encode_mime_lines == encode_mime_lines_avx2)
    return "avx2";
  if (encode_mime_lines == encode_mime_lines_ssse3)
    return "ssse3";
#endif
  return "scalar";
}

void
ep_base64_encoder_init (EpBase64Encoder *enc,
                        guint            line_length)
{
  g_return_if_fail (enc != NULL);
  g_return_if_fail (line_length % 4 == 0);

  ensure_tables ();
  memset (enc, 0, sizeof *enc);
  enc->line_length = line_length;
}

static inline char *
end_line (EpBase64Encoder *enc,
          char            *out)
{
  *out++ = '\r';
  *out++ = '\n';
  enc->column = 0;
  return out;
}

/* One group at the current column, breaking the line when it is full. */
static inline char *
emit_group (EpBase64Encoder *enc,
            const guint8    *group,
            char            *out)
{
  encode_group (group, out);
  out += 4;
  if (enc->line_length != 0)
    {
      enc->column += 4;
      if (enc->column == enc->line_length)
        out = end_line (enc, out);
    }
  return out;
}

gsize
ep_base64_encoder_feed (EpBase64Encoder *enc,
                        const guint8    *in,
                        gsize            len,
                        char            *out)
{
  char *start = out;

  g_return_val_if_fail (enc != NULL, 0);
  g_return_val_if_fail (in != NULL || len == 0, 0);

  if (enc->n_pending > 0)
    {
      guint8 group[3];

      if (enc->n_pending + len < 3)
        {
          memcpy (enc->pending + enc->n_pending, in, len);
          enc->n_pending += len;
          return 0;
        }
      memcpy (group, enc->pending, enc->n_pending);
      memcpy (group + enc->n_pending, in, 3 - enc->n_pending);
      in += 3 - enc->n_pending;
      len -= 3 - enc->n_pending;
      enc->n_pending = 0;
      out = emit_group (enc, group, out);
    }

  if (enc->line_length == 0)
    {
      gsize n_groups = len / 3;

      out = encode_groups (in, n_groups, len, out);
      in += n_groups * 3;
      len -= n_groups * 3;
    }
  else
    {
      gsize line_groups = enc->line_length / 4;
      gsize line_bytes = line_groups * 3;

      /* Finish a partly written line group by group, then whole lines at full speed. */
      while (enc->column != 0 && len >= 3)
        {
          out = emit_group (enc, in, out);
          in += 3;
          len -= 3;
        }
      if (enc->line_length == EP_BASE64_MIME_LINE_LENGTH && len >= line_bytes)
        {
          gsize n_lines = len / line_bytes;

          out = encode_mime_lines (in, n_lines, out);
          in += n_lines * line_bytes;
          len -= n_lines * line_bytes;
        }
      while (len >= line_bytes)
        {
          out = encode_groups (in, line_groups, len, out);
          *out++ = '\r';
          *out++ = '\n';
          in += line_bytes;
          len -= line_bytes;
        }
      while (len >= 3)
        {
          out = emit_group (enc, in, out);
          in += 3;
          len -= 3;
        }
    }

  memcpy (enc->pending, in, len);
  enc->n_pending = len;

  return out - start;
}

gsize
ep_base64_encoder_finish (EpBase64Encoder *enc,
                          char            *out)
{
  char *start = out;

  g_return_val_if_fail (enc != NULL, 0);

  if (enc->n_pending > 0)
    {
      guint32 v = (guint32) enc->pending[0] << 16;

      if (enc->n_pending == 2)
        v |= (guint32) enc->pending[1] << 8;
      *out++ = alphabet[(v >> 18) & 0x3f];
      *out++ = alphabet[(v >> 12) & 0x3f];
      *out++ = enc->n_pending == 2 ? alphabet[(v >> 6) & 0x3f] : '=';
      *out++ = '=';
      enc->column += 4;
    }
  /* The last line is terminated like every other, so a part body always ends in CRLF. */
  if (enc->line_length != 0 && enc->column != 0)
    out = end_line (enc, out);

  enc->n_pending = 0;
  enc->column = 0;

  return out - start;
}

gsize
ep_base64_encoded_max (gsize len,
                       guint line_length)
{
  /* Up to two pending bytes join the input of one call. */
  gsize chars = (len + 2) / 3 * 4 + 4;

  if (line_length == 0)
    return chars;
  return chars + 2 * (chars / line_length + 1);
}

guint64
ep_base64_encoded_size (guint64 len,
                        guint   line_length)
{
  guint64 chars = (len + 2) / 3 * 4;

  if (line_length == 0)
    return chars;
  return chars + 2 * ((chars + line_length - 1) / line_length);
}

char *
ep_base64_encode (const guint8 *in,
                  gsize         len,
                  guint         line_length)
{
  EpBase64Encoder enc;
  char *out;
  gsize n;

  g_return_val_if_fail (in != NULL || len == 0, NULL);
  g_return_val_if_fail (line_length % 4 == 0, NULL);

  ep_base64_encoder_init (&enc, line_length);
  out = g_malloc (ep_base64_encoded_max (len, line_length) + 1);
  n = ep_base64_encoder_feed (&enc, in, len, out);
  n += ep_base64_encoder_finish (&enc, out + n);
  out[n] = '\0';

  return out;
}

static int
decode_char (char c)
{
  if (c >= 'A' && c <= 'Z')
    return c - 'A';
  if (c >= 'a' && c <= 'z')
    return c - 'a' + 26;
  if (c >= '0' && c <= '9')
    return c - '0' + 52;
  if (c == '+')
    return 62;
  if (c == '/')
    return 63;
  return -1;
}

/* The one decoder. @strict: RFC 4648 §3.3 and §4 to the letter, as SASL (RFC 4954 §4) needs: nothing
 * but the alphabet, the length a multiple of 4, "=" only as the final padding. Otherwise MIME's
 * RFC 2045 §6.8 reading: the same, except that the whitespace between lines is skipped. Either
 * way the pad bits of the last group must be zero (RFC 4648 §3.5), so that every accepted input
 * is the one encoding of its bytes. */
static guint8 *
decode (const char  *in,
        gsize        len,
        gboolean     strict,
        gsize       *out_len,
        GError     **error)
{
  g_autofree guint8 *out = NULL;
  gsize n = 0;
  guint32 acc = 0;
  guint n_acc = 0;
  guint n_pad = 0;

  out = g_malloc (len / 4 * 3 + 3);

  for (gsize i = 0; i < len; i++)
    {
      char c = in[i];
      int v;

      if (!strict && (c == ' ' || c == '\t' || c == '\r' || c == '\n'))
        continue;
      if (c == '=')
        {
          if (n_acc < 2 || n_acc + n_pad >= 4)
            goto invalid;
          n_pad++;
          continue;
        }
      if (n_pad > 0)
        goto invalid;
      v = decode_char (c);
      if (v < 0)
        goto invalid;
      acc = (acc << 6) | (guint32) v;
      if (++n_acc == 4)
        {
          out[n++] = acc >> 16;
          out[n++] = (acc >> 8) & 0xff;
          out[n++] = acc & 0xff;
          acc = 0;
          n_acc = 0;
        }
    }

  if (n_acc == 2 && n_pad == 2 && (acc & 0xf) == 0)
    out[n++] = acc >> 4;
  else if (n_acc == 3 && n_pad == 1 && (acc & 0x3) == 0)
    {
      out[n++] = acc >> 10;
      out[n++] = (acc >> 2) & 0xff;
    }
  else if (n_acc != 0 || n_pad != 0)
    goto invalid;

  *out_len = n;
  return g_steal_pointer (&out);

invalid:
  g_set_error (error, EP_MIME_ERROR, EP_MIME_ERROR_INVALID_ENCODING,
               _("Invalid base64 data"));
  return NULL;
}

/**
 * ep_base64_decode:
 *
 * Decodes a MIME body part (RFC 2045 §6.8): strict about the alphabet and padding, tolerant of
 * the whitespace (spaces, tabs, line breaks) MIME puts between lines.
 *
 * Returns: (transfer full): the bytes, or %NULL with %EP_MIME_ERROR_INVALID_ENCODING
 */
guint8 *
ep_base64_decode (const char  *in,
                  gsize       *out_len,
                  GError     **error)
{
  g_return_val_if_fail (in != NULL, NULL);
  g_return_val_if_fail (out_len != NULL, NULL);

  return decode (in, strlen (in), FALSE, out_len, error);
}

/**
 * ep_base64_decode_strict:
 * @in: the text
 * @len: its length, or -1 when it ends at a NUL (a NUL within @len is refused)
 *
 * Decodes base64 as RFC 4648 §4 defines it, for protocols that carry it on one line (SASL
 * challenges and responses, RFC 4954 §4): refuses any character outside the alphabet, whitespace
 * included; a length that is not a multiple of 4; "=" anywhere but as the last one or two
 * characters; non-zero pad bits. "" decodes to 0 octets.
 *
 * Returns: (transfer full): the bytes (never %NULL on success), or %NULL with
 *   %EP_MIME_ERROR_INVALID_ENCODING
 */
guint8 *
ep_base64_decode_strict (const char  *in,
                         gssize       len,
                         gsize       *out_len,
                         GError     **error)
{
  g_return_val_if_fail (in != NULL || len == 0, NULL);
  g_return_val_if_fail (out_len != NULL, NULL);

  return decode (in != NULL ? in : "", len < 0 ? strlen (in) : (gsize) len, TRUE, out_len, error);
}
