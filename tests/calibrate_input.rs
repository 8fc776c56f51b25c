//! `peakplan calibrate` on logs that are not clean: malformed, truncated, mixed-format,
//! gzip-compressed and empty logs give a clear message with the counts of what was
//! skipped and never panic; bad input — no recognised line, rules that send a route to
//! two classes, a period shorter than one hour, a missing file — exits 2 with a message.

mod common;
mod loggen;

use common::{peakplan, text};
use loggen::{OdooFormat, Target, TraefikFormat};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Output;

const SEED: u64 = 7;

fn code(o: &Output) -> i32 {
    o.status.code().unwrap_or(-1)
}

/// Exit 2 with `want` in the message, no panic.
fn bad(o: &Output, want: &[&str]) {
    let err = text(&o.stderr);
    assert_eq!(code(o), 2, "exit {}: {err}{}", code(o), text(&o.stdout));
    assert!(!err.contains("panicked"), "{err}");
    for w in want {
        assert!(err.contains(w), "`{w}` not in: {err}");
    }
}

fn calibrate(logs: &[&Path], out: &Path, extra: &[&str]) -> Output {
    let mut args = vec!["calibrate", "-q", "--out", out.to_str().unwrap()];
    args.extend(extra);
    args.extend(logs.iter().map(|p| p.to_str().unwrap()));
    peakplan(&args)
}

/// Two hours of the shop's week (Monday 00:00–02:00, scaled up so every class is seen).
fn two_hours(dir: &Path, odoo: OdooFormat, gzip: bool) -> PathBuf {
    let mut truth = loggen::shop_week(SEED, 10.0);
    truth.hours = 2;
    for c in &mut truth.classes {
        c.hours = [1.0; 24];
        c.weekdays = [1.0; 7];
    }
    let path = dir.join(if gzip { "odoo.log.gz" } else { "odoo.log" });
    loggen::generate(
        &truth,
        Some(Target {
            path: &path,
            format: odoo,
            gzip,
        }),
        None::<Target<'_, TraefikFormat>>,
    );
    path
}

fn lines(path: &Path) -> Vec<String> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect()
}

#[test]
fn malformed_lines_are_counted_and_shown_with_their_line_numbers() {
    let dir = tempfile::tempdir().unwrap();
    let log = two_hours(dir.path(), OdooFormat::Plain, false);
    let mut l = lines(&log);
    let n = l.len();
    // Line 3 loses its tail, line 6 gets a bad number, line 9 is noise, line 12 is not UTF-8.
    let cut = l[2].len() / 2;
    l[2].truncate(cut);
    l[5].push('x');
    l[8] = "this is not a log line".into();
    let mut bytes = l.join("\n").into_bytes();
    let at = bytes
        .iter()
        .enumerate()
        .filter(|(_, b)| **b == b'\n')
        .nth(10)
        .unwrap()
        .0
        + 1;
    bytes.insert(at, 0xff);
    std::fs::write(&log, bytes).unwrap();

    let o = calibrate(&[&log], &dir.path().join("out"), &[]);
    let err = text(&o.stderr);
    assert!(o.status.success(), "{err}");
    assert!(err.contains(&format!("4 of {n} lines skipped")), "{err}");
    for line in [
        ":3: ",
        ":6: ",
        ":9: not an Odoo or Traefik log line",
        ":12: not UTF-8",
    ] {
        assert!(err.contains(line), "`{line}` not in: {err}");
    }
    let report = std::fs::read_to_string(dir.path().join("out/report.md")).unwrap();
    assert!(report.contains("4 of"), "{report}");
}

#[test]
fn a_truncated_gzip_file_says_where_it_ended_and_uses_the_lines_before() {
    let dir = tempfile::tempdir().unwrap();
    let log = two_hours(dir.path(), OdooFormat::Json, true);
    let bytes = std::fs::read(&log).unwrap();
    std::fs::write(&log, &bytes[..bytes.len() * 9 / 10]).unwrap();
    let o = calibrate(&[&log], &dir.path().join("out"), &[]);
    let err = text(&o.stderr);
    assert!(o.status.success(), "{err}");
    assert!(err.contains("ends early after line"), "{err}");
    assert!(err.contains("truncated or damaged gzip"), "{err}");
    // The cut line itself is counted as skipped (not valid JSON), never dropped silently.
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn mixed_formats_in_one_file_are_all_read() {
    let dir = tempfile::tempdir().unwrap();
    let mut truth = loggen::shop_week(SEED, 10.0);
    truth.hours = 2;
    let (o, t) = (dir.path().join("o"), dir.path().join("t"));
    let w = loggen::generate(
        &truth,
        Some(Target {
            path: &o,
            format: OdooFormat::Json,
            gzip: false,
        }),
        Some(Target {
            path: &t,
            format: TraefikFormat::Clf,
            gzip: false,
        }),
    );
    let (lo, lt) = (lines(&o), lines(&t));
    let mut mixed = std::fs::File::create(dir.path().join("mixed.log")).unwrap();
    for i in 0..lo.len().max(lt.len()) {
        for l in [lo.get(i), lt.get(i)].into_iter().flatten() {
            writeln!(mixed, "{l}").unwrap();
        }
    }
    drop(mixed);
    let out = dir.path().join("out");
    let run = calibrate(&[&dir.path().join("mixed.log")], &out, &[]);
    assert!(run.status.success(), "{}", text(&run.stderr));
    assert_eq!(text(&run.stderr), "", "every line read");
    let report = std::fs::read_to_string(out.join("report.md")).unwrap();
    let row = report.lines().find(|l| l.contains("mixed.log")).unwrap();
    let cells: Vec<&str> = row.split('|').map(str::trim).collect();
    let num = |s: &str| s.replace(',', "").parse::<u64>().unwrap();
    assert_eq!(num(cells[3]), w.odoo_lines, "{row}");
    assert_eq!(num(cells[4]), w.traefik_lines, "{row}");
    assert_eq!(num(cells[6]), 0, "{row}");
}

#[test]
fn empty_and_unrecognised_logs_exit_2_with_counts() {
    let dir = tempfile::tempdir().unwrap();
    let empty = dir.path().join("empty.log");
    std::fs::write(&empty, "").unwrap();
    let out = dir.path().join("out");
    bad(
        &calibrate(&[&empty], &out, &[]),
        &["no request line of Odoo or Traefik", "(0 lines read)"],
    );
    let noise = dir.path().join("noise.log");
    std::fs::write(&noise, "hello\nworld\n{\"a\": 1}\n").unwrap();
    bad(
        &calibrate(&[&noise], &out, &[]),
        &[
            "(3 lines read)",
            "3 of 3 lines skipped",
            "noise.log:1:",
            "noise.log:3:",
        ],
    );
    // Odoo's other loggers only: read, but no request.
    let other = dir.path().join("other.log");
    std::fs::write(
        &other,
        "2024-05-06 10:00:00,123 4242 INFO shop odoo.modules.loading: 42 modules loaded\n",
    )
    .unwrap();
    bad(
        &calibrate(&[&other], &out, &[]),
        &["no request line", "(1 lines read)"],
    );
    let gz = dir.path().join("empty.gz");
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    e.write_all(b"").unwrap();
    std::fs::write(&gz, e.finish().unwrap()).unwrap();
    bad(&calibrate(&[&gz], &out, &[]), &["no request line"]);
    assert!(!out.exists(), "nothing written on bad input");
}

#[test]
fn overlapping_rules_name_both_rules_and_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let log = two_hours(dir.path(), OdooFormat::Plain, false);
    let rules = dir.path().join("rules.txt");
    std::fs::write(
        &rules,
        "# mine\n/shop/category/* category\n/shop/*/chairs-3 chairs\n/** other\n",
    )
    .unwrap();
    let r = rules.to_str().unwrap();
    bad(
        &calibrate(&[&log], &dir.path().join("out"), &["--rules", r]),
        &[
            "overlapping rules",
            "/shop/category/chairs-3",
            "rules.txt:2",
            "rules.txt:3",
            "`category`",
            "`chairs`",
        ],
    );
    std::fs::write(&rules, "/shop/** browse\n/shop/** shop\n").unwrap();
    bad(
        &calibrate(&[&log], &dir.path().join("out"), &["--rules", r]),
        &["same pattern", "rules.txt:1", "rules.txt:2"],
    );
    std::fs::write(&rules, "shop/** browse\n").unwrap();
    bad(
        &calibrate(&[&log], &dir.path().join("out"), &["--rules", r]),
        &["rules.txt:1", "starts with `/`"],
    );
}

#[test]
fn a_period_shorter_than_an_hour_exits_2() {
    let dir = tempfile::tempdir().unwrap();
    let log = two_hours(dir.path(), OdooFormat::Plain, false);
    let l = lines(&log);
    // The first 20 minutes or so: lines before 00:20.
    let short: Vec<&String> = l
        .iter()
        .filter(|x| x.starts_with("2024-05-06 00:0") || x.starts_with("2024-05-06 00:1"))
        .collect();
    assert!(short.len() > 10);
    let cut = dir.path().join("short.log");
    std::fs::write(
        &cut,
        short.iter().map(|s| format!("{s}\n")).collect::<String>(),
    )
    .unwrap();
    bad(
        &calibrate(&[&cut], &dir.path().join("out"), &[]),
        &["a weekly baseline needs at least one hour", "minutes"],
    );
}

#[test]
fn missing_files_and_directories_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    bad(
        &calibrate(
            &[&dir.path().join("nope.log")],
            &dir.path().join("out"),
            &[],
        ),
        &["cannot read log", "nope.log"],
    );
    bad(
        &calibrate(&[dir.path()], &dir.path().join("out"), &[]),
        &["is a directory"],
    );
    let o = peakplan(&["calibrate", "-q", "x.log"]);
    assert_eq!(code(&o), 2, "{}", text(&o.stderr));
    let o = peakplan(&["calibrate", "--check", "/nonexistent.yaml", "x.log"]);
    assert_eq!(code(&o), 2, "{}", text(&o.stderr));
}

/// Traefik's log alone: arrivals and latency from Traefik, the work from its
/// `OriginDuration` (said in the profile), no queries; the scenario validates.
#[test]
fn traefik_alone_stands_in_for_the_work() {
    let dir = tempfile::tempdir().unwrap();
    let mut truth = loggen::shop_week(SEED, 10.0);
    truth.hours = 3;
    let log = dir.path().join("traefik.json");
    loggen::generate(
        &truth,
        None::<Target<'_, OdooFormat>>,
        Some(Target {
            path: &log,
            format: TraefikFormat::Json,
            gzip: false,
        }),
    );
    let out = dir.path().join("out");
    let o = calibrate(&[&log], &out, &[]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let profile = std::fs::read_to_string(out.join("profiles/browse.yaml")).unwrap();
    assert!(profile.contains("no Odoo line for this class"), "{profile}");
    assert!(!profile.contains("\nqueries:"), "{profile}");
    let scenario = out.join("scenario.yaml");
    let v = peakplan(&["validate", scenario.to_str().unwrap()]);
    assert!(v.status.success(), "{}{}", text(&v.stdout), text(&v.stderr));
}

/// Requests that reach no class — every one dropped (`-`) or matched by no rule — exit 2
/// with the counts, never a panic.
#[test]
fn requests_that_reach_no_class_exit_2_with_counts() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("ws.log");
    let line = |t: &str, path: &str| {
        format!(
            "2024-05-06 {t},000 4242 INFO shop werkzeug: 10.0.0.5 - - [06/May/2024 {t}] \"GET {path} HTTP/1.1\" 101 - 1 0.001 0.002\n"
        )
    };
    std::fs::write(
        &log,
        line("10:00:00", "/websocket") + &line("12:00:00", "/websocket"),
    )
    .unwrap();
    bad(
        &calibrate(&[&log], &dir.path().join("out"), &[]),
        &["none of the 2 requests read reached a class", "2 dropped"],
    );
    let rules = dir.path().join("rules.txt");
    std::fs::write(&rules, "/shop/** browse\n").unwrap();
    bad(
        &calibrate(
            &[&log],
            &dir.path().join("out"),
            &["--rules", rules.to_str().unwrap()],
        ),
        &["2 matched no rule", "e.g. /websocket", "/** other"],
    );
}

/// `--check` on logs whose requests reach no class: exit 2, not an empty "ok".
#[test]
fn check_with_no_class_reached_exits_2() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("ws.log");
    std::fs::write(
        &log,
        "2024-05-06 10:00:00,000 4242 INFO shop werkzeug: 10.0.0.5 - - [06/May/2024 10:00:00] \"GET /websocket HTTP/1.1\" 101 - 1 0.001 0.002\n",
    )
    .unwrap();
    let o = peakplan(&[
        "calibrate",
        "-q",
        "--check",
        "scenarios/quickstart.yaml",
        log.to_str().unwrap(),
    ]);
    bad(&o, &["reached a class"]);
}

/// Every cut and every multi-byte character inserted anywhere in a line of each format:
/// read without a panic, each line counted once.
#[test]
fn cut_and_mangled_lines_never_panic() {
    let dir = tempfile::tempdir().unwrap();
    let mut truth = loggen::shop_week(SEED, 10.0);
    truth.hours = 1;
    let mut samples = Vec::new();
    for (o, t) in [
        (Some(OdooFormat::Plain), None),
        (Some(OdooFormat::Json), None),
        (None, Some(TraefikFormat::Clf)),
        (None, Some(TraefikFormat::Json)),
    ] {
        let path = dir.path().join("sample.log");
        loggen::generate(
            &truth,
            o.map(|format| Target {
                path: &path,
                format,
                gzip: false,
            }),
            t.map(|format| Target {
                path: &path,
                format,
                gzip: false,
            }),
        );
        samples.extend(
            lines(&path)
                .into_iter()
                .filter(|l| l.contains("/shop"))
                .take(2),
        );
    }
    let mut mangled = String::new();
    let mut n = 0u64;
    for s in &samples {
        for (i, _) in s.char_indices() {
            for variant in [s[..i].to_owned(), format!("{}é{}", &s[..i], &s[i..])] {
                mangled += &variant;
                mangled.push('\n');
                n += 1;
            }
        }
    }
    let log = dir.path().join("mangled.log");
    std::fs::write(&log, mangled).unwrap();
    let read = peakplan::calibrate::read::read(&[log], &mut |_| Ok(())).unwrap();
    assert_eq!(read.lines(), n);
    let f = &read.files[0];
    assert_eq!(f.odoo + f.traefik + f.other + f.skipped, n);
}
