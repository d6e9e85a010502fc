//! Dates and moments of updates, timeline events and embargoes: read once from TOML (or
//! from `--at`), ordered as instants, shown as "3 December 2025" or "November 2025".
//!
//! Pure: no clock is read here except in [`Moment::now`], which the CLI calls once.
#![deny(
    clippy::indexing_slicing,
    clippy::string_slice,
    clippy::unwrap_used,
    clippy::expect_used
)]

use serde::Serialize;
use toml::value::{Date as TomlDate, Datetime, Offset, Time};

pub const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// A point in time: a day (taken as its start, UTC) or a date-time with an offset.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Moment {
    /// Seconds since 1970-01-01T00:00:00Z (for ordering and comparing with the clock).
    #[serde(skip)]
    pub utc: i64,
    /// As written: `2025-12-03` or `2025-12-03T09:30:00+03:00` (valid for `<time datetime>`).
    pub iso: String,
    /// `3 December 2025`.
    pub display: String,
    /// `3 December 2025, 09:30 (UTC+03:00)`, or the day alone when no time was given.
    pub display_time: String,
}

impl Moment {
    /// A TOML date or date-time with an offset; `what` names the key in the message.
    /// A local date-time (no offset) is refused: its instant would depend on the machine.
    pub fn from_toml(value: &Datetime) -> Result<Moment, String> {
        let Some(date) = value.date else {
            return Err("has a time but no day".into());
        };
        check_date(i32::from(date.year), date.month, Some(date.day))?;
        let day_start = days_from_civil(i64::from(date.year), date.month, date.day) * 86_400;
        let display = day_display(date);
        match (value.time, value.offset) {
            (None, _) => Ok(Moment {
                utc: day_start,
                iso: value.to_string(),
                display_time: display.clone(),
                display,
            }),
            (Some(_), None) => Err("has a time but no UTC offset".into()),
            (Some(time), Some(offset)) => {
                let minutes = offset_minutes(offset);
                let utc = day_start + seconds_of(time) - i64::from(minutes) * 60;
                Ok(Moment {
                    utc,
                    iso: value.to_string(),
                    display_time: format!(
                        "{display}, {:02}:{:02} ({})",
                        time.hour,
                        time.minute,
                        offset_display(minutes)
                    ),
                    display,
                })
            }
        }
    }

    /// A moment given on the command line: `2025-12-03`, `2025-12-03T10:00:00Z`,
    /// `2025-12-03T10:00:00+03:00`.
    pub fn parse(text: &str) -> Result<Moment, String> {
        let value: Datetime = text
            .trim()
            .parse()
            .map_err(|_| format!("`{text}` is not a date or a date-time"))?;
        Moment::from_toml(&value)
    }

    /// The machine's clock, now.
    pub fn now() -> Moment {
        let secs = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX));
        Moment {
            utc: secs,
            iso: String::new(),
            display: "now".into(),
            display_time: "now".into(),
        }
    }
}

/// The date of a timeline event: a year, a month or a day, with an optional time of day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EventDate {
    /// For `<time datetime>`: `2025`, `2025-11`, `2025-11-30`, `2025-12-02T19:30+03:00`.
    pub iso: String,
    /// `2025`, `November 2025`, `30 November 2025`, `2 December 2025, 19:30 (UTC+03:00)`.
    pub display: String,
    /// `year`, `month`, `day` or `time`.
    pub precision: &'static str,
    /// How events sort: year, month (0 if none), day (0 if none), then the time as UTC
    /// minutes within the written day (untimed first).
    #[serde(skip)]
    pub sort: (i32, u8, u8, i64),
    /// The date as written, normalised (`2025-11`), for finding the same event twice.
    #[serde(skip)]
    pub key: String,
}

/// Reads an event's `date` (a TOML date or date-time, `"2025-11"`, `"2025"` or `2025`) and
/// optional `time` (`"19:30"`, `"19:30+03:00"`, `"16:30Z"`).
pub fn event_date(date: &toml::Value, time: Option<&str>) -> Result<EventDate, String> {
    let (year, month, day, mut clock) = date_parts(date)?;
    check_date(year, month.unwrap_or(1), day)?;
    if let Some(text) = time {
        if clock.is_some() {
            return Err("has a time in `date` and another in `time`".into());
        }
        if day.is_none() {
            return Err("has a `time` but no day".into());
        }
        clock = Some(parse_time(text)?);
    }
    Ok(formatted(year, month, day, clock))
}

type Clock = Option<(toml::value::Time, Option<toml::value::Offset>)>;

/// The year, month, day and time of day a TOML value gives.
fn date_parts(date: &toml::Value) -> Result<(i32, Option<u8>, Option<u8>, Clock), String> {
    Ok(match date {
        toml::Value::Datetime(d) => {
            let Some(day) = d.date else {
                return Err("has a time but no day".into());
            };
            let clock = d.time.map(|t| (t, d.offset));
            (i32::from(day.year), Some(day.month), Some(day.day), clock)
        }
        toml::Value::Integer(y) => (
            i32::try_from(*y).map_err(|_| format!("year {y} is out of range"))?,
            None,
            None,
            None,
        ),
        toml::Value::String(s) => {
            let (y, m, d) = partial_date(s)?;
            (y, m, d, None)
        }
        other => {
            return Err(format!("is a {}, not a date", other.type_str()));
        }
    })
}

/// The event date of a checked year, month, day and time.
fn formatted(year: i32, month: Option<u8>, day: Option<u8>, clock: Clock) -> EventDate {
    let mut iso = match (month, day) {
        (Some(m), Some(d)) => format!("{year:04}-{m:02}-{d:02}"),
        (Some(m), None) => format!("{year:04}-{m:02}"),
        _ => format!("{year:04}"),
    };
    let key = iso.clone();
    let month_name = month
        .and_then(|m| MONTHS.get(usize::from(m).wrapping_sub(1)))
        .copied()
        .unwrap_or("");
    let mut display = match (month, day) {
        (Some(_), Some(d)) => format!("{d} {month_name} {year}"),
        (Some(_), None) => format!("{month_name} {year}"),
        _ => format!("{year}"),
    };
    let mut minutes = i64::MIN;
    let precision = match (&clock, month, day) {
        (Some((t, offset)), _, _) => {
            let off = offset.map(offset_minutes);
            minutes = seconds_of(*t) / 60 - i64::from(off.unwrap_or(0));
            iso.push_str(&format!("T{:02}:{:02}", t.hour, t.minute));
            display.push_str(&format!(", {:02}:{:02}", t.hour, t.minute));
            if let Some(off) = off {
                iso.push_str(&offset_iso(off));
                display.push_str(&format!(" ({})", offset_display(off)));
            }
            "time"
        }
        (None, Some(_), Some(_)) => "day",
        (None, Some(_), None) => "month",
        _ => "year",
    };
    EventDate {
        iso,
        display,
        precision,
        sort: (year, month.unwrap_or(0), day.unwrap_or(0), minutes),
        key,
    }
}

/// `"2025"`, `"2025-11"`, `"2025-11-30"` → (year, month, day).
fn partial_date(text: &str) -> Result<(i32, Option<u8>, Option<u8>), String> {
    let bad = || {
        format!(
            "`{text}` is not a date: write `2025-11-30`, a month `\"2025-11\"` or a year `\"2025\"`"
        )
    };
    let mut parts = text.trim().split('-');
    let year = parts.next().ok_or_else(bad)?;
    let month = parts.next();
    let day = parts.next();
    if parts.next().is_some() || year.len() != 4 {
        return Err(bad());
    }
    let number = |s: &str, len: usize| {
        if s.len() == len && s.bytes().all(|b| b.is_ascii_digit()) {
            s.parse::<u16>().ok()
        } else {
            None
        }
    };
    let year = number(year, 4).ok_or_else(bad)?;
    let month = match month {
        Some(m) => Some(
            number(m, 2)
                .and_then(|m| u8::try_from(m).ok())
                .ok_or_else(bad)?,
        ),
        None => None,
    };
    let day = match day {
        Some(d) => Some(
            number(d, 2)
                .and_then(|d| u8::try_from(d).ok())
                .ok_or_else(bad)?,
        ),
        None => None,
    };
    Ok((i32::from(year), month, day))
}

/// `"19:30"`, `"19:30:00"`, `"19:30+03:00"`, `"16:30Z"` → the time and its offset.
fn parse_time(text: &str) -> Result<(Time, Option<Offset>), String> {
    let bad = || format!("`{text}` is not a time: write `\"19:30\"` or `\"19:30+03:00\"`");
    let text = text.trim();
    // Parse through a full TOML date-time, so offsets are read as TOML reads them.
    let probe = format!(
        "1970-01-01T{}",
        if text.len() == 5 || text.get(5..6).is_some_and(|c| c != ":") {
            // `19:30` or `19:30+03:00`: TOML wants seconds.
            match (text.get(..5), text.get(5..)) {
                (Some(hm), Some(rest)) => format!("{hm}:00{rest}"),
                _ => return Err(bad()),
            }
        } else {
            text.to_string()
        }
    );
    let value: Datetime = probe.parse().map_err(|_| bad())?;
    let time = value.time.ok_or_else(bad)?;
    Ok((time, value.offset))
}

/// A date that exists: year 1–9999, month 1–12, a day of that month.
fn check_date(year: i32, month: u8, day: Option<u8>) -> Result<(), String> {
    if !(1..=9999).contains(&year) {
        return Err(format!("year {year} is out of range"));
    }
    if !(1..=12).contains(&month) {
        return Err(format!("month {month} does not exist"));
    }
    if let Some(day) = day {
        let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
        let last = match month {
            2 if leap => 29,
            2 => 28,
            4 | 6 | 9 | 11 => 30,
            _ => 31,
        };
        if day == 0 || day > last {
            return Err(format!(
                "{} has no day {day}",
                MONTHS
                    .get(usize::from(month).wrapping_sub(1))
                    .copied()
                    .unwrap_or("the month")
            ));
        }
    }
    Ok(())
}

fn day_display(date: TomlDate) -> String {
    let month = MONTHS
        .get(usize::from(date.month).wrapping_sub(1))
        .copied()
        .unwrap_or("?");
    format!("{} {month} {}", date.day, date.year)
}

fn seconds_of(t: Time) -> i64 {
    i64::from(t.hour) * 3600 + i64::from(t.minute) * 60 + i64::from(t.second.unwrap_or(0))
}

fn offset_minutes(offset: Offset) -> i16 {
    match offset {
        Offset::Z => 0,
        Offset::Custom { minutes } => minutes,
    }
}

fn offset_iso(minutes: i16) -> String {
    if minutes == 0 {
        return "Z".into();
    }
    let sign = if minutes < 0 { '-' } else { '+' };
    let m = minutes.unsigned_abs();
    format!("{sign}{:02}:{:02}", m / 60, m % 60)
}

fn offset_display(minutes: i16) -> String {
    if minutes == 0 {
        "UTC".into()
    } else {
        format!("UTC{}", offset_iso(minutes))
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(year: i64, month: u8, day: u8) -> i64 {
    let (m, d) = (i64::from(month), i64::from(day));
    let y = if m <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn value(toml_text: &str) -> toml::Value {
        let table: toml::Table = toml::from_str(&format!("v = {toml_text}")).unwrap();
        table.get("v").cloned().unwrap()
    }

    #[test]
    fn moments_order_across_offsets() {
        let a = Moment::parse("2025-12-03T10:00:00+03:00").unwrap();
        let b = Moment::parse("2025-12-03T08:30:00Z").unwrap();
        assert!(a.utc < b.utc, "07:00Z is before 08:30Z");
        assert_eq!(Moment::parse("1970-01-02").unwrap().utc, 86_400);
        assert!(Moment::parse("2025-12-03T10:00:00").is_err());
        assert!(Moment::parse("2025-02-30").is_err());
        assert_eq!(a.display, "3 December 2025");
    }

    #[test]
    fn partial_dates_sort_before_their_days() {
        let year = event_date(&value("\"2025\""), None).unwrap();
        let month = event_date(&value("\"2025-11\""), None).unwrap();
        let day = event_date(&value("2025-11-01"), None).unwrap();
        let timed = event_date(&value("2025-11-01"), Some("09:00+03:00")).unwrap();
        let later = event_date(&value("2025-11-01T07:00:00Z"), None).unwrap();
        let mut all = [&later, &timed, &day, &month, &year];
        all.sort_by_key(|d| d.sort);
        let shown: Vec<&str> = all.iter().map(|d| d.display.as_str()).collect();
        assert_eq!(
            shown,
            [
                "2025",
                "November 2025",
                "1 November 2025",
                "1 November 2025, 09:00 (UTC+03:00)",
                "1 November 2025, 07:00 (UTC)"
            ]
        );
        assert_eq!(timed.iso, "2025-11-01T09:00+03:00");
        assert_eq!(month.iso, "2025-11");
        assert_eq!(event_date(&value("2025"), None).unwrap().display, "2025");
    }

    #[test]
    fn odd_dates_are_refused() {
        for bad in [
            "\"2025-13\"",
            "\"25-11\"",
            "\"2025-1\"",
            "\"soon\"",
            "\"2025-02-29\"",
            "0",
            "true",
            "\"\"",
        ] {
            assert!(event_date(&value(bad), None).is_err(), "{bad}");
        }
        assert!(event_date(&value("\"2025-11\""), Some("10:00")).is_err());
        assert!(event_date(&value("2025-11-01"), Some("25:00")).is_err());
        assert!(event_date(&value("99999999999"), None).is_err());
    }
}
