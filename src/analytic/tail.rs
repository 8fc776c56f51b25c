//! The response-time distribution of the M/M/c queue (FCFS): what a latency percentile
//! or a "share over a threshold" objective must reproduce.
//!
//! An arrival waits with probability C (Erlang C); given that it waits, its wait is
//! exponential with rate θ = cμ − λ; its own service, exponential with rate μ, is
//! independent of the wait. So T = W_q + S and
//!
//! P(T > t) = (1 − C)·e^{−μt} + C·P(X + S > t),  X ~ Exp(θ), S ~ Exp(μ),
//!
//! where the hypoexponential tail is (θ·e^{−μt} − μ·e^{−θt}) / (θ − μ), or
//! (1 + μt)·e^{−μt} when θ = μ (Gross & Harris, *Fundamentals of Queueing Theory*,
//! §2.3, the M/M/c waiting-time distribution).

use super::error::{Result, require_non_negative, require_positive};
use super::{AnalyticError, mmc};

/// P(T > t): the share of requests whose response time exceeds `t_s` in M/M/c.
pub fn mmc_response_tail(
    arrival_rate_per_s: f64,
    service_rate_per_s: f64,
    servers: u32,
    t_s: f64,
) -> Result<f64> {
    let m = mmc(arrival_rate_per_s, service_rate_per_s, servers)?;
    let t = require_non_negative("time", t_s)?;
    let mu = service_rate_per_s;
    let theta = f64::from(servers) * mu - arrival_rate_per_s;
    let c = m.wait_probability;
    let both = if ((theta - mu) / mu).abs() < 1e-9 {
        (1.0 + mu * t) * (-mu * t).exp()
    } else {
        (theta * (-mu * t).exp() - mu * (-theta * t).exp()) / (theta - mu)
    };
    Ok((1.0 - c) * (-mu * t).exp() + c * both)
}

/// The `q`-quantile of the M/M/c response time (0 < q < 1), by bisection on the tail.
pub fn mmc_response_quantile(
    arrival_rate_per_s: f64,
    service_rate_per_s: f64,
    servers: u32,
    q: f64,
) -> Result<f64> {
    let q = require_positive("quantile", q)?;
    if q >= 1.0 {
        return Err(AnalyticError::InvalidInput(format!(
            "quantile {q} must be below 1"
        )));
    }
    let tail = |t: f64| mmc_response_tail(arrival_rate_per_s, service_rate_per_s, servers, t);
    let mut high = 1.0 / service_rate_per_s;
    while tail(high)? > 1.0 - q {
        high *= 2.0;
    }
    let mut low = 0.0;
    for _ in 0..200 {
        let mid = 0.5 * (low + high);
        if tail(mid)? > 1.0 - q {
            low = mid;
        } else {
            high = mid;
        }
    }
    Ok(0.5 * (low + high))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analytic::testing::assert_close;

    #[test]
    fn one_server_has_an_exponential_response_time() {
        // M/M/1: T ~ Exp(μ − λ).
        for t in [0.0f64, 0.1, 1.0, 3.7] {
            let exact = (-(8.0 - 5.0) * t).exp();
            assert_close(
                "M/M/1 tail",
                mmc_response_tail(5.0, 8.0, 1, t).unwrap(),
                exact,
                1e-12,
            );
        }
        let p95 = mmc_response_quantile(5.0, 8.0, 1, 0.95).unwrap();
        assert_close("M/M/1 p95", p95, 20f64.ln() / 3.0, 1e-9);
    }

    #[test]
    fn the_tail_integrates_to_the_mean_response_time() {
        // E[T] = ∫ P(T > t) dt, by Simpson's rule: independent of the closed form's algebra.
        for (lam, mu, c) in [(1.6, 1.0, 2), (9.0, 5.0, 4), (2.0, 1.0, 3), (0.5, 0.25, 3)] {
            let w = mmc(lam, mu, c).unwrap().response_mean_s;
            let (n, end) = (20_000, 60.0 * w);
            let h = end / n as f64;
            let f = |i: usize| mmc_response_tail(lam, mu, c, i as f64 * h).unwrap();
            let simpson: f64 = (0..=n)
                .map(|i| {
                    f(i) * if i == 0 || i == n {
                        1.0
                    } else if i % 2 == 1 {
                        4.0
                    } else {
                        2.0
                    }
                })
                .sum::<f64>()
                * h
                / 3.0;
            assert_close(
                &format!("∫ tail = W for M/M/{c} λ={lam} μ={mu}"),
                simpson,
                w,
                1e-7,
            );
        }
    }

    #[test]
    fn the_tail_is_continuous_where_the_wait_and_service_rates_meet() {
        // θ = cμ − λ = μ at λ = (c − 1)μ: the hypoexponential's two forms must agree.
        let at = mmc_response_tail(1.0, 1.0, 2, 1.5).unwrap();
        let near = mmc_response_tail(1.0 + 1e-6, 1.0, 2, 1.5).unwrap();
        assert!((at - near).abs() < 1e-5, "{at} vs {near}");
    }

    #[test]
    fn bad_input_is_an_error() {
        assert!(mmc_response_tail(2.0, 1.0, 2, 1.0).is_err());
        assert!(mmc_response_tail(1.0, 1.0, 2, -1.0).is_err());
        assert!(mmc_response_quantile(1.0, 1.0, 2, 1.0).is_err());
        assert!(mmc_response_quantile(1.0, 1.0, 2, 0.0).is_err());
    }
}
