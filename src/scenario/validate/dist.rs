//! Demand distributions → [`Dist`]: the family named by `dist`, its parameters checked,
//! durations converted to seconds, keys of other families refused.

use super::super::located::{Located, Pos, Text};
use super::super::raw::{self, DistKind};
use super::super::units;
use super::Ctx;
use crate::model::{Dist, MAX_COUNT_MEAN, MAX_COUNT_SAMPLE, readable};

/// Most values in an empirical distribution.
const MAX_EMPIRICAL: usize = 100_000;

/// What a distribution measures: durations take units and end up in seconds.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Measure {
    Duration,
    Count,
    /// Sizes (`512MiB`), in MiB.
    Size,
}

/// A distribution value: seconds for durations, a plain number ≥ 0 for counts.
fn value(cx: &mut Ctx, v: &Located<Text>, path: &str, measure: Measure) -> Option<f64> {
    let parsed = match measure {
        Measure::Duration => units::parse_duration(&v.value.0).map(|t| t.as_secs_f64()),
        Measure::Count => units::parse_number(&v.value.0),
        Measure::Size => units::parse_size(&v.value.0).map(|b| b as f64 / (1024.0 * 1024.0)),
    };
    match parsed {
        Ok(x) if x >= 0.0 => Some(x),
        Ok(x) => {
            cx.error(v.pos, path, format!("must be ≥ 0, found {x}"), None);
            None
        }
        Err(e) => {
            cx.error(v.pos, path, e.message, Some(e.hint));
            None
        }
    }
}

/// Validates a distribution; `default` (a constant) when absent, else required.
pub fn dist(
    cx: &mut Ctx,
    d: Option<&Located<raw::DistSpec>>,
    at: Pos,
    path: &str,
    measure: Measure,
    default: Option<f64>,
) -> Option<Dist> {
    let example = match measure {
        Measure::Duration => "e.g. `{dist: lognormal, mean: 60ms, cv: 1.2}`",
        Measure::Count => "e.g. `{dist: constant, value: 12}`",
        Measure::Size => "e.g. `{dist: exponential, mean: 2MiB}`",
    };
    let Some(d) = d else {
        if default.is_none() {
            cx.missing(at, path, &format!("add a distribution, {example}"));
        }
        return default.map(Dist::constant);
    };
    let (at, s) = (d.pos, &d.value);
    let Some(kind) = &s.dist else {
        cx.missing(
            at,
            &format!("{path}.dist"),
            &format!(
                "name the family: constant, exponential, lognormal, gamma or empirical; {example}"
            ),
        );
        return None;
    };
    let kind = kind.value;
    let (name, allowed): (&str, &[&str]) = match kind {
        DistKind::Constant => ("constant", &["value"]),
        DistKind::Exponential => ("exponential", &["mean"]),
        DistKind::Lognormal => ("lognormal", &["mean", "cv"]),
        DistKind::Gamma => ("gamma", &["mean", "cv"]),
        DistKind::Empirical => ("empirical", &["values", "weights"]),
    };
    let present = [
        ("value", s.value.as_ref().map(|v| v.pos)),
        ("mean", s.mean.as_ref().map(|v| v.pos)),
        ("cv", s.cv.as_ref().map(|v| v.pos)),
        ("values", s.values.as_ref().map(|v| v.pos)),
        ("weights", s.weights.as_ref().map(|v| v.pos)),
    ];
    let mut ok = true;
    for (key, pos) in present {
        if let Some(pos) = pos.filter(|_| !allowed.contains(&key)) {
            cx.error(
                pos,
                &format!("{path}.{key}"),
                format!("`{key}` does not apply to a {name} distribution"),
                Some(format!("{name} takes: {}", allowed.join(", "))),
            );
            ok = false;
        }
    }
    let positive = |cx: &mut Ctx, v: Option<&Located<Text>>, key: &str| -> Option<f64> {
        let p = format!("{path}.{key}");
        let Some(v) = v else {
            cx.missing(at, &p, &format!("{name} needs `{key}`; {example}"));
            return None;
        };
        let x = value(cx, v, &p, measure)?;
        if x <= 0.0 {
            cx.error(
                v.pos,
                &p,
                format!("{key} must be > 0"),
                Some("use `dist: constant` with `value: 0` for no demand".into()),
            );
            return None;
        }
        Some(x)
    };
    let cv = |cx: &mut Ctx| -> Option<f64> {
        let p = format!("{path}.cv");
        let Some(v) = &s.cv else {
            cx.missing(at, &p, "add a coefficient of variation > 0, e.g. `cv: 1.2`");
            return None;
        };
        if v.value > 0.0 && v.value <= 100.0 {
            return Some(v.value);
        }
        cx.error(
            v.pos,
            &p,
            format!("cv must be in (0, 100], found {}", v.value),
            Some("cv = standard deviation / mean; 1 is exponential-like".into()),
        );
        None
    };
    let built = match kind {
        DistKind::Constant => match &s.value {
            Some(v) => value(cx, v, &format!("{path}.value"), measure).map(Dist::constant),
            None => {
                cx.missing(
                    at,
                    &format!("{path}.value"),
                    &format!("constant needs `value`; {example}"),
                );
                None
            }
        },
        DistKind::Exponential => positive(cx, s.mean.as_ref(), "mean")
            .and_then(|mean| sampleable(cx, at, path, Dist::exponential(mean))),
        DistKind::Lognormal | DistKind::Gamma => {
            let (mean, cv) = (positive(cx, s.mean.as_ref(), "mean"), cv(cx));
            let (mean, cv) = (mean?, cv?);
            let built = if kind == DistKind::Gamma {
                Dist::gamma(mean, cv)
            } else {
                Dist::lognormal(mean, cv)
            };
            sampleable(cx, at, path, built)
        }
        DistKind::Empirical => empirical(cx, s, at, path, measure),
    };
    let built = built.filter(|_| ok)?;
    let mean = built.mean();
    if measure == Measure::Count && (mean.is_nan() || mean > MAX_COUNT_MEAN) {
        cx.error(
            at,
            path,
            format!(
                "a mean of {} per request; a count's mean is at most {MAX_COUNT_MEAN:.0}",
                readable(mean)
            ),
            Some(format!(
                "counts are looped over per request (draws are capped at {MAX_COUNT_SAMPLE}); check the value, e.g. `{{dist: constant, value: 12}}`"
            )),
        );
        return None;
    }
    Some(built)
}

/// A distribution the model could build, or a diagnostic saying why not.
fn sampleable(cx: &mut Ctx, at: Pos, path: &str, built: Result<Dist, String>) -> Option<Dist> {
    built
        .map_err(|e| {
            cx.error(
                at,
                path,
                e,
                Some("a value that does not vary is `{dist: constant, value: …}`; keep cv ≥ 1e-6 and the mean plausible".into()),
            )
        })
        .ok()
}

fn empirical(
    cx: &mut Ctx,
    s: &raw::DistSpec,
    at: Pos,
    path: &str,
    measure: Measure,
) -> Option<Dist> {
    let Some(values) = &s.values else {
        cx.missing(
            at,
            &format!("{path}.values"),
            "list observed values, e.g. `values: [40ms, 60ms, 2s]`",
        );
        return None;
    };
    let n = values.value.len();
    if n == 0 || n > MAX_EMPIRICAL {
        cx.error(
            values.pos,
            &format!("{path}.values"),
            format!("expected 1 to {MAX_EMPIRICAL} values, found {n}"),
            None,
        );
        return None;
    }
    let xs: Vec<Option<f64>> = values
        .value
        .iter()
        .enumerate()
        .map(|(i, v)| value(cx, v, &format!("{path}.values[{i}]"), measure))
        .collect();
    let weights = match &s.weights {
        None => Some(None),
        Some(w) if w.value.len() != n => {
            cx.error(
                w.pos,
                &format!("{path}.weights"),
                format!("{} weights for {n} values", w.value.len()),
                Some("give one weight per value, or none for equal weights".into()),
            );
            None
        }
        Some(w) => {
            let bad = w
                .value
                .iter()
                .enumerate()
                .find(|(_, x)| !(x.value.is_finite() && x.value >= 0.0));
            let sum: f64 = w.value.iter().map(|x| x.value).sum();
            if let Some((i, x)) = bad {
                cx.error(
                    x.pos,
                    &format!("{path}.weights[{i}]"),
                    format!("weight must be ≥ 0, found {}", x.value),
                    None,
                );
                None
            } else if sum <= 0.0 || !sum.is_finite() {
                cx.error(
                    w.pos,
                    &format!("{path}.weights"),
                    "weights must have a positive sum",
                    None,
                );
                None
            } else {
                Some(Some(w.value.iter().map(|x| x.value).collect::<Vec<f64>>()))
            }
        }
    };
    let xs: Option<Vec<f64>> = xs.into_iter().collect();
    let (xs, weights) = (xs?, weights?);
    Some(Dist::empirical(xs, weights.as_deref()))
}
