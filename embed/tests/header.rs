//! `include/cartbox.h` is what cbindgen makes of `src/capi.rs` today: the C side and the
//! Rust side cannot drift apart. `CARTBOX_BLESS=1 cargo test -p cartbox-embed --test
//! header` rewrites it after a change to the ABI.

use std::path::Path;

#[test]
fn the_header_is_generated_from_the_rust_side() {
    let crate_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let config = cbindgen::Config::from_file(crate_dir.join("cbindgen.toml")).expect("config");
    let mut generated = Vec::new();
    cbindgen::Builder::new()
        .with_crate(crate_dir)
        .with_config(config)
        .generate()
        .expect("cbindgen reads src/capi.rs")
        .write(&mut generated);
    let header = crate_dir.join("include/cartbox.h");
    if std::env::var_os("CARTBOX_BLESS").is_some() {
        std::fs::write(&header, &generated).expect("write the header");
    }
    let committed = std::fs::read(&header).unwrap_or_default();
    assert!(
        committed == generated,
        "include/cartbox.h is not what cbindgen makes of src/capi.rs: run \
         CARTBOX_BLESS=1 cargo test -p cartbox-embed --test header, and review the diff"
    );
}
