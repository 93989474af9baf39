## Golden outputs of R surveillance 1.20.3 (Debian r-cran-surveillance) for the shouwang detect engine.
## Run:  TZ=UTC Rscript make_goldens.R /work/shared/data/epi-reference tests/golden/detect
## Reads the package's datasets from the shared CSV exports (argument 1) and writes one CSV per case
## into argument 2 with the columns R produces for it, numbers with 17 significant digits.
## The momo population is not in the shared export; it is taken from the package and written to
## momo_population.csv so the tests use the same numbers.
suppressMessages(library(surveillance))
args <- commandArgs(trailingOnly = TRUE)
shared <- if (length(args) >= 1) args[1] else "/work/shared/data/epi-reference"
out <- if (length(args) >= 2) args[2] else "."
cat("surveillance", as.character(packageVersion("surveillance")), R.version.string, "\n")

num <- function(x) ifelse(is.na(x), "NA", sprintf("%.17g", as.numeric(x)))
lgl <- function(x) ifelse(is.na(x), "NA", ifelse(as.logical(x), "true", "false"))
write_case <- function(name, df) {
  for (col in names(df)) df[[col]] <- if (col == "alarm") lgl(df[[col]]) else if (col %in% c("date")) df[[col]] else num(df[[col]])
  write.csv(df, file.path(out, paste0(name, ".csv")), row.names = FALSE, quote = FALSE)
  cat("wrote", name, nrow(df), "rows\n")
}

## ---- datasets (from the shared CSV exports) ----
agona <- read.csv(file.path(shared, "goldens/salmonella_agona.csv"))$observed
newport_df <- read.csv(file.path(shared, "goldens/stsNewport.csv"))
onset_df <- read.csv(file.path(shared, "surveillance/salmAllOnset.csv"))
momo_df <- read.csv(file.path(shared, "surveillance/momo.csv"), check.names = FALSE)
hepA <- read.csv(file.path(shared, "surveillance/hepatitisA.csv"))$observed
influ <- read.csv(file.path(shared, "surveillance/influMen.csv"))$influenza

data("momo", package = "surveillance")
momo_pop <- as.vector(population(momo)[, "[75,85)"])
stopifnot(length(momo_pop) == nrow(momo_df))
write.csv(data.frame(date = momo_df$date, population = sprintf("%.17g", momo_pop)),
          file.path(out, "momo_population.csv"), row.names = FALSE, quote = FALSE)

index_sts <- function(y, pop = NULL) {
  if (is.null(pop)) sts(observed = matrix(y, ncol = 1), start = c(2000, 1), frequency = 52)
  else sts(observed = matrix(y, ncol = 1), start = c(2000, 1), frequency = 52, population = matrix(pop, ncol = 1))
}
date_sts <- function(dates, y, pop = NULL) {
  ep <- as.numeric(as.Date(dates))
  if (is.null(pop)) sts(observed = matrix(y, ncol = 1), epoch = ep, epochAsDate = TRUE, frequency = 52)
  else sts(observed = matrix(y, ncol = 1), epoch = ep, epochAsDate = TRUE, frequency = 52,
           population = matrix(pop, ncol = 1))
}

## Missing weeks: stsNewport with NA in baselines, in the current window and in the range.
newport_na <- newport_df$observed
newport_na[c(400, 452, 453, 505, 560, 612, 690, 700, 701, 742, 760)] <- NA
write.csv(data.frame(date = newport_df$date, observed = ifelse(is.na(newport_na), "NA", newport_na)),
          file.path(out, "stsNewport_with_missing.csv"), row.names = FALSE, quote = FALSE)

## ---- farringtonFlexible ----
default_range <- function(control, n, from) if (is.null(control$range)) from:n else control$range
ff_case <- function(name, x, control) {
  r <- farringtonFlexible(x, control = control)
  ctl <- r@control
  write_case(name, data.frame(
    t = default_range(control, nrow(x), 52 * (if (is.null(control[["b", exact = TRUE]])) 5 else control$b) +
                      (if (is.null(control[["w", exact = TRUE]])) 3 else control$w) + 1), date = if (x@epochAsDate) format(epoch(r)) else "NA",
    observed = as.vector(observed(r)), upperbound = as.vector(upperbound(r)), alarm = as.vector(alarms(r)),
    expected = as.vector(ctl$expected), score = as.vector(ctl$score), pvalue = as.vector(ctl$pvalue),
    phi = as.vector(ctl$phiVector), trend = as.vector(ctl$trend)))
}
nouf <- list(noPeriods = 10, pastWeeksNotIncluded = 26, weightsThreshold = 2.58, thresholdMethod = "nbPlugin")
last <- function(n, k) (n - k + 1):n

ag <- index_sts(agona)
ff_case("ff_agona_default", ag, list())
ff_case("ff_agona_noufaily", ag, nouf)
ff_case("ff_agona_noufaily_muan", ag, modifyList(nouf, list(thresholdMethod = "muan")))
ff_case("ff_agona_b4_none_limit32", ag, list(b = 4, powertrans = "none", limit54 = c(3, 2), range = last(312, 52)))

np <- date_sts(newport_df$date, newport_df$observed)
nn <- nrow(newport_df)
ff_case("ff_newport_default", np, list(range = last(nn, 104)))
ff_case("ff_newport_noufaily", np, modifyList(nouf, list(range = last(nn, 104))))
ff_case("ff_newport_noufaily_muan", np, modifyList(nouf, list(range = last(nn, 104), thresholdMethod = "muan")))
ff_case("ff_newport_b3_noreweight_half", np, list(range = last(nn, 104), b = 3, reweight = FALSE,
                                                  alpha = 0.01, powertrans = "1/2"))
ff_case("ff_newport_pwni1_w2_notrend", np, list(range = last(nn, 60), w = 2, pastWeeksNotIncluded = 1,
                                                trend = FALSE, weightsThreshold = 1))
ff_case("ff_newport_missing", date_sts(newport_df$date, newport_na), list(range = 400:nn))
ff_case("ff_newport_missing_noufaily", date_sts(newport_df$date, newport_na), modifyList(nouf, list(range = 600:nn)))

## A seasonal level without data (farringtonFlexible's factor keeps it, its dummy is all zero and R's
## QR aliases it): agona with the weeks of block 1 (the reference level) or block 5 set to NA in all
## five baseline years of week 300, evaluated on weeks 298..302 (only 300 has the empty level).
agona_empty_level <- function(block) {
  y <- agona
  for (i in 1:5) y[300 - 52 * i + 3 + 5 * (block - 1) + (1:5)] <- NA
  y
}
ff_case("ff_agona_noufaily_empty_level1", index_sts(agona_empty_level(1)), modifyList(nouf, list(range = 298:302)))
ff_case("ff_agona_noufaily_empty_level5", index_sts(agona_empty_level(5)), modifyList(nouf, list(range = 298:302)))

on <- date_sts(onset_df$date, onset_df$observed1)
no <- nrow(onset_df)
ff_case("ff_salmAllOnset_default", on, list(range = last(no, 104)))
ff_case("ff_salmAllOnset_noufaily", on, modifyList(nouf, list(range = last(no, 104))))

mo <- momo_df[["[75,85)"]]
nm <- nrow(momo_df)
ff_case("ff_momo_population", date_sts(momo_df$date, mo, momo_pop),
        list(range = last(nm, 104), populationOffset = TRUE))
ff_case("ff_momo_population_noufaily", date_sts(momo_df$date, mo, momo_pop),
        modifyList(nouf, list(range = last(nm, 104), populationOffset = TRUE)))
ff_case("ff_momo_no_population", date_sts(momo_df$date, mo, momo_pop), list(range = last(nm, 104)))

## ---- algo.farrington (Farrington et al. 1996) ----
f96_case <- function(name, y, control) {
  dp <- create.disProg(week = seq_along(y), observed = y, state = rep(0, length(y)), freq = 52)
  r <- algo.farrington(dp, control = control)
  rng <- r$control$range
  enough <- sapply(rng, function(k) sum(y[(k - 3):k]) >= 5)
  mu0 <- r$control$pd[, 2]
  write_case(name, data.frame(t = rng, observed = y[rng], upperbound = as.vector(r$upperbound),
    alarm = as.vector(r$alarm) == 1, expected = mu0,
    score = ifelse(enough, (y[rng] - mu0) / (as.vector(r$upperbound) - mu0), 0),
    pvalue = 1 - r$control$pd[, 1], trend = as.vector(r$trend)))
}
f96_case("f96_agona_b4", agona, list(range = last(312, 52), b = 4, w = 3))
f96_case("f96_influenza_default", influ, list(range = 260:312))
f96_case("f96_hepatitisA_b3_noreweight", hepA, list(range = 160:208, b = 3, reweight = FALSE, alpha = 0.01))

## ---- earsC ----
ears_case <- function(name, y, control) {
  r <- earsC(index_sts(y), control = control)
  bl <- if (is.null(control$baseline)) 7 else control$baseline
  rng <- (bl + switch(control$method, C1 = 1, C2 = 3, C3 = 5)):length(y)
  write_case(name, data.frame(t = rng, observed = as.vector(observed(r)), upperbound = as.vector(upperbound(r)),
                              alarm = as.vector(alarms(r))))
}
for (m in c("C1", "C2", "C3")) {
  ears_case(paste0("ears_", tolower(m), "_agona"), agona, list(method = m))
  ears_case(paste0("ears_", tolower(m), "_hepatitisA"), hepA, list(method = m))
  ears_case(paste0("ears_", tolower(m), "_influenza_b10_sigma1"), influ,
            list(method = m, baseline = 10, minSigma = 1, alpha = 0.01))
}

## ---- algo.cusum ----
cusum_case <- function(name, y, control) {
  dp <- create.disProg(week = seq_along(y), observed = y, state = rep(0, length(y)), freq = 52)
  r <- algo.cusum(dp, control = control)
  rng <- control$range
  write_case(name, data.frame(t = rng, observed = y[rng], upperbound = as.vector(r$upperbound),
    alarm = as.vector(r$alarm) == 1, expected = rep(r$control$m, length(rng)), score = r$cusum))
}
for (tr in c("standard", "rossi", "anscombe", "anscombe2nd", "pearsonNegBin", "none")) {
  cusum_case(paste0("cusum_", tr, "_agona"), agona, list(range = 209:312, k = 1.04, h = 2.26, trans = tr))
  cusum_case(paste0("cusum_", tr, "_hepatitisA"), hepA, list(range = 157:208, k = 0.5, h = 4, trans = tr))
}

## ---- algo.glrpois ----
glr_case <- function(name, y, control) {
  dp <- create.disProg(week = seq_along(y), observed = y, state = rep(0, length(y)), freq = 52)
  r <- suppressMessages(algo.glrpois(dp, control = control))
  rng <- control$range
  write_case(name, data.frame(t = rng, observed = y[rng], upperbound = as.vector(r$upperbound),
    alarm = as.vector(r$alarm) == 1, expected = r$control$mu0))
}
glr_case("glr_agona_carl4", agona, list(range = 209:312, c.ARL = 4, mu0 = list(S = 1, trend = FALSE), ret = "value"))
glr_case("glr_influenza_s2_trend", influ, list(range = 157:312, c.ARL = 5, mu0 = list(S = 2, trend = TRUE), ret = "value"))
glr_case("glr_hepatitisA", hepA, list(range = 105:208, c.ARL = 3, ret = "value"))
cat("done\n")
