//! Row-lock hot spots under REPEATABLE READ, as Odoo runs its transactions.
//!
//! A request updates a few rows of a hot table at the end of its database work and holds
//! their locks until it commits (the end of the request). A second transaction wanting a
//! locked row waits for the holder; if the holder commits, the waiter fails with
//! `could not serialize access due to concurrent update` (40001), and so does a
//! transaction that finds a row committed by someone else after its own snapshot. If the
//! holder rolls back, the waiter goes on. Odoo then re-runs the whole request after a
//! random back-off (`crate::sim::flow`).
//!
//! Only rows touched recently are kept: a row with no holder, no waiter and a last commit
//! older than every live snapshot can no longer cause a conflict and is pruned.

use crate::model::SimTime;
use std::collections::HashMap;

/// A row: table index and key.
pub type Row = (u32, u64);
/// A request: slot and incarnation.
pub type Txn = (u32, u32);

#[derive(Clone, Debug, Default)]
struct RowState {
    holder: Option<Txn>,
    last_commit: SimTime,
    waiters: Vec<Txn>,
}

/// What acquiring a request's rows gave.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Acquire {
    /// All rows locked.
    Granted,
    /// A row is held by another transaction; the request now waits on it.
    Wait,
    /// A row was committed by another transaction after the request's snapshot: 40001.
    Conflict,
}

#[derive(Clone, Debug, Default)]
pub struct Locks {
    rows: HashMap<Row, RowState>,
}

impl Locks {
    /// Tries to lock all `rows` (sorted, distinct) for `txn` whose snapshot is `snapshot`.
    /// All or nothing: on `Wait` the transaction is queued on the first held row.
    pub fn acquire(&mut self, txn: Txn, snapshot: SimTime, rows: &[Row]) -> Acquire {
        for row in rows {
            if let Some(s) = self.rows.get(row) {
                if s.last_commit > snapshot {
                    return Acquire::Conflict;
                }
            }
        }
        for row in rows {
            let s = self.rows.entry(*row).or_default();
            if s.holder.is_some_and(|h| h != txn) {
                s.waiters.push(txn);
                return Acquire::Wait;
            }
        }
        for row in rows {
            self.rows.entry(*row).or_default().holder = Some(txn);
        }
        Acquire::Granted
    }

    /// Releases `txn`'s rows, committing (stamping them `now`) or rolling back, and
    /// returns the transactions that were waiting on them, to be re-examined.
    pub fn release(&mut self, txn: Txn, rows: &[Row], commit: bool, now: SimTime) -> Vec<Txn> {
        let mut woken = Vec::new();
        for row in rows {
            if let Some(s) = self.rows.get_mut(row) {
                if s.holder == Some(txn) {
                    s.holder = None;
                    if commit {
                        s.last_commit = now;
                    }
                    woken.append(&mut s.waiters);
                }
            }
        }
        woken
    }

    /// Forgets rows that can no longer matter: unheld, unwaited, committed before
    /// `oldest_snapshot`.
    pub fn prune(&mut self, oldest_snapshot: SimTime) {
        self.rows.retain(|_, s| {
            s.holder.is_some() || !s.waiters.is_empty() || s.last_commit > oldest_snapshot
        });
    }

    pub fn tracked(&self) -> usize {
        self.rows.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ROW: Row = (0, 7);

    fn t(s: u64) -> SimTime {
        SimTime::from_secs(s)
    }

    /// One hot key, two overlapping writers: the second waits, then fails when the first
    /// commits; a third that started after the commit goes through.
    #[test]
    fn overlapping_writers_conflict() {
        let mut l = Locks::default();
        let (a, b, c) = ((1, 0), (2, 0), (3, 0));
        assert_eq!(l.acquire(a, t(0), &[ROW]), Acquire::Granted);
        assert_eq!(l.acquire(b, t(1), &[ROW]), Acquire::Wait);
        assert_eq!(l.release(a, &[ROW], true, t(2)), vec![b]);
        assert_eq!(l.acquire(b, t(1), &[ROW]), Acquire::Conflict);
        assert_eq!(l.acquire(c, t(3), &[ROW]), Acquire::Granted);
    }

    #[test]
    fn a_rollback_lets_the_waiter_through() {
        let mut l = Locks::default();
        let (a, b) = ((1, 0), (2, 0));
        assert_eq!(l.acquire(a, t(0), &[ROW]), Acquire::Granted);
        assert_eq!(l.acquire(b, t(1), &[ROW]), Acquire::Wait);
        assert_eq!(l.release(a, &[ROW], false, t(2)), vec![b]);
        assert_eq!(l.acquire(b, t(1), &[ROW]), Acquire::Granted);
    }

    #[test]
    fn disjoint_rows_never_conflict_and_prune_forgets() {
        let mut l = Locks::default();
        assert_eq!(l.acquire((1, 0), t(0), &[(0, 1)]), Acquire::Granted);
        assert_eq!(l.acquire((2, 0), t(0), &[(0, 2)]), Acquire::Granted);
        l.release((1, 0), &[(0, 1)], true, t(1));
        l.release((2, 0), &[(0, 2)], true, t(1));
        l.prune(t(5));
        assert_eq!(l.tracked(), 0);
    }
}
