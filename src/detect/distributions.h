// The few probability functions the detectors need, on Boost.Math with a non-throwing policy, with
// R's conventions (one-sided tails, left-continuous discrete quantiles) so results match R.
#pragma once

namespace shouwang::detect {

double normal_quantile(double p);                 // qnorm(p)
double normal_upper_tail(double x, double mean, double sd);  // pnorm(x, mean, sd, lower.tail = FALSE)
double normal_lower_tail(double x, double mean, double sd);  // pnorm(x, mean, sd)
double student_t_two_sided_p(double t, double df);           // 2 * pt(-|t|, df)
// qnbinom(p, size, prob) / qpois(p, lambda): the smallest integer x with F(x) >= p (R's fuzz included).
double negative_binomial_quantile(double p, double size, double prob);
double poisson_quantile(double p, double lambda);
// P(Y >= y) = pnbinom(y - 1, size, prob, lower.tail = FALSE) / ppois(y - 1, lambda, lower.tail = FALSE).
double negative_binomial_at_least(double y, double size, double prob);
double poisson_at_least(double y, double lambda);

}  // namespace shouwang::detect
