//! Reading untrusted files: only regular files, of bounded size. A leaf:
//! the scenario loader, `merge` and `diff` all read through here.

use std::path::Path;

/// Reads a regular file of at most `max` bytes: a FIFO, a device such as
/// `/dev/zero` or a folder is refused before anything is read, and a file
/// that grows past `max` while read is refused too.
pub fn read_bounded(path: &Path, max: u64) -> std::io::Result<Vec<u8>> {
    use std::io::{Error, ErrorKind, Read};
    let meta = std::fs::metadata(path)?;
    if !meta.is_file() {
        return Err(Error::new(
            ErrorKind::InvalidInput,
            "not a regular file (a folder, device or FIFO)",
        ));
    }
    if meta.len() > max {
        return Err(Error::new(
            ErrorKind::InvalidInput,
            format!("{} bytes; at most {max} are read", meta.len()),
        ));
    }
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    std::fs::File::open(path)?
        .take(max + 1)
        .read_to_end(&mut bytes)?;
    if bytes.len() as u64 > max {
        return Err(Error::new(
            ErrorKind::InvalidInput,
            format!("grew beyond {max} bytes while read"),
        ));
    }
    Ok(bytes)
}
