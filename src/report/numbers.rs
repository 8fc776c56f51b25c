//! Number formatting shared by the report formats: estimates with their half-width,
//! latencies in milliseconds, grouped integers. Formatting only.

use crate::stats::Estimate;

/// `mean{sep}half` scaled by `scale` with `digits` decimals; `—` when absent.
pub fn est(e: Option<&Estimate>, scale: f64, digits: usize, sep: &str) -> String {
    match e {
        None => "—".into(),
        Some(e) => match e.ci95_half_width {
            Some(h) => format!("{:.*}{sep}{:.*}", digits, e.mean * scale, digits, h * scale),
            None => format!("{:.*}", digits, e.mean * scale),
        },
    }
}

/// A latency estimate in milliseconds, with decimals that suit its size.
pub fn ms(e: Option<&Estimate>, sep: &str) -> String {
    let digits = match e.map(|e| e.mean * 1e3) {
        Some(m) if m < 10.0 => 2,
        Some(m) if m < 1000.0 => 1,
        _ => 0,
    };
    est(e, 1e3, digits, sep)
}

/// The unit of a column of rates: per second, unless its smallest non-zero rate would
/// read `0.00/s` — then per minute, or per hour for a few runs a day (a cron class).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RateUnit {
    /// Factor from per second.
    pub per_s: f64,
    /// `/s`, `/min`, `/h`.
    pub suffix: &'static str,
    /// `per second`, `per minute`, `per hour`.
    pub words: &'static str,
}

const PER_S: RateUnit = RateUnit {
    per_s: 1.0,
    suffix: "/s",
    words: "per second",
};
const PER_MIN: RateUnit = RateUnit {
    per_s: 60.0,
    suffix: "/min",
    words: "per minute",
};
const PER_H: RateUnit = RateUnit {
    per_s: 3600.0,
    suffix: "/h",
    words: "per hour",
};

impl RateUnit {
    /// The unit in which the smallest non-zero of `rates` (per second) is at least 0.1.
    pub fn of(rates: impl IntoIterator<Item = f64>) -> RateUnit {
        let min = rates
            .into_iter()
            .filter(|r| *r > 0.0)
            .fold(f64::INFINITY, f64::min);
        [PER_S, PER_MIN]
            .into_iter()
            .find(|u| min * u.per_s >= 0.1)
            .unwrap_or(PER_H)
    }

    /// An estimate (per second) in this unit, `mean{sep}half`, with decimals that suit
    /// its size: `25.49±0.01`, `4.00±0.00`, `1529±1`.
    pub fn est(&self, e: Option<&Estimate>, sep: &str) -> String {
        match e {
            // Thousands grouped: `91,795±199`.
            Some(e) if e.mean * self.per_s >= 1000.0 => {
                let whole = |x: f64| grouped((x * self.per_s).round().max(0.0) as u64);
                match e.ci95_half_width {
                    Some(h) => format!("{}{sep}{}", whole(e.mean), whole(h)),
                    None => whole(e.mean),
                }
            }
            _ => est(
                e,
                self.per_s,
                e.map_or(0, |e| rate_decimals(e.mean * self.per_s)),
                sep,
            ),
        }
    }

    /// A plain rate (per second) in this unit, without its suffix.
    pub fn value(&self, x: f64) -> String {
        let x = x * self.per_s;
        if (1000.0..1e15).contains(&x) {
            return grouped(x.round() as u64);
        }
        format!("{x:.*}", rate_decimals(x))
    }
}

/// Decimals for a rate of size `x`: 0 from 1,000, 1 from 100, 2 from 0.1, else 3.
fn rate_decimals(x: f64) -> usize {
    match x.abs() {
        a if a >= 1000.0 => 0,
        a if a >= 100.0 => 1,
        a if a >= 0.1 || a == 0.0 => 2,
        _ => 3,
    }
}

/// `294,882,953`.
pub fn grouped(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, ch) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

/// A bucket width as a reader says it: `5-minute`, `1-hour`, `20-second`, `90-second`.
pub fn width_words(s: f64) -> String {
    if s >= 3600.0 && s % 3600.0 == 0.0 {
        format!("{:.0}-hour", s / 3600.0)
    } else if s >= 60.0 && s % 60.0 == 0.0 {
        format!("{:.0}-minute", s / 60.0)
    } else {
        format!("{}-second", trim_float(s))
    }
}

/// `x` to `digits` significant digits, without trailing zeros after the point and never
/// in exponent form: `45.4`, `0.0891`, `1235`.
pub fn significant(x: f64, digits: i32) -> String {
    if x == 0.0 || !x.is_finite() {
        // `+ 0.0` turns −0 into 0.
        return format!("{}", x + 0.0);
    }
    let magnitude = x.abs().log10().floor() as i32;
    let decimals = (digits - 1 - magnitude).clamp(0, 40) as usize;
    trim_zeros(format!("{x:.decimals$}"))
}

/// A number for a table meant to be read back (CSV): whole numbers in full (bucket
/// starts, capacities), anything else to 6 significant digits — the intervals the figures
/// carry are far wider than the last digit kept.
pub fn table_number(x: f64) -> String {
    let x = x + 0.0;
    if x.fract() == 0.0 && x.abs() < 1e15 {
        format!("{x:.0}")
    } else {
        significant(x, 6)
    }
}

fn trim_zeros(s: String) -> String {
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_owned()
    } else {
        s
    }
}

/// A float without trailing zeros, to three decimals: `20`, `0.5`.
fn trim_float(x: f64) -> String {
    trim_zeros(format!("{x:.3}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats() {
        let e = Estimate {
            mean: 0.3418,
            ci95_half_width: Some(0.0018),
        };
        assert_eq!(est(Some(&e), 1.0, 3, "±"), "0.342±0.002");
        assert_eq!(ms(Some(&e), " ± "), "341.8 ± 1.8");
        assert_eq!(est(None, 1.0, 2, "±"), "—");
        assert_eq!(grouped(294_882_953), "294,882,953");
        assert_eq!(grouped(12), "12");
    }

    #[test]
    fn significant_digits() {
        assert_eq!(significant(45.395, 3), "45.4");
        assert_eq!(significant(0.0891, 3), "0.0891");
        assert_eq!(significant(1234.6, 3), "1235");
        assert_eq!(significant(2.0, 3), "2");
        assert_eq!(significant(-0.0, 3), "0");
        assert_eq!(table_number(0.34289734561), "0.342897");
        assert_eq!(table_number(1.2345678e-7), "0.000000123457");
        assert_eq!(table_number(259200.0), "259200");
        assert_eq!(table_number(-0.0), "0");
        assert_eq!(table_number(1799.5), "1799.5");
        assert_eq!(table_number(25.4912345), "25.4912");
    }

    #[test]
    fn rate_units_per_column() {
        // A cron class every 15 minutes next to a 25/s class: the column goes per hour.
        assert_eq!(RateUnit::of([25.49, 1.0 / 900.0]), PER_H);
        assert_eq!(RateUnit::of([25.49, 0.67]), PER_S);
        assert_eq!(RateUnit::of([0.011, 0.0]), PER_MIN);
        assert_eq!(RateUnit::of([0.0, 0.0]), PER_S);
        let e = Estimate {
            mean: 1.0 / 900.0,
            ci95_half_width: Some(0.0),
        };
        assert_eq!(PER_H.est(Some(&e), "±"), "4.00±0.00");
        assert_eq!(PER_S.value(0.011), "0.011");
        assert_eq!(PER_H.value(25.49), "91,764");
        let browse = Estimate {
            mean: 25.4987,
            ci95_half_width: Some(0.0553),
        };
        assert_eq!(PER_H.est(Some(&browse), "±"), "91,795±199");
    }

    #[test]
    fn bucket_widths_in_words() {
        assert_eq!(width_words(300.0), "5-minute");
        assert_eq!(width_words(3600.0), "1-hour");
        assert_eq!(width_words(20.0), "20-second");
        assert_eq!(width_words(90.0), "90-second");
    }
}
