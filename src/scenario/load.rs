//! Reading scenario and profile files: YAML → raw types, with limits, and `profile:`
//! resolution.
//!
//! Parsing runs twice. The first pass reads the document into `IgnoredAny` under a tight
//! [`Budget`], so a hostile or generated file (an alias bomb, 200 nested brackets) is
//! refused on its shape before any type is looked at; the second pass fills the raw types.
//! Scenario files are a few kilobytes, so the extra pass costs microseconds.
//!
//! A profile is a YAML file holding the fields of the section that names it
//! (`estate.odoo`, `estate.postgres`, `estate.redis`, each workload, each integration).
//! Profiles may chain; the fields written nearer the scenario win. Paths are relative to
//! the file that names them.

use super::diag::Diagnostic;
use super::located::{Located, with_file};
use super::raw::{Profiled, Scenario};
use super::suggest;
use serde::de::{DeserializeOwned, IgnoredAny};
use serde_saphyr::{Budget, Options};
use std::path::{Path, PathBuf};

/// Larger files are refused before parsing: a scenario is a page of YAML.
const MAX_FILE_BYTES: usize = 1 << 20;
/// Longest profile chain (a → b → … ); cycles are caught before this.
const MAX_PROFILE_DEPTH: usize = 16;
/// Nesting limit; the format itself needs 6 levels.
const MAX_DEPTH: usize = 32;
/// Events replayed from aliases over a whole document (the "billion laughs" guard).
const MAX_ALIAS_REPLAY: usize = 20_000;

/// The files a scenario was read from; a [`super::located::Pos`] indexes `names`, and
/// `texts` holds what was read from each (what `simulate --shard` hashes).
#[derive(Debug, Default)]
pub struct Sources {
    pub names: Vec<String>,
    pub texts: Vec<String>,
}

impl Sources {
    pub fn add(&mut self, name: String, text: &str) -> usize {
        self.names.push(name);
        self.texts.push(text.to_owned());
        self.names.len() - 1
    }
}

fn options() -> Options {
    let mut budget = Budget::default();
    budget.max_depth = MAX_DEPTH;
    budget.flow_nesting_limit = MAX_DEPTH;
    budget.max_events = 200_000;
    budget.max_nodes = 100_000;
    budget.max_aliases = 1_000;
    budget.max_anchors = 1_000;
    budget.max_documents = 1;
    budget.max_total_scalar_bytes = MAX_FILE_BYTES;
    let mut options = Options::default();
    options.budget = Some(budget);
    options.alias_limits.max_total_replayed_events = MAX_ALIAS_REPLAY;
    options.with_snippet = false;
    options
}

/// Parses one document into `T`, tagging every located value with `file`.
pub fn parse<T: DeserializeOwned>(
    text: &str,
    file: usize,
    file_name: &str,
) -> Result<T, Diagnostic> {
    if text.len() > MAX_FILE_BYTES {
        return Err(Diagnostic {
            file: file_name.to_owned(),
            yaml_path: String::new(),
            line: None,
            column: None,
            message: format!(
                "file is {} bytes; the limit is {MAX_FILE_BYTES}",
                text.len()
            ),
            hint: Some("a scenario is a page of YAML; split large data into profiles".into()),
        });
    }
    let convert = |e: serde_saphyr::Error| yaml_error(&e, text, file_name);
    serde_saphyr::from_str_with_options::<IgnoredAny>(text, options()).map_err(convert)?;
    with_file(file, || {
        serde_saphyr::from_str_with_options::<T>(text, options())
    })
    .map_err(convert)
}

/// Turns a serde-saphyr error into a diagnostic with a YAML path and, for unknown keys
/// and values, a "did you mean".
fn yaml_error(e: &serde_saphyr::Error, text: &str, file_name: &str) -> Diagnostic {
    let rendered = e.without_snippet().to_string();
    // The rendered message ends with " at line L, column C …"; we report those separately.
    let message = rendered
        .split(" at line ")
        .next()
        .unwrap_or(&rendered)
        .trim()
        .to_owned();
    let location = e.location().filter(|l| l.line() > 0);
    let line = location.map(|l| u32::try_from(l.line()).unwrap_or(u32::MAX));
    let column = location.map(|l| u32::try_from(l.column()).unwrap_or(u32::MAX));
    let yaml_path = line
        .map(|l| super::yaml_path::path_at(text, l as usize))
        .unwrap_or_default();
    let (message, hint) = explain(message);
    Diagnostic {
        file: file_name.to_owned(),
        yaml_path,
        line,
        column,
        message,
        hint,
    }
}

/// Rewords the messages a user is likely to meet and adds a hint.
fn explain(message: String) -> (String, Option<String>) {
    for prefix in ["unknown field `", "unknown variant `"] {
        if let Some(rest) = message.strip_prefix(prefix) {
            let word = rest.split('`').next().unwrap_or("");
            let expected: Vec<&str> = rest
                .split_once("expected one of ")
                .or_else(|| rest.split_once("expected "))
                .map(|(_, list)| list.split(", ").map(|s| s.trim_matches('`')).collect())
                .unwrap_or_default();
            let hint = (!expected.is_empty()).then(|| suggest::hint(word, &expected));
            let what = if prefix.contains("field") {
                "unknown key"
            } else {
                "unknown value"
            };
            return (format!("{what} `{word}`"), hint);
        }
    }
    if message.starts_with("budget breached") || message.starts_with("recursion limit") {
        let hint = format!(
            "scenario files are small and shallow (nesting ≤ {MAX_DEPTH}, ≤ 100,000 nodes, one document); \
             this looks generated or hostile"
        );
        return (
            format!("the document exceeds a parser limit ({message})"),
            Some(hint),
        );
    }
    if message.starts_with("alias replay limit") {
        let hint = format!(
            "aliases may expand to at most {MAX_ALIAS_REPLAY} events (\"billion laughs\" guard)"
        );
        return ("too many alias expansions".to_owned(), Some(hint));
    }
    if message.starts_with("duplicate mapping key") {
        let key = message
            .split(": ")
            .nth(1)
            .and_then(|s| s.split(',').next())
            .unwrap_or("");
        return (
            format!("duplicate key `{key}`"),
            Some("write each key once".into()),
        );
    }
    if message.starts_with("invalid") || message.starts_with("expected") {
        return (
            message,
            Some("check the value's type against docs/scenario-format.md".into()),
        );
    }
    (message, None)
}

/// Reads a file, or explains why not. Only regular files are read (a device such as
/// `/dev/zero`, a FIFO or a directory is refused before it is opened), and never more
/// than [`MAX_FILE_BYTES`] + 1 bytes, so a file that grows while it is read cannot
/// exhaust memory either.
pub fn read(path: &Path, what: &str) -> Result<String, Diagnostic> {
    use std::io::Read;
    let fail = |message: String, hint: &str| Diagnostic {
        file: path.display().to_string(),
        yaml_path: String::new(),
        line: None,
        column: None,
        message,
        hint: Some(hint.to_owned()),
    };
    let hint = "check the path; relative paths start from the current directory";
    let meta =
        std::fs::metadata(path).map_err(|e| fail(format!("cannot read {what}: {e}"), hint))?;
    if !meta.is_file() {
        let kind = if meta.is_dir() {
            "a directory"
        } else {
            "not a regular file (a device, FIFO or socket)"
        };
        return Err(fail(
            format!("cannot read {what}: it is {kind}"),
            "pass a YAML file; to read a generated scenario, write it to a file first",
        ));
    }
    let mut bytes = Vec::new();
    std::fs::File::open(path)
        .and_then(|f| f.take(MAX_FILE_BYTES as u64 + 1).read_to_end(&mut bytes))
        .map_err(|e| fail(format!("cannot read {what}: {e}"), hint))?;
    if bytes.len() > MAX_FILE_BYTES {
        return Err(fail(
            format!("{what} is larger than {MAX_FILE_BYTES} bytes, the limit"),
            "a scenario is a page of YAML; split large data into profiles",
        ));
    }
    String::from_utf8(bytes).map_err(|e| {
        fail(
            format!("cannot read {what}: not UTF-8 text ({e})"),
            "save the file as UTF-8",
        )
    })
}

/// Resolves `profile:` in every section of `scenario` that accepts one.
pub fn resolve_profiles(
    scenario: &mut Scenario,
    sources: &mut Sources,
    base_dir: &Path,
) -> Vec<Diagnostic> {
    let mut diags = Vec::new();
    let mut r = Resolver {
        sources,
        diags: &mut diags,
    };
    if let Some(estate) = scenario.estate.as_mut() {
        if let Some(odoo) = estate.value.odoo.as_mut() {
            r.resolve(&mut odoo.value, "estate.odoo", base_dir, &mut Vec::new());
        }
        if let Some(pg) = estate.value.postgres.as_mut() {
            r.resolve(&mut pg.value, "estate.postgres", base_dir, &mut Vec::new());
            if let Some(rep) = pg.value.replica.as_mut() {
                // The replica block may come from the primary's profile: its `profile:`
                // is then relative to that profile's directory.
                let dir = match rep.value.profile.as_ref().map(|p| p.pos.file) {
                    Some(f) if f > 0 => Path::new(&r.sources.names[f])
                        .parent()
                        .map(Path::to_path_buf)
                        .unwrap_or_default(),
                    _ => base_dir.to_path_buf(),
                };
                r.resolve(
                    &mut rep.value,
                    "estate.postgres.replica",
                    &dir,
                    &mut Vec::new(),
                );
            }
        }
        if let Some(redis) = estate.value.redis.as_mut() {
            r.resolve(&mut redis.value, "estate.redis", base_dir, &mut Vec::new());
        }
    }
    if let Some(workloads) = scenario.workloads.as_mut() {
        for (name, w) in &mut workloads.value.0 {
            r.resolve(
                &mut w.value,
                &format!("workloads.{}", name.value),
                base_dir,
                &mut Vec::new(),
            );
        }
    }
    if let Some(integrations) = scenario.integrations.as_mut() {
        for (name, i) in &mut integrations.value.0 {
            r.resolve(
                &mut i.value,
                &format!("integrations.{}", name.value),
                base_dir,
                &mut Vec::new(),
            );
        }
    }
    diags
}

struct Resolver<'a> {
    sources: &'a mut Sources,
    diags: &'a mut Vec<Diagnostic>,
}

impl Resolver<'_> {
    fn error(&mut self, at: &Located<String>, section: &str, message: String, hint: &str) {
        self.diags.push(Diagnostic {
            file: self.sources.names[at.pos.file].clone(),
            yaml_path: format!("{section}.profile"),
            line: Some(at.pos.line),
            column: Some(at.pos.column),
            message,
            hint: Some(hint.to_owned()),
        });
    }

    /// `chain` holds the profiles being resolved above this one, as (canonical, shown).
    fn resolve<T: Profiled + DeserializeOwned>(
        &mut self,
        section: &mut T,
        path: &str,
        base_dir: &Path,
        chain: &mut Vec<(PathBuf, String)>,
    ) {
        let Some(reference) = section.profile().take() else {
            return;
        };
        let file = base_dir.join(&reference.value);
        let shown = file.display().to_string();
        let Ok(canonical) = std::fs::canonicalize(&file) else {
            let message = format!(
                "profile `{}` not found (looked for {shown})",
                reference.value
            );
            return self.error(
                &reference,
                path,
                message,
                "profile paths are relative to the file that names them",
            );
        };
        if let Some(start) = chain.iter().position(|(c, _)| *c == canonical) {
            let mut names: Vec<&str> = chain[start..].iter().map(|(_, s)| s.as_str()).collect();
            names.push(&shown);
            let message = format!("profiles form a cycle: {}", names.join(" → "));
            return self.error(
                &reference,
                path,
                message,
                "a profile must not (indirectly) name itself",
            );
        }
        if chain.len() >= MAX_PROFILE_DEPTH {
            let message = format!("profile chain deeper than {MAX_PROFILE_DEPTH}");
            return self.error(&reference, path, message, "flatten the chain of profiles");
        }
        let text = match read(&file, "profile") {
            Ok(t) => t,
            Err(mut d) => {
                d.file = self.sources.names[reference.pos.file].clone();
                d.yaml_path = format!("{path}.profile");
                d.line = Some(reference.pos.line);
                d.column = Some(reference.pos.column);
                return self.diags.push(d);
            }
        };
        let id = self.sources.add(shown.clone(), &text);
        let mut base: T = match parse(&text, id, &shown) {
            Ok(b) => b,
            Err(d) => return self.diags.push(d),
        };
        chain.push((canonical, shown));
        let dir = file.parent().map(Path::to_path_buf).unwrap_or_default();
        self.resolve(&mut base, path, &dir, chain);
        chain.pop();
        section.inherit(base);
    }
}
