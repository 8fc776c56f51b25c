//! Raw scenario → [`Model`]: every check, every default, every unit conversion.
//!
//! Validation never stops at the first problem: each check records a [`Diagnostic`] in the
//! [`Ctx`] and returns `None`, the caller carries on, and the model is assembled only when
//! nothing was recorded. One file per part of the format: `time` (horizon, local time,
//! hour marks), `settings` (run, stats), `calendar`, `workload` and `dist`, `estate`
//! (ingress, Odoo, PostgreSQL and its volume), `contention` (lock tables and each class's
//! `locks:`), `integrations` (external APIs and each class's `calls:`).

mod bucket;
mod calendar;
mod client;
mod contention;
mod dist;
mod estate;
mod feasible;
mod gate;
mod integrations;
mod job_runner;
mod jobs;
mod limits;
mod population;
mod recurrence;
mod schedule;
mod settings;
pub mod sizing;
mod slos;
mod storage;
mod time;
mod timeline;
mod workload;

use super::diag::{Diagnostic, Diagnostics};
use super::load::Sources;
use super::located::{Located, Pos, Text};
use super::raw;
use super::suggest;
use super::units::{self, UnitError};
use crate::model::{Model, SimTime};
use std::ops::RangeInclusive;

/// Expected arrivals per replication above which a scenario is refused (a typo such as
/// `40k/s` for `40/s` would otherwise run for hours).
const MAX_EXPECTED_ARRIVALS: f64 = 2e9;
/// Statistics buckets per horizon (memory of the time series).
const MAX_FINE_BUCKETS: u64 = 200_000;

/// Collects diagnostics while validating.
pub struct Ctx<'a> {
    sources: &'a Sources,
    diags: Vec<Diagnostic>,
    /// The load multiplier the open classes' rates and the closed classes' users are
    /// scaled by (1 = the scenario as written; a headroom study varies it).
    load: f64,
}

impl Ctx<'_> {
    /// Records a problem at `pos` (line 0 = unknown).
    pub fn error(
        &mut self,
        pos: Pos,
        path: &str,
        message: impl Into<String>,
        hint: Option<String>,
    ) {
        let known = |x: u32| (x > 0).then_some(x);
        self.diags.push(Diagnostic {
            file: self
                .sources
                .names
                .get(pos.file)
                .cloned()
                .unwrap_or_default(),
            yaml_path: path.to_owned(),
            line: known(pos.line),
            column: known(pos.column),
            message: message.into(),
            hint,
        });
    }

    /// Records a missing required key of the section written at `section`.
    pub fn missing(&mut self, section: Pos, path: &str, hint: &str) {
        let key = path.rsplit('.').next().unwrap_or(path);
        self.error(
            section,
            path,
            format!("missing required key `{key}`"),
            Some(hint.to_owned()),
        );
    }

    fn unit_error(&mut self, pos: Pos, path: &str, e: UnitError) {
        self.error(pos, path, e.message, Some(e.hint));
    }

    /// A duration; `default` when absent. Errors if absent without default.
    pub fn duration(
        &mut self,
        v: Option<&Located<Text>>,
        section: Pos,
        path: &str,
        default: Option<SimTime>,
    ) -> Option<SimTime> {
        let Some(v) = v else {
            if default.is_none() {
                self.missing(section, path, "add a duration, e.g. `250ms` or `2h`");
            }
            return default;
        };
        units::parse_duration(&v.value.0)
            .map_err(|e| self.unit_error(v.pos, path, e))
            .ok()
    }

    /// Validates a list of at most `max` entries at `path`, each with `one` (given the
    /// entry and its path `path[i]`). Absent = empty; `None` if any entry failed.
    pub fn list<R, T>(
        &mut self,
        list: Option<&Located<Vec<Located<R>>>>,
        path: &str,
        max: usize,
        mut one: impl FnMut(&mut Self, &Located<R>, &str) -> Option<T>,
    ) -> Option<Vec<T>> {
        let Some(list) = list else {
            return Some(Vec::new());
        };
        if list.value.len() > max {
            let msg = format!("{} entries; the limit is {max}", list.value.len());
            self.error(list.pos, path, msg, None);
            return None;
        }
        let mut out = Vec::with_capacity(list.value.len());
        let mut ok = true;
        for (i, item) in list.value.iter().enumerate() {
            match one(self, item, &format!("{path}[{i}]")) {
                Some(t) => out.push(t),
                None => ok = false,
            }
        }
        ok.then_some(out)
    }

    /// Resolves a reference by name to its index in `names` (a lock table, an
    /// integration…). `kind` and `section` name what is referred to ("lock table",
    /// "`contention.tables`"); `use_example` and `declare_example` go into the hints.
    #[allow(clippy::too_many_arguments)]
    pub fn reference(
        &mut self,
        name: Option<&Located<String>>,
        at: Pos,
        path: &str,
        names: &[&str],
        kind: &str,
        section: &str,
        use_example: &str,
        declare_example: &str,
    ) -> Option<usize> {
        let Some(n) = name else {
            self.missing(
                at,
                path,
                &format!("name an entry of {section}, e.g. `{use_example}`"),
            );
            return None;
        };
        if let Some(i) = names.iter().position(|x| *x == n.value) {
            return Some(i);
        }
        let hint = if names.is_empty() {
            format!("declare it first, e.g. `{declare_example}`")
        } else {
            suggest::hint(&n.value, names)
        };
        self.error(
            n.pos,
            path,
            format!("no {kind} named `{}` in {section}", n.value),
            Some(hint),
        );
        None
    }

    /// A size in MiB; `default` (MiB) when absent.
    pub fn size_mib(&mut self, v: Option<&Located<Text>>, path: &str, default: f64) -> Option<f64> {
        let Some(v) = v else { return Some(default) };
        units::parse_size(&v.value.0)
            .map(|b| b as f64 / (1024.0 * 1024.0))
            .map_err(|e| self.unit_error(v.pos, path, e))
            .ok()
    }

    /// An integer in `range`; `default` when absent. `why_min` explains the lower bound.
    pub fn int(
        &mut self,
        v: Option<&Located<i64>>,
        section: Pos,
        path: &str,
        default: Option<u32>,
        range: RangeInclusive<u32>,
        why_min: &str,
    ) -> Option<u32> {
        let (min, max) = (*range.start(), *range.end());
        let Some(v) = v else {
            if default.is_none() {
                self.missing(section, path, &format!("add an integer ≥ {min}"));
            }
            return default;
        };
        if v.value < i64::from(min) {
            self.error(
                v.pos,
                path,
                format!("must be ≥ {min}, found {}", v.value),
                Some(why_min.to_owned()),
            );
            return None;
        }
        if v.value > i64::from(max) {
            self.error(
                v.pos,
                path,
                format!("must be ≤ {max}, found {}", v.value),
                Some("a limit against typos; write a realistic value".into()),
            );
            return None;
        }
        u32::try_from(v.value).ok()
    }

    /// A finite number within `bounds`; `default` when absent. Errors if absent without
    /// default. `hint` says what the key means, for out-of-range values.
    pub fn real(
        &mut self,
        v: Option<&Located<f64>>,
        section: Pos,
        path: &str,
        default: Option<f64>,
        bounds: Bounds,
        hint: &str,
    ) -> Option<f64> {
        let Some(v) = v else {
            if default.is_none() {
                self.missing(
                    section,
                    path,
                    &format!("add a number {}", bounds.describe()),
                );
            }
            return default;
        };
        if bounds.contains(v.value) {
            return Some(v.value);
        }
        self.error(
            v.pos,
            path,
            format!("must be {}, found {}", bounds.describe(), v.value),
            Some(hint.to_owned()),
        );
        None
    }

    /// A duration within `range` (`within` says it in words, e.g. "between 30s and 1d");
    /// `default` when absent.
    #[allow(clippy::too_many_arguments)]
    pub fn duration_in(
        &mut self,
        v: Option<&Located<Text>>,
        section: Pos,
        path: &str,
        default: SimTime,
        range: RangeInclusive<SimTime>,
        within: &str,
        hint: &str,
    ) -> Option<SimTime> {
        let t = self.duration(v, section, path, Some(default))?;
        if range.contains(&t) {
            return Some(t);
        }
        let pos = v.map_or(section, |v| v.pos);
        let msg = format!("must be {within}, found {t}");
        self.error(pos, path, msg, Some(hint.to_owned()));
        None
    }

    /// A duration in `(0, max]`; `default` when absent. Errors if absent without default.
    pub fn positive_duration(
        &mut self,
        v: Option<&Located<Text>>,
        section: Pos,
        path: &str,
        default: Option<SimTime>,
        max: SimTime,
        hint: &str,
    ) -> Option<SimTime> {
        let t = self.duration(v, section, path, default)?;
        let Some(v) = v else { return Some(t) };
        if t == SimTime::ZERO || t > max {
            self.error(
                v.pos,
                path,
                format!("must be > 0 and ≤ {max}, found `{}`", v.value.0),
                Some(hint.to_owned()),
            );
            return None;
        }
        Some(t)
    }

    /// A finite multiplier ≥ 0.
    pub fn multiplier(&mut self, v: &Located<f64>, path: &str) -> Option<f64> {
        if v.value.is_finite() && v.value >= 0.0 && v.value <= 1e6 {
            return Some(v.value);
        }
        self.error(
            v.pos,
            path,
            format!("multiplier must be between 0 and 1e6, found {}", v.value),
            Some("1.0 = unchanged, 2.0 = double, 0 = none".into()),
        );
        None
    }
}

/// The accepted range of a real-valued key: `min < x ≤ max` when `open_min`, else
/// `min ≤ x ≤ max`. NaN and infinities are always refused.
#[derive(Clone, Copy, Debug)]
pub struct Bounds {
    pub min: f64,
    pub open_min: bool,
    pub max: f64,
}

impl Bounds {
    /// A share or probability: `0 ≤ x ≤ 1`.
    pub const RATIO: Bounds = Bounds::at_least(0.0, 1.0);

    /// `0 < x ≤ max`.
    pub const fn positive(max: f64) -> Bounds {
        Bounds {
            min: 0.0,
            open_min: true,
            max,
        }
    }

    /// `min ≤ x ≤ max`.
    pub const fn at_least(min: f64, max: f64) -> Bounds {
        Bounds {
            min,
            open_min: false,
            max,
        }
    }

    fn contains(&self, x: f64) -> bool {
        let above = if self.open_min {
            x > self.min
        } else {
            x >= self.min
        };
        x.is_finite() && above && x <= self.max
    }

    /// "> 0 and ≤ 1000000", "between 0 and 1".
    fn describe(&self) -> String {
        if self.open_min {
            format!("> {} and ≤ {}", self.min, self.max)
        } else {
            format!("between {} and {}", self.min, self.max)
        }
    }
}

/// A section that returned `None` must have recorded a diagnostic; reaching this is a bug.
fn unreported<T>() -> T {
    unreachable!("validation returned None without recording a diagnostic")
}

fn pos_of<T>(v: &Option<Located<T>>) -> Pos {
    v.as_ref().map(|l| l.pos).unwrap_or_default()
}

/// Validates a parsed scenario at load multiplier `load` (1 = as written): every open
/// class's rate and every closed class's users are multiplied by it before the checks
/// that bound them. `default_name` is used when the file has no `name`.
pub fn validate(
    s: raw::Scenario,
    sources: &Sources,
    default_name: &str,
    load: f64,
) -> Result<Model, Diagnostics> {
    let mut cx = Ctx {
        sources,
        diags: Vec::new(),
        load,
    };
    let root = Pos {
        file: 0,
        line: 0,
        column: 0,
    };

    match &s.version {
        None => cx.error(
            root,
            "version",
            "missing required key `version`",
            Some("add `version: 1` at the top of the file".into()),
        ),
        Some(v) if v.value != 1 => cx.error(
            v.pos,
            "version",
            format!("unsupported format version {}", v.value),
            Some("this peakplan reads version 1; see docs/scenario-format.md".into()),
        ),
        Some(_) => {}
    }
    let name = match &s.name {
        Some(n) if n.value.trim().is_empty() => {
            cx.error(
                n.pos,
                "name",
                "name is empty",
                Some("remove it to use the file name, or write one".into()),
            );
            None
        }
        Some(n) => Some(n.value.clone()),
        None => Some(default_name.to_owned()),
    };

    let horizon = time::horizon(&mut cx, s.horizon.as_ref(), root);
    let run = settings::run(&mut cx, s.run.as_ref());
    let stats = settings::stats(
        &mut cx,
        s.stats.as_ref(),
        horizon.as_ref().map(|h| h.model.duration),
    );
    let lock_tables = contention::tables(&mut cx, s.contention.as_ref());
    let integrations =
        integrations::integrations(&mut cx, s.integrations.as_ref(), horizon.as_ref());
    let names = workload::Names {
        tables: contention::table_names(s.contention.as_ref()),
        integrations: integrations::names(s.integrations.as_ref()),
    };
    let classes = workload::classes(&mut cx, s.workloads.as_ref(), root, &names);
    let calendar = horizon
        .as_ref()
        .and_then(|h| calendar::calendar(&mut cx, s.calendar.as_ref(), s.workloads.as_ref(), h));
    let estate = estate::estate(&mut cx, s.estate.as_ref(), root);
    if let (Some(cls), Some(redis), Some(w)) = (&classes, &estate.redis, &s.workloads) {
        estate::cache_lookups_need_a_cache(&mut cx, w, cls, redis);
    }
    if let (Some(cls), Some(pg), Some(w)) = (&classes, &estate.postgres, &s.workloads) {
        storage::writes_need_a_volume(&mut cx, w, cls, &pg.primary);
    }
    let mut classes = classes;
    if let (Some(cls), Some(h), Some(w)) = (&mut classes, &horizon, &s.workloads) {
        schedule::fixed_times(&mut cx, w, cls, h);
    }
    if let (Some(cls), Some(cal), Some(w)) = (&mut classes, &calendar, &s.workloads) {
        population::peaks(&mut cx, w, cls, cal);
    }
    if let (Some(cls), Some(est), Some(w)) = (&mut classes, &estate.odoo, &s.workloads) {
        jobs::link(
            &mut cx,
            w,
            cls,
            &est.queue_job_channels,
            est.max_cron_threads,
        );
    }

    if let (Some(cls), Some(est), Some(w)) = (&classes, &estate.odoo, &s.workloads) {
        if !est.evented_worker {
            for ((name, raw), c) in w.value.0.iter().zip(cls) {
                if let (Some(ws), Some(_)) = (&raw.value.websocket, &c.websocket) {
                    cx.error(
                        ws.pos,
                        &format!("workloads.{}.websocket", name.value),
                        "a websocket class needs the evented worker, and `estate.odoo.evented_worker` is false",
                        Some("set `evented_worker: true` (Odoo serves /websocket on gevent_port 8072)".into()),
                    );
                }
            }
        }
    }

    if let (Some(cal), Some(cls)) = (&calendar, &classes) {
        let expected: f64 = cls
            .iter()
            .enumerate()
            .map(|(i, c)| {
                cal.segments(i, c.base_rate_per_s)
                    .iter()
                    .map(|seg| seg.integral())
                    .sum::<f64>()
                    * c.batch_size.mean().max(1.0)
                    // A websocket connection sends messages for as long as it is open.
                    * c.websocket.as_ref().map_or(1.0, |ws| {
                        1.0 + ws.messages_per_s * ws.connected_s.mean()
                    })
                    // A closed class's users each send at most one request per think time
                    // plus a response, and a response takes at least its Odoo CPU time;
                    // the users logged in follow the calendar.
                    + c.population.as_ref().map_or(0.0, |p| {
                        let cycle_s = p.think_s.mean() + c.odoo_cpu_s.mean();
                        let user_s: f64 = cal
                            .segments(i, f64::from(p.users))
                            .iter()
                            .map(|seg| seg.integral())
                            .sum();
                        if cycle_s > 0.0 {
                            user_s / cycle_s
                        } else {
                            f64::INFINITY
                        }
                    })
                    + c.fixed_times.as_ref().map_or(0.0, |t| {
                        t.len() as f64 * c.batch_size.mean().max(1.0)
                    })
            })
            .sum();
        if expected > MAX_EXPECTED_ARRIVALS {
            cx.error(
                pos_of(&s.workloads),
                "workloads",
                format!("about {expected:.3e} requests per replication (open classes at their rates, closed classes at users × horizon / (think + Odoo CPU)); the limit is {MAX_EXPECTED_ARRIVALS:.0e}"),
                Some("shorten the horizon or lower the rates or users (check units: `40/s` vs `40k/s`; a closed class with no think time loops as fast as it is served)".into()),
            );
        }
    }

    if !cx.diags.is_empty() {
        let mut diags = cx.diags;
        diags.sort_by(|a, b| {
            (a.line.is_none(), a.line, a.column).cmp(&(b.line.is_none(), b.line, b.column))
        });
        // Stable: the scenario's own problems first, then each profile's, in file order.
        diags.sort_by_key(|d| sources.names.iter().position(|n| *n == d.file));
        return Err(Diagnostics(diags));
    }
    let estate::Estate {
        ingress,
        redis,
        odoo,
        postgres,
    } = estate;
    let mut model = Model {
        name: name.unwrap_or_else(unreported),
        horizon: horizon
            .as_ref()
            .map(|h| h.model.clone())
            .unwrap_or_else(unreported),
        calendar: calendar.unwrap_or_else(unreported),
        classes: classes.unwrap_or_else(unreported),
        odoo: odoo.unwrap_or_else(unreported),
        postgres: postgres.unwrap_or_else(unreported),
        ingress: ingress.unwrap_or_else(unreported),
        redis: redis.unwrap_or_else(unreported),
        lock_tables: lock_tables.unwrap_or_else(unreported),
        integrations: integrations.unwrap_or_else(unreported),
        stats: stats.unwrap_or_else(unreported),
        run: run.unwrap_or_else(unreported),
        slos: Vec::new(),
        timeline: Vec::new(),
        gate: Vec::new(),
    };
    // What the run would fail on at start-up or while allocating, checked on the model.
    feasible::background_connections_fit(&mut cx, &s, &model);
    feasible::working_memory_fits(&mut cx, &s, &model);
    feasible::rate_limit_buckets_fit(&mut cx, &s, &model);
    model.slos = slos::slos(&mut cx, s.slos.as_ref(), &model).unwrap_or_default();
    if let Some(h) = &horizon {
        model.timeline =
            timeline::timeline(&mut cx, s.timeline.as_ref(), h, &model).unwrap_or_default();
    }
    model.gate = gate::gate(&mut cx, s.gate.as_ref(), &model).unwrap_or_default();
    if !cx.diags.is_empty() {
        return Err(Diagnostics(cx.diags));
    }
    Ok(model)
}
