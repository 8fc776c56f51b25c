//! Diagnostics: what is wrong in a scenario, and where.

use std::fmt;

/// One problem in a scenario file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    /// File the problem is in (the scenario or a profile it references).
    pub file: String,
    /// Dotted YAML path, e.g. `workloads.checkout.rate` or `calendar.events[2].start`;
    /// empty when the problem is the document itself.
    pub yaml_path: String,
    /// 1-based line and column, when known.
    pub line: Option<u32>,
    pub column: Option<u32>,
    /// What is wrong.
    pub message: String,
    /// How to fix it, when we can say.
    pub hint: Option<String>,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.yaml_path.is_empty() {
            writeln!(f, "error: {}", self.message)?;
        } else {
            writeln!(f, "error: {}: {}", self.yaml_path, self.message)?;
        }
        match (self.line, self.column) {
            (Some(l), Some(c)) => write!(f, "  --> {}:{l}:{c}", self.file)?,
            (Some(l), None) => write!(f, "  --> {}:{l}", self.file)?,
            _ => write!(f, "  --> {}", self.file)?,
        }
        if let Some(h) = &self.hint {
            write!(f, "\n  hint: {h}")?;
        }
        Ok(())
    }
}

/// Every problem found in one scenario, in file order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Diagnostics(pub Vec<Diagnostic>);

impl fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, d) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            writeln!(f, "{d}")?;
        }
        let n = self.0.len();
        write!(f, "{n} problem{} found", if n == 1 { "" } else { "s" })
    }
}

impl std::error::Error for Diagnostics {}
