//! Drawing a [`Chart`] with plotters, once for both backends: the title, a note, the
//! legend and the calendar's events in a band above the plot (where they can never cover
//! the data), then each panel — warm-up and events shaded, reference lines, the lines.

use super::{Band, Chart, Line, Panel, RefKind, Reference, Style, WIDTH, XAxis};
use crate::report::font;
use crate::report::{OutFile, RenderError};
use crate::result::SimulationResult;
use plotters::coord::Shift;
use plotters::prelude::*;

const GRID: RGBColor = RGBColor(225, 225, 225);
const WARMUP: RGBColor = RGBColor(242, 242, 242);
const CAPACITY: RGBColor = RGBColor(160, 0, 0);
const TARGET: RGBColor = RGBColor(120, 40, 160);
const THRESHOLD: RGBColor = RGBColor(200, 40, 40);
const NOTE: RGBColor = RGBColor(90, 90, 90);
/// Tints of the calendar events (light enough that the lines stay readable).
const EVENT_TINTS: [RGBColor; 4] = [
    RGBColor(255, 200, 120),
    RGBColor(150, 200, 255),
    RGBColor(170, 225, 170),
    RGBColor(220, 180, 235),
];
/// How strongly an event tints a panel.
const EVENT_ALPHA: f64 = 0.22;
/// The plot area's pixel columns: the panels' left margin plus the y-label area, and the
/// right margin (set in `draw_panel`).
const PLOT_LEFT: i32 = 14 + 80;
const PLOT_RIGHT: i32 = WIDTH as i32 - 48;
/// Event lanes above the plot: more overlapping events share the last lane.
const MAX_LANES: usize = 4;

type DrawResult = Result<(), Box<dyn std::error::Error>>;

/// Colour, dash and gap (pixels) of a reference line.
fn ref_style(k: RefKind) -> (RGBColor, i32, i32) {
    match k {
        RefKind::Capacity => (CAPACITY, 8, 6),
        RefKind::Target => (TARGET, 14, 5),
        RefKind::Threshold => (THRESHOLD, 3, 4),
    }
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
            let w = text_w(area, l, style) + 34 + 26;
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

fn text_w<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, t: &str, s: &TextStyle) -> i32 {
    area.estimate_text_size(t, s)
        .map_or(8 * t.len() as u32, |s| s.0) as i32
}

/// A legend entry: (label, colour, dash and gap — `None` for a solid line).
type Entry = (String, RGBColor, Option<(i32, i32)>);

/// Every labelled line and reference line of the chart, each reference once.
fn legend_entries(c: &Chart) -> Vec<Entry> {
    let mut entries: Vec<Entry> = Vec::new();
    for p in &c.panels {
        let shown = p.scale().1;
        entries.extend(
            p.lines
                .iter()
                .filter(|l| !l.label.is_empty())
                .map(|l| (l.label.clone(), l.colour, None)),
        );
        for r in &p.references {
            let on = shown.iter().any(|s| std::ptr::eq(*s, r));
            let label = if on {
                r.label.clone()
            } else {
                format!("{}, off the scale", r.label)
            };
            let (colour, dash, gap) = ref_style(r.kind);
            if !entries.iter().any(|e| e.0 == label) {
                entries.push((label, colour, Some((dash, gap))));
            }
        }
    }
    entries
}

/// Title, note, legend and event strip in the band above the plots; returns its height.
fn draw_head<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    c: &Chart,
    x: &XAxis,
) -> Result<u32, Box<dyn std::error::Error>>
where
    DB::ErrorType: 'static,
{
    // The style must be given when the font is made: plotters' `.style()` keeps the regular
    // glyphs (the SVG would still say bold, the PNG would not).
    let title = ("sans-serif", 22, FontStyle::Bold)
        .into_font()
        .color(&BLACK);
    root.draw_text(&c.title, &title, (20, 10))?;
    let mut y = 40;
    if let Some(note) = &c.note {
        let style = ("sans-serif", 15).into_font().color(&NOTE);
        root.draw_text(note, &style, (20, y))?;
        y += 22;
    }
    y = draw_legend(root, &legend_entries(c), y)?;
    y = draw_event_strip(root, &c.events, x, y)?;
    Ok(y as u32 + 4)
}

/// The legend in rows from `top`; returns the y below it.
fn draw_legend<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    entries: &[Entry],
    top: i32,
) -> Result<i32, Box<dyn std::error::Error>>
where
    DB::ErrorType: 'static,
{
    let legend = ("sans-serif", 17).into_font().color(&RGBColor(40, 40, 40));
    let labels: Vec<String> = entries.iter().map(|e| e.0.clone()).collect();
    let at = legend_layout(root, &labels, &legend);
    for ((label, colour, dash), (lx, row)) in entries.iter().zip(&at) {
        let y = top + 6 + 26 * row;
        let sample = match dash {
            Some((d, g)) => (0..)
                .map(|k| lx + k * (d + g))
                .take_while(|x0| *x0 < lx + 28)
                .map(|x0| vec![(x0, y), ((x0 + d).min(lx + 28), y)])
                .collect(),
            None => vec![vec![(*lx, y), (lx + 28, y)]],
        };
        for seg in sample {
            root.draw(&PathElement::new(seg, colour.stroke_width(3)))?;
        }
        root.draw_text(label, &legend, (lx + 34, y - 7))?;
    }
    let rows = at.iter().map(|a| a.1 + 1).max().unwrap_or(0);
    Ok(top + 26 * rows)
}

/// Pixel column of `h` hours on the plot's x axis.
fn px(h: f64, x: &XAxis) -> i32 {
    PLOT_LEFT + ((h / x.horizon_h) * f64::from(PLOT_RIGHT - PLOT_LEFT)).round() as i32
}

/// Each event as a tinted bar over its hours, named beside it, in the first lane where
/// it overlaps nothing; returns the y below the lanes.
fn draw_event_strip<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    events: &[Band],
    x: &XAxis,
    top: i32,
) -> Result<i32, Box<dyn std::error::Error>>
where
    DB::ErrorType: 'static,
{
    if events.is_empty() {
        return Ok(top);
    }
    let style = ("sans-serif", 14).into_font().color(&RGBColor(50, 50, 50));
    let mut lanes: Vec<i32> = Vec::new(); // rightmost pixel used per lane
    for (k, e) in events.iter().enumerate() {
        let (x0, x1) = (px(e.start_h, x), px(e.end_h, x).max(px(e.start_h, x) + 3));
        let w = text_w(root, &e.name, &style);
        // Inside the bar when it fits, else after it, else before it.
        let tx = if x1 - x0 >= w + 8 {
            x0 + 4
        } else if x1 + 4 + w <= WIDTH as i32 - 4 {
            x1 + 4
        } else {
            (x0 - 4 - w).max(4)
        };
        let (left, right) = (x0.min(tx), x1.max(tx + w));
        let lane = lanes
            .iter()
            .position(|used| *used + 8 < left)
            .unwrap_or(lanes.len().min(MAX_LANES - 1));
        if lane == lanes.len() {
            lanes.push(right);
        } else {
            lanes[lane] = lanes[lane].max(right);
        }
        let y = top + 4 + 22 * lane as i32;
        let tint = EVENT_TINTS[k % EVENT_TINTS.len()];
        root.draw(&Rectangle::new([(x0, y), (x1, y + 18)], tint.filled()))?;
        root.draw_text(&e.name, &style, (tx, y + 2))?;
    }
    Ok(top + 4 + 22 * lanes.len() as i32)
}

pub(super) fn draw<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    c: &Chart,
    x: &XAxis,
) -> DrawResult
where
    DB::ErrorType: 'static,
{
    root.fill(&WHITE)?;
    let head_h = draw_head(root, c, x)?;
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
        draw_panel(&area, p, &c.events, x, last, if n > 1 { 5 } else { 6 })?;
    }
    root.present()?;
    Ok(())
}

type Plot<'a, DB> = ChartContext<
    'a,
    DB,
    Cartesian2d<plotters::coord::types::RangedCoordf64, plotters::coord::types::RangedCoordf64>,
>;

fn draw_panel<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    p: &Panel,
    events: &[Band],
    x: &XAxis,
    last: bool,
    y_labels: usize,
) -> DrawResult
where
    DB::ErrorType: 'static,
{
    let (y_top, shown) = p.scale();
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
    draw_shading(&mut chart, events, x, y_top)?;
    for r in shown {
        draw_reference(&mut chart, r, x)?;
    }
    for l in &p.lines {
        draw_line(&mut chart, l, x, y_top)?;
    }
    Ok(())
}

/// The warm-up in grey (named where there is room), each event in its tint.
fn draw_shading<DB: DrawingBackend>(
    chart: &mut Plot<'_, DB>,
    events: &[Band],
    x: &XAxis,
    y_top: f64,
) -> DrawResult
where
    DB::ErrorType: 'static,
{
    let sx = |h: f64| h / x.step_h;
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
    for (k, e) in events.iter().enumerate() {
        let tint = EVENT_TINTS[k % EVENT_TINTS.len()].mix(EVENT_ALPHA);
        chart.draw_series(std::iter::once(Rectangle::new(
            [(sx(e.start_h), 0.0), (sx(e.end_h), y_top)],
            tint.filled(),
        )))?;
    }
    Ok(())
}

fn draw_reference<DB: DrawingBackend>(
    chart: &mut Plot<'_, DB>,
    r: &Reference,
    x: &XAxis,
) -> DrawResult
where
    DB::ErrorType: 'static,
{
    let (colour, dash, gap) = ref_style(r.kind);
    let (a, b) = r.span_h.unwrap_or((0.0, x.horizon_h));
    let (a, b) = (a.max(0.0) / x.step_h, b.min(x.horizon_h) / x.step_h);
    // A target drawn over one event is short: a thicker stroke keeps it visible.
    let width = if r.kind == RefKind::Target { 3 } else { 2 };
    chart.draw_series(DashedLineSeries::new(
        vec![(a, r.value), (b, r.value)],
        dash as u32,
        gap as u32,
        colour.stroke_width(width),
    ))?;
    Ok(())
}

/// A line in runs between gaps; each run is cut where it turns sharply (in pixels), as
/// plotters joins thick segments with mitres whose inner corner runs far off at a
/// near-reversal (the stray vertical strokes under a spiky series).
fn draw_line<DB: DrawingBackend>(
    chart: &mut Plot<'_, DB>,
    l: &Line,
    x: &XAxis,
    y_top: f64,
) -> DrawResult
where
    DB::ErrorType: 'static,
{
    let style = l.colour.stroke_width(2);
    let sx = |h: f64| h / x.step_h;
    // A run's points, each with its pixel; a point on the previous one's pixel is
    // dropped (a segment without length has no direction to join).
    let mut run: Vec<((f64, f64), (i32, i32))> = Vec::new();
    for pt in l.points.iter().chain(std::iter::once(&(f64::NAN, None))) {
        match pt.1 {
            Some(v) => {
                let at = (sx(pt.0), v.min(y_top));
                let pixel = chart.backend_coord(&at);
                if run.last().is_none_or(|last| last.1 != pixel) {
                    run.push((at, pixel));
                }
            }
            None if !run.is_empty() => {
                let pixels: Vec<(i32, i32)> = run.iter().map(|p| p.1).collect();
                for piece in smooth_pieces(&pixels) {
                    let points = run[piece].iter().map(|p| p.0);
                    chart.draw_series(LineSeries::new(points, style))?;
                }
                run.clear();
            }
            None => {}
        }
    }
    if l.style == Style::Markers {
        let dots = l.points.iter().filter_map(|pt| {
            pt.1.map(|v| Circle::new((sx(pt.0), v.min(y_top)), 4, l.colour.filled()))
        });
        chart.draw_series(dots)?;
    }
    Ok(())
}

/// Index ranges of a polyline (in pixels) cut at every vertex where it turns by more
/// than 90° or where a segment has no length; consecutive pieces share that vertex.
pub(super) fn smooth_pieces(p: &[(i32, i32)]) -> Vec<std::ops::Range<usize>> {
    let mut out = Vec::new();
    let mut start = 0;
    for i in 1..p.len().saturating_sub(1) {
        let (a, b) = (delta(p[i - 1], p[i]), delta(p[i], p[i + 1]));
        let dot = a.0 * b.0 + a.1 * b.1;
        if dot <= 0 {
            out.push(start..i + 1);
            start = i;
        }
    }
    out.push(start..p.len());
    out
}

fn delta(a: (i32, i32), b: (i32, i32)) -> (i64, i64) {
    (i64::from(b.0 - a.0), i64::from(b.1 - a.1))
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
    encode_png(&c.stem, &buf, WIDTH, h)
}

/// An 8-bit RGB buffer of `width` × `height` pixels as PNG bytes.
pub fn encode_png(stem: &str, rgb: &[u8], width: u32, height: u32) -> Result<Vec<u8>, RenderError> {
    let mut out = Vec::new();
    let mut enc = png::Encoder::new(&mut out, width, height);
    enc.set_color(png::ColorType::Rgb);
    enc.set_depth(png::BitDepth::Eight);
    enc.set_compression(png::Compression::High);
    let mut w = enc.write_header().map_err(|e| err(stem, e))?;
    w.write_image_data(rgb).map_err(|e| err(stem, e))?;
    w.finish().map_err(|e| err(stem, e))?;
    Ok(out)
}

/// Every chart as `STEM.png` and `STEM.svg`.
pub fn render_all(r: &SimulationResult) -> Result<Vec<OutFile>, RenderError> {
    let mut out = Vec::new();
    for c in super::charts(r) {
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
