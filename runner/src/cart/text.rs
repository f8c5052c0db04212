//! TIC-80 text carts (`.lua`): the code, then data sections in comments.
//!
//! ```text
//! -- <TILES>
//! -- 001:0123456789abcdef...
//! -- </TILES>
//! ```
//!
//! The code is everything before the first line starting with `-- <`. Each data row is a
//! 3-digit row number and the row's bytes in hex, low nibble first (except the palette).
//! Banks 1-7 use the tag with the bank number appended (`TILES1`, `MAP3`). Anything TIC-80
//! would misread (a row number out of range, a short row, a non-hex digit, a section that
//! never ends) is refused with the line it is on.

use std::path::Path;

use cartbox_protocol::cart::{BANKS, CartImage, Section};

use super::language::Language;
use super::{Cart, CartError, MAX_CODE_SIZE, metadata};

/// A data section: its tag, the bank section it fills, rows and bytes per row, and
/// whether nibbles are written low first.
struct Layout {
    tag: &'static str,
    section: Option<Section>,
    rows: usize,
    bytes: usize,
    swapped: bool,
}

const LAYOUTS: &[Layout] = &[
    Layout {
        tag: "TILES",
        section: Some(Section::Tiles),
        rows: 256,
        bytes: 32,
        swapped: true,
    },
    Layout {
        tag: "SPRITES",
        section: Some(Section::Sprites),
        rows: 256,
        bytes: 32,
        swapped: true,
    },
    Layout {
        tag: "MAP",
        section: Some(Section::Map),
        rows: 136,
        bytes: 240,
        swapped: true,
    },
    Layout {
        tag: "WAVES",
        section: Some(Section::Waveforms),
        rows: 16,
        bytes: 16,
        swapped: true,
    },
    Layout {
        tag: "SFX",
        section: Some(Section::Sfx),
        rows: 64,
        bytes: 66,
        swapped: true,
    },
    Layout {
        tag: "PATTERNS",
        section: Some(Section::Patterns),
        rows: 60,
        bytes: 192,
        swapped: true,
    },
    Layout {
        tag: "TRACKS",
        section: Some(Section::Tracks),
        rows: 8,
        bytes: 51,
        swapped: true,
    },
    Layout {
        tag: "FLAGS",
        section: Some(Section::Flags),
        rows: 2,
        bytes: 256,
        swapped: true,
    },
    Layout {
        tag: "SCREEN",
        section: Some(Section::Screen),
        rows: 136,
        bytes: 120,
        swapped: true,
    },
    Layout {
        tag: "PALETTE",
        section: Some(Section::Palette),
        rows: 2,
        bytes: 48,
        swapped: false,
    },
    Layout {
        tag: "LANG",
        section: None,
        rows: 1,
        bytes: 1,
        swapped: false,
    },
];

/// Finds the layout and bank of a tag such as `TILES` or `MAP3`.
fn layout_of(tag: &str) -> Option<(&'static Layout, usize)> {
    for l in LAYOUTS {
        if let Some(rest) = tag.strip_prefix(l.tag) {
            if rest.is_empty() {
                return Some((l, 0));
            }
            if l.section.is_some()
                && rest.len() == 1
                && let Some(b) = rest.chars().next().and_then(|c| c.to_digit(10))
                && (1..BANKS as u32).contains(&b)
            {
                return Some((l, b as usize));
            }
        }
    }
    None
}

/// Parses a Lua text cart.
pub(super) fn parse(path: &Path, bytes: &[u8]) -> Result<Cart, CartError> {
    parse_in(path, bytes, None)
}

/// Parses a text cart written in `language` (Lua when `None`): its sections and metadata
/// are written after the language's comment (`-- <TILES>`, `// <TILES>`).
pub(super) fn parse_in(
    path: &Path,
    bytes: &[u8],
    language: Option<&'static Language>,
) -> Result<Cart, CartError> {
    let c = language.map_or("--", |l| l.comment_written);
    let malformed = |line: usize, message: String| CartError::Malformed {
        path: path.to_owned(),
        place: line.to_string(),
        message,
    };
    let text = std::str::from_utf8(bytes).map_err(|e| {
        let line = bytes[..e.valid_up_to()]
            .iter()
            .filter(|b| **b == b'\n')
            .count()
            + 1;
        malformed(line, "the file is not valid UTF-8 text".into())
    })?;
    let text = text.replace('\r', "");
    let (code, data, data_line) = match text.find(&format!("\n{c} <")) {
        Some(i) => (
            &text[..i],
            &text[i + 1..],
            text[..=i].matches('\n').count() + 1,
        ),
        None if text.starts_with(&format!("{c} <")) => ("", &text[..], 1),
        None => (&text[..], "", 0),
    };
    if code.len() > MAX_CODE_SIZE {
        return Err(malformed(
            1,
            format!(
                "the code is {} bytes, more than TIC-80's {MAX_CODE_SIZE}",
                code.len()
            ),
        ));
    }
    let mut image = CartImage {
        code: code.to_owned(),
        ..CartImage::default()
    };
    let mut open: Option<(&'static Layout, usize, String, usize)> = None;
    let mut seen: std::collections::HashSet<String> = std::collections::HashSet::new();
    // An unknown section being skipped: its closing line and where it opened.
    let mut skipping: Option<(String, usize)> = None;
    // The `<LANG>` section's byte: TIC-80's language id.
    let mut lang = None;
    for (n, line) in data.lines().enumerate() {
        let lineno = data_line + n;
        let trimmed = line.trim_end();
        if let Some((end, _)) = &skipping {
            if trimmed == end {
                skipping = None;
            }
            continue;
        }
        if let Some((layout, bank, tag, opened_at)) = &open {
            if trimmed == format!("{c} </{tag}>") {
                open = None;
                continue;
            }
            let place = |msg: String| CartError::Malformed {
                path: path.to_owned(),
                place: lineno.to_string(),
                message: format!("section <{tag}>: {msg}"),
            };
            let Some(row) = trimmed.strip_prefix(&format!("{c} ")) else {
                return Err(place(format!(
                    "expected a data row or {c} </{tag}> (the section opened on line {opened_at})"
                )));
            };
            let (index, hex) = row
                .split_once(':')
                .ok_or_else(|| place("a data row needs 'NNN:' before its data".into()))?;
            if index.len() != 3 || !index.bytes().all(|b| b.is_ascii_digit()) {
                return Err(place(format!(
                    "'{}' is not a 3-digit row number",
                    quoted(index)
                )));
            }
            let index: usize = index.parse().map_err(|_| place("bad row number".into()))?;
            if index >= layout.rows {
                return Err(place(format!(
                    "row {index:03} is out of range ({tag} has {} rows)",
                    layout.rows
                )));
            }
            let hex = hex.trim();
            if hex.len() != layout.bytes * 2 {
                return Err(place(format!(
                    "row {index:03} has {} hex digits, expected {}",
                    hex.len(),
                    layout.bytes * 2
                )));
            }
            if let Some(c) = hex.chars().find(|c| !c.is_ascii_hexdigit()) {
                return Err(place(format!(
                    "'{}' is not a hex digit",
                    quoted(&c.to_string())
                )));
            }
            let mut row_bytes = Vec::with_capacity(layout.bytes);
            for pair in hex.as_bytes().chunks_exact(2) {
                // Only hex digits are left.
                let digit = |c: u8| (c as char).to_digit(16).unwrap_or(0) as u8;
                let (a, b) = (digit(pair[0]), digit(pair[1]));
                row_bytes.push(if layout.swapped {
                    a | (b << 4)
                } else {
                    (a << 4) | b
                });
            }
            match layout.section {
                Some(section) => {
                    let dst = image.banks[*bank].section_mut(section);
                    let at = index * layout.bytes;
                    dst[at..at + layout.bytes].copy_from_slice(&row_bytes);
                }
                // LANG is the cart's language byte.
                None => lang = row_bytes.first().copied(),
            }
            continue;
        }
        if trimmed.is_empty() {
            continue;
        }
        let Some(tag) = trimmed
            .strip_prefix(&format!("{c} <"))
            .and_then(|t| t.strip_suffix('>'))
        else {
            // Text between sections (comments TIC-80 ignores).
            continue;
        };
        if tag.starts_with('/') {
            return Err(malformed(
                lineno,
                format!("<{}> closes a section that is not open", quoted(tag)),
            ));
        }
        if seen.contains(tag) {
            return Err(malformed(
                lineno,
                format!("section <{}> appears twice", quoted(tag)),
            ));
        }
        seen.insert(tag.to_owned());
        match layout_of(tag) {
            Some((layout, bank)) => open = Some((layout, bank, tag.to_owned(), lineno)),
            // A section we do not know (a newer TIC-80's): skipped to its end.
            None => skipping = Some((format!("{c} </{tag}>"), lineno)),
        }
    }
    if let Some((end, opened_at)) = skipping {
        return Err(malformed(
            opened_at,
            format!(
                "section opened here is never closed (missing {})",
                quoted(&end)
            ),
        ));
    }
    if let Some((_, _, tag, opened_at)) = open {
        return Err(malformed(
            opened_at,
            format!("section <{tag}> is never closed (missing {c} </{tag}>)"),
        ));
    }
    // A text cart without a palette gets the default one, SWEETIE-16 (an explicit all-zero
    // palette is left to the DB16 fallback, as TIC-80 does).
    if !seen.contains("PALETTE") {
        image.banks[0].section_mut(Section::Palette)[..48]
            .copy_from_slice(&cartbox_protocol::ram::SWEETIE16);
    }
    let meta = metadata(&image.code, lang, language);
    Ok(Cart {
        name: path.display().to_string(),
        image,
        meta,
        module: None,
    })
}

/// Text from a cart file, for a message: escaped (no control character reaches a terminal)
/// and cut short.
fn quoted(text: &str) -> String {
    const MAX: usize = 24;
    let mut out: String = text
        .chars()
        .take(MAX)
        .flat_map(char::escape_debug)
        .collect();
    if text.chars().nth(MAX).is_some() {
        out.push_str("...");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use cartbox_protocol::ram::{DB16, SWEETIE16};

    fn parse_str(text: &str) -> Result<Cart, CartError> {
        parse(Path::new("t.lua"), text.as_bytes())
    }

    fn err(text: &str) -> String {
        parse_str(text).unwrap_err().to_string()
    }

    #[test]
    fn code_sections_and_banks() {
        let text = format!(
            "-- title: demo\r\nfunction TIC() end\n\n-- <TILES>\n-- 001:{}\n-- </TILES>\n\n-- <MAP2>\n-- 135:{}\n-- </MAP2>\n\n-- <PALETTE>\n-- 000:{}\n-- </PALETTE>\n",
            "0123456789abcdef".repeat(4),
            "10".repeat(240),
            "1a1c2c".repeat(16)
        );
        let cart = parse_str(&text).unwrap();
        assert_eq!(cart.image.code, "-- title: demo\nfunction TIC() end\n");
        assert_eq!(cart.meta.title.as_deref(), Some("demo"));
        // Low nibble first: "01" is the byte 0x10 (pixel 0 = 0, pixel 1 = 1).
        let tiles = cart.image.banks[0].section(Section::Tiles);
        assert_eq!(&tiles[32..34], &[0x10, 0x32]);
        assert_eq!(cart.image.banks[2].section(Section::Map)[135 * 240], 0x01);
        // The palette is not swapped.
        assert_eq!(
            &cart.image.banks[0].section(Section::Palette)[..3],
            &[0x1a, 0x1c, 0x2c]
        );
    }

    #[test]
    fn default_and_fallback_palettes() {
        let cart = parse_str("function TIC() end\n").unwrap();
        assert_eq!(
            &cart.image.banks[0].section(Section::Palette)[..48],
            &SWEETIE16
        );
        let mut zero = Cart::from_code("z", "");
        zero.image.banks[0].section_mut(Section::Palette).fill(0);
        super::super::apply_fallbacks(&mut zero.image);
        assert_eq!(&zero.image.banks[0].section(Section::Palette)[..48], &DB16);
    }

    #[test]
    fn malformed_sections_name_the_line() {
        let row = "0".repeat(64);
        assert_eq!(
            err(&format!(
                "x=1\n-- <TILES>\n-- 001:{row}\n-- 300:{row}\n-- </TILES>\n"
            )),
            "t.lua:4: section <TILES>: row 300 is out of range (TILES has 256 rows)"
        );
        assert_eq!(
            err("x=1\n-- <TILES>\n-- 001:00\n-- </TILES>\n"),
            "t.lua:3: section <TILES>: row 001 has 2 hex digits, expected 64"
        );
        assert_eq!(
            err(&format!("x=1\n-- <TILES>\n-- 001:{row}\n")),
            "t.lua:2: section <TILES> is never closed (missing -- </TILES>)"
        );
        assert_eq!(
            err(&format!("x=1\n-- <TILES>\n-- 1:{row}\n-- </TILES>\n")),
            "t.lua:3: section <TILES>: '1' is not a 3-digit row number"
        );
        assert_eq!(
            err("x=1\n-- </TILES>\n"),
            "t.lua:2: </TILES> closes a section that is not open"
        );
        assert_eq!(
            err("x=1\n-- <PALETTE>\n-- </PALETTE>\n-- <PALETTE>\n-- </PALETTE>\n"),
            "t.lua:4: section <PALETTE> appears twice"
        );
        assert!(
            err("x=1\n-- <FUTURE>\n-- 000:zz\n")
                .contains("t.lua:2: section opened here is never closed")
        );
    }

    #[test]
    fn unknown_sections_are_skipped_and_bad_utf8_is_refused() {
        let cart = parse_str("x=1\n-- <FUTURE>\n-- 000:zz\n-- </FUTURE>\n").unwrap();
        assert_eq!(cart.image.code, "x=1");
        let e = parse(Path::new("b.lua"), b"x=1\ny=\xff\n")
            .unwrap_err()
            .to_string();
        assert_eq!(e, "b.lua:2: the file is not valid UTF-8 text");
    }

    #[test]
    fn the_lang_section_names_the_language() {
        let cart = parse_str("x=1\n-- <LANG>\n-- 000:14\n-- </LANG>\n").unwrap();
        assert_eq!(cart.meta.script.as_deref(), Some("python"));
        let cart = parse_str("// script: js\nx=1\n").unwrap();
        assert_eq!(cart.meta.script.as_deref(), Some("js"));
        // A name TIC-80 does not know: it plays the cart as Lua.
        let cart = parse_str("-- script: LUA5\nx=1\n").unwrap();
        assert_eq!(cart.meta.script, None);
    }

    #[test]
    fn text_from_the_file_is_escaped_in_messages() {
        let row = "0".repeat(64);
        assert_eq!(
            err(&format!("x=1\n-- <TILES>\n-- \x1b[2J:{row}\n-- </TILES>\n")),
            "t.lua:3: section <TILES>: '\\u{1b}[2J' is not a 3-digit row number"
        );
        assert_eq!(
            err(&format!(
                "x=1\n-- <TILES>\n-- 001:{}\u{9b}\n-- </TILES>\n",
                "0".repeat(62)
            )),
            "t.lua:3: section <TILES>: '\\u{9b}' is not a hex digit"
        );
        let long = "A".repeat(100);
        assert_eq!(
            err(&format!("x=1\n-- <{long}>\n")),
            "t.lua:2: section opened here is never closed (missing -- </AAAAAAAAAAAAAAAAAAA...)"
        );
        assert_eq!(
            err("x=1\n-- </\x07>\n"),
            "t.lua:2: </\\u{7}> closes a section that is not open"
        );
    }
}
