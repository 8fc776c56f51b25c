//! Calendar arithmetic for log timestamps, by hand (no time-zone database on the hot
//! path): the date forms Odoo, werkzeug and Traefik write, turned into UTC nanoseconds
//! since 1970; back into the `YYYY-MM-DDTHH:MM:SS` a scenario's `horizon.start` takes
//! through chrono, off the hot path.

pub const NS: i64 = 1_000_000_000;
pub const HOUR_NS: i64 = 3600 * NS;
pub const DAY_NS: i64 = 24 * HOUR_NS;

/// Days from 1970-01-01 to the given proleptic Gregorian date (Howard Hinnant's
/// `days_from_civil`).
pub fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Monday = 0 … Sunday = 6 of a UTC instant.
pub fn weekday(ns: i64) -> usize {
    (ns.div_euclid(DAY_NS) + 3).rem_euclid(7) as usize
}

/// Hour of the day (0–23) of a UTC instant.
pub fn hour(ns: i64) -> usize {
    (ns.rem_euclid(DAY_NS) / HOUR_NS) as usize
}

/// The UTC instant `ns` as chrono formats it with `pattern` (reports and the written
/// scenario only: never on the reading path).
fn chrono_format(ns: i64, pattern: &str) -> String {
    chrono::DateTime::from_timestamp_nanos(ns)
        .format(pattern)
        .to_string()
}

/// `2024-05-01T10:00:00` (UTC), as `horizon.start` takes it.
pub fn format(ns: i64) -> String {
    chrono_format(ns, "%Y-%m-%dT%H:%M:%S")
}

/// `Mon 2024-05-01 10:00` (UTC), for reports.
pub fn format_hour(ns: i64) -> String {
    chrono_format(ns, "%a %Y-%m-%d %H:%M")
}

fn num(b: &[u8]) -> Option<u32> {
    if b.is_empty() || b.len() > 9 {
        return None;
    }
    let mut n = 0u32;
    for &c in b {
        if !c.is_ascii_digit() {
            return None;
        }
        n = n * 10 + u32::from(c - b'0');
    }
    Some(n)
}

fn month(b: &[u8]) -> Option<u32> {
    const M: [&[u8; 3]; 12] = [
        b"Jan", b"Feb", b"Mar", b"Apr", b"May", b"Jun", b"Jul", b"Aug", b"Sep", b"Oct", b"Nov",
        b"Dec",
    ];
    M.iter().position(|m| m[..] == *b).map(|i| i as u32 + 1)
}

/// UTC nanoseconds of a checked date and time of day; `None` when a field is out of range.
fn instant(y: u32, mo: u32, d: u32, h: u32, mi: u32, s: u32, ns: i64) -> Option<i64> {
    let days_in = match mo {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        _ => return None,
    };
    if !(1970..=9999).contains(&y) || d == 0 || d > days_in || h > 23 || mi > 59 || s > 60 {
        return None;
    }
    let days = days_from_civil(i64::from(y), mo, d);
    Some(days * DAY_NS + i64::from(h * 3600 + mi * 60 + s) * NS + ns)
}

/// Nanoseconds of a decimal fraction's digits (`123` → 123 ms); at most 9 digits count.
fn fraction(b: &[u8]) -> Option<i64> {
    if b.is_empty() || !b.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let mut ns = 0i64;
    for i in 0..9 {
        ns = ns * 10 + b.get(i).map_or(0, |c| i64::from(c - b'0'));
    }
    Some(ns)
}

/// Python logging's `asctime`: `2024-05-01 10:00:00,123`.
pub fn asctime(b: &[u8]) -> Option<i64> {
    if b.len() != 23 || b[4] != b'-' || b[7] != b'-' || b[10] != b' ' || b[19] != b',' {
        return None;
    }
    instant(
        num(&b[0..4])?,
        num(&b[5..7])?,
        num(&b[8..10])?,
        num(&b[11..13])?,
        num(&b[14..16])?,
        num(&b[17..19])?,
        i64::from(num(&b[20..23])?) * 1_000_000,
    )
}

/// werkzeug's `01/May/2024 10:00:00` (local time of the server).
pub fn werkzeug(b: &[u8]) -> Option<i64> {
    if b.len() != 20 || b[2] != b'/' || b[6] != b'/' || b[11] != b' ' {
        return None;
    }
    instant(
        num(&b[7..11])?,
        month(&b[3..6])?,
        num(&b[0..2])?,
        num(&b[12..14])?,
        num(&b[15..17])?,
        num(&b[18..20])?,
        0,
    )
}

/// A `+0200` / `-07:00` / `Z` offset in seconds east of UTC.
fn offset(b: &[u8]) -> Option<i64> {
    if b == b"Z" || b == b"z" {
        return Some(0);
    }
    let sign = match b.first()? {
        b'+' => 1,
        b'-' => -1,
        _ => return None,
    };
    let (h, m) = match b.len() {
        5 => (num(&b[1..3])?, num(&b[3..5])?),
        6 if b[3] == b':' => (num(&b[1..3])?, num(&b[4..6])?),
        _ => return None,
    };
    (h <= 23 && m <= 59).then_some(sign * i64::from(h * 3600 + m * 60))
}

/// Common log format's `10/Oct/2000:13:55:36 -0700`.
pub fn clf(b: &[u8]) -> Option<i64> {
    if b.len() != 26 || b[2] != b'/' || b[6] != b'/' || b[11] != b':' || b[20] != b' ' {
        return None;
    }
    let local = instant(
        num(&b[7..11])?,
        month(&b[3..6])?,
        num(&b[0..2])?,
        num(&b[12..14])?,
        num(&b[15..17])?,
        num(&b[18..20])?,
        0,
    )?;
    Some(local - offset(&b[21..])? * NS)
}

/// RFC 3339: `2024-05-01T10:00:00.123456789Z` or with an offset (`+02:00`).
pub fn rfc3339(b: &[u8]) -> Option<i64> {
    if b.len() < 20 || b[4] != b'-' || b[7] != b'-' || !matches!(b[10], b'T' | b't' | b' ') {
        return None;
    }
    let mut rest = &b[19..];
    let mut ns = 0;
    if rest.first() == Some(&b'.') {
        let digits = rest[1..].iter().take_while(|c| c.is_ascii_digit()).count();
        ns = fraction(&rest[1..1 + digits])?;
        rest = &rest[1 + digits..];
    }
    let local = instant(
        num(&b[0..4])?,
        num(&b[5..7])?,
        num(&b[8..10])?,
        num(&b[11..13])?,
        num(&b[14..16])?,
        num(&b[17..19])?,
        ns,
    )?;
    Some(local - offset(rest)? * NS)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Datelike;

    #[test]
    fn day_counts_agree_with_chrono() {
        for z in [-1000, 0, 1, 19_844, 2_932_896] {
            let date = chrono::DateTime::from_timestamp(z * 86_400, 0)
                .unwrap()
                .date_naive();
            let (y, m, d) = (date.year(), date.month(), date.day());
            assert_eq!(days_from_civil(i64::from(y), m, d), z, "{date}");
        }
        // 2024-05-01 was a Wednesday.
        let t = asctime(b"2024-05-01 10:00:00,123").unwrap();
        assert_eq!(weekday(t), 2);
        assert_eq!(hour(t), 10);
        assert_eq!(format(t), "2024-05-01T10:00:00");
        assert_eq!(format_hour(t), "Wed 2024-05-01 10:00");
    }

    #[test]
    fn parses_every_form_to_the_same_instant() {
        let want = asctime(b"2024-05-01 10:00:00,000").unwrap();
        assert_eq!(werkzeug(b"01/May/2024 10:00:00"), Some(want));
        assert_eq!(clf(b"01/May/2024:12:00:00 +0200"), Some(want));
        assert_eq!(rfc3339(b"2024-05-01T10:00:00Z"), Some(want));
        assert_eq!(rfc3339(b"2024-05-01T03:00:00-07:00"), Some(want));
        assert_eq!(rfc3339(b"2024-05-01T10:00:00.5Z"), Some(want + NS / 2));
        assert_eq!(asctime(b"2024-02-30 10:00:00,000"), None);
        assert_eq!(clf(b"01/Foo/2024:12:00:00 +0200"), None);
    }
}
