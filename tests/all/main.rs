//! The end-to-end tests, in one binary (it links the host, and with it wasmtime, once): a
//! module per area, each running the real `cartbox` binary, real zygotes and real runners
//! behind their real seccomp filters. Two areas are binaries of their own: `sandbox.rs`
//! counts this process's descriptors, which tests running beside it would change, and
//! `hostile_runner.rs` is its own harness (it plays hostile runners itself).

#[path = "../common/mod.rs"]
mod common;
#[path = "../pulse/mod.rs"]
mod pulse;
#[path = "../xvfb/mod.rs"]
mod xvfb;

mod attacks;
mod browse;
mod check;
mod cli;
mod community_api;
mod community_carts;
mod community_draw;
mod community_runtime;
mod conformance;
mod console;
mod crash_save;
mod golden;
mod hostile_files;
mod languages;
mod properties;
mod sharing;
mod sound;
mod supervisor;
mod wasm;
mod window;
