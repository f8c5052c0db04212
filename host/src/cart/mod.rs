//! Cart files as the host handles them: read, never parsed.
//!
//! The host only decides which files make a cart (the cart file, and by name the file
//! beside it that completes a WebAssembly cart) and reads them safely: each opened once,
//! refused unless it is a regular file on a real filesystem, read to a fixed limit. What
//! the bytes mean (text, `.tic`, PNG, which language, which module) is for a locked-down
//! runner to find out (`cartbox_runner::cart`); the host learns only what that runner says,
//! a `CartInfo` of fixed limits. A cart file is never written.

use std::fs::File;
use std::io::Read;
use std::os::unix::fs::{FileTypeExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

use cartbox_protocol::cart::{BesideFile, CartFiles};
use cartbox_protocol::message::{HOST_MESSAGE_LIMIT, MODULE_LIMIT};

/// Largest cart file the host reads.
pub const MAX_FILE_SIZE: u64 = 8 << 20;
/// Largest file beside a cart the host reads (a module, or a `.wasmp` project's data).
pub const MAX_BESIDE_SIZE: u64 = MODULE_LIMIT as u64;

// Both files, the name and the message's framing fit one message to the runner.
const _: () = assert!(MAX_FILE_SIZE + MAX_BESIDE_SIZE + (64 << 10) <= HOST_MESSAGE_LIMIT as u64);

/// A cart file that cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum CartError {
    /// The file could not be opened or read.
    #[error("{}: {}", path.display(), describe_io(source))]
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The path is not a regular file on a real filesystem.
    #[error("{}: not a cart file (it is {what})", path.display())]
    NotAFile {
        /// The path.
        path: PathBuf,
        /// What it is instead.
        what: &'static str,
    },
    /// The file is larger than any cart.
    #[error("{}: larger than any cart ({limit} bytes at most)", path.display())]
    TooLarge {
        /// The file.
        path: PathBuf,
        /// The limit.
        limit: u64,
    },
}

fn describe_io(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file".into(),
        std::io::ErrorKind::PermissionDenied => "permission denied".into(),
        _ => e.to_string(),
    }
}

/// A cart to play: its name and its files, as read.
#[derive(Clone, PartialEq, Eq)]
pub struct Cart {
    /// The name used in messages: the path as the user gave it.
    pub name: String,
    /// The files, unparsed.
    pub files: CartFiles,
}

impl std::fmt::Debug for Cart {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Cart")
            .field("name", &self.name)
            .field("extension", &self.files.extension)
            .field("main_len", &self.files.main.len())
            .field(
                "beside",
                &self
                    .files
                    .beside
                    .as_ref()
                    .map(|b| (&b.extension, b.bytes.len())),
            )
            .finish()
    }
}

impl Cart {
    /// Reads the files of the cart at `path`: the file itself and, for a WebAssembly
    /// project or module, the file of the same name that completes it (a `.wasmp`
    /// project's `.wasm`, else `.wat`; a module's `.wasmp`).
    pub fn load(path: &Path) -> Result<Cart, CartError> {
        let extension = extension(path);
        let main = read_file(path, MAX_FILE_SIZE)?.ok_or_else(|| CartError::Io {
            path: path.to_owned(),
            source: std::io::ErrorKind::NotFound.into(),
        })?;
        let mut beside = None;
        for ext in companions(&extension) {
            if let Some(bytes) = read_file(&path.with_extension(ext), MAX_BESIDE_SIZE)? {
                beside = Some(BesideFile {
                    extension: (*ext).to_owned(),
                    bytes: bytes.into(),
                });
                break;
            }
        }
        Ok(Cart {
            name: path.display().to_string(),
            files: CartFiles {
                extension,
                main: main.into(),
                beside,
            },
        })
    }

    /// The files that make up the cart at `path`, as [`Cart::load`] reads them: the cart
    /// file, and the files beside it that would complete it (a `.wasmp` project's `.wasm`
    /// or `.wat`; a bare module's `.wasmp`). What `watch` reloads on, and nothing else.
    pub fn files_of(path: &Path) -> Vec<PathBuf> {
        let mut files = vec![path.to_owned()];
        files.extend(
            companions(&extension(path))
                .iter()
                .map(|ext| path.with_extension(ext)),
        );
        files
    }

    /// A Lua cart from source code alone (for tests and embedders).
    pub fn from_code(name: &str, code: &str) -> Cart {
        Cart {
            name: name.to_owned(),
            files: CartFiles {
                extension: "lua".into(),
                main: code.as_bytes().into(),
                beside: None,
            },
        }
    }

    /// A cart file held in memory, read as a file named `name` would be (its format from
    /// the extension), with nothing beside it.
    pub fn from_bytes(name: &str, bytes: Vec<u8>) -> Cart {
        Cart {
            name: name.to_owned(),
            files: CartFiles {
                extension: extension(Path::new(name)),
                main: bytes.into(),
                beside: None,
            },
        }
    }
}

/// A path's extension, lower case (empty if it has none).
fn extension(path: &Path) -> String {
    path.extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default()
}

/// Reads a whole file of at most `limit` bytes; `None` if there is no such file.
///
/// The file is opened once (without blocking: a FIFO cannot hold the host up) and checked
/// through that descriptor, so it cannot be swapped between the check and the read: it
/// must be a regular file, and not on a filesystem whose "files" are the kernel's (under
/// `/proc` or `/sys` a regular file may block, or never end). At most `limit + 1` bytes
/// are read, whatever size it claims.
/// The extensions of the files beside a cart of `extension` that complete it, in the order
/// they are looked for.
fn companions(extension: &str) -> &'static [&'static str] {
    match extension {
        "wasmp" => &["wasm", "wat"],
        "wasm" | "wat" => &["wasmp"],
        _ => &[],
    }
}

fn read_file(path: &Path, limit: u64) -> Result<Option<Vec<u8>>, CartError> {
    let io = |source| CartError::Io {
        path: path.to_owned(),
        source,
    };
    let not_a_file = |what| CartError::NotAFile {
        path: path.to_owned(),
        what,
    };
    let file = match File::options()
        .read(true)
        .custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY)
        .open(path)
    {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(io(e)),
    };
    let meta = file.metadata().map_err(io)?;
    let kind = meta.file_type();
    if !kind.is_file() {
        return Err(not_a_file(if kind.is_dir() {
            "a directory"
        } else if kind.is_fifo() {
            "a pipe"
        } else if kind.is_socket() {
            "a socket"
        } else {
            "a device"
        }));
    }
    if kernel_filesystem(&file) {
        return Err(not_a_file("a kernel pseudo-file"));
    }
    // The size it says it has is a hint (a kernel file says 0), and the read is bounded
    // whatever it says.
    let hint = meta.len().min(limit) as usize;
    let mut bytes = Vec::with_capacity(hint + 1);
    file.take(limit + 1).read_to_end(&mut bytes).map_err(io)?;
    if bytes.len() as u64 > limit {
        return Err(CartError::TooLarge {
            path: path.to_owned(),
            limit,
        });
    }
    Ok(Some(bytes))
}

/// Whether `file` lives on one of the kernel's own filesystems.
fn kernel_filesystem(file: &File) -> bool {
    use nix::sys::statfs as fs;
    let Ok(stat) = fs::fstatfs(file) else {
        return false;
    };
    [
        fs::PROC_SUPER_MAGIC,
        fs::SYSFS_MAGIC,
        fs::DEBUGFS_MAGIC,
        fs::TRACEFS_MAGIC,
        fs::SECURITYFS_MAGIC,
        fs::CGROUP_SUPER_MAGIC,
        fs::CGROUP2_SUPER_MAGIC,
        fs::BPF_FS_MAGIC,
        fs::DEVPTS_SUPER_MAGIC,
    ]
    .contains(&stat.filesystem_type())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A scratch directory, removed when the test ends.
    struct Scratch(PathBuf);

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

    #[test]
    fn a_project_and_a_module_bring_the_file_beside_them() {
        let d = dir("beside");
        let project = d.0.join("demo.wasmp");
        std::fs::write(&project, "-- script: wasm").unwrap();
        assert_eq!(Cart::load(&project).unwrap().files.beside, None);
        std::fs::write(d.0.join("demo.wat"), "(module)").unwrap();
        let beside = Cart::load(&project).unwrap().files.beside.unwrap();
        assert_eq!(
            (beside.extension.as_str(), &beside.bytes[..]),
            ("wat", &b"(module)"[..])
        );
        // A binary module wins over a text one.
        std::fs::write(d.0.join("demo.wasm"), b"\0asm").unwrap();
        let beside = Cart::load(&project).unwrap().files.beside.unwrap();
        assert_eq!(beside.extension, "wasm");
        let module = Cart::load(&d.0.join("DEMO.wasm".to_lowercase())).unwrap();
        assert_eq!(module.files.extension, "wasm");
        assert_eq!(module.files.beside.unwrap().extension, "wasmp");
        // A Lua cart brings nothing.
        std::fs::write(d.0.join("demo.lua"), "").unwrap();
        assert_eq!(
            Cart::load(&d.0.join("demo.lua")).unwrap().files.beside,
            None
        );
    }

    #[test]
    fn only_regular_files_of_bounded_size_are_read() {
        let d = dir("refused");
        let err = Cart::load(&d.0).unwrap_err().to_string();
        assert!(
            err.ends_with("not a cart file (it is a directory)"),
            "{err}"
        );
        let err = Cart::load(Path::new("/dev/zero")).unwrap_err().to_string();
        assert_eq!(err, "/dev/zero: not a cart file (it is a device)");
        let err = Cart::load(Path::new("/proc/self/status"))
            .unwrap_err()
            .to_string();
        assert_eq!(
            err,
            "/proc/self/status: not a cart file (it is a kernel pseudo-file)"
        );
        let fifo = d.0.join("pipe.lua");
        nix::unistd::mkfifo(&fifo, nix::sys::stat::Mode::S_IRWXU).unwrap();
        let err = Cart::load(&fifo).unwrap_err().to_string();
        assert!(err.ends_with("not a cart file (it is a pipe)"), "{err}");
        let big = d.0.join("big.tic");
        let f = File::create(&big).unwrap();
        f.set_len(MAX_FILE_SIZE + 5).unwrap();
        let err = Cart::load(&big).unwrap_err().to_string();
        assert!(
            err.ends_with(&format!(
                "big.tic: larger than any cart ({MAX_FILE_SIZE} bytes at most)"
            )),
            "{err}"
        );
        let err = Cart::load(&d.0.join("none.lua")).unwrap_err().to_string();
        assert!(err.ends_with("none.lua: no such file"), "{err}");
    }
}
