//! Binding the console RAM to a cart's linear memory (the one unsafe step of the wasm
//! runtime): TIC-80 carts read and write the RAM as the first 96 KiB of their memory.

use std::ptr::NonNull;

use crate::machine::Machine;

/// Moves `machine`'s RAM into the first 96 KiB of a linear memory at `base` of `size`
/// bytes (copying the RAM in); false if the memory is too small.
///
/// The memory must be the cart's, owned by the store that owns `machine`, unable to move
/// (the engine sets `memory_may_move(false)` and reserves its whole cap), and no slice of it
/// may be held across a call into `machine` (host functions copy cart data out first).
pub fn bind(machine: &mut Machine, base: *mut u8, size: usize) -> bool {
    if size < cartbox_protocol::ram::RAM_SIZE {
        return false;
    }
    let Some(at) = NonNull::new(base) else {
        return false;
    };
    // SAFETY: `at` is the base of a linear memory of at least RAM_SIZE bytes, checked
    // above. The memory belongs to the store that also owns `machine` (so it lives as long
    // as the machine uses it) and never moves (engine settings). It is outside the shared
    // mapping. Wasm code and the machine take turns: wasm runs only while no host function
    // is in the machine, and host functions hold no slice of the memory while they call
    // into the machine.
    unsafe { machine.relocate_ram(at) };
    true
}
