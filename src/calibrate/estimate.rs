//! Per class, what the requests of the logs add up to, in memory that does not grow with
//! the log: arrivals per clock hour (bounded by the period, at most 366 days), Odoo's
//! remaining time (CPU), queries per request and time per query, response times, errors.

use super::civil::{self, HOUR_NS, NS};
use super::fit::{Counts, PerQuery, Positive};
use super::record::{Request, Source};
use super::rules::{DROP, Rules};
use crate::collect::histogram::Histogram;
use std::collections::{BTreeMap, HashMap};

/// Longest period a calibration covers: the horizon's own limit.
pub const MAX_PERIOD_DAYS: i64 = 366;

/// One clock hour of a class, as each source saw it.
#[derive(Clone, Copy, Debug, Default)]
pub struct Hour {
    pub odoo: u64,
    pub odoo_s: f64,
    pub traefik: u64,
    pub traefik_s: f64,
}

/// What one source saw of a class.
#[derive(Clone, Debug, Default)]
pub struct Seen {
    pub requests: u64,
    /// Answered with a status below 500 (and, for Traefik, by an upstream).
    pub answered: u64,
    pub errors: u64,
    /// Response times of the answered requests (ns), for the percentiles.
    pub latency: Histogram,
}

/// Everything measured for one class.
#[derive(Clone, Debug, Default)]
pub struct ClassObs {
    pub name: String,
    pub hours: BTreeMap<i64, Hour>,
    pub odoo: Seen,
    pub traefik: Seen,
    /// Traefik requests answered by Traefik itself (no upstream).
    pub traefik_own: u64,
    /// Odoo lines without the three numbers (Odoo ≤ 12, or `- - -`).
    pub without_perf: u64,
    /// Odoo's remaining time per request.
    pub cpu: Positive,
    pub queries: Counts,
    pub per_query: PerQuery,
    /// Traefik's `OriginDuration` (or `Duration`): a stand-in for the work when no Odoo
    /// line names the class.
    pub upstream: Positive,
}

impl ClassObs {
    /// The source counting the class's arrivals: Traefik's when it saw the class (it also
    /// sees the requests Odoo never answered), else Odoo's.
    pub fn arrivals_source(&self) -> Source {
        if self.traefik.requests > 0 {
            Source::Traefik
        } else {
            Source::Odoo
        }
    }

    pub fn arrivals(&self) -> u64 {
        match self.arrivals_source() {
            Source::Traefik => self.traefik.requests,
            Source::Odoo => self.odoo.requests,
        }
    }

    /// (hour start, requests) per clock hour from the arrivals' source.
    pub fn hourly(&self) -> impl Iterator<Item = (i64, u64)> + '_ {
        let src = self.arrivals_source();
        self.hours.iter().map(move |(&h, c)| {
            (
                h * HOUR_NS,
                match src {
                    Source::Traefik => c.traefik,
                    Source::Odoo => c.odoo,
                },
            )
        })
    }
}

/// The first and last arrival a source saw.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Period {
    pub first_ns: i64,
    pub last_ns: i64,
}

impl Period {
    pub fn seconds(&self) -> f64 {
        (self.last_ns - self.first_ns) as f64 / NS as f64
    }
    fn widen(p: &mut Option<Period>, t: i64) {
        match p {
            None => {
                *p = Some(Period {
                    first_ns: t,
                    last_ns: t,
                })
            }
            Some(p) => {
                p.first_ns = p.first_ns.min(t);
                p.last_ns = p.last_ns.max(t);
            }
        }
    }
    /// The period both cover.
    pub fn overlap(a: Option<Period>, b: Option<Period>) -> Option<Period> {
        let (a, b) = (a?, b?);
        let p = Period {
            first_ns: a.first_ns.max(b.first_ns),
            last_ns: a.last_ns.min(b.last_ns),
        };
        (p.first_ns < p.last_ns).then_some(p)
    }
    pub fn union(a: Option<Period>, b: Option<Period>) -> Option<Period> {
        match (a, b) {
            (Some(a), Some(b)) => Some(Period {
                first_ns: a.first_ns.min(b.first_ns),
                last_ns: a.last_ns.max(b.last_ns),
            }),
            (a, b) => a.or(b),
        }
    }
}

/// All classes, as the logs are read.
#[derive(Debug)]
pub struct Observations {
    rules: Rules,
    pub classes: Vec<ClassObs>,
    index: HashMap<String, usize>,
    pub odoo_period: Option<Period>,
    pub traefik_period: Option<Period>,
    /// Requests no rule matched.
    pub unmatched: u64,
    /// Requests a rule dropped (class `-`), e.g. the websocket.
    pub dropped: u64,
    /// Up to five paths no rule matched, for the report.
    pub unmatched_paths: Vec<String>,
}

impl Observations {
    pub fn new(rules: Rules) -> Self {
        let classes: Vec<ClassObs> = rules
            .classes()
            .iter()
            .map(|c| ClassObs {
                name: (*c).to_owned(),
                ..ClassObs::default()
            })
            .collect();
        let index = classes
            .iter()
            .enumerate()
            .map(|(i, c)| (c.name.clone(), i))
            .collect();
        Observations {
            rules,
            classes,
            index,
            odoo_period: None,
            traefik_period: None,
            unmatched: 0,
            dropped: 0,
            unmatched_paths: Vec::new(),
        }
    }

    pub fn rules(&self) -> &Rules {
        &self.rules
    }

    /// Counts one request in its class.
    pub fn add(&mut self, r: &Request<'_>) -> Result<(), String> {
        let rule = self.rules.classify(r.path).map_err(|o| o.to_string())?;
        let Some(rule) = rule else {
            self.unmatched += 1;
            if self.unmatched_paths.len() < 5 && !self.unmatched_paths.iter().any(|p| p == r.path) {
                self.unmatched_paths.push(r.path.to_owned());
            }
            return Ok(());
        };
        if rule.class == DROP {
            self.dropped += 1;
            return Ok(());
        }
        let i = self.index[&rule.class];
        let period = match r.source {
            Source::Odoo => &mut self.odoo_period,
            Source::Traefik => &mut self.traefik_period,
        };
        Period::widen(period, r.start_ns);
        let span = period.map_or(0, |p| p.last_ns - p.first_ns);
        if span > MAX_PERIOD_DAYS * civil::DAY_NS {
            return Err(format!(
                "error: the {} lines span more than {MAX_PERIOD_DAYS} days (a request at {} and one at {})\n  hint: calibrate from at most {MAX_PERIOD_DAYS} days of logs (a scenario's horizon is at most 366d)",
                match r.source {
                    Source::Odoo => "Odoo",
                    Source::Traefik => "Traefik",
                },
                civil::format(period.map_or(0, |p| p.first_ns)),
                civil::format(period.map_or(0, |p| p.last_ns)),
            ));
        }
        add_to(&mut self.classes[i], r);
        Ok(())
    }
}

fn add_to(c: &mut ClassObs, r: &Request<'_>) {
    let hour = c.hours.entry(r.start_ns.div_euclid(HOUR_NS)).or_default();
    let answered = r.status < 500 && !r.no_upstream;
    let seen = match r.source {
        Source::Odoo => {
            hour.odoo += 1;
            &mut c.odoo
        }
        Source::Traefik => {
            hour.traefik += 1;
            if r.no_upstream {
                c.traefik_own += 1;
            }
            &mut c.traefik
        }
    };
    seen.requests += 1;
    if !answered {
        seen.errors += 1;
    }
    if let Some(d) = r.duration_s {
        if answered {
            seen.answered += 1;
            seen.latency.record((d.max(0.0) * 1e9) as u64);
        }
        match r.source {
            Source::Odoo => {
                hour.odoo_s += d;
            }
            Source::Traefik => {
                hour.traefik_s += d;
                if !r.no_upstream {
                    c.upstream
                        .add(r.origin_s.unwrap_or(d), r.resolution_s / 2.0);
                }
            }
        }
    } else if answered {
        seen.answered += 1;
    }
    if r.source == Source::Odoo {
        match r.perf {
            Some(p) => {
                c.cpu.add(p.remaining_s, r.resolution_s / 2.0);
                c.queries.add(p.queries);
                c.per_query.add(p.query_s, p.queries, r.resolution_s);
            }
            None => c.without_perf += 1,
        }
    }
}
