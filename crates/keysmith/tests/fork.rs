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

#[test]
fn parent_and_child_differ_after_fork() {
    assert_eq!(keysmith::rng::source(), keysmith::rng::Source::Fast);
    assert!(
        keysmith::rng::fork_safe_state_supported(),
        "this kernel should honour MADV_WIPEONFORK (Linux 4.14+)"
    );
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
    // Forking did not make the parent reseed: only the children did.
    assert_eq!(keysmith::rng::thread_reseeds(), 1);
}
