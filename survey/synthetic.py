"""A synthetic diagnostic from a latent model, with the planted parameters as ground truth.

Business units are drawn from the five configurations (:mod:`survey.prototypes`): each
unit gets a level (0-100) on the five dimensions near its configuration's profile. A
respondent's answer to an item of a scale is that level, plus a department bias, plus a
person effect shared by the scale's items, plus item noise, mapped onto the item's range,
rounded and clipped (reverse-keyed items mirrored). Mirror items rate a target department,
with a self-rating bias. Other items have planted category distributions per department,
among them the Demand Gen meeting puzzle (marketing: weekly, sales: quarterly).

Everything is vectorised over respondents: a million respondents take seconds.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.special import ndtr

from survey.errors import UserError
from survey.instrument import Instrument, load_instrument
from survey.prototypes import DIMENSIONS, load_prototypes
from survey.responses import META_COLUMNS, text_columns
from survey.tables import write_table

DEPARTMENTS = ("marketing", "sales")
PERSON_SD = 14.0  # person effect per scale, index points (0-100)
ITEM_SD = 11.0  # item noise, index points
START = pd.Timestamp("2026-10-05T08:00:00Z")

# Category probabilities per department (codes 1..K of the item's options).
MEETING_FREQ = {  # Demand Gen: marketing reports weekly meetings, sales quarterly ones
    "marketing": [0.02, 0.08, 0.55, 0.20, 0.10, 0.03, 0.02],
    "sales": [0.01, 0.02, 0.07, 0.15, 0.55, 0.12, 0.08],
}
FOLLOWUP_TIME = {  # marketing believes follow-up is slow, sales that it is fast
    "marketing": [0.03, 0.15, 0.25, 0.25, 0.17, 0.15],
    "sales": [0.08, 0.30, 0.35, 0.17, 0.07, 0.03],
}
FOLLOWUP_RATE = {"marketing": 45.0, "sales": 75.0}  # LeanData mirror gap, percent
SCORING_JOINT_YES = {"marketing": 0.65, "sales": 0.30}  # Demand Gen lead scoring puzzle
OBSTACLES = {  # share choosing each obstacle (OBS_MAIN options 1..9)
    "marketing": [0.49, 0.42, 0.40, 0.30, 0.25, 0.30, 0.10, 0.38, 0.40],
    "sales": [0.49, 0.42, 0.40, 0.30, 0.35, 0.25, 0.43, 0.05, 0.20],
}
# Department bias on scales, index points: sales rates lead management (lead quality)
# and the information it gets lower than marketing does.
SCALE_BIAS = {
    "lead_management": {"marketing": 9.0, "sales": -9.0},
    "information_quality": {"marketing": 5.0, "sales": -5.0},
}
# Thought worlds (Homburg & Jensen 2007): where each department stands, 0-100 index.
ORIENTATION = {
    "ORI_CUSTOMER": {"marketing": 40.0, "sales": 70.0},  # sales closer to customers
    "ORI_HORIZON": {"marketing": 70.0, "sales": 30.0},  # marketing longer-term
}
SELF_BIAS = 8.0  # each side rates its own department higher, the other lower (index points)
GRADE_BIAS = {"marketing": 0.4, "sales": -0.2}  # marketing grades the cooperation harsher
SUGGESTIONS = (
    "Gemeinsame Lead-Definition",
    "Weekly pipeline review with both teams",
    "Mehr persönliche Gespräche statt E-Mails",
    "Shared targets and bonuses",
    "Job-Rotation für Nachwuchskräfte",
)


@dataclass(frozen=True)
class Scenario:
    """What to plant. ``gaps=False`` gives departments identical distributions."""

    name: str
    unit_sd: float = 7.0  # spread of units around their configuration's profile
    gaps: bool = True
    dont_know: float = 0.03
    missing: float = 0.01
    speeders: float = 0.0
    straight_liners: float = 0.0
    partial: float = 0.0
    duplicates: float = 0.0
    small_unit: int = 0  # respondents per department in one extra small unit (0 = none)
    description: str = ""


SCENARIOS: dict[str, Scenario] = {
    s.name: s
    for s in (
        Scenario(
            "default",
            speeders=0.02,
            straight_liners=0.02,
            partial=0.04,
            duplicates=0.01,
            description="realistic: planted gaps and a few data-quality problems",
        ),
        Scenario(
            "clean",
            unit_sd=4.0,
            dont_know=0.0,
            missing=0.0,
            description="planted gaps, tight configurations, no data-quality problems",
        ),
        Scenario(
            "null",
            gaps=False,
            description="departments answer alike: no perception gap anywhere",
        ),
        Scenario(
            "messy",
            speeders=0.06,
            straight_liners=0.06,
            partial=0.10,
            duplicates=0.04,
            description="planted gaps and many data-quality problems",
        ),
        Scenario(
            "small_unit",
            small_unit=3,
            description="like default without data-quality problems, plus a unit of 3 per "
            "department (below the anonymity threshold)",
        ),
    )
}


@dataclass
class Diagnostic:
    """A generated diagnostic: the wide response table and the planted truth."""

    responses: pd.DataFrame
    truth: dict = field(default_factory=dict)


def _index_to_item(level: np.ndarray, lo: float, hi: float) -> np.ndarray:
    return lo + (hi - lo) * level / 100.0


def _discretise(x: np.ndarray, lo: float, hi: float) -> np.ndarray:
    return np.clip(np.rint(x), lo, hi)


def expected_rounded_mean(mu: np.ndarray, sd: float, lo: int, hi: int) -> np.ndarray:
    """E[clip(round(mu + Z), lo, hi)] for Z ~ N(0, sd^2): the planted mean of an item.

    Examples
    --------
    >>> float(expected_rounded_mean(np.array([4.0]), 1.0, 1, 7)[0])
    4.0
    """
    mu = np.asarray(mu, dtype="float64")[..., None]
    codes = np.arange(lo, hi + 1, dtype="float64")
    upper = np.where(codes == hi, np.inf, codes + 0.5)
    lower = np.where(codes == lo, -np.inf, codes - 0.5)
    probs = ndtr((upper - mu) / sd) - ndtr((lower - mu) / sd)
    return (probs * codes).sum(axis=-1)


def _draw_categories(rng: np.random.Generator, probs: np.ndarray) -> np.ndarray:
    """One category code (1-based) per row of ``probs`` (rows sum to 1)."""
    cum = np.cumsum(probs, axis=1)
    u = rng.random(len(probs))[:, None]
    return (u > cum[:, :-1]).sum(axis=1) + 1.0


class _Generator:
    def __init__(self, instrument: Instrument, scenario: Scenario, seed: int):
        self.ins = instrument
        self.sc = scenario
        self.rng = np.random.default_rng(seed)
        self.protos = load_prototypes()
        self.protos.check_against(instrument)

    # --- population ------------------------------------------------------------------
    def units(self, n_units: int) -> tuple[list[str], list[str], np.ndarray]:
        names = list(self.protos.configurations)
        configs = [names[i % len(names)] for i in range(n_units)]
        self.rng.shuffle(configs)
        units = [f"unit_{i + 1:02d}" for i in range(n_units)]
        profile = np.array(
            [[self.protos.configurations[c].profile[d] for d in DIMENSIONS] for c in configs]
        )
        levels = np.clip(profile + self.rng.normal(0, self.sc.unit_sd, profile.shape), 2, 98)
        return units, configs, levels

    def scale_levels(self, dim_levels: np.ndarray) -> dict[str, np.ndarray]:
        """Unit level (0-100) of every scale's construct."""
        by_dim = dict(zip(DIMENSIONS, dim_levels.T, strict=True))
        quality = 0.5 * by_dim["information"] + 0.5 * by_dim["structure"]
        levels = {}
        for scale in self.ins.scales:
            if scale.dimension in by_dim:
                levels[scale.code] = by_dim[scale.dimension]
            elif scale.code == "personal_conflict":
                levels[scale.code] = 100.0 - quality
            else:
                levels[scale.code] = quality
        return levels

    # --- answers -----------------------------------------------------------------------
    def scale_answers(
        self,
        out: dict,
        unit: np.ndarray,
        dept: np.ndarray,
        levels: dict[str, np.ndarray],
        expected: dict,
    ) -> None:
        n = len(unit)
        is_sales = dept == 1
        for scale in self.ins.scales:
            base = levels[scale.code][unit]
            bias = SCALE_BIAS.get(scale.code) if self.sc.gaps else None
            if bias:
                base = base + np.where(is_sales, bias["sales"], bias["marketing"])
            if scale.code in ("knowledge_own", "knowledge_other"):
                # The target is the rater's own department (own) or the other one; both
                # departments share the unit's knowledge level, raters flatter themselves.
                sign = 1.0 if scale.code == "knowledge_own" else -1.0
                base = base + (sign * SELF_BIAS if self.sc.gaps else 0.0)
            person = self.rng.normal(0, PERSON_SD, n)
            for col in self.ins.scale_columns(scale):
                item = self.ins.column_map[col]
                lo, hi = self.ins.value_range(item)
                if scale.part:  # constant sum: handled with the power items
                    continue
                level = base
                if item.reverse:
                    level = 100.0 - level
                noise = person * (-1 if item.reverse else 1) + self.rng.normal(0, ITEM_SD, n)
                out[col] = _discretise(_index_to_item(level + noise, lo, hi), lo, hi)
                sd = (hi - lo) * np.hypot(PERSON_SD, ITEM_SD) / 100.0
                mu = _index_to_item(level, lo, hi)
                expected[col] = {}
                for k, d in enumerate(DEPARTMENTS):
                    # mu varies by unit and department only: weight the distinct values.
                    values, counts = np.unique(mu[dept == k], return_counts=True)
                    means = expected_rounded_mean(values, sd, lo, hi)
                    expected[col][d] = float(np.average(means, weights=counts))

    def power_answers(
        self, out: dict, unit: np.ndarray, dept: np.ndarray, power: np.ndarray
    ) -> None:
        n = len(unit)
        claim = np.where(dept == 1, -5.0, 5.0) if self.sc.gaps else 0.0
        for item in self.ins.items:
            if self.ins.kind(item) != "constant_sum":
                continue
            share = power[unit] + claim + self.rng.normal(0, 10, n)
            share = np.clip(np.rint(share / 5) * 5, 0, 100)
            out[f"{item.code}_marketing"] = share
            out[f"{item.code}_sales"] = 100.0 - share

    def categorical(self, dept: np.ndarray, table: dict[str, list[float]]) -> np.ndarray:
        probs = np.asarray([table[d] for d in DEPARTMENTS], dtype="float64")
        if not self.sc.gaps:
            probs = np.repeat(probs.mean(axis=0, keepdims=True), 2, axis=0)
        return _draw_categories(self.rng, probs[dept])

    def other_answers(
        self, out: dict, unit: np.ndarray, dept: np.ndarray, dim_levels: np.ndarray, planted: dict
    ) -> None:
        n = len(unit)
        gaps = self.sc.gaps
        info = dim_levels[:, DIMENSIONS.index("information")][unit]
        structure = dim_levels[:, DIMENSIONS.index("structure")][unit]
        quality = 0.5 * info + 0.5 * structure
        out["INF_MEET_FREQ"] = self.categorical(dept, MEETING_FREQ)
        out["LEA_FOLLOWUP_TIME"] = self.categorical(dept, FOLLOWUP_TIME)
        planted["INF_MEET_FREQ"] = _planted_table(MEETING_FREQ, gaps)
        planted["LEA_FOLLOWUP_TIME"] = _planted_table(FOLLOWUP_TIME, gaps)
        # Frequencies that follow the unit's information sharing: 1 daily ... 7 never.
        for code, centre in (("INF_EXCHANGE_FREQ", 3.0), ("INF_FIELD_VISITS", 5.5)):
            x = centre - (info - 50) / 20 + self.rng.normal(0, 1.0, n)
            out[code] = _discretise(x, 1, 7)
        out["INF_CHANNEL"] = _draw_categories(
            self.rng, np.tile([0.30, 0.20, 0.35, 0.10, 0.05], (n, 1))
        )
        rate = np.array([FOLLOWUP_RATE[d] for d in DEPARTMENTS])
        if not gaps:
            rate[:] = rate.mean()
        out["LEA_FOLLOWUP_RATE"] = np.clip(np.rint(rate[dept] + self.rng.normal(0, 15, n)), 0, 100)
        planted["LEA_FOLLOWUP_RATE"] = {d: float(rate[k]) for k, d in enumerate(DEPARTMENTS)}
        # Yes (1) / no (2) on linkages that exist more often where structure is strong;
        # marketing believes in them a little more (disagreement on facts is a finding).
        for item in self.ins.items:
            if self.ins.kind(item) != "yes_no":
                continue
            if item.code == "LEA_SCORING_JOINT":
                p = np.array([SCORING_JOINT_YES[d] for d in DEPARTMENTS])
                if not gaps:
                    p[:] = p.mean()
                planted[item.code] = {d: float(p[k]) for k, d in enumerate(DEPARTMENTS)}
                p_yes = p[dept]
            else:
                shift = np.where(dept == 0, 0.4, -0.4) if gaps else 0.0
                p_yes = 1 / (1 + np.exp(-((structure - 50) / 12 + shift)))
            out[item.code] = np.where(self.rng.random(n) < p_yes, 1.0, 2.0)
        # Bipolar thought-world items: target department's position, seen from each side.
        for stem, where in ORIENTATION.items():
            pos = np.array([where[d] for d in DEPARTMENTS])
            if not gaps:
                pos[:] = pos.mean()
            person = self.rng.normal(0, PERSON_SD, n)
            for suffix, target in (("_OWN", dept), ("_OTH", 1 - dept)):
                x = _index_to_item(pos[target] + person + self.rng.normal(0, ITEM_SD, n), 1, 7)
                out[stem + suffix] = _discretise(x, 1, 7)
            planted[stem] = {
                d: float(_index_to_item(pos[k], 1, 7)) for k, d in enumerate(DEPARTMENTS)
            }
        # Overall grade 1 (best) .. 6: better where the unit cooperates well.
        bias = np.array([GRADE_BIAS[d] for d in DEPARTMENTS]) if gaps else np.zeros(2)
        grade = 6 - 5 * quality / 100 + bias[dept] + self.rng.normal(0, 0.8, n)
        out["OUT_GRADE"] = _discretise(grade, 1, 6)
        planted["OUT_GRADE_bias"] = {d: float(bias[k]) for k, d in enumerate(DEPARTMENTS)}
        self.obstacles(out, dept)
        planted["OBS_MAIN"] = _planted_table(OBSTACLES, gaps)
        # Agreement items outside the scales (mirror pairs such as INF_KEEPS_*) follow the
        # unit's cooperation quality, with the self-rating bias on mirror items.
        for col, item in self.ins.column_map.items():
            if col in out or self.ins.kind(item) != "agreement":
                continue
            lo, hi = self.ins.value_range(item)
            sign = {"self": 1.0, "other": -1.0}.get(item.perspective, 0.0) if gaps else 0.0
            level = quality + sign * SELF_BIAS + self.rng.normal(0, PERSON_SD, n)
            out[col] = _discretise(
                _index_to_item(level + self.rng.normal(0, ITEM_SD, n), lo, hi), lo, hi
            )
        texts = np.array(SUGGESTIONS, dtype=object)[self.rng.integers(0, len(SUGGESTIONS), n)]
        out["OUT_ONE_CHANGE"] = np.where(self.rng.random(n) < 0.3, texts, None)

    def obstacles(self, out: dict, dept: np.ndarray) -> None:
        item = self.ins.item("OBS_MAIN")
        probs = np.asarray([OBSTACLES[d] for d in DEPARTMENTS])
        if not self.sc.gaps:
            probs = np.repeat(probs.mean(axis=0, keepdims=True), 2, axis=0)
        u = self.rng.random((len(dept), probs.shape[1]))
        chosen = u < probs[dept]
        # Keep at most max_choices: those chosen most decisively (smallest u / p).
        score = np.where(chosen, u / probs[dept], np.inf)
        rank = score.argsort(axis=1).argsort(axis=1)
        chosen &= rank < item.max_choices
        for k, col in enumerate(self.ins.item_columns(item)):
            out[col] = chosen[:, k].astype("float64")

    # --- noise and data-quality problems ---------------------------------------------
    def dont_know_and_missing(self, wide: pd.DataFrame) -> None:
        dk = float(self.ins.dont_know.code)
        n = len(wide)
        for item in self.ins.items:
            cols = self.ins.item_columns(item)
            if item.dont_know and self.sc.dont_know:
                hit = self.rng.random(n) < self.sc.dont_know
                wide.loc[hit, cols] = dk
            if self.sc.missing and self.ins.kind(item) != "text":
                hit = self.rng.random(n) < self.sc.missing
                wide.loc[hit, cols] = np.nan

    def data_quality(self, wide: pd.DataFrame) -> dict[str, list[str]]:
        n = len(wide)
        flags: dict[str, list[str]] = {}
        agree = [c for c, it in self.ins.column_map.items() if self.ins.kind(it) == "agreement"]
        shares = (self.sc.speeders, self.sc.straight_liners, self.sc.partial)
        sizes = np.cumsum([round(share * n) for share in shares])
        speed, straight, partial, _ = np.split(self.rng.permutation(n), sizes)
        if len(speed):
            wide.loc[speed, "duration_s"] = np.rint(self.rng.uniform(40, 90, len(speed)))
            for col in agree:
                lo, hi = self.ins.value_range(col)
                wide.loc[speed, col] = self.rng.integers(lo, hi + 1, len(speed)).astype(float)
        if len(straight):
            for grp in self.ins.response_types:
                cols = [c for c in agree if self.ins.column_map[c].type == grp]
                if cols:
                    lo, hi = self.ins.value_range(cols[0])
                    value = self.rng.integers(lo, hi + 1, len(straight)).astype(float)
                    wide.loc[straight, cols] = np.repeat(value[:, None], len(cols), axis=1)
        if len(partial):
            # Break off between items, as a respondent leaving the survey would.
            items = self.ins.items
            cut = self.rng.integers(len(items) // 4, 3 * len(items) // 4, len(partial))
            for k, item in enumerate(items):
                rows = partial[cut <= k]
                if len(rows):
                    wide.loc[rows, self.ins.item_columns(item)] = None
            wide.loc[partial, "status"] = "partial"
            wide.loc[partial, "submitted_at"] = pd.NaT
        ids = wide["respondent_id"].to_numpy()
        flags.update(
            speeders=sorted(ids[speed]),
            straight_liners=sorted(ids[straight]),
            partial=sorted(ids[partial]),
        )
        return flags


def _planted_table(table: dict[str, list[float]], gaps: bool) -> dict[str, list[float]]:
    if gaps:
        return {d: list(map(float, table[d])) for d in DEPARTMENTS}
    mean = np.mean([table[d] for d in DEPARTMENTS], axis=0).tolist()
    return dict.fromkeys(DEPARTMENTS, mean)


def generate(
    units: int = 12,
    per_department: int = 20,
    seed: int = 1,
    scenario: str | Scenario = "default",
    instrument: Instrument | None = None,
) -> Diagnostic:
    """Generate a synthetic diagnostic; the same arguments give the same table.

    Parameters
    ----------
    units : int
        Business units, assigned in turn to the five configurations (then shuffled).
    per_department : int
        Respondents per department in each unit.
    seed : int
        Seed of the random generator.
    scenario : str or Scenario
        One of :data:`SCENARIOS` (default, clean, null, messy, small_unit) or your own.
    instrument : Instrument, optional
        Default: the shipped instrument.

    Returns
    -------
    Diagnostic
        ``responses``: the canonical wide table; ``truth``: the planted parameters
        (units and their configurations and levels, expected item means per department,
        planted distributions, respondents with data-quality problems).

    Examples
    --------
    >>> diag = generate(units=5, per_department=6, seed=3, scenario="clean")
    >>> diag.responses.shape
    (60, 104)
    >>> sorted(diag.truth["units"].values())[0]
    'ambivalent_hierarchy'
    """
    ins = instrument or load_instrument()
    if isinstance(scenario, str) and scenario not in SCENARIOS:
        raise UserError(f"unknown scenario {scenario!r}; use one of {sorted(SCENARIOS)}")
    sc = SCENARIOS[scenario] if isinstance(scenario, str) else scenario
    if units < 1 or per_department < 1:
        raise UserError("units and per_department must be at least 1")
    gen = _Generator(ins, sc, seed)
    unit_names, configs, dim_levels = gen.units(units)
    counts = np.full(units, per_department)
    if sc.small_unit:
        unit_names.append(f"unit_{units + 1:02d}")
        configs.append("ambivalent_hierarchy")
        dim_levels = np.vstack([dim_levels, dim_levels.mean(axis=0)])
        counts = np.append(counts, sc.small_unit)
    unit = np.repeat(np.arange(len(unit_names)), 2 * counts)
    dept = np.concatenate([np.repeat([0, 1], c) for c in counts])
    n = len(unit)

    out: dict[str, object] = {}
    expected: dict[str, dict[str, float]] = {}
    planted: dict[str, object] = {}
    levels = gen.scale_levels(dim_levels)
    gen.scale_answers(out, unit, dept, levels, expected)
    gen.power_answers(out, unit, dept, dim_levels[:, DIMENSIONS.index("power")])
    gen.other_answers(out, unit, dept, dim_levels, planted)

    width = len(str(n))
    meta = {
        "respondent_id": [f"r{i:0{width}d}" for i in range(1, n + 1)],
        "submitted_at": START + pd.to_timedelta(np.sort(gen.rng.integers(0, 21 * 86400, n)), "s"),
        "department": np.asarray(DEPARTMENTS)[dept],
        "business_unit": np.asarray(unit_names)[unit],
        "role": gen.rng.choice(["head", "manager", "staff"], n, p=[0.1, 0.25, 0.65]),
        "tenure": gen.rng.choice(["lt1", "1to3", "3to10", "gt10"], n, p=[0.15, 0.3, 0.35, 0.2]),
        "language": gen.rng.choice(["de", "en"], n, p=[0.7, 0.3]),
        "duration_s": np.rint(gen.rng.lognormal(np.log(600), 0.35, n)),
        "status": np.full(n, "complete"),
    }
    texts = set(text_columns(ins))
    data = {c: meta[c] for c in META_COLUMNS}
    for col in ins.columns():
        data[col] = pd.Series(out[col], dtype="str") if col in texts else out[col]
    wide = pd.DataFrame(data)
    wide["submitted_at"] = wide["submitted_at"].astype("datetime64[s, UTC]")
    gen.dont_know_and_missing(wide)
    quality = gen.data_quality(wide)
    n_dup = round(sc.duplicates * n)
    if n_dup:
        src = np.sort(gen.rng.choice(n, n_dup, replace=False))
        dup = wide.iloc[src].copy()
        dup["respondent_id"] = [f"r{i:0{width}d}d" for i in range(1, n_dup + 1)]
        wide = pd.concat([wide, dup], ignore_index=True)
        quality["duplicates"] = [
            [a, b]
            for a, b in zip(wide["respondent_id"].iloc[src], dup["respondent_id"], strict=True)
        ]
    else:
        quality["duplicates"] = []

    truth = {
        "scenario": sc.name,
        "description": sc.description,
        "seed": seed,
        "n_respondents": len(wide),
        "units": dict(zip(unit_names, configs, strict=True)),
        "unit_levels": {
            u: dict(zip(DIMENSIONS, map(float, row), strict=True))
            for u, row in zip(unit_names, dim_levels, strict=True)
        },
        "respondents_per_department": dict(zip(unit_names, map(int, counts), strict=True)),
        "scale_bias": SCALE_BIAS if sc.gaps else {},
        "self_bias": SELF_BIAS if sc.gaps else 0.0,
        "expected_item_means": expected,
        "planted": planted,
        "data_quality": quality,
        "dont_know_share": sc.dont_know,
        "missing_share": sc.missing,
    }
    return Diagnostic(responses=wide, truth=truth)


def truth_path(table_path: str | Path) -> Path:
    path = Path(table_path)
    return path.with_name(path.name.split(".")[0] + ".truth.json")


def write_diagnostic(diag: Diagnostic, path: str | Path) -> tuple[Path, Path]:
    """Write the wide table (CSV or Parquet by suffix) and ``<name>.truth.json``."""
    table = write_table(diag.responses, path)
    truth = truth_path(path)
    truth.write_text(json.dumps(diag.truth, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return table, truth
