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
}
