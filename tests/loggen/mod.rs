//! A log generator for the calibration tests: Odoo's werkzeug lines (plain or JSON
//! logging) and Traefik's access log (common log format or JSON) written from a known
//! truth — classes with a rate per hour of the week (rate × hours × weekdays, the
//! scenario's own form), Odoo CPU (remaining time) lognormal or gamma, queries per request
//! (a gamma rounded stochastically, as peakplan draws counts) and a gamma time per query,
//! and a wait in the listen backlog that only Traefik sees.
//!
//! Each request: it reaches Traefik at `start`, waits `wait` for a worker, runs its
//! queries and CPU on Odoo (`query_s + remaining_s`), and Traefik logs `wait + query_s +
//! remaining_s`. Odoo's line is written when the response is sent (`start + wait + odoo
//! time`), with Odoo's 1 ms resolution; Traefik's JSON has nanoseconds. A share of
//! requests fails with a 500. Other Odoo loggers and a traceback are mixed in, as in real
//! logs. Everything is drawn from one seeded generator: the same seed writes the same
//! bytes.
#![allow(dead_code)] // each test file uses its own subset

use std::fmt::Write as _;
use std::io::Write;
use std::path::Path;

const NS: i64 = 1_000_000_000;
const HOUR_NS: i64 = 3600 * NS;

/// A positive distribution, by mean and coefficient of variation.
#[derive(Clone, Copy, Debug)]
pub enum Dist {
    Lognormal { mean: f64, cv: f64 },
    Gamma { mean: f64, cv: f64 },
}

impl Dist {
    pub fn mean(self) -> f64 {
        match self {
            Dist::Lognormal { mean, .. } | Dist::Gamma { mean, .. } => mean,
        }
    }
    pub fn cv(self) -> f64 {
        match self {
            Dist::Lognormal { cv, .. } | Dist::Gamma { cv, .. } => cv,
        }
    }
    pub fn family(self) -> &'static str {
        match self {
            Dist::Lognormal { .. } => "lognormal",
            Dist::Gamma { .. } => "gamma",
        }
    }
    fn draw(self, r: &mut Rng) -> f64 {
        match self {
            Dist::Lognormal { mean, cv } => {
                let s2 = (1.0 + cv * cv).ln();
                (mean.ln() - s2 / 2.0 + s2.sqrt() * r.normal()).exp()
            }
            Dist::Gamma { mean, cv } => {
                let k = 1.0 / (cv * cv);
                r.gamma(k) * mean / k
            }
        }
    }
}

/// One class of the truth.
#[derive(Clone, Debug)]
pub struct Class {
    pub name: &'static str,
    /// Paths its requests take, drawn evenly; `{n}` in a path becomes a number drawn from
    /// 1 to 99,999 (product and record ids: real logs hold many distinct paths).
    pub paths: Vec<&'static str>,
    pub method: &'static str,
    /// Requests per hour at factor 1.
    pub rate_per_h: f64,
    pub hours: [f64; 24],
    pub weekdays: [f64; 7],
    pub cpu: Dist,
    /// Queries per request: this distribution rounded stochastically.
    pub queries: Dist,
    pub per_query: Dist,
}

impl Class {
    /// Expected requests in the hour starting at `h_ns` (UTC).
    pub fn expected(&self, h_ns: i64) -> f64 {
        let day = ((h_ns.div_euclid(24 * HOUR_NS) + 3).rem_euclid(7)) as usize;
        let hour = (h_ns.rem_euclid(24 * HOUR_NS) / HOUR_NS) as usize;
        self.rate_per_h * self.hours[hour] * self.weekdays[day]
    }
}

/// The known scenario the logs are written from.
#[derive(Clone, Debug)]
pub struct Truth {
    pub seed: u64,
    /// UTC ns of the first hour (whole hours only).
    pub start_ns: i64,
    pub hours: i64,
    pub classes: Vec<Class>,
    /// Mean of the exponential wait in the listen backlog (seen by Traefik only).
    pub wait_s: f64,
    /// Share of requests answered 500 by Odoo.
    pub error_ratio: f64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OdooFormat {
    Plain,
    Json,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TraefikFormat {
    Clf,
    Json,
}

/// What was written, for the tests' expectations.
#[derive(Clone, Debug, Default)]
pub struct Written {
    /// Requests per class (every one logged by both servers).
    pub requests: Vec<u64>,
    pub odoo_lines: u64,
    pub traefik_lines: u64,
    /// Odoo lines of other loggers and traceback lines.
    pub other_lines: u64,
    pub bytes: u64,
}

/// A small, fast, seeded generator (SplitMix64): the tests need reproducible bytes, not
/// cryptographic quality.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed ^ 0x5DEE_CE66_D1CE_4E5B)
    }
    pub fn u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform on (0, 1).
    pub fn uniform(&mut self) -> f64 {
        ((self.u64() >> 11) as f64 + 0.5) / (1u64 << 53) as f64
    }
    pub fn exp(&mut self, mean: f64) -> f64 {
        -mean * self.uniform().ln()
    }
    pub fn normal(&mut self) -> f64 {
        let (u, v) = (self.uniform(), self.uniform());
        (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
    }
    /// Gamma(k, 1) (Marsaglia and Tsang; k < 1 boosted).
    pub fn gamma(&mut self, k: f64) -> f64 {
        if k < 1.0 {
            return self.gamma(k + 1.0) * self.uniform().powf(1.0 / k);
        }
        let d = k - 1.0 / 3.0;
        let c = 1.0 / (9.0 * d).sqrt();
        for _ in 0..1000 {
            let x = self.normal();
            let v = (1.0 + c * x).powi(3);
            if v > 0.0 && self.uniform().ln() < 0.5 * x * x + d - d * v + d * v.ln() {
                return d * v;
            }
        }
        k
    }
    fn below(&mut self, n: usize) -> usize {
        (self.u64() % n as u64) as usize
    }
}

/// `x` rounded down or up with the probability of its fraction.
fn stochastic_round(x: f64, r: &mut Rng) -> u64 {
    let f = x.floor();
    (f + f64::from(u8::from(r.uniform() < x - f))) as u64
}

/// One request of the truth.
struct Req {
    class: usize,
    start_ns: i64,
    wait_s: f64,
    queries: u64,
    query_s: f64,
    remaining_s: f64,
    status: u16,
    path: String,
    method: &'static str,
}

fn draw_request(t: &Truth, class: usize, start_ns: i64, r: &mut Rng) -> Req {
    let c = &t.classes[class];
    let queries = stochastic_round(c.queries.draw(r), r);
    let query_s: f64 = (0..queries).map(|_| c.per_query.draw(r)).sum();
    Req {
        class,
        start_ns,
        wait_s: r.exp(t.wait_s),
        queries,
        query_s,
        remaining_s: c.cpu.draw(r),
        status: if r.uniform() < t.error_ratio {
            500
        } else {
            200
        },
        path: {
            let p = c.paths[r.below(c.paths.len())];
            if p.contains("{n}") {
                p.replace("{n}", &(1 + r.below(99_999)).to_string())
            } else {
                p.to_owned()
            }
        },
        method: c.method,
    }
}

/// The UTC instant `ns` nanoseconds after the epoch, formatted by chrono — a calendar
/// independent of the one the readers parse with (`calibrate::civil`).
fn fmt(ns: i64, format: &str) -> String {
    chrono::DateTime::from_timestamp_nanos(ns)
        .format(format)
        .to_string()
}

/// `2024-05-06 10:00:00,123` (Python logging's asctime; Odoo logs in UTC).
pub fn asctime(ns: i64) -> String {
    fmt(ns, "%Y-%m-%d %H:%M:%S,%3f")
}

/// werkzeug's `06/May/2024 10:00:00`.
fn werkzeug_date(ns: i64) -> String {
    fmt(ns, "%d/%b/%Y %H:%M:%S")
}

/// Common log format's `06/May/2024:12:00:00 +0200`, in UTC+2 (Traefik writes local time).
fn clf_date(ns: i64) -> String {
    fmt(ns + 2 * HOUR_NS, "%d/%b/%Y:%H:%M:%S +0200")
}

/// RFC 3339 with nanoseconds, as Traefik's `StartUTC`.
fn rfc3339(ns: i64) -> String {
    fmt(ns, "%Y-%m-%dT%H:%M:%S.%9fZ")
}

fn odoo_end_ns(q: &Req) -> i64 {
    q.start_ns + ((q.wait_s + q.query_s + q.remaining_s) * 1e9).round() as i64
}

/// Odoo's werkzeug line (odoo/netsvc.py's format, `%d %.3f %.3f` perf numbers).
fn odoo_line(q: &Req, fmt: OdooFormat, out: &mut String) {
    let end = odoo_end_ns(q);
    let message = format!(
        "10.0.{}.{} - - [{}] \"{} {}?debug= HTTP/1.1\" {} -",
        q.class,
        q.queries % 250,
        werkzeug_date(end),
        q.method,
        q.path,
        q.status
    );
    let perf = format!("{} {:.3} {:.3}", q.queries, q.query_s, q.remaining_s);
    match fmt {
        OdooFormat::Plain => {
            let _ = writeln!(
                out,
                "{} 4242 INFO shop werkzeug: {message} {perf}",
                asctime(end)
            );
        }
        OdooFormat::Json => {
            let message = message.replace('"', "\\\"");
            let _ = writeln!(
                out,
                "{{\"asctime\": \"{}\", \"pid\": 4242, \"levelname\": \"INFO\", \"dbname\": \"shop\", \"name\": \"werkzeug\", \"message\": \"{message}\", \"perf_info\": \"{perf}\"}}",
                asctime(end)
            );
        }
    }
}

/// Traefik's access-log line.
fn traefik_line(q: &Req, fmt: TraefikFormat, out: &mut String) {
    let origin_s = q.query_s + q.remaining_s;
    let total_s = q.wait_s + origin_s;
    match fmt {
        TraefikFormat::Clf => {
            let _ = writeln!(
                out,
                "203.0.113.{} - - [{}] \"{} {} HTTP/1.1\" {} 5120 \"-\" \"Mozilla/5.0 (X11; Linux x86_64)\" {} \"odoo@docker\" \"http://10.0.1.5:8069\" {}ms",
                q.class,
                clf_date(q.start_ns),
                q.method,
                q.path,
                q.status,
                q.queries,
                (total_s * 1e3).round() as i64
            );
        }
        TraefikFormat::Json => {
            let _ = writeln!(
                out,
                "{{\"ClientAddr\":\"203.0.113.{}:51234\",\"DownstreamStatus\":{},\"Duration\":{},\"OriginDuration\":{},\"OriginStatus\":{},\"RequestMethod\":\"{}\",\"RequestPath\":\"{}\",\"RequestProtocol\":\"HTTP/1.1\",\"RetryAttempts\":0,\"RouterName\":\"odoo@docker\",\"ServiceURL\":\"http://10.0.1.5:8069\",\"StartUTC\":\"{}\",\"level\":\"info\",\"msg\":\"\",\"time\":\"{}\"}}",
                q.class,
                q.status,
                (total_s * 1e9).round() as i64,
                (origin_s * 1e9).round() as i64,
                q.status,
                q.method,
                q.path,
                rfc3339(q.start_ns),
                rfc3339(q.start_ns)
            );
        }
    }
}

/// Output that may be gzip-compressed.
fn create(path: &Path, gzip: bool) -> Box<dyn Write> {
    let f = std::io::BufWriter::new(std::fs::File::create(path).expect("create log"));
    if gzip {
        Box::new(flate2::write::GzEncoder::new(
            f,
            flate2::Compression::best(),
        ))
    } else {
        Box::new(f)
    }
}

/// Where and how to write each server's log.
pub struct Target<'a, F> {
    pub path: &'a Path,
    pub format: F,
    pub gzip: bool,
}

/// Writes the logs of `t`, hour by hour (requests sorted by when each server logs them
/// within the hour), and returns what was written.
pub fn generate(
    t: &Truth,
    odoo: Option<Target<'_, OdooFormat>>,
    traefik: Option<Target<'_, TraefikFormat>>,
) -> Written {
    let mut r = Rng::new(t.seed);
    let mut w = Written {
        requests: vec![0; t.classes.len()],
        ..Written::default()
    };
    let mut o = odoo.as_ref().map(|x| create(x.path, x.gzip));
    let mut tr = traefik.as_ref().map(|x| create(x.path, x.gzip));
    let (mut os, mut ts) = (String::new(), String::new());
    for h in 0..t.hours {
        let h_ns = t.start_ns + h * HOUR_NS;
        let mut reqs = Vec::new();
        for (i, c) in t.classes.iter().enumerate() {
            let rate = c.expected(h_ns) / 3600.0;
            if rate <= 0.0 {
                continue;
            }
            let mut at = r.exp(1.0 / rate);
            while at < 3600.0 {
                reqs.push(draw_request(t, i, h_ns + (at * 1e9) as i64, &mut r));
                w.requests[i] += 1;
                at += r.exp(1.0 / rate);
            }
        }
        os.clear();
        ts.clear();
        if let (Some(_), Some(x)) = (&o, &odoo) {
            reqs.sort_by_key(odoo_end_ns);
            let _ = writeln!(
                os,
                "{} 4242 INFO shop odoo.addons.base.models.ir_cron: Job 'Mail: Email Queue Manager' (3) done in 0.012s",
                asctime(h_ns + 17 * NS)
            );
            w.other_lines += 1;
            for q in &reqs {
                odoo_line(q, x.format, &mut os);
                if q.status == 500 && x.format == OdooFormat::Plain {
                    let _ = writeln!(
                        os,
                        "{} 4242 ERROR shop odoo.http: Exception during request handling.\nTraceback (most recent call last):\n  File \"/odoo/odoo/http.py\", line 2229, in __call__\nValueError: boom",
                        asctime(odoo_end_ns(q) - 1_000_000)
                    );
                    w.other_lines += 4;
                }
            }
            w.odoo_lines += reqs.len() as u64;
        }
        if let (Some(_), Some(x)) = (&tr, &traefik) {
            reqs.sort_by_key(|q| q.start_ns);
            for q in &reqs {
                traefik_line(q, x.format, &mut ts);
            }
            w.traefik_lines += reqs.len() as u64;
        }
        w.bytes += (os.len() + ts.len()) as u64;
        if let Some(o) = o.as_mut() {
            o.write_all(os.as_bytes()).expect("write the Odoo log");
        }
        if let Some(tr) = tr.as_mut() {
            tr.write_all(ts.as_bytes()).expect("write the Traefik log");
        }
    }
    for f in [o, tr].into_iter().flatten() {
        drop(f); // BufWriter and GzEncoder finish on drop
    }
    w
}

/// A week's shop: browsing (lognormal CPU, busy evenings and weekends), cart, checkout
/// (gamma CPU), back office (office hours, weekdays) and queue_job jobs.
pub fn shop_week(seed: u64, scale: f64) -> Truth {
    let evening = [
        0.2, 0.1, 0.1, 0.1, 0.1, 0.2, 0.4, 0.7, 1.0, 1.2, 1.3, 1.3, 1.2, 1.2, 1.3, 1.3, 1.2, 1.1,
        1.2, 1.4, 1.6, 1.4, 0.9, 0.5,
    ];
    let office = [
        0.05, 0.05, 0.05, 0.05, 0.05, 0.05, 0.2, 0.8, 1.6, 1.8, 1.8, 1.6, 1.0, 1.4, 1.8, 1.8, 1.6,
        1.2, 0.5, 0.2, 0.1, 0.1, 0.05, 0.05,
    ];
    let shop_days = [1.0, 0.9, 0.9, 1.0, 1.1, 1.4, 1.2];
    let work_days = [1.2, 1.1, 1.1, 1.1, 1.0, 0.2, 0.1];
    // 2024-05-06 was a Monday.
    let start_ns = 19_849 * 24 * HOUR_NS;
    Truth {
        seed,
        start_ns,
        hours: 7 * 24,
        classes: vec![
            Class {
                name: "browse",
                paths: vec![
                    "/shop",
                    "/shop/category/chairs-3",
                    "/shop/product/chair-{n}",
                    "/shop/page/{n}",
                ],
                method: "GET",
                rate_per_h: 360.0 * scale,
                hours: evening,
                weekdays: shop_days,
                cpu: Dist::Lognormal {
                    mean: 0.060,
                    cv: 0.8,
                },
                queries: Dist::Gamma {
                    mean: 30.0,
                    cv: 0.5,
                },
                per_query: Dist::Gamma {
                    mean: 0.0008,
                    cv: 1.0,
                },
            },
            Class {
                name: "cart",
                paths: vec!["/shop/cart/update_json", "/shop/cart"],
                method: "POST",
                rate_per_h: 90.0 * scale,
                hours: evening,
                weekdays: shop_days,
                cpu: Dist::Lognormal {
                    mean: 0.045,
                    cv: 0.6,
                },
                queries: Dist::Gamma {
                    mean: 20.0,
                    cv: 0.4,
                },
                per_query: Dist::Gamma {
                    mean: 0.0006,
                    cv: 0.8,
                },
            },
            Class {
                name: "checkout",
                paths: vec!["/shop/confirm_order", "/shop/payment/validate"],
                method: "POST",
                rate_per_h: 30.0 * scale,
                hours: evening,
                weekdays: shop_days,
                cpu: Dist::Gamma {
                    mean: 0.180,
                    cv: 0.5,
                },
                queries: Dist::Gamma {
                    mean: 120.0,
                    cv: 0.3,
                },
                per_query: Dist::Gamma {
                    mean: 0.0010,
                    cv: 1.2,
                },
            },
            Class {
                name: "backoffice",
                paths: vec![
                    "/web/dataset/call_kw/sale.order/read",
                    "/web/dataset/call_kw/res.partner/web_read/{n}",
                    "/web/dataset/call_kw/account.move/action_post",
                ],
                method: "POST",
                rate_per_h: 120.0 * scale,
                hours: office,
                weekdays: work_days,
                cpu: Dist::Gamma {
                    mean: 0.120,
                    cv: 1.0,
                },
                queries: Dist::Gamma {
                    mean: 60.0,
                    cv: 0.7,
                },
                per_query: Dist::Gamma {
                    mean: 0.0012,
                    cv: 1.0,
                },
            },
            Class {
                name: "jobs",
                paths: vec!["/queue_job/runjob"],
                method: "GET",
                rate_per_h: 40.0 * scale,
                hours: [1.0; 24],
                weekdays: [1.0; 7],
                cpu: Dist::Lognormal {
                    mean: 0.400,
                    cv: 1.2,
                },
                queries: Dist::Gamma {
                    mean: 200.0,
                    cv: 0.6,
                },
                per_query: Dist::Gamma {
                    mean: 0.0009,
                    cv: 1.0,
                },
            },
        ],
        wait_s: 0.004,
        error_ratio: 0.003,
    }
}
