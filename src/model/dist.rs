//! Demand distributions: constant, exponential, lognormal, gamma and empirical.
//!
//! Lognormal and gamma are parameterised by mean and coefficient of variation (CV), which is
//! what a capacity planner reads off a request log; the shape parameters are derived here,
//! once, at validation time. Sampling never allocates.

use rand::Rng;
use rand_distr::{Distribution, Exp1, Gamma, LogNormal};

/// A validated non-negative distribution. Values are in the unit of the field that holds
/// it (seconds for times, a plain number for counts).
#[derive(Clone, Debug)]
pub enum Dist {
    Constant(f64),
    Exponential {
        mean: f64,
        /// `1 / (1 / mean)`, the scale `rand_distr::Exp::new(1 / mean)` keeps: a sample is
        /// `Exp1 × scale`, the same bits as `Exp`'s, without its out-of-line `Rng::sample`.
        scale: f64,
    },
    LogNormal {
        mean: f64,
        cv: f64,
        ln: LogNormal<f64>,
    },
    Gamma {
        mean: f64,
        cv: f64,
        gamma: Gamma<f64>,
    },
    /// Observed values, each equally likely unless weights were given; `cumulative` holds
    /// the normalised cumulative weights (last = 1).
    Empirical {
        values: Vec<f64>,
        cumulative: Vec<f64>,
    },
}

impl Dist {
    pub fn constant(value: f64) -> Dist {
        debug_assert!(value >= 0.0);
        Dist::Constant(value)
    }

    /// `mean` must be positive.
    pub fn exponential(mean: f64) -> Dist {
        Dist::Exponential {
            mean,
            scale: {
                let lambda = 1.0 / mean;
                assert!(
                    !(lambda.is_sign_negative() || lambda.is_nan()),
                    "validated: mean > 0"
                );
                1.0 / lambda
            },
        }
    }

    /// `mean` and `cv` must be positive.
    pub fn lognormal(mean: f64, cv: f64) -> Dist {
        let sigma2 = (1.0 + cv * cv).ln();
        let mu = mean.ln() - sigma2 / 2.0;
        let ln = LogNormal::new(mu, sigma2.sqrt()).expect("validated: mean, cv > 0");
        Dist::LogNormal { mean, cv, ln }
    }

    /// `mean` and `cv` must be positive. Shape `1/cv²`: cv = 1 is exponential,
    /// cv = 1/√2 is Erlang-2.
    pub fn gamma(mean: f64, cv: f64) -> Dist {
        let shape = 1.0 / (cv * cv);
        let gamma = Gamma::new(shape, mean / shape).expect("validated: mean, cv > 0");
        Dist::Gamma { mean, cv, gamma }
    }

    /// `values` non-empty and non-negative; `weights`, if given, same length, non-negative,
    /// positive sum.
    pub fn empirical(values: Vec<f64>, weights: Option<&[f64]>) -> Dist {
        let n = values.len();
        let w: Vec<f64> = weights.map_or_else(|| vec![1.0; n], <[f64]>::to_vec);
        let total: f64 = w.iter().sum();
        let mut acc = 0.0;
        let mut cumulative: Vec<f64> = w
            .iter()
            .map(|x| {
                acc += x;
                acc / total
            })
            .collect();
        if let Some(last) = cumulative.last_mut() {
            *last = 1.0;
        }
        Dist::Empirical { values, cumulative }
    }

    /// The exact mean of the distribution.
    pub fn mean(&self) -> f64 {
        match self {
            Dist::Constant(v) => *v,
            Dist::Exponential { mean, .. }
            | Dist::LogNormal { mean, .. }
            | Dist::Gamma { mean, .. } => *mean,
            Dist::Empirical { values, cumulative } => {
                let mut prev = 0.0;
                values
                    .iter()
                    .zip(cumulative)
                    .map(|(v, c)| {
                        let p = c - prev;
                        prev = *c;
                        v * p
                    })
                    .sum()
            }
        }
    }

    /// Squared coefficient of variation (variance / mean²).
    pub fn scv(&self) -> f64 {
        match self {
            Dist::Constant(_) => 0.0,
            Dist::Exponential { .. } => 1.0,
            Dist::LogNormal { cv, .. } | Dist::Gamma { cv, .. } => cv * cv,
            Dist::Empirical { values, cumulative } => {
                let m = self.mean();
                if m == 0.0 {
                    return 0.0;
                }
                let mut prev = 0.0;
                let var: f64 = values
                    .iter()
                    .zip(cumulative)
                    .map(|(v, c)| {
                        let p = c - prev;
                        prev = *c;
                        (v - m) * (v - m) * p
                    })
                    .sum();
                var / (m * m)
            }
        }
    }

    /// True when every sample is zero (lets the simulation skip a phase).
    pub fn is_zero(&self) -> bool {
        matches!(self, Dist::Constant(v) if *v == 0.0)
    }

    #[inline(always)]
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        match self {
            Dist::Constant(v) => *v,
            Dist::Exponential { scale, .. } => Distribution::<f64>::sample(&Exp1, rng) * *scale,
            Dist::LogNormal { ln, .. } => ln.sample(rng),
            Dist::Gamma { gamma, .. } => gamma.sample(rng),
            Dist::Empirical { values, cumulative } => {
                let u: f64 = rand::RngExt::random(rng);
                let i = cumulative
                    .partition_point(|c| *c <= u)
                    .min(values.len() - 1);
                values[i]
            }
        }
    }

    /// Samples a count, rounding stochastically so that the mean is preserved.
    #[inline]
    pub fn sample_count<R: Rng + ?Sized>(&self, rng: &mut R) -> u32 {
        let x = self.sample(rng).max(0.0);
        let floor = x.floor();
        let frac = x - floor;
        let extra = frac > 0.0 && rand::RngExt::random::<f64>(rng) < frac;
        (floor as u32).saturating_add(extra as u32)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand::rngs::Xoshiro256PlusPlus;

    /// Sample mean and SCV must match the exact ones within a few standard errors.
    fn check(d: Dist, seed: u64) {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
        let n = 400_000;
        let xs: Vec<f64> = (0..n).map(|_| d.sample(&mut rng)).collect();
        let m = xs.iter().sum::<f64>() / n as f64;
        let var = xs.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / (n - 1) as f64;
        let se = (var / n as f64).sqrt();
        assert!(
            (m - d.mean()).abs() <= 4.0 * se + 1e-12,
            "seed {seed}: mean {m} vs {} ({d:?})",
            d.mean()
        );
        let scv = var / (m * m);
        assert!(
            (scv - d.scv()).abs() <= 0.05 * d.scv().max(0.01) + 1e-12,
            "seed {seed}: scv {scv} vs {} ({d:?})",
            d.scv()
        );
    }

    #[test]
    fn moments_match() {
        check(Dist::constant(0.25), 1);
        check(Dist::exponential(0.05), 2);
        check(Dist::lognormal(0.1, 1.0), 3);
        check(Dist::gamma(2.0, 1.0 / 2f64.sqrt()), 4);
        check(Dist::gamma(1.0, 0.5), 5);
        check(
            Dist::empirical(vec![1.0, 2.0, 10.0], Some(&[0.5, 0.3, 0.2])),
            6,
        );
    }

    #[test]
    fn counts_keep_the_mean() {
        let d = Dist::constant(2.3);
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(7);
        let n = 200_000;
        let total: u64 = (0..n).map(|_| u64::from(d.sample_count(&mut rng))).sum();
        let m = total as f64 / n as f64;
        assert!((m - 2.3).abs() < 0.01, "seed 7: mean count {m}");
    }
}
