//! Recurring calendar events (`every: mon`, `every: last_business_day`, with `at: "09:00"`):
//! each occurrence inside the horizon becomes a calendar event of its own, under the same
//! name, so a window named after it covers every occurrence. Business days are Monday to
//! Friday (public holidays are not known: write those events with a date).

use super::super::located::Located;
use super::Ctx;
use super::schedule::{instant_in, local_days, time_of_day};
use super::time::HorizonInfo;
use crate::model::SimTime;
use chrono::{Datelike, Duration, NaiveDate, Weekday};

/// Most occurrences of one recurring event over the horizon.
pub const MAX_OCCURRENCES: usize = 1_000;
const RULES: [&str; 11] = [
    "day",
    "weekday",
    "mon",
    "tue",
    "wed",
    "thu",
    "fri",
    "sat",
    "sun",
    "first_business_day",
    "last_business_day",
];

/// The start of every occurrence of `every` at local time `at` inside the horizon.
pub fn starts(
    cx: &mut Ctx,
    every: &Located<String>,
    at: Option<&Located<String>>,
    path: &str,
    h: &HorizonInfo,
) -> Option<Vec<SimTime>> {
    let rule = every.value.trim().to_lowercase();
    if !RULES.contains(&rule.as_str()) {
        let msg = format!("`{}` is not a recurrence", every.value);
        let hint = format!("one of: {}", RULES.join(", "));
        cx.error(every.pos, &format!("{path}.every"), msg, Some(hint));
        return None;
    }
    let Some(at) = at else {
        cx.missing(
            every.pos,
            &format!("{path}.at"),
            "add the local time each occurrence starts, e.g. `at: \"09:00\"`",
        );
        return None;
    };
    let time = time_of_day(cx, at, &format!("{path}.at"))?;
    let out: Vec<SimTime> = local_days(h)
        .filter(|d| occurs(&rule, *d))
        .filter_map(|d| instant_in(h, d, time))
        .collect();
    if out.is_empty() {
        let msg = format!(
            "`every: {rule}` at {} never starts inside the horizon",
            at.value
        );
        let hint = "check the horizon's start and duration, or give the event a `start` date";
        cx.error(every.pos, &format!("{path}.every"), msg, Some(hint.into()));
        return None;
    }
    if out.len() > MAX_OCCURRENCES {
        let msg = format!("{} occurrences; the limit is {MAX_OCCURRENCES}", out.len());
        cx.error(every.pos, &format!("{path}.every"), msg, None);
        return None;
    }
    Some(out)
}

fn business(d: NaiveDate) -> bool {
    !matches!(d.weekday(), Weekday::Sat | Weekday::Sun)
}

/// Whether the rule names date `d`.
fn occurs(rule: &str, d: NaiveDate) -> bool {
    let wd = d.weekday().num_days_from_monday() as usize;
    match rule {
        "day" => true,
        "weekday" => business(d),
        "first_business_day" => {
            business(d) && (1..d.day()).all(|k| !business(d.with_day(k).unwrap_or(d)))
        }
        "last_business_day" => {
            let mut next = d + Duration::days(1);
            while next.month() == d.month() {
                if business(next) {
                    return false;
                }
                next += Duration::days(1);
            }
            business(d)
        }
        day => RULES[2..9].iter().position(|x| *x == day) == Some(wd),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn business_days_of_the_month() {
        // November 2026 ends on a Monday (30th); January 2027 starts on a Friday;
        // August 2026 ends on a Monday (31st), October 2026 on a Saturday (last Friday 30th).
        assert!(occurs("last_business_day", date("2026-11-30")));
        assert!(!occurs("last_business_day", date("2026-11-27")));
        assert!(occurs("last_business_day", date("2026-10-30")));
        assert!(!occurs("last_business_day", date("2026-10-31")));
        assert!(occurs("first_business_day", date("2027-01-01")));
        assert!(
            occurs("first_business_day", date("2026-08-03")),
            "1 August 2026 is a Saturday"
        );
        assert!(!occurs("first_business_day", date("2026-08-01")));
        assert!(occurs("mon", date("2026-11-30")) && !occurs("tue", date("2026-11-30")));
        assert!(occurs("weekday", date("2026-11-27")) && !occurs("weekday", date("2026-11-28")));
    }
}
