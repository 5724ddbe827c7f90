"""Persistence of live editing: loading a document's live state, committing batches of
edits (log + current text in one transaction), and bracket identity snapshots.

Services flush; the caller's unit of work commits.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, bindparam, func, insert, select, update
from sqlalchemy.orm import Session

from app.auth.models import User
from app.brackets.models import Bracket, BracketCount, BracketOrigin, BracketStatus
from app.conferences.models import WorkingGroup
from app.db.base import utcnow
from app.delegations.models import Delegation
from app.documents.models import DraftDocument, EditLogEntry, Snapshot
from app.engine.changes import ChangeSet, Replace
from app.engine.live import BracketDelta, ConflictRecord, LiveDocument
from app.errors import Conflict, NotFound
from app.locks.models import ParagraphLock


class StaleDocument(Conflict):
    """Another process committed first: catch up and retry."""

    code = "stale_document"


@dataclass(frozen=True, slots=True)
class DocumentScope:
    document_id: int
    working_group_id: int
    conference_id: int
    symbol: str


@dataclass(frozen=True, slots=True)
class EditRecord:
    revision: int
    base_revision: int
    user_id: int | None
    delegation_id: int | None
    client_edit_id: str | None
    changes: ChangeSet
    conflicts: tuple[ConflictRecord, ...]


@dataclass(frozen=True, slots=True)
class Author:
    """Who made an edit, as clients show it."""

    user_id: int | None
    name: str
    delegation_id: int | None
    delegation: str | None


NO_AUTHOR = Author(None, "", None, None)


@dataclass(frozen=True, slots=True)
class Loaded:
    live: LiveDocument
    scope: DocumentScope
    recent_ids: dict[tuple[int, str], int]


def document_scope(db: Session, document_id: int) -> DocumentScope:
    row = db.execute(
        select(DraftDocument.symbol, WorkingGroup.id, WorkingGroup.conference_id)
        .join(WorkingGroup, WorkingGroup.id == DraftDocument.working_group_id)
        .where(DraftDocument.id == document_id)
    ).one_or_none()
    if row is None:
        raise NotFound(f"no document {document_id}")
    return DocumentScope(document_id, row[1], row[2], row[0])


def load_live(
    db: Session,
    document_id: int,
    *,
    max_depth: int,
    history_limit: int,
    history_chars: int = 20_000_000,
) -> Loaded:
    """The document's live state: latest snapshot plus the edits after it."""
    scope = document_scope(db, document_id)
    document = db.get_one(DraftDocument, document_id)
    snapshot = db.scalars(
        select(Snapshot)
        .where(Snapshot.document_id == document_id, Snapshot.revision <= document.revision)
        .order_by(Snapshot.revision.desc())
        .limit(1)
    ).first()
    origins = _origins(db, document_id)
    if snapshot is None:
        live = LiveDocument(
            document.text,
            document.revision,
            origins=origins,
            max_depth=max_depth,
            history_limit=history_limit,
            history_chars=history_chars,
        )
    else:
        live = LiveDocument(
            snapshot.text,
            snapshot.revision,
            known_ids=_table(snapshot),
            origins=origins,
            max_depth=max_depth,
            history_limit=history_limit,
            history_chars=history_chars,
        )
        locks = _active_locks(db, document_id)
        _add_locks(live, locks, snapshot.revision, at_or_before=True)
        for entry in entries_after(db, document_id, snapshot.revision):
            live.apply_committed(
                entry.revision,
                changes_from_json(len(live.text), entry.changes),
                author=entry.user_id,
            )
            _add_locks(live, locks, entry.revision)
    if live.text != document.text:
        raise RuntimeError(f"document {document_id}: edit log and text disagree")
    return Loaded(live, scope, _recent_ids(db, document_id, history_limit))


def _active_locks(db: Session, document_id: int) -> Sequence[ParagraphLock]:
    return db.scalars(
        select(ParagraphLock).where(
            ParagraphLock.document_id == document_id, ParagraphLock.released_at.is_(None)
        )
    ).all()


def _add_locks(
    live: LiveDocument, locks: Sequence[ParagraphLock], revision: int, *, at_or_before: bool = False
) -> None:
    """Locks are stored as of a revision; add each when the replay reaches it."""
    for lock in locks:
        if lock.as_of_revision == revision or (at_or_before and lock.as_of_revision < revision):
            live.lock(lock.id, lock.start, lock.end)


def _table(snapshot: Snapshot) -> list[tuple[str, int, int]]:
    return [(str(i), int(o), int(c)) for i, o, c in snapshot.brackets]


def _origins(db: Session, document_id: int) -> dict[str, str]:
    rows = db.execute(
        select(Bracket.id, Bracket.origin).where(
            Bracket.document_id == document_id,
            Bracket.status == BracketStatus.open,
            Bracket.origin != BracketOrigin.text,
        )
    ).all()
    return {bracket_id: origin.value for bracket_id, origin in rows}


def _recent_ids(db: Session, document_id: int, limit: int) -> dict[tuple[int, str], int]:
    rows = db.execute(
        select(EditLogEntry.user_id, EditLogEntry.client_edit_id, EditLogEntry.revision)
        .where(EditLogEntry.document_id == document_id, EditLogEntry.client_edit_id.is_not(None))
        .order_by(EditLogEntry.revision.desc())
        .limit(limit)
    ).all()
    return {(u, c): r for u, c, r in rows if u is not None and c is not None}


def entries_after(
    db: Session, document_id: int, revision: int, limit: int | None = None
) -> Sequence[EditLogEntry]:
    query = (
        select(EditLogEntry)
        .where(EditLogEntry.document_id == document_id, EditLogEntry.revision > revision)
        .order_by(EditLogEntry.revision)
    )
    if limit is not None:
        query = query.limit(limit)
    return db.scalars(query).all()


# The write path of live editing runs for every batch of keystrokes: its statements are
# built once and executed on the connection, without the ORM's per-call compilation.
_documents = cast(Table, DraftDocument.__table__)
_LOCK_REVISION = (
    select(_documents.c.revision)
    .where(_documents.c.id == bindparam("document_id"))
    .with_for_update()
)
_APPEND = insert(cast(Table, EditLogEntry.__table__))
_STORE_TEXT = (
    update(_documents)
    .where(_documents.c.id == bindparam("document_id"))
    .values(
        text=bindparam("new_text"),
        revision=bindparam("new_revision"),
        updated_at=bindparam("now"),
    )
)


def commit_edits(
    db: Session, document_id: int, expected_revision: int, records: Sequence[EditRecord], text: str
) -> None:
    """Append the edits and store the resulting text, if nobody committed since."""
    if not records:
        return
    current = _lock_revision(db, document_id)
    if current != expected_revision:
        raise StaleDocument(
            f"document {document_id} is at revision {current}, not {expected_revision}"
        )
    connection = db.connection()
    now = utcnow()
    connection.execute(_APPEND, [_log_values(document_id, record, now) for record in records])
    connection.execute(
        _STORE_TEXT,
        {
            "document_id": document_id,
            "new_text": text,
            "new_revision": records[-1].revision,
            "now": now,
        },
    )
    for cached in list(db.identity_map.values()):
        if isinstance(cached, DraftDocument) and cached.id == document_id:
            db.expire(cached)  # a command may hold the row: let it read the new text


def lock_document(db: Session, document_id: int) -> int | None:
    """Lock the document row for this transaction; its current revision."""
    return _lock_revision(db, document_id)


def latest_snapshot_revision(db: Session, document_id: int) -> int | None:
    return db.scalar(select(func.max(Snapshot.revision)).where(Snapshot.document_id == document_id))


def _lock_revision(db: Session, document_id: int) -> int | None:
    # FOR UPDATE serialises writers across processes on PostgreSQL; SQLite's
    # BEGIN IMMEDIATE already holds the database write lock.
    revision: int | None = (
        db.connection().execute(_LOCK_REVISION, {"document_id": document_id}).scalar()
    )
    return revision


def _log_values(document_id: int, record: EditRecord, now: datetime) -> dict[str, Any]:
    return {
        "document_id": document_id,
        "revision": record.revision,
        "base_revision": record.base_revision,
        "user_id": record.user_id,
        "delegation_id": record.delegation_id,
        "client_edit_id": record.client_edit_id,
        "changes": changes_to_json(record.changes),
        "conflicts": [conflict_to_json(c) for c in record.conflicts] or None,
        "created_at": now,
    }


def changes_to_json(changes: ChangeSet) -> list[list[Any]]:
    return [[r.start, r.end, r.text] for r in changes.replaces]


def changes_from_json(base_length: int, data: Sequence[Sequence[Any]]) -> ChangeSet:
    return ChangeSet.of(base_length, (Replace(int(s), int(e), str(t)) for s, e, t in data))


def conflict_to_json(record: ConflictRecord) -> dict[str, Any]:
    return {
        "group": list(record.group),
        "committed": list(record.committed),
        "incoming": list(record.incoming),
        "committed_authors": list(record.committed_authors),
        "incoming_author": record.incoming_author,
    }


def save_brackets(
    db: Session,
    document_id: int,
    live: LiveDocument,
    delta: BracketDelta,
    authors: dict[str, int | None] | None = None,
) -> None:
    """Record created and ended brackets and snapshot the ids, so restarts keep them."""
    for view in delta.created:
        db.merge(
            Bracket(
                id=view.id,
                document_id=document_id,
                status=BracketStatus.open,
                origin=BracketOrigin(view.origin),
                created_revision=delta.revision,
                created_by_user_id=(authors or {}).get(view.id),
                wording=live.text[view.open + 1 : view.close],
            )
        )
    if delta.ended:
        db.execute(
            update(Bracket)
            .where(Bracket.id.in_(delta.ended), Bracket.status == BracketStatus.open)
            .values(status=BracketStatus.ended, ended_revision=delta.revision)
        )
    if delta.created or delta.ended or not has_snapshot(db, document_id):
        result = live.parse_result
        db.add(
            BracketCount(
                document_id=document_id,
                revision=live.revision,
                brackets=len(result.brackets),
                groups=len(result.groups),
                options=len(result.options),
            )
        )
    save_snapshot(db, document_id, live)


def save_snapshot(db: Session, document_id: int, live: LiveDocument) -> None:
    if live.brackets_stale:
        raise RuntimeError("refresh brackets before a snapshot")
    for lock_id, (start, end) in live.locks.items():
        db.execute(
            update(ParagraphLock)
            .where(ParagraphLock.id == lock_id)
            .values(start=start, end=end, as_of_revision=live.revision)
        )
    existing = db.scalar(
        select(Snapshot).where(
            Snapshot.document_id == document_id, Snapshot.revision == live.revision
        )
    )
    table = [list(row) for row in live.bracket_table()]
    if existing is None:
        db.add(
            Snapshot(
                document_id=document_id, revision=live.revision, text=live.text, brackets=table
            )
        )
    else:
        existing.brackets = table
    db.flush()


def find_committed(db: Session, document_id: int, user_id: int, client_edit_id: str) -> int | None:
    return db.scalar(
        select(EditLogEntry.revision).where(
            EditLogEntry.document_id == document_id,
            EditLogEntry.user_id == user_id,
            EditLogEntry.client_edit_id == client_edit_id,
        )
    )


def has_snapshot(db: Session, document_id: int) -> bool:
    return (
        db.scalar(select(Snapshot.id).where(Snapshot.document_id == document_id).limit(1))
        is not None
    )


def authors(db: Session, user_ids: set[int]) -> dict[int, Author]:
    if not user_ids:
        return {}
    rows = db.execute(
        select(User.id, User.display_name, User.delegation_id, Delegation.country_code)
        .outerjoin(Delegation, Delegation.id == User.delegation_id)
        .where(User.id.in_(user_ids))
    ).all()
    return {uid: Author(uid, name, did, code) for uid, name, did, code in rows}


def map_range_since(
    db: Session, document_id: int, revision: int, span: tuple[int, int], current_length: int
) -> tuple[int, int] | None:
    """Where a range of the text at ``revision`` stands now; None when an edit since
    changed text inside it."""
    entries = entries_after(db, document_id, revision)
    lengths = [current_length]
    for entry in reversed(entries):  # each entry's base length, walking back from now
        delta = sum(len(t) - (e - s) for s, e, t in entry.changes)
        lengths.append(lengths[-1] - delta)
    lengths.reverse()
    start, end = span
    for entry, base_length in zip(entries, lengths, strict=False):
        changes = changes_from_json(base_length, entry.changes)
        for r in changes.replaces:
            inside = start < r.start < end if r.start == r.end else r.start < end and r.end > start
            if inside:
                return None
        start = changes.map_position(start, 1)
        end = max(start, changes.map_position(end, -1))
    return start, end
