pub fn main(_o: &crate::Opts) -> usize { 0 }
