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
from survey.files import private_dir, write_private

CONFIG_NAME = "project.yaml"
DB_NAME = "responses.db"
INSTRUMENT_NAME = "instrument.yaml"  # the project's own copy of its instrument
LANGS = ("de", "en")
CODE = r"^[a-z][a-z0-9_-]{0,39}$"


DEFAULT_THRESHOLD = 5  # respondents a group needs before any figure of it is shown
LOGO_TYPES = {
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".svg": "image/svg+xml",
    ".webp": "image/webp",
}
LOGO_MAX_BYTES = 1_000_000
MIN_CONTRAST = 4.5  # WCAG AA for text: the colour fills buttons with white text
OPEN_LINK_RATE = 60  # starts per unit and hour through an open link


class ProjectError(UserError):
    """A project folder or config that cannot be used; the message names the file."""


class InstrumentRecord(BaseModel):
    """Which instrument the project's copy was when recorded: a changed copy is a new wave."""

    model_config = ConfigDict(extra="forbid")

    id: str
    version: str
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    file: str = INSTRUMENT_NAME


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
    # The project's look, shown on every page: logo file in the folder, colour, who sends
    # the survey, whom to ask, and when results are shared (thank-you page).
    logo: str | None = Field(None, pattern=r"^logo\.(png|jpe?g|svg|webp)$")
    colour: str | None = Field(None, pattern=r"^#[0-9a-fA-F]{6}$")
    sender: str | None = Field(None, min_length=1, max_length=200)
    contact: str | None = Field(None, min_length=1, max_length=200)
    results: dt.date | None = None
    admin_key_hash: str
    secret: str = Field(min_length=32)
    instrument: InstrumentRecord | None = None  # None: a project from before, the shipped one
    # Open links (/s/UNIT): off for the whole project, or off for some units (invitations
    # only there), and limited to this many starts per unit and hour (0: no limit).
    open_links: bool = True
    invitation_only_units: tuple[str, ...] = ()
    open_link_rate: int = Field(OPEN_LINK_RATE, ge=0)
    # Where respondents reach the survey (shown on the "saved" page and the admin page);
    # never taken from a request's Host header.
    base_url: str | None = Field(None, pattern=r"^https?://[^/\s]+(/[^\s]*)?$")
    folder: Path = Field(Path("."), exclude=True)

    @field_validator("business_units")
    @classmethod
    def _unit_codes(cls, units: dict[str, str]) -> dict[str, str]:
        bad = [code for code in units if not re.match(CODE, code)]
        if bad:
            raise ValueError(f"unit codes must be lower-case letters, digits, - or _: {bad}")
        return units

    @field_validator("invitation_only_units")
    @classmethod
    def _known_units(cls, units: tuple[str, ...], info) -> tuple[str, ...]:
        unknown = set(units) - set(info.data.get("business_units") or {})
        if unknown:
            raise ValueError(f"unknown units {sorted(unknown)}")
        return units

    @field_validator("languages")
    @classmethod
    def _languages(cls, langs: tuple[str, ...]) -> tuple[str, ...]:
        if not langs or set(langs) - set(LANGS):
            raise ValueError(f"languages must be a non-empty subset of {LANGS}")
        return langs

    @field_validator("colour")
    @classmethod
    def _readable(cls, colour: str | None) -> str | None:
        if colour is not None and contrast_on_white(colour) < MIN_CONTRAST:
            raise ValueError(
                f"{colour} has a contrast of {contrast_on_white(colour):.1f}:1 on white; "
                f"buttons and links need {MIN_CONTRAST}:1 (WCAG AA): choose a darker shade"
            )
        return colour

    @property
    def logo_path(self) -> Path | None:
        return self.folder / self.logo if self.logo else None

    @property
    def sqlite_url(self) -> str:
        return f"sqlite:///{(self.folder / DB_NAME).resolve()}"

    def is_open(self, today: dt.date | None = None) -> bool:
        """Whether answers are accepted today (opening and closing days included)."""
        today = today or dt.date.today()
        return (self.opens is None or today >= self.opens) and (
            self.closes is None or today <= self.closes
        )

    def open_link_allowed(self, unit: str) -> bool:
        return self.open_links and unit not in self.invitation_only_units

    def check_admin_key(self, key: str) -> bool:
        return verify_key(key, self.admin_key_hash)

    @property
    def instrument_path(self) -> Path | None:
        """The project's copy of its instrument (None: the shipped one)."""
        return self.folder / self.instrument.file if self.instrument else None

    def load_instrument(self):  # -> Instrument (survey.instrument imports nothing of ours)
        """The project's instrument, from its copy in the folder."""
        from survey.instrument import load_instrument

        return load_instrument(self.instrument_path)


def contrast_on_white(colour: str) -> float:
    """WCAG 2 contrast ratio of ``#rrggbb`` against white."""

    def channel(c: int) -> float:
        c = c / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    lum = 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)
    return 1.05 / (lum + 0.05)


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
    instrument: str | Path | None = None,
    logo: str | Path | None = None,
    colour: str | None = None,
    sender: str | None = None,
    contact: str | None = None,
    results: dt.date | None = None,
    open_links: bool = True,
    invitation_only_units: tuple[str, ...] = (),
    open_link_rate: int = OPEN_LINK_RATE,
    base_url: str | None = None,
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
    from survey.instrument import default_instrument_path, load_instrument

    folder = Path(folder)
    if (folder / CONFIG_NAME).exists():
        raise ProjectError(f"{folder / CONFIG_NAME} already exists; choose another folder")
    source = Path(instrument) if instrument is not None else default_instrument_path()
    ins = load_instrument(source)  # an invalid instrument fails before anything is written
    if languages == LANGS and ins.languages != LANGS:
        languages = ins.languages  # default: every language the instrument has
    lacking = [lang for lang in languages if lang not in ins.languages]
    if lacking:
        raise ProjectError(
            f"{source}: the instrument has no {', '.join(lacking)} texts "
            f"(its languages: {', '.join(ins.languages)}); choose --languages among them"
        )
    logo_source = Path(logo) if logo else None
    if logo_source is not None:
        if logo_source.suffix.lower() not in LOGO_TYPES or not logo_source.is_file():
            raise ProjectError(
                f"{logo_source}: the logo must be an existing {', '.join(LOGO_TYPES)} file"
            )
        if logo_source.stat().st_size > LOGO_MAX_BYTES:
            raise ProjectError(f"{logo_source}: the logo is larger than 1 MB")
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
            logo=f"logo{logo_source.suffix.lower()}" if logo_source else None,
            colour=colour,
            sender=sender,
            contact=contact,
            results=results,
            admin_key_hash=hash_key(key),
            secret=secrets.token_hex(32),
            instrument=InstrumentRecord(id=ins.id, version=ins.version, sha256=ins.content_hash),
            open_links=open_links,
            invitation_only_units=invitation_only_units,
            open_link_rate=open_link_rate,
            base_url=base_url,
            folder=folder,
        )
    except ValidationError as err:
        raise ProjectError(_explain(folder / CONFIG_NAME, err)) from None
    if project.opens and project.closes and project.closes < project.opens:
        raise ProjectError("the closing date lies before the opening date")
    private_dir(folder)
    (folder / INSTRUMENT_NAME).write_bytes(source.read_bytes())
    if logo_source is not None:
        project.logo_path.write_bytes(logo_source.read_bytes())
    save_project(project)
    return project, key


def check_instrument_unchanged(project: Project, responses: int) -> object:
    """The project's instrument, refused when its copy changed after the first response.

    Answers collected with one instrument cannot be mixed with answers to an edited one
    (items renamed, options reordered): an edit means a new wave in a new project. Before
    the first response the edit is simply recorded.
    """
    ins = project.load_instrument()
    record = project.instrument
    if record is None or ins.content_hash == record.sha256:
        return ins
    if responses:
        raise ProjectError(
            f"{project.instrument_path} changed after the project's first response "
            f"(recorded: {record.id} {record.version}, sha256 {record.sha256[:12]}; now: "
            f"{ins.id} {ins.version}, sha256 {ins.content_hash[:12]}). Answers to two "
            "instruments cannot be mixed: restore the recorded file, or start a new wave "
            f"with `alignmeter init NEW_FOLDER --instrument {project.instrument_path} ...` "
            "and compare the waves with `alignmeter run --previous`."
        )
    project.instrument = InstrumentRecord(
        id=ins.id, version=ins.version, sha256=ins.content_hash, file=record.file
    )
    save_project(project)
    return ins
def new_admin_key(project: Project) -> tuple[Project, str]:
    """A new admin key for ``project`` (saved hashed; the old key stops working and the
    caller ends its admin sessions); returns the updated project and the key."""
    key = secrets.token_urlsafe(24)
    updated = project.model_copy(update={"admin_key_hash": hash_key(key)})
    save_project(updated)
    return updated, key


def save_project(project: Project) -> Path:
    path = project.folder / CONFIG_NAME
    data = project.model_dump(mode="json")
    header = (
        "# alignmeter diagnostic. Edit company, units, languages, threshold and dates freely;\n"
        "# admin_key_hash and secret are generated: keep this file private.\n"
    )
    write_private(path, header + yaml.safe_dump(data, sort_keys=False, allow_unicode=True))
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
