//! Log output of the library engine: to the unified log (oslog) on Apple
//! platforms, to logcat on Android and to stderr elsewhere, with anything
//! that looks like a credential replaced by `[redacted]` first.

use std::sync::Once;

use log::{LevelFilter, Log, Metadata, Record};

/// How much the library engine logs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum LogLevel {
    /// Nothing at all.
    Off,
    /// Failures only.
    Error,
    /// Failures and things that look wrong.
    Warn,
    /// What the engine does, one line per operation (the default).
    Info,
    /// Details for diagnosing a problem.
    Debug,
    /// Everything.
    Trace,
}

impl From<LogLevel> for LevelFilter {
    fn from(level: LogLevel) -> Self {
        match level {
            LogLevel::Off => Self::Off,
            LogLevel::Error => Self::Error,
            LogLevel::Warn => Self::Warn,
            LogLevel::Info => Self::Info,
            LogLevel::Debug => Self::Debug,
            LogLevel::Trace => Self::Trace,
        }
    }
}

/// Sets how much the engine logs (the default is `INFO`). May be called at
/// any time; the log output itself is set up on first use.
#[uniffi::export]
pub fn set_log_level(level: LogLevel) {
    init();
    log::set_max_level(level.into());
}

static INIT: Once = Once::new();

/// Installs the platform's log sink once; an app that installed its own
/// `log` logger keeps it.
pub(crate) fn init() {
    INIT.call_once(|| {
        let logger = Redacting {
            sink: platform::Sink::new(),
        };
        if log::set_boxed_logger(Box::new(logger)).is_ok() {
            log::set_max_level(LevelFilter::Info);
        }
    });
}

/// Forwards records to the platform sink with secrets removed.
struct Redacting {
    sink: platform::Sink,
}

impl Log for Redacting {
    fn enabled(&self, metadata: &Metadata<'_>) -> bool {
        metadata.level() <= log::max_level()
    }

    fn log(&self, record: &Record<'_>) {
        if self.enabled(record.metadata()) {
            let message = redact(&record.args().to_string());
            self.sink.write(record.level(), record.target(), &message);
        }
    }

    fn flush(&self) {}
}

/// Words after which a credential follows (compared in lower case), and
/// whether it runs to the end of the line (a header) or to the next
/// separator (a query parameter).
const SECRET_MARKERS: [(&str, bool); 9] = [
    ("zotero-api-key:", true),
    ("authorization:", true),
    ("bearer ", false),
    ("api_key=", false),
    ("apikey=", false),
    ("key=", false),
    ("token=", false),
    ("password=", false),
    ("secret=", false),
];

/// Length of a Zotero Web API key, which may appear anywhere (in a URL, a
/// message from the server).
const API_KEY_LEN: usize = 24;

const REDACTED: &str = "[redacted]";

/// `text` with credentials replaced: the value after a marker such as
/// `Authorization:` or `key=`, and any word shaped like an API key.
pub(crate) fn redact(text: &str) -> String {
    let lower = text.to_ascii_lowercase();
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    while at < text.len() {
        let marker = SECRET_MARKERS
            .iter()
            .find(|(m, _)| lower[at..].starts_with(*m) && word_starts(&lower, at));
        if let Some((marker, whole_line)) = marker {
            let value_start = skip_spaces(text, at + marker.len());
            out.push_str(&text[at..value_start]);
            let value_end = if *whole_line {
                line_end(text, value_start)
            } else {
                secret_end(text, value_start)
            };
            if value_end > value_start {
                out.push_str(REDACTED);
            }
            at = value_end;
            continue;
        }
        let word_end = next_word_end(text, at);
        let word = &text[at..word_end];
        if word.len() == API_KEY_LEN
            && word.bytes().all(|b| b.is_ascii_alphanumeric())
            && word.bytes().any(|b| b.is_ascii_digit())
            && word_starts(&lower, at)
        {
            out.push_str(REDACTED);
        } else {
            out.push_str(word);
        }
        at = word_end;
    }
    out
}

/// Whether position `at` begins a word (is not inside one).
fn word_starts(text: &str, at: usize) -> bool {
    text[..at]
        .chars()
        .next_back()
        .is_none_or(|c| !c.is_ascii_alphanumeric() && c != '_' && c != '-')
}

fn skip_spaces(text: &str, from: usize) -> usize {
    text[from..]
        .char_indices()
        .find(|(_, c)| *c != ' ')
        .map_or(text.len(), |(i, _)| from + i)
}

/// Where a credential value starting at `from` ends.
fn secret_end(text: &str, from: usize) -> usize {
    text[from..]
        .char_indices()
        .find(|(_, c)| c.is_whitespace() || matches!(c, '&' | '"' | '\'' | ',' | ';' | ')'))
        .map_or(text.len(), |(i, _)| from + i)
}

fn line_end(text: &str, from: usize) -> usize {
    text[from..]
        .find(['\r', '\n'])
        .map_or(text.len(), |i| from + i)
}

/// The end of the run of alphanumerics (or the single other character) at `from`.
fn next_word_end(text: &str, from: usize) -> usize {
    let mut chars = text[from..].char_indices();
    match chars.next() {
        Some((_, c)) if c.is_ascii_alphanumeric() => chars
            .find(|(_, c)| !c.is_ascii_alphanumeric())
            .map_or(text.len(), |(i, _)| from + i),
        Some((_, c)) => from + c.len_utf8(),
        None => text.len(),
    }
}

#[cfg(target_os = "android")]
mod platform {
    use android_logger::{AndroidLogger, Config};
    use log::{Level, LevelFilter, Log, Record};

    /// Logcat, tagged `shelfmark`.
    pub(super) struct Sink(AndroidLogger);

    impl Sink {
        pub(super) fn new() -> Self {
            Self(AndroidLogger::new(
                Config::default()
                    .with_tag("shelfmark")
                    .with_max_level(LevelFilter::Trace),
            ))
        }

        pub(super) fn write(&self, level: Level, target: &str, message: &str) {
            self.0.log(
                &Record::builder()
                    .level(level)
                    .target(target)
                    .args(format_args!("{message}"))
                    .build(),
            );
        }
    }
}

#[cfg(any(target_os = "ios", target_os = "macos"))]
mod platform {
    use log::Level;
    use oslog::{Level as OsLevel, OsLog};

    /// The unified log, subsystem `org.shelfmark`, category `core`.
    pub(super) struct Sink(OsLog);

    impl Sink {
        pub(super) fn new() -> Self {
            Self(OsLog::new("org.shelfmark", "core"))
        }

        pub(super) fn write(&self, level: Level, target: &str, message: &str) {
            let level = match level {
                Level::Error => OsLevel::Error,
                Level::Warn => OsLevel::Default,
                Level::Info => OsLevel::Info,
                Level::Debug | Level::Trace => OsLevel::Debug,
            };
            self.0.with_level(level, &format!("{target}: {message}"));
        }
    }
}

#[cfg(not(any(target_os = "android", target_os = "ios", target_os = "macos")))]
mod platform {
    use std::io::Write;

    use log::Level;

    /// Standard error, one line per record.
    pub(super) struct Sink;

    impl Sink {
        pub(super) fn new() -> Self {
            Self
        }

        pub(super) fn write(&self, level: Level, target: &str, message: &str) {
            let _ = writeln!(std::io::stderr().lock(), "[{level} {target}] {message}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_are_redacted() {
        assert_eq!(
            redact("GET /users/5/items Zotero-API-Key: P9NiFoyLeZu2bZNvvuQPDWsd"),
            "GET /users/5/items Zotero-API-Key: [redacted]"
        );
        assert_eq!(
            redact("Authorization: Bearer abc.def-ghi\nnext line"),
            "Authorization: [redacted]\nnext line"
        );
        assert_eq!(
            redact("token bearer abc.def-ghi sent"),
            "token bearer [redacted] sent"
        );
        assert_eq!(
            redact("https://api.example/items?key=s3cr3t&format=json"),
            "https://api.example/items?key=[redacted]&format=json"
        );
        assert_eq!(
            redact("signed in with P9NiFoyLeZu2bZNvvuQPDWsd."),
            "signed in with [redacted]."
        );
    }

    #[test]
    fn ordinary_text_is_kept() {
        for text in [
            "item ABCD2345 not found",
            "monkey=3 turkey=4",
            "the keyboard is fine",
            "Ünïcödé title — with dashes",
            "md5 d41d8cd98f00b204e9800998ecf8427e",
        ] {
            assert_eq!(redact(text), text);
        }
    }
}
