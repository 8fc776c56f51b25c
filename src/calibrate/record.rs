//! What a log line says: one request as Odoo or Traefik saw it, another kind of line, or a
//! line that looked like a request and could not be read (with the reason).

/// Which server wrote a request line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    Odoo,
    Traefik,
}

/// Odoo's three numbers after a werkzeug line (odoo/netsvc.py `PerfFilter`, Odoo ≥ 13):
/// the request's SQL queries, their time, and the rest of its time in Odoo.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Perf {
    pub queries: u64,
    pub query_s: f64,
    pub remaining_s: f64,
}

/// One request.
#[derive(Clone, Debug, PartialEq)]
pub struct Request<'a> {
    pub source: Source,
    /// When it arrived, UTC nanoseconds since 1970: Traefik's start; for Odoo the line's
    /// time (written when the response was sent) less the request's own time.
    pub start_ns: i64,
    /// The path, without the query string.
    pub path: &'a str,
    /// The status sent to the client.
    pub status: u16,
    /// The request's time as its server saw it: Odoo's query + remaining time, Traefik's
    /// `Duration`; `None` for an Odoo line without the three numbers (Odoo ≤ 12).
    pub duration_s: Option<f64>,
    /// Odoo's numbers (Odoo lines of Odoo ≥ 13 only).
    pub perf: Option<Perf>,
    /// Traefik answered without an upstream (`OriginStatus` 0, or no server URL).
    pub no_upstream: bool,
    /// Traefik's `OriginDuration` (JSON), the time spent on the upstream.
    pub origin_s: Option<f64>,
    /// The resolution of `duration_s` and the perf times: 0.001 s for Odoo and Traefik's
    /// common log format, 1 ns for Traefik's JSON.
    pub resolution_s: f64,
}

/// What one line is.
#[derive(Debug, PartialEq)]
pub enum Line<'a> {
    Request(Request<'a>),
    /// A line of the format that is not a request: another Odoo logger, a traceback's
    /// continuation, a JSON log record of another logger.
    Other,
    /// It looked like a request line of a known format and could not be read.
    Malformed(&'static str),
}

/// The path of a request target without its query string or fragment.
pub fn path_only(target: &str) -> &str {
    let end = target.find(['?', '#']).unwrap_or(target.len());
    &target[..end]
}

/// The path of a `METHOD TARGET PROTOCOL` request line.
pub fn request_path(line: &str) -> Option<&str> {
    let (_method, rest) = line.split_once(' ')?;
    let target = rest.rsplit_once(' ').map_or(rest, |(t, _proto)| t);
    (!target.is_empty()).then(|| path_only(target))
}

/// A non-negative decimal number as Odoo and Traefik write them (`0.412`, `187`).
pub fn number(s: &str) -> Option<f64> {
    let x: f64 = s.parse().ok()?;
    x.is_finite().then_some(x)
}
