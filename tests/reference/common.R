# Shared by the reference scripts: where to write, how to write JSON.
# Usage of every script: Rscript tests/reference/<name>.R [OUT_DIR]
# OUT_DIR defaults to the script's own directory (tests/reference), whose JSON files and
# data/ folder are committed; the test suite reruns the scripts into a temporary OUT_DIR
# and compares.
suppressPackageStartupMessages(library(jsonlite))
args_all <- commandArgs(trailingOnly = FALSE)
script_dir <- dirname(normalizePath(sub("^--file=", "", args_all[grep("^--file=", args_all)])))
args <- commandArgs(trailingOnly = TRUE)
out_dir <- if (length(args) >= 1) args[1] else script_dir
dir.create(file.path(out_dir, "data"), showWarnings = FALSE, recursive = TRUE)
input <- function(name) file.path(script_dir, "data", name)   # committed inputs
output_data <- function(df, name) {                         # public data written for Python
  write.csv(df, file.path(out_dir, "data", name), row.names = FALSE, na = "")
}
write_reference <- function(x, name) {
  x$versions <- list(R = paste(R.version$major, R.version$minor, sep = "."),
                     psych = as.character(packageVersion("psych")),
                     lavaan = as.character(packageVersion("lavaan")))
  write_json(x, file.path(out_dir, name), digits = NA, auto_unbox = TRUE, pretty = TRUE)
}
