//! A throw-away PKI for PCEPS labs: `pki-lab DIR NAME=ADDRESS[,ADDRESS]...`
//! writes `DIR/ca.crt` and, for each NAME, `DIR/NAME.crt` and `DIR/NAME.key`
//! (a certificate with NAME as DNS name and the addresses as IP subject
//! alternative names, for servers and clients). `--expired NAME=...`
//! issues an expired one. Keys are unencrypted: labs and tests only.

use std::net::IpAddr;
use std::path::PathBuf;

use clap::Parser;
use pce_tools::pki::Ca;

#[derive(Parser)]
#[command(about = "A throw-away PKI for PCEPS labs (CA, PCE and PCC certificates)")]
struct Args {
    /// Where to write the PEM files.
    dir: PathBuf,
    /// NAME=ADDRESS[,ADDRESS...]: a certificate for each.
    certificates: Vec<String>,
    /// NAME=ADDRESS[,ADDRESS...]: expired certificates (valid in 2001 only).
    #[arg(long)]
    expired: Vec<String>,
}

fn parse(spec: &str) -> Result<(String, Vec<IpAddr>), String> {
    let (name, addresses) = spec
        .split_once('=')
        .ok_or_else(|| format!("{spec:?}: NAME=ADDRESS[,ADDRESS...]"))?;
    let addresses = addresses
        .split(',')
        .filter(|a| !a.is_empty())
        .map(|a| a.parse().map_err(|e| format!("{a:?}: {e}")))
        .collect::<Result<_, String>>()?;
    Ok((name.to_string(), addresses))
}

fn run(args: &Args) -> Result<(), String> {
    std::fs::create_dir_all(&args.dir).map_err(|e| format!("{}: {e}", args.dir.display()))?;
    let ca = Ca::new(&args.dir, "ca")?;
    for (specs, expired) in [(&args.certificates, false), (&args.expired, true)] {
        for spec in specs {
            let (name, addresses) = parse(spec)?;
            ca.issue(&args.dir, &name, &addresses, expired)?;
        }
    }
    Ok(())
}

fn main() {
    if let Err(e) = run(&Args::parse()) {
        eprintln!("pki-lab: {e}");
        std::process::exit(2);
    }
}
