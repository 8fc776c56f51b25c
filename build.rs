//! Names the commit the binary is built from, for `peakplan --version`: sets
//! `PEAKPLAN_BUILD` to `commit 0123456789ab, 2026-12-06` (the hash `-dirty` when the
//! sources built into the binary differ from that commit), or to `commit unknown` where
//! there is no git or no checkout of this crate (a source tarball); and
//! `PEAKPLAN_COMMIT_DATE` to the date alone, or empty.
//!
//! It asks `git` again only when HEAD, the branch it points to, or the binary's sources
//! change, so a build with nothing to do stays a build with nothing to do.

use std::path::{Path, PathBuf};
use std::process::Command;

/// What `-dirty` looks at: the files the binary is built from.
const SOURCES: [&str; 4] = ["src", "Cargo.toml", "Cargo.lock", "build.rs"];

fn main() {
    let (build, date) = commit().unwrap_or_else(|| {
        println!("cargo:rerun-if-changed=build.rs");
        ("commit unknown".into(), String::new())
    });
    println!("cargo:rustc-env=PEAKPLAN_BUILD={build}");
    println!("cargo:rustc-env=PEAKPLAN_COMMIT_DATE={date}");
}

/// `("commit HASH[-dirty], DATE", DATE)`, or `None` outside a checkout of this crate.
fn commit() -> Option<(String, String)> {
    // A crate unpacked inside some other repository must not take that one's commit.
    let top = git(&["rev-parse", "--show-toplevel"])?;
    let here = std::env::current_dir().ok()?;
    if Path::new(&top).canonicalize().ok()? != here.canonicalize().ok()? {
        return None;
    }
    watch_head();
    for s in SOURCES {
        println!("cargo:rerun-if-changed={s}");
    }
    let head = git(&["show", "-s", "--date=short", "--format=%H %cd", "HEAD"])?;
    let (hash, date) = head.split_once(' ')?;
    let mut status = vec!["--no-optional-locks", "status", "--porcelain", "--"];
    status.extend(SOURCES);
    let dirty = if git(&status)?.is_empty() {
        ""
    } else {
        "-dirty"
    };
    let short = hash.get(..12)?;
    Some((format!("commit {short}{dirty}, {date}"), date.to_owned()))
}

/// Reruns this script when HEAD moves: HEAD itself (in a worktree it lives in the
/// worktree's own git directory), the branch's loose ref, and `packed-refs`.
fn watch_head() {
    let path = |name: &str| git(&["rev-parse", "--git-path", name]).map(PathBuf::from);
    let mut watched: Vec<PathBuf> = ["HEAD", "packed-refs"]
        .into_iter()
        .filter_map(path)
        .collect();
    if let Some(branch) = git(&["symbolic-ref", "-q", "HEAD"]).and_then(|b| path(&b)) {
        // A branch that is only packed gets its loose file at its next commit.
        let dir = branch.parent().map(Path::to_path_buf);
        watched.extend(if branch.exists() { Some(branch) } else { dir });
    }
    // A path that does not exist would rerun the script on every build.
    for p in watched.iter().filter(|p| p.exists()) {
        println!("cargo:rerun-if-changed={}", p.display());
    }
}

/// The trimmed output of `git ARGS` in the crate's directory, if it ran and succeeded.
fn git(args: &[&str]) -> Option<String> {
    let out = Command::new("git").args(args).output().ok()?;
    let text = String::from_utf8(out.stdout).ok()?;
    out.status.success().then(|| text.trim().to_owned())
}
