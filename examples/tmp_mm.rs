use peakplan::model::*;
use peakplan::run::{Progress, simulate};
fn main() {
    let args: Vec<f64> = std::env::args()
        .skip(1)
        .map(|a| a.parse().unwrap())
        .collect();
    let (lam, mu, c, k, hours, reps, cores) = (
        args[0],
        args[1],
        args[2] as u32,
        args[3] as u32,
        args[4],
        args[5] as u32,
        args[6] as u32,
    );
    let horizon = SimTime::from_secs_f64(hours * 3600.0);
    let ps = cores > 0;
    let model = Model {
        name: "mm".into(),
        horizon: Horizon {
            start_local: "x".into(),
            timezone: "UTC".into(),
            duration: horizon,
            warmup: SimTime::from_secs_f64(hours * 360.0),
        },
        calendar: Calendar {
            weekly: vec![WeeklyBaseline::FLAT],
            events: vec![],
            hour_marks: vec![HourMark {
                at: SimTime::ZERO,
                weekday: 0,
                hour: 0,
            }],
            horizon,
        },
        classes: vec![WorkloadClass {
            name: "q".into(),
            base_rate_per_s: lam,
            odoo_cpu_s: if ps {
                Dist::constant(0.0)
            } else {
                Dist::exponential(1.0 / mu)
            },
            queries: if ps {
                Dist::constant(1.0)
            } else {
                Dist::constant(0.0)
            },
            db_time_per_query_s: if ps {
                Dist::exponential(1.0 / mu)
            } else {
                Dist::constant(0.0)
            },
            cursors: 1,
        }],
        odoo: OdooTier {
            pods: 1,
            workers: c,
            listen_backlog: k - c,
            max_cron_threads: 0,
            evented_worker: false,
            db_maxconn: 64,
            limit_time_real: None,
            kill_check_period: SimTime::from_secs(4),
            worker_respawn: SimTime::from_secs(2),
        },
        postgres: Postgres {
            cores: cores.max(1),
            max_connections: 100000,
            superuser_reserved: 3,
        },
        stats: StatsSettings {
            fine_bucket: SimTime::from_secs(300),
            coarse_bucket: SimTime::from_secs(3600),
        },
        run: RunSettings {
            seed: 1,
            replications: reps,
            max_events: u64::MAX,
            max_in_flight: 1_000_000,
        },
    };
    let p = Progress::new(&model, reps);
    let t = std::time::Instant::now();
    let r = simulate(&model, 1, reps, 1, &p).unwrap();
    let el = t.elapsed().as_secs_f64();
    let c0 = &r.classes[0];
    println!(
        "events {} in {:.3}s = {:.1} M/s",
        r.run.events,
        el,
        r.run.events as f64 / el / 1e6
    );
    println!(
        "W {:?}\nWq {:?}\nPwait {:?}\nL {:?}\nX {:?}\nblock {:?}",
        c0.latency_s_mean,
        c0.wait_s_mean,
        c0.wait_probability,
        c0.in_system_mean,
        c0.throughput_per_s,
        c0.errors_per_s["backlog_full"]
    );
    println!("Lq {:?}", r.resources[1].level_mean);
}
