//! Times as people read them in text output: an age is `3h12m`, not `03:12:00`, which reads like
//! a time of day. Machine outputs keep RFC 3339 timestamps and DuckDB's interval text.

use jiff::SignedDuration;

/// An age as people say it: `45s`, `12m`, `3h12m`, `2d4h`, `40d` (two units at most).
pub fn short_age(age: SignedDuration) -> String {
    let secs = age.as_secs().unsigned_abs();
    let (d, h, m, s) = (secs / 86_400, secs / 3600 % 24, secs / 60 % 60, secs % 60);
    let text = match (d, h, m) {
        (0, 0, 0) => format!("{s}s"),
        (0, 0, _) => format!("{m}m"),
        (0, _, 0) => format!("{h}h"),
        (0, _, _) => format!("{h}h{m}m"),
        (1..10, 0, _) => format!("{d}d"),
        (1..10, _, _) => format!("{d}d{h}h"),
        _ => format!("{d}d"),
    };
    if age.is_negative() {
        format!("-{text}")
    } else {
        text
    }
}

/// DuckDB's text of an INTERVAL (`03:00:00`, `1 day 02:03:04.5`, `2 months 3 days`) as a
/// duration; months count 30 days and years 365, as DuckDB's own epoch() does.
pub fn parse_interval(text: &str) -> Option<SignedDuration> {
    let mut secs: i64 = 0;
    let mut words = text.split_whitespace().peekable();
    let mut seen = false;
    while let Some(word) = words.next() {
        if word.contains(':') {
            let negative = word.starts_with('-');
            let mut parts = word.trim_start_matches('-').split(':');
            let h: i64 = parts.next()?.parse().ok()?;
            let m: i64 = parts.next()?.parse().ok()?;
            let s: f64 = parts.next()?.parse().ok()?;
            if parts.next().is_some() {
                return None;
            }
            let clock = h * 3600 + m * 60 + s as i64;
            secs += if negative { -clock } else { clock };
        } else {
            let n: i64 = word.parse().ok()?;
            let unit = words.next()?.trim_end_matches('s');
            secs += n * match unit {
                "year" => 365 * 86_400,
                "month" | "mon" => 30 * 86_400,
                "day" => 86_400,
                _ => return None,
            };
        }
        seen = true;
    }
    seen.then(|| SignedDuration::from_secs(secs))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ages_read_as_people_say_them() {
        let age = |secs| short_age(SignedDuration::from_secs(secs));
        assert_eq!(age(45), "45s");
        assert_eq!(age(12 * 60 + 5), "12m");
        assert_eq!(age(3 * 3600), "3h");
        assert_eq!(age(3 * 3600 + 12 * 60 + 59), "3h12m");
        assert_eq!(age(2 * 86_400 + 4 * 3600 + 60), "2d4h");
        assert_eq!(age(40 * 86_400 + 3600), "40d");
        assert_eq!(age(-90), "-1m");
    }

    #[test]
    fn duckdb_intervals_are_read() {
        let secs = |text| parse_interval(text).map(|d| d.as_secs());
        assert_eq!(secs("03:00:00"), Some(3 * 3600));
        assert_eq!(secs("16:17:54"), Some(16 * 3600 + 17 * 60 + 54));
        assert_eq!(
            secs("1 day 02:03:04.5"),
            Some(86_400 + 2 * 3600 + 3 * 60 + 4)
        );
        assert_eq!(secs("2 months 3 days"), Some(63 * 86_400));
        assert_eq!(secs("-00:00:05"), Some(-5));
        assert_eq!(secs("yesterday"), None);
        assert_eq!(secs(""), None);
    }
}
