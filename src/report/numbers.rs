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

/// A float without trailing zeros, to three decimals: `20`, `0.5`.
fn trim_float(x: f64) -> String {
    let s = format!("{x:.3}");
    s.trim_end_matches('0').trim_end_matches('.').to_owned()
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
    fn bucket_widths_in_words() {
        assert_eq!(width_words(300.0), "5-minute");
        assert_eq!(width_words(3600.0), "1-hour");
        assert_eq!(width_words(20.0), "20-second");
        assert_eq!(width_words(90.0), "90-second");
    }
}
