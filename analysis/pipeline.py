"""The whole analysis in one place: responses -> validated table -> scores -> comparisons.

``run_analysis`` chains the stages top to bottom and returns every result table; the
notebooks, the brief and ``alignmeter run`` all start here.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from pathlib import Path

import pandas as pd

from analysis.agreement import icc
from analysis.anonymity import DEFAULT_THRESHOLD
from analysis.benchmarks import compare_benchmarks
from analysis.configurations import (
    cluster_units,
    configuration_map,
    nearest_prototype,
    relationship_stage,
)
from analysis.distributions import category_shares
from analysis.drivers import key_drivers
from analysis.gaps import mirror_gaps, perception_gaps
from analysis.profiles import profile_matrix, unit_profiles
from analysis.reliability import alpha, omega
from analysis.scoring import keyed_items, scale_summary, score_scales
from survey.errors import UserError
from survey.instrument import Instrument
from survey.schema import validate_responses

OMEGA_MIN_ITEMS = 6  # omega from two group factors wants three items per factor


class NoValidResponses(UserError):
    """Every row failed validation; ``quarantine`` says why."""

    def __init__(self, quarantine: pd.DataFrame) -> None:
        rows = quarantine["row"].nunique()
        super().__init__(f"no valid responses: all {rows} rows failed validation")
        self.quarantine = quarantine


@dataclass
class Results:
    """Every table of one diagnostic (tidy DataFrames, unrounded)."""

    responses: pd.DataFrame  # valid rows of the canonical wide table
    quarantine: pd.DataFrame
    scores: pd.DataFrame
    reliability: pd.DataFrame
    gaps: pd.DataFrame
    mirror: pd.DataFrame
    agreement: pd.DataFrame
    profiles: pd.DataFrame
    clusters: pd.DataFrame
    cluster_selection: pd.DataFrame
    prototypes: pd.DataFrame
    stage: pd.DataFrame
    benchmarks: pd.DataFrame
    scale_summary: pd.DataFrame
    shares: pd.DataFrame
    config_map: pd.DataFrame
    notes: pd.DataFrame  # what a table leaves out and why: table, subject, note
    threshold: int
    # what the instrument does not support (survey.instrument.Support), and so left out
    unsupported: list = field(default_factory=list)
    # key drivers of the grade and the cooperation index per department (analysis.drivers)
    drivers: pd.DataFrame = field(default_factory=pd.DataFrame)


# Roles whose answer distributions the charts and findings use (see the instrument's
# ``roles``); an instrument without one of them simply has no such distribution.
SHARE_ROLES = (
    "meeting_frequency",
    "lead_followup_time",
    "overall_grade",
    "lead_definition",
    "lead_sla",
    "lead_scoring",
    "linkage_facts",
)


def share_items(instrument: Instrument) -> list[str]:
    """Response columns of :data:`SHARE_ROLES` this instrument has, in that order."""
    codes = [c for role in SHARE_ROLES for c in instrument.role_items(role)]
    return [c for c in dict.fromkeys(codes) if c in instrument.column_map]


RELIABILITY_COLUMNS = [
    *("scale", "dimension", "alpha", "std_alpha", "g6", "avg_r", "ase", "ci_low", "ci_high"),
    *("n", "n_items", "omega_total", "omega_h"),
]


def reliability_table(
    responses: pd.DataFrame, instrument: Instrument, notes: list[dict] | None = None
) -> pd.DataFrame:
    """Alpha (and omega for scales of six items or more) of every scale; a figure the data
    do not allow (e.g. a constant item) is NaN, with the reason appended to ``notes``."""
    rows = []
    for scale in instrument.scales:
        items = keyed_items(responses, instrument, scale.code)
        row = {"scale": scale.code, "dimension": scale.dimension}
        try:
            row.update(alpha(items).iloc[0].to_dict())
            if len(items.columns) >= OMEGA_MIN_ITEMS:
                om = omega(items.dropna(), n_factors=2).iloc[0]
                row["omega_total"], row["omega_h"] = om["omega_total"], om["omega_h"]
        except ValueError as err:
            if notes is not None:
                notes.append({"table": "reliability", "subject": scale.code, "note": str(err)})
        rows.append(row)
    return pd.DataFrame(rows, columns=RELIABILITY_COLUMNS)


def agreement_table(scores: pd.DataFrame, threshold: int) -> pd.DataFrame:
    """ICC(1) and ICC(2) of every scale index across business units."""
    rows = []
    # A mask per scale: a groupby would sort and copy all 13 million rows of a big diagnostic.
    for scale in scores["scale"].dropna().unique():
        part = scores.loc[scores["scale"] == scale, ["business_unit", "index"]]
        sizes = part["business_unit"][part["index"].notna()].value_counts()
        if (sizes >= threshold).sum() < 2:  # ICC needs two units that may be shown
            continue
        res = icc(part, value="index", group="business_unit", threshold=threshold)
        rows.append({"scale": scale, **res.iloc[0].to_dict()})
    return pd.DataFrame(rows) if rows else pd.DataFrame(columns=["scale", "icc1", "icc2"])


STAGE_COLUMNS = ["group", "n", "total", "ci_low", "ci_high", "stage"]


def stage_table(scores: pd.DataFrame, instrument: Instrument, threshold: int) -> pd.DataFrame:
    """The relationship stage from the scale playing that role; no rows without one."""
    code = instrument.role_scale("relationship_stage")
    part = scores[scores["scale"] == code] if code else scores.iloc[:0]
    if part["mean"].notna().sum() == 0:
        return pd.DataFrame(columns=STAGE_COLUMNS)
    # relationship_stage() reads the scale by the shipped code; the role may name another
    part = part.assign(scale=pd.Categorical(["relationship_stage"] * len(part)))
    return relationship_stage(part, threshold=threshold)


def run_analysis(
    responses: pd.DataFrame,
    instrument: Instrument,
    *,
    threshold: int = DEFAULT_THRESHOLD,
    padjust: str = "holm",
    seed: int = 0,
    rejects: list[dict] | None = None,
) -> Results:
    """Validate, score and compare one diagnostic. ``rejects`` are cells found unreadable
    when the table was read (:func:`survey.tables.read_table`); their rows are quarantined.

    Examples
    --------
    >>> from survey import load_instrument
    >>> from survey.synthetic import generate
    >>> ins = load_instrument()
    >>> res = run_analysis(generate(units=5, per_department=8, seed=1).responses, ins)
    >>> sorted(res.prototypes.columns)[:2]
    ['approximate', 'business_unit']
    """
    checked = validate_responses(responses, instrument, rejects=rejects)
    valid = checked.valid
    if valid.empty:
        raise NoValidResponses(checked.quarantine)
    notes: list[dict] = []
    scores = score_scales(valid, instrument)
    profiles = unit_profiles(valid, instrument, threshold=threshold, scores=scores)
    matrix = profile_matrix(profiles)
    # A unit without a shown score on every dimension cannot be placed.
    incomplete = matrix.isna().any(axis=1)
    for unit, row in matrix[incomplete].iterrows():
        missing = ", ".join(row.index[row.isna()])
        notes.append(
            {
                "table": "clusters, prototypes",
                "subject": str(unit),
                "note": f"left out: no combined score shown on {missing}",
            }
        )
    matrix = matrix[~incomplete]
    clusters, selection = pd.DataFrame(), pd.DataFrame()
    if len(matrix) >= 4:
        try:
            clusters, selection = cluster_units(matrix, seed=seed)
        except ValueError as err:
            notes.append({"table": "clusters", "subject": "all units", "note": str(err)})
    company = matrix.mean().to_frame("company").T if len(matrix) else matrix
    prototypes = (
        nearest_prototype(pd.concat([matrix, company]))
        if len(matrix)
        else pd.DataFrame(columns=["business_unit"])
    )
    config_map = configuration_map(matrix, prototypes) if len(matrix) >= 3 else pd.DataFrame()
    reliability = reliability_table(valid, instrument, notes)
    drivers = key_drivers(valid, instrument, scores, threshold=threshold, seed=seed)
    for left in drivers.attrs.get("left_out", []):
        subject = " ".join(str(left[k]) for k in ("outcome", "group") if left.get(k) is not None)
        notes.append({"table": "drivers", "subject": subject, "note": left["reason"]})
    return Results(
        responses=valid,
        quarantine=checked.quarantine,
        scores=scores,
        reliability=reliability,
        gaps=perception_gaps(
            valid, instrument, padjust=padjust, threshold=threshold, scores=scores
        ),
        mirror=mirror_gaps(valid, instrument, padjust=padjust, threshold=threshold),
        agreement=agreement_table(scores, threshold),
        profiles=profiles,
        clusters=clusters,
        cluster_selection=selection,
        prototypes=prototypes,
        stage=stage_table(scores, instrument, threshold),
        benchmarks=compare_benchmarks(valid, instrument, threshold=threshold),
        scale_summary=scale_summary(scores, threshold=threshold, instrument=instrument),
        shares=category_shares(valid, instrument, share_items(instrument), threshold=threshold),
        config_map=config_map,
        notes=pd.DataFrame(notes, columns=["table", "subject", "note"]),
        threshold=threshold,
        unsupported=[s for s in instrument.supported_analyses() if not s.supported],
        drivers=drivers,
    )


def write_tables(results: Results, out_dir: str | Path) -> list[Path]:
    """Every result table as CSV and all of them as sheets of one Excel workbook.

    Respondent-level tables (responses, scores) are left out: a table handed around must
    not let anyone single out a respondent.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    skip = {"responses", "scores", "threshold", "unsupported"}
    written = []
    tables = {f.name: getattr(results, f.name) for f in fields(results) if f.name not in skip}
    with pd.ExcelWriter(out / "tables.xlsx") as excel:
        for name, table in tables.items():
            path = out / f"{name}.csv"
            table.to_csv(path, index=False)
            written.append(path)
            table.to_excel(excel, sheet_name=name[:31], index=False)
    written.append(out / "tables.xlsx")
    return written
