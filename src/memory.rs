//! Handing freed heap back to the system after a report. glibc keeps what a report freed
//! in its per-thread arenas for the next allocation there; with a year of rows per report
//! and many threads (tokio's workers, SQLite's connection threads) that kept heap is what
//! raises the server's resident memory, not what it is using.

/// Return the free pages of every arena to the system (glibc's `malloc_trim`). Elsewhere
/// the allocator decides for itself, and this does nothing.
pub fn give_back_freed() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: `malloc_trim` takes no pointers and only releases memory no allocation holds.
    #[allow(unsafe_code)]
    unsafe {
        libc::malloc_trim(0);
    }
}
