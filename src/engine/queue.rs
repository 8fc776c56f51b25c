//! Pending events, earliest first; ties leave in scheduling order (FIFO).
//!
//! The key packs time and a sequence number into one `u128`, so the heap compares a single
//! integer. Integer time (nanoseconds) and the sequence make the order total and the run
//! reproducible: no two events are ever "equal".

use crate::model::SimTime;
use std::cmp::Ordering;
use std::collections::BinaryHeap;

/// The queue refused an event because it holds `cap` events already.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QueueFull {
    pub cap: usize,
}

struct Entry<E> {
    key: u128,
    event: E,
}

impl<E> PartialEq for Entry<E> {
    fn eq(&self, other: &Self) -> bool {
        self.key == other.key
    }
}
impl<E> Eq for Entry<E> {}
impl<E> PartialOrd for Entry<E> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl<E> Ord for Entry<E> {
    fn cmp(&self, other: &Self) -> Ordering {
        // BinaryHeap is a max-heap: reverse so the smallest key is on top.
        other.key.cmp(&self.key)
    }
}

/// A bounded future-event list.
pub struct EventQueue<E> {
    heap: BinaryHeap<Entry<E>>,
    seq: u64,
    cap: usize,
}

impl<E> EventQueue<E> {
    pub fn new(cap: usize) -> Self {
        EventQueue {
            heap: BinaryHeap::with_capacity(cap.min(1 << 16)),
            seq: 0,
            cap,
        }
    }

    /// Schedules `event` at `time`.
    #[inline]
    pub fn push(&mut self, time: SimTime, event: E) -> Result<(), QueueFull> {
        if self.heap.len() >= self.cap {
            return Err(QueueFull { cap: self.cap });
        }
        let key = (u128::from(time.0) << 64) | u128::from(self.seq);
        self.seq += 1;
        self.heap.push(Entry { key, event });
        Ok(())
    }

    /// Removes the earliest event.
    #[inline]
    pub fn pop(&mut self) -> Option<(SimTime, E)> {
        self.heap
            .pop()
            .map(|e| (SimTime((e.key >> 64) as u64), e.event))
    }

    pub fn len(&self) -> usize {
        self.heap.len()
    }

    pub fn is_empty(&self) -> bool {
        self.heap.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
