//! MoonScript's tokens, with the layout (indentation) turned into `Indent`, `Dedent` and
//! `Newline` tokens. Inside `( )` and `[ ]` line breaks are spaces; inside `{ }` a line
//! break separates entries like a comma.

use super::Error;

#[derive(Debug, Clone, PartialEq)]
pub(super) enum Tok {
    Name(String),
    Num(String),
    /// A string: its pieces, text and `#{...}` (the source inside, and its line).
    Str(Vec<Piece>),
    Kw(&'static str),
    Op(&'static str),
    Newline,
    Indent,
    Dedent,
    Eof,
}

#[derive(Debug, Clone, PartialEq)]
pub(super) enum Piece {
    Text(Vec<u8>),
    Code(String, u32),
}

#[derive(Debug, Clone)]
pub(super) struct Token {
    pub tok: Tok,
    pub line: u32,
    /// White space (or a line start) right before it, and right after it.
    pub space_before: bool,
    pub space_after: bool,
}

const KEYWORDS: [&str; 26] = [
    "and", "or", "not", "if", "then", "else", "elseif", "unless", "while", "for", "in", "do",
    "return", "break", "continue", "local", "export", "import", "from", "class", "extends",
    "switch", "when", "with", "true", "false",
];

const OPS: [&str; 44] = [
    "...", "..=", "//=", "..", "->", "=>", "==", "!=", "~=", "<=", ">=", "+=", "-=", "*=", "/=",
    "%=", "^=", "//", "<<", ">>", "@@", "::", "+", "-", "*", "/", "%", "^", "#", "<", ">", "=",
    "(", ")", "[", "]", "{", "}", ",", ".", ":", "\\", "!", "@",
];

const MAX_TOKENS: usize = 1 << 20;

pub(super) fn lex(src: &str, first_line: u32) -> Result<Vec<Token>, Error> {
    let mut l = Lexer {
        s: src.as_bytes(),
        pos: 0,
        line: first_line,
        out: Vec::new(),
        indents: vec![0],
        brackets: Vec::new(),
    };
    l.run()?;
    Ok(l.out)
}

struct Lexer<'a> {
    s: &'a [u8],
    pos: usize,
    line: u32,
    out: Vec<Token>,
    indents: Vec<usize>,
    /// Open brackets, with the line each opened on.
    brackets: Vec<(u8, u32)>,
}

impl Lexer<'_> {
    fn err(&self, message: impl Into<String>) -> Error {
        Error {
            line: self.line,
            message: message.into(),
        }
    }

    fn push(&mut self, tok: Tok, line: u32, space_before: bool) -> Result<(), Error> {
        if self.out.len() >= MAX_TOKENS {
            return Err(self.err("the code has too many tokens"));
        }
        let next = self.s.get(self.pos).copied();
        let space_after = next.is_none_or(|c| matches!(c, b' ' | b'\t' | b'\n' | b'\r'));
        self.out.push(Token {
            tok,
            line,
            space_before,
            space_after,
        });
        Ok(())
    }

    fn last_is(&self, t: &Tok) -> bool {
        self.out.last().is_some_and(|l| &l.tok == t)
    }

    fn run(&mut self) -> Result<(), Error> {
        let mut at_line_start = true;
        loop {
            if at_line_start && self.brackets.is_empty() {
                // Measure the indentation of the next line with code on it.
                let mut width = 0;
                let mut p = self.pos;
                while let Some(&c) = self.s.get(p) {
                    match c {
                        b' ' | b'\t' => width += 1,
                        _ => break,
                    }
                    p += 1;
                }
                let rest = &self.s[p..];
                let blank = rest.is_empty()
                    || rest[0] == b'\n'
                    || rest[0] == b'\r'
                    || (rest.starts_with(b"--") && !rest.starts_with(b"--[["));
                if blank {
                    self.pos = p;
                    self.skip_line();
                    if self.pos >= self.s.len() {
                        break;
                    }
                    continue;
                }
                self.pos = p;
                let line = self.line;
                let current = *self.indents.last().unwrap_or(&0);
                if width > current && self.continues() {
                    // A deeper line after a comma or a binary operator continues the
                    // statement (`f a,` / `  b`): no layout token.
                } else if width > current {
                    self.indents.push(width);
                    self.push(Tok::Indent, line, true)?;
                } else {
                    while width < *self.indents.last().unwrap_or(&0) {
                        self.indents.pop();
                        self.push(Tok::Dedent, line, true)?;
                    }
                    if width != *self.indents.last().unwrap_or(&0) {
                        return Err(self.err("bad indentation"));
                    }
                    if !self.out.is_empty() {
                        self.push(Tok::Newline, line, true)?;
                    }
                }
                at_line_start = false;
            }
            let space_before = self.pos == 0
                || matches!(self.s.get(self.pos - 1), Some(b' ' | b'\t' | b'\n' | b'\r'));
            let Some(&c) = self.s.get(self.pos) else {
                break;
            };
            let line = self.line;
            match c {
                b' ' | b'\t' | b'\r' => self.pos += 1,
                b'\n' => {
                    self.pos += 1;
                    self.line += 1;
                    match self.brackets.last().map(|b| b.0) {
                        None => at_line_start = true,
                        Some(b'{') => {
                            if !self.last_is(&Tok::Op("{")) && !self.last_is(&Tok::Op(",")) {
                                self.push(Tok::Op(","), line, true)?;
                            }
                        }
                        Some(_) => {}
                    }
                }
                b'-' if self.s.get(self.pos + 1) == Some(&b'-') => {
                    if self.s[self.pos..].starts_with(b"--[[") {
                        self.pos += 2;
                        self.long_bracket()?;
                    } else {
                        self.skip_comment();
                    }
                }
                b'"' | b'\'' => {
                    let s = self.string(c)?;
                    self.push(Tok::Str(s), line, space_before)?;
                }
                b'[' if matches!(self.s.get(self.pos + 1), Some(b'[' | b'='))
                    && self.long_start() =>
                {
                    let text = self.long_bracket()?;
                    self.push(Tok::Str(vec![Piece::Text(text)]), line, space_before)?;
                }
                b'0'..=b'9' => {
                    let n = self.number()?;
                    self.push(Tok::Num(n), line, space_before)?;
                }
                b'.' if self.s.get(self.pos + 1).is_some_and(u8::is_ascii_digit) => {
                    let n = self.number()?;
                    self.push(Tok::Num(n), line, space_before)?;
                }
                c if c.is_ascii_alphabetic() || c == b'_' => {
                    let start = self.pos;
                    while self
                        .s
                        .get(self.pos)
                        .is_some_and(|c| c.is_ascii_alphanumeric() || *c == b'_')
                    {
                        self.pos += 1;
                    }
                    let word = std::str::from_utf8(&self.s[start..self.pos]).unwrap_or("_");
                    // `or=` and `and=` are update operators.
                    if matches!(word, "or" | "and")
                        && self.s.get(self.pos) == Some(&b'=')
                        && self.s.get(self.pos + 1) != Some(&b'=')
                    {
                        self.pos += 1;
                        let op = if word == "or" { "or=" } else { "and=" };
                        self.push(Tok::Op(op), line, space_before)?;
                        continue;
                    }
                    let tok = match KEYWORDS.iter().find(|k| **k == word) {
                        Some(k) => Tok::Kw(k),
                        None => Tok::Name(word.to_owned()),
                    };
                    self.push(tok, line, space_before)?;
                }
                _ => {
                    let Some(op) = OPS
                        .iter()
                        .find(|o| self.s[self.pos..].starts_with(o.as_bytes()))
                    else {
                        return Err(self.err(format!("unexpected character '{}'", c as char)));
                    };
                    self.pos += op.len();
                    match *op {
                        "(" | "[" | "{" => {
                            if self.brackets.len() > 200 {
                                return Err(self.err("brackets nested too deeply"));
                            }
                            self.brackets.push((op.as_bytes()[0], line));
                        }
                        ")" | "]" | "}" => {
                            if self.brackets.pop().is_none() {
                                return Err(self.err(format!("unexpected '{op}'")));
                            }
                            if *op == "}"
                                && self.last_is(&Tok::Op(","))
                                && self.out.last().is_some_and(|t| t.space_before)
                            {
                                // A line break before the brace is not an entry.
                                self.out.pop();
                            }
                        }
                        _ => {}
                    }
                    self.push(Tok::Op(op), line, space_before)?;
                }
            }
        }
        if let Some(&(b, line)) = self.brackets.last() {
            return Err(Error {
                line,
                message: format!("unclosed '{}'", b as char),
            });
        }
        let line = self.line;
        while self.indents.len() > 1 {
            self.indents.pop();
            self.push(Tok::Dedent, line, true)?;
        }
        self.push(Tok::Eof, line, true)?;
        Ok(())
    }

    /// Whether the last token leaves its statement unfinished: a comma or a binary
    /// operator.
    fn continues(&self) -> bool {
        matches!(
            self.out.last().map(|t| &t.tok),
            Some(Tok::Op(
                "," | "+"
                    | "-"
                    | "*"
                    | "/"
                    | "//"
                    | "%"
                    | "^"
                    | ".."
                    | "=="
                    | "!="
                    | "~="
                    | "<"
                    | ">"
                    | "<="
                    | ">="
            )) | Some(Tok::Kw("and" | "or"))
        )
    }

    fn skip_comment(&mut self) {
        while let Some(&c) = self.s.get(self.pos) {
            if c == b'\n' {
                break;
            }
            self.pos += 1;
        }
    }

    fn skip_line(&mut self) {
        self.skip_comment();
        if self.pos < self.s.len() {
            self.pos += 1;
            self.line += 1;
        }
    }

    fn long_start(&self) -> bool {
        let mut p = self.pos + 1;
        while self.s.get(p) == Some(&b'=') {
            p += 1;
        }
        self.s.get(p) == Some(&b'[')
    }

    /// `[[...]]` or `[==[...]==]` at `pos`: its text.
    fn long_bracket(&mut self) -> Result<Vec<u8>, Error> {
        let start_line = self.line;
        self.pos += 1;
        let mut level = 0;
        while self.s.get(self.pos) == Some(&b'=') {
            level += 1;
            self.pos += 1;
        }
        if self.s.get(self.pos) != Some(&b'[') {
            return Err(self.err("malformed long string"));
        }
        self.pos += 1;
        if self.s.get(self.pos) == Some(&b'\n') {
            self.pos += 1;
            self.line += 1;
        }
        let close = format!("]{}]", "=".repeat(level));
        let begin = self.pos;
        loop {
            if self.pos >= self.s.len() {
                return Err(Error {
                    line: start_line,
                    message: "unfinished long string or comment".into(),
                });
            }
            if self.s[self.pos..].starts_with(close.as_bytes()) {
                let text = self.s[begin..self.pos].to_vec();
                self.pos += close.len();
                return Ok(text);
            }
            if self.s[self.pos] == b'\n' {
                self.line += 1;
            }
            self.pos += 1;
        }
    }

    fn number(&mut self) -> Result<String, Error> {
        let start = self.pos;
        let hex = self.s[self.pos..].starts_with(b"0x") || self.s[self.pos..].starts_with(b"0X");
        if hex {
            self.pos += 2;
        }
        while let Some(&c) = self.s.get(self.pos) {
            let exp = if hex {
                matches!(c, b'p' | b'P')
            } else {
                matches!(c, b'e' | b'E')
            };
            if exp {
                self.pos += 1;
                if matches!(self.s.get(self.pos), Some(b'+' | b'-')) {
                    self.pos += 1;
                }
            } else if c.is_ascii_alphanumeric()
                || (c == b'.' && self.s.get(self.pos + 1) != Some(&b'.'))
            {
                self.pos += 1;
            } else {
                break;
            }
        }
        let text = String::from_utf8_lossy(&self.s[start..self.pos]).into_owned();
        let ok = if hex {
            text.len() > 2
                && text[2..]
                    .bytes()
                    .all(|c| c.is_ascii_hexdigit() || matches!(c, b'.' | b'p' | b'P' | b'+' | b'-'))
        } else {
            text.parse::<f64>().is_ok()
        };
        if !ok {
            return Err(self.err(format!("malformed number near '{text}'")));
        }
        Ok(text)
    }

    /// A quoted string; double quotes take `#{...}`.
    fn string(&mut self, quote: u8) -> Result<Vec<Piece>, Error> {
        let start_line = self.line;
        self.pos += 1;
        let mut pieces = Vec::new();
        let mut text = Vec::new();
        loop {
            let Some(&c) = self.s.get(self.pos) else {
                return Err(Error {
                    line: start_line,
                    message: "unfinished string".into(),
                });
            };
            self.pos += 1;
            match c {
                c if c == quote => break,
                b'\n' => {
                    self.line += 1;
                    text.push(b'\n');
                }
                b'\\' => self.escape(&mut text)?,
                b'#' if quote == b'"' && self.s.get(self.pos) == Some(&b'{') => {
                    self.pos += 1;
                    let begin = self.pos;
                    let line = self.line;
                    let mut depth = 1;
                    while depth > 0 {
                        let Some(&d) = self.s.get(self.pos) else {
                            return Err(self.err("unfinished #{ in a string"));
                        };
                        match d {
                            b'{' => depth += 1,
                            b'}' => depth -= 1,
                            b'\n' => self.line += 1,
                            _ => {}
                        }
                        self.pos += 1;
                    }
                    if !text.is_empty() {
                        pieces.push(Piece::Text(std::mem::take(&mut text)));
                    }
                    let code = String::from_utf8_lossy(&self.s[begin..self.pos - 1]).into_owned();
                    pieces.push(Piece::Code(code, line));
                }
                c => text.push(c),
            }
        }
        if !text.is_empty() || pieces.is_empty() {
            pieces.push(Piece::Text(text));
        }
        Ok(pieces)
    }

    fn escape(&mut self, out: &mut Vec<u8>) -> Result<(), Error> {
        // `\#` keeps a `#{` from being interpolated.
        if self.s.get(self.pos) == Some(&b'#') {
            self.pos += 1;
            out.push(b'#');
            return Ok(());
        }
        let lines = crate::luasrc::escape(self.s, &mut self.pos, out)
            .ok_or_else(|| self.err("invalid escape sequence in a string"))?;
        self.line += lines;
        Ok(())
    }
}
