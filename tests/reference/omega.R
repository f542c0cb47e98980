# Reference values for analysis.reliability.omega: psych::omega(fm = "minres",
# rotate = "oblimin") on public and synthetic data, Heywood cases and two-factor
# solutions included.
source(file.path(dirname(normalizePath(sub("^--file=", "", grep("^--file=", commandArgs(FALSE), value = TRUE)))), "common.R"))
suppressPackageStartupMessages({library(psych); library(GPArotation); library(lavaan)})

bfi_items <- psych::bfi[, 1:25]
output_data(bfi_items, "bfi.csv")
output_data(as.data.frame(psych::Thurstone), "thurstone.csv")
output_data(as.data.frame(datasets::Harman74.cor$cov), "harman74.csv")
output_data(as.data.frame(psych::Bechtoldt.1), "bechtoldt1.csv")
output_data(as.data.frame(psych::Bechtoldt.2), "bechtoldt2.csv")
output_data(as.data.frame(psych::Holzinger), "holzinger14.csv")
output_data(as.data.frame(psych::Reise), "reise.csv")
hs <- lavaan::HolzingerSwineford1939[, paste0("x", 1:9)]
synth <- read.csv(input("synth_u12_p45_s3.csv")); synth <- synth[, !(names(synth) %in% c("department", "business_unit"))]
synth7 <- read.csv(input("synth_u8_p30_s7.csv")); synth7 <- synth7[, !(names(synth7) %in% c("department", "business_unit"))]

cases <- list(
  list(name = "bfi_5", data = bfi_items, nfactors = 5),
  list(name = "bfi_3", data = bfi_items, nfactors = 3),
  list(name = "bfi_ac_2", data = bfi_items[, 1:10], nfactors = 2),
  list(name = "thurstone_3", data = psych::Thurstone, nfactors = 3),
  list(name = "thurstone_2", data = psych::Thurstone, nfactors = 2),
  list(name = "harman74_4", data = datasets::Harman74.cor$cov, nfactors = 4),
  list(name = "bechtoldt1_4", data = psych::Bechtoldt.1, nfactors = 4),
  list(name = "bechtoldt2_3", data = psych::Bechtoldt.2, nfactors = 3),
  list(name = "holzinger14_3", data = psych::Holzinger, nfactors = 3),  # Heywood in fa(Phi)
  list(name = "reise_3", data = psych::Reise, nfactors = 3),
  list(name = "bfi15_3", data = bfi_items[, 1:15], nfactors = 3),
  list(name = "hs_3", data = hs, nfactors = 3),
  list(name = "hs_2", data = hs, nfactors = 2),
  list(name = "synth_u12_p45_s3_3", data = synth, nfactors = 3),
  list(name = "synth_u12_p45_s3_2", data = synth, nfactors = 2),
  list(name = "synth_u12_p45_s3_4", data = synth, nfactors = 4),
  list(name = "synth_u12_p45_s3_first30_3", data = synth[, 1:30], nfactors = 3),  # Heywood
  list(name = "synth_u8_p30_s7_2", data = synth7, nfactors = 2),
  list(name = "synth_u8_p30_s7_3", data = synth7, nfactors = 3)
)
out <- list()
for (case in cases) {
  om <- suppressMessages(suppressWarnings(
    omega(case$data, nfactors = case$nfactors, fm = "minres", plot = FALSE)))
  phi <- om$schmid$phi
  gfit <- if (case$nfactors > 2) suppressWarnings(fa(phi, fm = "minres")) else NULL
  out[[case$name]] <- list(
    nfactors = case$nfactors,
    omega_h = om$omega_h, omega_lim = om$omega.lim, omega_tot = om$omega.tot,
    alpha = om$alpha,
    g_loadings = unname(om$schmid$sl[, 1]),
    h2 = unname(om$schmid$sl[, "h2"]),
    gamma = unname(as.vector(om$schmid$gloading)),
    heywood = if (is.null(gfit)) FALSE else any(gfit$communalities >= 1 - 0.005 - 1e-8),
    phi = unname(phi)
  )
}
write_reference(out, "omega.json")
