# Reference values for analysis.agreement: multilevel::rwg.j, ad.m, ICC1 and ICC2 by
# business unit on the synthetic diagnostic. multilevel's ICC1 uses the mean group size
# N/G; for unequal groups the script also computes Bliese's adjusted size from the same
# ANOVA mean squares, which is what analysis.agreement.icc uses.
source(file.path(dirname(normalizePath(sub("^--file=", "", grep("^--file=", commandArgs(FALSE), value = TRUE)))), "common.R"))
suppressPackageStartupMessages(library(multilevel))
synth <- read.csv(input("synth_u12_p45_s3.csv"))
out <- list()
options <- c(STG = 5, GOA = 7, INF = 7)  # answer options of the scales
for (prefix in names(options)) {
  items <- synth[, grep(paste0("^", prefix, "_"), names(synth))]
  unit <- synth$business_unit
  rj <- rwg.j(items, unit, ranvar = (options[[prefix]]^2 - 1) / 12)
  ad <- ad.m(items, unit, type = "mean")
  score <- rowMeans(items)
  mod <- aov(score ~ as.factor(unit))
  ms <- summary(mod)[[1]][, 3]
  sizes <- table(unit); n <- sum(sizes); g <- length(sizes)
  k_adj <- (n - sum(sizes^2) / n) / (g - 1)
  out[[prefix]] <- list(
    n_options = options[[prefix]],
    items = names(items), groups = as.character(rj$grpid), rwg_j = rj$rwg.j,
    ad_j = ad$AD.M, gsize = rj$gsize,
    icc1_multilevel = ICC1(mod), icc2 = ICC2(mod), msb = ms[1], msw = ms[2],
    icc1_adjusted = (ms[1] - ms[2]) / (ms[1] + (k_adj - 1) * ms[2]), k_adjusted = k_adj
  )
}
write_reference(out, "agreement.json")
