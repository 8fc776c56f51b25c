//! Calendars people really have: a closed population that follows the weekly hours (the
//! users logged in, scaled), and arrivals at fixed local times across a daylight-saving
//! change.

mod common;

use common::{model, run_seeded};
use peakplan::model::SimTime;

const SEED: u64 = 1;
/// Think time and Odoo CPU of the office users (seconds).
const THINK_S: f64 = 30.0;
const CPU_S: f64 = 0.01;

/// 100 users by day (08:00–18:00), a quarter of them at night; workers to spare, so a
/// user's cycle is its think time plus its request's CPU time.
const OFFICE: &str = "
version: 1
name: office-hours
horizon: {start: 2026-11-23T00:00, timezone: UTC, duration: 24h}
stats: {fine_bucket: 5m, coarse_bucket: 1h}
calendar:
  weekly:
    hours: [0.25, 0.25, 0.25, 0.25, 0.25, 0.25, 0.25, 0.25, 1, 1, 1, 1,
            1, 1, 1, 1, 1, 1, 0.25, 0.25, 0.25, 0.25, 0.25, 0.25]
workloads:
  office:
    users: 100
    think_time: {dist: exponential, mean: 30s}
    odoo_cpu: {dist: constant, value: 10ms}
estate:
  odoo: {workers: 200, max_cron_threads: 0, evented_worker: false}
  postgres: {cores: 4, max_connections: 500}
";

#[test]
fn a_closed_population_follows_the_weekly_hours() {
    let m = model(OFFICE);
    assert_eq!(m.classes[0].population.as_ref().unwrap().peak_users, 100);
    let r = run_seeded(&m, SEED, 6);
    // Users logged in: 100 for 10 hours, 25 for 14; each sends one request per cycle.
    let cycle_s = THINK_S + CPU_S;
    let per_s = (100.0 * 10.0 + 25.0 * 14.0) * 3600.0 / cycle_s / 86_400.0;
    let a = &r.classes[0].arrivals_per_s;
    let hw = a.ci95_half_width.unwrap();
    // Logging out waits for the think in progress: at most a cycle's worth of requests
    // per user at each change, ≈ 0.05 % of the day's.
    let slack = 2.0 * 75.0 / 86_400.0;
    assert!(
        (a.mean - per_s).abs() <= hw + slack,
        "seed {SEED}: {} ± {} per s, expected {per_s}",
        a.mean,
        hw
    );
    assert!(hw < 0.01 * per_s, "seed {SEED}: interval too wide: {a:?}");
    // Hour by hour: a steady night bucket and a steady day bucket.
    let fine = &r.series.classes[0].arrivals_per_s;
    let bucket = |h: f64, m: f64| fine[((h * 60.0 + m) / 5.0) as usize];
    for (h, users) in [(3.0, 25.0), (12.0, 100.0), (21.0, 25.0)] {
        let steady: f64 = (2..12).map(|k| bucket(h, 5.0 * k as f64)).sum::<f64>() / 10.0;
        let want = users / cycle_s;
        assert!(
            (steady - want).abs() < 0.05 * want,
            "seed {SEED}: hour {h}: {steady} requests/s, expected {want}"
        );
    }
}

/// An EDI import at 07:00 every day and a night sync at 02:30, across the night the
/// clocks go back in Paris (2026-10-25, 03:00 CEST → 02:00 CET).
const FIXED: &str = "
version: 1
name: fixed-times
horizon: {start: 2026-10-24T00:00, timezone: Europe/Paris, duration: 3d}
workloads:
  edi:
    at: ['07:00', '02:30']
    batch_size: {dist: constant, value: 10}
    odoo_cpu: {dist: constant, value: 50ms}
estate:
  odoo: {workers: 4}
  postgres: {cores: 2}
";

#[test]
fn fixed_times_land_at_local_times_across_a_daylight_saving_change() {
    let m = model(FIXED);
    let h = |x: f64| SimTime::from_secs_f64(x * 3600.0);
    // The horizon starts at 2026-10-24T00:00 CEST (22:00 UTC the day before). Sunday has
    // 25 hours: its 02:30 happens twice (the first counts), its 07:00 is 32 h in.
    let want = [h(2.5), h(7.0), h(26.5), h(32.0), h(51.5), h(56.0)];
    assert_eq!(m.classes[0].fixed_times.as_deref(), Some(&want[..]));
    let r = run_seeded(&m, SEED, 2);
    let window_s = 3.0 * 86_400.0;
    let arrivals = r.classes[0].arrivals_per_s.mean * window_s;
    assert!(
        (arrivals - 60.0).abs() < 1e-6,
        "six batches of ten: {arrivals}"
    );
    // Every request arrives in a bucket that holds one of the instants.
    let width = r.series.fine_bucket_s;
    for (i, rate) in r.series.classes[0].arrivals_per_s.iter().enumerate() {
        let holds = want.iter().any(|t| (t.as_secs_f64() / width) as usize == i);
        assert_eq!(*rate > 0.0, holds, "bucket {i}: {rate}/s");
    }
}

#[test]
fn a_time_in_the_spring_gap_comes_as_the_clock_is_put_forward() {
    // 2026-03-29 in Paris: 02:00 CET → 03:00 CEST; 02:30 does not exist that day.
    let yaml = FIXED
        .replace("2026-10-24T00:00", "2026-03-28T00:00")
        .replace("duration: 3d", "duration: 2d");
    let m = model(&yaml);
    let h = |x: f64| SimTime::from_secs_f64(x * 3600.0);
    // Saturday 02:30 and 07:00 CET; Sunday "02:30" at the offset before the change is
    // 01:30 UTC (03:30 CEST), 26.5 h in; Sunday 07:00 CEST is 30 h in.
    let want = [h(2.5), h(7.0), h(26.5), h(30.0)];
    assert_eq!(m.classes[0].fixed_times.as_deref(), Some(&want[..]));
}

/// Two weeks of a back office with a login wave every Monday at 08:00 and a month-end
/// close on the last business day.
const RECURRING: &str = "
version: 1
name: recurring
horizon: {start: 2026-11-23T00:00, timezone: Europe/Paris, duration: 14d}
calendar:
  events:
    - {name: monday-logins, every: mon, at: '08:00', duration: 2h, multipliers: {office: 3}}
    - {name: month-end, every: last_business_day, at: '14:00', duration: 4h, multipliers: {office: 2}}
workloads:
  office:
    rate: 1/s
    odoo_cpu: {dist: exponential, mean: 50ms}
estate:
  odoo: {workers: 4}
  postgres: {cores: 2}
slos:
  monday-p95: {class: office, latency: p95 < 1s, window: monday-logins}
";

#[test]
fn recurring_events_occur_on_their_days_and_windows_cover_each_occurrence() {
    let m = model(RECURRING);
    let h = |x: f64| SimTime::from_secs_f64(x * 3600.0);
    let starts = |name: &str| -> Vec<SimTime> {
        m.calendar
            .events
            .iter()
            .filter(|e| e.name == name)
            .map(|e| e.start)
            .collect()
    };
    // Mondays 23 and 30 November at 08:00 (7 December at 08:00 is past the horizon).
    assert_eq!(starts("monday-logins"), [h(8.0), h(7.0 * 24.0 + 8.0)]);
    // Monday 30 November is November's last business day.
    assert_eq!(starts("month-end"), [h(7.0 * 24.0 + 14.0)]);
    assert_eq!(m.slos[0].window.spans.len(), 2);
    let r = run_seeded(&m, SEED, 2);
    let v = &r.verdicts[0];
    assert_eq!(v.window, "event monday-logins");
    let worst = v
        .worst_span
        .as_ref()
        .expect("two occurrences: the worst is named");
    assert!(
        worst.start_local.ends_with("T08:00"),
        "{}",
        worst.start_local
    );
}

/// A flash sale whose promotional logic doubles a checkout's work (from 10:00 to 11:00,
/// no ramps), on workers that never queue: a request's latency is its Odoo CPU time.
const HEAVIER: &str = "
version: 1
name: heavier-checkout
horizon: {start: 2026-11-27T09:00, timezone: UTC, duration: 3h}
calendar:
  events:
    - {name: flash-sale, start: 2026-11-27T10:00, duration: 1h, multipliers: {checkout: 1}, demand: {checkout: 2}}
workloads:
  checkout:
    rate: 0.5/s
    odoo_cpu: {dist: constant, value: 100ms}
  browse:
    rate: 0.5/s
    odoo_cpu: {dist: constant, value: 100ms}
estate:
  odoo: {workers: 64}
  postgres: {cores: 2}
";

#[test]
fn an_event_can_make_a_class_heavier_not_only_busier() {
    let r = run_seeded(&model(HEAVIER), SEED, 2);
    let mean = |class: usize, bucket: usize| r.series.classes[class].latency_s_mean[bucket];
    // 5-minute buckets: 10:00 is bucket 12, 11:00 bucket 24.
    for b in [0, 11, 12, 23, 24, 35] {
        let during = (12..24).contains(&b);
        let want = if during { 0.2 } else { 0.1 };
        let got = mean(0, b).expect("requests completed");
        assert!(
            (got - want).abs() < 1e-3,
            "seed {SEED}: checkout, bucket {b}: {got} s, expected {want}"
        );
        let browse = mean(1, b).expect("requests completed");
        assert!(
            (browse - 0.1).abs() < 1e-3,
            "seed {SEED}: browse is untouched: bucket {b}: {browse}"
        );
    }
    // The rate did not change: the sale made checkouts heavier, not more frequent.
    let c = &r.classes[0];
    assert!(
        (c.arrivals_per_s.mean - 0.5).abs() < 0.05,
        "{:?}",
        c.arrivals_per_s
    );
}
