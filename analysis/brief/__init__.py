"""The executive brief: findings -> recommendations -> HTML and PDF (German or English)."""
