#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
# Edge cases through the real `epistle-send --print`, judged by Python's email package
# (policy=default): no defects, decoded headers/body/attachments equal to what went in.
import email
import email.header
import email.utils
import email.policy
import hashlib
import os
import random
import re
import stat
import string
import subprocess
import sys
import tempfile

import ep_tap
from ep_flowed import unflow

SEND = os.environ.get('EPISTLE_SEND')
TMP = tempfile.mkdtemp(prefix='mime-cases.', dir=os.environ.get('EPISTLE_TEST_TMPDIR'))
rng = random.Random(20240601)

# Besides Python's email, three independent readers judge every attachment: GMime (through
# GObject introspection), reformime (maildrop) and munpack (mpack). Each must recover the exact
# bytes, and the exact name wherever it can represent it.
import gi
gi.require_version('GMime', '3.0')
from gi.repository import GMime  # noqa: E402
GMime.init()

# munpack writes a name it reads from a plain name=/filename= parameter (it knows no RFC 2231)
# with every character outside this set turned into "X".
MUNPACK_SAFE = set(string.ascii_letters + string.digits + '#%+,-.:=@^_~')
# A header line may exceed 78 columns only as one plain quoted attachment name (the writer's
# choice: see its comment on attachment names), never beyond RFC 5322's 998.
LONG_NAME_LINE = re.compile(rb' (file)?name="([^"\\]|\\.)*";?')


def write_file(name, data):
    path = os.path.join(TMP, name)
    with open(path, 'wb') as f:
        f.write(data)
    return path


def normalise_body(text):
    text = text.replace('\r\n', '\n').replace('\r', '\n')
    if text and not text.endswith('\n'):
        text += '\n'
    return text


class Case:
    def __init__(self, desc, frm=('', 'sender@example.com'), to=(('', 'rcpt@example.org'),),
                 cc=(), bcc=(), subject='Test', body=None, attachments=(), extra_args=(),
                 expect=0, stderr_has=None, to_args=None, utf8_headers=False, flowed=None):
        self.__dict__.update(locals())
        del self.__dict__['self']


def fmt_addr(name, addr):
    if not name:
        return addr
    return '"%s" <%s>' % (name.replace('\\', '\\\\').replace('"', '\\"'), addr)


def idna_addr(addr):
    local, _, domain = addr.rpartition('@')
    return local + '@' + domain.encode('idna').decode('ascii')


def header_defects(part, utf8_headers):
    found = []
    for name, value in part.items():
        for d in getattr(value, 'defects', ()):
            msg = str(d)
            # Python reports every UTF-8 local part, even under RFC 6532; that is the case's point.
            if utf8_headers and type(d).__name__ == 'NonASCIILocalPartDefect':
                continue
            found.append('%s: %s' % (name, msg))
    return found


def check_lines(raw):
    problems = []
    if not raw.endswith(b'\r\n'):
        problems.append('does not end with CRLF')
    lines = raw.split(b'\r\n')
    in_headers = True
    for i, line in enumerate(lines[:-1]):
        if b'\r' in line or b'\n' in line:
            problems.append('bare CR or LF on line %d' % (i + 1))
        if len(line) > 998:
            problems.append('line %d is %d octets' % (i + 1, len(line)))
        if in_headers and line == b'':
            in_headers = False
        elif in_headers and len(line) > 78 and not LONG_NAME_LINE.fullmatch(line):
            problems.append('header line %d is %d columns: %r' % (i + 1, len(line), line[:90]))
    return problems


def run(case, index):
    args = [SEND, '--print']
    if case.frm is not None:
        args += ['--from', fmt_addr(*case.frm)]
    if case.to_args is not None:
        args += case.to_args
    else:
        for n, a in case.to:
            args += ['--to', fmt_addr(n, a)]
    for n, a in case.cc:
        args += ['--cc', fmt_addr(n, a)]
    for n, a in case.bcc:
        args += ['--bcc', fmt_addr(n, a)]
    if case.subject is not None:
        args += ['--subject', case.subject]
    if case.body is not None:
        if isinstance(case.body, tuple):
            args += ['--body', case.body[0]]
        else:
            args += ['--body', write_file('body-%d.txt' % index,
                                          case.body if isinstance(case.body, bytes)
                                          else case.body.encode('utf-8'))]
    for name, data in case.attachments:
        if isinstance(data, bytes):
            path = os.path.join(TMP, 'att-%d' % index)
            os.makedirs(path, exist_ok=True)
            path = os.path.join(path, name)
            with open(path, 'wb') as f:
                f.write(data)
        else:
            path = name
        args += ['--attach', path]
    args += list(case.extra_args)
    return subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=120)


def judge(case, proc):
    raw = proc.stdout
    problems = []
    if proc.returncode != case.expect:
        return ['exit %d, expected %d; stderr: %s' % (proc.returncode, case.expect,
                                                      proc.stderr.decode('utf-8', 'replace'))]
    if case.expect != 0:
        err = proc.stderr.decode('utf-8', 'replace')
        if raw:
            problems.append('wrote %d bytes to stdout on failure' % len(raw))
        if not err.startswith('epistle-send: '):
            problems.append('stderr does not start with "epistle-send: ": %r' % err)
        if case.stderr_has and case.stderr_has not in err:
            problems.append('stderr %r lacks %r' % (err, case.stderr_has))
        return problems

    problems += check_lines(raw)
    if not case.utf8_headers and any(b >= 0x80 for b in raw):
        problems.append('output is not 7-bit')
    if case.utf8_headers:
        # RFC 6532 headers: Python's bytes parser reads headers as ASCII, so parse the text.
        msg = email.message_from_string(raw.decode('utf-8'), policy=email.policy.default)
    else:
        msg = email.message_from_bytes(raw, policy=email.policy.default)
    legacy = email.message_from_bytes(raw, policy=email.policy.compat32)

    for part in msg.walk():
        if part.defects:
            problems.append('part %s defects: %s' % (part.get_content_type(), part.defects))
        problems += header_defects(part, case.utf8_headers)

    # Headers.
    if msg['MIME-Version'] != '1.0':
        problems.append('MIME-Version is %r' % msg['MIME-Version'])
    if not str(msg['User-Agent']).startswith('Epistle/'):
        problems.append('User-Agent is %r' % msg['User-Agent'])
    if msg['Date'] is None or msg['Date'].datetime is None:
        problems.append('Date unparsable: %r' % msg['Date'])
    elif not re.fullmatch(r'(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{1,2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d\d:\d\d:\d\d [+-]\d{4}',
                          str(msg['Date'])):
        problems.append('Date format: %r' % str(msg['Date']))
    from_domain = idna_addr(case.frm[1]).rpartition('@')[2]
    mid = str(msg['Message-ID'])
    if not re.fullmatch(r'<[a-z2-7]{16,}@' + re.escape(from_domain) + '>', mid):
        problems.append('Message-ID %r' % mid)
    if 'Bcc' in msg:
        problems.append('Bcc header present')
    for _, a in case.bcc:
        if idna_addr(a).encode() in raw:
            problems.append('Bcc address %s appears in the message' % a)
    if case.subject is None:
        if 'Subject' in msg:
            problems.append('unexpected Subject')
    elif str(msg['Subject']) != case.subject:
        problems.append('Subject %r != %r' % (str(msg['Subject']), case.subject))

    def expect_addresses(field, want):
        if not want:
            if field == 'To' and not case.cc:
                if 'undisclosed-recipients' not in str(msg['To']):
                    problems.append('To %r without recipients' % msg['To'])
            elif field in msg:
                problems.append('%s present without recipients' % field)
            return
        got = [(a.display_name, a.addr_spec) for a in msg[field].addresses]
        exp = [(n.strip(), a if case.utf8_headers else idna_addr(a)) for n, a in want]
        if got == exp:
            return
        # Python 3.11 keeps the whitespace between adjacent encoded-words inside a phrase (it
        # cannot read back its own folding of a long name either); RFC 2047 §6.2 says to drop
        # it. Then the RFC reading must be exact (email.header, which follows §6.2) and the
        # policy reading may differ only by whitespace.
        rfc = [(str(email.header.make_header(email.header.decode_header(n))), a)
               for n, a in email.utils.getaddresses(legacy.get_all(field, []))]
        squeeze = lambda pairs: [(re.sub(r'\s', '', n), a) for n, a in pairs]
        if rfc != exp or squeeze(got) != squeeze(exp):
            problems.append('%s: %r != %r (RFC 2047 reading %r)' % (field, got, exp, rfc))

    expect_addresses('From', [case.frm])
    if case.to_args is None:
        expect_addresses('To', case.to)
    else:
        expect_addresses('To', case.to)
    expect_addresses('Cc', case.cc)

    # Body and attachments.
    want_body = normalise_body(case.body.decode('utf-8') if isinstance(case.body, bytes)
                               else (case.body if isinstance(case.body, str) else ''))
    text = msg.get_body(preferencelist=('plain',))
    if text is None:
        problems.append('no text/plain body')
    else:
        if text.get_content_charset() != 'utf-8':
            problems.append('charset %r' % text.get_content_charset())
        got = text.get_content().replace('\r\n', '\n')
        if case.flowed is not None and (text.get_param('format') == 'flowed') != case.flowed:
            problems.append('format=flowed is %r, expected %r' % (text.get_param('format'), case.flowed))
        if text.get_param('format') == 'flowed':
            if text.get_param('delsp') != 'no':
                problems.append('format=flowed without delsp=no')
            problems += check_flowed_lines(got)
            got = unflow(got)
            # A fixed line cannot end with a space: those are the writer's to drop.
            want_body = '\n'.join(l if l == '-- ' else l.rstrip(' ') for l in want_body.split('\n'))
        if got != want_body:
            problems.append('body differs: %r... != %r...' % (got[:200], want_body[:200]))
        cte = text['Content-Transfer-Encoding']
        if cte not in ('7bit', 'quoted-printable'):
            problems.append('text CTE %r' % cte)
        if any(ord(c) > 127 for c in want_body) and cte != 'quoted-printable':
            problems.append('non-ASCII body sent as %s' % cte)

    atts = list(msg.iter_attachments())
    if len(atts) != len(case.attachments):
        problems.append('%d attachments, expected %d' % (len(atts), len(case.attachments)))
    if case.attachments:
        if msg.get_content_type() != 'multipart/mixed':
            problems.append('top type %s' % msg.get_content_type())
        boundary = msg.get_boundary()
        if not (0 < len(boundary) <= 70 and '=_' in boundary):
            problems.append('boundary %r' % boundary)
    for part, (name, data) in zip(atts, case.attachments):
        if part.get_filename() != os.path.basename(name):
            problems.append('filename %r != %r' % (part.get_filename(), os.path.basename(name)))
        # name= is the exact name where a plain quoted string can carry it, else a plain ASCII
        # rendering of it (never an encoded-word in a quoted string).
        legacy_name = part.get_param('name')
        plain = all(32 <= ord(c) < 127 for c in os.path.basename(name)) and '=?' not in name
        if plain and legacy_name != os.path.basename(name):
            problems.append('Content-Type name %r != %r' % (legacy_name, os.path.basename(name)))
        if not plain and (not legacy_name or not all(32 <= ord(c) < 127 for c in legacy_name)
                          or '=?' in legacy_name
                          or os.path.splitext(legacy_name)[1] != os.path.splitext(name)[1]):
            problems.append('Content-Type name %r is no ASCII rendering of %r' % (legacy_name, name))
        if part['Content-Transfer-Encoding'] != 'base64':
            problems.append('attachment CTE %r' % part['Content-Transfer-Encoding'])
        content = part.get_content()
        if isinstance(content, str):
            content = part.get_payload(decode=True)
        if not isinstance(data, bytes):
            with open(data, 'rb') as f:
                data = f.read()
        if hashlib.sha256(content).hexdigest() != hashlib.sha256(data).hexdigest():
            problems.append('attachment %r: sha256 differs (%d vs %d bytes)' % (name, len(content), len(data)))
        payload = part.get_payload()
        for line in payload.split('\r\n') if '\r\n' in payload else payload.split('\n'):
            if len(line) > 76:
                problems.append('base64 line of %d columns' % len(line))
                break
        if name.endswith('.png') and part.get_content_type() != 'image/png':
            problems.append('PNG sent as %s' % part.get_content_type())
    if case.attachments and not case.utf8_headers:
        want = [(os.path.basename(n), d if isinstance(d, bytes) else open(d, 'rb').read())
                for n, d in case.attachments]
        problems += judge_gmime(raw, want) + judge_reformime(raw, want) + judge_munpack(raw, want)
    return problems


def judge_gmime(raw, want):
    msg = GMime.Parser.new_with_stream(GMime.StreamMem.new_with_buffer(raw)).construct_message(None)
    got = []
    it = GMime.PartIter.new(msg.get_mime_part())
    while True:
        part = it.get_current()
        if isinstance(part, GMime.Part) and part.is_attachment():
            out = GMime.StreamMem.new()
            part.get_content().write_to_stream(out)
            got.append((part.get_filename(), bytes(out.get_byte_array())))
        if not it.next():
            break
    return [] if got == want else ['GMime reads %r' % [(n, len(d)) for n, d in got]]


def judge_reformime(raw, want):
    info = subprocess.run(['reformime', '-i'], input=raw, stdout=subprocess.PIPE, check=True,
                          timeout=60).stdout.decode('utf-8', 'replace')
    got = []
    for block in info.split('\n\n'):
        fields = dict(line.split(': ', 1) for line in block.splitlines() if ': ' in line)
        if 'content-disposition-filename' in fields:
            data = subprocess.run(['reformime', '-s', fields['section'], '-e'], input=raw,
                                  stdout=subprocess.PIPE, check=True, timeout=60).stdout
            got.append((fields['content-disposition-filename'], data))
    return [] if got == want else ['reformime reads %r' % [(n, len(d)) for n, d in got]]


def judge_munpack(raw, want):
    out = tempfile.mkdtemp(dir=TMP)
    eml = os.path.join(out, 'message.eml')
    with open(eml, 'wb') as f:
        f.write(raw)
    subprocess.run(['munpack', '-q', '-C', out, eml], stdout=subprocess.PIPE,
                   stderr=subprocess.PIPE, check=True, timeout=60)
    files = {}
    for n in os.listdir(out):
        if n != 'message.eml' and not n.endswith('.desc'):
            with open(os.path.join(out, n), 'rb') as f:
                files[n] = f.read()
    # It reads the plain Content-Type name= (the exact name, or the writer's ASCII rendering).
    problems = []
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    for part, (name, data) in zip(msg.iter_attachments(), want):
        expected = ''.join(c if c in MUNPACK_SAFE else 'X' for c in part.get_param('name') or '')
        if files.get(expected) != data:
            problems.append('munpack: no file %r with the data of %r (has %r)'
                            % (expected, name, sorted(files)))
    return problems


def check_flowed_lines(text):
    problems = []
    for line in text.split('\n'):
        if line.startswith('From '):
            problems.append('flowed line starts with "From " unstuffed: %r' % line[:40])
        if len(line) > 78 and ' ' in line.strip(' ')[:72]:
            problems.append('flowed line of %d characters could have been broken: %r' % (len(line), line[:40]))
    return problems


def png_bytes():
    import struct
    import zlib
    def chunk(kind, data):
        return struct.pack('>I', len(data)) + kind + data + struct.pack('>I', zlib.crc32(kind + data))
    raw = b''.join(b'\x00' + bytes(rng.randrange(256) for _ in range(3 * 8)) for _ in range(8))
    return (b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', struct.pack('>IIBBBBB', 8, 8, 8, 2, 0, 0, 0)) +
            chunk(b'IDAT', zlib.compress(raw)) + chunk(b'IEND', b''))


def rand_bytes(n):
    return rng.randbytes(n)


long_subject = ' '.join(rng.choice(['alpha', 'beta', 'gamma', 'délta', 'epsilon', 'žeta', 'eta', 'θήτα', '日本語'])
                        for _ in range(60))[:300]
mixed_line = ''.join(rng.choice('aé€𝄞 b.=\t日') for _ in range(3000))
fifo = os.path.join(TMP, 'a-fifo')
os.mkfifo(fifo)

cases = [
    Case('plain ASCII message', subject='Hello', body='Hello, world.\n'),
    Case('accented subject', subject='Café crème brûlée — déjà vu', body='ça va?\n'),
    Case('CJK subject', subject='会議の議事録について：来週の予定を確認してください', body='よろしく\n'),
    Case('emoji subject', subject='Party 🎉🎂 tonight 🥳 👨‍👩‍👧‍👦', body='🎉\n'),
    Case('RTL subject', subject='שלום עולם مرحبا بالعالم', body='שלום\n'),
    Case('tabs in subject kept', subject='\tColumns\tA\tand B é\t', body='tabs\n'),
    Case('mixed scripts subject', subject='Ελληνικά Русский 中文 עברית 🎉 ASCII mix'),
    Case('300-character subject', subject=long_subject),
    Case('300-character ASCII word as subject', subject='x' * 300),
    Case('literal encoded-word text in subject survives', subject='Literal =?UTF-8?B?SGk=?= and =?iso-8859-1?q?x?= here'),
    Case('leading, trailing and double spaces in subject', subject='  two  spaces  '),
    Case('empty subject', subject=''),
    Case('no subject at all', subject=None),
    Case('display names with commas', frm=('Doe, Jane', 'jane@example.com'),
         to=(('Doe, John', 'john@example.org'), ('Smith, A. B.', 'ab@example.net'))),
    Case('display names with quotes and backslashes',
         to=(('He said "hi" \\o/', 'hi@example.org'), ('back\\slash', 'bs@example.org'))),
    Case('non-ASCII display names', frm=('Jürgen Müller', 'jm@example.de'),
         to=(('山田 太郎', 'taro@example.jp'), ('Zoë “Z” O’Neil, Jr.', 'zoe@example.ie'))),
    Case('long non-ASCII display name', to=(('Αλέξανδρος Παπαδόπουλος-Κωνσταντινίδης του Γεωργίου, Αθήνα', 'alex@example.gr'),)),
    Case('IDN domains become A-labels', frm=('', 'info@bücher.example'),
         to=(('Ärger', 'x@münchen.example'),), cc=(('', 'y@例え.テスト'),)),
    Case('cc and bcc; bcc never written', cc=(('Carbon', 'cc@example.org'),),
         bcc=(('Secret', 'hidden@example.net'), ('', 'also-hidden@example.net'))),
    Case('bcc only: undisclosed recipients', to=(), bcc=(('', 'hidden@example.net'),)),
    Case('typed list with separators and positional recipients',
         to_args=['--to', 'Jane Doe <jane@example.com>, bob@example.com; "Doe, John" <j@example.org>',
                  'pos@example.net'],
         to=(('Jane Doe', 'jane@example.com'), ('', 'bob@example.com'), ('Doe, John', 'j@example.org'),
             ('', 'pos@example.net'))),
    Case('body lines starting with "." and "From "',
         body='.hidden\nFrom here on\n..\nFrom\n.\nend\n'),
    Case('lone "." line in a non-ASCII body', body='café\n.\nFrom the start\n'),
    Case('5,000-character line', body='a' * 5000 + '\n'),
    Case('long mixed line with multibyte and specials', body=mixed_line + '\n'),
    Case('emoji packed lines force soft breaks', body=('😀' * 100 + '\n') * 3 + 'x' * 74 + '€\n'),
    Case('trailing whitespace encoded', body='trailing spaces   \ntab\t\n \n\t\nend é\n'),
    Case('CRLF and lone CR normalised', body=b'one\r\ntwo\rthree\nfour\r\n'),
    Case('body without final newline', body='no newline at end'),
    Case('long paragraphs soft-wrapped as format=flowed, quotes and signature intact',
         body=('Dear Ana, ' + 'this sentence keeps going so that the paragraph is long. ' * 6 + '\n'
               '> a quote that is long too, and is left exactly as the person typed it, see?\n'
               'From here on, a line that begins with From, and one that ends with spaces   \n'
               '\n-- \nAna Lima, with a signature line long enough to wrap as well, yes indeed\n'),
         flowed=True),
    Case('long lines sent as they are with --no-flowed',
         body='word ' * 40 + '\n', extra_args=('--no-flowed',), flowed=False),
    Case('empty body file', body=''),
    Case('no body at all', body=None),
    Case('control characters in body (tab, escape)', body='a\tb\x1bc\x7fd\n'),
    Case('empty attachment', attachments=(('empty.dat', b''),)),
    Case('10 MiB attachment', attachments=(('big.bin', rand_bytes(10 * 1024 * 1024 + 1)),)),
    Case('non-ASCII attachment name', attachments=(('résumé ☃ 日本.pdf', b'%PDF-1.4\n' + rand_bytes(3000)),)),
    Case('very long non-ASCII attachment name',
         attachments=(('Ünïcödé-' + 'ñame-' * 30 + '文書.txt', b'hello\n'),)),
    Case('very long ASCII attachment name', attachments=(('long-' + 'x' * 200 + '.txt', b'data\n'),)),
    Case('attachment name with quotes, semicolon and backslash',
         attachments=(('a "b"; c\\d=?x?=.txt', b'q\n'),)),
    Case('PNG sniffed as image/png', attachments=(('picture.png', png_bytes()),)),
    Case('PNG without extension sniffed from content', attachments=(('noext', png_bytes()),)),
    Case('five attachments', body='see attached\n', attachments=tuple(
        ('file-%d-ü.bin' % i, rand_bytes(rng.randrange(0, 70000))) for i in range(5))),
    Case('sizes around the base64 line', attachments=tuple(
        ('s%d.bin' % n, rand_bytes(n)) for n in (1, 2, 3, 56, 57, 58, 114))),
    Case('non-ASCII local part: SMTPUTF8, UTF-8 header', to=(('', 'jörg@example.com'),), utf8_headers=True),
    # Rejections.
    Case('CRLF injection in subject rejected', subject='Hi\r\nBcc: evil@example.com', expect=65,
         stderr_has='Subject'),
    Case('LF injection in To rejected', to_args=['--to', 'a@example.com\nBcc: evil@example.com'],
         expect=65, stderr_has='To:'),
    Case('CR in display name rejected', frm=('Evil\rName', 'e@example.com'), expect=65, stderr_has='From:'),
    Case('DEL in subject rejected', subject='bad\x7f', expect=65, stderr_has='Subject'),
    Case('tab in cc rejected? no: tab is whitespace', cc=(('', 'tab@example.org'),),
         to_args=['--to', 'a@example.com,\tb@example.com'],
         to=(('', 'a@example.com'), ('', 'b@example.com'))),
    Case('invalid address names field and text', to_args=['--to', 'foo@'], expect=65,
         stderr_has='To: invalid address “foo@”'),
    Case('invalid cc address', cc=(('', 'no-at-sign'),), expect=65, stderr_has='Cc:'),
    Case('two senders rejected', to_args=['x@example.com'], extra_args=['--from', 'a@x.org, b@y.org'],
         expect=65, stderr_has='From'),
    Case('body not UTF-8 rejected', body=b'caf\xe9\n', expect=65, stderr_has='UTF-8'),
    Case('missing body file', body=('/nonexistent/body.txt',), expect=66, stderr_has='/nonexistent/body.txt'),
    Case('missing attachment', attachments=(('/nonexistent/file.pdf', None),), expect=66,
         stderr_has='/nonexistent/file.pdf'),
    Case('directory attachment', attachments=((TMP, None),), expect=66, stderr_has='not a regular file'),
    Case('FIFO attachment', attachments=((fifo, None),), expect=66, stderr_has='a-fifo'),
    Case('/dev/zero attachment', attachments=(('/dev/zero', None),), expect=66, stderr_has='/dev/zero'),
    Case('no --from is a usage error', frm=None, expect=64),
    Case('no recipient is a usage error', to=(), expect=64),
]



def check_stdin_body():
    text = 'from standard input ✓\n.\nend'
    proc = subprocess.run([SEND, '--print', '--from', 'a@example.com', '--to', 'b@example.com',
                           '--body', '-'], input=text.encode(), stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, timeout=60)
    if proc.returncode != 0:
        return ['exit %d: %s' % (proc.returncode, proc.stderr)]
    msg = email.message_from_bytes(proc.stdout, policy=email.policy.default)
    got = msg.get_body().get_content().replace('\r\n', '\n')
    return [] if got == normalise_body(text) else ['body %r' % got]


def check_write_error():
    with open('/dev/full', 'wb') as full:
        proc = subprocess.run([SEND, '--print', '--from', 'a@example.com', '--to', 'b@example.com',
                               '--subject', 'x'], stdout=full, stderr=subprocess.PIPE, timeout=60)
    err = proc.stderr.decode('utf-8', 'replace')
    if proc.returncode != 74 or not err.startswith('epistle-send: '):
        return ['exit %d, stderr %r' % (proc.returncode, err)]
    return []


def check_binary_exact():
    # The same bytes as a second run apart from Date, Message-ID and boundary, nothing appended.
    args = [SEND, '--print', '--from', 'a@example.com', '--to', 'b@example.com', '--subject', 's']
    out = subprocess.run(args, stdout=subprocess.PIPE, check=True, timeout=60).stdout
    body = out.split(b'\r\n\r\n', 1)[1]
    return [] if body == b'' and out.endswith(b'MIME-Version: 1.0\r\nContent-Type: text/plain; '
                                             b'charset=utf-8\r\nContent-Transfer-Encoding: 7bit\r\n\r\n') \
        else ['unexpected tail %r' % out[-120:]]


def print_with(name, data):
    path = os.path.join(tempfile.mkdtemp(dir=TMP), name)
    with open(path, 'wb') as f:
        f.write(data)
    return subprocess.run([SEND, '--print', '--from', 'a@example.com', '--to', 'b@example.com',
                           '--subject', 's', '--attach', path], stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, timeout=60)


def crlf(data):
    data = data.replace(b'\r\n', b'\n').replace(b'\r', b'\n').replace(b'\n', b'\r\n')
    return data if data.endswith(b'\r\n') else data + b'\r\n'


INNER = (b'From: Ana <ana@example.org>\nTo: bob@example.com\nSubject: Inner\n'
         b'Message-ID: <inner@example.org>\nMIME-Version: 1.0\n'
         b'Content-Type: text/plain; charset=utf-8\n\nFirst line\n.leading dot\nlast line')


def check_attached_message(data, cte):
    """An attached message: message/rfc822 with @cte, its lines CRLF, read the same by all."""
    proc = print_with('forwarded.eml', data)
    if proc.returncode != 0:
        return ['exit %d: %r' % (proc.returncode, proc.stderr)]
    raw, want = proc.stdout, crlf(data)
    problems = check_lines(raw)
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    part = [p for p in msg.iter_parts()][1]
    if part.get_content_type() != 'message/rfc822' or part['Content-Transfer-Encoding'] != cte:
        return problems + ['attached as %s, %s' % (part.get_content_type(), part['Content-Transfer-Encoding'])]
    # The octets between the part's header and the next delimiter are the file, CRLF.
    head = raw.index(b'Content-Transfer-Encoding: ' + cte.encode() + b'\r\n\r\n',
                     raw.index(b'Content-Type: message/rfc822'))
    start = raw.index(b'\r\n\r\n', head) + 4
    end = raw.index(b'\r\n--' + msg.get_boundary().encode(), start)
    if raw[start:end] != want:
        problems.append('the attached octets differ from the file')
    inner_want = email.message_from_bytes(want, policy=email.policy.default)
    inner = part.get_content()
    for field in ('From', 'Subject', 'Message-ID'):
        if str(inner[field]) != str(inner_want[field]):
            problems.append('Python: inner %s %r' % (field, str(inner[field])))
    if inner.get_content() != inner_want.get_content():
        problems.append('Python: inner body %r' % inner.get_content())
    gm = GMime.Parser.new_with_stream(GMime.StreamMem.new_with_buffer(raw)).construct_message(None)
    gpart = gm.get_mime_part().get_part(1)
    if not isinstance(gpart, GMime.MessagePart):
        problems.append('GMime: part is %r' % gpart)
    else:
        gin = gpart.get_message()
        if gin.get_subject() != str(inner_want['Subject']) or gin.get_message_id() != 'inner@example.org':
            problems.append('GMime: inner %r %r' % (gin.get_subject(), gin.get_message_id()))
    info = subprocess.run(['reformime', '-i'], input=raw, stdout=subprocess.PIPE, check=True,
                          timeout=60).stdout.decode('utf-8', 'replace')
    if 'section: 1.2\ncontent-type: message/rfc822' not in info:
        problems.append('reformime: no message/rfc822 section 1.2')
    extracted = subprocess.run(['reformime', '-s', '1.2', '-e'], input=raw, stdout=subprocess.PIPE,
                               check=True, timeout=60).stdout
    # reformime hands out the section up to the delimiter, the CRLF that belongs to the
    # delimiter (RFC 2046 §5.1.1) included: that one line break more is its way, not ours.
    if extracted not in (want, want + b'\r\n'):
        problems.append('reformime extracts %r' % extracted[:120])
    return problems


def check_message_as_file(data, why):
    """Not something that can go as message/rfc822 (@why): a file, in base64, intact."""
    proc = print_with('not-really.eml', data)
    if proc.returncode != 0:
        return ['exit %d: %r' % (proc.returncode, proc.stderr)]
    msg = email.message_from_bytes(proc.stdout, policy=email.policy.default)
    part = [p for p in msg.iter_parts()][1]
    if part.get_content_type() != 'application/octet-stream' or part['Content-Transfer-Encoding'] != 'base64':
        return ['%s: attached as %s, %s' % (why, part.get_content_type(), part['Content-Transfer-Encoding'])]
    return [] if part.get_payload(decode=True) == data else ['%s: the bytes differ' % why]


checks = (('body from standard input (--body -)', check_stdin_body),
          ('an attached message (LF line ends) is message/rfc822 7bit, read alike by all',
           lambda: check_attached_message(INNER, '7bit')),
          ('an attached message with CRLF, lone CRs and no final line break is made CRLF',
           lambda: check_attached_message(INNER.replace(b'\n', b'\r\n', 3).replace(b'dot\n', b'dot\r'), '7bit')),
          ('an attached message with 8-bit text goes as 8bit',
           lambda: check_attached_message(INNER.replace(b'last line', 'Grüße, Zoë'.encode()), '8bit')),
          ('an "attached message" with a NUL goes as a file',
           lambda: check_message_as_file(INNER + b'\0', 'NUL')),
          ('an "attached message" with a line over 998 octets goes as a file',
           lambda: check_message_as_file(INNER + b'\n' + b'x' * 999, 'long line')),
          ('an "attached message" that is an mbox (a From_ line first) goes as a file',
           lambda: check_message_as_file(b'From ana@example.org Sat Jan  3 01:05:34 2026\n' + INNER, 'mbox')),
          ('an "attached message" without a header goes as a file',
           lambda: check_message_as_file(b'\njust text\n', 'no header')),

          ('write error on standard output exits 74', check_write_error),
          ('empty body: output ends right after the header block', check_binary_exact))
ep_tap.plan(len(checks) + len(cases))
for desc, check in checks:
    try:
        problems = check()
    except Exception as e:
        problems = ['raised %r' % e]
    ep_tap.ok(not problems, desc, '\n'.join(problems))

# --print --from A --to B positional: frm None means the option is left out.
for index, case in enumerate(cases):
    try:
        if case.frm is None:
            case.frm = ('', 'x@example.com')
            case.extra_args = ()
            proc = subprocess.run([SEND, '--print', '--to', 'a@example.com'], stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, timeout=60)
        else:
            proc = run(case, index)
        problems = judge(case, proc)
    except Exception as e:  # a crash (or a timeout) of the run or the judge fails the case
        problems = ['raised %r' % e]
    ep_tap.ok(not problems, case.desc, '\n'.join(problems))

sys.exit(ep_tap.finish())
