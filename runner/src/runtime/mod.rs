//! What every runtime shares, because it is TIC-80's and not the language's: the soft stop
//! ([`stop`]), the frame sequence (`frame`) and the API core ([`api`]). A runtime (Lua,
//! JavaScript, WebAssembly) only calls its cart's functions and converts its language's
//! values.

pub mod api;
pub(crate) mod frame;
pub mod stop;

/// The cart line a message or stack names first: the first `NAME:LINE:` in `text`
/// ("t.lua:3: ...", "at TIC (t.js:3:5)").
pub(crate) fn line_of(text: &str, name: &str) -> Option<u32> {
    if name.is_empty() {
        return None;
    }
    let mut rest = text;
    while let Some(i) = rest.find(name) {
        let after = &rest[i + name.len()..];
        if let Some(tail) = after.strip_prefix(':') {
            let digits: String = tail.chars().take_while(|c| c.is_ascii_digit()).collect();
            if !digits.is_empty() && tail[digits.len()..].starts_with(':') {
                return digits.parse().ok();
            }
        }
        rest = after;
    }
    None
}
