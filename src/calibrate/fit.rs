//! Fitting a distribution to what a log measured, in constant memory.
//!
//! Durations (Odoo's remaining time, Traefik's): running sums of x, x², ln x, (ln x)² and a
//! fixed log-spaced histogram (40 bins a decade from 10 µs to 10⁵ s, each bin's count and
//! sum). Lognormal and gamma are fitted by **maximum likelihood** — lognormal: the mean and
//! variance of ln x; gamma: the shape solving ln k − ψ(k) = ln x̄ − mean(ln x) (Minka's
//! start, then Newton), the mean x̄ —; goodness of fit is the **Kolmogorov–Smirnov
//! distance on the binned data**: the largest gap between the empirical and the fitted
//! distribution function at the bins' edges (a lower bound of the exact KS distance, off
//! by at most a bin's share of the mass). The family with the smaller distance is chosen
//! if that distance is at most [`KS_ACCEPT`]; otherwise the histogram itself is written
//! as an `empirical` distribution (each bin's mean value, weighted by its count).
//!
//! Counts (queries per request): sums of x and x² and exact counts up to
//! [`MAX_EXACT`]; gamma and lognormal by the **method of moments** (zero counts rule out
//! ln x); the KS distance on the integers, the fitted distribution rounded as peakplan
//! rounds a count draw (stochastically: P(N ≤ k) = ∫ₖᵏ⁺¹ F).

use statrs::function::erf::erfc;
use statrs::function::gamma::{digamma, gamma_lr};

/// Largest KS distance at which a parametric family is written rather than the
/// histogram: nowhere more than 5 percentage points off.
pub const KS_ACCEPT: f64 = 0.05;
const PER_DECADE: usize = 40;
const LOW_S: f64 = 1e-5;
const BINS: usize = 10 * PER_DECADE;
/// How counts are fitted (named in the written comments).
pub const METHOD_OF_MOMENTS: &str = "method of moments";
/// Counts at or below this are kept exactly; above, in one overflow bin.
pub const MAX_EXACT: usize = 10_000;

fn bin_of(x: f64) -> usize {
    if x <= LOW_S {
        0
    } else {
        (((x / LOW_S).log10() * PER_DECADE as f64) as usize).min(BINS - 1)
    }
}

fn upper_edge(i: usize) -> f64 {
    LOW_S * 10f64.powf((i + 1) as f64 / PER_DECADE as f64)
}

/// Positive measurements (seconds).
#[derive(Clone, Debug)]
pub struct Positive {
    pub n: u64,
    sum: f64,
    sum_ln: f64,
    sum_ln_sq: f64,
    counts: Vec<u64>,
    sums: Vec<f64>,
}

impl Default for Positive {
    fn default() -> Self {
        Positive {
            n: 0,
            sum: 0.0,
            sum_ln: 0.0,
            sum_ln_sq: 0.0,
            counts: vec![0; BINS],
            sums: vec![0.0; BINS],
        }
    }
}

impl Positive {
    /// Adds `x`, raised to `floor` (half the log's resolution: a `0.000` is below 1 ms,
    /// not nothing).
    pub fn add(&mut self, x: f64, floor: f64) {
        let x = x.max(floor).max(LOW_S);
        let ln = x.ln();
        self.n += 1;
        self.sum += x;
        self.sum_ln += ln;
        self.sum_ln_sq += ln * ln;
        let b = bin_of(x);
        self.counts[b] += 1;
        self.sums[b] += x;
    }

    pub fn mean(&self) -> f64 {
        self.sum / self.n as f64
    }
}

/// The family written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Family {
    Constant,
    Lognormal,
    Gamma,
    Empirical,
}

impl Family {
    pub fn name(self) -> &'static str {
        match self {
            Family::Constant => "constant",
            Family::Lognormal => "lognormal",
            Family::Gamma => "gamma",
            Family::Empirical => "empirical",
        }
    }
}

/// A fitted distribution and the figures behind the choice.
#[derive(Clone, Debug)]
pub struct Fit {
    pub family: Family,
    pub n: u64,
    /// The chosen distribution's mean and CV (the sample's for `empirical`).
    pub mean: f64,
    pub cv: f64,
    pub lognormal: (f64, f64),
    pub gamma: (f64, f64),
    pub ks_lognormal: f64,
    pub ks_gamma: f64,
    /// `empirical`: (value, weight) pairs.
    pub values: Vec<(f64, u64)>,
    /// How the parameters were estimated (`maximum likelihood`, `method of moments`).
    pub method: &'static str,
}

impl Fit {
    /// The chosen family's KS distance (the smaller of the two for `empirical`).
    pub fn ks(&self) -> f64 {
        match self.family {
            Family::Lognormal => self.ks_lognormal,
            Family::Gamma => self.ks_gamma,
            _ => self.ks_lognormal.min(self.ks_gamma),
        }
    }
}

fn normal_cdf(z: f64) -> f64 {
    0.5 * erfc(-z / std::f64::consts::SQRT_2)
}

fn trigamma(mut x: f64) -> f64 {
    let mut acc = 0.0;
    while x < 10.0 {
        acc += 1.0 / (x * x);
        x += 1.0;
    }
    let x2 = 1.0 / (x * x);
    acc + 1.0 / x
        + x2 / 2.0
        + (1.0 / x) * x2 * (1.0 / 6.0 - x2 * (1.0 / 30.0 - x2 * (1.0 / 42.0 - x2 / 30.0)))
}

/// Gamma shape by maximum likelihood from s = ln(mean) − mean(ln x) > 0.
pub fn gamma_shape_mle(s: f64) -> f64 {
    let mut k = (3.0 - s + ((s - 3.0).powi(2) + 24.0 * s).sqrt()) / (12.0 * s);
    for _ in 0..50 {
        let f = k.ln() - digamma(k) - s;
        let d = 1.0 / k - trigamma(k);
        let next = k - f / d;
        let next = if next.is_finite() && next > 0.0 {
            next
        } else {
            k / 2.0
        };
        if (next - k).abs() <= 1e-12 * k {
            return next;
        }
        k = next;
    }
    k
}

fn constant(n: u64, value: f64) -> Fit {
    Fit {
        family: Family::Constant,
        n,
        mean: value,
        cv: 0.0,
        lognormal: (value, 0.0),
        gamma: (value, 0.0),
        ks_lognormal: 0.0,
        ks_gamma: 0.0,
        values: Vec::new(),
        method: "every value equal",
    }
}

/// Fits durations; `None` without any.
pub fn fit_positive(p: &Positive) -> Option<Fit> {
    if p.n == 0 {
        return None;
    }
    let n = p.n as f64;
    let mean = p.sum / n;
    let mu = p.sum_ln / n;
    let var_ln = (p.sum_ln_sq / n - mu * mu).max(0.0);
    let s = mean.ln() - mu;
    if p.n < 2 || var_ln < 1e-12 || s <= 1e-12 {
        return Some(constant(p.n, mean));
    }
    let sigma = var_ln.sqrt();
    let k = gamma_shape_mle(s);
    let theta = mean / k;
    let (mut d_ln, mut d_g) = (0.0f64, 0.0f64);
    let mut seen = 0u64;
    for (i, &c) in p.counts.iter().enumerate() {
        if c == 0 && seen == 0 {
            continue;
        }
        seen += c;
        let f = seen as f64 / n;
        let u = upper_edge(i);
        d_ln = d_ln.max((f - normal_cdf((u.ln() - mu) / sigma)).abs());
        d_g = d_g.max((f - gamma_lr(k, u / theta)).abs());
        if seen == p.n {
            break;
        }
    }
    let values: Vec<(f64, u64)> = p
        .counts
        .iter()
        .zip(&p.sums)
        .filter(|(c, _)| **c > 0)
        .map(|(&c, &s)| (s / c as f64, c))
        .collect();
    let sample_cv = {
        let m2: f64 = values.iter().map(|(v, c)| v * v * *c as f64).sum::<f64>() / n;
        (m2 - mean * mean).max(0.0).sqrt() / mean
    };
    let lognormal = (mu + var_ln / 2.0).exp();
    let mut fit = Fit {
        family: Family::Empirical,
        n: p.n,
        mean,
        cv: sample_cv,
        lognormal: (lognormal, var_ln.exp_m1().sqrt()),
        gamma: (mean, 1.0 / k.sqrt()),
        ks_lognormal: d_ln,
        ks_gamma: d_g,
        values,
        method: "maximum likelihood",
    };
    choose(&mut fit);
    Some(fit)
}

fn choose(fit: &mut Fit) {
    if fit.ks_lognormal.min(fit.ks_gamma) > KS_ACCEPT {
        return;
    }
    if fit.ks_lognormal <= fit.ks_gamma {
        fit.family = Family::Lognormal;
        (fit.mean, fit.cv) = fit.lognormal;
    } else {
        fit.family = Family::Gamma;
        (fit.mean, fit.cv) = fit.gamma;
    }
    fit.values.clear();
}

/// Counts (queries per request).
#[derive(Clone, Debug)]
pub struct Counts {
    pub n: u64,
    sum: f64,
    sum_sq: f64,
    exact: Vec<u64>,
    over: u64,
    over_sum: f64,
}

impl Default for Counts {
    fn default() -> Self {
        Counts {
            n: 0,
            sum: 0.0,
            sum_sq: 0.0,
            exact: vec![0; MAX_EXACT + 1],
            over: 0,
            over_sum: 0.0,
        }
    }
}

impl Counts {
    pub fn add(&mut self, k: u64) {
        let x = k as f64;
        self.n += 1;
        self.sum += x;
        self.sum_sq += x * x;
        match self.exact.get_mut(k as usize) {
            Some(c) => *c += 1,
            None => {
                self.over += 1;
                self.over_sum += x;
            }
        }
    }

    pub fn mean(&self) -> f64 {
        self.sum / self.n as f64
    }
}

/// ∫ₖᵏ⁺¹ F (Simpson): P(N ≤ k) for a draw rounded stochastically.
fn rounded_cdf(f: impl Fn(f64) -> f64, k: f64) -> f64 {
    (f(k) + 4.0 * f(k + 0.5) + f(k + 1.0)) / 6.0
}

/// Fits counts; `None` without any.
pub fn fit_counts(c: &Counts) -> Option<Fit> {
    if c.n == 0 {
        return None;
    }
    let n = c.n as f64;
    let mean = c.sum / n;
    let var = (c.sum_sq / n - mean * mean).max(0.0);
    if mean <= 0.0 || c.n < 2 || var < 1e-12 {
        return Some(constant(c.n, mean));
    }
    let cv = var.sqrt() / mean;
    let k = 1.0 / (cv * cv);
    let theta = mean / k;
    let s2 = (1.0 + cv * cv).ln();
    let (mu, sigma) = (mean.ln() - s2 / 2.0, s2.sqrt());
    let f_ln = |x: f64| {
        if x <= 0.0 {
            0.0
        } else {
            normal_cdf((x.ln() - mu) / sigma)
        }
    };
    let f_g = |x: f64| {
        if x <= 0.0 {
            0.0
        } else {
            gamma_lr(k, x / theta)
        }
    };
    let (mut d_ln, mut d_g) = (0.0f64, 0.0f64);
    let mut seen = 0u64;
    let last = c.exact.iter().rposition(|&x| x > 0).unwrap_or(0);
    for (i, &count) in c.exact.iter().enumerate().take(last + 1) {
        seen += count;
        let f = seen as f64 / n;
        d_ln = d_ln.max((f - rounded_cdf(f_ln, i as f64)).abs());
        d_g = d_g.max((f - rounded_cdf(f_g, i as f64)).abs());
    }
    let mut values: Vec<(f64, u64)> = c
        .exact
        .iter()
        .enumerate()
        .filter(|(_, c)| **c > 0)
        .map(|(i, &c)| (i as f64, c))
        .collect();
    if c.over > 0 {
        values.push((c.over_sum / c.over as f64, c.over));
    }
    let mut fit = Fit {
        family: Family::Empirical,
        n: c.n,
        mean,
        cv,
        lognormal: (mean, cv),
        gamma: (mean, cv),
        ks_lognormal: d_ln,
        ks_gamma: d_g,
        values,
        method: METHOD_OF_MOMENTS,
    };
    choose(&mut fit);
    Some(fit)
}

/// Time per query from per-request sums: a request's `T` seconds over `q` queries.
///
/// The log gives only each request's total, so the per-query spread comes from the
/// variance decomposition Var(T | q) = q σ² (the queries' times independent): σ² is the
/// mean of (T − q μ)² / q, less the rounding of T to the log's resolution h (Sheppard's
/// h²/12 per request), with μ = ΣT / Σq.
#[derive(Clone, Debug, Default)]
pub struct PerQuery {
    pub requests: u64,
    sum_t: f64,
    sum_q: f64,
    sum_t2_over_q: f64,
    rounding: f64,
}

impl PerQuery {
    pub fn add(&mut self, t: f64, q: u64, resolution: f64) {
        if q == 0 {
            return;
        }
        let q = q as f64;
        self.requests += 1;
        self.sum_t += t;
        self.sum_q += q;
        self.sum_t2_over_q += t * t / q;
        self.rounding += resolution * resolution / 12.0 / q;
    }

    /// (mean, CV) of one query's time; `None` without a request that ran one.
    pub fn fit(&self) -> Option<(f64, f64)> {
        if self.requests == 0 || self.sum_t <= 0.0 {
            return None;
        }
        let mu = self.sum_t / self.sum_q;
        let ss = self.sum_t2_over_q - 2.0 * mu * self.sum_t + mu * mu * self.sum_q;
        let var = (ss - self.rounding) / self.requests as f64;
        Some((mu, if var > 0.0 { var.sqrt() / mu } else { 0.0 }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gamma_shape_solves_its_equation() {
        for k in [0.3, 1.0, 4.0, 50.0] {
            let s = f64::ln(k) - digamma(k);
            assert!((gamma_shape_mle(s) - k).abs() < 1e-9 * k, "{k}");
        }
        // trigamma(1) = π²/6.
        assert!((trigamma(1.0) - std::f64::consts::PI.powi(2) / 6.0).abs() < 1e-10);
    }

    #[test]
    fn equal_values_are_constant() {
        let mut p = Positive::default();
        for _ in 0..10 {
            p.add(0.25, 0.0005);
        }
        let f = fit_positive(&p).unwrap();
        assert_eq!(f.family, Family::Constant);
        assert!((f.mean - 0.25).abs() < 1e-12);
        let mut c = Counts::default();
        c.add(7);
        c.add(7);
        assert_eq!(fit_counts(&c).unwrap().family, Family::Constant);
    }

    #[test]
    fn two_far_apart_groups_are_empirical() {
        let mut p = Positive::default();
        for i in 0..1000 {
            p.add(if i % 2 == 0 { 0.001 } else { 10.0 }, 0.0);
        }
        let f = fit_positive(&p).unwrap();
        assert_eq!(f.family, Family::Empirical);
        assert_eq!(f.values.len(), 2);
        assert!((f.mean - 5.0005).abs() < 1e-9);
    }

    #[test]
    fn per_query_without_spread() {
        let mut q = PerQuery::default();
        q.add(0.010, 10, 0.0);
        q.add(0.020, 20, 0.0);
        let (mu, cv) = q.fit().unwrap();
        assert!((mu - 0.001).abs() < 1e-15 && cv == 0.0);
    }
}
