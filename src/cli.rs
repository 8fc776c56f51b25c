//! Command-line arguments (clap derive). Only the shape of the command line lives here;
//! `main.rs` turns it into work.

use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

/// Capacity planner for Odoo ERP estates: simulates your estate against a business calendar
/// and tells you whether it holds the peak and where it breaks first.
#[derive(Debug, Parser)]
#[command(name = "peakplan", version, about, long_about = None, after_help = EXIT_CODES)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

pub const EXIT_CODES: &str = "\
Exit codes:
  0  success
  1  internal error (a bug: please report it)
  2  bad input: the scenario, a profile or a command-line argument is wrong
  3  the run was stopped by a limit (event budget, requests in flight)
  4  an output file could not be written";

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Simulate a scenario and print throughput, latency, errors and utilisation.
    Simulate(SimulateArgs),
    /// Check a scenario and list every problem in it, without simulating.
    Validate {
        /// Scenario file (YAML).
        file: PathBuf,
    },
    /// Print the JSON Schema of the scenario format (for editor completion and checks).
    Schema,
    /// Reproduce queueing theory (Erlang C, M/M/c/K, M/G/1, PS, Jackson, MVA) with the
    /// engine and print exact vs simulated values with 95 % confidence intervals.
    Selftest(SelftestArgs),
}

#[derive(Debug, Args)]
pub struct RunArgs {
    /// Master seed (default: the scenario's `run.seed`, else 1).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Number of independent replications (default: the scenario's `run.replications`).
    #[arg(long, short = 'r', value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub replications: Option<u32>,
    /// Worker threads for replications (default: all cores). Results do not depend on it.
    #[arg(long, short = 'j', value_parser = clap::value_parser!(u32).range(1..=1024))]
    pub threads: Option<u32>,
    /// No progress bar and no summary on the terminal.
    #[arg(long, short = 'q')]
    pub quiet: bool,
}

#[derive(Debug, Args)]
pub struct SimulateArgs {
    /// Scenario file (YAML), e.g. scenarios/retail-black-friday.yaml.
    pub file: PathBuf,
    /// Directory to write results into (result.json); created if missing.
    #[arg(long, short = 'o')]
    pub out: Option<PathBuf>,
    #[command(flatten)]
    pub run: RunArgs,
}

#[derive(Debug, Args)]
pub struct SelftestArgs {
    /// Print the table as Markdown (docs/validation.md is generated this way).
    #[arg(long)]
    pub markdown: bool,
    /// Fewer, shorter replications: a smoke test, not a validation.
    #[arg(long)]
    pub quick: bool,
    #[command(flatten)]
    pub run: RunArgs,
}
