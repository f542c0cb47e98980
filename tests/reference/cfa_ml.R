# Reference values for analysis.cfa.cfa (maximum likelihood): lavaan::cfa on
# Holzinger & Swineford (1939) and on the synthetic diagnostic.
source(file.path(dirname(normalizePath(sub("^--file=", "", grep("^--file=", commandArgs(FALSE), value = TRUE)))), "common.R"))
suppressPackageStartupMessages(library(lavaan))
hs <- lavaan::HolzingerSwineford1939
output_data(hs, "holzinger_swineford_1939.csv")
synth <- read.csv(input("synth_u12_p45_s3.csv"))
models <- list(
  hs = list(data = hs, model = "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9"),
  synth_stage = list(data = synth, model = paste("stage =~", paste(grep("^STG_", names(synth), value = TRUE), collapse = " + "))),
  synth_three = list(data = synth, model = paste(
    paste("goals =~", paste(grep("^GOA_", names(synth), value = TRUE), collapse = " + ")),
    paste("info =~", paste(grep("^INF_", names(synth), value = TRUE), collapse = " + ")),
    paste("conflict =~", paste(grep("^CON_(PERSONAL|BLAME|TENSE|RESPECT)", names(synth), value = TRUE), collapse = " + ")),
    sep = "\n"))
)
measures <- c("chisq", "df", "pvalue", "cfi", "tli", "rmsea", "rmsea.ci.lower", "rmsea.ci.upper", "srmr", "baseline.chisq", "baseline.df")
out <- list()
for (nm in names(models)) {
  m <- models[[nm]]
  fit <- cfa(m$model, data = m$data)  # no mean structure: lavaan's single-group SRMR
  pe <- parameterEstimates(fit)
  out[[nm]] <- list(model = m$model, fit = as.list(fitMeasures(fit, measures)),
                    estimates = pe[, c("lhs", "op", "rhs", "est", "se")])
}
write_reference(out, "cfa_ml.json")
