//! A processor-sharing station with c servers: PostgreSQL's CPU, and its data volume.
//!
//! CPU: each running query is served by one backend process, so a query never gets more
//! than one core; with n active queries on c cores each progresses at rate min(1, c/n) —
//! the OS scheduler's fair share. Volume: a request's reads are work in units of the
//! single-stream I/O latency, and c = IOPS × latency streams run at full speed; beyond
//! that every stream slows so that the volume never exceeds its IOPS. The station keeps a *virtual work clock* V with dV/dt = min(1,
//! c/n); a query joining at V with work w finishes when V reaches V + w, so finish tags never
//! change and only the next completion time does (Kleinrock's PS bookkeeping).
//!
//! The same station shares a pod's CPU limit among its Odoo processes (`podcpu.rs`), and
//! a pod's evented process among its messages; the evented process itself runs at the
//! speed its pod's cores give it ([`PsStation::set_speed`]).

use crate::model::SimTime;
use std::cmp::Reverse;
use std::collections::BinaryHeap;

/// A job's finish tag in virtual work (seconds) and its `(request, incarnation)`, packed
/// in one integer that orders as the tuple `(tag, request, incarnation)` with the tag
/// in `f64::total_cmp` order: the heap compares one `u128` instead of a tuple.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Tagged(u128);

impl Tagged {
    fn new(tag: f64, req: u32, inc: u32) -> Self {
        // `total_cmp`'s order as unsigned integers: negative values have their bits
        // flipped, non-negative ones their sign bit set.
        let bits = tag.to_bits();
        let key = if bits >> 63 == 1 {
            !bits
        } else {
            bits | 1 << 63
        };
        Tagged(u128::from(key) << 64 | u128::from(req) << 32 | u128::from(inc))
    }

    fn tag(self) -> f64 {
        let key = (self.0 >> 64) as u64;
        f64::from_bits(if key >> 63 == 1 {
            key & !(1 << 63)
        } else {
            !key
        })
    }

    fn job(self) -> (u32, u32) {
        ((self.0 >> 32) as u32, self.0 as u32)
    }
}

/// Processor-sharing CPU. Jobs are identified by `(request, incarnation)` so that a
/// killed request's tag can be skipped when it surfaces (lazy deletion).
pub struct PsStation {
    /// Servers (cores, streams) at full speed.
    servers: f64,
    /// `servers × speed`: the work done per second when every server is busy.
    cores: f64,
    /// The most a job progresses per second: one server at `speed`.
    cap: f64,
    virtual_s: f64,
    last: SimTime,
    active: u32,
    /// The rate each job progresses at, min(1, c/n) at full speed: worked out again
    /// whenever the members or the speed change (see [`PsStation::rate`]), not on
    /// every clock advance.
    per_job: f64,
    /// A paced background flow sharing the servers as this many members (fractional):
    /// the checkpointer's write-back on a volume (`checkpoint.rs`).
    background: f64,
    /// Work the background flow has done, in seconds of one server at full speed.
    background_done_s: f64,
    tags: BinaryHeap<Reverse<Tagged>>,
}

/// Work below this (seconds) counts as done; absorbs rounding of completion times to ns.
const EPS_S: f64 = 1e-9;

impl PsStation {
    pub fn new(servers: f64) -> Self {
        PsStation {
            servers,
            cores: servers,
            cap: 1.0,
            virtual_s: 0.0,
            last: SimTime::ZERO,
            active: 0,
            per_job: 1.0,
            background: 0.0,
            background_done_s: 0.0,
            tags: BinaryHeap::new(),
        }
    }

    fn rate(&self) -> f64 {
        debug_assert_eq!(self.per_job.to_bits(), self.current_rate().to_bits());
        self.per_job
    }

    /// Called after every change of `active`, `background` or the speed.
    fn update_rate(&mut self) {
        self.per_job = self.current_rate();
    }

    fn current_rate(&self) -> f64 {
        let members = f64::from(self.active) + self.background;
        if members == 0.0 {
            1.0
        } else {
            (self.cores / members).min(self.cap)
        }
    }

    /// The rate each job progresses at now: min(1, c/n) at full speed.
    pub fn rate_per_job(&self) -> f64 {
        self.rate()
    }

    /// From `now` on, every server runs at `speed` (≤ 1) of its full speed: a process
    /// that itself gets only a share of a core.
    pub fn set_speed(&mut self, now: SimTime, speed: f64) {
        self.advance(now);
        self.cores = self.servers * speed;
        self.cap = speed;
        self.update_rate();
    }

    /// From `now` on, only `share` (≤ 1) of the servers are there — a degraded volume,
    /// cores taken away — each still at full speed.
    pub fn set_share(&mut self, now: SimTime, share: f64) {
        self.advance(now);
        self.cores = self.servers * share;
        self.update_rate();
    }

    /// The virtual work clock at `now`: work a job present since `t` has done is
    /// `clock(now) − clock(t)`, as long as the station was never idle in between.
    pub fn clock(&mut self, now: SimTime) -> f64 {
        self.advance(now);
        self.virtual_s
    }

    fn advance(&mut self, now: SimTime) {
        if self.active > 0 {
            self.virtual_s += (now - self.last).as_secs_f64() * self.rate();
        }
        if self.background > 0.0 {
            self.background_done_s +=
                (now - self.last).as_secs_f64() * self.rate() * self.background;
        }
        self.last = now;
    }

    /// From `now` on, a paced background flow wants `members` servers' worth of work
    /// (0 = none): it shares the servers like that many jobs, so it runs at its pace
    /// while the station has room and slows with everyone else when it has not.
    pub fn set_background(&mut self, now: SimTime, members: f64) {
        self.advance(now);
        self.background = members;
        self.update_rate();
    }

    /// Work the background flow has done up to `now` (server-seconds at full speed).
    pub fn background_done(&mut self, now: SimTime) -> f64 {
        self.advance(now);
        self.background_done_s
    }

    pub fn active(&self) -> u32 {
        self.active
    }

    /// Cores busy now (for utilisation).
    pub fn busy_cores(&self) -> f64 {
        (f64::from(self.active) + self.background).min(self.cores)
    }

    /// A query of `work_s` seconds of CPU starts at `now`.
    pub fn join(&mut self, now: SimTime, work_s: f64, req: u32, inc: u32) {
        self.advance(now);
        self.active += 1;
        self.update_rate();
        self.tags
            .push(Reverse(Tagged::new(self.virtual_s + work_s, req, inc)));
    }

    /// A member with no finish tag joins: a process whose own work is scheduled
    /// elsewhere (a pod's evented process) shares the servers while it is busy. It
    /// leaves with [`PsStation::abandon`].
    pub fn hold(&mut self, now: SimTime) {
        self.advance(now);
        self.active += 1;
        self.update_rate();
    }

    /// A job left without finishing (its request was killed); its tag stays until popped.
    pub fn abandon(&mut self, now: SimTime) {
        self.advance(now);
        self.active -= 1;
        self.update_rate();
        self.reset_if_idle();
    }

    /// When the earliest live job will finish, given no arrivals; `live` tells whether a
    /// tag still belongs to a running job.
    pub fn next_completion(
        &mut self,
        now: SimTime,
        live: impl Fn(u32, u32) -> bool,
    ) -> Option<SimTime> {
        self.advance(now);
        while let Some(&Reverse(top)) = self.tags.peek() {
            let (req, inc) = top.job();
            if !live(req, inc) {
                self.tags.pop();
                continue;
            }
            let dt_s = ((top.tag() - self.virtual_s) / self.rate()).max(0.0);
            return Some(now + SimTime::from_nanos_ceil(dt_s * 1e9));
        }
        None
    }

    /// Pops one job finished by `now`, if any; `live` as in [`PsStation::next_completion`].
    pub fn pop_finished(
        &mut self,
        now: SimTime,
        live: impl Fn(u32, u32) -> bool,
    ) -> Option<(u32, u32)> {
        self.advance(now);
        while let Some(&Reverse(top)) = self.tags.peek() {
            let (req, inc) = top.job();
            if !live(req, inc) {
                self.tags.pop();
                continue;
            }
            if top.tag() <= self.virtual_s + EPS_S {
                self.tags.pop();
                self.active -= 1;
                self.update_rate();
                self.reset_if_idle();
                return Some((req, inc));
            }
            return None;
        }
        None
    }

    /// With no job left, restart the virtual clock at 0 to keep it precise over long runs.
    fn reset_if_idle(&mut self) {
        if self.active == 0 {
            self.virtual_s = 0.0;
            self.tags.clear();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Packed tags sort as the tuples they replace, with `total_cmp` on the tag, and
    /// give back the same bits.
    #[test]
    fn packed_tags_sort_as_tuples() {
        let tags = [
            -f64::INFINITY,
            -1.5,
            -0.0,
            0.0,
            1e-300,
            0.25,
            0.25000000000000006,
            3.0,
            1e300,
            f64::INFINITY,
        ];
        let mut all = Vec::new();
        for &tag in &tags {
            for req in [0, 1, 7, u32::MAX] {
                for inc in [0, 3, u32::MAX] {
                    all.push((tag, req, inc));
                }
            }
        }
        for a in &all {
            let pa = Tagged::new(a.0, a.1, a.2);
            assert_eq!(pa.tag().to_bits(), a.0.to_bits());
            assert_eq!(pa.job(), (a.1, a.2));
            for b in &all {
                let tuple = a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)).then(a.2.cmp(&b.2));
                assert_eq!(pa.cmp(&Tagged::new(b.0, b.1, b.2)), tuple, "{a:?} {b:?}");
            }
        }
    }

    #[test]
    fn two_jobs_on_one_core_share_it() {
        let mut ps = PsStation::new(1.0);
        let live = |_: u32, _: u32| true;
        ps.join(SimTime::ZERO, 1.0, 0, 0);
        ps.join(SimTime::ZERO, 2.0, 1, 0);
        // Both at rate 1/2: job 0 finishes at 2 s, then job 1 alone does its last 1 s.
        let t = ps.next_completion(SimTime::ZERO, live).unwrap();
        assert_eq!(t, SimTime::from_secs(2));
        assert_eq!(ps.pop_finished(t, live), Some((0, 0)));
        let t2 = ps.next_completion(t, live).unwrap();
        assert_eq!(t2, SimTime::from_secs(3));
        assert_eq!(ps.pop_finished(t2, live), Some((1, 0)));
        assert_eq!(ps.active(), 0);
    }

    #[test]
    fn a_slowed_station_and_an_untagged_member() {
        let live = |_: u32, _: u32| true;
        // One core at half speed: one job of 1 s takes 2 s; two share it, 4 s each.
        let mut ps = PsStation::new(1.0);
        ps.set_speed(SimTime::ZERO, 0.5);
        ps.join(SimTime::ZERO, 1.0, 0, 0);
        assert_eq!(
            ps.next_completion(SimTime::ZERO, live),
            Some(SimTime::from_secs(2))
        );
        ps.join(SimTime::ZERO, 1.0, 1, 0);
        assert_eq!(
            ps.next_completion(SimTime::ZERO, live),
            Some(SimTime::from_secs(4))
        );
        // Two cores, three members of which one untagged: each runs at 2/3.
        let mut ps = PsStation::new(2.0);
        ps.hold(SimTime::ZERO);
        ps.join(SimTime::ZERO, 2.0, 0, 0);
        ps.join(SimTime::ZERO, 2.0, 1, 0);
        assert_eq!(ps.busy_cores(), 2.0);
        assert!((ps.rate_per_job() - 2.0 / 3.0).abs() < 1e-15);
        assert_eq!(
            ps.next_completion(SimTime::ZERO, live),
            Some(SimTime::from_secs(3))
        );
        assert!((ps.clock(SimTime::from_secs(3)) - 2.0).abs() < 1e-12);
    }

    #[test]
    fn a_background_flow_shares_the_servers() {
        let live = |_: u32, _: u32| true;
        // Two servers, a flow of half a member: alone it runs at its pace (0.5 per s).
        let mut ps = PsStation::new(2.0);
        ps.set_background(SimTime::ZERO, 0.5);
        assert!((ps.background_done(SimTime::from_secs(2)) - 1.0).abs() < 1e-12);
        // With one job there is room for both: the job runs at full speed.
        ps.join(SimTime::from_secs(2), 1.0, 0, 0);
        assert_eq!(
            ps.next_completion(SimTime::from_secs(2), live),
            Some(SimTime::from_secs(3))
        );
        assert_eq!(ps.busy_cores(), 1.5);
        // Four jobs and the flow (4.5 members on 2 servers): everyone at 2/4.5.
        for j in 1..4 {
            ps.join(SimTime::from_secs(2), 1.0, j, 0);
        }
        assert_eq!(ps.busy_cores(), 2.0);
        assert!((ps.rate_per_job() - 2.0 / 4.5).abs() < 1e-15);
        let done = ps.background_done(SimTime::from_secs(3));
        assert!((done - (1.0 + 0.5 * 2.0 / 4.5)).abs() < 1e-12);
    }

    #[test]
    fn a_job_never_gets_more_than_one_core() {
        let mut ps = PsStation::new(4.0);
        ps.join(SimTime::ZERO, 1.5, 0, 0);
        assert_eq!(
            ps.next_completion(SimTime::ZERO, |_, _| true),
            Some(SimTime::from_secs_f64(1.5))
        );
    }
}
