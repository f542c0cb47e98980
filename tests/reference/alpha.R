# Reference values for analysis.reliability.alpha and item_statistics: psych::alpha.
source(file.path(dirname(normalizePath(sub("^--file=", "", grep("^--file=", commandArgs(FALSE), value = TRUE)))), "common.R"))
suppressPackageStartupMessages(library(psych))
synth <- read.csv(input("synth_u12_p45_s3.csv"))
bfi <- psych::bfi[, 1:25]  # omega.R writes it to data/bfi.csv
scales <- list(
  bfi_agreeableness = list(data = bfi[, 1:5], keys = "A1"),
  bfi_openness = list(data = bfi[, 21:25], keys = c("O2", "O5")),
  synth_relationship_stage = list(data = synth[, grep("^STG_", names(synth))], keys = character(0)),
  synth_shared_goals = list(data = synth[, grep("^GOA_", names(synth))], keys = character(0)),
  synth_information_quality = list(data = synth[, grep("^INF_", names(synth))], keys = character(0))
)
out <- list()
for (nm in names(scales)) {
  s <- scales[[nm]]
  keys <- if (length(s$keys)) s$keys else NULL
  a <- suppressWarnings(suppressMessages(alpha(s$data, keys = keys)))
  out[[nm]] <- list(
    reverse = s$keys,
    alpha = a$total$raw_alpha, std_alpha = a$total$std.alpha, g6 = a$total$`G6(smc)`,
    avg_r = a$total$average_r, ase = a$total$ase, n = nrow(s$data),
    items = names(s$data), r_drop = unname(a$item.stats$r.drop),
    alpha_if_dropped = unname(a$alpha.drop$raw_alpha),
    std_alpha_if_dropped = unname(a$alpha.drop$std.alpha),
    mean = unname(a$item.stats$mean), sd = unname(a$item.stats$sd)
  )
}
write_reference(out, "alpha.json")
