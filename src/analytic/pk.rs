//! Single-server queues with general service times and Poisson arrivals: the
//! M/G/1 FCFS queue via the Pollaczek–Khinchine formula, and the M/G/1
//! processor-sharing queue.
//!
//! Service is described by its mean and squared coefficient of variation
//! (SCV = Var[S] / E[S]²) because that is what both formulas need and what a
//! scenario can state without naming a distribution: deterministic = 0,
//! Erlang-k = 1/k, exponential = 1, hyper-exponential > 1.

use super::error::{AnalyticError, Result, require_non_negative, require_positive};

/// Steady-state metrics of an M/G/1 FCFS queue.
#[derive(Debug, Clone, PartialEq)]
pub struct Mg1Metrics {
    /// ρ = λ·E[S].
    pub utilisation: f64,
    /// P(empty) = 1 − ρ, whatever the service distribution. (The validation
    /// notes recall a package that once got this wrong, so it is exposed.)
    pub empty_probability: f64,
    /// Wq = λ·E[S²] / (2(1 − ρ)).
    pub queue_wait_mean_s: f64,
    /// Lq = λ·Wq.
    pub queue_length_mean: f64,
    /// W = Wq + E[S].
    pub response_mean_s: f64,
    /// L = λ·W.
    pub system_length_mean: f64,
}

/// Checks λ and E[S] and returns ρ, failing with `Unstable` when ρ ≥ 1.
fn utilisation(arrival_rate_per_s: f64, service_mean_s: f64) -> Result<f64> {
    let arrival = require_non_negative("arrival rate", arrival_rate_per_s)?;
    let service = require_positive("mean service time", service_mean_s)?;
    let rho = arrival * service;
    if rho >= 1.0 {
        return Err(AnalyticError::Unstable(format!(
            "utilisation λ·E[S] = {rho} must be < 1"
        )));
    }
    Ok(rho)
}

/// M/G/1 FCFS metrics from λ, E[S] and the SCV of S.
pub fn mg1(arrival_rate_per_s: f64, service_mean_s: f64, service_scv: f64) -> Result<Mg1Metrics> {
    let rho = utilisation(arrival_rate_per_s, service_mean_s)?;
    let scv = require_non_negative("service SCV", service_scv)?;
    let service_second_moment_s2 = (1.0 + scv) * service_mean_s * service_mean_s;
    let queue_wait_mean_s = arrival_rate_per_s * service_second_moment_s2 / (2.0 * (1.0 - rho));
    let response_mean_s = queue_wait_mean_s + service_mean_s;
    Ok(Mg1Metrics {
        utilisation: rho,
        empty_probability: 1.0 - rho,
        queue_wait_mean_s,
        queue_length_mean: arrival_rate_per_s * queue_wait_mean_s,
        response_mean_s,
        system_length_mean: arrival_rate_per_s * response_mean_s,
    })
}

/// Mean sojourn time E[S] / (1 − ρ) of an M/G/1 processor-sharing queue. PS is
/// insensitive: the result depends on the service distribution only through its
/// mean, so it holds for M/M/1-PS and equally for any other service law.
pub fn processor_sharing_response_mean_s(
    arrival_rate_per_s: f64,
    service_mean_s: f64,
) -> Result<f64> {
    let rho = utilisation(arrival_rate_per_s, service_mean_s)?;
    Ok(service_mean_s / (1.0 - rho))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analytic::testing::assert_close;

    #[test]
    fn pollaczek_khinchine_reproduces_case_10() {
        // λ = 0.8, E[S] = 1; the stated values are exact, so the tolerance is tight.
        let cases = [
            ("deterministic", 0.0, 2.0),
            ("Erlang-2", 0.5, 3.0),
            ("exponential", 1.0, 4.0),
            ("SCV 4", 4.0, 10.0),
        ];
        for (label, scv, expected) in cases {
            let m = mg1(0.8, 1.0, scv).unwrap();
            assert_close(
                &format!("case 10 {label} Wq"),
                m.queue_wait_mean_s,
                expected,
                1e-12,
            );
            assert_close(label, m.system_length_mean, 0.8 * m.response_mean_s, 1e-12);
            assert_close(label, m.empty_probability, 0.2, 1e-12);
        }
    }

    #[test]
    fn exponential_service_agrees_with_mm1() {
        let pk = mg1(5.0, 1.0 / 8.0, 1.0).unwrap();
        let mm1 = crate::analytic::mmc(5.0, 8.0, 1).unwrap();
        assert_close("Wq", pk.queue_wait_mean_s, mm1.queue_wait_mean_s, 1e-12);
        assert_close("L", pk.system_length_mean, mm1.system_length_mean, 1e-12);
    }

    #[test]
    fn processor_sharing_reproduces_case_14() {
        assert_close(
            "case 14 PS sojourn",
            processor_sharing_response_mean_s(3.0, 1.0 / 5.0).unwrap(),
            0.5,
            1e-12,
        );
    }

    #[test]
    fn invalid_input_is_an_error_not_a_panic() {
        assert!(matches!(
            mg1(1.0, 1.0, 1.0),
            Err(AnalyticError::Unstable(_))
        ));
        assert!(matches!(
            mg1(0.5, 1.0, -0.1),
            Err(AnalyticError::InvalidInput(_))
        ));
        assert!(mg1(0.5, 0.0, 1.0).is_err());
        assert!(processor_sharing_response_mean_s(-1.0, 1.0).is_err());
        assert!(processor_sharing_response_mean_s(2.0, 0.5).is_err());
    }
}
