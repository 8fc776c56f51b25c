//! `peakplan headroom`: the largest load at which every objective holds, found on the
//! grid `2^(step/32)`, checked against queueing theory — a utilisation objective on
//! M/M/8 (exact headroom 0.8 / ρ) and the knee of M/M/1 (the load at which the median
//! response time, exponential with rate μ − λ, doubles) — and for monotonicity in
//! capacity, determinism across thread counts, scaling and exit codes.

mod common;

use common::{peakplan, root, text};
use peakplan::study::headroom::{self, Headroom, Settings, load_of};
use peakplan::validation::queues::{Service, queue_yaml};
use std::path::Path;

const SEED: u64 = 20261207;

fn study(yaml: &str, replications: u32, threads: usize) -> Headroom {
    let dir = root().join("scenarios");
    let settings = Settings {
        seed: SEED,
        replications,
        threads,
    };
    headroom::study(
        |load| peakplan::scenario::load_str_at(yaml, "test.yaml", &dir, load),
        settings,
        |_| {},
    )
    .unwrap_or_else(|d| panic!("seed {SEED}: {d}"))
}

/// Both ends of the bracket lie within `steps` grid steps of `exact`.
fn brackets(what: &str, passes: Option<f64>, fails: Option<f64>, exact: f64, steps: i32) {
    let (p, f) = (passes.expect("passes"), fails.expect("fails"));
    let slack = load_of(steps);
    let near = |x: f64| x >= exact / slack && x <= exact * slack;
    assert!(
        near(p) && near(f),
        "seed {SEED}: {what}: bracket [{p}, {f}], exact {exact} (within {steps} steps)"
    );
}

#[test]
fn a_utilisation_objective_on_mm8_holds_up_to_0_8_over_rho() {
    // λ = 4/s, exponential 1 s of CPU, 8 workers: ρ = 0.5 at ×1, so the workers are 80 %
    // busy at ×1.6 exactly. The objective reads the busiest fine bucket: one bucket for
    // the whole horizon makes that the mean.
    let yaml = queue_yaml(
        "mm8",
        4.0,
        Service::Worker {
            mean_s: 1.0,
            scv: 1.0,
        },
        8,
        None,
        4.0 * 3600.0,
    )
    .replace("fine_bucket: 144s", "fine_bucket: 14400s")
    .replace("coarse_bucket: 144s", "coarse_bucket: 14400s")
        + "slos:\n  busy: {utilisation: < 80%, resource: odoo_workers_busy}\n";
    let h = study(&yaml, 10, 2);
    let b = h.overall.as_ref().expect("an objective");
    brackets("headroom", b.passes, b.fails, 1.6, 2);
    assert_eq!(b.because, ["busy breaks"], "seed {SEED}: {b:?}");
    // Every load it ran says the same of its utilisation: 0.5 × load.
    for p in &h.points {
        let u = p.objectives[0].value.expect("a utilisation");
        assert!(
            (u - 0.5 * p.load).abs() < 0.01 * p.load.max(0.1),
            "seed {SEED}: ×{}: utilisation {u}",
            p.load
        );
    }
}

#[test]
fn the_knee_of_mm1_is_where_its_median_doubles() {
    // M/M/1, λ = 0.4/s, μ = 1/s: the response time is exponential with rate μ − λ·m, its
    // median ln 2 / (μ − λm). Nominal at ×1/16: ln 2 / 0.975. Twice that when
    // 1 − 0.4m = 0.4875: m = 1.28125.
    let yaml = queue_yaml(
        "mm1",
        0.4,
        Service::Worker {
            mean_s: 1.0,
            scv: 1.0,
        },
        1,
        None,
        20.0 * 3600.0,
    );
    let h = study(&yaml, 10, 2);
    assert!(h.overall.is_none(), "no objectives");
    let q = &h.classes[0];
    let nominal = q.nominal_p50_s.expect("a nominal median");
    let exact_nominal = 2f64.ln() / 0.975;
    assert!(
        (nominal - exact_nominal).abs() < 0.03 * exact_nominal,
        "seed {SEED}: nominal median {nominal}, exact {exact_nominal}"
    );
    let knee = q.knee.as_ref().expect("a knee");
    brackets("knee", knee.passes, knee.fails, 1.28125, 2);
}

/// M/M/c with 1 s exponential CPU at 3/s and a p95 objective of 5 s (the CPU alone has a
/// p95 of ln 20 ≈ 3 s).
fn tight(workers: u32) -> String {
    queue_yaml(
        "tight",
        3.0,
        Service::Worker {
            mean_s: 1.0,
            scv: 1.0,
        },
        workers,
        None,
        2.0 * 3600.0,
    ) + "slos:\n  p95: {class: q, latency: p95 < 5s}\n"
}

#[test]
fn headroom_grows_with_capacity_and_does_not_depend_on_threads() {
    let four = study(&tight(4), 5, 1);
    let six = study(&tight(6), 5, 2);
    let at = |h: &Headroom| h.overall.as_ref().and_then(|b| b.passes).expect("passes");
    assert!(
        at(&six) > at(&four),
        "seed {SEED}: 6 workers ×{}, 4 workers ×{}",
        at(&six),
        at(&four)
    );
    let again = study(&tight(4), 5, 2);
    assert_eq!(
        serde_json::to_string(&four).unwrap(),
        serde_json::to_string(&again).unwrap(),
        "seed {SEED}: 1 and 2 threads differ"
    );
}

#[test]
fn load_scales_open_rates_and_closed_users_only() {
    let dir = root().join("scenarios");
    let yaml = "version: 1
horizon: {start: 2026-11-30T09:00, duration: 1h}
workloads:
  web:
    rate: 10/s
    odoo_cpu: {dist: constant, value: 10ms}
  office:
    users: 10
    think_time: {dist: exponential, mean: 30s}
    odoo_cpu: {dist: constant, value: 10ms}
  nightly:
    cron: {interval: 30m}
    odoo_cpu: {dist: constant, value: 1s}
  import:
    at: ['09:30']
    odoo_cpu: {dist: constant, value: 1s}
estate:
  odoo: {workers: 4}
  postgres: {cores: 2}
";
    let at = |load| peakplan::scenario::load_str_at(yaml, "t.yaml", &dir, load).unwrap();
    let (one, more) = (at(1.0), at(1.26));
    assert_eq!(more.classes[0].base_rate_per_s, 12.6);
    let users = |m: &peakplan::model::Model| m.classes[1].population.as_ref().unwrap().users;
    assert_eq!((users(&one), users(&more)), (10, 13));
    assert_eq!(more.classes[2].base_rate_per_s, 0.0);
    assert_eq!(more.classes[3].fixed_times, one.classes[3].fixed_times);
    // Scaled past the arrivals bound: refused like a scenario written that way.
    let refused = peakplan::scenario::load_str_at(yaml, "t.yaml", &dir, 1e9);
    assert!(refused.is_err());
}

#[test]
fn the_command_writes_its_files_and_exits_5_without_headroom() {
    let dir = tempfile::tempdir().unwrap();
    let over = dir.path().join("over.yaml");
    // ×1 already misses the objective: 3 workers at 3/s are saturated.
    std::fs::write(&over, tight(4).replace("workers: 4", "workers: 3")).unwrap();
    let out = dir.path().join("out");
    let o = peakplan(&[
        "headroom",
        over.to_str().unwrap(),
        "-q",
        "-r",
        "3",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(5), "{}", text(&o.stderr));
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("headroom.json")).unwrap()).unwrap();
    assert_eq!(json["format"], "peakplan-headroom");
    assert!(json["overall"]["passes"].as_f64().unwrap() < 1.0);
    let csv = std::fs::read_to_string(out.join("headroom.csv")).unwrap();
    assert!(csv.starts_with("load,outcome,class,"), "{csv}");
    let png = std::fs::read(out.join("headroom.png")).unwrap();
    let info = png::Decoder::new(std::io::Cursor::new(&png[..]))
        .read_info()
        .expect("a PNG")
        .info()
        .clone();
    assert_eq!((info.width, info.height), (1000, 500));
    let svg = std::fs::read_to_string(out.join("headroom.svg")).unwrap();
    assert!(svg.contains("p95 latency against load"), "{svg}");

    let o = peakplan(&["headroom", over.to_str().unwrap(), "-r", "3"]);
    assert_eq!(o.status.code(), Some(5));
    let said = text(&o.stdout);
    assert!(
        said.starts_with("headroom: NONE — the scenario as written fails"),
        "{said}"
    );

    let missing = peakplan(&["headroom", Path::new("nope.yaml").to_str().unwrap()]);
    assert_eq!(missing.status.code(), Some(2), "{}", text(&missing.stderr));
}

/// `simulate --headroom` carries the same study as `peakplan headroom` (×1 read from the
/// simulation itself), into the summary, result.json, the CSV, the charts and the PDF —
/// and `peakplan report` renders it again from result.json.
#[test]
fn simulate_with_headroom_carries_the_study_everywhere() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("tight.yaml");
    std::fs::write(&file, tight(5)).unwrap();
    let (sim, alone) = (dir.path().join("sim"), dir.path().join("alone"));
    let f = file.to_str().unwrap();
    let o = peakplan(&[
        "simulate",
        f,
        "-r",
        "3",
        "--headroom",
        "--no-pdf",
        "--out",
        sim.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let said = text(&o.stdout);
    let line = said
        .lines()
        .find(|l| l.starts_with("headroom: ×"))
        .unwrap_or_else(|| panic!("no headroom line in the summary:\n{said}"));
    let o = peakplan(&[
        "headroom",
        f,
        "-q",
        "-r",
        "3",
        "--out",
        alone.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));

    let read = |p: std::path::PathBuf| -> serde_json::Value {
        serde_json::from_slice(&std::fs::read(p).unwrap()).unwrap()
    };
    let result = read(sim.join("result.json"));
    let study = read(alone.join("headroom.json"));
    assert_eq!(result["headroom"], study, "seed {SEED}");
    let passes = study["overall"]["passes"].as_f64().unwrap();
    assert!(
        line.contains(&format!("×{passes:.2}")),
        "{line} vs ×{passes}"
    );
    for (a, b) in [
        ("csv/headroom.csv", "headroom.csv"),
        ("charts/headroom.svg", "headroom.svg"),
        ("charts/headroom.png", "headroom.png"),
    ] {
        assert_eq!(
            std::fs::read(sim.join(a)).unwrap(),
            std::fs::read(alone.join(b)).unwrap(),
            "{a}"
        );
    }
    // A result without the study has no `headroom` key at all.
    let plain = dir.path().join("plain");
    let o = peakplan(&[
        "simulate",
        f,
        "-q",
        "-r",
        "2",
        "--no-pdf",
        "--no-charts",
        "--out",
        plain.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert!(read(plain.join("result.json")).get("headroom").is_none());

    // `peakplan report` reads it back: the summary line and the PDF's section.
    let o = peakplan(&["report", sim.join("result.json").to_str().unwrap()]);
    assert!(text(&o.stdout).contains(line), "{}", text(&o.stdout));
    let pdf = dir.path().join("r.pdf");
    let o = peakplan(&[
        "report",
        sim.join("result.json").to_str().unwrap(),
        "-q",
        "--pdf",
        pdf.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let has_pdftotext = std::process::Command::new("pdftotext")
        .arg("-v")
        .output()
        .is_ok();
    if has_pdftotext {
        let o = std::process::Command::new("pdftotext")
            .args([pdf.to_str().unwrap(), "-"])
            .output()
            .unwrap();
        let t = text(&o.stdout);
        assert!(
            t.contains("Headroom") && t.contains("headroom curve"),
            "{t}"
        );
    }
}
