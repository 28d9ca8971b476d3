"""Database tables, in SQLAlchemy 2 typed style."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint, select
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, object_session, relationship

from .column_types import NumericArray
from .extensions import db
from .ids import API_KEY_DISPLAY_LENGTH, new_result_id, new_submission_id

# Python None is SQL NULL in these columns, not the JSON value null.
NULLABLE_JSON = JSON(none_as_null=True)

TIERS = ("free", "premium")
SCOPES = (
    "imports:write",
    "submissions:read",
    "submissions:write",
    "results:read",
    "results:write",
    "code-uploads:read",
    "code-uploads:write",
    "webhooks:read",
    "webhooks:write",
)


def utcnow() -> datetime:
    """Timezone-aware now; a callable so every row gets its own time."""
    return datetime.now(timezone.utc)


def as_utc(moment: datetime | None) -> datetime | None:
    """SQLite hands back naive datetimes; everything we store is UTC."""
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=timezone.utc)


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    tier: Mapped[str] = mapped_column(String(16), default="free")
    is_active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    api_keys: Mapped[list[ApiKey]] = relationship(back_populates="user")

    def get_id(self) -> str:
        """The session's user id, bound to the password: changing it signs out other sessions."""
        return f"{self.id}:{self.password_hash[-16:]}"


class ApiKey(db.Model):
    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100), default="")
    prefix: Mapped[str] = mapped_column(String(API_KEY_DISPLAY_LENGTH), index=True)
    secret_hash: Mapped[str] = mapped_column(String(64), unique=True)
    scopes: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
    last_used_at: Mapped[datetime | None]
    last_used_ip: Mapped[str | None] = mapped_column(String(45))

    user: Mapped[User] = relationship(back_populates="api_keys")

    def is_usable(self, now: datetime) -> bool:
        """Revoked, expired and inactive-owner keys all fail the same way."""
        expires_at = as_utc(self.expires_at)
        return (
            self.revoked_at is None
            and (expires_at is None or expires_at > now)
            and self.user.is_active
        )


class Submission(db.Model):
    __tablename__ = "submissions"
    __table_args__ = (Index("ix_submissions_user_created", "user_id", "created_at", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(12), unique=True, default=new_submission_id)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    source: Mapped[str] = mapped_column(String(16))  # import | web | api
    # The latest run's status, kept here so that lists need no query per row.
    status: Mapped[str] = mapped_column(String(16), default="succeeded", server_default="succeeded")
    ga_parameters: Mapped[dict[str, Any]] = mapped_column(JSON)
    code: Mapped[dict[str, str]] = mapped_column(JSON)
    origin: Mapped[dict[str, Any] | None] = mapped_column(NULLABLE_JSON)
    parent_result_id: Mapped[int | None] = mapped_column(
        ForeignKey("results.id", ondelete="SET NULL", use_alter=True, name="fk_submissions_parent_result")
    )
    current_result_id: Mapped[int | None] = mapped_column(
        ForeignKey("results.id", ondelete="SET NULL", use_alter=True, name="fk_submissions_current_result")
    )
    version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    user: Mapped[User] = relationship()
    versions: Mapped[list[SubmissionVersion]] = relationship(
        back_populates="submission", order_by="SubmissionVersion.number", cascade="all, delete-orphan"
    )
    current_result: Mapped[Result | None] = relationship(foreign_keys=[current_result_id], post_update=True)
    parent_result: Mapped[Result | None] = relationship(foreign_keys=[parent_result_id], post_update=True)
    results: Mapped[list[Result]] = relationship(
        back_populates="submission", foreign_keys="Result.submission_id", order_by="Result.id",
        cascade="all, delete-orphan", passive_deletes=True,
    )

    runs: Mapped[list[Run]] = relationship(back_populates="submission", order_by="Run.id",
                                           cascade="all, delete-orphan", passive_deletes=True,
                                           foreign_keys="Run.submission_id")

    @property
    def submission_type(self) -> str:
        """import, continue (from a result), new (from scratch through the API), or web/api."""
        first = self.runs[0] if self.runs else None
        if first is not None and first.mode in ("continue", "new"):
            return first.mode
        return self.source

    @property
    def latest_run(self) -> Run | None:
        return self.runs[-1] if self.runs else None


class Result(db.Model):
    __tablename__ = "results"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(10), unique=True, default=new_result_id)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # imported | verified (re-run) | continued
    name: Mapped[str] = mapped_column(String(200), default="")
    is_shared: Mapped[bool] = mapped_column(default=False)
    best_solution: Mapped[list[float]] = mapped_column(JSON)
    # A number, or a list of numbers for multi-objective runs.
    best_solution_fitness: Mapped[Any] = mapped_column(JSON)
    # The (first objective's) best fitness as a number the database can filter and sort on.
    fitness_value: Mapped[float | None] = mapped_column(index=True)
    # The large arrays are loaded only where they are shown (deferred).
    # Stored as .npy where they are plain numeric arrays (see column_types.py).
    best_solutions_fitness: Mapped[list[Any]] = mapped_column(NumericArray, deferred=True)
    # The generation of each history value, where it is not simply its index (a continued
    # sampled history); None otherwise.
    history_generations: Mapped[list[float] | None] = mapped_column(NULLABLE_JSON, deferred=True)
    # At most HISTORY_PREVIEW_POINTS values of the history, for lists and sparklines.
    history_preview: Mapped[list[float]] = mapped_column(JSON, default=list)
    generations_completed: Mapped[int]
    best_solution_generation: Mapped[int]
    best_solution_idx: Mapped[int | None]
    gene_type_single: Mapped[bool | None]
    population: Mapped[list[list[float]] | None] = mapped_column(NumericArray, deferred=True)
    last_generation_fitness: Mapped[list[Any] | None] = mapped_column(NULLABLE_JSON, deferred=True)
    stopped_reason: Mapped[str | None] = mapped_column(String(200))
    continued_from_id: Mapped[int | None] = mapped_column(ForeignKey("results.id", ondelete="SET NULL"))
    superseded_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    submission: Mapped[Submission] = relationship(back_populates="results", foreign_keys=[submission_id])
    continued_from: Mapped[Result | None] = relationship(remote_side=[id], foreign_keys=[continued_from_id])

    @property
    def imported(self) -> bool:
        return self.kind == "imported"

    @property
    def run_of(self) -> Run | None:
        """The server run that produced this result (None for an import)."""
        return object_session(self).scalar(select(Run).where(Run.result_id == self.id)) if self.id else None

    @property
    def badges(self) -> list[str]:
        return [self.kind]


RUN_STATUSES = ("queued", "running", "succeeded", "failed", "cancelled")
ACTIVE_STATUSES = ("queued", "running")


class Run(db.Model):
    """One execution on the server; the database, not Redis, is the truth about it."""

    __tablename__ = "runs"
    __table_args__ = (Index("ix_runs_status_heartbeat", "status", "heartbeat_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(12), unique=True, default=new_submission_id)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id", ondelete="CASCADE"), index=True)
    mode: Mapped[str] = mapped_column(String(16))  # continue | rerun
    status: Mapped[str] = mapped_column(String(16), default="queued")
    version: Mapped[int]  # the submission version it runs
    num_generations: Mapped[int]
    starting_note: Mapped[str] = mapped_column(Text, default="")
    rq_job_id: Mapped[str | None] = mapped_column(String(64))
    progress_generation: Mapped[int] = mapped_column(default=0)
    progress_history: Mapped[list[Any]] = mapped_column(JSON, default=list)
    error_message: Mapped[str | None] = mapped_column(Text)
    error_traceback: Mapped[str | None] = mapped_column(Text)
    output: Mapped[str] = mapped_column(Text, default="")
    sandbox_layers: Mapped[list[str]] = mapped_column(JSON, default=list)
    cpu_seconds: Mapped[float | None]
    peak_memory_kb: Mapped[int | None]
    reproduced: Mapped[bool | None]
    result_id: Mapped[int | None] = mapped_column(ForeignKey("results.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    heartbeat_at: Mapped[datetime | None]

    submission: Mapped[Submission] = relationship(back_populates="runs", foreign_keys=[submission_id])
    result: Mapped[Result | None] = relationship(foreign_keys=[result_id])

    @property
    def active(self) -> bool:
        return self.status in ACTIVE_STATUSES


class SubmissionVersion(db.Model):
    """The code and parameters of a submission as they were; a save adds one, never rewrites one."""

    __tablename__ = "submission_versions"
    __table_args__ = (UniqueConstraint("submission_id", "number", name="uq_submission_version_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id", ondelete="CASCADE"))
    number: Mapped[int]
    ga_parameters: Mapped[dict[str, Any]] = mapped_column(JSON)
    code: Mapped[dict[str, str]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    submission: Mapped[Submission] = relationship(back_populates="versions")


class DeviceAuthorization(db.Model):
    """An RFC 8628 device login: the device polls with its code while a signed-in user decides."""

    __tablename__ = "device_authorizations"

    id: Mapped[int] = mapped_column(primary_key=True)
    device_code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_code: Mapped[str] = mapped_column(String(16), unique=True)
    status: Mapped[str] = mapped_column(String(16), default="pending")  # pending|approved|denied|used
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    api_key_id: Mapped[int | None] = mapped_column(ForeignKey("api_keys.id", ondelete="SET NULL"))
    client_name: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    last_polled_at: Mapped[datetime | None]

    user: Mapped[User | None] = relationship()


class AuditEvent(db.Model):
    """What happened to an account's keys: created, revoked, used (from where)."""

    __tablename__ = "audit_events"
    __table_args__ = (Index("ix_audit_events_user_created", "user_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    action: Mapped[str] = mapped_column(String(32))  # key.created | key.revoked | key.used
    key_prefix: Mapped[str | None] = mapped_column(String(API_KEY_DISPLAY_LENGTH))
    ip: Mapped[str | None] = mapped_column(String(45))
    detail: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class IdempotencyRecord(db.Model):
    """The first answer to a create, replayed for the same key and body."""

    __tablename__ = "idempotency_records"
    __table_args__ = (UniqueConstraint("user_id", "key", name="uq_idempotency_user_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(255))
    fingerprint: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int]
    response_body: Mapped[dict[str, Any]] = mapped_column(JSON)
    response_location: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
