# SPDX-License-Identifier: GPL-3.0-or-later
"""What the source checks (check-layering.py, check-conventions.py) share: the C files under
src/, and a scratch copy of them with a violation planted, to show that a check catches it."""

import os
import shutil
import tempfile

# A planted file's name has this in it; a check's findings about it are the ones that count.
PLANTED = "ep-planted"


def sources(root):
    """(path relative to @root, path) of every .c and .h file under @root/src, sorted by folder."""
    for folder, _dirs, files in os.walk(os.path.join(root, "src")):
        for name in sorted(files):
            if name.endswith((".c", ".h")):
                path = os.path.join(folder, name)
                yield os.path.relpath(path, root), path


def planted_findings(root, check, plants):
    """What @check(root, files) reports about @plants in a scratch copy of @root/src.

    @plants: (relative path, mode "w" or "a", text) written into the copy first."""
    fake = tempfile.mkdtemp(prefix=PLANTED + "-")
    try:
        shutil.copytree(os.path.join(root, "src"), os.path.join(fake, "src"))
        for path, mode, text in plants:
            with open(os.path.join(fake, path), mode, encoding="utf-8") as f:
                f.write(text)
        return [line for line in check(fake, list(sources(fake))) if PLANTED in line]
    finally:
        shutil.rmtree(fake)
