//! `sizing:` → [`Sizing`]: each knob's path must name a setting of a part the scenario
//! has, its values must be non-empty, readable and strictly increasing, and the prices
//! must cover every resource a knob varies. Checked on the raw scenario after its
//! profiles are resolved, so `estate.odoo` filled by a profile counts as written.

use super::{Ctx, Diagnostics, Located, Pos, Sources, raw, suggest, units};
use crate::model::sizing::{
    Knob, KnobSpec, KnobValue, Prices, Sizing, ValueKind, channel_full_name,
};

/// Most values one knob may have, and most configurations a search space may hold.
pub const MAX_VALUES: usize = 1000;
pub const MAX_CONFIGURATIONS: f64 = 1e7;

/// Validates `s.sizing`; `Ok(None)` when the scenario has none.
pub fn sizing(s: &raw::Scenario, sources: &Sources) -> Result<Option<Sizing>, Diagnostics> {
    let Some(block) = &s.sizing else {
        return Ok(None);
    };
    let mut cx = Ctx {
        sources,
        diags: Vec::new(),
        load: 1.0,
    };
    let knobs = knobs(&mut cx, s, block);
    let prices = prices(&mut cx, block, knobs.as_deref());
    let (replications, max_replications) = replications(&mut cx, &block.value, block.pos);
    if !cx.diags.is_empty() {
        return Err(Diagnostics(cx.diags));
    }
    Ok(Some(Sizing {
        knobs: knobs.unwrap_or_default(),
        prices: prices.flatten(),
        replications,
        max_replications,
    }))
}

fn knobs(cx: &mut Ctx, s: &raw::Scenario, block: &Located<raw::Sizing>) -> Option<Vec<KnobSpec>> {
    let Some(map) = &block.value.knobs else {
        cx.missing(
            block.pos,
            "sizing.knobs",
            "name at least one setting and its values, e.g. `estate.odoo.pods: 2..12`",
        );
        return None;
    };
    if map.value.0.is_empty() {
        cx.error(
            map.pos,
            "sizing.knobs",
            "no knobs",
            Some("name at least one setting, e.g. `estate.odoo.pods: 2..12`".into()),
        );
        return None;
    }
    let mut out: Vec<KnobSpec> = Vec::new();
    let mut ok = true;
    for (key, values) in &map.value.0 {
        let path = format!("sizing.knobs.{}", key.value);
        let Some(knob) = knob_at(cx, s, key, &path) else {
            ok = false;
            continue;
        };
        if out.iter().any(|k| k.knob == knob) {
            cx.error(key.pos, &path, "this knob is named twice", None);
            ok = false;
            continue;
        }
        match knob_values(cx, knob.kind(), values, &path) {
            Some(values) => out.push(KnobSpec { knob, values }),
            None => ok = false,
        }
    }
    let configurations: f64 = out.iter().map(|k| k.values.len() as f64).product();
    if ok && configurations > MAX_CONFIGURATIONS {
        cx.error(
            map.pos,
            "sizing.knobs",
            format!("{configurations:.0} configurations; the limit is {MAX_CONFIGURATIONS:.0}"),
            Some("narrow the ranges or use `by` steps".into()),
        );
        return None;
    }
    ok.then_some(out)
}

/// The knob a path names, if the scenario has the part it belongs to.
fn knob_at(cx: &mut Ctx, s: &raw::Scenario, key: &Located<String>, path: &str) -> Option<Knob> {
    let written = key.value.trim();
    let knob = if let Some(k) = Knob::parse(written) {
        k
    } else {
        let paths = Knob::all_paths();
        let hint = suggest::hint(written, &paths);
        let message = format!("`{written}` is not a setting `peakplan size` can vary");
        cx.error(key.pos, path, message, Some(hint));
        return None;
    };
    match absent_part(s, &knob) {
        None => Some(knob),
        Some((part, example)) => {
            cx.error(
                key.pos,
                path,
                format!("the scenario has no `{part}`, so `{written}` cannot be varied"),
                Some(format!(
                    "declare it first, e.g. `{example}`, or remove this knob"
                )),
            );
            None
        }
    }
}

/// The part a knob needs that the scenario lacks (its path and an example), if any.
fn absent_part(s: &raw::Scenario, knob: &Knob) -> Option<(String, &'static str)> {
    let estate = s.estate.as_ref().map(|e| &e.value);
    let odoo = estate.and_then(|e| e.odoo.as_ref()).map(|o| &o.value);
    let pg = estate.and_then(|e| e.postgres.as_ref()).map(|p| &p.value);
    let missing = |part: &str, ex| Some((part.to_owned(), ex));
    match knob {
        Knob::Pods | Knob::Workers | Knob::PodCpu | Knob::CronThreads | Knob::DbMaxconn => odoo
            .is_none()
            .then(|| ("estate.odoo".into(), "odoo: {workers: 4}")),
        Knob::Channel(name) => {
            let Some(o) = odoo else {
                return missing("estate.odoo", "odoo: {workers: 4}");
            };
            let text = o.queue_job_channels.as_ref().map_or("root:1", |c| &c.value);
            let listed = text
                .replace('\n', ",")
                .split(',')
                .map(|item| channel_full_name(item.split(':').next().unwrap_or_default()))
                .any(|n| n == *name);
            (!listed).then(|| {
                (
                    format!("estate.odoo.queue_job_channels channel `{name}`"),
                    "queue_job_channels: \"root:4,root.sync:2\"",
                )
            })
        }
        Knob::PgCores | Knob::PgMaxConnections => pg
            .is_none()
            .then(|| ("estate.postgres".into(), "postgres: {cores: 4}")),
        Knob::PoolSize => pg.and_then(|p| p.pgbouncer.as_ref()).is_none().then(|| {
            (
                "estate.postgres.pgbouncer".into(),
                "pgbouncer: {default_pool_size: 20}",
            )
        }),
        Knob::Iops => pg
            .and_then(|p| p.volume.as_ref())
            .is_none()
            .then(|| ("estate.postgres.volume".into(), "volume: {iops: 3000}")),
        Knob::ReplicaCores => pg
            .and_then(|p| p.replica.as_ref())
            .is_none()
            .then(|| ("estate.postgres.replica".into(), "replica: {cores: 2}")),
        Knob::RedisMaxmemory => estate
            .and_then(|e| e.redis.as_ref())
            .is_none()
            .then(|| ("estate.redis".into(), "redis: {maxmemory: 1GiB}")),
    }
}

/// A knob's values, strictly increasing.
fn knob_values(
    cx: &mut Ctx,
    kind: ValueKind,
    values: &Located<raw::KnobValues>,
    path: &str,
) -> Option<Vec<KnobValue>> {
    let out = match &values.value {
        raw::KnobValues::Range(text) => range(text, kind),
        raw::KnobValues::List(list) => list.iter().map(|t| value(&t.0, kind)).collect(),
    };
    let out = match out {
        Ok(v) => v,
        Err((message, hint)) => {
            cx.error(values.pos, path, message, Some(hint));
            return None;
        }
    };
    if out.is_empty() {
        cx.error(
            values.pos,
            path,
            "the range has no values",
            Some("write `low..high` with low ≤ high, or a non-empty list".into()),
        );
        return None;
    }
    if out.len() > MAX_VALUES {
        let msg = format!("{} values; the limit is {MAX_VALUES}", out.len());
        cx.error(values.pos, path, msg, Some("use a `by` step".into()));
        return None;
    }
    if let Some(w) = out.windows(2).find(|w| w[1].number <= w[0].number) {
        cx.error(
            values.pos,
            path,
            format!(
                "values must increase strictly: `{}` comes after `{}`",
                w[1].text, w[0].text
            ),
            Some("list the values from the smallest to the largest, each once".into()),
        );
        return None;
    }
    Some(out)
}

type Problem = (String, String);

/// `A..B` or `A..B by S`, in the knob's unit (cores for `cpu`, GiB for sizes).
fn range(text: &str, kind: ValueKind) -> Result<Vec<KnobValue>, Problem> {
    let hint = || "write `2..12`, `3000..12000 by 1000`, or a list `[2, 4, 8]`".to_owned();
    let (span, step) = match text.split_once(" by ") {
        Some((span, step)) => (span.trim(), Some(step.trim())),
        None => (text.trim(), None),
    };
    let Some((lo, hi)) = span.split_once("..") else {
        return Err((
            format!("expected a range or a list, found `{text}`"),
            hint(),
        ));
    };
    let number = |t: &str| {
        units::parse_number(t.trim())
            .map_err(|_| (format!("`{t}` is not a number in `{text}`"), hint()))
    };
    let (lo, hi) = (number(lo)?, number(hi)?);
    let step = step.map(number).transpose()?.unwrap_or(1.0);
    if !(step > 0.0 && step.is_finite() && lo.is_finite() && hi.is_finite()) {
        return Err((format!("`{text}`: the step must be > 0"), hint()));
    }
    if hi < lo {
        return Ok(Vec::new());
    }
    let count = ((hi - lo) / step + 1e-9).floor() + 1.0;
    if count > MAX_VALUES as f64 {
        return Err((
            format!("`{text}` has {count:.0} values; the limit is {MAX_VALUES}"),
            "use a larger `by` step".into(),
        ));
    }
    (0..count as usize)
        .map(|i| {
            let x = lo + i as f64 * step;
            let t = match kind {
                ValueKind::Size => format!("{}GiB", readable(x)),
                _ => readable(x),
            };
            value(&t, kind)
        })
        .collect()
}

/// A number without a trailing `.0`, and without floating-point dust.
fn readable(x: f64) -> String {
    let r = (x * 1e6).round() / 1e6;
    if r.fract() == 0.0 {
        format!("{r:.0}")
    } else {
        format!("{r}")
    }
}

/// One value, read as the knob's kind.
fn value(text: &str, kind: ValueKind) -> Result<KnobValue, Problem> {
    let text = text.trim().to_owned();
    let number = match kind {
        ValueKind::Whole => match text.parse::<u32>() {
            Ok(n) => f64::from(n),
            Err(_) => {
                return Err((
                    format!("`{text}` is not a whole number ≥ 0"),
                    "this setting takes whole numbers, e.g. `4`".into(),
                ));
            }
        },
        ValueKind::Cpu => match units::parse_cpu(&text) {
            Ok(m) => m as f64 / 1000.0,
            Err(e) => return Err((e.message, e.hint)),
        },
        ValueKind::Size => match units::parse_size(&text) {
            Ok(b) => b as f64 / (1024.0 * 1024.0 * 1024.0),
            Err(e) => return Err((e.message, e.hint)),
        },
        ValueKind::Real => match units::parse_number(&text) {
            Ok(x) if x > 0.0 && x.is_finite() => x,
            _ => {
                return Err((
                    format!("`{text}` is not a number > 0"),
                    "write e.g. `3000`".into(),
                ));
            }
        },
    };
    Ok(KnobValue { text, number })
}

fn prices(
    cx: &mut Ctx,
    block: &Located<raw::Sizing>,
    knobs: Option<&[KnobSpec]>,
) -> Option<Option<Prices>> {
    let Some(p) = &block.value.prices else {
        return Some(None);
    };
    let at = p.pos;
    let p = &p.value;
    let Some(currency) = &p.currency else {
        cx.missing(
            at,
            "sizing.prices.currency",
            "name the currency, e.g. `currency: EUR`",
        );
        return None;
    };
    let mut price = |v: &Option<Located<f64>>, name: &str| -> Option<Option<f64>> {
        let Some(v) = v else { return Some(None) };
        let bounds = super::Bounds::at_least(0.0, 1e9);
        let path = format!("sizing.prices.{name}");
        cx.real(Some(v), at, &path, None, bounds, "a price per month")
            .map(Some)
    };
    let prices = Prices {
        currency: currency.value.clone(),
        pod_vcpu: price(&p.pod_vcpu, "pod_vcpu")?,
        postgres_core: price(&p.postgres_core, "postgres_core")?,
        iops_1000: price(&p.iops_1000, "iops_1000")?,
        redis_gib: price(&p.redis_gib, "redis_gib")?,
    };
    let mut ok = true;
    for k in knobs.unwrap_or_default() {
        let Some(resource) = k.knob.priced_by() else {
            continue;
        };
        let given = match resource {
            "pod_vcpu" => prices.pod_vcpu,
            "postgres_core" => prices.postgres_core,
            "iops_1000" => prices.iops_1000,
            _ => prices.redis_gib,
        };
        if given.is_none() {
            cx.error(
                at,
                &format!("sizing.prices.{resource}"),
                format!(
                    "`{}` varies a priced resource, and `{resource}` has no price",
                    k.knob.path()
                ),
                Some(format!(
                    "add `{resource}: PRICE` (per month, in {})",
                    prices.currency
                )),
            );
            ok = false;
        }
    }
    ok.then_some(Some(prices))
}

fn replications(cx: &mut Ctx, s: &raw::Sizing, at: Pos) -> (Option<u32>, Option<u32>) {
    let why = "at least one replication";
    let reps = cx.int(
        s.replications.as_ref(),
        at,
        "sizing.replications",
        Some(0),
        1..=1000,
        why,
    );
    let max = cx.int(
        s.max_replications.as_ref(),
        at,
        "sizing.max_replications",
        Some(0),
        1..=1000,
        why,
    );
    let (reps, max) = (
        reps.filter(|_| s.replications.is_some()),
        max.filter(|_| s.max_replications.is_some()),
    );
    if let (Some(r), Some(m), Some(v)) = (reps, max, &s.max_replications)
        && m < r
    {
        cx.error(
            v.pos,
            "sizing.max_replications",
            format!("must be ≥ sizing.replications ({r}), found {m}"),
            Some("sequential stopping adds replications up to this cap".into()),
        );
    }
    (reps, max)
}
