"""The slide deck (PowerPoint) of a diagnostic: ``make_deck``."""

from analysis.deck.build import make_deck

__all__ = ["make_deck"]
