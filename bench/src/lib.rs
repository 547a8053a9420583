//! Workload generators and baselines shared by the benchmarks.

pub mod baseline;
pub mod queries;
pub mod topogen;
