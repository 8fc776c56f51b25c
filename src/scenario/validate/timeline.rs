//! `timeline:` — changes during the run, checked against the assembled model (the classes,
//! integrations and database servers they name). The integrations' `outages:` join the
//! timeline here as `outage` changes, so the simulation learns of every change the same
//! way: from an event at its start and one at its end.

use super::super::located::Located;
use super::super::raw::{self, ChangeAction};
use super::time::{HorizonInfo, local_instant};
use super::{Bounds, Ctx, suggest};
use crate::model::{Change, Db, Effect, Model, Part, SimTime};

/// Entries in `timeline:`.
const MAX_CHANGES: usize = 10_000;
/// The longest change.
const MAX_DURATION: SimTime = SimTime::from_secs(366 * 86_400);
/// The largest `slow` factor and `noisy_neighbour` threads (typos, not scenarios).
const MAX_FACTOR: f64 = 1_000.0;

/// The targets a change can name, besides `integration.NAME` and `class.NAME`.
const SERVER_TARGETS: [&str; 4] = [
    "postgres.cpu",
    "postgres.volume",
    "replica.cpu",
    "replica.volume",
];

/// The model's timeline: each integration's outages, then `list`'s entries; `None` after
/// an error (reported).
pub fn timeline(
    cx: &mut Ctx,
    list: Option<&Located<Vec<Located<raw::Change>>>>,
    h: &HorizonInfo,
    model: &Model,
) -> Option<Vec<Change>> {
    let mut changes: Vec<(Change, Option<Located<String>>)> = outages(model);
    let written = cx.list(list, "timeline", MAX_CHANGES, |cx, c, p| {
        change(cx, c, p, h, model).map(|ch| (ch, c.value.at.clone()))
    })?;
    changes.extend(written);
    no_overlaps(cx, &changes, model, h)?;
    Some(changes.into_iter().map(|(c, _)| c).collect())
}

/// Each integration's outage windows as `outage` changes.
fn outages(model: &Model) -> Vec<(Change, Option<Located<String>>)> {
    let mut out = Vec::new();
    for (i, api) in model.integrations.iter().enumerate() {
        for &(start, end) in &api.outages {
            let change = Change {
                name: format!("outage integration.{}", api.name),
                start,
                end: Some(end),
                effect: Effect::Outage { integration: i },
            };
            out.push((change, None));
        }
    }
    out
}

/// One entry, written at `p`.
fn change(
    cx: &mut Ctx,
    c: &Located<raw::Change>,
    p: &str,
    h: &HorizonInfo,
    model: &Model,
) -> Option<Change> {
    let v = &c.value;
    let start = at(cx, v.at.as_ref(), c.pos, &format!("{p}.at"), h);
    let end = match &v.duration {
        None => Some(None),
        Some(_) => cx
            .positive_duration(
                v.duration.as_ref(),
                c.pos,
                &format!("{p}.duration"),
                None,
                MAX_DURATION,
                "how long the change lasts, e.g. `30m`; leave it out for the rest of the run",
            )
            .map(Some),
    };
    let Some(action) = &v.action else {
        cx.missing(
            c.pos,
            &format!("{p}.action"),
            "one of `outage`, `slow`, `degrade`, `noisy_neighbour`",
        );
        return None;
    };
    let effect = effect(cx, c, p, action.value, model)?;
    let (start, end) = (start?, end?);
    let end = end
        .map(|d| start + d)
        .filter(|e| *e < model.horizon.duration);
    let name = v.name.as_ref().map_or_else(
        || format!("{} {}", action_word(action.value), target_text(v)),
        |n| n.value.clone(),
    );
    Some(Change {
        name,
        start,
        end,
        effect,
    })
}

fn action_word(a: ChangeAction) -> &'static str {
    match a {
        ChangeAction::Outage => "outage",
        ChangeAction::Slow => "slow",
        ChangeAction::Degrade => "degrade",
        ChangeAction::NoisyNeighbour => "noisy_neighbour",
    }
}

fn target_text(v: &raw::Change) -> &str {
    v.target.as_ref().map_or("", |t| t.value.as_str())
}

/// A local date-time within the horizon.
fn at(
    cx: &mut Ctx,
    s: Option<&Located<String>>,
    section: super::super::located::Pos,
    path: &str,
    h: &HorizonInfo,
) -> Option<SimTime> {
    let Some(s) = s else {
        cx.missing(
            section,
            path,
            "add a local date-time, e.g. `2026-11-27T10:00`",
        );
        return None;
    };
    let t = local_instant(cx, s, h.tz, path)?;
    match h.sim_time(t) {
        Some(st) if st < h.model.duration => Some(st),
        _ => {
            cx.error(
                s.pos,
                path,
                format!("change at `{}` is outside the horizon", s.value),
                Some(format!(
                    "the horizon runs from {} for {} ({}); move the change or the horizon",
                    h.model.start_local, h.model.duration, h.model.timezone
                )),
            );
            None
        }
    }
}

/// What the entry does to its target.
fn effect(
    cx: &mut Ctx,
    c: &Located<raw::Change>,
    p: &str,
    action: ChangeAction,
    model: &Model,
) -> Option<Effect> {
    let v = &c.value;
    let path = format!("{p}.target");
    let Some(target) = &v.target else {
        cx.missing(
            c.pos,
            &path,
            "e.g. `integration.payment`, `class.invoice-post`, `postgres.volume`",
        );
        return None;
    };
    let t = target.value.as_str();
    let unknown = |cx: &mut Ctx, msg: String, hint: String| {
        cx.error(target.pos, &path, msg, Some(hint));
        None
    };
    let fits = |wanted: &str| -> Option<String> {
        Some(format!(
            "`{}` acts on {wanted}; `{t}` is not one",
            action_word(action)
        ))
    };
    let no_extra = |cx: &mut Ctx, key: &str, v: Option<&Located<f64>>| {
        if let Some(v) = v {
            cx.error(
                v.pos,
                &format!("{p}.{key}"),
                format!("`{key}` does not apply to `{}`", action_word(action)),
                Some("remove it".into()),
            );
        }
    };
    match action {
        ChangeAction::Outage => {
            no_extra(cx, "factor", v.factor.as_ref());
            no_extra(cx, "threads", v.threads.as_ref());
            let Some(name) = t.strip_prefix("integration.") else {
                return unknown(
                    cx,
                    fits("an integration").unwrap(),
                    "write `integration.NAME`".into(),
                );
            };
            let names: Vec<&str> = model.integrations.iter().map(|i| i.name.as_str()).collect();
            match names.iter().position(|n| *n == name) {
                Some(i) => Some(Effect::Outage { integration: i }),
                None => unknown(
                    cx,
                    format!("no integration named `{name}` in `integrations`"),
                    suggest::hint(name, &names),
                ),
            }
        }
        ChangeAction::Slow => {
            no_extra(cx, "threads", v.threads.as_ref());
            let Some(name) = t.strip_prefix("class.") else {
                return unknown(
                    cx,
                    fits("a workload class").unwrap(),
                    "write `class.NAME`".into(),
                );
            };
            let names: Vec<&str> = model.classes.iter().map(|c| c.name.as_str()).collect();
            let class = match names.iter().position(|n| *n == name) {
                Some(i) => i,
                None => {
                    return unknown(
                        cx,
                        format!("no workload class named `{name}`"),
                        suggest::hint(name, &names),
                    );
                }
            };
            let factor = cx.real(
                v.factor.as_ref(),
                c.pos,
                &format!("{p}.factor"),
                None,
                Bounds::positive(MAX_FACTOR),
                "the factor on the class's work: 1.5 = half as slow again",
            )?;
            Some(Effect::Slow { class, factor })
        }
        ChangeAction::Degrade | ChangeAction::NoisyNeighbour => {
            if action == ChangeAction::Degrade {
                no_extra(cx, "threads", v.threads.as_ref());
            } else {
                no_extra(cx, "factor", v.factor.as_ref());
            }
            let Some((db, part)) = server_target(t) else {
                let hint = suggest::hint(t, &SERVER_TARGETS);
                return unknown(
                    cx,
                    fits("a database server's `cpu` or `volume`").unwrap(),
                    hint,
                );
            };
            let server = model.postgres.server(db);
            let Some(server) = server else {
                return unknown(
                    cx,
                    format!("`{t}`: the estate has no read replica"),
                    "declare `estate.postgres.replica`, or target `postgres.…`".into(),
                );
            };
            if part == Part::Volume && server.volume.is_none() {
                return unknown(
                    cx,
                    format!("`{t}`: the server's volume is not modelled"),
                    "declare the volume (`iops:`) in `estate.postgres`".into(),
                );
            }
            server_effect(cx, c, p, action, db, part, t)
        }
    }
}

/// `postgres.cpu` → (primary, CPU), and so on.
fn server_target(t: &str) -> Option<(Db, Part)> {
    let (server, part) = t.split_once('.')?;
    let db = match server {
        "postgres" => Db::Primary,
        "replica" => Db::Replica,
        _ => return None,
    };
    let part = match part {
        "cpu" => Part::Cpu,
        "volume" => Part::Volume,
        _ => return None,
    };
    Some((db, part))
}

/// `degrade` or `noisy_neighbour` on server `db`'s `part`.
fn server_effect(
    cx: &mut Ctx,
    c: &Located<raw::Change>,
    p: &str,
    action: ChangeAction,
    db: Db,
    part: Part,
    t: &str,
) -> Option<Effect> {
    let v = &c.value;
    if action == ChangeAction::Degrade {
        let share = cx.real(
            v.factor.as_ref(),
            c.pos,
            &format!("{p}.factor"),
            None,
            Bounds::positive(1.0),
            "the share of the capacity left: 0.5 = half the cores or IOPS",
        )?;
        return Some(Effect::Degrade { db, part, share });
    }
    if part == Part::Volume {
        cx.error(
            c.value.target.as_ref().map_or(c.pos, |x| x.pos),
            &format!("{p}.target"),
            format!("`noisy_neighbour` acts on a server's CPU; `{t}` is a volume"),
            Some("for I/O taken by something else, `degrade` the volume by the share left".into()),
        );
        return None;
    }
    let threads = cx.real(
        v.threads.as_ref(),
        c.pos,
        &format!("{p}.threads"),
        None,
        Bounds::positive(MAX_FACTOR),
        "the threads the neighbour keeps runnable, e.g. 2",
    )?;
    Some(Effect::Neighbour { db, threads })
}

/// What two changes must not both do at once: the same action on the same target.
fn key(e: &Effect) -> (u8, usize, u8) {
    match *e {
        Effect::Outage { integration } => (0, integration, 0),
        Effect::Slow { class, .. } => (1, class, 0),
        Effect::Degrade { db, part, .. } => (2, db as usize, part as u8),
        Effect::Neighbour { db, .. } => (3, db as usize, 0),
    }
}

/// Two changes of one kind on one target overlapping in time contradict each other
/// (which factor holds?): an error naming both.
fn no_overlaps(
    cx: &mut Ctx,
    changes: &[(Change, Option<Located<String>>)],
    model: &Model,
    h: &HorizonInfo,
) -> Option<()> {
    let mut ok = true;
    let horizon = model.horizon.duration;
    for (j, (b, at)) in changes.iter().enumerate() {
        let clash = changes[..j].iter().position(|(a, _)| {
            key(&a.effect) == key(&b.effect)
                && a.start < b.end.unwrap_or(horizon)
                && b.start < a.end.unwrap_or(horizon)
        });
        let (Some(i), Some(at)) = (clash, at) else {
            continue;
        };
        let a = &changes[i].0;
        let index = j - changes.iter().filter(|(_, at)| at.is_none()).count();
        cx.error(
            at.pos,
            &format!("timeline[{index}].at"),
            format!(
                "`{}` overlaps `{}` (from {} to {}) on the same target",
                b.name,
                a.name,
                h.model.local_time(a.start),
                a.end.map_or("the horizon's end".into(), |e| h.model.local_time(e))
            ),
            Some("two changes of one kind on one target cannot hold at once: merge them, or make one end before the other starts".into()),
        );
        ok = false;
    }
    ok.then_some(())
}
