//! Command-line arguments (clap derive). Only the shape of the command line lives here;
//! `main.rs` turns it into work.

use clap::{Args, Parser, Subcommand, ValueHint};
use std::path::PathBuf;

/// `peakplan --version`: `0.1.0 (commit 0123456789ab, 2026-12-06)`, the hash with `-dirty`
/// when the sources differed from the commit, or `0.1.0 (commit unknown)` (see build.rs).
pub const VERSION: &str = concat!(env!("CARGO_PKG_VERSION"), " (", env!("PEAKPLAN_BUILD"), ")");

/// The date of the commit built from (`2026-12-06`), empty when unknown.
pub const COMMIT_DATE: &str = env!("PEAKPLAN_COMMIT_DATE");

/// Capacity planner for Odoo ERP estates: simulates your estate against a business calendar
/// and tells you whether it holds the peak and where it breaks first.
#[derive(Debug, Parser)]
#[command(name = "peakplan", version = VERSION, about, long_about = None, after_help = EXIT_CODES)]
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
  4  an output file (or standard output) could not be written
  5  simulate, merge: an objective breaks (its whole interval misses the target); headroom: one fails at x1; size: nothing in the ranges holds; calibrate --check: a class is off the logs
  6  simulate, merge: no objective breaks, but one is undecided or had nothing to measure
  7  gate: a metric regresses beyond its tolerance, or an objective that held breaks
  8  gate: no regression, but a metric is undecided (its interval straddles the tolerance)
A closed standard output (`| head`) ends a command quietly with 0, after its files.";

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Simulate a scenario and print throughput, latency, errors and utilisation.
    Simulate(SimulateArgs),
    /// Gather the shards of a run (`simulate --shard I/N --out DIR`) into its result: the
    /// same files, summary and exit code (0, 5 or 6) as `simulate --out` on one machine.
    ///
    /// Checks the shards are of one run (version, seed, replications, shard count, the
    /// hashes of the scenario and its profiles) and hold every replication once, loads
    /// the scenario again and checks its hashes, then folds the replications in index
    /// order: result.json is byte-identical to the single run's (docs/scale-out.md).
    Merge(MergeArgs),
    /// Re-render a saved result (result.json) as a summary, PDF, CSV or charts, without
    /// simulating again.
    Report(ReportArgs),
    /// Check a scenario and list every problem in it, without simulating.
    Validate {
        /// Scenario file (YAML).
        #[arg(value_hint = ValueHint::FilePath)]
        file: PathBuf,
    },
    /// Find the largest load multiplier at which every objective holds, each class's own,
    /// and each class's knee (median latency twice its median at a sixteenth of the load).
    ///
    /// Every open class's rate and closed class's users are multiplied by the load; each
    /// load runs the same replications with the same seed. `--out DIR` writes
    /// headroom.json, headroom.csv and the headroom curve (PNG, SVG). Exit 5 when the scenario as written has no
    /// headroom (an objective does not hold at its own load).
    Headroom(HeadroomArgs),
    /// Find the cheapest configuration of the knobs in the scenario's `sizing:` block at
    /// which every objective holds, with a certificate: each configuration one step down
    /// on any knob fails.
    ///
    /// Every configuration is validated like a user's file and runs the same seed and
    /// replications (more while an objective is undecided, up to a cap); see
    /// docs/sizing.md. `--out DIR` writes size.json, scenario-fragment.yaml, odoo.conf,
    /// postgresql.conf (and pgbouncer.ini, redis.conf). Exit 5 when nothing in the ranges
    /// holds.
    Size(SizeArgs),
    /// Calibrate workload classes, their weekly baseline and demands from Odoo and
    /// Traefik request logs, and write a scenario; or, with --check, compare a scenario's
    /// simulation with the logs.
    ///
    /// `peakplan calibrate odoo.log traefik.log.gz --out calibrated/` writes
    /// calibrated/scenario.yaml, calibrated/profiles/CLASS.yaml and calibrated/report.md.
    /// `peakplan calibrate --check calibrated/scenario.yaml odoo.log traefik.log.gz`
    /// simulates the scenario and prints p50, p95 and throughput per class beside the
    /// logs' own (exit 5 when a class's p95 or throughput differs by more than
    /// --tolerance).
    Calibrate(CalibrateArgs),
    /// Fail a merge when a change to the estate or the workload makes sizing regress
    /// against a baseline result, and never on seed noise.
    ///
    /// `peakplan gate --baseline BASE.json SCENARIO` simulates SCENARIO with the
    /// baseline's seed and replications; `peakplan gate BASE.json CHANGE.json` compares two
    /// results. Each metric's paired difference (replication by replication) and its
    /// interval are decided against a tolerance (the scenario's `gate:` block, then
    /// --tolerance): exit 7 on a regression, 8 when undecided, 0 on a pass (docs/ci.md).
    Gate(GateArgs),
    /// Print the JSON Schema of the scenario format (for editor completion and checks).
    Schema,
    /// Reproduce queueing theory (Erlang C, M/M/c/K, M/G/1, PS, Jackson, MVA) with the
    /// engine and print exact vs simulated values with 95 % confidence intervals.
    Selftest(SelftestArgs),
    /// Print a shell completion script (bash, zsh, fish, powershell, elvish).
    ///
    /// For bash: `peakplan completions bash >
    /// ~/.local/share/bash-completion/completions/peakplan`, then open a new shell.
    Completions {
        /// The shell to complete in.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff); with --out DIR, write a page per command.
    ///
    /// Read it with `peakplan man | man -l -`; install every page with `peakplan man
    /// --out ~/.local/share/man/man1`.
    Man {
        /// Write peakplan.1 and a page per subcommand (peakplan-simulate.1 and so on) into
        /// this directory (created if missing) instead of printing.
        #[arg(long, short = 'o', value_name = "DIR", value_hint = ValueHint::DirPath)]
        out: Option<PathBuf>,
    },
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
    #[arg(value_hint = ValueHint::FilePath)]
    pub file: PathBuf,
    /// Directory to write results into (result.json, csv/, charts/, report.pdf); created
    /// if missing.
    #[arg(long, short = 'o', value_name = "DIR", value_hint = ValueHint::DirPath)]
    pub out: Option<PathBuf>,
    /// While a service-level objective is undecided, run more replications (as many as
    /// the undecided verdicts suggest, at least half as many again each round), up to
    /// this many in all.
    #[arg(long, value_name = "MAX_REPLICATIONS", value_parser = clap::value_parser!(u32).range(2..=1000))]
    pub until_decided: Option<u32>,
    /// Also find the headroom (as `peakplan headroom` does, with the same seed and
    /// replications): the summary, result.json, the CSV, the charts and the PDF gain it.
    #[arg(long, conflicts_with = "shard")]
    pub headroom: bool,
    /// Run only shard I (0 to N-1) of N: a contiguous block of the replications, written
    /// into --out DIR as records and a manifest for `peakplan merge` (docs/scale-out.md).
    /// `auto/N` reads I from JOB_COMPLETION_INDEX (Kubernetes) or SLURM_ARRAY_TASK_ID
    /// minus SLURM_ARRAY_TASK_MIN (Slurm).
    #[arg(long, value_name = "I/N", value_parser = peakplan::shard::spec::parse, requires = "out", conflicts_with = "until_decided")]
    pub shard: Option<peakplan::shard::ShardArg>,
    #[command(flatten)]
    pub skip: SkipArgs,
    #[command(flatten)]
    pub run: RunArgs,
}

#[derive(Debug, Args)]
pub struct MergeArgs {
    /// Shard directories written by `peakplan simulate FILE --shard I/N --out DIR`, one per
    /// shard, in any order.
    #[arg(required = true, value_name = "SHARD_DIR", value_hint = ValueHint::DirPath)]
    pub shards: Vec<PathBuf>,
    /// Directory to write results into, as `simulate --out` does (result.json, csv/,
    /// charts/, report.pdf); created if missing.
    #[arg(long, short = 'o', value_name = "DIR", value_hint = ValueHint::DirPath)]
    pub out: Option<PathBuf>,
    /// The scenario file, when it is not where the shards read it (same name and
    /// contents: its hash, and every profile's, is checked against the manifests).
    #[arg(long, value_name = "FILE", value_hint = ValueHint::FilePath)]
    pub scenario: Option<PathBuf>,
    #[command(flatten)]
    pub skip: SkipArgs,
    /// No summary on the terminal.
    #[arg(long, short = 'q')]
    pub quiet: bool,
}

/// What `--out DIR` may leave out.
#[derive(Debug, Args)]
pub struct SkipArgs {
    /// With --out: do not write report.pdf.
    #[arg(long)]
    pub no_pdf: bool,
    /// With --out: do not write charts/ (PNG and SVG).
    #[arg(long)]
    pub no_charts: bool,
}

#[derive(Debug, Args)]
pub struct ReportArgs {
    /// A result written by `peakplan simulate --out DIR` (DIR/result.json).
    #[arg(value_hint = ValueHint::FilePath)]
    pub result: PathBuf,
    /// Write the capacity-review PDF to this file.
    #[arg(long, value_name = "FILE", value_hint = ValueHint::FilePath)]
    pub pdf: Option<PathBuf>,
    /// Write the CSV tables into this directory (created if missing).
    #[arg(long, value_name = "DIR", value_hint = ValueHint::DirPath)]
    pub csv: Option<PathBuf>,
    /// Write the charts (PNG and SVG) into this directory (created if missing).
    #[arg(long, value_name = "DIR", value_hint = ValueHint::DirPath)]
    pub charts: Option<PathBuf>,
    /// Write everything, as `simulate --out DIR` does.
    #[arg(long, short = 'o', value_name = "DIR", value_hint = ValueHint::DirPath)]
    pub out: Option<PathBuf>,
    #[command(flatten)]
    pub skip: SkipArgs,
    /// Do not print the summary.
    #[arg(long, short = 'q')]
    pub quiet: bool,
}

#[derive(Debug, Args)]
pub struct HeadroomArgs {
    /// Scenario file (YAML) with objectives (`slos:`).
    #[arg(value_hint = ValueHint::FilePath)]
    pub file: PathBuf,
    /// Directory to write headroom.json, headroom.csv and the headroom curve
    /// (headroom.png, headroom.svg) into; created if missing.
    #[arg(long, short = 'o', value_name = "DIR", value_hint = ValueHint::DirPath)]
    pub out: Option<PathBuf>,
    #[command(flatten)]
    pub run: RunArgs,
}

#[derive(Debug, Args)]
pub struct GateArgs {
    /// With --baseline: the scenario (YAML) to simulate as the change. Without: the
    /// baseline's result.json, then the change's.
    #[arg(required = true, num_args = 1..=2, value_name = "FILE", value_hint = ValueHint::FilePath)]
    pub files: Vec<PathBuf>,
    /// The baseline result (a result.json of `peakplan simulate --out DIR`); the scenario
    /// is simulated with its seed and replications.
    #[arg(long, value_name = "BASE.json", value_hint = ValueHint::FilePath)]
    pub baseline: Option<PathBuf>,
    /// METRIC[.CLASS]=PERCENT or =off, e.g. `latency_p95=10%`, `error_ratio=0.2%`,
    /// `slo.checkout-p95=off` (repeatable; wins over the scenario's `gate:`).
    #[arg(long, value_name = "METRIC=VALUE")]
    pub tolerance: Vec<String>,
    /// Write the `peakplan.gate` JSON document to this file.
    #[arg(long, value_name = "FILE", value_hint = ValueHint::FilePath)]
    pub json: Option<PathBuf>,
    /// Write a Markdown summary (for a pull-request comment) to this file.
    #[arg(long, value_name = "FILE", value_hint = ValueHint::FilePath)]
    pub markdown: Option<PathBuf>,
    /// Write JUnit XML (a testcase per metric and class) to this file.
    #[arg(long, value_name = "FILE", value_hint = ValueHint::FilePath)]
    pub junit: Option<PathBuf>,
    /// Accept the change: write its result over the baseline file (atomically), say so,
    /// and exit 0 whatever the comparison found.
    #[arg(long)]
    pub update_baseline: bool,
    /// Worker threads for replications (default: all cores). Results do not depend on it.
    #[arg(long, short = 'j', value_parser = clap::value_parser!(u32).range(1..=1024))]
    pub threads: Option<u32>,
    /// No progress bar and no table on the terminal (annotations are still printed).
    #[arg(long, short = 'q')]
    pub quiet: bool,
}

#[derive(Debug, Args)]
pub struct SizeArgs {
    /// Scenario file (YAML) with objectives (`slos:`) and a `sizing:` block.
    #[arg(value_hint = ValueHint::FilePath)]
    pub file: PathBuf,
    /// Directory to write size.json and the chosen configuration's settings files into;
    /// created if missing.
    #[arg(long, short = 'o', value_name = "DIR", value_hint = ValueHint::DirPath)]
    pub out: Option<PathBuf>,
    /// Cap of replications per configuration while an objective is undecided (default:
    /// `sizing.max_replications`, else twice the replications).
    #[arg(long, value_name = "MAX_REPLICATIONS", value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub max_replications: Option<u32>,
    #[command(flatten)]
    pub run: RunArgs,
}

#[derive(Debug, Args)]
pub struct CalibrateArgs {
    /// Log files: Odoo (plain or JSON) and Traefik access logs (common log format or
    /// JSON), plain or gzip-compressed, in any mix.
    #[arg(required = true, value_hint = ValueHint::FilePath)]
    pub logs: Vec<PathBuf>,
    /// Directory to write scenario.yaml, profiles/ and report.md into (created if
    /// missing).
    #[arg(long, short = 'o', value_name = "DIR", value_hint = ValueHint::DirPath, required_unless_present = "check", conflicts_with = "check")]
    pub out: Option<PathBuf>,
    /// Simulate this scenario and compare it with the logs instead of calibrating.
    #[arg(long, value_name = "SCENARIO", value_hint = ValueHint::FilePath)]
    pub check: Option<PathBuf>,
    /// Rules sending paths to classes, one `PATTERN CLASS` a line (default: Odoo's
    /// routes; see docs/calibrate.md).
    #[arg(long, value_name = "FILE", value_hint = ValueHint::FilePath)]
    pub rules: Option<PathBuf>,
    /// Odoo pods of the written estate (default 1).
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=10_000), conflicts_with = "check")]
    pub pods: Option<u32>,
    /// HTTP workers per pod of the written estate (default: sized from the busiest hour).
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=10_000), conflicts_with = "check")]
    pub workers: Option<u32>,
    /// PostgreSQL cores of the written estate (default: sized from the busiest hour).
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=4096), conflicts_with = "check")]
    pub db_cores: Option<u32>,
    /// With --check: the largest difference in p95 or throughput, in percent, before
    /// exit 5.
    #[arg(
        long,
        value_name = "PERCENT",
        default_value_t = 10.0,
        requires = "check"
    )]
    pub tolerance: f64,
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
    /// Master seed of every case (default: each case's own, as in docs/validation.md).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Worker threads for replications (default: all cores). Results do not depend on it.
    #[arg(long, short = 'j', value_parser = clap::value_parser!(u32).range(1..=1024))]
    pub threads: Option<u32>,
    /// No plain table and no closing count (--markdown still prints its table); failed
    /// checks are still reported.
    #[arg(long, short = 'q')]
    pub quiet: bool,
}
