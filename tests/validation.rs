//! The validation suite (docs/validation.md): every case's exact value inside the 95 %
//! interval with a half-width of at most 3 %, Little's law on the engine's own outputs,
//! and the published table up to date. Long: run it with `cargo test --release`.

use peakplan::validation;

#[test]
fn engine_reproduces_queueing_theory_and_the_table_is_current() {
    let rows = validation::run_all(1.0, None, 2).expect("cases run");
    let failures: Vec<String> = rows
        .iter()
        .filter(|r| !r.passed())
        .map(|r| {
            format!(
                "case {} {} {}: exact {} simulated {:?} (half-width {:.2} %), seed {}",
                r.case,
                r.model,
                r.metric,
                r.exact,
                r.simulated,
                r.relative_half_width() * 100.0,
                r.seed
            )
        })
        .collect();
    assert!(
        failures.is_empty(),
        "{} checks failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(rows.len() >= 80, "only {} checks", rows.len());

    let doc = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/validation.md"))
        .unwrap();
    let begin = "<!-- BEGIN GENERATED: peakplan selftest --markdown -->\n";
    let start = doc.find(begin).expect("generated block") + begin.len();
    let end = doc
        .find("<!-- END GENERATED -->")
        .expect("end of generated block");
    assert_eq!(
        &doc[start..end],
        validation::markdown(&rows),
        "docs/validation.md is out of date: run `cargo run --release -- selftest --markdown` and paste the table"
    );
}
