//! Invoking the function: batching the buffer into lanes, account and function concurrency,
//! retries, bisection on error, and what a finished invocation does.

use super::{BusyChange, Event, ReaderId, Wake, World};
use crate::dist::draw;
use crate::engine::{Nanos, Queue};
use crate::model::function::{backoff, draw_outcome};
use crate::model::spec::AgeEndpoint;

impl World<'_> {
    /// Sends batches from the buffer to free lanes: a full batch at once, a partial one when the
    /// batching window has passed.
    #[inline(always)]
    pub(super) fn dispatch(&mut self, now: Nanos, r: ReaderId, q: &mut Queue<Event>) {
        let rd = &self.readers[r];
        if rd.cursor != rd.pend_start && rd.free_lanes > 0 {
            self.dispatch_batches(now, r, q);
        }
    }

    /// [`World::dispatch`] when the buffer holds records and a lane is free.
    fn dispatch_batches(&mut self, now: Nanos, r: ReaderId, q: &mut Queue<Event>) {
        let c = self.consumer(r);
        loop {
            let rd = &self.readers[r];
            if rd.cursor == rd.pend_start || rd.free_lanes == 0 {
                return;
            }
            let (end, full) = self.next_batch(r);
            let rd = &mut self.readers[r];
            if !(full || now >= rd.window_start + c.batching_window) {
                return;
            }
            let lane = rd
                .lanes
                .iter()
                .position(|l| !l.busy)
                .expect("a free lane exists");
            rd.lanes[lane].start_batch(rd.pend_start, end);
            rd.latency.take_into(end, &mut rd.lanes[lane].latency);
            rd.free_lanes -= 1;
            rd.pend_start = end;
            rd.window_start = now;
            self.invoke(now, r, lane as u16, q);
        }
    }

    /// The end of the next batch in the buffer, and whether it is full (by count or payload).
    pub(super) fn next_batch(&self, r: ReaderId) -> (u64, bool) {
        let c = self.consumer(r);
        let rd = &self.readers[r];
        let log = self.shards.of(rd).log();
        let by_count = rd.pend_start + c.batch_size;
        // A byte limit beyond the count's changes neither the end nor whether the batch is full,
        // so the byte search stops at `by_count`.
        let by_bytes =
            log.end_within_bytes_upto(rd.pend_start, c.payload_cap_bytes, by_count, &rd.hint);
        let e = by_count.min(by_bytes).min(rd.cursor).max(rd.pend_start + 1);
        (e, e == by_count || by_bytes < rd.cursor)
    }

    /// True when the buffer already holds a full batch (no need to read more yet).
    pub(super) fn holds_full_batch(&self, r: ReaderId) -> bool {
        let rd = &self.readers[r];
        rd.cursor > rd.pend_start && self.next_batch(r).1
    }

    /// Sends a lane's batch to the function (first attempt or retry).
    pub(super) fn invoke(&mut self, now: Nanos, r: ReaderId, lane: u16, q: &mut Queue<Event>) {
        loop {
            if self.try_invoke(now, r, lane, q) {
                return;
            }
            // The batch vanished (expired or too old): take the next half, or free the lane.
            if !self.next_half(r, lane) {
                self.free_lane(now, r, lane, q);
                return;
            }
        }
    }

    /// Starts the invocation; false if the lane's batch is empty after expiry and age checks.
    pub(super) fn try_invoke(
        &mut self,
        now: Nanos,
        r: ReaderId,
        lane: u16,
        q: &mut Queue<Event>,
    ) -> bool {
        let c = self.consumer(r);
        let spec = self.spec;
        let retention = spec.streams[c.stream].retention;
        let rd = &mut self.readers[r];
        let shard = self.shards.of(rd);
        let metrics = &mut self.consumers[rd.consumer as usize];
        let l = &mut rd.lanes[lane as usize];
        // Records that outlived retention while waiting are lost.
        let gone = shard
            .expired_end(l.start, now, retention, &rd.hint)
            .min(l.end);
        if gone > l.start {
            metrics.metrics.records_expired += gone - l.start;
            l.start = gone;
        }
        if l.start == l.end {
            return false;
        }
        if let Some(max_age) = c.max_record_age {
            if now - shard.log().ts_of(l.start, &rd.hint) > max_age {
                metrics.metrics.records_discarded += l.end - l.start;
                l.start = l.end;
                return false;
            }
        }
        // Lambda rejects the invocation when the function or the account has no concurrency left;
        // the batch waits (blocking its lane) and is sent again after a backoff.
        let c_fn = &c.function;
        let pool_need = c_fn.unreserved_executions();
        let fits = c_fn
            .reserved_concurrency
            .is_none_or(|res| metrics.metrics.concurrency < res)
            && self.account.unreserved_busy + pool_need <= self.account.unreserved;
        if !fits {
            metrics.metrics.throttled_invocations += 1;
            self.account.throttled += 1;
            let wait = backoff(
                &spec.account.invoke_throttle_backoff,
                l.throttles,
                &mut rd.rng,
            );
            l.throttles = l.throttles.saturating_add(1);
            q.schedule(now + wait, Event::Retry(r, lane));
            return true;
        }
        l.throttles = 0;
        self.account.unreserved_busy += pool_need;
        self.account.busy += c_fn.executions();
        self.account.peak_busy = self.account.peak_busy.max(self.account.busy);
        let n = l.end - l.start;
        let m = &mut metrics.metrics;
        if spec.iterator_age == AgeEndpoint::Sent {
            m.age_sample(now, now - shard.log().ts_of(l.end - 1, &rd.hint));
            if metrics.depth > 0 {
                m.origin_age_sample(now, now - shard.origin_ts(l.end - 1, &rd.hint));
            }
        }
        if l.redelivery {
            m.duplicates += n * c.handlers();
            l.ts_sum = None;
        } else {
            let copies = shard.dups().count(l.start, l.end) * c.handlers();
            m.duplicates += copies;
            m.source_duplicates += copies;
            let ts = shard.log().ts_sum_range(l.start, l.end, &rd.hint);
            m.delivery_sum_ns += n as u128 * now as u128 - ts;
            m.delivery_records += n;
            l.ts_sum = Some(ts);
        }
        let poisoned = rd
            .marks
            .iter()
            .any(|&k| (l.start..l.end).contains(&shard.mark_record(k)));
        let f = &c.function;
        let cold = metrics
            .envs
            .acquire(now, f.env_idle_timeout, f.provisioned_concurrency);
        let outcome = draw_outcome(c, &mut rd.rng, n, cold, poisoned);
        // The handler starts after the invoke overhead; the execution is held from now.
        let overhead = draw(&c.invoke_overhead, &mut rd.rng);
        let l = &mut rd.lanes[lane as usize];
        l.failed = outcome.failed;
        let m = &mut metrics.metrics;
        if let (false, Some(ts)) = (l.redelivery, l.ts_sum) {
            // The handler starts after the invoke overhead, once the environment is up.
            let started = now + overhead + outcome.cold_start;
            let log = shard.log();
            m.latency
                .record(&mut l.latency, log, &rd.hint, l.start, l.end, started, ts);
        }
        m.cold_starts += u64::from(cold);
        m.billed_ns += outcome.duration;
        m.downstream_billed_ns += outcome.downstream;
        m.invoked(now);
        m.concurrency += 1;
        m.peak_concurrency = m.peak_concurrency.max(m.concurrency);
        if let Some(log) = &mut self.busy_log {
            log.push(BusyChange::new(now, rd.consumer, true));
        }
        q.schedule(now + overhead + outcome.duration, Event::Done(r, lane));
        true
    }

    /// Loads the lane with its next bisected half; false if none is left.
    pub(super) fn next_half(&mut self, r: ReaderId, lane: u16) -> bool {
        let l = &mut self.readers[r].lanes[lane as usize];
        match l.halves.pop() {
            Some((a, b)) => {
                l.start = a;
                l.end = b;
                l.attempts = 0;
                l.redelivery = true;
                true
            }
            None => false,
        }
    }

    /// Sends the lane's next bisected half, or frees the lane when none is left.
    pub(super) fn next_or_free(
        &mut self,
        now: Nanos,
        r: ReaderId,
        lane: u16,
        q: &mut Queue<Event>,
    ) {
        if self.next_half(r, lane) {
            self.invoke(now, r, lane, q);
        } else {
            self.free_lane(now, r, lane, q);
        }
    }

    pub(super) fn free_lane(&mut self, now: Nanos, r: ReaderId, lane: u16, q: &mut Queue<Event>) {
        let rd = &mut self.readers[r];
        let l = &mut rd.lanes[lane as usize];
        l.busy = false;
        l.start = l.end;
        rd.free_lanes += 1;
        self.dispatch(now, r, q);
        self.next_read(now, r, Wake::LaneFree, q);
        if self.shard_of(r).sealed() {
            self.check_finished(now, r, q);
        }
    }

    /// An invocation ended: record success, or retry, bisect or discard the failed batch.
    pub(super) fn on_done(&mut self, now: Nanos, r: ReaderId, lane: u16, q: &mut Queue<Event>) {
        let c = self.consumer(r);
        if !c.routes.is_empty() && !self.readers[r].lanes[lane as usize].failed {
            // A router's invocation ends only once every record it routes is written.
            if !self.write_routes(now, r, lane, q) {
                let ci = self.readers[r].consumer as usize;
                self.consumers[ci].metrics.billed_ns += c.write_retry;
                q.schedule(now + c.write_retry, Event::Done(r, lane));
                return;
            }
        }
        let spec = self.spec;
        let rd = &mut self.readers[r];
        let shard = self.shards.of(rd);
        let state = &mut self.consumers[rd.consumer as usize];
        let f = &c.function;
        state.envs.release(now, f.provisioned_concurrency);
        self.account.unreserved_busy -= f.unreserved_executions();
        self.account.busy -= f.executions();
        let m = &mut state.metrics;
        m.concurrency -= 1;
        if let Some(log) = &mut self.busy_log {
            log.push(BusyChange::new(now, rd.consumer, false));
        }
        let l = &mut rd.lanes[lane as usize];
        let n = l.end - l.start;
        if !l.failed {
            m.records_processed += n;
            m.minute(now).records_processed += n;
            let h = &rd.hint;
            // `start..end` has not changed since the invocation began.
            let ts = (l.ts_sum).unwrap_or_else(|| shard.log().ts_sum_range(l.start, l.end, h));
            debug_assert_eq!(ts, shard.log().ts_sum_range(l.start, l.end, h));
            m.e2e_sum_ns += n as u128 * now as u128 - ts;
            m.e2e_max_ns = m.e2e_max_ns.max(now - shard.log().ts_of(l.start, h));
            if spec.iterator_age == AgeEndpoint::Finished {
                m.age_sample(now, now - shard.log().ts_of(l.end - 1, h));
            }
            if state.depth > 0 {
                if spec.iterator_age == AgeEndpoint::Finished {
                    m.origin_age_sample(now, now - shard.origin_ts(l.end - 1, h));
                }
                let lags =
                    shard.origin().lag_sum_before(l.end) - shard.origin().lag_sum_before(l.start);
                m.origin_e2e_sum_ns += n as u128 * now as u128 - ts + lags;
                m.origin_e2e_max_ns = m.origin_e2e_max_ns.max(now - shard.origin_ts(l.start, h));
            }
            l.start = l.end;
            l.routed = false;
            self.next_or_free(now, r, lane, q);
            return;
        }
        m.errored(now);
        if c.bisect_on_error && n > 1 {
            let mid = l.start + n / 2;
            l.halves.push((mid, l.end));
            l.end = mid;
            l.attempts = 0;
        } else {
            l.attempts += 1;
            if c.max_retry_attempts.is_some_and(|max| l.attempts > max) {
                m.records_discarded += n;
                l.start = l.end;
                self.next_or_free(now, r, lane, q);
                return;
            }
            m.retries += 1;
        }
        l.redelivery = true;
        if c.retry_delay > 0 {
            q.schedule(now + c.retry_delay, Event::Retry(r, lane));
        } else {
            self.invoke(now, r, lane, q);
        }
    }
}
