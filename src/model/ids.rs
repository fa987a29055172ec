//! Names of the world's parts that lower layers of the model refer to without depending on the
//! world itself (a shard lists its readers by these).

/// Names one reader of the world (its place in the world's reader list).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ReaderId(u32);

impl ReaderId {
    /// The reader at place `i` of the world's reader list.
    #[inline]
    pub(crate) fn new(i: u32) -> ReaderId {
        ReaderId(i)
    }

    /// The reader's place in the world's reader list.
    #[inline]
    pub fn index(self) -> usize {
        self.0 as usize
    }
}
