//! The weekly baseline of a class from its arrivals per clock hour.
//!
//! A scenario's rate at local time t is `rate × hours[hour] × weekdays[day]` (docs/
//! scenario-format.md, `calendar`): a product of an hour-of-day and a day-of-week factor.
//! The counts per hour-of-week are fitted to that product by **maximum likelihood for
//! Poisson counts** with each cell's exposure (the seconds of the logged period in it):
//! iterative proportional fitting, which matches the fitted and observed totals of every
//! observed hour of the day and every observed day. Hours and days the period never
//! covers keep a factor of 1 and are named as not observed. The factors are scaled so
//! that those observed average 1; `rate` is then the rate at an average hour of an
//! average day.

use super::civil::{self, HOUR_NS, NS};
use super::estimate::Period;

/// The fitted baseline.
#[derive(Clone, Debug)]
pub struct Weekly {
    /// Requests per second at factor 1.
    pub rate_per_s: f64,
    pub hours: [f64; 24],
    pub weekdays: [f64; 7],
    pub hour_observed: [bool; 24],
    pub day_observed: [bool; 7],
    /// Requests and seconds observed.
    pub requests: u64,
    pub seconds: f64,
    /// The clock hour with the most requests: its start and count.
    pub busiest: (i64, u64),
    /// The busiest hour's requests over the mean requests per hour of the period.
    pub peak_to_mean: f64,
    /// Largest ratio of the fitted to the mean rate over the week (max hours × weekdays).
    pub fitted_peak_to_mean: f64,
    /// How well the product fits: the largest Pearson residual |observed − fitted| /
    /// √fitted over the hour-of-week cells expecting at least 5 requests (about 3 or less
    /// for Poisson noise over 168 cells; larger when a day has an hour profile of its own).
    pub worst_cell_z: f64,
}

/// Seconds of `period` in each hour-of-week cell (Monday 00:00 = cell 0).
fn exposure(period: Period) -> [f64; 168] {
    let mut e = [0.0; 168];
    let mut h = period.first_ns.div_euclid(HOUR_NS);
    while h * HOUR_NS < period.last_ns {
        let start = (h * HOUR_NS).max(period.first_ns);
        let end = ((h + 1) * HOUR_NS).min(period.last_ns);
        let cell = civil::weekday(h * HOUR_NS) * 24 + civil::hour(h * HOUR_NS);
        e[cell] += (end - start) as f64 / NS as f64;
        h += 1;
    }
    e
}

/// Fits the baseline; `None` when the period is shorter than an hour.
pub fn fit(hourly: impl Iterator<Item = (i64, u64)>, period: Period) -> Option<Weekly> {
    if period.last_ns - period.first_ns < HOUR_NS {
        return None;
    }
    let e = exposure(period);
    let mut n = [0.0f64; 168];
    let mut requests = 0u64;
    let mut busiest = (0i64, 0u64);
    for (start, count) in hourly {
        let cell = civil::weekday(start) * 24 + civil::hour(start);
        n[cell] += count as f64;
        requests += count;
        if count > busiest.1 {
            busiest = (start, count);
        }
    }
    let seconds = e.iter().sum::<f64>();
    let day_e: Vec<f64> = (0..7)
        .map(|d| e[d * 24..d * 24 + 24].iter().sum())
        .collect();
    let hour_e: Vec<f64> = (0..24)
        .map(|h| (0..7).map(|d| e[d * 24 + h]).sum())
        .collect();
    let day_observed: [bool; 7] = std::array::from_fn(|d| day_e[d] > 0.0);
    let hour_observed: [bool; 24] = std::array::from_fn(|h| hour_e[h] > 0.0);
    let (mut a, mut b) = ([1.0f64; 7], [1.0f64; 24]);
    for _ in 0..200 {
        for d in 0..7 {
            let exp: f64 = (0..24).map(|h| b[h] * e[d * 24 + h]).sum();
            if exp > 0.0 {
                a[d] = (0..24).map(|h| n[d * 24 + h]).sum::<f64>() / exp;
            }
        }
        for h in 0..24 {
            let exp: f64 = (0..7).map(|d| a[d] * e[d * 24 + h]).sum();
            if exp > 0.0 {
                b[h] = (0..7).map(|d| n[d * 24 + h]).sum::<f64>() / exp;
            }
        }
    }
    let mean_of = |v: &[f64], seen: &[bool]| {
        let (s, k) = v
            .iter()
            .zip(seen)
            .filter(|(_, o)| **o)
            .fold((0.0, 0.0), |(s, k), (x, _)| (s + x, k + 1.0));
        if k > 0.0 { s / k } else { 1.0 }
    };
    let (ma, mb) = (mean_of(&a, &day_observed), mean_of(&b, &hour_observed));
    let norm = |x: f64, m: f64, seen: bool| {
        if !seen {
            1.0
        } else if m > 0.0 {
            x / m
        } else {
            0.0
        }
    };
    let weekdays: [f64; 7] = std::array::from_fn(|d| norm(a[d], ma, day_observed[d]));
    let hours: [f64; 24] = std::array::from_fn(|h| norm(b[h], mb, hour_observed[h]));
    let rate_per_s = ma * mb;
    let mut worst_cell_z = 0.0f64;
    for d in 0..7 {
        for h in 0..24 {
            let expected = a[d] * b[h] * e[d * 24 + h];
            if expected >= 5.0 {
                worst_cell_z = worst_cell_z.max((n[d * 24 + h] - expected).abs() / expected.sqrt());
            }
        }
    }
    let fitted_peak = weekdays
        .iter()
        .flat_map(|w| hours.iter().map(move |h| w * h))
        .fold(0.0, f64::max);
    let mean_per_hour = requests as f64 / (seconds / 3600.0);
    Some(Weekly {
        rate_per_s,
        hours,
        weekdays,
        hour_observed,
        day_observed,
        requests,
        seconds,
        busiest,
        peak_to_mean: if mean_per_hour > 0.0 {
            busiest.1 as f64 / mean_per_hour
        } else {
            0.0
        },
        fitted_peak_to_mean: fitted_peak,
        worst_cell_z,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_flat_week_fits_flat() {
        let start = civil::rfc3339(b"2024-04-29T00:00:00Z").unwrap(); // a Monday
        let period = Period {
            first_ns: start,
            last_ns: start + 7 * civil::DAY_NS,
        };
        let hourly = (0..168).map(|i| (start + i * HOUR_NS, 360));
        let w = fit(hourly, period).unwrap();
        assert!((w.rate_per_s - 0.1).abs() < 1e-9, "{}", w.rate_per_s);
        assert!(
            w.hours
                .iter()
                .chain(&w.weekdays)
                .all(|x| (x - 1.0).abs() < 1e-9)
        );
        assert!(w.worst_cell_z < 1e-6);
        let short = Period {
            first_ns: start,
            last_ns: start + HOUR_NS - 1,
        };
        assert!(fit(std::iter::empty(), short).is_none());
    }

    #[test]
    fn a_day_leaves_the_other_days_unobserved() {
        let start = civil::rfc3339(b"2024-05-01T00:00:00Z").unwrap(); // a Wednesday
        let period = Period {
            first_ns: start,
            last_ns: start + civil::DAY_NS,
        };
        let hourly = (0..24).map(|i| (start + i * HOUR_NS, if i < 12 { 100 } else { 300 }));
        let w = fit(hourly, period).unwrap();
        assert_eq!(
            w.day_observed,
            [false, false, true, false, false, false, false]
        );
        assert!((w.hours[0] - 0.5).abs() < 1e-9 && (w.hours[23] - 1.5).abs() < 1e-9);
        assert!((w.rate_per_s - 200.0 / 3600.0).abs() < 1e-9);
        assert!((w.peak_to_mean - 1.5).abs() < 1e-9);
    }
}
