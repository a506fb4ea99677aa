//! After `fork()`, parent and child must not produce the same bytes.
//!
//! This file holds a single test so that no other test thread is running
//! (and perhaps holding a lock) when the process forks.

#![cfg(target_os = "linux")]

use std::collections::HashSet;

fn child_bytes() -> ([u8; 32], [u8; 32]) {
    let mut fds = [0i32; 2];
    // SAFETY: pipe writes two descriptors into the array we pass.
    assert_eq!(unsafe { libc::pipe(fds.as_mut_ptr()) }, 0);
    // SAFETY: the child only draws (no allocation: this thread's state
    // already exists), writes to the pipe and calls _exit.
    let pid = unsafe { libc::fork() };
    assert!(pid >= 0, "fork failed");
    if pid == 0 {
        let mut b = [0u8; 32];
        keysmith::fill_bytes(&mut b);
        // SAFETY: writing our own buffer to our own pipe, then exiting
        // without running the parent's destructors.
        unsafe {
            libc::write(fds[1], b.as_ptr().cast(), b.len());
            libc::_exit(0);
        }
    }
    let mut parent = [0u8; 32];
    keysmith::fill_bytes(&mut parent);
    let mut child = [0u8; 32];
    // SAFETY: reading into our buffer from our pipe; then reaping the child.
    unsafe {
        libc::close(fds[1]);
        let n = libc::read(fds[0], child.as_mut_ptr().cast(), child.len());
        assert_eq!(n, 32, "child wrote nothing");
        libc::close(fds[0]);
        let mut status = 0;
        libc::waitpid(pid, &mut status, 0);
        assert!(libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0);
    }
    (parent, child)
}

/// Whether this kernel honours `MADV_WIPEONFORK`, asked directly rather
/// than through keysmith (whose own check is what is under test): `Ok` if
/// it does, `Err(why not)` if it cannot be had here. Kernels before 4.14
/// answer `EINVAL`; an emulator that accepts every advice value cannot be
/// told apart from one that honours it. Any other failure of `madvise` is
/// a broken system, and panics.
fn kernel_wipes_on_fork() -> Result<(), String> {
    // SAFETY: sysconf has no preconditions.
    let len = usize::try_from(unsafe { libc::sysconf(libc::_SC_PAGESIZE) }).unwrap_or(4096);
    // SAFETY: a fresh private anonymous mapping touches no existing memory.
    let p = unsafe {
        libc::mmap(
            std::ptr::null_mut(),
            len,
            libc::PROT_READ | libc::PROT_WRITE,
            libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
            -1,
            0,
        )
    };
    assert_ne!(p, libc::MAP_FAILED, "cannot map a page");
    // SAFETY: madvise on the mapping just made; advice only changes how the
    // kernel treats it.
    let nonsense_accepted = unsafe { libc::madvise(p, len, -1) } == 0;
    // SAFETY: as above.
    let wipe = unsafe { libc::madvise(p, len, libc::MADV_WIPEONFORK) };
    let err = std::io::Error::last_os_error();
    // SAFETY: unmapping the page mapped above, which nothing refers to.
    unsafe { libc::munmap(p, len) };
    if nonsense_accepted {
        return Err(
            "madvise accepts an invalid advice value (an emulator?), so \
                    MADV_WIPEONFORK support cannot be told"
                .into(),
        );
    }
    match wipe {
        0 => Ok(()),
        _ if err.raw_os_error() == Some(libc::EINVAL) => Err(
            "the kernel does not support MADV_WIPEONFORK (madvise: EINVAL; Linux 4.14+ has it)"
                .into(),
        ),
        _ => panic!("madvise(MADV_WIPEONFORK) failed: {err}"),
    }
}

#[test]
fn parent_and_child_differ_after_fork() {
    assert_eq!(keysmith::rng::source(), keysmith::rng::Source::Fast);
    let supported = kernel_wipes_on_fork();
    // keysmith's own answer must match the kernel's, either way: a library
    // that missed the feature would lose its fast source, one that claimed
    // it without it would repeat output in children.
    assert_eq!(
        keysmith::rng::fork_safe_state_supported(),
        supported.is_ok(),
        "keysmith and the kernel disagree about MADV_WIPEONFORK ({supported:?})"
    );
    if let Err(why) = &supported {
        eprintln!(
            "skipping the wipe-on-fork check: {why}; \
             checking that every draw goes to the operating system instead"
        );
    }
    // Make sure this thread's state exists and has buffered output that a
    // child without the wipe would repeat.
    let mut warm = [0u8; 8];
    keysmith::fill_bytes(&mut warm);

    let mut seen = HashSet::new();
    for _ in 0..100 {
        let (parent, child) = child_bytes();
        assert_ne!(parent, child, "child repeated the parent's output");
        assert!(seen.insert(parent), "output repeated across forks");
        assert!(seen.insert(child), "two children produced the same bytes");
    }
    // Forking did not make the parent reseed: only the children did. With
    // no fast generator there is no state, and nothing is ever seeded.
    let expected_reseeds = u64::from(supported.is_ok());
    assert_eq!(keysmith::rng::thread_reseeds(), expected_reseeds);
}
