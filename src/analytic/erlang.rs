//! Erlang B, Erlang C and the M/M/c queue (Poisson arrivals, exponential
//! service, c identical servers, unlimited FCFS waiting room).
//!
//! Erlang B is computed with the recursion B(0) = 1,
//! B(k) = a·B(k−1) / (k + a·B(k−1)), which only ever multiplies and divides
//! numbers in [0, 1]-ish ranges; the textbook form a^c/c! / Σ a^k/k! overflows
//! for a few hundred servers. Erlang C is then derived from B, which inherits
//! that stability.

use super::error::AnalyticError;
use super::error::{Result, require_at_most, require_non_negative, require_positive};

/// Beyond this the O(c) recursion is still fast, but such a value is almost
/// certainly a units mistake in a scenario; refusing it keeps answers sane.
const SERVERS_MAX: usize = 10_000_000;

/// Steady-state metrics of an M/M/c queue. Times are per customer.
#[derive(Debug, Clone, PartialEq)]
pub struct MmcMetrics {
    /// ρ = λ / (c·μ): long-run fraction of time each server is busy.
    pub utilisation: f64,
    /// Erlang C: probability an arriving customer has to queue.
    pub wait_probability: f64,
    /// Wq: mean time spent waiting before service starts.
    pub queue_wait_mean_s: f64,
    /// Lq: mean number of customers waiting (not in service).
    pub queue_length_mean: f64,
    /// W: mean time in system (waiting + service).
    pub response_mean_s: f64,
    /// L: mean number of customers in system.
    pub system_length_mean: f64,
}

/// Erlang B: blocking probability of an M/M/c/c loss system offered
/// `offered_load_erlangs` = λ/μ. `servers` = 0 is allowed (everything blocks).
pub fn erlang_b(servers: u32, offered_load_erlangs: f64) -> Result<f64> {
    require_at_most("servers", servers as usize, SERVERS_MAX)?;
    let load = require_non_negative("offered load (erlangs)", offered_load_erlangs)?;
    let mut blocking = 1.0;
    for k in 1..=servers {
        let carried = load * blocking;
        blocking = carried / (f64::from(k) + carried);
    }
    Ok(blocking)
}

/// Erlang C: probability of waiting in an M/M/c queue offered
/// `offered_load_erlangs` = λ/μ; requires load < servers for a steady state.
pub fn erlang_c(servers: u32, offered_load_erlangs: f64) -> Result<f64> {
    require_positive("servers", f64::from(servers))?;
    let blocking = erlang_b(servers, offered_load_erlangs)?;
    let utilisation = offered_load_erlangs / f64::from(servers);
    if utilisation >= 1.0 {
        return Err(AnalyticError::Unstable(format!(
            "offered load {offered_load_erlangs} erlangs needs more than {servers} servers"
        )));
    }
    // C = B / (1 − ρ(1 − B)); the denominator is ≥ 1 − ρ > 0, so no cancellation.
    Ok(blocking / (1.0 - utilisation * (1.0 - blocking)))
}

/// M/M/c metrics for arrival rate λ, per-server service rate μ and c servers.
/// Fails with `Unstable` when λ ≥ c·μ.
pub fn mmc(arrival_rate_per_s: f64, service_rate_per_s: f64, servers: u32) -> Result<MmcMetrics> {
    let arrival = require_non_negative("arrival rate", arrival_rate_per_s)?;
    let service = require_positive("service rate", service_rate_per_s)?;
    let capacity_per_s = f64::from(servers) * service;
    if arrival >= capacity_per_s {
        return Err(AnalyticError::Unstable(format!(
            "arrival rate {arrival} >= capacity {capacity_per_s} ({servers} servers × {service})"
        )));
    }
    let wait_probability = erlang_c(servers, arrival / service)?;
    let queue_wait_mean_s = wait_probability / (capacity_per_s - arrival);
    let response_mean_s = queue_wait_mean_s + 1.0 / service;
    Ok(MmcMetrics {
        utilisation: arrival / capacity_per_s,
        wait_probability,
        queue_wait_mean_s,
        queue_length_mean: arrival * queue_wait_mean_s,
        response_mean_s,
        system_length_mean: arrival * response_mean_s,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analytic::testing::assert_close;

    /// (label, λ, μ, c, metric name, expected, tolerance) — cases 1–4.
    const MMC_CASES: &[(&str, f64, f64, u32, &str, f64, f64)] = &[
        ("case 1 M/M/1", 5.0, 8.0, 1, "Wq", 0.208333, 5e-7),
        ("case 1 M/M/1", 5.0, 8.0, 1, "L", 1.666667, 5e-7),
        ("case 2 M/M/3", 0.2, 0.1, 3, "P(wait)", 0.444444, 5e-7),
        ("case 2 M/M/3", 0.2, 0.1, 3, "Wq", 4.444444, 5e-7),
        ("case 2 M/M/3", 0.2, 0.1, 3, "Lq", 0.888889, 5e-7),
        ("case 3 M/M/2", 9.0, 5.0, 2, "Lq", 7.674, 5e-4),
        ("case 3 M/M/2", 9.0, 5.0, 2, "W", 1.053, 5e-4),
        ("case 3 M/M/2", 9.0, 5.0, 2, "P(wait)", 0.852632, 5e-7),
        ("case 4 M/M/4", 9.0, 5.0, 4, "Lq", 0.105, 5e-4),
        ("case 4 M/M/4", 9.0, 5.0, 4, "W", 0.212, 5e-4),
    ];

    fn metric(m: &MmcMetrics, name: &str) -> f64 {
        match name {
            "Wq" => m.queue_wait_mean_s,
            "Lq" => m.queue_length_mean,
            "W" => m.response_mean_s,
            "L" => m.system_length_mean,
            "P(wait)" => m.wait_probability,
            other => panic!("unknown metric {other}"),
        }
    }

    #[test]
    fn mmc_reproduces_validation_cases_1_to_4() {
        for &(label, lambda, mu, c, name, expected, tol) in MMC_CASES {
            let m = mmc(lambda, mu, c).unwrap();
            assert_close(&format!("{label} {name}"), metric(&m, name), expected, tol);
            // Little's law must hold exactly on our own outputs.
            assert_close(
                label,
                m.system_length_mean,
                lambda * m.response_mean_s,
                1e-12,
            );
        }
    }

    #[test]
    fn erlang_c_and_b_reproduce_cases_8_and_9() {
        let cases: &[(&str, u32, f64, f64)] = &[
            ("case 8 C(5)", 5, 2.5, 0.130371),
            ("case 8 C(6)", 6, 2.5, 0.047445),
            ("case 9 C(11)", 11, 10.0, 0.682118),
            ("case 9 C(12)", 12, 10.0, 0.449388),
            ("case 9 C(13)", 13, 10.0, 0.285270),
            ("case 9 C(14)", 14, 10.0, 0.174132),
        ];
        for &(label, c, a, expected) in cases {
            assert_close(label, erlang_c(c, a).unwrap(), expected, 5e-7);
        }
        assert_close("case 9 B(11)", erlang_b(11, 10.0).unwrap(), 0.163232, 5e-7);
    }

    #[test]
    fn erlang_b_matches_direct_sum_and_survives_large_systems() {
        // Direct formula is fine for small c and independent of the recursion.
        let (c, a) = (7u32, 4.2f64);
        let term = |k: u32| (0..k).fold(1.0, |acc, i| acc * a / f64::from(i + 1));
        let direct = term(c) / (0..=c).map(term).sum::<f64>();
        assert_close("B(7, 4.2) direct", erlang_b(c, a).unwrap(), direct, 1e-14);
        // a^c/c! would overflow here; the recursion must not.
        let big = erlang_c(5000, 4900.0).unwrap();
        assert!(
            big.is_finite() && big > 0.0 && big < 1.0,
            "C(5000, 4900) = {big}"
        );
    }

    #[test]
    fn invalid_input_is_an_error_not_a_panic() {
        assert!(matches!(mmc(8.0, 8.0, 1), Err(AnalyticError::Unstable(_))));
        assert!(matches!(
            mmc(-1.0, 8.0, 1),
            Err(AnalyticError::InvalidInput(_))
        ));
        assert!(matches!(
            mmc(1.0, f64::NAN, 1),
            Err(AnalyticError::InvalidInput(_))
        ));
        assert!(mmc(1.0, 1.0, 0).is_err());
        assert!(matches!(erlang_c(3, 3.0), Err(AnalyticError::Unstable(_))));
        assert!(erlang_b(1, -0.5).is_err());
        assert_eq!(erlang_b(0, 2.0).unwrap(), 1.0);
        assert_eq!(mmc(0.0, 2.0, 2).unwrap().queue_wait_mean_s, 0.0);
    }
}
