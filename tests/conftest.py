"""Shared fixtures: the instrument and small synthetic diagnostics (cached per session)."""

from __future__ import annotations

import matplotlib
import pytest

from survey import load_instrument
from survey.synthetic import generate

matplotlib.use("Agg")


@pytest.fixture(scope="session")
def instrument():
    return load_instrument()


@pytest.fixture(scope="session")
def diagnostic():
    """The default scenario, small: 10 units x 2 departments x 12 respondents."""
    return generate(units=10, per_department=12, seed=7, scenario="default")


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    import matplotlib.pyplot as plt

    plt.close("all")
