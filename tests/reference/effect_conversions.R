# Reference values for analysis.brief.ranking.d_equivalent (tests/test_brief_ranking.py).
# Cramér's V of a 2 x k table as a correlation r -> d with psych::r2d (2r / sqrt(1 - r^2));
# Cliff's delta -> d through the probability of superiority, d = sqrt(2) qnorm((1 + delta) / 2).
source(file.path(dirname(normalizePath(sub("^--file=", "", grep("^--file=", commandArgs(FALSE), value = TRUE)))), "common.R"))
suppressMessages(library(psych))
v <- c(0, 0.1, 0.15, 0.3, 0.5, 0.8)
delta <- c(-0.9, -0.33, 0, 0.147, 0.33, 0.474, 0.73)
write_reference(list(
  cramers_v = list(effect = v, d = psych::r2d(v)),
  cliffs_delta = list(effect = delta, d = sqrt(2) * qnorm((1 + delta) / 2))
), "effect_conversions.json")
