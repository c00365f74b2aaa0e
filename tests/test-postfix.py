#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
# Interoperability: epistle-send against a real Postfix + Dovecot SASL instance on 127.0.0.1.
#
# Starts tests/servers/mailserver.sh in $EPISTLE_TEST_TMPDIR, sends with the real $EPISTLE_SEND
# over STARTTLS (submission) and implicit TLS, with every SASL mechanism the instance offers,
# and checks what Postfix delivered to the Maildir against `epistle-send --print` of the same
# message: byte for byte once the trace headers Postfix prepends are removed and the per-run
# values (Date, Message-ID, MIME boundaries) are matched up, and structurally through Python's
# email parser as an independent judge (headers, body text, attachment bytes by SHA-256).
# Also: failures that must not deliver (wrong password, untrusted certificate, credentials on a
# cleartext connection), and the use of the server's PIPELINING and CHUNKING in the transcript.
# TAP on stdout; the servers are always stopped, also on SIGTERM from the test runner.

import base64
import email
import email.policy
import hashlib
import os
import random
import re
import shlex
import signal
import struct
import subprocess
import sys
import time
import zlib

import ep_tap
from ep_flowed import unflow

SRCDIR = os.environ.get("EPISTLE_SRCDIR", os.path.join(os.path.dirname(__file__), ".."))
MAILSERVER = os.path.join(SRCDIR, "tests", "servers", "mailserver.sh")
EPISTLE_SEND = os.environ.get("EPISTLE_SEND", "epistle-send")

# Bounds: each epistle-send run, and the wait for Postfix to deliver into the Maildir
# (normally ~70 ms after the final 250).
SEND_TIMEOUT = 60
DELIVERY_TIMEOUT = 20
# Big enough to need several BDAT chunks, well below the instance's message_size_limit.
LARGE_ATTACHMENT = 12 * 1024 * 1024 + 5

# Header fields Postfix's smtpd/virtual prepend to a delivered message (RFC 5321 §4.4 trace
# fields plus Postfix's own delivery headers).
TRACE_FIELDS = {"return-path", "x-original-to", "delivered-to", "received"}

# Exit statuses from the epistle-send contract (docs/architecture.md).
EXIT_OK = 0
EXIT_UNAVAILABLE = 69
EXIT_SECURITY = 76
EXIT_AUTH = 77

# Every test point a run prints: the instance started and stopped, and the cases of run_cases()
# (each check_delivery() prints delivery_points(), each refusal 4); meson reports a run that
# prints another number.
PLANNED = 2 + 24 + 12 + 3 * 14 + 12 + 17 + (15 + 1) + 2 * 4 + 4 + 4 + (11 + 2) + 4


def tap(ok, desc, diag=None):
    """One test point; of a long diagnostic only the last 60 lines are shown."""
    return ep_tap.ok(ok, desc, "\n".join(str(diag).rstrip("\n").split("\n")[-60:]) if diag else None)


note = ep_tap.diag


# --- test data ------------------------------------------------------------------------------

def make_png(path, width=192, height=192, seed=4):
    """A valid RGB PNG of pseudo-random noise (incompressible, ~110 KB, so it spans chunks)."""
    rnd = random.Random(seed)
    rows = b"".join(b"\x00" + bytes(rnd.getrandbits(8) for _ in range(width * 3))
                    for _ in range(height))

    def chunk(kind, data):
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

    png = (b"\x89PNG\r\n\x1a\n"
           + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
           + chunk(b"IDAT", zlib.compress(rows, 9))
           + chunk(b"IEND", b""))
    with open(path, "wb") as f:
        f.write(png)


BODY = (
    "Hello from the integration test.\n"
    "\n"
    "Non-ASCII text: Grüße, naïve café, Ελληνικά, 日本語.\n"
    ".\n"
    ".a line that starts with a dot\n"
    "From the start of a line\n"
    "A long line: " + " ".join("word%d" % i for i in range(40)) + "\n"
    "Trailing spaces   \n"
    "The end.\n"
)


# --- the server -----------------------------------------------------------------------------

class MailServer:
    def __init__(self, directory):
        self.dir = directory
        self.env = {}
        self.started = False

    def start(self):
        self.started = True  # stop() is safe on a half-started instance
        proc = subprocess.run([MAILSERVER, "start", self.dir], capture_output=True,
                              text=True, timeout=120)
        if proc.returncode != 0:
            raise RuntimeError("mailserver start failed:\n" + proc.stdout + proc.stderr)
        with open(os.path.join(self.dir, "ports.env")) as f:
            for line in f:
                line = line.strip()
                if line and not line.startswith("#") and "=" in line:
                    key, value = line.split("=", 1)
                    self.env[key] = shlex.split(value)[0] if value else ""

    def stop(self):
        if not self.started:
            return True
        self.started = False
        proc = subprocess.run([MAILSERVER, "stop", self.dir], capture_output=True,
                              text=True, timeout=120)
        if proc.returncode != 0:
            note("mailserver stop failed:\n" + proc.stdout + proc.stderr)
        return proc.returncode == 0

    def maildir_files(self):
        new = os.path.join(self.env["MAILDIR"], "new")
        try:
            return sorted(os.path.join(new, n) for n in os.listdir(new))
        except FileNotFoundError:
            return []

    def maillog_tail(self, lines=30):
        try:
            with open(self.env["MAILLOG"], errors="replace") as f:
                return "".join(f.readlines()[-lines:])
        except OSError:
            return ""


def delivered_to(path):
    with open(path, "rb") as f:
        head = f.read(4096)
    m = re.search(rb"^Delivered-To: (.*)$", head, re.M | re.I)
    return m.group(1).strip().decode().lower() if m else None


def wait_for_delivery(server, recipients, timeout=DELIVERY_TIMEOUT):
    """Map each recipient to its delivered file; missing ones are absent from the map."""
    want = {r.lower() for r in recipients}
    found = {}
    deadline = time.monotonic() + timeout
    while True:
        for path in server.maildir_files():
            rcpt = delivered_to(path)
            if rcpt in want and rcpt not in found:
                found[rcpt] = path
        if len(found) == len(want) or time.monotonic() > deadline:
            return found
        time.sleep(0.05)


# --- comparing messages ---------------------------------------------------------------------

def split_head(raw):
    """Header section (with its final line break) and body of a message with LF line ends."""
    idx = raw.find(b"\n\n")
    if idx < 0:
        return raw, b""
    return raw[:idx + 1], raw[idx + 1:]


def header_fields(head):
    """The header section as a list of raw fields (a field includes its continuation lines)."""
    fields = []
    for line in head.split(b"\n")[:-1]:
        if line[:1] in (b" ", b"\t") and fields:
            fields[-1] += b"\n" + line
        else:
            fields.append(line)
    return fields


def field_name(field):
    return field.split(b":", 1)[0].strip().lower().decode("ascii", "replace")


def strip_trace(raw):
    """Remove the trace fields Postfix prepends (only the leading run of them)."""
    head, body = split_head(raw)
    fields = header_fields(head)
    i = 0
    while i < len(fields) and field_name(fields[i]) in TRACE_FIELDS:
        i += 1
    return b"".join(f + b"\n" for f in fields[i:]) + body, fields[:i]


def parse(raw):
    return email.message_from_bytes(raw, policy=email.policy.default)


def boundaries(msg):
    return [part.get_boundary() for part in msg.walk() if part.is_multipart()]


def header_value(raw, name):
    head, _ = split_head(raw)
    for field in header_fields(head):
        if field_name(field) == name:
            return field
    return None


def normalise_print(printed, delivered):
    """The --print output with CRLF made LF and its per-run values replaced by the delivered ones.

    Returns (bytes, problems)."""
    problems = []
    text = printed.replace(b"\r\n", b"\n")
    if b"\r" in text:
        problems.append("--print output has a bare CR")
    for name in ("date", "message-id"):
        a = header_value(text, name)
        b = header_value(delivered, name)
        if a is None or b is None:
            problems.append("%s missing (print: %s, delivered: %s)" % (name, a is not None, b is not None))
            continue
        text = text.replace(a, b, 1)
    ba = boundaries(parse(text))
    bb = boundaries(parse(delivered))
    if len(ba) != len(bb):
        problems.append("multipart structure differs: %d vs %d boundaries" % (len(ba), len(bb)))
    else:
        for a, b in zip(ba, bb):
            if a and b:
                text = text.replace(a.encode(), b.encode())
    return text, problems


def first_difference(a, b):
    al, bl = a.split(b"\n"), b.split(b"\n")
    for i, (x, y) in enumerate(zip(al, bl)):
        if x != y:
            return "line %d differs:\n  print:     %r\n  delivered: %r" % (i + 1, x[:200], y[:200])
    return "lengths differ: print %d lines, delivered %d lines" % (len(al), len(bl))


def comparable_headers(part):
    out = []
    for name, value in part.items():
        lname = name.lower()
        if lname in ("date", "message-id"):
            continue
        if lname == "content-type":
            params = [(k, v) for k, v in part.get_params(header="content-type") or []
                      if k.lower() != "boundary"]
            out.append((lname, params))
        else:
            out.append((lname, str(value)))
    return out


def structural_diff(printed, delivered):
    """Differences between two parsed messages, ignoring Date, Message-ID and boundaries."""
    # Postfix stores lines with LF; the wire form (and --print) uses CRLF.
    pm, dm = parse(printed.replace(b"\r\n", b"\n")), parse(delivered)
    diffs = []
    pparts, dparts = list(pm.walk()), list(dm.walk())
    if len(pparts) != len(dparts):
        return ["%d MIME parts printed, %d delivered" % (len(pparts), len(dparts))]
    for i, (p, d) in enumerate(zip(pparts, dparts)):
        ph, dh = comparable_headers(p), comparable_headers(d)
        if ph != dh:
            diffs.append("part %d headers differ:\n  print:     %r\n  delivered: %r" % (i, ph, dh))
        if p.is_multipart():
            continue
        if p.get_content_maintype() == "text":
            if p.get_content() != d.get_content():
                diffs.append("part %d text differs" % i)
        elif p.get_payload(decode=True) != d.get_payload(decode=True):
            diffs.append("part %d payload bytes differ" % i)
    for name in ("date", "message-id"):
        if dm[name] is None:
            diffs.append("delivered message has no %s" % name)
    return diffs


def attachments(raw):
    msg = parse(raw)
    return [(part.get_filename(), part.get_content_type(), part.get_payload(decode=True))
            for part in msg.walk() if part.get_filename()]


# --- transcript -----------------------------------------------------------------------------

TRANSCRIPT_LINE = re.compile(r"(?:^|\s)([CSI]): ?(.*)$")


def transcript(stderr):
    """[(direction, text)] from --transcript output, tolerant of a time or prefix column."""
    out = []
    for line in stderr.split("\n"):
        m = TRANSCRIPT_LINE.search(line)
        # Informational lines ("I:") are not part of the dialogue.
        if m and m.group(1) != "I":
            out.append((m.group(1), m.group(2).rstrip("\r")))
    return out


def capabilities_after_tls(lines):
    """EHLO keywords of the last EHLO reply (the one after TLS)."""
    caps = []
    for i, (d, text) in enumerate(lines):
        if d == "C" and text.upper().startswith("EHLO"):
            caps = []
            for d2, t2 in lines[i + 1:]:
                if d2 != "S":
                    break
                caps.append(t2[4:].split(" ")[0].upper() if len(t2) > 4 else "")
    return caps


def pipelined_envelope(lines, n_rcpt):
    """True if MAIL and all n RCPT commands were written before the reply to MAIL was read."""
    for i, (d, text) in enumerate(lines):
        if d == "C" and text.upper().startswith("MAIL FROM:"):
            run = []
            for d2, t2 in lines[i:]:
                if d2 != "C":
                    break
                run.append(t2.upper())
            return sum(1 for t in run if t.startswith("RCPT TO:")) == n_rcpt
    return False


# --- running epistle-send -------------------------------------------------------------------

def run_send(args, stdin=None):
    try:
        proc = subprocess.run([EPISTLE_SEND] + args, capture_output=True, timeout=SEND_TIMEOUT,
                              input=stdin)
    except subprocess.TimeoutExpired as e:
        return 124, e.stdout or b"", (e.stderr or b"").decode(errors="replace")
    return proc.returncode, proc.stdout, proc.stderr.decode(errors="replace")


class Case:
    """One message: its composition options and its recipients."""

    def __init__(self, name, tmp, attach=(), cc=(), bcc=()):
        self.name = name
        self.sender = "epistle-%s@sender.example" % name
        self.to = ["to-%s@example.test" % name]
        self.cc = ["cc-%s@example.test" % name for _ in cc]
        self.bcc = ["bcc-%s@example.test" % name for _ in bcc]
        self.subject = "Integration %s: Grüße" % name
        self.body_path = os.path.join(tmp, "body-%s.txt" % name)
        with open(self.body_path, "w", encoding="utf-8") as f:
            f.write(BODY.replace("integration test", "integration test (%s)" % name))
        self.attach = list(attach)

    def recipients(self):
        return self.to + self.cc + self.bcc

    def compose_args(self):
        args = ["--from", "Epistle Test <%s>" % self.sender, "--subject", self.subject,
                "--body", self.body_path]
        for a in self.to:
            args += ["--to", a]
        for a in self.cc:
            args += ["--cc", a]
        for a in self.bcc:
            args += ["--bcc", a]
        for a in self.attach:
            args += ["--attach", a]
        return args


def server_args(env, port, security, auth=None, cafile=True, password_file=None):
    args = ["--server", "%s:%s" % ("localhost" if security == "starttls" else "127.0.0.1", port),
            "--security", security, "--user", env["SASL_USER"],
            "--password-file", password_file or env["PASSWORD_FILE"],
            "--timeout", "20", "--transcript"]
    if auth:
        args += ["--auth", auth]
    if cafile:
        args += ["--cafile", env["CA_FILE"]]
    return args


def delivery_points(case, expect_mech, check_wire):
    """How many test points check_delivery() prints for @case."""
    return (2 + (1 if expect_mech else 0) + (3 if check_wire else 0) + 2
            + 3 * len(case.recipients()) + 4
            + len(case.attach) + sum(1 for path in case.attach if path.endswith(".png")))


def check_delivery(server, case, rc, out, err, expect_mech=None, check_wire=False):
    """Asserts for a send that must succeed: exit 0, delivery to every recipient, equality with
    --print, and (optionally) the transcript's use of the mechanism, PIPELINING and CHUNKING.
    Always delivery_points() test points: those it cannot reach (nothing delivered) fail."""
    with ep_tap.block(delivery_points(case, expect_mech, check_wire), case.name):
        check_delivery_points(server, case, rc, out, err, expect_mech, check_wire)


def check_delivery_points(server, case, rc, out, err, expect_mech, check_wire):
    env = server.env
    tag = case.name
    if not tap(rc == EXIT_OK, "%s: epistle-send exits 0" % tag, "exit %d\n%s" % (rc, err)):
        note(server.maillog_tail())
    lines = transcript(err)
    secret = env["SASL_PASSWORD"]
    plain_b64 = base64.b64encode(("\0%s\0%s" % (env["SASL_USER"], secret)).encode()).decode()
    tap(secret not in err and plain_b64 not in err and
        base64.b64encode(secret.encode()).decode() not in err,
        "%s: the transcript does not reveal the password" % tag)
    if expect_mech:
        auth_lines = [t for d, t in lines if d == "C" and t.upper().startswith("AUTH ")]
        tap(len(auth_lines) == 1 and auth_lines[0].upper().split()[1] == expect_mech,
            "%s: authenticated with %s" % (tag, expect_mech), "AUTH lines: %r" % auth_lines)
    if check_wire:
        caps = capabilities_after_tls(lines)
        tap("PIPELINING" in caps and "CHUNKING" in caps,
            "%s: the server offers PIPELINING and CHUNKING after TLS" % tag, "caps: %r" % caps)
        tap(pipelined_envelope(lines, len(case.recipients())),
            "%s: MAIL and all %d RCPTs are pipelined in one write" % (tag, len(case.recipients())),
            "\n".join("%s: %s" % l for l in lines))
        cmds = [t.upper() for d, t in lines if d == "C"]
        tap(any(c.startswith("BDAT ") for c in cmds) and "DATA" not in cmds,
            "%s: the body goes as BDAT (CHUNKING), not DATA" % tag,
            "\n".join("%s: %s" % l for l in lines))

    # After a failed send, a short look suffices: Postfix delivers ~70 ms after its 250.
    found = wait_for_delivery(server, case.recipients(),
                              timeout=DELIVERY_TIMEOUT if rc == EXIT_OK else 2.0)
    if not tap(len(found) == len(case.recipients()),
               "%s: delivered to all %d recipients" % (tag, len(case.recipients())),
               "delivered: %r\n%s" % (sorted(found), server.maillog_tail())):
        return
    prc, printed, perr = run_send(case.compose_args() + ["--print"])
    if not tap(prc == EXIT_OK and printed, "%s: --print of the same message" % tag,
               "exit %d\n%s" % (prc, perr)):
        return

    for rcpt, path in sorted(found.items()):
        with open(path, "rb") as f:
            delivered_raw = f.read()
        delivered, trace = strip_trace(delivered_raw)
        tap(any(field_name(f) == "received" for f in trace),
            "%s: Postfix's trace fields found and removed (%s)" % (tag, rcpt))
        expected, problems = normalise_print(printed, delivered)
        tap(not problems and expected == delivered,
            "%s: delivered message equals --print byte for byte, apart from trace, Date, "
            "Message-ID and boundaries (%s)" % (tag, rcpt),
            "\n".join(problems) or first_difference(expected, delivered))
        diffs = structural_diff(printed, delivered)
        tap(not diffs, "%s: Python's email parser sees the same message (%s)" % (tag, rcpt),
            "\n".join(diffs))

    sample = next(iter(sorted(found.values())))
    with open(sample, "rb") as f:
        delivered = f.read()
    dmsg = parse(delivered)
    tap(dmsg["Bcc"] is None, "%s: no Bcc header in the delivered message" % tag)
    tap(str(dmsg["Subject"]) == case.subject, "%s: the subject decodes to the original" % tag,
        "got %r" % str(dmsg["Subject"]))
    body_parts = [p for p in dmsg.walk() if p.get_content_type() == "text/plain"
                  and not p.get_filename()]
    with open(case.body_path, encoding="utf-8") as f:
        original_body = f.read()
    def body_text(part):
        text = part.get_content().replace("\r\n", "\n")
        return unflow(text) if part.get_param("format") == "flowed" else text
    if body_parts and body_parts[0].get_param("format") == "flowed":
        # A fixed line cannot end with a space: those are the writer's to drop.
        original_body = "\n".join(l if l == "-- " else l.rstrip(" ") for l in original_body.split("\n"))
    tap(len(body_parts) == 1 and body_text(body_parts[0]).rstrip("\n")
        == original_body.rstrip("\n"),
        "%s: the body text decodes to the original" % tag,
        repr(body_parts[0].get_content()[:300]) if body_parts else "no text/plain part")
    got = attachments(delivered)
    tap(len(got) == len(case.attach), "%s: %d attachment(s) delivered" % (tag, len(case.attach)),
        "got %r" % [(n, t) for n, t, _ in got])
    for path, (name, ctype, data) in zip(case.attach, got):
        with open(path, "rb") as f:
            original = f.read()
        tap(name == os.path.basename(path) and
            hashlib.sha256(data or b"").hexdigest() == hashlib.sha256(original).hexdigest(),
            "%s: attachment %s (%s) is byte-identical (SHA-256)" % (tag, name, ctype),
            "name %r, %d bytes vs %d" % (name, len(data or b""), len(original)))
        if path.endswith(".png"):
            tap(ctype == "image/png", "%s: the PNG is sent as image/png" % tag, ctype)


def check_refused(server, case, rc, err, expect_rc, what):
    """Three test points; the caller adds one about the transcript it returns."""
    tag = case.name
    tap(rc == expect_rc, "%s: %s exits %d" % (tag, what, expect_rc), "exit %d\n%s" % (rc, err))
    tap(err.strip() != "" and "epistle-send:" in err, "%s: a message names the cause" % tag, err)
    found = wait_for_delivery(server, case.recipients(), timeout=1.0)
    tap(not found, "%s: nothing delivered" % tag, "delivered: %r" % sorted(found))
    return transcript(err)


# --- main -----------------------------------------------------------------------------------

def main():
    what = "epistle-send against Postfix and Dovecot"
    if os.geteuid() != 0:
        ep_tap.skip_all(what, "needs root to run Postfix and Dovecot")
    for tool in ("/usr/sbin/postfix", "/usr/sbin/dovecot", "/usr/bin/certtool"):
        if not os.path.exists(tool):
            ep_tap.skip_all(what, "%s not installed (packages postfix, dovecot-core, gnutls-bin)" % tool)
    ep_tap.plan(PLANNED)

    tmp = os.environ.get("EPISTLE_TEST_TMPDIR")
    if not tmp:
        import tempfile
        tmp = tempfile.mkdtemp(prefix="epistle-postfix.")
    # Postfix's and the virtual delivery agent's users must be able to reach the instance.
    os.chmod(tmp, 0o711)
    server = MailServer(os.path.join(tmp, "mailserver"))

    def on_signal(signum, frame):
        raise SystemExit(128 + signum)
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)

    t0 = time.monotonic()
    try:
        server.start()
    except BaseException as e:  # the servers are a precondition: nothing can run without them
        server.stop()
        if not isinstance(e, Exception):
            raise
        note(str(e))
        ep_tap.bail_out("the Postfix + Dovecot instance did not start")
    tap(True, "the Postfix + Dovecot instance starts (%.1f s)" % (time.monotonic() - t0))
    try:
        run_cases(server, tmp)
    finally:
        tap(server.stop(), "the servers stop and every process they started is gone")


def run_cases(server, tmp):
    env = server.env
    sub, smtps = env["SUBMISSION_PORT"], env["SMTPS_PORT"]
    png = os.path.join(tmp, "noise.png")
    make_png(png)
    blob = os.path.join(tmp, "random.bin")
    with open(blob, "wb") as f:
        f.write(random.Random(7).randbytes(300 * 1024 + 17))

    # STARTTLS + PLAIN, with To/Cc/Bcc, a PNG and a binary attachment; checks the wire too.
    case = Case("plain", tmp, attach=[png, blob], cc=[1], bcc=[1])
    rc, out, err = run_send(server_args(env, sub, "starttls", "PLAIN") + case.compose_args())
    check_delivery(server, case, rc, out, err, expect_mech="PLAIN", check_wire=True)

    # STARTTLS + LOGIN, text only.
    case = Case("login", tmp)
    rc, out, err = run_send(server_args(env, sub, "starttls", "LOGIN") + case.compose_args())
    check_delivery(server, case, rc, out, err, expect_mech="LOGIN")

    # The other mechanisms Dovecot offers here.
    for mech in ("CRAM-MD5", "SCRAM-SHA-1", "SCRAM-SHA-256"):
        case = Case(mech.lower(), tmp, attach=[png])
        rc, out, err = run_send(server_args(env, sub, "starttls", mech) + case.compose_args())
        check_delivery(server, case, rc, out, err, expect_mech=mech)

    # Automatic choice: the strongest offered is SCRAM-SHA-256.
    case = Case("auto", tmp)
    rc, out, err = run_send(server_args(env, sub, "starttls") + case.compose_args())
    check_delivery(server, case, rc, out, err, expect_mech="SCRAM-SHA-256")

    # Implicit TLS on the second port, with the PNG.
    case = Case("implicit", tmp, attach=[png])
    rc, out, err = run_send(server_args(env, smtps, "tls", "PLAIN") + case.compose_args())
    check_delivery(server, case, rc, out, err, expect_mech="PLAIN", check_wire=True)

    # A large attachment: the body spans many BDAT chunks through Postfix's real CHUNKING.
    large = os.path.join(tmp, "large.bin")
    with open(large, "wb") as f:
        f.write(random.Random(11).randbytes(LARGE_ATTACHMENT))
    case = Case("large", tmp, attach=[large])
    rc, out, err = run_send(server_args(env, sub, "starttls") + case.compose_args())
    check_delivery(server, case, rc, out, err, check_wire=True)
    bdat = [t.upper().split() for d, t in transcript(err) if d == "C" and t.upper().startswith("BDAT ")]
    tap(len(bdat) >= 2 and bdat[-1][-1] == "LAST" and all(len(b) == 2 for b in bdat[:-1]),
        "large: the body went in %d BDAT chunks, only the last marked LAST" % len(bdat),
        "BDAT commands: %r" % bdat)

    # Delivery status notifications (RFC 3461): Postfix offers DSN and takes NOTIFY, ORCPT, RET
    # and ENVID as sent.
    case = Case("dsn", tmp)
    rc, out, err = run_send(server_args(env, sub, "starttls") + case.compose_args()
                            + ["--dsn", "success,failure", "--dsn-ret", "hdrs"])
    check_delivery(server, case, rc, out, err)
    lines = transcript(err)
    with ep_tap.block(2, case.name):
        mail = [i for i, (d, t) in enumerate(lines) if d == "C" and t.upper().startswith("MAIL FROM:")]
        rcpt = [t for d, t in lines if d == "C" and t.upper().startswith("RCPT TO:")]
        tap("DSN" in capabilities_after_tls(lines) and len(mail) == 1
            and " RET=HDRS ENVID=<" in lines[mail[0]][1],
            "dsn: the server offers DSN; MAIL carries RET=HDRS and the Message-ID as ENVID",
            "\n".join(t for _, t in lines))
        tap(rcpt == ["RCPT TO:<%s> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;%s" % (a, a) for a in case.to]
            and any(d == "S" and t.startswith("250 2.1.5") for d, t in lines),
            "dsn: RCPT carries NOTIFY and ORCPT, and Postfix accepts them", "%r" % rcpt)

    # REQUIRETLS (RFC 8689) is not offered by this Postfix: required, nothing is sent (exit 69).
    case = Case("requiretls", tmp)
    rc, out, err = run_send(server_args(env, sub, "starttls") + case.compose_args() + ["--require-tls"])
    with ep_tap.block(4, case.name):
        lines = check_refused(server, case, rc, err, EXIT_UNAVAILABLE, "--require-tls without REQUIRETLS")
        tap(not any(d == "C" and t.upper().startswith("MAIL") for d, t in lines),
            "%s: no MAIL FROM was sent" % case.name, err)

    # Wrong password: 535 from the server, exit 77, nothing delivered.
    wrong = os.path.join(tmp, "wrong-password")
    with open(wrong, "w") as f:
        f.write("not-" + env["SASL_PASSWORD"])
    for mech in ("PLAIN", "SCRAM-SHA-256"):
        case = Case("wrong-%s" % mech.lower(), tmp)
        rc, out, err = run_send(server_args(env, sub, "starttls", mech, password_file=wrong)
                                + case.compose_args())
        with ep_tap.block(4, case.name):
            lines = check_refused(server, case, rc, err, EXIT_AUTH, "a wrong password (%s)" % mech)
            tap(any(d == "S" and t.startswith("535") for d, t in lines),
                "%s: the server answered 535" % case.name, err)

    # Without --cafile the test CA is unknown: certificate failure, exit 77, no AUTH sent.
    case = Case("untrusted", tmp)
    rc, out, err = run_send(server_args(env, sub, "starttls", "PLAIN", cafile=False)
                            + case.compose_args())
    with ep_tap.block(4, case.name):
        lines = check_refused(server, case, rc, err, EXIT_AUTH, "an untrusted certificate")
        tap(not any(d == "C" and t.upper().startswith("AUTH") for d, t in lines),
            "%s: no AUTH after a failed certificate check" % case.name, err)

    # Credentials with security none: refused locally as a security violation (76); nothing
    # secret may cross the cleartext connection.
    case = Case("cleartext", tmp)
    rc, out, err = run_send(server_args(env, sub, "none", "PLAIN", cafile=False)
                            + case.compose_args())
    with ep_tap.block(4, case.name):
        lines = check_refused(server, case, rc, err, EXIT_SECURITY,
                              "credentials on a cleartext connection")
        tap(not any(d == "C" and (t.upper().startswith("AUTH") or t.upper().startswith("MAIL"))
                    for d, t in lines),
            "%s: neither AUTH nor MAIL was sent in cleartext" % case.name, err)


if __name__ == "__main__":
    try:
        main()
    except SystemExit:
        raise
    except BaseException:  # a crash of the test itself: shown, and the plan is not reached
        import traceback
        note(traceback.format_exc())
        sys.exit(1)
    sys.exit(ep_tap.finish())
