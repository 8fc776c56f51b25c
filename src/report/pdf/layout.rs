//! A tiny page layout for the PDF: krilla draws glyphs and paths but has no layout engine,
//! so this flows headings, wrapped paragraphs, key–value lists, tables and charts down A4
//! pages, measuring text with the embedded font. It produces a display list per page
//! ([`Op`]s); `pdf/mod.rs` paints it once the page count is known (for "page i of n").
//!
//! Coordinates are PDF points with the origin at the top left (krilla's convention); text
//! is placed by its baseline.

use super::super::font;

pub const PAGE_W: f32 = 595.0;
pub const PAGE_H: f32 = 842.0;
pub const MARGIN: f32 = 56.0;
/// Lowest baseline for content; the footer lives below.
const BOTTOM: f32 = PAGE_H - 64.0;
pub const CONTENT_W: f32 = PAGE_W - 2.0 * MARGIN;

/// Grey levels used for text, rules and shading.
#[derive(Clone, Copy, Debug)]
pub enum Ink {
    Black,
    Grey,
    Accent,
    Shade,
}

#[derive(Clone, Debug)]
pub enum Op {
    Text {
        x: f32,
        y: f32,
        size: f32,
        bold: bool,
        ink: Ink,
        text: String,
    },
    Rule {
        x: f32,
        y: f32,
        w: f32,
        width: f32,
        ink: Ink,
    },
    Rect {
        x: f32,
        y: f32,
        w: f32,
        h: f32,
        ink: Ink,
    },
    /// Chart number `index`, scaled into the box.
    Chart {
        index: usize,
        x: f32,
        y: f32,
        w: f32,
        h: f32,
    },
}

/// Column alignment in a table.
#[derive(Clone, Copy, PartialEq)]
pub enum Align {
    Left,
    Right,
}

/// Content flowing down pages.
pub struct Flow {
    pub pages: Vec<Vec<Op>>,
    /// Top of the free space on the current page.
    y: f32,
}

impl Flow {
    pub fn new() -> Flow {
        Flow {
            pages: vec![Vec::new()],
            y: MARGIN,
        }
    }

    fn ops(&mut self) -> &mut Vec<Op> {
        self.pages.last_mut().expect("a page")
    }

    pub fn new_page(&mut self) {
        if !self.ops().is_empty() {
            self.pages.push(Vec::new());
        }
        self.y = MARGIN;
    }

    /// Starts a new page unless `h` points still fit.
    fn ensure(&mut self, h: f32) {
        if self.y + h > BOTTOM {
            self.new_page();
        }
    }

    pub fn space(&mut self, h: f32) {
        self.y += h;
    }

    /// One line of text at the cursor, then the cursor moves down by the line height.
    pub fn line(&mut self, text: &str, size: f32, bold: bool, ink: Ink) {
        self.ensure(size * 1.4);
        let y = self.y + size;
        self.ops().push(Op::Text {
            x: MARGIN,
            y,
            size,
            bold,
            ink,
            text: text.into(),
        });
        self.y += size * 1.45;
    }

    pub fn heading(&mut self, text: &str) {
        self.ensure(60.0);
        if self.y > MARGIN {
            self.y += 10.0;
        }
        self.line(text, 15.0, true, Ink::Accent);
        let y = self.y - 4.0;
        self.ops().push(Op::Rule {
            x: MARGIN,
            y,
            w: CONTENT_W,
            width: 0.8,
            ink: Ink::Accent,
        });
        self.y += 6.0;
    }

    pub fn subheading(&mut self, text: &str) {
        self.ensure(40.0);
        self.y += 4.0;
        self.line(text, 11.5, true, Ink::Black);
    }

    /// A paragraph wrapped to the content width.
    pub fn paragraph(&mut self, text: &str, size: f32) {
        let mut line = String::new();
        for word in text.split_whitespace() {
            let candidate = if line.is_empty() {
                word.to_string()
            } else {
                format!("{line} {word}")
            };
            if font::width(&candidate, size, false) > CONTENT_W && !line.is_empty() {
                self.line(&line, size, false, Ink::Black);
                line = word.to_string();
            } else {
                line = candidate;
            }
        }
        if !line.is_empty() {
            self.line(&line, size, false, Ink::Black);
        }
        self.y += size * 0.5;
    }

    /// Label–value pairs in two columns; a value too wide for its column wraps onto
    /// further lines under itself.
    pub fn key_values(&mut self, rows: &[(String, String)], size: f32) {
        let key_w = rows
            .iter()
            .map(|r| font::width(&r.0, size, true))
            .fold(0.0, f32::max)
            + 14.0;
        for (k, v) in rows {
            // A row is kept on one page.
            let lines = wrap(v, size, CONTENT_W - key_w);
            self.ensure(size * 1.6 + (lines.len() - 1) as f32 * size * 1.3);
            let y = self.y + size;
            self.ops().push(Op::Text {
                x: MARGIN,
                y,
                size,
                bold: true,
                ink: Ink::Black,
                text: k.clone(),
            });
            for (i, line) in lines.into_iter().enumerate() {
                if i > 0 {
                    self.y += size * 1.3;
                }
                let y = self.y + size;
                self.ops().push(Op::Text {
                    x: MARGIN + key_w,
                    y,
                    size,
                    bold: false,
                    ink: Ink::Black,
                    text: line,
                });
            }
            self.y += size * 1.6;
        }
        self.y += size * 0.5;
    }

    /// A table: bold header with a rule, light stripes, columns sized to their widest cell
    /// and the font shrunk (down to 6.5 pt) until the table fits the page width. The header
    /// is repeated when the table continues on a new page.
    pub fn table(&mut self, header: &[&str], rows: &[Vec<String>], align: &[Align]) {
        let pad = 8.0;
        let mut size: f32 = 9.0;
        let widths = loop {
            let w: Vec<f32> = (0..header.len())
                .map(|c| {
                    let cells = rows.iter().map(|r| font::width(&r[c], size, false));
                    cells.fold(font::width(header[c], size, true), f32::max) + pad
                })
                .collect();
            if w.iter().sum::<f32>() <= CONTENT_W || size <= 6.5 {
                break w;
            }
            size -= 0.25;
        };
        let row_h = size * 1.75;
        let draw_header = |f: &mut Flow| {
            let y = f.y + size * 1.2;
            let mut x = MARGIN;
            for (c, h) in header.iter().enumerate() {
                let tx = match align[c] {
                    Align::Left => x,
                    Align::Right => x + widths[c] - pad - font::width(h, size, true),
                };
                f.ops().push(Op::Text {
                    x: tx,
                    y,
                    size,
                    bold: true,
                    ink: Ink::Black,
                    text: h.to_string(),
                });
                x += widths[c];
            }
            let total: f32 = widths.iter().sum();
            let ry = f.y + row_h;
            f.ops().push(Op::Rule {
                x: MARGIN,
                y: ry,
                w: total - pad,
                width: 0.6,
                ink: Ink::Black,
            });
            f.y += row_h + 2.0;
        };
        self.ensure(row_h * 3.0);
        draw_header(self);
        for (i, r) in rows.iter().enumerate() {
            if self.y + row_h > BOTTOM {
                self.new_page();
                draw_header(self);
            }
            let total: f32 = widths.iter().sum();
            if i % 2 == 1 {
                let y = self.y;
                self.ops().push(Op::Rect {
                    x: MARGIN - 2.0,
                    y,
                    w: total - pad + 4.0,
                    h: row_h,
                    ink: Ink::Shade,
                });
            }
            let y = self.y + size * 1.25;
            let mut x = MARGIN;
            for (c, cell) in r.iter().enumerate() {
                let tx = match align[c] {
                    Align::Left => x,
                    Align::Right => x + widths[c] - pad - font::width(cell, size, false),
                };
                self.ops().push(Op::Text {
                    x: tx,
                    y,
                    size,
                    bold: false,
                    ink: Ink::Black,
                    text: cell.clone(),
                });
                x += widths[c];
            }
            self.y += row_h;
        }
        self.y += 10.0;
    }

    /// A chart scaled to the content width, with a caption below.
    pub fn chart(&mut self, index: usize, aspect: f32, caption: &str) {
        let h = CONTENT_W / aspect;
        self.ensure(h + 30.0);
        let y = self.y;
        self.ops().push(Op::Chart {
            index,
            x: MARGIN,
            y,
            w: CONTENT_W,
            h,
        });
        self.y += h + 4.0;
        self.line(caption, 8.5, false, Ink::Grey);
        self.y += 10.0;
    }
}

/// `text` cut at spaces into lines no wider than `width` (a single word wider than it
/// keeps a line of its own).
fn wrap(text: &str, size: f32, width: f32) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split(' ') {
        let candidate = if line.is_empty() {
            word.to_string()
        } else {
            format!("{line} {word}")
        };
        if font::width(&candidate, size, false) > width && !line.is_empty() {
            lines.push(std::mem::replace(&mut line, word.to_string()));
        } else {
            line = candidate;
        }
    }
    lines.push(line);
    lines
}
