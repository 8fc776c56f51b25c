//! Exact queueing-theory results, used two ways: as a fast "what-if" path that
//! answers capacity questions without simulating, and as the oracle the
//! discrete-event engine is validated against (see `docs/validation.md`).
//!
//! Code map — one model family per file:
//! - `erlang.rs`: Erlang B, Erlang C and M/M/c (validation cases 1–4, 8, 9).
//! - `mmck.rs`: M/M/c/K finite-capacity queue (cases 5–7).
//! - `tail.rs`: the M/M/c response-time distribution (P(T > t), quantiles), for SLOs.
//! - `pk.rs`: M/G/1 Pollaczek–Khinchine and processor sharing (cases 10, 14).
//! - `mva.rs`: exact MVA for closed single-class product-form networks (12, 13).
//! - `jackson.rs`: open Jackson networks (case 11).
//! - `error.rs`: the one error type and the input checks every model shares.
//! - `closed_ctmc.rs` (tests only): brute-force CTMC cross-check of `mva.rs`.
//!
//! Invariants: every public function validates its input and returns
//! `Err(AnalyticError)` rather than panicking, because scenario files are user
//! input and a what-if query must never bring the planner down. Nothing here does
//! I/O, randomness or simulation; the module depends on `std` only.
//!
//! Units: times are in seconds and rates per second, as the names say. The
//! formulas are unit-agnostic, so any consistent time unit works; the names just
//! follow peakplan's convention.

mod erlang;
mod error;
mod jackson;
mod mmck;
mod mva;
mod pk;
mod tail;

#[cfg(test)]
mod closed_ctmc;
#[cfg(test)]
mod testing;

pub use erlang::{MmcMetrics, erlang_b, erlang_c, mmc};
pub use error::AnalyticError;
pub use jackson::{JacksonMetrics, OpenStation, OpenStationMetrics, jackson};
pub use mmck::{MmckMetrics, mmck};
pub use mva::{
    ClosedStation, ClosedStationMetrics, MvaMetrics, StationKind, mva, mva_single_server,
};
pub use pk::{Mg1Metrics, mg1, processor_sharing_response_mean_s};
pub use tail::{mmc_response_quantile, mmc_response_tail};
