//! Odoo's request lines.
//!
//! Odoo logs each HTTP request through the `werkzeug` logger when the response has been
//! sent. Its log format (odoo/netsvc.py, `init_logger`) is
//! `%(asctime)s %(pid)s %(levelname)s %(dbname)s %(name)s: %(message)s %(perf_info)s`,
//! where werkzeug's message is `ADDRESS - - [DATE] "METHOD PATH PROTOCOL" STATUS SIZE` and
//! `perf_info` — odoo/netsvc.py `PerfFilter`, Odoo ≥ 13 — is `QUERY_COUNT QUERY_TIME
//! REMAINING_TIME` (`%d %.3f %.3f`, seconds), or `- - -` when the thread counted nothing.
//! Odoo 18 with a read replica may add a fourth token (the cursor mode), ignored here.
//!
//! JSON logging (one object a line, as OCA's `logging_json` writes it through
//! python-json-logger): `name` (`werkzeug`), `message` as above, `asctime`, and the numbers
//! either in `perf_info` (the same three tokens), as `query_count`, `query_time`,
//! `remaining_time` (numbers or strings), or at the end of `message`.

use super::civil;
use super::record::{Line, Perf, Request, Source, number, request_path};
use serde::Deserialize;
use std::borrow::Cow;

/// The loggers of Odoo's request lines: werkzeug's, and an access logger keeping its line
/// under another name.
pub const ACCESS_LOGGERS: [&str; 2] = ["werkzeug", "odoo.service.http.access"];

/// Reads a plain Odoo log line; `None` when the line does not start with Odoo's
/// timestamp (it is another format).
pub fn plain(line: &str) -> Option<Line<'_>> {
    let b = line.as_bytes();
    if b.len() < 24 || b[4] != b'-' || b[10] != b' ' || b[19] != b',' {
        return None;
    }
    let Some(end_ns) = civil::asctime(&b[..23]) else {
        return Some(Line::Malformed("bad Odoo timestamp"));
    };
    // `PID LEVEL DB LOGGER: message`, or with `key:value` fields before the logger.
    let Some(rest) = line.get(24..) else {
        return Some(Line::Malformed("not text after the Odoo timestamp"));
    };
    let words = |s: &str| s.split(' ').filter(|w| !w.is_empty()).count();
    let Some((head, message)) = rest.split_once(": ") else {
        return Some(if words(rest) < 4 {
            Line::Malformed("truncated Odoo line")
        } else {
            Line::Other
        });
    };
    if words(head) < 4 {
        return Some(Line::Malformed("truncated Odoo line"));
    }
    let logger = head.rsplit(' ').next().unwrap_or("");
    if !ACCESS_LOGGERS.contains(&logger) {
        return Some(Line::Other);
    }
    Some(werkzeug(message, Some(end_ns), None))
}

/// A werkzeug message (with Odoo's numbers at its end, or given apart in `perf`).
fn werkzeug<'a>(message: &'a str, end_ns: Option<i64>, perf: Option<&str>) -> Line<'a> {
    match werkzeug_request(message, end_ns, perf) {
        Ok(r) => Line::Request(r),
        Err(why) => Line::Malformed(why),
    }
}

fn werkzeug_request<'a>(
    message: &'a str,
    end_ns: Option<i64>,
    perf: Option<&str>,
) -> Result<Request<'a>, &'static str> {
    let open = message.find(" [").ok_or("no [date] in the werkzeug line")?;
    let close = message[open..]
        .find("] \"")
        .ok_or("no request in the werkzeug line")?
        + open;
    let tail_at = message
        .rfind("\" ")
        .filter(|&q| q > close + 2)
        .ok_or("unterminated request in the werkzeug line")?;
    let path = request_path(&message[close + 3..tail_at]).ok_or("no path in the request")?;
    let mut tail = message[tail_at + 2..].split_ascii_whitespace();
    let status = tail
        .next()
        .and_then(|s| s.parse::<u16>().ok())
        .ok_or("no status after the request")?;
    let _size = tail.next().ok_or("no size after the status")?;
    let perf = match perf {
        Some(p) => read_perf(&mut p.split_ascii_whitespace())?,
        None => read_perf(&mut tail)?,
    };
    let end_ns = match end_ns {
        Some(t) => t,
        None => civil::werkzeug(&message.as_bytes()[open + 2..close]).ok_or("bad werkzeug date")?,
    };
    let duration_s = perf.map(|p| p.query_s + p.remaining_s);
    let start_ns = end_ns - duration_s.map_or(0, |d| (d * 1e9).round() as i64);
    Ok(Request {
        source: Source::Odoo,
        start_ns,
        path,
        status,
        duration_s,
        perf,
        no_upstream: false,
        origin_s: None,
        resolution_s: 0.001,
    })
}

/// The three numbers, `- - -`, or nothing (Odoo ≤ 12).
fn read_perf<'s>(tokens: &mut impl Iterator<Item = &'s str>) -> Result<Option<Perf>, &'static str> {
    let Some(count) = tokens.next() else {
        return Ok(None);
    };
    if count == "-" {
        return Ok(None);
    }
    let bad = "Odoo's query count, query time and remaining time are not numbers";
    let queries = count.parse::<u64>().map_err(|_| bad)?;
    let query_s = tokens.next().and_then(number).ok_or(bad)?;
    let remaining_s = tokens.next().and_then(number).ok_or(bad)?;
    if query_s < 0.0 {
        return Err(bad);
    }
    Ok(Some(Perf {
        queries,
        query_s,
        // Odoo's remaining time is a difference of clock readings: it can print -0.000.
        remaining_s: remaining_s.max(0.0),
    }))
}

/// The fields of a JSON log record peakplan reads (others are ignored).
#[derive(Deserialize)]
pub struct OdooJson<'a> {
    #[serde(borrow)]
    pub name: Option<Cow<'a, str>>,
    #[serde(borrow)]
    pub message: Option<Cow<'a, str>>,
    #[serde(borrow)]
    pub asctime: Option<Cow<'a, str>>,
    #[serde(borrow)]
    pub perf_info: Option<Cow<'a, str>>,
    pub query_count: Option<serde_json::Value>,
    pub query_time: Option<serde_json::Value>,
    pub remaining_time: Option<serde_json::Value>,
}

/// A JSON record of Odoo's: a request when its logger is `werkzeug`. The message may be
/// escaped in the JSON, so the request's path is copied out.
pub fn json(rec: OdooJson<'_>) -> Result<Option<OwnedRequest>, &'static str> {
    if !rec
        .name
        .as_deref()
        .is_some_and(|n| ACCESS_LOGGERS.contains(&n))
    {
        return Ok(None);
    }
    let message = rec.message.ok_or("a werkzeug record without `message`")?;
    let end_ns = match rec.asctime.as_deref() {
        Some(t) => Some(civil::asctime(t.as_bytes()).ok_or("bad `asctime`")?),
        None => None,
    };
    let field = |v: &Option<serde_json::Value>| -> Option<String> {
        match v.as_ref()? {
            serde_json::Value::String(s) => Some(s.clone()),
            serde_json::Value::Number(n) => Some(n.to_string()),
            _ => None,
        }
    };
    let split = match (
        field(&rec.query_count),
        field(&rec.query_time),
        field(&rec.remaining_time),
    ) {
        (Some(c), Some(q), Some(r)) => Some(format!("{c} {q} {r}")),
        _ => rec.perf_info.map(Cow::into_owned),
    };
    let r = werkzeug_request(&message, end_ns, split.as_deref())?;
    Ok(Some(OwnedRequest::from(&r)))
}

/// A request whose path is owned (read out of an escaped JSON string).
pub struct OwnedRequest {
    pub path: String,
    pub request: Request<'static>,
}

impl From<&Request<'_>> for OwnedRequest {
    fn from(r: &Request<'_>) -> Self {
        OwnedRequest {
            path: r.path.to_owned(),
            request: Request {
                path: "",
                ..r.clone()
            },
        }
    }
}

impl OwnedRequest {
    pub fn get(&self) -> Request<'_> {
        Request {
            path: &self.path,
            ..self.request.clone()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LINE: &str = "2024-05-01 10:00:00,123 4242 INFO mydb werkzeug: 10.0.0.5 - - [01/May/2024 10:00:00] \"POST /web/dataset/call_kw/sale.order/action_confirm HTTP/1.1\" 200 - 187 0.412 0.903";

    #[test]
    fn reads_the_documented_line() {
        let Some(Line::Request(r)) = plain(LINE) else {
            panic!("not read: {:?}", plain(LINE));
        };
        assert_eq!(r.path, "/web/dataset/call_kw/sale.order/action_confirm");
        assert_eq!(r.status, 200);
        let p = r.perf.unwrap();
        assert_eq!((p.queries, p.query_s, p.remaining_s), (187, 0.412, 0.903));
        let end = civil::asctime(b"2024-05-01 10:00:00,123").unwrap();
        assert_eq!(r.start_ns, end - 1_315_000_000);
    }

    #[test]
    fn reads_the_cursor_mode_old_versions_and_other_loggers() {
        let with_mode = format!("{LINE} ro");
        assert!(matches!(plain(&with_mode), Some(Line::Request(_))));
        let old = "2019-05-01 10:00:00,123 4242 INFO db werkzeug: 10.0.0.5 - - [01/May/2019 10:00:00] \"GET /shop?page=2 HTTP/1.1\" 200 -";
        let Some(Line::Request(r)) = plain(old) else {
            panic!()
        };
        assert_eq!((r.path, r.perf, r.duration_s), ("/shop", None, None));
        let dash = "2024-05-01 10:00:00,123 4242 INFO db werkzeug: 10.0.0.5 - - [01/May/2024 10:00:00] \"GET /web HTTP/1.1\" 304 - - - -";
        assert!(matches!(
            plain(dash),
            Some(Line::Request(Request { perf: None, .. }))
        ));
        let fields = "2024-05-01 10:00:00,123 4242 INFO uid:2 db rid:7f3a odoo.service.http.access: 10.0.0.5 - - [01/May/2024 10:00:00] \"GET /shop HTTP/1.1\" 200 - 3 0.004 0.050";
        assert!(matches!(
            plain(fields),
            Some(Line::Request(Request { path: "/shop", .. }))
        ));
        assert!(matches!(
            plain("2024-05-01 10:00:00,123 4242 IN"),
            Some(Line::Malformed(_))
        ));
        let other = "2024-05-01 10:00:00,123 4242 INFO db odoo.modules.loading: 42 modules loaded";
        assert_eq!(plain(other), Some(Line::Other));
        assert_eq!(
            plain("10.0.0.1 - - [01/May/2024:10:00:00 +0000] \"GET"),
            None
        );
    }

    #[test]
    fn names_what_is_wrong() {
        let cut = &LINE[..LINE.len() - 40];
        assert!(matches!(plain(cut), Some(Line::Malformed(_))));
        let bad = LINE.replace("0.412", "x.412");
        assert!(matches!(plain(&bad), Some(Line::Malformed(_))));
    }

    #[test]
    fn reads_json_records() {
        let text = r#"{"asctime": "2024-05-01 10:00:00,123", "pid": 4242, "levelname": "INFO", "dbname": "mydb", "name": "werkzeug", "message": "10.0.0.5 - - [01/May/2024 10:00:00] \"GET /shop HTTP/1.1\" 200 -", "perf_info": "12 0.010 0.090"}"#;
        let rec: OdooJson = serde_json::from_str(text).unwrap();
        let r = json(rec).unwrap().unwrap();
        let r = r.get();
        assert_eq!(r.path, "/shop");
        assert_eq!(r.perf.unwrap().queries, 12);
        let split = r#"{"asctime": "2024-05-01 10:00:00,123", "name": "werkzeug", "message": "10.0.0.5 - - [01/May/2024 10:00:00] \"GET /shop HTTP/1.1\" 200 -", "query_count": 3, "query_time": "0.004", "remaining_time": 0.05}"#;
        let rec: OdooJson = serde_json::from_str(split).unwrap();
        assert_eq!(json(rec).unwrap().unwrap().get().perf.unwrap().queries, 3);
    }
}
