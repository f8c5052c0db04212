//! Bytes from a runner: through the receive buffer, then decoded. Must never panic.
#![no_main]

use cartbox_protocol::framing::{self, FrameBuffer};
use cartbox_protocol::message::{RUNNER_MESSAGE_LIMIT, RunnerMessage};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = framing::decode::<RunnerMessage, RUNNER_MESSAGE_LIMIT>(data);
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
                    let _ = framing::decode::<RunnerMessage, RUNNER_MESSAGE_LIMIT>(&p);
                }
                Ok(None) => break,
                Err(_) => return,
            }
        }
    }
});
