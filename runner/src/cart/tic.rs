//! Binary `.tic` carts: a flat list of chunks, each a 4-byte header (type in bits 0-4 and
//! bank in bits 5-7 of byte 0, a little-endian 16-bit size, a reserved byte) and its data.
//!
//! Loading follows TIC-80 1.1: palettes and DEFAULT chunks first (then the DB16 fallback),
//! everything else second; code chunks joined from bank 7 down to bank 0; the deprecated
//! chunks old carts carry (zlib-compressed code, a GIF cover, the old pattern format)
//! converted. Unknown chunk types are skipped. A chunk whose data TIC-80 reads and that runs
//! past the end of the file is refused with its number and offset: TIC-80 would read past
//! its buffer there. One whose data it never reads (DEFAULT, an unknown type) may: TIC-80
//! takes it and stops, and sizecoding packers end their carts with a lone DEFAULT type byte.

use std::path::Path;

use cartbox_protocol::cart::{BANKS, CartImage, Section};
use cartbox_protocol::ram;

use super::{CartError, MAX_CODE_SIZE};

const CODE_BANK_SIZE: usize = 65536;

/// Chunk types.
mod chunk {
    pub(super) const TILES: u8 = 1;
    pub(super) const SPRITES: u8 = 2;
    pub(super) const COVER_DEP: u8 = 3;
    pub(super) const MAP: u8 = 4;
    pub(super) const CODE: u8 = 5;
    pub(super) const FLAGS: u8 = 6;
    pub(super) const SAMPLES: u8 = 9;
    pub(super) const WAVEFORM: u8 = 10;
    pub(super) const PALETTE: u8 = 12;
    pub(super) const PATTERNS_DEP: u8 = 13;
    pub(super) const MUSIC: u8 = 14;
    pub(super) const PATTERNS: u8 = 15;
    pub(super) const CODE_ZIP: u8 = 16;
    pub(super) const DEFAULT: u8 = 17;
    pub(super) const SCREEN: u8 = 18;
    pub(super) const BINARY: u8 = 19;
    pub(super) const LANG: u8 = 20;
}

/// TIC-80's default waveforms (the DEFAULT chunk's).
pub(super) const DEFAULT_WAVES: [u8; 48] = [
    0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff,
    0xff, //
    0x10, 0x32, 0x54, 0x76, 0x98, 0xba, 0xdc, 0xfe, 0xef, 0xcd, 0xab, 0x89, 0x67, 0x45, 0x23,
    0x01, //
    0x10, 0x32, 0x54, 0x76, 0x98, 0xba, 0xdc, 0xfe, 0x10, 0x32, 0x54, 0x76, 0x98, 0xba, 0xdc, 0xfe,
];

/// What a binary cart holds besides its banks.
#[derive(Debug, Default)]
pub(super) struct Parsed {
    /// Code and banks.
    pub image: CartImage,
    /// The LANG chunk, if any.
    pub lang: Option<u8>,
    /// The WebAssembly module (BINARY chunks joined).
    pub binary: Vec<u8>,
}

struct Chunk<'a> {
    kind: u8,
    bank: usize,
    /// Where its header starts in the file.
    at: usize,
    data: &'a [u8],
}

/// Whether TIC-80's loader never reads a chunk type's data: DUMMY, the reserved TEMP
/// types, DEFAULT (its content is implied) and the types it does not know.
fn dataless(kind: u8) -> bool {
    matches!(kind, 0 | 7 | 8 | 11 | chunk::DEFAULT | 21..=31)
}

/// Splits `bytes` into chunks, checking every length against the file.
fn chunks<'a>(path: &Path, bytes: &'a [u8]) -> Result<Vec<Chunk<'a>>, CartError> {
    let mut out = Vec::new();
    let mut at = 0;
    while at < bytes.len() {
        let n = out.len() + 1;
        let place = format!("chunk {n} at offset {at}");
        let bad = |message: String| CartError::Malformed {
            path: path.to_owned(),
            place: place.clone(),
            message,
        };
        let b0 = bytes[at];
        let (kind, bank) = (b0 & 0x1f, usize::from(b0 >> 5));
        // A chunk whose data TIC-80 never reads may end the file, header cut short or size
        // past the end: TIC-80 takes its type from the first byte and stops there.
        let last = |out: &mut Vec<Chunk<'a>>| {
            out.push(Chunk {
                kind,
                bank,
                at,
                data: &[],
            })
        };
        if bytes.len() - at < 4 {
            if dataless(kind) {
                last(&mut out);
                break;
            }
            return Err(bad(format!(
                "{} stray bytes where a chunk header should be",
                bytes.len() - at
            )));
        }
        let size = usize::from(u16::from_le_bytes([bytes[at + 1], bytes[at + 2]]));
        // Code and binary chunks of a full 64 KiB write their size as 0.
        let len = if size == 0 && (kind == chunk::CODE || kind == chunk::BINARY) {
            CODE_BANK_SIZE
        } else {
            size
        };
        let start = at + 4;
        let Some(data) = bytes.get(start..start + len) else {
            if dataless(kind) {
                last(&mut out);
                break;
            }
            return Err(bad(format!(
                "says it holds {len} bytes but the file ends after {}",
                bytes.len() - start
            )));
        };
        out.push(Chunk {
            kind,
            bank,
            at,
            data,
        });
        at = start + len;
    }
    Ok(out)
}

/// Copies a chunk into a bank section: as much as fits; the rest stays as it was.
fn copy(dst: &mut [u8], data: &[u8]) {
    let n = data.len().min(dst.len());
    dst[..n].copy_from_slice(&data[..n]);
}

/// Parses a `.tic` file.
pub(super) fn parse(path: &Path, bytes: &[u8]) -> Result<Parsed, CartError> {
    let list = chunks(path, bytes)?;
    let mut p = Parsed::default();
    let banks = &mut p.image.banks;
    // Pass 1: palettes and defaults.
    for c in &list {
        match c.kind {
            chunk::PALETTE => copy(banks[c.bank].section_mut(Section::Palette), c.data),
            chunk::DEFAULT => {
                banks[c.bank].section_mut(Section::Palette)[..48].copy_from_slice(&ram::SWEETIE16);
                banks[c.bank].section_mut(Section::Waveforms)[..48].copy_from_slice(&DEFAULT_WAVES);
            }
            _ => {}
        }
    }
    if banks[0].section(Section::Palette)[..48]
        .iter()
        .all(|b| *b == 0)
    {
        banks[0].section_mut(Section::Palette)[..48].copy_from_slice(&ram::DB16);
    }
    // Pass 2: everything else.
    let mut code: [Option<&[u8]>; BANKS] = [None; BANKS];
    let mut binary: [Option<&[u8]>; 4] = [None; 4];
    // The last compressed code chunk: each replaces the code of those before it, so only
    // it is inflated (a file of thousands of them costs one).
    let mut zipped = None;
    let mut cover_budget = COVER_PIXEL_BUDGET;
    for (n, c) in list.iter().enumerate() {
        let place = || format!("chunk {} ({}) at offset {}", n + 1, name(c.kind), c.at);
        let section = match c.kind {
            chunk::TILES => Some(Section::Tiles),
            chunk::SPRITES => Some(Section::Sprites),
            chunk::MAP => Some(Section::Map),
            chunk::SAMPLES => Some(Section::Sfx),
            chunk::WAVEFORM => Some(Section::Waveforms),
            chunk::MUSIC => Some(Section::Tracks),
            chunk::PATTERNS | chunk::PATTERNS_DEP => Some(Section::Patterns),
            chunk::FLAGS => Some(Section::Flags),
            chunk::SCREEN => Some(Section::Screen),
            _ => None,
        };
        if let Some(s) = section {
            copy(banks[c.bank].section_mut(s), c.data);
            if c.kind == chunk::PATTERNS_DEP {
                convert_old_patterns(banks[c.bank].section_mut(Section::Patterns));
            }
            continue;
        }
        match c.kind {
            chunk::CODE => code[c.bank] = Some(c.data),
            chunk::BINARY => match binary.get_mut(c.bank) {
                Some(slot) => *slot = Some(c.data),
                None => {
                    return Err(CartError::Malformed {
                        path: path.to_owned(),
                        place: place(),
                        message: format!(
                            "a WebAssembly chunk in bank {} (at most 4 banks)",
                            c.bank
                        ),
                    });
                }
            },
            chunk::LANG => {
                if let Some(lang) = c.data.first() {
                    p.lang = Some(*lang);
                }
            }
            chunk::CODE_ZIP => zipped = Some((n, c)),
            chunk::COVER_DEP => {
                // An undecodable or odd-sized cover is no cover, as in TIC-80.
                let pal: Vec<u8> = banks[0].section(Section::Palette)[..48].to_vec();
                if let Some(screen) = gif_cover(c.data, &pal, &mut cover_budget) {
                    banks[0]
                        .section_mut(Section::Screen)
                        .copy_from_slice(&screen);
                }
            }
            _ => {}
        }
    }
    let zipped = match zipped {
        Some((n, c)) => Some(
            inflate_code(c.data).map_err(|message| CartError::Malformed {
                path: path.to_owned(),
                place: format!("chunk {} ({}) at offset {}", n + 1, name(c.kind), c.at),
                message,
            })?,
        ),
        None => None,
    };
    // Compressed code wins over plain code chunks.
    let text: Vec<u8> = match zipped.filter(|z| z.first().is_some_and(|b| *b != 0)) {
        Some(z) => z,
        None => code
            .iter()
            .rev()
            .flatten()
            .flat_map(|c| c.iter().copied())
            .collect(),
    };
    if text.len() > MAX_CODE_SIZE {
        return Err(CartError::Malformed {
            path: path.to_owned(),
            place: "code".into(),
            message: format!(
                "{} bytes of code, more than TIC-80's {MAX_CODE_SIZE}",
                text.len()
            ),
        });
    }
    // The code ends at its first NUL, as in TIC-80's zero-filled buffer.
    let end = text.iter().position(|b| *b == 0).unwrap_or(text.len());
    p.image.code = String::from_utf8(text[..end].to_vec()).map_err(|e| CartError::Malformed {
        path: path.to_owned(),
        place: "code".into(),
        message: format!(
            "the code is not UTF-8 text (byte {})",
            e.utf8_error().valid_up_to()
        ),
    })?;
    p.binary = binary
        .iter()
        .rev()
        .flatten()
        .flat_map(|b| b.iter().copied())
        .collect();
    Ok(p)
}

/// Inflates a CODE_ZIP chunk: a zlib stream whose Adler-32 trailer is not looked at.
///
/// TIC-80 inflates it with zlib's `uncompress` into the code buffer and ignores the result,
/// so it runs whatever inflated: a stream without its trailer (what sizecoding packers
/// write, to save 4 bytes) or with a wrong one plays. We check the header as zlib does and
/// inflate the deflate data to its last block; a stream that is corrupt or cut short
/// before its end is refused (TIC-80 would run the part that inflated), as is one that
/// inflates to more than TIC-80's code holds.
fn inflate_code(z: &[u8]) -> Result<Vec<u8>, String> {
    use miniz_oxide::inflate::{TINFLStatus, decompress_to_vec_with_limit};
    let [cmf, flg, ..] = *z else {
        return Err("the compressed code is too short to be a zlib stream".into());
    };
    // zlib's checks: the header checksum, method 8 (deflate), a window of 32 KiB at most,
    // no preset dictionary.
    if (u16::from(cmf) << 8 | u16::from(flg)) % 31 != 0
        || cmf & 0x0f != 8
        || cmf >> 4 > 7
        || flg & 0x20 != 0
    {
        return Err("the compressed code is not a zlib stream (bad header)".into());
    }
    decompress_to_vec_with_limit(&z[2..], MAX_CODE_SIZE).map_err(|e| match e.status {
        TINFLStatus::HasMoreOutput => {
            format!("the compressed code inflates to more than TIC-80's {MAX_CODE_SIZE} bytes")
        }
        TINFLStatus::FailedCannotMakeProgress | TINFLStatus::NeedsMoreInput => {
            "the compressed code is cut short (its deflate data ends before its last block)".into()
        }
        _ => "the compressed code is corrupt (invalid deflate data)".into(),
    })
}

/// Most bytes of WebAssembly a `.tic` holds: four BINARY chunks of 64 KiB.
pub(super) const MAX_BINARY_SIZE: usize = 4 * CODE_BANK_SIZE;

/// The language byte of a WebAssembly cart's LANG chunk.
pub(super) const LANG_WASM: u8 = 17;

/// Writes a cart as TIC-80 saves it: per bank a DEFAULT chunk when the palette and
/// waveforms are the defaults (else PALETTE and WAVEFORM), then each non-empty section with
/// its trailing zeros trimmed, then the code, its first 64 KiB in the highest bank, then a
/// LANG chunk with the language byte `lang` if there is one. A WebAssembly cart's module
/// (at most [`MAX_BINARY_SIZE`]) goes in BINARY chunks the same way as the code.
pub(super) fn write(image: &CartImage, lang: Option<u8>, binary: Option<&[u8]>) -> Vec<u8> {
    let mut out = Vec::new();
    let mut put = |kind: u8, bank: usize, data: &[u8]| {
        let size = if data.len() == CODE_BANK_SIZE {
            0
        } else {
            data.len() as u16
        };
        out.push(kind | ((bank as u8) << 5));
        out.extend_from_slice(&size.to_le_bytes());
        out.push(0);
        out.extend_from_slice(data);
    };
    let trim = |d: &[u8]| d.iter().rposition(|b| *b != 0).map_or(0, |i| i + 1);
    for (b, bank) in image.banks.iter().enumerate() {
        let pal = bank.section(Section::Palette);
        let waves = bank.section(Section::Waveforms);
        let default_pal = pal[..48] == ram::SWEETIE16 && pal[48..].iter().all(|x| *x == 0);
        let default_waves = waves[..48] == DEFAULT_WAVES && waves[48..].iter().all(|x| *x == 0);
        if default_pal && default_waves {
            put(chunk::DEFAULT, b, &[]);
        } else {
            for (kind, d) in [(chunk::PALETTE, pal), (chunk::WAVEFORM, waves)] {
                if trim(d) > 0 {
                    put(kind, b, &d[..trim(d)]);
                }
            }
        }
        for (kind, s) in [
            (chunk::TILES, Section::Tiles),
            (chunk::SPRITES, Section::Sprites),
            (chunk::MAP, Section::Map),
            (chunk::SAMPLES, Section::Sfx),
            (chunk::PATTERNS, Section::Patterns),
            (chunk::MUSIC, Section::Tracks),
            (chunk::FLAGS, Section::Flags),
            (chunk::SCREEN, Section::Screen),
        ] {
            let d = bank.section(s);
            if trim(d) > 0 {
                put(kind, b, &d[..trim(d)]);
            }
        }
    }
    let code = image.code.as_bytes();
    let pieces: Vec<&[u8]> = code.chunks(CODE_BANK_SIZE).collect();
    for (i, piece) in pieces.iter().enumerate() {
        put(chunk::CODE, pieces.len() - 1 - i, piece);
    }
    if let Some(lang) = lang {
        put(chunk::LANG, 0, &[lang]);
    }
    if let Some(binary) = binary {
        let pieces: Vec<&[u8]> = binary.chunks(CODE_BANK_SIZE).collect();
        for (i, piece) in pieces.iter().enumerate() {
            put(chunk::BINARY, pieces.len() - 1 - i, piece);
        }
    }
    out
}

fn name(kind: u8) -> &'static str {
    match kind {
        chunk::TILES => "TILES",
        chunk::SPRITES => "SPRITES",
        chunk::COVER_DEP => "COVER",
        chunk::MAP => "MAP",
        chunk::CODE => "CODE",
        chunk::FLAGS => "FLAGS",
        chunk::SAMPLES => "SAMPLES",
        chunk::WAVEFORM => "WAVEFORM",
        chunk::PALETTE => "PALETTE",
        chunk::PATTERNS_DEP => "PATTERNS (old)",
        chunk::MUSIC => "MUSIC",
        chunk::PATTERNS => "PATTERNS",
        chunk::CODE_ZIP => "CODE (compressed)",
        chunk::DEFAULT => "DEFAULT",
        chunk::SCREEN => "SCREEN",
        chunk::BINARY => "BINARY",
        chunk::LANG => "LANG",
        _ => "unknown",
    }
}

/// The old pattern format kept the row volume in param1; rows with a note and no command
/// get it as a volume command.
fn convert_old_patterns(patterns: &mut [u8]) {
    for row in patterns.chunks_exact_mut(3) {
        let note = row[0] & 0x0f;
        let command = (row[1] >> 4) & 7;
        if note >= 4 && command == 0 {
            let v = 15 - (row[0] >> 4);
            row[0] = note | (v << 4);
            row[1] = (row[1] & 0x80) | (1 << 4) | v;
        }
    }
}

/// Most pixels the GIF covers of one cart may decode, over all their frames: 64 screens.
/// An old cart has one cover of one frame; a file of thousands of covers, or of covers of
/// thousands of frames, stops being looked at past this (TIC-80 would decode them all).
const COVER_PIXEL_BUDGET: usize = 64 * ram::WIDTH * ram::HEIGHT;

/// Decodes an old cart's GIF cover into a 4-bpp screen through the nearest colours of
/// `palette`; `None` unless it decodes, is exactly 240x136 and its frames fit in what is
/// left of `budget` (pixels, spent as frames are decoded). A frame's size is checked
/// before its pixels are decoded.
fn gif_cover(data: &[u8], palette: &[u8], budget: &mut usize) -> Option<Vec<u8>> {
    let mut opts = gif::DecodeOptions::new();
    opts.set_color_output(gif::ColorOutput::RGBA);
    opts.check_frame_consistency(true);
    opts.set_memory_limit(gif::MemoryLimit::Bytes(std::num::NonZeroU64::new(
        (ram::WIDTH * ram::HEIGHT * 4) as u64,
    )?));
    let mut decoder = opts.read_info(data).ok()?;
    let (w, h) = (usize::from(decoder.width()), usize::from(decoder.height()));
    if (w, h) != (ram::WIDTH, ram::HEIGHT) {
        return None;
    }
    let mut canvas = vec![0u8; w * h * 4];
    let mut frame_px = Vec::new();
    while let Some(frame) = decoder.next_frame_info().ok()? {
        let (fx, fy, fw, fh) = (
            usize::from(frame.left),
            usize::from(frame.top),
            usize::from(frame.width),
            usize::from(frame.height),
        );
        if fx + fw > w || fy + fh > h || fw * fh > *budget {
            *budget = budget.saturating_sub(fw * fh);
            return None;
        }
        *budget -= fw * fh;
        frame_px.resize(fw * fh * 4, 0);
        decoder.read_into_buffer(&mut frame_px).ok()?;
        if fw == 0 {
            continue;
        }
        for (row, line) in frame_px.chunks_exact(fw * 4).enumerate() {
            let at = ((fy + row) * w + fx) * 4;
            canvas[at..at + fw * 4].copy_from_slice(line);
        }
    }
    let mut screen = vec![0u8; ram::SCREEN_SIZE];
    for (i, px) in canvas.chunks_exact(4).enumerate() {
        let mut best = (i32::MAX, 0u8);
        for (k, c) in palette.chunks_exact(3).enumerate() {
            let d = |a: u8, b: u8| (i32::from(a) - i32::from(b)).pow(2);
            let dist = d(px[0], c[0]) + d(px[1], c[1]) + d(px[2], c[2]);
            if dist < best.0 {
                best = (dist, k as u8);
            }
        }
        screen[i >> 1] |= best.1 << ((i & 1) * 4);
    }
    Some(screen)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// Builds a chunk.
    pub(crate) fn chunk(kind: u8, bank: u8, data: &[u8]) -> Vec<u8> {
        let size = if data.len() == CODE_BANK_SIZE {
            0
        } else {
            data.len() as u16
        };
        let mut out = vec![kind | (bank << 5)];
        out.extend_from_slice(&size.to_le_bytes());
        out.push(0);
        out.extend_from_slice(data);
        out
    }

    fn parse_bytes(bytes: &[u8]) -> Result<Parsed, CartError> {
        parse(Path::new("t.tic"), bytes)
    }

    #[test]
    fn chunks_fill_banks_and_code_joins_from_the_top_bank() {
        let mut b = chunk(chunk::DEFAULT, 0, &[]);
        b.extend(chunk(chunk::CODE, 1, b"function TIC() "));
        b.extend(chunk(chunk::CODE, 0, b"cls(3) end"));
        b.extend(chunk(chunk::TILES, 2, &[0x12, 0x34]));
        b.extend(chunk(chunk::LANG, 0, &[10]));
        b.extend(chunk(31, 0, &[1, 2, 3])); // unknown: skipped
        let p = parse_bytes(&b).unwrap();
        assert_eq!(p.image.code, "function TIC() cls(3) end");
        assert_eq!(
            &p.image.banks[0].section(Section::Palette)[..48],
            &ram::SWEETIE16
        );
        assert_eq!(
            &p.image.banks[0].section(Section::Waveforms)[..48],
            &DEFAULT_WAVES
        );
        assert_eq!(
            &p.image.banks[2].section(Section::Tiles)[..3],
            &[0x12, 0x34, 0]
        );
        assert_eq!(p.lang, Some(10));
    }

    #[test]
    fn written_carts_read_back() {
        let mut image = CartImage {
            code: "x".repeat(70_000),
            ..CartImage::default()
        };
        image.banks[0].section_mut(Section::Palette)[..48].copy_from_slice(&ram::SWEETIE16);
        image.banks[0].section_mut(Section::Waveforms)[..48].copy_from_slice(&DEFAULT_WAVES);
        image.banks[3].section_mut(Section::Map)[100] = 9;
        image.banks[1].section_mut(Section::Palette)[5] = 1;
        let p = parse(Path::new("w.tic"), &write(&image, None, None)).unwrap();
        assert_eq!(p.image, image);
        assert_eq!((p.lang, p.binary.len()), (None, 0));
        // A module of 150,000 bytes takes three BINARY chunks and comes back whole.
        let module: Vec<u8> = (0..150_000u32).map(|i| (i % 251) as u8).collect();
        let p = parse(
            Path::new("w.tic"),
            &write(&image, Some(LANG_WASM), Some(&module)),
        )
        .unwrap();
        assert_eq!((p.lang, &p.binary), (Some(LANG_WASM), &module));
    }

    #[test]
    fn missing_palette_falls_back_to_db16_and_zipped_code_wins() {
        let zipped = miniz_oxide::deflate::compress_to_vec_zlib(b"-- old\nfunction TIC() end", 9);
        let mut b = chunk(chunk::CODE, 0, b"ignored");
        b.extend(chunk(chunk::CODE_ZIP, 0, &zipped));
        let p = parse_bytes(&b).unwrap();
        assert_eq!(p.image.code, "-- old\nfunction TIC() end");
        assert_eq!(
            &p.image.banks[0].section(Section::Palette)[..48],
            &ram::DB16
        );
    }

    #[test]
    fn old_patterns_get_volume_commands() {
        // Row: note C (4), param1 3 (old volume), no command.
        let mut row = vec![0u8; 192];
        row[0] = 0x34;
        let p = parse_bytes(&chunk(chunk::PATTERNS_DEP, 0, &row)).unwrap();
        let pat = p.image.banks[0].section(Section::Patterns);
        assert_eq!(pat[0], 0xc4);
        assert_eq!(pat[1], 0x1c);
    }

    #[test]
    fn truncated_and_broken_chunks_name_chunk_and_offset() {
        let mut b = chunk(chunk::CODE, 0, b"x=1");
        let mut bad = chunk(chunk::TILES, 0, &[0; 100]);
        bad.truncate(50);
        b.extend(bad);
        let e = parse_bytes(&b).unwrap_err().to_string();
        assert_eq!(
            e,
            "t.tic:chunk 2 at offset 7: says it holds 100 bytes but the file ends after 46"
        );
        let e = parse_bytes(&[1, 2]).unwrap_err().to_string();
        assert_eq!(
            e,
            "t.tic:chunk 1 at offset 0: 2 stray bytes where a chunk header should be"
        );
        let e = parse_bytes(&chunk(chunk::CODE_ZIP, 0, b"not zlib"))
            .unwrap_err()
            .to_string();
        assert_eq!(
            e,
            "t.tic:chunk 1 (CODE (compressed)) at offset 0: the compressed code is not a zlib \
             stream (bad header)"
        );
        let e = parse_bytes(&chunk(chunk::BINARY, 5, b"\0asm"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("bank 5"), "{e}");
    }

    #[test]
    fn gif_covers_are_matched_to_the_palette() {
        let gif_bytes = cover([0xff, 0xcd, 0x75]);
        let mut b = chunk(chunk::DEFAULT, 0, &[]);
        b.extend(chunk(chunk::COVER_DEP, 0, &gif_bytes));
        let p = parse_bytes(&b).unwrap();
        // Pixel 1 is SWEETIE-16 colour 4 (ffcd75), pixel 0 black is nearest to colour 0.
        assert_eq!(p.image.banks[0].section(Section::Screen)[0], 0x40);
    }

    /// A 240x136 GIF cover, pixel 1 in `rgb` and the rest black.
    fn cover(rgb: [u8; 3]) -> Vec<u8> {
        let mut gif_bytes = Vec::new();
        let pal = [0, 0, 0, rgb[0], rgb[1], rgb[2]];
        let mut enc = gif::Encoder::new(&mut gif_bytes, 240, 136, &pal).unwrap();
        let mut px = vec![0u8; 240 * 136];
        px[1] = 1;
        enc.write_frame(&gif::Frame {
            width: 240,
            height: 136,
            buffer: px.into(),
            ..gif::Frame::default()
        })
        .unwrap();
        drop(enc);
        gif_bytes
    }

    /// Covers past 64 screens of pixels are not looked at, and a frame larger than the
    /// screen is no cover, before any of its pixels are decoded.
    #[test]
    fn gif_covers_are_decoded_within_a_budget() {
        let mut b = chunk(chunk::DEFAULT, 0, &[]);
        for _ in 0..COVER_PIXEL_BUDGET / (240 * 136) {
            b.extend(chunk(chunk::COVER_DEP, 0, &cover([0xff, 0xcd, 0x75])));
        }
        b.extend(chunk(chunk::COVER_DEP, 0, &cover([0x38, 0xb7, 0x64])));
        let p = parse_bytes(&b).unwrap();
        assert_eq!(p.image.banks[0].section(Section::Screen)[0], 0x40);
        // Within the budget the last cover wins (colour 6, 38b764).
        let mut within = chunk(chunk::DEFAULT, 0, &[]);
        within.extend(chunk(chunk::COVER_DEP, 0, &cover([0xff, 0xcd, 0x75])));
        within.extend(chunk(chunk::COVER_DEP, 0, &cover([0x38, 0xb7, 0x64])));
        let p = parse_bytes(&within).unwrap();
        assert_eq!(p.image.banks[0].section(Section::Screen)[0], 0x60);

        // A frame of 65535x65535 (one LZW code of data) on a 240x136 screen.
        let mut g = b"GIF89a".to_vec();
        g.extend_from_slice(&240u16.to_le_bytes());
        g.extend_from_slice(&136u16.to_le_bytes());
        g.extend_from_slice(&[0x80, 0, 0, 0, 0, 0, 255, 255, 255]);
        g.extend_from_slice(&[0x2c, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0]);
        g.extend_from_slice(&[2, 2, 0x44, 0x01, 0, 0x3b]);
        let mut budget = COVER_PIXEL_BUDGET;
        assert!(gif_cover(&g, &ram::SWEETIE16, &mut budget).is_none());
    }

    /// Zlib-compressed `code`, as TIC-80 writes it.
    fn zlib(code: &[u8]) -> Vec<u8> {
        miniz_oxide::deflate::compress_to_vec_zlib(code, 9)
    }

    /// Issue 13 item 4: what sizecoding packers write. The zlib stream without its
    /// Adler-32, then a lone DEFAULT type byte for a header. TIC-80 plays it with
    /// SWEETIE-16 and the default waveforms.
    #[test]
    fn packed_carts_load_as_in_tic80() {
        let code = b"function TIC() cls(2) end";
        let z = zlib(code);
        let mut packed = chunk(chunk::CODE_ZIP, 0, &z[..z.len() - 4]);
        packed.push(chunk::DEFAULT);
        let p = parse_bytes(&packed).unwrap();
        assert_eq!(p.image.code.as_bytes(), code);
        assert_eq!(
            &p.image.banks[0].section(Section::Palette)[..48],
            &ram::SWEETIE16
        );
        assert_eq!(
            &p.image.banks[0].section(Section::Waveforms)[..48],
            &DEFAULT_WAVES
        );
        // A wrong checksum, or part of one, is not looked at either (TIC-80 ignores what
        // zlib says of it); bytes after the stream's end neither.
        for trailer in [
            &b"\0\0\0\0"[..],
            b"\x12",
            b"\x12\x34\x56",
            b"\xff\xff\xff\xff\xff",
        ] {
            let mut z2 = z[..z.len() - 4].to_vec();
            z2.extend_from_slice(trailer);
            let p = parse_bytes(&chunk(chunk::CODE_ZIP, 0, &z2)).unwrap();
            assert_eq!(p.image.code.as_bytes(), code, "{trailer:?}");
        }
        // The DEFAULT header cut short anywhere, or saying it holds more than is left, and
        // in another bank (type byte 0x31: bank 1).
        for tail in [&[0x11][..], &[0x11, 0], &[0x11, 5, 0], &[0x11, 9, 0, 0, 1]] {
            let mut b = chunk(chunk::CODE, 0, code);
            b.extend_from_slice(tail);
            let p = parse_bytes(&b).unwrap();
            assert_eq!(
                &p.image.banks[0].section(Section::Palette)[..48],
                &ram::SWEETIE16,
                "{tail:?}"
            );
        }
        let mut b = chunk(chunk::CODE, 0, code);
        b.push(0x31);
        let p = parse_bytes(&b).unwrap();
        assert_eq!(
            &p.image.banks[0].section(Section::Palette)[..48],
            &ram::DB16
        );
        assert_eq!(
            &p.image.banks[1].section(Section::Palette)[..48],
            &ram::SWEETIE16
        );
        // Other chunks TIC-80 never reads may end the file the same way.
        for tail in [&[0][..], &[31, 1], &[7, 200, 0, 0, 1, 2]] {
            let mut b = chunk(chunk::CODE, 0, code);
            b.extend_from_slice(tail);
            assert_eq!(parse_bytes(&b).unwrap().image.code.as_bytes(), code);
        }
    }

    #[test]
    fn chunks_whose_data_tic80_reads_stay_whole() {
        let code = chunk(chunk::CODE, 0, b"x=1");
        for (tail, want) in [
            (
                &[chunk::TILES][..],
                "t.tic:chunk 2 at offset 7: 1 stray bytes where a chunk header should be",
            ),
            (
                &[chunk::LANG, 1, 0],
                "t.tic:chunk 2 at offset 7: 3 stray bytes where a chunk header should be",
            ),
            (
                &[chunk::CODE, 0, 0, 0],
                "t.tic:chunk 2 at offset 7: says it holds 65536 bytes but the file ends after 0",
            ),
            (
                &[chunk::PALETTE, 48, 0, 0, 1],
                "t.tic:chunk 2 at offset 7: says it holds 48 bytes but the file ends after 1",
            ),
        ] {
            let mut b = code.clone();
            b.extend_from_slice(tail);
            assert_eq!(parse_bytes(&b).unwrap_err().to_string(), want);
        }
    }

    #[test]
    fn broken_compressed_code_is_one_short_line() {
        let code = "function TIC() cls(2) end -- ".repeat(40);
        let z = zlib(code.as_bytes());
        let mut b = chunk(chunk::DEFAULT, 0, &[]);
        // Cut inside the deflate data: TIC-80 would run the part that inflated.
        b.extend(chunk(chunk::CODE_ZIP, 0, &z[..z.len() - 9]));
        let e = parse_bytes(&b).unwrap_err().to_string();
        assert_eq!(
            e,
            "t.tic:chunk 2 (CODE (compressed)) at offset 4: the compressed code is cut short \
             (its deflate data ends before its last block)"
        );
        // Garbage after a valid header.
        let e = parse_bytes(&chunk(chunk::CODE_ZIP, 0, &[0x78, 0xda, 0xff, 0xff, 0xff]))
            .unwrap_err()
            .to_string();
        assert_eq!(
            e,
            "t.tic:chunk 1 (CODE (compressed)) at offset 0: the compressed code is corrupt \
             (invalid deflate data)"
        );
        // More than TIC-80's code holds: refused, without inflating past the bound.
        let big = zlib(&vec![b' '; MAX_CODE_SIZE + 1]);
        let e = parse_bytes(&chunk(chunk::CODE_ZIP, 0, &big))
            .unwrap_err()
            .to_string();
        assert_eq!(
            e,
            "t.tic:chunk 1 (CODE (compressed)) at offset 0: the compressed code inflates to \
             more than TIC-80's 524288 bytes"
        );
        for z in [&[][..], &[0x78], &[0x78, 0xdb], &[0x79, 0xda]] {
            let e = parse_bytes(&chunk(chunk::CODE_ZIP, 0, z))
                .unwrap_err()
                .to_string();
            assert!(
                e.starts_with("t.tic:chunk 1 (CODE (compressed)) at offset 0: "),
                "{e}"
            );
        }
    }
}
