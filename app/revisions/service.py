"""Named revisions (Rev.N) of a draft document, and comparison of any two versions.

A version is named in a comparison as ``rev:N`` (the chair's Rev.N), ``r:K`` (revision K
of the edit log) or ``current``. Services flush; the caller's unit of work commits.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.audit.models import AuditEntry
from app.audit.service import record
from app.auth.models import User
from app.auth.principal import Principal
from app.documents.models import DraftDocument, NamedRevision, Snapshot
from app.documents.service import get_document
from app.editing.service import changes_from_json, entries_after, lock_document
from app.engine.compare import Comparison, compare
from app.errors import Conflict, Forbidden, InvalidInput, NotFound
from app.revisions.schemas import (
    ComparisonCounts,
    ComparisonRead,
    IssuerRead,
    RevisionCreate,
    RevisionRead,
    RevisionText,
    SegmentRead,
    VersionRef,
)

ISSUE_ACTION = "revision.issue"
_REF = re.compile(r"rev:(?P<number>\d{1,9})|r:(?P<revision>\d{1,12})|(?P<current>current)")


# -- named revisions -----------------------------------------------------------------


def issue_revision(
    db: Session, who: Principal, document_id: int, data: RevisionCreate
) -> RevisionRead:
    """Freeze the durable current text as the next Rev.N."""
    document, group = get_document(db, who, document_id)
    if not who.chairs(group.id):
        raise Forbidden("only the working group's chair or vice-chairs issue revisions")
    lock_document(db, document.id)
    db.refresh(document)  # the locked row: no edit lands between reading and freezing it
    latest = _latest(db, document.id)
    if latest is not None and latest.text == document.text:
        raise Conflict(f"the text has not changed since {latest.name}", latest=latest.number)
    named = _freeze(db, who, document, (latest.number if latest else 0) + 1)
    _audit_issue(db, who, named, data.label)
    return _read(named, _issuers(db, [named]), {named.id: data.label} if data.label else {})


def _freeze(db: Session, who: Principal, document: DraftDocument, number: int) -> NamedRevision:
    named = NamedRevision(
        document_id=document.id,
        number=number,
        name=f"{document.symbol} Rev.{number}",
        revision=document.revision,
        text=document.text,
        issued_by_user_id=who.user_id,
    )
    db.add(named)
    db.flush()
    return named


def _audit_issue(db: Session, who: Principal, named: NamedRevision, label: str | None) -> None:
    detail: dict[str, object] = {
        "number": named.number,
        "name": named.name,
        "revision": named.revision,
    }
    if label:
        detail["label"] = label
    record(db, who, ISSUE_ACTION, "named_revision", str(named.id), named.document_id, detail)


def list_revisions(db: Session, who: Principal, document_id: int) -> list[RevisionRead]:
    document, _group = get_document(db, who, document_id)
    revisions = db.scalars(
        select(NamedRevision)
        .where(NamedRevision.document_id == document.id)
        .order_by(NamedRevision.number)
    ).all()
    issuers, labels = _issuers(db, revisions), _labels(db, document.id)
    return [_read(r, issuers, labels) for r in revisions]


def read_revision(db: Session, who: Principal, document_id: int, number: int) -> RevisionText:
    document, _group = get_document(db, who, document_id)
    named = _named(db, document, number)
    read = _read(named, _issuers(db, [named]), _labels(db, document.id))
    return RevisionText(**read.model_dump(), text=named.text)


def _latest(db: Session, document_id: int) -> NamedRevision | None:
    return db.scalars(
        select(NamedRevision)
        .where(NamedRevision.document_id == document_id)
        .order_by(NamedRevision.number.desc())
        .limit(1)
    ).first()


def _named(db: Session, document: DraftDocument, number: int) -> NamedRevision:
    named = db.scalar(
        select(NamedRevision).where(
            NamedRevision.document_id == document.id, NamedRevision.number == number
        )
    )
    if named is None:
        raise NotFound(f"{document.symbol} has no Rev.{number}")
    return named


def _issuers(db: Session, revisions: Iterable[NamedRevision]) -> dict[int, IssuerRead]:
    ids = {r.issued_by_user_id for r in revisions if r.issued_by_user_id is not None}
    if not ids:
        return {}
    rows = db.execute(select(User.id, User.display_name).where(User.id.in_(ids))).all()
    return {uid: IssuerRead(user_id=uid, display_name=name) for uid, name in rows}


def _labels(db: Session, document_id: int) -> dict[int, str]:
    """Labels given at issue. The revisions table has no column for them, so the audit
    entry of the issue, written in the same transaction, is where they are kept."""
    rows = db.execute(
        select(AuditEntry.object_id, AuditEntry.detail).where(
            AuditEntry.document_id == document_id, AuditEntry.action == ISSUE_ACTION
        )
    ).all()
    return {
        int(object_id): str(detail["label"])
        for object_id, detail in rows
        if isinstance(detail, dict) and detail.get("label") and object_id.isdigit()
    }


def _read(
    named: NamedRevision, issuers: dict[int, IssuerRead], labels: dict[int, str]
) -> RevisionRead:
    return RevisionRead(
        id=named.id,
        document_id=named.document_id,
        number=named.number,
        name=named.name,
        label=labels.get(named.id),
        revision=named.revision,
        created_at=named.created_at,
        issued_by=issuers.get(named.issued_by_user_id or -1),
    )


# -- comparison ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Version:
    ref: VersionRef
    text: str


@dataclass(frozen=True, slots=True)
class VersionComparison:
    document_id: int
    old: VersionRef
    new: VersionRef
    comparison: Comparison


def compare_versions(
    db: Session, who: Principal, document_id: int, old_ref: str, new_ref: str, timeout_s: float
) -> VersionComparison:
    """Word-level differences between two versions of a document (CPU-bound: callers
    keep it off the event loop)."""
    document, _group = get_document(db, who, document_id)
    old = _resolve(db, document, old_ref, "from")
    new = _resolve(db, document, new_ref, "to")
    # Nothing was written: end the read before the slow part, so the connection (and
    # on SQLite the database lock taken at BEGIN) is not held while diffing.
    db.rollback()
    comparison = compare(old.text, new.text, timeout_s=timeout_s)
    return VersionComparison(document_id, old.ref, new.ref, comparison)


def comparison_read(result: VersionComparison) -> ComparisonRead:
    comparison = result.comparison
    return ComparisonRead(
        document_id=result.document_id,
        from_=result.old,
        to=result.new,
        changed=comparison.changed,
        coarse=comparison.coarse,
        counts=ComparisonCounts(
            inserted_words=comparison.inserted_words, deleted_words=comparison.deleted_words
        ),
        segments=[SegmentRead(kind=s.kind, text=s.text) for s in comparison.segments],
    )


def resolve_version(db: Session, document: DraftDocument, ref: str, parameter: str) -> Version:
    """The text of a version named ``rev:N``, ``r:K`` or ``current``."""
    return _resolve(db, document, ref, parameter)


def _resolve(db: Session, document: DraftDocument, ref: str, parameter: str) -> Version:
    match = _REF.fullmatch(ref.strip())
    if match is None:
        raise InvalidInput(
            f"{parameter}={ref!r}: name a version as rev:N, r:K or current",
            parameter=parameter,
        )
    if match["number"] is not None:
        return _named_version(db, document, int(match["number"]))
    if match["revision"] is not None:
        revision = int(match["revision"])
        ref_out = VersionRef(ref=f"r:{revision}", kind="revision", revision=revision)
        return Version(ref_out, _text_at(db, document, revision))
    current = VersionRef(ref="current", kind="current", revision=document.revision)
    return Version(current, document.text)


def _named_version(db: Session, document: DraftDocument, number: int) -> Version:
    named = _named(db, document, number)
    ref = VersionRef(
        ref=f"rev:{number}",
        kind="named",
        revision=named.revision,
        number=named.number,
        name=named.name,
    )
    return Version(ref, named.text)


def _text_at(db: Session, document: DraftDocument, revision: int) -> str:
    """The text at an edit-log revision: the nearest frozen text at or before it (a
    snapshot or a named revision), then the logged edits up to it."""
    if revision > document.revision:
        raise NotFound(f"{document.symbol} is at revision {document.revision}, not {revision}")
    if revision == document.revision:
        return document.text
    base = _base_before(db, document.id, revision)
    if base is None:
        raise NotFound(
            f"revision {revision} of {document.symbol} is not available: "
            "no snapshot or named revision was kept at or before it"
        )
    return _replay(db, document, base, revision)


def _base_before(db: Session, document_id: int, revision: int) -> tuple[int, str] | None:
    candidates = [
        db.execute(
            select(model.revision, model.text)
            .where(model.document_id == document_id, model.revision <= revision)
            .order_by(model.revision.desc())
            .limit(1)
        ).first()
        for model in (Snapshot, NamedRevision)
    ]
    found = [(row[0], row[1]) for row in candidates if row is not None]
    return max(found, key=lambda pair: pair[0], default=None)


def _replay(db: Session, document: DraftDocument, base: tuple[int, str], revision: int) -> str:
    start, text = base
    entries = entries_after(db, document.id, start, limit=revision - start)
    if [e.revision for e in entries] != list(range(start + 1, revision + 1)):
        raise NotFound(
            f"revision {revision} of {document.symbol} is not available: "
            "the edit log before it is incomplete"
        )
    for entry in entries:
        text = changes_from_json(len(text), entry.changes).apply(text)
    return text
