//! The log on standard error (`-v`, `-vv`, `LAUNCHGUARD_LOG`): every line goes through the same
//! redaction as findings and the same terminal door as reports, so a peer's answer, an echoed
//! credential or a hostile file name logged by any crate reaches it neither raw nor in full.

use std::io::{IsTerminal, Write};

use tracing_subscriber::fmt::MakeWriter;

use crate::report::escape;

/// Makes one [`LogLine`] per event.
pub struct RedactedStderr;

/// One formatted event, held until it is complete, then redacted and written.
pub struct LogLine {
    text: Vec<u8>,
}

impl<'a> MakeWriter<'a> for RedactedStderr {
    type Writer = LogLine;

    fn make_writer(&'a self) -> LogLine {
        LogLine { text: Vec::new() }
    }
}

impl Write for LogLine {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.text.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Drop for LogLine {
    fn drop(&mut self) {
        if self.text.is_empty() {
            return;
        }
        let text = String::from_utf8_lossy(&self.text);
        let redacted = launchguard_secrets::redact_text(&text);
        let colour = std::io::stderr().is_terminal();
        let _ = std::io::stderr()
            .lock()
            .write_all(escape::terminal_output(&redacted, colour).as_bytes());
    }
}

/// Installs the log, at `verbosity` unless `LAUNCHGUARD_LOG` says otherwise.
pub fn init(verbosity: u8) {
    let default = match verbosity {
        0 => "warn",
        1 => "warn,launchguard=info,launchguard_core=info,launchguard_http=info",
        _ => "info,launchguard=debug,launchguard_core=debug,launchguard_http=debug",
    };
    let filter = std::env::var("LAUNCHGUARD_LOG")
        .ok()
        .and_then(|f| tracing_subscriber::EnvFilter::try_new(f).ok())
        .unwrap_or_else(|| tracing_subscriber::EnvFilter::new(default));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(RedactedStderr)
        .with_ansi(std::io::stderr().is_terminal())
        .try_init();
}
