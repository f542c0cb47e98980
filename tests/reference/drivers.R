# Reference values for analysis.drivers: Johnson's (2000) relative weights and general
# dominance (Budescu 1993) by brute force over every subset of predictors (lm), on
# mtcars (the worked example printed in the README of the rwa package: outcome mpg,
# predictors cyl, disp, hp, gear) and on correlated predictors simulated here.
source(file.path(dirname(normalizePath(sub("^--file=", "", grep("^--file=", commandArgs(FALSE), value = TRUE)))), "common.R"))

relative_weights <- function(df, outcome, predictors) {
  r <- cor(df[, c(outcome, predictors)])
  rxx <- r[predictors, predictors]; rxy <- r[predictors, outcome]
  e <- eigen(rxx, symmetric = TRUE)
  lambda <- e$vectors %*% diag(sqrt(e$values)) %*% t(e$vectors)
  beta <- solve(lambda) %*% rxy
  raw <- as.vector((lambda^2) %*% (beta^2))
  list(predictor = predictors, weight = raw, r2 = sum(raw))
}

r2_of <- function(df, outcome, set) {
  if (length(set) == 0) return(0)
  summary(lm(reformulate(set, outcome), data = df))$r.squared
}

general_dominance <- function(df, outcome, predictors) {
  p <- length(predictors)
  sapply(predictors, function(j) {
    others <- setdiff(predictors, j)
    by_size <- sapply(0:(p - 1), function(k) {
      sets <- if (k == 0) list(character(0)) else combn(others, k, simplify = FALSE)
      mean(sapply(sets, function(s) r2_of(df, outcome, c(s, j)) - r2_of(df, outcome, s)))
    })
    mean(by_size)
  })
}

cars <- mtcars[, c("mpg", "cyl", "disp", "hp", "gear")]
output_data(cars, "mtcars.csv")
cars_rw <- relative_weights(cars, "mpg", c("cyl", "disp", "hp", "gear"))
cars_gd <- general_dominance(cars, "mpg", c("cyl", "disp", "hp", "gear"))

set.seed(2000)
n <- 300; p <- 6
sigma <- 0.45 ^ abs(outer(1:p, 1:p, "-"))          # correlated predictors
x <- matrix(rnorm(n * p), n, p) %*% chol(sigma)
colnames(x) <- paste0("s", 1:p)
y <- as.vector(x %*% c(0.6, 0.3, 0.0, 0.2, 0.1, 0.0) + rnorm(n))
sim <- data.frame(y = y, x)
output_data(sim, "drivers_sim.csv")
sim_rw <- relative_weights(sim, "y", colnames(x))
sim_gd <- general_dominance(sim, "y", colnames(x))

write_reference(list(
  mtcars = list(relative_weights = cars_rw, general_dominance = unname(cars_gd),
                published = list(source = "rwa package README (martinctc/rwa), rwa(mtcars, outcome = 'mpg', predictors = c('cyl','disp','hp','gear'))",
                                 rsquare = 0.7791896,
                                 raw = c(0.2284797, 0.2221469, 0.2321744, 0.0963886))),
  simulated = list(relative_weights = sim_rw, general_dominance = unname(sim_gd))
), "drivers.json")
