//! Test helpers shared by the model files: one comparison that names what it
//! compares, so a failing table row says which case and which metric broke.

/// Asserts `|actual - expected| <= tolerance`, where the tolerance is normally
/// half a unit in the last digit printed in `validation.md`.
pub(crate) fn assert_close(what: &str, actual: f64, expected: f64, tolerance: f64) {
    assert!(
        (actual - expected).abs() <= tolerance,
        "{what}: got {actual:.9}, expected {expected} ± {tolerance:e}"
    );
}
