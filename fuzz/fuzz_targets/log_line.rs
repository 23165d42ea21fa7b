//! Container log lines from arbitrary bytes: staged into NDJSON rows as the loader stages a
//! bundle's logs. Every row must be one JSON object, and the helpers that read fields of a line
//! (timestamps, durations, identifiers) must accept any text.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mwtrace_logs::Context;

fuzz_target!(|data: &[u8]| {
    let ctx = Context {
        reference: Some(jiff::civil::date(2026, 11, 21)),
    };
    let mut out = Vec::new();
    let stats = mwtrace_logs::stage(data, &mut out, ctx).expect("staging into memory");
    let mut rows = 0;
    for line in out.split(|b| *b == b'\n').filter(|l| !l.is_empty()) {
        let row: serde_json::Value = serde_json::from_slice(line).expect("a row is JSON");
        assert!(row.is_object());
        rows += 1;
    }
    // (More entries than lines is fine: klog lines glued together are split.)
    assert_eq!(rows, stats.entries);
    let text = String::from_utf8_lossy(data);
    let _ = mwtrace_logs::parse::parse_ts_text(&text);
    let _ = mwtrace_logs::duration::parse_go_duration(&text);
    let _ = mwtrace_logs::ids::extract(&text, &serde_json::Map::new());
});
