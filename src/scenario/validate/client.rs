//! `client:` on a workload class → [`Client`]: how long its clients wait for an answer,
//! and whether those who gave up send the request again.

use super::super::located::{Located, Pos};
use super::super::raw;
use super::dist::{Measure, dist};
use super::{Bounds, Ctx};
use crate::model::{Client, Dist};

/// Most times one original request is sent again (a typo guard: a user retrying a
/// hundred times is a script, not a shopper).
const MAX_RESUBMITS: u32 = 100;
/// Default think time before sending a request again: ASSUMPTION, a user reading the
/// spinner, then pressing reload (no published figure; measure yours).
const DEFAULT_THINK_S: f64 = 10.0;
/// Default number of resubmissions of one original request (ASSUMPTION).
const DEFAULT_MAX_RESUBMITS: u32 = 3;

/// Validates `client:`; refused on classes that have no waiting client (jobs, scheduled
/// actions, websocket messages).
pub fn client(
    cx: &mut Ctx,
    spec: &Located<raw::ClientSpec>,
    c: &raw::Workload,
    path: &str,
) -> Option<Client> {
    let p = format!("{path}.client");
    let kinds: [(&str, Option<Pos>, &str); 3] = [
        (
            "job",
            c.job.as_ref().map(|x| x.pos),
            "a queue_job job is run by the job runner, which waits for it; nobody gives up",
        ),
        (
            "cron",
            c.cron.as_ref().map(|x| x.pos),
            "a scheduled action has no client waiting for it",
        ),
        (
            "websocket",
            c.websocket.as_ref().map(|x| x.pos),
            "websocket messages get no response to wait for",
        ),
    ];
    let mut ok = true;
    for (kind, at, why) in kinds {
        if at.is_some() {
            cx.error(
                spec.pos,
                &p,
                format!("`client` is not supported on a `{kind}` class"),
                Some(why.into()),
            );
            ok = false;
        }
    }
    let s = &spec.value;
    let timeout = dist(
        cx,
        s.timeout.as_ref(),
        spec.pos,
        &format!("{p}.timeout"),
        Measure::Duration,
        None,
    );
    let timeout = timeout.filter(|d| {
        let zero = can_be_zero(d);
        if zero {
            let at = s.timeout.as_ref().map_or(spec.pos, |t| t.pos);
            cx.error(
                at,
                &format!("{p}.timeout"),
                "a client timeout must be > 0 in every value".to_string(),
                Some("e.g. `{dist: constant, value: 30s}`; to model clients who wait forever, remove `client:`".into()),
            );
        }
        !zero
    });
    let resubmit = cx.real(
        s.resubmit.as_ref(),
        spec.pos,
        &format!("{p}.resubmit"),
        Some(0.0),
        Bounds::RATIO,
        "the probability that a user who gave up sends the request again, between 0 and 1",
    );
    let think = dist(
        cx,
        s.think.as_ref(),
        spec.pos,
        &format!("{p}.think"),
        Measure::Duration,
        Some(DEFAULT_THINK_S),
    );
    // The default is exponential, not constant: users do not reload in step.
    let think = match (s.think.is_none(), think) {
        (true, Some(_)) => Dist::exponential(DEFAULT_THINK_S).ok(),
        (_, t) => t,
    };
    let max_resubmits = cx.int(
        s.max_resubmits.as_ref(),
        spec.pos,
        &format!("{p}.max_resubmits"),
        Some(DEFAULT_MAX_RESUBMITS),
        0..=MAX_RESUBMITS,
        "0 = nobody sends it again",
    );
    if !ok {
        return None;
    }
    Some(Client {
        timeout_s: timeout?,
        resubmit: resubmit?,
        think_s: think?,
        max_resubmits: max_resubmits?,
    })
}

/// Whether a distribution can draw 0 (constant 0, or 0 among empirical values); the
/// continuous families draw 0 with probability 0 (the simulation waits at least 1 ns).
fn can_be_zero(d: &Dist) -> bool {
    match d {
        Dist::Constant(v) => *v <= 0.0,
        Dist::Empirical { values, .. } => values.iter().any(|v| *v <= 0.0),
        _ => d.mean() <= 0.0,
    }
}
