//! Odoo's sessions in Redis, under `maxmemory` and its eviction policy.
//!
//! Sessions are saved when a request that creates one ends, and expire `session_ttl`
//! after creation (refreshes on later saves are not modelled, so expiry order is creation
//! order and a FIFO suffices). When a new session does not fit: `noeviction` refuses the
//! write — the request fails with Redis's OOM error; `volatile-*` and `allkeys-*` evict a
//! session to make room (the oldest: what LRU approximates for sessions, which are all
//! volatile). An evicted session younger than `active_window` belonged to a user still
//! browsing, who is logged out and logs in again — more load exactly when memory is tight.

use crate::model::{EvictionPolicy, Redis, SimTime};
use std::collections::VecDeque;

/// What saving a new session did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Save {
    Stored,
    /// `noeviction` and no room: the write failed.
    OutOfMemory,
    /// Room was made by evicting a session; `active` if its user was still browsing.
    Evicted {
        active: bool,
    },
}

pub struct SessionStore {
    cfg: Redis,
    /// Creation times of the live sessions, oldest first.
    live: VecDeque<SimTime>,
}

impl SessionStore {
    pub fn new(cfg: Redis) -> Self {
        SessionStore {
            cfg,
            live: VecDeque::new(),
        }
    }

    fn capacity(&self) -> usize {
        (self.cfg.maxmemory_bytes / self.cfg.session_bytes) as usize
    }

    fn expire(&mut self, now: SimTime) {
        while self
            .live
            .front()
            .is_some_and(|c| *c + self.cfg.session_ttl <= now)
        {
            self.live.pop_front();
        }
    }

    pub fn save_new(&mut self, now: SimTime) -> Save {
        self.expire(now);
        if self.live.len() < self.capacity() {
            self.live.push_back(now);
            return Save::Stored;
        }
        match self.cfg.policy {
            EvictionPolicy::NoEviction => Save::OutOfMemory,
            EvictionPolicy::Volatile | EvictionPolicy::AllKeys => {
                let oldest = self.live.pop_front().expect("capacity ≥ 1 (validated)");
                self.live.push_back(now);
                Save::Evicted {
                    active: now - oldest < self.cfg.active_window,
                }
            }
        }
    }

    /// Memory used by sessions, MiB (after expiring those due by `now`).
    pub fn used_mib(&mut self, now: SimTime) -> f64 {
        self.expire(now);
        (self.live.len() as u64 * self.cfg.session_bytes) as f64 / (1024.0 * 1024.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store(policy: EvictionPolicy) -> SessionStore {
        SessionStore::new(Redis {
            maxmemory_bytes: 3 * 4096,
            policy,
            session_bytes: 4096,
            session_ttl: SimTime::from_secs(100),
            active_window: SimTime::from_secs(10),
        })
    }

    #[test]
    fn noeviction_refuses_writes_when_full_and_expiry_frees_room() {
        let mut s = store(EvictionPolicy::NoEviction);
        for t in 0..3 {
            assert_eq!(s.save_new(SimTime::from_secs(t)), Save::Stored);
        }
        assert_eq!(s.save_new(SimTime::from_secs(5)), Save::OutOfMemory);
        assert_eq!(s.used_mib(SimTime::from_secs(5)), 3.0 * 4096.0 / 1048576.0);
        assert_eq!(
            s.save_new(SimTime::from_secs(100)),
            Save::Stored,
            "the first expired"
        );
    }

    #[test]
    fn volatile_evicts_live_sessions_and_never_exceeds_maxmemory() {
        let mut s = store(EvictionPolicy::Volatile);
        for t in 0..3 {
            s.save_new(SimTime::from_secs(t));
        }
        assert_eq!(
            s.save_new(SimTime::from_secs(5)),
            Save::Evicted { active: true }
        );
        assert_eq!(
            s.save_new(SimTime::from_secs(50)),
            Save::Evicted { active: false }
        );
        assert!(s.used_mib(SimTime::from_secs(50)) * 1048576.0 <= 3.0 * 4096.0);
    }
}
