//! `--local`: the UTC timestamps of a text report (`2026-11-21T10:00:00Z`) shown in the reader's
//! time zone (`TZ`, else the system's), with the offset written out (`2026-11-21 11:00:00
//! +01:00`), so the zone is never guessed. Machine outputs stay in UTC.

use std::borrow::Cow;
use std::sync::OnceLock;

use regex::Regex;

static LOCAL: OnceLock<bool> = OnceLock::new();

pub fn configure(local: bool) {
    let _ = LOCAL.set(local);
}

/// `text` with every RFC 3339 UTC timestamp in local time, when `--local` was given.
pub fn localize(text: &str) -> Cow<'_, str> {
    if !LOCAL.get().copied().unwrap_or(false) {
        return Cow::Borrowed(text);
    }
    localize_in(text, &jiff::tz::TimeZone::system())
}

fn localize_in<'a>(text: &'a str, zone: &jiff::tz::TimeZone) -> Cow<'a, str> {
    static UTC: OnceLock<Regex> = OnceLock::new();
    let pattern = UTC.get_or_init(|| {
        Regex::new(r"\b\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z\b").expect("valid")
    });
    pattern.replace_all(text, |caps: &regex::Captures<'_>| {
        match caps[0].parse::<jiff::Timestamp>() {
            Ok(ts) => ts
                .to_zoned(zone.clone())
                .strftime("%Y-%m-%d %H:%M:%S%.f %:z")
                .to_string(),
            Err(_) => caps[0].to_string(),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utc_timestamps_read_in_the_given_zone_with_their_offset() {
        let tokyo = jiff::tz::TimeZone::get("Asia/Tokyo").unwrap();
        assert_eq!(
            localize_in("Created:  2026-11-21T06:30:44Z (3h29m before)", &tokyo),
            "Created:  2026-11-21 15:30:44 +09:00 (3h29m before)"
        );
        assert_eq!(
            localize_in("at 2026-01-02T03:04:05.123Z.", &tokyo),
            "at 2026-01-02 12:04:05.123 +09:00."
        );
        assert_eq!(
            localize_in("no time 2026-11-21 here", &tokyo),
            "no time 2026-11-21 here"
        );
    }
}
