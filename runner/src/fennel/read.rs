//! Fennel's reader: source text to forms, each with the line and column it starts at.
//!
//! What Fennel reads: `;` comments; lists `( )`, sequences `[ ]` and tables `{ }`; strings
//! with Lua's escapes (a raw newline in a string is a newline); numbers as Lua reads them,
//! with `_` separators and `.inf`/`.nan`; `:name` for the string "name"; `nil`, `true`,
//! `false`, `...`; and the prefixes `#` (a short function), `'`/`` ` `` (quote) and `,`
//! (unquote). Everything else that is not a delimiter is a symbol.

use super::Error;

/// A form as read, with where it starts.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Node {
    pub form: Form,
    pub line: u32,
    pub col: u32,
}

#[derive(Debug, Clone, PartialEq)]
pub(super) enum Form {
    List(Vec<Node>),
    /// `[a b c]`
    Seq(Vec<Node>),
    /// `{k v ...}`, as the flat list of what is between the braces.
    Table(Vec<Node>),
    Str(Vec<u8>),
    /// A number as Lua source (no sign other than a leading `-`, no separators).
    Num(String),
    Sym(String),
    Nil,
    Bool(bool),
}

impl Node {
    pub(super) fn sym(&self) -> Option<&str> {
        match &self.form {
            Form::Sym(s) => Some(s),
            _ => None,
        }
    }
}

/// Limits that keep a hostile cart's compile bounded: nesting (the compiler recurses).
const MAX_DEPTH: usize = 200;

/// Every form in `src`, in order.
pub(super) fn read(src: &str) -> Result<Vec<Node>, Error> {
    let mut r = Reader {
        s: src.as_bytes(),
        pos: 0,
        line: 1,
        line_start: 0,
        depth: 0,
    };
    let mut forms = Vec::new();
    loop {
        r.skip_blank();
        if r.pos >= r.s.len() {
            return Ok(forms);
        }
        forms.push(r.form()?);
    }
}

struct Reader<'a> {
    s: &'a [u8],
    pos: usize,
    line: u32,
    line_start: usize,
    depth: usize,
}

fn is_delimiter(c: u8) -> bool {
    matches!(c, b'(' | b')' | b'[' | b']' | b'{' | b'}' | b'"' | b';') || is_space(c)
}

fn is_space(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\n' | b'\r' | b'\x0b' | b'\x0c')
}

impl Reader<'_> {
    fn col(&self) -> u32 {
        u32::try_from(self.pos - self.line_start).unwrap_or(u32::MAX)
    }

    fn error(&self, line: u32, col: u32, message: impl Into<String>) -> Error {
        Error {
            line,
            col,
            message: message.into(),
        }
    }

    fn bump(&mut self) -> Option<u8> {
        let c = *self.s.get(self.pos)?;
        self.pos += 1;
        if c == b'\n' {
            self.line += 1;
            self.line_start = self.pos;
        }
        Some(c)
    }

    fn skip_blank(&mut self) {
        while let Some(&c) = self.s.get(self.pos) {
            if is_space(c) {
                self.bump();
            } else if c == b';' {
                while let Some(&c) = self.s.get(self.pos) {
                    if c == b'\n' {
                        break;
                    }
                    self.pos += 1;
                }
            } else {
                return;
            }
        }
    }

    fn form(&mut self) -> Result<Node, Error> {
        let (line, col) = (self.line, self.col());
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(self.error(line, col, "forms nested too deeply"));
        }
        let form = self.form_at(line, col);
        self.depth -= 1;
        Ok(Node {
            form: form?,
            line,
            col,
        })
    }

    fn form_at(&mut self, line: u32, col: u32) -> Result<Form, Error> {
        let Some(&c) = self.s.get(self.pos) else {
            return Err(self.error(line, col, "expected a form, found the end of the code"));
        };
        match c {
            b'(' | b'[' | b'{' => {
                self.bump();
                let close = match c {
                    b'(' => b')',
                    b'[' => b']',
                    _ => b'}',
                };
                let mut items = Vec::new();
                loop {
                    self.skip_blank();
                    match self.s.get(self.pos) {
                        None => {
                            return Err(self.error(line, col, format!("unclosed {}", c as char)));
                        }
                        Some(&d) if d == close => {
                            self.bump();
                            break;
                        }
                        Some(&d @ (b')' | b']' | b'}')) => {
                            return Err(self.error(
                                self.line,
                                self.col(),
                                format!(
                                    "mismatched closing delimiter {}, expected {}",
                                    d as char, close as char
                                ),
                            ));
                        }
                        Some(_) => items.push(self.form()?),
                    }
                }
                Ok(match c {
                    b'(' => Form::List(items),
                    b'[' => Form::Seq(items),
                    _ => {
                        if items.len() % 2 != 0 && !items.iter().any(|n| n.sym() == Some(":")) {
                            return Err(self.error(
                                line,
                                col,
                                "expected even number of values in table literal",
                            ));
                        }
                        Form::Table(items)
                    }
                })
            }
            b')' | b']' | b'}' => Err(self.error(
                line,
                col,
                format!("unexpected closing delimiter {}", c as char),
            )),
            b'"' => self.string(line, col),
            b'#' | b'\'' | b'`' | b',' => {
                self.bump();
                let next = self.s.get(self.pos).copied();
                if c == b'#' && next.is_none_or(|d| is_space(d) || matches!(d, b')' | b']' | b'}'))
                {
                    // `#` alone is the length operator.
                    return Ok(Form::Sym("#".into()));
                }
                let name = match c {
                    b'#' => "hashfn",
                    b',' => "unquote",
                    _ => "quote",
                };
                let inner = self.form()?;
                Ok(Form::List(vec![
                    Node {
                        form: Form::Sym(name.into()),
                        line,
                        col,
                    },
                    inner,
                ]))
            }
            _ => {
                let start = self.pos;
                while let Some(&c) = self.s.get(self.pos) {
                    if is_delimiter(c) {
                        break;
                    }
                    self.pos += 1;
                }
                if start == self.pos {
                    // A prefix (`#`, `'`...) followed by a comment or a string delimiter.
                    return Err(self.error(line, col, "expected a form"));
                }
                let text = String::from_utf8_lossy(&self.s[start..self.pos]).into_owned();
                atom(text).map_err(|m| self.error(line, col, m))
            }
        }
    }

    /// A string: the raw text between the quotes read with Lua's escapes.
    fn string(&mut self, line: u32, col: u32) -> Result<Form, Error> {
        self.bump();
        let mut out = Vec::new();
        loop {
            let Some(c) = self.bump() else {
                return Err(self.error(line, col, "unclosed string"));
            };
            match c {
                b'"' => return Ok(Form::Str(out)),
                b'\\' => self.escape(&mut out)?,
                _ => out.push(c),
            }
        }
    }

    fn escape(&mut self, out: &mut Vec<u8>) -> Result<(), Error> {
        let (line, col) = (self.line, self.col());
        let lines = crate::luasrc::escape(self.s, &mut self.pos, out)
            .ok_or_else(|| self.error(line, col, "invalid escape sequence in a string"))?;
        if lines > 0 {
            self.line += lines;
            self.line_start = self.s[..self.pos]
                .iter()
                .rposition(|c| *c == b'\n')
                .map_or(0, |i| i + 1);
        }
        Ok(())
    }
}

/// A token that is not a delimiter: a literal, a `:string`, a number or a symbol.
fn atom(text: String) -> Result<Form, String> {
    match text.as_str() {
        "nil" => return Ok(Form::Nil),
        "true" => return Ok(Form::Bool(true)),
        "false" => return Ok(Form::Bool(false)),
        ".inf" | "+.inf" => return Ok(Form::Num("(1/0)".into())),
        "-.inf" => return Ok(Form::Num("(-1/0)".into())),
        ".nan" | "-.nan" | "+.nan" => return Ok(Form::Num("(0/0)".into())),
        _ => {}
    }
    if let Some(name) = text.strip_prefix(':')
        && !name.is_empty()
        && !name.starts_with(':')
        && !name.contains(':')
    {
        return Ok(Form::Str(name.as_bytes().to_vec()));
    }
    let first = text.as_bytes()[0];
    let looks_numeric = first.is_ascii_digit()
        || (matches!(first, b'-' | b'+' | b'.')
            && text
                .as_bytes()
                .get(1)
                .is_some_and(|c| c.is_ascii_digit() || *c == b'.'));
    if looks_numeric && !text.starts_with('_') {
        let plain: String = text.chars().filter(|c| *c != '_').collect();
        if let Some(n) = lua_number(&plain) {
            return Ok(Form::Num(n));
        }
        if first.is_ascii_digit() {
            return Err(format!("malformed number: {text}"));
        }
    }
    if text.contains(['"', '\'', '~', '`', '@']) && text != "~=" {
        return Err(format!("invalid character in symbol: {text}"));
    }
    Ok(Form::Sym(text))
}

/// `text` as Lua source for the number Lua's `tonumber` reads in it, else `None`.
fn lua_number(text: &str) -> Option<String> {
    let (neg, body) = match text.as_bytes()[0] {
        b'-' => (true, &text[1..]),
        b'+' => (false, &text[1..]),
        _ => (false, text),
    };
    let b = body.as_bytes();
    let ok = if let Some(hex) = body.strip_prefix("0x").or_else(|| body.strip_prefix("0X")) {
        let (mant, exp) = match hex.find(['p', 'P']) {
            Some(i) => (&hex[..i], Some(&hex[i + 1..])),
            None => (hex, None),
        };
        let digits = mant.bytes().filter(|c| *c != b'.').count();
        digits > 0
            && mant.bytes().filter(|c| *c == b'.').count() <= 1
            && mant.bytes().all(|c| c == b'.' || c.is_ascii_hexdigit())
            && exp.is_none_or(exponent)
    } else {
        let (mant, exp) = match body.find(['e', 'E']) {
            Some(i) => (&body[..i], Some(&body[i + 1..])),
            None => (body, None),
        };
        let digits = mant.bytes().filter(|c| *c != b'.').count();
        !b.is_empty()
            && digits > 0
            && mant.bytes().filter(|c| *c == b'.').count() <= 1
            && mant.bytes().all(|c| c == b'.' || c.is_ascii_digit())
            && exp.is_none_or(exponent)
    };
    if !ok {
        return None;
    }
    // A negative number is written as Fennel writes it, `-2 ^ 2` being -4 there too.
    Some(if neg {
        format!("-{body}")
    } else {
        body.to_owned()
    })
}

fn exponent(e: &str) -> bool {
    let digits = e.strip_prefix(['+', '-']).unwrap_or(e);
    !digits.is_empty() && digits.bytes().all(|c| c.is_ascii_digit())
}
