//! Common random numbers: a stream is named by what draws it, never by a position, so
//! reordering the workloads of a scenario gives every class the same figures, and a
//! request gets the same work whatever else the scenario holds.

mod common;

use common::{model, root, run_seeded};
use serde_json::Value;

/// `yaml` with the entries of its top-level `workloads:` mapping in reverse order (`None`
/// with fewer than two).
fn workloads_reversed(yaml: &str) -> Option<String> {
    let lines: Vec<&str> = yaml.lines().collect();
    let start = lines
        .iter()
        .position(|l| l.starts_with("workloads:"))
        .expect("a workloads section");
    let end = (start + 1..lines.len())
        .find(|&i| {
            let l = lines[i];
            !l.is_empty() && !l.starts_with(' ') && !l.starts_with('#')
        })
        .unwrap_or(lines.len());
    // An entry begins at a key indented by exactly two spaces.
    let is_key =
        |l: &str| l.starts_with("  ") && !l[2..].starts_with([' ', '#']) && l.trim_end().len() > 2;
    let mut entries: Vec<Vec<&str>> = Vec::new();
    for &l in &lines[start + 1..end] {
        if is_key(l) || entries.is_empty() {
            entries.push(Vec::new());
        }
        entries.last_mut().unwrap().push(l);
    }
    if entries.len() < 2 {
        return None;
    }
    entries.reverse();
    let mut out: Vec<&str> = lines[..=start].to_vec();
    out.extend(entries.into_iter().flatten());
    out.extend(&lines[end..]);
    Some(out.join("\n") + "\n")
}

/// Each class's JSON figures by name, and the estate's resources.
fn figures(yaml: &str) -> (Vec<(String, Value)>, Value) {
    let m = model(yaml);
    let r = run_seeded(&m, 1, 1);
    assert!(r.run.events > 0);
    let mut classes: Vec<(String, Value)> = r
        .classes
        .iter()
        .map(|c| (c.name.clone(), serde_json::to_value(c).unwrap()))
        .collect();
    classes.sort_by(|a, b| a.0.cmp(&b.0));
    (classes, serde_json::to_value(&r.resources).unwrap())
}

#[test]
fn reordering_the_workloads_changes_no_class_figure() {
    let mut names: Vec<_> = std::fs::read_dir(root().join("scenarios"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.ends_with(".yaml"))
        .collect();
    names.sort();
    for name in names {
        let yaml = std::fs::read_to_string(root().join("scenarios").join(&name)).unwrap();
        let Some(reversed) = workloads_reversed(&yaml) else {
            continue;
        };
        assert_ne!(yaml, reversed);
        let t = std::time::Instant::now();
        // The two variants side by side, one thread each.
        let ((a, ra), (b, rb)) = std::thread::scope(|s| {
            let first = s.spawn(|| figures(&yaml));
            let second = figures(&reversed);
            (first.join().unwrap(), second)
        });
        assert_eq!(a.len(), b.len(), "{name}");
        for ((na, va), (_, vb)) in a.iter().zip(&b) {
            assert_eq!(
                va, vb,
                "{name}, seed 1: class `{na}` moved when the workloads were reordered"
            );
        }
        assert_eq!(
            ra, rb,
            "{name}, seed 1: the resources moved when the workloads were reordered"
        );
        eprintln!("{name}: {:.1} s", t.elapsed().as_secs_f64());
    }
}

/// A scenario with `report` (a CPU-only class on ample workers: its latency is its own
/// work, nothing else) and, if `with_other`, an unrelated class listed before it.
fn report_scenario(with_other: bool) -> String {
    let other = if with_other {
        "  export:\n    rate: 3/s\n    odoo_cpu: {dist: lognormal, mean: 80ms, cv: 1}\n"
    } else {
        ""
    };
    format!(
        "version: 1\nname: crn\nhorizon: {{start: 2026-11-23T09:00, timezone: UTC, duration: 1h}}\n\
         workloads:\n{other}  report:\n    rate: 2/s\n    odoo_cpu: {{dist: gamma, mean: 150ms, cv: 0.8}}\n\
         estate:\n  odoo: {{pods: 1, workers: 60}}\n  postgres: {{cores: 4}}\n"
    )
}

#[test]
fn an_unrelated_class_leaves_a_request_its_work() {
    // With 60 workers for ≈ 0.5 busy, no request waits: `report`'s latencies are exactly
    // its requests' CPU draws, which must not move when another class joins the estate.
    let (alone, _) = figures(&report_scenario(false));
    let (joined, _) = figures(&report_scenario(true));
    let report = |v: &[(String, Value)]| v.iter().find(|c| c.0 == "report").unwrap().1.clone();
    assert_eq!(report(&alone), report(&joined), "seed 1");
    // And the figures are real: the mean latency is the gamma's mean within 3 %.
    let mean = report(&alone)["latency_s_mean"]["mean"].as_f64().unwrap();
    assert!((mean - 0.150).abs() < 0.0045, "seed 1: mean {mean}");
}
