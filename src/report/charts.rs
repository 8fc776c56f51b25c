//! Charts, as PNG (for slides and the README) and SVG (for the PDF, as vector graphics):
//! demand per class, latency percentiles per class, utilisation per resource and the
//! listen backlog, all over the horizon in the scenario's local time.
//!
//! Every chart is described as data first ([`Chart`]: titles, lines, reference lines), then
//! drawn by one function for both backends, so the PNG and the SVG cannot drift apart.
//! The legend sits in its own band above the plot, where it can never cover the data.
//! Values are plotted at the middle of their bucket; a missing value (a bucket where
//! nothing completed) is a gap, not a zero. The only arithmetic is unit conversion for
//! display (s → ms, fractions → %); every figure comes from the result.

use super::font;
use super::numbers::width_words;
use super::time::Clock;
use super::{OutFile, RenderError};
use crate::result::SimulationResult;
use plotters::coord::Shift;
use plotters::prelude::*;

/// Pixel size of every chart (PNG) and of its SVG viewport.
pub const WIDTH: u32 = 1000;
pub const HEIGHT: u32 = 500;

/// Okabe–Ito colours (distinguishable with the common colour-vision deficiencies; its
/// yellow left out, unreadable on white), then three darker hues for estates with many
/// resources (replica, websocket, queue_job channels).
const PALETTE: [RGBColor; 10] = [
    RGBColor(0, 114, 178),
    RGBColor(230, 159, 0),
    RGBColor(0, 158, 115),
    RGBColor(213, 94, 0),
    RGBColor(204, 121, 167),
    RGBColor(86, 180, 233),
    RGBColor(0, 0, 0),
    RGBColor(117, 112, 179),
    RGBColor(166, 86, 40),
    RGBColor(120, 120, 120),
];
const GRID: RGBColor = RGBColor(225, 225, 225);
const WARMUP: RGBColor = RGBColor(242, 242, 242);
const REFERENCE: RGBColor = RGBColor(160, 0, 0);

/// One line: a value per bucket, `None` for a gap.
struct Line {
    label: String,
    colour: RGBColor,
    /// (hours from the start, value) per bucket.
    points: Vec<(f64, Option<f64>)>,
    /// Draw a dot on every value: coarse series have few points (one on a short run).
    markers: bool,
}

/// A horizontal reference line (a capacity), dashed, with its label in the legend.
struct Reference {
    label: String,
    value: f64,
}

/// A chart as data: one or more panels stacked over a shared time axis.
pub struct Chart {
    /// File stem (`demand`, `latency-checkout`, …).
    pub stem: String,
    pub title: String,
    panels: Vec<Panel>,
}

/// One plot area with its own y axis. Several panels make small multiples: classes whose
/// rates differ a hundredfold each keep a readable scale.
struct Panel {
    y_desc: String,
    /// Fixed top of the y axis (utilisation: 100 %); else from the data.
    y_top: Option<f64>,
    lines: Vec<Line>,
    reference: Option<Reference>,
}

impl Chart {
    fn single(stem: String, title: String, panel: Panel) -> Chart {
        Chart {
            stem,
            title,
            panels: vec![panel],
        }
    }

    /// Pixel height: the standard size for one panel, more for small multiples.
    pub fn height(&self) -> u32 {
        match self.panels.len() {
            0 | 1 => HEIGHT,
            n => 130 + 150 * n as u32,
        }
    }
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

fn safe_stem(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// The charts of a simulation result, in reading order.
pub fn charts(r: &SimulationResult) -> Vec<Chart> {
    let x = XAxis::new(r);
    let fine = r.series.fine_bucket_s;
    let coarse = r.series.coarse_bucket_s;
    let mut out = vec![Chart {
        stem: "demand".into(),
        title: format!(
            "Demand: arrivals per second by class ({} means)",
            width_words(fine)
        ),
        panels: r
            .series
            .classes
            .iter()
            .enumerate()
            .map(|(k, c)| Panel {
                y_desc: format!("{} (/s)", c.name),
                y_top: None,
                lines: vec![Line {
                    label: String::new(),
                    colour: PALETTE[k % PALETTE.len()],
                    points: c
                        .arrivals_per_s
                        .iter()
                        .enumerate()
                        .map(|(i, v)| (x.mid_h(i, fine), Some(*v)))
                        .collect(),
                    markers: false,
                }],
                reference: None,
            })
            .collect(),
    }];
    for c in &r.series.classes {
        let line = |label: &str, colour: RGBColor, v: &[Option<f64>]| Line {
            label: label.into(),
            colour,
            points: v
                .iter()
                .enumerate()
                .map(|(i, v)| (x.mid_h(i, coarse), v.map(|s| s * 1e3)))
                .collect(),
            markers: true,
        };
        out.push(Chart::single(
            format!("latency-{}", safe_stem(&c.name)),
            format!(
                "Latency of {}: percentiles per {} bucket",
                c.name,
                width_words(coarse)
            ),
            Panel {
                y_desc: "latency (ms)".into(),
                y_top: None,
                lines: vec![
                    line("p50", PALETTE[2], &c.latency_s_p50),
                    line("p95", PALETTE[1], &c.latency_s_p95),
                    line("p99", PALETTE[3], &c.latency_s_p99),
                ],
                reference: None,
            },
        ));
    }
    let bounded: Vec<_> = r
        .series
        .resources
        .iter()
        .filter_map(|s| s.utilisation.as_ref().map(|u| (s, u)))
        .collect();
    out.push(Chart::single(
        "utilisation".into(),
        format!(
            "Utilisation per resource ({} means, % of capacity)",
            width_words(fine)
        ),
        Panel {
            y_desc: "utilisation (%)".into(),
            y_top: Some(100.0),
            lines: bounded
                .iter()
                .enumerate()
                .map(|(k, (s, util))| Line {
                    label: s.name.clone(),
                    colour: PALETTE[k % PALETTE.len()],
                    points: util
                        .iter()
                        .enumerate()
                        .map(|(i, u)| (x.mid_h(i, fine), Some(u * 100.0)))
                        .collect(),
                    markers: false,
                })
                .collect(),
            reference: None,
        },
    ));
    if let Some(s) = r
        .series
        .resources
        .iter()
        .find(|s| s.name == "listen_backlog")
    {
        let cap = r
            .resources
            .iter()
            .find(|x| x.name == s.name)
            .and_then(|x| x.capacity);
        out.push(Chart::single(
            "backlog".into(),
            format!(
                "Listen backlog: requests waiting for a worker, all pods ({} means)",
                width_words(fine)
            ),
            Panel {
                y_desc: "requests waiting".into(),
                y_top: None,
                lines: vec![Line {
                    label: "waiting".into(),
                    colour: PALETTE[0],
                    points: s
                        .level_mean
                        .iter()
                        .enumerate()
                        .map(|(i, v)| (x.mid_h(i, fine), Some(*v)))
                        .collect(),
                    markers: false,
                }],
                reference: cap.map(|c| Reference {
                    label: format!("capacity: {c} slots"),
                    value: c,
                }),
            },
        ));
    }
    out
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

/// A y label with as many decimals as the axis' scale needs (ticks are ~1/6 of the top).
fn fmt_y(v: f64, top: f64) -> String {
    let decimals = ((-(top / 6.0).log10()).ceil() + 1.0).clamp(0.0, 6.0) as usize;
    let s = format!("{v:.decimals$}");
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

type DrawResult = Result<(), Box<dyn std::error::Error>>;

/// Legend entries laid out in rows across the band above the plot: (x, row) per entry.
fn legend_layout<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    labels: &[String],
    style: &TextStyle,
) -> Vec<(i32, i32)> {
    let (mut x, mut row) = (20, 0);
    labels
        .iter()
        .map(|l| {
            let w = area
                .estimate_text_size(l, style)
                .map_or(8 * l.len() as u32, |s| s.0) as i32
                + 34
                + 26;
            if x + w > WIDTH as i32 - 20 && x > 20 {
                x = 20;
                row += 1;
            }
            let at = (x, row);
            x += w;
            at
        })
        .collect()
}

/// The top of a panel's y axis, and the reference line if it is drawn: a capacity far
/// above the data would flatten it, so it is left off the scale (and the legend says so).
fn panel_scale(p: &Panel) -> (f64, Option<&Reference>) {
    let data_max = p
        .lines
        .iter()
        .flat_map(|l| l.points.iter().filter_map(|p| p.1))
        .fold(0.0f64, f64::max);
    let shown = p
        .reference
        .as_ref()
        .filter(|r| r.value <= 4.0 * data_max.max(1e-9));
    let top = p
        .y_top
        .unwrap_or_else(|| nice_top(shown.map_or(data_max, |r| r.value.max(data_max))));
    (top, shown)
}

/// Title and legend in the band above the plots; returns the band's height.
fn draw_head<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    c: &Chart,
) -> Result<u32, Box<dyn std::error::Error>>
where
    DB::ErrorType: 'static,
{
    // The style must be given when the font is made: plotters' `.style()` keeps the regular
    // glyphs (the SVG would still say bold, the PNG would not).
    let title = ("sans-serif", 22, FontStyle::Bold)
        .into_font()
        .color(&BLACK);
    let legend = ("sans-serif", 17).into_font().color(&RGBColor(40, 40, 40));
    // (label, colour, dashed) of every labelled line and reference line.
    let mut entries: Vec<(String, RGBColor, bool)> = Vec::new();
    for p in &c.panels {
        let shown = panel_scale(p).1.is_some();
        entries.extend(
            p.lines
                .iter()
                .filter(|l| !l.label.is_empty())
                .map(|l| (l.label.clone(), l.colour, false)),
        );
        entries.extend(p.reference.iter().map(|r| {
            let label = if shown {
                r.label.clone()
            } else {
                format!("{}, off the scale", r.label)
            };
            (label, REFERENCE, true)
        }));
    }
    let labels: Vec<String> = entries.iter().map(|e| e.0.clone()).collect();
    let at = legend_layout(root, &labels, &legend);
    root.draw_text(&c.title, &title, (20, 10))?;
    for ((label, colour, dashed), (lx, row)) in entries.iter().zip(&at) {
        let y = 46 + 26 * row;
        if *dashed {
            for s in 0..3 {
                let x0 = lx + s * 11;
                root.draw(&PathElement::new(
                    vec![(x0, y), (x0 + 6, y)],
                    colour.stroke_width(3),
                ))?;
            }
        } else {
            root.draw(&PathElement::new(
                vec![(*lx, y), (lx + 28, y)],
                colour.stroke_width(3),
            ))?;
        }
        root.draw_text(label, &legend, (lx + 34, y - 7))?;
    }
    let rows = at.iter().map(|a| a.1 + 1).max().unwrap_or(0) as u32;
    Ok(if rows == 0 { 40 } else { 44 + 26 * rows })
}

fn draw<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, c: &Chart, x: &XAxis) -> DrawResult
where
    DB::ErrorType: 'static,
{
    root.fill(&WHITE)?;
    let head_h = draw_head(root, c)?;
    let (_, body) = root.split_vertically(head_h);
    let n = c.panels.len().max(1);
    // The bottom panel carries the time labels: give it their height on top of its share.
    let label_h = 56u32;
    let share = (body.dim_in_pixel().1.saturating_sub(label_h)) / n as u32;
    let mut rest = body;
    for (k, p) in c.panels.iter().enumerate() {
        let last = k + 1 == n;
        let area = if last {
            rest.clone()
        } else {
            let (a, b) = rest.split_vertically(share);
            rest = b;
            a
        };
        // Small multiples are short: fewer y labels keep them apart.
        draw_panel(&area, p, x, last, if n > 1 { 5 } else { 6 })?;
    }
    root.present()?;
    Ok(())
}

fn draw_panel<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    p: &Panel,
    x: &XAxis,
    last: bool,
    y_labels: usize,
) -> DrawResult
where
    DB::ErrorType: 'static,
{
    let (y_top, reference_shown) = panel_scale(p);
    let mut chart = ChartBuilder::on(area)
        .margin_left(14)
        .margin_right(48)
        .margin_bottom(if last { 8 } else { 6 })
        .margin_top(14)
        .x_label_area_size(if last { 56 } else { 0 })
        .y_label_area_size(80)
        .build_cartesian_2d(0f64..x.horizon_h / x.step_h, 0f64..y_top)?;
    let fmt_x = |u: &f64| x.clock.format(u * x.step_h * 3600.0, x.label_fmt);
    let fmt_y_top = |v: &f64| fmt_y(*v, y_top);
    let sx = |h: f64| h / x.step_h;
    let mut mesh = chart.configure_mesh();
    mesh.y_desc(p.y_desc.as_str())
        .x_label_formatter(&fmt_x)
        .y_label_formatter(&fmt_y_top)
        .x_labels(x.ticks)
        .y_labels(y_labels)
        .label_style(("sans-serif", 16))
        .axis_desc_style(("sans-serif", 17))
        .bold_line_style(GRID)
        .light_line_style(WHITE)
        .axis_style(RGBColor(90, 90, 90));
    if last {
        mesh.x_desc(x.desc.as_str());
    }
    mesh.draw()?;
    if x.warmup_h > 0.0 {
        chart.draw_series(std::iter::once(Rectangle::new(
            [(0.0, 0.0), (sx(x.warmup_h), y_top)],
            WARMUP.filled(),
        )))?;
        // Named where there is room for the word; the PDF's captions name it always.
        if x.warmup_h / x.horizon_h >= 0.06 {
            chart.draw_series(std::iter::once(Text::new(
                "warm-up",
                (sx(x.warmup_h) * 0.08, y_top * 0.97),
                ("sans-serif", 14)
                    .into_font()
                    .color(&RGBColor(120, 120, 120)),
            )))?;
        }
    }
    if let Some(r) = reference_shown {
        chart.draw_series(DashedLineSeries::new(
            vec![(0.0, r.value), (sx(x.horizon_h), r.value)],
            8,
            6,
            REFERENCE.stroke_width(2),
        ))?;
    }
    for l in &p.lines {
        let style = l.colour.stroke_width(2);
        let mut segment: Vec<(f64, f64)> = Vec::new();
        for pt in l.points.iter().chain(std::iter::once(&(f64::NAN, None))) {
            match pt.1 {
                Some(v) => segment.push((sx(pt.0), v.min(y_top))),
                None if !segment.is_empty() => {
                    chart.draw_series(LineSeries::new(segment.drain(..), style))?;
                }
                None => {}
            }
        }
        if l.markers {
            let dots = l.points.iter().filter_map(|pt| {
                pt.1.map(|v| Circle::new((sx(pt.0), v.min(y_top)), 4, l.colour.filled()))
            });
            chart.draw_series(dots)?;
        }
    }
    Ok(())
}

fn err(stem: &str, e: impl std::fmt::Display) -> RenderError {
    RenderError(format!("chart {stem}: {e}"))
}

/// The chart as an SVG document.
pub fn svg(c: &Chart, r: &SimulationResult) -> Result<String, RenderError> {
    font::register_for_charts();
    let x = XAxis::new(r);
    let mut s = String::new();
    {
        let root = SVGBackend::with_string(&mut s, (WIDTH, c.height())).into_drawing_area();
        draw(&root, c, &x).map_err(|e| err(&c.stem, e))?;
    }
    Ok(s)
}

/// The chart as a PNG image (8-bit RGB), encoded here so the bytes do not depend on an
/// image library's defaults.
pub fn png(c: &Chart, r: &SimulationResult) -> Result<Vec<u8>, RenderError> {
    font::register_for_charts();
    let x = XAxis::new(r);
    let h = c.height();
    let mut buf = vec![0u8; (WIDTH * h * 3) as usize];
    {
        let root = BitMapBackend::with_buffer(&mut buf, (WIDTH, h)).into_drawing_area();
        draw(&root, c, &x).map_err(|e| err(&c.stem, e))?;
    }
    let mut out = Vec::new();
    let mut enc = png::Encoder::new(&mut out, WIDTH, h);
    enc.set_color(png::ColorType::Rgb);
    enc.set_depth(png::BitDepth::Eight);
    enc.set_compression(png::Compression::High);
    let mut w = enc.write_header().map_err(|e| err(&c.stem, e))?;
    w.write_image_data(&buf).map_err(|e| err(&c.stem, e))?;
    w.finish().map_err(|e| err(&c.stem, e))?;
    Ok(out)
}

/// Every chart as `STEM.png` and `STEM.svg`.
pub fn render_all(r: &SimulationResult) -> Result<Vec<OutFile>, RenderError> {
    let mut out = Vec::new();
    for c in charts(r) {
        out.push(OutFile {
            name: format!("{}.png", c.stem),
            bytes: png(&c, r)?,
        });
        out.push(OutFile {
            name: format!("{}.svg", c.stem),
            bytes: svg(&c, r)?.into_bytes(),
        });
    }
    Ok(out)
}
