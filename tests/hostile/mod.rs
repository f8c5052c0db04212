//! Hostile cart files, built byte by byte, and a harness that measures what each one does
//! to the trusted host process (issue 12: a stranger's cart file is never parsed in the
//! host). Shared by the `hostile_files` benchmark (the figures) and
//! `tests/all/hostile_files.rs` (the goals, asserted).
//!
//! Each case is one file (or symlink, or FIFO) written into a scratch folder; the harness
//! runs `cartbox run FILE --headless --frames 1` on it and measures the host process:
//! how it ended, the wall time, its own peak resident memory, the bytes it wrote to stdout
//! and stderr, and whether any terminal control byte reached them.
//!
//! The host's peak RSS is its `VmHWM` read at its exit: the host runs traced
//! (`PTRACE_TRACEME`, and `PTRACE_O_TRACEEXIT` stops it at `exit` while its memory is
//! still there). `wait4`'s `ru_maxrss` is not the host's alone: it is the largest of the
//! host, every descendant it reaped (the zygote, and through it the runners), and the
//! harness's own memory at the fork; it is reported beside it, as the tree's peak.
//!
//! A watchdog reads the host's `VmRSS` every 2 ms and kills its process group past
//! [`Limits::max_rss_kib`] (2 GiB), or past [`Limits::timeout`], so no case can put the
//! machine at risk.
#![allow(dead_code)]

use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

// ---------------------------------------------------------------------------------------
// The goals

/// Longest a hostile file may keep the host busy.
pub const GOAL_TIME: Duration = Duration::from_secs(2);
/// Most memory a hostile file may add to the host's peak RSS over a good cart's.
pub const GOAL_RSS_KIB: u64 = 32 << 10;
/// Most bytes the host may write to stdout and stderr together.
pub const GOAL_OUTPUT: u64 = 4 << 10;
/// Exit codes a hostile file may end with: played (0), the cart failed (1), the runner was
/// killed (2), malformed (65), unreadable (66).
pub const GOAL_EXIT_CODES: [i32; 5] = [0, 1, 2, 65, 66];
/// The goals, as printed beside the figures.
pub const GOALS: &str = "refused or played in under 2 s, host peak RSS <= 32 MiB above idle, \
                         at most 4 KiB of output, no escape bytes";

// ---------------------------------------------------------------------------------------
// The cases

/// One hostile file.
pub struct Case {
    /// A short name (also the test's name).
    pub name: &'static str,
    /// What it is, and what it did to the host before issue 12.
    pub what: &'static str,
    /// The file name in the scratch folder (what the host is given).
    pub file: &'static str,
    /// Writes the file at the given path.
    pub make: fn(&Path) -> io::Result<()>,
}

const fn case(
    name: &'static str,
    file: &'static str,
    what: &'static str,
    make: fn(&Path) -> io::Result<()>,
) -> Case {
    Case {
        name,
        what,
        file,
        make,
    }
}

/// A file name holding terminal escapes: set the window title, clear the screen.
pub const ESCAPE_NAME: &str = "\x1b]0;pwned\x07\x1b[2J.tic";

/// Every case, in the order the benchmark prints them.
pub fn cases() -> Vec<Case> {
    vec![
        // Files that are not files.
        case(
            "pagemap_symlink",
            "p.tic",
            "symlink to /proc/self/pagemap (procfs: size 0, endless)",
            |p| symlink("/proc/self/pagemap", p),
        ),
        case(
            "kmsg_symlink",
            "k.tic",
            "symlink to /proc/kmsg (a read blocks; needs root)",
            |p| symlink("/proc/kmsg", p),
        ),
        case("fifo", "x.lua", "a FIFO named x.lua", |p| {
            nix::unistd::mkfifo(p, nix::sys::stat::Mode::from_bits_truncate(0o600))
                .map_err(io::Error::from)
        }),
        case("dev_zero_symlink", "z.tic", "symlink to /dev/zero", |p| {
            symlink("/dev/zero", p)
        }),
        // Decoder and parser cost.
        case(
            "gif_covers_png",
            "covers.png",
            "PNG cart whose .tic holds GIF covers, each a 240x52000 frame decoded before \
             its size is checked",
            |p| write(p, cart_png(&gif_cover_tic(MAX_TIC - 1024))),
        ),
        case(
            "gif_covers_tic",
            "covers.tic",
            "8 MiB .tic of the same GIF covers",
            |p| write(p, gif_cover_tic(MAX_FILE)),
        ),
        case(
            "gif_frame_dimensions",
            "gifdims.tic",
            "GIF cover with a 65535x65535 frame",
            |p| {
                let mut tic = Vec::new();
                tic_chunk(&mut tic, COVER, 0, &huge_frame_gif());
                tic_chunk(&mut tic, CODE, 0, GOOD_CODE.as_bytes());
                write(p, tic)
            },
        ),
        case(
            "gray_png",
            "gray.png",
            "grayscale PNG of 16384x4096 pixels, no cart inside",
            |p| write(p, gray_png()),
        ),
        case(
            "png_dimensions",
            "dims.png",
            "PNG that says it is 2^31-1 x 2^31-1 pixels",
            |p| write(p, png_dimensions()),
        ),
        case(
            "png_text_flood",
            "text.png",
            "8 MiB PNG of tEXt chunks before a 1x1 image, no cart",
            |p| write(p, png_text_flood()),
        ),
        case(
            "pixel_cart_png",
            "hidden.png",
            "RGBA PNG 4096x4096 whose pixels claim a 16 MiB hidden cart",
            |p| write(p, pixel_cart_png()),
        ),
        case(
            "nested_png",
            "nested.png",
            "PNG cart in a PNG cart, 8 deep",
            |p| write(p, nested_png(8)),
        ),
        case(
            "empty_chunks",
            "empty.tic",
            "8 MiB .tic of empty chunks (2 Mi chunk headers)",
            |p| write(p, vec![0; MAX_FILE]),
        ),
        case(
            "oversized_empty_chunks",
            "big.tic",
            "16 MiB .tic of empty chunks (4 Mi chunk headers), past the host's limit",
            |p| write(p, vec![0; OLD_MAX_FILE]),
        ),
        case(
            "duplicate_sections",
            "sections.lua",
            "4 MB text cart of 174,000 sections, each checked against all before it",
            |p| write(p, many_sections(4_000_000)),
        ),
        // Compression.
        case(
            "cart_fails_late_png",
            "late.png",
            "caRt stream that inflates 1.4 MB, then fails its checksum",
            |p| write(p, late_failure_png()),
        ),
        case(
            "cart_zip_bomb_png",
            "bomb.png",
            "caRt stream of 64 MiB of zeros",
            |p| write(p, cart_png_z(&zlib(&vec![0; 64 << 20]))),
        ),
        case(
            "code_zip_bomb",
            "czip.tic",
            "CODE_ZIP chunk of 60 MiB of spaces",
            |p| {
                let mut tic = Vec::new();
                tic_chunk(&mut tic, CODE_ZIP, 0, &zlib(&vec![b' '; 60 << 20]));
                write(p, tic)
            },
        ),
        case(
            "code_zip_flood",
            "czips.tic",
            "8 MiB .tic of CODE_ZIP chunks, each inflating to 512 KiB - 1",
            |p| write(p, code_zip_tic(MAX_FILE)),
        ),
        case(
            "code_zip_flood_png",
            "czips.png",
            "PNG cart whose caRt holds 1.4 MB of those CODE_ZIP chunks",
            |p| write(p, cart_png(&code_zip_tic(MAX_TIC - 1024))),
        ),
        // Bytes of the file quoted back to the terminal.
        case(
            "escape_section_twice",
            "esc-twice.lua",
            "a section tag holding ESC ] 0 ; title BEL, twice",
            |p| {
                let tag = "-- <\x1b]0;pwned\x07>\n-- </\x1b]0;pwned\x07>\n";
                write(p, format!("{GOOD_CODE}\n{tag}{tag}"))
            },
        ),
        case(
            "escape_closing_tag",
            "esc-close.lua",
            "a closing tag holding ESC [ 2 J and OSC 52 (clipboard)",
            |p| {
                write(
                    p,
                    format!("{GOOD_CODE}\n-- </\x1b[2J\x1b]52;c;cHduZWQ=\x07>\n"),
                )
            },
        ),
        case(
            "escape_unclosed_section",
            "esc-open.lua",
            "an unknown section holding escapes, never closed",
            |p| write(p, format!("{GOOD_CODE}\n-- <\x1b[2J\x1b]0;pwned\x07>\n")),
        ),
        case(
            "escape_row_number",
            "esc-row.lua",
            "a TILES row whose number is ESC [ 2 J",
            |p| {
                write(
                    p,
                    format!("{GOOD_CODE}\n-- <TILES>\n-- \x1b[2J:00\n-- </TILES>\n"),
                )
            },
        ),
        case(
            "c1_section_twice",
            "c1.lua",
            "a section tag holding U+009B (CSI) 2 J, twice",
            |p| {
                let tag = "-- <\u{9b}2J>\n-- </\u{9b}2J>\n";
                write(p, format!("{GOOD_CODE}\n{tag}{tag}"))
            },
        ),
        case(
            "escape_script_tag",
            "esc-script.lua",
            "-- script: and -- title: values holding escapes and OSC 52",
            |p| {
                write(
                    p,
                    format!(
                        "-- title: \x1b]52;c;cHduZWQ=\x07\n-- script: \x1b]0;pwned\x07\x1b[2J\n\
                         {GOOD_CODE}\n"
                    ),
                )
            },
        ),
        case(
            "escape_lua_syntax",
            "esc-syntax.lua",
            "Lua code with an unfinished string of escapes (a syntax error quoting it)",
            |p| write(p, "x = \"\x1b]0;pwned\x07\x1b[2J\x1b]52;c;cHduZWQ=\x07\n"),
        ),
        case(
            "escape_file_name",
            ESCAPE_NAME,
            "a malformed .tic whose file name holds ESC ] 0 ; BEL and ESC [ 2 J",
            |p| write(p, [CODE, 0xff, 0xff, 0]),
        ),
        case(
            "invalid_utf8_text",
            "bad-utf8.lua",
            "text cart with raw 0x9b and 0xff bytes",
            |p| write(p, b"function TIC() end\n-- \x9b2J \xff\xfe\n"),
        ),
        case(
            "invalid_utf8_code_chunk",
            "bad-utf8.tic",
            "CODE chunk with raw 0x9b, ESC and 0xff bytes",
            |p| {
                let mut tic = Vec::new();
                tic_chunk(&mut tic, CODE, 0, b"x = '\x9b2J\x1b]0;pwned\x07\xff'");
                write(p, tic)
            },
        ),
        case(
            "deep_nesting_lua",
            "deep.lua",
            "Lua code of 200,000 nested tables",
            |p| {
                write(
                    p,
                    format!("x = {}{}\n", "{".repeat(200_000), "}".repeat(200_000)),
                )
            },
        ),
    ]
}

/// A cart that plays: what the idle figure is taken from.
pub const GOOD_CODE: &str = "function TIC() cls(1) end";

/// Writes the well-behaved cart the idle figure is measured with.
pub fn make_good(path: &Path) -> io::Result<()> {
    write(path, format!("{GOOD_CODE}\n"))
}

fn write(path: &Path, bytes: impl AsRef<[u8]>) -> io::Result<()> {
    std::fs::write(path, bytes)
}

fn symlink(target: &str, path: &Path) -> io::Result<()> {
    std::os::unix::fs::symlink(target, path)
}

// ---------------------------------------------------------------------------------------
// Formats (docs/research/tic80-carts.md)

/// Largest cart file the host reads (`MAX_FILE_SIZE`): the floods fill it, so the runner
/// parses as much as it may be given.
const MAX_FILE: usize = 8 << 20;
/// The largest cart file the host read before issue 12.
const OLD_MAX_FILE: usize = 16 << 20;
/// Largest `.tic` a PNG cart may inflate to: TIC-80's whole cartridge struct.
const MAX_TIC: usize = 8 * 82360 + 512 * 1024 + 256 * 1024 + 8;
/// Largest code TIC-80 holds.
const MAX_CODE: usize = 512 << 10;

const COVER: u8 = 3;
const CODE: u8 = 5;
const CODE_ZIP: u8 = 16;

/// Appends one `.tic` chunk: type in bits 0-4 and bank in bits 5-7 of byte 0, a
/// little-endian 16-bit size, a reserved byte, then the data.
fn tic_chunk(out: &mut Vec<u8>, kind: u8, bank: u8, data: &[u8]) {
    let size = u16::try_from(data.len()).expect("a chunk holds at most 65535 bytes");
    out.push(kind | (bank << 5));
    out.extend_from_slice(&size.to_le_bytes());
    out.push(0);
    out.extend_from_slice(data);
}

fn zlib(data: &[u8]) -> Vec<u8> {
    miniz_oxide::deflate::compress_to_vec_zlib(data, 9)
}

/// Repeats `unit` while it fits in `max` bytes, leaving room for a final code chunk.
fn repeat_chunks(unit: &[u8], max: usize) -> Vec<u8> {
    let tail = 4 + GOOD_CODE.len();
    let mut tic = Vec::with_capacity(max);
    while tic.len() + unit.len() + tail <= max {
        tic.extend_from_slice(unit);
    }
    tic_chunk(&mut tic, CODE, 0, GOOD_CODE.as_bytes());
    tic
}

/// A GIF cover as old carts hold them: a 240x136 screen, whose one frame is 240x52000
/// (just under the decoder's 50 MB limit as RGBA), all colour 0: about 9 KB of LZW codes
/// for 12.5 million pixels.
fn tall_frame_gif() -> Vec<u8> {
    let (w, h) = (240u16, 52_000u16);
    let pixels = vec![0u8; usize::from(w) * usize::from(h)];
    let mut enc =
        gif::Encoder::new(Vec::new(), 240, 136, &[0, 0, 0, 255, 255, 255]).expect("gif header");
    let frame = gif::Frame {
        width: w,
        height: h,
        buffer: std::borrow::Cow::Borrowed(&pixels),
        ..gif::Frame::default()
    };
    enc.write_frame(&frame).expect("gif frame");
    enc.into_inner().expect("gif trailer")
}

/// A `.tic` of at most `max` bytes of [`tall_frame_gif`] covers, and a line of code.
fn gif_cover_tic(max: usize) -> Vec<u8> {
    let mut unit = Vec::new();
    tic_chunk(&mut unit, COVER, 0, &tall_frame_gif());
    repeat_chunks(&unit, max)
}

/// A GIF of a 240x136 screen whose frame says it is 65535x65535, written by hand (the
/// encoder would want the pixels): a two-colour table and one LZW code for one pixel.
fn huge_frame_gif() -> Vec<u8> {
    let mut g = b"GIF89a".to_vec();
    g.extend_from_slice(&240u16.to_le_bytes());
    g.extend_from_slice(&136u16.to_le_bytes());
    g.extend_from_slice(&[0x80, 0, 0, 0, 0, 0, 255, 255, 255]);
    g.push(0x2c);
    g.extend_from_slice(&[0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0]);
    // Minimum code size 2; codes clear (4), 0, end (5), 3 bits each.
    g.extend_from_slice(&[2, 2, 0x44, 0x01, 0, 0x3b]);
    g
}

/// A `.tic` of at most `max` bytes of CODE_ZIP chunks, each a zlib stream of the good code
/// padded with empty comments to 512 KiB - 1 (as large as TIC-80's code may be): about 700
/// bytes each. The padding repeats every 3 bytes, not every byte, so inflating it is a
/// copy, not a fill.
fn code_zip_tic(max: usize) -> Vec<u8> {
    let mut code = format!("{GOOD_CODE}\n").into_bytes();
    let room = MAX_CODE - 1 - code.len();
    code.extend(b"--\n".iter().cycle().take(room));
    let mut unit = Vec::new();
    tic_chunk(&mut unit, CODE_ZIP, 0, &zlib(&code));
    repeat_chunks(&unit, max)
}

/// A text cart of `size` bytes: the code, then unknown sections with distinct tags.
fn many_sections(size: usize) -> Vec<u8> {
    use std::fmt::Write;
    let mut text = format!("{GOOD_CODE}\n");
    let mut n = 0;
    while text.len() < size {
        let _ = write!(text, "-- <S{n:06}>\n-- </S{n:06}>\n");
        n += 1;
    }
    text.into_bytes()
}

// PNG.

const PNG_SIGNATURE: &[u8; 8] = b"\x89PNG\r\n\x1a\n";

fn crc32(parts: &[&[u8]]) -> u32 {
    static TABLE: std::sync::OnceLock<[u32; 256]> = std::sync::OnceLock::new();
    let table = TABLE.get_or_init(|| {
        let mut t = [0u32; 256];
        for (n, e) in t.iter_mut().enumerate() {
            let mut c = n as u32;
            for _ in 0..8 {
                c = if c & 1 != 0 {
                    0xedb8_8320 ^ (c >> 1)
                } else {
                    c >> 1
                };
            }
            *e = c;
        }
        t
    });
    let mut c = 0xffff_ffffu32;
    for b in parts.iter().flat_map(|p| p.iter()) {
        c = table[((c ^ u32::from(*b)) & 0xff) as usize] ^ (c >> 8);
    }
    c ^ 0xffff_ffff
}

/// Appends one PNG chunk: length, type, data, CRC.
fn png_chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
    out.extend_from_slice(&(data.len() as u32).to_be_bytes());
    out.extend_from_slice(kind);
    out.extend_from_slice(data);
    out.extend_from_slice(&crc32(&[kind, data]).to_be_bytes());
}

/// A PNG: the signature, IHDR (`depth` bits, colour type `color`), `before` (framed
/// chunks), one IDAT of the zlib-compressed `scanlines`, `after` (framed chunks), IEND.
fn png(
    w: u32,
    h: u32,
    depth: u8,
    color: u8,
    before: &[u8],
    scanlines: &[u8],
    after: &[u8],
) -> Vec<u8> {
    let mut out = PNG_SIGNATURE.to_vec();
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&w.to_be_bytes());
    ihdr.extend_from_slice(&h.to_be_bytes());
    ihdr.extend_from_slice(&[depth, color, 0, 0, 0]);
    png_chunk(&mut out, b"IHDR", &ihdr);
    out.extend_from_slice(before);
    png_chunk(&mut out, b"IDAT", &zlib(scanlines));
    out.extend_from_slice(after);
    png_chunk(&mut out, b"IEND", &[]);
    out
}

/// A PNG cart as TIC-80 writes them (a picture, then a `caRt` chunk after IDAT) whose
/// `caRt` chunk holds `z`.
fn cart_png_z(z: &[u8]) -> Vec<u8> {
    let (w, h) = (16, 16);
    let scanlines = vec![0u8; h * (1 + 4 * w)];
    let mut after = Vec::new();
    png_chunk(&mut after, b"caRt", z);
    png(w as u32, h as u32, 8, 6, &[], &scanlines, &after)
}

/// A PNG cart holding `tic`.
fn cart_png(tic: &[u8]) -> Vec<u8> {
    cart_png_z(&zlib(tic))
}

/// An 8-bit grayscale PNG of 16384x4096 black pixels (64 MiB, as much as the host
/// decodes) and no cart: about 85 KB.
fn gray_png() -> Vec<u8> {
    let (w, h) = (16384usize, 4096usize);
    png(w as u32, h as u32, 8, 0, &[], &vec![0; h * (1 + w)], &[])
}

/// A PNG whose header says 2^31-1 x 2^31-1 RGBA pixels, with one scanline of data.
fn png_dimensions() -> Vec<u8> {
    png(0x7fff_ffff, 0x7fff_ffff, 8, 6, &[], &[0; 64], &[])
}

/// An 8 MiB PNG: a 1x1 image after as many empty-valued tEXt chunks as fit.
fn png_text_flood() -> Vec<u8> {
    let mut unit = Vec::new();
    png_chunk(&mut unit, b"tEXt", b"a\0");
    let mut before = Vec::with_capacity(MAX_FILE);
    while before.len() + unit.len() + 128 <= MAX_FILE {
        before.extend_from_slice(&unit);
    }
    png(1, 1, 8, 0, &before, &[0, 0], &[])
}

/// An RGBA PNG of 4096x4096 pixels without a `caRt` chunk whose pixels hide a cart as
/// TIC-80 hides one: the low nibbles of the first 8 bytes say 8 bits per byte and
/// 16,777,215 bytes; the payload (the next bytes, whole) is a small cart, then zeros.
fn pixel_cart_png() -> Vec<u8> {
    let (w, h) = (4096usize, 4096usize);
    let mut px = vec![0u8; w * h * 4];
    for (j, byte) in [8u8, 0xff, 0xff, 0xff].iter().enumerate() {
        px[2 * j] = byte & 0x0f;
        px[2 * j + 1] = byte >> 4;
    }
    let mut tic = Vec::new();
    tic_chunk(&mut tic, CODE, 0, GOOD_CODE.as_bytes());
    let z = zlib(&tic);
    px[8..8 + z.len()].copy_from_slice(&z);
    let mut scanlines = Vec::with_capacity(h * (1 + 4 * w));
    for row in px.chunks_exact(4 * w) {
        scanlines.push(0);
        scanlines.extend_from_slice(row);
    }
    png(w as u32, h as u32, 8, 6, &[], &scanlines, &[])
}

/// A PNG cart holding a PNG cart holding ... `depth` deep, the innermost a good `.tic`.
fn nested_png(depth: usize) -> Vec<u8> {
    let mut inner = Vec::new();
    tic_chunk(&mut inner, CODE, 0, GOOD_CODE.as_bytes());
    for _ in 0..depth {
        inner = cart_png(&inner);
    }
    inner
}

/// A PNG cart whose `caRt` stream inflates to 1.4 MB of varied bytes (blocks of 64 picked
/// at random among 128, so it compresses to about 85 KB) and then has a wrong checksum.
fn late_failure_png() -> Vec<u8> {
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let blocks: Vec<Vec<u8>> = (0..128)
        .map(|_| (0..64).map(|_| next() as u8).collect())
        .collect();
    let mut data = Vec::with_capacity(MAX_TIC);
    while data.len() + 64 <= MAX_TIC - 1024 {
        data.extend_from_slice(&blocks[(next() % 128) as usize]);
    }
    let mut z = zlib(&data);
    if let Some(last) = z.last_mut() {
        *last ^= 1;
    }
    cart_png_z(&z)
}

// ---------------------------------------------------------------------------------------
// The harness

/// When the watchdog stops a case.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Kill the host's process group after this long.
    pub timeout: Duration,
    /// Kill it when the host's resident memory passes this (KiB).
    pub max_rss_kib: u64,
}

impl Limits {
    /// The watchdog's limits with this timeout and 2 GiB of memory.
    pub fn with_timeout(timeout: Duration) -> Limits {
        Limits {
            timeout,
            max_rss_kib: 2 << 20,
        }
    }
}

/// How the host ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum End {
    /// It exited with this code.
    Exited(i32),
    /// A signal we did not send ended it.
    Signaled(i32),
    /// The watchdog killed it at the timeout.
    KilledTimeout,
    /// The watchdog killed it past the memory limit.
    KilledMemory,
}

/// What one run did to the host.
#[derive(Debug, Clone)]
pub struct Measure {
    /// How it ended.
    pub end: End,
    /// From spawn to exit.
    pub wall: Duration,
    /// The host's own peak RSS (KiB).
    pub host_peak_kib: u64,
    /// Whether that peak was read at the host's exit (else it is the last one the watchdog
    /// saw, a lower bound).
    pub peak_at_exit: bool,
    /// `wait4`'s `ru_maxrss` (KiB): the largest of the host, its reaped descendants, and
    /// the harness at the fork.
    pub tree_peak_kib: u64,
    /// Bytes written to stdout and stderr.
    pub output_bytes: u64,
    /// The first bytes of stdout and stderr (up to 16 MiB each).
    pub stdout: Vec<u8>,
    /// See `stdout`.
    pub stderr: Vec<u8>,
}

impl Measure {
    /// The terminal controls found in stdout or stderr (named, without repeats).
    pub fn escapes(&self) -> Vec<String> {
        let mut found = escapes(&self.stdout);
        for e in escapes(&self.stderr) {
            if !found.contains(&e) {
                found.push(e);
            }
        }
        found
    }

    /// The exit, as printed: `65`, `signal 9`, `killed at 30 s`, `killed at 2 GiB`.
    pub fn end_text(&self, limits: &Limits) -> String {
        match self.end {
            End::Exited(c) => c.to_string(),
            End::Signaled(s) => format!("signal {s}"),
            End::KilledTimeout => format!("killed at {} s", limits.timeout.as_secs()),
            End::KilledMemory => format!("killed at {} MiB", limits.max_rss_kib >> 10),
        }
    }

    /// The goals this run missed, each said in a few words (empty: all met). The time goal
    /// is the benchmark's alone (`timed`): on a shared machine a test only asks that the
    /// host ended before the watchdog's timeout.
    pub fn missed(&self, idle_kib: u64, timed: bool) -> Vec<String> {
        let mut out = Vec::new();
        match self.end {
            End::Exited(c) if GOAL_EXIT_CODES.contains(&c) => {}
            End::Exited(c) => out.push(format!("exit code {c}")),
            End::Signaled(s) => out.push(format!("died of signal {s}")),
            End::KilledTimeout => out.push("killed at the timeout".into()),
            End::KilledMemory => out.push("killed at the memory limit".into()),
        }
        if timed && self.wall >= GOAL_TIME {
            out.push(format!("{:.2} s", self.wall.as_secs_f64()));
        }
        let above = self.host_peak_kib.saturating_sub(idle_kib);
        if above > GOAL_RSS_KIB {
            out.push(format!("+{} MiB RSS", mib(above)));
        }
        if self.output_bytes > GOAL_OUTPUT {
            out.push(format!("{} bytes of output", self.output_bytes));
        }
        let escapes = self.escapes();
        if !escapes.is_empty() {
            out.push(format!("escapes {}", escapes.join(" ")));
        }
        out
    }

    /// The first line of output (stderr first), escaped and cut to `max` characters.
    pub fn first_line(&self, max: usize) -> String {
        let out = if self.stderr.is_empty() {
            &self.stdout
        } else {
            &self.stderr
        };
        if out.is_empty() {
            return "(no output)".into();
        }
        let text = String::from_utf8_lossy(out);
        let line = text.lines().next().unwrap_or("");
        let mut shown: String = line
            .chars()
            .flat_map(|c| {
                if c.is_control() || c == '\u{7f}' {
                    c.escape_default().collect::<Vec<_>>()
                } else {
                    vec![c]
                }
            })
            .take(max)
            .collect();
        if shown.chars().count() == max {
            shown.push_str("...");
        }
        shown
    }
}

/// Mebibytes with one decimal, from KiB.
pub fn mib(kib: u64) -> String {
    format!("{:.1}", kib as f64 / 1024.0)
}

/// Runs `cartbox run FILE --headless --frames 1` in `dir` under the watchdog.
pub fn measure(bin: &Path, dir: &Path, file: &str, limits: &Limits) -> io::Result<Measure> {
    let traced = std::env::var_os("CARTBOX_HOSTILE_NO_PTRACE").is_none();
    let mut child = match spawn(bin, dir, file, traced) {
        Err(e) if traced && e.raw_os_error() == Some(libc::EPERM) => {
            // No ptrace here (Yama, a container): the peak is then the watchdog's.
            spawn(bin, dir, file, false)?
        }
        other => other?,
    };
    let start = Instant::now();
    let pid = child.id() as libc::pid_t;
    let readers = [
        reader(
            child
                .stdout
                .take()
                .map(|s| Box::new(s) as Box<dyn Read + Send>),
        ),
        reader(
            child
                .stderr
                .take()
                .map(|s| Box::new(s) as Box<dyn Read + Send>),
        ),
    ];
    let mut killed = None;
    let mut polled_peak = 0;
    let mut exit_peak = None;
    let mut options_set = false;
    let mut next_poll = start;
    let (status, usage) = loop {
        let mut status = 0;
        // SAFETY: an all-zero rusage is a valid value of this plain C struct.
        let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
        // SAFETY: wait4 writes only into `status` and `usage`, which outlive the call.
        let r = unsafe { libc::wait4(pid, &mut status, libc::WNOHANG | libc::__WALL, &mut usage) };
        if r == pid {
            if libc::WIFEXITED(status) || libc::WIFSIGNALED(status) {
                break (status, usage);
            }
            if libc::WIFSTOPPED(status) {
                let sig = libc::WSTOPSIG(status);
                let event = status >> 16;
                let inject = if event == libc::PTRACE_EVENT_EXIT {
                    // Stopped in exit, its memory still mapped: the exact peak.
                    exit_peak = proc_status(pid, "VmHWM:");
                    0
                } else if sig == libc::SIGTRAP && !options_set {
                    // The stop after execve: from now on, stop at exit too, and die with
                    // the harness.
                    options_set = true;
                    let options = libc::PTRACE_O_TRACEEXIT | libc::PTRACE_O_EXITKILL;
                    // SAFETY: a ptrace request on our own stopped tracee; no memory passed.
                    unsafe {
                        libc::ptrace(
                            libc::PTRACE_SETOPTIONS,
                            pid,
                            std::ptr::null_mut::<libc::c_void>(),
                            options as libc::c_long,
                        )
                    };
                    0
                } else if sig == libc::SIGTRAP && event != 0 {
                    0
                } else {
                    // A signal on its way to the host: deliver it.
                    sig
                };
                // SAFETY: as above; `inject` is a signal number or 0.
                unsafe {
                    libc::ptrace(
                        libc::PTRACE_CONT,
                        pid,
                        std::ptr::null_mut::<libc::c_void>(),
                        inject as libc::c_long,
                    )
                };
            }
            continue;
        }
        if r == -1 {
            let e = io::Error::last_os_error();
            if e.kind() == io::ErrorKind::Interrupted {
                continue;
            }
            return Err(e);
        }
        // Still running: the watchdog.
        let now = Instant::now();
        if now >= next_poll {
            next_poll = now + Duration::from_millis(2);
            polled_peak = polled_peak.max(proc_status(pid, "VmHWM:").unwrap_or(0));
            let rss = proc_status(pid, "VmRSS:").unwrap_or(0);
            if killed.is_none() && rss > limits.max_rss_kib {
                killed = Some(End::KilledMemory);
                kill_group(pid);
            }
        }
        if killed.is_none() && now - start > limits.timeout {
            killed = Some(End::KilledTimeout);
            kill_group(pid);
        }
        std::thread::sleep(Duration::from_micros(250));
    };
    let wall = start.elapsed();
    let end = match killed {
        Some(k) => k,
        None if libc::WIFEXITED(status) => End::Exited(libc::WEXITSTATUS(status)),
        None => End::Signaled(libc::WTERMSIG(status)),
    };
    // The zygote and runners die with the host (PR_SET_PDEATHSIG) and close the pipes.
    let mut outputs = readers.map(|r| {
        r.recv_timeout(Duration::from_secs(5))
            .unwrap_or((Vec::new(), 0))
    });
    let output_bytes = outputs[0].1 + outputs[1].1;
    Ok(Measure {
        end,
        wall,
        host_peak_kib: exit_peak.unwrap_or(polled_peak).max(polled_peak),
        peak_at_exit: exit_peak.is_some(),
        tree_peak_kib: usage.ru_maxrss as u64,
        output_bytes,
        stdout: std::mem::take(&mut outputs[0].0),
        stderr: std::mem::take(&mut outputs[1].0),
    })
}

fn spawn(bin: &Path, dir: &Path, file: &str, traced: bool) -> io::Result<std::process::Child> {
    use std::os::unix::process::CommandExt;
    let mut cmd = Command::new(bin);
    cmd.args(["run", file, "--headless", "--frames", "1"])
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0);
    if traced {
        // SAFETY: the closure runs in the forked child before execve and makes one system
        // call, which is async-signal-safe; it allocates nothing and touches no lock.
        unsafe {
            cmd.pre_exec(|| {
                let null = std::ptr::null_mut::<libc::c_void>();
                if libc::ptrace(libc::PTRACE_TRACEME, 0, null, null) == -1 {
                    return Err(io::Error::last_os_error());
                }
                Ok(())
            });
        }
    }
    cmd.spawn()
}

/// Kills the host's process group (the host, its zygote, the runners).
fn kill_group(pid: libc::pid_t) {
    // SAFETY: kill takes no pointers. The host is not reaped yet (only this thread waits
    // for it), so its pid, which is also its group's id, is still its own.
    unsafe { libc::kill(-pid, libc::SIGKILL) };
}

/// A field of `/proc/PID/status` in KiB (`VmRSS:`, `VmHWM:`).
fn proc_status(pid: libc::pid_t, field: &str) -> Option<u64> {
    let s = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    s.lines()
        .find_map(|l| l.strip_prefix(field))?
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()
}

/// Reads a pipe to its end on a thread of its own: the first 16 MiB, and the byte count.
fn reader(pipe: Option<Box<dyn Read + Send>>) -> mpsc::Receiver<(Vec<u8>, u64)> {
    const KEEP: usize = 16 << 20;
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let (mut kept, mut total) = (Vec::new(), 0u64);
        if let Some(mut pipe) = pipe {
            let mut buf = vec![0u8; 64 << 10];
            loop {
                match pipe.read(&mut buf) {
                    Ok(0) => break,
                    Ok(n) => {
                        total += n as u64;
                        let room = KEEP.saturating_sub(kept.len()).min(n);
                        kept.extend_from_slice(&buf[..room]);
                    }
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                    Err(_) => break,
                }
            }
        }
        let _ = tx.send((kept, total));
    });
    rx
}

/// The terminal controls in `bytes`: C0 controls but `\n` and `\t`, DEL, C1 controls
/// (U+0080 to U+009F, such as U+009B, CSI), and raw bytes 0x80 to 0x9F outside any UTF-8
/// character (0x9B is CSI to an 8-bit terminal).
pub fn escapes(bytes: &[u8]) -> Vec<String> {
    let mut found: Vec<String> = Vec::new();
    let mut add = |name: String| {
        if !found.contains(&name) {
            found.push(name);
        }
    };
    let mut rest = bytes;
    while !rest.is_empty() {
        let (valid, bad) = match std::str::from_utf8(rest) {
            Ok(s) => (s, &[][..]),
            Err(e) => {
                let (ok, tail) = rest.split_at(e.valid_up_to());
                let n = e.error_len().unwrap_or(tail.len());
                // The prefix is valid UTF-8, as the error says.
                (std::str::from_utf8(ok).unwrap_or(""), &tail[..n])
            }
        };
        for c in valid.chars() {
            let n = u32::from(c);
            match c {
                '\n' | '\t' => {}
                '\x1b' => add("ESC".into()),
                '\x07' => add("BEL".into()),
                '\r' => add("CR".into()),
                _ if n < 0x20 || n == 0x7f => add(format!("0x{n:02x}")),
                _ if (0x80..0xa0).contains(&n) => add(format!("U+{n:04X}")),
                _ => {}
            }
        }
        for b in bad {
            if (0x80..0xa0).contains(b) {
                add(format!("raw 0x{b:02x}"));
            }
        }
        rest = &rest[valid.len() + bad.len()..];
    }
    found
}

/// Returns the harness's free heap pages to the system (the cases were built in memory):
/// a child's `ru_maxrss` starts from its parent's RSS at the fork.
pub fn give_back_free_memory() {
    // SAFETY: malloc_trim only returns free heap pages to the system; it takes no pointer.
    unsafe { libc::malloc_trim(0) };
}

/// A scratch folder, removed when dropped.
pub struct Scratch(pub PathBuf);

impl Scratch {
    /// A fresh folder under the temporary directory.
    pub fn new(name: &str) -> io::Result<Scratch> {
        let dir =
            std::env::temp_dir().join(format!("cartbox-hostile-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir)?;
        Ok(Scratch(dir))
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The host's idle peak RSS: the largest of three runs of the good cart (KiB), with the
/// three measures.
pub fn idle(bin: &Path, dir: &Path, limits: &Limits) -> io::Result<(u64, Vec<Measure>)> {
    make_good(&dir.join("good.lua"))?;
    let runs = (0..3)
        .map(|_| measure(bin, dir, "good.lua", limits))
        .collect::<io::Result<Vec<_>>>()?;
    let peak = runs.iter().map(|m| m.host_peak_kib).max().unwrap_or(0);
    Ok((peak, runs))
}

/// The size of a case's file as written (symlinks and FIFOs: what they are).
pub fn describe_file(path: &Path) -> String {
    match std::fs::symlink_metadata(path) {
        Err(_) => "missing".into(),
        Ok(m) if m.file_type().is_symlink() => match std::fs::read_link(path) {
            Ok(t) => format!("-> {}", t.display()),
            Err(_) => "symlink".into(),
        },
        Ok(m) if !m.is_file() => "fifo".into(),
        Ok(m) => {
            let n = m.len();
            if n >= 1 << 20 {
                format!("{:.1} MiB", n as f64 / (1u64 << 20) as f64)
            } else if n >= 1 << 10 {
                format!("{:.1} KiB", n as f64 / 1024.0)
            } else {
                format!("{n} B")
            }
        }
    }
}
