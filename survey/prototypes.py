"""The five published configurations as data (approximate profiles, see the YAML file)."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, model_validator

from survey.instrument import Instrument, InstrumentError, Text

DIMENSIONS: tuple[str, ...] = ("information", "structure", "power", "orientation", "knowledge")


class Configuration(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    label: Text
    profile: dict[str, float]

    @model_validator(mode="after")
    def _check(self) -> Configuration:
        if set(self.profile) != set(DIMENSIONS):
            raise ValueError(f"a profile needs exactly the dimensions {DIMENSIONS}")
        if not all(0 <= v <= 100 for v in self.profile.values()):
            raise ValueError("profile values are 0-100 indices")
        return self


class Prototypes(BaseModel):
    """Configuration prototypes and how each dimension is scored from the scales."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    approximation_note: Text
    dimension_scales: dict[str, tuple[str, ...]]
    configurations: dict[str, Configuration]

    def check_against(self, instrument: Instrument) -> None:
        missing = [
            s
            for scales in self.dimension_scales.values()
            for s in scales
            if s not in instrument.scale_map
        ]
        if missing or set(self.dimension_scales) != set(DIMENSIONS):
            raise InstrumentError(
                f"configuration prototypes do not fit instrument {instrument.id}: "
                f"missing scales {missing}, dimensions {sorted(self.dimension_scales)}"
            )


def load_prototypes(path: str | Path | None = None) -> Prototypes:
    """Load the configuration prototypes (the shipped file when ``path`` is None).

    Examples
    --------
    >>> from survey.prototypes import load_prototypes
    >>> protos = load_prototypes()
    >>> sorted(protos.configurations)[:2]
    ['ambivalent_hierarchy', 'brand_focused_professionals']
    >>> protos.configurations["sales_rules"].profile["power"]
    18.0
    """
    if path is None:
        path = Path(str(resources.files("survey") / "instruments" / "configurations.yaml"))
    raw = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    try:
        return Prototypes.model_validate(raw)
    except ValueError as exc:
        raise InstrumentError(f"{path}: {exc}") from None
