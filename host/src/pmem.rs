//! Persistent memory (`pmem`) kept across runs: 1 KiB per cart, saved by the host from its
//! copy of RAM, written atomically so that a kill at any moment leaves the old or the new
//! version, never half of one.
//!
//! Carts are keyed as TIC-80 keys them: the MD5 of the cart's `-- saveid:` if it has one
//! (carts sharing a save id share their memory), else of its bank 0 data. The runner that
//! parses the cart computes the key (the host parses nothing); the key only names a file
//! in the folder, so a runner that lies about it reaches no more than a cart author could
//! by choosing a save id.

use std::path::{Path, PathBuf};

use cartbox_protocol::ram::PMEM_SIZE;

use crate::fsutil::write_atomically;

/// Where a cart's persistent memory lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PmemFile {
    path: PathBuf,
}

impl PmemFile {
    /// The file for the cart whose key is `key` under `dir`: its name is the key in hex.
    pub fn for_key(dir: &Path, key: &[u8; 16]) -> PmemFile {
        let name: String = key.iter().map(|b| format!("{b:02x}")).collect();
        PmemFile {
            path: dir.join("pmem").join(name),
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
    fn the_file_is_named_by_the_key_in_hex() {
        let mut key = [0u8; 16];
        key[0] = 0xfb;
        key[15] = 0x0e;
        assert_eq!(
            PmemFile::for_key(Path::new("/data"), &key).path(),
            Path::new("/data/pmem/fb00000000000000000000000000000e")
        );
    }
}
