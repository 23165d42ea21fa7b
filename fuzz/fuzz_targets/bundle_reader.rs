//! A bundle from arbitrary bytes: opened, and every entry read and verified. The reader may
//! refuse it with any error; it must not panic, hang, or decompress past its limits.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let bundle = mwtrace_fuzz::as_bundle(data);
    let _ = mwtrace_fuzz::read_bundle(&bundle);
});
