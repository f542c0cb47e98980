"""Where the web survey keeps answers: SQLite (default, WAL) or PostgreSQL, via SQLAlchemy.

Anonymity by design:

- an invitation token is stored only as a hash with a used flag, no time of use; it is
  marked used when the questionnaire starts, in a transaction of its own, and the session
  keeps no trace of it (on PostgreSQL rows written in one transaction share its id);
- answers in progress live in ``sessions``, found by the hash of the respondent's resume
  code; finishing deletes that row and writes the ``responses`` row in one transaction, so
  nothing (no key, no token, no time finer than the day) ties a response to a token or a
  session: what remains is the order in which things happened;
- SQLite overwrites deleted rows (``secure_delete``) and truncates its write-ahead log
  after each checkpoint, so finished sessions do not linger in the files;
- no IP address, user agent or cookie value is stored anywhere.

Every write runs in one transaction (``BEGIN IMMEDIATE`` on SQLite, row locks on
PostgreSQL), so a resent form or a double click cannot create a duplicate, and a server
killed mid-write leaves every acknowledged write in place.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import secrets
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from typing import Literal

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

SCHEMA_VERSION = 2  # 2: sessions keep no token hash
RESUME_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base32: no I, L, O, U

metadata = sa.MetaData()
meta_table = sa.Table(
    "alignmeter_meta",
    metadata,
    sa.Column("key", sa.String(40), primary_key=True),
    sa.Column("value", sa.String(200), nullable=False),
)
tokens = sa.Table(
    "invitation_tokens",
    metadata,
    sa.Column("project", sa.String(40), primary_key=True),
    sa.Column("token_hash", sa.String(64), primary_key=True),
    sa.Column("department", sa.String(40), nullable=False),
    sa.Column("business_unit", sa.String(40), nullable=False),
    sa.Column("used", sa.Boolean, nullable=False, default=False),
)
sessions = sa.Table(
    "sessions",
    metadata,
    sa.Column("project", sa.String(40), primary_key=True),
    sa.Column("code_hash", sa.String(64), primary_key=True),
    sa.Column("language", sa.String(2), nullable=False),
    sa.Column("department", sa.String(40)),
    sa.Column("business_unit", sa.String(40)),
    sa.Column("fixed", sa.String(40), nullable=False, default=""),  # "department,unit" preset
    sa.Column("context", sa.Text, nullable=False, default="{}"),
    sa.Column("answers", sa.Text, nullable=False, default="{}"),
    sa.Column("reached", sa.Integer, nullable=False, default=0),  # furthest page saved
    sa.Column("started", sa.Float, nullable=False),  # for the duration, deleted at the end
)
finished = sa.Table(  # resume-code hashes of finished sessions: a resent "finish" is a no-op
    "finished_sessions",
    metadata,
    sa.Column("project", sa.String(40), primary_key=True),
    sa.Column("code_hash", sa.String(64), primary_key=True),
)
responses = sa.Table(
    "responses",
    metadata,
    sa.Column("project", sa.String(40), primary_key=True),
    sa.Column("respondent_id", sa.String(32), primary_key=True),
    sa.Column("submitted_on", sa.Date, nullable=False),
    sa.Column("department", sa.String(40), nullable=False),
    sa.Column("business_unit", sa.String(40), nullable=False),
    sa.Column("role", sa.String(40)),
    sa.Column("tenure", sa.String(40)),
    sa.Column("language", sa.String(2), nullable=False),
    sa.Column("duration_s", sa.Integer),
    sa.Column("instrument_version", sa.String(20), nullable=False),
    sa.Column("answers", sa.Text, nullable=False),
)


# The hot paths of a page request, built once (SQLAlchemy then reuses the compiled form).
_by_code = (sessions.c.project == sa.bindparam("p")) & (sessions.c.code_hash == sa.bindparam("h"))
SESSION_BY_CODE = sa.select(sessions).where(_by_code)
SESSION_FOR_UPDATE = SESSION_BY_CODE.with_for_update()
SAVE_SESSION = (
    sessions.update()
    .where(_by_code)
    .values(
        {
            col: sa.bindparam(col)
            for col in ("answers", "context", "reached", "department", "business_unit", "language")
        }
    )
)
FINISHED_BY_CODE = sa.select(finished.c.code_hash).where(
    (finished.c.project == sa.bindparam("p")) & (finished.c.code_hash == sa.bindparam("h"))
)


class PageNotReached(ValueError):
    """Answers for a page the respondent cannot have seen yet."""


class StoreError(OSError):
    """The database cannot be used (wrong schema version, unreachable server)."""


@dataclass
class Session:
    """A questionnaire in progress."""

    code_hash: str
    language: str
    department: str | None
    business_unit: str | None
    fixed: tuple[str, ...]
    context: dict[str, str] = field(default_factory=dict)
    answers: dict[str, object] = field(default_factory=dict)
    reached: int = 0


FinishResult = Literal["finished", "already", "unknown"]


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def new_resume_code(bits: int | None = None) -> str:
    """80 bits (random unless given) as ``XXXX-XXXX-XXXX-XXXX`` (easy to copy down, no
    I/L/O/U)."""
    bits = secrets.randbits(80) if bits is None else bits
    chars = "".join(RESUME_ALPHABET[(bits >> (5 * i)) & 31] for i in range(16))
    return "-".join(chars[i : i + 4] for i in range(0, 16, 4))


def normalise_code(text: str) -> str:
    """A resume code as typed (any case, spaces, O for 0, I/L for 1) in canonical form."""
    raw = text.upper().translate(str.maketrans("OIL", "011", " -_"))
    return "-".join(raw[i : i + 4] for i in range(0, len(raw), 4))


def engine_for(url: str) -> Engine:
    """An engine for ``sqlite:///file`` or ``postgresql://...`` with the right settings."""
    try:
        return _engine_for(url)
    except (sa.exc.ArgumentError, sa.exc.NoSuchModuleError, ValueError, ImportError) as err:
        raise StoreError(
            f"cannot use the database URL {url!r}: {err}; "
            "use sqlite:///FILE or postgresql://user@host[:port]/database"
        ) from None


def _engine_for(url: str) -> Engine:
    if not url.startswith(("sqlite:", "postgresql:", "postgres:", "postgresql+psycopg:")):
        raise ValueError("alignmeter stores answers in SQLite or PostgreSQL only")
    if url.startswith(("postgresql://", "postgres://")):
        url = "postgresql+psycopg://" + url.split("://", 1)[1]
    if url.startswith("sqlite"):
        pool = (
            {}
            if url in ("sqlite://", "sqlite:///:memory:")
            else {"pool_size": 20, "max_overflow": 20}
        )
        engine = sa.create_engine(
            url, connect_args={"timeout": 30, "check_same_thread": False}, **pool
        )

        @sa.event.listens_for(engine, "connect")
        def _sqlite_setup(dbapi_conn, _record) -> None:
            dbapi_conn.isolation_level = None  # we issue BEGIN ourselves (below)
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            # NORMAL keeps every committed write through a process crash (SIGKILL); only a
            # power cut may lose the last commits, which FULL would cost a sync for.
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA secure_delete=ON")
            cur.execute("PRAGMA journal_size_limit=0")
            cur.close()

        @sa.event.listens_for(engine, "begin")
        def _sqlite_begin(conn) -> None:
            # Writes take the lock up front (IMMEDIATE): no deadlock when two readers upgrade.
            # A read is one SELECT, atomic by itself in autocommit mode: no BEGIN needed.
            if not conn.get_execution_options().get("read_only", False):
                conn.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    return sa.create_engine(url, pool_size=20, max_overflow=20, pool_pre_ping=True)


class Store:
    """Answers of one project (``project`` keys every row, so one PostgreSQL database can
    hold many diagnostics).

    Examples
    --------
    >>> store = Store("sqlite://", "acme")
    >>> code = store.start_session("en", department="sales", business_unit="north")
    >>> store.save_page(code, 1, answers={"INF_TIMELY": 5})
    True
    >>> store.finish(code, instrument_version="1.0", context={})
    'finished'
    >>> store.finish(code, instrument_version="1.0", context={})
    'already'
    >>> len(store.response_rows())
    1
    """

    def __init__(self, url: str, project: str, *, schema: str | None = None) -> None:
        self.url = url
        self.project = project
        self.engine = engine_for(url)
        if schema:
            self.engine = self.engine.execution_options(schema_translate_map={None: schema})
        self.schema = schema
        # SQLite has one writer at a time. Threads that wait for its lock inside SQLite
        # sleep in growing steps (up to 100 ms); queueing them on a Python lock first
        # hands the database over at once. Other processes still meet busy_timeout.
        self._write_lock = threading.Lock() if url.startswith("sqlite") else nullcontext()
        self.create()

    @staticmethod
    def projects_in(url: str) -> list[str]:
        """The diagnostics (project ids) a database holds answers or sessions for."""
        engine = engine_for(url)
        try:
            with engine.connect() as conn:
                if not sa.inspect(conn).has_table("responses"):
                    return []
                found = conn.execute(
                    sa.union(sa.select(responses.c.project), sa.select(sessions.c.project))
                )
                return sorted(r[0] for r in found)
        except (sa.exc.DatabaseError, sa.exc.InterfaceError) as err:
            raise StoreError(f"cannot open the database {url}: {err.orig}") from None
        finally:
            engine.dispose()

    # --- schema ---------------------------------------------------------------------------
    def create(self) -> None:
        """Create the tables if needed and check the schema version."""
        try:
            with self.engine.begin() as conn:
                metadata.create_all(conn)
                found = conn.execute(
                    sa.select(meta_table.c.value).where(meta_table.c.key == "schema_version")
                ).scalar()
                if found is None:
                    conn.execute(
                        meta_table.insert().values(key="schema_version", value=str(SCHEMA_VERSION))
                    )
                elif int(found) != SCHEMA_VERSION:
                    raise StoreError(
                        f"database schema version {found}, this alignmeter expects "
                        f"{SCHEMA_VERSION}; upgrade alignmeter or use another database"
                    )
        except (sa.exc.DatabaseError, sa.exc.InterfaceError) as err:
            raise StoreError(f"cannot open the database {self.safe_url}: {err.orig}") from None

    @property
    def safe_url(self) -> str:
        return sa.engine.make_url(self.engine.url).render_as_string(hide_password=True)

    @contextmanager
    def _tx(self) -> Iterator[Connection]:
        with self._write_lock, self.engine.begin() as conn:
            yield conn

    @contextmanager
    def _read(self) -> Iterator[Connection]:
        with self.engine.connect() as conn:
            yield conn.execution_options(read_only=True)

    def dispose(self) -> None:
        self.engine.dispose()

    # --- invitations ----------------------------------------------------------------------
    def add_tokens(self, department: str, business_unit: str, count: int) -> list[str]:
        """Create ``count`` single-use invitation tokens; only their hashes are stored."""
        new = [secrets.token_urlsafe(16) for _ in range(count)]
        rows = [
            {
                "project": self.project,
                "token_hash": digest(t),
                "department": department,
                "business_unit": business_unit,
                "used": False,
            }
            for t in new
        ]
        with self._tx() as conn:
            conn.execute(tokens.insert(), rows)
        return new

    def redeem_token(self, token: str) -> bool:
        """Mark a token used; False if it is unknown or was used before."""
        with self._tx() as conn:
            done = conn.execute(
                tokens.update()
                .where(
                    tokens.c.project == self.project,
                    tokens.c.token_hash == digest(token),
                    tokens.c.used.is_(False),
                )
                .values(used=True)
            )
        return done.rowcount == 1

    def token(self, token: str) -> tuple[str, str, bool] | None:
        """(department, unit, used) of a token, or None if unknown."""
        with self._read() as conn:
            row = conn.execute(
                sa.select(tokens.c.department, tokens.c.business_unit, tokens.c.used).where(
                    tokens.c.project == self.project, tokens.c.token_hash == digest(token)
                )
            ).first()
        return None if row is None else (row[0], row[1], bool(row[2]))

    # --- sessions -------------------------------------------------------------------------
    def start_session(
        self,
        language: str,
        *,
        department: str | None = None,
        business_unit: str | None = None,
        code: str | None = None,
    ) -> str:
        """Open a questionnaire; returns the resume code (the only key to it).

        With ``code`` given, starting twice with the same code opens one questionnaire (a
        double click on "start" sends the same code twice).
        """
        code = code or new_resume_code()
        fixed = [k for k, v in (("department", department), ("unit", business_unit)) if v]
        with self._tx() as conn:
            if conn.execute(SESSION_BY_CODE, self._key(code)).first() is not None:
                return code
            conn.execute(
                sessions.insert().values(
                    project=self.project,
                    code_hash=digest(code),
                    language=language,
                    department=department,
                    business_unit=business_unit,
                    fixed=",".join(fixed),
                    context="{}",
                    answers="{}",
                    reached=0,
                    started=time.time(),
                )
            )
        return code

    def session(self, code: str) -> Session | None:
        with self._read() as conn:
            row = conn.execute(SESSION_BY_CODE, self._key(code)).first()
        return None if row is None else _to_session(row)

    def is_finished(self, code: str) -> bool:
        with self._read() as conn:
            return conn.execute(FINISHED_BY_CODE, self._key(code)).first() is not None

    def _key(self, code: str) -> dict[str, str]:
        return {"p": self.project, "h": digest(code)}

    def save_page(
        self,
        code: str,
        page: int,
        *,
        answers: dict[str, object] | None = None,
        context: dict[str, str] | None = None,
        language: str | None = None,
        shown: int | None = None,
    ) -> bool:
        """Merge one page's answers into the session; False if the session is gone.

        An answer of None withdraws an earlier one. Saving the same page twice overwrites
        it: resent forms and back-and-forth are harmless. ``shown`` is the page the answers
        come from; a page beyond the furthest one reached raises :class:`PageNotReached`.
        """
        with self._tx() as conn:
            row = conn.execute(SESSION_FOR_UPDATE, self._key(code)).first()
            if row is None:
                return False
            if shown is not None and shown > row.reached:
                raise PageNotReached(f"page {shown} not reached (furthest: {row.reached})")
            merged = {
                k: v
                for k, v in (json.loads(row.answers) | (answers or {})).items()
                if v is not None
            }
            ctx = json.loads(row.context) | (context or {})
            conn.execute(
                SAVE_SESSION,
                self._key(code)
                | {
                    "answers": json.dumps(merged),
                    "context": json.dumps(ctx),
                    "reached": max(row.reached, page),
                    "department": ctx.get("department", row.department),
                    "business_unit": ctx.get("business_unit", row.business_unit),
                    "language": language or row.language,
                },
            )
        return True

    def finish(
        self, code: str, *, instrument_version: str, context: dict[str, str] | None = None
    ) -> FinishResult:
        """Turn a session into an anonymous response, exactly once."""
        code_hash = digest(code)
        with self._tx() as conn:
            row = conn.execute(SESSION_FOR_UPDATE, self._key(code)).first()
            if row is None:
                done = conn.execute(FINISHED_BY_CODE, self._key(code)).first()
                return "already" if done else "unknown"
            ctx = json.loads(row.context) | (context or {})
            conn.execute(
                sessions.delete().where(
                    sessions.c.project == self.project, sessions.c.code_hash == code_hash
                )
            )
            conn.execute(finished.insert().values(project=self.project, code_hash=code_hash))
            conn.execute(
                responses.insert().values(
                    project=self.project,
                    respondent_id=uuid.uuid4().hex,
                    submitted_on=dt.datetime.now(dt.UTC).date(),
                    department=row.department,
                    business_unit=row.business_unit,
                    role=ctx.get("role"),
                    tenure=ctx.get("tenure"),
                    language=row.language,
                    # rounded to the minute: a precise duration is a fingerprint
                    duration_s=int(round((time.time() - row.started) / 60) * 60),
                    instrument_version=instrument_version,
                    answers=row.answers,
                )
            )
        return "finished"

    # --- reading --------------------------------------------------------------------------
    def response_rows(self) -> list[dict]:
        """Finished responses, answers decoded, in random (respondent id) order."""
        with self._read() as conn:
            rows = conn.execute(
                sa.select(responses)
                .where(responses.c.project == self.project)
                .order_by(responses.c.respondent_id)
            ).mappings()
            return [dict(r) | {"answers": json.loads(r["answers"])} for r in rows]

    def partial_rows(self) -> list[dict]:
        """Questionnaires in progress with a department and a unit, answers decoded."""
        with self._read() as conn:
            rows = conn.execute(
                sa.select(sessions).where(
                    sessions.c.project == self.project,
                    sessions.c.department.is_not(None),
                    sessions.c.business_unit.is_not(None),
                )
            ).mappings()
            return [
                {
                    "department": r["department"],
                    "business_unit": r["business_unit"],
                    "language": r["language"],
                    "answers": json.loads(r["answers"]),
                    **{
                        k: v for k, v in json.loads(r["context"]).items() if k in ("role", "tenure")
                    },
                }
                for r in rows
            ]

    def counts(self) -> list[dict]:
        """Per department and unit: invited, started (in progress) and complete."""
        out: dict[tuple[str, str], dict] = {}

        def cell(dept: str | None, unit: str | None) -> dict:
            key = (dept or "?", unit or "?")
            return out.setdefault(
                key,
                {
                    "department": key[0],
                    "business_unit": key[1],
                    "invited": 0,
                    "in_progress": 0,
                    "complete": 0,
                },
            )

        with self._read() as conn:
            p = self.project
            for d, u, n in conn.execute(
                sa.select(tokens.c.department, tokens.c.business_unit, sa.func.count())
                .where(tokens.c.project == p)
                .group_by(tokens.c.department, tokens.c.business_unit)
            ):
                cell(d, u)["invited"] = n
            for d, u, n in conn.execute(
                sa.select(sessions.c.department, sessions.c.business_unit, sa.func.count())
                .where(sessions.c.project == p)
                .group_by(sessions.c.department, sessions.c.business_unit)
            ):
                cell(d, u)["in_progress"] += n
            for d, u, n in conn.execute(
                sa.select(responses.c.department, responses.c.business_unit, sa.func.count())
                .where(responses.c.project == p)
                .group_by(responses.c.department, responses.c.business_unit)
            ):
                cell(d, u)["complete"] = n
        return sorted(out.values(), key=lambda r: (r["department"], r["business_unit"]))


def _to_session(row) -> Session:
    return Session(
        code_hash=row.code_hash,
        language=row.language,
        department=row.department,
        business_unit=row.business_unit,
        fixed=tuple(f for f in row.fixed.split(",") if f),
        context=json.loads(row.context),
        answers=json.loads(row.answers),
        reached=row.reached,
    )
