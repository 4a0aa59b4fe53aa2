//! An append-only vector whose copies share one buffer: a clone is a
//! pointer and a length. A push by a copy that ends where the buffer's
//! filled part ends writes in place; any other push (by an older copy, or
//! past the capacity) copies first. A live refresh copies
//! the trace index of the run on screen and appends the new events: with
//! the entries in here, appending ten events to three million copies ten.
//!
//! Why this is sound: every slot is written once, before any copy can read
//! it. A copy reads only its first `len` slots. A slot is written only by
//! the copy that claimed it, by moving `claimed` from its own length to one
//! more; a copy that loses that race (or comes second) copies into a
//! buffer of its own.

use std::fmt;
use std::mem::ManuallyDrop;
use std::ptr::NonNull;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

pub struct SharedVec<T: Copy> {
    buf: Arc<Buffer<T>>,
    /// The slots this copy holds: `buf[..len]`, all written.
    len: usize,
}

struct Buffer<T> {
    ptr: NonNull<T>,
    cap: usize,
    /// Slots handed out so far: a copy of length `n` may write slot `n`
    /// only after moving this from `n` to `n + 1`.
    claimed: AtomicUsize,
}

// SAFETY: a `Buffer` owns its allocation like a `Vec`; the rules above
// keep a slot from being written while any copy can read it.
unsafe impl<T: Copy + Send + Sync> Send for Buffer<T> {}
unsafe impl<T: Copy + Send + Sync> Sync for Buffer<T> {}

impl<T> Buffer<T> {
    fn from_vec(vec: Vec<T>) -> Buffer<T> {
        let mut vec = ManuallyDrop::new(vec);
        Buffer {
            // A `Vec`'s pointer is never null (dangling when it holds nothing).
            ptr: NonNull::new(vec.as_mut_ptr()).unwrap_or(NonNull::dangling()),
            cap: vec.capacity(),
            claimed: AtomicUsize::new(vec.len()),
        }
    }
}

impl<T> Drop for Buffer<T> {
    fn drop(&mut self) {
        // SAFETY: the pointer and capacity are those of the `Vec` this was
        // made from; length 0, as `T: Copy` elements need no drop.
        drop(unsafe { Vec::from_raw_parts(self.ptr.as_ptr(), 0, self.cap) });
    }
}

impl<T: Copy> SharedVec<T> {
    pub fn new() -> SharedVec<T> {
        SharedVec::from(Vec::new())
    }

    pub fn as_slice(&self) -> &[T] {
        // SAFETY: the first `len` slots were written before this copy had
        // them (by itself, or by the copy it was cloned from), and are not
        // written again while it exists.
        unsafe { std::slice::from_raw_parts(self.buf.ptr.as_ptr(), self.len) }
    }

    pub fn push(&mut self, value: T) {
        if !self.claim_next() {
            // Grown as a `Vec` grows (in place where the allocator can)
            // when this copy holds the buffer alone, else copied.
            if !self.alone(|vec| vec.reserve(1)) {
                self.copy_into_new(self.len.saturating_mul(2).max(self.len + 4));
            }
            // A buffer this copy holds alone has room at its end; checked
            // anyway, as the write below relies on it.
            assert!(self.claim_next(), "a buffer of its own has room at its end");
        }
        // SAFETY: slot `len` is inside the buffer and was claimed by this
        // copy just now: no copy reads it, and no other copy writes it.
        unsafe { self.buf.ptr.as_ptr().add(self.len).write(value) };
        self.len += 1;
    }

    /// Room for `additional` more pushes without copying (unless another
    /// copy appends first).
    pub fn reserve(&mut self, additional: usize) {
        let wanted = self.len.saturating_add(additional);
        let at_end = self.buf.claimed.load(Ordering::Acquire) == self.len;
        if (wanted > self.buf.cap || !at_end) && !self.alone(|vec| vec.reserve(additional)) {
            self.copy_into_new(wanted.max(self.len.saturating_mul(2)));
        }
    }

    /// Drops spare capacity when this copy holds the buffer alone (a
    /// shared buffer is left as it is: the others use it).
    pub fn shrink_to_fit(&mut self) {
        if self.buf.cap != self.len {
            self.alone(Vec::shrink_to_fit);
        }
    }

    pub fn capacity(&self) -> usize {
        self.buf.cap
    }

    /// Moves `claimed` from `len` to `len + 1` when there is room.
    fn claim_next(&self) -> bool {
        self.len < self.buf.cap
            && (self.buf.claimed)
                .compare_exchange(self.len, self.len + 1, Ordering::AcqRel, Ordering::Acquire)
                .is_ok()
    }

    /// Applies `change` to the buffer as a `Vec` of this copy's length,
    /// when this copy is its only holder (with a `Vec`'s reallocation, a
    /// large buffer grows or shrinks without a copy, and the allocator
    /// keeps no freed copies around); false, and nothing done, when it is
    /// shared.
    fn alone(&mut self, change: impl FnOnce(&mut Vec<T>)) -> bool {
        let empty = Arc::new(Buffer::from_vec(Vec::new()));
        // Empty until the change is done: should it panic (a capacity
        // overflow), this copy is left empty, never reading freed memory.
        let len = std::mem::take(&mut self.len);
        match Arc::try_unwrap(std::mem::replace(&mut self.buf, empty)) {
            Ok(buf) => {
                let buf = ManuallyDrop::new(buf);
                // SAFETY: the parts of the `Vec` the buffer was made from
                // (not freed: the buffer is not dropped), its first `len`
                // slots written.
                let mut vec = unsafe { Vec::from_raw_parts(buf.ptr.as_ptr(), len, buf.cap) };
                change(&mut vec);
                self.buf = Arc::new(Buffer::from_vec(vec));
                self.len = len;
                true
            }
            Err(shared) => {
                self.buf = shared;
                self.len = len;
                false
            }
        }
    }

    /// This copy's elements in a buffer of its own with room for `cap`.
    fn copy_into_new(&mut self, cap: usize) {
        let mut vec = Vec::with_capacity(cap.max(self.len));
        vec.extend_from_slice(self.as_slice());
        self.buf = Arc::new(Buffer::from_vec(vec));
    }
}

impl<T: Copy> From<Vec<T>> for SharedVec<T> {
    fn from(vec: Vec<T>) -> SharedVec<T> {
        let len = vec.len();
        SharedVec {
            buf: Arc::new(Buffer::from_vec(vec)),
            len,
        }
    }
}

impl<T: Copy> Default for SharedVec<T> {
    fn default() -> SharedVec<T> {
        SharedVec::new()
    }
}

impl<T: Copy> Clone for SharedVec<T> {
    fn clone(&self) -> SharedVec<T> {
        SharedVec {
            buf: Arc::clone(&self.buf),
            len: self.len,
        }
    }
}

impl<T: Copy> std::ops::Deref for SharedVec<T> {
    type Target = [T];

    fn deref(&self) -> &[T] {
        self.as_slice()
    }
}

impl<T: Copy + PartialEq> PartialEq for SharedVec<T> {
    fn eq(&self, other: &SharedVec<T>) -> bool {
        self.as_slice() == other.as_slice()
    }
}

impl<T: Copy + fmt::Debug> fmt::Debug for SharedVec<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.as_slice().fmt(f)
    }
}

#[cfg(test)]
mod tests;
