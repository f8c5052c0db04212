//! Cart files: reading them with strict limits and clear errors.
//!
//! The host reads and checks cart files; it never compiles or runs their code (that only
//! happens in a locked runner). A file is only ever read, never written.

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

/// A cart file that cannot be played.
#[derive(Debug)]
pub enum CartError {
    /// The file could not be read.
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The path is not a regular file.
    NotAFile {
        /// The path.
        path: PathBuf,
    },
    /// The extension is not a cart format we know.
    UnknownFormat {
        /// The file.
        path: PathBuf,
    },
    /// The file is larger than any cart.
    TooLarge {
        /// The file.
        path: PathBuf,
        /// Its size.
        size: u64,
    },
    /// The cart is written in a language Cartbox does not run.
    Language {
        /// The file.
        path: PathBuf,
        /// The language the cart names.
        language: String,
    },
    /// Something inside the file is malformed.
    Malformed {
        /// The file.
        path: PathBuf,
        /// Where: "line 12", "section <TILES>, line 40", "chunk 3 at offset 120".
        place: String,
        /// What is wrong.
        message: String,
    },
}

impl fmt::Display for CartError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CartError::Io { path, source } => {
                write!(f, "{}: {}", path.display(), describe_io(source))
            }
            CartError::NotAFile { path } => write!(
                f,
                "{}: not a cart file (it is a directory or a device)",
                path.display()
            ),
            CartError::UnknownFormat { path } => write!(
                f,
                "{}: unknown cart format (expected a .lua, .tic or .png cart)",
                path.display()
            ),
            CartError::TooLarge { path, size } => {
                write!(
                    f,
                    "{}: {size} bytes is larger than any cart ({MAX_FILE_SIZE} at most)",
                    path.display()
                )
            }
            CartError::Language { path, language } => write!(
                f,
                "{}: the cart is written in '{language}'; Cartbox plays Lua carts",
                path.display()
            ),
            CartError::Malformed {
                path,
                place,
                message,
            } => write!(f, "{}:{place}: {message}", path.display()),
        }
    }
}

impl std::error::Error for CartError {}

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
    /// `script`.
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
}

impl fmt::Debug for Cart {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Cart")
            .field("name", &self.name)
            .field("code_len", &self.image.code.len())
            .finish()
    }
}

impl Cart {
    /// Reads a cart file. The format comes from the extension.
    pub fn load(path: &Path) -> Result<Cart, CartError> {
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
        if meta.len() > MAX_FILE_SIZE {
            return Err(CartError::TooLarge {
                path: path.to_owned(),
                size: meta.len(),
            });
        }
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase);
        if !matches!(ext.as_deref(), Some("lua" | "tic" | "png")) {
            return Err(CartError::UnknownFormat {
                path: path.to_owned(),
            });
        }
        let bytes = std::fs::read(path).map_err(io)?;
        if bytes.len() as u64 > MAX_FILE_SIZE {
            return Err(CartError::TooLarge {
                path: path.to_owned(),
                size: bytes.len() as u64,
            });
        }
        let mut cart = if ext.as_deref() == Some("lua") {
            text::parse(path, &bytes)?
        } else {
            // A .png is a picture with a .tic inside; TIC-80 also lets a .tic be a PNG.
            let tic = if png::is_png(&bytes) {
                png::extract(path, &bytes)?
            } else {
                bytes
            };
            let parsed = tic::parse(path, &tic)?;
            let meta = metadata(&parsed.image.code);
            let mut cart = Cart {
                name: path.display().to_string(),
                image: parsed.image,
                meta,
            };
            if parsed.lang.is_some_and(|l| l != LANG_LUA) || !parsed.binary.is_empty() {
                cart.meta.script = Some(language_name(parsed.lang.unwrap_or(LANG_WASM)).to_owned());
            }
            cart
        };
        if let Some(lang) = cart.meta.script.as_deref()
            && !lang.eq_ignore_ascii_case("lua")
        {
            return Err(CartError::Language {
                path: path.to_owned(),
                language: lang.to_owned(),
            });
        }
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
        }
    }
}

impl Cart {
    /// The cart as a binary `.tic` file (what TIC-80's `save name.tic` writes).
    pub fn to_tic(&self) -> Vec<u8> {
        tic::write(&self.image)
    }

    /// The cart as a PNG cart: a cover showing its screen, with the cart inside.
    pub fn to_png(&self) -> Vec<u8> {
        let pal = self.image.banks[0].section(Section::Palette);
        let screen = self.image.banks[0].section(Section::Screen);
        let rgb: Vec<u8> = (0..ram::WIDTH * ram::HEIGHT)
            .flat_map(|i| {
                let c = usize::from((screen[i >> 1] >> ((i & 1) * 4)) & 0x0f);
                [pal[3 * c], pal[3 * c + 1], pal[3 * c + 2]]
            })
            .collect();
        png::write(&self.to_tic(), &rgb)
    }
}

/// TIC-80's language ids (the LANG chunk).
const LANG_LUA: u8 = 10;
const LANG_WASM: u8 = 17;

fn language_name(id: u8) -> &'static str {
    match id {
        10 => "lua",
        11 => "ruby",
        12 => "js",
        13 => "moon",
        14 => "fennel",
        15 => "squirrel",
        16 => "wren",
        17 => "wasm",
        18 => "janet",
        19 => "scheme",
        20 => "python",
        _ => "an unknown language",
    }
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

fn metadata(code: &str) -> Metadata {
    Metadata {
        title: metatag(code, "title"),
        author: metatag(code, "author"),
        script: metatag(code, "script"),
        saveid: metatag(code, "saveid"),
        menu: metatag(code, "menu")
            .map(|m| m.split_whitespace().map(str::to_owned).collect())
            .unwrap_or_default(),
    }
}
