//! Persistent memory (`pmem`) kept across runs: 1 KiB per cart, saved by the host from its
//! copy of RAM, written atomically so that a kill at any moment leaves the old or the new
//! version, never half of one.
//!
//! Carts are keyed as TIC-80 keys them: the MD5 of the cart's `-- saveid:` if it has one
//! (carts sharing a save id share their memory), else of its bank 0 data.

use std::path::{Path, PathBuf};

use cartbox_protocol::cart::Section;
use cartbox_protocol::ram::PMEM_SIZE;
use md5::{Digest, Md5};

use crate::cart::Cart;
use crate::fsutil::write_atomically;

/// Where a cart's persistent memory lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PmemFile {
    path: PathBuf,
}

impl PmemFile {
    /// The file for `cart` under `dir`.
    pub fn for_cart(dir: &Path, cart: &Cart) -> PmemFile {
        let mut md5 = Md5::new();
        match cart.meta.saveid.as_deref().filter(|s| !s.is_empty()) {
            Some(id) => md5.update(&id.as_bytes()[..id.len().min(63)]),
            None => {
                for s in Section::ALL {
                    md5.update(cart.image.banks[0].section(s));
                }
            }
        }
        let key: String = md5.finalize().iter().map(|b| format!("{b:02x}")).collect();
        PmemFile {
            path: dir.join("pmem").join(key),
        }
    }

    /// The file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The saved memory, or zeros if there is none (or it cannot be read).
    pub fn load(&self) -> [u8; PMEM_SIZE] {
        let mut out = [0u8; PMEM_SIZE];
        if let Ok(bytes) = std::fs::read(&self.path) {
            let n = bytes.len().min(PMEM_SIZE);
            out[..n].copy_from_slice(&bytes[..n]);
        }
        out
    }

    /// Saves `data` atomically, creating the folder if needed.
    pub fn save(&self, data: &[u8; PMEM_SIZE]) -> std::io::Result<()> {
        if let Some(dir) = self.path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        write_atomically(&self.path, data)
    }
}

/// Cartbox's data folder: `$CARTBOX_HOME`, else `$XDG_DATA_HOME/cartbox`, else
/// `~/.local/share/cartbox`.
pub fn default_dir() -> Option<PathBuf> {
    let env = |k| {
        std::env::var_os(k)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    };
    env("CARTBOX_HOME")
        .or_else(|| env("XDG_DATA_HOME").map(|d| d.join("cartbox")))
        .or_else(|| env("HOME").map(|h| h.join(".local/share/cartbox")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_follow_saveid_or_bank0() {
        let dir = Path::new("/data");
        let mut a = Cart::from_code("a.lua", "-- a");
        let b = Cart::from_code("b.lua", "-- b");
        // Same bank 0, different code: the same key, as in TIC-80.
        assert_eq!(PmemFile::for_cart(dir, &a), PmemFile::for_cart(dir, &b));
        a.meta.saveid = Some("mygame".into());
        let f = PmemFile::for_cart(dir, &a);
        // MD5("mygame"), the file name TIC-80 would use too.
        assert_eq!(
            f.path(),
            Path::new("/data/pmem/fbd3bfd662458118187723214f8e360e")
        );
        assert_ne!(f, PmemFile::for_cart(dir, &b));
    }
}
