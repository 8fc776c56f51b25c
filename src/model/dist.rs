//! Demand distributions: constant, exponential, lognormal, gamma and empirical.
//!
//! Lognormal and gamma are parameterised by mean and coefficient of variation (CV), which is
//! what a capacity planner reads off a request log; the shape parameters are derived here,
//! once, at validation time. Sampling never allocates.

use rand::Rng;
use rand_distr::{Distribution, Exp1, Gamma, LogNormal};

/// Largest mean (or constant) a count distribution may have (`queries`, `cache_lookups`,
/// lock `keys`, `batch_size`): each unit of a count is a loop iteration on the hot path,
/// outside the event budget, so a count must stay far below what would look like a hang.
pub const MAX_COUNT_MEAN: f64 = 10_000.0;
/// Largest value a count draw returns: a heavier-tailed draw is capped here (the cap sits
/// far in the tail of any distribution whose mean is at most [`MAX_COUNT_MEAN`]).
pub const MAX_COUNT_SAMPLE: u32 = 1_000_000;

/// `x` as written for a reader: plain in a usual range, else in scientific notation
/// (`1e-160`, not 160 zeros).
pub fn readable(x: f64) -> String {
    if x == 0.0 || (1e-4..1e6).contains(&x.abs()) {
        format!("{x}")
    } else {
        format!("{x:e}")
    }
}

/// `(x.floor(), x.fract())` for a non-negative `x`, without libm's `floor` and `trunc`
/// (function calls on baseline x86-64, where the hot path splits a count or an expected
/// number of reads this way): below 2^52 the signed conversion truncates, which is the
/// floor; from there on every `f64` is whole. The same bits as the libm pair.
#[inline]
pub fn whole_and_fraction(x: f64) -> (f64, f64) {
    debug_assert!(x >= 0.0 || x.is_nan(), "{x}");
    if x < 4_503_599_627_370_496.0 {
        let whole = x as i64 as f64;
        (whole, x - whole)
    } else {
        (x, x.fract())
    }
}

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

    /// `mean` must be positive; `Err` says why the distribution cannot be sampled (a mean
    /// so small that its rate overflows). The scale is `1 / (1 / mean)`, as rand_distr's
    /// `Exp::new(1 / mean)` works it out, so a draw is bit for bit that of `Exp`.
    pub fn exponential(mean: f64) -> Result<Dist, String> {
        let lambda = 1.0 / mean;
        if !(mean.is_finite() && mean > 0.0 && lambda.is_finite()) {
            return Err(format!(
                "an exponential with mean {} cannot be sampled",
                readable(mean)
            ));
        }
        Ok(Dist::Exponential {
            mean,
            scale: 1.0 / lambda,
        })
    }

    /// `mean` and `cv` must be positive; `Err` says why the distribution cannot be
    /// sampled (its shape parameters overflow or vanish in floating point).
    pub fn lognormal(mean: f64, cv: f64) -> Result<Dist, String> {
        let sigma2 = (1.0 + cv * cv).ln();
        let mu = mean.ln() - sigma2 / 2.0;
        let ln = LogNormal::new(mu, sigma2.sqrt())
            .ok()
            .filter(|_| mu.is_finite() && sigma2.is_finite())
            .ok_or_else(|| {
                format!(
                    "a lognormal with mean {} and cv {} cannot be sampled",
                    readable(mean),
                    readable(cv)
                )
            })?;
        Ok(Dist::LogNormal { mean, cv, ln })
    }

    /// `mean` and `cv` must be positive. Shape `1/cv²`: cv = 1 is exponential,
    /// cv = 1/√2 is Erlang-2. `Err` says why the distribution cannot be sampled (a tiny
    /// cv makes the shape infinite and the scale zero).
    pub fn gamma(mean: f64, cv: f64) -> Result<Dist, String> {
        let shape = 1.0 / (cv * cv);
        let scale = mean / shape;
        let gamma = Gamma::new(shape, scale)
            .ok()
            .filter(|_| shape.is_finite() && scale.is_finite() && scale > 0.0)
            .ok_or_else(|| {
                format!(
                    "a gamma with mean {} and cv {} cannot be sampled (shape 1/cv² = {}, scale {})",
                    readable(mean),
                    readable(cv),
                    readable(shape),
                    readable(scale)
                )
            })?;
        Ok(Dist::Gamma { mean, cv, gamma })
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

    /// P(X > x): the share of samples above `x` (e.g. requests whose CPU time exceeds
    /// `limit_time_cpu`).
    pub fn exceeds(&self, x: f64) -> f64 {
        use statrs::distribution::{ContinuousCDF, Gamma as G, LogNormal as L};
        match self {
            Dist::Constant(v) => f64::from(u8::from(*v > x)),
            Dist::Exponential { mean, .. } => (-x.max(0.0) / mean).exp(),
            Dist::LogNormal { mean, cv, .. } => {
                let sigma2 = (1.0 + cv * cv).ln();
                let mu = mean.ln() - sigma2 / 2.0;
                L::new(mu, sigma2.sqrt()).map_or(0.0, |d| d.sf(x))
            }
            Dist::Gamma { mean, cv, .. } => {
                let shape = 1.0 / (cv * cv);
                G::new(shape, shape / mean).map_or(0.0, |d| d.sf(x))
            }
            Dist::Empirical { values, cumulative } => {
                let mut prev = 0.0;
                let mut above = 0.0;
                for (v, c) in values.iter().zip(cumulative) {
                    if *v > x {
                        above += c - prev;
                    }
                    prev = *c;
                }
                above
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

    /// The sum of `n` draws, added in draw order from 0.0: the same bits as adding
    /// [`Dist::sample`] `n` times, with the distribution matched once rather than per draw
    /// (a try's queries are summed here, one draw each).
    #[inline]
    pub fn sample_sum<R: Rng + ?Sized>(&self, n: u64, rng: &mut R) -> f64 {
        let mut sum = 0.0;
        match self {
            Dist::Exponential { scale, .. } => {
                for _ in 0..n {
                    sum += Distribution::<f64>::sample(&Exp1, rng) * *scale;
                }
            }
            _ => {
                for _ in 0..n {
                    sum += self.sample(rng);
                }
            }
        }
        sum
    }

    /// Samples a count, rounding stochastically so that the mean is preserved; at most
    /// [`MAX_COUNT_SAMPLE`].
    #[inline]
    pub fn sample_count<R: Rng + ?Sized>(&self, rng: &mut R) -> u32 {
        let x = self.sample(rng).max(0.0).min(f64::from(MAX_COUNT_SAMPLE));
        let (floor, frac) = whole_and_fraction(x);
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
        check(Dist::exponential(0.05).unwrap(), 2);
        check(Dist::lognormal(0.1, 1.0).unwrap(), 3);
        check(Dist::gamma(2.0, 1.0 / 2f64.sqrt()).unwrap(), 4);
        check(Dist::gamma(1.0, 0.5).unwrap(), 5);
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

    #[test]
    fn whole_and_fraction_are_floor_and_fract() {
        let mut cases = vec![0.0, 0.5, 1.0, 2.75, 1e6, 4_503_599_627_370_495.5];
        cases.extend([
            4_503_599_627_370_496.0,
            1e19,
            1e300,
            f64::INFINITY,
            f64::NAN,
        ]);
        let mut x = 1e-3f64;
        while x < 1e20 {
            cases.push(x);
            x *= 1.37;
        }
        for x in cases {
            let (whole, fraction) = whole_and_fraction(x);
            assert_eq!(whole.to_bits(), x.floor().to_bits(), "{x}");
            assert_eq!(fraction.to_bits(), x.fract().to_bits(), "{x}");
        }
    }

    #[test]
    fn sums_are_the_draws_added_in_order() {
        let dists = [
            Dist::constant(0.1),
            Dist::exponential(0.0008).unwrap(),
            Dist::lognormal(0.1, 1.0).unwrap(),
            Dist::gamma(2.0, 0.5).unwrap(),
            Dist::empirical(vec![1.0, 2.0, 10.0], None),
        ];
        for (seed, d) in (9..).zip(&dists) {
            for n in [0, 1, 7, 220] {
                let mut a = Xoshiro256PlusPlus::seed_from_u64(seed);
                let mut b = a.clone();
                let mut one_by_one = 0.0;
                for _ in 0..n {
                    one_by_one += d.sample(&mut a);
                }
                let sum = d.sample_sum(n, &mut b);
                assert_eq!(sum.to_bits(), one_by_one.to_bits(), "seed {seed}, {d:?}");
                assert_eq!(a, b, "seed {seed}: both took the same numbers");
            }
        }
    }

    #[test]
    fn counts_are_capped() {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(8);
        assert_eq!(
            Dist::constant(1e300).sample_count(&mut rng),
            MAX_COUNT_SAMPLE
        );
        assert!(Dist::gamma(1.0, 1e-160).is_err());
        assert!(Dist::lognormal(1e-300, 100.0).is_ok());
    }

    /// `exceeds` against the share of 400,000 samples above x: inside 4 standard errors
    /// of a binomial share (seed 11), for every family, at the mean and in the tail.
    #[test]
    fn exceeds_matches_samples() {
        let dists = [
            Dist::constant(2.0),
            Dist::exponential(2.0).unwrap(),
            Dist::lognormal(2.0, 1.5).unwrap(),
            Dist::gamma(2.0, 0.5).unwrap(),
            Dist::empirical(vec![5.0, 1.0, 3.0], Some(&[1.0, 2.0, 1.0])),
        ];
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(11);
        let n = 400_000;
        for d in dists {
            let xs: Vec<f64> = (0..n).map(|_| d.sample(&mut rng)).collect();
            for x in [1.5, 2.0, 6.0] {
                let p = d.exceeds(x);
                let share = xs.iter().filter(|v| **v > x).count() as f64 / n as f64;
                let se = (p * (1.0 - p) / n as f64).sqrt().max(1e-6);
                assert!(
                    (share - p).abs() < 4.0 * se,
                    "{d:?} x {x}: exact {p}, sampled {share} (seed 11)"
                );
            }
        }
        assert_eq!(Dist::constant(2.0).exceeds(1.0), 1.0);
        assert_eq!(Dist::constant(2.0).exceeds(2.0), 0.0);
    }
}
