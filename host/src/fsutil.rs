//! Writing files so that a reader (or a crash) never sees half of one.

use std::io::Write;
use std::path::{Path, PathBuf};

/// Writes `bytes` to `path` atomically: a temporary file in the same directory, flushed
/// to disk, renamed over `path`, and the directory flushed so the rename itself lasts.
/// Temporary files that killed writers left behind for the same file are removed.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut f = AtomicFile::create(path)?;
    match f.write_all(bytes) {
        Ok(()) => f.commit(),
        Err(e) => {
            f.abandon();
            Err(e)
        }
    }
}

/// A file written in pieces that appears at its path whole or not at all (see
/// [`write_atomically`]): until [`AtomicFile::commit`] it is `.NAME.PID.tmp` beside it.
#[derive(Debug)]
pub struct AtomicFile {
    path: PathBuf,
    tmp: PathBuf,
    file: std::fs::File,
}

impl AtomicFile {
    /// Starts the temporary file for `path`.
    pub fn create(path: &Path) -> std::io::Result<AtomicFile> {
        let name = path
            .file_name()
            .ok_or_else(|| std::io::Error::other("not a file name"))?;
        let tmp = path.with_file_name(format!(
            ".{}.{}.tmp",
            name.to_string_lossy(),
            std::process::id()
        ));
        let file = std::fs::File::create(&tmp)?;
        Ok(AtomicFile {
            path: path.to_owned(),
            tmp,
            file,
        })
    }

    /// Flushes the file to disk and renames it into place (the directory flushed too).
    /// On failure the temporary file is removed and whatever was at the path stays.
    /// Killed writers' leftovers are removed before the rename, so that once the new
    /// file is visible, nothing of theirs is.
    pub fn commit(self) -> std::io::Result<()> {
        let dir = dir_of(&self.path).to_owned();
        let result = self.file.sync_all().and_then(|()| {
            if let Some(name) = self.path.file_name() {
                remove_stale_temporaries(&dir, &name.to_string_lossy());
            }
            std::fs::rename(&self.tmp, &self.path)
        });
        if result.is_err() {
            let _ = std::fs::remove_file(&self.tmp);
            return result;
        }
        if let Ok(d) = std::fs::File::open(&dir) {
            let _ = d.sync_all();
        }
        Ok(())
    }

    /// Gives up: the temporary file goes, whatever was at the path stays.
    pub fn abandon(self) {
        let _ = std::fs::remove_file(&self.tmp);
    }
}

impl std::io::Seek for AtomicFile {
    fn seek(&mut self, pos: std::io::SeekFrom) -> std::io::Result<u64> {
        self.file.seek(pos)
    }
}

impl Write for AtomicFile {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.file.write(buf)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.file.flush()
    }
}

fn dir_of(path: &Path) -> &Path {
    path.parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
}

/// The first `STEM-N.EXT` in `dir` that does not exist yet (N from 1): where screenshots
/// and recordings go without replacing anything.
pub fn next_free(dir: &Path, stem: &str, ext: &str) -> PathBuf {
    (1u32..)
        .map(|n| dir.join(format!("{stem}-{n}.{ext}")))
        .find(|p| !p.exists())
        .unwrap_or_else(|| dir.join(format!("{stem}.{ext}")))
}

/// Removes `.NAME.PID.tmp` files in `dir` whose process no longer exists (a writer killed
/// between creating and renaming its file). A live writer's file is left alone.
fn remove_stale_temporaries(dir: &Path, name: &str) {
    let prefix = format!(".{name}.");
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let file = entry.file_name();
        let Some(pid) = file
            .to_str()
            .and_then(|f| f.strip_prefix(&prefix))
            .and_then(|f| f.strip_suffix(".tmp"))
            .and_then(|p| p.parse::<u32>().ok())
        else {
            continue;
        };
        if pid != std::process::id() && !Path::new(&format!("/proc/{pid}")).exists() {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn replaces_the_file_whole() {
        let dir = std::env::temp_dir().join(format!("cartbox-fsutil-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let p = dir.join("f.bin");
        super::write_atomically(&p, b"one").unwrap();
        super::write_atomically(&p, b"second").unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), b"second");
        assert_eq!(
            std::fs::read_dir(&dir).unwrap().count(),
            1,
            "no temporary file left"
        );
        // A killed writer's leftover goes at the next write; a live one's stays.
        let dead = dir.join(format!(".f.bin.{}.tmp", u32::MAX - 1));
        let live = dir.join(".f.bin.1.tmp");
        std::fs::write(&dead, b"x").unwrap();
        std::fs::write(&live, b"x").unwrap();
        super::write_atomically(&p, b"third").unwrap();
        assert!(!dead.exists() && live.exists());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
