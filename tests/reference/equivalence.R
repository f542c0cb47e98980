# Reference values for the equivalence tests (analysis.twosample.tost_welch,
# equivalence_chi2) and the verdicts of analysis.gaps.perception_gaps.
# Data: simulated here (seeded) and written to data/equivalence.csv for Python.
source(file.path(dirname(normalizePath(sub("^--file=", "", grep("^--file=", commandArgs(FALSE), value = TRUE)))), "common.R"))
set.seed(20261201)
n_a <- 48; n_b <- 61
# Four 7-point items: no gap, a small gap, a large gap, and one with unequal spread.
means_a <- c(4.0, 4.2, 5.2, 4.0); means_b <- c(4.0, 4.0, 4.0, 4.1)
sds_a <- c(1.2, 1.2, 1.2, 0.6); sds_b <- c(1.2, 1.2, 1.2, 1.8)
likert <- function(n, m, s) pmin(7, pmax(1, round(rnorm(n, m, s))))
a <- sapply(1:4, function(j) likert(n_a, means_a[j], sds_a[j]))
b <- sapply(1:4, function(j) likert(n_b, means_b[j], sds_b[j]))
# Two categorical items (three categories) with similar and with different shares.
cat_a <- cbind(sample(1:3, n_a, TRUE, c(.4, .4, .2)), sample(1:3, n_a, TRUE, c(.6, .3, .1)))
cat_b <- cbind(sample(1:3, n_b, TRUE, c(.4, .38, .22)), sample(1:3, n_b, TRUE, c(.2, .3, .5)))
data <- rbind(
  data.frame(group = "a", x1 = a[, 1], x2 = a[, 2], x3 = a[, 3], x4 = a[, 4],
             c1 = cat_a[, 1], c2 = cat_a[, 2]),
  data.frame(group = "b", x1 = b[, 1], x2 = b[, 2], x3 = b[, 3], x4 = b[, 4],
             c1 = cat_b[, 1], c2 = cat_b[, 2]))
output_data(data, "equivalence.csv")
sesoi <- 0.3
tost <- lapply(c("x1", "x2", "x3", "x4"), function(v) {
  x <- data[data$group == "a", v]; y <- data[data$group == "b", v]
  sp <- sqrt(((length(x) - 1) * var(x) + (length(y) - 1) * var(y)) / (length(x) + length(y) - 2))
  bound <- sesoi * sp
  lower <- t.test(x, y, mu = -bound, alternative = "greater")   # Welch by default
  upper <- t.test(x, y, mu = bound, alternative = "less")
  list(variable = v, bound = bound, p_lower = lower$p.value, p_upper = upper$p.value,
       p_equivalence = max(lower$p.value, upper$p.value))
})
w0 <- sesoi / sqrt(sesoi^2 + 4)
chisq_eq <- lapply(c("c1", "c2"), function(v) {
  tab <- table(data$group, data[[v]])
  test <- suppressWarnings(chisq.test(tab, correct = FALSE))
  list(variable = v, chi2 = unname(test$statistic), dof = unname(test$parameter),
       n = sum(tab), w0 = w0,
       p_equivalence = pchisq(unname(test$statistic), unname(test$parameter), ncp = sum(tab) * w0^2))
})
write_reference(list(sesoi = sesoi, tost = tost, chisq = chisq_eq), "equivalence.json")
