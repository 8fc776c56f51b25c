//! Pending events, earliest first; ties leave in scheduling order (FIFO), except that an
//! event pushed with [`EventQueue::push_first`] leaves before every ordinary event at its
//! time (the bookkeeping that closes a time bucket, so that what happens at the bucket's
//! boundary counts in the bucket that starts there).
//!
//! Integer time (nanoseconds) and a sequence number make the order total and the run
//! reproducible: no two events are ever "equal". The heaps are 4-ary with hole-based sifting
//! (elements move, they are not swapped): shallower than a binary heap and friendlier to
//! the cache, which matters because moving entries is most of an event loop's work. Events
//! due soon and events due later wait in two heaps (see [`EventQueue`]).

use crate::model::SimTime;

/// The queue refused an event because it holds `cap` events already.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QueueFull {
    pub cap: usize,
}

#[derive(Clone, Copy)]
struct Entry<E> {
    time: u64,
    seq: u64,
    event: E,
}

impl<E> Entry<E> {
    #[inline(always)]
    fn before(&self, other: &Self) -> bool {
        // The same order as the tuple (time, seq), compared as one 128-bit key: a
        // subtract-with-borrow pair instead of two compares and a branch.
        self.key() < other.key()
    }

    #[inline(always)]
    fn key(&self) -> u128 {
        (u128::from(self.time) << 64) | u128::from(self.seq)
    }
}

const ARITY: usize = 4;
/// Sequence numbers below this are ranks of [`EventQueue::push_first`] events.
pub const FIRST_RANKS: u64 = 8;
/// Events due at least this long (ns) after the last event popped wait in the far heap.
const NEAR_NS: u64 = 1_000_000_000;

/// A bounded future-event list.
///
/// Two heaps: the events due within [`NEAR_NS`] of the last one popped, and the rest
/// (client time-outs, open websockets, crons, bucket ends). A short delay then sifts
/// through the few near events instead of the many far ones, and `pop` takes the
/// earlier of the two tops: the order is that of a single heap.
pub struct EventQueue<E> {
    near: Heap<E>,
    far: Heap<E>,
    /// The time of the last event popped.
    now: u64,
    seq: u64,
    cap: usize,
}

impl<E: Copy> EventQueue<E> {
    pub fn new(cap: usize) -> Self {
        EventQueue {
            near: Heap::new(cap),
            far: Heap::new(cap),
            now: 0,
            seq: FIRST_RANKS,
            cap,
        }
    }

    /// Schedules `event` at `time`.
    #[inline]
    pub fn push(&mut self, time: SimTime, event: E) -> Result<(), QueueFull> {
        let seq = self.seq;
        self.seq += 1;
        self.insert(time, seq, event)
    }

    /// Schedules `event` at `time`, ahead of every event pushed with `push` at that time;
    /// among such events, the lower `rank` (< [`FIRST_RANKS`]) leaves first. At most one
    /// pending event per rank and time, so the order stays total.
    pub fn push_first(&mut self, time: SimTime, rank: u64, event: E) -> Result<(), QueueFull> {
        debug_assert!(rank < FIRST_RANKS);
        self.insert(time, rank, event)
    }

    #[inline]
    fn insert(&mut self, time: SimTime, seq: u64, event: E) -> Result<(), QueueFull> {
        if self.len() >= self.cap {
            return Err(QueueFull { cap: self.cap });
        }
        let new = Entry {
            time: time.0,
            seq,
            event,
        };
        if time.0.saturating_sub(self.now) < NEAR_NS {
            self.near.insert(new);
        } else {
            self.far.insert(new);
        }
        Ok(())
    }

    /// Removes the earliest event.
    #[inline]
    pub fn pop(&mut self) -> Option<(SimTime, E)> {
        let far_first = match (self.near.heap.first(), self.far.heap.first()) {
            (Some(near), Some(far)) => far.before(near),
            (near, _) => near.is_none(),
        };
        let heap = if far_first {
            &mut self.far
        } else {
            &mut self.near
        };
        let top = heap.pop()?;
        self.now = top.time;
        Some((SimTime(top.time), top.event))
    }

    pub fn len(&self) -> usize {
        self.near.heap.len() + self.far.heap.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// A 4-ary min-heap of entries.
struct Heap<E> {
    heap: Vec<Entry<E>>,
}

impl<E: Copy> Heap<E> {
    fn new(cap: usize) -> Self {
        Heap {
            heap: Vec::with_capacity(cap.min(1 << 12)),
        }
    }

    #[inline]
    fn insert(&mut self, new: Entry<E>) {
        let mut hole = self.heap.len();
        self.heap.push(new);
        while hole > 0 {
            let parent = (hole - 1) / ARITY;
            if !new.before(&self.heap[parent]) {
                break;
            }
            self.heap[hole] = self.heap[parent];
            hole = parent;
        }
        self.heap[hole] = new;
    }

    #[inline]
    fn pop(&mut self) -> Option<Entry<E>> {
        let last = self.heap.pop()?;
        let n = self.heap.len();
        if n == 0 {
            return Some(last);
        }
        let top = self.heap[0];
        // The hole left at the root goes down to a leaf, the earliest child moving up at
        // each level; then `last` rises from there (rarely far: it came from the
        // bottom). That saves comparing `last` at every level on the way down, a branch
        // the processor cannot predict.
        let mut hole = 0;
        loop {
            let first = hole * ARITY + 1;
            if first >= n {
                break;
            }
            let best = self.earliest_child(first, n);
            self.heap[hole] = self.heap[best];
            hole = best;
        }
        while hole > 0 {
            let parent = (hole - 1) / ARITY;
            if !last.before(&self.heap[parent]) {
                break;
            }
            self.heap[hole] = self.heap[parent];
            hole = parent;
        }
        self.heap[hole] = last;
        Some(top)
    }

    /// The earliest of the children starting at `first` (< `n`, the heap's length).
    #[inline(always)]
    fn earliest_child(&self, first: usize, n: usize) -> usize {
        if first + ARITY <= n {
            // A full group: two pairs, then their winners, as index arithmetic and a
            // select rather than branches on the (unpredictable) comparisons.
            let kids = &self.heap[first..first + ARITY];
            let a = usize::from(kids[1].before(&kids[0]));
            let b = 2 + usize::from(kids[3].before(&kids[2]));
            let best = if kids[b].before(&kids[a]) { b } else { a };
            return first + best;
        }
        let kids = &self.heap[first..n];
        let mut best = 0;
        for (c, kid) in kids.iter().enumerate().skip(1) {
            if kid.before(&kids[best]) {
                best = c;
            }
        }
        first + best
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{RngExt, SeedableRng};

    #[test]
    fn earliest_first_and_ties_fifo() {
        let mut q = EventQueue::new(10);
        q.push(SimTime(5), 'a').unwrap();
        q.push(SimTime(1), 'b').unwrap();
        q.push(SimTime(5), 'c').unwrap();
        q.push(SimTime(1), 'd').unwrap();
        let order: String = std::iter::from_fn(|| q.pop().map(|(_, e)| e)).collect();
        assert_eq!(order, "bdac");
    }

    #[test]
    fn refuses_beyond_cap() {
        let mut q = EventQueue::new(2);
        q.push(SimTime(1), ()).unwrap();
        q.push(SimTime(2), ()).unwrap();
        assert_eq!(q.push(SimTime(3), ()), Err(QueueFull { cap: 2 }));
    }

    /// Against a sorted reference, with interleaved pushes and pops and many ties.
    #[test]
    fn matches_a_sorted_reference() {
        matches_reference(99, 50);
    }

    /// The same with delays on both sides of the near heap's bound, and pushes ahead.
    #[test]
    fn near_and_far_events_leave_in_order() {
        matches_reference(7, 3 * NEAR_NS);
        let mut q = EventQueue::new(10);
        q.push(SimTime(5 * NEAR_NS), 'a').unwrap();
        q.push(SimTime(NEAR_NS - 1), 'b').unwrap();
        q.push_first(SimTime(5 * NEAR_NS), 0, 'c').unwrap();
        q.push(SimTime(NEAR_NS - 1), 'd').unwrap();
        let order: String = std::iter::from_fn(|| q.pop().map(|(_, e)| e)).collect();
        assert_eq!(order, "bdca");
    }

    fn matches_reference(seed: u64, spread: u64) {
        let mut rng = rand::rngs::Xoshiro256PlusPlus::seed_from_u64(seed);
        let mut q = EventQueue::new(1 << 20);
        let mut reference: Vec<(u64, u64)> = Vec::new();
        let mut seq = 0u64;
        let mut now = 0u64;
        for _ in 0..20_000 {
            if rng.random::<f64>() < 0.55 || reference.is_empty() {
                let t = now + rng.random_range(0..spread);
                q.push(SimTime(t), seq).unwrap();
                reference.push((t, seq));
                seq += 1;
            } else {
                reference.sort_unstable();
                let expected = reference.remove(0);
                let (t, s) = q.pop().unwrap();
                assert_eq!((t.0, s), expected, "seed {seed}");
                now = t.0;
            }
        }
    }
}
