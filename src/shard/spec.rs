//! `--shard I/N`: which shard this process is, and which replications it runs.
//!
//! Shard `I` of `N` runs a contiguous block of the run's `R` replications,
//! `I·R/N .. (I+1)·R/N` (integer division): blocks differ in size by at most one, and
//! shard 0 holds replication 0. `auto/N` takes `I` from the environment:
//! `JOB_COMPLETION_INDEX` (a Kubernetes Indexed Job, 0-based), else
//! `SLURM_ARRAY_TASK_ID` − `SLURM_ARRAY_TASK_MIN` (a Slurm array may start at 1, or at
//! any number; the lowest task is shard 0).

use std::ops::Range;

/// Where the shard index comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Index {
    Given(u32),
    /// `auto`: from `JOB_COMPLETION_INDEX` or the Slurm array task.
    Auto,
}

/// `--shard I/N` as written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ShardArg {
    pub index: Index,
    pub count: u32,
}

/// A shard of a run: index `index` of `count`, both checked against the run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shard {
    pub index: u32,
    pub count: u32,
}

/// Shards are at most this many (the replications are at most 1,000 too).
pub const MAX_SHARDS: u32 = 1000;

/// Parses `I/N` or `auto/N` (clap's value parser: the message follows `invalid value`).
pub fn parse(text: &str) -> Result<ShardArg, String> {
    let hint = "write I/N: this process's shard I (0 to N-1) of N shards, or auto/N to read I from JOB_COMPLETION_INDEX or SLURM_ARRAY_TASK_ID";
    let Some((i, n)) = text.split_once('/') else {
        return Err(format!("`{text}` is not I/N; {hint}"));
    };
    let count: u32 = n
        .trim()
        .parse()
        .map_err(|_| format!("the shard count `{n}` is not a whole number; {hint}"))?;
    if count == 0 || count > MAX_SHARDS {
        return Err(format!(
            "the shard count must be 1 to {MAX_SHARDS}, not {count}"
        ));
    }
    let index = match i.trim() {
        "auto" => Index::Auto,
        i => Index::Given(i.parse().map_err(|_| {
            format!("the shard index `{i}` is not a whole number or `auto`; {hint}")
        })?),
    };
    Ok(ShardArg { index, count })
}

impl ShardArg {
    /// The shard of a run of `replications`, its index read through `env` for `auto`.
    pub fn resolve(
        self,
        replications: u32,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Shard, String> {
        let index = match self.index {
            Index::Given(i) => i,
            Index::Auto => from_env(&env, self.count)?,
        };
        if index >= self.count {
            return Err(format!(
                "error: shard index {index} is outside 0 to {} (--shard I/N counts from 0)\n  hint: with {} shards the indices are 0 to {}",
                self.count - 1,
                self.count,
                self.count - 1
            ));
        }
        if self.count > replications {
            return Err(format!(
                "error: {} shards for {replications} replications: a shard would hold none\n  hint: use at most {replications} shards, or more replications (-r)",
                self.count
            ));
        }
        Ok(Shard {
            index,
            count: self.count,
        })
    }
}

/// The shard index from the environment, checked against the array's own size when
/// Slurm says it.
fn from_env(env: &impl Fn(&str) -> Option<String>, count: u32) -> Result<u32, String> {
    let number = |name: &str| -> Result<Option<u32>, String> {
        match env(name) {
            None => Ok(None),
            Some(v) => v.trim().parse().map(Some).map_err(|_| {
                format!("error: {name}={v:?} is not a whole number\n  hint: --shard auto/N reads the shard index from it")
            }),
        }
    };
    if let Some(i) = number("JOB_COMPLETION_INDEX")? {
        return Ok(i);
    }
    let Some(id) = number("SLURM_ARRAY_TASK_ID")? else {
        return Err("error: --shard auto/N found neither JOB_COMPLETION_INDEX nor SLURM_ARRAY_TASK_ID in the environment\n  hint: run it in a Kubernetes Indexed Job or a Slurm array (sbatch --array), or give the index: --shard I/N".into());
    };
    if let Some(step) = number("SLURM_ARRAY_TASK_STEP")?.filter(|s| *s != 1) {
        return Err(format!(
            "error: the Slurm array steps by {step} (SLURM_ARRAY_TASK_STEP): its task ids are not consecutive shard indices\n  hint: submit a consecutive array, e.g. sbatch --array=0-{}",
            count - 1
        ));
    }
    let min = number("SLURM_ARRAY_TASK_MIN")?.unwrap_or(0);
    if let Some(tasks) = number("SLURM_ARRAY_TASK_COUNT")?.filter(|t| *t != count) {
        return Err(format!(
            "error: the Slurm array has {tasks} tasks (SLURM_ARRAY_TASK_COUNT) but --shard auto/{count} asks for {count} shards\n  hint: submit sbatch --array=0-{} for {count} shards",
            count - 1
        ));
    }
    id.checked_sub(min).ok_or_else(|| {
        format!("error: SLURM_ARRAY_TASK_ID={id} is below SLURM_ARRAY_TASK_MIN={min}\n  hint: is the environment Slurm's own?")
    })
}

impl Shard {
    /// The replications this shard runs, of `replications` in all.
    pub fn range(self, replications: u32) -> Range<u32> {
        let at = |i: u32| (u64::from(i) * u64::from(replications) / u64::from(self.count)) as u32;
        at(self.index)..at(self.index + 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env<'a>(vars: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |name| {
            vars.iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| (*v).to_owned())
        }
    }

    #[test]
    fn blocks_cover_every_replication_once_and_differ_by_at_most_one() {
        for r in 1..=40u32 {
            for n in 1..=r {
                let mut next = 0;
                for i in 0..n {
                    let range = Shard { index: i, count: n }.range(r);
                    assert_eq!(range.start, next, "r {r} n {n} i {i}");
                    let len = range.len() as u32;
                    assert!(len == r / n || len == r / n + 1, "r {r} n {n} i {i}");
                    next = range.end;
                }
                assert_eq!(next, r);
            }
        }
        assert_eq!(Shard { index: 1, count: 3 }.range(5), 1..3);
    }

    #[test]
    fn parses_and_refuses() {
        assert_eq!(
            parse("2/3"),
            Ok(ShardArg {
                index: Index::Given(2),
                count: 3
            })
        );
        assert_eq!(parse("auto/4").unwrap().index, Index::Auto);
        for bad in ["3", "a/3", "1/0", "1/x", "-1/3", "1/3/4", "", "1/1001"] {
            assert!(parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn resolves_against_the_run_and_the_environment() {
        let given = |i, n| ShardArg {
            index: Index::Given(i),
            count: n,
        };
        assert!(given(3, 3).resolve(5, env(&[])).is_err());
        assert!(given(0, 6).resolve(5, env(&[])).is_err());
        assert_eq!(given(2, 5).resolve(5, env(&[])).unwrap().index, 2);
        let auto = ShardArg {
            index: Index::Auto,
            count: 3,
        };
        assert!(auto.resolve(5, env(&[])).unwrap_err().contains("neither"));
        let k8s = env(&[("JOB_COMPLETION_INDEX", "2"), ("SLURM_ARRAY_TASK_ID", "0")]);
        assert_eq!(auto.resolve(5, k8s).unwrap().index, 2);
        let slurm = env(&[("SLURM_ARRAY_TASK_ID", "3"), ("SLURM_ARRAY_TASK_MIN", "1")]);
        assert_eq!(auto.resolve(5, slurm).unwrap().index, 2);
        let beyond = env(&[("SLURM_ARRAY_TASK_ID", "3")]);
        assert!(auto.resolve(5, beyond).unwrap_err().contains("outside"));
        let counted = env(&[
            ("SLURM_ARRAY_TASK_ID", "0"),
            ("SLURM_ARRAY_TASK_COUNT", "4"),
        ]);
        assert!(auto.resolve(5, counted).unwrap_err().contains("4 tasks"));
        let stepped = env(&[("SLURM_ARRAY_TASK_ID", "2"), ("SLURM_ARRAY_TASK_STEP", "2")]);
        assert!(auto.resolve(5, stepped).unwrap_err().contains("steps by 2"));
        let junk = env(&[("JOB_COMPLETION_INDEX", "x")]);
        assert!(
            auto.resolve(5, junk)
                .unwrap_err()
                .contains("not a whole number")
        );
    }
}
