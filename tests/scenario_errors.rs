//! Scenario front-end tests, as data: a YAML snippet in, fragments of the rendered
//! diagnostics (file:line:column, YAML path, message, hint) or model values out.
//! Every bad input must produce a diagnostic, never a panic.

use peakplan::model::Model;
use peakplan::scenario::{Diagnostics, load, load_str};
use std::path::Path;

/// A valid scenario; error cases edit one line of it.
const BASE: &str = "\
version: 1
name: retail
horizon:
  start: 2026-11-27T00:00
  timezone: Europe/Paris
  duration: 3d
  warmup: 30m
calendar:
  weekly:
    hours: [0.2, 0.1, 0.1, 0.1, 0.1, 0.2, 0.4, 0.7, 1.0, 1.2, 1.3, 1.3, 1.2, 1.2, 1.3, 1.3, 1.2, 1.1, 1.2, 1.4, 1.5, 1.2, 0.8, 0.4]
    weekdays: {mon: 1.0, sat: 1.3, sun: 0.8}
  events:
    - name: flash-sale
      kind: flash_sale
      start: 2026-11-27T20:00
      duration: 2h
      ramp_up: 15m
      ramp_down: 15m
      multipliers: {browse: 2.0, checkout: 2.0}
workloads:
  browse:
    rate: 40/s
    odoo_cpu: {dist: lognormal, mean: 60ms, cv: 1.2}
    queries: {dist: constant, value: 12}
    db_time_per_query: {dist: exponential, mean: 0.8ms}
  checkout:
    rate: 2/s
    odoo_cpu: {dist: gamma, mean: 300ms, cv: 0.7}
estate:
  odoo:
    workers: 9
  postgres:
    cores: 4
";

fn run(yaml: &str, dir: &Path) -> Result<Model, Diagnostics> {
    // A panic is a failure of its own: catch it to say which input caused it.
    std::panic::catch_unwind(|| load_str(yaml, "test.yaml", dir))
        .unwrap_or_else(|_| panic!("panicked on:\n{yaml}"))
}

/// `yaml` must be refused, and the rendered diagnostics must contain every fragment.
fn check(yaml: &str, expected: &[&str]) {
    let dir = tempfile::tempdir().unwrap();
    check_in(yaml, dir.path(), expected);
}

fn check_in(yaml: &str, dir: &Path, expected: &[&str]) {
    match run(yaml, dir) {
        Ok(_) => panic!("accepted, expected {expected:?}:\n{yaml}"),
        Err(d) => {
            let text = d.to_string();
            for e in expected {
                assert!(
                    text.contains(e),
                    "missing `{e}` in:\n{text}\n--- input:\n{yaml}"
                );
            }
            assert!(
                d.0.iter().all(|x| !x.file.is_empty()),
                "a diagnostic without file: {d:?}"
            );
        }
    }
}

/// BASE with the first occurrence of `from` replaced by `to`.
fn edit(from: &str, to: &str) -> String {
    assert!(BASE.contains(from), "BASE has no `{from}`");
    BASE.replacen(from, to, 1)
}

#[test]
fn base_scenario_is_valid() {
    let m = run(BASE, Path::new(".")).unwrap_or_else(|d| panic!("{d}"));
    assert_eq!(m.name, "retail");
    assert_eq!(m.classes.len(), 2);
    assert_eq!(m.classes[0].name, "browse");
    assert!((m.classes[0].base_rate_per_s - 40.0).abs() < 1e-12);
    assert_eq!(
        m.classes[1].queries.mean(),
        0.0,
        "queries default to constant 0"
    );
    assert_eq!(m.classes[1].cursors, 1);
    assert!((m.classes[0].db_time_per_query_s.mean() - 0.0008).abs() < 1e-15);
    // Defaults.
    assert_eq!(m.odoo.pods, 1);
    assert_eq!(m.odoo.listen_backlog, 72, "8 × workers");
    assert_eq!(m.odoo.somaxconn, 4096, "Linux ≥ 5.4");
    assert!(!m.odoo.tcp_abort_on_overflow, "the kernel's default");
    assert_eq!(m.ingress.dial_timeout.as_secs_f64(), 30.0, "Traefik");
    assert_eq!(m.odoo.max_cron_threads, 2);
    assert_eq!(m.odoo.db_maxconn, 64);
    assert_eq!(m.odoo.limit_time_real.map(|t| t.as_secs_f64()), Some(120.0));
    assert_eq!(m.odoo.kill_check_period.as_secs_f64(), 4.0);
    assert!(m.odoo.evented_worker);
    assert_eq!(
        (
            m.postgres.primary.max_connections,
            m.postgres.primary.superuser_reserved
        ),
        (100, 3)
    );
    assert_eq!(
        (
            m.run.seed,
            m.run.replications,
            m.run.max_events,
            m.run.max_in_flight
        ),
        (1, 10, 5_000_000_000, 1_000_000)
    );
    assert_eq!(
        (
            m.stats.fine_bucket.as_secs_f64(),
            m.stats.coarse_bucket.as_secs_f64()
        ),
        (300.0, 3600.0)
    );
    // Horizon and calendar.
    assert_eq!(m.horizon.start_local, "2026-11-27T00:00");
    assert_eq!(m.horizon.timezone, "Europe/Paris");
    assert_eq!(m.horizon.warmup.as_secs_f64(), 1800.0);
    assert_eq!(m.calendar.hour_marks.len(), 72);
    assert_eq!(
        (
            m.calendar.hour_marks[0].weekday,
            m.calendar.hour_marks[0].hour
        ),
        (4, 0),
        "2026-11-27 is a Friday"
    );
    assert_eq!(m.calendar.weekly.len(), 2);
    assert_eq!(m.calendar.weekly[0].weekdays[5], 1.3);
    let e = &m.calendar.events[0];
    assert_eq!(e.start.as_secs_f64(), 20.0 * 3600.0);
    assert_eq!(e.multipliers, vec![2.0, 2.0]);
}

#[test]
fn file_stem_is_the_default_name() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("black-friday.yaml");
    std::fs::write(&path, BASE.replace("name: retail\n", "")).unwrap();
    assert_eq!(load(&path).unwrap().name, "black-friday");
}

#[test]
fn hour_marks_follow_daylight_saving() {
    // Europe/Paris leaves summer time on Sunday 2026-10-25 at 03:00 → 02:00: 25 hours.
    let yaml = edit("start: 2026-11-27T00:00", "start: 2026-10-24T00:00")
        .replace("duration: 3d", "duration: 2d")
        .replace("start: 2026-11-27T20:00", "start: 2026-10-24T20:00");
    let m = run(&yaml, Path::new(".")).unwrap_or_else(|d| panic!("{d}"));
    let marks = &m.calendar.hour_marks;
    // 2 days of wall-clock hours = 48 hours of simulated time; the 25-hour Sunday is cut at
    // 48 h, so local 23:00 on Sunday is not reached.
    assert_eq!(marks.len(), 48);
    let sunday: Vec<u8> = marks
        .iter()
        .filter(|h| h.weekday == 6)
        .map(|h| h.hour)
        .collect();
    assert_eq!(&sunday[..5], &[0, 1, 2, 2, 3], "02:00 happens twice");
    assert!(
        marks
            .windows(2)
            .all(|w| w[1].at.as_secs_f64() - w[0].at.as_secs_f64() == 3600.0)
    );
    assert_eq!(*sunday.last().unwrap(), 22);
}

#[test]
fn hour_marks_in_half_hour_zones() {
    // India is UTC+05:30: local hours start at :30 UTC; a start at 00:30 local is mid-hour.
    let yaml = edit("timezone: Europe/Paris", "timezone: Asia/Kolkata")
        .replace("start: 2026-11-27T00:00", "start: 2026-11-27T00:30");
    let m = run(&yaml, Path::new(".")).unwrap_or_else(|d| panic!("{d}"));
    let marks = &m.calendar.hour_marks;
    assert_eq!((marks[0].at.as_secs_f64(), marks[0].hour), (0.0, 0));
    assert_eq!((marks[1].at.as_secs_f64(), marks[1].hour), (1800.0, 1));
    assert_eq!(marks.len(), 73);
}

#[test]
fn all_key_and_class_weekly_override() {
    let yaml = edit(
        "multipliers: {browse: 2.0, checkout: 2.0}",
        "multipliers: {checkout: 3.0, all: 1.5}",
    )
    .replace(
        "    rate: 2/s\n",
        "    rate: 2/s\n    weekly: {weekdays: {fri: 2.0}}\n",
    );
    let m = run(&yaml, Path::new(".")).unwrap_or_else(|d| panic!("{d}"));
    assert_eq!(m.calendar.events[0].multipliers, vec![1.5, 3.0]);
    assert_eq!(m.calendar.weekly[1].weekdays[4], 2.0);
    assert_eq!(
        m.calendar.weekly[1].hours, [1.0; 24],
        "the class override replaces the default"
    );
}

#[test]
fn profiles_apply_and_are_overridden() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    std::fs::create_dir(p.join("profiles")).unwrap();
    std::fs::write(
        p.join("profiles/base.yaml"),
        "db_maxconn: 32\nmax_cron_threads: 4\n",
    )
    .unwrap();
    std::fs::write(
        p.join("profiles/odoo.yaml"),
        "profile: base.yaml\nworkers: 5\npods: 2\nmax_cron_threads: 1\n",
    )
    .unwrap();
    std::fs::write(
        p.join("profiles/pg.yaml"),
        "cores: 8\nmax_connections: 400\n",
    )
    .unwrap();
    std::fs::write(
        p.join("profiles/browse.yaml"),
        "rate: 10/s\ncursors: 2\nodoo_cpu: {dist: constant, value: 50ms}\n",
    )
    .unwrap();
    let yaml = edit(
        "    workers: 9\n",
        "    profile: profiles/odoo.yaml\n    pods: 3\n",
    )
    .replace("    cores: 4\n", "    profile: profiles/pg.yaml\n")
    .replace("    rate: 40/s\n", "    profile: profiles/browse.yaml\n");
    let m = run(&yaml, p).unwrap_or_else(|d| panic!("{d}"));
    assert_eq!(
        (
            m.odoo.pods,
            m.odoo.workers,
            m.odoo.max_cron_threads,
            m.odoo.db_maxconn
        ),
        (3, 5, 1, 32)
    );
    assert_eq!(m.odoo.listen_backlog, 40);
    assert_eq!(
        (m.postgres.primary.cores, m.postgres.primary.max_connections),
        (8, 400)
    );
    let b = &m.classes[0];
    assert_eq!((b.base_rate_per_s, b.cursors), (10.0, 2));
    assert!(
        (b.odoo_cpu_s.mean() - 0.06).abs() < 1e-12,
        "the scenario's odoo_cpu wins"
    );
}

#[test]
fn shipped_profiles_load() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    for pg in ["db.r6g.large", "db.r6g.xlarge", "db.r6g.2xlarge"] {
        let yaml = edit(
            "    workers: 9\n",
            "    profile: profiles/odoo/prefork-default.yaml\n    workers: 9\n",
        )
        .replace(
            "    cores: 4\n",
            &format!("    profile: profiles/postgres/{pg}.yaml\n"),
        )
        .replace(
            "    rate: 40/s\n",
            "    profile: profiles/workloads/website-browse.yaml\n    rate: 40/s\n",
        )
        .replace(
            "    rate: 2/s\n",
            "    profile: profiles/workloads/checkout.yaml\n    rate: 2/s\n",
        );
        let m = run(&yaml, root).unwrap_or_else(|d| panic!("{pg}: {d}"));
        assert!(m.postgres.primary.max_connections > 1000, "{pg}");
        let v = m.postgres.primary.volume.expect("gp3 volume");
        assert_eq!(
            (v.iops, v.io_latency.as_secs_f64()),
            (3000.0, 0.001),
            "{pg}"
        );
        assert_eq!(m.odoo.max_tries_on_concurrency_failure, 5);
    }
    let yaml = edit(
        "    cores: 4\n",
        "    profile: profiles/postgres/self-managed-default.yaml\n    cores: 4\n",
    )
    .replace(
        "    rate: 2/s\n",
        "    profile: profiles/workloads/back-office.yaml\n    rate: 2/s\n",
    );
    // The back-office profile writes, and the self-managed server has no volume to
    // write to until the scenario describes its disk.
    check_in(
        &yaml,
        root,
        &[
            "workloads.checkout.writes",
            "writes with no volume to write to",
        ],
    );
    let yaml = yaml.replace("    cores: 4\n", "    cores: 4\n    volume: {iops: 3000}\n");
    let m = run(&yaml, root).unwrap_or_else(|d| panic!("{d}"));
    assert_eq!(m.postgres.primary.max_connections, 100);
    assert!((m.classes[1].queries.mean() - 25.0).abs() < 1e-12);
    assert!(m.classes[1].writes.is_some());
    let no_disk = edit(
        "    cores: 4\n",
        "    profile: profiles/postgres/self-managed-default.yaml\n    cores: 4\n",
    );
    let m = run(&no_disk, root).unwrap_or_else(|d| panic!("{d}"));
    assert!(
        m.postgres.primary.volume.is_none(),
        "self-managed: disk unknown"
    );
}

#[test]
fn syntax_and_keys() {
    let long_horizon = edit("duration: 3d", "duration: 400d");
    let cases: Vec<(String, Vec<&str>)> = vec![
        (
            edit("  duration: 3d\n", "  duration: [3d\n"),
            vec!["test.yaml:7:", "horizon"],
        ),
        (
            edit("  duration: 3d", "  durration: 3d"),
            vec![
                "test.yaml:6:3",
                "horizon.durration",
                "unknown key `durration`",
                "did you mean `duration`?",
            ],
        ),
        (
            edit("    workers: 9", "    wrokers: 9"),
            vec![
                "test.yaml:31:5",
                "estate.odoo.wrokers",
                "did you mean `workers`?",
            ],
        ),
        (
            edit("kind: flash_sale", "kind: flashsale"),
            vec![
                "test.yaml:14:",
                "calendar.events[0].kind",
                "did you mean `flash_sale`?",
            ],
        ),
        (
            edit("version: 1", "version: 2"),
            vec!["test.yaml:1:10", "unsupported format version 2"],
        ),
        (
            edit("version: 1\n", ""),
            vec!["missing required key `version`"],
        ),
        (
            edit("name: retail", "name: retail\nname: again"),
            vec!["test.yaml:3:", "duplicate key `name`"],
        ),
        ("- just\n- a list\n".into(), vec!["test.yaml:1:"]),
        (
            long_horizon,
            vec!["test.yaml:6:13", "horizon.duration", "longer than 366 days"],
        ),
    ];
    for (yaml, expected) in cases {
        check(&yaml, &expected);
    }
}

#[test]
fn units() {
    let cases: Vec<(String, Vec<&str>)> = vec![
        (
            edit("rate: 40/s", "rate: 40/fortnight"),
            vec![
                "test.yaml:22:11",
                "workloads.browse.rate",
                "unknown time unit `fortnight`",
                "e.g. `40/s`",
            ],
        ),
        (
            edit("mean: 60ms", "mean: 60"),
            vec![
                "test.yaml:23:",
                "workloads.browse.odoo_cpu.mean",
                "add a unit, e.g. `250ms`",
            ],
        ),
        (
            edit("duration: 3d", "duration: 72"),
            vec![
                "test.yaml:6:13",
                "horizon.duration",
                "add a unit, e.g. `250ms`",
            ],
        ),
        (
            edit("warmup: 30m", "warmup: 30 minutes"),
            vec!["horizon.warmup", "unknown duration unit `minutes`"],
        ),
        (
            edit("rate: 40/s", "rate: 0/s"),
            vec!["test.yaml:22:11", "workloads.browse.rate", "must be > 0"],
        ),
        (
            edit("rate: 40/s", "rate: -5/s"),
            vec!["test.yaml:22:11", "must be > 0"],
        ),
        (
            edit("rate: 40/s", "rate: 40"),
            vec!["test.yaml:22:11", "add a unit, e.g. `40/s`"],
        ),
        (
            edit("rate: 40/s", "rate: 5M/s"),
            vec!["test.yaml:22:11", "above 1M/s"],
        ),
        (
            edit("value: 12", "value: 12ms"),
            vec!["workloads.browse.queries.value", "plain number"],
        ),
    ];
    for (yaml, expected) in cases {
        check(&yaml, &expected);
    }
}

#[test]
fn estate_limits() {
    let cases: Vec<(String, Vec<&str>)> = vec![
        (
            edit("workers: 9", "workers: 0"),
            vec!["test.yaml:31:14", "estate.odoo.workers", "threaded mode"],
        ),
        (
            edit("workers: 9", "workers: 9\n    pods: 0"),
            vec!["test.yaml:32:11", "estate.odoo.pods", "must be ≥ 1"],
        ),
        (
            edit("cores: 4", "cores: 0"),
            vec!["test.yaml:33:12", "estate.postgres.cores", "must be ≥ 1"],
        ),
        (
            edit("    workers: 9\n", "    pods: 2\n"),
            vec![
                "estate.odoo.workers",
                "missing required key `workers`",
                "test.yaml:31:",
            ],
        ),
        (
            edit("cores: 4", "cores: 4\n    max_connections: 3"),
            vec![
                "estate.postgres.max_connections",
                "must exceed superuser_reserved_connections",
            ],
        ),
        (
            edit("workers: 9", "workers: 9\n    limit_time_real: forever"),
            vec!["estate.odoo.limit_time_real", "`unlimited`"],
        ),
        (
            edit("workers: 9", "workers: 9\n    somaxconn: 0"),
            vec![
                "test.yaml:32:16",
                "estate.odoo.somaxconn",
                "must be ≥ 1, found 0",
                "net.core.somaxconn caps every listen backlog",
            ],
        ),
        (
            edit("workers: 9", "workers: 9\n    tcp_abort_on_overflow: 1"),
            vec!["test.yaml:32:", "estate.odoo.tcp_abort_on_overflow"],
        ),
        (
            edit("  odoo:\n", "  ingress: {dial_timeout: 0s}\n  odoo:\n"),
            vec![
                "test.yaml:30:",
                "estate.ingress.dial_timeout",
                "must be > 0",
                "dialTimeout",
            ],
        ),
    ];
    for (yaml, expected) in cases {
        check(&yaml, &expected);
    }
}

#[test]
fn horizon_and_calendar() {
    let cases: Vec<(String, Vec<&str>)> = vec![
        (
            edit("warmup: 30m", "warmup: 3d"),
            vec![
                "test.yaml:7:11",
                "horizon.warmup",
                "not shorter than the horizon",
            ],
        ),
        (
            edit("start: 2026-11-27T20:00", "start: 2026-12-01T20:00"),
            vec![
                "test.yaml:15:",
                "calendar.events[0].start",
                "outside the horizon",
            ],
        ),
        (
            edit("start: 2026-11-27T20:00", "start: 2026-11-26T20:00"),
            vec!["calendar.events[0].start", "outside the horizon"],
        ),
        (
            edit("ramp_up: 15m", "ramp_up: 2h"),
            vec![
                "test.yaml:17:",
                "calendar.events[0].ramp_up",
                "longer than the event",
            ],
        ),
        (
            edit(
                "{browse: 2.0, checkout: 2.0}",
                "{browse: 2.0, chekout: 2.0}",
            ),
            vec![
                "test.yaml:19:",
                "calendar.events[0].multipliers.chekout",
                "did you mean `checkout`?",
            ],
        ),
        (
            edit("0.8, 0.4]", "0.8]"),
            vec![
                "test.yaml:10:",
                "calendar.weekly.hours",
                "exactly 24",
                "found 23",
            ],
        ),
        (
            edit("sat: 1.3", "sat: -1.3"),
            vec!["calendar.weekly.weekdays.sat", "multiplier must be"],
        ),
        (
            edit("timezone: Europe/Paris", "timezone: Europe/Pariss"),
            vec![
                "test.yaml:5:13",
                "horizon.timezone",
                "unknown time zone",
                "did you mean `Europe/Paris`?",
            ],
        ),
        (
            edit("timezone: Europe/Paris", "timezone: Mars/Olympus"),
            vec!["horizon.timezone", "unknown time zone `Mars/Olympus`"],
        ),
        // Europe/Paris springs forward on 2026-03-29 at 02:00 → 03:00.
        (
            edit("start: 2026-11-27T00:00", "start: 2026-03-29T02:30"),
            vec![
                "test.yaml:4:10",
                "horizon.start",
                "does not exist",
                "daylight-saving gap",
            ],
        ),
        (
            edit("start: 2026-11-27T00:00", "start: 2026-10-25T02:30"),
            vec!["horizon.start", "happens twice"],
        ),
        (
            edit("start: 2026-11-27T00:00", "start: 27/11/2026"),
            vec!["horizon.start", "YYYY-MM-DDTHH:MM"],
        ),
        (
            edit("rate: 2/s", "rate: 900k/s").replace("duration: 3d", "duration: 30d"),
            vec![
                "workloads",
                "requests per replication",
                "shorten the horizon",
            ],
        ),
    ];
    for (yaml, expected) in cases {
        check(&yaml, &expected);
    }
}

#[test]
fn distributions() {
    let cases: Vec<(String, Vec<&str>)> = vec![
        (
            edit(
                "{dist: exponential, mean: 0.8ms}",
                "{dist: exponential, mean: 0.8ms, cv: 2}",
            ),
            vec!["workloads.browse.db_time_per_query.cv", "does not apply"],
        ),
        (
            edit(
                "{dist: lognormal, mean: 60ms, cv: 1.2}",
                "{dist: lognormal, mean: 60ms}",
            ),
            vec!["workloads.browse.odoo_cpu.cv", "missing required key `cv`"],
        ),
        (
            edit(
                "{dist: lognormal, mean: 60ms, cv: 1.2}",
                "{dist: lognormal, mean: 0ms, cv: 1.2}",
            ),
            vec!["workloads.browse.odoo_cpu.mean", "mean must be > 0"],
        ),
        (
            edit(
                "{dist: constant, value: 12}",
                "{dist: empirical, values: [1, 2], weights: [1]}",
            ),
            vec!["workloads.browse.queries.weights", "1 weights for 2 values"],
        ),
        (
            edit(
                "{dist: constant, value: 12}",
                "{dist: empirical, values: [1, 2], weights: [0, 0]}",
            ),
            vec!["positive sum"],
        ),
        (
            edit("{dist: constant, value: 12}", "{dist: poisson, mean: 12}"),
            vec!["workloads.browse.queries", "unknown value `poisson`"],
        ),
    ];
    for (yaml, expected) in cases {
        check(&yaml, &expected);
    }
}

#[test]
fn every_problem_is_reported() {
    let yaml = edit("workers: 9", "workers: 0")
        .replace("rate: 2/s", "rate: 0/s")
        .replace("cores: 4", "cores: 0");
    let d = run(&yaml, Path::new(".")).unwrap_err();
    assert_eq!(d.0.len(), 3, "{d}");
    let lines: Vec<_> = d.0.iter().map(|x| x.line.unwrap()).collect();
    assert!(
        lines.windows(2).all(|w| w[0] <= w[1]),
        "in file order: {lines:?}"
    );
}

#[test]
fn hostile_documents_are_refused_quickly() {
    let mut bomb =
        String::from("version: 1\nname: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
    for i in 1..10 {
        let refs = vec![format!("*a{}", i - 1); 10].join(", ");
        bomb.push_str(&format!("x{i}: &a{i} [{refs}]\n"));
    }
    let start = std::time::Instant::now();
    check(
        &bomb,
        &["test.yaml:", "too many alias expansions", "billion laughs"],
    );
    assert!(start.elapsed().as_secs() < 2, "took {:?}", start.elapsed());

    let deep = format!(
        "version: 1\nname: {}1{}\n",
        "[".repeat(200),
        "]".repeat(200)
    );
    check(&deep, &["test.yaml:2:", "parser limit"]);
    let deep_block: String = (0..100)
        .map(|i| format!("{}k{i}:\n", "  ".repeat(i)))
        .collect();
    check(&deep_block, &["test.yaml:", "parser limit"]);
    check("", &["missing required key `version`"]);
    check("\u{0}\u{1}:::", &["test.yaml"]);
}

#[test]
fn profile_errors() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    std::fs::write(p.join("a.yaml"), "profile: b.yaml\n").unwrap();
    std::fs::write(p.join("b.yaml"), "profile: a.yaml\n").unwrap();
    std::fs::write(p.join("bad.yaml"), "max_cron_threads: 2\nworkers: 0\n").unwrap();
    std::fs::write(p.join("typo.yaml"), "max_cron_thread: 2\n").unwrap();
    let with = |profile: &str| edit("    workers: 9\n", &format!("    profile: {profile}\n"));
    check_in(
        &with("missing.yaml"),
        p,
        &[
            "test.yaml:31:14",
            "estate.odoo.profile",
            "profile `missing.yaml` not found",
        ],
    );
    check_in(
        &with("a.yaml"),
        p,
        &["cycle", "a.yaml → ", "b.yaml → ", "estate.odoo.profile"],
    );
    let bad = p.join("bad.yaml").display().to_string();
    check_in(
        &with("bad.yaml"),
        p,
        &[
            &format!("{bad}:2:10"),
            "estate.odoo.workers",
            "threaded mode",
        ],
    );
    let typo = p.join("typo.yaml").display().to_string();
    check_in(
        &with("typo.yaml"),
        p,
        &[&format!("{typo}:1:1"), "did you mean `max_cron_threads`?"],
    );
}

#[test]
fn missing_scenario_file() {
    let d = load(Path::new("/nonexistent/scenario.yaml")).unwrap_err();
    assert!(d.to_string().contains("/nonexistent/scenario.yaml"), "{d}");
    assert!(d.to_string().contains("cannot read scenario"), "{d}");
}

#[test]
fn json_schema_describes_the_format() {
    let s = peakplan::scenario::json_schema();
    assert_eq!(
        s["required"],
        serde_json::json!(["version", "horizon", "workloads", "estate"])
    );
    assert_eq!(
        s["additionalProperties"],
        serde_json::json!(false),
        "unknown keys are refused"
    );
    for key in [
        "version",
        "horizon",
        "run",
        "stats",
        "calendar",
        "workloads",
        "estate",
        "contention",
        "integrations",
    ] {
        assert!(s["properties"].get(key).is_some(), "no `{key}` in {s}");
    }
    let text = s.to_string();
    assert!(
        text.contains("flash_sale")
            && text.contains("lognormal")
            && text.contains("limit_time_real")
            && text.contains("retry_attempts")
            && text.contains("zipf_exponent")
            && text.contains("buffer_hit_ratio")
            && text.contains("rate_limit")
    );
}

/// A valid scenario using the estate sections (ingress, volume, contention, integrations);
/// the cases below edit one line of it. Line numbers in the cases refer to this text.
const ESTATE: &str = "\
version: 1
horizon:
  start: 2026-11-27T00:00
  timezone: Europe/Paris
  duration: 1d
workloads:
  browse:
    rate: 40/s
    odoo_cpu: {dist: constant, value: 60ms}
    reads_per_query: 2
  checkout:
    rate: 2/s
    odoo_cpu: {dist: gamma, mean: 300ms, cv: 0.7}
    rate_limit: {average: 100, period: 2s, burst: 50}
    locks:
      - table: stock.quant
        keys: {dist: constant, value: 3}
      - {table: account.move.sequence}
    calls:
      - integration: payment
      - {integration: shipping, count: 2}
estate:
  ingress:
    retry_attempts: 3
  odoo:
    workers: 9
    max_tries_on_concurrency_failure: 7
  postgres:
    cores: 4
    volume: {iops: 3000}
    buffer_hit_ratio: 0.95
contention:
  tables:
    stock.quant: {keys: 20, zipf_exponent: 1.1}
    account.move.sequence: {keys: 1}
integrations:
  payment:
    latency: {dist: lognormal, mean: 350ms, cv: 0.6}
    error_ratio: 0.002
    timeout: 20s
    outages:
      - {start: 2026-11-27T21:00, duration: 10m}
      - {start: 2026-11-27T09:00, duration: 1h}
  shipping:
    latency: {dist: exponential, mean: 200ms}
";

/// ESTATE with the first occurrence of `from` replaced by `to`.
fn edit_estate(from: &str, to: &str) -> String {
    assert!(ESTATE.contains(from), "ESTATE has no `{from}`");
    ESTATE.replacen(from, to, 1)
}

#[test]
fn estate_defaults_when_absent() {
    let m = run(BASE, Path::new(".")).unwrap_or_else(|d| panic!("{d}"));
    assert_eq!(m.ingress.retry_attempts, 1, "Traefik: 1 attempt = no retry");
    assert_eq!(
        m.odoo.max_tries_on_concurrency_failure, 5,
        "odoo/service/model.py"
    );
    assert!(
        m.postgres.primary.volume.is_none(),
        "no volume: I/O not modelled"
    );
    assert_eq!(m.postgres.primary.buffer_hit_ratio, 0.99);
    assert!(m.lock_tables.is_empty() && m.integrations.is_empty());
    for c in &m.classes {
        assert!(c.rate_limit.is_none() && c.locks.is_empty() && c.calls.is_empty());
        assert_eq!(c.reads_per_query, 0.0);
    }
}

#[test]
fn estate_sections_fill_the_model() {
    let m = run(ESTATE, Path::new(".")).unwrap_or_else(|d| panic!("{d}"));
    assert_eq!(m.ingress.retry_attempts, 3);
    assert_eq!(m.odoo.max_tries_on_concurrency_failure, 7);
    let v = m.postgres.primary.volume.expect("volume");
    assert_eq!(v.iops, 3000.0);
    assert_eq!(
        v.io_latency.as_secs_f64(),
        0.001,
        "io_latency defaults to 1ms"
    );
    assert_eq!(m.postgres.primary.buffer_hit_ratio, 0.95);

    let t = &m.lock_tables;
    assert_eq!(t.len(), 2);
    assert_eq!((t[0].name.as_str(), t[0].keys), ("stock.quant", 20));
    assert_eq!(t[0].zipf_exponent, 1.1);
    assert_eq!(
        (t[1].name.as_str(), t[1].keys),
        ("account.move.sequence", 1)
    );
    assert_eq!(t[1].zipf_exponent, 0.0, "uniform by default");

    let i = &m.integrations;
    assert_eq!(i.len(), 2);
    assert_eq!(i[0].name, "payment");
    assert!((i[0].latency_s.mean() - 0.35).abs() < 1e-12);
    assert_eq!(i[0].error_ratio, 0.002);
    assert_eq!(i[0].timeout.as_secs_f64(), 20.0);
    // Local times in Europe/Paris (UTC+1 in November), sorted: 09:00 for 1h, 21:00 for 10m.
    let secs: Vec<(f64, f64)> = i[0]
        .outages
        .iter()
        .map(|(a, b)| (a.as_secs_f64(), b.as_secs_f64()))
        .collect();
    assert_eq!(secs, vec![(32_400.0, 36_000.0), (75_600.0, 76_200.0)]);
    // The outages are the timeline's first changes, each `[start, end)`.
    let outage = &m.timeline[1];
    assert!(outage.active_at(peakplan::model::SimTime::from_secs(75_600)));
    assert!(!outage.active_at(peakplan::model::SimTime::from_secs(76_200)));
    assert_eq!(m.timeline.len(), 2);
    assert_eq!((i[1].error_ratio, i[1].timeout.as_secs_f64()), (0.0, 30.0));
    assert!(i[1].outages.is_empty());

    let (browse, checkout) = (&m.classes[0], &m.classes[1]);
    assert_eq!(browse.reads_per_query, 2.0);
    assert!(browse.rate_limit.is_none() && browse.locks.is_empty());
    let rl = checkout.rate_limit.expect("rate_limit");
    assert_eq!((rl.rate_per_s, rl.burst), (50.0, 50), "100 per 2s");
    assert_eq!(checkout.reads_per_query, 0.0);
    let locks: Vec<(usize, f64)> = checkout
        .locks
        .iter()
        .map(|l| (l.table, l.keys.mean()))
        .collect();
    assert_eq!(
        locks,
        vec![(0, 3.0), (1, 1.0)],
        "keys default to constant 1"
    );
    let calls: Vec<(usize, u32)> = checkout
        .calls
        .iter()
        .map(|c| (c.integration, c.calls))
        .collect();
    assert_eq!(calls, vec![(0, 1), (1, 2)], "count defaults to 1");
}

#[test]
fn rate_limit_period_defaults_to_one_second() {
    let yaml = edit_estate("{average: 100, period: 2s, burst: 50}", "{average: 100}");
    let m = run(&yaml, Path::new(".")).unwrap_or_else(|d| panic!("{d}"));
    let rl = m.classes[1].rate_limit.unwrap();
    assert_eq!((rl.rate_per_s, rl.burst), (100.0, 1), "Traefik: burst 1");
    assert_eq!(rl.sources, 1, "one source unless said");
    assert_eq!(m.ingress.replicas, 1, "one Traefik replica unless said");
}

#[test]
fn estate_section_errors() {
    let cases: Vec<(String, Vec<&str>)> = vec![
        (
            edit_estate("burst: 50}", "burst: 50, sources: 0}"),
            vec![
                "test.yaml:14:64",
                "workloads.checkout.rate_limit.sources",
                "must be ≥ 1, found 0",
                "each with its own bucket",
            ],
        ),
        (
            edit_estate("burst: 50}", "burst: 50, sources: 65537}"),
            vec!["workloads.checkout.rate_limit.sources", "must be ≤ 65536"],
        ),
        (
            edit_estate("retry_attempts: 3", "retry_attempts: 3\n    replicas: 0"),
            vec!["test.yaml:25:15", "estate.ingress.replicas", "must be ≥ 1"],
        ),
        (
            edit_estate("burst: 50}", "burst: 50, sources: 65536}")
                .replace("retry_attempts: 3", "retry_attempts: 3\n    replicas: 16"),
            vec![
                "workloads.checkout.rate_limit.sources",
                "1048576 rate-limit buckets",
                "the limit is 1000000",
                "lower `sources`",
            ],
        ),
        (
            edit_estate(
                "    timeout: 20s\n",
                "    timeout: 20s\n    rate_limit: {average: 5, sources: 10}\n",
            ),
            vec![
                "integrations.payment.rate_limit.sources",
                "applies to Traefik's rate limit",
                "remove `sources`",
            ],
        ),
        (
            edit_estate("{keys: 20, zipf_exponent", "{keys: 0, zipf_exponent"),
            vec![
                "test.yaml:34:",
                "contention.tables.stock.quant.keys",
                "a lock model with zero keys",
            ],
        ),
        (
            edit_estate(
                "{keys: 20, zipf_exponent: 1.1}",
                "{keys: 20, zipf_exponent: 11}",
            ),
            vec![
                "test.yaml:34:",
                "contention.tables.stock.quant.zipf_exponent",
                "between 0 and 10",
            ],
        ),
        (
            edit_estate("{keys: 1}", "{}"),
            vec![
                "test.yaml:35:",
                "contention.tables.account.move.sequence.keys",
                "missing required key `keys`",
            ],
        ),
        (
            edit_estate("zipf_exponent: 1.1", "zipf_exponnt: 1.1"),
            vec![
                "test.yaml:34:",
                "contention.tables.stock.quant",
                "unknown key `zipf_exponnt`",
                "did you mean `zipf_exponent`?",
            ],
        ),
        (
            edit_estate("  tables:\n", "  table:\n"),
            vec!["test.yaml:33:3", "did you mean `tables`?"],
        ),
        (
            edit_estate("- table: stock.quant", "- table: stock.quants"),
            vec![
                "test.yaml:16:16",
                "workloads.checkout.locks[0].table",
                "no lock table named `stock.quants`",
                "did you mean `stock.quant`?",
            ],
        ),
        (
            edit_estate(
                "- {table: account.move.sequence}",
                "- {keys: {dist: constant, value: 2}}",
            ),
            vec![
                "test.yaml:18:",
                "workloads.checkout.locks[1].table",
                "missing required key `table`",
            ],
        ),
        (
            edit_estate("- integration: payment", "- integration: paymnt"),
            vec![
                "test.yaml:20:22",
                "workloads.checkout.calls[0].integration",
                "no integration named `paymnt`",
                "did you mean `payment`?",
            ],
        ),
        (
            edit_estate(
                "{integration: shipping, count: 2}",
                "{integration: ftp, count: 2}",
            ),
            vec![
                "test.yaml:21:",
                "workloads.checkout.calls[1].integration",
                "expected one of: payment, shipping",
            ],
        ),
        (
            edit_estate(
                "{integration: shipping, count: 2}",
                "{integration: shipping, count: 0}",
            ),
            vec![
                "test.yaml:21:",
                "workloads.checkout.calls[1].count",
                "must be ≥ 1",
            ],
        ),
        (
            edit_estate("error_ratio: 0.002", "error_ratio: -0.1"),
            vec![
                "test.yaml:39:18",
                "integrations.payment.error_ratio",
                "must be between 0 and 1, found -0.1",
            ],
        ),
        (
            edit_estate("error_ratio: 0.002", "error_ratio: 1.5"),
            vec![
                "test.yaml:39:18",
                "integrations.payment.error_ratio",
                "must be between 0 and 1, found 1.5",
            ],
        ),
        (
            edit_estate("timeout: 20s", "timeout: 0s"),
            vec![
                "test.yaml:40:14",
                "integrations.payment.timeout",
                "must be > 0",
            ],
        ),
        (
            edit_estate(
                "    latency: {dist: exponential, mean: 200ms}\n",
                "    error_ratio: 0\n",
            ),
            vec![
                "test.yaml:45:",
                "integrations.shipping.latency",
                "missing required key `latency`",
            ],
        ),
        (
            edit_estate("buffer_hit_ratio: 0.95", "buffer_hit_ratio: 1.2"),
            vec![
                "test.yaml:31:23",
                "estate.postgres.buffer_hit_ratio",
                "must be between 0 and 1, found 1.2",
            ],
        ),
        (
            edit_estate("{iops: 3000}", "{iops: 0}"),
            vec![
                "test.yaml:30:",
                "estate.postgres.volume.iops",
                "must be > 0",
            ],
        ),
        (
            edit_estate("{iops: 3000}", "{iops: 3000, io_latency: 2s}"),
            vec![
                "test.yaml:30:",
                "estate.postgres.volume.io_latency",
                "must be > 0 and ≤ 1.000s",
            ],
        ),
        (
            edit_estate("{iops: 3000}", "{io_latency: 2ms}"),
            vec![
                "test.yaml:30:",
                "estate.postgres.volume.iops",
                "missing required key `iops`",
            ],
        ),
        (
            edit_estate("{average: 100, period", "{average: 0, period"),
            vec![
                "test.yaml:14:",
                "workloads.checkout.rate_limit.average",
                "must be > 0",
                "no limit",
            ],
        ),
        (
            edit_estate("burst: 50}", "burst: 0}"),
            vec![
                "test.yaml:14:",
                "workloads.checkout.rate_limit.burst",
                "must be ≥ 1, found 0",
            ],
        ),
        (
            edit_estate("period: 2s", "period: 0s"),
            vec![
                "test.yaml:14:",
                "workloads.checkout.rate_limit.period",
                "must be > 0",
            ],
        ),
        (
            edit_estate("reads_per_query: 2", "reads_per_query: -2"),
            vec![
                "test.yaml:10:22",
                "workloads.browse.reads_per_query",
                "found -2",
            ],
        ),
        (
            edit_estate("retry_attempts: 3", "retry_attempts: 0"),
            vec![
                "test.yaml:24:21",
                "estate.ingress.retry_attempts",
                "must be ≥ 1, found 0",
                "counts the first try",
            ],
        ),
        (
            edit_estate("retry_attempts: 3", "retry_attempts: 11"),
            vec![
                "test.yaml:24:21",
                "estate.ingress.retry_attempts",
                "must be ≤ 10",
            ],
        ),
        (
            edit_estate(
                "max_tries_on_concurrency_failure: 7",
                "max_tries_on_concurrency_failure: 0",
            ),
            vec![
                "test.yaml:27:",
                "estate.odoo.max_tries_on_concurrency_failure",
                "must be ≥ 1",
            ],
        ),
        (
            edit_estate("{start: 2026-11-27T21:00", "{start: 2026-11-29T21:00"),
            vec![
                "test.yaml:42:",
                "integrations.payment.outages[0].start",
                "outside the horizon",
            ],
        ),
        (
            edit_estate("{start: 2026-11-27T21:00", "{start: 2026-11-26T21:00"),
            vec![
                "integrations.payment.outages[0].start",
                "outside the horizon",
            ],
        ),
        (
            edit_estate(
                "{start: 2026-11-27T09:00, duration: 1h}",
                "{start: 2026-11-27T20:55, duration: 1h}",
            ),
            vec![
                "test.yaml:42:",
                "integrations.payment.outages[0].start",
                "overlaps outage [1]",
                "merge them",
            ],
        ),
        (
            edit_estate("duration: 10m}", "duration: 0s}"),
            vec![
                "test.yaml:42:",
                "integrations.payment.outages[0].duration",
                "must be > 0",
            ],
        ),
    ];
    for (yaml, expected) in cases {
        check(&yaml, &expected);
    }
}

#[test]
fn references_without_declarations() {
    // A class naming a table or an integration when none is declared.
    let yaml = edit(
        "    rate: 2/s\n",
        "    rate: 2/s\n    locks: [{table: stock.quant}]\n    calls: [{integration: payment}]\n",
    );
    check(
        &yaml,
        &[
            "test.yaml:28:21",
            "workloads.checkout.locks[0].table",
            "declare it first",
            "test.yaml:29:27",
            "workloads.checkout.calls[0].integration",
        ],
    );
}

#[test]
fn estate_keys_through_profiles() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    std::fs::write(
        p.join("pg.yaml"),
        "cores: 8\nvolume: {iops: 16000, io_latency: 2ms}\nbuffer_hit_ratio: 0.9\n",
    )
    .unwrap();
    std::fs::write(
        p.join("odoo.yaml"),
        "workers: 5\nmax_tries_on_concurrency_failure: 3\n",
    )
    .unwrap();
    std::fs::write(
        p.join("checkout.yaml"),
        "rate: 1/s\nodoo_cpu: {dist: constant, value: 100ms}\nreads_per_query: 4\n\
         rate_limit: {average: 10}\nlocks: [{table: account.move.sequence}]\n",
    )
    .unwrap();
    std::fs::write(
        p.join("payment.yaml"),
        "latency: {dist: constant, value: 500ms}\ntimeout: 10s\nerror_ratio: 0.5\n",
    )
    .unwrap();
    // The scenario's `volume` replaces the profile's whole (io_latency back to its default);
    // its `locks` replace the profile's; the rest comes from the profiles.
    let yaml = edit_estate("    cores: 4\n", "    profile: pg.yaml\n")
        .replace("    workers: 9\n    max_tries_on_concurrency_failure: 7\n", "    profile: odoo.yaml\n")
        .replace("    buffer_hit_ratio: 0.95\n", "")
        .replace(
            "    rate: 2/s\n    odoo_cpu: {dist: gamma, mean: 300ms, cv: 0.7}\n    rate_limit: {average: 100, period: 2s, burst: 50}\n",
            "    profile: checkout.yaml\n",
        )
        .replace(
            "    latency: {dist: lognormal, mean: 350ms, cv: 0.6}\n    error_ratio: 0.002\n",
            "    profile: payment.yaml\n    error_ratio: 0.002\n",
        );
    let m = run(&yaml, p).unwrap_or_else(|d| panic!("{d}"));
    assert_eq!(m.postgres.primary.cores, 8);
    let v = m.postgres.primary.volume.unwrap();
    assert_eq!((v.iops, v.io_latency.as_secs_f64()), (3000.0, 0.001));
    assert_eq!(m.postgres.primary.buffer_hit_ratio, 0.9);
    assert_eq!(
        (m.odoo.workers, m.odoo.max_tries_on_concurrency_failure),
        (5, 3)
    );
    let c = &m.classes[1];
    assert_eq!((c.base_rate_per_s, c.reads_per_query), (1.0, 4.0));
    assert_eq!(c.rate_limit.unwrap().rate_per_s, 10.0);
    assert_eq!(c.locks.len(), 2, "the scenario's locks win");
    let pay = &m.integrations[0];
    assert_eq!(pay.latency_s.mean(), 0.5);
    assert_eq!((pay.error_ratio, pay.timeout.as_secs_f64()), (0.002, 20.0));

    // A problem inside a profile names the profile file.
    std::fs::write(p.join("pg.yaml"), "cores: 8\nbuffer_hit_ratio: 2\n").unwrap();
    let pg = p.join("pg.yaml").display().to_string();
    check_in(
        &yaml,
        p,
        &[
            &format!("{pg}:2:19"),
            "estate.postgres.buffer_hit_ratio",
            "must be between 0 and 1",
        ],
    );
}

/// queue_job: a small scenario with a job class; `QJ.replace(...)` makes each mistake.
const QJ: &str = "\
version: 1
horizon: {start: 2026-11-27T00:00, duration: 1d}
workloads:
  checkout:
    rate: 1/s
    odoo_cpu: {dist: constant, value: 100ms}
    spawns:
      - job: stock_sync
  stock_sync:
    job: {channel: root.sync, priority: 5, retry_pattern: \"{1: 60, 3: 300}\"}
    odoo_cpu: {dist: constant, value: 50ms}
estate:
  odoo: {workers: 4, queue_job_channels: \"root:4,root.sync:2\"}
  postgres: {cores: 2}
";

#[test]
fn queue_job_links_jobs_channels_and_spawns() {
    let m = run(QJ, Path::new(".")).unwrap_or_else(|d| panic!("{d}"));
    let job = m.classes[1].job.as_ref().expect("stock_sync is a job");
    assert_eq!(
        m.odoo.queue_job_channels.get(job.channel).full_name,
        "root.sync"
    );
    assert_eq!(job.priority, 5);
    assert_eq!(job.retry.max_retries, 5, "queue_job default");
    assert_eq!(
        m.classes[1].base_rate_per_s, 0.0,
        "jobs never arrive by themselves"
    );
    assert_eq!(m.classes[0].spawns.len(), 1);
    assert_eq!(
        (m.classes[0].spawns[0].class, m.classes[0].spawns[0].count),
        (1, 1)
    );
}

#[test]
fn odoo_limit_errors() {
    for (line, expected) in [
        (
            "    workers: 9\n    limit_time_real_cron: -5",
            vec![
                "test.yaml:32:",
                "estate.odoo.limit_time_real_cron",
                "-5 is negative",
                "-1",
            ],
        ),
        (
            "    workers: 9\n    limit_time_real_cron: soon",
            vec![
                "test.yaml:32:",
                "estate.odoo.limit_time_real_cron",
                "`0` or `unlimited`",
            ],
        ),
        (
            "    workers: 9\n    version: '15.5'",
            vec![
                "test.yaml:32:",
                "estate.odoo.version",
                "unknown Odoo version `15.5`",
                "8192 up to 16.0",
            ],
        ),
        (
            "    workers: 9\n    version: 99",
            vec![
                "test.yaml:32:",
                "estate.odoo.version",
                "unknown Odoo version `99`",
            ],
        ),
        (
            "    workers: 9\n    worker_vms: 3GiB",
            vec![
                "estate.odoo.limit_memory_soft",
                "worker_vms < limit_memory_soft",
            ],
        ),
    ] {
        check(&edit("    workers: 9", line), &expected);
    }
}

#[test]
fn queue_job_runner_errors() {
    let odoo = "queue_job_channels: \"root:4,root.sync:2\"";
    let cases: Vec<(String, Vec<&str>)> = vec![
        (
            QJ.replace(odoo, &format!("{odoo}, queue_job_requeue: dead_job")),
            vec![
                "test.yaml:13:",
                "estate.odoo.queue_job_requeue",
                "unknown value `dead_job`",
                "did you mean `dead_jobs`",
            ],
        ),
        (
            QJ.replace(odoo, &format!("{odoo}, queue_job_started_delta: 20m")),
            vec![
                "test.yaml:13:",
                "estate.odoo.queue_job_started_delta",
                "only used with `queue_job_requeue: stuck_cron`",
            ],
        ),
        (
            QJ.replace(
                odoo,
                &format!("{odoo}, queue_job_requeue: stuck_cron, queue_job_started_delta: -5m"),
            ),
            vec!["test.yaml:13:", "estate.odoo.queue_job_started_delta"],
        ),
        (
            QJ.replace(odoo, &format!("{odoo}, queue_job_host: servce")),
            vec![
                "test.yaml:13:",
                "estate.odoo.queue_job_host",
                "did you mean `service`",
            ],
        ),
    ];
    for (yaml, expected) in cases {
        check(&yaml, &expected);
    }
    let m = load_str(
        &QJ.replace(
            odoo,
            &format!("{odoo}, queue_job_requeue: stuck_cron, queue_job_started_delta: 0, queue_job_host: service"),
        ),
        "test.yaml",
        Path::new("."),
    )
    .unwrap();
    assert_eq!(
        m.odoo.queue_job_requeue,
        peakplan::model::Requeue::StuckCron {
            started_delta: None
        }
    );
    assert_eq!(m.odoo.queue_job_host, peakplan::model::JobHost::Service);
    let m = load_str(QJ, "test.yaml", Path::new(".")).unwrap();
    assert_eq!(m.odoo.queue_job_requeue, peakplan::model::Requeue::DeadJobs);
    assert_eq!(m.odoo.queue_job_host, peakplan::model::JobHost::RunnerPod);
}

#[test]
fn queue_job_errors() {
    let cases: Vec<(String, Vec<&str>)> = vec![
        (
            QJ.replace("\"root:4,root.sync:2\"", "\"root:4,root.sync:two\""),
            vec![
                "test.yaml:13:",
                "estate.odoo.queue_job_channels",
                "root.sync:two",
            ],
        ),
        (
            QJ.replace("channel: root.sync,", "channel: root.synk,"),
            vec![
                "test.yaml:10:",
                "workloads.stock_sync.job.channel",
                "unknown queue_job channel `root.synk`",
                "did you mean `root.sync`",
            ],
        ),
        (
            QJ.replace("      - job: stock_sync", "      - job: stock_sink"),
            vec![
                "test.yaml:8:",
                "workloads.checkout.spawns[0].job",
                "unknown class `stock_sink`",
                "did you mean `stock_sync`",
            ],
        ),
        (
            QJ.replace("      - job: stock_sync", "      - job: checkout"),
            vec!["test.yaml:8:", "class `checkout` is not a job"],
        ),
        (
            QJ.replace(
                "    odoo_cpu: {dist: constant, value: 50ms}",
                "    odoo_cpu: {dist: constant, value: 50ms}\n    rate: 1/s",
            ),
            vec![
                "workloads.stock_sync.rate",
                "is a queue_job job and has a `rate`",
            ],
        ),
        (
            QJ.replace(
                "    odoo_cpu: {dist: constant, value: 50ms}",
                "    odoo_cpu: {dist: constant, value: 50ms}\n    spawns: [{job: stock_sync}]",
            ),
            vec!["jobs spawn each other in a cycle: stock_sync → stock_sync"],
        ),
        (
            QJ.replace("  stock_sync:\n", "  nightly:\n    cron: {interval: 1d}\n    odoo_cpu: {dist: constant, value: 1s}\n  stock_sync:\n")
                .replace("workers: 4,", "workers: 4, max_cron_threads: 0,"),
            vec!["workloads.nightly.cron", "`estate.odoo.max_cron_threads` is 0"],
        ),
        (
            QJ.replace("  stock_sync:\n", "  nightly:\n    cron: {interval: 30s}\n    odoo_cpu: {dist: constant, value: 1s}\n  stock_sync:\n"),
            vec!["workloads.nightly.cron.interval", "under a minute"],
        ),
        (
            QJ.replace("  odoo: {workers: 4,", "  redis: {maxmemory: 2KiB, session_size: 4KiB}\n  odoo: {workers: 4,"),
            vec!["estate.redis.maxmemory", "smaller than one session"],
        ),
        (
            QJ.replace("  odoo: {workers: 4,", "  redis: {maxmemory: 1GiB, policy: volatile-lur}\n  odoo: {workers: 4,"),
            vec!["estate.redis.policy", "unknown maxmemory-policy `volatile-lur`", "did you mean `volatile-lru`"],
        ),
        (
            QJ.replace("    rate: 1/s\n", "    rate: 1/s\n    new_session_ratio: 1.5\n"),
            vec!["workloads.checkout.new_session_ratio"],
        ),
        (
            QJ.replace("{1: 60, 3: 300}", "{1: sixty}"),
            vec!["test.yaml:10:", "workloads.stock_sync.job.retry_pattern"],
        ),
    ];
    for (yaml, expected) in cases {
        check(&yaml, &expected);
    }
}

/// BASE with a read replica and a readonly class.
fn replica_base() -> String {
    edit(
        "    db_time_per_query: {dist: exponential, mean: 0.8ms}\n",
        "    db_time_per_query: {dist: exponential, mean: 0.8ms}\n    readonly: true\n",
    )
    .replace(
        "  postgres:\n    cores: 4\n",
        "  postgres:\n    cores: 4\n    max_connections: 200\n    volume: {iops: 3000}\n    buffer_hit_ratio: 0.95\n    replica:\n      cores: 2\n",
    )
}

#[test]
fn replica_defaults_follow_the_primary() {
    let m = run(&replica_base(), Path::new(".")).unwrap_or_else(|d| panic!("{d}"));
    assert!(m.classes[0].readonly && !m.classes[1].readonly);
    let r = m.postgres.replica.expect("replica");
    assert_eq!(r.server.cores, 2);
    assert_eq!(
        (r.server.max_connections, r.server.superuser_reserved),
        (200, 3)
    );
    assert_eq!(
        r.server.volume.map(|v| v.iops),
        Some(3000.0),
        "the primary's volume"
    );
    assert_eq!(r.server.buffer_hit_ratio, 0.95);
    assert_eq!(r.replay_ratio, 0.25, "ASSUMPTION default");
    assert_eq!(r.apply_delay.as_secs_f64(), 0.001);
    // No replica: readonly is still parsed, and ignored by the simulation.
    let m = run(
        &edit(
            "    db_time_per_query: {dist: exponential, mean: 0.8ms}\n",
            "    db_time_per_query: {dist: exponential, mean: 0.8ms}\n    readonly: true\n",
        ),
        Path::new("."),
    )
    .unwrap_or_else(|d| panic!("{d}"));
    assert!(m.classes[0].readonly && m.postgres.replica.is_none());
}

#[test]
fn replica_takes_a_postgres_profile() {
    let yaml = replica_base().replace(
        "    replica:\n      cores: 2\n",
        "    replica:\n      profile: ../profiles/postgres/db.r6g.xlarge.yaml\n      apply_delay: 5ms\n",
    );
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let m = run(&yaml, &dir).unwrap_or_else(|d| panic!("{d}"));
    let r = m.postgres.replica.unwrap();
    assert_eq!(r.server.cores, 4, "db.r6g.xlarge");
    assert_eq!(r.apply_delay.as_secs_f64(), 0.005);
    assert_ne!(
        r.server.max_connections, 200,
        "the profile's, not the primary's"
    );
}

#[test]
fn replica_errors() {
    let base = replica_base();
    let line_of = |needle: &str| {
        let at = base.find(needle).expect("needle");
        base[..at].lines().count() + 1
    };
    let cores_line = format!("test.yaml:{}:", line_of("      cores: 2"));
    let locks = base.replace(
        "    readonly: true\n",
        "    readonly: true\n    locks: [{table: stock.quant}]\n",
    ) + "contention:\n  tables:\n    stock.quant: {keys: 10}\n";
    let locks_line = format!("test.yaml:{}:", line_of("    readonly: true") + 1);
    let cases: Vec<(String, Vec<String>)> =
        vec![
        (
            locks,
            vec![
                locks_line,
                "workloads.browse.locks".into(),
                "a `readonly` class cannot update rows".into(),
                "drop `readonly: true`".into(),
            ],
        ),
        (
            base.replace("      cores: 2\n", "      cores: 0\n"),
            vec![
                cores_line.clone(),
                "estate.postgres.replica.cores".into(),
                "must be ≥ 1, found 0".into(),
            ],
        ),
        (
            base.replace("      cores: 2\n", "      cores: 2\n      replay_ratio: 1.5\n"),
            vec![
                format!("test.yaml:{}:", line_of("      cores: 2") + 1),
                "estate.postgres.replica.replay_ratio".into(),
                "between 0 and 1, found 1.5".into(),
            ],
        ),
        (
            base.replace("      cores: 2\n", "      cores: 2\n      apply_delay: 5\n"),
            vec![
                "estate.postgres.replica.apply_delay".into(),
                "has no unit".into(),
            ],
        ),
        (
            base.replace("      cores: 2\n", "      cores: 2\n      max_connections: 3\n"),
            vec![
                "estate.postgres.replica.max_connections".into(),
                "must exceed superuser_reserved_connections (3)".into(),
            ],
        ),
        (
            base.replace("      cores: 2\n", "      cores: 2\n      replay_ration: 0.5\n"),
            vec!["unknown key `replay_ration`".into(), "did you mean `replay_ratio`?".into()],
        ),
        (
            base.replace("    replica:\n      cores: 2\n", "    replica: {}\n"),
            vec![
                "estate.postgres.replica.cores".into(),
                "missing required key `cores`".into(),
            ],
        ),
        (
            base.replace(
                "    readonly: true\n",
                "    readonly: true\n    spawns: [{job: sync}]\n",
            )
            .replace(
                "  checkout:\n",
                "  sync:\n    job: {}\n    odoo_cpu: {dist: constant, value: 10ms}\n  checkout:\n",
            ),
            vec![
                "workloads.browse.spawns".into(),
                "cannot enqueue jobs".into(),
            ],
        ),
    ];
    for (yaml, expected) in cases {
        let expected: Vec<&str> = expected.iter().map(String::as_str).collect();
        check(&yaml, &expected);
    }
}

/// An integration's own rate limit: parsed into the model, and bad values are refused
/// with their location.
#[test]
fn integration_rate_limits() {
    let yaml = edit_estate(
        "    timeout: 20s\n",
        "    timeout: 20s\n    rate_limit: {average: 40, period: 1s, burst: 80}\n",
    );
    let m = run(&yaml, Path::new(".")).unwrap_or_else(|d| panic!("{d}"));
    let l = m.integrations[0].rate_limit.expect("rate limit");
    assert_eq!((l.rate_per_s, l.burst), (40.0, 80));
    assert!(m.integrations[1].rate_limit.is_none(), "absent = no limit");
    let cases = [
        (
            "{average: 0, period: 1s, burst: 80}",
            "integrations.payment.rate_limit.average",
            "must be > 0",
        ),
        (
            "{average: -5, period: 1s, burst: 80}",
            "integrations.payment.rate_limit.average",
            "must be > 0",
        ),
        (
            "{average: 40, period: 1s, burst: 0}",
            "integrations.payment.rate_limit.burst",
            "must be ≥ 1, found 0",
        ),
        (
            "{average: 40, period: 0s}",
            "integrations.payment.rate_limit.period",
            "must be > 0",
        ),
        (
            "{period: 1s}",
            "integrations.payment.rate_limit.average",
            "missing required key `average`",
        ),
    ];
    for (from, path, message) in cases {
        let bad = yaml.replace("{average: 40, period: 1s, burst: 80}", from);
        check(&bad, &["test.yaml:41:", path, message]);
    }
}

/// `estate.redis` takes a `profile:` like PostgreSQL: the shipped ElastiCache node gives
/// `maxmemory` (75 % of the node) and ElastiCache's `volatile-lru`; a scenario key wins;
/// a chain of profiles resolves and a cycle is reported at the `profile` key.
#[test]
fn redis_profiles_load_and_scenario_keys_override_them() {
    let profiles = Path::new(env!("CARGO_MANIFEST_DIR")).join("profiles/redis");
    let mib = |m: &Model| m.redis.as_ref().unwrap().maxmemory_bytes / (1024 * 1024);
    let with = |redis: &str| {
        QJ.replace(
            "  odoo: {workers: 4,",
            &format!("  redis: {redis}\n  odoo: {{workers: 4,"),
        )
    };
    let m =
        run(&with("{profile: cache.r6g.large.yaml}"), &profiles).unwrap_or_else(|d| panic!("{d}"));
    let r = m.redis.as_ref().unwrap();
    assert_eq!(mib(&m), 10037, "0.75 × 13.07 GiB");
    assert_eq!(r.policy, peakplan::model::EvictionPolicy::Volatile);
    assert_eq!(r.session_bytes, 4096, "defaults still apply");
    let m = run(
        &with("{profile: cache.r6g.large.yaml, policy: noeviction, maxmemory: 8GiB}"),
        &profiles,
    )
    .unwrap_or_else(|d| panic!("{d}"));
    assert_eq!(mib(&m), 8192, "the scenario's maxmemory wins");
    assert_eq!(
        m.redis.as_ref().unwrap().policy,
        peakplan::model::EvictionPolicy::NoEviction
    );
    // The self-managed profile has no maxmemory (redis.conf's 0 = no limit): the
    // scenario must give it.
    check_in(
        &with("{profile: self-managed-default.yaml}"),
        &profiles,
        &["estate.redis.maxmemory", "missing required key `maxmemory`"],
    );
    // Chains and cycles.
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    std::fs::write(p.join("a.yaml"), "profile: b.yaml\nsession_size: 8KiB\n").unwrap();
    std::fs::write(p.join("b.yaml"), "maxmemory: 1GiB\npolicy: allkeys-lru\n").unwrap();
    let m = run(&with("{profile: a.yaml}"), p).unwrap_or_else(|d| panic!("{d}"));
    let r = m.redis.as_ref().unwrap();
    assert_eq!((mib(&m), r.session_bytes), (1024, 8192));
    assert_eq!(r.policy, peakplan::model::EvictionPolicy::AllKeys);
    std::fs::write(p.join("b.yaml"), "profile: a.yaml\n").unwrap();
    check_in(
        &with("{profile: a.yaml}"),
        p,
        &[
            "b.yaml:1:10",
            "estate.redis.profile",
            "cycle",
            "a.yaml → ",
            "b.yaml → ",
        ],
    );
}

/// `estate.redis.cache` and the class keys that use it: parsed with defaults, and bad
/// values refused at their location.
#[test]
fn redis_cache_keys() {
    let yaml = QJ
        .replace(
            "  odoo: {workers: 4,",
            "  redis:\n    maxmemory: 1GiB\n    cache: {working_set: 2GiB, entry_size: 8KiB, hit_ratio: 0.95}\n  odoo: {workers: 4,",
        )
        .replace(
            "    rate: 1/s\n",
            "    rate: 1/s\n    cache_lookups: {dist: constant, value: 3}\n",
        );
    let m = run(&yaml, Path::new(".")).unwrap_or_else(|d| panic!("{d}"));
    let c = m.redis.as_ref().unwrap().cache.expect("cache");
    assert_eq!(
        (c.working_set_bytes, c.entry_bytes, c.hit_ratio, c.ttl),
        (2 << 30, 8192, 0.95, true)
    );
    assert_eq!(m.classes[0].cache_lookups.mean(), 3.0);
    assert_eq!(m.classes[0].cache_miss_queries, 5, "default (assumption)");
    assert!(m.classes[1].cache_lookups.is_zero());
    let cache = "{working_set: 2GiB, entry_size: 8KiB, hit_ratio: 0.95}";
    let cases = [
        (
            "{working_set: 2GiB, entry_size: 8KiB, hit_ratio: 1.5}",
            "estate.redis.cache.hit_ratio",
            "between 0 and 1",
        ),
        (
            "{working_set: 2GiB, entry_size: 8KiB, hit_ratio: -0.1}",
            "estate.redis.cache.hit_ratio",
            "between 0 and 1",
        ),
        (
            "{working_set: 4KiB, entry_size: 8KiB, hit_ratio: 0.9}",
            "estate.redis.cache.entry_size",
            "larger than working_set",
        ),
        (
            "{working_set: 2GiB, entry_size: 0KiB, hit_ratio: 0.9}",
            "estate.redis.cache.entry_size",
            "must be > 0",
        ),
        (
            "{working_set: 0GiB, hit_ratio: 0.9}",
            "estate.redis.cache.working_set",
            "must be > 0",
        ),
        (
            "{entry_size: 8KiB, hit_ratio: 0.9}",
            "estate.redis.cache.working_set",
            "missing required key",
        ),
    ];
    for (to, path, message) in cases {
        check(&yaml.replace(cache, to), &["test.yaml:16:", path, message]);
    }
    check(
        &yaml.replace(
            "{working_set: 2GiB, entry_size: 8KiB, hit_ratio: 0.95}",
            "{working_set: 2GiB, entry_size: 8KiB, hit_ratio: 0.95, tll: true}",
        ),
        &["test.yaml:16:67", "unknown key `tll`", "did you mean `ttl`"],
    );
    // Lookups need a cache; the miss queries a count.
    check(
        &yaml.replace(&format!("\n    cache: {cache}"), ""),
        &[
            "test.yaml:6:",
            "workloads.checkout.cache_lookups",
            "`estate.redis` has no `cache`",
        ],
    );
    check(
        &yaml.replace("value: 3}\n", "value: 3}\n    cache_miss_queries: -1\n"),
        &[
            "test.yaml:7:",
            "workloads.checkout.cache_miss_queries",
            "must be ≥ 0",
        ],
    );
}

/// BASE with `slos:` appended.
fn with_slos(slos: &str) -> String {
    format!("{BASE}slos:\n{slos}")
}

#[test]
fn slos_are_validated_against_the_model() {
    let ok = with_slos(
        "  checkout-p95: {class: checkout, latency: p95 < 800ms, window: flash-sale}\n  \
         slow: {over: 2s, at_most: 1%, window: hourly}\n  \
         errors: {error_ratio: < 0.5%, causes: [backlog_full]}\n  \
         cores: {utilisation: < 80%, resource: pg_cores_busy}\n",
    );
    let m = run(&ok, Path::new(".")).unwrap_or_else(|d| panic!("{d}"));
    // `slow` and `errors` name no class: one objective per class.
    assert_eq!(m.slos.len(), 1 + 2 + 2 + 1);
    let cases: &[(&str, &[&str])] = &[
        (
            "  p: {class: chekout, latency: p95 < 800ms}\n",
            &[
                "test.yaml:",
                "slos.p.class",
                "no workload class named `chekout`",
                "did you mean `checkout`",
            ],
        ),
        (
            "  p: {latency: p100 < 800ms}\n",
            &["slos.p.latency", "a percentile must be between 0 and 100"],
        ),
        (
            "  p: {latency: p0 < 800ms}\n",
            &["slos.p.latency", "a percentile must be between 0 and 100"],
        ),
        (
            "  p: {latency: p95 < 800ms, window: flash-sail}\n",
            &["slos.p.window", "flash-sail", "did you mean `flash-sale`"],
        ),
        (
            "  u: {utilisation: < 80%, resource: pg_cores_bussy}\n",
            &[
                "slos.u.resource",
                "pg_cores_bussy",
                "did you mean `pg_cores_busy`",
            ],
        ),
        (
            "  e: {error_ratio: < 1%, causes: [backlog_ful]}\n",
            &[
                "slos.e.causes",
                "backlog_ful",
                "did you mean `backlog_full`",
            ],
        ),
        (
            "  u: {class: browse, utilisation: < 80%, resource: pg_cores_busy}\n",
            &[
                "slos.u.class",
                "`class` applies to latency, over and error_ratio",
            ],
        ),
        (
            "  two: {latency: p95 < 1s, error_ratio: < 1%}\n",
            &["slos.two"],
        ),
        ("  none: {window: hourly}\n", &["slos.none"]),
        ("  x: {latnecy: p95 < 1s}\n", &["latnecy"]),
        ("  o: {over: 2s}\n", &["slos.o", "at_most"]),
        ("  o: {over: 2s, at_most: 120%}\n", &["slos.o.at_most"]),
    ];
    for (slos, expected) in cases {
        check(&with_slos(slos), expected);
    }
}

#[test]
fn fixed_time_arrivals_are_validated() {
    let with = |class: &str| {
        BASE.replace(
            "workloads:\n",
            &format!("workloads:\n  edi:\n{class}    odoo_cpu: {{dist: constant, value: 50ms}}\n"),
        )
    };
    let ok = with("    at: ['07:00', '19:30']\n    on: [mon, tue, wed, thu, fri]\n");
    let m = run(&ok, Path::new(".")).unwrap_or_else(|d| panic!("{d}"));
    // Friday 27th to Sunday: Friday only, twice.
    assert_eq!(m.classes[0].fixed_times.as_ref().map(Vec::len), Some(2));
    let cases: &[(&str, &[&str])] = &[
        (
            "    at: ['25:00']\n",
            &[
                "workloads.edi.at[0]",
                "expected a local time of day, found `25:00`",
                "HH:MM",
            ],
        ),
        (
            "    at: ['07:00']\n    on: [mon, fiday]\n",
            &[
                "workloads.edi.on[1]",
                "`fiday` is not a day of the week",
                "mon, tue, wed, thu, fri, sat, sun",
            ],
        ),
        (
            "    at: ['07:00']\n    rate: 2/s\n",
            &["workloads.edi.at", "also has `rate`"],
        ),
        (
            "    rate: 2/s\n    on: [mon]\n",
            &["workloads.edi.on", "this class has no `at`"],
        ),
        (
            "    at: ['07:00']\n    on: [mon, tue]\n",
            &[
                "workloads.edi.at",
                "none of these times falls inside the horizon",
            ],
        ),
        ("    at: []\n", &["workloads.edi.at", "no time given"]),
    ];
    for (class, expected) in cases {
        check(&with(class), expected);
    }
}

#[test]
fn recurring_events_are_validated() {
    let event = |e: &str| {
        BASE.replace(
            "  events:\n",
            &format!(
                "  events:\n    - {{name: weekly, {e}duration: 1h, multipliers: {{browse: 2}}}}\n"
            ),
        )
    };
    let ok = event("every: sat, at: '10:00', ");
    let m = run(&ok, Path::new(".")).unwrap_or_else(|d| panic!("{d}"));
    assert_eq!(
        m.calendar
            .events
            .iter()
            .filter(|e| e.name == "weekly")
            .count(),
        1
    );
    let cases: &[(&str, &[&str])] = &[
        (
            "every: fortnight, at: '10:00', ",
            &[
                "calendar.events[0].every",
                "`fortnight` is not a recurrence",
                "last_business_day",
            ],
        ),
        (
            "every: sat, at: '10:00', start: 2026-11-28T10:00, ",
            &["calendar.events[0].every", "not both"],
        ),
        (
            "at: '10:00', start: 2026-11-28T10:00, ",
            &["calendar.events[0].at", "has no `every`"],
        ),
        ("every: sat, ", &["calendar.events[0].at"]),
        (
            "every: mon, at: '10:00', ",
            &["never starts inside the horizon"],
        ),
        (
            "every: sat, at: '10h', ",
            &["calendar.events[0].at", "HH:MM"],
        ),
    ];
    for (e, expected) in cases {
        check(&event(e), expected);
    }
}

#[test]
fn pod_cpu_limit() {
    let cpu = |text: &str| {
        let yaml = edit("workers: 9", &format!("workers: 9\n    cpu: {text}"));
        run(&yaml, Path::new("."))
            .unwrap_or_else(|d| panic!("{text}: {d}"))
            .odoo
            .cpu_millicores
    };
    assert_eq!(cpu("2"), Some(2000));
    assert_eq!(cpu("0.5"), Some(500));
    assert_eq!(cpu("\"1500m\""), Some(1500));
    assert_eq!(cpu("250m"), Some(250));
    let base = run(BASE, Path::new(".")).unwrap_or_else(|d| panic!("{d}"));
    assert_eq!(base.odoo.cpu_millicores, None, "no limit unless written");
    for (text, says) in [
        ("0", "must be > 0"),
        ("-2", "must be > 0"),
        ("0.0005", "below 1m"),
        ("0.4m", "below 1m"),
        ("two", "expected a CPU quantity"),
        ("2GiB", "unknown CPU unit"),
        ("1.5m", "finer than 1m"),
    ] {
        let yaml = edit("workers: 9", &format!("workers: 9\n    cpu: {text}"));
        check(
            &yaml,
            &["test.yaml:32:10", "estate.odoo.cpu", says, "hint:"],
        );
    }
}

#[test]
fn write_path() {
    let writes = |w: &str| edit("rate: 2/s", &format!("rate: 2/s\n    writes: {w}"));
    let volume = "cores: 4\n    volume: {iops: 3000}";
    // Writes need a volume to flush to.
    check(
        &writes("{rows: {dist: constant, value: 20}}"),
        &[
            "workloads.checkout.writes",
            "writes with no volume to write to",
            "hint: add `estate.postgres.volume`",
        ],
    );
    let with_volume = |yaml: String| yaml.replace("cores: 4", volume);
    let ok = run(
        &with_volume(writes("{rows: {dist: constant, value: 20}, commits: 2}")),
        Path::new("."),
    )
    .unwrap_or_else(|d| panic!("{d}"));
    let w = ok.classes[1].writes.as_ref().expect("checkout writes");
    assert_eq!((w.rows.mean(), w.commits), (20.0, 2));
    for (w, expected) in [
        (
            "{commits: 1}",
            &["workloads.checkout.writes.rows", "missing"][..],
        ),
        (
            "{rows: {dist: constant, value: 5}, commits: 0}",
            &["workloads.checkout.writes.commits", "must be ≥ 1"],
        ),
        (
            "{rows: {dist: constant, value: 5}, wal: 8KiB}",
            &["unknown key `wal`", "expected one of: rows, commits"],
        ),
    ] {
        check(&with_volume(writes(w)), expected);
    }
    // A read-only route writes nothing.
    check(
        &with_volume(edit(
            "rate: 2/s",
            "rate: 2/s\n    readonly: true\n    writes: {rows: {dist: constant, value: 1}}",
        )),
        &[
            "workloads.checkout.writes",
            "read-only",
            "hint: remove `writes`",
        ],
    );
    // The server's side.
    let pg = |extra: &str| {
        with_volume(BASE.to_string()).replace(volume, &format!("{volume}\n    {extra}"))
    };
    for (extra, expected) in [
        (
            "working_set: 40GiB",
            &[
                "estate.postgres.working_set",
                "needs the server's memory",
                "hint: add `estate.postgres.memory`",
            ][..],
        ),
        (
            "memory: 16GiB\n    cache: 32GiB",
            &["estate.postgres.cache", "exceeds the server's memory"],
        ),
        ("memory: 0GiB", &["estate.postgres.memory", "must be > 0"]),
        (
            "access_skew: 1",
            &["estate.postgres.access_skew", "between 0 and 0.99"],
        ),
        (
            "checkpoint_timeout: 10s",
            &["estate.postgres.checkpoint_timeout", "between 30s and 1d"],
        ),
        (
            "checkpoint_completion_target: 0",
            &["estate.postgres.checkpoint_completion_target", "> 0"],
        ),
        (
            "dirty_pages_per_row: -1",
            &["estate.postgres.dirty_pages_per_row", "between 0 and 100"],
        ),
        (
            "commit_round_trip: 2s",
            &["estate.postgres.commit_round_trip", "must be ≤ 1s, found"],
        ),
    ] {
        check(&pg(extra), expected);
    }
}

/// BASE with `client:` on checkout, given as the lines under it.
fn with_client(lines: &str) -> String {
    edit(
        "    odoo_cpu: {dist: gamma, mean: 300ms, cv: 0.7}\n",
        &format!("    odoo_cpu: {{dist: gamma, mean: 300ms, cv: 0.7}}\n    client:\n{lines}"),
    )
}

#[test]
fn client_is_parsed_with_its_defaults() {
    let dir = tempfile::tempdir().unwrap();
    let m = run(
        &with_client("      timeout: {dist: constant, value: 30s}\n"),
        dir.path(),
    )
    .unwrap_or_else(|d| panic!("{d}"));
    let c = m.classes[1].client.as_ref().expect("client parsed");
    assert_eq!(c.timeout_s.mean(), 30.0);
    assert_eq!((c.resubmit, c.max_resubmits), (0.0, 3));
    assert!(matches!(c.think_s, peakplan::model::Dist::Exponential { mean, .. } if mean == 10.0));
    assert!(m.classes[0].client.is_none(), "browse waits forever");
    let m = run(
        &with_client(
            "      timeout: {dist: lognormal, mean: 20s, cv: 0.5}\n      resubmit: 0.3\n      \
             think: {dist: constant, value: 5s}\n      max_resubmits: 1\n",
        ),
        dir.path(),
    )
    .unwrap_or_else(|d| panic!("{d}"));
    let c = m.classes[1].client.as_ref().unwrap();
    assert_eq!(
        (c.resubmit, c.max_resubmits, c.think_s.mean()),
        (0.3, 1, 5.0)
    );
}

#[test]
fn client_errors() {
    let cases: Vec<(String, Vec<&str>)> = vec![
        (
            with_client("      resubmit: 0.3\n"),
            vec![
                "test.yaml:",
                "workloads.checkout.client.timeout",
                "add a distribution",
            ],
        ),
        (
            with_client("      timeout: {dist: constant, value: 0s}\n"),
            vec![
                "test.yaml:30:16",
                "workloads.checkout.client.timeout",
                "must be > 0",
                "remove `client:`",
            ],
        ),
        (
            with_client("      timeout: {dist: empirical, values: [0s, 30s]}\n"),
            vec!["workloads.checkout.client.timeout", "must be > 0"],
        ),
        (
            with_client("      timeout: {dist: constant, value: -3s}\n"),
            vec!["workloads.checkout.client.timeout"],
        ),
        (
            with_client("      timeout: {dist: constant, value: 30s}\n      resubmit: 1.5\n"),
            vec![
                "test.yaml:31:17",
                "workloads.checkout.client.resubmit",
                "between 0 and 1",
            ],
        ),
        (
            with_client("      timeout: {dist: constant, value: 30s}\n      resubmit: -0.1\n"),
            vec!["workloads.checkout.client.resubmit"],
        ),
        (
            with_client("      timeout: {dist: constant, value: 30s}\n      max_resubmits: 1000\n"),
            vec!["workloads.checkout.client.max_resubmits", "must be ≤ 100"],
        ),
        (
            with_client(
                "      timeout: {dist: constant, value: 30s}\n      think: {dist: bogus}\n",
            ),
            vec!["workloads.checkout.client.think"],
        ),
        (
            with_client("      timeout: {dist: constant, value: 30s}\n      patience: 3\n"),
            vec!["patience"],
        ),
        (
            QJ.replace(
                "    job: {channel",
                "    client: {timeout: {dist: constant, value: 30s}}\n    job: {channel",
            ),
            vec![
                "workloads.stock_sync.client",
                "not supported on a `job` class",
            ],
        ),
    ];
    for (yaml, expected) in cases {
        check(&yaml, &expected);
    }
}
