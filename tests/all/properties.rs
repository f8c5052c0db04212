//! Property tests of everything the host reads from outside: runner messages (hostile by
//! rule) and cart files (from strangers). Whatever the bytes, decoding returns a value or
//! an error, never a panic, and what the host encodes decodes back the same. The fuzz
//! targets in fuzz/ drive the same entry points for longer.

use std::path::Path;

use crate::common::root;
use cartbox_protocol::cart::{
    CURSOR_SPRITES, CartInfo, Language, MENU_ITEM_LIMIT, MENU_ITEMS_LIMIT, TITLE_LIMIT,
};
use cartbox_protocol::framing::{self, FrameBuffer};
use cartbox_protocol::message::{
    CartFault, FaultKind, HostMessage, RUNNER_MESSAGE_LIMIT, RunnerMessage,
};
use cartbox_runner::cart::Cart;
use proptest::prelude::*;

/// What a runner may claim of a cart: within the limits or just past them.
fn cart_info() -> impl Strategy<Value = CartInfo> {
    (
        any::<bool>(),
        proptest::option::of(".{0,140}"),
        proptest::collection::vec(".{0,70}", 0..36),
        proptest::option::of(any::<[u8; 16]>()),
        prop_oneof![Just(CURSOR_SPRITES * 32), 0..CURSOR_SPRITES * 32 + 64],
        prop_oneof![Just(48usize), 0..64usize],
        any::<bool>(),
        ".{0,20}",
    )
        .prop_map(
            |(wasm, title, menu, pmem_key, sprites, palette, has_cover, script)| CartInfo {
                language: if wasm { Language::Wasm } else { Language::Lua },
                title,
                menu,
                pmem_key,
                cursor_sprites: vec![7; sprites],
                cursor_palette: vec![9; palette],
                has_cover,
                script,
            },
        )
}

fn runner_message() -> impl Strategy<Value = RunnerMessage> {
    prop_oneof![
        (any::<u64>(), cart_info()).prop_map(|(seq, info)| RunnerMessage::Parsed {
            seq,
            info: Box::new(info)
        }),
        (any::<u64>(), proptest::collection::vec(any::<u8>(), 0..300))
            .prop_map(|(seq, bytes)| RunnerMessage::ExportChunk { seq, bytes }),
        (any::<u64>(), any::<bool>())
            .prop_map(|(seq, exit)| RunnerMessage::FrameDone { seq, exit }),
        any::<u64>().prop_map(|seq| RunnerMessage::Loaded { seq }),
        any::<u64>().prop_map(|seq| RunnerMessage::Compiled { seq }),
        (".{0,200}", any::<u8>()).prop_map(|(text, color)| RunnerMessage::Trace { text, color }),
        (".{0,100}", ".{0,100}", proptest::option::of(any::<u32>())).prop_map(
            |(message, traceback, line)| RunnerMessage::Fault(CartFault {
                kind: FaultKind::Runtime,
                message,
                traceback,
                callback: "TIC".into(),
                line,
            })
        ),
    ]
}

/// `bytes` with `edits` (position, new byte) applied and cut to `keep` of its length.
fn mutate(mut bytes: Vec<u8>, edits: &[(usize, u8)], keep: f64) -> Vec<u8> {
    if bytes.is_empty() {
        return bytes;
    }
    for (at, b) in edits {
        let n = bytes.len();
        bytes[at % n] = *b;
    }
    let len = (bytes.len() as f64 * keep) as usize;
    bytes.truncate(len.max(1));
    bytes
}

fn cart_file(name: &str) -> Vec<u8> {
    std::fs::read(root().join("carts").join(name)).expect("example cart")
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn any_bytes_decode_to_a_message_or_an_error(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let _ = framing::decode::<RunnerMessage, RUNNER_MESSAGE_LIMIT>(&bytes);
        let _ = framing::decode::<HostMessage, RUNNER_MESSAGE_LIMIT>(&bytes);
    }

    /// A runner's claim about a cart, damaged anywhere: an error, or a claim the host's
    /// limit check judges exactly as its fields say.
    #[test]
    fn damaged_cart_claims_decode_to_an_error_or_a_checked_claim(
        info in cart_info(),
        edits in proptest::collection::vec((any::<usize>(), any::<u8>()), 0..6),
        keep in 0.5f64..1.0,
    ) {
        let mut wire = Vec::new();
        let msg = RunnerMessage::Parsed { seq: 1, info: Box::new(info) };
        framing::encode::<_, RUNNER_MESSAGE_LIMIT>(&msg, &mut wire).unwrap();
        let payload = mutate(wire[framing::PREFIX..].to_vec(), &edits, keep);
        if let Ok(RunnerMessage::Parsed { info, .. }) =
            framing::decode::<RunnerMessage, RUNNER_MESSAGE_LIMIT>(&payload)
        {
            let fits = info.title.as_ref().is_none_or(|t| t.len() <= TITLE_LIMIT)
                && info.menu.len() <= MENU_ITEMS_LIMIT
                && info.menu.iter().all(|m| m.len() <= MENU_ITEM_LIMIT)
                && info.cursor_sprites.len() == CURSOR_SPRITES * 32
                && info.cursor_palette.len() == 48;
            prop_assert_eq!(info.within_limits(), fits);
        }
    }

    #[test]
    fn messages_survive_the_wire_in_any_pieces(
        msgs in proptest::collection::vec(runner_message(), 1..8),
        cuts in proptest::collection::vec(1usize..64, 1..32),
    ) {
        let mut wire = Vec::new();
        for m in &msgs {
            framing::encode::<_, RUNNER_MESSAGE_LIMIT>(m, &mut wire).unwrap();
        }
        // Fed to the receive buffer in arbitrary pieces, the same messages come out.
        let mut rx = FrameBuffer::new(RUNNER_MESSAGE_LIMIT);
        let mut out = Vec::new();
        let (mut at, mut cut) = (0, cuts.iter().cycle());
        while at < wire.len() {
            let n = (*cut.next().unwrap()).min(wire.len() - at).min(rx.spare().len());
            rx.spare()[..n].copy_from_slice(&wire[at..at + n]);
            rx.filled(n);
            at += n;
            while let Some(p) = rx.next_payload().unwrap() {
                out.push(framing::decode::<RunnerMessage, RUNNER_MESSAGE_LIMIT>(p).unwrap());
            }
        }
        prop_assert_eq!(out, msgs);
    }

    #[test]
    fn garbage_in_the_receive_buffer_is_an_error_or_a_message(
        bytes in proptest::collection::vec(any::<u8>(), 0..2048),
    ) {
        let mut rx = FrameBuffer::new(RUNNER_MESSAGE_LIMIT);
        let n = bytes.len().min(rx.spare().len());
        rx.spare()[..n].copy_from_slice(&bytes[..n]);
        rx.filled(n);
        while let Ok(Some(p)) = rx.next_payload() {
            let p = p.to_vec();
            let _ = framing::decode::<RunnerMessage, RUNNER_MESSAGE_LIMIT>(&p);
        }
    }

    #[test]
    fn any_bytes_as_a_tic_or_png_cart(bytes in proptest::collection::vec(any::<u8>(), 0..4096)) {
        let _ = Cart::parse_bytes(Path::new("fuzz.tic"), &bytes);
        let _ = Cart::parse_bytes(Path::new("fuzz.png"), &bytes);
    }

    #[test]
    fn damaged_tic_and_png_carts_are_refused_or_read(
        edits in proptest::collection::vec((any::<usize>(), any::<u8>()), 0..16),
        keep in 0.0f64..=1.0,
    ) {
        for (name, bytes) in [("hello.tic", cart_file("hello.tic")), ("hello.png", cart_file("hello.png"))] {
            let damaged = mutate(bytes, &edits, keep);
            if let Err(e) = Cart::parse_bytes(Path::new(name), &damaged) {
                // Every refusal names the file.
                prop_assert!(e.to_string().starts_with(name), "{}", e);
            }
        }
    }

    #[test]
    fn text_carts_with_any_sections_are_refused_or_read(
        lines in proptest::collection::vec(
            prop_oneof![
                Just("-- <TILES>".to_owned()),
                Just("-- </TILES>".to_owned()),
                Just("-- <PALETTE>".to_owned()),
                Just("-- </PALETTE>".to_owned()),
                Just("-- <MAP7>".to_owned()),
                Just("-- </MAP7>".to_owned()),
                Just("-- <SFX>".to_owned()),
                Just("-- </SFX>".to_owned()),
                "-- [0-9]{3}:[0-9a-f]{0,300}",
                "-- [a-z]{1,8}: .{0,20}",
                ".{0,40}",
            ],
            0..40,
        ),
    ) {
        let text = lines.join("\n");
        if let Err(e) = Cart::parse_bytes(Path::new("fuzz.lua"), text.as_bytes()) {
            prop_assert!(e.to_string().starts_with("fuzz.lua"), "{}", e);
        }
    }
}
