//! Atomic file output: write to a temporary file in the target directory, flush, then
//! rename over the destination, so a reader never sees a half-written file; and a bundle
//! (`--out DIR`) is written whole into a staging directory beside `DIR` first, so a run
//! that fails midway (a full disk, a file-size limit) never leaves a `DIR` that looks
//! complete.

use super::OutFile;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Writes every file under `dir` (creating `dir` and sub-directories such as `csv/`);
/// returns the paths written, or the first path that failed and why.
///
/// Every file is first written and synced into `.DIR.partial-PID` beside `dir`. When `dir`
/// does not exist or is empty, the staging directory is then renamed to `dir` in one step:
/// `dir` appears complete or not at all. When `dir` already holds files (a re-run into
/// the same directory), each staged file is renamed over its old version, `result.json`
/// last. On failure the staging directory is removed and `dir` is left as it was.
pub fn files(dir: &Path, files: &[OutFile]) -> Result<Vec<PathBuf>, (PathBuf, std::io::Error)> {
    let parent = dir
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(parent).map_err(|e| (parent.to_path_buf(), e))?;
    let name = dir
        .file_name()
        .and_then(|n| n.to_str())
        .filter(|n| *n != "." && *n != "..");
    let Some(name) = name else {
        // `.` or `..`: no name to stage beside, and it exists; write in place.
        return in_place(dir, files);
    };
    let stage = parent.join(format!(".{name}.partial-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&stage);
    let staged = (|| {
        for f in files {
            let path = stage.join(&f.name);
            if let Some(p) = path.parent() {
                std::fs::create_dir_all(p).map_err(|e| (dir.join(&f.name), e))?;
            }
            write_synced(&path, &f.bytes).map_err(|e| (dir.join(&f.name), e))?;
        }
        Ok(())
    })();
    let placed = staged.and_then(|()| place(&stage, dir, files));
    let _ = std::fs::remove_dir_all(&stage);
    placed?;
    Ok(files.iter().map(|f| dir.join(&f.name)).collect())
}

/// Moves the staged bundle into `dir`: in one rename when `dir` is absent or empty, else
/// file by file with `result.json` last.
fn place(stage: &Path, dir: &Path, files: &[OutFile]) -> Result<(), (PathBuf, std::io::Error)> {
    let empty = match std::fs::read_dir(dir) {
        Ok(mut entries) => entries.next().is_none(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => true,
        Err(e) => return Err((dir.to_path_buf(), e)),
    };
    if empty {
        if dir.exists() {
            std::fs::remove_dir(dir).map_err(|e| (dir.to_path_buf(), e))?;
        }
        return std::fs::rename(stage, dir).map_err(|e| (dir.to_path_buf(), e));
    }
    let mut order: Vec<&OutFile> = files.iter().collect();
    order.sort_by_key(|f| f.name == "result.json");
    for f in order {
        let to = dir.join(&f.name);
        if let Some(p) = to.parent() {
            std::fs::create_dir_all(p).map_err(|e| (p.to_path_buf(), e))?;
        }
        std::fs::rename(stage.join(&f.name), &to).map_err(|e| (to.clone(), e))?;
    }
    Ok(())
}

/// Writes each file atomically under an existing `dir` that has no name of its own.
fn in_place(dir: &Path, files: &[OutFile]) -> Result<Vec<PathBuf>, (PathBuf, std::io::Error)> {
    let mut written = Vec::with_capacity(files.len());
    let mut order: Vec<&OutFile> = files.iter().collect();
    order.sort_by_key(|f| f.name == "result.json");
    for f in order {
        let path = dir.join(&f.name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| (parent.to_path_buf(), e))?;
        }
        atomic(&path, &f.bytes).map_err(|e| (path.clone(), e))?;
        written.push(path);
    }
    Ok(written)
}

fn write_synced(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut f = std::fs::File::create(path)?;
    f.write_all(bytes)?;
    f.sync_all()
}

/// Writes `bytes` to `path` atomically.
pub fn atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("out");
    let tmp = dir.join(format!(".{name}.tmp-{}", std::process::id()));
    let result = write_synced(&tmp, bytes).and_then(|()| std::fs::rename(&tmp, path));
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

#[cfg(test)]
mod tests {
    #[test]
    fn writes_and_leaves_no_temporary() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("r.json");
        super::atomic(&p, b"{}").unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), b"{}");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
        assert!(super::atomic(&dir.path().join("missing/r.json"), b"x").is_err());
    }

    fn bundle() -> Vec<super::OutFile> {
        ["result.json", "csv/summary.csv"]
            .iter()
            .map(|n| super::OutFile {
                name: (*n).into(),
                bytes: n.as_bytes().to_vec(),
            })
            .collect()
    }

    #[test]
    fn a_bundle_appears_whole_and_leaves_no_staging() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out");
        super::files(&out, &bundle()).unwrap();
        assert_eq!(
            std::fs::read(out.join("csv/summary.csv")).unwrap(),
            b"csv/summary.csv"
        );
        // Again, into the now non-empty directory beside a file of the user's.
        std::fs::write(out.join("notes.txt"), b"mine").unwrap();
        super::files(&out, &bundle()).unwrap();
        assert_eq!(std::fs::read(out.join("notes.txt")).unwrap(), b"mine");
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, vec!["out"], "no staging directory left");
    }
}
