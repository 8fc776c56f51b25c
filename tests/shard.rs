//! `simulate --shard I/N` and `merge`: shards run on different thread counts and merged
//! give the single run's result.json and csv/ byte for byte (and its exit code); the
//! index read from Kubernetes' and Slurm's environment; every bad input exits 2 naming
//! what is wrong.

mod common;

use common::{root, text};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Runs the binary from the crate root with `args`, without the shard variables of the
/// environment the tests run in, plus `env`.
fn run(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_peakplan"));
    c.args(args).current_dir(root());
    for v in [
        "JOB_COMPLETION_INDEX",
        "SLURM_ARRAY_TASK_ID",
        "SLURM_ARRAY_TASK_MIN",
        "SLURM_ARRAY_TASK_COUNT",
        "SLURM_ARRAY_TASK_STEP",
    ] {
        c.env_remove(v);
    }
    c.envs(env.iter().copied());
    c.output().expect("binary runs")
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// `simulate SCENARIO -q -r R --seed SEED --shard SHARD -j THREADS --out DIR`, which must
/// succeed.
fn shard(scenario: &str, r: u32, seed: u64, shard: &str, threads: u32, dir: &Path) {
    let (r, seed, threads) = (r.to_string(), seed.to_string(), threads.to_string());
    let o = run(
        &[
            "simulate",
            scenario,
            "-q",
            "-r",
            &r,
            "--seed",
            &seed,
            "--shard",
            shard,
            "-j",
            &threads,
            "--out",
            s(dir),
        ],
        &[],
    );
    assert!(
        o.status.success(),
        "shard {shard} of {scenario}: {}",
        text(&o.stderr)
    );
}

fn merge(dirs: &[&Path], out: &Path, extra: &[&str]) -> Output {
    let mut args = vec!["merge", "-q", "--no-pdf", "--no-charts", "--out", s(out)];
    args.extend(dirs.iter().map(|d| s(d)));
    args.extend_from_slice(extra);
    run(&args, &[])
}

/// Every file under `dir`, by its path below it.
fn files(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(
                files(&p)
                    .into_iter()
                    .map(|(n, b)| (Path::new(p.file_name().unwrap()).join(n), b)),
            );
        } else {
            out.push((p.file_name().unwrap().into(), std::fs::read(&p).unwrap()));
        }
    }
    out.sort();
    out
}

/// Runs `scenario` with `r` replications whole (2 threads) and as three uneven shards (on
/// 1, 2 and 1 threads, merged out of order): the same bundle and exit code.
fn shards_match_single(scenario: &str, r: u32, seed: u64) {
    let tmp = tempfile::tempdir().unwrap();
    let single = tmp.path().join("single");
    let (rs, seeds) = (r.to_string(), seed.to_string());
    let whole = run(
        &[
            "simulate",
            scenario,
            "-q",
            "-r",
            &rs,
            "--seed",
            &seeds,
            "-j",
            "2",
            "--no-pdf",
            "--no-charts",
            "--out",
            s(&single),
        ],
        &[],
    );
    let dirs: Vec<PathBuf> = (0..3).map(|i| tmp.path().join(format!("s{i}"))).collect();
    for (i, d) in dirs.iter().enumerate() {
        shard(scenario, r, seed, &format!("{i}/3"), [1, 2, 1][i], d);
    }
    let merged_dir = tmp.path().join("merged");
    let merged = merge(&[&dirs[2], &dirs[0], &dirs[1]], &merged_dir, &[]);
    assert_eq!(
        merged.status.code(),
        whole.status.code(),
        "{scenario} seed {seed}: {}",
        text(&merged.stderr)
    );
    let (a, b) = (files(&single), files(&merged_dir));
    assert!(a.iter().any(|(n, _)| n.starts_with("csv")), "csv/ written");
    assert_eq!(
        a.iter().map(|(n, _)| n).collect::<Vec<_>>(),
        b.iter().map(|(n, _)| n).collect::<Vec<_>>()
    );
    for ((name, x), (_, y)) in a.iter().zip(&b) {
        assert!(x == y, "{scenario} seed {seed}: {} differs", name.display());
    }
}

#[test]
fn three_uneven_shards_of_quickstart_give_the_single_runs_bytes() {
    shards_match_single("scenarios/quickstart.yaml", 5, 1);
}

#[test]
fn three_uneven_shards_of_a_queue_job_estate_on_a_cpu_limit_give_the_single_runs_bytes() {
    // queue_job channels, the pods' CPU limit, a marketplace outage: every series and
    // histogram of a replication is busy.
    shards_match_single("scenarios/marketplace-backlog.yaml", 5, 7);
}

#[test]
fn a_breaking_objective_exits_5_after_a_merge_as_after_one_run() {
    let tmp = tempfile::tempdir().unwrap();
    let single = tmp.path().join("single");
    let whole = run(
        &[
            "simulate",
            "scenarios/reporting-replica.yaml",
            "-r",
            "3",
            "--no-pdf",
            "--out",
            s(&single),
        ],
        &[],
    );
    assert_eq!(whole.status.code(), Some(5), "{}", text(&whole.stderr));
    let dirs: Vec<PathBuf> = (0..2).map(|i| tmp.path().join(format!("s{i}"))).collect();
    for (i, d) in dirs.iter().enumerate() {
        shard(
            "scenarios/reporting-replica.yaml",
            3,
            1,
            &format!("{i}/2"),
            2,
            d,
        );
    }
    let out = tmp.path().join("merged");
    let merged = run(
        &[
            "merge",
            s(&dirs[0]),
            s(&dirs[1]),
            "--no-pdf",
            "--out",
            s(&out),
        ],
        &[],
    );
    assert_eq!(merged.status.code(), Some(5), "{}", text(&merged.stderr));
    // The same summary, but for the simulation's wall time, which a merge does not know.
    let strip = |o: &Output| {
        text(&o.stdout)
            .lines()
            .filter(|l| !l.starts_with("wrote"))
            .map(|l| match (l.find(" events in "), l.find(';')) {
                (Some(a), Some(b)) => format!("{} events{}", &l[..a], &l[b..]),
                _ => l.to_owned(),
            })
            .collect::<Vec<_>>()
    };
    assert!(text(&whole.stdout).contains(" events in "));
    assert_eq!(strip(&merged), strip(&whole));
    assert_eq!(
        std::fs::read(single.join("result.json")).unwrap(),
        std::fs::read(out.join("result.json")).unwrap()
    );
    assert!(out.join("charts").is_dir() && !out.join("report.pdf").exists());
}

#[test]
fn the_index_comes_from_kubernetes_or_slurm() {
    let tmp = tempfile::tempdir().unwrap();
    let q = "scenarios/quickstart.yaml";
    let envs: [&[(&str, &str)]; 3] = [
        // A Kubernetes Indexed Job's pod; Slurm's variables lose to it.
        &[("JOB_COMPLETION_INDEX", "0"), ("SLURM_ARRAY_TASK_ID", "9")],
        // A Slurm array submitted as --array=1-3.
        &[
            ("SLURM_ARRAY_TASK_ID", "2"),
            ("SLURM_ARRAY_TASK_MIN", "1"),
            ("SLURM_ARRAY_TASK_COUNT", "3"),
        ],
        // --array=0-2, without the MIN a very old Slurm would not set.
        &[("SLURM_ARRAY_TASK_ID", "2")],
    ];
    let mut dirs = Vec::new();
    for (k, env) in envs.iter().enumerate() {
        let d = tmp.path().join(format!("auto{k}"));
        let o = run(
            &[
                "simulate",
                q,
                "-q",
                "-r",
                "4",
                "--shard",
                "auto/3",
                "--out",
                s(&d),
            ],
            env,
        );
        assert!(o.status.success(), "{env:?}: {}", text(&o.stderr));
        let m: serde_json::Value =
            serde_json::from_slice(&std::fs::read(d.join("manifest.json")).unwrap()).unwrap();
        assert_eq!(m["shard"], k as u64, "{env:?}");
        assert_eq!(m["shards"], 3);
        dirs.push(d);
    }
    let single = tmp.path().join("single");
    let o = run(
        &[
            "simulate",
            q,
            "-q",
            "-r",
            "4",
            "--no-pdf",
            "--no-charts",
            "--out",
            s(&single),
        ],
        &[],
    );
    assert!(o.status.success());
    let merged = tmp.path().join("merged");
    let o = merge(&[&dirs[0], &dirs[1], &dirs[2]], &merged, &[]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert_eq!(
        std::fs::read(single.join("result.json")).unwrap(),
        std::fs::read(merged.join("result.json")).unwrap()
    );
}

/// Exit 2 and a message holding `needle`.
fn refused(o: &Output, needle: &str) {
    let err = text(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains(needle), "wanted {needle:?} in:\n{err}");
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn a_bad_shard_argument_exits_2() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("x");
    let q = "scenarios/quickstart.yaml";
    let go = |shard: &str, r: &str, env: &[(&str, &str)]| {
        run(
            &[
                "simulate",
                q,
                "-q",
                "-r",
                r,
                "--shard",
                shard,
                "--out",
                s(&out),
            ],
            env,
        )
    };
    refused(&go("3/3", "5", &[]), "shard index 3 is outside 0 to 2");
    refused(&go("0/6", "5", &[]), "6 shards for 5 replications");
    refused(
        &go("0/0", "5", &[]),
        "the shard count must be 1 to 1000, not 0",
    );
    refused(&go("1-3", "5", &[]), "`1-3` is not I/N");
    refused(
        &go("x/3", "5", &[]),
        "the shard index `x` is not a whole number",
    );
    refused(
        &go("auto/3", "5", &[]),
        "neither JOB_COMPLETION_INDEX nor SLURM_ARRAY_TASK_ID",
    );
    refused(
        &go("auto/3", "5", &[("JOB_COMPLETION_INDEX", "3")]),
        "shard index 3 is outside",
    );
    refused(
        &go(
            "auto/3",
            "5",
            &[
                ("SLURM_ARRAY_TASK_ID", "1"),
                ("SLURM_ARRAY_TASK_COUNT", "4"),
            ],
        ),
        "the Slurm array has 4 tasks",
    );
    refused(
        &run(
            &[
                "simulate",
                q,
                "--shard",
                "0/2",
                "--until-decided",
                "10",
                "--out",
                s(&out),
            ],
            &[],
        ),
        "cannot be used with",
    );
    refused(&run(&["simulate", q, "--shard", "0/2"], &[]), "--out");
    assert!(!out.exists(), "nothing written");
}

/// Three shards of quickstart (-r 5) in `tmp`, from the scenario at `scenario`.
fn three(tmp: &Path, scenario: &str, seed: u64) -> Vec<PathBuf> {
    (0..3)
        .map(|i| {
            let d = tmp.join(format!("seed{seed}-s{i}"));
            shard(scenario, 5, seed, &format!("{i}/3"), 1, &d);
            d
        })
        .collect()
}

#[test]
fn shards_that_do_not_make_one_run_are_refused_by_name() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let out = t.join("out");
    let q = "scenarios/quickstart.yaml";
    let a = three(t, q, 1);
    let b = three(t, q, 2);
    refused(
        &merge(&[&a[0], &b[1], &a[2]], &out, &[]),
        &format!(
            "their seed differs — 1 in {}, 2 in {}",
            a[0].display(),
            b[1].display()
        ),
    );
    refused(
        &merge(&[&a[0], &a[2]], &out, &[]),
        "replications 1, 2 (of 0 to 4) are in none of the directories given",
    );
    refused(&merge(&[&a[0], &a[2]], &out, &[]), "shard 1/3 too");
    let copy = t.join("copy");
    std::fs::create_dir_all(copy.join("replications")).unwrap();
    for f in [
        "manifest.json",
        "replications/000001.rep",
        "replications/000002.rep",
    ] {
        std::fs::copy(a[1].join(f), copy.join(f)).unwrap();
    }
    refused(
        &merge(&[&a[0], &a[1], &copy, &a[2]], &out, &[]),
        "replication 1 is held twice",
    );
    // Another shard count: the same replications, split otherwise.
    let halves: Vec<PathBuf> = (0..2)
        .map(|i| {
            let d = t.join(format!("half{i}"));
            shard(q, 5, 1, &format!("{i}/2"), 1, &d);
            d
        })
        .collect();
    refused(
        &merge(&[&halves[0], &a[2]], &out, &[]),
        "shard count (N of --shard I/N) differs — 2 in",
    );
    // A directory `simulate --out` wrote, not a shard.
    let bundle = t.join("bundle");
    // One replication decides nothing (exit 6), but the bundle is written.
    let args = [
        "-q",
        "-r",
        "1",
        "--no-pdf",
        "--no-charts",
        "--out",
        s(&bundle),
    ];
    run(&[&["simulate", q][..], &args[..]].concat(), &[]);
    assert!(bundle.join("result.json").is_file());
    refused(&merge(&[&bundle], &out, &[]), "manifest.json: cannot read");
    // Another version: the manifest edited as a different build would have written it.
    let edited = |dir: &Path, from: &str, to: &str| {
        let p = dir.join("manifest.json");
        let m = std::fs::read_to_string(&p).unwrap();
        assert!(m.contains(from));
        std::fs::write(&p, m.replacen(from, to, 1)).unwrap();
    };
    edited(
        &b[0],
        "\"peakplan_version\": \"",
        "\"peakplan_version\": \"9.9.9 ",
    );
    refused(
        &merge(&[&b[0], &b[1], &b[2]], &out, &[]),
        "their peakplan version differs — 9.9.9 ",
    );
    for d in &b[1..] {
        edited(
            d,
            "\"peakplan_version\": \"",
            "\"peakplan_version\": \"9.9.9 ",
        );
    }
    refused(
        &merge(&[&b[0], &b[1], &b[2]], &out, &[]),
        "the shards were run by peakplan 9.9.9 ",
    );
    // A run of four billion replications, as no `simulate` writes.
    edited(&b[0], "\"replications\": 5", "\"replications\": 4000000000");
    refused(
        &merge(&[&b[0]], &out, &[]),
        "damaged shard manifest: `replications` must be 1 to 1000",
    );
    // A manifest from a newer peakplan, and one that is not a manifest at all.
    edited(&b[0], "\"format_version\": 1", "\"format_version\": 7");
    refused(
        &merge(&[&b[0]], &out, &[]),
        "written by a newer peakplan (format_version 7",
    );
    std::fs::write(
        b[1].join("manifest.json"),
        "{\"format\": \"peakplan.simulation\"}",
    )
    .unwrap();
    refused(&merge(&[&b[1]], &out, &[]), "not a shard manifest");
    std::fs::write(b[2].join("manifest.json"), "{\"format\": \"peakplan.sh").unwrap();
    refused(&merge(&[&b[2]], &out, &[]), "truncated");
    assert!(!out.exists(), "nothing written");
}

#[test]
fn a_truncated_foreign_or_misplaced_record_is_refused_by_name() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let out = t.join("out");
    let q = "scenarios/quickstart.yaml";
    let a = three(t, q, 1);
    let b = three(t, q, 2);
    let rec = |d: &Path, i: u32| d.join(format!("replications/{i:06}.rep"));
    let ok = merge(&[&a[0], &a[1], &a[2]], &out, &[]);
    assert!(ok.status.success(), "{}", text(&ok.stderr));
    std::fs::remove_dir_all(&out).unwrap();

    // A record of seed 2's run in seed 1's directory.
    std::fs::copy(rec(&b[1], 1), rec(&a[1], 1)).unwrap();
    refused(
        &merge(&[&a[0], &a[1], &a[2]], &out, &[]),
        "holds replication 1 of another run",
    );
    let bytes = std::fs::read(rec(&b[2], 3)).unwrap();
    std::fs::write(rec(&b[2], 3), &bytes[..bytes.len() / 2]).unwrap();
    refused(
        &merge(&[&b[0], &b[1], &b[2]], &out, &[]),
        "000003.rep: truncated",
    );
    std::fs::write(rec(&b[2], 3), "{\"format\": \"peakplan.simulation\"}").unwrap();
    refused(
        &merge(&[&b[0], &b[1], &b[2]], &out, &[]),
        "000003.rep: not a peakplan replication record",
    );
    let mut flipped = bytes.clone();
    flipped[100] ^= 0x10;
    std::fs::write(rec(&b[2], 3), &flipped).unwrap();
    refused(&merge(&[&b[0], &b[1], &b[2]], &out, &[]), "checksum");
    std::fs::remove_file(rec(&b[2], 3)).unwrap();
    refused(
        &merge(&[&b[0], &b[1], &b[2]], &out, &[]),
        "000003.rep: cannot read (the manifest lists replication 3)",
    );
    assert!(!out.exists(), "nothing written");
}

#[test]
fn merge_finds_the_scenario_and_refuses_one_changed_or_moved() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let out = t.join("out");
    // A copy of quickstart beside the shipped profiles (its `../profiles/` paths resolve).
    let study = t.join("study");
    std::fs::create_dir_all(study.join("scenarios")).unwrap();
    std::os::unix::fs::symlink(root().join("profiles"), study.join("profiles")).unwrap();
    let scenario = study.join("scenarios/quickstart.yaml");
    let original = std::fs::read_to_string(root().join("scenarios/quickstart.yaml")).unwrap();
    std::fs::write(&scenario, &original).unwrap();
    let a = three(t, s(&scenario), 1);

    // Edited between two shards: the shards disagree on its hash.
    std::fs::write(&scenario, format!("{original}\n# edited\n")).unwrap();
    let late = t.join("late");
    shard(s(&scenario), 5, 1, "2/3", 1, &late);
    refused(
        &merge(&[&a[0], &a[1], &late], &out, &[]),
        &format!("input {} is fnv1a64:", scenario.display()),
    );
    // Edited after every shard ran: the shards agree, the file does not.
    refused(
        &merge(&[&a[0], &a[1], &a[2]], &out, &[]),
        &format!("{} changed since the shards ran", scenario.display()),
    );
    std::fs::write(&scenario, &original).unwrap();
    // Moved: not found where the shards read it; --scenario names the new place.
    let moved = study.join("scenarios/moved");
    std::fs::create_dir_all(&moved).unwrap();
    std::fs::rename(&scenario, moved.join("quickstart.yaml")).unwrap();
    refused(
        &merge(&[&a[0], &a[1], &a[2]], &out, &[]),
        "cannot load the scenario the shards ran",
    );
    // Its profiles are no longer where `../profiles/` points from the new place.
    refused(
        &merge(
            &[&a[0], &a[1], &a[2]],
            &out,
            &["--scenario", s(&moved.join("quickstart.yaml"))],
        ),
        "not found",
    );
    std::fs::rename(moved.join("quickstart.yaml"), study.join("quickstart.yaml")).unwrap();
    std::os::unix::fs::symlink(root().join("profiles"), t.join("profiles")).unwrap();
    refused(
        &merge(
            &[&a[0], &a[1], &a[2]],
            &out,
            &["--scenario", s(&study.join("other.yaml"))],
        ),
        "is not the file the shards ran",
    );
    // The same files from another place: merged, and the single run's result.
    let o = merge(
        &[&a[0], &a[1], &a[2]],
        &out,
        &["--scenario", s(&study.join("quickstart.yaml"))],
    );
    assert!(o.status.success(), "{}", text(&o.stderr));
    let single = t.join("single");
    let whole = run(
        &[
            "simulate",
            "scenarios/quickstart.yaml",
            "-q",
            "-r",
            "5",
            "--no-pdf",
            "--no-charts",
            "--out",
            s(&single),
        ],
        &[],
    );
    assert!(whole.status.success());
    assert_eq!(
        std::fs::read(single.join("result.json")).unwrap(),
        std::fs::read(out.join("result.json")).unwrap()
    );
}
