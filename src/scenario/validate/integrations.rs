//! `integrations:` → [`Integration`]s (latency, errors, timeout, outage windows), and each
//! class's `calls:` → [`CallUse`]s that point into them.
//!
//! Outage starts are local date-times converted through `horizon.timezone` exactly like
//! calendar events, and must fall within the horizon (running past its end is allowed).
//! The model wants the windows sorted and disjoint, so they are sorted here and an
//! overlap is an error: two overlapping outages are almost always one outage written twice
//! or a wrong date, and merging them silently would hide that.

use super::super::located::{Located, OrderedMap};
use super::super::raw;
use super::contention::MAX_USES;
use super::dist::{Measure, dist};
use super::time::{HorizonInfo, local_instant};
use super::{Bounds, Ctx, bucket};
use crate::model::{CallUse, Integration, SimTime};

/// Most integrations in a scenario.
const MAX_INTEGRATIONS: usize = 1_000;
/// Most outage windows per integration.
const MAX_OUTAGES: usize = 10_000;
/// Most calls to one integration per request.
const MAX_CALLS: u32 = 100;
/// Default client timeout (ASSUMPTION: a common HTTP-client setting; Odoo's own
/// `requests` calls pass their own timeouts).
const DEFAULT_TIMEOUT: SimTime = SimTime::from_secs(30);
/// A longer client timeout is a typo: Odoo's `limit_time_real` (120 s by default) kills
/// the worker long before.
const MAX_TIMEOUT: SimTime = SimTime::from_secs(3_600);
/// Longest outage: the horizon cap.
const MAX_OUTAGE: SimTime = SimTime::from_secs(366 * 86_400);

type Map = Located<OrderedMap<Located<raw::Integration>>>;

/// Names of `integrations`, in file order (index = integration id).
pub fn names(i: Option<&Map>) -> Vec<&str> {
    i.map(|m| m.value.0.iter().map(|(n, _)| n.value.as_str()).collect())
        .unwrap_or_default()
}

/// Validates `integrations:`; absent = none. `h` is `None` when the horizon is invalid
/// (already reported): outage starts are then not checked.
pub fn integrations(
    cx: &mut Ctx,
    i: Option<&Map>,
    h: Option<&HorizonInfo>,
) -> Option<Vec<Integration>> {
    let Some(map) = i else {
        return Some(Vec::new());
    };
    if map.value.0.len() > MAX_INTEGRATIONS {
        let msg = format!(
            "{} integrations; the limit is {MAX_INTEGRATIONS}",
            map.value.0.len()
        );
        cx.error(map.pos, "integrations", msg, None);
        return None;
    }
    let mut out = Vec::with_capacity(map.value.0.len());
    let mut ok = true;
    for (name, x) in &map.value.0 {
        match one(cx, name, x, h) {
            Some(x) => out.push(x),
            None => ok = false,
        }
    }
    ok.then_some(out)
}

fn one(
    cx: &mut Ctx,
    name: &Located<String>,
    x: &Located<raw::Integration>,
    h: Option<&HorizonInfo>,
) -> Option<Integration> {
    let path = format!("integrations.{}", name.value);
    let (at, x) = (x.pos, &x.value);
    let latency = dist(
        cx,
        x.latency.as_ref(),
        at,
        &format!("{path}.latency"),
        Measure::Duration,
        None,
    );
    let error_ratio = cx.real(
        x.error_ratio.as_ref(),
        at,
        &format!("{path}.error_ratio"),
        Some(0.0),
        Bounds::RATIO,
        "a probability: 0.002 = 0.2 % of calls fail while the API is up",
    );
    let timeout = cx.positive_duration(
        x.timeout.as_ref(),
        at,
        &format!("{path}.timeout"),
        Some(DEFAULT_TIMEOUT),
        MAX_TIMEOUT,
        "the client's timeout, e.g. `30s`; Odoo's limit_time_real (120s) kills the worker first anyway",
    );
    let outages = match &x.outages {
        Some(list) => outages(cx, list, &format!("{path}.outages"), h),
        None => Some(Vec::new()),
    };
    let rate_limit = match &x.rate_limit {
        Some(r) => {
            bucket::token_bucket(cx, r, &format!("{path}.rate_limit"), &bucket::API).map(Some)
        }
        None => Some(None),
    };
    Some(Integration {
        name: name.value.clone(),
        latency_s: latency?,
        error_ratio: error_ratio?,
        timeout: timeout?,
        outages: outages?,
        rate_limit: rate_limit?,
    })
}

/// One outage: its window and where its start was written (for the overlap message).
struct Window<'a> {
    index: usize,
    start: SimTime,
    end: SimTime,
    at: &'a Located<String>,
}

fn outages(
    cx: &mut Ctx,
    list: &Located<Vec<Located<raw::Outage>>>,
    path: &str,
    h: Option<&HorizonInfo>,
) -> Option<Vec<(SimTime, SimTime)>> {
    if list.value.len() > MAX_OUTAGES {
        let msg = format!("{} outages; the limit is {MAX_OUTAGES}", list.value.len());
        cx.error(list.pos, path, msg, None);
        return None;
    }
    let mut windows = Vec::with_capacity(list.value.len());
    let mut ok = true;
    for (index, o) in list.value.iter().enumerate() {
        let p = format!("{path}[{index}]");
        let duration = cx.positive_duration(
            o.value.duration.as_ref(),
            o.pos,
            &format!("{p}.duration"),
            None,
            MAX_OUTAGE,
            "the outage's length, e.g. `10m`",
        );
        let start = match (&o.value.start, h) {
            (Some(s), Some(h)) => start(cx, s, &format!("{p}.start"), h).map(|t| (t, s)),
            (Some(_), None) => None,
            (None, _) => {
                cx.missing(
                    o.pos,
                    &format!("{p}.start"),
                    "add a local start, e.g. `2026-11-27T21:00`",
                );
                None
            }
        };
        match (start, duration) {
            (Some((start, at)), Some(d)) => windows.push(Window {
                index,
                start,
                end: start + d,
                at,
            }),
            _ => ok = false,
        }
    }
    windows.sort_by_key(|w| (w.start, w.index));
    for pair in windows.windows(2) {
        let (a, b) = (&pair[0], &pair[1]);
        if b.start < a.end {
            cx.error(
                b.at.pos,
                &format!("{path}[{}].start", b.index),
                format!(
                    "outage starting `{}` overlaps outage [{}] (`{}` until {})",
                    b.at.value,
                    a.index,
                    a.at.value,
                    h.map_or_else(|| a.end.to_string(), |h| h.model.local_time(a.end))
                ),
                Some("outage windows must not overlap: merge them into one window".into()),
            );
            ok = false;
        }
    }
    ok.then(|| windows.iter().map(|w| (w.start, w.end)).collect())
}

/// An outage start: a local date-time within the horizon.
fn start(cx: &mut Ctx, s: &Located<String>, path: &str, h: &HorizonInfo) -> Option<SimTime> {
    let t = local_instant(cx, s, h.tz, path)?;
    match h.sim_time(t) {
        Some(st) if st < h.model.duration => Some(st),
        _ => {
            let horizon = format!(
                "the horizon runs from {} for {} ({})",
                h.model.start_local, h.model.duration, h.model.timezone
            );
            cx.error(
                s.pos,
                path,
                format!("outage starting `{}` is outside the horizon", s.value),
                Some(format!("{horizon}; move the outage or the horizon")),
            );
            None
        }
    }
}

/// Validates one class's `calls:` (written at `path`) against the integration names.
pub fn call_uses(
    cx: &mut Ctx,
    list: Option<&Located<Vec<Located<raw::CallUse>>>>,
    path: &str,
    integrations: &[&str],
) -> Option<Vec<CallUse>> {
    cx.list(list, path, MAX_USES, |cx, u, p| {
        let integration = integration_ref(cx, u, p, integrations);
        let calls = cx.int(
            u.value.count.as_ref(),
            u.pos,
            &format!("{p}.count"),
            Some(1),
            1..=MAX_CALLS,
            "calls per request; remove the entry for none",
        );
        Some(CallUse {
            integration: integration?,
            calls: calls?,
        })
    })
}

/// The index of the integration a call names.
fn integration_ref(
    cx: &mut Ctx,
    u: &Located<raw::CallUse>,
    p: &str,
    integrations: &[&str],
) -> Option<usize> {
    cx.reference(
        u.value.integration.as_ref(),
        u.pos,
        &format!("{p}.integration"),
        integrations,
        "integration",
        "`integrations`",
        "integration: payment",
        "integrations: {payment: {latency: {dist: lognormal, mean: 350ms, cv: 0.6}}}",
    )
}
