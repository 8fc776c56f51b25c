//! `peakplan size`: the cheapest configuration that holds, checked against Erlang C on an
//! M/M/c queue (workers as the knob, a tail objective on the response time whose exact
//! smallest c is computed here), its certificate, a two-knob search, determinism across
//! thread counts, and bad `sizing:` blocks (exit 2 with the location).

mod common;

use common::{peakplan, text};
use peakplan::analytic;
use peakplan::model::Model;
use peakplan::result::VerdictStatus;
use peakplan::run::{self, Progress};
use peakplan::study::size::{self, Counters, Outcome, Settings, Size};
use peakplan::validation::queues::{Service, queue_yaml};
use std::path::{Path, PathBuf};

const SEED: u64 = 20261207;
/// λ = 8/s, exponential service of mean 1 s (a = 8 erlangs).
const LAMBDA: f64 = 8.0;
const MU: f64 = 1.0;
/// The objective: at most 10 % of requests answered later than 3 s.
const OVER_S: f64 = 3.0;
const AT_MOST: f64 = 0.10;

/// P(T > t) for M/M/c's response time T = Wq + S: Wq is 0 with probability 1 − C(c, a),
/// else exponential with rate θ = cμ − λ; S is exponential with rate μ.
fn response_tail(c: u32, t: f64) -> f64 {
    let a = LAMBDA / MU;
    let wait = analytic::erlang_c(c, a).expect("stable");
    let theta = f64::from(c) * MU - LAMBDA;
    let both = (theta * (-MU * t).exp() - MU * (-theta * t).exp()) / (theta - MU);
    (1.0 - wait) * (-MU * t).exp() + wait * both
}

/// The smallest c whose exact tail meets the objective.
fn erlang_smallest_c() -> u32 {
    let first = (LAMBDA / MU).floor() as u32 + 1;
    (first..100)
        .find(|&c| response_tail(c, OVER_S) <= AT_MOST)
        .expect("some c meets it")
}

/// The M/M/c scenario with `knobs` as its sizing block, written to a temporary file.
fn scenario(dir: &Path, knobs: &str) -> PathBuf {
    let yaml = queue_yaml(
        "mmc-size",
        LAMBDA,
        Service::Worker {
            mean_s: 1.0 / MU,
            scv: 1.0,
        },
        4,
        None,
        6000.0,
    ) + &format!(
        "slos:\n  tail: {{class: q, over: {OVER_S}s, at_most: {}%}}\nsizing:\n  knobs:\n{knobs}",
        AT_MOST * 100.0
    );
    let path = dir.join("mmc-size.yaml");
    std::fs::write(&path, yaml).unwrap();
    path
}

fn study(path: &Path, replications: u32, threads: usize) -> Size {
    let (model, sizing) = peakplan::scenario::load_sizing(path).unwrap_or_else(|d| panic!("{d}"));
    let sizing = sizing.expect("a sizing block");
    let settings = Settings {
        seed: SEED,
        replications,
        max_replications: 2 * replications,
        threads,
    };
    size::study(
        &model,
        &sizing,
        |o| peakplan::scenario::load_with(path, o),
        settings,
        &Counters::default(),
    )
}

fn workers_of(model: &Model) -> u32 {
    model.odoo.workers
}

#[test]
fn size_finds_erlang_c_smallest_c_with_its_certificate() {
    let exact = erlang_smallest_c();
    assert_eq!(
        exact,
        10,
        "the exact tail: c=9 {} c=10 {}",
        response_tail(9, OVER_S),
        response_tail(10, OVER_S)
    );
    let dir = tempfile::tempdir().unwrap();
    let path = scenario(dir.path(), "    estate.odoo.workers: 2..20\n");
    let s = study(&path, 10, 2);
    let chosen = s
        .chosen
        .as_ref()
        .unwrap_or_else(|| panic!("seed {SEED}: nothing holds"));
    assert_eq!(
        chosen.values,
        [exact.to_string()],
        "seed {SEED}: {:?}",
        s.configs
    );
    let cert = s.certificate.as_ref().expect("a certificate");
    assert!(cert.holds, "seed {SEED}: {cert:?}");
    assert_eq!(cert.neighbours.len(), 1);
    let down = &cert.neighbours[0];
    assert_eq!(down.to, (exact - 1).to_string());
    assert_eq!(down.config.outcome, Outcome::Fails, "seed {SEED}: {down:?}");
    assert!(
        down.config
            .objectives
            .iter()
            .any(|o| o.status != VerdictStatus::Holds)
    );
    // Workers ≤ λ/μ = 8 cannot hold (ρ ≥ 1) and are pruned, not simulated; each pruned
    // configuration is one of them.
    assert!(s.counts.pruned > 0, "seed {SEED}: {:?}", s.counts);
    for c in s.configs.iter().filter(|c| c.outcome == Outcome::Pruned) {
        let w: f64 = c.values[0].parse().unwrap();
        assert!(w <= LAMBDA / MU, "seed {SEED}: pruned {w} workers");
    }
    // Fewer simulations than an exhaustive scan of the 19 values.
    assert!(s.counts.simulated < 10, "seed {SEED}: {:?}", s.counts);
    assert!(
        s.chosen_model
            .as_ref()
            .is_some_and(|m| workers_of(m) == exact)
    );
}

#[test]
fn the_choice_holds_with_fresh_seeds_and_one_worker_less_breaks() {
    let dir = tempfile::tempdir().unwrap();
    let path = scenario(dir.path(), "    estate.odoo.workers: 2..20\n");
    let s = study(&path, 10, 2);
    let chosen = s.chosen_model.expect("a choice");
    let fresh = SEED + 1;
    let progress = Progress::new(&chosen, 10);
    let r = run::simulate(&chosen, fresh, 10, 2, &progress).unwrap();
    assert!(
        r.verdicts.iter().all(|v| v.status == VerdictStatus::Holds),
        "seed {fresh}: {:?}",
        r.verdicts
    );
    let mut less = chosen.clone();
    less.odoo.workers -= 1;
    let r = run::simulate(&less, fresh, 10, 2, &progress).unwrap();
    assert!(
        r.verdicts.iter().any(|v| v.status == VerdictStatus::Breaks),
        "seed {fresh}: {:?}",
        r.verdicts
    );
}

#[test]
fn a_two_knob_search_returns_the_cheapest_passing_configuration() {
    let dir = tempfile::tempdir().unwrap();
    let path = scenario(
        dir.path(),
        "    estate.odoo.pods: 1..3\n    estate.odoo.workers: 2..12\n",
    );
    let s = study(&path, 6, 2);
    let chosen = s
        .chosen
        .as_ref()
        .unwrap_or_else(|| panic!("seed {SEED}: nothing holds"));
    let (pods, workers): (u32, u32) = (
        chosen.values[0].parse().unwrap(),
        chosen.values[1].parse().unwrap(),
    );
    // Round-robin over pods is never better than one queue: at least Erlang C's c.
    assert!(
        pods * workers >= erlang_smallest_c(),
        "seed {SEED}: {pods} × {workers}"
    );
    let cert = s.certificate.as_ref().unwrap();
    assert!(cert.holds, "seed {SEED}: {cert:?}");
    assert!(!cert.neighbours.is_empty());
    for n in &cert.neighbours {
        assert_ne!(n.config.outcome, Outcome::Passes, "seed {SEED}: {n:?}");
        assert_ne!(
            n.config.outcome,
            Outcome::Pruned,
            "seed {SEED}: neighbours are simulated"
        );
    }
    // No configuration that passed in the search is cheaper.
    let cost = chosen.cost.as_ref().unwrap();
    for c in s.configs.iter().filter(|c| c.outcome == Outcome::Passes) {
        assert!(
            c.cost.as_ref().unwrap().vcpu >= cost.vcpu,
            "seed {SEED}: {c:?} cheaper than {chosen:?}"
        );
    }
}

#[test]
fn the_answer_does_not_depend_on_the_thread_count() {
    let dir = tempfile::tempdir().unwrap();
    let path = scenario(dir.path(), "    estate.odoo.workers: 6..14\n");
    let one = serde_json::to_string(&study(&path, 4, 1)).unwrap();
    let two = serde_json::to_string(&study(&path, 4, 2)).unwrap();
    assert_eq!(one, two, "seed {SEED}");
}

/// `peakplan size` on the M/M/c scenario with `knobs`: exit code and stderr.
fn bad(knobs: &str) -> (Option<i32>, String) {
    let dir = tempfile::tempdir().unwrap();
    let path = scenario(dir.path(), knobs);
    let o = peakplan(&["size", path.to_str().unwrap(), "--quiet"]);
    (o.status.code(), text(&o.stderr))
}

#[test]
fn an_unknown_knob_is_bad_input_with_its_line_and_a_suggestion() {
    let (code, err) = bad("    estate.odoo.wrokers: 2..8\n");
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("sizing.knobs.estate.odoo.wrokers"), "{err}");
    assert!(err.contains("mmc-size.yaml:"), "{err}");
    assert!(err.contains("did you mean `estate.odoo.workers`"), "{err}");
}

#[test]
fn an_empty_range_is_bad_input() {
    let (code, err) = bad("    estate.odoo.workers: 8..2\n");
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("the range has no values"), "{err}");
    assert!(err.contains("sizing.knobs.estate.odoo.workers"), "{err}");
}

#[test]
fn a_knob_on_an_absent_part_is_bad_input() {
    let (code, err) = bad("    estate.redis.maxmemory: [1GiB, 2GiB]\n");
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("the scenario has no `estate.redis`"), "{err}");
    let line = err
        .lines()
        .find(|l| l.contains("-->"))
        .unwrap_or_default()
        .to_owned();
    assert!(line.contains("mmc-size.yaml:"), "{err}");
    let (code, err) = bad("    estate.postgres.volume.iops: 1000..3000 by 1000\n");
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("estate.postgres.volume"), "{err}");
}

#[test]
fn values_out_of_order_and_unpriced_knobs_are_bad_input() {
    let (code, err) = bad("    estate.odoo.workers: [4, 2]\n");
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("must increase strictly"), "{err}");
    let (code, err) =
        bad("    estate.postgres.cores: 1..4\n  prices: {currency: EUR, pod_vcpu: 20}\n");
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("sizing.prices.postgres_core"), "{err}");
}

#[test]
fn nothing_holding_exits_5_with_what_breaks_at_the_largest() {
    // 2..6 workers: every one has ρ = 8/c ≥ 1, so is pruned; the largest is simulated to
    // say what breaks. A value validation refuses is refused, with why.
    let dir = tempfile::tempdir().unwrap();
    let path = scenario(dir.path(), "    estate.odoo.workers: 2..6\n");
    let out = dir.path().join("out");
    let o = peakplan(&[
        "size",
        path.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "-r",
        "3",
    ]);
    let stdout = text(&o.stdout);
    assert_eq!(o.status.code(), Some(5), "{stdout}{}", text(&o.stderr));
    assert!(stdout.contains("NOTHING HOLDS"), "{stdout}");
    assert!(stdout.contains("estate.odoo.workers = 6"), "{stdout}");
    assert!(
        stdout.contains("tail (q)") && stdout.contains("BREAKS"),
        "{stdout}"
    );
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("size.json")).unwrap()).unwrap();
    assert!(json["chosen"].is_null());
    assert_eq!(json["largest"]["outcome"], "fails");

    let path = scenario(dir.path(), "    estate.odoo.workers: [2, 100000]\n");
    let s = study(&path, 2, 2);
    let refused = s.largest.expect("the largest");
    assert_eq!(refused.outcome, Outcome::Refused);
    let why = refused.reason.unwrap_or_default();
    assert!(
        why.contains("estate.odoo.workers") && why.contains("mmc-size.yaml:"),
        "{why}"
    );
}
