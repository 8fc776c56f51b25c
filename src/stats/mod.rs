//! Statistics: the aggregation of replications into estimates with confidence intervals
//! (the collectors a replication fills live in `crate::collect`). Reports only format what this
//! module computes.

mod aggregate;
mod echo;
mod objectives;
mod replications;
mod series;
mod summarize;
mod verdicts;
mod warnings;

pub use aggregate::{Estimate, t_quantile_975};
pub use echo::configuration;
pub use replications::Replications;
pub use series::SeriesSum;
pub use summarize::summarize;
pub use verdicts::{Decision, FAMILY_ERROR, decide, level, percent, seconds, verdicts};
pub use warnings::FAILING_SHARE;
