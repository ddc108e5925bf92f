//! A histogram of whole units (microseconds, requests) kept in atomics: observing is
//! one search through a handful of bounds and two relaxed additions, with no lock, so
//! it can sit on every request. Encoded as Prometheus expects, in its own scale
//! (seconds for durations).

use std::sync::atomic::{AtomicU64, Ordering};

use prometheus_client::encoding::{MetricEncoder, NoLabelSet};

pub struct AtomicHistogram {
    /// Upper bounds, in units, ascending.
    bounds: &'static [u64],
    /// One count per bound, and one past the last (the `+Inf` bucket); not cumulative.
    counts: Box<[AtomicU64]>,
    sum: AtomicU64,
    /// Units per encoded unit (1e6 for microseconds encoded as seconds). Dividing, rather
    /// than multiplying by 1e-6, keeps bounds such as 0.025 exact.
    per_unit: f64,
}

impl AtomicHistogram {
    pub fn new(bounds: &'static [u64], per_unit: f64) -> Self {
        debug_assert!(bounds.windows(2).all(|w| w[0] < w[1]));
        Self {
            bounds,
            counts: (0..=bounds.len()).map(|_| AtomicU64::new(0)).collect(),
            sum: AtomicU64::new(0),
            per_unit,
        }
    }

    pub fn observe(&self, units: u64) {
        let slot = self.bounds.partition_point(|bound| *bound < units);
        self.counts[slot].fetch_add(1, Ordering::Relaxed);
        self.sum.fetch_add(units, Ordering::Relaxed);
    }

    pub fn count(&self) -> u64 {
        self.counts.iter().map(|c| c.load(Ordering::Relaxed)).sum()
    }

    pub fn encode(&self, mut encoder: MetricEncoder) -> Result<(), std::fmt::Error> {
        // Per bucket, not cumulative: the encoder adds them up.
        let buckets: Vec<(f64, u64)> = self
            .counts
            .iter()
            .enumerate()
            .map(|(i, count)| {
                let bound = self
                    .bounds
                    .get(i)
                    .map_or(f64::INFINITY, |b| *b as f64 / self.per_unit);
                (bound, count.load(Ordering::Relaxed))
            })
            .collect();
        let count = buckets.iter().map(|(_, n)| n).sum();
        let sum = self.sum.load(Ordering::Relaxed) as f64 / self.per_unit;
        encoder.encode_histogram::<NoLabelSet>(sum, count, &buckets, None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_observation_lands_in_the_first_bucket_that_holds_it() {
        let histogram = AtomicHistogram::new(&[10, 100], 1.0);
        for units in [0, 10, 11, 100, 101, 5_000] {
            histogram.observe(units);
        }
        let counts: Vec<u64> = histogram
            .counts
            .iter()
            .map(|c| c.load(Ordering::Relaxed))
            .collect();
        assert_eq!(counts, vec![2, 2, 2]);
        assert_eq!(histogram.count(), 6);
        assert_eq!(histogram.sum.load(Ordering::Relaxed), 5_222);
    }
}
