//! Go-style durations (`24h`, `90m`, `6h0m0s`, `1.5h`, `300ms`), the format `kubectl logs
//! --since` and `oc adm must-gather --since` use (the must-gather image passes `6h0m0s` along).
//! Days (`2d`) are accepted too, as an extension: engineers type them.

use std::time::Duration;

/// Parses a Go duration; negative durations are refused (a "since" looks back, never ahead).
pub fn parse_go_duration(text: &str) -> Result<Duration, String> {
    let s = text.trim();
    let bad = || format!("{text:?} is not a duration (examples: 24h, 90m, 6h0m0s, 1.5h, 2d)");
    if s.is_empty() || s.starts_with('-') {
        return Err(bad());
    }
    let s = s.strip_prefix('+').unwrap_or(s);
    if s == "0" {
        return Ok(Duration::ZERO);
    }
    let mut total = 0f64;
    let mut rest = s;
    while !rest.is_empty() {
        let number_len = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        let number = &rest[..number_len];
        if number.is_empty() || number == "." || number.matches('.').count() > 1 {
            return Err(bad());
        }
        let value: f64 = number.parse().map_err(|_| bad())?;
        rest = &rest[number_len..];
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let seconds = match &rest[..unit_len] {
            "ns" => 1e-9,
            "us" | "µs" | "μs" => 1e-6,
            "ms" => 1e-3,
            "s" => 1.0,
            "m" => 60.0,
            "h" => 3600.0,
            "d" => 86400.0,
            _ => return Err(bad()),
        };
        rest = &rest[unit_len..];
        total += value * seconds;
    }
    if !total.is_finite() || total > 1e12 {
        return Err(bad());
    }
    Ok(Duration::from_secs_f64(total))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_durations() {
        let secs = |s: &str| parse_go_duration(s).unwrap().as_secs_f64();
        assert_eq!(secs("24h"), 86400.0);
        assert_eq!(secs("90m"), 5400.0);
        assert_eq!(secs("6h0m0s"), 21600.0);
        assert_eq!(secs("1h30m"), 5400.0);
        assert_eq!(secs("1.5h"), 5400.0);
        assert_eq!(secs("300ms"), 0.3);
        assert_eq!(secs("2d"), 172800.0);
        assert_eq!(secs("0"), 0.0);
        for bad in ["", "5", "h", "-1h", "1x", "1..5h", "1h-5m", "abc"] {
            assert!(parse_go_duration(bad).is_err(), "{bad:?}");
        }
    }
}
