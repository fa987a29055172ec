//! The discrete-event engine: an integer clock, a deterministic event queue and the step loop.
//!
//! The engine knows nothing of streams, shards or AWS. A [`Model`] receives each event in time order
//! and may schedule more; ties are broken by scheduling order, so a run is reproducible bit for bit.

pub(crate) mod queue;
pub mod rng;
pub mod time;

pub use queue::Queue;
pub use time::Nanos;

/// A system driven by events of type [`Model::Event`].
pub trait Model {
    /// A small, copyable event payload (no allocation per event).
    type Event: Copy;
    /// Handles one event at simulated time `now`; may schedule further events on `queue`.
    fn handle(&mut self, now: Nanos, event: Self::Event, queue: &mut Queue<Self::Event>);
}

/// Runs `model` until the queue is empty or the next event lies after `until`.
///
/// Events scheduled exactly at `until` are processed. Returns the number of events handled.
pub fn run<M: Model>(model: &mut M, queue: &mut Queue<M::Event>, until: Nanos) -> u64 {
    let mut handled = 0u64;
    while let Some((now, event)) = queue.pop_until(until) {
        model.handle(now, event, queue);
        handled += 1;
    }
    handled
}
