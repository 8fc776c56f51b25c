//! The websocket route and Odoo's evented worker (`gevent_port` 8072, `/websocket`).
//!
//! Each pod runs one evented process: a single Python process under gevent, so its CPU
//! is one core shared by the messages being handled (processor sharing approximates
//! greenlets yielding on I/O). A browser tab opens a connection (Traefik spreads the
//! upgrades round-robin) and keeps it for its `connected` time; every message over it
//! — the upgrade first — is a request of the class: it takes cursors from the process's
//! own pool (`db_maxconn_gevent`, none free → PoolError at once), runs its CPU on the
//! evented core, then its queries on PostgreSQL (directly: the bus needs LISTEN/NOTIFY,
//! which PgBouncer's transaction pooling does not carry).
//!
//! Memory: the process grows by `websocket_memory` per open connection. Every
//! `kill_check_period` it compares its size with `limit_memory_soft_gevent` and, above
//! it, restarts (`GeventServer.process_limits`): every connection of the pod drops and
//! every message in flight fails; the process is back after `worker_respawn`. The tabs
//! reconnect with the bus worker's back-off (`websocket_worker.js`) — all at once, so a
//! pod that filled up once fills up again.

use super::postgres::PsStation;
use super::request::Phase;
use super::{Cause, Ev, Resource, Sim, Step};
use crate::engine::{Draws, Key};
use crate::model::SimTime;
use rand::RngExt;
use rand_distr::{Distribution, Exp1};

/// Marks a request's `worker` as a pod's evented process: `EVENTED | pod`.
pub const EVENTED: u32 = 1 << 31;

/// The pod whose evented process serves a request, if it is a websocket message.
pub fn evented_pod(worker: u32) -> Option<u32> {
    (worker != u32::MAX && worker & EVENTED != 0).then_some(worker & !EVENTED)
}

/// Most websocket connections (open or reconnecting) at once per replication.
const MAX_CONNECTIONS: usize = 1 << 24;

/// The bus worker's reconnect back-off: `INITIAL_RECONNECT_DELAY` 1 s and
/// `MAXIMUM_RECONNECT_DELAY` 60 s (bus/static/src/workers/websocket_worker.js);
/// ASSUMPTION: the delay grows ×1.5 per failed attempt, plus up to 1 s of jitter.
const RECONNECT_INITIAL_S: f64 = 1.0;
const RECONNECT_MAX_S: f64 = 60.0;
const RECONNECT_FACTOR: f64 = 1.5;
const RECONNECT_JITTER_S: f64 = 1.0;

/// One pod's evented process.
pub struct EventedPod {
    cpu: PsStation,
    /// When the pending wake-up is due (older wake-ups are stale).
    wake_at: Option<SimTime>,
    up: bool,
    /// Open connections.
    open: u32,
    /// Cursors in use by messages.
    cursors: u32,
    /// PostgreSQL connections the process's pool has opened (kept until it restarts).
    pool_conns: u32,
    /// Whether the process counts among its pod's processes computing (`podcpu.rs`).
    computing: bool,
}

impl EventedPod {
    pub fn new() -> Self {
        EventedPod {
            cpu: PsStation::new(1.0),
            wake_at: None,
            up: true,
            open: 0,
            cursors: 0,
            pool_conns: 0,
            computing: false,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    Open,
    /// Waiting for the next reconnect attempt.
    Reconnecting,
    /// The tab was closed; the slot is freed when no event refers to it any more.
    Closed,
}

/// A browser tab's websocket.
#[derive(Clone, Copy, Debug)]
pub struct Conn {
    class: u32,
    pod: u32,
    state: State,
    /// Failed connection attempts in a row.
    attempts: u32,
    /// Events still pending that name this slot.
    pending: u32,
    /// Whether the message chain's next event is pending.
    chain: bool,
    /// The connection's identity, its generator (lifetime, message gaps, reconnect
    /// jitter), and the messages numbered so far (see `draws.rs`).
    key: Key,
    rng: Draws,
    messages: u64,
}

impl Sim<'_> {
    /// A tab of websocket class `class` opens.
    pub(super) fn ws_arrival(&mut self, class: u32) -> Step {
        if self.ws_conns.len() - self.ws_free.len() >= MAX_CONNECTIONS {
            return Err(self.stopped(
                format!("{MAX_CONNECTIONS} websocket connections at once"),
                "check the websocket class's rate and `connected` time",
            ));
        }
        let ws = self.model.classes[class as usize]
            .websocket
            .as_ref()
            .expect("websocket class");
        let key = self.streams.connection(class as usize);
        let mut rng = self.streams.draws(key);
        let lifetime = SimTime::from_secs_f64(ws.connected_s.sample(&mut rng));
        let conn = Conn {
            key,
            rng,
            messages: 0,
            class,
            pod: 0,
            state: State::Reconnecting,
            attempts: 0,
            pending: 1,
            chain: false,
        };
        let c = match self.ws_free.pop() {
            Some(c) => {
                self.ws_conns[c as usize] = conn;
                c
            }
            None => {
                self.ws_conns.push(conn);
                (self.ws_conns.len() - 1) as u32
            }
        };
        self.schedule(lifetime, Ev::WsClose { conn: c })?;
        self.ws_connect(c)
    }

    /// Tries to open connection `c` on the next pod; the upgrade is its first message.
    fn ws_connect(&mut self, c: u32) -> Step {
        let pod = self.ws_next_pod;
        self.ws_next_pod = (self.ws_next_pod + 1) % self.evented.len();
        if !self.evented[pod].up {
            // Connection refused: the upgrade fails and the tab tries again later.
            let class = self.ws_conns[c as usize].class;
            self.obs.arrival(self.now, class as usize);
            let key = self.ws_message_key(c);
            let req = self.alloc(class, key)?;
            self.fail(req, Cause::WebsocketUnavailable)?;
            return self.ws_retry(c);
        }
        let conn = &mut self.ws_conns[c as usize];
        conn.state = State::Open;
        conn.pod = pod as u32;
        conn.attempts = 0;
        self.evented[pod].open += 1;
        self.obs.add(self.now, Resource::WebsocketConnections, 1.0);
        self.ws_message(c)
    }

    /// Schedules the next reconnect attempt of `c` with the bus worker's back-off.
    fn ws_retry(&mut self, c: u32) -> Step {
        let conn = &mut self.ws_conns[c as usize];
        conn.state = State::Reconnecting;
        let attempt = conn.attempts;
        conn.attempts += 1;
        conn.pending += 1;
        let backoff = (RECONNECT_INITIAL_S * RECONNECT_FACTOR.powi(attempt.min(64) as i32))
            .min(RECONNECT_MAX_S);
        let jitter = conn.rng.random::<f64>() * RECONNECT_JITTER_S;
        self.schedule(
            SimTime::from_secs_f64(backoff + jitter),
            Ev::WsReconnect { conn: c },
        )
    }

    /// One message over open connection `c`; the next one is scheduled.
    fn ws_message(&mut self, c: u32) -> Step {
        let Conn { class, pod, .. } = self.ws_conns[c as usize];
        if !self.ws_conns[c as usize].chain {
            let rate = self.model.classes[class as usize]
                .websocket
                .as_ref()
                .expect("websocket class")
                .messages_per_s;
            // Poisson messages: exponential gaps, drawn as arrivals.rs draws them.
            let unit: f64 = Exp1.sample(&mut self.ws_conns[c as usize].rng);
            let gap = unit / rate;
            let conn = &mut self.ws_conns[c as usize];
            conn.chain = true;
            conn.pending += 1;
            self.schedule(SimTime::from_secs_f64(gap), Ev::WsMessage { conn: c })?;
        }
        self.obs.arrival(self.now, class as usize);
        let key = self.ws_message_key(c);
        let req = self.alloc(class, key)?;
        self.requests[req as usize].worker = EVENTED | pod;
        // A message locks no rows: the slot's rows are a previous request's.
        self.lock_keys[req as usize].clear();
        let cursors = self.model.classes[class as usize].cursors;
        let ep = &mut self.evented[pod as usize];
        if ep.cursors + cursors > self.model.odoo.db_maxconn_gevent {
            // The pool is exhausted: Odoo raises PoolError at once. No cursor was taken.
            self.requests[req as usize].worker = u32::MAX;
            return self.fail(req, Cause::DbPoolFull);
        }
        ep.cursors += cursors;
        if ep.cursors > ep.pool_conns {
            let extra = ep.cursors - ep.pool_conns;
            if self.obs.count(Resource::PgConnections) + extra > self.pg_usable() {
                return self.fail(req, Cause::PgTooManyClients);
            }
            self.evented[pod as usize].pool_conns += extra;
            self.obs
                .add(self.now, Resource::PgConnections, f64::from(extra));
        }
        self.evented_cursor_level();
        let mut rng = self.requests[req as usize].rng;
        let (cpu_s, db_s, io_s) = self.sample_try(class as usize, false, &mut rng);
        let now = self.now;
        let r = &mut self.requests[req as usize];
        r.rng = rng;
        r.tries = 1;
        r.try_start = now;
        r.db_s = db_s;
        r.io_s = io_s;
        r.cpu2_s = 0.0;
        r.enter(Phase::EventedCpu, now);
        let inc = r.inc;
        self.evented[pod as usize].cpu.join(now, cpu_s, req, inc);
        self.evented_membership(pod)?;
        if let Some(clock) = self.pod_clock(pod) {
            self.requests[req as usize].cpu2_s = clock;
        }
        self.evented_cpu_level();
        self.evented_reschedule(pod)
    }

    /// Pod `pod`'s evented process joins its pod's processes computing when it has a
    /// message on its CPU, and leaves them when it has none.
    fn evented_membership(&mut self, pod: u32) -> Step {
        let ep = &mut self.evented[pod as usize];
        let busy = ep.cpu.active() > 0;
        if busy == ep.computing {
            return Ok(());
        }
        ep.computing = busy;
        self.evented_computing(pod, busy)
    }

    /// Pod `pod`'s evented process now runs at `speed` of a core (its share of the pod's
    /// cores).
    pub(super) fn evented_speed(&mut self, pod: u32, speed: f64) -> Step {
        let now = self.now;
        match self.evented.get_mut(pod as usize) {
            Some(ep) if ep.computing => {
                ep.cpu.set_speed(now, speed);
                self.evented_cpu_level();
                self.evented_reschedule(pod)
            }
            _ => Ok(()),
        }
    }

    /// The identity of connection `c`'s next message (an upgrade attempt counts).
    fn ws_message_key(&mut self, c: u32) -> Key {
        let conn = &mut self.ws_conns[c as usize];
        conn.messages += 1;
        conn.key.child(conn.messages)
    }

    pub(super) fn on_ws_message(&mut self, c: u32) -> Step {
        let conn = &mut self.ws_conns[c as usize];
        conn.pending -= 1;
        conn.chain = false;
        match conn.state {
            State::Open => self.ws_message(c),
            State::Reconnecting => Ok(()),
            State::Closed => {
                self.ws_maybe_free(c);
                Ok(())
            }
        }
    }

    pub(super) fn on_ws_reconnect(&mut self, c: u32) -> Step {
        let conn = &mut self.ws_conns[c as usize];
        conn.pending -= 1;
        match conn.state {
            State::Reconnecting => self.ws_connect(c),
            State::Closed => {
                self.ws_maybe_free(c);
                Ok(())
            }
            State::Open => unreachable!("a reconnect is pending only while reconnecting"),
        }
    }

    /// The tab closes: its connection ends (messages in flight still finish).
    pub(super) fn on_ws_close(&mut self, c: u32) -> Step {
        let conn = &mut self.ws_conns[c as usize];
        conn.pending -= 1;
        let (state, pod) = (conn.state, conn.pod);
        conn.state = State::Closed;
        if state == State::Open {
            self.evented[pod as usize].open -= 1;
            self.obs.add(self.now, Resource::WebsocketConnections, -1.0);
        }
        self.ws_maybe_free(c);
        Ok(())
    }

    fn ws_maybe_free(&mut self, c: u32) {
        let conn = &self.ws_conns[c as usize];
        if conn.state == State::Closed && conn.pending == 0 {
            self.ws_free.push(c);
        }
    }

    /// Pod `pod`'s evented CPU: messages whose CPU is done go on to PostgreSQL.
    pub(super) fn on_evented_wake(&mut self, pod: u32) -> Step {
        let ep = &mut self.evented[pod as usize];
        if ep.wake_at != Some(self.now) {
            return Ok(());
        }
        ep.wake_at = None;
        loop {
            let requests = &self.requests;
            let live = |req: u32, inc: u32| requests[req as usize].inc == inc;
            let Some((req, _)) = self.evented[pod as usize].cpu.pop_finished(self.now, live) else {
                break;
            };
            let now = self.now;
            let wall = now - self.requests[req as usize].phase_start;
            let clock = self.pod_clock(pod);
            let r = &mut self.requests[req as usize];
            r.enter(Phase::Done, now);
            if let Some(clock) = clock {
                // On shared cores: the CPU its process got meanwhile, and the rest.
                let cpu = SimTime::from_secs_f64((clock - r.cpu2_s).max(0.0));
                r.cpu_shared(wall.as_nanos(), cpu.as_nanos());
            }
            self.begin_db_work(req)?;
        }
        self.evented_membership(pod)?;
        self.evented_cpu_level();
        self.evented_reschedule(pod)
    }

    fn evented_reschedule(&mut self, pod: u32) -> Step {
        let requests = &self.requests;
        let live = |req: u32, inc: u32| requests[req as usize].inc == inc;
        let ep = &mut self.evented[pod as usize];
        let next = ep.cpu.next_completion(self.now, live);
        if let Some(at) = next.filter(|_| next != ep.wake_at) {
            ep.wake_at = next;
            return self.schedule(at - self.now, Ev::EventedWake { pod });
        }
        Ok(())
    }

    /// A message of `class` on pod `pod` ended: its cursors go back to the pool.
    pub(super) fn evented_done(&mut self, pod: u32, class: u32) -> Step {
        let cursors = self.model.classes[class as usize].cursors;
        let ep = &mut self.evented[pod as usize];
        ep.cursors -= cursors.min(ep.cursors);
        self.evented_cursor_level();
        Ok(())
    }

    /// The master's check of the evented processes' memory.
    pub(super) fn on_evented_beat(&mut self) -> Step {
        let o = &self.model.odoo;
        let (base, per_conn, soft) = (
            o.worker_base_memory_mib,
            o.websocket_memory_mib,
            o.limit_memory_soft_gevent_mib,
        );
        for pod in 0..self.evented.len() {
            let ep = &self.evented[pod];
            if ep.up && base + f64::from(ep.open) * per_conn > soft {
                self.evented_restart(pod as u32)?;
            }
        }
        self.schedule(self.model.odoo.kill_check_period, Ev::EventedBeat)
    }

    /// Pod `pod`'s evented server restarts: connections drop, messages in flight fail,
    /// its pool's connections close.
    fn evented_restart(&mut self, pod: u32) -> Step {
        self.evented[pod as usize].up = false;
        let mut dropped = 0u32;
        for c in 0..self.ws_conns.len() as u32 {
            let conn = self.ws_conns[c as usize];
            if conn.state == State::Open && conn.pod == pod {
                self.evented[pod as usize].open -= 1;
                dropped += 1;
                self.obs.websocket_dropped(conn.class as usize);
                self.ws_retry(c)?;
            }
        }
        self.obs.add(
            self.now,
            Resource::WebsocketConnections,
            -f64::from(dropped),
        );
        for req in 0..self.requests.len() as u32 {
            let r = &self.requests[req as usize];
            if r.is_live() && r.worker == EVENTED | pod {
                if r.phase == Phase::EventedCpu {
                    self.evented[pod as usize].cpu.abandon(self.now);
                }
                self.fail(req, Cause::WebsocketUnavailable)?;
            }
        }
        self.evented_membership(pod)?;
        let ep = &mut self.evented[pod as usize];
        let closed = std::mem::take(&mut ep.pool_conns);
        ep.wake_at = None;
        self.obs
            .add(self.now, Resource::PgConnections, -f64::from(closed));
        self.evented_cpu_level();
        self.schedule(self.model.odoo.worker_respawn, Ev::EventedUp { pod })
    }

    pub(super) fn on_evented_up(&mut self, pod: u32) -> Step {
        self.evented[pod as usize].up = true;
        Ok(())
    }

    fn evented_cpu_level(&mut self) {
        let busy: f64 = self.evented.iter().map(|e| e.cpu.busy_cores()).sum();
        self.obs.level(self.now, Resource::EventedCpuBusy, busy);
    }

    fn evented_cursor_level(&mut self) {
        let used: u32 = self.evented.iter().map(|e| e.cursors).sum();
        self.obs
            .level(self.now, Resource::EventedCursors, f64::from(used));
    }
}

/// Connections one pod's evented process holds before its soft limit restarts it.
pub fn connections_per_pod(o: &crate::model::OdooTier) -> f64 {
    ((o.limit_memory_soft_gevent_mib - o.worker_base_memory_mib) / o.websocket_memory_mib).floor()
}
