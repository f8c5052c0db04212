//! Cart files: reading them with strict limits and clear errors.
//!
//! The host reads and checks cart files; it never compiles or runs their code (that only
//! happens in a locked runner). A file is only ever read, never written.

mod language;
mod png;
mod text;
mod tic;

use std::fmt;
use std::path::{Path, PathBuf};

use cartbox_protocol::cart::{CartImage, Section};
use cartbox_protocol::ram;

/// Largest cart file we read.
pub const MAX_FILE_SIZE: u64 = 16 << 20;
/// Largest code TIC-80 accepts (8 banks of 64 KiB).
pub const MAX_CODE_SIZE: usize = 512 << 10;
/// Largest WebAssembly module we pass on (it must fit one message to the runner).
pub const MAX_MODULE_SIZE: usize = cartbox_protocol::message::MODULE_LIMIT;

/// A cart file that cannot be played.
#[derive(Debug, thiserror::Error)]
pub enum CartError {
    /// The file could not be read.
    #[error("{}: {}", path.display(), describe_io(source))]
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The path is not a regular file.
    #[error("{}: not a cart file (it is a directory or a device)", path.display())]
    NotAFile {
        /// The path.
        path: PathBuf,
    },
    /// The extension is not a cart format we know.
    #[error(
        "{}: unknown cart format (expected a .lua, .tic, .png, .wasm, .wasmp or .wat cart)",
        path.display()
    )]
    UnknownFormat {
        /// The file.
        path: PathBuf,
    },
    /// The file is larger than any cart.
    #[error("{}: {size} bytes is larger than any cart ({MAX_FILE_SIZE} at most)", path.display())]
    TooLarge {
        /// The file.
        path: PathBuf,
        /// Its size.
        size: u64,
    },
    /// The cart is written in a language Cartbox does not run.
    #[error(
        "{}: the cart is written in '{language}'; Cartbox plays Lua and WebAssembly carts",
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

fn describe_io(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file".into(),
        std::io::ErrorKind::PermissionDenied => "permission denied".into(),
        _ => e.to_string(),
    }
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

impl Cart {
    /// Reads a cart file that Cartbox can play. The format comes from the extension.
    pub fn load(path: &Path) -> Result<Cart, CartError> {
        let cart = Cart::read(path)?;
        if cart.meta.script.as_deref() == Some("wasm") && cart.module.is_none() {
            return Err(CartError::NoModule {
                path: path.to_owned(),
                expected: "play a .tic with a BINARY chunk, a .wasmp project with its .wasm \
                           beside it, or a .wasm or .wat file"
                    .into(),
            });
        }
        if let Some(lang) = cart.meta.script.as_deref()
            && lang != "lua"
            && lang != "wasm"
        {
            return Err(CartError::Language {
                path: path.to_owned(),
                language: lang.to_owned(),
            });
        }
        Ok(cart)
    }

    /// Reads a cart file of any language.
    fn read(path: &Path) -> Result<Cart, CartError> {
        let meta = std::fs::metadata(path).map_err(|source| CartError::Io {
            path: path.to_owned(),
            source,
        })?;
        if !meta.is_file() {
            return Err(CartError::NotAFile {
                path: path.to_owned(),
            });
        }
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase);
        refuse_other_text_carts(path, ext.as_deref())?;
        if !matches!(
            ext.as_deref(),
            Some("lua" | "tic" | "png" | "wasm" | "wasmp" | "wat")
        ) {
            return Err(CartError::UnknownFormat {
                path: path.to_owned(),
            });
        }
        let bytes = read_bounded(path, MAX_FILE_SIZE)?;
        let mut cart = match ext.as_deref() {
            Some("lua") => text::parse(path, &bytes)?,
            Some("wasmp") => {
                // A text project: metadata and data; the module is the .wasm beside it (what
                // TIC-80's `import binary` would have put in the cart).
                // A text module beside it does as well.
                let mut cart = text::parse(path, &bytes)?;
                let (binary, text) = (path.with_extension("wasm"), path.with_extension("wat"));
                cart.module = Some(if binary.is_file() {
                    read_module(&binary)?
                } else if text.is_file() {
                    read_text_module(&text)?
                } else {
                    return Err(CartError::NoModule {
                        path: path.to_owned(),
                        expected: format!(
                            "neither {} nor {} is there",
                            binary.display(),
                            text.display()
                        ),
                    });
                });
                cart.meta.script = Some("wasm".into());
                cart
            }
            Some("wasm" | "wat") => {
                // A bare module, with the data of a .wasmp project beside it if there is one.
                let module = if ext.as_deref() == Some("wasm") {
                    check_module(path, bytes)?
                } else {
                    check_size(path, bytes)?
                };
                let project = path.with_extension("wasmp");
                let mut cart = if project.is_file() {
                    let bytes = read_bounded(&project, MAX_FILE_SIZE)?;
                    text::parse(&project, &bytes)?
                } else {
                    Cart::from_code(&path.display().to_string(), "")
                };
                cart.name = path.display().to_string();
                cart.module = Some(module);
                cart.meta.script = Some("wasm".into());
                cart
            }
            _ => binary(path, &bytes)?,
        };
        apply_fallbacks(&mut cart.image);
        Ok(cart)
    }

    /// Parses a cart held in memory as the file `path` would be read: text for `.lua`, else
    /// a `.tic` or PNG cart (a WebAssembly cart's module comes from its BINARY chunks).
    /// Never touches the filesystem: what the fuzzers and property tests drive.
    pub fn parse_bytes(path: &Path, bytes: &[u8]) -> Result<Cart, CartError> {
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase);
        refuse_other_text_carts(path, ext.as_deref())?;
        let is_lua = ext.as_deref() == Some("lua");
        let mut cart = if is_lua {
            text::parse(path, bytes)?
        } else {
            binary(path, bytes)?
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
            return Ok(tic::write(&self.image, None));
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
        Ok(tic::write(&image, Some(module)))
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
        Some(l) if l.name != "lua" && l.name != "wasm" => Err(CartError::Language {
            path: path.to_owned(),
            language: l.name.to_owned(),
        }),
        _ => Ok(()),
    }
}

/// Reads a whole file of at most `max` bytes.
fn read_bounded(path: &Path, max: u64) -> Result<Vec<u8>, CartError> {
    let io = |source| CartError::Io {
        path: path.to_owned(),
        source,
    };
    let meta = std::fs::metadata(path).map_err(io)?;
    if !meta.is_file() {
        return Err(CartError::NotAFile {
            path: path.to_owned(),
        });
    }
    let too_large = |size| CartError::TooLarge {
        path: path.to_owned(),
        size,
    };
    if meta.len() > max {
        return Err(too_large(meta.len()));
    }
    let bytes = std::fs::read(path).map_err(io)?;
    if bytes.len() as u64 > max {
        return Err(too_large(bytes.len() as u64));
    }
    Ok(bytes)
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
    let meta = metadata(&parsed.image.code, parsed.lang);
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

/// Reads a text (`.wat`) module file.
fn read_text_module(path: &Path) -> Result<Vec<u8>, CartError> {
    let bytes = read_bounded(path, MAX_FILE_SIZE)?;
    check_size(path, bytes)
}

/// Reads a binary module file.
fn read_module(path: &Path) -> Result<Vec<u8>, CartError> {
    let bytes = read_bounded(path, MAX_FILE_SIZE)?;
    check_module(path, bytes)
}

/// The checks the host makes of a module before passing it on: its size and its magic
/// number. Everything else is for the runner's compiler.
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

/// Reads a metadata tag: the first `-- tag:` in the code, value trimmed, to the end of
/// its line.
fn metatag(code: &str, tag: &str) -> Option<String> {
    let needle = format!("-- {tag}:");
    let at = code.find(&needle)? + needle.len();
    let rest = &code[at..];
    let end = rest.find('\n')?;
    Some(rest[..end].trim().to_owned())
}

/// A cart's metadata, from its code and its language byte (LANG chunk or section).
fn metadata(code: &str, lang: Option<u8>) -> Metadata {
    Metadata {
        title: metatag(code, "title"),
        author: metatag(code, "author"),
        script: language::of_cart(lang, code).map(|l| l.name.to_owned()),
        saveid: metatag(code, "saveid"),
        menu: metatag(code, "menu")
            .map(|m| m.split_whitespace().map(str::to_owned).collect())
            .unwrap_or_default(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A scratch directory, removed when the test ends.
    struct Scratch(PathBuf);

    impl std::ops::Deref for Scratch {
        type Target = Path;
        fn deref(&self) -> &Path {
            &self.0
        }
    }

    impl Drop for Scratch {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    fn dir(name: &str) -> Scratch {
        let d = std::env::temp_dir().join(format!("cartbox-cart-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        Scratch(d)
    }

    /// The smallest module: magic and version.
    const MODULE: &[u8] = b"\0asm\x01\0\0\0";

    const PROJECT: &str = "-- title: zig demo\n-- script: wasm\n\"\"\" stub \"\"\"\n\n-- <PALETTE>\n-- 000:ff00001a1c2c1a1c2c1a1c2c1a1c2c1a1c2c1a1c2c1a1c2c1a1c2c1a1c2c1a1c2c1a1c2c1a1c2c1a1c2c1a1c2c1a1c2c\n-- </PALETTE>\n";

    fn chunk(kind: u8, bank: u8, data: &[u8]) -> Vec<u8> {
        let mut out = vec![kind | (bank << 5)];
        out.extend_from_slice(&(data.len() as u16).to_le_bytes());
        out.push(0);
        out.extend_from_slice(data);
        out
    }

    #[test]
    fn a_project_takes_the_module_beside_it() {
        let d = dir("project");
        let project = d.join("demo.wasmp");
        std::fs::write(&project, PROJECT).unwrap();
        let err = Cart::read(&project).unwrap_err().to_string();
        assert!(
            err.contains("needs its module")
                && err.contains("neither")
                && err.contains("demo.wasm nor"),
            "{err}"
        );
        std::fs::write(d.join("demo.wasm"), MODULE).unwrap();
        let cart = Cart::read(&project).unwrap();
        assert_eq!(cart.module.as_deref(), Some(MODULE));
        assert_eq!(cart.meta.title.as_deref(), Some("zig demo"));
        assert_eq!(
            cart.image.banks[0].section(Section::Palette)[..3],
            [0xff, 0, 0]
        );
        // The same pair opened through the module: the project's data comes along.
        let cart = Cart::read(&d.join("demo.wasm")).unwrap();
        assert_eq!(cart.module.as_deref(), Some(MODULE));
        assert_eq!(
            cart.image.banks[0].section(Section::Palette)[..3],
            [0xff, 0, 0]
        );
        assert!(cart.name.ends_with("demo.wasm"));
        assert_eq!(
            Cart::load(&project).unwrap().module.as_deref(),
            Some(MODULE)
        );
    }

    #[test]
    fn a_bare_module_gets_empty_data_and_a_bad_one_is_refused() {
        let d = dir("bare");
        let path = d.join("m.wasm");
        std::fs::write(&path, MODULE).unwrap();
        let cart = Cart::read(&path).unwrap();
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
        std::fs::write(&path, b"(module)").unwrap();
        let err = Cart::read(&path).unwrap_err().to_string();
        assert!(
            err.ends_with(
                "m.wasm: module: not a WebAssembly module (it does not start with \"\\0asm\")"
            ),
            "{err}"
        );
        let mut big = MODULE.to_vec();
        big.resize(MAX_MODULE_SIZE + 1, 0);
        std::fs::write(&path, &big).unwrap();
        let err = Cart::read(&path).unwrap_err().to_string();
        assert!(err.contains("larger than the largest module"), "{err}");
        // Text modules are for the runner to parse.
        let wat = d.join("m.wat");
        std::fs::write(&wat, "(module)").unwrap();
        assert_eq!(
            Cart::read(&wat).unwrap().module.as_deref(),
            Some(&b"(module)"[..])
        );
    }

    #[test]
    fn a_binary_chunk_makes_a_tic_a_wasm_cart() {
        let d = dir("tic");
        let path = d.join("w.tic");
        let mut tic = chunk(20, 0, &[17]);
        tic.extend(chunk(19, 0, MODULE));
        std::fs::write(&path, &tic).unwrap();
        let cart = Cart::read(&path).unwrap();
        assert_eq!(cart.module.as_deref(), Some(MODULE));
        // Declared wasm, with no module.
        std::fs::write(&path, chunk(20, 0, &[17])).unwrap();
        let err = Cart::read(&path).unwrap_err().to_string();
        assert!(err.contains("the cart has no BINARY chunk"), "{err}");
        // A Lua cart stays a Lua cart.
        std::fs::write(&path, chunk(5, 0, b"function TIC() end")).unwrap();
        assert_eq!(Cart::read(&path).unwrap().module, None);
    }
}
