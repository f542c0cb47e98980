"""Where the web survey keeps answers: SQLite (default, WAL) or PostgreSQL, via SQLAlchemy.

Unlinkability by design (the threat model is ``docs/privacy.md``):

- the questionnaire in progress lives in the respondent's browser, sealed (authenticated
  encryption, ``survey.web.sealed``): the server writes nothing while it is filled in, so
  no record ties a redeemed invitation to a questionnaire in progress;
- redeeming an invitation rewrites the state of *every* invitation of the project with
  fresh random bits (one of them says "used"), in one transaction that touches nothing
  else: on PostgreSQL all of them share its ``xmin``, every row's WAL record looks alike,
  and the table is vacuumed afterwards so no dead version shows which one flipped;
- a finished questionnaire goes to a pool (``pending``) under a random key; when the pool
  holds ``pool_size`` answers they move to ``responses`` together, in random order (one
  ``xmin``, shuffled ``ctid``; SQLite tables without rowid), so neither table keeps the
  completion order; only the day is stored and the duration rounded to the minute;
- "save and continue later" stores the state under the hash of a resume code, written when
  the respondent asks for it and deleted when they finish; saved states expire;
- SQLite checkpoints and truncates its write-ahead log right after every redemption (and
  every release of the pool, and at shutdown), overwrites deleted rows
  (``secure_delete``), and its files are created 0600: no copy of the files, taken at any
  moment, shows what was written after a redemption;
- no IP address, user agent or cookie value is stored anywhere; failed statements never
  carry their parameters into a message or a log (``hide_parameters``).

Every write runs in one transaction (``BEGIN IMMEDIATE`` on SQLite, a transaction-level
advisory lock per project on PostgreSQL, which unlike a row lock writes nothing to the
WAL), so a resent form or a double click cannot create a duplicate, and a server killed
mid-write leaves every acknowledged write in place.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import hashlib
import json
import logging
import secrets
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext, suppress
from pathlib import Path
from typing import Literal

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

# 3: sealed client-held state; invitation state bits; response pool; admin sessions.
SCHEMA_VERSION = 3
RESUME_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base32: no I, L, O, U
# An invitation's state: 62 random bits, one of them (in the middle, so that PostgreSQL's
# prefix/suffix compression of WAL records stops at random bytes before reaching it)
# says "used".
USED_BIT = 1 << 32
RANDOM_MASK = ((1 << 62) - 1) & ~USED_BIT
POOL_SIZE = 10  # finished answers that leave the pool together, shuffled
SAVED_DAYS = 30  # a saved questionnaire is kept this long after its last save

log = logging.getLogger("alignmeter.store")
metadata = sa.MetaData()
NO_ROWID = {"sqlite_with_rowid": False}  # SQLite's rowid would be the insertion order
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
    # random bits, rewritten for every row at every redemption; USED_BIT says used
    sa.Column("state", sa.BigInteger, nullable=False),
    **NO_ROWID,
)
saved = sa.Table(  # questionnaires saved for later, by the hash of their resume code
    "saved_states",
    metadata,
    sa.Column("project", sa.String(40), primary_key=True),
    sa.Column("code_hash", sa.String(64), primary_key=True),
    sa.Column("state", sa.Text, nullable=False),
    sa.Column("department", sa.String(40)),
    sa.Column("business_unit", sa.String(40)),
    sa.Column("saved_on", sa.Date, nullable=False),
    **NO_ROWID,
)
finished = sa.Table(  # hashes of finished questionnaires' ids: a resent "finish" is a no-op
    "finished_states",
    metadata,
    sa.Column("project", sa.String(40), primary_key=True),
    sa.Column("id_hash", sa.String(64), primary_key=True),
    **NO_ROWID,
)
admin_sessions = sa.Table(
    "admin_sessions",
    metadata,
    sa.Column("project", sa.String(40), primary_key=True),
    sa.Column("id_hash", sa.String(64), primary_key=True),
    sa.Column("key_fp", sa.String(64), nullable=False),  # which admin key signed in
    sa.Column("expires", sa.Float, nullable=False),
    **NO_ROWID,
)


def _response_table(name: str) -> sa.Table:
    return sa.Table(
        name,
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
        **NO_ROWID,
    )


pending = _response_table("pending_responses")
responses = _response_table("responses")
RESPONSE_COLUMNS = [c.name for c in responses.columns]

FINISHED_BY_ID = sa.select(finished.c.id_hash).where(
    (finished.c.project == sa.bindparam("p")) & (finished.c.id_hash == sa.bindparam("h"))
)


class StoreError(OSError):
    """The database cannot be used (wrong schema version, read-only, unreachable)."""


FinishResult = Literal["finished", "already"]


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


def _sqlite_file(url: str) -> Path | None:
    name = sa.engine.make_url(url).database
    return None if name in (None, "", ":memory:") else Path(name)


def _engine_for(url: str) -> Engine:
    if not url.startswith(("sqlite:", "postgresql:", "postgres:", "postgresql+psycopg:")):
        raise ValueError("alignmeter stores answers in SQLite or PostgreSQL only")
    if url.startswith(("postgresql://", "postgres://")):
        url = "postgresql+psycopg://" + url.split("://", 1)[1]
    # hide_parameters: a failed statement's message (and so any log) never shows answers
    # or token hashes.
    if url.startswith("sqlite"):
        path = _sqlite_file(url)
        if path is not None and not path.exists() and path.parent.is_dir():
            from survey.files import touch_private

            touch_private(path)  # 0600 before SQLite creates it; -wal/-shm inherit the mode
        pool = {} if path is None else {"pool_size": 20, "max_overflow": 20}
        engine = sa.create_engine(
            url,
            connect_args={"timeout": 30, "check_same_thread": False},
            hide_parameters=True,
            **pool,
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
    return sa.create_engine(
        url, pool_size=20, max_overflow=20, pool_pre_ping=True, hide_parameters=True
    )


def _random_state(dialect: str) -> sa.ColumnElement:
    """Fresh random bits without the used bit, computed by the database for every row.
    PostgreSQL's random() is a double (52 random bits): two calls of 31 bits each."""
    if dialect == "sqlite":
        return sa.literal_column(f"(random() & {RANDOM_MASK})")
    return sa.literal_column(
        "(((floor(random() * 2147483648)::bigint << 31) | floor(random() * 2147483648)::bigint)"
        f" & {RANDOM_MASK})"
    )


class Store:
    """Answers of one project (``project`` keys every row, so one PostgreSQL database can
    hold many diagnostics).

    Examples
    --------
    >>> store = Store("sqlite://", "acme")
    >>> (token,) = store.add_tokens("sales", "north", 1)
    >>> store.redeem_token(token), store.redeem_token(token)
    (True, False)
    >>> state = {"id": "a" * 32, "department": "sales", "business_unit": "north",
    ...          "language": "en", "answers": {"INF_TIMELY": 5}, "context": {},
    ...          "started": time.time()}
    >>> store.finish(state, instrument_version="1.0")
    'finished'
    >>> store.finish(state, instrument_version="1.0")
    'already'
    >>> len(store.response_rows())
    1
    """

    def __init__(
        self, url: str, project: str, *, schema: str | None = None, pool_size: int = POOL_SIZE
    ) -> None:
        self.url = url
        self.project = project
        self.pool_size = pool_size
        self.engine = engine_for(url)
        self.dialect = self.engine.dialect.name
        if schema:
            self.engine = self.engine.execution_options(schema_translate_map={None: schema})
        self.schema = schema
        # SQLite has one writer at a time. Threads that wait for its lock inside SQLite
        # sleep in growing steps (up to 100 ms); queueing them on a Python lock first
        # hands the database over at once. Other processes still meet busy_timeout.
        self._write_lock = threading.Lock() if self.dialect == "sqlite" else nullcontext()
        # Several server processes (--workers) on one SQLite file: a write and the log
        # truncation after it must not let another process's write slip in between.
        self._lock_file = None
        path = _sqlite_file(url) if self.dialect == "sqlite" else None
        if path is not None and path.parent.is_dir():
            from survey.files import open_private

            with suppress(OSError):
                with open_private(path.with_name(path.name + "-lock"), "a"):
                    pass
                self._lock_file = open(path.with_name(path.name + "-lock"), "rb")  # noqa: SIM115
        self.create()

    @staticmethod
    def projects_in(url: str) -> list[str]:
        """The diagnostics (project ids) a database holds answers or invitations for."""
        engine = engine_for(url)
        try:
            with engine.connect() as conn:
                if not sa.inspect(conn).has_table("responses"):
                    return []
                found = conn.execute(
                    sa.union(
                        sa.select(responses.c.project),
                        sa.select(pending.c.project),
                        sa.select(tokens.c.project),
                    )
                )
                return sorted(r[0] for r in found)
        except (sa.exc.DatabaseError, sa.exc.InterfaceError) as err:
            raise StoreError(f"cannot open the database {url}: {_reason(err)}") from None
        finally:
            engine.dispose()

    # --- schema ---------------------------------------------------------------------------
    def create(self) -> None:
        """Create the tables if needed, check the schema version and that we can write."""
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
                        f"{self.safe_url}: database schema version {found}, this alignmeter "
                        f"expects {SCHEMA_VERSION}. Version {found} kept questionnaires in "
                        "progress on the server, which this version no longer does: finish "
                        "or export that diagnostic with the alignmeter that created it, and "
                        "start the next one in a new database"
                    )
                else:  # a write (a no-op) proves now, not at the first answer, that we can
                    conn.execute(
                        meta_table.update()
                        .where(meta_table.c.key == "schema_version")
                        .values(value=meta_table.c.value)
                    )
        except (sa.exc.DatabaseError, sa.exc.InterfaceError) as err:
            reason = _reason(err)
            if "readonly" in reason.replace("-", "").replace(" ", "").lower():
                raise StoreError(
                    f"the database {self.safe_url} is read-only ({reason}); answers could not "
                    "be stored. Make the file and its folder writable by this user"
                ) from None
            raise StoreError(f"cannot open the database {self.safe_url}: {reason}") from None
        self._checkpoint()

    @property
    def safe_url(self) -> str:
        return sa.engine.make_url(self.engine.url).render_as_string(hide_password=True)

    @contextmanager
    def _tx(self, *, truncate: bool = False) -> Iterator[Connection]:
        """One write transaction. ``truncate``: on SQLite, checkpoint and truncate the log
        right after the commit, before any other write can follow it."""
        with self._write_lock, self._across_processes():
            with self.engine.begin() as conn:
                if self.dialect == "postgresql":
                    # serialises this project's writes without a row lock (row locks are
                    # WAL-logged and would show which invitation was touched)
                    conn.execute(
                        sa.select(sa.func.pg_advisory_xact_lock(sa.func.hashtext(self.project)))
                    )
                conn.info["truncate"] = truncate
                yield conn
                truncate = conn.info["truncate"]
            if truncate:
                self._checkpoint()

    @contextmanager
    def _across_processes(self) -> Iterator[None]:
        if self._lock_file is None:
            yield
            return
        fcntl.flock(self._lock_file, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(self._lock_file, fcntl.LOCK_UN)

    def _checkpoint(self) -> None:
        """SQLite: copy the log into the database and truncate it.

        Done after every redemption (and every release of the pool, and at shutdown), while
        the write lock is still held: the log never holds a redemption together with
        anything written after it, so no copy of the files shows what followed a
        redemption. What may precede one in the log (other people's finished answers, or
        saves) cannot be the redeemer's. Truncating after every write would cost two syncs
        per answer (about 20 ms on a busy disk)."""
        if self.dialect != "sqlite":
            return
        with self.engine.connect().execution_options(read_only=True) as conn:
            for _ in range(5):  # busy (1) while a reader still uses the log: wait, again
                busy = conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)").first()[0]
                if not busy:
                    return
                time.sleep(0.05)
        log.warning("the SQLite log could not be truncated (readers kept it busy)")

    def _vacuum(self, table: sa.Table) -> None:
        """PostgreSQL: drop the dead row versions a rewrite left (they would show the old
        values and the transaction that replaced them)."""
        if self.dialect != "postgresql":
            return
        name = f'"{self.schema}".{table.name}' if self.schema else table.name
        with self.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql(f"VACUUM {name}")

    @contextmanager
    def _read(self) -> Iterator[Connection]:
        with self.engine.connect() as conn:
            yield conn.execution_options(read_only=True)

    def dispose(self) -> None:
        # a read-only or vanished file: nothing to truncate
        with suppress(sa.exc.DatabaseError), self._write_lock, self._across_processes():
            self._checkpoint()
        self.engine.dispose()
        if self._lock_file is not None:
            self._lock_file.close()
            self._lock_file = None

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
                "state": secrets.randbits(62) & RANDOM_MASK,
            }
            for t in new
        ]
        with self._tx() as conn:
            conn.execute(tokens.insert(), rows)
        return new

    def redeem_token(self, token: str) -> bool:
        """Mark a token used; False if it is unknown or was used before.

        Every invitation of the project gets new random state bits in the same statement,
        so the rows, their transaction ids and their log records look alike whichever one
        was redeemed.
        """
        h = digest(token)
        with self._tx(truncate=True) as conn:
            state = conn.execute(
                sa.select(tokens.c.state).where(
                    tokens.c.project == self.project, tokens.c.token_hash == h
                )
            ).scalar()
            if state is None or state & USED_BIT:
                return False
            conn.execute(
                tokens.update()
                .where(tokens.c.project == self.project)
                .values(
                    state=_random_state(self.dialect).op("|")(
                        sa.case(
                            (tokens.c.token_hash == h, USED_BIT),
                            else_=tokens.c.state.op("&")(USED_BIT),
                        )
                    )
                )
            )
        self._vacuum(tokens)
        return True

    def token(self, token: str) -> tuple[str, str, bool] | None:
        """(department, unit, used) of a token, or None if unknown."""
        with self._read() as conn:
            row = conn.execute(
                sa.select(tokens.c.department, tokens.c.business_unit, tokens.c.state).where(
                    tokens.c.project == self.project, tokens.c.token_hash == digest(token)
                )
            ).first()
        return None if row is None else (row[0], row[1], bool(row[2] & USED_BIT))

    # --- questionnaires in progress (held by the browser; saved here only on request) -----
    def save_state(self, code: str, state: dict) -> None:
        """Keep a questionnaire under its resume code (replacing an earlier save) and drop
        saves older than ``SAVED_DAYS``."""
        today = dt.datetime.now(dt.UTC).date()
        key = {"project": self.project, "code_hash": digest(code)}
        row = key | {
            "state": _pack(state),
            "department": state.get("department"),
            "business_unit": state.get("business_unit"),
            "saved_on": today,
        }
        with self._tx() as conn:
            conn.execute(
                saved.delete().where(
                    saved.c.project == self.project,
                    (saved.c.code_hash == key["code_hash"])
                    | (saved.c.saved_on < today - dt.timedelta(days=SAVED_DAYS)),
                )
            )
            conn.execute(saved.insert().values(row))

    def saved_state(self, code: str) -> dict | None:
        """The questionnaire saved under ``code``, or None (unknown, finished, expired)."""
        oldest = dt.datetime.now(dt.UTC).date() - dt.timedelta(days=SAVED_DAYS)
        with self._read() as conn:
            found = conn.execute(
                sa.select(saved.c.state).where(
                    saved.c.project == self.project,
                    saved.c.code_hash == digest(code),
                    saved.c.saved_on >= oldest,
                )
            ).scalar()
        return None if found is None else _unpack(found)

    def is_finished(self, state_id: str) -> bool:
        with self._read() as conn:
            found = conn.execute(FINISHED_BY_ID, {"p": self.project, "h": digest(state_id)})
            return found.first() is not None

    def finish(self, state: dict, *, instrument_version: str) -> FinishResult:
        """Turn a questionnaire into an anonymous response, exactly once (by its id)."""
        id_hash = digest(state["id"])
        with self._tx() as conn:
            if conn.execute(FINISHED_BY_ID, {"p": self.project, "h": id_hash}).first():
                return "already"
            conn.execute(finished.insert().values(project=self.project, id_hash=id_hash))
            if state.get("code"):
                conn.execute(
                    saved.delete().where(
                        saved.c.project == self.project,
                        saved.c.code_hash == digest(state["code"]),
                    )
                )
            ctx = state.get("context") or {}
            conn.execute(
                pending.insert().values(
                    project=self.project,
                    respondent_id=uuid.uuid4().hex,
                    submitted_on=dt.datetime.now(dt.UTC).date(),
                    department=state["department"],
                    business_unit=state["business_unit"],
                    role=ctx.get("role"),
                    tenure=ctx.get("tenure"),
                    language=state["language"],
                    # rounded to the minute: a precise duration is a fingerprint
                    duration_s=int(round((time.time() - state["started"]) / 60) * 60),
                    instrument_version=instrument_version,
                    answers=json.dumps(state.get("answers") or {}),
                )
            )
            flushed = self._release_pool(conn, self.pool_size)
            conn.info["truncate"] = bool(flushed)
        if flushed:
            self._vacuum(pending)
        return "finished"

    def release_pool(self) -> int:
        """Move every pooled response to ``responses`` now (shuffled); returns how many."""
        with self._tx(truncate=True) as conn:
            moved = self._release_pool(conn, 1)
        if moved:
            self._vacuum(pending)
        return moved

    def _release_pool(self, conn: Connection, at_least: int) -> int:
        rows = (
            conn.execute(sa.select(pending).where(pending.c.project == self.project))
            .mappings()
            .all()
        )
        if len(rows) < at_least:
            return 0
        shuffled = [dict(r) for r in rows]
        secrets.SystemRandom().shuffle(shuffled)
        conn.execute(pending.delete().where(pending.c.project == self.project))
        conn.execute(responses.insert(), shuffled)
        return len(shuffled)

    # --- admin sessions -------------------------------------------------------------------
    def new_admin_session(self, key_fp: str, hours: float) -> str:
        """A random admin session id (the cookie); only its hash is stored."""
        sid = secrets.token_urlsafe(32)
        now = time.time()
        with self._tx() as conn:
            conn.execute(
                admin_sessions.delete().where(
                    admin_sessions.c.project == self.project, admin_sessions.c.expires < now
                )
            )
            conn.execute(
                admin_sessions.insert().values(
                    project=self.project,
                    id_hash=digest(sid),
                    key_fp=key_fp,
                    expires=now + hours * 3600,
                )
            )
        return sid

    def admin_session_valid(self, sid: str, key_fp: str) -> bool:
        if not 20 <= len(sid) <= 100:
            return False
        with self._read() as conn:
            expires = conn.execute(
                sa.select(admin_sessions.c.expires).where(
                    admin_sessions.c.project == self.project,
                    admin_sessions.c.id_hash == digest(sid),
                    admin_sessions.c.key_fp == key_fp,
                )
            ).scalar()
        return expires is not None and expires > time.time()

    def end_admin_sessions(self, sid: str | None = None) -> None:
        """End one admin session (logout) or, without ``sid``, all of them (new key)."""
        where = admin_sessions.c.project == self.project
        if sid is not None:
            where = where & (admin_sessions.c.id_hash == digest(sid))
        with self._tx() as conn:
            conn.execute(admin_sessions.delete().where(where))

    # --- reading --------------------------------------------------------------------------
    def response_rows(self) -> list[dict]:
        """Finished responses (pooled ones too), answers decoded, in random (id) order."""
        with self._read() as conn:
            found = []
            for table in (responses, pending):
                found += conn.execute(
                    sa.select(table).where(table.c.project == self.project)
                ).mappings()
        rows = [dict(r) | {"answers": json.loads(r["answers"])} for r in found]
        return sorted(rows, key=lambda r: r["respondent_id"])

    def partial_rows(self) -> list[dict]:
        """Questionnaires saved for later with a department and a unit, answers decoded."""
        oldest = dt.datetime.now(dt.UTC).date() - dt.timedelta(days=SAVED_DAYS)
        with self._read() as conn:
            rows = conn.execute(
                sa.select(saved.c.state).where(
                    saved.c.project == self.project,
                    saved.c.department.is_not(None),
                    saved.c.business_unit.is_not(None),
                    saved.c.saved_on >= oldest,
                )
            ).scalars()
            states = [_unpack(r) for r in rows]
        return [
            {
                "department": s["department"],
                "business_unit": s["business_unit"],
                "language": s["language"],
                "answers": s.get("answers") or {},
                **{k: v for k, v in (s.get("context") or {}).items() if k in ("role", "tenure")},
            }
            for s in states
        ]

    def counts(self) -> list[dict]:
        """Per department and unit: invited, in progress (saved for later) and complete."""
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

        def grouped(conn, table) -> list:
            return conn.execute(
                sa.select(table.c.department, table.c.business_unit, sa.func.count())
                .where(table.c.project == self.project)
                .group_by(table.c.department, table.c.business_unit)
            ).all()

        with self._read() as conn:
            for d, u, n in grouped(conn, tokens):
                cell(d, u)["invited"] = n
            for d, u, n in grouped(conn, saved):
                cell(d, u)["in_progress"] += n
            for table in (responses, pending):
                for d, u, n in grouped(conn, table):
                    cell(d, u)["complete"] += n
        return sorted(out.values(), key=lambda r: (r["department"], r["business_unit"]))


def _pack(state: dict) -> str:
    return json.dumps(state, separators=(",", ":"), sort_keys=True)


def _unpack(text: str) -> dict:
    return json.loads(text)


def _reason(err: sa.exc.DBAPIError | sa.exc.InterfaceError) -> str:
    """The driver's message without the statement (and so without any value)."""
    orig = getattr(err, "orig", None)
    return str(orig).splitlines()[0] if orig is not None else type(err).__name__
