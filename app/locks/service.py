"""Agreed ad referendum: the chair locks paragraphs against everyone else's edits."""

from __future__ import annotations

from sqlalchemy import select

from app.audit.service import record
from app.brackets.common import current_range, require_chair
from app.db.base import utcnow
from app.editing.pipeline import CommandContext
from app.errors import Conflict, InvalidInput, NotFound
from app.locks.models import ParagraphLock
from app.locks.schemas import LockCreate, LockRead


def lock(ctx: CommandContext, data: LockCreate) -> LockRead:
    require_chair(ctx)
    start, end = _paragraphs(
        ctx.live.text, *current_range(ctx, data.revision, data.start, data.end)
    )
    if start == end:
        raise InvalidInput("there is no text to lock there")
    if any(s < end and start < e for s, e in ctx.live.locks.values()):
        raise Conflict("part of this text is locked already")
    row = ParagraphLock(
        document_id=ctx.scope.document_id,
        start=start,
        end=end,
        as_of_revision=ctx.live.revision,
        locked_revision=ctx.live.revision,
        text=ctx.live.text[start:end],
        locked_by_user_id=ctx.principal.user_id,
    )
    ctx.db.add(row)
    ctx.db.flush()
    ctx.live.lock(row.id, start, end)
    record(
        ctx.db,
        ctx.principal,
        "paragraph.lock",
        "lock",
        str(row.id),
        ctx.scope.document_id,
        {"text": row.text},
    )
    return read(ctx, row)


def unlock(ctx: CommandContext, lock_id: int) -> LockRead:
    require_chair(ctx)
    row = ctx.db.get(ParagraphLock, lock_id)
    if row is None or row.document_id != ctx.scope.document_id or row.released_at:
        raise NotFound(f"no active lock {lock_id} on this document")
    row.released_at = utcnow()
    row.released_by_user_id = ctx.principal.user_id
    ctx.live.unlock(lock_id)
    ctx.db.flush()
    record(ctx.db, ctx.principal, "paragraph.unlock", "lock", str(row.id), ctx.scope.document_id)
    return read(ctx, row, released=True)


def active(ctx: CommandContext) -> list[LockRead]:
    rows = ctx.db.scalars(
        select(ParagraphLock)
        .where(
            ParagraphLock.document_id == ctx.scope.document_id, ParagraphLock.released_at.is_(None)
        )
        .order_by(ParagraphLock.id)
    ).all()
    return [read(ctx, row) for row in rows if row.id in ctx.live.locks]


def read(ctx: CommandContext, row: ParagraphLock, *, released: bool = False) -> LockRead:
    text_length = len(ctx.live.text)
    start, end = ctx.live.locks.get(
        row.id, (min(row.start, text_length), min(row.end, text_length))
    )
    index = ctx.live.index
    return LockRead(
        id=row.id,
        start=index.to_utf16(start),
        end=index.to_utf16(end),
        text=ctx.live.text[start:end],
        revision=ctx.live.revision,
        locked_revision=row.locked_revision,
        locked_by=row.locked_by_user_id,
        created_at=row.created_at,
        released=released,
    )


def _paragraphs(text: str, start: int, end: int) -> tuple[int, int]:
    """Widen a range to whole paragraphs (lines), without their line breaks."""
    first = text.rfind("\n", 0, start) + 1
    last = text.find("\n", max(end - 1, start))
    return first, len(text) if last == -1 else last
