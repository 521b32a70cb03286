//! TLS to PostgreSQL, chosen as libpq chooses it: `sslmode` (`disable`,
//! `prefer`, `require`, `verify-full`) and `sslrootcert` (a PEM file of the
//! certificate authorities to trust) in the database URL's query.
//!
//! `prefer` and `require` encrypt without checking who answers (as libpq
//! does); `verify-full` checks the server's certificate chain against the CA
//! file and its name against the host connected to.

use std::path::PathBuf;
use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{CryptoProvider, verify_tls12_signature, verify_tls13_signature};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme};
use tokio_postgres::config::SslMode as WireMode;
use tokio_postgres_rustls::MakeRustlsConnect;

use crate::store::{StoreError, StoreResult};

/// How a connection uses TLS.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SslMode {
    /// Never.
    Disable,
    /// When the server offers it (the default, as in libpq).
    Prefer,
    /// Always, without checking the server's certificate.
    Require,
    /// Always, with the certificate checked against the CA file and the host.
    VerifyFull,
}

impl SslMode {
    fn parse(value: &str) -> StoreResult<Self> {
        match value {
            "disable" => Ok(Self::Disable),
            "prefer" => Ok(Self::Prefer),
            "require" => Ok(Self::Require),
            "verify-full" => Ok(Self::VerifyFull),
            other => Err(StoreError::Unsupported(format!(
                "database URL: sslmode={other} is not one of disable, prefer, require, verify-full"
            ))),
        }
    }
}

/// The TLS parameters of a database URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsSettings {
    pub mode: SslMode,
    pub root_cert: Option<PathBuf>,
}

/// Splits `sslmode` and `sslrootcert` off a database URL: the URL left for
/// the driver, and the settings.
pub fn split_url(url: &str) -> StoreResult<(String, TlsSettings)> {
    let mut settings = TlsSettings {
        mode: SslMode::Prefer,
        root_cert: None,
    };
    let Some((base, query)) = url.split_once('?') else {
        return Ok((url.to_owned(), settings));
    };
    let mut kept = form_urlencoded::Serializer::new(String::new());
    for (k, v) in form_urlencoded::parse(query.as_bytes()) {
        match k.as_ref() {
            "sslmode" => settings.mode = SslMode::parse(&v)?,
            "sslrootcert" => settings.root_cert = Some(PathBuf::from(v.as_ref())),
            _ => {
                kept.append_pair(&k, &v);
            }
        }
    }
    let kept = kept.finish();
    let url = if kept.is_empty() {
        base.to_owned()
    } else {
        format!("{base}?{kept}")
    };
    Ok((url, settings))
}

/// How the pool opens connections.
#[derive(Clone)]
pub enum Connector {
    Plain,
    Tls(MakeRustlsConnect),
}

impl std::fmt::Debug for Connector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Plain => "Connector::Plain",
            Self::Tls(_) => "Connector::Tls",
        })
    }
}

/// The connector for `settings`, with the driver's own mode set on `config`.
pub fn connector(
    settings: &TlsSettings,
    config: &mut tokio_postgres::Config,
) -> StoreResult<Connector> {
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let builder = ClientConfig::builder_with_provider(Arc::clone(&provider))
        .with_safe_default_protocol_versions()
        .map_err(|e| StoreError::Unsupported(format!("TLS: {e}")))?;
    let tls = match settings.mode {
        SslMode::Disable => {
            config.ssl_mode(WireMode::Disable);
            return Ok(Connector::Plain);
        }
        SslMode::Prefer | SslMode::Require => {
            config.ssl_mode(if settings.mode == SslMode::Prefer {
                WireMode::Prefer
            } else {
                WireMode::Require
            });
            builder
                .dangerous()
                .with_custom_certificate_verifier(Arc::new(EncryptOnly(provider)))
                .with_no_client_auth()
        }
        SslMode::VerifyFull => {
            config.ssl_mode(WireMode::Require);
            let path = settings.root_cert.as_ref().ok_or_else(|| {
                StoreError::Unsupported(
                    "database URL: sslmode=verify-full needs sslrootcert=<CA file (PEM)>".into(),
                )
            })?;
            let mut roots = RootCertStore::empty();
            let certs = CertificateDer::pem_file_iter(path).map_err(|e| {
                StoreError::Unsupported(format!("reading the CA file {}: {e}", path.display()))
            })?;
            for cert in certs {
                let cert = cert.map_err(|e| {
                    StoreError::Unsupported(format!("reading the CA file {}: {e}", path.display()))
                })?;
                roots.add(cert).map_err(|e| {
                    StoreError::Unsupported(format!("the CA file {}: {e}", path.display()))
                })?;
            }
            if roots.is_empty() {
                return Err(StoreError::Unsupported(format!(
                    "the CA file {} holds no certificate",
                    path.display()
                )));
            }
            builder.with_root_certificates(roots).with_no_client_auth()
        }
    };
    Ok(Connector::Tls(MakeRustlsConnect::new(tls)))
}

/// Accepts any server certificate but still checks the handshake's
/// signatures: encryption against eavesdroppers, as libpq's `require` gives.
#[derive(Debug)]
struct EncryptOnly(Arc<CryptoProvider>);

impl ServerCertVerifier for EncryptOnly {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tls_parameters_leave_the_url() {
        let (url, s) = split_url(
            "postgres://u@h/db?sslmode=verify-full&sslrootcert=%2Fca.pem&application_name=x",
        )
        .expect("parses");
        assert_eq!(url, "postgres://u@h/db?application_name=x");
        assert_eq!(s.mode, SslMode::VerifyFull);
        assert_eq!(s.root_cert, Some(PathBuf::from("/ca.pem")));
        let (url, s) = split_url("postgres://u@h/db").expect("parses");
        assert_eq!(
            (url.as_str(), s.mode),
            ("postgres://u@h/db", SslMode::Prefer)
        );
        assert!(split_url("postgres://u@h/db?sslmode=allow-ish").is_err());
    }

    #[test]
    fn verify_full_needs_a_ca_file() {
        let mut config = tokio_postgres::Config::new();
        let settings = TlsSettings {
            mode: SslMode::VerifyFull,
            root_cert: None,
        };
        let err = connector(&settings, &mut config).expect_err("no CA");
        assert!(err.to_string().contains("sslrootcert"));
    }
}
