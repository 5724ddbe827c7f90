"""Change sets from whole texts, with diff-match-patch.

For clients that submit a new text rather than changes, and for refining a coarse change
into the small edits a person would see. Diffing can be slow on unrelated texts, so every
call takes a time limit; callers on an event loop run it in a worker.
"""

from __future__ import annotations

from collections.abc import Iterator

from diff_match_patch import diff_match_patch

from app.engine.changes import ChangeSet, Replace

_EQUAL, _DELETE, _INSERT = 0, -1, 1


def diff_to_changes(old: str, new: str, timeout_s: float, *, semantic: bool = True) -> ChangeSet:
    """A change set turning ``old`` into ``new``.

    ``semantic`` widens character soup into whole-word replacements, which reads better
    when shown as a conflict. Past ``timeout_s`` the diff is coarser but still exact.
    """
    if old == new:
        return ChangeSet(len(old))
    return ChangeSet.of(len(old), _replaces(old, new, timeout_s, semantic=semantic))


def refine(changes: ChangeSet, base_text: str, timeout_s: float) -> ChangeSet:
    """The same effect as ``changes``, narrowed to what differs character by character.

    The whole changed window is diffed at once, so text that a coarse change deletes in
    one place and inserts in another is recognised as staying: positions in it map to
    where it went.
    """
    if changes.is_empty:
        return changes
    start, end = changes.replaces[0].start, changes.replaces[-1].end
    old = base_text[start:end]
    new = _window(changes, base_text, start, end)
    pieces = _replaces(old, new, timeout_s, semantic=False)
    return ChangeSet.of(
        len(base_text), (Replace(p.start + start, p.end + start, p.text) for p in pieces)
    )


def _window(changes: ChangeSet, base_text: str, start: int, end: int) -> str:
    """``base_text[start:end]`` after ``changes``, which all lie inside it."""
    parts: list[str] = []
    pos = start
    for r in changes.replaces:
        parts.append(base_text[pos : r.start])
        parts.append(r.text)
        pos = r.end
    parts.append(base_text[pos:end])
    return "".join(parts)


def _replaces(old: str, new: str, timeout_s: float, *, semantic: bool) -> Iterator[Replace]:
    dmp = diff_match_patch()
    dmp.Diff_Timeout = timeout_s
    diffs: list[tuple[int, str]] = dmp.diff_main(old, new)
    if semantic:
        dmp.diff_cleanupSemantic(diffs)
    pos = 0
    for op, data in diffs:
        if op == _EQUAL:
            pos += len(data)
        elif op == _DELETE:
            yield Replace(pos, pos + len(data), "")
            pos += len(data)
        else:
            yield Replace(pos, pos, data)
