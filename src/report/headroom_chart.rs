//! The headroom curve: each class's p95 latency against the load, both on log scales,
//! with the headroom and the scenario's own load marked. Every figure comes from the
//! study; the chart only places it.

use super::charts::{HEIGHT, PALETTE, WIDTH, encode_png};
use super::{OutFile, RenderError, font};
use crate::result::headroom::Headroom;
use plotters::prelude::*;

const HEADROOM: RGBColor = RGBColor(0, 130, 60);
const AS_WRITTEN: RGBColor = RGBColor(110, 110, 110);

type DrawResult = Result<(), Box<dyn std::error::Error>>;

/// Each class's (log2 load, log10 p95 ms) where it has a p95.
fn series(h: &Headroom) -> Vec<(String, Vec<(f64, f64)>)> {
    let names: Vec<&str> = h.classes.iter().map(|c| c.class.as_str()).collect();
    names
        .iter()
        .map(|name| {
            let points = h
                .points
                .iter()
                .filter_map(|p| {
                    let c = p.classes.iter().find(|c| c.class == *name)?;
                    let p95 = c.latency_s_p95.filter(|v| *v > 0.0)?;
                    Some((p.load.log2(), (p95 * 1e3).log10()))
                })
                .collect();
            (name.to_string(), points)
        })
        .collect()
}

/// `×0.25`, `×1`, `×4` for a log2 load.
fn load_label(x: &f64) -> String {
    let v = 2f64.powf(*x);
    if v >= 1.0 {
        format!("×{v:.0}")
    } else {
        format!("×{v:.2}")
    }
}

/// `10 ms`, `1 s` for a log10 of milliseconds.
fn ms_label(y: &f64) -> String {
    let ms = 10f64.powf(*y);
    if ms >= 1000.0 {
        format!("{:.0} s", ms / 1000.0)
    } else {
        format!("{ms:.0} ms")
    }
}

fn draw<DB: DrawingBackend>(
    root: &DrawingArea<DB, plotters::coord::Shift>,
    h: &Headroom,
) -> DrawResult
where
    DB::ErrorType: 'static,
{
    root.fill(&WHITE)?;
    let lines = series(h);
    let xs = h.points.iter().map(|p| p.load.log2());
    let (x0, x1) = xs.fold((0f64, 0f64), |(a, b), x| (a.min(x), b.max(x)));
    let ys = lines.iter().flat_map(|(_, p)| p.iter().map(|q| q.1));
    let (y0, y1) = ys.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), y| {
        (a.min(y), b.max(y))
    });
    let (y0, y1) = if y0.is_finite() {
        (y0.floor(), y1.ceil().max(y0.floor() + 1.0))
    } else {
        (0.0, 3.0)
    };
    let mut chart = ChartBuilder::on(root)
        .caption(
            format!("{}: p95 latency against load", h.scenario),
            ("sans-serif", 22).into_font(),
        )
        .margin(16)
        .x_label_area_size(44)
        .y_label_area_size(80)
        .build_cartesian_2d(x0.floor()..x1.ceil(), y0..y1)?;
    chart
        .configure_mesh()
        .x_labels(((x1.ceil() - x0.floor()) as usize + 1).min(12))
        .y_labels(((y1 - y0) as usize + 1).min(8))
        .x_label_formatter(&load_label)
        .y_label_formatter(&ms_label)
        .x_desc("load (multiplier of the scenario's rates and users, log scale)")
        .y_desc("p95 latency (log scale)")
        .label_style(("sans-serif", 15))
        .light_line_style(RGBColor(235, 235, 235))
        .draw()?;
    let vertical = |x: f64, colour: RGBColor| {
        DashedLineSeries::new([(x, y0), (x, y1)], 8, 5, colour.stroke_width(2))
    };
    chart
        .draw_series(vertical(0.0, AS_WRITTEN))?
        .label("as written (×1)")
        .legend(move |(x, y)| PathElement::new([(x, y), (x + 20, y)], AS_WRITTEN.stroke_width(2)));
    if let Some(p) = h.overall.as_ref().and_then(|b| b.passes) {
        chart
            .draw_series(vertical(p.log2(), HEADROOM))?
            .label(format!("headroom ×{p:.2}"))
            .legend(move |(x, y)| {
                PathElement::new([(x, y), (x + 20, y)], HEADROOM.stroke_width(2))
            });
    }
    for (i, (name, points)) in lines.iter().enumerate() {
        let colour = PALETTE[i % PALETTE.len()];
        chart
            .draw_series(
                LineSeries::new(points.iter().copied(), colour.stroke_width(2)).point_size(3),
            )?
            .label(name.clone())
            .legend(move |(x, y)| PathElement::new([(x, y), (x + 20, y)], colour.stroke_width(2)));
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperLeft)
        .background_style(WHITE.mix(0.85))
        .border_style(RGBColor(200, 200, 200))
        .label_font(("sans-serif", 15))
        .draw()?;
    root.present()?;
    Ok(())
}

fn failed(e: impl std::fmt::Display) -> RenderError {
    RenderError(format!("the headroom chart could not be drawn: {e}"))
}

/// The headroom curve as SVG (also what the PDF embeds).
pub fn svg(h: &Headroom) -> Result<String, RenderError> {
    font::register_for_charts();
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (WIDTH, HEIGHT)).into_drawing_area();
        draw(&root, h).map_err(failed)?;
    }
    Ok(svg)
}

/// `headroom.png` and `headroom.svg`.
pub fn files(h: &Headroom) -> Result<Vec<OutFile>, RenderError> {
    let svg = svg(h)?;
    let mut rgb = vec![0u8; (WIDTH * HEIGHT * 3) as usize];
    {
        let root = BitMapBackend::with_buffer(&mut rgb, (WIDTH, HEIGHT)).into_drawing_area();
        draw(&root, h).map_err(failed)?;
    }
    Ok(vec![
        OutFile {
            name: "headroom.png".into(),
            bytes: encode_png("headroom", &rgb, WIDTH, HEIGHT)?,
        },
        OutFile {
            name: "headroom.svg".into(),
            bytes: svg.into_bytes(),
        },
    ])
}
