"""A diagnostic's project folder: ``project.yaml`` (who is surveyed, when, how) and its data.

``alignmeter init NAME`` writes the folder. The admin key is generated once, shown once and
kept only as a salted scrypt hash; the secret that signs form tokens is kept in the file.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
import secrets
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from survey.errors import UserError

CONFIG_NAME = "project.yaml"
DB_NAME = "responses.db"
LANGS = ("de", "en")
CODE = r"^[a-z][a-z0-9_-]{0,39}$"


DEFAULT_THRESHOLD = 5  # respondents a group needs before any figure of it is shown


class ProjectError(UserError):
    """A project folder or config that cannot be used; the message names the file."""


class Project(BaseModel):
    """The validated contents of ``project.yaml``."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=CODE)
    company: str = Field(min_length=1, max_length=200)
    business_units: dict[str, str] = Field(min_length=1)  # code -> display name
    departments: tuple[str, ...] = ("marketing", "sales")
    languages: tuple[str, ...] = LANGS
    anonymity_threshold: int = Field(DEFAULT_THRESHOLD, ge=2)
    opens: dt.date | None = None
    closes: dt.date | None = None
    admin_key_hash: str
    secret: str = Field(min_length=32)
    folder: Path = Field(Path("."), exclude=True)

    @field_validator("business_units")
    @classmethod
    def _unit_codes(cls, units: dict[str, str]) -> dict[str, str]:
        bad = [code for code in units if not re.match(CODE, code)]
        if bad:
            raise ValueError(f"unit codes must be lower-case letters, digits, - or _: {bad}")
        return units

    @field_validator("languages")
    @classmethod
    def _languages(cls, langs: tuple[str, ...]) -> tuple[str, ...]:
        if not langs or set(langs) - set(LANGS):
            raise ValueError(f"languages must be a non-empty subset of {LANGS}")
        return langs

    @property
    def sqlite_url(self) -> str:
        return f"sqlite:///{(self.folder / DB_NAME).resolve()}"

    def is_open(self, today: dt.date | None = None) -> bool:
        """Whether answers are accepted today (opening and closing days included)."""
        today = today or dt.date.today()
        return (self.opens is None or today >= self.opens) and (
            self.closes is None or today <= self.closes
        )

    def check_admin_key(self, key: str) -> bool:
        return verify_key(key, self.admin_key_hash)


def hash_key(key: str) -> str:
    """Salted scrypt hash, ``scrypt$salt$digest`` in hex."""
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(key.encode(), salt=salt, n=2**14, r=8, p=1)
    return f"scrypt${salt.hex()}${digest.hex()}"


def verify_key(key: str, stored: str) -> bool:
    try:
        scheme, salt, digest = stored.split("$")
    except ValueError:
        return False
    if scheme != "scrypt":
        return False
    actual = hashlib.scrypt(key.encode(), salt=bytes.fromhex(salt), n=2**14, r=8, p=1)
    return hmac.compare_digest(actual.hex(), digest)


def init_project(
    folder: str | Path,
    *,
    company: str,
    business_units: dict[str, str],
    languages: tuple[str, ...] = LANGS,
    anonymity_threshold: int = DEFAULT_THRESHOLD,
    opens: dt.date | None = None,
    closes: dt.date | None = None,
) -> tuple[Project, str]:
    """Create a project folder; returns the project and the admin key (shown only once).

    Examples
    --------
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp()) / "acme"
    >>> project, key = init_project(folder, company="ACME", business_units={"north": "North"})
    >>> project.check_admin_key(key), project.anonymity_threshold
    (True, 5)
    """
    folder = Path(folder)
    if (folder / CONFIG_NAME).exists():
        raise ProjectError(f"{folder / CONFIG_NAME} already exists; choose another folder")
    key = secrets.token_urlsafe(24)
    slug = re.sub(r"[^a-z0-9_-]+", "-", folder.name.lower()).strip("-_") or "diagnostic"
    try:
        project = Project(
            id=slug[:40] if slug[0].isalpha() else f"d-{slug}"[:40],
            company=company,
            business_units=business_units,
            languages=languages,
            anonymity_threshold=anonymity_threshold,
            opens=opens,
            closes=closes,
            admin_key_hash=hash_key(key),
            secret=secrets.token_hex(32),
            folder=folder,
        )
    except ValidationError as err:
        raise ProjectError(_explain(folder / CONFIG_NAME, err)) from None
    if project.opens and project.closes and project.closes < project.opens:
        raise ProjectError("the closing date lies before the opening date")
    folder.mkdir(parents=True, exist_ok=True)
    save_project(project)
    return project, key


def save_project(project: Project) -> Path:
    path = project.folder / CONFIG_NAME
    data = project.model_dump(mode="json")
    header = (
        "# alignmeter diagnostic. Edit company, units, languages, threshold and dates freely;\n"
        "# admin_key_hash and secret are generated: keep this file private.\n"
    )
    path.write_text(header + yaml.safe_dump(data, sort_keys=False, allow_unicode=True))
    return path


def load_project(folder: str | Path) -> Project:
    """Read and validate ``project.yaml`` in ``folder``."""
    folder = Path(folder)
    path = folder / CONFIG_NAME
    if not path.is_file():
        raise ProjectError(f"{path} not found; create a project with `alignmeter init NAME`")
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as err:
        raise ProjectError(f"{path}: not valid YAML: {err}") from None
    if not isinstance(raw, dict):
        raise ProjectError(f"{path}: expected a mapping of settings")
    try:
        return Project(**raw, folder=folder)
    except ValidationError as err:
        raise ProjectError(_explain(path, err)) from None


def _explain(path: Path, err: ValidationError) -> str:
    lines = [f"{path}: invalid settings"]
    for e in err.errors():
        where = ".".join(str(p) for p in e["loc"]) or "(file)"
        lines.append(f"  {where}: {e['msg']}")
    return "\n".join(lines)
