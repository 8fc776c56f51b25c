//! Charts, as PNG (for slides and the README) and SVG (for the PDF, as vector graphics):
//! demand per class, latency percentiles per class with the objectives' targets,
//! utilisation per resource with the saturation threshold, the listen backlog and the
//! queue_job backlog, all over the horizon in the scenario's local time, the calendar's
//! events shaded and named on every one.
//!
//! Every chart is described as data first ([`Chart`]: titles, lines, reference lines,
//! event bands, a y-axis floor), built in `build.rs`, then drawn by one function for both
//! backends (`draw.rs`), so the PNG and the SVG cannot drift apart. Values are plotted at
//! the middle of their bucket; a missing value (a bucket where nothing completed) is a
//! gap, not a zero. The only arithmetic is unit conversion for display (s → ms, fractions
//! → %, per second → per minute or hour); every figure comes from the result.

mod build;
mod draw;

use super::time::Clock;
use crate::result::SimulationResult;
pub(crate) use build::PALETTE;
pub use build::charts;
pub use draw::{encode_png, render_all, svg};
use plotters::style::RGBColor;

/// Pixel size of every chart (PNG) and of its SVG viewport.
pub const WIDTH: u32 = 1000;
pub const HEIGHT: u32 = 500;

/// How a line is drawn.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Style {
    /// A line through the buckets.
    Plain,
    /// A line with a dot on every value: coarse series have few points.
    Markers,
}

/// One line: a value per bucket, `None` for a gap.
#[derive(Debug)]
struct Line {
    label: String,
    colour: RGBColor,
    /// (hours from the start, value) per bucket.
    points: Vec<(f64, Option<f64>)>,
    style: Style,
}

/// What a reference line marks, which decides how it is drawn.
#[derive(Clone, Copy, Debug, PartialEq)]
enum RefKind {
    /// A resource's capacity: dark red, dashed.
    Capacity,
    /// A service-level objective's target: purple, long dashes.
    Target,
    /// The utilisation at which a bucket counts as a bottleneck: red, dotted.
    Threshold,
}

/// A horizontal reference line with its label in the legend; `span_h` limits it to part
/// of the horizon (an objective judged over one calendar event).
#[derive(Debug)]
struct Reference {
    label: String,
    value: f64,
    kind: RefKind,
    span_h: Option<(f64, f64)>,
}

/// A calendar event, shaded on every panel and named in a strip above the plot.
#[derive(Clone, Debug, PartialEq)]
struct Band {
    name: String,
    start_h: f64,
    end_h: f64,
}

/// A chart as data: one or more panels stacked over a shared time axis.
#[derive(Debug)]
pub struct Chart {
    /// File stem (`demand`, `latency-checkout`, …).
    pub stem: String,
    pub title: String,
    /// A line under the title (what was left out, and why).
    note: Option<String>,
    panels: Vec<Panel>,
    events: Vec<Band>,
}

/// One plot area with its own y axis. Several panels make small multiples: classes whose
/// rates differ a hundredfold each keep a readable scale.
#[derive(Debug)]
struct Panel {
    y_desc: String,
    /// Fixed top of the y axis (utilisation: 100 %); else from the data.
    y_top: Option<f64>,
    /// The lowest top the y axis may have, so that noise around zero (a backlog of 1e-4
    /// requests) is drawn flat at the bottom rather than blown up to fill the panel.
    y_floor: f64,
    lines: Vec<Line>,
    references: Vec<Reference>,
}

impl Chart {
    /// Pixel height: the standard size for one panel, more for small multiples.
    pub fn height(&self) -> u32 {
        match self.panels.len() {
            0 | 1 => HEIGHT,
            n => 160 + 150 * n as u32,
        }
    }

    /// Whether the chart shades calendar events (for the PDF's caption).
    pub fn has_events(&self) -> bool {
        !self.events.is_empty()
    }
}

impl Panel {
    /// The top of the y axis, and the reference lines drawn: one far above the data (more
    /// than 4 times its largest value) would flatten it, so it is left off the scale and
    /// the legend says so. The top is never below `y_floor`.
    fn scale(&self) -> (f64, Vec<&Reference>) {
        let data_max = self
            .lines
            .iter()
            .flat_map(|l| l.points.iter().filter_map(|p| p.1))
            .fold(0.0f64, f64::max);
        let shown: Vec<&Reference> = self
            .references
            .iter()
            .filter(|r| self.y_top.is_some_and(|t| r.value <= t) || on_scale(r, data_max))
            .collect();
        let top = self.y_top.unwrap_or_else(|| {
            let refs = shown.iter().map(|r| r.value).fold(0.0f64, f64::max);
            nice_top(data_max.max(refs).max(self.y_floor))
        });
        (top, shown)
    }
}

fn on_scale(r: &Reference, data_max: f64) -> bool {
    r.value <= 4.0 * data_max.max(1e-9)
}

/// A round top for the y axis above `max`.
fn nice_top(max: f64) -> f64 {
    if max.is_nan() || max <= 0.0 {
        return 1.0;
    }
    let m = max * 1.08;
    let mag = 10f64.powf(m.log10().floor());
    [1.0, 1.2, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0]
        .into_iter()
        .map(|f| f * mag)
        .find(|t| *t >= m)
        .unwrap_or(10.0 * mag)
}

/// The x axis: hours from the horizon start, labelled with local times.
struct XAxis {
    horizon_h: f64,
    warmup_h: f64,
    /// Distance between labels; the plot's x unit is one step, so plotters' whole-number
    /// ticks land on round local times.
    step_h: f64,
    ticks: usize,
    label_fmt: &'static str,
    desc: String,
    clock: Clock,
}

impl XAxis {
    fn new(r: &SimulationResult) -> XAxis {
        let s = &r.scenario;
        let horizon_h = (s.horizon_s / 3600.0).max(1e-6);
        // At most ~8 labels, on steps a reader counts in.
        let step_h = [
            1.0 / 6.0,
            0.25,
            0.5,
            1.0,
            2.0,
            3.0,
            6.0,
            12.0,
            24.0,
            48.0,
            168.0,
            336.0,
            672.0,
        ]
        .into_iter()
        .find(|st| horizon_h / st <= 8.0)
        .unwrap_or(1344.0);
        let ticks = (horizon_h / step_h).floor() as usize + 1;
        let label_fmt = if horizon_h <= 24.0 {
            "%H:%M"
        } else {
            "%a %H:%M"
        };
        XAxis {
            horizon_h,
            warmup_h: s.warmup_s / 3600.0,
            step_h,
            ticks,
            label_fmt,
            desc: format!("local time ({}), from {}", s.timezone, s.start_local),
            clock: Clock::new(s),
        }
    }

    /// Middle of bucket `i` of width `w` seconds, cut by the horizon, in hours.
    fn mid_h(&self, i: usize, w: f64) -> f64 {
        let start = i as f64 * w;
        let end = (start + w).min(self.horizon_h * 3600.0);
        (start + end) / 2.0 / 3600.0
    }
}

#[cfg(test)]
mod tests;
