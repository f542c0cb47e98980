"""From results to findings: the sentences an executive reads, each traced to a result row.

A finding has an ``id`` that recommendation rules trigger on (``analysis/brief/
recommendations.yaml``), a ``strength`` for ranking (an absolute effect size or a distance
from a threshold), its sentence in German and English, and ``evidence``: the table and row it
comes from. Thresholds and sentences are data (``analysis/brief/findings.yaml``).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from analysis.formatting import fmt_ci, fmt_number
from survey.instrument import Instrument

LANGS = ("de", "en")
FINDINGS_FILE = Path(str(resources.files("analysis") / "brief" / "findings.yaml"))


@dataclass(frozen=True)
class Finding:
    id: str
    kind: str  # gap, mirror, orientation, level, fact
    strength: float
    text: dict[str, str]
    evidence: str


@cache
def finding_rules() -> dict:
    return yaml.safe_load(FINDINGS_FILE.read_text(encoding="utf-8"))


def _sentence(key: str, lang: str, **values: object) -> str:
    return finding_rules()["sentences"][key][lang].format(**values)


def _both(key: str, make: object) -> dict[str, str]:
    """Sentence ``key`` in both languages; ``make(lang)`` returns its placeholder values."""
    return {lang: _sentence(key, lang, **make(lang)) for lang in LANGS}


def _label(instrument: Instrument, code: str, lang: str) -> str:
    if code in instrument.scale_map:
        return instrument.scale_map[code].label[lang]
    item = instrument.item(code)
    return instrument.render(item.text, lang, "marketing").rstrip("?.")


def _option_label(instrument: Instrument, code: str, value: float, lang: str) -> str:
    for option in instrument.options(code):
        if option.code == value:
            return option.label[lang]
    return fmt_number(value, lang, 0)


def _significant(row: pd.Series, th: dict) -> bool:
    effect = abs(row["effect"]) if np.isfinite(row["effect"]) else 0.0
    return bool(row["p_adj"] < th["alpha"] and effect >= th["min_effect"])


def gap_findings(gaps: pd.DataFrame, instrument: Instrument) -> list[Finding]:
    """Findings from the perception gaps (``analysis.gaps.perception_gaps``).

    Expects columns ``code, level, kind, n_marketing, n_sales, mean_marketing, mean_sales,
    diff, ci_low, ci_high, effect, p_adj, mode_marketing, mode_sales``: ``effect`` is Hedges
    g for numeric comparisons and twice Cliff's delta for ordinal ones (same rough scale).
    """
    th = finding_rules()["thresholds"]
    out: list[Finding] = []
    for _, row in gaps.iterrows():
        if not _significant(row, th):
            continue
        code = row["code"]
        evidence = f"perception_gaps[{code}]"
        n = {"n_marketing": int(row["n_marketing"]), "n_sales": int(row["n_sales"])}
        strength = float(abs(row["effect"]))
        if code == "INF_MEET_FREQ":

            def make(lang, row=row, n=n):
                return {
                    "mode_marketing": _option_label(instrument, code, row["mode_marketing"], lang),
                    "mode_sales": _option_label(instrument, code, row["mode_sales"], lang),
                    **n,
                }

            out.append(
                Finding(
                    "meeting_frequency_gap",
                    "gap",
                    strength,
                    _both("meeting_frequency_gap", make),
                    evidence,
                )
            )
            continue

        def numbers(lang, row=row, n=n, code=code):
            return {
                "label": _label(instrument, code, lang),
                "mean_marketing": fmt_number(row["mean_marketing"], lang),
                "mean_sales": fmt_number(row["mean_sales"], lang),
                "diff": fmt_number(row["diff"], lang),
                "ci": fmt_ci(row["ci_low"], row["ci_high"], lang),
                "g": fmt_number(row["effect"], lang, 2),
                **n,
            }

        if code in ("LEA_QUALITY", "lead_management") and row["diff"] > 0:
            out.append(
                Finding(
                    "lead_quality_gap",
                    "gap",
                    strength,
                    _both("lead_quality_gap", numbers),
                    evidence,
                )
            )
        ids = {
            "information_quality": "information_quality_gap",
            "LEA_SCORING_JOINT": "lead_scoring_disagreement",
            "LEA_FOLLOWUP_RATE": "follow_up_disagreement",
            "LEA_FOLLOWUP_TIME": "follow_up_disagreement",
        }
        fid = ids.get(code)
        if fid is None and code.startswith("STR_") and code.endswith("_EXISTS"):
            fid = "linkage_disagreement"
        out.append(
            Finding(fid or "perception_gap", "gap", strength, _both("item_gap", numbers), evidence)
        )
    return out
