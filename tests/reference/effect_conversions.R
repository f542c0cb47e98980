# Reference values for analysis.brief.ranking.d_equivalent (tests/test_brief_ranking.py).
# Cramér's V of a 2 x k table as a correlation r -> d with psych::r2d (2r / sqrt(1 - r^2));
# Cliff's delta -> d through the probability of superiority, d = sqrt(2) qnorm((1 + delta) / 2).
# Run: Rscript tests/reference/effect_conversions.R > tests/reference/effect_conversions.json
suppressMessages(library(psych))
library(jsonlite)
v <- c(0, 0.1, 0.15, 0.3, 0.5, 0.8)
delta <- c(-0.9, -0.33, 0, 0.147, 0.33, 0.474, 0.73)
cat(toJSON(list(
  cramers_v = list(effect = v, d = psych::r2d(v)),
  cliffs_delta = list(effect = delta, d = sqrt(2) * qnorm((1 + delta) / 2))
), digits = NA, pretty = TRUE))
