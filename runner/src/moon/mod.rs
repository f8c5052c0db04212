//! MoonScript carts: Cartbox's own compiler from MoonScript to Lua, run inside the runner
//! before the Lua it writes plays on the Lua runtime (TIC-80 ships MoonScript's compiler
//! and LPeg, which are not ours to carry).
//!
//! What it compiles: MoonScript's layout (indented blocks, one-line `then`/`do` forms),
//! assignments that declare locals, `export`, `local`, `import ... from`, update operators
//! (`+=`, `..=`, `or=`...), functions (`->`, `=>`, defaults, `@name` parameters, implicit
//! return), calls with and without parentheses (`f a, b`, `f!`, `obj\m args`), string
//! interpolation, tables (`key: v`, `:name`, `[k]: v`, entries on separate lines, and
//! without braces), statements continued on deeper lines after a comma or an operator,
//! `if`/`unless`/`elseif` as statements and values, line decorators (`x if c`, `f x for x
//! in *t`), `while`, numeric and generic `for`, `for x in *list`, `continue`, list and table
//! comprehensions, `switch` and `with` (statements and values), classes (`extends`,
//! `super`, `@@name`, `@name:` class fields), destructuring assignment. Refused with a
//! clear error: `export *`, `export ^`.
//!
//! Each statement's Lua starts on the statement's own line, so errors name the cart's
//! lines.

mod emit;
mod lex;
mod parse;
#[cfg(test)]
mod tests;

use std::fmt;

/// A compile error, at a line of the cart's code.
#[derive(Debug, Clone, PartialEq)]
pub struct Error {
    pub line: u32,
    pub message: String,
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.line, self.message)
    }
}

/// Compiles MoonScript `code` to Lua.
pub fn compile(code: &str) -> Result<String, Error> {
    let tokens = lex::lex(code, 1)?;
    let block = parse::parse(tokens)?;
    let lua = emit::Emitter::new().program(&block)?;
    Ok(crate::fennel::render(&lua))
}
