//! Reading log files: plain or gzip-compressed (told by their first bytes, not their
//! name), one line at a time through a fixed buffer — memory does not grow with the log —,
//! each line given to the reader of its format. Formats may be mixed, even within a
//! file. Lines that cannot be read are counted, and the first few kept with their file
//! and line number, never silently dropped.

use super::odoo_log::{self, OdooJson};
use super::record::{Line, Request};
use super::traefik_log::{self, TraefikJson};
use flate2::read::MultiGzDecoder;
use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

/// Longest line read; a longer one is counted as unreadable and skipped.
pub const MAX_LINE: usize = 64 * 1024;
/// Most files in one calibration.
pub const MAX_FILES: usize = 10_000;
/// Unreadable lines shown with their line number.
pub const SHOWN: usize = 5;
const BUFFER: usize = 256 * 1024;

/// A line that could not be read.
#[derive(Clone, Debug)]
pub struct Skipped {
    pub file: PathBuf,
    pub line: u64,
    pub reason: &'static str,
    /// The line's start (at most 160 characters).
    pub text: String,
}

/// What one file held.
#[derive(Clone, Debug, Default)]
pub struct FileCounts {
    pub path: PathBuf,
    pub lines: u64,
    pub odoo: u64,
    pub traefik: u64,
    /// Lines of a known format that are not requests (other loggers, tracebacks).
    pub other: u64,
    /// Lines that looked like requests and could not be read, or of no known format.
    pub skipped: u64,
    pub gzip: bool,
    /// Why the file ended early (a truncated gzip stream, a read error), if it did.
    pub ended_early: Option<String>,
}

/// What the files held, all together.
#[derive(Clone, Debug, Default)]
pub struct ReadSummary {
    pub files: Vec<FileCounts>,
    pub first_skipped: Vec<Skipped>,
}

impl ReadSummary {
    pub fn requests(&self) -> u64 {
        self.files.iter().map(|f| f.odoo + f.traefik).sum()
    }
    pub fn skipped(&self) -> u64 {
        self.files.iter().map(|f| f.skipped).sum()
    }
    pub fn lines(&self) -> u64 {
        self.files.iter().map(|f| f.lines).sum()
    }

    /// Files that ended early and lines skipped, one warning a line; `None` when every
    /// file was read to its end and every line understood.
    pub fn warnings(&self) -> Option<String> {
        let mut s = String::new();
        for f in &self.files {
            if let Some(e) = &f.ended_early {
                s += &format!("warning: {e}\n");
            }
        }
        if let Some(k) = self.skipped_report() {
            s += &format!("warning: {k}");
        }
        (!s.is_empty()).then(|| s.trim_end().to_owned())
    }

    /// `12 lines skipped (…)` with the first few, or `None` when every line was read.
    pub fn skipped_report(&self) -> Option<String> {
        let n = self.skipped();
        if n == 0 {
            return None;
        }
        let mut s = format!(
            "{n} of {} lines skipped (not a request line of Odoo or Traefik, or one that could not be read); the first {}:\n",
            self.lines(),
            self.first_skipped.len()
        );
        for k in &self.first_skipped {
            s += &format!(
                "  {}:{}: {}: {}\n",
                k.file.display(),
                k.line,
                k.reason,
                k.text
            );
        }
        Some(s)
    }
}

/// Reads every file in turn and hands each request to `on`, which may stop the reading
/// with a message (a rule overlap, a period too long). An unreadable file is an error.
pub fn read(
    paths: &[PathBuf],
    on: &mut dyn FnMut(&Request<'_>) -> Result<(), String>,
) -> Result<ReadSummary, String> {
    if paths.is_empty() {
        return Err(
            "error: no log file given\n  hint: `peakplan calibrate odoo.log traefik.log --out DIR`"
                .into(),
        );
    }
    if paths.len() > MAX_FILES {
        return Err(format!(
            "error: {} log files; at most {MAX_FILES} at once\n  hint: concatenate them (`cat` or `zcat`) first",
            paths.len()
        ));
    }
    let mut summary = ReadSummary::default();
    for path in paths {
        let counts = read_file(path, &mut summary.first_skipped, on)?;
        summary.files.push(counts);
    }
    Ok(summary)
}

fn open(path: &Path) -> Result<(Box<dyn BufRead>, bool), String> {
    let fail = |e: std::io::Error| format!("error: cannot read log {}: {e}", path.display());
    let meta = std::fs::metadata(path).map_err(fail)?;
    if meta.is_dir() {
        return Err(format!(
            "error: log {} is a directory\n  hint: name the files (`{}/*.log`)",
            path.display(),
            path.display()
        ));
    }
    let mut raw = BufReader::with_capacity(BUFFER, File::open(path).map_err(fail)?);
    let gzip = raw.fill_buf().map_err(fail)?.starts_with(&[0x1f, 0x8b]);
    if gzip {
        let inner: Box<dyn Read> = Box::new(MultiGzDecoder::new(raw));
        Ok((Box::new(BufReader::with_capacity(BUFFER, inner)), true))
    } else {
        Ok((Box::new(raw), false))
    }
}

fn read_file(
    path: &Path,
    first_skipped: &mut Vec<Skipped>,
    on: &mut dyn FnMut(&Request<'_>) -> Result<(), String>,
) -> Result<FileCounts, String> {
    let (mut reader, gzip) = open(path)?;
    let mut c = FileCounts {
        path: path.to_path_buf(),
        gzip,
        ..FileCounts::default()
    };
    let mut buf = Vec::with_capacity(4096);
    let mut traceback = false;
    loop {
        let too_long = match next_line(&mut reader, &mut buf) {
            Ok(Some(too_long)) => too_long,
            Ok(None) => break,
            Err(e) => {
                c.ended_early = Some(format!(
                    "{} ends early after line {}: {e}{}",
                    path.display(),
                    c.lines,
                    if gzip {
                        " (a truncated or damaged gzip file?); the lines before were used"
                    } else {
                        "; the lines before were used"
                    }
                ));
                break;
            }
        };
        c.lines += 1;
        let mut skip = |reason: &'static str, text: &[u8]| {
            c.skipped += 1;
            if first_skipped.len() < SHOWN {
                let text = String::from_utf8_lossy(&text[..text.len().min(160)]).into_owned();
                first_skipped.push(Skipped {
                    file: path.to_path_buf(),
                    line: c.lines,
                    reason,
                    text,
                });
            }
        };
        if too_long {
            skip("line longer than 64 KiB", &buf);
            continue;
        }
        let Ok(text) = std::str::from_utf8(&buf) else {
            skip("not UTF-8 text", &buf);
            continue;
        };
        let text = text.strip_suffix('\r').unwrap_or(text);
        match classify(text, &mut traceback, on)? {
            Outcome::Odoo => c.odoo += 1,
            Outcome::Traefik => c.traefik += 1,
            Outcome::Other => c.other += 1,
            Outcome::Skip(reason) => skip(reason, text.as_bytes()),
        }
    }
    Ok(c)
}

enum Outcome {
    Odoo,
    Traefik,
    Other,
    Skip(&'static str),
}

/// Reads one line in whichever format it is and hands a request to `on`. `traceback` is
/// set by a Python traceback's first line and cleared by the next line of a known
/// format: the traceback's lines in between (its last, `ValueError: …`, is not
/// indented) belong to the record that logged it.
fn classify(
    text: &str,
    traceback: &mut bool,
    on: &mut dyn FnMut(&Request<'_>) -> Result<(), String>,
) -> Result<Outcome, String> {
    let mut give = |r: &Request<'_>| -> Result<Outcome, String> {
        on(r)?;
        Ok(match r.source {
            super::record::Source::Odoo => Outcome::Odoo,
            super::record::Source::Traefik => Outcome::Traefik,
        })
    };
    if text.starts_with('{') {
        *traceback = false;
        return json(text, &mut give);
    }
    let line = odoo_log::plain(text).or_else(|| traefik_log::clf(text));
    if line.is_some() {
        *traceback = false;
    } else if text.starts_with("Traceback (most recent call last)") {
        *traceback = true;
    }
    match line {
        Some(Line::Request(r)) => give(&r),
        Some(Line::Other) => Ok(Outcome::Other),
        Some(Line::Malformed(why)) => Ok(Outcome::Skip(why)),
        // A traceback's lines follow the Odoo line that logged it.
        None if *traceback || text.is_empty() || text.starts_with([' ', '\t']) => {
            Ok(Outcome::Other)
        }
        None => Ok(Outcome::Skip("not an Odoo or Traefik log line")),
    }
}

fn json(
    text: &str,
    give: &mut dyn FnMut(&Request<'_>) -> Result<Outcome, String>,
) -> Result<Outcome, String> {
    if let Ok(t) = serde_json::from_str::<TraefikJson>(text)
        && t.is_traefik()
    {
        return match traefik_log::json(&t) {
            Ok((path, r)) => give(&Request { path: &path, ..r }),
            Err(why) => Ok(Outcome::Skip(why)),
        };
    }
    match serde_json::from_str::<OdooJson>(text) {
        Ok(rec) if rec.name.is_some() => match odoo_log::json(rec) {
            Ok(Some(r)) => give(&r.get()),
            Ok(None) => Ok(Outcome::Other),
            Err(why) => Ok(Outcome::Skip(why)),
        },
        Ok(_) => Ok(Outcome::Skip(
            "a JSON object that is neither a Traefik access log record nor an Odoo log record",
        )),
        Err(_) => Ok(Outcome::Skip("not valid JSON (truncated?)")),
    }
}

/// Reads the next line into `buf` (without its newline), at most [`MAX_LINE`] bytes of it:
/// `Some(true)` when the line was longer (the rest is discarded), `None` at the end.
fn next_line(r: &mut dyn BufRead, buf: &mut Vec<u8>) -> std::io::Result<Option<bool>> {
    buf.clear();
    let mut too_long = false;
    let mut any = false;
    loop {
        let avail = r.fill_buf()?;
        if avail.is_empty() {
            return Ok(any.then_some(too_long));
        }
        any = true;
        let (chunk, used, done) = match avail.iter().position(|&b| b == b'\n') {
            Some(i) => (&avail[..i], i + 1, true),
            None => (avail, avail.len(), false),
        };
        let room = MAX_LINE.saturating_sub(buf.len());
        if chunk.len() > room {
            too_long = true;
        }
        buf.extend_from_slice(&chunk[..chunk.len().min(room)]);
        r.consume(used);
        if done {
            return Ok(Some(too_long));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounded_lines() {
        let long = "x".repeat(MAX_LINE + 10);
        let text = format!("a\r\n{long}\nb");
        let mut r = std::io::Cursor::new(text.into_bytes());
        let mut buf = Vec::new();
        assert_eq!(next_line(&mut r, &mut buf).unwrap(), Some(false));
        assert_eq!(buf, b"a\r");
        assert_eq!(next_line(&mut r, &mut buf).unwrap(), Some(true));
        assert_eq!(buf.len(), MAX_LINE);
        assert_eq!(next_line(&mut r, &mut buf).unwrap(), Some(false));
        assert_eq!(buf, b"b");
        assert_eq!(next_line(&mut r, &mut buf).unwrap(), None);
    }
}
