"""alignmeter's analysis side: scores, statistics, charts and briefs."""
