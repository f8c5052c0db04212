//! A text (.lua) cart from a stranger. Must parse or be refused, never panic.
#![no_main]

use std::path::Path;

use cartbox_runner::cart::Cart;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(cart) = Cart::parse_bytes(Path::new("fuzz.lua"), data) {
        let _ = cart.to_tic();
    }
});
