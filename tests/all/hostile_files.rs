//! Hostile cart files against the real host (issue 12: a stranger's cart file is never
//! parsed in the trusted host). Each case of `tests/hostile/mod.rs` runs as
//! `cartbox run FILE --headless --frames 1` under a watchdog, and must meet the goals:
//! refused or played (exit 0, 1, 2, 65 or 66) before the watchdog's timeout, the host's
//! peak RSS at most 32 MiB above a good cart's, at most 4 KiB of output, and no terminal
//! control byte in it. The 2 s goal is the `hostile_files` benchmark's, which prints the
//! figures (a timed test would be flaky on a shared machine); on the code before issue 12
//! most cases fail.

#[path = "../hostile/mod.rs"]
pub(crate) mod hostile;

use std::path::Path;
use std::sync::OnceLock;
use std::time::Duration;

/// A case that has not ended by now hangs the host (the goal is 2 s; this leaves room for
/// a loaded machine).
const TIMEOUT: Duration = Duration::from_secs(20);

fn bin() -> &'static Path {
    Path::new(env!("CARGO_BIN_EXE_cartbox"))
}

fn limits() -> hostile::Limits {
    hostile::Limits::with_timeout(TIMEOUT)
}

/// The host's idle peak RSS, measured once for all cases.
fn idle() -> u64 {
    static IDLE: OnceLock<u64> = OnceLock::new();
    *IDLE.get_or_init(|| {
        let scratch = hostile::Scratch::new("idle").expect("scratch folder");
        let (idle, runs) = hostile::idle(bin(), &scratch.0, &limits()).expect("run the good cart");
        for m in &runs {
            assert_eq!(
                m.end,
                hostile::End::Exited(0),
                "the good cart must play: {}",
                String::from_utf8_lossy(&m.stderr)
            );
        }
        idle
    })
}

/// Writes the case, runs it, and asserts every goal.
fn check(name: &str) {
    let case = hostile::cases()
        .into_iter()
        .find(|c| c.name == name)
        .unwrap_or_else(|| panic!("no case named {name}"));
    let idle = idle();
    let scratch = hostile::Scratch::new(name).expect("scratch folder");
    let path = scratch.0.join(case.file);
    (case.make)(&path).unwrap_or_else(|e| panic!("{name}: cannot write the case: {e}"));
    let m = hostile::measure(bin(), &scratch.0, case.file, &limits())
        .unwrap_or_else(|e| panic!("{name}: cannot run cartbox: {e}"));
    let missed = m.missed(idle, false);
    assert!(
        missed.is_empty(),
        "{name} ({}): missed {}\n  exit {}, {:.2} s, host peak RSS {} MiB (idle {} MiB), \
         {} bytes of output; first line: {}",
        case.what,
        missed.join("; "),
        m.end_text(&limits()),
        m.wall.as_secs_f64(),
        hostile::mib(m.host_peak_kib),
        hostile::mib(idle),
        m.output_bytes,
        m.first_line(200)
    );
}

macro_rules! hostile_tests {
    ($($name:ident),* $(,)?) => {
        $(
            #[test]
            fn $name() {
                check(stringify!($name));
            }
        )*

        /// Every case has its test.
        #[test]
        fn every_case_is_tested() {
            let tested = [$(stringify!($name)),*];
            for c in hostile::cases() {
                assert!(tested.contains(&c.name), "case {} has no test", c.name);
            }
        }
    };
}

hostile_tests!(
    pagemap_symlink,
    kmsg_symlink,
    fifo,
    dev_zero_symlink,
    gif_covers_png,
    gif_covers_tic,
    gif_frame_dimensions,
    gray_png,
    png_dimensions,
    png_text_flood,
    pixel_cart_png,
    nested_png,
    empty_chunks,
    oversized_empty_chunks,
    duplicate_sections,
    cart_fails_late_png,
    cart_zip_bomb_png,
    code_zip_bomb,
    code_zip_flood,
    code_zip_flood_png,
    escape_section_twice,
    escape_closing_tag,
    escape_unclosed_section,
    escape_row_number,
    c1_section_twice,
    escape_script_tag,
    escape_lua_syntax,
    escape_file_name,
    invalid_utf8_text,
    invalid_utf8_code_chunk,
    deep_nesting_lua,
);
