# Reference values for analysis.cfa.cfa(..., ordered=True): lavaan::cfa(ordered = TRUE,
# estimator = "WLSMV"), delta parameterisation, on the synthetic diagnostic and bfi.
source(file.path(dirname(normalizePath(sub("^--file=", "", grep("^--file=", commandArgs(FALSE), value = TRUE)))), "common.R"))
suppressPackageStartupMessages(library(lavaan))
synth <- read.csv(input("synth_u12_p45_s3.csv"))
bfi <- na.omit(psych::bfi[, 1:10])
items <- function(prefix) grep(paste0("^", prefix, "_"), names(synth), value = TRUE)
factor_line <- function(name, vars) paste(name, "=~", paste(vars, collapse = " + "))
cases <- list(
  synth_stage = list(data = synth, model = factor_line("stage", items("STG"))),
  synth_goals = list(data = synth, model = factor_line("goals", items("GOA"))),
  synth_three = list(data = synth, model = paste(factor_line("goals", items("GOA")),
    factor_line("info", items("INF")), factor_line("stage", items("STG")), sep = "\n")),
  bfi_ac = list(data = bfi, model = "agree =~ A1 + A2 + A3 + A4 + A5\nconsc =~ C1 + C2 + C3 + C4 + C5")
)
measures <- c("chisq", "df", "chisq.scaled", "df.scaled", "cfi.scaled", "tli.scaled",
              "rmsea.scaled", "chisq.scaling.factor", "baseline.chisq", "baseline.chisq.scaled",
              "cfi", "tli", "rmsea", "srmr")
out <- list()
for (nm in names(cases)) {
  cs <- cases[[nm]]
  fit <- cfa(cs$model, data = cs$data, ordered = TRUE, estimator = "WLSMV")
  pe <- parameterEstimates(fit)
  test <- lavInspect(fit, "test")$scaled.shifted
  out[[nm]] <- list(model = cs$model, n = lavInspect(fit, "nobs"),
                    fit = as.list(fitMeasures(fit, measures)),
                    shift = test$shift.parameter,
                    estimates = pe[pe$op %in% c("=~", "~~", "|"), c("lhs", "op", "rhs", "est", "se")])
}
write_reference(out, "cfa_ordinal.json")
