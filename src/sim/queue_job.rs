//! The OCA `queue_job` runner's scheduling state: which pending job to dispatch next.
//!
//! A pure data structure, no event loop; it mirrors `Channel`, `ChannelQueue` and
//! `ChannelManager` in `queue_job/jobrunner/channels.py` (OCA/queue):
//!
//! * Each channel has its own queue. When a channel has capacity, it pops its best job,
//!   counts it as running and hands it to its parent's queue, where it competes again;
//!   only jobs popped by root are dispatched (sent to `/queue_job/runjob`). So a job
//!   waiting in an ancestor's queue already occupies a slot of every channel below, and a
//!   channel's running count always includes its descendants' dispatched jobs: no channel
//!   ever has more dispatched jobs in its subtree than its capacity.
//! * A job is ready once its eta has passed; ready jobs are ordered by priority (lower
//!   first), then creation time, then id (queue_job's `seq`, the database id). The eta
//!   orders only jobs still waiting: once due, it is forgotten (`ChannelQueue.pop` sets
//!   `eta = None`), so a retried job does not jump ahead of higher-priority work.
//! * A sequential channel (capacity 1) never overtakes: if the first waiting job (by eta)
//!   would sort before the best ready job, it waits for that eta. A job that failed for
//!   good blocks it (`has_capacity` is false while its failed set is non-empty).
//! * A throttled channel lets one job out per pass, then pauses for `throttle`.
//!
//! The runner recomputes after every notification; here, call [`JobQueue::next_runnable`]
//! until it returns `None` after any change, then schedule a wake-up at
//! [`JobQueue::next_eta`]. Deviation, for the same dispatches: due jobs move to the ready
//! queue at every pass, even in a full channel (queue_job moves them lazily), so
//! `next_eta` never reports a time already past.

use crate::model::{Channels, SimTime};
use std::cmp::Reverse;
use std::collections::{BTreeSet, BinaryHeap, HashMap, VecDeque};

/// A job, as the simulation numbers them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct JobId(pub u32);

/// `sorting_key_ignoring_eta`: priority, date_created, seq.
type ReadyKey = (i32, SimTime, JobId);
/// `sorting_key`: eta first.
type WaitKey = (SimTime, i32, SimTime, JobId);

/// The queue holds `cap` live jobs already.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct QueueFull {
    pub cap: usize,
}

#[derive(Clone, Debug)]
struct Chan {
    parent: Option<usize>,
    children: Vec<usize>,
    capacity: Option<u32>,
    sequential: bool,
    throttle: SimTime,
    pause_until: Option<SimTime>,
    /// Jobs of this channel whose eta has not been seen to pass.
    waiting: BinaryHeap<Reverse<WaitKey>>,
    /// Due jobs of this channel and jobs handed over by its children.
    ready: BinaryHeap<Reverse<ReadyKey>>,
    /// Jobs popped from this channel and not finished (dispatched or queued downstream).
    running: u32,
    /// Jobs of this channel that failed for good.
    failed: u32,
}

impl Chan {
    /// `Channel.has_capacity`.
    fn has_capacity(&self) -> bool {
        if self.sequential && self.failed > 0 {
            return false;
        }
        self.capacity.is_none_or(|c| self.running < c)
    }

    fn release_due(&mut self, now: SimTime) {
        while let Some(&Reverse((eta, priority, created, id))) = self.waiting.peek() {
            if eta > now {
                break;
            }
            self.waiting.pop();
            self.ready.push(Reverse((priority, created, id)));
        }
    }

    /// `ChannelQueue.pop`, after `release_due`.
    fn pop(&mut self) -> Option<JobId> {
        if self.sequential {
            if let (Some(Reverse(w)), Some(Reverse(r))) = (self.waiting.peek(), self.ready.peek()) {
                if (w.1, w.2, w.3) < *r {
                    return None;
                }
            }
        }
        self.ready.pop().map(|Reverse((_, _, id))| id)
    }
}

#[derive(Clone, Copy, Debug)]
struct Job {
    channel: usize,
    priority: i32,
    created: SimTime,
    dispatched: bool,
}

/// The runner's view of all live jobs (pending or dispatched).
#[derive(Clone, Debug)]
pub struct JobQueue {
    chans: Vec<Chan>,
    jobs: HashMap<JobId, Job>,
    /// Pending jobs by creation, for the oldest job's age.
    pending_by_created: BTreeSet<(SimTime, JobId)>,
    /// Dispatched by the last pass, not yet handed out.
    out: VecDeque<JobId>,
    running: usize,
    failed: u64,
    cap: usize,
    last_now: SimTime,
}

impl JobQueue {
    /// An empty queue over `channels`, holding at most `cap` live jobs.
    pub fn new(channels: &Channels, cap: usize) -> JobQueue {
        let mut chans: Vec<Chan> = channels
            .iter()
            .map(|c| Chan {
                parent: c.parent,
                children: Vec::new(),
                capacity: c.capacity,
                sequential: c.sequential,
                throttle: c.throttle,
                pause_until: None,
                waiting: BinaryHeap::new(),
                ready: BinaryHeap::new(),
                running: 0,
                failed: 0,
            })
            .collect();
        for i in 0..chans.len() {
            if let Some(p) = chans[i].parent {
                assert!(p < i, "Channels: parents precede children");
                chans[p].children.push(i);
            }
        }
        JobQueue {
            chans,
            jobs: HashMap::new(),
            pending_by_created: BTreeSet::new(),
            out: VecDeque::new(),
            running: 0,
            failed: 0,
            cap,
            last_now: SimTime::ZERO,
        }
    }

    /// Adds a pending job to `channel` (an index into the [`Channels`]).
    pub fn enqueue(
        &mut self,
        job: JobId,
        channel: usize,
        priority: i32,
        eta: SimTime,
        created: SimTime,
    ) -> Result<(), QueueFull> {
        assert!(channel < self.chans.len(), "unknown channel {channel}");
        if self.jobs.len() >= self.cap {
            return Err(QueueFull { cap: self.cap });
        }
        let j = Job {
            channel,
            priority,
            created,
            dispatched: false,
        };
        let previous = self.jobs.insert(job, j);
        assert!(previous.is_none(), "{job:?} enqueued twice");
        self.make_pending(job, j, eta);
        Ok(())
    }

    /// The next job to dispatch at `now` and its channel, marked running; `None` when no
    /// channel can let one through. Call it until `None` after any change.
    pub fn next_runnable(&mut self, now: SimTime) -> Option<(JobId, usize)> {
        debug_assert!(now >= self.last_now, "time went backwards");
        self.last_now = now;
        if self.out.is_empty() {
            self.pass(now);
        }
        let id = self.out.pop_front()?;
        Some((id, self.jobs[&id].channel))
    }

    /// A dispatched job finished.
    pub fn done(&mut self, job: JobId) {
        self.take_dispatched(job);
        self.jobs.remove(&job);
    }

    /// A dispatched job failed and is retried: pending again, due at `eta`.
    pub fn failed_retry(&mut self, job: JobId, eta: SimTime) {
        let mut j = self.take_dispatched(job);
        j.dispatched = false;
        self.jobs.insert(job, j);
        self.make_pending(job, j, eta);
    }

    /// A dispatched job failed for good (state `failed`); a sequential channel stays
    /// blocked behind it (nobody requeues it in a simulation).
    pub fn failed_final(&mut self, job: JobId) {
        let j = self.take_dispatched(job);
        self.jobs.remove(&job);
        self.chans[j.channel].failed += 1;
        self.failed += 1;
    }

    /// When to call [`next_runnable`](Self::next_runnable) again if nothing else happens:
    /// the next eta or end of a throttle pause that could let a job through, as
    /// `Channel.get_wakeup_time` (a full, blocked or paused channel hides its subtree:
    /// only a finishing job can free it, and that is a change anyway). O(channels).
    pub fn next_eta(&self) -> Option<SimTime> {
        let mut at = None;
        self.wakeup(Channels::ROOT, &mut at);
        at
    }

    /// Jobs waiting to be dispatched (state pending).
    pub fn pending(&self) -> usize {
        self.jobs.len() - self.running
    }

    /// Jobs dispatched and not finished (states enqueued, started).
    pub fn running(&self) -> usize {
        self.running
    }

    /// Jobs that failed for good so far.
    pub fn failed(&self) -> u64 {
        self.failed
    }

    /// Creation time of the oldest pending job.
    pub fn oldest_pending_created(&self) -> Option<SimTime> {
        self.pending_by_created.first().map(|&(t, _)| t)
    }

    fn make_pending(&mut self, id: JobId, j: Job, eta: SimTime) {
        self.chans[j.channel]
            .waiting
            .push(Reverse((eta, j.priority, j.created, id)));
        self.pending_by_created.insert((j.created, id));
    }

    /// Frees the slots a dispatched job holds in its channel and every ancestor.
    fn take_dispatched(&mut self, id: JobId) -> Job {
        let j = *self.jobs.get(&id).expect("job is live");
        assert!(j.dispatched, "{id:?} was not dispatched");
        let mut c = Some(j.channel);
        while let Some(i) = c {
            self.chans[i].running -= 1;
            c = self.chans[i].parent;
        }
        self.running -= 1;
        j
    }

    /// One `get_jobs_to_run` pass: every channel after all its children (they have higher
    /// indices), so each hands its jobs down before its parent pops.
    fn pass(&mut self, now: SimTime) {
        for c in (0..self.chans.len()).rev() {
            let ch = &mut self.chans[c];
            ch.release_due(now);
            if let Some(until) = ch.pause_until {
                if now < until {
                    continue;
                }
                ch.pause_until = None;
            }
            loop {
                let ch = &mut self.chans[c];
                if !ch.has_capacity() {
                    break;
                }
                let Some(id) = ch.pop() else { break };
                ch.running += 1;
                let (parent, throttle) = (ch.parent, ch.throttle);
                self.hand_down(id, parent);
                if throttle > SimTime::ZERO {
                    self.chans[c].pause_until = Some(now + throttle);
                    break;
                }
            }
        }
    }

    fn hand_down(&mut self, id: JobId, parent: Option<usize>) {
        let j = self.jobs.get_mut(&id).expect("queued job is live");
        match parent {
            Some(p) => self.chans[p]
                .ready
                .push(Reverse((j.priority, j.created, id))),
            None => {
                j.dispatched = true;
                self.pending_by_created.remove(&(j.created, id));
                self.running += 1;
                self.out.push_back(id);
            }
        }
    }

    fn wakeup(&self, c: usize, at: &mut Option<SimTime>) {
        let ch = &self.chans[c];
        if !ch.has_capacity() {
            return;
        }
        let mut earliest = |t: SimTime| *at = Some(at.map_or(t, |a: SimTime| a.min(t)));
        if let Some(until) = ch.pause_until {
            earliest(until);
            return;
        }
        if let Some(Reverse(w)) = ch.waiting.peek() {
            earliest(w.0);
        }
        for &child in &ch.children {
            self.wakeup(child, at);
        }
    }
}
