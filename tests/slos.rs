//! Service-level objectives against answers known exactly: on an M/M/2 queue, the share of
//! requests over a threshold and the p95 of the response time from Erlang C
//! (`analytic::mmc_response_tail`); a verdict lands on the side of the target where the
//! exact value lies, once the replications are enough to tell — and says it cannot tell
//! before. Exit codes 0, 5 and 6 through the binary.

mod common;

use common::{model, peakplan, run_seeded, text};
use peakplan::analytic::{mmc_response_quantile, mmc_response_tail};
use peakplan::model::Model;
use peakplan::result::{SimulationResult, Verdict, VerdictStatus};
use peakplan::run::{self, Progress};
use peakplan::validation::queues::{Service, queue_yaml};

/// M/M/2 at ρ = 0.8: λ = 1.6/s, μ = 1/s.
const LAMBDA: f64 = 1.6;
const MU: f64 = 1.0;
const SERVERS: u32 = 2;
/// The threshold of the `over` objective, seconds.
const OVER_S: f64 = 4.0;
/// Simulated seconds per replication (≈ 32,000 requests).
const HORIZON_S: f64 = 20_000.0;
const SEED: u64 = 1;

fn exact_over() -> f64 {
    mmc_response_tail(LAMBDA, MU, SERVERS, OVER_S).unwrap()
}

fn exact_p95() -> f64 {
    mmc_response_quantile(LAMBDA, MU, SERVERS, 0.95).unwrap()
}

/// The M/M/2 queue with an `over` and a `latency` objective at the given targets.
fn scenario(over_target: f64, p95_target_s: f64) -> String {
    let service = Service::Worker {
        mean_s: 1.0 / MU,
        scv: 1.0,
    };
    let base = queue_yaml("mm2-slos", LAMBDA, service, SERVERS, None, HORIZON_S);
    format!(
        "{base}slos:\n  slow:\n    over: {OVER_S}s\n    at_most: {over_target}\n  \
         p95:\n    latency: p95 < {p95_target_s}s\n"
    )
}

fn simulate(m: &Model, reps: u32) -> SimulationResult {
    run_seeded(m, SEED, reps)
}

fn verdict<'a>(r: &'a SimulationResult, slo: &str) -> &'a Verdict {
    r.verdicts.iter().find(|v| v.slo == slo).unwrap()
}

/// The interval of a verdict holds `exact`, widened by `slack` (relative) for the
/// histogram's quantile error where it applies.
fn assert_covers(v: &Verdict, exact: f64, slack: f64) {
    let (low, high) = (v.low.unwrap(), v.high.unwrap());
    assert!(
        low * (1.0 - slack) <= exact && exact <= high * (1.0 + slack),
        "seed {SEED}: {} = {exact} outside [{low}, {high}] over {} replications",
        v.slo,
        v.replications
    );
}

#[test]
fn verdicts_reproduce_the_m_m_2_response_time_and_land_on_the_right_side() {
    let (over, p95) = (exact_over(), exact_p95());
    assert!(over > 0.05 && over < 0.3, "a tail worth measuring: {over}");
    // Targets 15 % either side of the exact values.
    let holds = model(&scenario(over * 1.15, p95 * 1.15));
    let breaks = model(&scenario(over * 0.85, p95 * 0.85));
    let r = simulate(&holds, 20);
    for (slo, exact, slack) in [("slow", over, 0.0), ("p95", p95, 0.004)] {
        let v = verdict(&r, slo);
        assert_covers(v, exact, slack);
        let half = (v.high.unwrap() - v.low.unwrap()) / 2.0;
        assert!(
            half < 0.08 * exact,
            "seed {SEED}: {slo} interval too wide to mean anything: ±{half} around {exact}"
        );
        assert_eq!(v.status, VerdictStatus::Holds, "seed {SEED}: {v:?}");
    }
    let r = simulate(&breaks, 20);
    for slo in ["slow", "p95"] {
        assert_eq!(
            verdict(&r, slo).status,
            VerdictStatus::Breaks,
            "seed {SEED}: {:?}",
            verdict(&r, slo)
        );
    }
}

#[test]
fn an_undecided_verdict_is_settled_by_the_replications_it_asks_for() {
    // 5 % above the exact share: two replications cannot tell, more can.
    let m = model(&scenario(exact_over() * 1.05, exact_p95() * 2.0));
    let two = simulate(&m, 2);
    let v = verdict(&two, "slow");
    assert_eq!(v.status, VerdictStatus::Undecided, "seed {SEED}: {v:?}");
    let asked = v
        .replications_needed
        .expect("an estimate of what would settle it");
    assert!(asked > 2, "seed {SEED}: {asked}");
    let r = run::simulate_until_decided(&m, SEED, 2, 400, 2, &Progress::new(&m, 400)).unwrap();
    let v = verdict(&r, "slow");
    assert_eq!(
        v.status,
        VerdictStatus::Holds,
        "seed {SEED}: after {} replications (budget 400): {v:?}",
        v.replications
    );
    assert_covers(v, exact_over(), 0.0);
    assert!(v.replications <= 400);
}

/// A small open queue whose objectives are chosen to hold, break or be too close to call.
fn cli_scenario(dir: &std::path::Path, slos: &str) -> String {
    let service = Service::Worker {
        mean_s: 0.1,
        scv: 1.0,
    };
    let yaml = format!(
        "{}slos:\n{slos}",
        queue_yaml("exit-codes", 5.0, service, 1, None, 2_000.0)
    );
    let path = dir.join("s.yaml");
    std::fs::write(&path, yaml).unwrap();
    path.to_str().unwrap().to_owned()
}

fn exit_code(slos: &str) -> (Option<i32>, String) {
    let dir = tempfile::tempdir().unwrap();
    let file = cli_scenario(dir.path(), slos);
    let o = peakplan(&["simulate", &file, "--seed", "1", "--replications", "3"]);
    (o.status.code(), text(&o.stdout))
}

#[test]
fn exit_codes_say_whether_every_objective_holds() {
    // M/M/1, λ = 5, μ = 10: the mean response time is 0.2 s, p95 = ln 20 / 5 ≈ 0.6 s.
    let (code, out) = exit_code("  p95:\n    latency: p95 < 2s\n");
    assert_eq!(code, Some(0), "{out}");
    assert!(out.starts_with("SLOs: the one objective holds"), "{out}");

    let (code, out) = exit_code("  p95:\n    latency: p95 < 2s\n  p50:\n    latency: p50 < 50ms\n");
    assert_eq!(code, Some(5), "{out}");
    assert!(out.lines().next().unwrap().contains("BREAK"), "{out}");

    // The exact p95: three replications cannot decide which side it is on.
    let p95 = mmc_response_quantile(5.0, 10.0, 1, 0.95).unwrap();
    let (code, out) = exit_code(&format!("  p95:\n    latency: p95 < {p95}s\n"));
    assert_eq!(code, Some(6), "seed 1: {out}");
    assert!(out.contains("UNDECIDED"), "{out}");
}
