//! What every runtime shares, because it is TIC-80's and not the language's: the soft stop
//! ([`stop`]) and the frame sequence ([`frame`]). A runtime (Lua, WebAssembly) only calls
//! its cart's functions and converts its language's values.

pub mod api;
pub(crate) mod frame;
pub mod stop;
