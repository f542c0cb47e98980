# Reference values for analysis.invariance.measurement_invariance (maximum likelihood):
# configural, metric and scalar lavaan fits on Holzinger & Swineford by school and on the
# synthetic diagnostic by department.
source(file.path(dirname(normalizePath(sub("^--file=", "", grep("^--file=", commandArgs(FALSE), value = TRUE)))), "common.R"))
suppressPackageStartupMessages(library(lavaan))
hs <- lavaan::HolzingerSwineford1939
synth <- read.csv(input("synth_u12_p45_s3.csv"))
stg <- grep("^STG_", names(synth), value = TRUE)
goa <- grep("^GOA_", names(synth), value = TRUE)
cases <- list(
  hs_school = list(data = hs, group = "school", model = "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9"),
  synth_stage_department = list(data = synth, group = "department", model = paste("stage =~", paste(stg, collapse = " + "))),
  synth_goals_department = list(data = synth, group = "department", model = paste("goals =~", paste(goa, collapse = " + ")))
)
levels <- list(configural = "", metric = "loadings", scalar = c("loadings", "intercepts"))
measures <- c("chisq", "df", "cfi", "tli", "rmsea", "srmr")
out <- list()
for (nm in names(cases)) {
  cs <- cases[[nm]]
  res <- list(model = cs$model, group = cs$group, groups = unique(as.character(cs$data[[cs$group]])))
  for (lv in names(levels)) {
    fit <- cfa(cs$model, data = cs$data, group = cs$group, group.equal = levels[[lv]])
    res[[lv]] <- as.list(fitMeasures(fit, measures))
  }
  out[[nm]] <- res
}
write_reference(out, "invariance_ml.json")
