//! Terminal output on a thread of its own. A window must not stop because the terminal
//! stopped reading (a paused terminal, a pipe nobody drains): lines go through a bounded
//! queue, and lines that do not fit are dropped and counted, then reported.

use std::io::Write;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use crossbeam_channel::{Receiver, Sender};

/// Lines waiting to be written, at most.
const QUEUE: usize = 4096;

/// Which stream a line goes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stream {
    /// The cart's trace output.
    Out,
    /// Cartbox's own messages.
    Err,
}

/// The sending side (cheap to clone).
#[derive(Debug, Clone)]
pub struct Printer {
    tx: Sender<(Stream, String)>,
    dropped: Arc<AtomicU64>,
    done: Receiver<()>,
}

impl Printer {
    /// Starts the writing thread.
    pub fn start() -> Printer {
        let (tx, rx) = crossbeam_channel::bounded::<(Stream, String)>(QUEUE);
        let (done_tx, done) = crossbeam_channel::bounded(1);
        let dropped = Arc::new(AtomicU64::new(0));
        let count = dropped.clone();
        let _ = std::thread::Builder::new()
            .name("cartbox-printer".into())
            .spawn(move || {
                for (stream, line) in rx {
                    // Text from carts (trace, error messages) and cart files: control
                    // characters are shown escaped, never sent to the terminal.
                    let line = super::terminal_safe(&line);
                    let _ = match stream {
                        Stream::Out => {
                            let mut out = std::io::stdout().lock();
                            writeln!(out, "{line}").and_then(|()| out.flush())
                        }
                        Stream::Err => writeln!(std::io::stderr().lock(), "{line}"),
                    };
                    let lost = count.swap(0, Ordering::Relaxed);
                    if lost > 0 {
                        let _ = writeln!(
                            std::io::stderr().lock(),
                            "cartbox: {lost} lines of output dropped (the terminal did not keep up)"
                        );
                    }
                }
                let _ = done_tx.send(());
            });
        Printer { tx, dropped, done }
    }

    /// Queues a line (escaped before it is written); drops it if the queue is full.
    pub fn line(&self, stream: Stream, line: String) {
        if self.tx.try_send((stream, line)).is_err() {
            self.dropped.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Stops taking lines and waits up to `timeout` for the queue to be written.
    pub fn finish(self, timeout: Duration) {
        let Printer { tx, done, .. } = self;
        drop(tx);
        let _ = done.recv_timeout(timeout);
    }
}
