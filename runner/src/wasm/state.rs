//! What a wasm cart's store holds. The import table (`super::api`) reads it from inside
//! host functions and the cart (`super::cart`) makes it; it lives here, under both, so
//! that the cart uses the import table and the import table never uses the cart.

use wasmtime::{Memory, StoreLimits};

use crate::machine::Machine;

/// What the store holds: the console, and the cart's memory once it exists.
pub(super) struct State {
    pub(super) machine: Machine,
    pub(super) memory: Option<Memory>,
    /// The caps on the cart's memories, tables and instances (the store's limiter).
    pub(super) limits: StoreLimits,
}
