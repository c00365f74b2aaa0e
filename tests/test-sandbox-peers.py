#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
# Independent clients (swaks, curl, Python's smtplib) deliver a message with a PNG attachment
# to a standalone Sandbox server; the stored bytes must be exactly the bytes sent. Also: the
# Sandbox password lands in a real keyring when one runs, and in memory when none does.
# Usage: test-sandbox-peers.py PATH-TO-epistle-sandbox-server
import email
import email.policy
import hashlib
import os
import shutil
import smtplib
import ssl
import subprocess
import sys
import time
import zlib
import struct
from email.message import EmailMessage

import ep_tap

STEP_TIMEOUT = 30          # seconds for any one client or server start
SENDER = 'alice@example.com'
RECIPIENTS = ['bob@example.org', 'carol@example.net']

# Test points: per peer client, its run, the delivery (check_delivery) and the picture; the
# standalone server's start, storage and stop; the keyring check without and with a keyring
# (each with its own run).
DELIVERY_POINTS = 4
PEER_POINTS = 1 + DELIVERY_POINTS + 1
PEERS = ('swaks', 'curl', 'smtplib')
KEYRING_POINTS = {'--without-keyring': 1, '--with-keyring': 3}
tap = ep_tap.ok


def make_png():
    """A 96x96 RGB PNG of noise: it does not compress, so the attachment spans many lines."""
    width = height = 96
    noise = os.urandom(width * height * 3)
    rows = b''.join(b'\x00' + noise[y * width * 3:(y + 1) * width * 3] for y in range(height))

    def chunk(kind, data):
        return (struct.pack('>I', len(data)) + kind + data +
                struct.pack('>I', zlib.crc32(kind + data) & 0xffffffff))
    return (b'\x89PNG\r\n\x1a\n' +
            chunk(b'IHDR', struct.pack('>IIBBBBB', width, height, 8, 2, 0, 0, 0)) +
            chunk(b'IDAT', zlib.compress(rows, 9)) +
            chunk(b'IEND', b''))


def make_message(client, png):
    message = EmailMessage(policy=email.policy.SMTP)
    message['From'] = 'Alice <%s>' % SENDER
    message['To'] = ', '.join(RECIPIENTS)
    message['Subject'] = 'Sandbox peer test: %s' % client
    message['Message-ID'] = '<%s.%d@example.com>' % (client, os.getpid())
    # Lines that start with dots: the client must stuff them, the server unstuff them.
    message.set_content('Hello from %s.\n.A line that starts with a dot.\n..Two dots.\n.\n'
                        'The end.\n' % client)
    message.add_attachment(png, maintype='image', subtype='png', filename='noise.png')
    data = message.as_bytes()
    assert b'\n' not in data.replace(b'\r\n', b''), 'bare LF in the message'
    assert data.endswith(b'\r\n')
    return data


class Server:
    def __init__(self, binary, env=None):
        self.process = subprocess.Popen([binary], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                        env=env, text=True)
        self.info = {}
        deadline = time.monotonic() + STEP_TIMEOUT
        while time.monotonic() < deadline:
            line = self.process.stdout.readline()
            if not line:
                break
            key, _, value = line.rstrip('\n').partition(' ')
            if key == 'READY':
                return
            self.info[key] = value
        self.stop()
        raise RuntimeError('the Sandbox server did not start: %s' % self.process.stderr.read())

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=STEP_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process.stdout.close()
        self.process.stderr.close()
        return self.process.returncode


def inbox_ids(inbox):
    if not os.path.isdir(inbox):
        return set()
    return {name[:-len('.envelope')] for name in os.listdir(inbox) if name.endswith('.envelope')}


def read_envelope(path):
    fields = {}
    for line in open(path, encoding='utf-8'):
        key, sep, value = line.rstrip('\n').partition('=')
        if sep:
            fields[key] = value
    return fields


def check_delivery(client, server, before, sent, mechanism):
    """The one new message holds exactly @sent; its record is right; the PNG survived."""
    inbox = server.info['INBOX']
    new = sorted(inbox_ids(inbox) - before)
    tap(len(new) == 1, '%s: exactly one new message in the inbox' % client, new)
    if len(new) != 1:
        return
    stored = open(os.path.join(inbox, new[0] + '.eml'), 'rb').read()
    tap(hashlib.sha256(stored).hexdigest() == hashlib.sha256(sent).hexdigest(),
        '%s: stored bytes are the bytes sent (%d octets, sha256 %s)'
        % (client, len(sent), hashlib.sha256(sent).hexdigest()[:16]),
        'stored %d octets, sent %d' % (len(stored), len(sent)))
    record = read_envelope(os.path.join(inbox, new[0] + '.envelope'))
    expected = {'From': SENDER, 'Recipients': ';'.join(RECIPIENTS) + ';', 'TLS': 'true',
                'AuthMechanism': mechanism, 'AuthUser': 'sandbox', 'Transfer': 'DATA',
                'Size': str(len(sent))}
    wrong = {k: (record.get(k), v) for k, v in expected.items() if record.get(k) != v}
    tap(not wrong, '%s: envelope record (TLS, AUTH %s, sender, recipients, size)' % (client, mechanism),
        wrong)
    transcript = record.get('Transcript', '')
    tap(server.info['PASSWORD'] not in transcript and '[redacted]' in transcript,
        '%s: the transcript holds no password' % client)
    return stored


def check_png(client, stored, png):
    parsed = email.message_from_bytes(stored, policy=email.policy.default)
    parts = [p for p in parsed.iter_attachments() if p.get_content_type() == 'image/png']
    tap(len(parts) == 1 and parts[0].get_content() == png,
        '%s: the PNG attachment decodes to the original image' % client)


def run(argv, description):
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=STEP_TIMEOUT)
    except subprocess.TimeoutExpired as e:
        tap(False, description, 'timed out: %s' % e)
        return False
    tap(done.returncode == 0, description, done.stdout[-2000:] + done.stderr[-2000:])
    return done.returncode == 0


def peer_swaks(server, message, png, tmp):
    if shutil.which('swaks') is None:
        ep_tap.skip('swaks delivers', 'swaks is not installed', PEER_POINTS)
        return
    support = subprocess.run(['swaks', '--support'], capture_output=True, text=True,
                             timeout=STEP_TIMEOUT)
    if '=== TLS supported' not in support.stdout + support.stderr:
        # A failure, not a skip: the peer test is the point. Debian's swaks only recommends it.
        tap(False, 'swaks can speak TLS', 'swaks lacks Net::SSLeay: install libnet-ssleay-perl')
        return
    # swaks ends the data with CRLF "." CRLF itself: it gets the message without its last CRLF.
    path = os.path.join(tmp, 'swaks.eml')
    with open(path, 'wb') as f:
        f.write(message[:-2])
    before = inbox_ids(server.info['INBOX'])
    argv = ['swaks', '--server', '127.0.0.1', '--port', server.info['PORT'], '-tls',
            '--auth', 'LOGIN', '--auth-user', server.info['USER'],
            '--auth-password=' + server.info['PASSWORD'], '--from', SENDER,
            '--to', ','.join(RECIPIENTS), '--data', '@' + path, '--timeout', str(STEP_TIMEOUT)]
    if run(argv, 'swaks -tls --auth LOGIN delivers'):
        stored = check_delivery('swaks', server, before, message, 'LOGIN')
        if stored is not None:
            check_png('swaks', stored, png)


def peer_curl(server, message, png, tmp):
    if shutil.which('curl') is None:
        ep_tap.skip('curl delivers', 'curl is not installed', PEER_POINTS)
        return
    path = os.path.join(tmp, 'curl.eml')
    with open(path, 'wb') as f:
        f.write(message)
    before = inbox_ids(server.info['INBOX'])
    # The certificate is verified for real: trusted from its file, 127.0.0.1 in subjectAltName.
    argv = ['curl', '--silent', '--show-error', '--max-time', str(STEP_TIMEOUT),
            '--url', 'smtp://127.0.0.1:%s' % server.info['PORT'], '--ssl-reqd',
            '--cacert', server.info['CERT'],
            '--user', '%s:%s' % (server.info['USER'], server.info['PASSWORD']),
            '--mail-from', SENDER, '--upload-file', path]
    for rcpt in RECIPIENTS:
        argv += ['--mail-rcpt', rcpt]
    if run(argv, 'curl smtp:// --ssl-reqd --user delivers'):
        stored = check_delivery('curl', server, before, message, 'PLAIN')
        if stored is not None:
            check_png('curl', stored, png)


def peer_smtplib(server, message, png):
    before = inbox_ids(server.info['INBOX'])
    try:
        context = ssl.create_default_context(cafile=server.info['CERT'])
        with smtplib.SMTP('127.0.0.1', int(server.info['PORT']), timeout=STEP_TIMEOUT) as smtp:
            smtp.starttls(context=context)
            smtp.login(server.info['USER'], server.info['PASSWORD'])
            refused = smtp.sendmail(SENDER, RECIPIENTS, message)
        tap(refused == {}, 'smtplib starttls + login delivers', refused)
    except (OSError, smtplib.SMTPException) as e:
        tap(False, 'smtplib starttls + login delivers', repr(e))
        return
    stored = check_delivery('smtplib', server, before, message, 'PLAIN')
    if stored is not None:
        check_png('smtplib', stored, png)


def peers(binary):
    tmp = os.environ.get('EPISTLE_TEST_TMPDIR') or '/tmp'
    png = make_png()
    env = dict(os.environ)
    env.pop('DBUS_SESSION_BUS_ADDRESS', None)   # no keyring here: memory storage, no waiting
    start = time.monotonic()
    try:
        server = Server(binary, env)
    except RuntimeError as e:
        ep_tap.bail_out(str(e))
    tap(True, 'the standalone server starts (port %s, %.2f s)' % (server.info['PORT'],
                                                                  time.monotonic() - start))
    tap(server.info.get('STORAGE') == 'memory' and len(server.info.get('PASSWORD', '')) == 24,
        'without a session bus the password is generated and kept in memory', server.info)
    try:
        with ep_tap.block(PEER_POINTS, 'swaks'):
            peer_swaks(server, make_message('swaks', png), png, tmp)
        with ep_tap.block(PEER_POINTS, 'curl'):
            peer_curl(server, make_message('curl', png), png, tmp)
        with ep_tap.block(PEER_POINTS, 'smtplib'):
            peer_smtplib(server, make_message('smtplib', png), png)
    finally:
        rc = server.stop()
    tap(rc == 0, 'the server stops cleanly on SIGTERM', rc)


def keyring_check(binary):
    """Runs inside ep-keyring-env.sh: a private bus, with or without a keyring daemon."""
    present = os.environ.get('EP_TEST_KEYRING') == 'present'
    start = time.monotonic()
    server = Server(binary)
    elapsed = time.monotonic() - start
    server.stop()
    if not present:
        tap(server.info.get('STORAGE') == 'memory' and elapsed < 3,
            'a bus without a Secret Service: memory, without waiting (%.2f s)' % elapsed, server.info)
        return
    tap(server.info.get('STORAGE') == 'keyring', 'a running keyring stores the password', server.info)
    looked_up = subprocess.run(['secret-tool', 'lookup', 'profile', 'sandbox'],
                               capture_output=True, text=True, timeout=STEP_TIMEOUT)
    tap(looked_up.stdout == server.info.get('PASSWORD'),
        'secret-tool finds it under profile=sandbox', looked_up.stdout + looked_up.stderr)
    again = Server(binary)
    again.stop()
    tap(again.info.get('PASSWORD') == server.info.get('PASSWORD') and
        again.info.get('STORAGE') == 'keyring', 'the next start reuses the stored password')


def main():
    if len(sys.argv) >= 3 and sys.argv[1] == '--keyring-check':
        mode = '--with-keyring' if os.environ.get('EP_TEST_KEYRING') == 'present' else '--without-keyring'
        ep_tap.plan(KEYRING_POINTS[mode])
        keyring_check(sys.argv[2])
        return ep_tap.finish()

    binary = sys.argv[1]
    ep_tap.plan(3 + len(PEERS) * PEER_POINTS + sum(n + 1 for n in KEYRING_POINTS.values()))
    peers(binary)

    wrapper = os.path.join(os.environ.get('EPISTLE_SRCDIR', ''), 'tests', 'ep-keyring-env.sh')
    tools = all(shutil.which(t) for t in ('dbus-run-session', 'gnome-keyring-daemon', 'secret-tool', 'gdbus'))
    for mode, points in KEYRING_POINTS.items():
        if not (os.path.exists(wrapper) and tools):
            ep_tap.skip('keyring check %s' % mode, 'dbus-run-session, gnome-keyring or secret-tool missing',
                        points + 1)
            continue
        try:
            done = subprocess.run([wrapper, mode, sys.executable, os.path.abspath(__file__),
                                   '--keyring-check', binary],
                                  capture_output=True, text=True, timeout=4 * STEP_TIMEOUT)
            out, status = done.stdout + done.stderr, done.returncode
        except subprocess.TimeoutExpired as e:
            out, status = 'timed out: %s' % e, 'timeout'
        ep_tap.include(points, 'keyring check %s' % mode, out, status)

    return ep_tap.finish()


if __name__ == '__main__':
    sys.exit(main())
