//! The one font of every report: DejaVu Sans (regular and bold, from the `dejavu` crate,
//! free licence), embedded in the binary so charts and PDFs look the same on a machine
//! without fonts, and never depend on what a machine has installed.
//!
//! plotters measures and draws text with it (registered once as `sans-serif`); usvg and
//! krilla get it from here too, and the PDF's table layout measures text with [`width`].

use std::sync::{Once, OnceLock};

pub fn regular() -> &'static [u8] {
    dejavu::sans::regular()
}

pub fn bold() -> &'static [u8] {
    dejavu::sans::bold()
}

/// Registers the font with plotters, once per process, before the first chart.
pub fn register_for_charts() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        use plotters::style::FontStyle;
        plotters::style::register_font("sans-serif", FontStyle::Normal, regular())
            .unwrap_or_else(|_| panic!("the embedded DejaVu Sans is a valid font"));
        plotters::style::register_font("sans-serif", FontStyle::Bold, bold())
            .unwrap_or_else(|_| panic!("the embedded DejaVu Sans Bold is a valid font"));
    });
}

/// Horizontal advances of the two faces, in font units, with the units per em.
struct Metrics {
    faces: [ttf_parser::Face<'static>; 2],
}

fn metrics() -> &'static Metrics {
    static M: OnceLock<Metrics> = OnceLock::new();
    M.get_or_init(|| Metrics {
        faces: [
            ttf_parser::Face::parse(regular(), 0).expect("embedded font parses"),
            ttf_parser::Face::parse(bold(), 0).expect("embedded font parses"),
        ],
    })
}

/// Width of `text` set at `size` points (no kerning: tables leave room for it).
pub fn width(text: &str, size: f32, bold: bool) -> f32 {
    let face = &metrics().faces[usize::from(bold)];
    let upem = f32::from(face.units_per_em());
    let units: u32 = text
        .chars()
        .map(|c| {
            face.glyph_index(c)
                .and_then(|g| face.glyph_hor_advance(g))
                .map_or(0, u32::from)
        })
        .sum();
    units as f32 * size / upem
}

#[cfg(test)]
mod tests {
    #[test]
    fn wider_text_measures_wider() {
        let a = super::width("checkout", 10.0, false);
        assert!(a > 30.0 && a < 60.0, "{a}");
        assert!(super::width("checkout", 10.0, true) > a);
        assert!((super::width("checkout", 20.0, false) - 2.0 * a).abs() < 1e-3);
    }
}
