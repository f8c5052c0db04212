//! TIC-80's languages, and which one a cart is written in (host side: reads cart text only).
//!
//! TIC-80 (`tic_get_script`, src/script.c) walks its languages in id order and takes the
//! first one that either has the cart's language byte (a `.tic`'s LANG chunk, a text cart's
//! `<LANG>` section) as its id, or whose own `script:` tag is in the code with its name:
//! `// script: js`, `;; script: fennel`, `# script: python`. The tag is found as TIC-80's
//! `tic_tool_metatag` finds it: the first `<comment> script:` anywhere in the code, its value
//! trimmed, and only if a newline follows. When nothing matches, TIC-80 plays the cart as
//! its first language, Lua. A text cart's file extension names its language.

/// One of TIC-80's languages, as its `tic_script` config (src/api/*.c) describes it.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct Language {
    /// The language byte of a LANG chunk.
    pub id: u8,
    /// The name, as in `script: NAME`.
    pub name: &'static str,
    /// A text cart's file extension, without its dot.
    pub extension: &'static str,
    /// The single-line comment its `script:` tag is found after.
    pub comment: &'static str,
    /// The comment its text carts write before metadata and data sections (TIC-80's
    /// `projectComment`): `;;` for Fennel, whose tags are found after `;`.
    pub comment_written: &'static str,
}

/// TIC-80's languages in id order (the order a desktop TIC-80 sorts them in).
pub(super) const LANGUAGES: [Language; 12] = [
    lang(10, "lua", "lua", "--", "--"),
    lang(11, "ruby", "rb", "#", "#"),
    lang(12, "js", "js", "//", "//"),
    lang(13, "moon", "moon", "--", "--"),
    // Fennel's comment is one `;`: its carts write `;; script:`, which holds `; script:`.
    lang(14, "fennel", "fnl", ";", ";;"),
    lang(15, "squirrel", "nut", "//", "//"),
    lang(16, "wren", "wren", "//", "//"),
    lang(17, "wasm", "wasmp", "--", "--"),
    lang(18, "janet", "janet", "#", "#"),
    lang(19, "scheme", "scm", ";;", ";;"),
    lang(20, "python", "py", "#", "#"),
    lang(21, "yue", "yue", "--", "--"),
];

const fn lang(
    id: u8,
    name: &'static str,
    extension: &'static str,
    comment: &'static str,
    comment_written: &'static str,
) -> Language {
    Language {
        id,
        name,
        extension,
        comment,
        comment_written,
    }
}

/// The languages Cartbox plays.
pub(super) fn plays(name: &str) -> bool {
    matches!(name, "lua" | "wasm" | "js" | "fennel" | "moon")
}

/// The language a cart is written in, as TIC-80 decides it from its language byte (if it
/// has one) and its code; `None` when nothing names one (TIC-80 then plays it as Lua).
pub(super) fn of_cart(lang: Option<u8>, code: &str) -> Option<&'static Language> {
    LANGUAGES
        .iter()
        .find(|l| lang == Some(l.id) || script_tag(code, l.comment) == Some(l.name))
}

/// The language called `name` (as in `script: NAME`).
pub(super) fn of_name(name: &str) -> Option<&'static Language> {
    LANGUAGES.iter().find(|l| l.name == name)
}

/// The language whose text carts have this extension (lower case, without its dot).
pub(super) fn of_extension(extension: &str) -> Option<&'static Language> {
    LANGUAGES.iter().find(|l| l.extension == extension)
}

/// The value of the first `<comment> script:` tag in `code`, trimmed; `None` without a
/// newline after it (TIC-80 ignores such a tag).
fn script_tag<'a>(code: &'a str, comment: &str) -> Option<&'a str> {
    let needle = format!("{comment} script:");
    let rest = &code[code.find(&needle)? + needle.len()..];
    let line = &rest[..rest.find('\n')?];
    // C's isspace: space, \t, \n, \v, \f, \r.
    Some(line.trim_matches(|c| matches!(c, ' ' | '\t' | '\n' | '\x0b' | '\x0c' | '\r')))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name(lang: Option<u8>, code: &str) -> Option<&'static str> {
        of_cart(lang, code).map(|l| l.name)
    }

    #[test]
    fn every_comment_style_names_its_language() {
        for (code, want) in [
            ("-- script: lua\n", "lua"),
            ("-- script:  moon\n", "moon"),
            ("-- script: yue\n", "yue"),
            ("-- script: wasm\n", "wasm"),
            ("// script: js\n", "js"),
            ("// script: wren\n", "wren"),
            ("// script: squirrel\n", "squirrel"),
            (";; script:  fennel\n", "fennel"),
            ("# script: janet\n", "janet"),
            (";; script: scheme\n", "scheme"),
            ("# script: python\n", "python"),
            ("# script: ruby\n", "ruby"),
            ("# script: janet\r\n", "janet"),
        ] {
            assert_eq!(name(None, code), Some(want), "{code:?}");
        }
    }

    #[test]
    fn tics_rules_for_tags_and_bytes() {
        // A tag in another language's comment style does not count.
        assert_eq!(name(None, "-- script: js\n"), None);
        assert_eq!(name(None, "// script: lua\n"), None);
        // Janet's comment is `#`, not `;;`.
        assert_eq!(name(None, ";; script: janet\n"), None);
        // Exact names only, a newline after the value, exactly one space after the comment.
        assert_eq!(name(None, "-- script: Lua\n"), None);
        assert_eq!(name(None, "-- script: moonscript\n"), None);
        assert_eq!(name(None, "// script: js"), None);
        assert_eq!(name(None, "//script: js\n"), None);
        // Only the first tag of a comment style is read.
        assert_eq!(name(None, "// script: foo\n// script: js\n"), None);
        // The language byte.
        assert_eq!(name(Some(20), "x = 1\n"), Some("python"));
        assert_eq!(name(Some(17), ""), Some("wasm"));
        assert_eq!(name(Some(0), "x = 1\n"), None);
        assert_eq!(name(Some(99), "x = 1\n"), None);
        // Languages are tried in id order, each by its byte or its tag: Lua (10) wins
        // with its tag over a byte naming Python (20), a byte naming Ruby (11) over a tag
        // naming JavaScript (12).
        assert_eq!(name(Some(20), "-- script: lua\n"), Some("lua"));
        assert_eq!(name(Some(11), "// script: js\n"), Some("ruby"));
    }

    #[test]
    fn extensions() {
        for (ext, want) in [
            ("moon", "moon"),
            ("fnl", "fennel"),
            ("js", "js"),
            ("py", "python"),
            ("rb", "ruby"),
            ("wren", "wren"),
            ("nut", "squirrel"),
            ("janet", "janet"),
            ("scm", "scheme"),
            ("yue", "yue"),
        ] {
            assert_eq!(of_extension(ext).map(|l| l.name), Some(want));
        }
        assert_eq!(of_extension("txt"), None);
    }

    /// Issue 13 item 6: `.tic` and `.png` carts are refused naming their language, found as
    /// TIC-80 finds it; item 7: text carts of other languages, by their extension.
    #[test]
    fn carts_in_other_languages_are_refused_naming_it() {
        use crate::cart::{Cart, CartError, parse, png, tic};
        use cartbox_protocol::cart::CartFiles;
        use std::path::Path;
        let load = |name: &str, bytes: &[u8]| -> Result<Cart, String> {
            let files = CartFiles {
                extension: Path::new(name)
                    .extension()
                    .map(|e| e.to_string_lossy().to_ascii_lowercase())
                    .unwrap_or_default(),
                main: bytes.into(),
                beside: None,
            };
            parse(name, &files).map_err(|e| {
                assert!(matches!(e, CartError::Language { .. }), "{e}");
                e.to_string()
            })
        };
        let refusal = |name: &str, lang: &str| {
            format!(
                "{name}: the cart is written in '{lang}'; Cartbox plays Lua, MoonScript, Fennel, JavaScript and WebAssembly carts"
            )
        };
        for (code, lang) in [
            ("// script: wren\nclass Game {}\n", "wren"),
            ("// script: squirrel\nfunction TIC(){}\n", "squirrel"),
            ("# script: janet\n(defn TIC [])\n", "janet"),
            (";; script: scheme\n(define (TIC) 0)\n", "scheme"),
            ("# script: python\ndef TIC(): pass\n", "python"),
            ("# script: ruby\ndef TIC; end\n", "ruby"),
        ] {
            let tic = tic::tests::chunk(5, 0, code.as_bytes());
            let err = load("c.tic", &tic).unwrap_err();
            assert!(err.ends_with(&refusal("c.tic", lang)), "{err}");
            let err = load("c.png", &png::write(&tic, &[])).unwrap_err();
            assert!(err.ends_with(&refusal("c.png", lang)), "{err}");
        }
        // The LANG chunk.
        let mut tic = tic::tests::chunk(5, 0, b"def TIC(): pass\n");
        tic.extend(tic::tests::chunk(20, 0, &[20]));
        let err = load("c.tic", &tic).unwrap_err();
        assert!(err.ends_with(&refusal("c.tic", "python")), "{err}");
        // JavaScript carts play, as text (their comment style) or as .tic and .png.
        let js = format!(
            "// title: js game\n// script: js\nfunction TIC(){{}}\n// <PALETTE>\n// 000:ff0000{}\n// </PALETTE>\n",
            "0".repeat(90)
        );
        let cart = load("game.js", js.as_bytes()).unwrap();
        assert_eq!(cart.meta.script.as_deref(), Some("js"));
        assert_eq!(cart.meta.title.as_deref(), Some("js game"));
        assert_eq!(
            cart.image.code,
            "// title: js game\n// script: js\nfunction TIC(){}"
        );
        assert_eq!(
            cart.image.banks[0].section(cartbox_protocol::cart::Section::Palette)[0],
            0xff
        );
        let cart = load("GAME.JS", b"function TIC(){}\n").unwrap();
        assert_eq!(cart.meta.script.as_deref(), Some("js"));
        let tic = tic::tests::chunk(5, 0, b"// script: js\nfunction TIC(){}\n");
        let cart = load("c.tic", &tic).unwrap();
        assert_eq!(cart.meta.script.as_deref(), Some("js"));
        // Lua carts still play, whether they say so or not; so do carts that name a
        // language TIC-80 does not know (it plays them as Lua).
        for (code, script) in [
            ("-- script: lua\nfunction TIC() end\n", Some("lua")),
            ("function TIC() end\n", None),
            ("-- script: teal\nfunction TIC() end\n", None),
        ] {
            let tic = tic::tests::chunk(5, 0, code.as_bytes());
            let cart = load("c.tic", &tic).unwrap();
            assert_eq!(cart.meta.script.as_deref(), script);
        }
        for (ext, lang) in [
            ("py", "python"),
            ("rb", "ruby"),
            ("wren", "wren"),
            ("nut", "squirrel"),
            ("janet", "janet"),
            ("scm", "scheme"),
            ("yue", "yue"),
            ("PY", "python"),
        ] {
            let name = format!("game.{ext}");
            let err = load(&name, b"anything").unwrap_err();
            assert!(err.ends_with(&refusal(&name, lang)), "{err}");
            let err = Cart::parse_bytes(Path::new(&name), b"x")
                .unwrap_err()
                .to_string();
            assert_eq!(err, refusal(&name, lang));
        }
    }
}
