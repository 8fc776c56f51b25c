//! Reports through the real binary: the `--out` bundle, CSV consistent with the JSON,
//! byte-identical output for the same input, the PDF as a reader gets it (via poppler's
//! `pdftotext`/`pdftoppm` when installed), and clear refusals of bad result files.

mod common;

use common::{peakplan, text};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

/// Simulates the quickstart with 2 replications into `dir`.
fn quickstart_into(dir: &Path) {
    let o = peakplan(&[
        "simulate",
        "scenarios/quickstart.yaml",
        "-q",
        "-r",
        "2",
        "--seed",
        "3",
        "--out",
        dir.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0), "stderr: {}", text(&o.stderr));
}

/// Every file under `dir`, by relative path.
fn tree(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    fn walk(base: &Path, d: &Path, out: &mut BTreeMap<String, Vec<u8>>) {
        for e in std::fs::read_dir(d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(base, &p, out);
            } else {
                let rel = p
                    .strip_prefix(base)
                    .unwrap()
                    .to_string_lossy()
                    .replace('\\', "/");
                out.insert(rel, std::fs::read(&p).unwrap());
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

fn csv_rows(bytes: &[u8]) -> (Vec<String>, Vec<Vec<String>>) {
    let mut r = csv::Reader::from_reader(bytes);
    let header = r.headers().unwrap().iter().map(String::from).collect();
    let rows = r
        .records()
        .map(|x| x.unwrap().iter().map(String::from).collect())
        .collect();
    (header, rows)
}

#[test]
fn out_writes_the_whole_bundle_and_csv_agrees_with_json() {
    let dir = tempfile::tempdir().unwrap();
    quickstart_into(dir.path());
    let files = tree(dir.path());
    let names: Vec<&str> = files.keys().map(String::as_str).collect();
    let mut want = vec!["report.pdf", "result.json"];
    for t in [
        "peaks",
        "resources",
        "series_coarse",
        "series_fine",
        "summary",
    ] {
        want.push(Box::leak(format!("csv/{t}.csv").into_boxed_str()));
    }
    for c in [
        "backlog",
        "demand",
        "latency-browse",
        "latency-checkout",
        "utilisation",
    ] {
        for ext in ["png", "svg"] {
            want.push(Box::leak(format!("charts/{c}.{ext}").into_boxed_str()));
        }
    }
    want.sort();
    assert_eq!(names, want, "no temporary files, nothing missing");

    let json: Value = serde_json::from_slice(&files["result.json"]).unwrap();
    let classes = json["classes"].as_array().unwrap();

    // summary.csv: class × metric, values equal to the JSON's.
    let (header, rows) = csv_rows(&files["csv/summary.csv"]);
    assert_eq!(header, ["class", "metric", "mean", "ci95_half_width"]);
    for c in classes {
        let name = c["name"].as_str().unwrap();
        for metric in [
            "throughput_per_s",
            "latency_s_p95",
            "errors_per_s.backlog_full",
        ] {
            let row = rows
                .iter()
                .find(|r| r[0] == name && r[1] == metric)
                .unwrap_or_else(|| panic!("{name} {metric} missing"));
            let pointer = format!("/{}", metric.replace('.', "/"));
            let e = c.pointer(&pointer).unwrap();
            assert_eq!(
                row[2].parse::<f64>().unwrap(),
                e["mean"].as_f64().unwrap(),
                "{name} {metric}"
            );
            let half = e["ci95_half_width"].as_f64().unwrap();
            assert_eq!(row[3].parse::<f64>().unwrap(), half, "{name} {metric}");
        }
    }

    // resources.csv: one row per resource, in JSON order.
    let (_, rows) = csv_rows(&files["csv/resources.csv"]);
    let resources = json["resources"].as_array().unwrap();
    let names: Vec<&str> = resources
        .iter()
        .map(|r| r["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        rows.iter().map(|r| r[0].as_str()).collect::<Vec<_>>(),
        names
    );

    // Series: one row per bucket × series × metric, long format.
    let fine_buckets = json["series"]["classes"][0]["arrivals_per_s"]
        .as_array()
        .unwrap()
        .len();
    let (header, rows) = csv_rows(&files["csv/series_fine.csv"]);
    assert_eq!(
        header,
        [
            "bucket_start_s",
            "bucket_start_local",
            "kind",
            "name",
            "metric",
            "value"
        ]
    );
    // Every resource has `level_mean`; bounded ones also `utilisation`.
    let bounded = json["series"]["resources"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| !r["utilisation"].is_null())
        .count();
    assert!(bounded > 0);
    assert_eq!(
        rows.len(),
        fine_buckets * (classes.len() * 4 + resources.len() + bounded)
    );
    assert_eq!(
        rows[1][..5],
        [
            "300",
            "2026-11-23T09:05",
            "class",
            "browse",
            "arrivals_per_s"
        ]
    );
    let v = json["series"]["classes"][0]["arrivals_per_s"][1]
        .as_f64()
        .unwrap();
    assert_eq!(rows[1][5].parse::<f64>().unwrap(), v);
    let (_, rows) = csv_rows(&files["csv/series_coarse.csv"]);
    let coarse = json["series"]["classes"][0]["latency_s_p95"]
        .as_array()
        .unwrap()
        .len();
    assert_eq!(rows.len(), coarse * classes.len() * 4);
}

#[test]
fn same_input_gives_the_same_bytes_in_every_format() {
    let (a, b, c) = (
        tempfile::tempdir().unwrap(),
        tempfile::tempdir().unwrap(),
        tempfile::tempdir().unwrap(),
    );
    quickstart_into(a.path());
    quickstart_into(b.path());
    let (ta, tb) = (tree(a.path()), tree(b.path()));
    assert_eq!(ta.keys().collect::<Vec<_>>(), tb.keys().collect::<Vec<_>>());
    for (name, bytes) in &ta {
        assert!(
            bytes == &tb[name],
            "{name} differs between two runs (seed 3)"
        );
    }
    // Re-rendering the saved result gives the same files again.
    let result = a.path().join("result.json");
    let o = peakplan(&[
        "report",
        result.to_str().unwrap(),
        "-q",
        "--out",
        c.path().to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0), "stderr: {}", text(&o.stderr));
    let tc = tree(c.path());
    assert_eq!(ta.keys().collect::<Vec<_>>(), tc.keys().collect::<Vec<_>>());
    for (name, bytes) in &ta {
        assert!(bytes == &tc[name], "{name} differs after `peakplan report`");
    }
}

#[test]
fn report_writes_what_was_asked_and_prints_plain_text_when_piped() {
    let dir = tempfile::tempdir().unwrap();
    quickstart_into(dir.path());
    let result = dir.path().join("result.json");
    let pdf = dir.path().join("again/review.pdf");
    let csv = dir.path().join("tables");
    let charts = dir.path().join("figures");
    let o = peakplan(&[
        "report",
        result.to_str().unwrap(),
        "--pdf",
        pdf.to_str().unwrap(),
        "--csv",
        csv.to_str().unwrap(),
        "--charts",
        charts.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0), "stderr: {}", text(&o.stderr));
    let out = text(&o.stdout);
    // The warnings come first (all 5 workers were busy at some instant), then the
    // busiest resource.
    assert!(out.starts_with("WARNING HTTP workers"), "{out}");
    assert!(out.contains("\nbusiest resource: "), "{out}");
    assert!(!out.contains('\x1b'), "no colour codes when piped:\n{out}");
    assert!(std::fs::read(&pdf).unwrap().starts_with(b"%PDF-"));
    assert!(csv.join("summary.csv").is_file());
    assert!(charts.join("demand.png").is_file() && charts.join("demand.svg").is_file());
    assert_eq!(
        std::fs::read(&pdf).unwrap(),
        std::fs::read(dir.path().join("report.pdf")).unwrap()
    );
}

fn has(tool: &str) -> bool {
    Command::new(tool).arg("-v").output().is_ok()
}

#[test]
fn pdf_has_pages_fonts_and_real_text() {
    if !(has("pdftotext") && has("pdftoppm") && has("pdffonts")) {
        // In CI the tools are installed by .ci/run: their absence there is a failure,
        // not a reason to skip.
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must install poppler-utils (.ci/run)"
        );
        eprintln!(
            "NOTICE: poppler-utils not installed; skipping the PDF reading test (.ci/run installs them)"
        );
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    quickstart_into(dir.path());
    let pdf = dir.path().join("report.pdf");
    let json: Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("result.json")).unwrap()).unwrap();

    let o = Command::new("pdftotext")
        .args(["-layout", pdf.to_str().unwrap(), "-"])
        .output()
        .unwrap();
    assert!(o.status.success());
    let t = text(&o.stdout);
    let pages = t.matches('\x0c').count();
    assert_eq!(
        pages, 7,
        "title, summary + assumptions, tables, 3 chart pages, appendix"
    );
    for want in [
        "Capacity review",
        "quickstart",
        "Executive summary",
        "Appendix",
        "browse",
        "checkout",
        "odoo_workers_busy",
        "Estate simulated",
        "1 pod × 5 HTTP workers",
        "PostgreSQL",
        "page 7 of 7",
    ] {
        assert!(t.contains(want), "{want:?} not in the PDF text");
    }
    // The throughput of browse as the JSON has it, formatted as the class table shows it.
    let e = &json["classes"][0]["throughput_per_s"];
    let figure = format!(
        "{:.2} ± {:.2}",
        e["mean"].as_f64().unwrap(),
        e["ci95_half_width"].as_f64().unwrap()
    );
    assert!(t.contains(&figure), "{figure:?} not in the PDF text");

    let o = Command::new("pdffonts").arg(&pdf).output().unwrap();
    let fonts = text(&o.stdout);
    for line in fonts.lines().skip(2) {
        assert!(
            line.contains(" yes yes "),
            "font not embedded and subset: {line}"
        );
    }

    let prefix = dir.path().join("page");
    let o = Command::new("pdftoppm")
        .args([
            "-png",
            "-r",
            "20",
            pdf.to_str().unwrap(),
            prefix.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", text(&o.stderr));
    let rendered = std::fs::read_dir(dir.path())
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .file_name()
                .to_string_lossy()
                .starts_with("page")
        })
        .count();
    assert_eq!(rendered, 7);
}

/// Data-driven: a result file's content → exit code 2 and a phrase of the message.
#[test]
fn bad_result_files_exit_2_with_a_clear_message() {
    let dir = tempfile::tempdir().unwrap();
    quickstart_into(dir.path());
    let good = std::fs::read_to_string(dir.path().join("result.json")).unwrap();
    let newer = good.replacen("\"format_version\": 1", "\"format_version\": 2", 1);
    let cases = [
        (
            "truncated.json",
            good[..good.len() / 2].to_string(),
            "truncated",
        ),
        ("newer.json", newer, "newer peakplan (format_version 2"),
        (
            "geo.json",
            r#"{"type": "FeatureCollection", "features": []}"#.to_string(),
            "not a peakplan result",
        ),
        (
            "scenario.json",
            "version: 1\nname: x\n".to_string(),
            "not JSON",
        ),
    ];
    for (name, content, expect) in cases {
        let p = dir.path().join(name);
        std::fs::write(&p, content).unwrap();
        let o = peakplan(&["report", p.to_str().unwrap()]);
        let err = text(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{name}: {err}");
        assert!(
            err.contains(expect) && err.contains(name) && err.contains("hint:"),
            "{name}: {err}"
        );
    }
    let o = peakplan(&["report", "no/such/result.json"]);
    assert_eq!(o.status.code(), Some(2));
}
