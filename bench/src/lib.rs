//! Workload generators shared by the benchmarks.

pub mod topogen;
