//! A throw-away PKI for labs and tests: a CA, and certificates it issues
//! to PCEs and PCCs by name and address, as PEM files (`pki-lab`). Never
//! for production: the keys are written unencrypted, next to each other.

use std::net::IpAddr;
use std::path::{Path, PathBuf};

use rcgen::{
    BasicConstraints, Certificate, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa,
    KeyPair, SanType,
};

/// A certificate authority: the PEM files of its certificate, and what it
/// needs to issue more.
pub struct Ca {
    cert: Certificate,
    key: KeyPair,
    /// Its certificate (PEM), what peers trust.
    pub certificate: PathBuf,
}

/// The files of an issued certificate.
#[derive(Clone, Debug)]
pub struct Issued {
    /// The certificate (PEM).
    pub certificate: PathBuf,
    /// Its private key (PEM, PKCS#8).
    pub key: PathBuf,
}

fn write(path: &Path, text: &str) -> Result<(), String> {
    std::fs::write(path, text).map_err(|e| format!("{}: {e}", path.display()))
}

impl Ca {
    /// A new CA named `name`, its certificate written to `dir/NAME.crt`.
    pub fn new(dir: &Path, name: &str) -> Result<Self, String> {
        let mut params = CertificateParams::new(Vec::new()).map_err(|e| e.to_string())?;
        params.distinguished_name.push(DnType::CommonName, name);
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        let key = KeyPair::generate().map_err(|e| e.to_string())?;
        let cert = params.self_signed(&key).map_err(|e| e.to_string())?;
        let certificate = dir.join(format!("{name}.crt"));
        write(&certificate, &cert.pem())?;
        Ok(Self {
            cert,
            key,
            certificate,
        })
    }

    /// A certificate for `name` (a DNS name) at `addresses` (IP subject
    /// alternative names), for TLS servers and clients alike; `expired`:
    /// valid only in 2001. Written to `dir/NAME.crt` and `dir/NAME.key`.
    pub fn issue(
        &self,
        dir: &Path,
        name: &str,
        addresses: &[IpAddr],
        expired: bool,
    ) -> Result<Issued, String> {
        let mut params =
            CertificateParams::new(vec![name.to_string()]).map_err(|e| e.to_string())?;
        params.distinguished_name.push(DnType::CommonName, name);
        params
            .subject_alt_names
            .extend(addresses.iter().map(|a| SanType::IpAddress(*a)));
        params.extended_key_usages = vec![
            ExtendedKeyUsagePurpose::ServerAuth,
            ExtendedKeyUsagePurpose::ClientAuth,
        ];
        if expired {
            params.not_before = rcgen::date_time_ymd(2001, 1, 1);
            params.not_after = rcgen::date_time_ymd(2001, 12, 31);
        }
        let key = KeyPair::generate().map_err(|e| e.to_string())?;
        let cert = params
            .signed_by(&key, &self.cert, &self.key)
            .map_err(|e| e.to_string())?;
        let issued = Issued {
            certificate: dir.join(format!("{name}.crt")),
            key: dir.join(format!("{name}.key")),
        };
        write(&issued.certificate, &cert.pem())?;
        write(&issued.key, &key.serialize_pem())?;
        Ok(issued)
    }
}
