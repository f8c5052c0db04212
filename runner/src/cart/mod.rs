//! Cart files, parsed inside the runner: text carts, `.tic` and PNG carts, WebAssembly
//! projects and modules, from the bytes the host read (it parses nothing of a cart).
//!
//! Everything here reads hostile bytes: every size is bounded, every error is one line
//! naming the file and the place (text quoted from the file is escaped and cut short), and
//! nothing panics. The runner that parses a cart tells the host only a [`CartInfo`] of
//! fixed limits, then plays it, or writes it in another format for `cartbox export`.

mod language;
mod png;
mod text;
mod tic;

use std::fmt;
use std::path::{Path, PathBuf};

use cartbox_protocol::cart::{
    CURSOR_SPRITES, CartFiles, CartImage, CartInfo, Language, MENU_ITEM_LIMIT, MENU_ITEMS_LIMIT,
    Section, TITLE_LIMIT,
};
use cartbox_protocol::ram;
use md5::{Digest, Md5};

/// Largest code TIC-80 accepts (8 banks of 64 KiB).
pub const MAX_CODE_SIZE: usize = 512 << 10;
/// Largest WebAssembly module we pass on (it must fit one message to the runner).
pub const MAX_MODULE_SIZE: usize = cartbox_protocol::message::MODULE_LIMIT;

/// A cart file that cannot be played.
#[derive(Debug, thiserror::Error)]
pub enum CartError {
    /// The extension is not a cart format we know.
    #[error(
        "{}: unknown cart format (expected a .lua, .tic, .png, .wasm, .wasmp or .wat cart)",
        path.display()
    )]
    UnknownFormat {
        /// The file.
        path: PathBuf,
    },
    /// The cart is written in a language Cartbox does not run.
    #[error(
        "{}: the cart is written in '{language}'; Cartbox plays Lua, MoonScript, Fennel, JavaScript and WebAssembly carts",
        path.display()
    )]
    Language {
        /// The file.
        path: PathBuf,
        /// The language the cart names.
        language: String,
    },
    /// A WebAssembly cart without its module.
    #[error("{}: a WebAssembly cart needs its module: {expected}", path.display())]
    NoModule {
        /// The file.
        path: PathBuf,
        /// Where the module was looked for.
        expected: String,
    },
    /// Something inside the file is malformed.
    #[error("{}:{place}: {message}", path.display())]
    Malformed {
        /// The file.
        path: PathBuf,
        /// Where: "line 12", "section `<TILES>`, line 40", "chunk 3 at offset 120".
        place: String,
        /// What is wrong.
        message: String,
    },
}

/// Metadata from the code's comments (`-- title: ...`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Metadata {
    /// `title`.
    pub title: Option<String>,
    /// `author`.
    pub author: Option<String>,
    /// The language the cart is written in (`lua`, `wasm`, `js`...), found as TIC-80 finds
    /// it: its language byte (a LANG chunk or section), else a `script:` tag written in that
    /// language's comment style. `None` when nothing names one: TIC-80 plays it as Lua.
    pub script: Option<String>,
    /// `saveid`.
    pub saveid: Option<String>,
    /// `menu` items.
    pub menu: Vec<String>,
}

/// A cart ready to play.
#[derive(Clone, PartialEq, Eq)]
pub struct Cart {
    /// The name used in messages: the path as the user gave it.
    pub name: String,
    /// Code and banks.
    pub image: CartImage,
    /// Metadata.
    pub meta: Metadata,
    /// The WebAssembly module of a wasm cart (binary, or text from a `.wat` file); `None`
    /// for a Lua cart. The host never compiles or validates it: only a runner does.
    pub module: Option<Vec<u8>>,
}

impl fmt::Debug for Cart {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Cart")
            .field("name", &self.name)
            .field("code_len", &self.image.code.len())
            .field("module_len", &self.module.as_ref().map(Vec::len))
            .finish()
    }
}

/// Parses a cart from the files the host read: `files.main` is the file `name` (its
/// extension `files.extension`), `files.beside` the file of the same name that completes it.
/// Refuses a cart in a language Cartbox does not play, and a WebAssembly cart without its
/// module.
pub fn parse(name: &str, files: &CartFiles) -> Result<Cart, CartError> {
    let path = Path::new(name);
    let ext = files.extension.to_ascii_lowercase();
    refuse_other_text_carts(path, Some(&ext))?;
    let beside = |wanted: &[&str]| {
        files
            .beside
            .as_ref()
            .filter(|b| wanted.contains(&b.extension.as_str()))
    };
    let mut cart = match ext.as_str() {
        "lua" => text::parse(path, &files.main)?,
        "js" | "fnl" | "moon" => text::parse_in(path, &files.main, language::of_extension(&ext))?,
        "wasmp" => {
            // A text project: metadata and data; the module is the .wasm (or .wat) beside
            // it, what TIC-80's `import binary` would have put in the cart.
            let mut cart = text::parse(path, &files.main)?;
            let Some(module) = beside(&["wasm", "wat"]) else {
                return Err(CartError::NoModule {
                    path: path.to_owned(),
                    expected: format!(
                        "neither {} nor {} is there",
                        path.with_extension("wasm").display(),
                        path.with_extension("wat").display()
                    ),
                });
            };
            let module_path = path.with_extension(&module.extension);
            cart.module = Some(if module.extension == "wasm" {
                check_module(&module_path, module.bytes.to_vec())?
            } else {
                check_size(&module_path, module.bytes.to_vec())?
            });
            cart.meta.script = Some("wasm".into());
            cart
        }
        "wasm" | "wat" => {
            // A bare module, with the data of a .wasmp project beside it if there is one.
            let module = if ext == "wasm" {
                check_module(path, files.main.to_vec())?
            } else {
                check_size(path, files.main.to_vec())?
            };
            let mut cart = match beside(&["wasmp"]) {
                Some(project) => text::parse(&path.with_extension("wasmp"), &project.bytes)?,
                None => Cart::from_code(name, ""),
            };
            cart.name = name.to_owned();
            cart.module = Some(module);
            cart.meta.script = Some("wasm".into());
            cart
        }
        "tic" | "png" => binary(path, &files.main)?,
        _ => {
            return Err(CartError::UnknownFormat {
                path: path.to_owned(),
            });
        }
    };
    apply_fallbacks(&mut cart.image);
    if cart.meta.script.as_deref() == Some("wasm") && cart.module.is_none() {
        return Err(CartError::NoModule {
            path: path.to_owned(),
            expected: "play a .tic with a BINARY chunk, a .wasmp project with its .wasm \
                       beside it, or a .wasm or .wat file"
                .into(),
        });
    }
    if let Some(lang) = cart.meta.script.as_deref()
        && !language::plays(lang)
    {
        return Err(CartError::Language {
            path: path.to_owned(),
            language: lang.to_owned(),
        });
    }
    Ok(cart)
}

/// What the host is told of a parsed cart, cut to the limits [`CartInfo`] sets; with its
/// persistent memory key if `pmem_key`.
pub fn info(cart: &Cart, pmem_key: bool) -> CartInfo {
    let bank = &cart.image.banks[0];
    let pmem_key = pmem_key.then(|| {
        let mut md5 = Md5::new();
        // TIC-80's key: the save id (at most 63 bytes of it), else the bank 0 data.
        match cart.meta.saveid.as_deref().filter(|s| !s.is_empty()) {
            Some(id) => md5.update(&id.as_bytes()[..id.len().min(63)]),
            None => {
                for s in Section::ALL {
                    md5.update(bank.section(s));
                }
            }
        }
        md5.finalize().into()
    });
    CartInfo {
        language: if cart.module.is_some() {
            Language::Wasm
        } else {
            Language::Lua
        },
        title: cart.meta.title.as_deref().map(|t| cut(t, TITLE_LIMIT)),
        menu: cart
            .meta
            .menu
            .iter()
            .take(MENU_ITEMS_LIMIT)
            .map(|m| cut(m, MENU_ITEM_LIMIT))
            .collect(),
        pmem_key,
        has_cover: bank.section(Section::Screen).iter().any(|b| *b != 0),
        script: if cart.module.is_some() {
            "wasm".into()
        } else {
            cut(
                cart.meta.script.as_deref().unwrap_or("lua"),
                cartbox_protocol::cart::SCRIPT_LIMIT,
            )
        },
        cursor_sprites: bank.section(Section::Sprites)[..CURSOR_SPRITES * 32].to_vec(),
        cursor_palette: bank.section(Section::Palette)[..48].to_vec(),
    }
}

/// `s` cut to at most `limit` bytes, at a character boundary.
fn cut(s: &str, limit: usize) -> String {
    let mut end = s.len().min(limit);
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    s[..end].to_owned()
}

impl Cart {
    /// Parses a cart held in memory as the file `path` would be read: text for `.lua`, else
    /// a `.tic` or PNG cart (a WebAssembly cart's module comes from its BINARY chunks).
    /// Never touches the filesystem: what the fuzzers and property tests drive.
    pub fn parse_bytes(path: &Path, bytes: &[u8]) -> Result<Cart, CartError> {
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase);
        refuse_other_text_carts(path, ext.as_deref())?;
        let mut cart = match ext.as_deref() {
            Some("lua") => text::parse(path, bytes)?,
            Some(e @ ("js" | "fnl" | "moon")) => {
                text::parse_in(path, bytes, language::of_extension(e))?
            }
            _ => binary(path, bytes)?,
        };
        apply_fallbacks(&mut cart.image);
        Ok(cart)
    }

    /// A cart from source code alone (for tests and embedders), with the default palette.
    pub fn from_code(name: &str, code: &str) -> Cart {
        let mut image = CartImage {
            code: code.to_owned(),
            ..CartImage::default()
        };
        image.banks[0].section_mut(Section::Palette)[..48].copy_from_slice(&ram::SWEETIE16);
        Cart {
            name: name.to_owned(),
            image,
            meta: Metadata::default(),
            module: None,
        }
    }
}

impl Cart {
    /// The cart as a binary `.tic` file (what TIC-80's `save name.tic` writes).
    /// Fails for a WebAssembly cart whose module TIC-80's format cannot hold: a text
    /// module (`.wat`), or one larger than four 64 KiB chunks.
    pub fn to_tic(&self) -> Result<Vec<u8>, String> {
        let Some(module) = &self.module else {
            // A language other than Lua is named by a LANG chunk, as TIC-80 saves it: a
            // `.fnl` or `.js` text cart needs no `script:` tag to stay what it is.
            let lang = self
                .meta
                .script
                .as_deref()
                .filter(|s| *s != "lua")
                .and_then(language::of_name)
                .map(|l| l.id);
            return Ok(tic::write(&self.image, lang, None));
        };
        if !module.starts_with(b"\0asm") {
            return Err(format!(
                "{}: the module is WebAssembly text; a .tic holds binary modules (convert \
                 it with wat2wasm first)",
                self.name
            ));
        }
        if module.len() > tic::MAX_BINARY_SIZE {
            return Err(format!(
                "{}: a {}-byte module does not fit a .tic ({} bytes at most)",
                self.name,
                module.len(),
                tic::MAX_BINARY_SIZE
            ));
        }
        // TIC-80 refuses a cart with empty code, whatever its language.
        let mut image = self.image.clone();
        if image.code.trim().is_empty() {
            image.code = "-- WebAssembly cart: its module is in the BINARY chunks\n".into();
        }
        Ok(tic::write(&image, Some(tic::LANG_WASM), Some(module)))
    }

    /// Makes `screen` (4-bit pixels, as the screen in RAM) the cart's cover: bank 0's
    /// SCREEN section, as TIC-80's F7 does.
    pub fn set_cover(&mut self, screen: &[u8]) -> Result<(), String> {
        let cover = self.image.banks[0].section_mut(Section::Screen);
        if screen.len() != cover.len() {
            return Err(format!(
                "a cover is {} bytes of 4-bit pixels, not {}",
                cover.len(),
                screen.len()
            ));
        }
        cover.copy_from_slice(screen);
        Ok(())
    }

    /// The cart as a PNG cart: a cover showing its screen, with the cart inside.
    pub fn to_png(&self) -> Result<Vec<u8>, String> {
        let pal = self.image.banks[0].section(Section::Palette);
        let screen = self.image.banks[0].section(Section::Screen);
        let rgb: Vec<u8> = (0..ram::WIDTH * ram::HEIGHT)
            .flat_map(|i| {
                let c = usize::from((screen[i >> 1] >> ((i & 1) * 4)) & 0x0f);
                [pal[3 * c], pal[3 * c + 1], pal[3 * c + 2]]
            })
            .collect();
        Ok(png::write(&self.to_tic()?, &rgb))
    }
}

/// Refuses a text cart in a language we do not play, by its extension (`.js`, `.fnl`...).
fn refuse_other_text_carts(path: &Path, ext: Option<&str>) -> Result<(), CartError> {
    match ext.and_then(language::of_extension) {
        Some(l) if !language::plays(l.name) => Err(CartError::Language {
            path: path.to_owned(),
            language: l.name.to_owned(),
        }),
        _ => Ok(()),
    }
}

/// A `.tic` cart, or a PNG cart with one inside.
fn binary(path: &Path, bytes: &[u8]) -> Result<Cart, CartError> {
    // A .png is a picture with a .tic inside; TIC-80 also lets a .tic be a PNG.
    let tic = if png::is_png(bytes) {
        png::extract(path, bytes)?
    } else {
        bytes.to_vec()
    };
    let parsed = tic::parse(path, &tic)?;
    let meta = metadata(&parsed.image.code, parsed.lang, None);
    let mut cart = Cart {
        name: path.display().to_string(),
        image: parsed.image,
        meta,
        module: None,
    };
    // A cart that names no language but carries a module is a WebAssembly cart.
    let wasm = match cart.meta.script.as_deref() {
        Some(lang) => lang == "wasm",
        None => !parsed.binary.is_empty(),
    };
    if wasm {
        if parsed.binary.is_empty() {
            return Err(CartError::NoModule {
                path: path.to_owned(),
                expected: "the cart has no BINARY chunk".into(),
            });
        }
        cart.module = Some(check_module(path, parsed.binary)?);
        cart.meta.script = Some("wasm".into());
    }
    Ok(cart)
}

/// The size check every module passes, binary or text.
fn check_size(path: &Path, bytes: Vec<u8>) -> Result<Vec<u8>, CartError> {
    if bytes.len() > MAX_MODULE_SIZE {
        return Err(malformed_module(
            path,
            format!(
                "{} bytes is larger than the largest module Cartbox plays ({MAX_MODULE_SIZE})",
                bytes.len()
            ),
        ));
    }
    Ok(bytes)
}

fn malformed_module(path: &Path, message: String) -> CartError {
    CartError::Malformed {
        path: path.to_owned(),
        place: " module".into(),
        message,
    }
}

/// The checks a module passes before it is compiled: its size and its magic number.
/// Everything else is for the compiler.
fn check_module(path: &Path, bytes: Vec<u8>) -> Result<Vec<u8>, CartError> {
    let bytes = check_size(path, bytes)?;
    if !bytes.starts_with(b"\0asm") {
        return Err(malformed_module(
            path,
            "not a WebAssembly module (it does not start with \"\\0asm\")".into(),
        ));
    }
    Ok(bytes)
}

/// TIC-80's loader gives a cart whose bank-0 palette is all zero the legacy DB16 palette
/// (old carts saved before SWEETIE-16 became the default rely on it).
fn apply_fallbacks(image: &mut CartImage) {
    let pal = image.banks[0].section_mut(Section::Palette);
    if pal[..48].iter().all(|b| *b == 0) {
        pal[..48].copy_from_slice(&ram::DB16);
    }
}

/// Reads a metadata tag: the first `<comment> tag:` in the code, value trimmed, to the end
/// of its line.
fn metatag(code: &str, tag: &str, comment: &str) -> Option<String> {
    let needle = format!("{comment} {tag}:");
    let at = code.find(&needle)? + needle.len();
    let rest = &code[at..];
    let end = rest.find('\n')?;
    Some(rest[..end].trim().to_owned())
}

/// A cart's metadata, from its code and its language byte (LANG chunk or section); a text
/// cart's extension names its language when nothing in it does. Tags are read after the
/// language's comment (`-- title:`, `// title:`).
fn metadata(code: &str, lang: Option<u8>, named: Option<&'static language::Language>) -> Metadata {
    let language = language::of_cart(lang, code).or(named);
    let c = language.map_or("--", |l| l.comment);
    Metadata {
        title: metatag(code, "title", c),
        author: metatag(code, "author", c),
        script: language.map(|l| l.name.to_owned()),
        saveid: metatag(code, "saveid", c),
        menu: metatag(code, "menu", c)
            .map(|m| m.split_whitespace().map(str::to_owned).collect())
            .unwrap_or_default(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use cartbox_protocol::cart::BesideFile;

    /// The smallest module: magic and version.
    const MODULE: &[u8] = b"\0asm\x01\0\0\0";

    const PROJECT: &str = "-- title: zig demo\n-- script: wasm\n\"\"\" stub \"\"\"\n\n-- <PALETTE>\n-- 000:ff00001a1c2c1a1c2c1a1c2c1a1c2c1a1c2c1a1c2c1a1c2c1a1c2c1a1c2c1a1c2c1a1c2c1a1c2c1a1c2c1a1c2c1a1c2c\n-- </PALETTE>\n";

    fn files(extension: &str, main: &[u8], beside: Option<(&str, &[u8])>) -> CartFiles {
        CartFiles {
            extension: extension.into(),
            main: main.into(),
            beside: beside.map(|(e, b)| BesideFile {
                extension: e.into(),
                bytes: b.into(),
            }),
        }
    }

    fn chunk(kind: u8, bank: u8, data: &[u8]) -> Vec<u8> {
        let mut out = vec![kind | (bank << 5)];
        out.extend_from_slice(&(data.len() as u16).to_le_bytes());
        out.push(0);
        out.extend_from_slice(data);
        out
    }

    #[test]
    fn a_project_takes_the_module_beside_it() {
        let project = PROJECT.as_bytes();
        let err = parse("d/demo.wasmp", &files("wasmp", project, None))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("needs its module")
                && err.contains("neither")
                && err.contains("d/demo.wasm nor d/demo.wat"),
            "{err}"
        );
        let cart = parse(
            "d/demo.wasmp",
            &files("wasmp", project, Some(("wasm", MODULE))),
        )
        .unwrap();
        assert_eq!(cart.module.as_deref(), Some(MODULE));
        assert_eq!(cart.meta.title.as_deref(), Some("zig demo"));
        assert_eq!(
            cart.image.banks[0].section(Section::Palette)[..3],
            [0xff, 0, 0]
        );
        // The same pair opened through the module: the project's data comes along.
        let cart = parse(
            "d/demo.wasm",
            &files("wasm", MODULE, Some(("wasmp", project))),
        )
        .unwrap();
        assert_eq!(cart.module.as_deref(), Some(MODULE));
        assert_eq!(
            cart.image.banks[0].section(Section::Palette)[..3],
            [0xff, 0, 0]
        );
        assert_eq!(cart.name, "d/demo.wasm");
        assert_eq!(info(&cart, false).language, Language::Wasm);
    }

    #[test]
    fn a_bare_module_gets_empty_data_and_a_bad_one_is_refused() {
        let cart = parse("m.wasm", &files("wasm", MODULE, None)).unwrap();
        assert_eq!(cart.meta.script.as_deref(), Some("wasm"));
        assert_eq!(
            cart.image.banks[0].section(Section::Palette)[..48],
            ram::SWEETIE16
        );
        assert!(
            cart.image.banks[0]
                .section(Section::Tiles)
                .iter()
                .all(|b| *b == 0)
        );
        let err = parse("m.wasm", &files("wasm", b"(module)", None))
            .unwrap_err()
            .to_string();
        assert_eq!(
            err,
            "m.wasm: module: not a WebAssembly module (it does not start with \"\\0asm\")"
        );
        let mut big = MODULE.to_vec();
        big.resize(MAX_MODULE_SIZE + 1, 0);
        let err = parse("m.wasm", &files("wasm", &big, None))
            .unwrap_err()
            .to_string();
        assert!(err.contains("larger than the largest module"), "{err}");
        // Text modules are for the compiler to parse.
        let cart = parse("m.wat", &files("wat", b"(module)", None)).unwrap();
        assert_eq!(cart.module.as_deref(), Some(&b"(module)"[..]));
    }

    #[test]
    fn a_binary_chunk_makes_a_tic_a_wasm_cart() {
        let mut tic = chunk(20, 0, &[17]);
        tic.extend(chunk(19, 0, MODULE));
        let cart = parse("w.tic", &files("tic", &tic, None)).unwrap();
        assert_eq!(cart.module.as_deref(), Some(MODULE));
        // Declared wasm, with no module.
        let err = parse("w.tic", &files("tic", &chunk(20, 0, &[17]), None))
            .unwrap_err()
            .to_string();
        assert!(err.contains("the cart has no BINARY chunk"), "{err}");
        // A Lua cart stays a Lua cart.
        let lua = chunk(5, 0, b"function TIC() end");
        let cart = parse("w.tic", &files("tic", &lua, None)).unwrap();
        assert_eq!(cart.module, None);
        assert_eq!(info(&cart, false).language, Language::Lua);
    }

    #[test]
    fn other_languages_are_refused_by_extension_and_by_tag() {
        let err = parse("notes.txt", &files("txt", b"hello", None))
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("notes.txt: unknown cart format"), "{err}");
        let err = parse("a.py", &files("py", b"def TIC(): pass", None))
            .unwrap_err()
            .to_string();
        assert!(err.contains("written in 'python'"), "{err}");
        let cart = parse("a.fnl", &files("fnl", b"(fn _G.TIC [])", None)).unwrap();
        assert_eq!(cart.meta.script.as_deref(), Some("fennel"));
        let err = parse(
            "a.lua",
            &files("lua", b"-- script: yue\nexport TIC=->", None),
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("'yue'"), "{err}");
    }

    #[test]
    fn info_keys_by_save_id_and_keeps_to_its_limits() {
        let long = "x".repeat(300);
        let menu: String = (0..40).map(|i| format!("ITEM{i} ")).collect();
        let code =
            format!("-- title: {long}\n-- menu: {menu}\n-- saveid: mygame\nfunction TIC() end\n");
        let a = parse("a.lua", &files("lua", code.as_bytes(), None)).unwrap();
        let i = info(&a, true);
        assert!(i.within_limits());
        assert_eq!(info(&a, false).pmem_key, None, "a key nobody asked for");
        assert_eq!(i.title.as_deref().map(str::len), Some(TITLE_LIMIT));
        assert_eq!(i.menu.len(), MENU_ITEMS_LIMIT);
        assert_eq!(i.menu[0], "ITEM0");
        // Same save id, other code: the same key; no save id: keyed by the data.
        let b = parse("b.lua", &files("lua", b"-- saveid: mygame\n-- other", None)).unwrap();
        assert_eq!(info(&b, true).pmem_key, i.pmem_key);
        // MD5("mygame"): the file name TIC-80 uses too.
        let key = i.pmem_key.expect("the key asked for");
        let hex: String = key.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(hex, "fbd3bfd662458118187723214f8e360e");
        let c = parse("c.lua", &files("lua", b"-- c", None)).unwrap();
        let d = parse("d.lua", &files("lua", b"-- d", None)).unwrap();
        assert_ne!(info(&c, true).pmem_key, i.pmem_key);
        // Both have the same (default) bank 0 data.
        assert_eq!(info(&c, true).pmem_key, info(&d, true).pmem_key);
        assert_eq!(cut("héllo", 2), "h");
    }
}
