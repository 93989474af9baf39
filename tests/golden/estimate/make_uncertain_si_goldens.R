## Golden outputs of R EpiEstim 2.2-4 `estimate_R(method = "uncertain_si")` for the shouwang_estimate
## tests. The method is random, so the goldens use many samples (n1 = 2000 serial intervals, n2 = 200
## posterior draws each) and the tests compare our own sampled answer with them distributionally.
## One CSV per case in `shouwang rt`'s output format, plus uncertain_si_manifest.csv with the configs.
## Run from anywhere:
##   Rscript tests/golden/estimate/make_uncertain_si_goldens.R /work/shared/data/epi-reference/epiestim tests/golden/estimate
suppressMessages(library(EpiEstim))
args <- commandArgs(trailingOnly = TRUE)
if (length(args) < 1) stop("usage: make_uncertain_si_goldens.R DATA_DIR [OUT_DIR]")
data_dir <- args[1]
out_dir <- if (length(args) >= 2) args[2] else "."
stopifnot(as.character(packageVersion("EpiEstim")) == "2.2.4")
fmt <- function(x) ifelse(is.na(x), "NA", sprintf("%.17g", x))

## The serial-interval uncertainty of the EpiEstim vignette (Flu 2009), and a wider one for SARS.
cases <- list(
  list(case = "Flu2009_uncertain_si", incidence = "Flu2009_incidence.csv", mean_si = 2.6, std_mean_si = 1,
       min_mean_si = 1, max_mean_si = 4.2, std_si = 1.5, std_std_si = 0.5, min_std_si = 0.5, max_std_si = 2.5),
  list(case = "SARS2003_uncertain_si", incidence = "SARS2003_incidence.csv", mean_si = 8.4, std_mean_si = 2,
       min_mean_si = 4.4, max_mean_si = 12.4, std_si = 3.8, std_std_si = 1, min_std_si = 1.8, max_std_si = 5.8))
n1 <- 2000
n2 <- 200
manifest <- NULL
for (c in cases) {
  d <- read.csv(file.path(data_dir, c$incidence))
  config <- make_config(list(mean_si = c$mean_si, std_mean_si = c$std_mean_si, min_mean_si = c$min_mean_si,
                             max_mean_si = c$max_mean_si, std_si = c$std_si, std_std_si = c$std_std_si,
                             min_std_si = c$min_std_si, max_std_si = c$max_std_si, n1 = n1, n2 = n2, seed = 1))
  r <- suppressWarnings(estimate_R(d$I, method = "uncertain_si", config = config))$R
  ## Integers as text: apply() would pad numeric columns to a common width.
  out <- data.frame(t_start = sprintf("%d", as.integer(r$t_start)), t_end = sprintf("%d", as.integer(r$t_end)),
                    mean = fmt(r[["Mean(R)"]]), std = fmt(r[["Std(R)"]]),
                    q0.025 = fmt(r[["Quantile.0.025(R)"]]), q0.05 = fmt(r[["Quantile.0.05(R)"]]),
                    q0.25 = fmt(r[["Quantile.0.25(R)"]]), median = fmt(r[["Median(R)"]]),
                    q0.75 = fmt(r[["Quantile.0.75(R)"]]), q0.95 = fmt(r[["Quantile.0.95(R)"]]),
                    q0.975 = fmt(r[["Quantile.0.975(R)"]]))
  golden <- paste0("rt_", c$case, ".csv")
  writeLines(c(paste(names(out), collapse = ","), apply(out, 1, paste, collapse = ",")), file.path(out_dir, golden))
  manifest <- rbind(manifest, data.frame(case = c$case, incidence = c$incidence, mean_si = c$mean_si,
    std_mean_si = c$std_mean_si, min_mean_si = c$min_mean_si, max_mean_si = c$max_mean_si, std_si = c$std_si,
    std_std_si = c$std_std_si, min_std_si = c$min_std_si, max_std_si = c$max_std_si, n1 = n1, n2 = n2,
    golden = golden))
}
write.csv(manifest, file.path(out_dir, "uncertain_si_manifest.csv"), row.names = FALSE, quote = FALSE)
