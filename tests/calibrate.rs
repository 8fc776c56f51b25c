//! `peakplan calibrate` against known truth: logs written by tests/loggen from a known
//! week of traffic are calibrated, and every estimate must lie inside its confidence
//! interval around the truth — rates, the weekly hour and day factors, the CPU's mean, CV
//! and family, queries per request, time per query, the listen-backlog wait. Then the
//! written scenario must validate, and `--check` must reproduce the logs' p95 and
//! throughput per class within 10 %.
//!
//! The intervals are the estimators' own asymptotic standard errors times `Z` (4.5: with
//! about 150 comparisons a run, a false alarm is a 1-in-a-thousand event); each failure
//! message names the seed; `PEAKPLAN_CALIBRATE_SEED=N cargo test --release --test
//! calibrate` runs the tests from seed N (the first test uses N, the next N + 1, …).

mod common;
mod loggen;

use common::{peakplan, text};
use loggen::{Dist, OdooFormat, Target, TraefikFormat, Truth};
use peakplan::calibrate::fit::{Family, Fit};
use peakplan::calibrate::rules::Rules;
use peakplan::calibrate::{self, Calibration, EstateChoice};
use std::path::{Path, PathBuf};

const Z: f64 = 4.5;
const SEED: u64 = 20_240_506;

/// The first seed: `PEAKPLAN_CALIBRATE_SEED=N` runs the tests on other logs (a failure
/// names its seed; this reproduces it).
fn base() -> u64 {
    std::env::var("PEAKPLAN_CALIBRATE_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(SEED)
}

thread_local! {
    /// The seed of the running test's logs, for its failure messages.
    static NOW: std::cell::Cell<u64> = const { std::cell::Cell::new(SEED) };
}

/// Sets and returns the seed of the running test.
fn seed(s: u64) -> u64 {
    NOW.with(|n| n.set(s));
    s
}

/// The seed of the running test.
fn now() -> u64 {
    NOW.with(std::cell::Cell::get)
}

struct Logs {
    _dir: tempfile::TempDir,
    paths: Vec<PathBuf>,
    written: loggen::Written,
}

fn logs(truth: &Truth, odoo: OdooFormat, traefik: TraefikFormat, gzip: bool) -> Logs {
    let dir = tempfile::tempdir().unwrap();
    let ext = if gzip { ".gz" } else { "" };
    let o = dir.path().join(format!("odoo.log{ext}"));
    let t = dir.path().join(format!("traefik.log{ext}"));
    let written = loggen::generate(
        truth,
        Some(Target {
            path: &o,
            format: odoo,
            gzip,
        }),
        Some(Target {
            path: &t,
            format: traefik,
            gzip,
        }),
    );
    Logs {
        _dir: dir,
        paths: vec![o, t],
        written,
    }
}

fn calibrated(paths: &[PathBuf]) -> Calibration {
    calibrate::calibrate(
        paths,
        Rules::default_odoo(),
        "default rules",
        EstateChoice::default(),
    )
    .unwrap_or_else(|e| panic!("seed {}: {e}", now()))
}

thread_local! {
    /// Every comparison of the running test: (what, estimate, truth, half-width).
    static SEEN: std::cell::RefCell<Vec<(String, f64, f64, f64)>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// `got` within `Z` standard errors of `want`.
fn within(what: &str, got: f64, want: f64, se: f64) {
    SEEN.with(|s| s.borrow_mut().push((what.to_owned(), got, want, Z * se)));
    assert!(
        (got - want).abs() <= Z * se,
        "seed {}: {what}: estimated {got:.6}, truth {want:.6}, outside ± {:.6} ({Z} standard errors of {se:.6})",
        now(),
        Z * se
    );
}

fn mean_of(v: &[f64]) -> f64 {
    v.iter().sum::<f64>() / v.len() as f64
}

/// Expected requests of class `c` in each hour of the day and each day of the week.
fn expected_cells(truth: &Truth, c: usize) -> ([f64; 24], [f64; 7]) {
    let (mut h, mut d) = ([0.0; 24], [0.0; 7]);
    for i in 0..truth.hours {
        let t = truth.start_ns + i * 3_600_000_000_000;
        let n = truth.classes[c].expected(t);
        h[(i % 24) as usize] += n;
        // The truth starts on a Monday at 00:00.
        d[((i / 24) % 7) as usize] += n;
    }
    (h, d)
}

/// Rate, hour and day factors: each a Poisson count's relative error, 1/√n.
fn check_weekly(truth: &Truth, c: usize, k: &calibrate::ClassCalibration) {
    let tc = &truth.classes[c];
    let w = &k.weekly;
    let (mh, md) = (mean_of(&tc.hours), mean_of(&tc.weekdays));
    let total: f64 = (0..truth.hours)
        .map(|i| tc.expected(truth.start_ns + i * 3_600_000_000_000))
        .sum();
    let name = tc.name;
    let rate = tc.rate_per_h * mh * md;
    within(
        &format!("{name}: rate per hour"),
        w.rate_per_s * 3600.0,
        rate,
        rate / total.sqrt(),
    );
    let (eh, ed) = expected_cells(truth, c);
    for (h, n) in eh.iter().enumerate() {
        let want = tc.hours[h] / mh;
        let se = want * (1.0 / n + 1.0 / total).sqrt();
        within(&format!("{name}: hours[{h}]"), w.hours[h], want, se);
    }
    for (d, n) in ed.iter().enumerate() {
        let want = tc.weekdays[d] / md;
        let se = want * (1.0 / n + 1.0 / total).sqrt();
        within(&format!("{name}: weekdays[{d}]"), w.weekdays[d], want, se);
    }
}

/// Standard errors of the mean and CV a fit of `n` draws of `d` reports (maximum
/// likelihood: lognormal through μ̂ and σ̂², gamma through the sample mean and k̂).
fn se_mean_cv(d: Dist, n: f64) -> (f64, f64) {
    let (m, cv) = (d.mean(), d.cv());
    match d {
        Dist::Lognormal { .. } => {
            let s2 = (1.0 + cv * cv).ln();
            let se_mean = m * (s2 / n + s2 * s2 / (2.0 * n)).sqrt();
            let se_cv = s2.exp() / (2.0 * cv) * s2 * (2.0 / n).sqrt();
            (se_mean, se_cv)
        }
        Dist::Gamma { .. } => {
            let k = 1.0 / (cv * cv);
            // k ψ'(k) − 1 ≈ 1/(2k) + 1/(6k²)
            let info = 1.0 / (2.0 * k) + 1.0 / (6.0 * k * k);
            let se_k = (k / (n * info)).sqrt();
            (m * cv / n.sqrt(), 0.5 * k.powf(-1.5) * se_k)
        }
    }
}

fn family(f: &Fit) -> &'static str {
    f.family.name()
}

fn check_cpu(truth: &Truth, c: usize, k: &calibrate::ClassCalibration) {
    let tc = &truth.classes[c];
    let f = &k.cpu;
    let n = f.n as f64;
    let (se_m, se_cv) = se_mean_cv(tc.cpu, n);
    // Odoo prints the remaining time to 1 ms: half a millisecond of rounding at most.
    let name = tc.name;
    within(
        &format!("{name}: CPU mean (s)"),
        f.mean,
        tc.cpu.mean(),
        se_m + 0.0005 / n.sqrt(),
    );
    within(&format!("{name}: CPU CV"), f.cv, tc.cpu.cv(), se_cv);
    assert_eq!(
        family(f),
        tc.cpu.family(),
        "seed {}: {name}: CPU fitted as {} (KS lognormal {:.4}, gamma {:.4}), truth {}",
        now(),
        family(f),
        f.ks_lognormal,
        f.ks_gamma,
        tc.cpu.family()
    );
}

fn check_queries(truth: &Truth, c: usize, k: &calibrate::ClassCalibration) {
    let tc = &truth.classes[c];
    let name = tc.name;
    let f = k.queries.as_ref().expect("queries fitted");
    let n = f.n as f64;
    let (m, cv) = (tc.queries.mean(), tc.queries.cv());
    // A stochastically rounded draw adds at most 1/4 (on average about 1/6) to the variance.
    let sd = (m * m * cv * cv + 1.0 / 6.0).sqrt();
    within(&format!("{name}: queries mean"), f.mean, m, sd / n.sqrt());
    // Sample CV: se ≈ CV √((1 + 2 CV²) / (2n)), doubled for the gamma's heavier tail.
    let want_cv = sd / m;
    let se_cv = 2.0 * want_cv * ((1.0 + 2.0 * want_cv * want_cv) / (2.0 * n)).sqrt();
    within(&format!("{name}: queries CV"), f.cv, want_cv, se_cv);
    assert_ne!(
        f.family,
        Family::Empirical,
        "seed {}: {name}: queries fall back to the histogram (KS lognormal {:.4}, gamma {:.4})",
        now(),
        f.ks_lognormal,
        f.ks_gamma
    );

    let (mu, cvq) = k.per_query.expect("time per query");
    let pq = tc.per_query;
    let requests = k.obs.per_query.requests as f64;
    let queries = requests * m;
    let h2 = 0.001f64.powi(2) / 12.0;
    let se_mu = ((queries * (pq.mean() * pq.cv()).powi(2) + requests * h2).sqrt()) / queries;
    within(
        &format!("{name}: time per query mean (s)"),
        mu,
        pq.mean(),
        se_mu,
    );
    // σ̂² = mean of (T − qμ)²/q less the rounding: se ≈ √2 (σ² + h²/(12 q̄)) / √n.
    let s2 = (pq.mean() * pq.cv()).powi(2);
    let se_s2 = 2f64.sqrt() * (s2 + h2 / m) / requests.sqrt();
    within(
        &format!("{name}: time per query variance (s²)"),
        (mu * cvq).powi(2),
        s2,
        se_s2,
    );
}

fn check_backlog(truth: &Truth, k: &calibrate::ClassCalibration) {
    let (wait, n) = k.backlog_wait_s.expect("Odoo and Traefik overlap");
    // Exponential wait: sd = mean; both logs round to 1 ms (Traefik's JSON does not).
    let se = (truth.wait_s + 0.0005) / (n as f64).sqrt();
    within(
        &format!("{}: listen-backlog wait (s)", k.obs.name),
        wait,
        truth.wait_s,
        se,
    );
}

/// Prints the intervals (run with `--nocapture`): how narrow they are, and how much of
/// each the estimate used.
fn print_intervals(label: &str) {
    SEEN.with(|s| {
        let s = s.borrow();
        println!("seed {}, {label}: {} estimates inside their intervals", now(), s.len());
        println!("{:<42} {:>12} {:>12} {:>10} {:>8}", "estimate", "truth", "estimated", "± (rel.)", "used");
        for (what, got, want, half) in s.iter() {
            if what.contains("hours[") || what.contains("weekdays[") {
                continue;
            }
            println!(
                "{what:<42} {want:>12.6} {got:>12.6} {:>9.2}% {:>7.0}%",
                100.0 * half / want.abs(),
                100.0 * (got - want).abs() / half
            );
        }
        let factors: Vec<_> = s.iter().filter(|x| x.0.contains("hours[") || x.0.contains("weekdays[")).collect();
        let mut widths: Vec<f64> = factors.iter().map(|x| x.3 / x.2).collect();
        widths.sort_by(f64::total_cmp);
        let widest = widths.last().copied().unwrap_or(0.0);
        let median = widths.get(widths.len() / 2).copied().unwrap_or(0.0);
        let used = factors.iter().map(|x| (x.1 - x.2).abs() / x.3).fold(0.0, f64::max);
        println!(
            "weekly factors: {} inside, interval ± {:.1}% of the factor at the median, ± {:.1}% at the widest (the smallest factors), largest use {:.0}% of its interval",
            factors.len(),
            100.0 * median,
            100.0 * widest,
            100.0 * used
        );
    });
}

fn check_all(truth: &Truth, c: &Calibration) {
    for (i, tc) in truth.classes.iter().enumerate() {
        let k = c
            .classes
            .iter()
            .find(|k| k.obs.name == tc.name)
            .unwrap_or_else(|| panic!("seed {}: class {} not calibrated", now(), tc.name));
        check_weekly(truth, i, k);
        check_cpu(truth, i, k);
        check_queries(truth, i, k);
        check_backlog(truth, k);
    }
}

#[test]
fn calibrates_a_known_week_within_its_confidence_intervals() {
    let truth = loggen::shop_week(seed(base()), 1.0);
    let l = logs(&truth, OdooFormat::Plain, TraefikFormat::Json, false);
    let c = calibrated(&l.paths);
    let w = &l.written;
    assert_eq!(c.read.requests(), w.odoo_lines + w.traefik_lines);
    assert_eq!(c.read.skipped(), 0, "{:?}", c.read.skipped_report());
    let other: u64 = c.read.files.iter().map(|f| f.other).sum();
    assert_eq!(other, w.other_lines);
    for (i, tc) in truth.classes.iter().enumerate() {
        let k = c.classes.iter().find(|k| k.obs.name == tc.name).unwrap();
        assert_eq!(k.weekly.requests, w.requests[i], "{}", tc.name);
    }
    check_all(&truth, &c);
    print_intervals("plain Odoo + JSON Traefik");
}

#[test]
fn json_odoo_and_common_log_format_traefik_gzipped_give_the_same_truth() {
    let truth = loggen::shop_week(seed(base() + 1), 1.0);
    let l = logs(&truth, OdooFormat::Json, TraefikFormat::Clf, true);
    let c = calibrated(&l.paths);
    assert!(c.read.files.iter().all(|f| f.gzip));
    assert_eq!(c.read.skipped(), 0, "{:?}", c.read.skipped_report());
    check_all(&truth, &c);
    print_intervals("JSON Odoo + common-log-format Traefik, gzip");
}

fn out_dir(dir: &Path) -> String {
    dir.join("cal").to_str().unwrap().to_owned()
}

/// The written scenario validates, and `--check` reproduces the logs' p95 and throughput
/// per class within 10 %.
#[test]
fn the_written_scenario_validates_and_check_reproduces_the_logs() {
    let truth = loggen::shop_week(seed(base() + 2), 1.0);
    let l = logs(&truth, OdooFormat::Plain, TraefikFormat::Clf, false);
    let out = out_dir(l._dir.path());
    let logs: Vec<&str> = l.paths.iter().map(|p| p.to_str().unwrap()).collect();
    let mut args = vec!["calibrate", "--out", &out];
    args.extend(&logs);
    let o = peakplan(&args);
    assert!(o.status.success(), "seed {}: {}", now(), text(&o.stderr));
    let scenario = format!("{out}/scenario.yaml");
    let v = peakplan(&["validate", &scenario]);
    assert!(
        v.status.success(),
        "seed {}: {}{}",
        now(),
        text(&v.stdout),
        text(&v.stderr)
    );
    let written = std::fs::read_to_string(&scenario).unwrap();
    assert!(
        written.contains("# weekly: Poisson maximum likelihood"),
        "{written}"
    );
    let profile = std::fs::read_to_string(format!("{out}/profiles/checkout.yaml")).unwrap();
    assert!(profile.contains("odoo_cpu: {dist: gamma"), "{profile}");
    assert!(profile.contains("KS distance"), "{profile}");

    let mut args = vec!["calibrate", "-q", "--check", &scenario];
    args.extend(&logs);
    let o = peakplan(&args);
    let table = text(&o.stdout);
    println!("seed {}, `calibrate --check`:\n{table}", now());
    assert!(
        o.status.success(),
        "seed {}: --check differs by more than 10 %:\n{table}{}",
        now(),
        text(&o.stderr)
    );
    for tc in &truth.classes {
        assert!(
            table
                .lines()
                .any(|l| l.starts_with(tc.name) && l.ends_with("yes")),
            "{}: {table}",
            tc.name
        );
    }
}

/// The shipped example, examples/logs/: a week of a small shop (the generator's truth at a
/// tenth of the tests' traffic), Odoo's plain log and Traefik's common log format, both
/// gzip-compressed. `PEAKPLAN_WRITE_EXAMPLE=1 cargo test --release --test calibrate
/// shipped_example` writes it again; every run calibrates it as the README shows, checks
/// that the scenario validates and that `--check` is within 10 %.
#[test]
fn the_shipped_example_calibrates_as_the_readme_shows() {
    const EXAMPLE_SEED: u64 = 14;
    let root = common::root();
    let odoo = root.join("examples/logs/odoo.log.gz");
    let traefik = root.join("examples/logs/traefik.log.gz");
    if std::env::var_os("PEAKPLAN_WRITE_EXAMPLE").is_some() {
        std::fs::create_dir_all(odoo.parent().unwrap()).unwrap();
        loggen::generate(
            &loggen::shop_week(seed(EXAMPLE_SEED), 0.1),
            Some(Target {
                path: &odoo,
                format: OdooFormat::Plain,
                gzip: true,
            }),
            Some(Target {
                path: &traefik,
                format: TraefikFormat::Clf,
                gzip: true,
            }),
        );
    }
    let dir = tempfile::tempdir().unwrap();
    let out = out_dir(dir.path());
    let logs = ["examples/logs/odoo.log.gz", "examples/logs/traefik.log.gz"];
    let o = peakplan(&["calibrate", logs[0], logs[1], "--out", &out]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    println!("{}", text(&o.stdout));
    let scenario = format!("{out}/scenario.yaml");
    let v = peakplan(&["validate", &scenario]);
    assert!(v.status.success(), "{}{}", text(&v.stdout), text(&v.stderr));
    let o = peakplan(&["calibrate", "-q", "--check", &scenario, logs[0], logs[1]]);
    let table = text(&o.stdout);
    println!("{table}");
    assert!(o.status.success(), "--check:\n{table}{}", text(&o.stderr));
}
