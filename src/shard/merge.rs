//! `peakplan merge DIR…`: the shards' replications gathered into one run — checked to be
//! of the same run, every replication once, the model rebuilt from the same files — and
//! folded in index order through `stats::Replications::add`, as `run` folds them.

use super::manifest::{self, Manifest};
use super::{Shard, record, run_key};
use crate::model::Model;
use crate::scenario;
use crate::sim::{GaugeTable, Replication};
use crate::stats::Replications;
use std::path::{Path, PathBuf};

/// A record larger than this is refused before it is read (a 366-day horizon of 5-minute
/// buckets with a few dozen classes and gauges stays far below it).
const MAX_RECORD_BYTES: u64 = 1 << 30;

/// The run the shards make up, ready for `stats::summarize`.
pub struct Merged {
    pub model: Model,
    pub gathered: Replications,
}

/// An error in the form the CLI prints (`error: …` then `  hint: …`); every one is bad
/// input (exit 2).
fn fail(message: String, hint: &str) -> String {
    format!("error: {message}\n  hint: {hint}")
}

/// Gathers the shards in `dirs`. `scenario` replaces the scenario path the manifests
/// recorded (when merging elsewhere than the shards ran); `version` is this binary's
/// `peakplan --version`, which must be the shards'.
pub fn merge(dirs: &[PathBuf], scenario: Option<&Path>, version: &str) -> Result<Merged, String> {
    let manifests = dirs
        .iter()
        .map(|d| {
            manifest::read(d)
                .map_err(|(m, h)| fail(format!("{}: {m}", d.join(manifest::FILE).display()), h))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let first = manifests.first().ok_or_else(|| {
        fail(
            "no shard directory given".into(),
            "peakplan merge DIR… --out OUT",
        )
    })?;
    agree(dirs, &manifests)?;
    if first.peakplan_version != version {
        return Err(fail(
            format!(
                "the shards were run by peakplan {}, this is peakplan {version}",
                first.peakplan_version
            ),
            "merge with the same build that ran the shards: a result is byte-identical only within one build",
        ));
    }
    let owner = owners(dirs, &manifests)?;
    let model = rebuild(first, scenario)?;
    let key = run_key(version, first.seed, first.replications, &first.inputs);
    let mut gathered = Replications::new(&model, first.seed);
    for (index, &dir) in owner.iter().enumerate() {
        let rep = read_record(&dirs[dir], index as u32, key, &model)?;
        gathered.add(&model, rep);
    }
    Ok(Merged { model, gathered })
}

const HINT_ONE_RUN: &str = "merge the directories of one `simulate --shard` run: the same scenario files, --seed, -r, shard count and peakplan";

/// Every manifest against the first: the first field that differs, with both values and
/// both directories.
fn agree(dirs: &[PathBuf], manifests: &[Manifest]) -> Result<(), String> {
    let (a, d0) = (&manifests[0], dirs[0].display());
    for (m, d) in manifests.iter().zip(dirs).skip(1) {
        let d = d.display();
        let fields: [(&str, String, String); 6] = [
            ("command", a.command.clone(), m.command.clone()),
            (
                "peakplan version",
                a.peakplan_version.clone(),
                m.peakplan_version.clone(),
            ),
            (
                "record format",
                a.record_version.to_string(),
                m.record_version.to_string(),
            ),
            ("seed", a.seed.to_string(), m.seed.to_string()),
            (
                "replications (-r)",
                a.replications.to_string(),
                m.replications.to_string(),
            ),
            (
                "shard count (N of --shard I/N)",
                a.shards.to_string(),
                m.shards.to_string(),
            ),
        ];
        for (what, x, y) in fields {
            if x != y {
                return Err(fail(
                    format!(
                        "the shards are not of one run: their {what} differs — {x} in {d0}, {y} in {d}"
                    ),
                    HINT_ONE_RUN,
                ));
            }
        }
        for (x, y) in a.inputs.iter().zip(&m.inputs) {
            if x != y {
                return Err(fail(
                    format!(
                        "the shards are not of one run: input {} is {} in {d0}, but {d} has {} {}",
                        x.path, x.hash, y.path, y.hash
                    ),
                    HINT_ONE_RUN,
                ));
            }
        }
        if a.inputs.len() != m.inputs.len() {
            return Err(fail(
                format!(
                    "the shards are not of one run: {d0} was built from {} files, {d} from {}",
                    a.inputs.len(),
                    m.inputs.len()
                ),
                HINT_ONE_RUN,
            ));
        }
    }
    Ok(())
}

/// The directory holding each replication `0..R`: each exactly once.
fn owners(dirs: &[PathBuf], manifests: &[Manifest]) -> Result<Vec<usize>, String> {
    let (r, n) = (manifests[0].replications, manifests[0].shards);
    let mut owner: Vec<Option<usize>> = vec![None; r as usize];
    for (k, m) in manifests.iter().enumerate() {
        for &i in &m.held {
            if let Some(j) = owner[i as usize] {
                return Err(fail(
                    format!(
                        "replication {i} is held twice: by {} (shard {}/{n}) and by {} (shard {}/{n})",
                        dirs[j].display(),
                        manifests[j].shard,
                        dirs[k].display(),
                        m.shard
                    ),
                    "pass each shard's directory once",
                ));
            }
            owner[i as usize] = Some(k);
        }
    }
    let missing: Vec<u32> = (0..r).filter(|&i| owner[i as usize].is_none()).collect();
    if !missing.is_empty() {
        let shards: Vec<String> = (0..n)
            .filter(|&s| {
                let range = Shard { index: s, count: n }.range(r);
                missing.iter().any(|i| range.contains(i))
            })
            .map(|s| format!("{s}/{n}"))
            .collect();
        return Err(fail(
            format!(
                "replications {} (of 0 to {}) are in none of the directories given",
                list(&missing),
                r - 1
            ),
            &format!(
                "pass the directory of shard {} too (or run it: `peakplan simulate FILE --shard I/N --out DIR`)",
                shards.join(", ")
            ),
        ));
    }
    Ok(owner
        .into_iter()
        .map(|o| o.expect("none missing"))
        .collect())
}

/// `1, 2, 5` (the first 20, then how many more).
fn list(indices: &[u32]) -> String {
    let mut s: Vec<String> = indices.iter().take(20).map(u32::to_string).collect();
    if indices.len() > 20 {
        s.push(format!("and {} more", indices.len() - 20));
    }
    s.join(", ")
}

/// The model the shards ran: the scenario loaded again, every file it reads hashed and
/// checked against the manifest.
fn rebuild(m: &Manifest, over: Option<&Path>) -> Result<Model, String> {
    let recorded = Path::new(&m.scenario);
    let path = over.unwrap_or(recorded);
    if over.is_some() && path.file_name() != recorded.file_name() {
        return Err(fail(
            format!(
                "--scenario {} is not the file the shards ran ({})",
                path.display(),
                m.scenario
            ),
            "a scenario without `name:` is named after its file, so pass a file of the same name",
        ));
    }
    let (model, inputs) = scenario::load_traced(path).map_err(|d| {
        fail(
            format!("cannot load the scenario the shards ran, {}:\n{d}", path.display()),
            "merge from the directory the shards ran in, or give --scenario FILE (the same files, checked by their hashes)",
        )
    })?;
    let now = super::hashes(&inputs);
    for (was, is) in m.inputs.iter().zip(&now) {
        if was.hash != is.hash {
            return Err(fail(
                format!(
                    "{} changed since the shards ran ({} then, {} now)",
                    is.path, was.hash, is.hash
                ),
                "merge with the files the shards ran, or run the shards again",
            ));
        }
    }
    if m.inputs.len() != now.len() {
        return Err(fail(
            format!(
                "{} now reads {} files, the shards read {}: a profile was added or removed",
                path.display(),
                now.len(),
                m.inputs.len()
            ),
            "merge with the files the shards ran, or run the shards again",
        ));
    }
    Ok(model)
}

/// Replication `index` from `dir`, checked to be of this run and this model's shape.
fn read_record(dir: &Path, index: u32, key: u64, model: &Model) -> Result<Replication, String> {
    let path = dir.join(manifest::record_path(index));
    let rerun = "run this shard again (`peakplan simulate FILE --shard I/N --out DIR`)";
    let at = |m: String, h: &str| fail(format!("{}: {m}", path.display()), h);
    let meta = std::fs::metadata(&path).map_err(|e| {
        at(
            format!("cannot read (the manifest lists replication {index}): {e}"),
            rerun,
        )
    })?;
    if !meta.is_file() || meta.len() > MAX_RECORD_BYTES {
        return Err(at(
            "not a replication record (not a regular file below 1 GiB)".into(),
            rerun,
        ));
    }
    let bytes = std::fs::read(&path).map_err(|e| at(format!("cannot read: {e}"), rerun))?;
    let (got, rep) = record::decode(&bytes).map_err(|b| at(b.message, b.hint))?;
    if got != key || rep.index != index {
        return Err(at(
            format!(
                "holds replication {} of another run, not replication {index} of this one",
                rep.index
            ),
            "a record was copied between shard directories; run this shard again",
        ));
    }
    let slots = GaugeTable::of(model).slots;
    let shape = rep.classes.len() == model.classes.len()
        && rep.in_flight_end.len() == model.classes.len()
        && [
            rep.resource_mean.len(),
            rep.resource_max.len(),
            rep.resource_fine.len(),
        ] == [slots; 3]
        && rep.slo_spans.len() == model.slos.len();
    if !shape {
        return Err(at(
            "does not fit the scenario's classes, gauges or objectives".into(),
            rerun,
        ));
    }
    Ok(rep)
}
