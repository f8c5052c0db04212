//! Bytes from a runner: through the receive buffer, then decoded, and a cart claim
//! (`Parsed`) checked against its limits as the host checks it. Must never panic.
#![no_main]

use cartbox_protocol::framing::{self, FrameBuffer};
use cartbox_protocol::message::{RUNNER_MESSAGE_LIMIT, RunnerMessage};
use libfuzzer_sys::fuzz_target;

/// Decodes one payload as the host does, checking a cart claim's limits.
fn host_reads(payload: &[u8]) {
    if let Ok(RunnerMessage::Parsed { info, .. }) =
        framing::decode::<RunnerMessage, RUNNER_MESSAGE_LIMIT>(payload)
    {
        let _ = info.within_limits();
    }
}

fuzz_target!(|data: &[u8]| {
    host_reads(data);
    let mut rx = FrameBuffer::new(RUNNER_MESSAGE_LIMIT);
    let mut rest = data;
    while !rest.is_empty() {
        let n = rest.len().min(rx.spare().len()).min(997);
        if n == 0 {
            break;
        }
        rx.spare()[..n].copy_from_slice(&rest[..n]);
        rx.filled(n);
        rest = &rest[n..];
        loop {
            match rx.next_payload() {
                Ok(Some(p)) => {
                    let p = p.to_vec();
                    host_reads(&p);
                }
                Ok(None) => break,
                Err(_) => return,
            }
        }
    }
});
