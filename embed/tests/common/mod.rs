//! Shared by the C and RetroArch tests (and the ABI bench): the build products they need,
//! built if missing, and PNG reading.
#![allow(dead_code)]

use std::path::PathBuf;
use std::process::Command;

/// The target folder of this build (`target/debug`): the test runs from its `deps`.
pub fn target_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("the test's path");
    exe.parent()
        .and_then(|deps| deps.parent())
        .expect("target/<profile>/deps")
        .to_owned()
}

/// Builds libcartbox (cdylib and staticlib), the libretro core and the `cartbox` runner
/// for this profile (a test is built with the libraries as Rust libraries only), once
/// per test binary.
pub fn build_products() -> PathBuf {
    static BUILT: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    BUILT
        .get_or_init(|| {
            let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
            let mut args = vec![
                "build",
                "-j2",
                "-p",
                "cartbox-embed",
                "-p",
                "cartbox-libretro",
            ];
            args.extend(["-p", "cartbox-host"]);
            if target_dir().ends_with("release") {
                args.push("--release");
            }
            let status = Command::new(cargo)
                .args(&args)
                .current_dir(env!("CARGO_MANIFEST_DIR"))
                .status()
                .expect("run cargo build");
            assert!(status.success(), "cargo build failed");
            target_dir()
        })
        .clone()
}

/// Width, height and RGB bytes of a PNG.
pub fn rgb(path: &std::path::Path) -> (u32, u32, Vec<u8>) {
    let file = std::fs::File::open(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut reader = png::Decoder::new(std::io::BufReader::new(file))
        .read_info()
        .expect("png header");
    let mut buf = vec![0; reader.output_buffer_size().expect("size")];
    let info = reader.next_frame(&mut buf).expect("png frame");
    buf.truncate(info.buffer_size());
    let data = match info.color_type {
        png::ColorType::Rgb => buf,
        png::ColorType::Rgba => buf
            .chunks_exact(4)
            .flat_map(|p| [p[0], p[1], p[2]])
            .collect(),
        other => panic!("{}: {other:?}", path.display()),
    };
    (info.width, info.height, data)
}
