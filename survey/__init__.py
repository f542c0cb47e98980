"""alignmeter's survey side: the instrument, response tables, synthetic data, collection."""

from survey.instrument import Instrument, InstrumentError, load_instrument

__all__ = ["Instrument", "InstrumentError", "load_instrument"]
