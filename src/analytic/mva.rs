//! Exact Mean Value Analysis (Reiser & Lavenberg) for closed, single-class,
//! product-form networks: N customers circulate among queueing stations
//! (single server, FCFS with exponential service or PS with any service) and
//! delay stations (infinite servers), plus an optional think time Z at the
//! "terminals", the reference point at which system throughput X0 is counted.
//!
//! The recursion over populations n = 1..N uses the arrival theorem — an
//! arriving customer sees the network as it is in equilibrium with n − 1
//! customers — so R_k(n) = S_k·(1 + Q_k(n − 1)) at a queue and S_k at a delay.
//! Only visit ratios V_k enter, not the routing matrix itself: any routing with
//! the same visit ratios gives the same means.

use super::error::{Result, invalid, require_at_most, require_non_negative, require_positive};

/// MVA costs O(N·K); this bounds a single what-if query to well under a second.
const WORK_MAX: usize = 100_000_000;

/// How a station serves customers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StationKind {
    /// One server, FCFS (exponential service) or PS: customers queue.
    Queue,
    /// Infinitely many servers: nobody waits, residence is the service time.
    Delay,
}

/// One station of a closed network, as MVA sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct ClosedStation {
    pub kind: StationKind,
    /// S_k: mean service time per visit.
    pub service_time_s: f64,
    /// V_k: mean visits per pass through the reference point (per think cycle).
    pub visit_ratio: f64,
}

/// Per-station results at population N.
#[derive(Debug, Clone, PartialEq)]
pub struct ClosedStationMetrics {
    /// X_k = V_k·X0: completions per second at this station.
    pub throughput_per_s: f64,
    /// X_k·S_k: server busy fraction of a queue; for a delay station, the mean
    /// number of customers in service (may exceed 1).
    pub utilisation: f64,
    /// R_k: mean response time per visit (waiting + service).
    pub response_per_visit_s: f64,
    /// V_k·R_k: total time a customer spends here per cycle.
    pub residence_s: f64,
    /// Q_k: mean number of customers at the station.
    pub queue_length_mean: f64,
}

/// Network-level results at population N.
#[derive(Debug, Clone, PartialEq)]
pub struct MvaMetrics {
    /// X0: cycles completed per second at the reference point.
    pub throughput_per_s: f64,
    /// Σ V_k·R_k: mean time per cycle spent at stations (excludes think time).
    pub response_s: f64,
    /// Mean number of customers thinking, X0·Z.
    pub thinking_mean: f64,
    pub stations: Vec<ClosedStationMetrics>,
}

/// Exact MVA. `think_time_s` is Z (0 for a batch system without terminals);
/// `population` is N. With N = 0 every metric is 0.
pub fn mva(stations: &[ClosedStation], think_time_s: f64, population: u32) -> Result<MvaMetrics> {
    let think = require_non_negative("think time", think_time_s)?;
    for (k, st) in stations.iter().enumerate() {
        require_positive(&format!("station {k} service time"), st.service_time_s)?;
        require_non_negative(&format!("station {k} visit ratio"), st.visit_ratio)?;
    }
    let total_demand_s: f64 = stations
        .iter()
        .map(|s| s.visit_ratio * s.service_time_s)
        .sum();
    if total_demand_s + think <= 0.0 {
        // Customers would cycle in zero time: X0 is infinite, not a number.
        return Err(invalid(
            "a cycle needs positive time: all visit ratios are 0 and Z = 0",
        ));
    }
    let work = (population as usize).saturating_mul(stations.len().max(1));
    require_at_most("population × stations", work, WORK_MAX)?;

    let mut queue_lengths = vec![0.0; stations.len()];
    let mut response_per_visit_s = vec![0.0; stations.len()];
    let mut throughput_per_s = 0.0;
    for n in 1..=population {
        for (k, st) in stations.iter().enumerate() {
            response_per_visit_s[k] = match st.kind {
                StationKind::Queue => st.service_time_s * (1.0 + queue_lengths[k]),
                StationKind::Delay => st.service_time_s,
            };
        }
        let cycle_s = think
            + stations
                .iter()
                .zip(&response_per_visit_s)
                .map(|(st, r)| st.visit_ratio * r)
                .sum::<f64>();
        throughput_per_s = f64::from(n) / cycle_s;
        for (k, st) in stations.iter().enumerate() {
            queue_lengths[k] = throughput_per_s * st.visit_ratio * response_per_visit_s[k];
        }
    }
    if population == 0 {
        // No customer ever arrives; report the empty-network response (pure service).
        for (k, st) in stations.iter().enumerate() {
            response_per_visit_s[k] = st.service_time_s;
        }
    }
    let station_metrics: Vec<ClosedStationMetrics> = stations
        .iter()
        .enumerate()
        .map(|(k, st)| ClosedStationMetrics {
            throughput_per_s: st.visit_ratio * throughput_per_s,
            utilisation: st.visit_ratio * throughput_per_s * st.service_time_s,
            response_per_visit_s: response_per_visit_s[k],
            residence_s: st.visit_ratio * response_per_visit_s[k],
            queue_length_mean: queue_lengths[k],
        })
        .collect();
    Ok(MvaMetrics {
        throughput_per_s,
        response_s: station_metrics.iter().map(|s| s.residence_s).sum(),
        thinking_mean: throughput_per_s * think,
        stations: station_metrics,
    })
}

/// Convenience form for the common case where every station is a single-server
/// queue: parallel slices of S_k and V_k, think time Z, population N.
pub fn mva_single_server(
    service_times_s: &[f64],
    visit_ratios: &[f64],
    think_time_s: f64,
    population: u32,
) -> Result<MvaMetrics> {
    if service_times_s.len() != visit_ratios.len() {
        return Err(invalid(format!(
            "{} service times but {} visit ratios",
            service_times_s.len(),
            visit_ratios.len()
        )));
    }
    let stations: Vec<ClosedStation> = service_times_s
        .iter()
        .zip(visit_ratios)
        .map(|(&s, &v)| ClosedStation {
            kind: StationKind::Queue,
            service_time_s: s,
            visit_ratio: v,
        })
        .collect();
    mva(&stations, think_time_s, population)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analytic::AnalyticError;
    use crate::analytic::testing::assert_close;

    /// Case 12 (Jain's central-server model, as in Octave's qncsmva demo): all
    /// three stations are single-server queues — CPU (S=.125, V=16), disk A
    /// (S=.3, V=10), disk B (S=.2, V=5) — plus Z=4 at the terminals. Making any
    /// station a delay gives X0 = 0.33326, 0.3333 or ≥ 0.5, none of which print
    /// as 0.3332; all-queues gives 0.333247.
    #[test]
    fn closed_case_12_central_server_with_terminals() {
        let m = mva_single_server(&[0.125, 0.3, 0.2], &[16.0, 10.0, 5.0], 4.0, 20).unwrap();
        assert_close("case 12 X0", m.throughput_per_s, 0.3332, 5e-5);
        // Little's law over the whole cycle: N = X0·(R + Z).
        assert_close(
            "case 12 N",
            m.throughput_per_s * (m.response_s + 4.0),
            20.0,
            1e-9,
        );
    }

    /// Case 13 (Bolch et al. Example 8.3): four single-server queues, no think
    /// time, N = 6. The stated R are per visit (V_k·R_k would be .025, .228,
    /// .228, .124), and with X counted at station 1 (V_1 = 1).
    #[test]
    fn closed_case_13_four_queues_no_think_time() {
        let m = mva_single_server(&[0.02, 0.2, 0.4, 0.6], &[1.0, 0.4, 0.2, 0.1], 0.0, 6).unwrap();
        let x = [9.920, 3.968, 1.984, 0.992];
        let r = [0.025, 0.570, 1.140, 1.244];
        for (k, st) in m.stations.iter().enumerate() {
            assert_close(
                &format!("case 13 X{}", k + 1),
                st.throughput_per_s,
                x[k],
                5e-4,
            );
            assert_close(
                &format!("case 13 R{}", k + 1),
                st.response_per_visit_s,
                r[k],
                5e-4,
            );
        }
        let total: f64 = m.stations.iter().map(|s| s.queue_length_mean).sum();
        assert_close("case 13 ΣQ", total, 6.0, 1e-9);
    }

    #[test]
    fn delay_stations_and_think_time_are_interchangeable() {
        // A delay station with V·S = Z must behave exactly like think time Z.
        let q = ClosedStation {
            kind: StationKind::Queue,
            service_time_s: 0.5,
            visit_ratio: 2.0,
        };
        let d = ClosedStation {
            kind: StationKind::Delay,
            service_time_s: 2.0,
            visit_ratio: 1.5,
        };
        let with_delay = mva(&[q.clone(), d], 0.0, 7).unwrap();
        let with_think = mva(&[q], 3.0, 7).unwrap();
        assert_close(
            "X0",
            with_delay.throughput_per_s,
            with_think.throughput_per_s,
            1e-12,
        );
    }

    #[test]
    fn invalid_input_is_an_error_not_a_panic() {
        assert!(matches!(
            mva_single_server(&[1.0], &[1.0, 2.0], 0.0, 3),
            Err(AnalyticError::InvalidInput(_))
        ));
        assert!(mva_single_server(&[-1.0], &[1.0], 0.0, 3).is_err());
        assert!(mva_single_server(&[1.0], &[f64::NAN], 0.0, 3).is_err());
        assert!(mva_single_server(&[1.0], &[0.0], 0.0, 3).is_err());
        assert!(mva_single_server(&[], &[], 0.0, 3).is_err());
        assert!(mva_single_server(&[1.0], &[1.0], -1.0, 3).is_err());
        assert!(mva_single_server(&[1.0; 1000], &[1.0; 1000], 0.0, u32::MAX).is_err());
        assert_eq!(
            mva_single_server(&[1.0], &[1.0], 0.0, 0)
                .unwrap()
                .throughput_per_s,
            0.0
        );
    }
}
