//! The capacity-review PDF: a title block and the executive summary — the verdicts on the
//! service-level objectives first — then assumptions, per-class and resource tables, the
//! charts as vector graphics, and an appendix on method.
//!
//! Built with krilla (pure Rust, typst's PDF backend): text is real, selectable text in the
//! embedded DejaVu Sans (subset), charts are plotters' SVGs drawn through krilla-svg with a
//! font database holding only that font, so nothing depends on the machine's fonts. The
//! bytes are deterministic: the document date is the scenario start, never the wall clock.
//! Every figure is read from the result; these files only choose words and layout:
//! `summary.rs` (the executive summary), `verdicts.rs` (its verdict table), `tables.rs`
//! (classes and resources), `layout.rs` (flowing content down pages), `paint.rs`
//! (drawing the pages with krilla).

mod layout;
mod paint;
mod summary;
mod tables;
mod verdicts;

use super::RenderError;
use super::charts::{self, Chart};
use super::estate;
use super::numbers::{self, grouped};
use super::time::Clock;
use crate::result::SimulationResult;
use crate::stats::Estimate;
use crate::stats::seconds;
use layout::{Flow, Ink};

fn est(e: Option<&Estimate>, scale: f64, digits: usize) -> String {
    numbers::est(e, scale, digits, " ± ")
}

fn ms(e: Option<&Estimate>) -> String {
    numbers::ms(e, " ± ")
}

fn long_date(clock: &Clock) -> String {
    clock.format(0.0, "%A %-d %B %Y, %H:%M")
}

/// The title block at the top of the first page: the verdicts follow at once.
fn title(f: &mut Flow, r: &SimulationResult, clock: &Clock) {
    let s = &r.scenario;
    f.line("Capacity review", 24.0, true, Ink::Accent);
    f.line(&s.name, 16.0, false, Ink::Black);
    f.line(
        &format!(
            "{} ({}) · {:.1} h · {} replications, seed {} · peakplan {}",
            long_date(clock),
            s.timezone,
            s.horizon_s / 3600.0,
            r.run.replications,
            r.run.seed,
            r.peakplan_version
        ),
        9.0,
        false,
        Ink::Grey,
    );
    f.line(
        "Every figure is read from the simulation result; ± is the half-width of a 95 % \
         confidence interval over the replications.",
        8.5,
        false,
        Ink::Grey,
    );
    f.space(4.0);
}

fn assumptions(f: &mut Flow, r: &SimulationResult) {
    let s = &r.scenario;
    f.heading("2  Assumptions");
    f.key_values(
        &[
            (
                "Horizon".into(),
                format!("{:.1} h ({:.0} s)", s.horizon_s / 3600.0, s.horizon_s),
            ),
            ("Start".into(), format!("{} local time", s.start_local)),
            ("Time zone".into(), s.timezone.clone()),
            (
                "Warm-up".into(),
                format!(
                    "{:.0} min, discarded from every estimate",
                    s.warmup_s / 60.0
                ),
            ),
            (
                "Observation window".into(),
                format!(
                    "{:.1} h (horizon minus warm-up)",
                    (s.horizon_s - s.warmup_s) / 3600.0
                ),
            ),
            (
                "Replications".into(),
                format!("{} independent, seed {}", r.run.replications, r.run.seed),
            ),
            (
                "Time buckets".into(),
                format!(
                    "{} for counts and levels, {} for latency percentiles",
                    seconds(r.series.fine_bucket_s),
                    seconds(r.series.coarse_bucket_s)
                ),
            ),
        ],
        9.5,
    );
    let Some(c) = &r.configuration else {
        f.paragraph(
            "This result was written before results recorded the configuration simulated: \
             see the scenario file named above for the estate and the calendar.",
            9.0,
        );
        return;
    };
    f.subheading("Estate simulated");
    f.key_values(&estate::lines(c), 9.0);
    let cpu = match c.odoo.cpu_per_pod {
        Some(_) => {
            "A pod's Odoo processes (HTTP workers, cron workers, the evented process) share \
             its CPU limit's cores as the kernel shares them."
        }
        None => {
            "No pod CPU limit is set (estate.odoo.cpu): each Odoo process spends its CPU time \
             without contention, as on a core of its own."
        }
    };
    f.paragraph(
        &format!(
            "Totals in brackets and the usable connections are the capacities the utilisation \
             figures below are measured against. {cpu}"
        ),
        8.5,
    );
    f.subheading("Calendar events");
    let events = estate::events(c);
    if events.is_empty() {
        f.paragraph("None: the weekly baseline alone.", 9.0);
    } else {
        f.key_values(&events, 9.0);
        f.paragraph(
            "Times are local; an event's multiplier ramps linearly from 1 over its ramp-up, \
             holds, and ramps back over its ramp-down; overlapping events multiply.",
            8.5,
        );
    }
    let changes = estate::changes(c);
    if !changes.is_empty() {
        f.subheading("Changes on the timeline");
        f.key_values(&changes, 9.0);
        f.paragraph(
            "Times are local; each change holds from its start until its end (then it is \
             undone) or the horizon's end. A degraded server's utilisation is measured \
             against its full capacity.",
            8.5,
        );
    }
}

fn charts_section(f: &mut Flow, list: &[Chart], warmup_s: f64, headroom: bool) {
    f.new_page();
    f.heading("5  Charts");
    if headroom {
        f.chart(
            list.len(),
            charts::WIDTH as f32 / charts::HEIGHT as f32,
            "Figure 1. The headroom curve: each class's p95 latency against the load, both \
             on log scales; the grey dashed line is the scenario as written (×1), the green \
             one the headroom.",
        );
    }
    let first = usize::from(headroom) + 1;
    for (i, c) in list.iter().enumerate() {
        let aspect = charts::WIDTH as f32 / c.height() as f32;
        let events = if c.has_events() {
            " Tinted bands are the calendar's events, named above the plot."
        } else {
            ""
        };
        f.chart(
            i,
            aspect,
            &format!(
                "Figure {}. The grey band at the start is the {:.0}-minute warm-up, left out of \
                 every estimate.{events}",
                i + first,
                warmup_s / 60.0
            ),
        );
    }
}

fn appendix(f: &mut Flow, r: &SimulationResult) {
    f.new_page();
    f.heading("Appendix: method");
    f.key_values(
        &[
            (
                "Replications".into(),
                format!(
                    "{} independent runs, seed {}",
                    r.run.replications, r.run.seed
                ),
            ),
            ("Events processed".into(), grouped(r.run.events)),
            (
                "Confidence intervals".into(),
                "Student-t, 95 %, on the per-replication values".into(),
            ),
            (
                "Percentile error".into(),
                format!(
                    "at most {:.2} % relative (histogram resolution)",
                    r.run.percentile_relative_error * 100.0
                ),
            ),
            (
                "Result format".into(),
                format!("{} version {}", r.format, r.format_version),
            ),
            ("peakplan".into(), format!("version {}", r.peakplan_version)),
        ],
        9.5,
    );
    f.paragraph(
        "Each replication simulates the whole horizon with its own random streams derived from \
         the seed; a figure is the mean of the per-replication values and its ± the half-width \
         of the Student-t 95 % interval on that mean (none with a single replication). \
         Percentiles are computed per replication from a log-linear histogram, then averaged. \
         Time series include the warm-up, so charts show the whole calendar; the estimates \
         exclude it. The same scenario and seed give the same result, and this document the \
         same bytes.",
        9.0,
    );
}

/// The capacity-review PDF of a simulation result.
pub fn render(r: &SimulationResult) -> Result<Vec<u8>, RenderError> {
    let clock = Clock::new(&r.scenario);
    let list = charts::charts(r);
    let mut trees = list
        .iter()
        .map(|c| paint::svg_tree(&charts::svg(c, r)?))
        .collect::<Result<Vec<_>, _>>()?;
    if let Some(h) = &r.headroom {
        trees.push(paint::svg_tree(&super::headroom_chart::svg(h)?)?);
    }
    let mut f = Flow::new();
    title(&mut f, r, &clock);
    summary::executive_summary(&mut f, r);
    assumptions(&mut f, r);
    f.new_page();
    tables::class_table(&mut f, r);
    tables::clients_table(&mut f, r);
    tables::breakdown_table(&mut f, r);
    tables::resource_table(&mut f, r);
    charts_section(&mut f, &list, r.scenario.warmup_s, r.headroom.is_some());
    appendix(&mut f, r);
    paint::paint(r, &f.pages, &trees, &clock)
}
