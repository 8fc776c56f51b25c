//! Statistics: the aggregation of replications into estimates with confidence intervals
//! (the collectors a replication fills live in `crate::collect`). Reports only format what this
//! module computes.

mod aggregate;
mod echo;
mod replications;
mod series;
mod summarize;
mod warnings;

pub use aggregate::{Estimate, t_quantile_975};
pub use echo::configuration;
pub use replications::Replications;
pub use series::SeriesSum;
pub use summarize::summarize;
pub use warnings::FAILING_SHARE;
