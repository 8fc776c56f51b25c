//! `contention.tables` → [`LockTable`]s, and each class's `locks:` → [`LockUse`]s that
//! point into them.
//!
//! A table is named by its key, which may contain dots (`stock.quant`, as Odoo names its
//! models); its index in `Model::lock_tables` is its position in the file. A class's
//! `locks[i].table` is resolved against the names even when that table's own entry is
//! invalid, so one typo does not hide the other problems.

use super::super::located::{Located, OrderedMap};
use super::super::raw;
use super::dist::{Measure, dist};
use super::{Bounds, Ctx};
use crate::model::{LockTable, LockUse};

/// Most tables in a scenario.
const MAX_TABLES: usize = 1_000;
/// Most rows in one table: far beyond a hot spot, and a guard against typos.
const MAX_KEYS: u32 = 1_000_000_000;
/// Zipf exponents above this put every draw on the first row; write `keys: 1` instead.
const MAX_ZIPF_EXPONENT: f64 = 10.0;
/// Most entries in one class's `locks:` (and `calls:`).
pub const MAX_USES: usize = 64;

type Tables = Located<OrderedMap<Located<raw::LockTable>>>;

fn declared(c: Option<&Located<raw::Contention>>) -> Option<&Tables> {
    c.and_then(|c| c.value.tables.as_ref())
}

/// Names of `contention.tables`, in file order (index = table id).
pub fn table_names(c: Option<&Located<raw::Contention>>) -> Vec<&str> {
    declared(c)
        .map(|t| t.value.0.iter().map(|(n, _)| n.value.as_str()).collect())
        .unwrap_or_default()
}

/// Validates `contention:`; absent = no tables.
pub fn tables(cx: &mut Ctx, c: Option<&Located<raw::Contention>>) -> Option<Vec<LockTable>> {
    let Some(tables) = declared(c) else {
        return Some(Vec::new());
    };
    if tables.value.0.len() > MAX_TABLES {
        cx.error(
            tables.pos,
            "contention.tables",
            format!("{} tables; the limit is {MAX_TABLES}", tables.value.0.len()),
            Some("model the few hot spots, not every table".into()),
        );
        return None;
    }
    let mut out = Vec::with_capacity(tables.value.0.len());
    let mut ok = true;
    for (name, t) in &tables.value.0 {
        match table(cx, name, t) {
            Some(x) => out.push(x),
            None => ok = false,
        }
    }
    ok.then_some(out)
}

fn table(cx: &mut Ctx, name: &Located<String>, t: &Located<raw::LockTable>) -> Option<LockTable> {
    let path = format!("contention.tables.{}", name.value);
    let kpath = format!("{path}.keys");
    let keys = match &t.value.keys {
        Some(k) if k.value == 0 => {
            cx.error(
                k.pos,
                &kpath,
                "a lock model with zero keys has no rows to lock",
                Some(
                    "`keys` is the number of hot rows (≥ 1), e.g. the SKUs of a flash sale; \
                     remove the table to model no contention"
                        .into(),
                ),
            );
            None
        }
        k => cx.int(
            k.as_ref(),
            t.pos,
            &kpath,
            None,
            1..=MAX_KEYS,
            "`keys` is the number of hot rows (≥ 1)",
        ),
    };
    let zipf_exponent = cx.real(
        t.value.zipf_exponent.as_ref(),
        t.pos,
        &format!("{path}.zipf_exponent"),
        Some(0.0),
        Bounds::at_least(0.0, MAX_ZIPF_EXPONENT),
        "0 = every row equally likely; about 1 = the classic Zipf popularity of products",
    );
    Some(LockTable {
        name: name.value.clone(),
        keys: u64::from(keys?),
        zipf_exponent: zipf_exponent?,
    })
}

/// Validates one class's `locks:` (written at `path`) against the table names.
pub fn lock_uses(
    cx: &mut Ctx,
    list: Option<&Located<Vec<Located<raw::LockUse>>>>,
    path: &str,
    tables: &[&str],
) -> Option<Vec<LockUse>> {
    cx.list(list, path, MAX_USES, |cx, u, p| {
        let table = table_ref(cx, u, p, tables);
        let keys = dist(
            cx,
            u.value.keys.as_ref(),
            u.pos,
            &format!("{p}.keys"),
            Measure::Count,
            Some(1.0),
        );
        Some(LockUse {
            table: table?,
            keys: keys?,
        })
    })
}

/// The index of the table a lock use names.
fn table_ref(cx: &mut Ctx, u: &Located<raw::LockUse>, p: &str, tables: &[&str]) -> Option<usize> {
    cx.reference(
        u.value.table.as_ref(),
        u.pos,
        &format!("{p}.table"),
        tables,
        "lock table",
        "`contention.tables`",
        "table: stock.quant",
        "contention: {tables: {stock.quant: {keys: 20}}}",
    )
}
