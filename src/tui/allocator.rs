//! Freed memory goes back to the system while the viewer runs.
//!
//! Opening a long run hands the screen partial copies of the index and then
//! drops them. glibc raises its mmap threshold each time a large block is
//! freed (up to 32 MiB), so the later copies land in its heap, and once
//! freed they stay there as holes the process still holds: about 100 MB on
//! a million-attempt run. A fixed threshold keeps every large block in its
//! own mapping, returned whole on free.

/// Blocks from this size up get a mapping of their own (glibc's initial
/// threshold, kept fixed).
#[cfg(all(target_os = "linux", target_env = "gnu"))]
const MMAP_THRESHOLD: libc::c_int = 128 * 1024;

pub(super) fn return_large_blocks_on_free() {
    // SAFETY: mallopt only sets an allocator parameter; it is called before
    // the viewer starts its threads.
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, MMAP_THRESHOLD);
    }
}
