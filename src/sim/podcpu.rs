//! The pods' CPU limits: each pod's Odoo processes share its `estate.odoo.cpu` cores.
//!
//! Kubernetes enforces a container's CPU limit as a CFS quota: the processes of the pod
//! together get at most `cpu` cores, and the kernel shares them fairly; a process still
//! runs on one core at a time. So a pod is a processor-sharing station over `cpu`
//! servers (`postgres.rs`'s `PsStation`): with n processes computing, each progresses
//! at min(1, cpu/n). Its members are the HTTP workers and the cron workers in an Odoo CPU
//! phase, and the evented process while it handles messages — one member however many
//! messages it holds (they share its one core: `evented.rs`, which runs at the speed
//! its pod gives it). Events name the pod: `Ev::PodCpuWake { pod, epoch }`.
//!
//! Three modes, chosen once from the model:
//! - no `cpu`: every process has a core of its own, a CPU phase is a pure delay (as
//!   before this module existed), and there is no `pod_cpu_busy` gauge;
//! - `cpu` ≥ the processes of a pod: no pod can be oversubscribed, so the pure delay is
//!   exact; only the gauge counts the processes computing;
//! - `cpu` < the processes of a pod: the shared station.
//!
//! A request killed while computing leaves the station at once; its finish tag is
//! skipped when it surfaces (lazy deletion, as on PostgreSQL's CPU). The wall time of a
//! phase on shared cores splits into the CPU the request demanded (`odoo_cpu_s`) and the
//! rest (`pod_cpu_wait_s`): in general, over a member's time on the station, odoo CPU is
//! ∫ speed dt and the wait ∫ (1 − speed) dt, speed being min(1, cpu/n).

use super::postgres::PsStation;
use super::request::Phase;
use super::{Ev, Resource, Sim, Step};
use crate::model::{Model, SimTime};

/// Cores from millicores.
pub fn cores(millicores: u64) -> f64 {
    millicores as f64 / 1000.0
}

/// How the pods' CPU is simulated (see the module documentation).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// No CPU limit modelled.
    Unlimited,
    /// A limit no pod can exceed: pure delays, counted for the gauge.
    Ample,
    /// Processor sharing over each pod's cores.
    Shared,
}

impl Mode {
    pub fn of(model: &Model) -> Mode {
        match model.odoo.cpu_millicores {
            None => Mode::Unlimited,
            Some(m) if u64::from(m) >= 1000 * u64::from(model.processes_per_pod()) => Mode::Ample,
            Some(_) => Mode::Shared,
        }
    }
}

/// One pod's shared cores.
pub struct PodStation {
    cpu: PsStation,
    epoch: u32,
    /// When the pending wake-up is due, if one is.
    wake_at: Option<SimTime>,
    /// Millicores in use, as last counted in the gauge.
    busy_m: u64,
}

/// Every pod's CPU.
pub struct PodCpus {
    pub mode: Mode,
    millicores: u64,
    pods: Vec<PodStation>,
    /// Millicores in use over all pods (shared), or processes computing (ample).
    busy: u64,
}

impl PodCpus {
    pub fn new(model: &Model) -> PodCpus {
        let mode = Mode::of(model);
        let millicores = u64::from(model.odoo.cpu_millicores.unwrap_or(0));
        let pods = if mode == Mode::Shared {
            (0..model.odoo.pods)
                .map(|_| PodStation {
                    cpu: PsStation::new(cores(millicores)),
                    epoch: 0,
                    wake_at: None,
                    busy_m: 0,
                })
                .collect()
        } else {
            Vec::new()
        };
        PodCpus {
            mode,
            millicores,
            pods,
            busy: 0,
        }
    }
}

impl Sim<'_> {
    /// Request `req` computes `demand_s` seconds of Odoo CPU, `phase` being `Cpu1` or
    /// `Cpu2` (the half of its CPU time); without a CPU limit, as a delay.
    #[inline(always)]
    pub(super) fn odoo_cpu(&mut self, req: u32, demand_s: f64, phase: Phase) -> Step {
        if self.pod_cpu.mode != Mode::Unlimited {
            return self.limited_cpu(req, demand_s, phase);
        }
        self.requests[req as usize].enter(phase, self.now);
        self.schedule(SimTime::from_secs_f64(demand_s), Ev::Step { req })
    }

    /// [`Sim::odoo_cpu`] under a CPU limit: a counted delay when no pod can be
    /// oversubscribed, else on the pod's station.
    #[inline(never)]
    fn limited_cpu(&mut self, req: u32, demand_s: f64, phase: Phase) -> Step {
        let first = phase == Phase::Cpu1;
        if self.pod_cpu.mode == Mode::Shared {
            let shared = if first {
                Phase::PodCpu1
            } else {
                Phase::PodCpu2
            };
            return self.shared_cpu(req, demand_s, shared);
        }
        self.counted_cpu(1);
        let counted = if first {
            Phase::CountedCpu1
        } else {
            Phase::CountedCpu2
        };
        self.requests[req as usize].enter(counted, self.now);
        self.schedule(SimTime::from_secs_f64(demand_s), Ev::Step { req })
    }

    /// Processes computing, when no pod can be oversubscribed: each uses one core.
    pub(super) fn counted_cpu(&mut self, delta: i64) {
        let c = &mut self.pod_cpu;
        c.busy = c.busy.saturating_add_signed(delta);
        let level = c.busy as f64;
        self.obs.level(self.now, Resource::PodCpuBusy, level);
    }

    /// The pod whose process runs `req`.
    fn pod_of(&self, req: u32) -> u32 {
        let w = self.requests[req as usize].worker;
        self.workers[w as usize].pod
    }

    fn shared_cpu(&mut self, req: u32, demand_s: f64, phase: Phase) -> Step {
        let pod = self.pod_of(req);
        let now = self.now;
        let r = &mut self.requests[req as usize];
        r.enter(phase, now);
        let inc = r.inc;
        self.pod_cpu.pods[pod as usize]
            .cpu
            .join(now, demand_s, req, inc);
        self.pod_cpu_changed(pod)
    }

    /// Pod `pod`'s station: the requests whose CPU phase is done go on.
    #[inline(never)]
    pub(super) fn on_pod_cpu_wake(&mut self, pod: u32, epoch: u32) -> Step {
        let station = &mut self.pod_cpu.pods[pod as usize];
        if epoch != station.epoch {
            return Ok(());
        }
        station.wake_at = None;
        loop {
            let now = self.now;
            let requests = &self.requests;
            let live = |req: u32, inc: u32| requests[req as usize].inc == inc;
            let Some((req, _)) = self.pod_cpu.pods[pod as usize].cpu.pop_finished(now, live) else {
                break;
            };
            let r = &mut self.requests[req as usize];
            let (phase, wall) = (r.phase, now - r.phase_start);
            let demand = SimTime::from_secs_f64(r.cpu2_s);
            r.enter(Phase::Done, now);
            r.cpu_shared(wall.as_nanos(), demand.as_nanos());
            // The pod's gauge and next completion follow below, or as soon as the
            // request's next step joins this station again.
            match phase {
                Phase::PodCpu1 => self.cpu_done(req, Self::begin_db)?,
                Phase::PodCpu2 => self.cpu_done(req, Self::commit)?,
                _ => unreachable!("pod CPU completion in phase {phase:?}"),
            }
        }
        self.pod_cpu_changed(pod)
    }

    /// `req` ends while in `phase` (killed, under a CPU limit): if it was computing, it
    /// stops; on shared cores it leaves its pod's station, its finish tag made stale by a
    /// new incarnation.
    #[cold]
    pub(super) fn odoo_cpu_abandon(&mut self, req: u32, phase: Phase) -> Step {
        match phase {
            Phase::CountedCpu1 | Phase::CountedCpu2 => {
                self.counted_cpu(-1);
                Ok(())
            }
            Phase::PodCpu1 | Phase::PodCpu2 => {
                let pod = self.pod_of(req);
                self.pod_cpu.pods[pod as usize].cpu.abandon(self.now);
                let r = &mut self.requests[req as usize];
                r.inc = r.inc.wrapping_add(1);
                self.pod_cpu_changed(pod)
            }
            _ => Ok(()),
        }
    }

    /// Pod `pod`'s evented process starts (`busy`) or stops handling messages: it joins
    /// or leaves the processes sharing the pod's cores.
    pub(super) fn evented_computing(&mut self, pod: u32, busy: bool) -> Step {
        match self.pod_cpu.mode {
            Mode::Unlimited => Ok(()),
            Mode::Ample => {
                self.counted_cpu(if busy { 1 } else { -1 });
                Ok(())
            }
            Mode::Shared => {
                let now = self.now;
                let cpu = &mut self.pod_cpu.pods[pod as usize].cpu;
                if busy {
                    cpu.hold(now);
                } else {
                    cpu.abandon(now);
                }
                self.pod_cpu_changed(pod)
            }
        }
    }

    /// The CPU clock of pod `pod` at `now`: a member present since `t` computed
    /// `pod_clock(now) − pod_clock(t)` seconds of CPU (1 when not oversubscribed).
    pub(super) fn pod_clock(&mut self, pod: u32) -> Option<f64> {
        let now = self.now;
        let station = self.pod_cpu.pods.get_mut(pod as usize)?;
        Some(station.cpu.clock(now))
    }

    /// Pod `pod`'s processes computing changed: its cores in use, the speed of its evented
    /// process, and its next completion follow.
    pub(super) fn pod_cpu_changed(&mut self, pod: u32) -> Step {
        let now = self.now;
        let c = &mut self.pod_cpu;
        let station = &mut c.pods[pod as usize];
        let busy_m = (u64::from(station.cpu.active()) * 1000).min(c.millicores);
        c.busy = c.busy - station.busy_m + busy_m;
        station.busy_m = busy_m;
        let (level, speed) = (cores(c.busy), station.cpu.rate_per_job());
        self.obs.level(now, Resource::PodCpuBusy, level);
        self.evented_speed(pod, speed)?;
        let requests = &self.requests;
        let live = |req: u32, inc: u32| requests[req as usize].inc == inc;
        let station = &mut self.pod_cpu.pods[pod as usize];
        let next = station.cpu.next_completion(now, live);
        match next {
            Some(at) if next != station.wake_at => {
                station.epoch = station.epoch.wrapping_add(1);
                station.wake_at = next;
                let epoch = station.epoch;
                self.schedule(at - now, Ev::PodCpuWake { pod, epoch })
            }
            _ => Ok(()),
        }
    }
}
