//! Opening a file a user named, safely: only regular files are opened (a FIFO, a device
//! such as `/dev/zero`, a socket or a folder is refused from its metadata, before `open`,
//! so nothing blocks waiting for a writer), and reads stop at a stated size with an error
//! that names the file, the limit and the fix, so an endless or growing file cannot fill
//! memory.

use std::fs::File;
use std::io::{Read, Take};
use std::path::Path;

use crate::error::{Error, Result};

/// `path` opened for reading, with its size in bytes; refused when it is not a regular
/// file (symbolic links are followed) or is larger than `cap` bytes. `what` says what the
/// file is for ("CSV table", "image", "autotune cache") in the error.
pub fn open_regular(path: impl AsRef<Path>, what: &str, cap: u64) -> Result<(File, u64)> {
    let path = path.as_ref();
    let io = |source| Error::Io {
        path: Some(path.to_path_buf()),
        source,
    };
    let meta = std::fs::metadata(path).map_err(io)?;
    if !meta.is_file() {
        return Err(Error::FileFormat {
            path: path.display().to_string(),
            detail: format!(
                "not a regular file ({}); a {what} must be a file on disk — copy a pipe's \
                 or device's contents to a file first",
                kind_of(&meta.file_type())
            ),
        });
    }
    let len = meta.len();
    if len > cap {
        return Err(over_cap(path, what, cap));
    }
    Ok((File::open(path).map_err(io)?, len))
}

/// The whole of a regular file of at most `cap` bytes. The read itself is capped too: a
/// file that grows past `cap` while it is read is refused, not followed.
pub fn read_regular(path: impl AsRef<Path>, what: &str, cap: u64) -> Result<Vec<u8>> {
    let path = path.as_ref();
    let (file, len) = open_regular(path, what, cap)?;
    read_opened(file, len, path, what, cap)
}

/// The rest of `file` (opened by [`open_regular`] from `path`, `len` bytes then), refused
/// when it turns out longer than `cap` bytes (a file that grows while it is read).
pub fn read_opened(
    file: File,
    len: u64,
    path: impl AsRef<Path>,
    what: &str,
    cap: u64,
) -> Result<Vec<u8>> {
    let path = path.as_ref();
    let mut bytes = Vec::with_capacity(len.min(cap) as usize);
    let mut capped = CappedRead::new(file, cap);
    capped.read_to_end(&mut bytes).map_err(|source| Error::Io {
        path: Some(path.to_path_buf()),
        source,
    })?;
    if capped.hit_cap() {
        return Err(over_cap(path, what, cap));
    }
    Ok(bytes)
}

/// A reader that yields at most `cap` bytes and then reports whether there was more.
pub struct CappedRead<R: Read> {
    inner: Take<R>,
    cap: u64,
}

impl<R: Read> CappedRead<R> {
    /// Reads `inner` up to `cap` bytes; one more byte is read to tell "exactly `cap`"
    /// from "more than `cap`".
    pub fn new(inner: R, cap: u64) -> Self {
        CappedRead {
            inner: inner.take(cap.saturating_add(1)),
            cap,
        }
    }

    /// Whether the source held more than `cap` bytes (once it has been read to its end).
    pub fn hit_cap(&self) -> bool {
        self.inner.limit() == 0
    }
}

impl<R: Read> Read for CappedRead<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        if self.hit_cap() {
            return Err(std::io::Error::new(
                std::io::ErrorKind::FileTooLarge,
                format!("more than {} bytes", self.cap),
            ));
        }
        Ok(n)
    }
}

/// The error for a file over its size limit.
pub fn over_cap(path: impl AsRef<Path>, what: &str, cap: u64) -> Error {
    let path = path.as_ref();
    Error::FileFormat {
        path: path.display().to_string(),
        detail: format!(
            "larger than the {} wgtrain reads as a {what}; use a smaller file",
            crate::units::human(cap as u128)
        ),
    }
}

/// "FIFO", "character device", … for an error message.
fn kind_of(t: &std::fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if t.is_fifo() {
            return "a FIFO";
        }
        if t.is_char_device() {
            return "a character device";
        }
        if t.is_block_device() {
            return "a block device";
        }
        if t.is_socket() {
            return "a socket";
        }
    }
    if t.is_dir() {
        "a folder"
    } else {
        "not a plain file"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn devices_and_folders_are_refused_before_opening() {
        #[cfg(unix)]
        {
            let e = open_regular(Path::new("/dev/zero"), "CSV table", 1 << 20).unwrap_err();
            assert!(e.to_string().contains("character device"), "{e}");
        }
        let e = open_regular(Path::new("."), "image", 1 << 20).unwrap_err();
        assert!(e.to_string().contains("a folder"), "{e}");
    }

    #[test]
    fn reads_stop_at_the_cap() {
        let mut ok = CappedRead::new(&[1u8, 2, 3][..], 3);
        let mut v = Vec::new();
        ok.read_to_end(&mut v).unwrap();
        assert_eq!((v.len(), ok.hit_cap()), (3, false));
        let mut over = CappedRead::new(&[1u8, 2, 3, 4][..], 3);
        let e = over.read_to_end(&mut Vec::new()).unwrap_err();
        assert_eq!(e.kind(), std::io::ErrorKind::FileTooLarge);
        assert!(over.hit_cap());
    }
}
