//! Odoo's sessions in Redis, under `maxmemory` and its eviction policy.
//!
//! Sessions are saved when a request that creates one ends, and expire `session_ttl`
//! after creation (refreshes on later saves are not modelled, so expiry order is creation
//! order and a FIFO suffices). When a new session does not fit: `noeviction` refuses the
//! write — the request fails with Redis's OOM error; `volatile-*` and `allkeys-*` evict a
//! session to make room (the oldest: what LRU approximates for sessions, which are all
//! volatile). An evicted session younger than `active_window` belonged to a user still
//! browsing, who is logged out and logs in again — more load exactly when memory is tight.
//!
//! A cache may share the same `maxmemory` (`estate.redis.cache`), in a fluid
//! approximation: the cache is a number of resident bytes (whole entries), not a set of
//! keys. It starts warm (resident = the working set, or what fits). A lookup hits with
//! probability `hit_ratio × resident / working_set`; a miss writes its entry back, which
//! adds `entry_size` when there is free room and the cache is below its working set —
//! a write-back never evicts anything and is dropped when memory is full (under
//! `noeviction` Redis refuses it, and Odoo ignores a failed cache write). When a new
//! session needs room: `noeviction` refuses it; `allkeys-*` evicts cache entries first —
//! cold entries are less recently used than live sessions, the LRU approximation — then
//! the oldest session; `volatile-*` does the same if the entries carry a TTL, and evicts
//! only sessions otherwise (with no session left, no key is evictable and the write
//! fails, as in Redis). Sessions plus cache never exceed `maxmemory`.

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
    /// Bytes of cache resident: whole entries, at most the working set.
    resident: u64,
}

impl SessionStore {
    pub fn new(cfg: Redis) -> Self {
        // Warm: the working set, or as many whole entries as fit.
        let resident = cfg.cache.map_or(0, |c| {
            let fit = c.working_set_bytes.min(cfg.maxmemory_bytes);
            fit / c.entry_bytes * c.entry_bytes
        });
        SessionStore {
            cfg,
            live: VecDeque::new(),
            resident,
        }
    }

    /// Bytes used by sessions and cache.
    fn used(&self) -> u64 {
        self.live.len() as u64 * self.cfg.session_bytes + self.resident
    }

    /// Whether the policy may evict cache entries.
    fn cache_evictable(&self) -> bool {
        match self.cfg.policy {
            EvictionPolicy::NoEviction => false,
            EvictionPolicy::AllKeys => true,
            EvictionPolicy::Volatile => self.cfg.cache.is_some_and(|c| c.ttl),
        }
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
        let (max, need) = (self.cfg.maxmemory_bytes, self.cfg.session_bytes);
        if self.used() + need <= max {
            self.live.push_back(now);
            return Save::Stored;
        }
        if self.cfg.policy == EvictionPolicy::NoEviction {
            return Save::OutOfMemory;
        }
        if self.cache_evictable() && self.resident > 0 {
            let entry = self.cfg.cache.expect("resident > 0").entry_bytes;
            let short = self.used() + need - max;
            self.resident -= (short.div_ceil(entry) * entry).min(self.resident);
            if self.used() + need <= max {
                self.live.push_back(now);
                return Save::Stored;
            }
        }
        // One session's room is enough: the rest fitted before (used ≤ maxmemory).
        match self.live.pop_front() {
            Some(oldest) => {
                self.live.push_back(now);
                Save::Evicted {
                    active: now - oldest < self.cfg.active_window,
                }
            }
            // volatile-* with no key carrying a TTL: Redis refuses the write.
            None => Save::OutOfMemory,
        }
    }

    /// Memory used by sessions and cache, MiB (after expiring sessions due by `now`).
    pub fn used_mib(&mut self, now: SimTime) -> f64 {
        self.expire(now);
        self.used() as f64 / (1024.0 * 1024.0)
    }

    /// Cache resident, MiB.
    pub fn cache_resident_mib(&self) -> f64 {
        self.resident as f64 / (1024.0 * 1024.0)
    }

    /// Probability that a lookup hits now: `hit_ratio × resident / working_set`.
    pub fn hit_probability(&self) -> f64 {
        self.cfg.cache.map_or(0.0, |c| {
            c.hit_ratio * self.resident as f64 / c.working_set_bytes as f64
        })
    }

    /// One cache lookup at `now` with the uniform draw `u`: whether it hit. A miss writes
    /// its entry back if there is free room and the cache is below its working set.
    pub fn lookup(&mut self, now: SimTime, u: f64) -> bool {
        let Some(c) = self.cfg.cache else {
            return false;
        };
        if u < self.hit_probability() {
            return true;
        }
        self.expire(now);
        if self.resident + c.entry_bytes <= c.working_set_bytes
            && self.used() + c.entry_bytes <= self.cfg.maxmemory_bytes
        {
            self.resident += c.entry_bytes;
        }
        false
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
            cache: None,
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

    use crate::model::RedisCache;

    const KIB: u64 = 1024;

    /// 100 KiB of maxmemory, 4 KiB sessions living 100 s, a 60 KiB cache of 4 KiB entries.
    fn with_cache(policy: EvictionPolicy, ttl: bool) -> SessionStore {
        SessionStore::new(Redis {
            maxmemory_bytes: 100 * KIB,
            policy,
            session_bytes: 4 * KIB,
            session_ttl: SimTime::from_secs(100),
            active_window: SimTime::from_secs(10),
            cache: Some(RedisCache {
                working_set_bytes: 60 * KIB,
                entry_bytes: 4 * KIB,
                hit_ratio: 0.9,
                ttl,
            }),
        })
    }

    #[test]
    fn the_cache_starts_warm_and_hits_at_its_ratio() {
        let s = with_cache(EvictionPolicy::AllKeys, true);
        assert_eq!(s.resident, 60 * KIB);
        assert_eq!(s.hit_probability(), 0.9);
        // A working set larger than maxmemory starts with what fits, in whole entries.
        let mut cfg = with_cache(EvictionPolicy::AllKeys, true).cfg;
        cfg.cache.as_mut().unwrap().working_set_bytes = 1000 * KIB;
        cfg.maxmemory_bytes = 102 * KIB;
        assert_eq!(SessionStore::new(cfg).resident, 100 * KIB);
    }

    /// allkeys: sessions squeeze the cache entry by entry, then evict the oldest session.
    #[test]
    fn allkeys_evicts_cache_before_sessions() {
        let mut s = with_cache(EvictionPolicy::AllKeys, false);
        for t in 0..10 {
            assert_eq!(s.save_new(SimTime::from_secs(t)), Save::Stored);
        }
        // 40 KiB of sessions + 60 KiB of cache = maxmemory: the next one evicts an entry.
        assert_eq!(s.save_new(SimTime::from_secs(10)), Save::Stored);
        assert_eq!(s.resident, 56 * KIB);
        assert!((s.hit_probability() - 0.9 * 56.0 / 60.0).abs() < 1e-12);
        for t in 11..25 {
            assert_eq!(s.save_new(SimTime::from_secs(t)), Save::Stored);
        }
        assert_eq!(s.resident, 0, "the cache is gone");
        assert_eq!(
            s.save_new(SimTime::from_secs(25)),
            Save::Evicted { active: false }
        );
        // A miss finds no room: the write-back is dropped, nothing is evicted.
        assert!(!s.lookup(SimTime::from_secs(25), 0.0));
        assert_eq!((s.resident, s.used()), (0, 100 * KIB));
    }

    /// volatile without a TTL on the entries: only sessions go; with no session left the
    /// write fails.
    #[test]
    fn volatile_spares_entries_without_ttl() {
        let mut s = with_cache(EvictionPolicy::Volatile, false);
        for t in 0..10 {
            s.save_new(SimTime::from_secs(t));
        }
        // The oldest session (10 s old: just out of the active window) goes.
        assert_eq!(
            s.save_new(SimTime::from_secs(10)),
            Save::Evicted { active: false }
        );
        assert_eq!(s.resident, 60 * KIB);
        let mut cfg = with_cache(EvictionPolicy::Volatile, false).cfg;
        cfg.maxmemory_bytes = 62 * KIB;
        let mut full = SessionStore::new(cfg);
        assert_eq!(full.save_new(SimTime::ZERO), Save::OutOfMemory);
        // With a TTL the entries are fair game.
        let mut s = with_cache(EvictionPolicy::Volatile, true);
        for t in 0..11 {
            assert_eq!(s.save_new(SimTime::from_secs(t)), Save::Stored);
        }
        assert_eq!(s.resident, 56 * KIB);
    }

    /// Random saves, expiries and lookups under every policy: memory never exceeds
    /// maxmemory; under noeviction nothing is ever evicted (the cache never shrinks).
    #[test]
    fn memory_never_exceeds_maxmemory_and_noeviction_never_evicts() {
        use rand::{RngExt, SeedableRng};
        for policy in [
            EvictionPolicy::NoEviction,
            EvictionPolicy::Volatile,
            EvictionPolicy::AllKeys,
        ] {
            for ttl in [false, true] {
                let mut s = with_cache(policy, ttl);
                let mut rng = rand::rngs::Xoshiro256PlusPlus::seed_from_u64(7);
                let mut t = SimTime::ZERO;
                let mut resident = s.resident;
                for _ in 0..100_000 {
                    t = t + SimTime::from_secs_f64(rng.random::<f64>() * 4.0);
                    let save = if rng.random::<f64>() < 0.5 {
                        Some(s.save_new(t))
                    } else {
                        s.lookup(t, rng.random());
                        None
                    };
                    assert!(
                        s.used() <= 100 * KIB,
                        "{policy:?}: {} > maxmemory",
                        s.used()
                    );
                    assert!(s.resident <= 60 * KIB && s.resident % (4 * KIB) == 0);
                    if policy == EvictionPolicy::NoEviction {
                        assert!(s.resident >= resident, "noeviction evicted cache");
                        assert!(!matches!(save, Some(Save::Evicted { .. })));
                    }
                    resident = s.resident;
                }
            }
        }
    }
}
