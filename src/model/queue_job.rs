//! OCA `queue_job` configuration: the channel tree and the retry policy, validated.
//!
//! The channel string is the one an estate already has in `ODOO_QUEUE_JOB_CHANNELS` or
//! `[queue_job] channels=` (default `root:1`), parsed with queue_job's own grammar
//! (`ChannelManager.parse_simple_config` and `get_channel_by_name` in
//! `queue_job/jobrunner/channels.py`, OCA/queue):
//!
//! * items are separated by `,` or line breaks; whitespace around every part is ignored and
//!   empty items (trailing commas) are dropped;
//! * an item is `name(.sub)*(:capacity(:key(=value)?)*)?`; a missing capacity means 1;
//! * a name not starting with `root.` is a child of root (`sub:2` is `root.sub:2`);
//!   missing intermediate channels are created with unlimited capacity;
//! * root keeps capacity 1 unless configured (`A:4` alone still runs one job at a time);
//! * capacity 0 means unlimited (`Channel.has_capacity`: `if not self.capacity`);
//! * a sequential channel must have capacity 1 (`Channel.configure` raises otherwise).
//!
//! Where queue_job silently does something surprising, this parser refuses with a hint
//! instead, because a capacity plan built on a misread configuration is worse than none:
//! unknown options (queue_job ignores them), a channel configured twice (queue_job keeps
//! the last), `sequential=…` with a value (queue_job reads any non-empty value, even
//! `false`, as true), `throttle` without a value (queue_job reads it as 1 s), negative
//! numbers and empty name segments.
//!
//! The retry policy follows `Job._get_retry_seconds` and `Job.perform` in
//! `queue_job/job.py` and `RunJobController.runjob` in `queue_job/controllers/main.py`.

use super::SimTime;
use std::fmt;

/// queue_job's default channel configuration.
pub const DEFAULT_CHANNELS: &str = "root:1";
/// `DEFAULT_PRIORITY` (queue_job/job.py): lower runs first.
pub const DEFAULT_PRIORITY: i32 = 10;
/// `DEFAULT_MAX_RETRIES` (queue_job/job.py); 0 means retry forever.
pub const DEFAULT_MAX_RETRIES: u32 = 5;
/// `RETRY_INTERVAL` (queue_job/job.py): the delay when no pattern step applies.
pub const RETRY_INTERVAL: SimTime = SimTime::from_secs(600);
/// `PG_RETRY` (queue_job/controllers/main.py): delay after a PostgreSQL concurrency error.
pub const PG_RETRY: SimTime = SimTime::from_secs(5);

/// Recent runners' grace before a job `enqueued`/`started` without its lock counts as
/// dead (`Database._query_requeue_dead_jobs`, queue_job/jobrunner/runner.py:
/// `date_enqueued < now() - INTERVAL '10 sec'`).
pub const DEAD_JOB_GRACE: SimTime = SimTime::from_secs(10);
/// `SELECT_TIMEOUT` (queue_job/jobrunner/runner.py): the runner's loop waits at most this
/// long for a notification when no channel has a wake-up time.
pub const SELECT_TIMEOUT: SimTime = SimTime::from_secs(60);
/// The `Jobs Garbage Collector` cron of older queue_job (`requeue_stuck_jobs`), every
/// 5 minutes (queue_job/data/queue_data.xml).
pub const STUCK_CRON_INTERVAL: SimTime = SimTime::from_secs(300);

/// How a job whose worker died (`limit_time_real`) leaves `started`: until it does, the
/// runner counts it as running and its channel slot stays taken.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Requeue {
    /// Recent runners (the `queue_job_lock` table): `requeue_dead_jobs` on every loop of
    /// the runner puts a job back to pending once its lock is free and it was enqueued
    /// more than [`DEAD_JOB_GRACE`] ago, with `retry + 1` — or fails it (`JobFoundDead`)
    /// when `retry` was already above `max_retries`.
    DeadJobs,
    /// Older versions: only the `requeue_stuck_jobs` cron, every
    /// [`STUCK_CRON_INTERVAL`], requeues jobs started more than `started_delta` ago
    /// (retries reset); `None` — its default, `started_delta=0` — never does: the slot
    /// stays taken for good.
    StuckCron { started_delta: Option<SimTime> },
}

/// Where the runner sends `/queue_job/runjob` (`ODOO_QUEUE_JOB_HOST`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JobHost {
    /// Its default, the Odoo it runs in (`http_interface` or `localhost`): in Kubernetes
    /// every job runs on the pod that runs the runner (pod 1).
    RunnerPod,
    /// A Kubernetes Service in front of the pods: kube-proxy picks a pod at random for
    /// each connection.
    Service,
}

/// A configuration problem, in the shape validation wraps (message + hint).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChannelError {
    pub message: String,
    pub hint: String,
}

impl fmt::Display for ChannelError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (hint: {})", self.message, self.hint)
    }
}

impl std::error::Error for ChannelError {}

fn err(message: String, hint: &str) -> ChannelError {
    ChannelError {
        message,
        hint: hint.to_owned(),
    }
}

/// One channel of the tree.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Channel {
    /// Dotted name from root, e.g. `root.sale.import`.
    pub full_name: String,
    /// Index of the parent channel; `None` for root only.
    pub parent: Option<usize>,
    /// Jobs the channel lets through at once (its own and its descendants'); `None` =
    /// unlimited (written as 0, or an intermediate channel created implicitly).
    pub capacity: Option<u32>,
    /// One job at a time, in strict order, and blocked behind a job that failed for good.
    pub sequential: bool,
    /// Minimum time between two jobs leaving the channel; `ZERO` = no throttle.
    pub throttle: SimTime,
    /// Written in the configuration (false: created implicitly as an intermediate).
    pub configured: bool,
}

/// The validated channel tree. Index 0 is root; every parent precedes its children.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Channels {
    channels: Vec<Channel>,
}

impl Default for Channels {
    /// `root:1`, queue_job's default.
    fn default() -> Self {
        Channels {
            channels: vec![Channel {
                full_name: "root".to_owned(),
                parent: None,
                capacity: Some(1),
                sequential: false,
                throttle: SimTime::ZERO,
                configured: false,
            }],
        }
    }
}

impl Channels {
    pub const ROOT: usize = 0;

    pub fn len(&self) -> usize {
        self.channels.len()
    }

    pub fn is_empty(&self) -> bool {
        self.channels.is_empty()
    }

    pub fn get(&self, index: usize) -> &Channel {
        &self.channels[index]
    }

    pub fn iter(&self) -> impl Iterator<Item = &Channel> {
        self.channels.iter()
    }

    /// Resolves a job's channel name as `ChannelManager.get_channel_by_name` does (empty or
    /// `root` is root; `sub` is `root.sub`). `None` for a channel not in the tree: queue_job
    /// would fall back to root (older versions) or auto-create it with unlimited capacity
    /// under its nearest configured ancestor (newer ones); the scenario refuses it instead.
    pub fn find(&self, name: &str) -> Option<usize> {
        let name = name.trim();
        if name.is_empty() || name == "root" {
            return Some(Self::ROOT);
        }
        let full = qualify(name);
        self.channels.iter().position(|c| c.full_name == full)
    }

    /// The channel at `full_name`, created (with its missing ancestors, unconfigured and
    /// unlimited) if absent.
    fn get_or_create(&mut self, full_name: &str) -> usize {
        let mut parent = Self::ROOT;
        let mut end = "root".len();
        for segment in full_name["root.".len()..].split('.') {
            end += 1 + segment.len();
            let prefix = &full_name[..end];
            parent = match self.channels.iter().position(|c| c.full_name == prefix) {
                Some(i) => i,
                None => {
                    self.channels.push(Channel {
                        full_name: prefix.to_owned(),
                        parent: Some(parent),
                        capacity: None,
                        sequential: false,
                        throttle: SimTime::ZERO,
                        configured: false,
                    });
                    self.channels.len() - 1
                }
            };
        }
        parent
    }
}

/// `sub` → `root.sub`, `root.sub` unchanged.
fn qualify(name: &str) -> String {
    if name.starts_with("root.") {
        name.to_owned()
    } else {
        format!("root.{name}")
    }
}

/// One parsed item, before it is placed in the tree.
struct Item {
    full_name: String,
    capacity: Option<u32>,
    sequential: bool,
    throttle: SimTime,
}

/// Parses a channel configuration string (see the module documentation for the grammar).
pub fn parse_channels(text: &str) -> Result<Channels, ChannelError> {
    let mut channels = Channels::default();
    let mut seen: Vec<(String, String)> = Vec::new();
    let normalized = text.replace('\n', ",");
    for raw in normalized.split(',').map(str::trim) {
        if raw.is_empty() {
            continue;
        }
        let item = parse_item(raw)?;
        if let Some((_, first)) = seen.iter().find(|(n, _)| *n == item.full_name) {
            return Err(err(
                format!(
                    "channel `{}` is configured twice (`{first}` and `{raw}`)",
                    item.full_name
                ),
                "queue_job silently keeps the last one; keep a single item per channel",
            ));
        }
        seen.push((item.full_name.clone(), raw.to_owned()));
        let index = if item.full_name == "root" {
            Channels::ROOT
        } else {
            channels.get_or_create(&item.full_name)
        };
        let c = &mut channels.channels[index];
        c.capacity = item.capacity;
        c.sequential = item.sequential;
        c.throttle = item.throttle;
        c.configured = true;
    }
    Ok(channels)
}

fn parse_item(raw: &str) -> Result<Item, ChannelError> {
    let mut parts = raw.split(':').map(str::trim);
    let name = parts.next().unwrap_or_default();
    if name.is_empty() {
        return Err(err(
            format!("channel item `{raw}` has no channel name"),
            "write `name:capacity`, e.g. `root.sub:2`",
        ));
    }
    let full_name = if name == "root" {
        name.to_owned()
    } else {
        qualify(name)
    };
    if full_name.split('.').any(|s| s.trim().is_empty()) {
        return Err(err(
            format!("channel `{name}` in `{raw}` has an empty name segment"),
            "channel names are dot-separated, e.g. `root.sale.import`",
        ));
    }
    let capacity = match parts.next() {
        None => Some(1),
        Some(text) => parse_capacity(raw, text)?,
    };
    let mut item = Item {
        full_name,
        capacity,
        sequential: false,
        throttle: SimTime::ZERO,
    };
    let mut keys: Vec<&str> = Vec::new();
    for option in parts {
        let key = parse_option(raw, option, &mut item)?;
        if keys.contains(&key) {
            return Err(err(
                format!("option `{key}` appears twice in `{raw}`"),
                "give each option once",
            ));
        }
        keys.push(key);
    }
    if item.sequential && item.capacity != Some(1) {
        return Err(err(
            format!("sequential channel `{name}` in `{raw}` must have capacity 1"),
            "queue_job refuses to start otherwise; write `name:1:sequential`",
        ));
    }
    Ok(item)
}

fn parse_capacity(raw: &str, text: &str) -> Result<Option<u32>, ChannelError> {
    let hint = "capacity is a whole number of jobs running at once (0 = unlimited), e.g. `A:4`";
    if text.is_empty() {
        return Err(err(
            format!("channel item `{raw}` has an empty capacity"),
            hint,
        ));
    }
    if text.starts_with('-') {
        return Err(err(
            format!("channel item `{raw}` has a negative capacity `{text}`"),
            hint,
        ));
    }
    match text.parse::<u32>() {
        Ok(0) => Ok(None),
        Ok(n) => Ok(Some(n)),
        Err(_) => Err(err(
            format!("channel item `{raw}` has an invalid capacity `{text}`"),
            hint,
        )),
    }
}

/// Applies one `key(=value)?` option to `item` and returns its key.
fn parse_option<'a>(raw: &str, option: &'a str, item: &mut Item) -> Result<&'a str, ChannelError> {
    let kv: Vec<&str> = option.split('=').map(str::trim).collect();
    let (key, value) = match kv.as_slice() {
        [k] => (*k, None),
        [k, v] => (*k, Some(*v)),
        _ => {
            return Err(err(
                format!("option `{option}` in `{raw}` has more than one `=`"),
                "options are `key` or `key=value`, e.g. `throttle=2`",
            ));
        }
    };
    match (key, value) {
        ("", _) => Err(err(
            format!("channel item `{raw}` has an empty option (a stray `:`)"),
            "options follow the capacity: `name:capacity:sequential` or `name:capacity:throttle=2`",
        )),
        ("sequential", None) => {
            item.sequential = true;
            Ok(key)
        }
        ("sequential", Some(v)) => Err(err(
            format!("option `sequential={v}` in `{raw}` takes no value"),
            "queue_job reads any non-empty value, even `false`, as true; write `sequential` alone, or drop it",
        )),
        ("throttle", Some(v)) => match v.parse::<u64>() {
            Ok(s) => {
                item.throttle = SimTime::from_secs(s);
                Ok(key)
            }
            Err(_) => Err(err(
                format!("option `throttle={v}` in `{raw}` is not a whole number of seconds"),
                "throttle is the minimum delay in seconds between two jobs, e.g. `throttle=2`",
            )),
        },
        ("throttle", None) => Err(err(
            format!("option `throttle` in `{raw}` needs a value"),
            "write `throttle=SECONDS`, e.g. `throttle=2` (queue_job reads a bare `throttle` as 1 s)",
        )),
        ("capacity" | "name", _) => Err(err(
            format!("option `{key}` in `{raw}` repeats a positional field"),
            "write `name:capacity`; queue_job rejects this as a duplicate key",
        )),
        _ => Err(err(
            format!("unknown option `{key}` in `{raw}`"),
            "known options are `sequential` and `throttle=SECONDS`; queue_job ignores anything else",
        )),
    }
}

/// A job's `retry_pattern`: from try `n` on (the key), wait that many seconds (the value).
/// Steps are sorted by try count. Empty = always [`RETRY_INTERVAL`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RetryPattern {
    steps: Vec<(u32, SimTime)>,
}

impl RetryPattern {
    /// The delay before the next try after `tries` tries failed, as
    /// `Job._get_retry_seconds` (queue_job/job.py) computes it: the value of the largest
    /// key ≤ `tries`, or [`RETRY_INTERVAL`] when every key is larger.
    pub fn delay(&self, tries: u32) -> SimTime {
        self.steps
            .iter()
            .take_while(|(from, _)| tries >= *from)
            .last()
            .map_or(RETRY_INTERVAL, |(_, d)| *d)
    }

    /// Parses the Python dict form, e.g. `{1: 60, 2: 180, 3: 10, 5: 300}`.
    pub fn parse(text: &str) -> Result<RetryPattern, ChannelError> {
        let hint = "write a dict of try count to seconds, e.g. `{1: 60, 2: 180, 5: 300}`";
        let body = text
            .trim()
            .strip_prefix('{')
            .and_then(|t| t.strip_suffix('}'))
            .ok_or_else(|| {
                err(
                    format!("retry pattern `{text}` is not a `{{…}}` dict"),
                    hint,
                )
            })?;
        let mut steps: Vec<(u32, SimTime)> = Vec::new();
        for entry in body.split(',').map(str::trim).filter(|e| !e.is_empty()) {
            let (k, v) = entry
                .split_once(':')
                .ok_or_else(|| err(format!("retry pattern entry `{entry}` has no `:`"), hint))?;
            let (k, v) = (k.trim(), v.trim());
            let tries: u32 = k.parse().map_err(|_| {
                err(
                    format!("retry pattern key `{k}` is not a whole number of tries"),
                    hint,
                )
            })?;
            let secs: u64 = v.parse().map_err(|_| {
                err(
                    format!("retry pattern value `{v}` (for try {tries}) is not a whole number of seconds"),
                    "values are seconds; queue_job's (min, max) random ranges are not supported here",
                )
            })?;
            if steps.iter().any(|(t, _)| *t == tries) {
                return Err(err(
                    format!("retry pattern key {tries} appears twice"),
                    "give each try count once",
                ));
            }
            steps.push((tries, SimTime::from_secs(secs)));
        }
        steps.sort_unstable();
        Ok(RetryPattern { steps })
    }
}

/// Why a try failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Failure {
    /// `RetryableJobError`, optionally with its own delay (`seconds=`), which overrides
    /// the pattern.
    Retryable { seconds: Option<SimTime> },
    /// A PostgreSQL concurrency error (serialization failure, deadlock): the controller
    /// postpones the job by [`PG_RETRY`] without checking `max_retries`.
    PgConcurrency,
    /// Any other exception: the job is set failed at once.
    Error,
}

/// What happens to a job after a failed try.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AfterFailure {
    /// Back to pending, with an eta this far after now.
    RetryAfter(SimTime),
    /// State `failed`, for good.
    Failed,
}

/// A job's retry settings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Tries before a retryable failure becomes final; 0 = retry forever.
    pub max_retries: u32,
    pub pattern: RetryPattern,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_retries: DEFAULT_MAX_RETRIES,
            pattern: RetryPattern::default(),
        }
    }
}

impl RetryPolicy {
    /// The outcome of try number `tries` (1 for the first) failing with `failure`.
    ///
    /// `Job.perform` counts the try before running it (`self.retry += 1`) and turns a
    /// `RetryableJobError` into `FailedJobError` when `retry >= max_retries` (unless
    /// `max_retries` is 0). The controller catches a concurrency `OperationalError`
    /// outside that check and postpones by `PG_RETRY`, so such tries are still counted
    /// (the caller must count them) but never make the job fail.
    pub fn after_failure(&self, tries: u32, failure: Failure) -> AfterFailure {
        match failure {
            Failure::Error => AfterFailure::Failed,
            Failure::PgConcurrency => AfterFailure::RetryAfter(PG_RETRY),
            Failure::Retryable { .. } if self.max_retries != 0 && tries >= self.max_retries => {
                AfterFailure::Failed
            }
            // `if not seconds and retry_pattern`: 0 s counts as "not given".
            Failure::Retryable { seconds: Some(s) } if s > SimTime::ZERO => {
                AfterFailure::RetryAfter(s)
            }
            Failure::Retryable { .. } => AfterFailure::RetryAfter(self.pattern.delay(tries)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Renders a tree as `name:capacity[:seq][:throttle=N][*]` items (`*` = implicit,
    /// `inf` = unlimited), with the parent's index, for compact expectations.
    fn render(c: &Channels) -> String {
        c.iter()
            .map(|ch| {
                let cap = ch.capacity.map_or("inf".to_owned(), |n| n.to_string());
                let mut s = format!("{}:{cap}", ch.full_name);
                if ch.sequential {
                    s += ":seq";
                }
                if ch.throttle > SimTime::ZERO {
                    s += &format!(":throttle={}", ch.throttle.as_secs_f64());
                }
                if !ch.configured {
                    s += "*";
                }
                if let Some(p) = ch.parent {
                    s += &format!("<{p}");
                }
                s
            })
            .collect::<Vec<_>>()
            .join(" ")
    }

    fn check(input: &str, expect: &str) {
        let got = parse_channels(input).unwrap_or_else(|e| panic!("{input:?}: {e}"));
        assert_eq!(render(&got), expect, "input {input:?}");
    }

    #[test]
    fn valid_configurations() {
        check("root:1", "root:1");
        check("", "root:1*");
        check(
            "root:4,root.sub:2,A:4:throttle=2",
            "root:4 root.sub:2<0 root.A:4:throttle=2<0",
        );
        // Root not configured keeps capacity 1; `sub` is `root.sub`.
        check("sub:2", "root:1* root.sub:2<0");
        // Missing capacity means 1; capacity 0 means unlimited.
        check("root, A, B:0", "root:1 root.A:1<0 root.B:inf<0");
        // Intermediate channels are created unlimited and may be configured later.
        check(
            "root:4,autosub.sub:2,seq:1:sequential",
            "root:4 root.autosub:inf*<0 root.autosub.sub:2<1 root.seq:1:seq<0",
        );
        check("a.b:2, a:3", "root:1* root.a:3<0 root.a.b:2<1");
        // Whitespace, line breaks, empty items, spaces inside names (as queue_job's doctests).
        check(
            "\n  root : 4\n  ,\n  foo bar:1:  throttle = 3 ,\n",
            "root:4 root.foo bar:1:throttle=3<0",
        );
    }

    #[test]
    fn find_resolves_like_get_channel_by_name() {
        let c = parse_channels("root:4,sale.import:2").unwrap();
        for (name, expect) in [
            ("", Some(0)),
            ("root", Some(0)),
            ("sale", Some(1)),
            ("root.sale", Some(1)),
            ("sale.import", Some(2)),
            ("root.sale.import", Some(2)),
            ("import", None),
            ("root.nope", None),
        ] {
            assert_eq!(c.find(name), expect, "find({name:?})");
        }
    }

    fn check_err(input: &str, message: &str, hint: &str) {
        let e = parse_channels(input).expect_err(input);
        assert!(
            e.message.contains(message),
            "{input:?}: message {:?}",
            e.message
        );
        assert!(e.hint.contains(hint), "{input:?}: hint {:?}", e.hint);
    }

    #[test]
    fn malformed_configurations() {
        for (input, message, hint) in [
            (":4", "`:4` has no channel name", "name:capacity"),
            ("root:4, :2", "`:2` has no channel name", "name:capacity"),
            ("A..B:2", "empty name segment", "dot-separated"),
            ("root.:2", "empty name segment", "dot-separated"),
            ("A.:2", "empty name segment", "dot-separated"),
            ("A:", "`A:` has an empty capacity", "whole number"),
            ("A:x", "invalid capacity `x`", "whole number"),
            ("A:2.5", "invalid capacity `2.5`", "whole number"),
            ("A:-1", "negative capacity `-1`", "whole number"),
            ("A:99999999999", "invalid capacity", "whole number"),
            ("A:4:", "empty option", "options follow"),
            (
                "A:4:bogus",
                "unknown option `bogus` in `A:4:bogus`",
                "sequential",
            ),
            ("A:4:prio=3", "unknown option `prio`", "ignores"),
            (
                "A:4:throttle",
                "`throttle` in `A:4:throttle` needs a value",
                "throttle=2",
            ),
            ("A:4:throttle=x", "`throttle=x`", "seconds"),
            ("A:4:throttle=-2", "`throttle=-2`", "seconds"),
            ("A:4:throttle=1=2", "more than one `=`", "key=value"),
            (
                "A:4:throttle=1:throttle=2",
                "option `throttle` appears twice",
                "once",
            ),
            ("A:1:sequential=false", "takes no value", "even `false`"),
            (
                "A:2:sequential",
                "must have capacity 1",
                "name:1:sequential",
            ),
            (
                "A:0:sequential",
                "must have capacity 1",
                "name:1:sequential",
            ),
            (
                "A:4:capacity=2",
                "repeats a positional field",
                "duplicate key",
            ),
            (
                "A:4,root.A:2",
                "`root.A` is configured twice (`A:4` and `root.A:2`)",
                "last",
            ),
            ("root:2,root:4", "`root` is configured twice", "single item"),
        ] {
            check_err(input, message, hint);
        }
    }

    #[test]
    fn retry_delays_follow_the_pattern() {
        let s = SimTime::from_secs;
        let p = RetryPattern::parse("{1: 60, 2: 180, 3: 10, 5: 300}").unwrap();
        for (tries, expect) in [
            (0, 600),
            (1, 60),
            (2, 180),
            (3, 10),
            (4, 10),
            (5, 300),
            (40, 300),
        ] {
            assert_eq!(p.delay(tries), s(expect), "tries {tries}");
        }
        // Unsorted input; tries below the first key get the default interval.
        let p = RetryPattern::parse(" {5:300, 3 : 10} ").unwrap();
        for (tries, expect) in [(1, 600), (2, 600), (3, 10), (4, 10), (5, 300)] {
            assert_eq!(p.delay(tries), s(expect), "tries {tries}");
        }
        assert_eq!(RetryPattern::parse("{}").unwrap().delay(3), RETRY_INTERVAL);
    }

    #[test]
    fn malformed_retry_patterns() {
        for (input, message) in [
            ("1: 60", "not a `{…}` dict"),
            ("{1 60}", "has no `:`"),
            ("{a: 60}", "key `a`"),
            ("{-1: 60}", "key `-1`"),
            ("{1: (10, 20)}", "value `(10`"),
            ("{1: 60, 1: 30}", "key 1 appears twice"),
        ] {
            let e = RetryPattern::parse(input).expect_err(input);
            assert!(e.message.contains(message), "{input:?}: {:?}", e.message);
            assert!(!e.hint.is_empty());
        }
    }

    #[test]
    fn after_failure_follows_queue_job() {
        let s = SimTime::from_secs;
        let policy = RetryPolicy {
            max_retries: 3,
            pattern: RetryPattern::parse("{1: 60, 2: 180}").unwrap(),
        };
        let retryable = Failure::Retryable { seconds: None };
        use AfterFailure::*;
        for (tries, failure, expect) in [
            (1, retryable, RetryAfter(s(60))),
            (2, retryable, RetryAfter(s(180))),
            (3, retryable, Failed),
            (
                1,
                Failure::Retryable {
                    seconds: Some(s(7)),
                },
                RetryAfter(s(7)),
            ),
            (
                1,
                Failure::Retryable {
                    seconds: Some(SimTime::ZERO),
                },
                RetryAfter(s(60)),
            ),
            (
                3,
                Failure::Retryable {
                    seconds: Some(s(7)),
                },
                Failed,
            ),
            (9, Failure::PgConcurrency, RetryAfter(PG_RETRY)),
            (1, Failure::Error, Failed),
        ] {
            assert_eq!(
                policy.after_failure(tries, failure),
                expect,
                "{tries} {failure:?}"
            );
        }
        let forever = RetryPolicy {
            max_retries: 0,
            ..RetryPolicy::default()
        };
        assert_eq!(
            forever.after_failure(1000, retryable),
            RetryAfter(RETRY_INTERVAL)
        );
        assert_eq!(RetryPolicy::default().after_failure(5, retryable), Failed);
        assert_eq!(
            RetryPolicy::default().after_failure(4, retryable),
            RetryAfter(RETRY_INTERVAL)
        );
    }
}
