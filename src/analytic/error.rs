//! The single error type of the analytic module and the input checks shared by
//! every model. Errors carry a human-readable message because they surface in
//! what-if answers shown to users; the variant lets callers (and tests) tell a
//! malformed question from a system that simply has no steady state.

use std::fmt;

/// Why an analytic result could not be computed.
#[derive(Debug, Clone, PartialEq)]
pub enum AnalyticError {
    /// A parameter is negative, NaN, infinite, zero where it must not be, or
    /// inconsistent with another (e.g. mismatched lengths).
    InvalidInput(String),
    /// The system has no steady state: utilisation is at or above 1.
    Unstable(String),
    /// A linear system (e.g. Jackson traffic equations) has no unique solution,
    /// typically because some customers can never leave an open network.
    Singular(String),
}

impl fmt::Display for AnalyticError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AnalyticError::InvalidInput(msg) => write!(f, "invalid input: {msg}"),
            AnalyticError::Unstable(msg) => write!(f, "unstable system: {msg}"),
            AnalyticError::Singular(msg) => write!(f, "singular system: {msg}"),
        }
    }
}

impl std::error::Error for AnalyticError {}

pub(crate) type Result<T> = std::result::Result<T, AnalyticError>;

pub(crate) fn invalid(msg: impl Into<String>) -> AnalyticError {
    AnalyticError::InvalidInput(msg.into())
}

/// Accepts finite values strictly above zero (rates, service times).
pub(crate) fn require_positive(name: &str, value: f64) -> Result<f64> {
    if value.is_finite() && value > 0.0 {
        Ok(value)
    } else {
        Err(invalid(format!(
            "{name} must be finite and > 0, got {value}"
        )))
    }
}

/// Accepts finite values at or above zero (arrival rates, think times, visits).
pub(crate) fn require_non_negative(name: &str, value: f64) -> Result<f64> {
    if value.is_finite() && value >= 0.0 {
        Ok(value)
    } else {
        Err(invalid(format!(
            "{name} must be finite and >= 0, got {value}"
        )))
    }
}

/// Guards against questions whose cost (memory or time) grows with a count
/// the user typed: a typo like `servers: 1e9` must fail fast, not hang.
pub(crate) fn require_at_most(name: &str, value: usize, limit: usize) -> Result<usize> {
    if value <= limit {
        Ok(value)
    } else {
        Err(invalid(format!(
            "{name} = {value} exceeds the limit of {limit}"
        )))
    }
}
