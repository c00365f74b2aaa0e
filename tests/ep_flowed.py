# SPDX-License-Identifier: GPL-3.0-or-later
"""Reads format=flowed text (RFC 3676) for the tests that judge what Epistle wrote.

Written independently of the engine's reader (src/engine/mime/ep-flowed.c), so that a test
compares two readings, not one reading with itself."""


def unflow(text):
    # RFC 3676 §4.2 with DelSp=no, written here independently of the engine's reader: quote
    # depth, then space-stuffing, then a line ending in a space joins the next of equal depth.
    out, para, depth_open = [], None, None
    for line in text.split('\n')[:-1] if text.endswith('\n') else text.split('\n'):
        depth = len(line) - len(line.lstrip('>'))
        content = line[depth:]
        if content.startswith(' '):
            content = content[1:]
        flowed = content.endswith(' ') and content != '-- '
        if para is not None and depth != depth_open:
            out.append('>' * depth_open + (' ' if depth_open else '') + para)
            para = None
        if para is None and not flowed and depth:
            out.append(line)
            continue
        para = (para or '') + content
        depth_open = depth
        if not flowed:
            out.append('>' * depth + (' ' if depth and para else '') + para)
            para = None
    if para is not None:
        out.append('>' * depth_open + (' ' if depth_open else '') + para)
    return '\n'.join(out) + ('\n' if text.endswith('\n') else '')
