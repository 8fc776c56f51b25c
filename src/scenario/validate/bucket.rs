//! `rate_limit:` blocks — a token bucket of `burst` tokens refilled at `average / period`
//! — for Traefik's RateLimit middleware on a class's route and for an integration's own
//! quota. The two differ in what a refused request gets (a delay then 429, or 429 at
//! once), not in how they are written.

use super::super::located::Located;
use super::super::raw;
use super::{Bounds, Ctx};
use crate::model::{RateLimit, SimTime};

/// Largest `average` and `burst`: typo guards far above any route or public API quota.
const MAX_AVERAGE: f64 = 1e9;
const MAX_BURST: u32 = 1_000_000_000;
/// Longest `period`: a day (daily API quotas exist; Traefik accepts any duration).
const MAX_PERIOD: SimTime = SimTime::from_secs(86_400);

/// Most sources of one route: Traefik keeps at most 65,536 buckets per middleware
/// (`maxSources`, its ttlmap's capacity) and evicts beyond, which is not modelled.
pub const MAX_SOURCES: u32 = 65_536;

/// What the hints say about `average` and `burst` for this kind of limit, and about
/// `sources` (`None`: the limit is one bucket, `sources` is an error).
pub struct Hints {
    pub average: &'static str,
    pub burst: &'static str,
    pub sources: Option<&'static str>,
}

/// Traefik's RateLimit middleware.
pub const TRAEFIK: Hints = Hints {
    average: "requests allowed per `period`; Traefik reads 0 as \"no limit\": remove `rate_limit` instead",
    burst: "the bucket holds at least one token (Traefik's default burst is 1)",
    sources: Some(
        "the clients the requests come from, each with its own bucket (Traefik's default source is the client IP): at least 1 — one NAT'd marketplace — or thousands of shoppers",
    ),
};

/// An external API's quota.
pub const API: Hints = Hints {
    average: "calls the API allows per `period`, e.g. `average: 40` (its published quota); remove `rate_limit` for none",
    burst: "the bucket holds at least one token: with `burst: 0` every call would get 429",
    sources: None,
};

/// `average` per `period` (default `1s`), bucket of `burst` (default 1).
pub fn token_bucket(
    cx: &mut Ctx,
    r: &Located<raw::RateLimit>,
    path: &str,
    hints: &Hints,
) -> Option<RateLimit> {
    let (at, r) = (r.pos, &r.value);
    let average = cx.real(
        r.average.as_ref(),
        at,
        &format!("{path}.average"),
        None,
        Bounds::positive(MAX_AVERAGE),
        hints.average,
    );
    let period = cx.positive_duration(
        r.period.as_ref(),
        at,
        &format!("{path}.period"),
        Some(SimTime::from_secs(1)),
        MAX_PERIOD,
        "the period `average` is counted over, e.g. `1s` or `1m`",
    );
    let burst = cx.int(
        r.burst.as_ref(),
        at,
        &format!("{path}.burst"),
        Some(1),
        1..=MAX_BURST,
        hints.burst,
    );
    let sources = match (hints.sources, &r.sources) {
        (Some(hint), v) => cx.int(
            v.as_ref(),
            at,
            &format!("{path}.sources"),
            Some(1),
            1..=MAX_SOURCES,
            hint,
        ),
        (None, None) => Some(1),
        (None, Some(v)) => {
            cx.error(
                v.pos,
                &format!("{path}.sources"),
                "`sources` applies to Traefik's rate limit on a workload's route",
                Some(
                    "an API's quota is one bucket shared by every caller: remove `sources`".into(),
                ),
            );
            None
        }
    };
    Some(RateLimit {
        rate_per_s: average? / period?.as_secs_f64(),
        burst: burst?,
        sources: sources?,
    })
}
