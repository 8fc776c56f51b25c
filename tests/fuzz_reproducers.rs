//! Holes a fuzzer found, each as its reproducer run through the binary: every one must end
//! within a few seconds with a clear message and the documented exit code — never a
//! panic (101), a hang or an out-of-memory kill.

mod common;

use common::text;
use std::io::Read;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// How long a reproducer may take: each is refused in milliseconds when fixed.
const TIMEOUT: Duration = Duration::from_secs(10);

struct Ran {
    code: i32,
    stdout: String,
    stderr: String,
}

/// Runs the binary with `args` (from the crate root) under [`TIMEOUT`]; kills it and fails
/// the test if it is still running then.
fn run_with(args: &[&str], configure: impl FnOnce(&mut Command)) -> Ran {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_peakplan"));
    cmd.args(args);
    defaults(&mut cmd);
    configure(&mut cmd);
    supervise(cmd, &args.join(" "))
}

/// `script` run by `sh -c` with `$0` the binary and `$1` a scratch directory: for pipes
/// and resource limits. A pipeline's status is its last command's, so a script saves the
/// binary's own in `$1/status` and exits with it.
fn run_sh(script: &str, scratch: &Path) -> Ran {
    let mut cmd = Command::new("sh");
    cmd.args([
        "-c",
        script,
        env!("CARGO_BIN_EXE_peakplan"),
        scratch.to_str().unwrap(),
    ]);
    defaults(&mut cmd);
    supervise(cmd, script)
}

fn defaults(cmd: &mut Command) {
    cmd.current_dir(common::root())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
}

fn supervise(mut cmd: Command, what: &str) -> Ran {
    let mut child = cmd.spawn().expect("binary runs");
    // Drain the pipes on their own threads so a chatty child never blocks on a full pipe.
    let drain = |r: Option<Box<dyn Read + Send>>| {
        std::thread::spawn(move || {
            let mut s = Vec::new();
            if let Some(mut r) = r {
                let _ = r.read_to_end(&mut s);
            }
            s
        })
    };
    let out = drain(
        child
            .stdout
            .take()
            .map(|p| Box::new(p) as Box<dyn Read + Send>),
    );
    let err = drain(
        child
            .stderr
            .take()
            .map(|p| Box::new(p) as Box<dyn Read + Send>),
    );
    let start = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if start.elapsed() > TIMEOUT {
            let _ = child.kill();
            let _ = child.wait();
            panic!("`{what}` still running after {TIMEOUT:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let stdout = text(&out.join().unwrap());
    let stderr = text(&err.join().unwrap());
    let code = status
        .code()
        .unwrap_or_else(|| panic!("killed by a signal: {status:?}"));
    assert_ne!(code, 101, "panicked: {stderr}");
    Ran {
        code,
        stdout,
        stderr,
    }
}

fn run(args: &[&str]) -> Ran {
    run_with(args, |_| {})
}

/// A small valid scenario without profiles; `edit` replaces one line's text.
const BASE: &str = "\
version: 1
name: fuzz
horizon:
  start: 2026-11-23T09:00
  timezone: UTC
  duration: 10m
run:
  replications: 1
workloads:
  browse:
    rate: 5/s
    odoo_cpu: {dist: exponential, mean: 50ms}
    queries: {dist: constant, value: 10}
    db_time_per_query: {dist: exponential, mean: 1ms}
estate:
  odoo:
    pods: 1
    workers: 4
  postgres:
    cores: 2
";

fn edit(from: &str, to: &str) -> String {
    assert!(BASE.contains(from), "{from:?} not in the base scenario");
    BASE.replacen(from, to, 1)
}

/// Writes `yaml` as `fuzz.yaml` in `dir` and returns its path.
fn write(dir: &Path, yaml: &str) -> String {
    let p = dir.join("fuzz.yaml");
    std::fs::write(&p, yaml).unwrap();
    p.to_str().unwrap().to_owned()
}

/// `peakplan validate` on `yaml` is refused (exit 2) with every phrase of `expect` on stderr.
fn refused(yaml: &str, expect: &[&str]) {
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), yaml);
    let commands: [&[&str]; 2] = [&["validate", &file], &["simulate", &file, "--quiet"]];
    for args in commands {
        let cmd = args[0];
        let r = run(args);
        assert_eq!(r.code, 2, "{cmd}: stderr: {}", r.stderr);
        for want in expect {
            assert!(
                r.stderr.contains(want),
                "{cmd}: missing {want:?} in:\n{}",
                r.stderr
            );
        }
        assert!(
            r.stderr.contains("fuzz.yaml"),
            "names the file: {}",
            r.stderr
        );
    }
}

#[test]
fn the_base_scenario_is_valid() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), BASE);
    let r = run(&["validate", &file]);
    assert_eq!(r.code, 0, "stderr: {}", r.stderr);
}

/// 1. A gamma cv so small that its shape overflows: a diagnostic, not rand_distr's panic.
#[test]
fn gamma_with_a_vanishing_cv() {
    refused(
        &edit(
            "odoo_cpu: {dist: exponential, mean: 50ms}",
            "odoo_cpu: {dist: gamma, mean: 50ms, cv: 1e-160}",
        ),
        &[
            "workloads.browse.odoo_cpu",
            "cannot be sampled",
            "cv 1e-160",
            "fuzz.yaml:12",
            "hint: ",
        ],
    );
}

/// 4. Counts are looped over per request: a huge one is refused at validation.
#[test]
fn counts_have_an_upper_bound() {
    refused(
        &edit(
            "queries: {dist: constant, value: 10}",
            "queries: {dist: constant, value: 1e300}",
        ),
        &["workloads.browse.queries", "at most 10000", "hint: "],
    );
    refused(
        &edit(
            "queries: {dist: constant, value: 10}",
            "queries: {dist: lognormal, mean: 1e9, cv: 2}",
        ),
        &["workloads.browse.queries", "a mean of 1e9"],
    );
}

/// 8. A nanosecond `kill_check_period` would spend the event budget on checks.
#[test]
fn kill_check_period_has_a_minimum() {
    refused(
        &edit("workers: 4", "workers: 4\n    kill_check_period: 1ns"),
        &[
            "estate.odoo.kill_check_period",
            "at least 1.000s, found 1ns",
            "hint: ",
        ],
    );
}

/// 10. Durations past 292 years used to print as negative; they are now refused by name.
#[test]
fn centuries_long_durations() {
    refused(
        &edit("duration: 10m", "duration: 110000d"),
        &["horizon.duration", "too long", "100 years"],
    );
    // Within the parse limit but beyond the horizon's: the message stays positive.
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), &edit("duration: 10m", "duration: 36000d"));
    let r = run(&["validate", &file]);
    assert_eq!(r.code, 2, "stderr: {}", r.stderr);
    assert!(
        r.stderr.contains("864000.00h is longer than 366 days"),
        "{}",
        r.stderr
    );
}

/// Simulates the base scenario into `dir/out` and returns result.json as JSON.
fn base_result(dir: &Path) -> serde_json::Value {
    let file = write(dir, BASE);
    let out = dir.join("out");
    let r = run(&[
        "simulate",
        &file,
        "--quiet",
        "--no-pdf",
        "--no-charts",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(r.code, 0, "stderr: {}", r.stderr);
    serde_json::from_slice(&std::fs::read(out.join("result.json")).unwrap()).unwrap()
}

/// Makes one figure of a result absurd.
type Damage = fn(&mut serde_json::Value);

/// 2 and 9. A result with absurd values is refused as a damaged result, naming the field.
#[test]
fn absurd_result_files() {
    let dir = tempfile::tempdir().unwrap();
    let good = base_result(dir.path());
    let cases: [(&str, Damage, &str); 4] = [
        (
            "fine bucket 1e308",
            |r| r["series"]["fine_bucket_s"] = 1e308.into(),
            "`series.fine_bucket_s` is 1e308",
        ),
        (
            "fine bucket -1e308",
            |r| r["series"]["fine_bucket_s"] = (-1e308).into(),
            "`series.fine_bucket_s` is -1e308",
        ),
        (
            "a latency of 1e308 s",
            |r| r["series"]["classes"][0]["latency_s_p95"][0] = 1e308.into(),
            "`series.classes[0].latency_s_p95[0]` is 1e308",
        ),
        (
            "a zero horizon",
            |r| r["scenario"]["horizon_s"] = 0.0.into(),
            "`scenario.horizon_s` is 0",
        ),
    ];
    for (what, damage, expect) in cases {
        let mut r = good.clone();
        damage(&mut r);
        let p = dir.path().join("bad.json");
        std::fs::write(&p, serde_json::to_vec(&r).unwrap()).unwrap();
        let out = dir.path().join("bad-out");
        let ran = run(&[
            "report",
            p.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ]);
        assert_eq!(ran.code, 2, "{what}: stderr: {}", ran.stderr);
        assert!(
            ran.stderr.contains("damaged peakplan result"),
            "{what}: {}",
            ran.stderr
        );
        assert!(ran.stderr.contains(expect), "{what}: {}", ran.stderr);
        assert!(ran.stderr.contains("hint: "), "{what}: {}", ran.stderr);
        assert!(!out.exists(), "{what}: nothing written");
    }
    // The untouched result still renders.
    let p = dir.path().join("good.json");
    std::fs::write(&p, serde_json::to_vec(&good).unwrap()).unwrap();
    let ran = run(&["report", p.to_str().unwrap(), "--quiet"]);
    assert_eq!(ran.code, 0, "stderr: {}", ran.stderr);
    let _ = ran.stdout;
}

/// Item 5: devices, FIFOs and directories are refused before they are read; a file over the
/// size limit is refused after reading at most one byte more than the limit.
#[test]
fn non_regular_files_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("fifo.yaml");
    let made = Command::new("mkfifo").arg(&fifo).status();
    let mut inputs = vec!["/dev/zero".to_owned(), "/dev/urandom".to_owned()];
    if made.is_ok_and(|s| s.success()) {
        inputs.push(fifo.to_str().unwrap().to_owned());
    }
    inputs.push(dir.path().to_str().unwrap().to_owned());
    for input in &inputs {
        let r = run(&["validate", input]);
        assert_eq!(r.code, 2, "{input}: stderr: {}", r.stderr);
        assert!(
            r.stderr.contains("cannot read scenario"),
            "{input}: {}",
            r.stderr
        );
        assert!(
            r.stderr.contains("not a regular file") || r.stderr.contains("a directory"),
            "{input}: {}",
            r.stderr
        );
        assert!(r.stderr.contains("hint: "), "{input}: {}", r.stderr);
        let r = run(&["report", input, "--quiet"]);
        assert_eq!(r.code, 2, "report {input}: stderr: {}", r.stderr);
        assert!(
            r.stderr.contains("not a regular file"),
            "{input}: {}",
            r.stderr
        );
    }
    let big = dir.path().join("big.yaml");
    std::fs::write(&big, format!("{BASE}#{}\n", "x".repeat(2 << 20))).unwrap();
    let r = run(&["validate", big.to_str().unwrap()]);
    assert_eq!(r.code, 2, "stderr: {}", r.stderr);
    assert!(
        r.stderr.contains("larger than 1048576 bytes"),
        "{}",
        r.stderr
    );
}

/// Item 6: 10,000 pods × 10,000 workers used to pass validation and die allocating gigabytes.
#[test]
fn working_memory_is_estimated() {
    refused(
        &edit("pods: 1\n    workers: 4", "pods: 10000\n    workers: 10000")
            .replace("cores: 2", "cores: 2\n    max_connections: 262143"),
        &[
            "estate.odoo.workers",
            "MiB of working memory",
            "10000 pods × 10000 workers",
            "the limit is 2048 MiB",
            "hint: ",
        ],
    );
    refused(
        &edit(
            "replications: 1",
            "replications: 1\n  max_in_flight: 100000000",
        ),
        &[
            "run.max_in_flight",
            "MiB of working memory",
            "hint: lower run.max_in_flight",
        ],
    );
}

/// Item 7: closed users count towards the expected arrivals per replication.
#[test]
fn closed_users_count_towards_expected_arrivals() {
    let closed = edit(
        "    rate: 5/s\n",
        "    users: 1000000\n    think_time: {dist: exponential, mean: 1ms}\n",
    )
    .replace(
        "queries: {dist: constant, value: 10}",
        "queries: {dist: constant, value: 1}",
    )
    .replace("duration: 10m", "duration: 1d");
    refused(
        &closed,
        &[
            "requests per replication",
            "closed classes at users × horizon / (think + Odoo CPU)",
            "the limit is 2e9",
        ],
    );
}

/// Item 11: the background workers' connections at t = 0 exceed PostgreSQL's: refused at
/// validation, with the same numbers the run would stop on.
#[test]
fn background_connections_at_start() {
    let yaml = edit("pods: 1\n    workers: 4", "pods: 40\n    workers: 2");
    refused(
        &yaml,
        &[
            "estate.odoo.pods",
            "fuzz.yaml:17",
            "open 120 PostgreSQL connections at start-up",
            "more than the 97 usable",
            "hint: raise estate.postgres.max_connections",
        ],
    );
    // Enough connections: the same estate validates.
    let dir = tempfile::tempdir().unwrap();
    let file = write(
        dir.path(),
        &yaml.replace("cores: 2", "cores: 2\n    max_connections: 200"),
    );
    let r = run(&["validate", &file]);
    assert_eq!(r.code, 0, "stderr: {}", r.stderr);
}

/// Item 3: a closed stdout is a quiet exit (code 0) after every file was written; a full
/// one (`/dev/full`) is exit 4 with a message on stderr.
#[test]
fn closed_and_full_stdout() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = write(dir.path(), BASE);
    let piped = |cmd: &str| {
        format!(
            "{{ \"$0\" {cmd}; echo $? > \"$1/status\"; }} | true; exit \"$(cat \"$1/status\")\""
        )
    };
    for cmd in [
        "schema".to_owned(),
        format!("validate {scenario}"),
        "selftest --help".to_owned(),
    ] {
        let r = run_sh(&piped(&cmd), dir.path());
        assert_eq!(r.code, 0, "{cmd} | true: stderr: {}", r.stderr);
        assert!(!r.stderr.contains("panicked"), "{cmd}: {}", r.stderr);
    }
    // The run is not lost: the bundle is written before the summary is printed.
    let out = dir.path().join("D");
    let cmd = format!("simulate {scenario} --no-pdf --out {}", out.display());
    let r = run_sh(&piped(&cmd), dir.path());
    assert_eq!(r.code, 0, "simulate | true: stderr: {}", r.stderr);
    assert!(out.join("result.json").is_file(), "result.json written");
    // A full stdout: exit 4, and still the files.
    for args in [
        vec!["schema".to_owned()],
        vec!["validate".to_owned(), scenario.clone()],
        vec![
            "simulate".to_owned(),
            scenario.clone(),
            "--no-pdf".to_owned(),
            "--out".to_owned(),
            dir.path().join("F").to_str().unwrap().to_owned(),
        ],
    ] {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let r = run_with(&args, |c| {
            c.stdout(std::fs::File::create("/dev/full").unwrap());
        });
        assert_eq!(r.code, 4, "{args:?} > /dev/full: stderr: {}", r.stderr);
        assert!(
            r.stderr.contains("cannot write to standard output"),
            "{args:?}: {}",
            r.stderr
        );
    }
    assert!(dir.path().join("F/result.json").is_file());
}

/// Item 12: an `--out` bundle that fails midway leaves no directory that looks complete,
/// and no staging directory behind. The failure is a file-size limit (`ulimit -f`, with
/// SIGXFSZ ignored so the write fails with EFBIG): result.json and the CSV fit, the
/// charts do not.
#[test]
fn a_bundle_failing_midway_is_not_left_behind() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = write(dir.path(), BASE);
    let out = dir.path().join("bundle");
    let script = format!(
        "ulimit -f 40; trap '' XFSZ; exec \"$0\" simulate {scenario} --quiet --out {}",
        out.display()
    );
    let r = run_sh(&script, dir.path());
    assert_eq!(r.code, 4, "stderr: {}", r.stderr);
    assert!(r.stderr.contains("cannot write"), "{}", r.stderr);
    assert!(r.stderr.contains("hint: "), "{}", r.stderr);
    assert!(!out.exists(), "no partial bundle at {}", out.display());
    let left: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.contains("partial"))
        .collect();
    assert!(left.is_empty(), "staging left behind: {left:?}");
    // Without the limit the same bundle is written whole.
    let r = run(&[
        "simulate",
        &scenario,
        "--quiet",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(r.code, 0, "stderr: {}", r.stderr);
    for f in ["result.json", "report.pdf", "csv", "charts"] {
        assert!(out.join(f).exists(), "{f} written");
    }
}

/// A closed class whose users' sessions Redis evicts: the logged-out user logs in again
/// through a request of no particular user, which once made the user after it think as
/// user `u32::MAX` (index out of bounds). It runs to its end.
#[test]
fn a_closed_class_logging_in_again_after_an_eviction_runs() {
    let yaml = BASE
        .replace(
            "    rate: 5/s\n",
            "    users: 500\n    think_time: {dist: exponential, mean: 1s}\n    new_session_ratio: 1\n",
        )
        .replace(
            "estate:\n",
            "estate:\n  redis:\n    maxmemory: 1MiB\n    policy: allkeys-lru\n    session_size: 8KiB\n",
        );
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), &yaml);
    let r = run(&["simulate", &path, "-q"]);
    assert_eq!(r.code, 0, "stdout:\n{}\nstderr:\n{}", r.stdout, r.stderr);
}
