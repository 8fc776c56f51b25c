//! A pod's listen queue as Linux runs it, and what Traefik does when it is full.
//!
//! The accept queue holds `min(listen backlog, net.core.somaxconn)` connections (the
//! model's `listen_backlog`). A SYN meeting a full queue is dropped (`tcp_conn_request`:
//! `sk_acceptq_is_full` → drop, counted in `ListenOverflows`); the client — Traefik's
//! dialer — retransmits it to the same pod after its retransmission timeout, 1 s at
//! first (RFC 6298, Linux's `TCP_TIMEOUT_INIT`), doubling each time: SYNs at 0, 1, 3, 7,
//! 15, 31, 63 s after the first, and after `tcp_syn_retries` (6) the kernel gives up at
//! 127 s. Traefik's `dialTimeout` (30 s) usually ends it first: the dial error is a
//! timeout, answered 504, and since nothing reached the pod the Retry middleware may try
//! again (on the next pod) — docs/sources.md.
//!
//! With `tcp_abort_on_overflow` the connection is reset at once instead: Traefik answers
//! 502 or, with attempts left, retries after its back-off (the model before this one).

use super::request::Phase;
use super::{Cause, Ev, Sim, Step};
use crate::model::SimTime;

/// The client's initial SYN retransmission timeout (RFC 6298 § 2.1; Linux
/// `TCP_TIMEOUT_INIT`, since 3.1): 1 s, doubled after each retransmission.
const SYN_RTO_INITIAL: SimTime = SimTime::from_secs(1);

/// When the kernel gives up a connect by itself: `tcp_syn_retries` = 6 retransmissions,
/// the last one's timeout included — 1 + 2 + … + 64 = 127 s after the first SYN.
pub const SYN_GIVE_UP: SimTime = SimTime::from_secs(127);

/// Traefik Retry's first back-off (as modelled: 100 ms), doubled on each further attempt.
const RETRY_INITIAL_INTERVAL: SimTime = SimTime(100_000_000);

/// The delay from the dial's start (`elapsed` ago) to the next SYN retransmission:
/// retransmissions happen at 2^k − 1 s, so the next one is at 2·elapsed + 1 s.
pub fn next_syn_after(elapsed: SimTime) -> SimTime {
    elapsed + SYN_RTO_INITIAL
}

impl Sim<'_> {
    /// Traefik dials pod `pod` for request `req`: accepted (a worker or the backlog), or
    /// the queue is full — the SYN is dropped, or the connection reset.
    #[inline]
    pub(super) fn connect(&mut self, req: u32, pod: u32) -> Step {
        if self.accept(req, pod)? {
            return Ok(());
        }
        if self.model.odoo.tcp_abort_on_overflow {
            return self.dial_failed(req, Cause::BacklogFull);
        }
        let r = &mut self.requests[req as usize];
        r.pod = pod;
        r.enter(Phase::SynRetry, self.now);
        self.syn_dropped(req, SimTime::ZERO)
    }

    /// A SYN of `req`'s dial (started `elapsed` ago) was dropped: the next retransmission,
    /// or the dial timeout if that comes first.
    fn syn_dropped(&mut self, req: u32, elapsed: SimTime) -> Step {
        let limit = self.dial_limit();
        let next = elapsed + next_syn_after(elapsed);
        let at = if next < limit { next } else { limit };
        self.schedule(at - elapsed, Ev::Step { req })
    }

    /// How long a dial lasts at most: Traefik's `dialTimeout`, or the kernel's own limit.
    fn dial_limit(&self) -> SimTime {
        self.model.ingress.dial_timeout.min(SYN_GIVE_UP)
    }

    /// `req`'s SYN timer fired: retransmit to the same pod, or give the dial up.
    pub(super) fn on_syn_timer(&mut self, req: u32) -> Step {
        let r = &self.requests[req as usize];
        let (pod, elapsed) = (r.pod, self.now - r.phase_start);
        if elapsed >= self.dial_limit() {
            self.requests[req as usize].enter(Phase::Done, self.now);
            return self.dial_failed(req, Cause::DialTimeout);
        }
        if self.accept(req, pod)? {
            return Ok(());
        }
        self.syn_dropped(req, elapsed)
    }

    /// No connection was made (reset, or the dial timed out): Traefik's Retry middleware
    /// tries again after its back-off while attempts are left, else the request fails.
    fn dial_failed(&mut self, req: u32, cause: Cause) -> Step {
        let r = &mut self.requests[req as usize];
        r.attempts += 1;
        // The runner's runjob call does not go through Traefik: no retry.
        if r.attempts < self.model.ingress.retry_attempts && r.job == u32::MAX {
            let backoff = SimTime(RETRY_INITIAL_INTERVAL.0 << (r.attempts - 1).min(16));
            r.enter(Phase::Ingress, self.now);
            return self.schedule(backoff, Ev::Step { req });
        }
        self.fail(req, cause)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Retransmissions at 1, 3, 7, 15, 31, 63 s after the first SYN, each timeout twice
    /// the one before, the last ending at 127 s.
    #[test]
    fn syn_retransmissions_follow_the_doubling_schedule() {
        let mut t = SimTime::ZERO;
        let mut at = Vec::new();
        for _ in 0..7 {
            t = t + next_syn_after(t);
            at.push(t.as_secs_f64());
        }
        assert_eq!(at, [1.0, 3.0, 7.0, 15.0, 31.0, 63.0, 127.0]);
        assert_eq!(t, SYN_GIVE_UP);
    }
}
