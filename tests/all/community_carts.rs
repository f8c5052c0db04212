//! Issue 13 (community carts): carts as the community shares them, loaded as TIC-80 loads
//! them. Packed sizecoding `.tic` carts (item 4), and carts in languages Cartbox does not
//! play, refused naming the language whatever their comment style (item 6) or extension
//! (item 7).

use std::path::{Path, PathBuf};

use crate::common::*;

/// The refusal of a cart in another language: exit code 65, one line naming the file and
/// the language.
fn assert_refused(path: &Path, language: &str) {
    let path = path.to_str().unwrap();
    let (_, err) = run_expect(&["run", path, "--headless", "--frames", "1"], 65);
    assert_eq!(err.lines().count(), 1, "one line expected: {err}");
    assert_eq!(
        err.trim_end(),
        format!(
            "cartbox: {path}: the cart is written in '{language}'; Cartbox plays Lua, \
             MoonScript, Fennel, JavaScript and WebAssembly carts"
        )
    );
}

/// A `.tic` chunk.
fn chunk(kind: u8, data: &[u8]) -> Vec<u8> {
    let mut out = vec![kind, data.len() as u8, (data.len() >> 8) as u8, 0];
    out.extend_from_slice(data);
    out
}

/// Plays `cart` for one frame and returns its screen (240x136 RGB).
fn screen(dir: &Path, cart: &Path) -> Vec<u8> {
    let shot = dir.join("shot.png");
    run_expect(
        &[
            "run",
            cart.to_str().unwrap(),
            "--headless",
            "--frames",
            "1",
            "--screenshot",
            shot.to_str().unwrap(),
        ],
        0,
    );
    let (w, h, rgb) = read_png(&shot);
    assert_eq!((w, h), (240, 136));
    rgb
}

/// What TIC-80 (`../shared/tools/tic80run`) shows at the middle of the screen after
/// frame 1, when the tool is here.
fn tic80_middle(dir: &Path, cart: &Path) -> Option<[u8; 3]> {
    let tool = root().join("../shared/tools/tic80run");
    if !tool.exists() {
        eprintln!(
            "skipped the TIC-80 comparison: {} is not here",
            tool.display()
        );
        return None;
    }
    let out = std::process::Command::new(&tool)
        .arg(cart)
        .args(["--frames", "1", "--png-at", "1", "--out"])
        .arg(dir)
        .output()
        .expect("run tic80run");
    assert!(out.status.success(), "{out:?}");
    let stem = cart.file_stem().unwrap().to_str().unwrap();
    let (w, _, rgb) = read_png(&dir.join(format!("{stem}-1.png")));
    // The full output has an 8x4 border around the screen.
    let at = ((4 + 68) * w as usize + 8 + 120) * 3;
    Some([rgb[at], rgb[at + 1], rgb[at + 2]])
}

/// Item 4: what sizecoding packers (pakettic) write: the code zlib-compressed without its
/// Adler-32 trailer, and the file ended by a lone DEFAULT type byte (0x11) for a header.
/// TIC-80 plays it with SWEETIE-16: `cls(2)` is a red screen.
#[test]
fn packed_sizecoding_carts_play_as_in_tic80() {
    let dir = scratch("packed");
    let code = b"function TIC() cls(2) end";
    let z = miniz_oxide::deflate::compress_to_vec_zlib(code, 9);
    let bare = &z[..z.len() - 4];
    let mut wrong = z.clone();
    *wrong.last_mut().unwrap() ^= 0xff;
    const SWEETIE_RED: [u8; 3] = [0xb1, 0x3e, 0x53];
    const DB16_RED: [u8; 3] = [0x30, 0x34, 0x6d];
    for (name, zipped, tail, red) in [
        // The packers' own output.
        ("packed.tic", bare, &[0x11][..], SWEETIE_RED),
        // A wrong checksum: TIC-80 does not look at it either.
        ("wrong_sum.tic", &wrong[..], &[0x11][..], SWEETIE_RED),
        // Half a checksum and no DEFAULT chunk: TIC-80's legacy DB16 palette.
        ("half_sum.tic", &z[..z.len() - 2], &[][..], DB16_RED),
        // A DEFAULT header cut after its size bytes.
        ("cut_header.tic", bare, &[0x11, 0, 0][..], SWEETIE_RED),
    ] {
        let path = dir.join(name);
        let mut tic = chunk(16, zipped);
        tic.extend_from_slice(tail);
        std::fs::write(&path, &tic).unwrap();
        let rgb = screen(&dir, &path);
        for (x, y) in [(0, 0), (120, 68), (239, 135)] {
            let at = (y * 240 + x) * 3;
            assert_eq!(rgb[at..at + 3], red, "{name}: pixel ({x}, {y})");
        }
        if let Some(tic80) = tic80_middle(&dir, &path) {
            assert_eq!(tic80, red, "{name}: TIC-80's own screen");
        }
    }
}

/// Item 4: a refusal is one short line naming the file, the chunk and its offset, never
/// the data (it used to print the whole inflated buffer as numbers).
#[test]
fn broken_compressed_code_is_refused_in_one_short_line() {
    let dir = scratch("broken_zip");
    let code = "function TIC() cls(2) end -- ".repeat(50);
    let z = miniz_oxide::deflate::compress_to_vec_zlib(code.as_bytes(), 9);
    let path = dir.join("cut.tic");
    let mut tic = vec![0x11];
    tic.extend([0, 0, 0]);
    tic.extend(chunk(16, &z[..z.len() / 2]));
    std::fs::write(&path, &tic).unwrap();
    let p = path.to_str().unwrap();
    let (_, err) = run_expect(&["run", p, "--headless", "--frames", "1"], 65);
    assert_eq!(
        err.trim_end(),
        format!(
            "cartbox: {p}:chunk 2 (CODE (compressed)) at offset 4: the compressed code is cut \
             short (its deflate data ends before its last block)"
        )
    );
}

/// Item 6: a `.tic` or `.png` cart is refused naming its language, found as TIC-80 finds
/// it: a LANG chunk, or a `script:` tag in that language's own comment style.
#[test]
fn tic_and_png_carts_are_refused_naming_their_language() {
    let dir = scratch("tic_languages");
    for (code, language) in [
        ("// script: wren\nclass Game is TIC{}\n", "wren"),
        ("// script: squirrel\nfunction TIC(){}\n", "squirrel"),
        (";; script: scheme\n(define (TIC) (cls 2))\n", "scheme"),
        ("# script: janet\n(defn TIC [] (cls 2))\n", "janet"),
        ("# script: python\ndef TIC():\n  cls(2)\n", "python"),
        ("# script: ruby\ndef TIC\n cls 2\nend\n", "ruby"),
        ("-- script: yue\nexport TIC=-> cls 2\n", "yue"),
    ] {
        let tic = dir.join(format!("{language}.tic"));
        std::fs::write(&tic, chunk(5, code.as_bytes())).unwrap();
        assert_refused(&tic, language);
        let png = dir.join(format!("{language}.png"));
        std::fs::write(
            &png,
            cartbox_runner::cart::Cart::from_code("c", code)
                .to_png()
                .unwrap(),
        )
        .unwrap();
        assert_refused(&png, language);
    }
    // The LANG chunk alone (20: Python).
    let tic = dir.join("lang_chunk.tic");
    let mut bytes = chunk(5, b"def TIC():\n  cls(2)\n");
    bytes.extend(chunk(20, &[20]));
    std::fs::write(&tic, &bytes).unwrap();
    assert_refused(&tic, "python");
}

/// Item 7: text carts in other languages are refused by their extension.
#[test]
fn text_carts_in_other_languages_are_refused_naming_it() {
    let dir = scratch("text_languages");
    for (ext, language) in [
        ("py", "python"),
        ("rb", "ruby"),
        ("wren", "wren"),
        ("nut", "squirrel"),
        ("janet", "janet"),
        ("scm", "scheme"),
        ("yue", "yue"),
    ] {
        let path = dir.join(format!("game.{ext}"));
        std::fs::write(&path, "function TIC() cls(2) end\n").unwrap();
        assert_refused(&path, language);
    }
    // A missing one is still "no such file".
    let (_, err) = run_expect(
        &["run", "tests/carts/nope.js", "--headless", "--frames", "1"],
        66,
    );
    assert_contains(&err, &["tests/carts/nope.js: no such file"]);
}

/// Items 6 and 7 on TIC-80's own demo carts in its other languages: each is refused naming
/// its language, as a text cart and as a `.tic` holding its code.
#[test]
fn tic80_demos_in_other_languages_are_refused_naming_it() {
    let dir = root().join("../shared/tic80-demos/languages");
    let Ok(entries) = std::fs::read_dir(&dir) else {
        eprintln!("skipped: {} is not here", dir.display());
        return;
    };
    let scratch = scratch("demo_languages");
    let mut carts: Vec<PathBuf> = entries.map(|e| e.unwrap().path()).collect();
    carts.sort();
    assert!(!carts.is_empty(), "no carts in {}", dir.display());
    for cart in carts {
        let ext = cart.extension().unwrap().to_str().unwrap();
        // JavaScript, Fennel and MoonScript play (tests/all/languages.rs).
        if matches!(ext, "js" | "fnl" | "moon") {
            continue;
        }
        // TIC-80's names and the comments its text carts use for their data sections.
        let (language, comment) = match ext {
            "janet" => ("janet", "#"),
            "py" => ("python", "#"),
            "rb" => ("ruby", "#"),
            "scm" => ("scheme", ";;"),
            "nut" => ("squirrel", "//"),
            "wren" => ("wren", "//"),
            "yue" => ("yue", "--"),
            other => panic!(
                "{}: a language this test does not know: {other}",
                cart.display()
            ),
        };
        assert_refused(&cart, language);
        // The same code in a .tic: found by the `script:` tag in its comment style.
        let text = std::fs::read_to_string(&cart).unwrap();
        let code = text
            .find(&format!("\n{comment} <"))
            .map_or(&text[..], |end| &text[..end]);
        let tic = scratch.join(format!(
            "{}.tic",
            cart.file_stem().unwrap().to_str().unwrap()
        ));
        std::fs::write(&tic, chunk(5, code.as_bytes())).unwrap();
        assert_refused(&tic, language);
    }
}
