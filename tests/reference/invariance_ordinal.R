# Reference values for analysis.invariance.measurement_invariance(..., ordered=True):
# semTools::measEq.syntax (ID.fac = "std.lv", ID.cat = "Wu.Estabrook.2016", delta
# parameterisation) fitted by lavaan WLSMV, levels configural, thresholds,
# thresholds + loadings, thresholds + loadings + intercepts; on the synthetic diagnostic by
# department, and on a copy with a planted threshold shift in one item.
source(file.path(dirname(normalizePath(sub("^--file=", "", grep("^--file=", commandArgs(FALSE), value = TRUE)))), "common.R"))
suppressPackageStartupMessages({library(lavaan); library(semTools)})
synth <- read.csv(input("synth_u12_p45_s3.csv"))
shifted <- read.csv(input("synth_u12_p45_s3_shifted.csv"))
items <- function(prefix) grep(paste0("^", prefix, "_"), names(synth), value = TRUE)
factor_line <- function(name, vars) paste(name, "=~", paste(vars, collapse = " + "))
cases <- list(
  synth_stage = list(data = synth, model = factor_line("stage", items("STG"))),
  synth_two = list(data = synth, model = paste(factor_line("goals", items("GOA")),
                                              factor_line("info", items("INF")), sep = "\n")),
  synth_linkages = list(data = synth, model = factor_line("linkages", items("STR"))),
  shifted_linkages = list(data = shifted, model = factor_line("linkages", items("STR")))
)
levels <- list(configural = "", thresholds = "thresholds",
               loadings = c("thresholds", "loadings"),
               intercepts = c("thresholds", "loadings", "intercepts"))
measures <- c("chisq", "df", "chisq.scaled", "df.scaled", "cfi.scaled", "tli.scaled",
              "rmsea.scaled", "baseline.chisq.scaled")
out <- list()
for (nm in names(cases)) {
  cs <- cases[[nm]]
  vars <- unlist(lapply(strsplit(cs$model, "\n")[[1]], function(l) trimws(strsplit(strsplit(l, "=~")[[1]][2], "\\+")[[1]])))
  res <- list(model = cs$model, groups = unique(as.character(cs$data$department)))
  fits <- list()
  for (lv in names(levels)) {
    fit <- suppressMessages(measEq.syntax(cs$model, data = cs$data, ordered = vars,
      parameterization = "delta", ID.fac = "std.lv", ID.cat = "Wu.Estabrook.2016",
      group = "department", group.equal = levels[[lv]], estimator = "WLSMV", return.fit = TRUE))
    fits[[lv]] <- fit
    res[[lv]] <- as.list(fitMeasures(fit, measures))
  }
  # Scaled difference tests as lavaan computes them for WLSMV (method "satorra.2000",
  # scaled.shifted) between consecutive levels.
  res$lrt <- list()
  for (i in 2:length(levels)) {
    d <- lavTestLRT(fits[[i]], fits[[i - 1]])
    res$lrt[[names(levels)[i]]] <- list(chisq_diff = d[["Chisq diff"]][2], df_diff = d[["Df diff"]][2],
                                        p = d[["Pr(>Chisq)"]][2])
  }
  out[[nm]] <- res
}
write_reference(out, "invariance_ordinal.json")
