//! What `schooltech init` learns about a server before it is configured: the flavour and naming
//! contexts from the root DSE (read anonymously), and the certificate chain it presents.
//!
//! The chain is fetched over a connection that accepts any certificate ([`super::pinned::Recorder`]);
//! only the public root DSE is read over it and nothing secret is sent. The bind that follows uses
//! the normal, verifying connection ([`super::conn::LdapConn`]).

use super::conn::{loopback_addr, parse_url};
use super::pinned::Recorder;
use super::Flavour;
use crate::domain::roles::{RoleMap, RoleRule};
use crate::error::{Error, Result};
use ldap3::{LdapConnAsync, LdapConnSettings, LdapError, Scope, SearchEntry};
use rustls_pki_types::CertificateDer;
use std::sync::Arc;
use std::time::Duration;

/// The Active Directory capability in the root DSE's `supportedCapabilities`.
const AD_CAPABILITY: &str = "1.2.840.113556.1.4.800";

/// What the server said about itself.
#[derive(Debug, Clone)]
pub struct Discovery {
    /// The URL as given (trimmed).
    pub url: String,
    /// Host from the URL.
    pub host: String,
    /// Port from the URL (or the scheme's default).
    pub port: u16,
    /// `ldap://` to another host: upgraded with StartTLS.
    pub starttls: bool,
    /// The connection is encrypted (LDAPS or StartTLS); false for clear text on loopback.
    pub tls: bool,
    /// The flavour the root DSE shows, if it shows one.
    pub flavour: Option<Flavour>,
    /// `vendorName` / `vendorVersion`, when given.
    pub vendor: Option<String>,
    /// AD's `defaultNamingContext`.
    pub default_naming_context: Option<String>,
    /// `namingContexts`.
    pub naming_contexts: Vec<String>,
    /// The certificates the server presented, its own first (empty without TLS).
    pub chain: Vec<CertificateDer<'static>>,
}

impl Discovery {
    /// The base DN to offer: AD's default naming context, else the first naming context that is
    /// not configuration or schema.
    pub fn suggested_base_dn(&self) -> Option<String> {
        self.default_naming_context.clone().or_else(|| {
            self.naming_contexts
                .iter()
                .find(|n| {
                    let l = n.to_ascii_lowercase();
                    !l.starts_with("cn=") && !l.is_empty()
                })
                .or(self.naming_contexts.first())
                .cloned()
        })
    }
}

/// Connects to `url` (without binding), reads the root DSE and records the certificate chain.
pub async fn discover(url: &str, timeout: Duration) -> Result<Discovery> {
    let url = url.trim().to_string();
    let (scheme, host, port) = parse_url(&url)?;
    let loopback = loopback_addr(&host, port);
    let (starttls, tls) = match (scheme.as_str(), loopback) {
        ("ldaps", _) => (false, true),
        (_, Some(_)) => (false, false),
        _ => (true, true),
    };
    let dial = match (tls, loopback) {
        (false, Some(addr)) => format!("{scheme}://{addr}"),
        _ => url.clone(),
    };
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let recorder = Recorder::new(provider.clone());
    let mut settings = LdapConnSettings::new()
        .set_conn_timeout(timeout)
        .set_starttls(starttls);
    if tls {
        let cfg = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| Error::Config(format!("TLS setup: {e}")))?
            .dangerous()
            .with_custom_certificate_verifier(recorder.clone())
            .with_no_client_auth();
        settings = settings.set_config(Arc::new(cfg));
    }
    let unreachable = |e: LdapError| connect_error(&host, port, tls, starttls, timeout, e);
    let (conn, mut ldap) = LdapConnAsync::with_settings(settings, &dial)
        .await
        .map_err(unreachable)?;
    ldap3::drive!(conn);
    ldap.with_timeout(timeout);
    let attrs = [
        "namingContexts",
        "defaultNamingContext",
        "supportedCapabilities",
        "objectClass",
        "vendorName",
        "vendorVersion",
        "forestFunctionality",
    ];
    let (entries, _res) = ldap
        .search("", Scope::Base, "(objectClass=*)", attrs.to_vec())
        .await
        .map_err(|e| connect_error(&host, port, tls, starttls, timeout, e))?
        .success()
        .map_err(|e| Error::Directory {
            code: 0,
            doing: "read the root DSE (the server's description of itself)".into(),
            reason: e.to_string(),
        })?;
    let _ = ldap.unbind().await;
    let entry = entries.into_iter().next().map(SearchEntry::construct);
    let get = |name: &str| -> Vec<String> {
        entry
            .as_ref()
            .and_then(|e| {
                e.attrs
                    .iter()
                    .find(|(k, _)| k.eq_ignore_ascii_case(name))
                    .map(|(_, v)| v.clone())
            })
            .unwrap_or_default()
    };
    let caps = get("supportedCapabilities");
    let classes = get("objectClass");
    let vendor_name = get("vendorName").into_iter().next();
    let flavour = if caps.iter().any(|c| c == AD_CAPABILITY)
        || !get("forestFunctionality").is_empty()
        || !get("defaultNamingContext").is_empty()
    {
        Some(Flavour::ActiveDirectory)
    } else if classes
        .iter()
        .any(|c| c.eq_ignore_ascii_case("OpenLDAProotDSE"))
        || vendor_name
            .as_deref()
            .is_some_and(|v| v.to_ascii_lowercase().contains("openldap"))
    {
        Some(Flavour::Openldap)
    } else {
        None
    };
    let vendor = vendor_name.map(|n| match get("vendorVersion").first() {
        Some(v) => format!("{n} {v}"),
        None => n,
    });
    Ok(Discovery {
        url,
        host,
        port,
        starttls,
        tls,
        flavour,
        vendor,
        default_naming_context: get("defaultNamingContext").into_iter().next(),
        naming_contexts: get("namingContexts"),
        chain: recorder.chain(),
    })
}

fn connect_error(
    host: &str,
    port: u16,
    tls: bool,
    starttls: bool,
    timeout: Duration,
    e: LdapError,
) -> Error {
    let text = e.to_string();
    let lower = text.to_lowercase();
    if matches!(e, LdapError::Timeout { .. }) {
        return Error::Unreachable {
            host: host.into(),
            port,
            detail: format!("no answer within {} s", timeout.as_secs()),
        };
    }
    if tls
        && (lower.contains("tls")
            || lower.contains("handshake")
            || lower.contains("rustls")
            || lower.contains("corrupt message")
            || lower.contains("invalidcontenttype"))
    {
        return Error::Tls {
            host: host.into(),
            detail: format!(
                "{text}; check that port {port} speaks {} (LDAPS is usually 636, StartTLS 389)",
                if starttls { "StartTLS" } else { "LDAPS" }
            ),
        };
    }
    Error::Unreachable {
        host: host.into(),
        port,
        detail: text,
    }
}

/// One certificate, described for a person deciding whether to trust it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertInfo {
    /// Subject DN.
    pub subject: String,
    /// Issuer DN.
    pub issuer: String,
    /// Start of validity (UTC, `YYYY-MM-DD HH:MM`).
    pub not_before: String,
    /// End of validity (UTC).
    pub not_after: String,
    /// End of validity as a Unix time, to compare with a `now`.
    pub not_after_unix: i64,
    /// SHA-256 of the DER, as `AB:CD:...`.
    pub sha256: String,
    /// Subject and issuer are the same (a root or a self-signed certificate).
    pub self_signed: bool,
    /// It is a CA certificate (basicConstraints CA:TRUE).
    pub is_ca: bool,
}

fn unix_to_text(t: i64) -> String {
    chrono::DateTime::from_timestamp(t, 0)
        .map(|d| d.format("%Y-%m-%d %H:%M UTC").to_string())
        .unwrap_or_else(|| t.to_string())
}

/// SHA-256 fingerprint of a certificate, as colon-separated hex pairs.
pub fn fingerprint(der: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(der)
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect::<Vec<_>>()
        .join(":")
}

/// Describes one DER certificate.
pub fn describe(der: &[u8]) -> Result<CertInfo> {
    let (_, cert) = x509_parser::parse_x509_certificate(der).map_err(|e| Error::Tls {
        host: String::new(),
        detail: format!("the server presented a certificate that cannot be read: {e}"),
    })?;
    let v = cert.validity();
    let subject = cert.subject().to_string();
    let issuer = cert.issuer().to_string();
    Ok(CertInfo {
        self_signed: subject == issuer,
        is_ca: cert.is_ca(),
        subject,
        issuer,
        not_before: unix_to_text(v.not_before.timestamp()),
        not_after: unix_to_text(v.not_after.timestamp()),
        not_after_unix: v.not_after.timestamp(),
        sha256: fingerprint(der),
    })
}

/// The certificates as a PEM file.
pub fn chain_pem(chain: &[CertificateDer<'_>]) -> String {
    let mut out = String::new();
    for c in chain {
        out.push_str("-----BEGIN CERTIFICATE-----\n");
        let b64 = base64(c.as_ref());
        for line in b64.as_bytes().chunks(64) {
            out.push_str(&String::from_utf8_lossy(line));
            out.push('\n');
        }
        out.push_str("-----END CERTIFICATE-----\n");
    }
    out
}

fn base64(data: &[u8]) -> String {
    data_encoding::BASE64.encode(data)
}

/// Roles proposed from the OUs found: each OU whose own name means a role (Pupils, Staff,
/// Supply, Generic, ...; the same names used when no roles are configured), written relative to
/// the base DN. An OU inside another OU of the same role (Year 7 in Pupils) is left to its parent.
pub fn propose_roles(ous: &[String], base_dn: &str) -> RoleMap {
    let guess = RoleMap::default();
    let mut map = RoleMap::default();
    for ou in ous {
        let Some(role) = guess.role_for(&format!("cn=x,{ou}"), &[], base_dn) else {
            continue;
        };
        let parent = ou.split_once(',').map(|(_, p)| p).unwrap_or("");
        if guess.role_for(&format!("cn=x,{parent}"), &[], base_dn) == Some(role.clone()) {
            continue;
        }
        map.0
            .entry(role)
            .or_insert_with(RoleRule::default)
            .ous
            .push(relative(ou, base_dn));
    }
    map
}

/// `dn` without the trailing base DN (compared ignoring case and spaces after commas).
pub fn relative(dn: &str, base_dn: &str) -> String {
    let norm = |s: &str| {
        s.split(',')
            .map(|p| p.trim().to_ascii_lowercase())
            .collect::<Vec<_>>()
    };
    let d = norm(dn);
    let b = norm(base_dn);
    if b.is_empty() || d.len() <= b.len() || d[d.len() - b.len()..] != b[..] {
        return dn.to_string();
    }
    let keep = d.len() - b.len();
    dn.split(',')
        .take(keep)
        .map(str::trim)
        .collect::<Vec<_>>()
        .join(",")
}

/// Binds with `cfg` and `password` and reads what `init` proposes from: the OUs under the base
/// DN, and the groups named one of `group_names` (relative to the base DN). Errors as a bind
/// gives them (a TLS error says what the server presented).
pub async fn survey(
    cfg: &crate::config::DirectoryConfig,
    password: crate::domain::secret::Secret,
    group_names: &[&str],
) -> crate::error::Result<(Vec<String>, Vec<String>)> {
    let conn = super::conn::LdapConn::new(cfg, password)?;
    conn.handle().await?;
    let ous = conn.list_ous(&cfg.base_dn).await?;
    let any: String = group_names
        .iter()
        .map(|n| format!("(cn={})", super::escape::filter_value(n)))
        .collect();
    let groups = conn
        .search(
            &cfg.base_dn,
            ldap3::Scope::Subtree,
            &format!(
                "(&(|(objectClass=group)(objectClass=groupOfNames)(objectClass=groupOfUniqueNames))(|{any}))"
            ),
            &["cn"],
        )
        .await?
        .into_iter()
        .map(|e| relative(&e.dn, &cfg.base_dn))
        .collect();
    Ok((ous, groups))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_the_standard() {
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foo"), "Zm9v");
        assert_eq!(base64(b"foobar"), "Zm9vYmFy");
    }

    #[test]
    fn pem_round_trips() {
        use rustls_pki_types::pem::PemObject;
        let der = CertificateDer::from((0u8..=255).collect::<Vec<u8>>());
        let pem = chain_pem(&[der.clone(), der.clone()]);
        let back: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(pem.as_bytes())
            .collect::<std::result::Result<_, _>>()
            .unwrap();
        assert_eq!(back, vec![der.clone(), der]);
    }

    #[test]
    fn roles_are_proposed_from_top_level_role_ous() {
        let base = "DC=school,DC=test";
        let ous: Vec<String> = [
            "OU=School,DC=school,DC=test",
            "OU=Pupils,OU=School,DC=school,DC=test",
            "OU=Year 7,OU=Pupils,OU=School,DC=school,DC=test",
            "OU=Staff,OU=School,DC=school,DC=test",
            "OU=Supply,OU=School,DC=school,DC=test",
            "OU=Generic,OU=School,DC=school,DC=test",
            "OU=Leavers,OU=School,DC=school,DC=test",
            "OU=Domain Controllers,DC=school,DC=test",
        ]
        .map(String::from)
        .to_vec();
        let m = propose_roles(&ous, base);
        let got: Vec<(String, Vec<String>)> =
            m.0.iter()
                .map(|(k, v)| (k.clone(), v.ous.clone()))
                .collect();
        assert_eq!(
            got,
            vec![
                ("generic".into(), vec!["OU=Generic,OU=School".into()]),
                ("guest".into(), vec!["OU=Supply,OU=School".into()]),
                ("pupil".into(), vec!["OU=Pupils,OU=School".into()]),
                ("staff".into(), vec!["OU=Staff,OU=School".into()]),
            ]
        );
    }

    #[test]
    fn relative_strips_the_base() {
        assert_eq!(
            relative(
                "ou=Pupils, ou=School,dc=school,dc=test",
                "DC=school,DC=test"
            ),
            "ou=Pupils,ou=School"
        );
        assert_eq!(
            relative("dc=school,dc=test", "dc=school,dc=test"),
            "dc=school,dc=test"
        );
        assert_eq!(relative("ou=x,dc=other", "dc=school"), "ou=x,dc=other");
    }
}
