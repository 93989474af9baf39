## R EpiEstim 2.2-4 side of bench/rt: the same series and configuration as bench_rt --time.
suppressMessages(library(EpiEstim))
args <- commandArgs(trailingOnly = TRUE)
d <- read.csv(args[1])
ids <- unique(d$series)
series <- lapply(ids, function(i) d$I[d$series == i])
start <- Sys.time()
checksum <- 0
for (I in series) {
  r <- suppressWarnings(suppressMessages(estimate_R(I, method = "parametric_si",
         config = make_config(list(mean_si = 4.7, std_si = 2.9)))))$R
  ok <- !is.na(r[["Mean(R)"]])
  checksum <- checksum + sum(r[["Mean(R)"]][ok] + r[["Quantile.0.025(R)"]][ok] + r[["Quantile.0.975(R)"]][ok])
}
seconds <- as.numeric(difftime(Sys.time(), start, units = "secs"))
cat(sprintf("R EpiEstim %s: %d series x %d days in %.3f s = %.3f series/s (checksum %.10g)\n",
            as.character(packageVersion("EpiEstim")), length(series), length(series[[1]]), seconds,
            length(series) / seconds, checksum))
