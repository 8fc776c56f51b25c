//! Estimates over replications: the mean and a Student-t 95 % confidence interval.
//!
//! Each replication yields one value of a metric (its mean latency, its p95, …); the
//! replications are independent, so the t interval on their mean is exact for normal
//! data and robust otherwise (batch means).

use serde::{Deserialize, Serialize};
use statrs::distribution::{ContinuousCDF, StudentsT};

/// A metric estimated from independent replications.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Estimate {
    pub mean: f64,
    /// Half-width of the 95 % confidence interval; `None` with fewer than 2 replications
    /// or when a replication had no value.
    pub ci95_half_width: Option<f64>,
}

/// The 0.975 quantile of Student's t with `df` degrees of freedom.
pub fn t_quantile_975(df: u32) -> f64 {
    StudentsT::new(0.0, 1.0, f64::from(df))
        .expect("df ≥ 1")
        .inverse_cdf(0.975)
}

impl Estimate {
    /// From one value per replication (`None` = the replication had no observation).
    pub fn from_values(values: impl IntoIterator<Item = Option<f64>>) -> Option<Estimate> {
        let vals: Vec<Option<f64>> = values.into_iter().collect();
        let present: Vec<f64> = vals.iter().flatten().copied().collect();
        if present.is_empty() {
            return None;
        }
        let n = present.len();
        let mean = present.iter().sum::<f64>() / n as f64;
        let half = (n >= 2 && n == vals.len()).then(|| {
            let var = present.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / (n - 1) as f64;
            t_quantile_975(n as u32 - 1) * (var / n as f64).sqrt()
        });
        Some(Estimate {
            mean,
            ci95_half_width: half,
        })
    }

    pub fn from_f64s(values: impl IntoIterator<Item = f64>) -> Estimate {
        Self::from_values(values.into_iter().map(Some)).expect("at least one replication")
    }

    /// Whether `x` lies inside the 95 % interval.
    pub fn covers(&self, x: f64) -> bool {
        self.ci95_half_width
            .is_some_and(|h| (self.mean - x).abs() <= h)
    }

    /// Half-width relative to the mean (∞ when unknown).
    pub fn relative_half_width(&self) -> f64 {
        match self.ci95_half_width {
            Some(h) if self.mean != 0.0 => h / self.mean.abs(),
            Some(_) => 0.0,
            None => f64::INFINITY,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn t_quantile_matches_tables() {
        assert!((t_quantile_975(29) - 2.045230).abs() < 1e-6);
        assert!((t_quantile_975(9) - 2.262157).abs() < 1e-6);
    }

    #[test]
    fn interval_of_known_sample() {
        let e = Estimate::from_f64s([1.0, 2.0, 3.0, 4.0]);
        assert_eq!(e.mean, 2.5);
        // s = 1.290994, t(3) = 3.182446 → 3.182446 × 1.290994 / 2
        assert!((e.ci95_half_width.unwrap() - 2.054260).abs() < 1e-5);
        assert!(Estimate::from_f64s([5.0]).ci95_half_width.is_none());
    }
}
