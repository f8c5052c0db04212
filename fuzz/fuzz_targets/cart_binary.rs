//! A .tic or PNG cart from a stranger. Must parse or be refused, never panic.
#![no_main]

use std::path::Path;

use cartbox_runner::cart::Cart;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(cart) = Cart::parse_bytes(Path::new("fuzz.tic"), data) {
        // What reads back must write out again.
        let _ = cart.to_tic();
    }
    let _ = Cart::parse_bytes(Path::new("fuzz.png"), data);
});
