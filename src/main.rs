//! `peakplan`: load → validate → simulate → summarise → write. Errors are printed and the
//! exit code chosen in one place (`main`).

mod cli;
mod shell;

use clap::Parser;
use cli::{
    CalibrateArgs, Cli, Command, GateArgs, HeadroomArgs, MergeArgs, ReportArgs, SimulateArgs,
    SizeArgs, SkipArgs,
};
use peakplan::model::Model;
use peakplan::report::{self, Format, OutFile};
use peakplan::result::SimulationResult;
use peakplan::run::{self, Progress};
use peakplan::sim::RunStopped;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

/// Everything that can end a command early, with its exit code.
enum Failure {
    BadInput(String),
    Stopped(RunStopped),
    Output(String),
    /// The engine disagrees with theory, or something that cannot happen did.
    Internal(String),
    /// The run went through, and a service-level objective breaks (exit 5) or, none
    /// breaking, one is undecided (exit 6): the summary has said which.
    Verdicts(u8),
    /// Standard output was closed by its reader (`peakplan schema | head -1`): every file
    /// was written before anything was printed, so the command ends quietly with
    /// [`EXIT_CLOSED_PIPE`].
    ClosedPipe,
}

/// Exit code when standard output is a closed pipe: success, as `head` asked for no more.
const EXIT_CLOSED_PIPE: u8 = 0;

/// Prints `text` on standard output. A closed pipe (EPIPE) becomes
/// [`Failure::ClosedPipe`]; any other error (`> /dev/full`) is an output failure, exit 4.
fn emit(text: impl AsRef<[u8]>) -> Result<(), Failure> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_ref())
        .and_then(|()| out.flush())
        .map_err(|e| {
            if e.kind() == std::io::ErrorKind::BrokenPipe {
                Failure::ClosedPipe
            } else {
                Failure::Output(format!("error: cannot write to standard output: {e}"))
            }
        })
}

/// Prints `text` on standard error; if even that is closed there is no one to tell.
fn note(text: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr().lock(), "{text}");
}

impl Failure {
    fn exit_code(&self) -> u8 {
        match self {
            Failure::BadInput(_) => 2,
            Failure::Stopped(_) => 3,
            Failure::Output(_) => 4,
            Failure::Internal(_) => 1,
            Failure::ClosedPipe => EXIT_CLOSED_PIPE,
            Failure::Verdicts(code) => *code,
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let outcome = match cli.command {
        Command::Simulate(args) => match args.shard {
            Some(shard) => simulate_shard(&args, shard),
            None => simulate(&args),
        },
        Command::Merge(args) => merge(&args),
        Command::Report(args) => report(&args),
        Command::Validate { file } => validate(&file),
        Command::Headroom(args) => headroom(&args),
        Command::Size(args) => size(&args),
        Command::Calibrate(args) => calibrate(&args),
        Command::Gate(args) => gate(&args),
        Command::Schema => match serde_json::to_string_pretty(&peakplan::scenario::json_schema()) {
            Ok(schema) => emit(format!("{schema}\n")),
            Err(e) => Err(Failure::Internal(format!(
                "error: the schema is not JSON: {e}"
            ))),
        },
        Command::Selftest(args) => selftest(&args),
        Command::Completions { shell } => emit(shell::completions(shell)),
        Command::Man { out } => man(out.as_deref()),
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(f) => {
            match &f {
                Failure::BadInput(msg) | Failure::Output(msg) | Failure::Internal(msg) => note(msg),
                Failure::Stopped(s) => note(&format!(
                    "error: replication {} stopped at t = {}: {}\n  hint: {}",
                    s.replication, s.at, s.reason, s.hint
                )),
                Failure::ClosedPipe | Failure::Verdicts(_) => {}
            }
            ExitCode::from(f.exit_code())
        }
    }
}

fn load(file: &Path) -> Result<Model, Failure> {
    peakplan::scenario::load(file).map_err(|d| Failure::BadInput(d.to_string()))
}

fn validate(file: &Path) -> Result<(), Failure> {
    let m = load(file)?;
    let o = &m.odoo;
    let count_of =
        |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
    let mut parts = vec![
        count_of(m.classes.len(), "workload class", "workload classes"),
        count_of(m.calendar.events.len(), "calendar event", "calendar events"),
        format!(
            "{} × {} workers{}",
            count_of(o.pods as usize, "pod", "pods"),
            o.workers,
            pod_cpu(&m)
        ),
        format!(
            "PostgreSQL {} cores{}",
            m.postgres.primary.cores,
            hit_ratio(&m.postgres.primary)
        ),
    ];
    // The optional parts of the estate the scenario switches on.
    let mib = |b: u64| b as f64 / (1024.0 * 1024.0);
    if let Some(b) = &m.postgres.pgbouncer {
        let mode = match b.mode {
            peakplan::model::PoolMode::Session => "session",
            peakplan::model::PoolMode::Transaction => "transaction",
        };
        parts.push(format!(
            "PgBouncer {mode} pooling (pool {})",
            b.default_pool_size
        ));
    }
    if let Some(r) = &m.postgres.replica {
        parts.push(format!("read replica {} cores", r.server.cores));
    }
    if let Some(r) = &m.redis {
        let cache = r.cache.as_ref().map_or(String::new(), |c| {
            format!(" (cache {:.0} MiB)", mib(c.working_set_bytes))
        });
        parts.push(format!("Redis {:.0} MiB{cache}", mib(r.maxmemory_bytes)));
    }
    let count =
        |f: fn(&peakplan::model::WorkloadClass) -> bool| m.classes.iter().filter(|c| f(c)).count();
    for (n, one, many) in [
        (
            count(|c| c.job.is_some()),
            "queue_job job class",
            "queue_job job classes",
        ),
        (count(|c| c.cron.is_some()), "cron class", "cron classes"),
        (
            count(|c| c.writes.is_some()),
            "writing class",
            "writing classes",
        ),
        (
            count(|c| c.websocket.is_some()),
            "websocket class",
            "websocket classes",
        ),
        (m.integrations.len(), "integration", "integrations"),
        (m.timeline.len(), "timeline change", "timeline changes"),
    ] {
        if n > 0 {
            parts.push(count_of(n, one, many));
        }
    }
    let mut out = format!("{}: ok — {}\n", file.display(), parts.join(", "));
    for line in cpu_limit_notes(&m) {
        out += &format!("  note: {line}\n");
    }
    emit(out)
}

/// The classes some of whose requests need more Odoo CPU than `limit_time_cpu` allows
/// at nominal demand (a first try, no calendar `demand:`): they will fail.
fn cpu_limit_notes(m: &Model) -> Vec<String> {
    let Some(limit) = m.odoo.limit_time_cpu else {
        return Vec::new();
    };
    let limit_s = limit.as_secs_f64();
    m.classes
        .iter()
        .filter(|c| c.websocket.is_none())
        .filter_map(|c| {
            let share = c.odoo_cpu_s.exceeds(limit_s);
            (share >= 1e-4).then(|| {
                format!(
                    "{:.2} % of {}'s requests need more Odoo CPU than limit_time_cpu ({limit_s} s) and fail with cpu_time_limit (mean CPU {:.3} s); raise limit_time_cpu or write `unlimited`",
                    share * 100.0,
                    c.name,
                    c.odoo_cpu_s.mean()
                )
            })
        })
        .collect()
}

/// What `validate` says of a server's buffer hit ratio when it was worked out, or when
/// it is the default no working set backs.
fn hit_ratio(s: &peakplan::model::DbServer) -> String {
    let gib = |b: u64| b as f64 / f64::from(1u32 << 30);
    match s.hit_basis {
        peakplan::model::HitBasis::WorkingSet {
            cache_bytes,
            working_set_bytes,
            ..
        } => format!(
            ", buffer hit ratio {:.1} % ({:.1} GiB working set against {:.1} GiB of cache)",
            s.buffer_hit_ratio * 100.0,
            gib(working_set_bytes),
            gib(cache_bytes)
        ),
        peakplan::model::HitBasis::Default if s.volume.is_some() => format!(
            ", buffer hit ratio {:.0} % assumed (declare estate.postgres.working_set and memory to work it out)",
            s.buffer_hit_ratio * 100.0
        ),
        _ => String::new(),
    }
}

/// What `validate` says of the pods' CPU: the limit and the processes sharing it, or
/// that none is modelled.
fn pod_cpu(m: &Model) -> String {
    let processes = m.processes_per_pod();
    match m.odoo.cpu_millicores {
        None => format!(
            " (no pod CPU limit: each of a pod's {processes} Odoo processes is assumed to have a core of its own; set estate.odoo.cpu to model one)"
        ),
        Some(mc) => {
            let cores = f64::from(mc) / 1000.0;
            let share = if f64::from(processes) > cores {
                format!(", shared by {processes} Odoo processes")
            } else {
                format!(", ≥ its {processes} Odoo processes: never oversubscribed")
            };
            format!(" on {cores} cores each{share}")
        }
    }
}

fn threads(threads: Option<u32>) -> usize {
    threads
        .map(|t| t as usize)
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
}

/// Runs `work` on its own thread while this one shows a bar on stderr — only on a
/// terminal, not with `--quiet`, and only once the work has lasted a second: `make`
/// builds it then, `update` refreshes it every 100 ms.
fn with_bar<T: Send>(
    quiet: bool,
    make: impl Fn() -> indicatif::ProgressBar,
    update: impl Fn(&indicatif::ProgressBar),
    work: impl FnOnce() -> T + Send,
) -> T {
    let show = !quiet && std::io::stderr().is_terminal();
    std::thread::scope(|s| {
        let handle = s.spawn(work);
        let start = Instant::now();
        let mut bar: Option<indicatif::ProgressBar> = None;
        while !handle.is_finished() {
            std::thread::sleep(Duration::from_millis(100));
            if show && bar.is_none() && start.elapsed() >= Duration::from_secs(1) {
                bar = Some(make());
            }
            if let Some(b) = &bar {
                update(b);
            }
        }
        if let Some(b) = bar {
            b.finish_and_clear();
        }
        handle
            .join()
            .unwrap_or_else(|e| std::panic::resume_unwind(e))
    })
}

/// [`with_bar`] showing the replications' progress.
fn with_progress<T: Send>(quiet: bool, progress: &Progress, work: impl FnOnce() -> T + Send) -> T {
    let make = || {
        let b = indicatif::ProgressBar::new(1000);
        b.set_style(
            indicatif::ProgressStyle::with_template(
                "{spinner} simulating [{bar:40}] {percent:>3}% eta {eta}",
            )
            .expect("static template")
            .progress_chars("=> "),
        );
        b
    };
    let update = |b: &indicatif::ProgressBar| {
        b.set_position((progress.fraction() * 1000.0) as u64);
    };
    with_bar(quiet, make, update, work)
}

fn simulate(args: &SimulateArgs) -> Result<(), Failure> {
    let model = load(&args.file)?;
    let seed = args.run.seed.unwrap_or(model.run.seed);
    let reps = args.run.replications.unwrap_or(model.run.replications);
    let progress = Progress::new(&model, args.until_decided.unwrap_or(reps).max(reps));
    let start = Instant::now();
    let result = with_progress(args.run.quiet, &progress, || match args.until_decided {
        Some(budget) => run::simulate_until_decided(
            &model,
            seed,
            reps,
            budget,
            threads(args.run.threads),
            &progress,
        ),
        None => run::simulate(&model, seed, reps, threads(args.run.threads), &progress),
    })
    .map_err(Failure::Stopped)?;
    let wall_s = start.elapsed().as_secs_f64();
    let mut result = result;
    if args.headroom {
        let settings = peakplan::study::headroom::Settings {
            seed,
            replications: reps,
            threads: threads(args.run.threads),
        };
        // ×1 is the simulation itself, unless `--until-decided` added replications.
        let at_one = (result.run.replications == reps).then_some(&result);
        let study = headroom_search(&args.file, at_one, settings, args.run.quiet)?;
        result.headroom = Some(study);
    }
    // Files first, then the terminal: a closed stdout must not lose the run.
    let mut wrote = String::new();
    if let Some(dir) = &args.out {
        let files = render(&result, &out_formats(&args.skip))?;
        wrote = write_files(dir, &files)?;
    }
    if !args.run.quiet {
        emit(report::summary(&result, Some(wall_s), colour()))?;
        emit(&wrote)?;
    }
    verdicts_exit(&result)
}

/// `peakplan simulate FILE --shard I/N --out DIR`: this shard's replications as records
/// and a manifest (`peakplan::shard`); no summary, as one shard decides nothing.
fn simulate_shard(args: &SimulateArgs, arg: peakplan::shard::ShardArg) -> Result<(), Failure> {
    use peakplan::shard::{self, Plan};
    let (model, inputs) = peakplan::scenario::load_traced(&args.file)
        .map_err(|d| Failure::BadInput(d.to_string()))?;
    let replications = args.run.replications.unwrap_or(model.run.replications);
    let plan = Plan {
        shard: arg
            .resolve(replications, |v| std::env::var(v).ok())
            .map_err(Failure::BadInput)?,
        seed: args.run.seed.unwrap_or(model.run.seed),
        replications,
        threads: threads(args.run.threads),
    };
    let range = plan.shard.range(replications);
    let progress = Progress::of_range(&model, replications, range.clone());
    let scenario = args.file.display().to_string();
    let files = with_progress(args.run.quiet, &progress, || {
        shard::simulate(&model, &scenario, &inputs, plan, cli::VERSION, &progress)
    })
    .map_err(Failure::Stopped)?;
    let dir = args
        .out
        .as_deref()
        .expect("clap requires --out with --shard");
    let wrote = write_files(dir, &files)?;
    if !args.run.quiet {
        emit(format!(
            "shard {}/{} ran replications {} to {} (of 0 to {}){}",
            plan.shard.index,
            plan.shard.count,
            range.start,
            range.end - 1,
            replications - 1,
            wrote
        ))?;
    }
    Ok(())
}

/// `peakplan merge SHARD_DIR… --out DIR`: the shards folded into the run's result, then
/// what `simulate` writes and prints.
fn merge(args: &MergeArgs) -> Result<(), Failure> {
    let merged =
        peakplan::shard::merge::merge(&args.shards, args.scenario.as_deref(), cli::VERSION)
            .map_err(Failure::BadInput)?;
    let result = peakplan::stats::summarize(&merged.model, merged.gathered);
    let mut wrote = String::new();
    if let Some(dir) = &args.out {
        let files = render(&result, &out_formats(&args.skip))?;
        wrote = write_files(dir, &files)?;
    }
    if !args.quiet {
        // No wall time: the simulation ran in the shards, not here.
        emit(report::summary(&result, None, colour()))?;
        emit(&wrote)?;
    }
    verdicts_exit(&result)
}

/// Runs the headroom study of `file`, each load tried told on stderr unless `quiet`.
fn headroom_search(
    file: &Path,
    at_one: Option<&SimulationResult>,
    settings: peakplan::study::headroom::Settings,
    quiet: bool,
) -> Result<peakplan::result::headroom::Headroom, Failure> {
    let start = Instant::now();
    peakplan::study::headroom::study_from(
        at_one,
        |load| peakplan::scenario::load_at(file, load),
        settings,
        |p| {
            if !quiet {
                eprintln!(
                    "  ×{:.2}: {} ({:.0} s)",
                    p.load,
                    p.message
                        .clone()
                        .unwrap_or_else(|| report::headroom::verdicts_word(p)),
                    start.elapsed().as_secs_f64()
                );
            }
        },
    )
    .map_err(|d| Failure::BadInput(d.to_string()))
}

/// `peakplan headroom FILE`: the study, its files, then the terminal.
fn headroom(args: &HeadroomArgs) -> Result<(), Failure> {
    let model = load(&args.file)?;
    let settings = peakplan::study::headroom::Settings {
        seed: args.run.seed.unwrap_or(model.run.seed),
        replications: args.run.replications.unwrap_or(model.run.replications),
        threads: threads(args.run.threads),
    };
    let study = headroom_search(&args.file, None, settings, args.run.quiet)?;
    let mut wrote = String::new();
    if let Some(dir) = &args.out {
        let json = serde_json::to_string_pretty(&study)
            .map_err(|e| Failure::Internal(format!("error: cannot write headroom.json: {e}")))?;
        let mut files = vec![
            OutFile {
                name: "headroom.json".into(),
                bytes: format!("{json}\n").into_bytes(),
            },
            OutFile {
                name: "headroom.csv".into(),
                bytes: report::headroom::csv(&study).into_bytes(),
            },
        ];
        files.extend(
            report::headroom_chart::files(&study)
                .map_err(|e| Failure::Internal(format!("error: {}", e.0)))?,
        );
        wrote = write_files(dir, &files)?;
    }
    if !args.run.quiet {
        emit(report::headroom::text(&study))?;
        emit(&wrote)?;
    }
    match study.overall.as_ref().and_then(|b| b.passes) {
        Some(p) if p < 1.0 => Err(Failure::Verdicts(5)),
        None if study.overall.is_some() => Err(Failure::Verdicts(5)),
        _ => Ok(()),
    }
}

/// `peakplan gate`: the change simulated against the baseline (or read), the files, the
/// table and annotations; exit 7 on a regression, 8 when undecided.
fn gate(args: &GateArgs) -> Result<(), Failure> {
    use peakplan::study::gate::{self, Decision};
    let (g, change_json) = match (&args.baseline, args.files.as_slice()) {
        (Some(base), [scenario]) => {
            let p = gate::prepare(base, scenario, &args.tolerance).map_err(Failure::BadInput)?;
            let progress = Progress::new(&p.model, p.replications());
            let threads = threads(args.threads);
            let change = with_progress(args.quiet, &progress, || {
                run::simulate(&p.model, p.seed(), p.replications(), threads, &progress)
            })
            .map_err(Failure::Stopped)?;
            (p.compare(&change), report::to_json(&change).into_bytes())
        }
        (None, [base, change]) => {
            let (g, _, bytes) =
                gate::from_files(base, change, &args.tolerance).map_err(Failure::BadInput)?;
            (g, bytes)
        }
        _ => {
            return Err(Failure::BadInput(
                "error: give `--baseline BASE.json SCENARIO` or `BASE.json CHANGE.json`\n  hint: see `peakplan gate --help`".into(),
            ));
        }
    };
    let baseline = args.baseline.as_deref().unwrap_or(&args.files[0]);
    gate_outputs(args, &g, baseline, &change_json)?;
    match g.decision {
        _ if args.update_baseline => Ok(()),
        Decision::Regression => Err(Failure::Verdicts(7)),
        Decision::Undecided => Err(Failure::Verdicts(8)),
        _ => Ok(()),
    }
}

/// The gate's files (each atomic), then the table and, on GitHub Actions, annotations;
/// with --update-baseline the change's result replaces the baseline last.
fn gate_outputs(
    args: &GateArgs,
    g: &peakplan::study::gate::Gate,
    baseline: &Path,
    change_json: &[u8],
) -> Result<(), Failure> {
    use report::{gate, gate_ci};
    let write = |path: &Path, bytes: &[u8]| {
        report::write::atomic(path, bytes)
            .map_err(|e| Failure::Output(format!("error: cannot write {}: {e}", path.display())))
    };
    for (path, text) in [
        (&args.json, gate::json as fn(&_) -> String),
        (&args.markdown, gate::markdown),
        (&args.junit, gate_ci::junit),
    ] {
        if let Some(p) = path {
            write(p, text(g).as_bytes())?;
        }
    }
    if args.update_baseline {
        write(baseline, change_json)?;
    }
    if !args.quiet {
        emit(gate::text(g))?;
    }
    if std::env::var("GITHUB_ACTIONS").is_ok_and(|v| v == "true") {
        emit(gate_ci::annotations(g))?;
    }
    if args.update_baseline {
        note(&format!(
            "baseline updated: {} now holds the change's result (accepted with --update-baseline; the comparison above was {})",
            baseline.display(),
            g.decision.name()
        ));
    }
    Ok(())
}

/// `peakplan size FILE`: the study (a progress line on a terminal), its files, then the
/// terminal; exit 5 when nothing in the ranges holds.
fn size(args: &SizeArgs) -> Result<(), Failure> {
    use peakplan::study::size::{self, Counters};
    let (model, sizing) = peakplan::scenario::load_sizing(&args.file)
        .map_err(|d| Failure::BadInput(d.to_string()))?;
    let sizing = sizing.ok_or_else(|| {
        Failure::BadInput(format!(
            "error: {} has no `sizing:` block\n  hint: name the knobs to vary, e.g. `sizing: {{knobs: {{estate.odoo.pods: 2..12}}}}` (docs/sizing.md)",
            args.file.display()
        ))
    })?;
    let settings = size::settings(
        &model,
        &sizing,
        args.run.seed,
        args.run.replications,
        args.max_replications,
        threads(args.run.threads),
    );
    let counters = Counters::default();
    let study = with_counters(args.run.quiet, &counters, || {
        size::study(
            &model,
            &sizing,
            |o| peakplan::scenario::load_with(&args.file, o),
            settings,
            &counters,
        )
    });
    let mut wrote = String::new();
    if let Some(dir) = &args.out {
        let json = serde_json::to_string_pretty(&study)
            .map_err(|e| Failure::Internal(format!("error: cannot write size.json: {e}")))?;
        let mut files = vec![OutFile {
            name: "size.json".into(),
            bytes: format!("{json}\n").into_bytes(),
        }];
        files.extend(report::size_snippets::files(&study));
        wrote = write_files(dir, &files)?;
    }
    if !args.run.quiet {
        emit(report::size::text(&study))?;
        emit(&wrote)?;
    }
    if study.chosen.is_none() {
        Err(Failure::Verdicts(5))
    } else {
        Ok(())
    }
}

/// [`with_bar`] showing the size search's counts.
fn with_counters<T: Send>(
    quiet: bool,
    c: &peakplan::study::size::Counters,
    work: impl FnOnce() -> T + Send,
) -> T {
    use std::sync::atomic::Ordering::Relaxed;
    let make = || {
        let b = indicatif::ProgressBar::new_spinner();
        b.set_style(
            indicatif::ProgressStyle::with_template("{spinner} sizing: {msg} [{elapsed}]")
                .expect("static template"),
        );
        b
    };
    let update = |b: &indicatif::ProgressBar| {
        b.set_message(format!(
            "{} configurations done, {} pruned, {} simulated",
            c.done.load(Relaxed),
            c.pruned.load(Relaxed),
            c.simulated.load(Relaxed)
        ));
        b.tick();
    };
    with_bar(quiet, make, update, work)
}

/// Exit 5 when an objective breaks, 6 when none breaks but one is undecided (or had
/// nothing to measure), success when every one holds (or there are none).
fn verdicts_exit(result: &SimulationResult) -> Result<(), Failure> {
    use peakplan::result::VerdictStatus::{Breaks, Holds};
    let v = &result.verdicts;
    if v.iter().any(|v| v.status == Breaks) {
        Err(Failure::Verdicts(5))
    } else if v.iter().any(|v| v.status != Holds) {
        Err(Failure::Verdicts(6))
    } else {
        Ok(())
    }
}

/// Colour on a terminal only (and never with `NO_COLOR` set, per no-color.org).
fn colour() -> bool {
    std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

/// What `--out DIR` writes: everything but what the user skipped.
fn out_formats(skip: &SkipArgs) -> Vec<&'static dyn Format> {
    let mut f: Vec<&'static dyn Format> = vec![&report::Json, &report::Csv];
    if !skip.no_charts {
        f.push(&report::Charts);
    }
    if !skip.no_pdf {
        f.push(&report::Pdf);
    }
    f
}

fn render(result: &SimulationResult, formats: &[&dyn Format]) -> Result<Vec<OutFile>, Failure> {
    report::render(result, formats).map_err(|e| Failure::Internal(format!("error: {e}")))
}

/// Writes rendered files under `dir` (the bundle appears whole or not at all) and returns
/// the line saying where, for stdout once every file is written.
fn write_files(dir: &Path, files: &[OutFile]) -> Result<String, Failure> {
    let written = report::write::files(dir, files).map_err(|(p, e)| {
        Failure::Output(format!(
            "error: cannot write {}: {e}\n  hint: {} was left as it was (the bundle is written beside it first); check the free space, file-size limit and permissions there",
            p.display(),
            dir.display()
        ))
    })?;
    Ok(format!(
        "\nwrote {} files into {}\n",
        written.len(),
        dir.display()
    ))
}

/// `peakplan report RESULT.json`: read → summarise → render → write, no simulation.
fn report(args: &ReportArgs) -> Result<(), Failure> {
    let result = report::read_result(&args.result).map_err(|e| Failure::BadInput(e.to_string()))?;
    // Files first, then the terminal: a closed stdout must not lose the files.
    let mut wrote = String::new();
    let single: [(&Option<PathBuf>, &dyn Format); 2] =
        [(&args.csv, &report::Csv), (&args.charts, &report::Charts)];
    for (dir, format) in single {
        if let Some(dir) = dir {
            let files = format
                .files(&result)
                .map_err(|e| Failure::Internal(format!("error: {e}")))?;
            wrote += &write_files(dir, &files)?;
        }
    }
    if let Some(file) = &args.pdf {
        let pdf = render(&result, &[&report::Pdf])?;
        let dir = file.parent().filter(|p| !p.as_os_str().is_empty());
        let fail = |e: std::io::Error| {
            Failure::Output(format!("error: cannot write {}: {e}", file.display()))
        };
        if let Some(dir) = dir {
            std::fs::create_dir_all(dir).map_err(fail)?;
        }
        report::write::atomic(file, &pdf[0].bytes).map_err(fail)?;
        wrote += &format!("\nwrote {}\n", file.display());
    }
    if let Some(dir) = &args.out {
        let files = render(&result, &out_formats(&args.skip))?;
        wrote += &write_files(dir, &files)?;
    }
    if !args.quiet {
        emit(report::summary(&result, None, colour()))?;
        emit(&wrote)?;
    }
    Ok(())
}

/// `peakplan man`: the top page on standard output, or with `--out DIR` every page written
/// into `DIR` as one bundle (all of them or none).
fn man(out: Option<&Path>) -> Result<(), Failure> {
    let internal =
        |e: std::io::Error| Failure::Internal(format!("error: cannot render the man page: {e}"));
    match out {
        None => emit(shell::top_page().map_err(internal)?),
        Some(dir) => {
            let pages = shell::pages().map_err(internal)?;
            let wrote = write_files(dir, &pages)?;
            emit(wrote.trim_start())
        }
    }
}

/// The rules of `--rules FILE`, or Odoo's default rules, and how to name them.
fn rules(file: Option<&Path>) -> Result<(peakplan::calibrate::rules::Rules, String), Failure> {
    use peakplan::calibrate::rules::Rules;
    match file {
        None => Ok((
            Rules::default_odoo(),
            "peakplan's default rules for Odoo's routes".into(),
        )),
        Some(f) => {
            let text = std::fs::read_to_string(f).map_err(|e| {
                Failure::BadInput(format!("error: cannot read rules {}: {e}", f.display()))
            })?;
            let rules = Rules::parse(&text, &f.display().to_string()).map_err(Failure::BadInput)?;
            Ok((rules, format!("the rules in {}", f.display())))
        }
    }
}

/// `peakplan calibrate LOG… --out DIR`, or `--check SCENARIO`.
fn calibrate(args: &CalibrateArgs) -> Result<(), Failure> {
    use peakplan::calibrate;
    let (rules, origin) = rules(args.rules.as_deref())?;
    if let Some(scenario) = &args.check {
        return calibrate_check(args, scenario, rules);
    }
    let out = args
        .out
        .as_deref()
        .ok_or_else(|| Failure::BadInput("error: give --out DIR or --check SCENARIO".into()))?;
    let choice = calibrate::EstateChoice {
        pods: args.pods,
        workers: args.workers,
        db_cores: args.db_cores,
    };
    let c = calibrate::calibrate(&args.logs, rules, &origin, choice).map_err(Failure::BadInput)?;
    let files = calibrate::write::files(&c);
    // The written scenario must load: a failure here is peakplan's bug, not the user's.
    let text = String::from_utf8_lossy(&files[0].bytes).into_owned();
    let profiles: Vec<(String, Vec<u8>)> = files[1..]
        .iter()
        .map(|f| (f.name.clone(), f.bytes.clone()))
        .collect();
    check_written(&text, &profiles)?;
    let wrote = write_files(out, &files)?;
    if !args.run.quiet {
        emit(calibrate::write::report(&c))?;
        emit(&wrote)?;
    }
    if let Some(w) = c.read.warnings() {
        note(&w);
    }
    Ok(())
}

/// Validates a calibrated scenario with its profiles in a scratch directory.
fn check_written(text: &str, profiles: &[(String, Vec<u8>)]) -> Result<(), Failure> {
    let internal = |e: std::io::Error| {
        Failure::Internal(format!("error: cannot check the written scenario: {e}"))
    };
    let dir = std::env::temp_dir().join(format!("peakplan-calibrate-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("profiles")).map_err(internal)?;
    let result = (|| {
        for (name, bytes) in profiles {
            std::fs::write(dir.join(name), bytes).map_err(internal)?;
        }
        peakplan::scenario::load_str(text, "scenario.yaml", &dir).map_err(|d| {
            Failure::Internal(format!(
                "error: the calibrated scenario does not validate (a bug: please report it):\n{d}"
            ))
        })
    })();
    let _ = std::fs::remove_dir_all(&dir);
    result.map(|_| ())
}

fn calibrate_check(
    args: &CalibrateArgs,
    scenario: &Path,
    rules: peakplan::calibrate::rules::Rules,
) -> Result<(), Failure> {
    use peakplan::calibrate::{self, check};
    if !(args.tolerance > 0.0 && args.tolerance <= 1000.0) {
        return Err(Failure::BadInput(format!(
            "error: --tolerance {} is not a percentage in (0, 1000]",
            args.tolerance
        )));
    }
    let model = load(scenario)?;
    let observed = calibrate::observe(&args.logs, rules).map_err(Failure::BadInput)?;
    let seed = args.run.seed.unwrap_or(model.run.seed);
    let reps = args.run.replications.unwrap_or(model.run.replications);
    let progress = Progress::new(&model, reps);
    let result = with_progress(args.run.quiet, &progress, || {
        run::simulate(&model, seed, reps, threads(args.run.threads), &progress)
    })
    .map_err(Failure::Stopped)?;
    let rows = check::compare(&result, &observed.obs);
    let (table, all) = check::table(&rows, args.tolerance / 100.0);
    emit(table)?;
    if let Some(w) = observed.read.warnings() {
        note(&w);
    }
    if all {
        Ok(())
    } else {
        Err(Failure::Verdicts(5))
    }
}

/// Runs the validation suite and prints its table; fails (exit 1) if any case fails.
fn selftest(args: &cli::SelftestArgs) -> Result<(), Failure> {
    use peakplan::validation;
    let scale = if args.quick { 0.1 } else { 1.0 };
    let start = Instant::now();
    let rows =
        validation::run_all(scale, args.seed, threads(args.threads)).map_err(Failure::Internal)?;
    if args.markdown {
        emit(validation::markdown(&rows))?;
    } else if !args.quiet {
        emit(validation::plain(&rows))?;
    }
    let failed: Vec<_> = rows.iter().filter(|r| !r.passed()).collect();
    if !args.quiet {
        note(&format!(
            "{} checks in {:.1} s: {} inside their 95 % interval, {} inside the suite-wide one, {} with a half-width above {:.0} %",
            rows.len(),
            start.elapsed().as_secs_f64(),
            rows.iter().filter(|r| r.covered()).count(),
            rows.iter().filter(|r| r.covered_suite_wide()).count(),
            rows.iter()
                .filter(|r| r.relative_half_width() > validation::MAX_RELATIVE_HALF_WIDTH)
                .count(),
            validation::MAX_RELATIVE_HALF_WIDTH * 100.0
        ));
    }
    if failed.is_empty() || args.quick {
        Ok(())
    } else {
        Err(Failure::Internal(format!(
            "error: {} validation checks failed (see the table)",
            failed.len()
        )))
    }
}
