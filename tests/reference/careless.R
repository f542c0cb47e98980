# Reference values for survey.quality's careless-responding indices, as R's careless
# package defines them (longstring, irv, mahad -> psych::outlier, evenodd). careless is
# not packaged for Debian, so its definitions are written out here from its documentation;
# the Mahalanobis distance is psych::outlier itself.
source(file.path(dirname(normalizePath(sub("^--file=", "", grep("^--file=", commandArgs(FALSE), value = TRUE)))), "common.R"))
suppressPackageStartupMessages(library(psych))
set.seed(2005)
n <- 80; factors <- c(4, 5, 3, 4, 4)
k <- sum(factors)
trait <- matrix(rnorm(n * length(factors)), n)
x <- do.call(cbind, lapply(seq_along(factors), function(f)
  sapply(1:factors[f], function(j) pmin(7, pmax(1, round(4 + 1.2 * trait[, f] + rnorm(n)))))))
x[1:5, ] <- 4                                         # straight-liners
x[6:10, ] <- sample(1:7, 5 * k, TRUE)                 # random responders
x[11, 1:12] <- 6
colnames(x) <- paste0("i", 1:k)
complete <- x
x[cbind(sample(12:n, 30, TRUE), sample(1:k, 30, TRUE))] <- NA   # some missing answers
output_data(as.data.frame(x), "careless.csv")

longstring <- function(row) { row <- row[!is.na(row)]; if (!length(row)) 0 else max(rle(row)$lengths) }
evenodd <- function(row, factors) {
  ends <- cumsum(factors); starts <- ends - factors + 1
  f <- t(sapply(seq_along(factors), function(j) {
    s <- row[starts[j]:ends[j]]; idx <- seq_along(s)
    c(mean(s[idx %% 2 == 0], na.rm = TRUE), mean(s[idx %% 2 == 1], na.rm = TRUE))
  }))
  if (any(apply(f, 2, sd, na.rm = TRUE) == 0, na.rm = TRUE)) return(NA)
  val <- cor(f[, 1], f[, 2], use = "pairwise.complete.obs")
  val <- (2 * val) / (1 + val)
  if (!is.na(val) && val < -1) val <- -1
  -val
}
write_reference(list(
  factors = factors,
  longstring = apply(x, 1, longstring),
  irv = apply(x, 1, sd, na.rm = TRUE),
  mahalanobis = unname(outlier(x, plot = FALSE, bad = 0)),
  mahalanobis_complete = unname(outlier(complete[1:n, ], plot = FALSE, bad = 0)),
  evenodd = apply(x, 1, evenodd, factors = factors)
), "careless.json")
