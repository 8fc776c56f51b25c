//! Test-only reference solver for closed networks: builds the full continuous-
//! time Markov chain from an explicit routing matrix and solves its global
//! balance equations by brute force. It shares nothing with MVA (no visit
//! ratios, no arrival theorem), so agreement is an independent check — and the
//! routing matrices here are exactly what a simulator scenario must use to
//! reproduce validation cases 12 and 13.

use super::mva::{StationKind, mva_single_server};
use super::testing::assert_close;
use std::collections::HashMap;

/// A closed network as a simulator would run it: explicit routing matrix,
/// exponential service; node kinds as in MVA. Solved as a CTMC below.
struct RoutedNetwork {
    kinds: Vec<StationKind>,
    service_times_s: Vec<f64>,
    routing: Vec<Vec<f64>>,
    population: usize,
}

fn compositions(total: usize, parts: usize) -> Vec<Vec<usize>> {
    if parts == 1 {
        return vec![vec![total]];
    }
    (0..=total)
        .flat_map(|first| {
            compositions(total - first, parts - 1)
                .into_iter()
                .map(move |mut rest| {
                    rest.insert(0, first);
                    rest
                })
        })
        .collect()
}

/// Brute-force steady state by Gauss–Seidel on the global balance equations;
/// returns (completions per second, mean customers) per node. Independent of
/// MVA: it uses the routing matrix, not visit ratios or the arrival theorem.
fn solve_ctmc(net: &RoutedNetwork) -> (Vec<f64>, Vec<f64>) {
    let states = compositions(net.population, net.kinds.len());
    let index: HashMap<&Vec<usize>, usize> =
        states.iter().enumerate().map(|(i, s)| (s, i)).collect();
    let rate = |s: &Vec<usize>, k: usize| match net.kinds[k] {
        _ if s[k] == 0 => 0.0,
        StationKind::Queue => 1.0 / net.service_times_s[k],
        StationKind::Delay => s[k] as f64 / net.service_times_s[k],
    };
    let mut incoming = vec![Vec::new(); states.len()];
    let mut outflow = vec![0.0; states.len()];
    for (i, s) in states.iter().enumerate() {
        for (k, row) in net.routing.iter().enumerate() {
            for (j, &p) in row.iter().enumerate() {
                if j != k && p > 0.0 && s[k] > 0 {
                    let mut t = s.clone();
                    t[k] -= 1;
                    t[j] += 1;
                    incoming[index[&t]].push((i, rate(s, k) * p));
                    outflow[i] += rate(s, k) * p;
                }
            }
        }
    }
    let mut pi = vec![1.0 / states.len() as f64; states.len()];
    for _sweep in 0..200_000 {
        let mut change: f64 = 0.0;
        for j in 0..states.len() {
            let new = incoming[j].iter().map(|&(i, q)| pi[i] * q).sum::<f64>() / outflow[j];
            change = change.max((new - pi[j]).abs());
            pi[j] = new;
        }
        let total: f64 = pi.iter().sum();
        pi.iter_mut().for_each(|p| *p /= total);
        if change < 1e-15 {
            break;
        }
    }
    let nodes = net.kinds.len();
    let completions = (0..nodes)
        .map(|k| states.iter().zip(&pi).map(|(s, p)| p * rate(s, k)).sum())
        .collect();
    let lengths = (0..nodes)
        .map(|k| states.iter().zip(&pi).map(|(s, p)| p * s[k] as f64).sum())
        .collect();
    (completions, lengths)
}

#[test]
fn case_13_routing_with_cpu_self_loop_matches_mva() {
    // CPU → CPU .3, → disk 2 .4, → disk 3 .2, → disk 4 .1; disks → CPU.
    // This is the routing that yields V = [1, .4, .2, .1] with no terminals.
    // The self-loop matters for what "X1" counts: a job finishing CPU service
    // with probability .3 rejoins the tail of the CPU queue and that counts as
    // a new visit. Merging the loop into one longer CPU burst (S = .02/.7,
    // V = .7, CPU → disks 4/7, 2/7, 1/7) gives the same demands and queue
    // lengths but X1 = 6.944, not the stated 9.920.
    let net = RoutedNetwork {
        kinds: vec![StationKind::Queue; 4],
        service_times_s: vec![0.02, 0.2, 0.4, 0.6],
        routing: vec![
            vec![0.3, 0.4, 0.2, 0.1],
            vec![1.0, 0.0, 0.0, 0.0],
            vec![1.0, 0.0, 0.0, 0.0],
            vec![1.0, 0.0, 0.0, 0.0],
        ],
        population: 6,
    };
    let (x, q) = solve_ctmc(&net);
    let m = mva_single_server(&net.service_times_s, &[1.0, 0.4, 0.2, 0.1], 0.0, 6).unwrap();
    for (k, st) in m.stations.iter().enumerate() {
        assert_close(&format!("CTMC X{k}"), x[k], st.throughput_per_s, 1e-9);
        assert_close(
            &format!("CTMC R{k}"),
            q[k] / x[k],
            st.response_per_visit_s,
            1e-9,
        );
    }
}

#[test]
fn case_12_routing_with_terminals_matches_mva() {
    // Node 0 = terminals (delay, Z = 4) → CPU; CPU → terminals 1/16,
    // disk A 10/16, disk B 5/16; disks → CPU. Gives V = [1, 16, 10, 5].
    let net = RoutedNetwork {
        kinds: vec![
            StationKind::Delay,
            StationKind::Queue,
            StationKind::Queue,
            StationKind::Queue,
        ],
        service_times_s: vec![4.0, 0.125, 0.3, 0.2],
        routing: vec![
            vec![0.0, 1.0, 0.0, 0.0],
            vec![1.0 / 16.0, 0.0, 10.0 / 16.0, 5.0 / 16.0],
            vec![0.0, 1.0, 0.0, 0.0],
            vec![0.0, 1.0, 0.0, 0.0],
        ],
        population: 20,
    };
    let (x, _) = solve_ctmc(&net);
    assert_close("CTMC case 12 X0", x[0], 0.3332, 5e-5);
    let m = mva_single_server(&[0.125, 0.3, 0.2], &[16.0, 10.0, 5.0], 4.0, 20).unwrap();
    assert_close("CTMC vs MVA X0", x[0], m.throughput_per_s, 1e-9);
}
