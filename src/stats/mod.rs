//! Statistics: streaming collectors used inside a replication, and the aggregation of
//! replications into estimates with confidence intervals. Reports only format what this
//! module computes.

mod aggregate;
pub(crate) mod histogram;
mod series;
mod summarize;
mod timeweighted;

pub use aggregate::{Estimate, t_quantile_975};
pub use histogram::Histogram;
pub use series::SeriesSum;
pub use summarize::summarize;
pub use timeweighted::TimeWeighted;
