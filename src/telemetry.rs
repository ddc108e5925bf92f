//! Logging setup: `RUST_LOG` filters, info by default. Every formatted line, from any
//! module or crate, passes through `redact::redact_key_bytes` on its way to stderr, and
//! panics are logged through the same path, so a key that reached a message (an error,
//! a request line, a panic) still never reaches the output.

use std::io::{self, IsTerminal, Write};

use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::MakeWriter;

use crate::redact::redact_key_bytes;

pub fn init() {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(Redacting(std::io::stderr))
        .with_ansi(colours(
            std::io::stderr().is_terminal(),
            std::env::var_os("NO_COLOR"),
        ))
        .try_init();
    log_panics();
}

/// Colours only for a person at a terminal who did not set `NO_COLOR`: a log file or a
/// collector gets plain text.
fn colours(terminal: bool, no_color: Option<std::ffi::OsString>) -> bool {
    terminal && no_color.is_none_or(|value| value.is_empty())
}

/// Panics go through the subscriber (and so through the redaction) instead of straight
/// to stderr; the backtrace is kept when `RUST_BACKTRACE` asks for one.
fn log_panics() {
    std::panic::set_hook(Box::new(|info| {
        let backtrace = std::backtrace::Backtrace::capture();
        if backtrace.status() == std::backtrace::BacktraceStatus::Captured {
            tracing::error!(target: "keydesk::panic", "{info}\n{backtrace}");
        } else {
            tracing::error!(target: "keydesk::panic", "{info}");
        }
    }));
}

/// A `MakeWriter` whose writers hold each event's line and write it redacted.
pub struct Redacting<M>(pub M);

impl<'a, M: MakeWriter<'a>> MakeWriter<'a> for Redacting<M> {
    type Writer = RedactingWriter<M::Writer>;

    fn make_writer(&'a self) -> Self::Writer {
        RedactingWriter {
            inner: self.0.make_writer(),
            line: Vec::new(),
        }
    }
}

/// Collects one event's output (a key split across two writes is still seen whole)
/// and writes it, redacted, on flush or drop.
pub struct RedactingWriter<W: Write> {
    inner: W,
    line: Vec<u8>,
}

impl<W: Write> RedactingWriter<W> {
    fn emit(&mut self) -> io::Result<()> {
        if self.line.is_empty() {
            return Ok(());
        }
        let keys_out = redact_key_bytes(&self.line);
        // One-time link tokens too, on any line that is text.
        let result = match std::str::from_utf8(&keys_out) {
            Ok(text) => self
                .inner
                .write_all(crate::redact::redact_link_tokens(text).as_bytes()),
            Err(_) => self.inner.write_all(&keys_out),
        };
        self.line.clear();
        result
    }
}

impl<W: Write> Write for RedactingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.line.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.emit()?;
        self.inner.flush()
    }
}

impl<W: Write> Drop for RedactingWriter<W> {
    fn drop(&mut self) {
        let _ = self.emit();
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use super::*;
    use crate::domain::api_key::PlainKey;

    #[derive(Clone, Default)]
    struct Captured(Arc<Mutex<Vec<u8>>>);

    impl Write for Captured {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn colours_only_at_a_terminal_without_no_color() {
        assert!(colours(true, None));
        assert!(colours(true, Some("".into())));
        assert!(!colours(true, Some("1".into())));
        assert!(!colours(false, None));
    }

    #[test]
    fn a_key_in_an_error_message_or_field_is_redacted_in_the_written_line() {
        let key = PlainKey::generate();
        let key = key.expose().to_string();
        let captured = Captured::default();
        let writer = captured.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_writer(Redacting(move || writer.clone()))
            .with_ansi(false)
            .finish();
        tracing::subscriber::with_default(subscriber, || {
            let error = anyhow::anyhow!("no user {key}").context("checking the login form");
            tracing::error!(error = ?error, "request failed");
            tracing::warn!(header = %format!("X-Api-Key: {key}"), "odd header {}", &key[..30]);
        });
        let written = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
        assert!(written.contains("request failed"), "{written}");
        assert!(written.contains("no user kd_[redacted]"), "{written}");
        assert!(written.contains("X-Api-Key: kd_[redacted]"), "{written}");
        assert!(!written.contains(&key[3..20]), "{written}");
    }
}
