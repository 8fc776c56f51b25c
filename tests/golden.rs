//! Golden results: `result.json` of every shipped scenario at a fixed seed, frozen in
//! `tests/golden/`. A change that only moves code must keep them byte-identical; a change
//! that means to alter results refreshes them in its own commit, so a reviewer sees the
//! figures move in the diff:
//!
//! ```sh
//! PEAKPLAN_BLESS=1 cargo test --release --test golden   # rewrite tests/golden/*.json
//! git diff --stat tests/golden                         # what moved
//! ```

mod common;

use common::{peakplan, root, text};
use serde_json::Value;

/// Seed and replications of every golden run: two replications so the confidence
/// intervals are real numbers, short enough for CI (≈ 30 s for all scenarios).
const SEED: &str = "1";
const REPLICATIONS: &str = "2";

/// Simulates `scenario` (relative to the crate) and returns its `result.json` bytes.
fn result_json(scenario: &str) -> Vec<u8> {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().to_str().unwrap();
    let args = [
        "simulate",
        scenario,
        "--quiet",
        "--no-pdf",
        "--no-charts",
        "--seed",
        SEED,
        "--replications",
        REPLICATIONS,
        "--out",
        out,
    ];
    let o = peakplan(&args);
    // 5 or 6: an objective breaks or is undecided — the result is written all the same.
    assert!(
        matches!(o.status.code(), Some(0 | 5 | 6)),
        "{scenario}: {:?} {}",
        o.status.code(),
        text(&o.stderr)
    );
    std::fs::read(dir.path().join("result.json")).unwrap()
}

/// The first place where two JSON values differ, as a path (`classes[2].latency_s_p95.mean`).
fn first_difference(path: &str, a: &Value, b: &Value) -> Option<String> {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            for (k, va) in x {
                let Some(vb) = y.get(k) else {
                    return Some(format!("{path}.{k}: missing in the new result"));
                };
                if let Some(d) = first_difference(&format!("{path}.{k}"), va, vb) {
                    return Some(d);
                }
            }
            y.keys()
                .find(|k| !x.contains_key(*k))
                .map(|k| format!("{path}.{k}: new in the new result"))
        }
        (Value::Array(x), Value::Array(y)) if x.len() != y.len() => Some(format!(
            "{path}: golden has {} entries, now {}",
            x.len(),
            y.len()
        )),
        (Value::Array(x), Value::Array(y)) => x
            .iter()
            .zip(y)
            .enumerate()
            .find_map(|(i, (va, vb))| first_difference(&format!("{path}[{i}]"), va, vb)),
        _ if a == b => None,
        _ => Some(format!("{path}: golden {a} → now {b}")),
    }
}

/// Every arrival of every class ended exactly once — completed, one error cause, or in
/// flight at the horizon — in the shipped scenario `name`'s result.
fn assert_conserved(name: &str, v: &Value) {
    for c in v["classes"].as_array().unwrap() {
        let t = &c["totals"];
        let n = |x: &Value| x.as_u64().unwrap();
        let errors: u64 = t["errors"].as_object().unwrap().values().map(n).sum();
        let ended = n(&t["completed"]) + errors + n(&t["in_flight_at_horizon"]);
        assert_eq!(ended, n(&t["arrivals"]), "{name}, class {}: {t}", c["name"]);
    }
}

#[test]
fn shipped_scenarios_match_their_golden_results() {
    let bless = std::env::var_os("PEAKPLAN_BLESS").is_some();
    let golden_dir = root().join("tests").join("golden");
    let mut scenarios: Vec<String> = std::fs::read_dir(root().join("scenarios"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.ends_with(".yaml"))
        .collect();
    scenarios.sort();
    let mut failures = Vec::new();
    for name in &scenarios {
        let now = result_json(&format!("scenarios/{name}"));
        assert_conserved(name, &serde_json::from_slice(&now).unwrap());
        let file = golden_dir.join(name.replace(".yaml", ".json"));
        if bless {
            std::fs::create_dir_all(&golden_dir).unwrap();
            std::fs::write(&file, &now).unwrap();
            continue;
        }
        let Ok(golden) = std::fs::read(&file) else {
            failures.push(format!("{name}: no golden file {}", file.display()));
            continue;
        };
        if golden != now {
            let (g, n): (Value, Value) = (
                serde_json::from_slice(&golden).unwrap(),
                serde_json::from_slice(&now).unwrap(),
            );
            let at = first_difference("", &g, &n).unwrap_or_else(|| "bytes only".into());
            failures.push(format!("{name} (seed {SEED}): {at}"));
        }
    }
    assert!(
        failures.is_empty(),
        "results differ from tests/golden (refresh with PEAKPLAN_BLESS=1 if meant):\n{}",
        failures.join("\n")
    );
}
