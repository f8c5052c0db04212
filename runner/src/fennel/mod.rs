//! Fennel carts: Cartbox's own compiler from Fennel to Lua, run inside the runner before the
//! Lua code it makes plays on the Lua runtime.
//!
//! TIC-80 ships Fennel's compiler (Lua source) and evaluates the cart with it; Cartbox may
//! not carry that code, so this is a compiler of its own for the language Fennel's reference
//! describes: every special form and built-in macro a cart uses (`fn`/`lambda`/`#`, `let`,
//! `local`/`var`/`set`/`global`/`tset`, destructuring, `if`/`when`, `do`, `while`, `for`,
//! `each`, the collecting forms, `match`/`case`, the threading macros, `doto`, `partial`,
//! `values`, `.`/`?.`/`:`, operators, `lua`), with TIC-80's settings: globals are free
//! unless the cart says `;; strict: true`, where a name that is neither local nor a global
//! of the environment (or declared with `global`) is an error at compile time. Macros
//! (`macro`, `import-macros`...) and `include` are refused with a clear error.
//!
//! The Lua it writes keeps each form on its source line, so Lua's own messages and
//! tracebacks name the cart's lines.

mod compile;
mod read;

pub(crate) use compile::{MARK, MARK_END};
#[cfg(test)]
mod tests;

use std::collections::HashSet;
use std::fmt;

/// A compile error, at a line and column of the cart's code (both from 1).
#[derive(Debug, Clone, PartialEq)]
pub struct Error {
    pub line: u32,
    pub col: u32,
    pub message: String,
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.line, self.col + 1, self.message)
    }
}

/// Whether the cart asks for strict globals, as TIC-80 finds it: a line `;; strict: true`
/// (any spaces after `;;` and after the colon) that is not the code's first line.
pub fn is_strict(code: &str) -> bool {
    code.match_indices("\n;;").any(|(i, _)| {
        let rest = &code[i + 3..];
        let after = rest.trim_start_matches(' ');
        after.len() < rest.len()
            && after
                .strip_prefix("strict:")
                .is_some_and(|v| v.trim_start_matches(' ').starts_with("true"))
    })
}

/// Compiles Fennel `code` (from the file `file`) to Lua. `globals`: with strict globals,
/// the names of the environment's globals; `None` lets code name any global.
pub fn compile(code: &str, file: &str, globals: Option<HashSet<String>>) -> Result<String, Error> {
    let forms = read::read(code)?;
    let lua = compile::Compiler::new(file, globals).program(&forms)?;
    Ok(render(&lua))
}

/// The compiled code with its line marks turned into line breaks: the code of a form
/// starts on the form's line (or, where code of a later line came first, on the same
/// line as that).
pub(crate) fn render(marked: &str) -> String {
    let mut out = String::with_capacity(marked.len());
    let mut line: u32 = 1;
    let mut rest = marked;
    while let Some(i) = rest.find(compile::MARK) {
        out.push_str(&rest[..i]);
        let after = &rest[i + compile::MARK.len_utf8()..];
        let end = after.find(compile::MARK_END).unwrap_or(after.len());
        if let Ok(want) = after[..end].parse::<u32>() {
            while line < want {
                out.push('\n');
                line += 1;
            }
        }
        rest = after
            .get(end + compile::MARK_END.len_utf8()..)
            .unwrap_or("");
    }
    out.push_str(rest);
    out
}
