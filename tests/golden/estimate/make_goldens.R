## Golden Rt outputs from R EpiEstim 2.2-4 (Debian r-cran-epiestim) for `shouwang rt` and the
## shouwang_estimate tests. Reads the EpiEstim datasets exported as CSV (so R and our engine see the
## same input) and writes one CSV per case in our output format plus manifest.csv describing the cases.
## Run from anywhere:
##   Rscript tests/golden/estimate/make_goldens.R /work/shared/data/epi-reference/epiestim tests/golden/estimate
suppressMessages(library(EpiEstim))
args <- commandArgs(trailingOnly = TRUE)
if (length(args) < 1) stop("usage: make_goldens.R DATA_DIR [OUT_DIR]")
data_dir <- args[1]
out_dir <- if (length(args) >= 2) args[2] else "."
stopifnot(as.character(packageVersion("EpiEstim")) == "2.2.4")

read_incidence <- function(name) {
  d <- read.csv(file.path(data_dir, name))
  if (all(c("local", "imported") %in% names(d))) data.frame(local = d$local, imported = d$imported)
  else data.frame(I = d$I)
}
read_si <- function(path) {
  d <- read.csv(path)
  stopifnot(all(d$t == seq_along(d$t) - 1))
  d$si_distr
}
fmt <- function(x) ifelse(is.na(x), "NA", sprintf("%.17g", x))

## MERS has no bundled serial interval: a non-parametric one is made here from a discretised Gamma
## (mean 6.8, sd 3.6 days, 0..30 days, renormalised) and committed next to the goldens.
mers_si <- discr_si(0:30, 6.8, 3.6); mers_si <- mers_si / sum(mers_si)
write.csv(data.frame(t = seq_along(mers_si) - 1, si_distr = sprintf("%.17g", mers_si)),
          file.path(out_dir, "mers_2014_15_si_distr.csv"), row.names = FALSE, quote = FALSE)

cases <- list()
add <- function(case, incidence, method, si_mean = NA, si_sd = NA, si_file = "", window = NA,
                t_start = NULL, t_end = NULL, prior_mean = 5, prior_sd = 5) {
  cases[[length(cases) + 1]] <<- list(case = case, incidence = incidence, method = method, si_mean = si_mean,
    si_sd = si_sd, si_file = si_file, window = window, t_start = t_start, t_end = t_end,
    prior_mean = prior_mean, prior_sd = prior_sd)
}
## Serial intervals: the bundled distributions, and for the parametric method published means/sds
## (Flu: Cori 2013 / Ferguson 2005; measles, SARS, smallpox, MERS: as in the EpiEstim examples/literature).
sets <- list(
  list("Flu2009", "Flu2009_incidence.csv", "Flu2009_si_distr.csv", 2.6, 1.5),
  list("Flu1918", "Flu1918_incidence.csv", "Flu1918_si_distr.csv", 2.6, 1.5),
  list("Measles1861", "Measles1861_incidence.csv", "Measles1861_si_distr.csv", 14.9, 3.9),
  list("SARS2003", "SARS2003_incidence.csv", "SARS2003_si_distr.csv", 8.4, 3.8),
  list("Smallpox1972", "Smallpox1972_incidence.csv", "Smallpox1972_si_distr.csv", 22.4, 6.1),
  list("MERS2014_15", "mers_2014_15_incidence.csv", "golden:mers_2014_15_si_distr.csv", 6.8, 3.6))
for (s in sets) {
  add(paste0(s[[1]], "_parametric_weekly"), s[[2]], "parametric_si", si_mean = s[[4]], si_sd = s[[5]])
  add(paste0(s[[1]], "_nonparametric_weekly"), s[[2]], "non_parametric_si", si_file = s[[3]])
}
## Given windows, other widths and priors.
add("Flu1918_parametric_14day_prior2_1", "Flu1918_incidence.csv", "parametric_si", si_mean = 2.6, si_sd = 1.5,
    t_start = 2:79, t_end = 15:92, prior_mean = 2, prior_sd = 1)
add("SARS2003_nonparametric_given_windows", "SARS2003_incidence.csv", "non_parametric_si",
    si_file = "SARS2003_si_distr.csv", t_start = c(2, 5, 10, 20, 40, 60, 80), t_end = c(5, 30, 40, 50, 70, 100, 107))
add("Measles1861_parametric_window3", "Measles1861_incidence.csv", "parametric_si", si_mean = 14.9, si_sd = 3.9,
    window = 3)
add("MERS2014_15_parametric_window14_prior1_2", "mers_2014_15_incidence.csv", "parametric_si", si_mean = 6.8,
    si_sd = 3.6, window = 14, prior_mean = 1, prior_sd = 2)
add("Smallpox1972_nonparametric_window1", "Smallpox1972_incidence.csv", "non_parametric_si",
    si_file = "Smallpox1972_si_distr.csv", window = 1)

manifest <- NULL
for (k in cases) {
  incid <- read_incidence(k$incidence)
  T <- nrow(incid)
  t_start <- k$t_start; t_end <- k$t_end
  if (is.null(t_start)) {
    w <- if (is.na(k$window)) 7 else k$window
    t_start <- seq(2, T - w + 1); t_end <- t_start + w - 1
  }
  cfg <- list(t_start = t_start, t_end = t_end, mean_prior = k$prior_mean, std_prior = k$prior_sd)
  if (k$method == "parametric_si") {
    cfg$mean_si <- k$si_mean; cfg$std_si <- k$si_sd
  } else {
    cfg$si_distr <- if (startsWith(k$si_file, "golden:")) read_si(file.path(out_dir, sub("golden:", "", k$si_file)))
                    else read_si(file.path(data_dir, k$si_file))
  }
  res <- suppressWarnings(suppressMessages(estimate_R(incid, method = k$method, config = make_config(cfg))))
  r <- res$R
  out <- data.frame(t_start = r$t_start, t_end = r$t_end, mean = fmt(r[["Mean(R)"]]), std = fmt(r[["Std(R)"]]),
                    q0.025 = fmt(r[["Quantile.0.025(R)"]]), q0.05 = fmt(r[["Quantile.0.05(R)"]]),
                    q0.25 = fmt(r[["Quantile.0.25(R)"]]), median = fmt(r[["Median(R)"]]),
                    q0.75 = fmt(r[["Quantile.0.75(R)"]]), q0.95 = fmt(r[["Quantile.0.95(R)"]]),
                    q0.975 = fmt(r[["Quantile.0.975(R)"]]))
  golden <- paste0("rt_", k$case, ".csv")
  write.csv(out, file.path(out_dir, golden), row.names = FALSE, quote = FALSE)
  manifest <- rbind(manifest, data.frame(
    case = k$case, incidence = k$incidence, method = k$method,
    si_mean = ifelse(is.na(k$si_mean), "", k$si_mean), si_sd = ifelse(is.na(k$si_sd), "", k$si_sd),
    si_file = k$si_file, window = ifelse(is.na(k$window), "", k$window),
    t_start = if (is.null(k$t_start)) "" else paste(k$t_start, collapse = " "),
    t_end = if (is.null(k$t_end)) "" else paste(k$t_end, collapse = " "),
    prior_mean = k$prior_mean, prior_sd = k$prior_sd,
    si_mean_discrete = sprintf("%.17g", res$SI.Moments$Mean), si_sd_discrete = sprintf("%.17g", res$SI.Moments$Std),
    golden = golden))
  cat(k$case, nrow(out), "windows\n")
}
write.csv(manifest, file.path(out_dir, "manifest.csv"), row.names = FALSE, quote = FALSE)
cat("EpiEstim", as.character(packageVersion("EpiEstim")), R.version.string, "\n")
