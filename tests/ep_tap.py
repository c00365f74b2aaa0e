# SPDX-License-Identifier: GPL-3.0-or-later
"""TAP for the Python test scripts (tests/ep-tap-lib.sh is the same for the shell tests).

A script declares how many test points it prints before the first one (plan), and ends with
sys.exit(finish()). A script that dies half-way then prints fewer points than its plan, and meson
reports the run as an error; a block of checks that stops early is padded with failures (block).

    plan(n)                      "1..n"; before the first test point
    ok(passed, desc, diag_text=None)
                                 one test point; diag_text is shown when it fails; returns passed
    skip(desc, reason, count=1)  skipped points, with their reason: "ok N desc # SKIP reason"
    skip_all(desc, reason)       the whole script skipped as one visible point; exits 0
    diag(text)                   "# text" lines
    bail_out(reason)             "Bail out! reason" and exit 1: nothing after this can run
    with block(n, what):         the n points of a group of checks; any it did not print (it
                                 returned early, or raised: the traceback is shown) are printed
                                 as failures, so that the count stays the plan's
    include(n, what, out, status)
                                 the n points of another TAP stream (out, from a program that
                                 exited with status) renumbered into this one, missing ones as
                                 failures, then one point: it ran to its plan of n and exited 0
    finish(expected=None)        the exit status: 1 if the number of points is not the plan's
                                 (or, without a plan, prints the plan now and compares it to
                                 expected), else 0

The exit status says whether the script ran to its end; failed checks are "not ok" lines, which
meson counts as a failure of the test. Standard library only."""

import contextlib
import re
import sys
import traceback

_count = 0
_planned = None
_broken = []


def _line(text):
    # One line, and a "#" would start a TAP directive.
    return " ".join(str(text).split()).replace("#", "_")


def _emit(text):
    print(text, flush=True)


def plan(n):
    global _planned
    _planned = n
    _emit("1..%d" % n)


def diag(text):
    for line in str(text).rstrip("\n").split("\n"):
        _emit("# " + line)


def ok(passed, desc, diag_text=None):
    global _count
    _count += 1
    _emit("%s %d %s" % ("ok" if passed else "not ok", _count, _line(desc)))
    if not passed and diag_text:
        diag(diag_text)
    return bool(passed)


def skip(desc, reason, count=1):
    global _count
    for _ in range(count):
        _count += 1
        _emit("ok %d %s # SKIP %s" % (_count, _line(desc), _line(reason)))


def skip_all(desc, reason):
    plan(1)
    skip(desc, reason)
    sys.exit(0)


def bail_out(reason):
    _emit("Bail out! " + _line(reason))
    sys.exit(1)


@contextlib.contextmanager
def block(n, what):
    start = _count
    try:
        yield
    except Exception:  # a crash in the checks is their failure, shown, not the end of the script
        if _count - start >= n:
            raise
        diag("%s raised:\n%s" % (what, traceback.format_exc()))
    done = _count - start
    for i in range(done + 1, n + 1):
        ok(False, "%s: test point %d of %d never ran" % (what, i, n))
    if done > n:
        _broken.append("%s printed %d test points, %d declared" % (what, done, n))
        diag(_broken[-1])


_RESULT = re.compile(r"^(ok|not ok)\b\s*(?:\d+\s*)?(?:- )?(.*)$")


def include(n, what, out, status):
    global _count
    got = 0
    sub_plan = None
    extra = 0
    bailed = False
    for line in out.splitlines():
        m = _RESULT.match(line)
        if m:
            if got >= n:
                extra += 1
                diag("beyond the plan: " + line)
                continue
            got += 1
            _count += 1
            # Its own number goes; its description and any SKIP directive stay.
            _emit("%s %d %s" % (m.group(1), _count, m.group(2)))
        elif line.startswith("1.."):
            digits = re.match(r"1\.\.(\d+)", line)
            sub_plan = int(digits.group(1)) if digits else None
        elif line.startswith("Bail out!"):
            bailed = True
            diag(line)
        elif line.startswith("#"):
            _emit(line)
        elif line.strip():
            diag(line)
    for i in range(got + 1, n + 1):
        ok(False, "%s: test point %d of %d never ran" % (what, i, n))
    ok(sub_plan == n and extra == 0 and not bailed and status == 0,
       "%s: ran to its plan of %d test points" % (what, n),
       "plan %s, %d beyond it, exit %s%s" % (sub_plan, extra, status, ", bailed out" if bailed else ""))


def finish(expected=None):
    if _planned is None:
        _emit("1..%d" % _count)
        if _count != expected:
            diag("ran %d test points, expected %s" % (_count, expected))
            return 1
    elif _count != _planned:
        diag("ran %d test points, planned %d" % (_count, _planned))
        return 1
    for problem in _broken:
        diag(problem)
    return 1 if _broken else 0
