//! Open Jackson networks: Poisson external arrivals γ_k, exponential service,
//! Markov routing P (row k: where a customer goes after station k; whatever the
//! row leaves below 1 is the probability of leaving the network).
//!
//! The traffic equations λ = γ + Pᵀλ are solved as (I − Pᵀ)λ = γ by Gaussian
//! elimination with partial pivoting. Jackson's theorem then lets each station
//! be analysed as an independent M/M/c queue, so per-station metrics come
//! straight from `erlang::mmc` — one formula, one place.

use super::erlang::mmc;
use super::error::{
    AnalyticError, Result, invalid, require_at_most, require_non_negative, require_positive,
};

/// Elimination is O(K³); 2 000 stations is about a second and far beyond any
/// hand-written scenario.
const STATIONS_MAX: usize = 2_000;

/// Pivots below this (relative to the matrix's largest entry) mean the routing
/// traps customers: some set of stations is never left.
const PIVOT_MIN: f64 = 1e-12;

/// Slack for routing rows that should sum to 1 but were typed as decimals.
const ROW_SUM_SLACK: f64 = 1e-9;

/// One station of an open network.
#[derive(Debug, Clone, PartialEq)]
pub struct OpenStation {
    /// S_k: mean service time per visit.
    pub service_time_s: f64,
    /// c_k: identical servers sharing one FCFS queue.
    pub servers: u32,
}

/// Per-station results.
#[derive(Debug, Clone, PartialEq)]
pub struct OpenStationMetrics {
    /// λ_k: total arrival rate (external + routed) = throughput.
    pub throughput_per_s: f64,
    /// λ_k / Σγ: mean visits per customer entering the network.
    pub visit_ratio: f64,
    /// U_k = λ_k·S_k / c_k.
    pub utilisation: f64,
    /// R_k: mean response per visit; S_k / (1 − U_k) for one server.
    pub response_per_visit_s: f64,
    /// Mean wait before service, per visit.
    pub queue_wait_per_visit_s: f64,
    /// L_k: mean number present.
    pub system_length_mean: f64,
}

/// Network-level results.
#[derive(Debug, Clone, PartialEq)]
pub struct JacksonMetrics {
    /// Σγ_k: rate at which customers enter (and, in steady state, leave).
    pub throughput_per_s: f64,
    /// Mean time from entering to leaving, by Little's law ΣL_k / Σγ_k.
    pub response_s: f64,
    pub stations: Vec<OpenStationMetrics>,
}

/// Solves an open Jackson network. `routing[i][j]` is the probability of going
/// from station i to station j; `external_arrival_rates_per_s[k]` is γ_k.
pub fn jackson(
    stations: &[OpenStation],
    routing: &[Vec<f64>],
    external_arrival_rates_per_s: &[f64],
) -> Result<JacksonMetrics> {
    validate(stations, routing, external_arrival_rates_per_s)?;
    let arrival_rates_per_s = solve_traffic_equations(routing, external_arrival_rates_per_s)?;
    let entering_per_s: f64 = external_arrival_rates_per_s.iter().sum();
    let mut metrics = Vec::with_capacity(stations.len());
    for (k, (st, &lambda)) in stations.iter().zip(&arrival_rates_per_s).enumerate() {
        let m = mmc(lambda, 1.0 / st.service_time_s, st.servers).map_err(|e| match e {
            AnalyticError::Unstable(msg) => AnalyticError::Unstable(format!("station {k}: {msg}")),
            other => other,
        })?;
        metrics.push(OpenStationMetrics {
            throughput_per_s: lambda,
            visit_ratio: if entering_per_s > 0.0 {
                lambda / entering_per_s
            } else {
                0.0
            },
            utilisation: m.utilisation,
            response_per_visit_s: m.response_mean_s,
            queue_wait_per_visit_s: m.queue_wait_mean_s,
            system_length_mean: m.system_length_mean,
        });
    }
    let in_system: f64 = metrics.iter().map(|m| m.system_length_mean).sum();
    Ok(JacksonMetrics {
        throughput_per_s: entering_per_s,
        response_s: if entering_per_s > 0.0 {
            in_system / entering_per_s
        } else {
            0.0
        },
        stations: metrics,
    })
}

fn validate(stations: &[OpenStation], routing: &[Vec<f64>], external: &[f64]) -> Result<()> {
    let n = stations.len();
    require_at_most("stations", n, STATIONS_MAX)?;
    if routing.len() != n || external.len() != n || routing.iter().any(|row| row.len() != n) {
        return Err(invalid(format!(
            "{n} stations need a {n}×{n} routing matrix and {n} external rates"
        )));
    }
    for (k, st) in stations.iter().enumerate() {
        require_positive(&format!("station {k} service time"), st.service_time_s)?;
        require_non_negative(&format!("station {k} external arrival rate"), external[k])?;
        for (j, &p) in routing[k].iter().enumerate() {
            require_non_negative(&format!("routing[{k}][{j}]"), p)?;
        }
        let row_sum: f64 = routing[k].iter().sum();
        if row_sum > 1.0 + ROW_SUM_SLACK {
            return Err(invalid(format!("routing row {k} sums to {row_sum} > 1")));
        }
    }
    Ok(())
}

/// Gaussian elimination with partial pivoting on A = I − Pᵀ, b = γ.
fn solve_traffic_equations(routing: &[Vec<f64>], external: &[f64]) -> Result<Vec<f64>> {
    let n = external.len();
    let mut a: Vec<Vec<f64>> = (0..n)
        .map(|i| {
            let mut row: Vec<f64> = (0..n)
                .map(|j| f64::from(u8::from(i == j)) - routing[j][i])
                .collect();
            row.push(external[i]);
            row
        })
        .collect();
    let scale = a
        .iter()
        .flat_map(|r| r[..n].iter())
        .fold(0.0f64, |m, v| m.max(v.abs()));
    for col in 0..n {
        let pivot = (col..n)
            .max_by(|&i, &j| a[i][col].abs().total_cmp(&a[j][col].abs()))
            .unwrap_or(col);
        if a[pivot][col].abs() <= PIVOT_MIN * scale {
            return Err(AnalyticError::Singular(format!(
                "traffic equations are singular at station {col}: some customers can never leave"
            )));
        }
        a.swap(col, pivot);
        let (done, below) = a.split_at_mut(col + 1);
        let pivot_row = &done[col];
        for row in below {
            let factor = row[col] / pivot_row[col];
            if factor != 0.0 {
                for (x, p) in row[col..].iter_mut().zip(&pivot_row[col..]) {
                    *x -= factor * p;
                }
            }
        }
    }
    let mut x = vec![0.0; n];
    for i in (0..n).rev() {
        let tail: f64 = (i + 1..n).map(|j| a[i][j] * x[j]).sum();
        // With P ≥ 0, rows summing to ≤ 1 and A nonsingular, (I − Pᵀ)⁻¹ ≥ 0, so
        // the exact λ is never negative; only round-off (−1e-17 where the true
        // rate is 0) can make it so, and that is clamped.
        x[i] = ((a[i][n] - tail) / a[i][i]).max(0.0);
    }
    Ok(x)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analytic::testing::assert_close;

    fn single(service_times_s: &[f64]) -> Vec<OpenStation> {
        service_times_s
            .iter()
            .map(|&s| OpenStation {
                service_time_s: s,
                servers: 1,
            })
            .collect()
    }

    /// Case 11 (Bolch et al. Example 7.4). The printed R_2 = .043 is
    /// 0.03 / 0.7 = 0.042857 rounded to three places.
    #[test]
    fn reproduces_validation_case_11() {
        let routing = vec![
            vec![0.0, 0.5, 0.5, 0.0],
            vec![1.0, 0.0, 0.0, 0.0],
            vec![0.6, 0.0, 0.0, 0.0],
            vec![1.0, 0.0, 0.0, 0.0],
        ];
        let m = jackson(
            &single(&[0.04, 0.03, 0.06, 0.05]),
            &routing,
            &[0.0, 0.0, 0.0, 4.0],
        )
        .unwrap();
        let x = [20.0, 10.0, 10.0, 4.0];
        let u = [0.8, 0.3, 0.6, 0.2];
        let r = [0.2, 0.043, 0.15, 0.0625];
        for (k, st) in m.stations.iter().enumerate() {
            assert_close(
                &format!("case 11 X{}", k + 1),
                st.throughput_per_s,
                x[k],
                1e-12,
            );
            assert_close(&format!("case 11 U{}", k + 1), st.utilisation, u[k], 1e-12);
            assert_close(
                &format!("case 11 R{}", k + 1),
                st.response_per_visit_s,
                r[k],
                5e-4,
            );
        }
        // Everything that enters leaves: only station 3 exits, with probability .4.
        assert_close(
            "exit flow",
            0.4 * m.stations[2].throughput_per_s,
            4.0,
            1e-12,
        );
    }

    #[test]
    fn multi_server_station_uses_mmc() {
        let stations = [OpenStation {
            service_time_s: 0.2,
            servers: 2,
        }];
        let m = jackson(&stations, &[vec![0.0]], &[9.0]).unwrap();
        // Same as case 3 (M/M/2, λ = 9, μ = 5): W = 1.053.
        assert_close(
            "M/M/2 station W",
            m.stations[0].response_per_visit_s,
            1.053,
            5e-4,
        );
        assert_close(
            "network response",
            m.response_s,
            m.stations[0].response_per_visit_s,
            1e-12,
        );
    }

    #[test]
    fn invalid_input_is_an_error_not_a_panic() {
        let two = single(&[0.1, 0.1]);
        let closed = vec![vec![0.0, 1.0], vec![1.0, 0.0]];
        assert!(matches!(
            jackson(&two, &closed, &[1.0, 0.0]),
            Err(AnalyticError::Singular(_))
        ));
        let too_much = vec![vec![0.6, 0.6], vec![0.0, 0.0]];
        assert!(matches!(
            jackson(&two, &too_much, &[1.0, 0.0]),
            Err(AnalyticError::InvalidInput(_))
        ));
        let ok = vec![vec![0.0, 0.5], vec![0.0, 0.0]];
        assert!(jackson(&two, &ok, &[1.0]).is_err());
        assert!(jackson(&two, &[vec![0.0, 0.5]], &[1.0, 0.0]).is_err());
        assert!(jackson(&two, &ok, &[-1.0, 0.0]).is_err());
        assert!(matches!(
            jackson(&two, &ok, &[10.0, 0.0]),
            Err(AnalyticError::Unstable(_))
        ));
        assert!(jackson(&single(&[0.0, 0.1]), &ok, &[1.0, 0.0]).is_err());
    }
}
