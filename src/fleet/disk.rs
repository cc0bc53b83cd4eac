//! Disk figures for the status document: free and total space of the file system holding the
//! data folder (`statvfs`), and the bytes held by downloaded feed objects.
//!
//! Never: writes anything, or fails a status (unknown figures are `None`).

use std::path::Path;

/// Free (for an unprivileged process) and total bytes of the file system holding `path`.
// The field types are u64 on 64-bit Linux and narrower on some 32-bit targets (ARM terminals).
#[allow(clippy::useless_conversion)]
pub fn space(path: &Path) -> Option<(u64, u64)> {
    use std::os::unix::ffi::OsStrExt;
    let c_path = std::ffi::CString::new(path.as_os_str().as_bytes()).ok()?;
    let mut stats = std::mem::MaybeUninit::<libc::statvfs>::zeroed();
    // SAFETY: `c_path` is a NUL-terminated string that outlives the call, and `stats` points to
    // writable memory of the right type; it is read only after statvfs reported success.
    let stats = unsafe {
        if libc::statvfs(c_path.as_ptr(), stats.as_mut_ptr()) != 0 {
            return None;
        }
        stats.assume_init()
    };
    let block = u64::from(stats.f_frsize);
    Some((
        u64::from(stats.f_bavail).saturating_mul(block),
        u64::from(stats.f_blocks).saturating_mul(block),
    ))
}

/// Bytes of the regular files under `dir` (two levels deep at most, as `objects/aa/<sha>`);
/// 0 when it does not exist.
pub fn tree_size(dir: &Path) -> u64 {
    fn walk(dir: &Path, depth: u32) -> u64 {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return 0;
        };
        entries
            .flatten()
            .map(|entry| match entry.file_type() {
                Ok(kind) if kind.is_file() => entry.metadata().map_or(0, |m| m.len()),
                Ok(kind) if kind.is_dir() && depth > 0 => walk(&entry.path(), depth - 1),
                _ => 0,
            })
            .sum()
    }
    walk(dir, 2)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn space_of_a_real_folder_and_of_none() {
        let dir = tempfile::tempdir().expect("temporary directory");
        let (free, total) = space(dir.path()).expect("statvfs of a temporary folder");
        assert!(total > 0 && free <= total, "{free} of {total}");
        assert_eq!(space(&dir.path().join("missing")), None);
    }

    #[test]
    fn tree_size_counts_object_files() {
        let dir = tempfile::tempdir().expect("temporary directory");
        let objects = dir.path().join("objects");
        std::fs::create_dir_all(objects.join("ab")).expect("mkdir");
        std::fs::write(objects.join("ab").join("abcd"), [0u8; 100]).expect("write");
        std::fs::write(objects.join("top"), [0u8; 10]).expect("write");
        assert_eq!(tree_size(&objects), 110);
        assert_eq!(tree_size(&dir.path().join("missing")), 0);
    }
}
