//! Traefik's access log (Traefik documentation, "Access Logs").
//!
//! Common log format: `ADDRESS - USER [DATE] "METHOD PATH PROTOCOL" STATUS SIZE
//! "REFERRER" "USER_AGENT" REQUEST_COUNT "ROUTER" "SERVER_URL" DURATIONms` — read from both
//! ends, so a user agent with odd characters in the middle does no harm. A request
//! Traefik answered itself has `"-"` as its server URL.
//!
//! JSON: one object a line with `StartUTC`, `Duration` and `OriginDuration` (ns),
//! `OriginStatus` (0 when no upstream answered), `DownstreamStatus`, `RequestPath`,
//! `RouterName`, `RetryAttempts`.

use super::civil;
use super::record::{Line, Request, Source, number, path_only, request_path};
use serde::Deserialize;
use std::borrow::Cow;

/// Reads a common-log-format line; `None` when it is not shaped like one.
pub fn clf(line: &str) -> Option<Line<'_>> {
    let duration = line.strip_suffix("ms")?;
    let open = line.find(" [")?;
    let close = open + line[open..].find("] \"")?;
    Some(match clf_request(line, duration, open, close) {
        Ok(r) => Line::Request(r),
        Err(why) => Line::Malformed(why),
    })
}

fn clf_request<'a>(
    line: &'a str,
    duration: &str,
    open: usize,
    close: usize,
) -> Result<Request<'a>, &'static str> {
    let (rest, ms) = duration
        .rsplit_once(' ')
        .ok_or("no duration at the end of the Traefik line")?;
    let ms = number(ms).ok_or("the duration is not a number of ms")?;
    // … "ROUTER" "SERVER_URL"
    let rest = rest
        .strip_suffix('"')
        .ok_or("no server URL before the duration")?;
    let url_at = rest.rfind('"').ok_or("no server URL before the duration")?;
    let server_url = &rest[url_at + 1..];
    let start_ns = civil::clf(&line.as_bytes()[open + 2..close]).ok_or("bad Traefik date")?;
    let after = &line[close + 3..];
    let end = after
        .find("\" ")
        .ok_or("unterminated request in the Traefik line")?;
    let path = request_path(&after[..end]).ok_or("no path in the request")?;
    let status = after[end + 2..]
        .split(' ')
        .next()
        .and_then(|s| s.parse::<u16>().ok())
        .ok_or("no status after the request")?;
    Ok(Request {
        source: Source::Traefik,
        start_ns,
        path,
        status,
        duration_s: Some(ms / 1000.0),
        perf: None,
        no_upstream: server_url.is_empty() || server_url == "-",
        origin_s: None,
        resolution_s: 0.001,
    })
}

/// The fields of a Traefik JSON access-log record peakplan reads.
#[derive(Deserialize)]
pub struct TraefikJson<'a> {
    #[serde(rename = "StartUTC", borrow)]
    pub start_utc: Option<Cow<'a, str>>,
    #[serde(rename = "Duration")]
    pub duration: Option<f64>,
    #[serde(rename = "OriginDuration")]
    pub origin_duration: Option<f64>,
    #[serde(rename = "OriginStatus")]
    pub origin_status: Option<f64>,
    #[serde(rename = "DownstreamStatus")]
    pub downstream_status: Option<f64>,
    #[serde(rename = "RequestPath", borrow)]
    pub request_path: Option<Cow<'a, str>>,
}

impl TraefikJson<'_> {
    pub fn is_traefik(&self) -> bool {
        self.start_utc.is_some() || self.request_path.is_some()
    }
}

/// A Traefik JSON record as a request (its path copied out).
pub fn json(rec: &TraefikJson<'_>) -> Result<(String, Request<'static>), &'static str> {
    let start = rec.start_utc.as_deref().ok_or("no `StartUTC`")?;
    let start_ns = civil::rfc3339(start.as_bytes()).ok_or("bad `StartUTC`")?;
    let path = path_only(rec.request_path.as_deref().ok_or("no `RequestPath`")?);
    let ns = |v: Option<f64>, what| {
        v.filter(|d| d.is_finite() && *d >= 0.0)
            .map(|d| d / 1e9)
            .ok_or(what)
    };
    let duration = ns(rec.duration, "no `Duration` (ns)")?;
    let origin_status = rec.origin_status.unwrap_or(0.0);
    let status = rec
        .downstream_status
        .or(rec.origin_status)
        .filter(|s| (0.0..1000.0).contains(s))
        .ok_or("no `DownstreamStatus`")? as u16;
    let request = Request {
        source: Source::Traefik,
        start_ns,
        path: "",
        status,
        duration_s: Some(duration),
        perf: None,
        no_upstream: origin_status == 0.0,
        origin_s: rec.origin_duration.and_then(|d| ns(Some(d), "").ok()),
        resolution_s: 1e-9,
    };
    Ok((path.to_owned(), request))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_common_log_format() {
        let line = r#"10.0.0.1 - - [01/May/2024:12:00:00 +0200] "GET /shop/cart?x=1 HTTP/1.1" 200 1234 "-" "Mozilla/5.0 (X11; \"odd\")" 42 "shop@docker" "http://10.0.1.5:8069" 23ms"#;
        let Some(Line::Request(r)) = clf(line) else {
            panic!("{:?}", clf(line))
        };
        assert_eq!(
            (r.path, r.status, r.no_upstream),
            ("/shop/cart", 200, false)
        );
        assert_eq!(r.duration_s, Some(0.023));
        assert_eq!(r.start_ns, civil::rfc3339(b"2024-05-01T10:00:00Z").unwrap());
        let own = line.replace("\"http://10.0.1.5:8069\"", "\"-\"");
        assert!(matches!(
            clf(&own),
            Some(Line::Request(Request {
                no_upstream: true,
                ..
            }))
        ));
        assert!(matches!(
            clf(&line.replace("23ms", "xms")),
            Some(Line::Malformed(_))
        ));
        assert_eq!(clf("2024-05-01 10:00:00,123 1 INFO db x: y"), None);
    }

    #[test]
    fn reads_json() {
        let text = r#"{"StartUTC":"2024-05-01T10:00:00.5Z","Duration":23000000,"OriginDuration":21000000,"OriginStatus":200,"DownstreamStatus":200,"RequestPath":"/shop?a=1","RequestMethod":"GET","RouterName":"shop","RetryAttempts":0}"#;
        let rec: TraefikJson = serde_json::from_str(text).unwrap();
        let (path, r) = json(&rec).unwrap();
        assert_eq!(path, "/shop");
        assert_eq!((r.duration_s, r.origin_s), (Some(0.023), Some(0.021)));
        assert!(!r.no_upstream);
    }
}
