//! Conformance against TIC-80 itself (`cartbox conformance`), when the folder of TIC-80's
//! demo carts and reference frames is present (it is on CI: `../shared/tic80-demos`).

use crate::common::*;
use cartbox_host::conformance;
use cartbox_host::zygote::ZygoteCommand;

/// Where each demo's text is drawn in its reference frames: our glyphs are our own, so
/// these are the only pixels allowed to differ. Carts without an entry must match exactly.
/// A box of pixels: left, top, right, bottom (inclusive), in the 256x144 output.
type Box4 = (u32, u32, u32, u32);

const TEXT: &[(&str, Box4)] = &[
    // "HELLO WORLD!" under the mascot.
    ("luademo", (90, 86, 160, 94)),
    // The palette names in the left column.
    ("palette", (12, 8, 100, 112)),
];

#[test]
fn demo_carts_match_tic80_except_where_text_is_drawn() {
    let dir = root().join("../shared/tic80-demos");
    if !dir.join("carts").is_dir() {
        eprintln!("skipped: {} is not here", dir.display());
        return;
    }
    let results = conformance::run_all(&dir, Some(ZygoteCommand::binary(bin())))
        .expect("demo folder readable");
    assert_eq!(results.len(), 13, "TIC-80 ships 13 Lua demo carts");
    for r in &results {
        assert_eq!(r.error, None, "{} stopped", r.name);
        assert_eq!(
            r.frames,
            conformance::FRAMES,
            "{} ran {} frames",
            r.name,
            r.frames
        );
        for m in &r.matches {
            let text = TEXT.iter().find(|(n, _)| *n == r.name).map(|(_, b)| *b);
            match text {
                None => assert_eq!(
                    m.equal,
                    m.total,
                    "{} frame {}: {:.3}% equal",
                    r.name,
                    m.frame,
                    m.share() * 100.0
                ),
                Some(_) => assert!(
                    m.share() > 0.98,
                    "{} frame {}: {:.3}% equal",
                    r.name,
                    m.frame,
                    m.share() * 100.0
                ),
            }
        }
    }
    // Where frames differ at all, the differences lie inside the text boxes.
    for (name, (x0, y0, x1, y1)) in TEXT {
        let dir_frames = dir.join("frames");
        for frame in [1, 60, 300] {
            let reference = dir_frames.join(format!("{name}_{frame}_full.png"));
            let scratch_dir = scratch(&format!("conf-{name}-{frame}"));
            let shot = scratch_dir.join("f.png");
            let out = cartbox(&[
                "run",
                dir.join(format!("carts/{name}.lua")).to_str().unwrap(),
                "--headless",
                "--frames",
                &frame.to_string(),
                "--border",
                "--screenshot",
                shot.to_str().unwrap(),
            ]);
            assert_eq!(out.status.code(), Some(0));
            let (w, _, got) = read_png(&shot);
            let (_, _, want) = read_png(&reference);
            for (i, (a, b)) in got.chunks(3).zip(want.chunks(3)).enumerate() {
                if a != b {
                    let (x, y) = (i as u32 % w, i as u32 / w);
                    assert!(
                        (*x0..=*x1).contains(&x) && (*y0..=*y1).contains(&y),
                        "{name} frame {frame}: pixel ({x},{y}) differs outside the text"
                    );
                }
            }
        }
    }
}
