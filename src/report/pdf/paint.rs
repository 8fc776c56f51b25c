//! Painting the laid-out pages with krilla: text in the embedded font, rules, shaded
//! boxes and the charts' SVGs (through krilla-svg, with a font database holding only the
//! embedded font), a footer with page numbers, and the document's metadata dated at the
//! scenario start — never the wall clock.

use super::super::RenderError;
use super::super::font;
use super::super::time::Clock;
use super::layout::{self, Ink, Op};
use crate::result::SimulationResult;
use krilla::color::rgb;
use krilla::geom::{PathBuilder, Point, Rect, Size, Transform};
use krilla::num::NormalizedF32;
use krilla::page::PageSettings;
use krilla::paint::{Fill, Stroke};
use krilla::surface::Surface;
use krilla::text::{Font, TextDirection};
use krilla::{Data, Document};
use krilla_svg::{SurfaceExt, SvgSettings};
use std::sync::Arc;

fn rgb_of(ink: Ink) -> rgb::Color {
    match ink {
        Ink::Black => rgb::Color::new(20, 20, 20),
        Ink::Grey => rgb::Color::new(100, 100, 100),
        Ink::Accent => rgb::Color::new(0, 84, 140),
        Ink::Shade => rgb::Color::new(238, 242, 246),
        Ink::Alert => rgb::Color::new(176, 0, 0),
        Ink::AlertShade => rgb::Color::new(253, 228, 228),
        Ink::Caution => rgb::Color::new(150, 84, 0),
    }
}

fn fill(ink: Ink) -> Fill {
    Fill {
        paint: rgb_of(ink).into(),
        opacity: NormalizedF32::ONE,
        rule: Default::default(),
    }
}

/// A chart's SVG parsed for krilla-svg, its text in the embedded font only.
pub fn svg_tree(svg: &str) -> Result<usvg::Tree, RenderError> {
    let mut db = usvg::fontdb::Database::new();
    db.load_font_data(font::regular().to_vec());
    db.load_font_data(font::bold().to_vec());
    db.set_sans_serif_family("DejaVu Sans");
    let opts = usvg::Options {
        font_family: "DejaVu Sans".into(),
        fontdb: Arc::new(db),
        ..Default::default()
    };
    usvg::Tree::from_str(svg, &opts).map_err(|e| RenderError(format!("chart SVG: {e}")))
}

/// What every page is painted with.
struct Kit<'a> {
    regular: Font,
    bold: Font,
    trees: &'a [usvg::Tree],
}

/// The document's metadata: title, creator, and the scenario start as its date.
fn metadata(r: &SimulationResult, clock: &Clock) -> krilla::metadata::Metadata {
    let mut meta = krilla::metadata::Metadata::new()
        .title(format!("Capacity review: {}", r.scenario.name))
        .creator(format!("peakplan {}", r.peakplan_version))
        .language("en".into());
    if let Some((y, mo, d, h, mi)) = clock.start_parts() {
        let date = krilla::metadata::DateTime::new(y.clamp(0, 9999) as u16)
            .month(mo as u8)
            .day(d as u8)
            .hour(h as u8)
            .minute(mi as u8);
        meta = meta.creation_date(date);
    }
    meta
}

/// Paints the laid-out pages, with a footer and page numbers.
pub fn paint(
    r: &SimulationResult,
    pages: &[Vec<Op>],
    trees: &[usvg::Tree],
    clock: &Clock,
) -> Result<Vec<u8>, RenderError> {
    let font = |data: &'static [u8]| {
        Font::new(Data::from(data), 0).ok_or_else(|| RenderError("font".into()))
    };
    let kit = Kit {
        regular: font(font::regular())?,
        bold: font(font::bold())?,
        trees,
    };
    let mut doc = Document::new();
    doc.set_metadata(metadata(r, clock));
    let n = pages.len();
    for (i, ops) in pages.iter().enumerate() {
        let settings =
            PageSettings::from_wh(layout::PAGE_W, layout::PAGE_H).expect("A4 is a valid size");
        let mut page = doc.start_page_with(settings);
        let mut s = page.surface();
        let footer = Op::Text {
            x: layout::MARGIN,
            y: layout::PAGE_H - 34.0,
            size: 8.0,
            bold: false,
            ink: Ink::Grey,
            text: format!(
                "peakplan capacity review · {} · page {} of {}",
                r.scenario.name,
                i + 1,
                n
            ),
        };
        for op in ops.iter().chain(std::iter::once(&footer)) {
            draw_op(&mut s, op, &kit);
        }
        s.finish();
        page.finish();
    }
    doc.finish().map_err(|e| RenderError(format!("PDF: {e:?}")))
}

fn draw_op(s: &mut Surface, op: &Op, kit: &Kit) {
    match op {
        Op::Text {
            x,
            y,
            size,
            bold,
            ink,
            text,
        } => {
            s.set_fill(Some(fill(*ink)));
            let f = if *bold { &kit.bold } else { &kit.regular };
            s.draw_text(
                Point::from_xy(*x, *y),
                f.clone(),
                *size,
                text,
                false,
                TextDirection::Auto,
            );
        }
        Op::Rule {
            x,
            y,
            w,
            width,
            ink,
        } => {
            let mut pb = PathBuilder::new();
            pb.move_to(*x, *y);
            pb.line_to(x + w, *y);
            if let Some(path) = pb.finish() {
                s.set_fill(None);
                s.set_stroke(Some(Stroke {
                    paint: rgb_of(*ink).into(),
                    width: *width,
                    ..Default::default()
                }));
                s.draw_path(&path);
                s.set_stroke(None);
            }
        }
        Op::Rect { x, y, w, h, ink } => {
            let mut pb = PathBuilder::new();
            if let Some(rect) = Rect::from_xywh(*x, *y, *w, *h) {
                pb.push_rect(rect);
            }
            if let Some(path) = pb.finish() {
                s.set_stroke(None);
                s.set_fill(Some(fill(*ink)));
                s.draw_path(&path);
            }
        }
        Op::Chart { index, x, y, w, h } => {
            let size = Size::from_wh(*w, *h).expect("chart box is not empty");
            s.push_transform(&Transform::from_translate(*x, *y));
            s.draw_svg(&kit.trees[*index], size, SvgSettings::default());
            s.pop();
        }
    }
}
