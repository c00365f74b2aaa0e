#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""The shape of the code, checked: the engine and the CLI never include GTK; each engine layer
includes only its own headers and those of the layers below it; no two modules include each
other, directly or round a loop.

Usage: check-layering.py SRCROOT [--stamp FILE]   (build step: exit 1 on a violation)
       check-layering.py SRCROOT --tap            (test: the checks, then each one shown to
                                                   catch a planted violation)
Standard library only: it runs at build time with whichever python3 is first on PATH."""

import os
import re
import sys

import ep_tap
from ep_source_tree import planted_findings, sources

# Lowest first; a file may include headers of its own layer and of the layers before it.
# The CLI and the app sit on the whole engine and never on each other.
LAYERS = ["src/engine/base", "src/engine/mime", "src/engine/smtp", "src/engine/imap", "src/engine/store",
          "src/engine/sandbox", "src/engine/discover", "src/engine/oauth",
          "src/engine/goa", "src/engine"]
TOP = ["src/cli", "src/app"]
NO_GTK = ["src/engine", "src/cli"]

INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]', re.M)
GTK = re.compile(r'^(gtk/|gdk/|gsk/|adwaita\.h|graphene)')


def includes(path):
    with open(path, encoding="utf-8", errors="replace") as f:
        return INCLUDE.findall(f.read())


def place(rel):
    """The layer index of a file (engine layers 0..n-1, the CLI and the app n), and its folder."""
    folder = os.path.dirname(rel)
    if folder in LAYERS:
        return LAYERS.index(folder), folder
    for top in TOP:
        if folder == top or folder.startswith(top + "/"):
            return len(LAYERS), top
    return None, folder


def check_gtk(root, files):
    bad = []
    for rel, path in files:
        if any(rel.startswith(d + "/") for d in NO_GTK):
            for kind, name in includes(path):
                if GTK.match(name):
                    bad.append(f"{rel}: includes <{name}>: the engine and the CLI run without a display")
    return bad


def check_layers(root, files):
    headers = {}
    for rel, _path in files:
        if rel.endswith(".h"):
            headers.setdefault(os.path.basename(rel), rel)
    bad = []
    for rel, path in files:
        level, folder = place(rel)
        if level is None:
            continue
        for kind, name in includes(path):
            target = headers.get(os.path.basename(name)) if kind == '"' else None
            if target is None:
                continue
            t_level, t_folder = place(target)
            if t_level is None:
                continue
            if t_level > level or (t_level == level == len(LAYERS) and t_folder != folder):
                bad.append(f"{rel}: includes {target}, which belongs to a layer above "
                           f"({t_folder} over {folder})")
    return bad


def module_of(rel, private_prefixes):
    stem = os.path.splitext(rel)[0]
    if stem.endswith("-private"):
        return stem[: -len("-private")]
    for prefix in private_prefixes:
        if stem.startswith(prefix + "-"):
            return prefix
    return stem


def check_cycles(root, files):
    private_prefixes = sorted((os.path.splitext(rel)[0][: -len("-private")]
                               for rel, _ in files if rel.endswith("-private.h")),
                              key=len, reverse=True)
    headers = {os.path.basename(rel): rel for rel, _ in files if rel.endswith(".h")}
    graph = {}
    for rel, path in files:
        mod = module_of(rel, private_prefixes)
        edges = graph.setdefault(mod, set())
        for kind, name in includes(path):
            target = headers.get(os.path.basename(name)) if kind == '"' else None
            if target is not None:
                other = module_of(target, private_prefixes)
                if other != mod:
                    edges.add(other)
    # Depth-first search; a grey node met again closes a cycle.
    state, stack, cycles = {}, [], []

    def visit(node):
        state[node] = "grey"
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == "grey":
                cycles.append(stack[stack.index(nxt):] + [nxt])
            elif nxt not in state:
                visit(nxt)
        stack.pop()
        state[node] = "black"

    for node in sorted(graph):
        if node not in state:
            visit(node)
    return ["include cycle: " + " → ".join(os.path.basename(m) for m in c) for c in cycles]


CHECKS = [
    ("the engine and the CLI include no GTK or libadwaita header", check_gtk),
    ("each engine layer includes only itself and the layers below", check_layers),
    ("no include cycle between modules", check_cycles),
]


def run(root):
    files = list(sources(root))
    return [(title, check(root, files)) for title, check in CHECKS]


# One violation of each check, in the order of CHECKS: (path, mode, text) written into a copy.
PLANTS = [
    [("src/engine/mime/ep-planted.c", "w", "#include <gtk/gtk.h>\n")],
    [("src/engine/mime/ep-planted.c", "w", '#include "ep-smtp-config.h"\n')],
    # ep-planted.h is included by ep-engine.c and includes ep-engine.h back.
    [("src/engine/base/ep-engine.c", "a", '#include "ep-planted.h"\n'),
     ("src/engine/base/ep-planted.h", "w", '#include "ep-engine.h"\n')],
]


def main(argv):
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    root = argv[1]
    results = run(root)
    if "--tap" in argv:
        ep_tap.plan(2 * len(CHECKS))
        for title, bad in results:
            ep_tap.ok(not bad, title, "\n".join(bad))
        for plants, (title, check) in zip(PLANTS, CHECKS):
            caught = planted_findings(root, check, plants)
            ep_tap.ok(caught, "the check catches a planted violation: " + title)
            if caught:
                ep_tap.diag("\n".join(caught))
        return ep_tap.finish()
    failed = False
    for title, bad in results:
        for line in bad:
            print(line, file=sys.stderr)
            failed = True
    if failed:
        return 1
    if "--stamp" in argv:
        open(argv[argv.index("--stamp") + 1], "w").close()
    print("ok: " + "; ".join(title for title, _ in CHECKS))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
