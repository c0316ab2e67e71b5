// error[E0499]: cannot borrow `counter` as mutable more than once at a time
let mut counter = 0_u64;
std::thread::scope(|s| {
    s.spawn(|| counter += 1);
    s.spawn(|| counter += 1);
});
