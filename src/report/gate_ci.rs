//! The gate for CI systems: JUnit XML (one testcase per metric × class; a regression is
//! a failure, an undecided row a failure of type `undecided` — the job fails on it too,
//! exit 8 —, a row not gated or without data is skipped) and GitHub Actions workflow
//! commands (`::error` for a regression, `::warning` for an undecided row).

use super::gate::sentence;
use crate::study::gate::{Decision, Gate};

fn xml_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // Control characters other than tab and newlines are not allowed in XML 1.0.
            c if c.is_control() && !matches!(c, '\t' | '\n' | '\r') => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// The JUnit XML report.
pub fn junit(g: &Gate) -> String {
    let tests = g.rows.len();
    let failures = g.count(Decision::Regression) + g.count(Decision::Undecided);
    let skipped = g.count(Decision::NotGated) + g.count(Decision::NoData);
    let counts =
        format!("tests=\"{tests}\" failures=\"{failures}\" errors=\"0\" skipped=\"{skipped}\"");
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    out += &format!("<testsuites name=\"peakplan gate\" {counts}>\n");
    out += &format!(
        "  <testsuite name=\"peakplan gate: {}\" {counts}>\n",
        xml_escape(&g.scenario)
    );
    for r in &g.rows {
        let open = format!(
            "    <testcase classname=\"peakplan.gate.{}\" name=\"{}\"",
            r.metric.name(),
            xml_escape(&r.subject())
        );
        let text = xml_escape(&sentence(r));
        let body = match r.decision {
            Decision::Regression | Decision::Undecided => format!(
                "      <failure type=\"{}\" message=\"{text}\">{text}</failure>\n",
                r.decision.name()
            ),
            Decision::NotGated | Decision::NoData => {
                format!("      <skipped message=\"{text}\"/>\n")
            }
            Decision::Pass | Decision::Improved => {
                format!("      <system-out>{text}</system-out>\n")
            }
        };
        out += &format!("{open}>\n{body}    </testcase>\n");
    }
    out += "  </testsuite>\n</testsuites>\n";
    out
}

/// A workflow command's message: `%`, CR and LF escaped.
fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// A workflow command's property: also `:` and `,`.
fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

/// GitHub Actions annotations, one line per regression (`::error`) and undecided row
/// (`::warning`).
pub fn annotations(g: &Gate) -> String {
    g.rows
        .iter()
        .filter_map(|r| {
            let level = match r.decision {
                Decision::Regression => "error",
                Decision::Undecided => "warning",
                _ => return None,
            };
            let title = format!(
                "peakplan gate: {} {} {}",
                r.decision.name(),
                r.metric.name(),
                r.subject()
            );
            Some(format!(
                "::{level} title={}::{}\n",
                escape_property(&title),
                escape_data(&sentence(r))
            ))
        })
        .collect()
}
