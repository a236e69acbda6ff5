//! Native timing of frame-benchmarking v2 benchmarks.
//!
//! The node's `benchmark pallet` command is not part of the default build, so every pallet
//! times its benchmarks natively in an ignored test (`measure_weights`) and derives its
//! `weights.rs` from the medians. This crate is the shared part of those harnesses: a
//! [`Timer`] that records only the extrinsic (between the benchmark's `Recording` hooks, so
//! setup and verification are excluded) and the [`median`] of the samples.

use std::time::{Duration, Instant};

/// Records the time between a benchmark's `start` and `stop` hooks.
#[derive(Default)]
pub struct Timer {
	started: Option<Instant>,
	elapsed: Duration,
}

impl Timer {
	/// Time of the measured extrinsic, in nanoseconds.
	pub fn elapsed_ns(&self) -> u128 {
		self.elapsed.as_nanos()
	}
}

impl frame_benchmarking::Recording for Timer {
	fn start(&mut self) {
		self.started = Some(Instant::now());
	}

	fn stop(&mut self) {
		if let Some(started) = self.started.take() {
			self.elapsed = started.elapsed();
		}
	}
}

/// The median of `samples` (0 for none): robust against the odd run disturbed by the machine.
pub fn median(mut samples: Vec<u128>) -> u128 {
	samples.sort_unstable();
	samples.get(samples.len() / 2).copied().unwrap_or(0)
}

#[cfg(test)]
mod tests {
	use super::*;
	use frame_benchmarking::Recording;

	#[test]
	fn median_of_odd_and_even_sample_counts() {
		assert_eq!(median(vec![5, 1, 3]), 3);
		assert_eq!(median(vec![4, 1, 3, 2]), 3);
		assert_eq!(median(vec![]), 0);
	}

	#[test]
	fn timer_measures_between_start_and_stop() {
		let mut timer = Timer::default();
		assert_eq!(timer.elapsed_ns(), 0);
		timer.start();
		std::thread::sleep(Duration::from_millis(2));
		timer.stop();
		assert!(timer.elapsed_ns() >= 2_000_000);
	}
}
