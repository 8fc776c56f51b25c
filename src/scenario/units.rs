//! Scalars with units: durations (`250ms`, `0.5s`, `3d`), rates (`40/s`, `5k/h`), sizes
//! (`512MiB`, `1GB`) and CPU quantities (`2`, `0.5`, `1500m`).
//!
//! Units are mandatory where a quantity has a dimension: a bare `250` could be seconds or
//! milliseconds, and guessing is how capacity plans go wrong by a factor of 1000. Each
//! error says what was expected and shows an example.

use crate::model::SimTime;

/// Why a scalar could not be read: a message and a hint with an example.
#[derive(Clone, Debug, PartialEq)]
pub struct UnitError {
    pub message: String,
    pub hint: String,
}

fn err(message: impl Into<String>, hint: impl Into<String>) -> UnitError {
    UnitError {
        message: message.into(),
        hint: hint.into(),
    }
}

/// Splits `text` into its leading decimal number and the rest (the unit), e.g.
/// `"0.5s"` → `(0.5, "s")`. `None` when there is no leading number.
fn split_number(text: &str) -> Option<(f64, &str)> {
    let bytes = text.as_bytes();
    let mut end = 0;
    while end < bytes.len() {
        let c = bytes[end];
        let exponent = (c == b'e' || c == b'E')
            && end > 0
            && bytes
                .get(end + 1)
                .is_some_and(|n| n.is_ascii_digit() || *n == b'-' || *n == b'+');
        let sign_after_e =
            (c == b'-' || c == b'+') && (end == 0 || matches!(bytes[end - 1], b'e' | b'E'));
        if c.is_ascii_digit() || c == b'.' || c == b'_' || exponent || sign_after_e {
            end += 1;
        } else {
            break;
        }
    }
    let number: String = text[..end].chars().filter(|c| *c != '_').collect();
    let value: f64 = number.parse().ok()?;
    value
        .is_finite()
        .then_some((value, text[end..].trim_start()))
}

/// Parses a plain number (no unit), e.g. a count distribution's value.
pub fn parse_number(text: &str) -> Result<f64, UnitError> {
    match split_number(text) {
        Some((v, "")) => Ok(v),
        _ => Err(err(
            format!("expected a plain number, found `{text}`"),
            "write a number without a unit, e.g. `12`",
        )),
    }
}

/// Parses a share such as `1%`, `0.5 %` or `0.01` into [0, 1].
pub fn parse_share(text: &str) -> Result<f64, UnitError> {
    const HINT: &str = "write a percentage such as `1%` or a fraction such as `0.01`";
    let value = match split_number(text) {
        Some((v, "%")) => v / 100.0,
        Some((v, "")) => v,
        _ => return Err(err(format!("expected a share, found `{text}`"), HINT)),
    };
    if (0.0..=1.0).contains(&value) {
        Ok(value)
    } else {
        Err(err(
            format!("a share must be between 0 and 100 %, found `{text}`"),
            HINT,
        ))
    }
}

const DURATION_HINT: &str =
    "use a number and one of the units ns, us, ms, s, m/min, h, d, w, e.g. `250ms` or `2h`";

/// The longest duration a scenario may write: 100 years, far inside the 292 years that
/// `SimTime` arithmetic (signed conversions to seconds) handles exactly.
pub const MAX_DURATION: SimTime = SimTime::from_secs(36_525 * 86_400);

/// Parses a non-negative duration such as `250ms`, `0.5s`, `15m`, `2h`, `3d`, `1w`.
pub fn parse_duration(text: &str) -> Result<SimTime, UnitError> {
    let Some((value, unit)) = split_number(text) else {
        return Err(err(
            format!("expected a duration, found `{text}`"),
            DURATION_HINT,
        ));
    };
    let ns_per_unit: f64 = match unit {
        "" => {
            return Err(err(
                format!("`{text}` has no unit"),
                "add a unit, e.g. `250ms`",
            ));
        }
        "ns" => 1.0,
        "us" | "µs" => 1e3,
        "ms" => 1e6,
        "s" => 1e9,
        "m" | "min" => 60e9,
        "h" => 3600e9,
        "d" => 86_400e9,
        "w" => 7.0 * 86_400e9,
        other => {
            return Err(err(
                format!("unknown duration unit `{other}` in `{text}`"),
                DURATION_HINT,
            ));
        }
    };
    if value < 0.0 {
        return Err(err(
            format!("duration `{text}` is negative"),
            "durations are ≥ 0, e.g. `0s` or `15m`",
        ));
    }
    let ns = value * ns_per_unit;
    if ns > MAX_DURATION.as_nanos() as f64 {
        return Err(err(
            format!("duration `{text}` is too long: the limit is 100 years (36525d)"),
            "the horizon itself is at most 366d; check the unit, e.g. `15m` rather than `15w`",
        ));
    }
    Ok(SimTime(ns.round() as u64))
}

const RATE_HINT: &str = "write a count per unit of time: `N/s`, `N/min`, `N/h` or `N/d`, N may end in k or M, e.g. `40/s` or `5k/h`";

/// Parses an arrival rate such as `40/s`, `300/min`, `5k/h`, `1.2M/d` into requests per
/// second. The sign is kept: validation reports zero and negative rates with the path.
pub fn parse_rate(text: &str) -> Result<f64, UnitError> {
    let Some((count, per)) = text.split_once('/') else {
        if split_number(text).is_some_and(|(_, u)| u.is_empty()) {
            return Err(err(
                format!("rate `{text}` has no time unit"),
                "add a unit, e.g. `40/s`",
            ));
        }
        return Err(err(format!("expected a rate, found `{text}`"), RATE_HINT));
    };
    let Some((n, suffix)) = split_number(count.trim()) else {
        return Err(err(
            format!("expected a number before `/` in `{text}`"),
            RATE_HINT,
        ));
    };
    let scale = match suffix {
        "" => 1.0,
        "k" | "K" => 1e3,
        "M" => 1e6,
        other => {
            return Err(err(
                format!("unknown multiplier `{other}` in `{text}`"),
                RATE_HINT,
            ));
        }
    };
    let seconds = match per.trim() {
        "s" => 1.0,
        "min" | "m" => 60.0,
        "h" => 3600.0,
        "d" => 86_400.0,
        other => {
            return Err(err(
                format!("unknown time unit `{other}` in rate `{text}`"),
                RATE_HINT,
            ));
        }
    };
    Ok(n * scale / seconds)
}

const SIZE_HINT: &str =
    "use B, KB, MB, GB, TB (powers of 1000) or KiB, MiB, GiB, TiB (powers of 1024), e.g. `512MiB`";

/// Parses a size such as `512MiB`, `2GiB`, `1GB` into bytes.
pub fn parse_size(text: &str) -> Result<u64, UnitError> {
    let Some((value, unit)) = split_number(text) else {
        return Err(err(format!("expected a size, found `{text}`"), SIZE_HINT));
    };
    let factor: f64 = match unit {
        "" => {
            return Err(err(
                format!("`{text}` has no unit"),
                "add a unit, e.g. `512MiB`",
            ));
        }
        "B" => 1.0,
        "KB" | "kB" => 1e3,
        "MB" => 1e6,
        "GB" => 1e9,
        "TB" => 1e12,
        "KiB" => 1024.0,
        "MiB" => 1024.0 * 1024.0,
        "GiB" => 1024.0 * 1024.0 * 1024.0,
        "TiB" => 1024.0 * 1024.0 * 1024.0 * 1024.0,
        other => {
            return Err(err(
                format!("unknown size unit `{other}` in `{text}`"),
                SIZE_HINT,
            ));
        }
    };
    let bytes = value * factor;
    if value < 0.0 || bytes >= u64::MAX as f64 {
        return Err(err(format!("size `{text}` is out of range"), SIZE_HINT));
    }
    Ok(bytes.round() as u64)
}

const CPU_HINT: &str =
    "write cores as Kubernetes does: a number of cores or millicores, e.g. `2`, `0.5` or `1500m`";

/// The most cores a pod's CPU limit may name: far beyond any node, still catches typos
/// (`2000` for `2000m`).
pub const MAX_CPU_MILLICORES: u64 = 4_096_000;

/// Parses a Kubernetes CPU quantity — `2`, `0.5`, `1500m` — into millicores. Kubernetes
/// allows no precision finer than `1m` (Resource Management for Pods and Containers), so
/// neither does this: `0`, negative values, anything below `1m` or between whole
/// millicores is an error.
pub fn parse_cpu(text: &str) -> Result<u64, UnitError> {
    let (value, unit) = split_number(text)
        .ok_or_else(|| err(format!("expected a CPU quantity, found `{text}`"), CPU_HINT))?;
    let millis = match unit {
        "" => value * 1000.0,
        "m" => value,
        other => {
            return Err(err(
                format!("unknown CPU unit `{other}` in `{text}`"),
                CPU_HINT,
            ));
        }
    };
    if millis <= 0.0 {
        return Err(err(
            format!("a CPU limit must be > 0, found `{text}`"),
            "a pod needs some CPU; leave `cpu` out to give every process a core of its own",
        ));
    }
    if millis < 1.0 {
        return Err(err(
            format!("`{text}` is below 1m, the finest CPU quantity Kubernetes allows"),
            CPU_HINT,
        ));
    }
    // Millicores as written, up to float rounding of a decimal such as `0.001`.
    let whole = millis.round();
    if (millis - whole).abs() > 1e-6 * whole.max(1.0) {
        return Err(err(
            format!("`{text}` is finer than 1m, the finest CPU quantity Kubernetes allows"),
            "round to whole millicores, e.g. `1500m` or `1.5`",
        ));
    }
    if whole > MAX_CPU_MILLICORES as f64 {
        return Err(err(
            format!(
                "CPU limit `{text}` is above {} cores",
                MAX_CPU_MILLICORES / 1000
            ),
            "check the unit: `2000m` is 2 cores, `2000` is 2,000 cores",
        ));
    }
    Ok(whole as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        let cases = [
            ("250ms", 250_000_000),
            ("0.5s", 500_000_000),
            ("15m", 900_000_000_000),
            ("15min", 900_000_000_000),
            ("2h", 7_200_000_000_000),
            ("3d", 259_200_000_000_000),
            ("1w", 604_800_000_000_000),
            ("800us", 800_000),
            ("12ns", 12),
            ("0.8ms", 800_000),
            ("1 s", 1_000_000_000),
            ("0s", 0),
        ];
        for (text, ns) in cases {
            assert_eq!(parse_duration(text), Ok(SimTime(ns)), "{text}");
        }
    }

    #[test]
    fn shares() {
        assert_eq!(parse_share("1%"), Ok(0.01));
        assert_eq!(parse_share("0.5 %"), Ok(0.005));
        assert_eq!(parse_share("0.25"), Ok(0.25));
        assert_eq!(parse_share("100%"), Ok(1.0));
        for bad in ["101%", "-1%", "1.5", "1 percent", "%"] {
            assert!(parse_share(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn duration_errors() {
        let cases = [
            ("250", "add a unit, e.g. `250ms`"),
            ("2 hours", "e.g. `250ms` or `2h`"),
            ("-5s", "durations are ≥ 0"),
            ("soon", "e.g. `250ms` or `2h`"),
            ("", "e.g. `250ms` or `2h`"),
        ];
        for (text, hint) in cases {
            let e = parse_duration(text).unwrap_err();
            assert!(e.hint.contains(hint), "{text}: {e:?}");
        }
    }

    #[test]
    fn rates() {
        let cases = [
            ("40/s", 40.0),
            ("300/min", 5.0),
            ("5k/h", 5000.0 / 3600.0),
            ("1.2M/d", 1.2e6 / 86_400.0),
            ("-3/s", -3.0),
        ];
        for (text, per_s) in cases {
            let got = parse_rate(text).unwrap();
            assert!((got - per_s).abs() < 1e-12, "{text}: {got}");
        }
        assert!(parse_rate("40").unwrap_err().hint.contains("e.g. `40/s`"));
        assert!(parse_rate("40/fortnight").is_err());
        assert!(parse_rate("40x/s").is_err());
        assert!(parse_rate("fast").is_err());
    }

    #[test]
    fn sizes() {
        assert_eq!(parse_size("512MiB"), Ok(512 * 1024 * 1024));
        assert_eq!(parse_size("2GiB"), Ok(2 * 1024 * 1024 * 1024));
        assert_eq!(parse_size("1GB"), Ok(1_000_000_000));
        assert_eq!(parse_size("4KiB"), Ok(4096));
        assert!(
            parse_size("512")
                .unwrap_err()
                .hint
                .contains("e.g. `512MiB`")
        );
        assert!(parse_size("3 parsecs").is_err());
    }

    #[test]
    fn cpu_quantities() {
        for (text, millis) in [
            ("2", 2000),
            ("0.5", 500),
            ("1500m", 1500),
            ("1m", 1),
            ("0.001", 1),
            ("1.5", 1500),
            ("4096", 4_096_000),
        ] {
            assert_eq!(parse_cpu(text), Ok(millis), "{text}");
        }
        for (bad, says) in [
            ("0", "must be > 0"),
            ("0m", "must be > 0"),
            ("-1", "must be > 0"),
            ("0.5m", "below 1m"),
            ("0.0001", "below 1m"),
            ("1.5m", "finer than 1m"),
            ("two", "expected a CPU quantity"),
            ("2 cores", "unknown CPU unit"),
            ("500Mi", "unknown CPU unit"),
            ("5000", "above 4096 cores"),
        ] {
            let e = parse_cpu(bad).unwrap_err();
            assert!(e.message.contains(says), "{bad}: {e:?}");
        }
    }

    #[test]
    fn numbers() {
        assert_eq!(parse_number("12"), Ok(12.0));
        assert_eq!(parse_number("1e3"), Ok(1000.0));
        assert!(parse_number("12ms").is_err());
    }
}
