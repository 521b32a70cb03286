//! Guesses the format of arbitrary text and reads it as that format: the
//! path `import FILE` without `--format` takes.
#![no_main]

use libfuzzer_sys::fuzz_target;
use shelfmark_formats::{self as formats, Format};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Some(format) = Format::detect(text) {
        let _ = formats::parse(format, text);
    }
});
