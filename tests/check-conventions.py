#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""House conventions that a script can see, checked on src/ (the rest of the style is for review):

- banners: a section of a file opens with exactly one kind of banner line,
  "/* ---- Title --…-- */", 100 columns wide (a longer title ends with " ---- */");
- names: a public function named *_get_* returns a borrowed value; one that returns a new
  string or string array is *_dup_*;
- order: in a file that defines a GObject type: the static helpers and callbacks, the
  overrides, class_init and init, then the public API (a static helper may sit just above the
  one public function it serves; long files group the public API in topic sections opened by
  banners);
- comments: they explain the code in the repository's own words, never by pointing at a work
  item ("issue #12", "(issue: …)") or at documents outside the repository.

Usage: check-conventions.py SRCROOT [--tap] [--fix-banners]"""

import os
import re
import sys
import unicodedata

import ep_tap
from ep_source_tree import planted_findings, sources

WIDTH = 100
BANNER_LIKE = re.compile(r"^/\* ?(-{2,}|={2,}|\*{3,})( |$)")
BANNER = re.compile(r"^/\* ---- (?P<title>\S(?:.*\S)?) (?P<dashes>-{4,}) \*/$")
FUNCTION = re.compile(r"^(?P<type>(?:static |const )*[A-Za-z_][\w ]*?[\s*]+)\n?(?P<name>[a-z_][a-z0-9_]*) \(",
                      re.M)
OUTSIDE = re.compile(r"\(issue[:\s]|\bissue #?\d+|\bissues? \d+\b|the issue's|ARCHITECTURE\.md|STYLE\.md|"
                     r"RECIPES\.md|\.\./shared")
OVERRIDES = re.compile(r"_(dispose|finalize|get_property|set_property|constructed|class_init|init)$")


def columns(text):
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def canonical_banner(title):
    head = f"/* ---- {title} "
    dashes = max(4, WIDTH - columns(head) - len(" */"))
    return head + "-" * dashes + " */"


def read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


def check_banners(root, files, fix=False):
    bad = []
    for rel, path in files:
        text = read(path)
        lines = text.split("\n")
        changed = False
        for i, line in enumerate(lines):
            if not BANNER_LIKE.match(line):
                continue
            m = BANNER.match(line)
            title = m.group("title") if m else re.sub(r"^/\*\s*[-=*]+\s*|\s*[-=*]+\s*\*/$", "", line).strip()
            want = canonical_banner(title)
            if line != want:
                if fix:
                    lines[i] = want
                    changed = True
                else:
                    bad.append(f"{rel}:{i + 1}: banner not in the house form: {line.strip()[:60]}…")
        if changed:
            with open(path, "w", encoding="utf-8") as f:
                f.write("\n".join(lines))
    return bad


def check_names(root, files):
    bad = []
    for rel, path in files:
        if not rel.endswith(".h"):
            continue
        for m in re.finditer(r"^(?P<ret>(?:const\s+)?(?:g?char|GStrv)\s*\**)\s*(?P<name>\w+_get_\w+)\s*\(",
                             read(path), re.M):
            ret = m.group("ret").replace(" ", "")
            if not ret.startswith("const") and (ret.endswith("*") or ret == "GStrv"):
                bad.append(f"{rel}: {m.group('name')} returns a new {ret}: name it *_dup_*")
    return bad


def top_level_functions(text):
    """(name, is_static, offset) of each function definition at the top level of a C file."""
    out = []
    for m in re.finditer(r"^(static\s[^;{}()]*?|[A-Za-z_][^;{}()=#]*?)\n(\w+) \([^;{]*?\)\n\{", text, re.M):
        out.append((m.group(2), m.group(1).startswith("static"), m.start()))
    return out


def check_order(root, files):
    bad = []
    for rel, path in files:
        if not rel.endswith(".c"):
            continue
        text = read(path)
        funcs = top_level_functions(text)
        classes = [name[: -len("_class_init")] for name, _s, _o in funcs if name.endswith("_class_init")]
        if not classes:
            continue
        for prefix in classes:
            others = [p for p in classes if p != prefix and p.startswith(prefix + "_")]
            mine = [f for f in funcs
                    if (f[0] == prefix or f[0].startswith(prefix + "_"))
                    and not any(f[0] == o or f[0].startswith(o + "_") for o in others)]
            class_init = next(o for n, _s, o in mine if n == prefix + "_class_init")
            for name, static, offset in funcs:
                if offset < class_init and not static and name.startswith(prefix + "_") \
                   and not name.endswith("_get_type") and not OVERRIDES.search(name) \
                   and not any(name.startswith(o + "_") for o in others):
                    bad.append(f"{rel}: {name} (public) comes before {prefix}_class_init")
    return bad


def check_comments(root, files):
    bad = []
    for rel, path in files:
        for i, line in enumerate(read(path).split("\n")):
            if OUTSIDE.search(line):
                bad.append(f"{rel}:{i + 1}: points outside the repository or at a work item: {line.strip()[:70]}")
    return bad


CHECKS = [
    ("banners in the one house form", check_banners),
    ("*_get_* returns borrowed values, *_dup_* new strings", check_names),
    ("GObject files in the one section order", check_order),
    ("comments speak for themselves", check_comments),
]


# One violation of each check, in the order of CHECKS: (path, mode, text) written into a copy.
PLANTS = [
    [("src/engine/base/ep-planted.c", "w", "/* ==== Planted ==== */\n")],
    [("src/engine/base/ep-planted.h", "w", "char *ep_planted_get_name (void);\n")],
    [("src/engine/base/ep-planted.c", "w",
      "void\nep_planted_frob (void)\n{\n}\n\nstatic void\nep_planted_class_init (void *klass)\n{\n}\n")],
    [("src/engine/base/ep-planted.c", "w", "/* As issue #12 asked. */\n")],
]


def main(argv):
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    root = argv[1]
    files = list(sources(root))
    if "--fix-banners" in argv:
        check_banners(root, files, fix=True)
        return 0
    results = [(title, check(root, files)) for title, check in CHECKS]
    if "--tap" in argv:
        ep_tap.plan(2 * len(results))
        for title, bad in results:
            ep_tap.ok(not bad, title, "\n".join(bad))
        for plants, (title, check) in zip(PLANTS, CHECKS):
            caught = planted_findings(root, check, plants)
            ep_tap.ok(bool(caught), "the check catches a planted violation: " + title, "\n".join(caught))
        return ep_tap.finish()
    failed = False
    for _title, bad in results:
        for line in bad:
            print(line, file=sys.stderr)
            failed = True
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
