"""Exports of a draft: the agreed text, the compilation text (brackets with who proposed
what) and the revision-marked text, in every format of ``app.exports.render``.

Reading happens in one short transaction; laying out and rendering (PDF of a 100 KB
draft takes seconds) happen after it, off the database. Callers keep this off the
event loop.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.auth.principal import Principal
from app.brackets.models import Position, SponsorRole, Sponsorship, Stance
from app.conferences.models import Conference, RegionalGroup, WorkingGroup
from app.delegations.models import Delegation
from app.documents.models import DraftDocument, Snapshot
from app.documents.service import get_document
from app.editing.service import changes_from_json, entries_after
from app.engine.agreement import Remaining, remaining
from app.engine.compare import compare
from app.engine.layout import build_layout
from app.engine.layout_model import ExportMeta, Layout, Mark, View
from app.engine.live import LiveDocument
from app.engine.notation import ParseResult, parse
from app.errors import InvalidInput, NotAgreed
from app.exports.render import FORMAT_INFO, ExportFormat, render
from app.revisions.service import Version, resolve_version

DELETION_NOTE = "proposes deletion"
_LISTED = 200  # open items named in a refusal; the count is always complete
_SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")
_KINDS: dict[str, Mark | None] = {"equal": None, "insert": "ins", "delete": "del"}


@dataclass(frozen=True, slots=True)
class ExportOptions:
    view: View = "agreed"
    format: ExportFormat = "txt"
    version: str = "current"  # rev:N, r:K or current
    against: str | None = None  # revision view: base, rev:N, r:K (default: base, else r:0)
    force: bool = False  # an agreed view even while brackets remain


@dataclass(frozen=True, slots=True)
class Exported:
    filename: str
    media_type: str
    content: bytes
    open_brackets: int


@dataclass(frozen=True, slots=True)
class ExportSource:
    """A text and what is known about it (bracket ids by ``(open, close)``, notes by
    bracket id, the text to mark revisions against): rendering needs no database."""

    meta: ExportMeta
    text: str
    ids: dict[tuple[int, int], str]
    notes: dict[str, str]
    against: str | None


Renderer = Callable[[Layout, ExportFormat], bytes]


def export_document(
    db: Session,
    who: Principal,
    document_id: int,
    options: ExportOptions,
    diff_timeout_s: float,
    renderer: Renderer = render,
) -> Exported:
    """Refuses (NotAgreed, with every open item's place) an agreed view of a text that
    still has brackets, unless ``options.force``."""
    document, group = get_document(db, who, document_id)
    source = _read(db, document, group, options)
    db.rollback()  # nothing written: end the read before the slow part
    return export_source(source, options, diff_timeout_s, renderer)


def export_text(
    text: str, meta: ExportMeta, options: ExportOptions, diff_timeout_s: float
) -> Exported:
    """Export a text that is not stored (the command line's files)."""
    return export_source(ExportSource(meta, text, {}, {}, None), options, diff_timeout_s)


def export_source(
    source: ExportSource,
    options: ExportOptions,
    diff_timeout_s: float,
    renderer: Renderer = render,
) -> Exported:
    result = parse(source.text)
    left = remaining(source.text, result=result, ids=source.ids)
    if options.view == "agreed" and not left.agreed and not options.force:
        raise _not_agreed(source.meta, left)
    layout = _layout(source, options, result, left, diff_timeout_s)
    info = FORMAT_INFO[options.format]
    return Exported(
        filename=_filename(source.meta, options, info.extension),
        media_type=info.media_type,
        content=renderer(layout, options.format),
        open_brackets=left.open_count,
    )


def _layout(
    source: ExportSource,
    options: ExportOptions,
    result: ParseResult,
    left: Remaining,
    diff_timeout_s: float,
) -> Layout:
    text, meta = source.text, source.meta
    if options.view == "revision":
        if source.against is None:
            raise InvalidInput("a revision-marked export needs a version to compare with")
        comparison = compare(source.against, text, timeout_s=diff_timeout_s)
        segments = [(s.text, _KINDS[s.kind]) for s in comparison.segments]
        return build_layout(text, meta, "revision", segments=segments)
    if options.view == "agreed":
        meta = replace(meta, open_brackets=left.open_count)
        return build_layout(text, meta, "agreed", bracket_ids=source.ids, parsed=result)
    return build_layout(
        text, meta, "compilation", bracket_ids=source.ids, notes=source.notes, parsed=result
    )


def _not_agreed(meta: ExportMeta, left: Remaining) -> NotAgreed:
    items = [
        {
            "kind": item.kind,
            "line": item.line,
            "column": item.column,
            "excerpt": item.excerpt,
            **({"bracket_id": item.bracket_id} if item.bracket_id else {}),
        }
        for item in left.items[:_LISTED]
    ]
    return NotAgreed(
        f"{meta.symbol} is not agreed: {len(left.items)} open places remain "
        f"({left.brackets} brackets); resolve them or ask to export anyway",
        open=items,
        open_count=len(left.items),
        brackets=left.brackets,
    )


def agreement(db: Session, who: Principal, document_id: int) -> tuple[int, Remaining]:
    """The current revision and what remains open in it, with server bracket ids."""
    document, _group = get_document(db, who, document_id)
    ids = _bracket_ids(db, document.id, document.revision, document.text)
    return document.revision, remaining(document.text, ids=ids)


# -- reading -----------------------------------------------------------------------


def _read(
    db: Session, document: DraftDocument, group: WorkingGroup, options: ExportOptions
) -> ExportSource:
    version = resolve_version(db, document, options.version, "version")
    ids = _bracket_ids(db, document.id, version.ref.revision, version.text)
    notes = _attributions(db, set(ids.values())) if options.view == "compilation" else {}
    against = None
    if options.view == "revision":
        against, against_label = _against(db, document, options.against)
    else:
        against_label = ""
    conference = db.get_one(Conference, group.conference_id)
    meta = ExportMeta(
        symbol=document.symbol,
        title=document.title,
        kind=document.kind.value,
        conference=conference.name,
        working_group=f"{group.code} {group.name}".strip(),
        version=_version_label(version),
        date=document.updated_at.date().isoformat(),
        compared_with=against_label,
    )
    return ExportSource(meta, version.text, ids, notes, against)


def _version_label(version: Version) -> str:
    ref = version.ref
    if ref.kind == "named" and ref.name:
        return ref.name
    return f"revision {ref.revision}"


def _against(db: Session, document: DraftDocument, ref: str | None) -> tuple[str, str]:
    if ref in (None, "base") and document.base_text is not None:
        return document.base_text, document.base_label or "the base text"
    if ref == "base":
        raise InvalidInput(
            f"{document.symbol} has no base text; compare with rev:N or r:K", parameter="against"
        )
    version = resolve_version(db, document, ref or "r:0", "against")
    return version.text, _version_label(version)


def _bracket_ids(
    db: Session, document_id: int, revision: int, text: str
) -> dict[tuple[int, int], str]:
    """Server bracket ids at a revision: the latest snapshot at or before it, carried
    through the logged edits. Brackets typed since have no id yet: they get none."""
    snapshot = db.scalars(
        select(Snapshot)
        .where(Snapshot.document_id == document_id, Snapshot.revision <= revision)
        .order_by(Snapshot.revision.desc())
        .limit(1)
    ).first()
    if snapshot is None:
        return {}
    table = [(str(i), int(o), int(c)) for i, o, c in snapshot.brackets]
    live = LiveDocument(snapshot.text, snapshot.revision, known_ids=table)
    for entry in entries_after(
        db, document_id, snapshot.revision, limit=revision - snapshot.revision
    ):
        live.apply_committed(entry.revision, changes_from_json(len(live.text), entry.changes))
    if live.text != text:
        return {}  # the log is incomplete before this revision: no ids rather than wrong ones
    live.refresh_brackets()
    known = {i for i, _o, _c in table}
    return {(o, c): i for i, o, c in live.bracket_table() if i in known}


def _attributions(db: Session, bracket_ids: set[str]) -> dict[str, str]:
    """Who proposed each wording, and who proposed deleting it, as one note a bracket."""
    if not bracket_ids:
        return {}
    rows = db.execute(
        select(
            Sponsorship.bracket_id, Sponsorship.role, Delegation.country_code, RegionalGroup.code
        )
        .join(Delegation, Delegation.id == Sponsorship.delegation_id)
        .outerjoin(RegionalGroup, RegionalGroup.id == Sponsorship.regional_group_id)
        .where(Sponsorship.bracket_id.in_(bracket_ids), Sponsorship.withdrawn_at.is_(None))
        .order_by(Sponsorship.id)
    ).all()
    proposers: dict[str, dict[str | None, list[str]]] = {}
    cosponsors: dict[str, list[str]] = {}
    for bracket_id, role, code, region in rows:
        if role == SponsorRole.proposer:
            by_region = proposers.setdefault(bracket_id, {})
            by_region.setdefault(region, []).append(code)
        else:
            cosponsors.setdefault(bracket_id, []).append(code)
    deletions = _deletions(db, bracket_ids)
    notes: dict[str, str] = {}
    for bracket_id in bracket_ids:
        note = attribution_note(
            proposers.get(bracket_id, {}),
            cosponsors.get(bracket_id, []),
            deletions.get(bracket_id, []),
        )
        if note:
            notes[bracket_id] = note
    return notes


def attribution_note(
    proposers: dict[str | None, list[str]], cosponsors: list[str], deleted_by: list[str]
) -> str:
    """ "Proposed by EGY; KEN, NGA (ATU common proposal); co-sponsored by BRA; deletion
    proposed by CAN." ``proposers`` maps a regional group (None: none) to its codes."""
    parts = []
    if proposers:
        who = [
            ", ".join(codes) + (f" ({region} common proposal)" if region else "")
            for region, codes in proposers.items()
        ]
        parts.append(f"Proposed by {'; '.join(who)}")
    if cosponsors:
        parts.append(f"co-sponsored by {', '.join(cosponsors)}")
    if deleted_by:
        parts.append(f"deletion proposed by {', '.join(deleted_by)}")
    if not parts:
        return ""
    text = "; ".join(parts)
    return text[0].upper() + text[1:] + "."


def _deletions(db: Session, bracket_ids: set[str]) -> dict[str, list[str]]:
    """Delegations whose current position on a wording is a proposal to delete it."""
    rows = db.execute(
        select(Position.bracket_id, Delegation.country_code, Position.stance, Position.note)
        .join(Delegation, Delegation.id == Position.delegation_id)
        .where(Position.bracket_id.in_(bracket_ids))
        .order_by(Position.id)
    ).all()
    latest = {(b, code): (stance, note) for b, code, stance, note in rows}
    found: dict[str, list[str]] = {}
    for (bracket_id, code), (stance, note) in latest.items():
        if stance == Stance.oppose and note == DELETION_NOTE:
            found.setdefault(bracket_id, []).append(code)
    return found


def _filename(meta: ExportMeta, options: ExportOptions, extension: str) -> str:
    stem = _SAFE_NAME.sub("_", f"{meta.symbol}-{options.view}").strip("_") or "document"
    return f"{stem}.{extension}"
