//! The end-of-run balance: every record a consumer's readers saw is in exactly one place.

use super::World;

/// One consumer's records at the end of a run, by where they are. They balance when
/// `written == processed + in_flight + unread + discarded + expired`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Conservation {
    /// Records written to the shards the consumer reads (summed over its readers' shards).
    pub written: u64,
    /// Records its function finished successfully.
    pub processed: u64,
    /// Records read but not finished: buffered, in a lane, or a bisected half waiting.
    pub in_flight: u64,
    /// Records still in the log past the readers' cursors.
    pub unread: u64,
    /// Records dropped after too many attempts or for being too old.
    pub discarded: u64,
    /// Records that outlived retention before they were finished.
    pub expired: u64,
}

impl World<'_> {
    /// Per consumer, in consumer order: where its records are now.
    pub fn conservation(&self) -> Vec<Conservation> {
        let mut out = vec![Conservation::default(); self.consumers.len()];
        for rd in self.readers.iter() {
            let shard = self.shards.of(rd);
            let o = &mut out[rd.consumer as usize];
            o.written += shard.records_written();
            o.in_flight += rd.in_flight();
            o.unread += shard.records_written() - rd.cursor;
        }
        for (o, c) in out.iter_mut().zip(&self.consumers) {
            o.processed = c.metrics.records_processed;
            o.discarded = c.metrics.records_discarded;
            o.expired = c.metrics.records_expired;
        }
        out
    }
}
