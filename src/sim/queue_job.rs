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
use std::collections::{BinaryHeap, VecDeque};

/// A job, as the simulation numbers them. Ids index a table, so keep them dense (the
/// simulation reuses the ids of finished jobs).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct JobId(pub u32);

/// `sorting_key_ignoring_eta`: priority, date_created, seq, packed in one integer that
/// sorts the same as the tuple (priority with its sign bit flipped, then created, then id).
type ReadyKey = u128;
/// `sorting_key`: eta first.
type WaitKey = (SimTime, ReadyKey);

fn ready_key(priority: i32, created: SimTime, id: JobId) -> ReadyKey {
    (u128::from(priority as u32 ^ 0x8000_0000) << 96)
        | (u128::from(created.0) << 32)
        | u128::from(id.0)
}

fn key_id(key: ReadyKey) -> JobId {
    JobId(key as u32)
}

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
    /// The earliest eta of the jobs put straight into `ready` since the last
    /// `release_due` because they were due already (eta ≤ the last pass's time): until
    /// that pass they count as waiting, for the wake-up time.
    unreleased_eta: Option<SimTime>,
    /// Jobs popped from this channel and not finished (dispatched or queued downstream).
    running: u32,
    /// Jobs of this channel that failed for good.
    failed: u32,
    /// `running` as last reported by [`JobQueue::channel_levels`].
    reported: u32,
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
        self.unreleased_eta = None;
        while let Some(&Reverse((eta, key))) = self.waiting.peek() {
            if eta > now {
                break;
            }
            self.waiting.pop();
            self.ready.push(Reverse(key));
        }
    }

    /// `ChannelQueue.pop`, after `release_due`.
    fn pop(&mut self) -> Option<JobId> {
        if self.sequential {
            if let (Some(Reverse(w)), Some(Reverse(r))) = (self.waiting.peek(), self.ready.peek()) {
                if w.1 < *r {
                    return None;
                }
            }
        }
        self.ready.pop().map(|Reverse(key)| key_id(key))
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    /// Not a live job (finished, failed for good, or never enqueued).
    Free,
    Pending,
    Dispatched,
}

#[derive(Clone, Copy, Debug)]
struct Job {
    channel: usize,
    key: ReadyKey,
    created: SimTime,
    state: State,
    /// Times the job was made pending: tells a stale entry of `by_created` from a live one.
    epoch: u32,
}

const FREE: Job = Job {
    channel: 0,
    key: 0,
    created: SimTime::ZERO,
    state: State::Free,
    epoch: 0,
};

/// The runner's view of all live jobs (pending or dispatched).
///
/// Only channels that may have changed are visited by a pass (`dirty`): a channel is
/// marked when a job is added to it or handed to it by a child, when one of its (or its
/// descendants') jobs finishes, and when a timer of its fires — a waiting job's eta or
/// the end of a throttle pause. A channel not marked could not move a job in a full
/// sweep either, so the dispatches are those of `get_jobs_to_run` over every channel.
#[derive(Clone, Debug)]
pub struct JobQueue {
    chans: Vec<Chan>,
    /// Every job by id (`State::Free` for ids not live).
    jobs: Vec<Job>,
    /// Jobs pending or dispatched.
    live: usize,
    /// (created, id, epoch) of pending jobs by creation, for the oldest job's age; entries
    /// of jobs dispatched since are dropped lazily. The front is always a pending job.
    by_created: VecDeque<(SimTime, JobId, u32)>,
    /// Channels the next pass visits, one bit each.
    dirty: Vec<u64>,
    /// (time, channel): a waiting job's eta (when it lay ahead when enqueued) or the end
    /// of a throttle pause. Each waiting job and each pause has one, or its channel is
    /// dirty.
    timers: BinaryHeap<Reverse<(SimTime, usize)>>,
    /// Channels whose running count changed since the last [`JobQueue::channel_levels`].
    changed: Vec<u64>,
    /// Channels whose gauge `channel_levels` reports every time (worked out on its first
    /// call).
    always: Option<Vec<u64>>,
    /// Dispatched by the last pass, not yet handed out.
    out: VecDeque<JobId>,
    running: usize,
    failed: u64,
    cap: usize,
    last_now: SimTime,
}

fn set_bit(bits: &mut [u64], i: usize) {
    bits[i >> 6] |= 1 << (i & 63);
}

/// Removes and returns the highest set bit.
fn pop_highest(bits: &mut [u64]) -> Option<usize> {
    for (w, word) in bits.iter_mut().enumerate().rev() {
        if *word != 0 {
            let b = 63 - word.leading_zeros() as usize;
            *word &= !(1 << b);
            return Some(w * 64 + b);
        }
    }
    None
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
                unreleased_eta: None,
                running: 0,
                failed: 0,
                reported: 0,
            })
            .collect();
        for i in 0..chans.len() {
            if let Some(p) = chans[i].parent {
                assert!(p < i, "Channels: parents precede children");
                chans[p].children.push(i);
            }
        }
        let words = chans.len().div_ceil(64);
        JobQueue {
            chans,
            jobs: Vec::new(),
            live: 0,
            by_created: VecDeque::new(),
            dirty: vec![0; words],
            timers: BinaryHeap::new(),
            changed: vec![0; words],
            always: None,
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
        if self.live >= self.cap {
            return Err(QueueFull { cap: self.cap });
        }
        let i = job.0 as usize;
        if i >= self.jobs.len() {
            self.jobs.resize(i + 1, FREE);
        }
        let j = &mut self.jobs[i];
        assert!(j.state == State::Free, "{job:?} enqueued twice");
        j.channel = channel;
        j.key = ready_key(priority, created, job);
        j.created = created;
        self.live += 1;
        self.make_pending(job, eta);
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
        Some((id, self.jobs[id.0 as usize].channel))
    }

    /// A dispatched job finished.
    pub fn done(&mut self, job: JobId) {
        self.take_dispatched(job);
        self.free(job);
    }

    /// A dispatched job failed and is retried: pending again, due at `eta`.
    pub fn failed_retry(&mut self, job: JobId, eta: SimTime) {
        self.take_dispatched(job);
        self.make_pending(job, eta);
    }

    /// A dispatched job failed for good (state `failed`); a sequential channel stays
    /// blocked behind it (nobody requeues it in a simulation).
    pub fn failed_final(&mut self, job: JobId) {
        let c = self.take_dispatched(job);
        self.free(job);
        self.chans[c].failed += 1;
        self.failed += 1;
    }

    /// When to call [`next_runnable`](Self::next_runnable) again if nothing else happens:
    /// the next eta or end of a throttle pause that could let a job through, as
    /// `Channel.get_wakeup_time` (a full, blocked or paused channel hides its subtree:
    /// only a finishing job can free it, and that is a change anyway). O(channels), or
    /// O(1) when no job waits for its eta and no channel is paused.
    pub fn next_eta(&self) -> Option<SimTime> {
        // No timer and no dirty channel: every `waiting` is empty and nothing is paused.
        if self.timers.is_empty() && self.dirty.iter().all(|&w| w == 0) {
            return None;
        }
        let mut at = None;
        self.wakeup(Channels::ROOT, &mut at);
        at
    }

    /// Jobs waiting to be dispatched (state pending).
    pub fn pending(&self) -> usize {
        self.live - self.running
    }

    /// Jobs running in channel `ch`, its descendants' included.
    pub fn channel_running(&self, ch: usize) -> u32 {
        self.chans[ch].running
    }

    /// Calls `f(channel, running)` for the channels (root included) whose running-jobs
    /// gauge is to be set now: those whose count changed since the last call, and every
    /// time those whose leaving an unchanged step unset could change the gauge's bits.
    ///
    /// A time-weighted gauge adds value × ns to its area at each step: for a count that
    /// stays an integer ≤ k over a run ending at `horizon`, every product and sum is an
    /// integer below k × horizon (ns); below 2^53 each is exact in an f64, so one step
    /// over two spans adds the very same bits as two steps. A channel with a capacity k
    /// that keeps k × horizon below 2^53 is reported only when its count differs from
    /// the one last reported; any other
    /// channel (no capacity, or a run long enough for rounding) every time, as before.
    pub fn channel_levels(&mut self, horizon: SimTime, mut f: impl FnMut(usize, u32)) {
        let chans = &self.chans;
        let always = self.always.get_or_insert_with(|| {
            let mut bits = vec![0; chans.len().div_ceil(64)];
            for (c, ch) in chans.iter().enumerate() {
                let exact = ch
                    .capacity
                    .is_some_and(|k| u128::from(k) * u128::from(horizon.0) <= 1 << 53);
                if !exact {
                    set_bit(&mut bits, c);
                }
            }
            bits
        });
        for (w, (changed, &every)) in self.changed.iter_mut().zip(always.iter()).enumerate() {
            let mut bits = std::mem::take(changed) | every;
            while bits != 0 {
                let b = bits.trailing_zeros();
                bits &= bits - 1;
                let ch = &mut self.chans[w * 64 + b as usize];
                // Back to the value last reported (a job left and another came in): an
                // unchanged step, left unset like one never touched.
                if ch.running != ch.reported || every & (1 << b) != 0 {
                    ch.reported = ch.running;
                    f(w * 64 + b as usize, ch.running);
                }
            }
        }
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
        self.by_created.front().map(|&(t, _, _)| t)
    }

    fn make_pending(&mut self, id: JobId, eta: SimTime) {
        let j = &mut self.jobs[id.0 as usize];
        j.state = State::Pending;
        j.epoch = j.epoch.wrapping_add(1);
        let (c, key, created, epoch) = (j.channel, j.key, j.created, j.epoch);
        let ch = &mut self.chans[c];
        if eta > self.last_now {
            ch.waiting.push(Reverse((eta, key)));
            self.timers.push(Reverse((eta, c)));
        } else {
            // Due by the next pass whatever its time: `release_due` would move it to
            // `ready` before anything reads either queue, so it goes there now.
            ch.ready.push(Reverse(key));
            ch.unreleased_eta = Some(ch.unreleased_eta.map_or(eta, |t| t.min(eta)));
        }
        set_bit(&mut self.dirty, c);
        let entry = (created, id, epoch);
        match self.by_created.back() {
            Some(&(last, _, _)) if last > created => {
                let at = self.by_created.partition_point(|e| e.0 <= created);
                self.by_created.insert(at, entry);
            }
            _ => self.by_created.push_back(entry),
        }
    }

    fn free(&mut self, id: JobId) {
        self.jobs[id.0 as usize].state = State::Free;
        self.live -= 1;
    }

    /// Frees the slots a dispatched job holds in its channel and every ancestor; returns
    /// its channel.
    fn take_dispatched(&mut self, id: JobId) -> usize {
        let j = self.jobs.get(id.0 as usize).expect("job is live");
        assert!(j.state == State::Dispatched, "{id:?} was not dispatched");
        let mut c = Some(j.channel);
        while let Some(i) = c {
            self.chans[i].running -= 1;
            set_bit(&mut self.dirty, i);
            set_bit(&mut self.changed, i);
            c = self.chans[i].parent;
        }
        self.running -= 1;
        j.channel
    }

    /// One `get_jobs_to_run` pass over the channels that may move a job: each after all
    /// its children (they have higher indices, and a channel handing a job to its parent
    /// marks it), so each hands its jobs down before its parent pops.
    fn pass(&mut self, now: SimTime) {
        while let Some(&Reverse((t, c))) = self.timers.peek() {
            if t > now {
                break;
            }
            self.timers.pop();
            set_bit(&mut self.dirty, c);
        }
        let dispatched = self.out.len();
        while let Some(c) = pop_highest(&mut self.dirty) {
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
                set_bit(&mut self.changed, c);
                self.hand_down(id, parent);
                if throttle > SimTime::ZERO {
                    let until = now + throttle;
                    self.chans[c].pause_until = Some(until);
                    self.timers.push(Reverse((until, c)));
                    break;
                }
            }
        }
        if self.out.len() != dispatched {
            self.tidy_by_created();
        }
    }

    fn hand_down(&mut self, id: JobId, parent: Option<usize>) {
        let j = &mut self.jobs[id.0 as usize];
        match parent {
            Some(p) => {
                self.chans[p].ready.push(Reverse(j.key));
                set_bit(&mut self.dirty, p);
            }
            None => {
                j.state = State::Dispatched;
                self.running += 1;
                self.out.push_back(id);
            }
        }
    }

    /// Drops the entries of dispatched jobs at the front of `by_created`, and all of them
    /// when they outnumber the pending jobs (memory stays bounded behind a job that
    /// never leaves, such as one in a blocked sequential channel).
    fn tidy_by_created(&mut self) {
        let jobs = &self.jobs;
        let live = |&(_, id, epoch): &(SimTime, JobId, u32)| {
            let j = &jobs[id.0 as usize];
            j.state == State::Pending && j.epoch == epoch
        };
        while self.by_created.front().is_some_and(|e| !live(e)) {
            self.by_created.pop_front();
        }
        if self.by_created.len() > 2 * (self.live - self.running) + 64 {
            self.by_created.retain(live);
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
        if let Some(t) = ch.unreleased_eta {
            earliest(t);
        }
        for &child in &ch.children {
            self.wakeup(child, at);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::parse_channels;
    use rand::rngs::Xoshiro256PlusPlus;
    use rand::{RngExt, SeedableRng};
    use std::collections::HashMap;

    /// One step of a scripted scenario; times are seconds, jobs are named.
    enum Step {
        /// Name, channel, priority, eta. Creation order is script order.
        Enq(&'static str, &'static str, i32, u64),
        /// Drain `next_runnable` at a time; expect these jobs, in order.
        Run(u64, &'static [&'static str]),
        Done(&'static str),
        Retry(&'static str, u64),
        Fail(&'static str),
        Wake(Option<u64>),
    }
    use Step::*;

    fn play(config: &str, steps: &[Step]) {
        let channels = parse_channels(config).unwrap();
        let mut q = JobQueue::new(&channels, 100);
        let mut names: Vec<&str> = Vec::new();
        let id = |names: &Vec<&str>, n: &str| {
            JobId(names.iter().position(|x| *x == n).expect("known job") as u32)
        };
        for (i, step) in steps.iter().enumerate() {
            let at = format!("{config:?}, step {i}");
            match *step {
                Enq(name, ch, prio, eta) => {
                    let c = channels.find(ch).expect("known channel");
                    let created = SimTime(names.len() as u64);
                    names.push(name);
                    let eta = SimTime::from_secs(eta);
                    q.enqueue(id(&names, name), c, prio, eta, created).unwrap();
                }
                Run(now, expect) => {
                    let mut got = Vec::new();
                    while let Some((j, _)) = q.next_runnable(SimTime::from_secs(now)) {
                        got.push(names[j.0 as usize]);
                    }
                    assert_eq!(got, expect, "{at}");
                }
                Done(n) => q.done(id(&names, n)),
                Retry(n, eta) => q.failed_retry(id(&names, n), SimTime::from_secs(eta)),
                Fail(n) => q.failed_final(id(&names, n)),
                Wake(expect) => {
                    assert_eq!(q.next_eta(), expect.map(SimTime::from_secs), "{at}")
                }
            }
        }
    }

    /// The `ChannelManager` doctest: B1 fills B; A's fourth job waits in root's queue and
    /// goes first when root has room, though it holds A's fourth slot meanwhile.
    #[test]
    fn parents_limit_children() {
        play(
            "root:4,A:4,B:1",
            &[
                Enq("A1", "A", 10, 0),
                Enq("A2", "A", 10, 0),
                Enq("A3", "A", 10, 0),
                Enq("A4", "A", 10, 0),
                Enq("A5", "A", 10, 0),
                Enq("A6", "A", 10, 0),
                Enq("B1", "B", 5, 0),
                Enq("B2", "B", 5, 0),
                Run(100, &["B1", "A1", "A2", "A3"]),
                Done("A2"),
                Run(100, &["A4"]),
                Done("B1"),
                Run(100, &["B2"]),
            ],
        );
        // Implicit intermediate channels are unlimited; root still caps the total.
        play(
            "root:2,a.x:1",
            &[
                Enq("x1", "a.x", 10, 0),
                Enq("x2", "a.x", 10, 0),
                Enq("r1", "root", 10, 0),
                Enq("r2", "root", 10, 0),
                Run(0, &["x1", "r1"]),
                Done("x1"),
                Run(0, &["x2"]),
                Done("r1"),
                Run(0, &["r2"]),
            ],
        );
    }

    /// The throttle doctests of `ChannelManager`, wake-up times included.
    #[test]
    fn throttle_spaces_jobs() {
        play(
            "root:4,A:4:throttle=2",
            &[
                Enq("A1", "A", 10, 0),
                Enq("A2", "A", 10, 0),
                Run(100, &["A1"]),
                Wake(Some(102)),
                Run(101, &[]),
                Wake(Some(102)),
                Run(102, &["A2"]),
                Wake(Some(104)),
            ],
        );
        play(
            "root:4,T:2:throttle=2",
            &[
                Enq("T1", "T", 10, 0),
                Enq("T2", "T", 10, 0),
                Enq("T3", "T", 10, 0),
                Run(100, &["T1"]),
                Run(102, &["T2"]),
                Run(103, &[]),
                Wake(None),
                Run(104, &[]),
                Wake(None),
                Done("T1"),
                Run(105, &["T3"]),
                Wake(None),
                Done("T2"),
                Wake(Some(107)),
            ],
        );
    }

    /// The eta doctest of `ChannelManager`. One deviation: after E2 is done, queue_job
    /// asks for a wake-up at 105 (already past); here E1 was released at 106 and runs on
    /// the next call, so there is nothing to wake up for.
    #[test]
    fn retried_job_waits_for_its_eta() {
        play(
            "root:4,E:1",
            &[
                Enq("E1", "E", 10, 0),
                Enq("E2", "E", 10, 0),
                Enq("E3", "E", 10, 0),
                Run(100, &["E1"]),
                Run(101, &[]),
                Retry("E1", 105),
                Wake(Some(105)),
                Run(102, &["E2"]),
                Run(106, &[]),
                Wake(None),
                Done("E2"),
                Wake(None),
                Run(107, &["E1"]),
                Wake(None),
            ],
        );
    }

    /// Eta gates; among due jobs priority, then creation decide (`ChannelQueue` doctest:
    /// "job with past eta still run after jobs with higher priority").
    #[test]
    fn ordering_by_eta_priority_creation() {
        play(
            "root:1",
            &[
                Enq("j1", "root", 1, 10),
                Enq("j2", "root", 1, 0),
                Enq("j3", "root", 1, 0),
                Run(1, &["j2"]),
                Wake(None),
                Done("j2"),
                Wake(Some(10)),
                Run(11, &["j1"]),
                Done("j1"),
                Run(12, &["j3"]),
                Done("j3"),
                Enq("j4", "root", 10, 20),
                Enq("j5", "root", 1, 0),
                Enq("j6", "root", 5, 0),
                Enq("j7", "root", 5, 0),
                Run(21, &["j5"]),
                Done("j5"),
                Run(21, &["j6"]),
                Done("j6"),
                Run(21, &["j7"]),
                Done("j7"),
                Run(21, &["j4"]),
            ],
        );
        // Same priority and creation: the id decides.
        let mut q = JobQueue::new(&Channels::default(), 10);
        for id in [7, 3, 5] {
            q.enqueue(JobId(id), 0, 10, SimTime::ZERO, SimTime::ZERO)
                .unwrap();
        }
        let mut order = Vec::new();
        while let Some((j, _)) = q.next_runnable(SimTime::ZERO) {
            order.push(j.0);
            q.done(j);
        }
        assert_eq!(order, [3, 5, 7]);
    }

    /// `ChannelQueue`'s sequential doctest: S never overtakes a job waiting for its eta
    /// that comes first in order; an ordinary channel does.
    #[test]
    fn sequential_never_overtakes() {
        play(
            "root:4,S:1:sequential",
            &[
                Enq("j6", "S", 1, 0),
                Enq("j7", "S", 1, 20),
                Enq("j8", "S", 1, 0),
                Run(10, &["j6"]),
                Done("j6"),
                Run(15, &[]),
                Wake(Some(20)),
                Run(20, &["j7"]),
                Done("j7"),
                Run(30, &["j8"]),
            ],
        );
        play(
            "root:4,N:1",
            &[
                Enq("j6", "N", 1, 0),
                Enq("j7", "N", 1, 20),
                Enq("j8", "N", 1, 0),
                Run(10, &["j6"]),
                Done("j6"),
                Run(15, &["j8"]),
            ],
        );
    }

    /// A retried job blocks a sequential channel until it runs again; a job failed for
    /// good blocks it for ever (no wake-up requested), other channels carry on.
    #[test]
    fn sequential_blocks_behind_failures() {
        play(
            "root:4,S:1:sequential,N:1",
            &[
                Enq("S1", "S", 10, 0),
                Enq("S2", "S", 10, 0),
                Enq("S3", "S", 10, 0),
                Enq("N1", "N", 10, 0),
                Enq("N2", "N", 10, 0),
                Enq("N3", "N", 10, 0),
                Run(0, &["S1", "N1"]),
                Retry("S1", 60),
                Retry("N1", 60),
                Run(1, &["N2"]),
                Wake(Some(60)),
                Run(60, &["S1"]),
                Done("S1"),
                Run(60, &["S2"]),
                Fail("S2"),
                Fail("N2"),
                Run(61, &["N1"]),
                Done("N1"),
                Run(62, &["N3"]),
                Done("N3"),
                Wake(None),
                Run(100_000, &[]),
            ],
        );
    }

    #[test]
    fn metrics_and_cap() {
        let mut q = JobQueue::new(&Channels::default(), 3);
        let s = SimTime::from_secs;
        q.enqueue(JobId(0), 0, 10, s(0), s(5)).unwrap();
        q.enqueue(JobId(1), 0, 10, s(0), s(3)).unwrap();
        q.enqueue(JobId(2), 0, 10, s(50), s(4)).unwrap();
        assert_eq!(
            q.enqueue(JobId(3), 0, 10, s(0), s(6)),
            Err(QueueFull { cap: 3 })
        );
        assert_eq!((q.pending(), q.running()), (3, 0));
        assert_eq!(q.oldest_pending_created(), Some(s(3)));
        assert_eq!(q.next_runnable(s(6)), Some((JobId(1), 0)));
        assert_eq!(q.next_runnable(s(6)), None);
        assert_eq!((q.pending(), q.running()), (2, 1));
        assert_eq!(q.oldest_pending_created(), Some(s(4)));
        q.failed_retry(JobId(1), s(9));
        assert_eq!(q.oldest_pending_created(), Some(s(3)));
        assert_eq!(q.next_runnable(s(7)), Some((JobId(0), 0)));
        q.failed_final(JobId(0));
        assert_eq!((q.pending(), q.running(), q.failed()), (2, 0, 1));
        assert_eq!(q.next_eta(), Some(s(9)));
        q.enqueue(JobId(3), 0, 10, s(0), s(6)).unwrap();
    }

    /// Subtree recount: dispatched jobs whose channel lies under `c`.
    fn recount(channels: &Channels, dispatched: &HashMap<JobId, usize>, c: usize) -> u32 {
        let under = |mut x: usize| {
            loop {
                if x == c {
                    return true;
                }
                match channels.get(x).parent {
                    Some(p) => x = p,
                    None => return false,
                }
            }
        };
        dispatched.values().filter(|&&ch| under(ch)).count() as u32
    }

    /// Random enqueue / dispatch / done / retry / final failure sequences never put more
    /// dispatched jobs under a channel than its capacity, dispatch only due jobs, each
    /// once, keep the counters exact, and leave nothing stuck but a blocked sequential
    /// channel.
    #[test]
    fn capacity_holds_under_random_operations() {
        let config = "root:5, A:3, A.x:2, A.y:0, B:2:throttle=1, S:1:sequential, C.d:1, C.e:4";
        let channels = parse_channels(config).unwrap();
        for seed in 0..40u64 {
            let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
            let mut q = JobQueue::new(&channels, 200);
            let mut now = SimTime::ZERO;
            let mut etas: HashMap<JobId, SimTime> = HashMap::new();
            let mut dispatched: HashMap<JobId, usize> = HashMap::new();
            let mut next_id = 0u32;
            for op in 0..3000 {
                let ctx = format!("seed {seed}, op {op}");
                match rng.random_range(0..100) {
                    0..40 => {
                        let c = rng.random_range(0..channels.len());
                        let eta = now + SimTime::from_secs(rng.random_range(0..4));
                        let id = JobId(next_id);
                        let prio = rng.random_range(0..3);
                        if q.enqueue(id, c, prio, eta, now).is_ok() {
                            etas.insert(id, eta);
                            next_id += 1;
                        }
                    }
                    40..60 => {
                        while let Some((id, c)) = q.next_runnable(now) {
                            assert!(etas[&id] <= now, "{ctx}: {id:?} dispatched before its eta");
                            assert!(dispatched.insert(id, c).is_none(), "{ctx}: twice");
                        }
                    }
                    60..85 if !dispatched.is_empty() => {
                        let mut ids: Vec<JobId> = dispatched.keys().copied().collect();
                        ids.sort_unstable();
                        let id = ids[rng.random_range(0..ids.len())];
                        dispatched.remove(&id);
                        match rng.random_range(0..20) {
                            0..14 => q.done(id),
                            14..19 => {
                                let eta = now + SimTime::from_secs(rng.random_range(0..5));
                                etas.insert(id, eta);
                                q.failed_retry(id, eta);
                            }
                            _ => q.failed_final(id),
                        }
                    }
                    _ => now = now + SimTime::from_secs_f64(rng.random_range(0.0..1.5)),
                }
                for c in 0..channels.len() {
                    let n = recount(&channels, &dispatched, c);
                    let cap = channels.get(c).capacity.unwrap_or(u32::MAX);
                    assert!(n <= cap, "{ctx}: channel {c} has {n} > {cap}");
                }
                assert_eq!(q.running(), dispatched.len(), "{ctx}: running");
            }
            // Liveness: finishing everything drains all but a blocked sequential channel.
            for _ in 0..500 {
                while let Some((id, _)) = q.next_runnable(now) {
                    q.done(id);
                }
                for id in dispatched.drain().map(|(id, _)| id) {
                    q.done(id);
                }
                now = now + SimTime::from_secs(5);
            }
            let s = channels.find("S").unwrap();
            for (id, j) in q.jobs.iter().enumerate() {
                if j.state == State::Free {
                    continue;
                }
                assert!(
                    j.channel == s && q.chans[s].failed > 0,
                    "seed {seed}: {id:?} stuck in channel {}",
                    j.channel
                );
            }
        }
    }

    /// The scheduler as first written — a hash map of jobs, a B-tree of pending jobs by
    /// creation, every channel visited by every pass — kept as the reference the lean
    /// one must match call for call.
    mod reference {
        use super::super::{JobId, QueueFull};
        use crate::model::{Channels, SimTime};
        use std::cmp::Reverse;
        use std::collections::{BTreeSet, BinaryHeap, HashMap, VecDeque};

        /// `sorting_key_ignoring_eta`: priority, date_created, seq.
        type ReadyKey = (i32, SimTime, JobId);
        /// `sorting_key`: eta first.
        type WaitKey = (SimTime, i32, SimTime, JobId);

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
                    if let (Some(Reverse(w)), Some(Reverse(r))) =
                        (self.waiting.peek(), self.ready.peek())
                    {
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
            /// Jobs running in channel `ch`, its descendants' included.
            pub fn channel_running(&self, ch: usize) -> u32 {
                self.chans[ch].running
            }

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
    }

    /// The packed key sorts as the tuple (priority, created, id), negative priorities
    /// and extremes included.
    #[test]
    fn ready_key_sorts_as_the_tuple() {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(7);
        let pick = |rng: &mut Xoshiro256PlusPlus| {
            let p = match rng.random_range(0..4) {
                0 => i32::MIN,
                1 => i32::MAX,
                _ => rng.random_range(-3..3),
            };
            let t = match rng.random_range(0..3) {
                0 => u64::MAX,
                _ => rng.random_range(0..4),
            };
            let id = match rng.random_range(0..3) {
                0 => u32::MAX,
                _ => rng.random_range(0..4),
            };
            (p, SimTime(t), JobId(id))
        };
        for _ in 0..10_000 {
            let (a, b) = (pick(&mut rng), pick(&mut rng));
            let (ka, kb) = (ready_key(a.0, a.1, a.2), ready_key(b.0, b.1, b.2));
            assert_eq!(a.cmp(&b), ka.cmp(&kb), "{a:?} vs {b:?}");
            assert_eq!(key_id(ka), a.2);
        }
    }

    /// Random operations on the reference and on [`JobQueue`] give the same dispatches in
    /// the same order, the same wake-up times and the same counts, on channel trees with
    /// throttles, sequential channels, implicit parents and retries with an eta, with ids
    /// reused as the simulation does.
    #[test]
    fn matches_the_reference_scheduler() {
        let configs = [
            "root:5, A:3, A.x:2, A.y:0, B:2:throttle=1, S:1:sequential, C.d:1, C.e:4",
            "root:12, root.a:3, root.b:3, root.c:3",
            "root:2, S:1:sequential:throttle=2, T:3:throttle=1, U:0",
            "root:0, a.b.c:1, a.b:2, a:3",
        ];
        for config in configs {
            let channels = parse_channels(config).unwrap();
            for seed in 0..30u64 {
                let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
                let mut q = JobQueue::new(&channels, 150);
                let mut r = reference::JobQueue::new(&channels, 150);
                let mut now = SimTime::ZERO;
                let mut free: Vec<u32> = Vec::new();
                let mut next_id = 0u32;
                let mut dispatched: Vec<JobId> = Vec::new();
                for op in 0..4000 {
                    let ctx = format!("{config}, seed {seed}, op {op}");
                    match rng.random_range(0..100) {
                        0..40 => {
                            let c = rng.random_range(0..channels.len());
                            let eta = match rng.random_range(0..3) {
                                0 => now,
                                1 => now.saturating_sub(SimTime::from_secs(1)),
                                _ => now + SimTime::from_secs_f64(rng.random_range(0.0..4.0)),
                            };
                            let id = JobId(free.pop().unwrap_or_else(|| {
                                next_id += 1;
                                next_id - 1
                            }));
                            let prio = rng.random_range(-2..3);
                            let created =
                                now.saturating_sub(SimTime::from_secs(rng.random_range(0..2)));
                            let a = q.enqueue(id, c, prio, eta, created);
                            let b = r.enqueue(id, c, prio, eta, created);
                            assert_eq!(a, b, "{ctx}: enqueue");
                            if a.is_err() {
                                free.push(id.0);
                            }
                        }
                        40..65 => loop {
                            let a = q.next_runnable(now);
                            assert_eq!(a, r.next_runnable(now), "{ctx}: next_runnable");
                            match a {
                                Some((id, _)) => dispatched.push(id),
                                None => break,
                            }
                            if rng.random_range(0..4) == 0 {
                                break; // leave some in `out`
                            }
                        },
                        65..85 if !dispatched.is_empty() => {
                            let id = dispatched.swap_remove(rng.random_range(0..dispatched.len()));
                            match rng.random_range(0..20) {
                                0..14 => {
                                    q.done(id);
                                    r.done(id);
                                    free.push(id.0);
                                }
                                14..19 => {
                                    let eta =
                                        now + SimTime::from_secs_f64(rng.random_range(0.0..5.0));
                                    q.failed_retry(id, eta);
                                    r.failed_retry(id, eta);
                                }
                                _ => {
                                    q.failed_final(id);
                                    r.failed_final(id);
                                    free.push(id.0);
                                }
                            }
                        }
                        85..92 => {
                            now = now + SimTime::from_secs_f64(rng.random_range(0.0..1.5));
                        }
                        _ => {
                            if let Some(t) = r.next_eta() {
                                now = now.max(t);
                            }
                        }
                    }
                    assert_eq!(q.next_eta(), r.next_eta(), "{ctx}: next_eta");
                    assert_eq!(q.pending(), r.pending(), "{ctx}: pending");
                    assert_eq!(q.running(), r.running(), "{ctx}: running");
                    assert_eq!(q.failed(), r.failed(), "{ctx}: failed");
                    assert_eq!(
                        q.oldest_pending_created(),
                        r.oldest_pending_created(),
                        "{ctx}: oldest pending"
                    );
                    for c in 0..channels.len() {
                        assert_eq!(
                            q.channel_running(c),
                            r.channel_running(c),
                            "{ctx}: channel {c} running"
                        );
                    }
                }
                assert!(
                    q.by_created.len() <= 2 * q.pending() + 64,
                    "by_created bounded"
                );
            }
        }
    }
}
