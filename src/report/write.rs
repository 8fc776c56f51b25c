//! Atomic file output: write to a temporary file in the target directory, flush, then
//! rename over the destination, so a reader never sees a half-written file.

use super::OutFile;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Writes every file under `dir` (creating `dir` and sub-directories such as `csv/`), each
/// atomically; returns the paths written, or the first path that failed and why.
pub fn files(dir: &Path, files: &[OutFile]) -> Result<Vec<PathBuf>, (PathBuf, std::io::Error)> {
    let mut written = Vec::with_capacity(files.len());
    for f in files {
        let path = dir.join(&f.name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| (parent.to_path_buf(), e))?;
        }
        atomic(&path, &f.bytes).map_err(|e| (path.clone(), e))?;
        written.push(path);
    }
    Ok(written)
}

/// Writes `bytes` to `path` atomically.
pub fn atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("out");
    let tmp = dir.join(format!(".{name}.tmp-{}", std::process::id()));
    let result = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
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
}
