//! `pcc-sim` on the draft's Topology A: two PCCs with four delegated LSPs
//! of 100 Mb/s each, PCC1 to PCC4 (over R1-R3-R4) and PCC2 to PCC3 (over
//! R2-R4-R3), the PCCs' sessions from `source_base` on.

use pce_tests::bin_dir;

use super::running::{spawn, Running};

/// The simulated PCCs, connected to the PCE on 127.0.0.1:`port`.
pub(crate) fn topology_a_pccs(port: u16, source_base: &str) -> Running {
    spawn(
        &bin_dir().join("pcc-sim"),
        &[
            "--pce",
            &format!("127.0.0.1:{port}"),
            "--source-base",
            source_base,
            "--pccs",
            "2",
            "--lsps",
            "4",
            "--delegate",
            "--bandwidth-bps",
            "100000000",
            "--endpoints",
            "10.0.0.1:10.0.0.4,10.0.0.2:10.0.0.3",
            "--seconds",
            "300",
        ],
    )
}
