"""The write path of one document: authorise, prepare, persist, then advance.

A :class:`DocumentWriter` owns the document's :class:`LiveDocument`. Its methods run in a
worker thread, one at a time (the room serialises them), and each is one unit of work:
nothing is acknowledged unless its transaction committed.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from sqlalchemy.orm import Session, sessionmaker

from app.auth.principal import Principal
from app.auth.service import principal_for_token, valid_tokens
from app.config import Settings
from app.db.session import transaction
from app.editing import service
from app.editing.service import NO_AUTHOR, Author, DocumentScope, EditRecord, StaleDocument
from app.engine.changes import ChangeSet
from app.engine.live import (
    Applied,
    BracketDelta,
    BracketView,
    EditRejected,
    LiveDocument,
    Prepared,
)
from app.errors import Conflict

log = logging.getLogger(__name__)

EditGuard = Callable[[Session, Principal, DocumentScope, LiveDocument, ChangeSet], None]
T = TypeVar("T")


class CommandContext:
    """What a workflow command sees inside the writer: the live document, its scope,
    and a way to edit the text as part of the command's transaction."""

    def __init__(self, writer: DocumentWriter, db: Session, principal: Principal) -> None:
        self._writer = writer
        self.db = db
        self.principal = principal
        self.records: list[EditRecord] = []
        self.committed: list[Committed] = []
        self.deltas: list[BracketDelta] = []

    @property
    def live(self) -> LiveDocument:
        return self._writer.live

    @property
    def scope(self) -> DocumentScope:
        return self._writer.scope

    def edit(self, changes: ChangeSet) -> Applied:
        """Change the text; committed with the command, broadcast after it."""
        who = self.principal
        applied = self.live.apply(
            Prepared(self.live.revision, changes, (), False), author=who.user_id
        )
        self.records.append(
            EditRecord(
                applied.revision,
                applied.revision - 1,
                who.user_id,
                who.delegation_id,
                None,
                changes,
                (),
            )
        )
        author = Author(who.user_id, who.display_name, who.delegation_id, who.delegation_code)
        self.committed.append(Committed(applied, author, None))
        return applied

    def brackets(
        self, preferred: dict[tuple[int, int], str] | None = None
    ) -> dict[str, BracketView]:
        """Current brackets by id (re-parsed and persisted first if the text moved)."""
        if self.live.brackets_stale:
            delta, _ = self._writer._refresh_in(self.db, preferred)
            self.deltas.append(delta)
        return {view.id: view for view in self.live.brackets()}


@dataclass(frozen=True, slots=True)
class CommandResult(Generic[T]):
    value: T
    committed: list[Committed]
    followed: list[Committed]
    deltas: list[BracketDelta]


@dataclass(frozen=True, slots=True)
class WriterLimits:
    max_document_chars: int
    max_nesting_depth: int
    history_window: int
    history_chars: int
    snapshot_every: int
    commit_attempts: int = 5
    shared: bool = False  # other processes write to the same database

    @classmethod
    def of(cls, settings: Settings, *, shared: bool) -> WriterLimits:
        return cls(
            max_document_chars=settings.max_document_chars,
            max_nesting_depth=settings.max_nesting_depth,
            history_window=settings.edit_history_window,
            history_chars=settings.edit_history_chars,
            snapshot_every=settings.snapshot_every_edits,
            shared=shared,
        )


@dataclass(frozen=True, slots=True)
class Submission:
    session: str
    token: str
    edit_id: str
    base: int
    changes: object
    # The connection's principal: its roles are kept current by account-change events;
    # the session and the account themselves are checked against the database per batch.
    principal: Principal | None = None


@dataclass(frozen=True, slots=True)
class Committed:
    """An edit now durable, with what clients need to show it."""

    applied: Applied
    author: Author
    edit_id: str | None


@dataclass(frozen=True, slots=True)
class Outcome:
    session: str
    edit_id: str
    revision: int | None = None
    duplicate: bool = False
    error: tuple[str, str] | None = None
    revoke: bool = False  # the connection lost its right to be here: close it


@dataclass(slots=True)
class BatchResult:
    outcomes: list[Outcome] = field(default_factory=list)
    committed: list[Committed] = field(default_factory=list)
    followed: list[Committed] = field(default_factory=list)  # other processes' edits


class DocumentWriter:
    def __init__(
        self,
        factory: sessionmaker[Session],
        document_id: int,
        limits: WriterLimits,
        guard: EditGuard | None = None,
    ) -> None:
        self._factory = factory
        self._document_id = document_id
        self._limits = limits
        self._guard = guard
        self._recent: dict[tuple[int, str], int] = {}
        self._last_snapshot = 0
        self.live: LiveDocument
        self.scope: DocumentScope

    # -- loading ---------------------------------------------------------------------

    def load(self) -> None:
        with transaction(self._factory) as db:
            self._load_in(db)

    def _load_in(self, db: Session) -> None:
        loaded = service.load_live(
            db,
            self._document_id,
            max_depth=self._limits.max_nesting_depth,
            history_limit=self._limits.history_window,
            history_chars=self._limits.history_chars,
        )
        self.live, self.scope = loaded.live, loaded.scope
        self._recent = loaded.recent_ids
        delta = self.live.refresh_brackets()
        if not service.has_snapshot(db, self._document_id):
            # First load: every bracket of the text gets its row and its id is kept.
            delta = BracketDelta(self.live.revision, self.live.brackets(), (), ())
        if not delta.is_empty or not service.has_snapshot(db, self._document_id):
            service.save_brackets(db, self._document_id, self.live, delta)
        self._last_snapshot = self.live.revision

    # -- edits -----------------------------------------------------------------------

    def submit(self, batch: Sequence[Submission]) -> BatchResult:
        """Commit a batch. When another process committed first, follow its edits
        (returned in ``followed``, to broadcast) and try again."""
        followed: list[Committed] = []
        for _attempt in range(self._limits.commit_attempts):
            start = self.live.revision
            try:
                result = self._submit(batch)
            except StaleDocument:
                self._rollback(start)
                followed.extend(self.follow())
                continue
            except Exception:
                log.exception("edit batch failed on document %s", self._document_id)
                self._rollback(start)
                raise
            result.followed = followed
            return result
        busy = ("internal", "the document is busy; send the edit again")
        outcomes = [Outcome(s.session, s.edit_id, error=busy) for s in batch]
        return BatchResult(outcomes=outcomes, followed=followed)

    def _rollback(self, revision: int) -> None:
        """Forget the in-memory edits of a batch that did not commit."""
        try:
            self.live.rollback(revision)
        except EditRejected:
            self.load()
            return
        self._recent = {k: r for k, r in self._recent.items() if r <= revision}

    def _submit(self, batch: Sequence[Submission]) -> BatchResult:
        result = BatchResult()
        start_revision = self.live.revision
        pending: list[tuple[EditRecord, Committed]] = []
        with transaction(self._factory) as db:
            principals = self._authorise(db, batch)
            for submission in batch:
                outcome, done = self._one(db, submission, principals.get(submission.session))
                result.outcomes.append(outcome)
                if done is not None:
                    pending.append(done)
            service.commit_edits(
                db,
                self._document_id,
                start_revision,
                [record for record, _ in pending],
                self.live.text,
            )
        for record, committed in pending:
            if record.user_id is not None and record.client_edit_id is not None:
                self._recent[(record.user_id, record.client_edit_id)] = record.revision
            result.committed.append(committed)
        self._trim_recent()
        return result

    def _authorise(self, db: Session, batch: Sequence[Submission]) -> dict[str, Principal]:
        allowed: dict[str, Principal] = {}
        submissions = {s.session: s for s in batch}.values()
        valid = valid_tokens(db, {s.token for s in submissions if s.principal is not None})
        for submission in submissions:
            principal = submission.principal if submission.token in valid else None
            if principal is None and submission.principal is None:
                principal = principal_for_token(db, submission.token)
            if principal is not None and principal.can_edit(
                self.scope.conference_id, self.scope.working_group_id
            ):
                allowed[submission.session] = principal
        return allowed

    def _one(
        self, db: Session, submission: Submission, principal: Principal | None
    ) -> tuple[Outcome, tuple[EditRecord, Committed] | None]:
        if principal is None:
            return Outcome(
                submission.session,
                submission.edit_id,
                revoke=True,
                error=("forbidden", "you may not edit this document"),
            ), None
        earlier = self._recent.get((principal.user_id, submission.edit_id))
        if earlier is not None:
            return Outcome(submission.session, submission.edit_id, earlier, duplicate=True), None
        try:
            prepared = self._prepare(db, principal, submission)
        except EditRejected as exc:
            # An edit too old to rebase may be a resend of one committed long ago.
            committed = (
                service.find_committed(db, self._document_id, principal.user_id, submission.edit_id)
                if exc.code == "base_too_old"
                else None
            )
            if committed is not None:
                return Outcome(
                    submission.session, submission.edit_id, committed, duplicate=True
                ), None
            return Outcome(
                submission.session, submission.edit_id, error=(exc.code, exc.message)
            ), None
        applied = self.live.apply(prepared, author=principal.user_id)
        self._recent[(principal.user_id, submission.edit_id)] = applied.revision
        record = EditRecord(
            applied.revision,
            submission.base,
            principal.user_id,
            principal.delegation_id,
            submission.edit_id,
            applied.changes,
            applied.conflicts,
        )
        author = Author(
            principal.user_id,
            principal.display_name,
            principal.delegation_id,
            principal.delegation_code,
        )
        return (
            Outcome(submission.session, submission.edit_id, applied.revision),
            (record, Committed(applied, author, submission.edit_id)),
        )

    def _prepare(self, db: Session, principal: Principal, submission: Submission) -> Prepared:
        prepared = self.live.prepare(submission.base, submission.changes, author=principal.user_id)
        changes = prepared.changes
        if changes.new_length > self._limits.max_document_chars:
            raise EditRejected(
                "document_too_large",
                f"documents are limited to {self._limits.max_document_chars} characters",
            )
        if _nesting(changes) > self._limits.max_nesting_depth:
            raise EditRejected(
                "nesting_too_deep", f"brackets nest at most {self._limits.max_nesting_depth} deep"
            )
        if refuses_locked(self.live, principal, self.scope, changes):
            raise EditRejected(
                "locked", "this paragraph is agreed ad referendum; only the chair may change it"
            )
        if self._guard is not None:
            self._guard(db, principal, self.scope, self.live, changes)
        return prepared

    def _trim_recent(self) -> None:
        window = self._limits.history_window
        if len(self._recent) > 2 * window:
            floor = self.live.revision - window
            self._recent = {k: r for k, r in self._recent.items() if r > floor}

    # -- workflow commands -------------------------------------------------------------

    def execute(
        self, principal: Principal, command: Callable[[CommandContext], T]
    ) -> CommandResult[T]:
        """Run a command (a proposal, a resolution, ...) as one unit of work, in order
        with the edits. Its text changes and its records commit together or not at all."""
        followed: list[Committed] = []
        for _attempt in range(self._limits.commit_attempts):
            start = self.live.revision
            try:
                with transaction(self._factory) as db:
                    if service.lock_document(db, self._document_id) != start:
                        raise StaleDocument("another process committed first")
                    context = CommandContext(self, db, principal)
                    value = command(context)
                    service.commit_edits(
                        db, self._document_id, start, context.records, self.live.text
                    )
                    context.brackets()  # new brackets get ids in the same transaction
            except StaleDocument:  # raised before the command touched anything
                followed.extend(self.follow())
                continue
            except BaseException:
                # The command may have re-parsed or edited in memory: start clean.
                self.load()
                raise
            return CommandResult(value, context.committed, followed, context.deltas)
        raise Conflict("the document is busy; try again")

    # -- following other processes ---------------------------------------------------

    def committed_ids(self, user_id: int, edit_ids: Sequence[str]) -> dict[str, int]:
        """Which of these edits of this user are committed, and at which revision."""
        found = {}
        for edit_id in edit_ids:
            revision = self._recent.get((user_id, edit_id))
            if revision is None:
                with transaction(self._factory) as db:
                    revision = service.find_committed(db, self._document_id, user_id, edit_id)
            if revision is not None:
                found[edit_id] = revision
        return found

    def remember(self, user_id: object, edit_id: object, revision: int) -> None:
        if isinstance(user_id, int) and isinstance(edit_id, str):
            self._recent[(user_id, edit_id)] = revision

    def follow(self) -> list[Committed]:
        """Apply edits other processes committed since our revision."""
        with transaction(self._factory) as db:
            return self._follow_in(db)

    def _follow_in(self, db: Session) -> list[Committed]:
        entries = service.entries_after(db, self._document_id, self.live.revision)
        authors = service.authors(db, {e.user_id for e in entries if e.user_id})
        committed = []
        for entry in entries:
            changes = service.changes_from_json(len(self.live.text), entry.changes)
            applied = self.live.apply_committed(entry.revision, changes, author=entry.user_id)
            self.remember(entry.user_id, entry.client_edit_id, entry.revision)
            author = authors.get(entry.user_id or -1, NO_AUTHOR)
            committed.append(Committed(applied, author, entry.client_edit_id))
        return committed

    # -- brackets --------------------------------------------------------------------

    def refresh_brackets(self) -> tuple[BracketDelta, list[Committed]]:
        """Re-parse and persist bracket ids; also the edits followed on the way."""
        if not self._limits.shared:
            # One process: nobody else mints ids, so only a change needs the database.
            delta = self.live.refresh_brackets()
            if delta.is_empty and not self._snapshot_due():
                return delta, []
            with transaction(self._factory) as db:
                service.save_brackets(db, self._document_id, self.live, delta)
            self._last_snapshot = self.live.revision
            return delta, []
        with transaction(self._factory) as db:
            return self._refresh_in(db)

    def _snapshot_due(self) -> bool:
        return self.live.revision - self._last_snapshot >= self._limits.snapshot_every

    def _refresh_in(
        self, db: Session, preferred: dict[tuple[int, int], str] | None = None
    ) -> tuple[BracketDelta, list[Committed]]:
        # Under the document lock, the latest snapshot is the authority on ids: if
        # another process saved one since ours, adopt its ids instead of minting new ones.
        current = service.lock_document(db, self._document_id)
        followed = self._follow_in(db) if current != self.live.revision else []
        latest = service.latest_snapshot_revision(db, self._document_id)
        if latest is not None and latest > self._last_snapshot:
            before = {view.id for view in self.live.brackets()}
            self._load_in(db)
            return self._difference(before), followed
        delta = self.live.refresh_brackets(preferred)
        if not delta.is_empty or self._snapshot_due():
            service.save_brackets(db, self._document_id, self.live, delta)
            self._last_snapshot = self.live.revision
        return delta, followed

    def _difference(self, before: set[str]) -> BracketDelta:
        views = self.live.brackets()
        return BracketDelta(
            self.live.revision,
            tuple(v for v in views if v.id not in before),
            tuple(sorted(before - {v.id for v in views})),
            (),
        )


def refuses_locked(
    live: LiveDocument, principal: Principal, scope: DocumentScope, changes: ChangeSet
) -> bool:
    """Would these changes alter a paragraph agreed ad referendum, by someone other
    than the group's chairs? (The one rule, for live edits and workflow commands.)"""
    return bool(live.locks_touched(changes)) and not principal.chairs(scope.working_group_id)


def _nesting(changes: ChangeSet) -> int:
    """Deepest bracket nesting inside any inserted text (a cheap bound per edit)."""
    deepest = 0
    for replace in changes.replaces:
        if "[" not in replace.text:
            continue
        depth = 0
        for ch in replace.text:
            if ch == "[":
                depth += 1
                deepest = max(deepest, depth)
            elif ch == "]":
                depth = max(0, depth - 1)
    return deepest


def apply_remote(writer: DocumentWriter, edits: Sequence[dict[str, object]]) -> bool:
    """Follow edits another process broadcast (wire form); False on any mismatch, in
    which case the caller follows from the database instead."""
    live = writer.live
    for edit in edits:
        revision = edit.get("revision")
        if not isinstance(revision, int) or revision <= live.revision:
            continue
        if revision != live.revision + 1:
            return False
        try:
            changes = ChangeSet.from_wire(live.index, edit.get("changes"))
        except ValueError:
            return False
        author = edit.get("author")
        user_id = author.get("id") if isinstance(author, dict) else None
        live.apply_committed(
            revision, changes, author=user_id if isinstance(user_id, int) else None
        )
        writer.remember(user_id, edit.get("id"), revision)
    return True
