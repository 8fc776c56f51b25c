//! The `peakplan` binary as a user runs it: outputs, exit codes, determinism across thread
//! counts, and the terminal-state accounting of every request.

mod common;

use common::{peakplan, text};
use serde_json::Value;
use std::path::Path;
use std::process::Output;

fn code(o: &Output) -> i32 {
    o.status.code().expect("exited")
}

/// Simulates `scenario` into a fresh directory and returns the JSON bytes.
fn simulate_json(scenario: &str, extra: &[&str]) -> Vec<u8> {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().to_str().unwrap();
    // Charts and the PDF are checked in tests/report.rs; here only the numbers matter.
    let mut args = vec![
        "simulate",
        scenario,
        "--quiet",
        "--no-pdf",
        "--no-charts",
        "--out",
        out,
    ];
    args.extend_from_slice(extra);
    let o = peakplan(&args);
    let mut files: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    files.sort();
    assert_eq!(
        files,
        vec!["csv", "result.json"],
        "only the result, no temporary left behind"
    );
    let json = std::fs::read(dir.path().join("result.json")).unwrap();
    assert_eq!(
        code(&o),
        exit_code_of_verdicts(&json),
        "{scenario}: stderr: {}",
        text(&o.stderr)
    );
    json
}

/// The exit code the verdicts call for: 5 if one breaks, else 6 if one is undecided or
/// had no data, else 0.
fn exit_code_of_verdicts(json: &[u8]) -> i32 {
    let v: Value = serde_json::from_slice(json).unwrap();
    let status: Vec<&str> = v["verdicts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["status"].as_str().unwrap())
        .collect();
    if status.contains(&"breaks") {
        5
    } else if status.iter().any(|s| *s != "holds") {
        6
    } else {
        0
    }
}

#[test]
fn quickstart_prints_the_summary() {
    let o = peakplan(&["simulate", "scenarios/quickstart.yaml"]);
    assert_eq!(code(&o), 0, "stderr: {}", text(&o.stderr));
    let s = text(&o.stdout);
    for want in [
        "browse",
        "checkout",
        "p95",
        "errors by cause",
        "odoo_workers_busy",
        "pg_cores_busy",
        "±",
    ] {
        assert!(s.contains(want), "missing {want:?} in:\n{s}");
    }
}

/// Every scenario shipped in `scenarios/`, as a path relative to the crate, sorted.
fn shipped() -> Vec<String> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.ends_with(".yaml"))
        .map(|n| format!("scenarios/{n}"))
        .collect();
    names.sort();
    assert!(names.len() >= 8, "shipped scenarios: {names:?}");
    names
}

#[test]
fn json_is_byte_identical_on_one_and_two_threads() {
    for scenario in shipped() {
        let scenario = scenario.as_str();
        let reps = "2";
        let one = simulate_json(
            scenario,
            &["--threads", "1", "--replications", reps, "--seed", "7"],
        );
        let two = simulate_json(
            scenario,
            &["--threads", "2", "--replications", reps, "--seed", "7"],
        );
        assert!(
            one == two,
            "{scenario}: JSON differs between --threads 1 and 2 (seed 7)"
        );
        let other = simulate_json(
            scenario,
            &["--threads", "2", "--replications", reps, "--seed", "8"],
        );
        assert!(one != other, "{scenario}: the seed must matter");
    }
}

#[test]
fn json_has_the_documented_shape() {
    let v: Value =
        serde_json::from_slice(&simulate_json("scenarios/quickstart.yaml", &["-r", "3"])).unwrap();
    assert_eq!(v["format"], "peakplan.simulation");
    assert_eq!(v["format_version"], 1);
    assert_eq!(v["run"]["replications"], 3);
    let browse = &v["classes"][0];
    assert_eq!(browse["name"], "browse");
    for key in [
        "throughput_per_s",
        "latency_s_p50",
        "latency_s_p95",
        "latency_s_p99",
        "error_ratio",
    ] {
        assert!(browse[key]["mean"].is_f64(), "{key}");
        assert!(browse[key]["ci95_half_width"].is_f64(), "{key}");
    }
    let resources: Vec<&str> = v["resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap())
        .collect();
    assert!(resources.contains(&"odoo_workers_busy") && resources.contains(&"pg_cores_busy"));
    // 1 h at 5 min buckets.
    assert_eq!(
        v["series"]["classes"][0]["arrivals_per_s"]
            .as_array()
            .unwrap()
            .len(),
        12
    );
}

/// A scenario file written into `dir`.
fn scenario(dir: &Path, body: &str) -> String {
    let p = dir.join("s.yaml");
    std::fs::write(&p, body).unwrap();
    p.to_str().unwrap().to_string()
}

const OVERLOADED: &str = "version: 1
horizon: {start: 2026-11-27T10:00, duration: 30m, warmup: 0s}
run: {replications: 3}
workloads:
  slow:
    rate: 2/s
    odoo_cpu: {dist: exponential, mean: 4s}
  report:
    rate: 0.05/s
    odoo_cpu: {dist: constant, value: 200s}
estate:
  odoo: {workers: 4, pods: 2, limit_time_real: 120s, limit_time_cpu: unlimited, max_cron_threads: 1}
  postgres: {cores: 2, max_connections: 100}
";

/// Every arrival ends in exactly one terminal state, per class, and an overloaded estate
/// shows gateway errors (SYNs dropped on full backlogs until the dial times out) and
/// `limit_time_real` kills.
#[test]
fn every_arrival_ends_exactly_once() {
    let dir = tempfile::tempdir().unwrap();
    let file = scenario(dir.path(), OVERLOADED);
    let v: Value = serde_json::from_slice(&simulate_json(&file, &[])).unwrap();
    for c in v["classes"].as_array().unwrap() {
        let t = &c["totals"];
        let errors: u64 = t["errors"]
            .as_object()
            .unwrap()
            .values()
            .map(|x| x.as_u64().unwrap())
            .sum();
        let ended =
            t["completed"].as_u64().unwrap() + errors + t["in_flight_at_horizon"].as_u64().unwrap();
        assert_eq!(
            ended,
            t["arrivals"].as_u64().unwrap(),
            "class {}: {t}",
            c["name"]
        );
    }
    let report = &v["classes"][1]["totals"];
    // 200 s of CPU never fits in 120 s: every report that starts is killed, none completes.
    assert_eq!(report["completed"], 0, "{report}");
    assert!(
        report["errors"]["killed_limit_time_real"].as_u64().unwrap() > 0,
        "{report}"
    );
    assert!(
        v["classes"][0]["totals"]["errors"]["dial_timeout"]
            .as_u64()
            .unwrap()
            > 0
    );
}

#[test]
fn bad_scenario_exits_2_with_location() {
    let dir = tempfile::tempdir().unwrap();
    let file = scenario(dir.path(), &OVERLOADED.replace("rate: 2/s", "rte: 2/s"));
    for cmd in ["validate", "simulate"] {
        let o = peakplan(&[cmd, &file]);
        assert_eq!(code(&o), 2);
        let e = text(&o.stderr);
        assert!(
            e.contains("s.yaml:6:")
                && e.contains("workloads.slow.rte")
                && e.contains("did you mean `rate`"),
            "{e}"
        );
    }
    let o = peakplan(&["simulate", "no/such/file.yaml"]);
    assert_eq!(code(&o), 2);
    assert!(text(&o.stderr).contains("no/such/file.yaml"));
    assert_eq!(
        code(&peakplan(&[
            "simulate",
            "scenarios/quickstart.yaml",
            "--replications",
            "0"
        ])),
        2
    );
}

/// A read-only class cannot lock rows; a replica's `replay_ratio` is a share: both are
/// bad input (exit 2), reported where they are written.
#[test]
fn bad_replica_input_exits_2_with_location() {
    let dir = tempfile::tempdir().unwrap();
    let yaml = OVERLOADED
        .replace(
            "    rate: 2/s\n",
            "    rate: 2/s\n    readonly: true\n    locks: [{table: t}]\n",
        )
        .replace(
            "max_connections: 100}",
            "max_connections: 100, replica: {cores: 2, replay_ratio: 2}}",
        )
        + "contention: {tables: {t: {keys: 1}}}\n";
    let file = scenario(dir.path(), &yaml);
    for cmd in ["validate", "simulate"] {
        let o = peakplan(&[cmd, &file]);
        assert_eq!(code(&o), 2, "{}", text(&o.stderr));
        let e = text(&o.stderr);
        assert!(
            e.contains("s.yaml:8:")
                && e.contains("workloads.slow.locks")
                && e.contains("cannot update rows")
                && e.contains("estate.postgres.replica.replay_ratio")
                && e.contains("between 0 and 1, found 2"),
            "{e}"
        );
    }
}

#[test]
fn validate_accepts_the_shipped_scenarios() {
    for s in shipped() {
        let s = s.as_str();
        let o = peakplan(&["validate", s]);
        assert_eq!(code(&o), 0, "{s}: {}", text(&o.stderr));
        assert!(text(&o.stdout).contains("ok"));
    }
}

/// `validate` says whether the pods' CPU is limited, and by how much.
#[test]
fn validate_names_the_pods_cpu() {
    // Quickstart without its `cpu:` line: no limit, said so.
    let dir = tempfile::tempdir().unwrap();
    let quickstart =
        std::fs::read_to_string(common::root().join("scenarios/quickstart.yaml")).unwrap();
    let no_cpu: String = quickstart
        .lines()
        .filter(|l| !l.trim_start().starts_with("cpu:"))
        .map(|l| {
            format!(
                "{}\n",
                l.replace(
                    "../profiles/",
                    &format!("{}/profiles/", common::root().display())
                )
            )
        })
        .collect();
    let o = peakplan(&["validate", &scenario(dir.path(), &no_cpu)]);
    assert!(
        text(&o.stdout).contains(
            "no pod CPU limit: each of a pod's 5 Odoo processes is assumed to have a core of its own"
        ),
        "{}{}",
        text(&o.stdout),
        text(&o.stderr)
    );
    let o = peakplan(&["validate", "scenarios/quickstart.yaml"]);
    assert!(
        text(&o.stdout).contains("1 pod × 5 workers on 7 cores each, ≥ its 5 Odoo processes"),
        "{}",
        text(&o.stdout)
    );
    let o = peakplan(&["validate", "scenarios/workers-beyond-cores.yaml"]);
    assert!(
        text(&o.stdout).contains("3 pods × 5 workers on 2 cores each, shared by 7 Odoo processes"),
        "{}",
        text(&o.stdout)
    );
}

#[test]
fn a_limit_stops_the_run_with_exit_3() {
    let dir = tempfile::tempdir().unwrap();
    let file = scenario(
        dir.path(),
        &OVERLOADED.replace(
            "run: {replications: 3}",
            "run: {replications: 3, max_in_flight: 5}",
        ),
    );
    let o = peakplan(&["simulate", &file, "--quiet"]);
    assert_eq!(code(&o), 3, "{}", text(&o.stderr));
    let e = text(&o.stderr);
    assert!(
        e.contains("replication 0 stopped") && e.contains("max_in_flight") && e.contains("hint"),
        "{e}"
    );
}

#[test]
fn unwritable_output_exits_4_and_leaves_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let blocker = dir.path().join("file");
    std::fs::write(&blocker, "x").unwrap();
    let out = blocker.join("sub");
    let o = peakplan(&[
        "simulate",
        "scenarios/quickstart.yaml",
        "-q",
        "-r",
        "2",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(code(&o), 4, "{}", text(&o.stderr));
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
}

#[test]
fn schema_is_json_schema() {
    let o = peakplan(&["schema"]);
    assert_eq!(code(&o), 0);
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(v["$schema"].as_str().unwrap().contains("json-schema.org"));
    assert!(v["properties"]["workloads"].is_object());
}

#[test]
fn help_documents_exit_codes() {
    let o = peakplan(&["--help"]);
    let s = text(&o.stdout);
    for want in [
        "simulate",
        "validate",
        "schema",
        "selftest",
        "Exit codes",
        "3  the run was stopped",
    ] {
        assert!(s.contains(want), "missing {want:?}");
    }
}

/// Bad values of the Redis cache and of an integration's rate limit exit with code 2 and
/// name the file, line and key.
#[test]
fn bad_cache_and_api_rate_limit_exit_2_with_location() {
    let dir = tempfile::tempdir().unwrap();
    let with = |estate_extra: &str| {
        OVERLOADED.replace(
            "  postgres: {cores: 2, max_connections: 100}\n",
            &format!("  postgres: {{cores: 2, max_connections: 100}}\n{estate_extra}"),
        )
    };
    for (body, fragment) in [
        (
            with("  redis: {maxmemory: 1GiB, cache: {working_set: 1GiB, hit_ratio: 1.2}}\n"),
            "s.yaml:14:",
        ),
        (
            with(
                "  redis: {maxmemory: 1GiB, cache: {working_set: 4KiB, entry_size: 8KiB, hit_ratio: 0.9}}\n",
            ),
            "estate.redis.cache.entry_size",
        ),
        (
            format!(
                "{OVERLOADED}integrations:\n  api:\n    latency: {{dist: constant, value: 10ms}}\n    rate_limit: {{average: 0, burst: 10}}\n"
            ),
            "integrations.api.rate_limit.average",
        ),
    ] {
        let file = scenario(dir.path(), &body);
        let o = peakplan(&["validate", &file]);
        assert_eq!(code(&o), 2, "{}", text(&o.stderr));
        assert!(text(&o.stderr).contains(fragment), "{}", text(&o.stderr));
    }
}

/// The subcommands `peakplan --help` lists (clap's own `help` left out).
fn subcommands() -> Vec<String> {
    let help = text(&peakplan(&["--help"]).stdout);
    let names: Vec<String> = help
        .lines()
        .skip_while(|l| *l != "Commands:")
        .skip(1)
        .take_while(|l| !l.is_empty())
        .filter_map(|l| l.split_whitespace().next())
        .filter(|n| *n != "help")
        .map(str::to_owned)
        .collect();
    assert!(names.len() >= 7, "subcommands in --help: {names:?}\n{help}");
    names
}

/// The long options a subcommand's `--help` lists.
fn long_options(subcommand: &str) -> Vec<String> {
    let o = peakplan(&[subcommand, "--help"]);
    assert_eq!(code(&o), 0, "{}", text(&o.stderr));
    let mut options: Vec<String> = text(&o.stdout)
        .split_whitespace()
        .filter(|w| w.starts_with("--") && w.len() > 2)
        .map(|w| w.trim_end_matches([',', '.', ')']).to_owned())
        .collect();
    options.sort();
    options.dedup();
    options
}

#[test]
fn completions_cover_every_subcommand_in_every_shell() {
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let o = peakplan(&["completions", shell]);
        assert_eq!(code(&o), 0, "{shell}: {}", text(&o.stderr));
        let script = text(&o.stdout);
        for name in subcommands() {
            assert!(script.contains(&name), "{shell}: no {name:?} in\n{script}");
        }
        // Options too, down to a subcommand's own.
        assert!(script.contains("until-decided"), "{shell}");
    }
    let bash = text(&peakplan(&["completions", "bash"]).stdout);
    assert!(bash.contains("complete -F _peakplan"), "{bash}");
}

#[test]
fn an_unknown_shell_exits_2_naming_the_shells() {
    let o = peakplan(&["completions", "tcsh"]);
    assert_eq!(code(&o), 2);
    let e = text(&o.stderr);
    assert!(e.contains("invalid value 'tcsh'"), "{e}");
    assert!(
        e.contains("[possible values: bash, elvish, fish, powershell, zsh]"),
        "{e}"
    );
    assert!(o.stdout.is_empty());
}

/// A page opens (after the string definitions clap_mangen puts first) with `.TH NAME 1`.
fn assert_man_page(page: &str, name: &str) {
    let first = page
        .lines()
        .find(|l| !l.starts_with(".ie ") && !l.starts_with(".el "));
    let want = format!(".TH {name} 1 ");
    assert!(
        first.is_some_and(|l| l.starts_with(&want)),
        "{name}: first line {first:?}, want {want:?}"
    );
    assert!(page.contains(".SH NAME\n"), "{name}:\n{page}");
    assert!(page.contains(".SH SYNOPSIS\n"), "{name}:\n{page}");
}

#[test]
fn man_prints_the_top_page_with_subcommands_and_exit_codes() {
    let o = peakplan(&["man"]);
    assert_eq!(code(&o), 0, "{}", text(&o.stderr));
    let page = text(&o.stdout);
    assert_man_page(&page, "peakplan");
    for name in subcommands() {
        let entry = format!("peakplan\\-{name}(1)");
        assert!(page.contains(&entry), "no {entry:?} in\n{page}");
    }
    // Every exit code of `--help`, as a tagged paragraph of EXIT STATUS.
    let status = page
        .split_once(".SH \"EXIT STATUS\"\n")
        .expect("an EXIT STATUS section")
        .1;
    let help = text(&peakplan(&["--help"]).stdout);
    let codes: Vec<&str> = help
        .lines()
        .skip_while(|l| *l != "Exit codes:")
        .skip(1)
        .filter_map(|l| l.strip_prefix("  ")?.split_whitespace().next())
        .collect();
    assert!(codes.len() >= 7, "{codes:?}");
    for c in codes {
        assert!(
            status.contains(&format!(".TP\n.B {c}\n")),
            "code {c}:\n{status}"
        );
    }
}

#[test]
fn man_out_writes_a_page_per_subcommand() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("man1");
    let o = peakplan(&["man", "--out", out.to_str().unwrap()]);
    assert_eq!(code(&o), 0, "{}", text(&o.stderr));
    let mut want: Vec<String> = subcommands()
        .iter()
        .map(|n| format!("peakplan-{n}.1"))
        .collect();
    want.push("peakplan.1".into());
    want.sort();
    let mut names: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    assert_eq!(names, want);
    for name in &names {
        // groff reads bytes, not UTF-8, unless run through preconv as `man` does.
        let page = std::fs::read(out.join(name)).unwrap();
        assert!(page.is_ascii(), "{name} is not ASCII");
    }
    assert!(
        text(&o.stdout).contains(&format!("wrote {} files into", want.len())),
        "{}",
        text(&o.stdout)
    );
    let top = std::fs::read_to_string(out.join("peakplan.1")).unwrap();
    assert_eq!(
        top,
        text(&peakplan(&["man"]).stdout),
        "--out and stdout agree"
    );
    let simulate = std::fs::read_to_string(out.join("peakplan-simulate.1")).unwrap();
    assert_man_page(&simulate, "peakplan-simulate");
    assert!(simulate.contains("until\\-decided"), "{simulate}");
    // Under a regular file: exit 4, nothing written beside it.
    let blocker = dir.path().join("file");
    std::fs::write(&blocker, "x").unwrap();
    let o = peakplan(&["man", "--out", blocker.join("man1").to_str().unwrap()]);
    assert_eq!(code(&o), 4, "{}", text(&o.stderr));
    assert!(
        text(&o.stderr).contains("cannot write"),
        "{}",
        text(&o.stderr)
    );
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 2);
}

/// `git ARGS` in the crate's directory, if git is there and it succeeds.
fn git(args: &[&str]) -> Option<String> {
    let o = std::process::Command::new("git")
        .args(args)
        .current_dir(common::root())
        .output()
        .ok()?;
    o.status
        .success()
        .then(|| text(&o.stdout).trim().to_owned())
}

#[test]
fn version_names_the_commit() {
    let o = peakplan(&["--version"]);
    assert_eq!(code(&o), 0);
    let line = text(&o.stdout);
    let prefix = format!("peakplan {} (commit ", env!("CARGO_PKG_VERSION"));
    let inner = line
        .strip_prefix(&prefix)
        .and_then(|r| r.strip_suffix(")\n"))
        .unwrap_or_else(|| panic!("{line:?}"));
    let in_checkout = git(&["rev-parse", "--show-toplevel"]).is_some_and(|top| {
        Path::new(&top).canonicalize().ok() == common::root().canonicalize().ok()
    });
    if !in_checkout {
        assert_eq!(inner, "unknown", "{line:?}: no git checkout here");
        return;
    }
    // `0123456789ab[-dirty], 2026-12-06`, the commit being HEAD's.
    let (commit, date) = inner.split_once(", ").unwrap_or_else(|| panic!("{line:?}"));
    let (hash, dirty) = match commit.strip_suffix("-dirty") {
        Some(h) => (h, true),
        None => (commit, false),
    };
    let head = git(&["rev-parse", "HEAD"]).unwrap();
    assert_eq!(hash, &head[..12], "{line:?}");
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let parts: Vec<&str> = date.split('-').collect();
    assert!(
        parts.len() == 3 && parts.iter().all(|p| digits(p)) && date.len() == 10,
        "{line:?}"
    );
    let changed = git(&[
        "status",
        "--porcelain",
        "--",
        "src",
        "Cargo.toml",
        "Cargo.lock",
        "build.rs",
    ]);
    assert_eq!(dirty, changed.is_some_and(|c| !c.is_empty()), "{line:?}");
}

/// `selftest` takes no option it would ignore: not `--replications`, which it never read.
#[test]
fn selftest_help_lists_only_the_options_it_uses() {
    assert_eq!(
        long_options("selftest"),
        [
            "--help",
            "--markdown",
            "--quick",
            "--quiet",
            "--seed",
            "--threads"
        ]
    );
    let o = peakplan(&["selftest", "-r", "2"]);
    assert_eq!(code(&o), 2, "{}", text(&o.stderr));
    assert!(
        text(&o.stderr).contains("unexpected argument '-r'"),
        "{}",
        text(&o.stderr)
    );
}
