//! Lua source text, for the compilers that write Lua (Fennel, MoonScript): names, string
//! literals, and Lua's string escapes, which both languages read as Lua does.

pub(crate) const LUA_KEYWORDS: [&str; 22] = [
    "and", "break", "do", "else", "elseif", "end", "false", "for", "function", "goto", "if", "in",
    "local", "nil", "not", "or", "repeat", "return", "then", "true", "until", "while",
];

/// Whether `s` is a Lua name (and not a keyword).
pub(crate) fn valid_identifier(s: &str) -> bool {
    let mut bytes = s.bytes();
    bytes
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == b'_')
        && bytes.all(|c| c.is_ascii_alphanumeric() || c == b'_')
        && !LUA_KEYWORDS.contains(&s)
}

/// `.name`, or `["name"]` where the key is not a Lua name: indexing by a string key.
pub(crate) fn index_suffix(name: &str) -> String {
    if valid_identifier(name) {
        format!(".{name}")
    } else {
        format!("[{}]", string_literal(name.as_bytes()))
    }
}

/// `name`, or `["name"]`: a string key in a table constructor.
pub(crate) fn field_key(name: &[u8]) -> String {
    match std::str::from_utf8(name) {
        Ok(s) if valid_identifier(s) => s.to_owned(),
        _ => format!("[{}]", string_literal(name)),
    }
}

/// A Lua string literal for `bytes`, on one line (every control character escaped).
pub(crate) fn string_literal(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() + 2);
    out.push('"');
    for (i, &b) in bytes.iter().enumerate() {
        match b {
            b'"' => out.push_str("\\\""),
            b'\\' => out.push_str("\\\\"),
            b'\n' => out.push_str("\\n"),
            b'\r' => out.push_str("\\r"),
            b'\t' => out.push_str("\\t"),
            0x20..=0x7e => out.push(b as char),
            // Three digits when a digit follows, so it is not read as part of it.
            _ if bytes.get(i + 1).is_some_and(u8::is_ascii_digit) => {
                out.push_str(&format!("\\{b:03}"))
            }
            _ => out.push_str(&format!("\\{b}")),
        }
    }
    out.push('"');
    out
}

/// Reads the Lua escape sequence whose backslash came right before `s[*pos]`, moving `pos`
/// past it and pushing what it stands for; gives how many line breaks it spanned, or
/// `None` when it is not a valid escape.
pub(crate) fn escape(s: &[u8], pos: &mut usize, out: &mut Vec<u8>) -> Option<u32> {
    let c = *s.get(*pos)?;
    *pos += 1;
    let mut lines = 0;
    match c {
        b'a' => out.push(7),
        b'b' => out.push(8),
        b'f' => out.push(12),
        b'n' => out.push(b'\n'),
        b'r' => out.push(b'\r'),
        b't' => out.push(b'\t'),
        b'v' => out.push(11),
        b'\\' | b'"' | b'\'' => out.push(c),
        b'\n' => {
            out.push(b'\n');
            lines = 1;
        }
        b'z' => {
            while let Some(w) = s.get(*pos).filter(|c| c.is_ascii_whitespace()) {
                if *w == b'\n' {
                    lines += 1;
                }
                *pos += 1;
            }
        }
        b'x' => {
            let hex = std::str::from_utf8(s.get(*pos..*pos + 2)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            *pos += 2;
        }
        b'0'..=b'9' => {
            let mut v = u32::from(c - b'0');
            for _ in 0..2 {
                match s.get(*pos) {
                    Some(d @ b'0'..=b'9') => {
                        v = v * 10 + u32::from(d - b'0');
                        *pos += 1;
                    }
                    _ => break,
                }
            }
            out.push(u8::try_from(v).ok()?);
        }
        b'u' => {
            if s.get(*pos) != Some(&b'{') {
                return None;
            }
            *pos += 1;
            let mut v: u32 = 0;
            let mut digits = 0;
            loop {
                let d = *s.get(*pos)?;
                *pos += 1;
                match d {
                    b'}' if digits > 0 => break,
                    d if d.is_ascii_hexdigit() && v < 0x0800_0000 => {
                        v = v * 16 + (d as char).to_digit(16)?;
                        digits += 1;
                    }
                    _ => return None,
                }
            }
            utf8_lua(v, out);
        }
        _ => return None,
    }
    Some(lines)
}

/// Lua 5.3's `\u{XXX}`: UTF-8 extended to 31 bits.
fn utf8_lua(v: u32, out: &mut Vec<u8>) {
    if v < 0x80 {
        out.push(v as u8);
        return;
    }
    let mut buf = [0u8; 8];
    let mut n = 0;
    let mut x = v;
    let mut mfb: u32 = 0x3f;
    loop {
        buf[7 - n] = 0x80 | (x & 0x3f) as u8;
        n += 1;
        x >>= 6;
        mfb >>= 1;
        if x <= mfb {
            break;
        }
    }
    buf[7 - n] = ((!mfb << 1) | x) as u8;
    n += 1;
    out.extend_from_slice(&buf[8 - n..]);
}

/// Runs compiled Lua on a plain Lua state where `out(...)` collects its arguments; gives
/// what was collected, one call per line (the compilers' unit tests).
#[cfg(test)]
pub(crate) fn run_collecting(lua_code: &str, chunk: &str) -> String {
    let lua = mlua::Lua::new();
    lua.load(
        "_OUT = {} function out(...) local t = {} for i = 1, select('#', ...) do \
         t[#t + 1] = tostring((select(i, ...))) end _OUT[#_OUT + 1] = table.concat(t, ' ') end",
    )
    .exec()
    .unwrap();
    if let Err(e) = lua.load(lua_code).set_name(format!("={chunk}")).exec() {
        panic!("{e}\n--- lua:\n{lua_code}");
    }
    let t: mlua::Table = lua.globals().get("_OUT").unwrap();
    t.sequence_values::<String>()
        .map(Result::unwrap)
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_read_as_lua_reads_them() {
        let read = |s: &str| {
            let mut out = Vec::new();
            let mut pos = 0;
            let bytes = s.as_bytes();
            let mut lines = 0;
            while pos < bytes.len() {
                if bytes[pos] == b'\\' {
                    pos += 1;
                    lines += escape(bytes, &mut pos, &mut out)?;
                } else {
                    out.push(bytes[pos]);
                    pos += 1;
                }
            }
            Some((out, lines))
        };
        assert_eq!(read(r"a\tb\65\x41\u{48}"), Some((b"a\tbAAH".to_vec(), 0)));
        assert_eq!(read("a\\z \n  b\\\nc"), Some((b"ab\nc".to_vec(), 2)));
        assert_eq!(read(r"\u{20AC}"), Some(("€".as_bytes().to_vec(), 0)));
        assert_eq!(read(r"\q"), None);
        assert_eq!(read(r"\300"), None);
        assert_eq!(string_literal(b"a\"\\\n\x01\x012"), r#""a\"\\\n\1\0012""#);
    }
}

/// Hostile code never panics either compiler: soups of their tokens, cut anywhere.
#[cfg(test)]
mod soup {
    fn soup(pieces: &[&str], seed: u64, len: usize) -> String {
        let mut x = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let mut out = String::new();
        for _ in 0..len {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            out.push_str(pieces[(x % pieces.len() as u64) as usize]);
        }
        out
    }

    #[test]
    fn token_soups_compile_or_fail_cleanly() {
        let fennel = [
            "(",
            ")",
            "[",
            "]",
            "{",
            "}",
            " ",
            "\n",
            "fn",
            "let",
            "if",
            "match",
            "case",
            "->",
            "-?>",
            "#",
            "$",
            "$1",
            "$...",
            "&",
            "&as",
            ":",
            ":k",
            "\"s\"",
            "\"\\u{",
            "1",
            "-2",
            ".5",
            "x",
            "x.y",
            "a:b",
            "...",
            "values",
            "each",
            "for",
            "icollect",
            "collect",
            "accumulate",
            "set",
            "var",
            "local",
            "global",
            "where",
            "or",
            "=",
            "?.",
            "doto",
            "lua",
            "tset",
            "pick-values",
            ";c",
            "`",
            ",",
            "'",
            "_",
            "?x",
            "nil",
            "true",
        ];
        let moon = [
            "x",
            " ",
            "\n",
            "  ",
            "\t",
            "=",
            "->",
            "=>",
            "(",
            ")",
            "{",
            "}",
            "[",
            "]",
            ",",
            ":",
            "@",
            "@@",
            "\\",
            "!",
            "if",
            "else",
            "elseif",
            "unless",
            "for",
            "in",
            "*",
            "while",
            "class",
            "extends",
            "super",
            "switch",
            "when",
            "export",
            "import",
            "from",
            "local",
            "return",
            "continue",
            "do",
            "then",
            "\"a#{x}\"",
            "'s'",
            "1",
            "..",
            "+=",
            "or=",
            "--c\n",
            "not",
            "and",
            "#",
            "-",
            "[[",
            "]]",
            "with",
            "...",
        ];
        for seed in 0..20_000 {
            let code = soup(&fennel, seed, (seed % 200) as usize);
            let _ = crate::fennel::compile(&code, "soup.fnl", None);
            let _ = crate::fennel::compile(&code, "soup.fnl", Some(["x".to_owned()].into()));
            let code = soup(&moon, seed, (seed % 200) as usize);
            let _ = crate::moon::compile(&code);
        }
    }
}
