//! Which random stream each draw comes from: the identity of requests.
//!
//! A request's work (Odoo CPU, queries and their time, reads, memory growth, the rows it
//! locks, its calls' latency and errors, whether it opens a session) is drawn from its
//! own generator, started at its arrival from the request's identity — the class's
//! name and the request's number under it — so the same request gets the same work under
//! any configuration and in any order of the workloads. A retry draws again from a
//! generator of its own (`identity.child(try)`). What a request's number is:
//!
//! - an open class's arrival: its rank among the class's arrivals (arrival times come
//!   from the class's own stream, so the k-th arrival is the same request in every
//!   variant);
//! - a closed class's request: (user, cycle) — the user's j-th request, and the think time
//!   before it, are the same in every variant;
//! - a queue_job job: the spawning request and the spawn's rank; each run of the job
//!   (`/queue_job/runjob`) a child of the job by its try;
//! - a websocket connection: its rank among the class's connections; each message its
//!   rank on the connection;
//! - a request sent again by a client who gave up (`client:`): a child of the request
//!   it repeats (`resubmission`), its rank carried by the request;
//! - the Traefik replica and rate-limit source a request comes through: a child stream
//!   of its identity (`Streams::ingress`);
//! - a scheduled action's run, and a user logging in again after Redis evicted the
//!   session: their rank (these depend on timing, so are the same only while it is).

use crate::engine::{self, Draws, Key, Rng};
use crate::model::Model;

/// Children of a request's identity (tries are 1, 2, …).
const THINK: u64 = u64::MAX;
/// Which Traefik replica and rate-limit source a request comes through.
const INGRESS: u64 = u64::MAX - 3;
const JOB: u64 = 1 << 40;
/// The client's own draws (its timeout, whether and when it sends the request again):
/// a stream apart, so a client timeout moves none of the request's work.
const CLIENT: u64 = u64::MAX - 1;
const RESUBMIT: u64 = u64::MAX - 2;
/// Where a runjob call is routed (a Kubernetes Service's pick).
const ROUTE: u64 = u64::MAX - 4;

/// The stream identities of one class, and how many requests each has numbered.
struct ClassKeys {
    request: Key,
    user: Key,
    cron: Key,
    relogin: Key,
    websocket: Key,
    requests: u64,
    crons: u64,
    relogins: u64,
    connections: u64,
    /// The cycle each closed user is in.
    cycles: Vec<u32>,
}

/// The replication's seed and every class's stream identities.
pub struct Streams {
    seed: u64,
    classes: Vec<ClassKeys>,
}

impl Streams {
    pub fn new(model: &Model, seed: u64) -> Streams {
        let classes = model
            .classes
            .iter()
            .map(|c| ClassKeys {
                request: Key::named("request", &c.name),
                user: Key::named("user", &c.name),
                cron: Key::named("cron", &c.name),
                relogin: Key::named("relogin", &c.name),
                websocket: Key::named("websocket", &c.name),
                requests: 0,
                crons: 0,
                relogins: 0,
                connections: 0,
                cycles: vec![0; c.population.as_ref().map_or(0, |p| p.peak_users as usize)],
            })
            .collect();
        Streams { seed, classes }
    }

    /// A long stream of the class called `name` (its arrivals, its batch sizes).
    pub fn long(&self, what: &str, name: &str) -> Rng {
        engine::stream(self.seed, Key::named(what, name))
    }

    /// The draws of the request or connection `key`.
    #[inline]
    pub fn draws(&self, key: Key) -> Draws {
        engine::draws(self.seed, key)
    }

    /// Which Traefik replica and rate-limit source request `key` comes through: a stream
    /// of its own, so drawing it moves none of the request's work.
    #[inline]
    pub fn ingress(&self, key: Key) -> Draws {
        self.draws(key.child(INGRESS))
    }

    /// Where request `key` is routed (a Kubernetes Service's pick), apart from its work.
    pub fn route(&self, key: Key) -> Draws {
        engine::draws(self.seed, key.child(ROUTE))
    }

    /// The draws of try `t` (2, 3, …) of request `key`.
    pub fn retry(&self, key: Key, t: u32) -> Draws {
        engine::draws(self.seed, key.child(u64::from(t)))
    }

    /// The draws of request `key`'s client: its timeout, then whether it sends the
    /// request again, then its think time before it does (always in that order).
    pub fn client(&self, key: Key) -> Draws {
        self.draws(key.child(CLIENT))
    }

    /// The next arrival of open class `c`.
    #[inline]
    pub fn arrival(&mut self, c: usize) -> Key {
        let k = &mut self.classes[c];
        k.requests += 1;
        k.request.child(k.requests)
    }

    /// User `u` of closed class `c`: the identity of its current cycle's request.
    pub fn user(&self, c: usize, u: u32) -> Key {
        let k = &self.classes[c];
        k.user
            .child(u64::from(u))
            .child(u64::from(k.cycles[u as usize]))
    }

    /// The think time before the user's current request, drawn from its own stream.
    pub fn think(&self, c: usize, u: u32) -> Draws {
        self.draws(self.user(c, u).child(THINK))
    }

    /// User `u` of class `c` sends its request: the next cycle begins.
    pub fn next_cycle(&mut self, c: usize, u: u32) {
        self.classes[c].cycles[u as usize] += 1;
    }

    /// The next run of scheduled action `c`.
    pub fn cron(&mut self, c: usize) -> Key {
        let k = &mut self.classes[c];
        k.crons += 1;
        k.cron.child(k.crons)
    }

    /// The next login of a user of class `c` whose session Redis evicted.
    pub fn relogin(&mut self, c: usize) -> Key {
        let k = &mut self.classes[c];
        k.relogins += 1;
        k.relogin.child(k.relogins)
    }

    /// The next websocket connection of class `c`.
    pub fn connection(&mut self, c: usize) -> Key {
        let k = &mut self.classes[c];
        k.connections += 1;
        k.websocket.child(k.connections)
    }
}

/// The request sent again by the client of request `parent`, who gave up on it.
pub fn resubmission(parent: Key) -> Key {
    parent.child(RESUBMIT)
}

/// The `i`-th job spawned by request `parent`.
pub fn job(parent: Key, i: u64) -> Key {
    parent.child(JOB + i)
}
