//! How the process asks the C allocator to treat memory a run frees: keep it for the next run.
//!
//! A sweep builds and drops a world per run, on several threads. With glibc's defaults, every
//! large buffer a run frees (age histograms, minute series, the log's block table) goes back to
//! the kernel, and the next run faults the same pages in again, zeroed: about 6% of a sweep's
//! CPU time was the kernel doing that. Raising the thresholds keeps freed memory in the process
//! for reuse. Results cannot change: only where memory comes from does.

/// Freed blocks below this size stay in the process (glibc's default moves up from 128 KiB).
#[cfg(all(target_os = "linux", target_env = "gnu"))]
const MMAP_THRESHOLD: i32 = 64 << 20;
/// Free memory at the top of a heap is returned to the kernel only beyond this.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
const TRIM_THRESHOLD: i32 = 256 << 20;

/// Sets the allocator's thresholds for the rest of the process (glibc only; elsewhere nothing).
pub(super) fn keep_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: `mallopt` only sets allocator parameters; it is called before any other thread
    // starts, and a refused setting (return value 0) leaves glibc's default in place.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, MMAP_THRESHOLD);
        libc::mallopt(libc::M_TRIM_THRESHOLD, TRIM_THRESHOLD);
    }
}
