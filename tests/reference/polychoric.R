# Reference values for analysis.ordinal.polychoric / analysis.reliability.polychoric:
# psych::polychoric (and lavaan's two-step polychorics, lavCor) on bfi and the synthetic
# diagnostic; ordinal alpha and omega from them.
source(file.path(dirname(normalizePath(sub("^--file=", "", grep("^--file=", commandArgs(FALSE), value = TRUE)))), "common.R"))
suppressPackageStartupMessages({library(psych); library(GPArotation); library(lavaan)})
synth <- read.csv(input("synth_u12_p45_s3.csv"))
synth7 <- read.csv(input("synth_u8_p30_s7.csv"))
bfi <- psych::bfi[, 1:25]
bfi_a <- bfi[, 1:5]
bfi_a$A1 <- 7 - bfi_a$A1  # reverse-keyed (answers 1..6)
cases <- list(
  bfi_agreeableness = bfi_a,                          # with missing answers (pairwise)
  bfi_ac = bfi[, 1:10],
  synth_stage = synth[, grep("^STG_", names(synth))],   # 5-point
  synth_goals = synth[, grep("^GOA_", names(synth))],   # 7-point
  synth_likert = synth[, grep("^(STG|GOA|INF)_", names(synth))],  # 5- and 7-point mixed
  synth7_conflict = synth7[, grep("^CON_", names(synth7))]
)
out <- list()
for (nm in names(cases)) {
  x <- cases[[nm]]
  pc <- suppressWarnings(suppressMessages(polychoric(x)))
  res <- list(items = names(x), rho = unname(pc$rho), tau = unname(pc$tau))
  if (!anyNA(x)) {
    lc <- lavCor(x, ordered = names(x))
    res$rho_lavaan <- unname(unclass(lc))
  }
  a <- suppressWarnings(suppressMessages(alpha(pc$rho)))
  res$ordinal_alpha <- a$total$raw_alpha
  if (ncol(x) >= 6) {
    om <- suppressWarnings(suppressMessages(omega(pc$rho, nfactors = 3, plot = FALSE)))
    res$ordinal_omega <- list(nfactors = 3, omega_h = om$omega_h, omega_tot = om$omega.tot,
                              omega_lim = om$omega.lim)
  }
  out[[nm]] <- res
}
write_reference(out, "polychoric.json")
