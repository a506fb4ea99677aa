//! The per-thread page that holds the fast generator's state.
//!
//! This is the only module of keysmith with `unsafe` code. The state lives
//! in its own anonymous mapping marked `MADV_WIPEONFORK` (a child process
//! sees the page zeroed, which the generator reads as "not seeded", so it
//! reseeds instead of repeating the parent's output) and `MADV_DONTDUMP`
//! (the key stays out of core dumps).
//!
//! Whether the kernel honours `MADV_WIPEONFORK` (Linux 4.14 and later) is
//! checked once per process. As BoringSSL does, the check first makes sure
//! that `madvise` rejects an invalid advice value: some emulators accept
//! every advice without acting on it, and there a silent success would
//! mean no fork safety. Where the check fails, or on other systems, there
//! is no state at all and every draw goes to the operating system.

#![allow(unsafe_code)]

use super::fast::State;

#[cfg(target_os = "linux")]
mod imp {
    use super::State;
    use std::cell::Cell;
    use std::ptr::NonNull;
    use std::sync::OnceLock;

    /// One mapping holding one `State`.
    pub(super) struct Page {
        ptr: NonNull<State>,
        len: usize,
    }

    fn page_len() -> usize {
        // SAFETY: sysconf has no preconditions.
        let page = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
        let page = usize::try_from(page)
            .ok()
            .filter(|&p| p > 0)
            .unwrap_or(4096);
        std::mem::size_of::<State>().div_ceil(page) * page
    }

    /// A fresh zeroed private anonymous mapping of `len` bytes, or null.
    fn map(len: usize) -> Option<NonNull<libc::c_void>> {
        // SAFETY: an anonymous private mapping with no address hint touches
        // no existing memory; failure is reported as MAP_FAILED.
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
        if p == libc::MAP_FAILED {
            None
        } else {
            NonNull::new(p)
        }
    }

    fn unmap(p: NonNull<libc::c_void>, len: usize) {
        // SAFETY: `p` and `len` describe a mapping made by `map` that
        // nothing refers to any more.
        unsafe {
            libc::munmap(p.as_ptr(), len);
        }
    }

    fn advise(p: NonNull<libc::c_void>, len: usize, advice: libc::c_int) -> bool {
        // SAFETY: madvise on a mapping we own; advice values only change
        // how the kernel treats these pages.
        unsafe { libc::madvise(p.as_ptr(), len, advice) == 0 }
    }

    /// Whether this kernel really wipes marked pages in a child.
    fn wipe_on_fork_supported() -> bool {
        static SUPPORTED: OnceLock<bool> = OnceLock::new();
        *SUPPORTED.get_or_init(|| {
            let len = page_len();
            let Some(p) = map(len) else { return false };
            let rejects_nonsense = !advise(p, len, -1);
            let ok = rejects_nonsense && advise(p, len, libc::MADV_WIPEONFORK);
            unmap(p, len);
            ok
        })
    }

    impl Page {
        fn new() -> Option<Page> {
            if !wipe_on_fork_supported() {
                return None;
            }
            let len = page_len();
            let p = map(len)?;
            if !advise(p, len, libc::MADV_WIPEONFORK) {
                unmap(p, len);
                return None;
            }
            // Best effort: a core dump without this still needs root or the
            // same user to read.
            let _ = advise(p, len, libc::MADV_DONTDUMP);
            Some(Page { ptr: p.cast(), len })
        }

        fn state(&mut self) -> &mut State {
            // SAFETY: the mapping is at least size_of::<State>() bytes,
            // page-aligned (more than State's alignment), zero-filled by the
            // kernel at first and zeroed again in a forked child, and every
            // field of State is plain integer data, for which all bit
            // patterns (all-zero in particular) are valid. `&mut self`
            // guarantees this is the only reference.
            unsafe { self.ptr.as_mut() }
        }
    }

    impl Drop for Page {
        fn drop(&mut self) {
            let len = self.len;
            // Wipe the key and buffer before giving the page back.
            self.state().wipe();
            unmap(self.ptr.cast(), len);
        }
    }

    /// This thread's page, made on first use and unmapped when the thread
    /// exits. `busy` makes `with_state` refuse to run re-entrantly, which
    /// is what makes the `&mut State` it hands out unique.
    struct Slot {
        page: Cell<Option<NonNull<Page>>>,
        busy: Cell<bool>,
        failed: Cell<bool>,
    }

    impl Drop for Slot {
        fn drop(&mut self) {
            if let Some(p) = self.page.take() {
                // SAFETY: `p` came from Box::into_raw in `with_state` and is
                // dropped exactly once, here.
                drop(unsafe { Box::from_raw(p.as_ptr()) });
            }
        }
    }

    thread_local! {
        static SLOT: Slot = const {
            Slot { page: Cell::new(None), busy: Cell::new(false), failed: Cell::new(false) }
        };
    }

    #[inline]
    pub(super) fn with_state<T>(f: impl FnOnce(&mut State) -> T) -> Option<T> {
        SLOT.try_with(|slot| {
            if slot.busy.replace(true) {
                return None;
            }
            let page = match slot.page.get() {
                Some(p) => Some(p),
                None if slot.failed.get() => None,
                None => {
                    let made = Page::new().map(|p| NonNull::from(Box::leak(Box::new(p))));
                    slot.page.set(made);
                    slot.failed.set(made.is_none());
                    made
                }
            };
            let out = page.map(|mut p| {
                // SAFETY: the Page is owned by this thread's slot and lives
                // until the slot is dropped at thread exit; `busy` guarantees
                // no other reference to it exists while `f` runs.
                let page = unsafe { p.as_mut() };
                f(page.state())
            });
            slot.busy.set(false);
            out
        })
        .ok()
        .flatten()
    }

    pub(super) fn supported() -> bool {
        wipe_on_fork_supported()
    }
}

#[cfg(not(target_os = "linux"))]
mod imp {
    use super::State;

    pub(super) fn with_state<T>(_f: impl FnOnce(&mut State) -> T) -> Option<T> {
        None
    }

    pub(super) fn supported() -> bool {
        false
    }
}

/// Runs `f` on this thread's generator state, or returns `None` when there
/// is none (no fork-safe page on this system, or the thread is exiting).
#[inline]
pub(crate) fn with_state<T>(f: impl FnOnce(&mut State) -> T) -> Option<T> {
    imp::with_state(f)
}

/// Whether the fast generator can run here: the kernel honours
/// `MADV_WIPEONFORK`. Where it does not, keysmith uses the operating
/// system's source for every draw.
pub fn fork_safe_state_supported() -> bool {
    imp::supported()
}
