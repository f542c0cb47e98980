"""Command modules of the survey side; each has ``register(app)``."""
