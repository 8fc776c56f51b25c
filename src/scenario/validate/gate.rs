//! `gate:` → the sizing gate's tolerance rules, checked against the assembled model: a
//! metric peakplan gates, a class of `workloads` (or, for `slo`, an objective of
//! `slos`), a percentage or `off`. Unknown names are errors with "did you mean".

use super::super::located::{Located, TextOrOff};
use super::super::raw;
use super::super::suggest;
use super::Ctx;
use crate::model::Model;
use crate::model::gate::{GateMetric, MAX_GATE_RULES, ToleranceRule, parse_key, parse_tolerance};

/// The validated rules (`None` if any was wrong; each problem is recorded).
pub fn gate(cx: &mut Ctx, g: Option<&Located<raw::Gate>>, m: &Model) -> Option<Vec<ToleranceRule>> {
    let Some(list) = g.and_then(|g| g.value.tolerances.as_ref()) else {
        return Some(Vec::new());
    };
    if list.value.0.len() > MAX_GATE_RULES {
        let msg = format!(
            "{} tolerances; the limit is {MAX_GATE_RULES}",
            list.value.0.len()
        );
        cx.error(list.pos, "gate.tolerances", msg, None);
        return None;
    }
    let mut out = Vec::new();
    let mut ok = true;
    for (key, value) in &list.value.0 {
        match rule(cx, key, value, m) {
            Some(r) => out.push(r),
            None => ok = false,
        }
    }
    ok.then_some(out)
}

fn rule(
    cx: &mut Ctx,
    key: &Located<String>,
    value: &Located<TextOrOff>,
    m: &Model,
) -> Option<ToleranceRule> {
    let path = format!("gate.tolerances.{}", key.value);
    let parsed =
        parse_key(&key.value, suggest::hint).and_then(|(metric, subject)| match &subject {
            Some(s) => known_subject(metric, s, m).map(|()| (metric, subject)),
            None => Ok((metric, subject)),
        });
    let (metric, subject) = parsed
        .map_err(|(msg, hint)| cx.error(key.pos, &path, msg, Some(hint)))
        .ok()?;
    let tolerance = parse_tolerance(&value.value.0)
        .map_err(|(msg, hint)| cx.error(value.pos, &path, msg, Some(hint)))
        .ok()?;
    Some(ToleranceRule {
        metric,
        subject,
        tolerance,
    })
}

/// A class of the scenario, or for `slo` one of its objectives.
fn known_subject(metric: GateMetric, subject: &str, m: &Model) -> Result<(), (String, String)> {
    let mut names: Vec<&str> = if metric == GateMetric::Slo {
        m.slos.iter().map(|s| s.name.as_str()).collect()
    } else {
        m.classes.iter().map(|c| c.name.as_str()).collect()
    };
    names.dedup();
    if names.contains(&subject) {
        return Ok(());
    }
    let hint = if names.is_empty() {
        "the scenario has no objectives (`slos:`)".to_owned()
    } else {
        suggest::hint(subject, &names)
    };
    Err((
        format!(
            "no {} named `{subject}` for `{}`",
            metric.subject_kind(),
            metric.name()
        ),
        hint,
    ))
}
