// error[E0277]: `Rc<Cell<u64>>` cannot be sent between threads safely
use std::cell::Cell;
use std::rc::Rc;

let counter = Rc::new(Cell::new(0_u64));
let theirs = Rc::clone(&counter);
let worker = std::thread::spawn(move || theirs.set(theirs.get() + 1));
counter.set(counter.get() + 1);
worker.join().unwrap();
