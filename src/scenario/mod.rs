//! The scenario front-end: YAML text → validated [`Model`].
//!
//! Two stages, as in ripgrep's "low"/"high" arguments: `raw` mirrors the file with serde and
//! holds no logic; `validate` turns it into the typed model, collecting every problem it
//! finds (not only the first) as [`Diagnostic`]s that point into the file. In between,
//! `load` resolves `profile:` references. The format is documented in
//! docs/scenario-format.md.
//!
//! Architecture invariant: nothing outside this module sees YAML, serde-saphyr or files;
//! the simulation receives a [`Model`] only.

mod diag;
mod load;
mod located;
mod overrides;
mod raw;
pub mod suggest;
pub mod units;
mod validate;
mod yaml_path;

pub use diag::{Diagnostic, Diagnostics};

use crate::model::Model;
use crate::model::sizing::{Knob, KnobValue, Sizing};
use std::path::Path;

/// Loads and validates a scenario file, resolving `profile:` references relative to it.
pub fn load(path: &Path) -> Result<Model, Diagnostics> {
    load_at(path, 1.0)
}

/// Like [`load`], with every open class's rate and every closed class's users multiplied
/// by `load` (cron classes, jobs and fixed-time arrivals as written; jobs follow the
/// requests that spawn them). The bounds on rates, users and arrivals apply to the scaled
/// figures.
pub fn load_at(path: &Path, load: f64) -> Result<Model, Diagnostics> {
    let (scenario, sources, stem) = read_resolved(path)?;
    validate::validate(scenario, &sources, &stem, load)
}

/// Like [`load`], for text that is not in a file (tests, the validation suite). `origin`
/// names the text in messages; `profile:` references resolve against `base_dir`.
pub fn load_str(text: &str, origin: &str, base_dir: &Path) -> Result<Model, Diagnostics> {
    load_str_at(text, origin, base_dir, 1.0)
}

/// [`load_str`] at load multiplier `load` (see [`load_at`]).
pub fn load_str_at(
    text: &str,
    origin: &str,
    base_dir: &Path,
    load: f64,
) -> Result<Model, Diagnostics> {
    load_named(text, origin, base_dir, origin, load)
}

/// A file a scenario was built from (the scenario, then each profile as it was resolved),
/// as the loader named it and the text it read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Input {
    pub path: String,
    pub text: String,
}

/// Like [`load`], also handing back every file read, each once, in the order first read:
/// what `simulate --shard` hashes so `merge` can tell that nothing changed in between.
pub fn load_traced(path: &Path) -> Result<(Model, Vec<Input>), Diagnostics> {
    let (scenario, sources, stem) = read_resolved(path)?;
    let model = validate::validate(scenario, &sources, &stem, 1.0)?;
    let mut inputs: Vec<Input> = Vec::new();
    for (path, text) in sources.names.into_iter().zip(sources.texts) {
        if !inputs.iter().any(|i| i.path == path) {
            inputs.push(Input { path, text });
        }
    }
    Ok((model, inputs))
}

fn load_named(
    text: &str,
    origin: &str,
    base_dir: &Path,
    default_name: &str,
    load: f64,
) -> Result<Model, Diagnostics> {
    let (scenario, sources) = parse_resolved(text, origin, base_dir)?;
    validate::validate(scenario, &sources, default_name, load)
}

/// Reads a scenario for `peakplan size`: the model as written and its `sizing:` block
/// (`None` when it has none), each validated.
pub fn load_sizing(path: &Path) -> Result<(Model, Option<Sizing>), Diagnostics> {
    let (scenario, sources, stem) = read_resolved(path)?;
    let sizing = validate::sizing::sizing(&scenario, &sources)?;
    let model = validate::validate(scenario, &sources, &stem, 1.0)?;
    Ok((model, sizing))
}

/// The scenario at `path` with each (knob, value) written over its own setting before
/// validation (a candidate of `peakplan size`): refused exactly as a file saying so
/// would be, the diagnostics pointing at the knob.
pub fn load_with(path: &Path, overrides: &[(Knob, KnobValue)]) -> Result<Model, Diagnostics> {
    let (mut scenario, sources, stem) = read_resolved(path)?;
    validate::sizing::sizing(&scenario, &sources)?;
    overrides::apply(&mut scenario, overrides);
    validate::validate(scenario, &sources, &stem, 1.0)
}

/// A scenario file parsed, its profiles resolved; with its sources and file stem (the
/// default name).
fn read_resolved(path: &Path) -> Result<(raw::Scenario, load::Sources, String), Diagnostics> {
    let text = load::read(path, "scenario").map_err(|d| Diagnostics(vec![d]))?;
    let stem = path
        .file_stem()
        .map_or_else(|| "scenario".into(), |s| s.to_string_lossy().into_owned());
    let base_dir = path.parent().unwrap_or(Path::new("."));
    let (scenario, sources) = parse_resolved(&text, &path.display().to_string(), base_dir)?;
    Ok((scenario, sources, stem))
}

/// `text` parsed (named `origin` in messages), its `profile:` references resolved against
/// `base_dir`; with every file read.
fn parse_resolved(
    text: &str,
    origin: &str,
    base_dir: &Path,
) -> Result<(raw::Scenario, load::Sources), Diagnostics> {
    let mut sources = load::Sources::default();
    let file = sources.add(origin.to_owned(), text);
    let mut scenario: raw::Scenario =
        load::parse(text, file, origin).map_err(|d| Diagnostics(vec![d]))?;
    let problems = load::resolve_profiles(&mut scenario, &mut sources, base_dir);
    if !problems.is_empty() {
        return Err(Diagnostics(problems));
    }
    Ok((scenario, sources))
}

/// The JSON Schema (2020-12) of the scenario format, for editors.
pub fn json_schema() -> serde_json::Value {
    let schema = schemars::schema_for!(raw::Scenario);
    let mut value = serde_json::to_value(&schema).unwrap_or_default();
    // Required keys are optional in the raw types (so validation can report them with a
    // line number, and profiles can supply them); the schema still tells editors.
    if let Some(root) = value.as_object_mut() {
        root.insert(
            "required".into(),
            serde_json::json!(["version", "horizon", "workloads", "estate"]),
        );
    }
    value
}
