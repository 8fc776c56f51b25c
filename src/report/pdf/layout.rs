//! A tiny page layout for the PDF: krilla draws glyphs and paths but has no layout engine,
//! so this flows headings, wrapped paragraphs, key–value lists, tables and charts down A4
//! pages, measuring text with the embedded font. It produces a display list per page
//! ([`Op`]s); `paint.rs` paints it once the page count is known (for "page i of n").
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

/// Colours used for text, rules and shading.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Ink {
    Black,
    Grey,
    Accent,
    Shade,
    /// What needs action: a breaking objective.
    Alert,
    /// The band behind an alert row.
    AlertShade,
    /// What needs a look: an undecided objective.
    Caution,
}

/// How a table row is marked: plain, or in bold colour so it stands out.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Mark {
    Plain,
    /// Bold red on a pale red band.
    Alert,
    /// Bold amber.
    Caution,
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

    /// A bold line kept on the page with at least a table header and two rows below it.
    pub fn subheading(&mut self, text: &str) {
        self.ensure(72.0);
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
        self.table_marked(header, rows, align, &[]);
    }

    /// A table whose rows are marked (`marks[i]` for row `i`; missing marks are plain).
    pub fn table_marked(
        &mut self,
        header: &[&str],
        rows: &[Vec<String>],
        align: &[Align],
        marks: &[Mark],
    ) {
        let bold = marks.iter().any(|m| *m != Mark::Plain);
        let t = Grid::fit(header, rows, align, bold);
        self.ensure(t.row_h * 3.0);
        self.table_header(&t, header);
        for (i, r) in rows.iter().enumerate() {
            if self.y + t.row_h > BOTTOM {
                self.new_page();
                self.table_header(&t, header);
            }
            let mark = marks.get(i).copied().unwrap_or(Mark::Plain);
            self.table_row(&t, r, i, mark);
        }
        self.y += 10.0;
    }

    fn table_header(&mut self, t: &Grid, header: &[&str]) {
        let cells: Vec<String> = header.iter().map(|h| h.to_string()).collect();
        let y = self.y + t.size * 1.2;
        self.cells(t, &cells, y, true, Ink::Black);
        let ry = self.y + t.row_h;
        self.ops().push(Op::Rule {
            x: MARGIN,
            y: ry,
            w: t.total() - GRID_PAD,
            width: 0.6,
            ink: Ink::Black,
        });
        self.y += t.row_h + 2.0;
    }

    fn table_row(&mut self, t: &Grid, r: &[String], i: usize, mark: Mark) {
        let band = match mark {
            Mark::Alert => Some(Ink::AlertShade),
            _ if i % 2 == 1 => Some(Ink::Shade),
            _ => None,
        };
        if let Some(ink) = band {
            let y = self.y;
            self.ops().push(Op::Rect {
                x: MARGIN - 2.0,
                y,
                w: t.total() - GRID_PAD + 4.0,
                h: t.row_h,
                ink,
            });
        }
        let (bold, ink) = match mark {
            Mark::Plain => (false, Ink::Black),
            Mark::Alert => (true, Ink::Alert),
            Mark::Caution => (true, Ink::Caution),
        };
        let y = self.y + t.size * 1.25;
        self.cells(t, r, y, bold, ink);
        self.y += t.row_h;
    }

    /// One line of cells at baseline `y`, each aligned in its column.
    fn cells(&mut self, t: &Grid, cells: &[String], y: f32, bold: bool, ink: Ink) {
        let mut x = MARGIN;
        for (c, cell) in cells.iter().enumerate() {
            let w = font::width(cell, t.size, bold);
            let tx = match t.align[c] {
                Align::Left => x,
                Align::Right => x + t.widths[c] - GRID_PAD - w,
            };
            self.ops().push(Op::Text {
                x: tx,
                y,
                size: t.size,
                bold,
                ink,
                text: cell.clone(),
            });
            x += t.widths[c];
        }
    }

    /// A chart scaled to the content width, with a caption below (wrapped; kept on the
    /// chart's page when it is two lines at most).
    pub fn chart(&mut self, index: usize, aspect: f32, caption: &str) {
        let h = CONTENT_W / aspect;
        self.ensure(h + 40.0);
        let y = self.y;
        self.ops().push(Op::Chart {
            index,
            x: MARGIN,
            y,
            w: CONTENT_W,
            h,
        });
        self.y += h + 4.0;
        for line in wrap(caption, 8.5, CONTENT_W) {
            self.line(&line, 8.5, false, Ink::Grey);
        }
        self.y += 10.0;
    }
}

/// Space after each table column.
const GRID_PAD: f32 = 8.0;

/// A table's font size and column widths, fitted to the page.
struct Grid {
    size: f32,
    row_h: f32,
    widths: Vec<f32>,
    align: Vec<Align>,
}

impl Grid {
    /// Columns sized to their widest cell (measured bold when some row is: `bold`), the
    /// font shrunk (down to 6.5 pt) until the table fits the content width.
    fn fit(header: &[&str], rows: &[Vec<String>], align: &[Align], bold: bool) -> Grid {
        let mut size: f32 = 9.0;
        let widths = loop {
            let w: Vec<f32> = (0..header.len())
                .map(|c| {
                    let cells = rows.iter().map(|r| font::width(&r[c], size, bold));
                    cells.fold(font::width(header[c], size, true), f32::max) + GRID_PAD
                })
                .collect();
            if w.iter().sum::<f32>() <= CONTENT_W || size <= 6.5 {
                break w;
            }
            size -= 0.25;
        };
        Grid {
            size,
            row_h: size * 1.75,
            widths,
            align: align.to_vec(),
        }
    }

    fn total(&self) -> f32 {
        self.widths.iter().sum()
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
