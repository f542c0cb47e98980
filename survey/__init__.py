"""alignmeter's survey side: the instrument, response tables, synthetic data, collection."""

from __future__ import annotations

from typing import TYPE_CHECKING

__all__ = ["Instrument", "InstrumentError", "load_instrument"]

if TYPE_CHECKING:
    from survey.instrument import Instrument, InstrumentError, load_instrument


def __getattr__(name: str) -> object:
    # Lazy, so that `alignmeter --help` does not build the pydantic models.
    if name in __all__:
        from survey import instrument

        return getattr(instrument, name)
    raise AttributeError(f"module 'survey' has no attribute {name!r}")
