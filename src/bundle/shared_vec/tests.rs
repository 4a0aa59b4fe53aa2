use std::sync::Arc;

use super::SharedVec;

fn shares_buffer<T: Copy>(a: &SharedVec<T>, b: &SharedVec<T>) -> bool {
    Arc::ptr_eq(&a.buf, &b.buf)
}

#[test]
fn the_copy_at_the_end_appends_in_place_and_the_other_copies() {
    let mut a = SharedVec::from((0..100u32).collect::<Vec<_>>());
    a.reserve(10);
    let mut b = a.clone();
    assert!(shares_buffer(&a, &b));
    a.push(100);
    assert!(
        shares_buffer(&a, &b),
        "the first push after the end is in place"
    );
    b.push(999);
    assert!(
        !shares_buffer(&a, &b),
        "the second copy of that length copies"
    );
    assert_eq!(a.as_slice(), (0..=100).collect::<Vec<_>>());
    let mut expected: Vec<u32> = (0..100).collect();
    expected.push(999);
    assert_eq!(b.as_slice(), expected);
}

#[test]
fn shrinking_a_shared_buffer_leaves_it_to_the_others() {
    let mut a: SharedVec<u64> = SharedVec::from(Vec::with_capacity(64));
    for value in [1, 2, 3] {
        a.push(value);
    }
    let b = a.clone();
    a.shrink_to_fit();
    assert!(shares_buffer(&a, &b) && a.capacity() >= 64);
    drop(b);
    a.shrink_to_fit();
    assert_eq!((a.capacity(), a.as_slice()), (3, &[1, 2, 3][..]));
}

/// Copies on several threads append at once: each ends with the common
/// prefix and its own values, whichever won the race for the shared end.
#[test]
fn copies_appending_on_threads_at_once_each_keep_their_own() {
    for round in 0..20 {
        let mut base = SharedVec::from((0..1000u32).collect::<Vec<_>>());
        base.reserve(5000);
        let handles: Vec<_> = (0..4u32)
            .map(|t| {
                let mut copy = base.clone();
                std::thread::spawn(move || {
                    for i in 0..1000 {
                        copy.push(1_000_000 * (t + 1) + i);
                    }
                    copy
                })
            })
            .collect();
        for (t, handle) in (0..4u32).zip(handles) {
            let copy = handle.join().expect("thread");
            let mut expected: Vec<u32> = (0..1000).collect();
            expected.extend((0..1000).map(|i| 1_000_000 * (t + 1) + i));
            assert_eq!(copy.as_slice(), expected, "round {round}, thread {t}");
        }
        assert_eq!(base.as_slice(), (0..1000).collect::<Vec<_>>());
    }
}

/// Random operations on a family of copies, each checked against a plain
/// `Vec` that is copied for real.
#[test]
fn any_sequence_of_operations_matches_plain_vectors() {
    let mut seed = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = move |n: usize| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        (seed % n as u64) as usize
    };
    for _ in 0..200 {
        let mut copies = vec![SharedVec::<u16>::new()];
        let mut models = vec![Vec::<u16>::new()];
        for step in 0..300 {
            let i = next(copies.len());
            match next(5) {
                0 if copies.len() < 8 => {
                    copies.push(copies[i].clone());
                    models.push(models[i].clone());
                }
                1 => copies[i].shrink_to_fit(),
                2 if copies.len() > 1 => {
                    copies.swap_remove(i);
                    models.swap_remove(i);
                }
                3 => {
                    let more: Vec<u16> = (0..next(5) as u16).map(|k| step + k).collect();
                    copies[i].reserve(more.len());
                    for &value in &more {
                        copies[i].push(value);
                    }
                    models[i].extend_from_slice(&more);
                }
                _ => {
                    copies[i].push(step);
                    models[i].push(step);
                }
            }
            for (copy, model) in copies.iter().zip(&models) {
                assert_eq!(copy.as_slice(), model.as_slice(), "after step {step}");
            }
        }
    }
}
