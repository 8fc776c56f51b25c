//! Odoo's per-process limits whose defaults or units need more than a range check:
//! `limit_time_real` and `limit_time_cpu` (a duration or `unlimited`),
//! `limit_time_real_cron` (−1 = `limit_time_real`, 0 = unlimited) and the Odoo `version`
//! that decides `limit_request`'s default.

use super::super::located::{Located, Text};
use super::super::units;
use super::Ctx;
use crate::model::SimTime;

const CRON: &str = "estate.odoo.limit_time_real_cron";
/// 100 years, the longest duration a scenario may give.
const MAX_SECONDS: i64 = 100 * 365 * 86_400;

/// A time limit at `path` (`limit_time_real`, `limit_time_cpu`): a duration > 0 (a bare
/// number is seconds, as in odoo.conf) or `unlimited`; `default_s` seconds when absent.
/// `Some(limit)` when valid, the limit itself `None` when unlimited.
pub fn time_limit(
    cx: &mut Ctx,
    v: Option<&Located<Text>>,
    path: &str,
    default_s: u64,
) -> Option<Option<SimTime>> {
    let Some(v) = v else {
        return Some(Some(SimTime::from_secs(default_s)));
    };
    let text = v.value.0.trim();
    if text == "unlimited" {
        return Some(None);
    }
    let seconds = text
        .parse::<u64>()
        .ok()
        .filter(|&n| n <= MAX_SECONDS as u64);
    match seconds.map_or_else(
        || units::parse_duration(text),
        |n| Ok(SimTime::from_secs(n)),
    ) {
        Ok(t) if t > SimTime::ZERO => Some(Some(t)),
        Ok(_) => {
            let hint = "write `unlimited` to disable the limit";
            cx.error(v.pos, path, "must be > 0", Some(hint.into()));
            None
        }
        Err(e) => {
            let hint = format!("{}; or `unlimited`", e.hint);
            cx.error(v.pos, path, e.message, Some(hint));
            None
        }
    }
}

/// `limit_time_real_cron` given `limit_time_real` (`None` = unlimited): `Some(limit)` when
/// valid, the limit itself `None` when unlimited.
pub fn time_real_cron(
    cx: &mut Ctx,
    v: Option<&Located<Text>>,
    real: Option<SimTime>,
) -> Option<Option<SimTime>> {
    let Some(v) = v else {
        return Some(real);
    };
    let text = v.value.0.trim();
    let hint = "odoo.conf semantics: `-1` (default) = limit_time_real, `0` or `unlimited` = no limit, else seconds or a duration such as `1800s`";
    if text == "unlimited" {
        return Some(None);
    }
    if let Ok(n) = text.parse::<i64>() {
        return match n {
            -1 => Some(real),
            0 => Some(None),
            n if n > 0 && n <= MAX_SECONDS => Some(Some(SimTime::from_secs(n as u64))),
            n => {
                let what = if n > 0 {
                    "above 100 years"
                } else {
                    "negative: only -1 has a meaning"
                };
                cx.error(v.pos, CRON, format!("{n} is {what}"), Some(hint.into()));
                None
            }
        };
    }
    match units::parse_duration(text) {
        Ok(t) if t > SimTime::ZERO => Some(Some(t)),
        Ok(_) => Some(None),
        Err(e) => {
            cx.error(v.pos, CRON, e.message, Some(format!("{}; {hint}", e.hint)));
            None
        }
    }
}

/// Odoo major versions a profile may name.
const VERSIONS: std::ops::RangeInclusive<u32> = 12..=19;

/// `limit_request`'s default for Odoo `version` (`None`: not given, the recent default):
/// 8192 up to 16.0, `2**16` from 17.0 on (odoo/tools/config.py; odoo/odoo#107922).
pub fn limit_request_default(version: Option<u32>) -> u32 {
    match version {
        Some(v) if v <= 16 => 8192,
        _ => 65_536,
    }
}

/// `estate.odoo.version`: `17.0`, `"18.0"` or `18` → the major version.
pub fn version(cx: &mut Ctx, v: Option<&Located<Text>>) -> Option<Option<u32>> {
    let Some(v) = v else {
        return Some(None);
    };
    let text = v.value.0.trim();
    let major = text.strip_suffix(".0").unwrap_or(text).parse::<u32>().ok();
    match major {
        Some(m) if VERSIONS.contains(&m) => Some(Some(m)),
        _ => {
            cx.error(
                v.pos,
                "estate.odoo.version",
                format!("unknown Odoo version `{text}`"),
                Some(format!(
                    "a major version from {}.0 to {}.0, e.g. `\"17.0\"`; it decides defaults that changed between versions (limit_request: 8192 up to 16.0, 65536 from 17.0)",
                    VERSIONS.start(),
                    VERSIONS.end()
                )),
            );
            None
        }
    }
}
