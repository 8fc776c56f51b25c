//! `slos:` → [`Slo`]s, checked against the assembled model: class and event names, the
//! gauges a headroom floor may name (from the gauge table, as the results name them),
//! error causes, and windows that fall inside the observation window. Unknown names are
//! errors with "did you mean", never an objective that silently measures nothing.

use super::super::located::{Located, OrderedMap, Pos, Text};
use super::super::raw;
use super::super::suggest;
use super::super::units::{self, UnitError};
use super::Ctx;
use crate::model::{MAX_SLO_SUBJECTS, MAX_SLOS, Model, SimTime, Slo, SloMetric, SloWindow};
use crate::sim::{Cause, GaugeTable};

const OBJECTIVES: &str =
    "latency, over (with at_most), error_ratio, utilisation, backlog_age or drain";

/// The validated objectives (`None` if any was wrong; each problem is recorded).
pub fn slos(
    cx: &mut Ctx,
    list: Option<&Located<OrderedMap<Located<raw::Slo>>>>,
    m: &Model,
) -> Option<Vec<Slo>> {
    let Some(list) = list else {
        return Some(Vec::new());
    };
    if list.value.0.len() > MAX_SLOS {
        let msg = format!("{} objectives; the limit is {MAX_SLOS}", list.value.0.len());
        cx.error(list.pos, "slos", msg, None);
        return None;
    }
    let mut out = Vec::new();
    let mut ok = true;
    for (name, slo) in &list.value.0 {
        match one(cx, &name.value, slo, m) {
            Some(mut v) => out.append(&mut v),
            None => ok = false,
        }
    }
    if ok && out.len() > MAX_SLO_SUBJECTS {
        let msg = format!(
            "{} objective × class pairs (an objective without `class` counts once per class); the limit is {MAX_SLO_SUBJECTS}",
            out.len()
        );
        cx.error(
            list.pos,
            "slos",
            msg,
            Some("name the classes the objectives are about".into()),
        );
        return None;
    }
    ok.then_some(out)
}

/// One objective, expanded to one [`Slo`] per class when it names none.
fn one(cx: &mut Ctx, name: &str, s: &Located<raw::Slo>, m: &Model) -> Option<Vec<Slo>> {
    let path = format!("slos.{name}");
    let (metric, target, strict) = objective(cx, &s.value, s.pos, &path, m)?;
    let window = window(cx, s.value.window.as_ref(), &path, m, &metric)?;
    let classes: Vec<Option<usize>> = if metric.per_request() {
        match &s.value.class {
            Some(c) => vec![Some(class(cx, c, &path, m)?)],
            None => (0..m.classes.len()).map(Some).collect(),
        }
    } else {
        if let Some(c) = &s.value.class {
            let msg = "`class` applies to latency, over and error_ratio objectives";
            let hint = "remove `class`: this objective is about the estate";
            cx.error(c.pos, &format!("{path}.class"), msg, Some(hint.into()));
            return None;
        }
        vec![None]
    };
    Some(
        classes
            .into_iter()
            .map(|class| Slo {
                name: name.to_owned(),
                class,
                metric: metric.clone(),
                target,
                strict,
                window: window.clone(),
            })
            .collect(),
    )
}

fn class(cx: &mut Ctx, c: &Located<String>, path: &str, m: &Model) -> Option<usize> {
    let names: Vec<&str> = m.classes.iter().map(|c| c.name.as_str()).collect();
    let example = names.first().copied().unwrap_or("checkout");
    cx.reference(
        Some(c),
        c.pos,
        &format!("{path}.class"),
        &names,
        "workload class",
        "`workloads`",
        &format!("class: {example}"),
        "workloads: {checkout: {rate: 2/s, …}}",
    )
}

/// The one metric the objective states, its target and whether the bound is strict.
fn objective(
    cx: &mut Ctx,
    s: &raw::Slo,
    at: Pos,
    path: &str,
    m: &Model,
) -> Option<(SloMetric, f64, bool)> {
    let written: Vec<&str> = [
        ("latency", s.latency.is_some()),
        ("over", s.over.is_some()),
        ("error_ratio", s.error_ratio.is_some()),
        ("utilisation", s.utilisation.is_some()),
        ("backlog_age", s.backlog_age.is_some()),
        ("drain", s.drain.is_some()),
    ]
    .into_iter()
    .filter_map(|(k, on)| on.then_some(k))
    .collect();
    if written.len() != 1 {
        let msg = if written.is_empty() {
            "an objective states what it bounds".to_owned()
        } else {
            format!("one objective per entry, found {}", written.join(", "))
        };
        cx.error(
            at,
            path,
            msg,
            Some(format!("write exactly one of {OBJECTIVES}")),
        );
        return None;
    }
    stray(
        cx,
        s.at_most.as_ref(),
        s.over.is_none(),
        &format!("{path}.at_most"),
        "over",
    );
    stray(
        cx,
        s.causes.as_ref(),
        s.error_ratio.is_none(),
        &format!("{path}.causes"),
        "error_ratio",
    );
    stray(
        cx,
        s.resource.as_ref(),
        s.utilisation.is_none(),
        &format!("{path}.resource"),
        "utilisation",
    );
    if let Some(l) = &s.latency {
        let (q, t, strict) = latency(cx, l, &format!("{path}.latency"))?;
        return Some((SloMetric::Latency { q }, t, strict));
    }
    if let Some(o) = &s.over {
        return over(cx, o, s.at_most.as_ref(), at, path);
    }
    if let Some(e) = &s.error_ratio {
        let (strict, share) = bound(cx, e, &format!("{path}.error_ratio"), units::parse_share)?;
        let causes = causes(cx, s.causes.as_ref(), &format!("{path}.causes"))?;
        return Some((SloMetric::ErrorRatio { causes }, share, strict));
    }
    if let Some(u) = &s.utilisation {
        let (strict, share) = bound(cx, u, &format!("{path}.utilisation"), units::parse_share)?;
        let resource = resource(cx, s.resource.as_ref(), at, path, m)?;
        return Some((SloMetric::Utilisation { resource }, share, strict));
    }
    let (key, text, metric) = match (&s.backlog_age, &s.drain) {
        (Some(b), _) => ("backlog_age", b, SloMetric::BacklogAge),
        (_, Some(d)) => ("drain", d, SloMetric::Drain),
        _ => unreachable!("exactly one objective was written"),
    };
    if !m.classes.iter().any(|c| c.job.is_some()) {
        let msg = format!("`{key}` is about queue_job, and no workload is a job class");
        cx.error(
            text.pos,
            &format!("{path}.{key}"),
            msg,
            Some("remove it, or declare a class with `job:`".into()),
        );
        return None;
    }
    let (strict, t) = bound(cx, text, &format!("{path}.{key}"), seconds)?;
    Some((metric, t, strict))
}

/// A key that only means something beside another one.
fn stray<T>(cx: &mut Ctx, v: Option<&Located<T>>, alone: bool, path: &str, beside: &str) {
    if let (Some(v), true) = (v, alone) {
        let msg = format!(
            "`{}` only applies with `{beside}`",
            path.rsplit('.').next().unwrap_or(path)
        );
        cx.error(
            v.pos,
            path,
            msg,
            Some(format!("add `{beside}`, or remove this key")),
        );
    }
}

fn seconds(text: &str) -> Result<f64, UnitError> {
    units::parse_duration(text).map(|t| t.as_secs_f64())
}

/// `< X`, `<= X` or `≤ X`, X read by `value`: (strict, X).
fn bound(
    cx: &mut Ctx,
    text: &Located<String>,
    path: &str,
    value: fn(&str) -> Result<f64, UnitError>,
) -> Option<(bool, f64)> {
    let t = text.value.trim();
    let split = [("<=", false), ("≤", false), ("<", true)]
        .into_iter()
        .find_map(|(op, strict)| t.strip_prefix(op).map(|rest| (strict, rest.trim())));
    let Some((strict, rest)) = split else {
        let msg = format!("expected a bound such as `< 800ms`, found `{t}`");
        let hint = "objectives are upper bounds: write `<` or `<=` and the target";
        cx.error(text.pos, path, msg, Some(hint.into()));
        return None;
    };
    match value(rest) {
        Ok(v) => Some((strict, v)),
        Err(e) => {
            cx.error(text.pos, path, e.message, Some(e.hint));
            None
        }
    }
}

/// `p95 < 800ms` → (0.95, 0.8 s, strict).
fn latency(cx: &mut Ctx, text: &Located<String>, path: &str) -> Option<(f64, f64, bool)> {
    let t = text.value.trim();
    let hint = "write a percentile and a bound, e.g. `p95 < 800ms` or `p99.9 <= 2s`";
    let cut = t.find(['<', '≤']).unwrap_or(t.len());
    let pct = t[..cut]
        .trim()
        .strip_prefix(['p', 'P'])
        .and_then(|p| p.parse::<f64>().ok());
    let Some(pct) = pct else {
        cx.error(
            text.pos,
            path,
            format!("expected `pNN < duration`, found `{t}`"),
            Some(hint.into()),
        );
        return None;
    };
    if !(pct > 0.0 && pct < 100.0) {
        let msg = format!("a percentile must be between 0 and 100 (exclusive), found p{pct}");
        cx.error(text.pos, path, msg, Some(hint.into()));
        return None;
    }
    let rest = Located {
        value: t[cut..].to_owned(),
        pos: text.pos,
    };
    let (strict, s) = bound(cx, &rest, path, seconds)?;
    Some((pct / 100.0, s, strict))
}

/// `over: 2s` with `at_most: 1%`.
fn over(
    cx: &mut Ctx,
    o: &Located<Text>,
    at_most: Option<&Located<Text>>,
    at: Pos,
    path: &str,
) -> Option<(SloMetric, f64, bool)> {
    let threshold = cx.positive_duration(
        Some(o),
        at,
        &format!("{path}.over"),
        None,
        units::MAX_DURATION,
        "a latency threshold, e.g. `2s`",
    )?;
    let Some(a) = at_most else {
        cx.missing(
            at,
            &format!("{path}.at_most"),
            "bound the share over the threshold, e.g. `at_most: 1%`",
        );
        return None;
    };
    match units::parse_share(&a.value.0) {
        Ok(share) => Some((SloMetric::Over { threshold }, share, false)),
        Err(e) => {
            cx.error(a.pos, &format!("{path}.at_most"), e.message, Some(e.hint));
            None
        }
    }
}

fn causes(
    cx: &mut Ctx,
    list: Option<&Located<Vec<Located<String>>>>,
    path: &str,
) -> Option<Vec<String>> {
    let names: Vec<&str> = Cause::ALL.iter().map(|c| c.name()).collect();
    cx.list(list, path, Cause::COUNT, |cx, c, p| {
        if names.contains(&c.value.as_str()) {
            return Some(c.value.clone());
        }
        let msg = format!("no error cause named `{}`", c.value);
        cx.error(c.pos, p, msg, Some(suggest::hint(&c.value, &names)));
        None
    })
}

/// A gauge with a capacity, named as in the results.
fn resource(
    cx: &mut Ctx,
    r: Option<&Located<String>>,
    at: Pos,
    path: &str,
    m: &Model,
) -> Option<String> {
    let table = GaugeTable::of(m);
    let bounded: Vec<&str> = table
        .gauges
        .iter()
        .filter(|g| g.capacity.is_some())
        .map(|g| g.name.as_str())
        .collect();
    let Some(r) = r else {
        let hint = format!("name the resource, one of: {}", bounded.join(", "));
        cx.missing(at, &format!("{path}.resource"), &hint);
        return None;
    };
    if bounded.contains(&r.value.as_str()) {
        return Some(r.value.clone());
    }
    let msg = if table.gauges.iter().any(|g| g.name == r.value) {
        format!(
            "`{}` has no capacity in this scenario, so it has no utilisation",
            r.value
        )
    } else {
        format!("no resource named `{}` in this scenario", r.value)
    };
    cx.error(
        r.pos,
        &format!("{path}.resource"),
        msg,
        Some(suggest::hint(&r.value, &bounded)),
    );
    None
}

const HOUR: SimTime = SimTime::from_secs(3600);

/// The spans of `window`, clipped to the observation window.
fn window(
    cx: &mut Ctx,
    w: Option<&Located<String>>,
    path: &str,
    m: &Model,
    metric: &SloMetric,
) -> Option<SloWindow> {
    let (from, to) = (m.horizon.warmup, m.horizon.duration);
    let label = w.map_or("horizon", |w| w.value.as_str());
    let (spans, event) = match label {
        "horizon" => (vec![(from, to)], None),
        "hourly" => {
            let hours = to.as_nanos().div_ceil(HOUR.as_nanos());
            let spans = (0..hours)
                .map(|k| {
                    (
                        SimTime(k * HOUR.as_nanos()).max(from),
                        SimTime((k + 1) * HOUR.as_nanos()).min(to),
                    )
                })
                .filter(|(a, b)| a < b)
                .collect();
            (spans, None)
        }
        name => {
            let w = w.expect("a name was written");
            let events: Vec<&str> = m.calendar.events.iter().map(|e| e.name.as_str()).collect();
            let occurrences: Vec<usize> =
                (0..events.len()).filter(|i| events[*i] == name).collect();
            if occurrences.is_empty() {
                let mut options = vec!["horizon", "hourly"];
                options.extend(&events);
                let msg = format!("`{name}` is neither `horizon`, `hourly` nor a calendar event");
                cx.error(
                    w.pos,
                    &format!("{path}.window"),
                    msg,
                    Some(suggest::hint(name, &options)),
                );
                return None;
            }
            let spans = event_spans(m, &occurrences, from, to);
            (spans, (occurrences.len() == 1).then_some(occurrences[0]))
        }
    };
    let wpos = w.map(|w| w.pos).unwrap_or_default();
    if spans.is_empty() {
        let msg = format!(
            "the window `{label}` lies outside the observation window (after the warm-up, before the horizon's end)"
        );
        cx.error(
            wpos,
            &format!("{path}.window"),
            msg,
            Some("move the event, or shorten the warm-up".into()),
        );
        return None;
    }
    if *metric == SloMetric::Drain && event.is_none() {
        let msg = "a drain objective is judged after an event ends: its window names a dated calendar event (not `horizon`, `hourly` or a recurring one)";
        cx.error(
            wpos,
            &format!("{path}.window"),
            msg,
            Some("e.g. `window: black_friday`".into()),
        );
        return None;
    }
    let label = match label {
        "horizon" | "hourly" => label.to_owned(),
        _ => format!("event {label}"),
    };
    Some(SloWindow {
        label,
        spans,
        event,
    })
}

/// The spans of an event's occurrences inside `[from, to)`, overlapping ones merged, in
/// time order (a recurring event's window covers each occurrence; the worst counts).
fn event_spans(
    m: &Model,
    occurrences: &[usize],
    from: SimTime,
    to: SimTime,
) -> Vec<(SimTime, SimTime)> {
    let mut spans: Vec<(SimTime, SimTime)> = occurrences
        .iter()
        .map(|i| &m.calendar.events[*i])
        .map(|e| (e.start.max(from), (e.start + e.duration).min(to)))
        .filter(|(a, b)| a < b)
        .collect();
    spans.sort_unstable();
    let mut merged: Vec<(SimTime, SimTime)> = Vec::with_capacity(spans.len());
    for (a, b) in spans {
        match merged.last_mut() {
            Some(last) if a <= last.1 => last.1 = last.1.max(b),
            _ => merged.push((a, b)),
        }
    }
    merged
}
