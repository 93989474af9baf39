## R side of bench/detect: farringtonFlexible (farrington defaults and the Noufaily configuration)
## over the last 52 weeks of each series in the file; prints the timing, writes the alarms.
## Usage: Rscript bench_r.R SERIES.csv ALARMS_OUT.csv
suppressMessages(library(surveillance))
args <- commandArgs(trailingOnly = TRUE)
x <- read.csv(args[1], check.names = FALSE)
n <- nrow(x)
rng <- (n - 51):n
configs <- list(farrington = list(range = rng),
                noufaily = list(range = rng, noPeriods = 10, pastWeeksNotIncluded = 26,
                                weightsThreshold = 2.58, thresholdMethod = "nbPlugin"))
out <- NULL
for (method in names(configs)) {
  elapsed <- 0
  for (j in 2:ncol(x)) {
    s <- sts(observed = matrix(x[[j]], ncol = 1), start = c(2000, 1), frequency = 52)
    t0 <- proc.time()[["elapsed"]]
    r <- suppressWarnings(farringtonFlexible(s, control = configs[[method]]))
    elapsed <- elapsed + proc.time()[["elapsed"]] - t0
    out <- rbind(out, data.frame(method = method, series = j - 1, t = rng,
                                 alarm = ifelse(as.vector(alarms(r)), "true", "false")))
  }
  cat(sprintf("R %s seconds %.3f week_evaluations %d\n", method, elapsed, (ncol(x) - 1) * length(rng)))
}
write.csv(out, args[2], row.names = FALSE, quote = FALSE)
