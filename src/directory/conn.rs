//! One LDAP connection (ldap3): TLS, bind, timeouts, paged searches, one reconnect for reads,
//! and LDAP errors turned into messages that say what to fix.

use super::attrs::Entry;
use super::Secret;
use crate::config::DirectoryConfig;
use crate::error::{Error, Result};
use ldap3::adapters::{Adapter, EntriesOnly, PagedResults};
use ldap3::{
    Ldap, LdapConnAsync, LdapConnSettings, LdapError, LdapResult, Mod, Scope, SearchEntry,
};
use std::collections::HashSet;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// Entries received by every search of this process, counted as they arrive: how far a long
/// read (the mirror's full read) has come, for a progress display.
pub static ENTRIES_RECEIVED: AtomicU64 = AtomicU64::new(0);
use tokio::sync::Mutex;

/// Page size for searches.
pub const PAGE_SIZE: i32 = 1000;

/// A lazily connected, bound LDAP session.
pub struct LdapConn {
    url: String,
    /// What ldap3 is given to dial: the configured URL, or for clear text the loopback
    /// address the host was judged by.
    dial_url: String,
    host: String,
    port: u16,
    tls: TlsMode,
    bind_dn: String,
    password: Secret,
    connect_timeout: Duration,
    op_timeout: Duration,
    tls_config: Option<Arc<rustls::ClientConfig>>,
    tls_verify: bool,
    ldap: Mutex<Option<Ldap>>,
}

/// How the connection is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TlsMode {
    /// `ldaps://`
    Ldaps,
    /// `ldap://` upgraded with StartTLS.
    StartTls,
    /// `ldap://` in clear text (loopback only).
    Clear,
}

/// True for a loopback address (also an IPv4 loopback written as IPv6, `::ffff:127.0.0.1`).
fn is_loopback_ip(ip: std::net::IpAddr) -> bool {
    match ip {
        std::net::IpAddr::V4(v4) => v4.is_loopback(),
        std::net::IpAddr::V6(v6) => {
            v6.is_loopback() || v6.to_ipv4_mapped().is_some_and(|v4| v4.is_loopback())
        }
    }
}

/// The loopback address to dial for `host`, if it is one: an IP literal that is loopback, or
/// `localhost` when every address it resolves to (the hosts file) is. Any other name is not
/// trusted, whatever it resolves to.
pub(crate) fn loopback_addr(host: &str, port: u16) -> Option<std::net::SocketAddr> {
    use std::net::{IpAddr, SocketAddr, ToSocketAddrs};
    if let Ok(ip) = host.parse::<IpAddr>() {
        return is_loopback_ip(ip).then_some(SocketAddr::new(ip, port));
    }
    if !host.eq_ignore_ascii_case("localhost") {
        return None;
    }
    let addrs: Vec<SocketAddr> = (host, port).to_socket_addrs().ok()?.collect();
    if addrs.is_empty() || !addrs.iter().all(|a| is_loopback_ip(a.ip())) {
        return None;
    }
    addrs
        .iter()
        .find(|a| a.is_ipv4())
        .or(addrs.first())
        .copied()
}

/// Parses an LDAP URL with the `url` crate, as ldap3 does before it dials: (scheme, host,
/// port), the host as ldap3 will connect to it (an IPv6 address without brackets).
pub(crate) fn parse_url(url: &str) -> Result<(String, String, u16)> {
    let bad = || {
        Error::Config(format!(
            "[directory] url \"{url}\" is not an LDAP URL; write it like ldaps://dc1.school.local:636"
        ))
    };
    let u = url::Url::parse(url.trim()).map_err(|_| bad())?;
    let scheme = u.scheme().to_ascii_lowercase();
    let default_port = match scheme.as_str() {
        "ldaps" => 636,
        "ldap" => 389,
        _ => return Err(bad()),
    };
    if !u.username().is_empty() || u.password().is_some() {
        return Err(Error::Config(format!(
            "[directory] url \"{url}\" has a user part (before \"@\"); an LDAP URL names only the server, like ldaps://dc1.school.local:636 (the account goes in bind_dn)"
        )));
    }
    let host = match u.host() {
        Some(url::Host::Domain(d)) if !d.is_empty() => d.to_string(),
        Some(url::Host::Ipv4(a)) => a.to_string(),
        Some(url::Host::Ipv6(a)) => a.to_string(),
        _ => return Err(bad()),
    };
    Ok((scheme, host, u.port().unwrap_or(default_port)))
}

fn load_ca(path: &std::path::Path) -> Result<Arc<rustls::ClientConfig>> {
    use rustls_pki_types::pem::PemObject;
    use rustls_pki_types::CertificateDer;
    let fix =
        "set [directory] ca_cert to the PEM file of the CA that signed the server's certificate";
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(path)
        .map_err(|e| {
            Error::Config(format!(
                "cannot read ca_cert {}: {e}; {fix}",
                path.display()
            ))
        })?
        .collect::<std::result::Result<_, _>>()
        .map_err(|e| {
            Error::Config(format!(
                "ca_cert {} is not a PEM certificate: {e}; {fix}",
                path.display()
            ))
        })?;
    if certs.is_empty() {
        return Err(Error::Config(format!(
            "ca_cert {} holds no certificate; {fix}",
            path.display()
        )));
    }
    let mut roots = rustls::RootCertStore::empty();
    for c in &certs {
        roots
            .add(c.clone())
            .map_err(|e| Error::Config(format!("ca_cert {}: {e}; {fix}", path.display())))?;
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    // ca_cert may also hold the server's own certificate (pinned by `init --trust-server-cert`).
    let verifier = super::pinned::PinnedOrCa::new(roots, certs, provider.clone())
        .map_err(|e| Error::Config(format!("ca_cert {}: {e}; {fix}", path.display())))?;
    let cfg = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| Error::Config(format!("TLS setup: {e}")))?
        .dangerous()
        .with_custom_certificate_verifier(verifier)
        .with_no_client_auth();
    Ok(Arc::new(cfg))
}

impl LdapConn {
    /// Prepares a connection from the configuration (does not connect yet).
    pub fn new(cfg: &DirectoryConfig, password: Secret) -> Result<Self> {
        let (scheme, host, port) = parse_url(&cfg.url)?;
        let tls = match (scheme.as_str(), cfg.starttls) {
            ("ldaps", _) => TlsMode::Ldaps,
            (_, true) => TlsMode::StartTls,
            _ => TlsMode::Clear,
        };
        let dial_url = if tls == TlsMode::Clear {
            let Some(addr) = loopback_addr(&host, port) else {
                return Err(Error::Config(format!(
                    "refusing to send the bind password in clear text to {host}; use ldaps://{host}:636 \
                     or set starttls = true in [directory] (clear text is for a loopback address only)"
                )));
            };
            format!("{scheme}://{addr}")
        } else {
            cfg.url.trim().to_string()
        };
        let tls_config = match (&cfg.ca_cert, tls) {
            (Some(p), TlsMode::Ldaps | TlsMode::StartTls) if cfg.tls_verify => Some(load_ca(p)?),
            _ => None,
        };
        if !cfg.tls_verify && tls != TlsMode::Clear {
            eprintln!(
                "warning: tls_verify = false — the certificate of {host} is not checked; set ca_cert and tls_verify = true"
            );
        }
        Ok(LdapConn {
            url: cfg.url.clone(),
            dial_url,
            host,
            port,
            tls,
            bind_dn: cfg.bind_dn.clone(),
            password,
            connect_timeout: Duration::from_secs(cfg.connect_timeout_s),
            op_timeout: Duration::from_secs(cfg.op_timeout_s),
            tls_config,
            tls_verify: cfg.tls_verify,
            ldap: Mutex::new(None),
        })
    }

    /// The URL connected to.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The TLS state in words.
    pub fn tls_description(&self) -> String {
        let verify = if !self.tls_verify {
            "certificate NOT verified (tls_verify = false)"
        } else if self.tls_config.is_some() {
            "certificate verified against ca_cert"
        } else {
            "certificate verified against the system's CAs"
        };
        match self.tls {
            TlsMode::Ldaps => format!("LDAPS, {verify}"),
            TlsMode::StartTls => format!("StartTLS, {verify}"),
            TlsMode::Clear => "clear text (loopback only)".into(),
        }
    }

    fn settings(&self) -> LdapConnSettings {
        let mut s = LdapConnSettings::new()
            .set_conn_timeout(self.connect_timeout)
            .set_starttls(self.tls == TlsMode::StartTls);
        if !self.tls_verify {
            s = s.set_no_tls_verify(true);
        } else if let Some(c) = &self.tls_config {
            s = s.set_config(c.clone());
        }
        s
    }

    async fn open(&self) -> Result<Ldap> {
        let (conn, mut ldap) = LdapConnAsync::with_settings(self.settings(), &self.dial_url)
            .await
            .map_err(|e| self.connect_error(e))?;
        ldap3::drive!(conn);
        ldap.with_timeout(self.op_timeout);
        let res = ldap
            .simple_bind(&self.bind_dn, self.password.expose())
            .await
            .map_err(|e| self.connect_error(e))?;
        match res.rc {
            0 => Ok(ldap),
            49 => Err(Error::AuthFailed {
                bind_dn: self.bind_dn.clone(),
            }),
            _ => Err(self.result_error("bind", &res)),
        }
    }

    /// A bound handle, connecting first if needed. Its next operation carries `op_timeout_s`
    /// (ldap3 timeouts are per operation; for searches the timer restarts with each entry).
    pub async fn handle(&self) -> Result<Ldap> {
        let mut guard = self.ldap.lock().await;
        let alive = guard.as_mut().is_some_and(|l| !l.is_closed());
        let mut l = match guard.as_ref() {
            Some(l) if alive => l.clone(),
            _ => {
                let l = self.open().await?;
                *guard = Some(l.clone());
                l
            }
        };
        l.with_timeout(self.op_timeout);
        Ok(l)
    }

    async fn drop_handle(&self) {
        *self.ldap.lock().await = None;
    }

    /// Turns a connect/transport error into one that says what to do.
    fn connect_error(&self, e: LdapError) -> Error {
        let text = e.to_string();
        let lower = text.to_lowercase();
        let tls_hint = |detail: &str| Error::Tls {
            host: self.host.clone(),
            detail: detail.to_string(),
        };
        if lower.contains("unknownissuer")
            || lower.contains("unknown issuer")
            || lower.contains("self-signed")
            || lower.contains("selfsigned")
        {
            tls_hint("the server's certificate is not signed by a CA this machine trusts; set ca_cert in [directory] to the CA's PEM file (Samba: private/tls/ca.pem)")
        } else if lower.contains("expired") {
            tls_hint("the server's certificate has expired; renew the server's certificate (or check this machine's clock)")
        } else if lower.contains("notvalidforname") || lower.contains("not valid for name") {
            tls_hint("the server's certificate does not name this host; use the host name in the certificate in [directory] url")
        } else if lower.contains("invalid peer certificate")
            || lower.contains("certificate")
            || lower.contains("handshake")
            || lower.contains("tls")
            || lower.contains("rustls")
        {
            tls_hint(&format!(
                "{text}; check ca_cert and that the port speaks {}",
                if self.tls == TlsMode::Ldaps {
                    "LDAPS"
                } else {
                    "StartTLS"
                }
            ))
        } else if matches!(e, LdapError::Timeout { .. }) {
            Error::Unreachable {
                host: self.host.clone(),
                port: self.port,
                detail: format!("no answer within {} s", self.connect_timeout.as_secs()),
            }
        } else {
            Error::Unreachable {
                host: self.host.clone(),
                port: self.port,
                detail: text,
            }
        }
    }

    /// Turns an LDAP result code into plain words.
    pub fn result_error(&self, doing: &str, res: &LdapResult) -> Error {
        let reason = match res.rc {
            19 => "a constraint was violated (for passwords: too short, too simple, too recent, or in the history)".to_string(),
            32 => "no such entry".to_string(),
            49 => "invalid credentials".to_string(),
            50 => format!("the bind account \"{}\" is not allowed to do this; give it the rights listed in the README", self.bind_dn),
            53 => "the server is unwilling (for passwords: it needs an encrypted connection, or the password breaks the directory's policy)".to_string(),
            64 => "the name is not allowed".to_string(),
            65 => "the entry is missing a required attribute or class".to_string(),
            68 => "an entry with that name already exists".to_string(),
            _ => "the server refused".to_string(),
        };
        let text = res.text.trim();
        let reason = format!("{reason} (LDAP result code {})", res.rc);
        Error::Directory {
            code: res.rc,
            doing: doing.to_string(),
            reason: if text.is_empty() {
                reason
            } else {
                format!("{reason} — server says: {text}")
            },
        }
    }

    fn transport_error(&self, doing: &str, e: LdapError) -> Error {
        match e {
            LdapError::Timeout { .. } => Error::Timeout {
                doing: doing.to_string(),
                seconds: self.op_timeout.as_secs(),
            },
            other => {
                let mut err = self.connect_error(other);
                if let Error::Unreachable { detail, .. } = &mut err {
                    *detail = format!("connection lost while trying to {doing}: {detail}");
                }
                err
            }
        }
    }

    /// [`Self::transport_error`] for a change that was sent: a lost connection means no answer,
    /// not "unreachable" (the server may have made the change).
    fn write_error(&self, doing: &str, e: LdapError) -> Error {
        match self.transport_error(doing, e) {
            Error::Unreachable { detail, .. } | Error::Tls { detail, .. } => Error::NoAnswer {
                doing: doing.to_string(),
                detail,
            },
            Error::Timeout { seconds, .. } => Error::NoAnswer {
                doing: doing.to_string(),
                detail: format!("no answer within {seconds} s"),
            },
            other => other,
        }
    }

    /// A paged subtree (or other scope) search returning entries only (AD referrals skipped).
    /// Retries once on a fresh connection if the old one was dropped (AD drops idle ones).
    pub async fn search(
        &self,
        base: &str,
        scope: Scope,
        filter: &str,
        attrs: &[&str],
    ) -> Result<Vec<Entry>> {
        match self.search_once(base, scope, filter, attrs).await {
            Err(e) if e.is_connection_lost() => {
                self.drop_handle().await;
                self.search_once(base, scope, filter, attrs).await
            }
            other => other,
        }
    }

    /// [`Self::search`] with request controls (e.g. Show Deleted) and the attributes in
    /// `binary` kept, as lower-case hex (objectGUID, invocationId).
    pub async fn search_with(
        &self,
        base: &str,
        scope: Scope,
        filter: &str,
        attrs: &[&str],
        controls: &[ldap3::controls::RawControl],
        binary: &[&str],
    ) -> Result<Vec<Entry>> {
        match self
            .search_ctl(base, scope, filter, attrs, controls, binary)
            .await
        {
            Err(e) if e.is_connection_lost() => {
                self.drop_handle().await;
                self.search_ctl(base, scope, filter, attrs, controls, binary)
                    .await
            }
            other => other,
        }
    }

    async fn search_once(
        &self,
        base: &str,
        scope: Scope,
        filter: &str,
        attrs: &[&str],
    ) -> Result<Vec<Entry>> {
        self.search_ctl(base, scope, filter, attrs, &[], &[]).await
    }

    async fn search_ctl(
        &self,
        base: &str,
        scope: Scope,
        filter: &str,
        attrs: &[&str],
        controls: &[ldap3::controls::RawControl],
        binary: &[&str],
    ) -> Result<Vec<Entry>> {
        let mut ldap = self.handle().await?;
        if !controls.is_empty() {
            ldap.with_controls(controls.to_vec());
        }
        let doing = format!("search {base}");
        let adapters: Vec<Box<dyn Adapter<_, _>>> = vec![
            Box::new(EntriesOnly::new()),
            Box::new(PagedResults::new(PAGE_SIZE)),
        ];
        let mut stream = ldap
            .streaming_search_with(adapters, base, scope, filter, attrs.to_vec())
            .await
            .map_err(|e| self.transport_error(&doing, e))?;
        // Entries are decoded on another thread as they arrive: the next page is asked for as
        // soon as this one is read, not after its entries are decoded (a paged search of 20,000
        // accounts waited ~0.2 s for that).
        let (tx, rx) = std::sync::mpsc::channel::<ldap3::ResultEntry>();
        let binary: Vec<String> = binary.iter().map(|b| b.to_string()).collect();
        let decoder = tokio::task::spawn_blocking(move || {
            let binary: Vec<&str> = binary.iter().map(String::as_str).collect();
            rx.into_iter()
                .map(|re| {
                    let e = SearchEntry::construct(re);
                    if binary.is_empty() {
                        Entry::from_ldap(e)
                    } else {
                        Entry::from_ldap_hex(e, &binary)
                    }
                })
                .collect::<Vec<Entry>>()
        });
        let read = loop {
            match stream.next().await {
                // The decoder ends only when `tx` is dropped, so a send cannot fail.
                Ok(Some(re)) => {
                    ENTRIES_RECEIVED.fetch_add(1, Ordering::Relaxed);
                    _ = tx.send(re)
                }
                Ok(None) => break Ok(()),
                Err(e) => break Err(self.transport_error(&doing, e)),
            }
        };
        drop(tx);
        let decoded = decoder.await;
        read?;
        let out = decoded.map_err(|e| Error::Directory {
            code: 0,
            doing: doing.clone(),
            reason: format!("decoding the answer failed ({e})"),
        })?;
        let res = stream.finish().await;
        match res.rc {
            0 => Ok(out),
            32 => Err(Error::NotFound(format!(
                "\"{base}\" does not exist in the directory; check base_dn in [directory]"
            ))),
            4 if !out.is_empty() => Ok(out), // size limit: return what we have
            _ => Err(self.result_error(&doing, &res)),
        }
    }

    /// Reads one entry by DN (base scope); None if it does not exist.
    pub async fn read(&self, dn: &str, attrs: &[&str]) -> Result<Option<Entry>> {
        match self.search(dn, Scope::Base, "(objectClass=*)", attrs).await {
            Ok(mut v) => Ok(v.pop()),
            Err(Error::NotFound(_)) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Adds the organizational unit `dn` (its parent must exist).
    pub async fn create_ou(&self, dn: &str) -> Result<()> {
        let name = crate::domain::dn::first_rdn_value(dn);
        self.add(
            dn,
            vec![
                attr("objectClass", &["top", "organizationalUnit"]),
                attr("ou", &[name.as_str()]),
            ],
        )
        .await
    }

    /// Adds an entry.
    pub async fn add(&self, dn: &str, attrs: Vec<(Vec<u8>, HashSet<Vec<u8>>)>) -> Result<()> {
        let mut ldap = self.handle().await?;
        let doing = format!("create {dn}");
        let res = ldap
            .add(dn, attrs)
            .await
            .map_err(|e| self.write_error(&doing, e))?;
        self.check(&doing, res)
    }

    /// Modifies an entry.
    pub async fn modify(&self, dn: &str, mods: Vec<Mod<Vec<u8>>>, doing: &str) -> Result<()> {
        let mut ldap = self.handle().await?;
        let res = ldap
            .modify(dn, mods)
            .await
            .map_err(|e| self.write_error(doing, e))?;
        self.check(doing, res)
    }

    /// Renames/moves an entry.
    pub async fn modify_dn(
        &self,
        dn: &str,
        rdn: &str,
        new_sup: Option<&str>,
        doing: &str,
    ) -> Result<()> {
        let mut ldap = self.handle().await?;
        let res = ldap
            .modifydn(dn, rdn, true, new_sup)
            .await
            .map_err(|e| self.write_error(doing, e))?;
        self.check(doing, res)
    }

    /// Deletes an entry.
    pub async fn delete(&self, dn: &str) -> Result<()> {
        let mut ldap = self.handle().await?;
        let doing = format!("delete {dn}");
        let res = ldap
            .delete(dn)
            .await
            .map_err(|e| self.write_error(&doing, e))?;
        self.check(&doing, res)
    }

    /// Runs the Password Modify extended operation (RFC 3062) for `dn`.
    pub async fn password_modify(&self, dn: &str, new: &Secret, doing: &str) -> Result<()> {
        let mut ldap = self.handle().await?;
        let op = ldap3::exop::PasswordModify {
            user_id: Some(dn),
            old_pass: None,
            new_pass: Some(new.expose()),
        };
        let res = ldap
            .extended(op)
            .await
            .map_err(|e| self.write_error(doing, e))?;
        self.check(doing, res.1)
    }

    fn check(&self, doing: &str, res: LdapResult) -> Result<()> {
        if res.rc == 0 {
            Ok(())
        } else {
            Err(self.result_error(doing, &res))
        }
    }
}

impl LdapConn {
    /// A group by DN (when `name_or_dn` contains `=`) or by the flavour's name filter.
    pub async fn find_group(
        &self,
        base: &str,
        name_or_dn: &str,
        name_filter: &str,
    ) -> Result<Option<super::Group>> {
        // A name may hold "=" (a hostile or just odd group name): read as a DN first, and when
        // it is no entry, or no DN at all (the server refuses its syntax), look for the name.
        let by_dn = if name_or_dn.contains('=') {
            match self.read(name_or_dn, &["cn"]).await {
                Ok(found) => found,
                Err(Error::Directory { .. }) => None,
                Err(e) => return Err(e),
            }
        } else {
            None
        };
        let found = match by_dn {
            Some(e) => Some(e),
            None => self
                .search(base, Scope::Subtree, name_filter, &["cn"])
                .await?
                .into_iter()
                .next(),
        };
        Ok(found.map(|e| super::Group {
            name: super::escape::first_rdn_value(&e.dn),
            dn: e.dn,
        }))
    }

    /// Every entry `filter` finds under `base` as a group (paged), sorted by name. The filter is
    /// the flavour's constant group filter: no outside text enters it.
    pub async fn list_groups(&self, base: &str, filter: &str) -> Result<Vec<super::GroupInfo>> {
        let mut v: Vec<super::GroupInfo> = self
            .search(base, Scope::Subtree, filter, &["cn", "description"])
            .await?
            .into_iter()
            .map(|e| super::GroupInfo {
                name: e
                    .text("cn")
                    .unwrap_or_else(|| super::escape::first_rdn_value(&e.dn)),
                description: e.text("description"),
                dn: e.dn,
            })
            .collect();
        super::sort_groups(&mut v);
        Ok(v)
    }

    /// What `doctor` needs: the base DN exists, and the attributes in `required` are readable
    /// on the accounts `filter` finds (an attribute absent from every one of them is reported).
    pub async fn probe(
        &self,
        base: &str,
        filter: &str,
        attrs: &[&str],
        required: &[&str],
    ) -> Result<super::Probe> {
        let found = self.read(base, &["objectClass"]).await?;
        let mut probe = super::Probe {
            base_dn_found: found.is_some(),
            tls: self.tls_description(),
            ..Default::default()
        };
        if found.is_none() {
            return Ok(probe);
        }
        let sample = self.search(base, Scope::Subtree, filter, attrs).await?;
        probe.sample_size = sample.len();
        if !sample.is_empty() {
            probe.unreadable = required
                .iter()
                .filter(|a| sample.iter().all(|e| e.first(a).is_none()))
                .map(|a| a.to_string())
                .collect();
        }
        Ok(probe)
    }

    /// Adds or removes one member value of a group. "Already a member" (20, or 68 from Samba)
    /// and "not a member" (16) count as done.
    pub async fn change_member(
        &self,
        group_dn: &str,
        attr_name: &str,
        value: &str,
        adding: bool,
        who: &str,
    ) -> Result<()> {
        let values = HashSet::from([value.as_bytes().to_vec()]);
        let group = super::escape::first_rdn_value(group_dn);
        let (m, doing, ok) = if adding {
            (
                Mod::Add(attr_name.as_bytes().to_vec(), values),
                format!("add {who} to {group}"),
                &[20u32, 68][..],
            )
        } else {
            (
                Mod::Delete(attr_name.as_bytes().to_vec(), values),
                format!("remove {who} from {group}"),
                &[16u32][..],
            )
        };
        match self.modify(group_dn, vec![m], &doing).await {
            Err(Error::Directory { code, .. }) if ok.contains(&code) => Ok(()),
            other => other,
        }
    }

    /// Every OU under `base`, in tree order.
    pub async fn list_ous(&self, base: &str) -> Result<Vec<String>> {
        let mut v: Vec<String> = self
            .search(
                base,
                Scope::Subtree,
                "(objectClass=organizationalUnit)",
                &["ou"],
            )
            .await?
            .into_iter()
            .map(|e| e.dn)
            .collect();
        v.sort_by_cached_key(|dn| super::escape::tree_order_key(dn));
        Ok(v)
    }
}

/// Helper to build `(name, {values})` pairs for `add`.
pub fn attr(name: &str, values: &[&str]) -> (Vec<u8>, HashSet<Vec<u8>>) {
    (
        name.as_bytes().to_vec(),
        values.iter().map(|v| v.as_bytes().to_vec()).collect(),
    )
}

/// `Mod::Replace` with text values.
pub fn replace(name: &str, values: &[&str]) -> Mod<Vec<u8>> {
    Mod::Replace(
        name.as_bytes().to_vec(),
        values.iter().map(|v| v.as_bytes().to_vec()).collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        assert_eq!(
            parse_url("ldaps://dc1:636").unwrap(),
            ("ldaps".into(), "dc1".into(), 636)
        );
        assert_eq!(parse_url("ldap://127.0.0.1").unwrap().2, 389);
        assert_eq!(
            parse_url("LDAPS://[::1]:1636/").unwrap(),
            ("ldaps".into(), "::1".into(), 1636)
        );
        assert!(parse_url("http://x").is_err());
        assert!(parse_url("ldaps://").is_err());
    }

    #[test]
    fn loopback_is_decided_from_the_address_that_is_dialled() {
        let conn = |url: &str| {
            let cfg = DirectoryConfig {
                url: url.into(),
                bind_dn: "cn=x".into(),
                base_dn: "dc=x".into(),
                ..Default::default()
            };
            LdapConn::new(&cfg, Secret::new("x"))
        };
        for url in [
            "ldap://[::1]@dc1.school.local/",
            "ldap://127.0.0.1@dc1.school.local:389/",
            "ldap://localhost@dc1.school.local/",
            "ldap://dc1.school.local/?[::1]",
            "ldap://dc1.school.local#127.0.0.1",
            "ldap://localhost.school.local/",
        ] {
            let r = conn(url);
            assert!(r.is_err(), "{url} was judged loopback");
        }
        for url in [
            "ldap://127.0.0.1:3899",
            "ldap://127.0.2.9",
            "ldap://[::1]:3899/",
            "ldap://localhost:3899",
            "LDAP://LOCALHOST:3899",
        ] {
            assert!(conn(url).is_ok(), "{url} is loopback");
        }
        // A name is dialled at the loopback address it was judged by.
        let c = conn("ldap://localhost:3899").expect("conn");
        assert!(
            c.dial_url.starts_with("ldap://127.0.0.1:3899")
                || c.dial_url.starts_with("ldap://[::1]:3899"),
            "{}",
            c.dial_url
        );
    }

    #[test]
    fn tls_failures_say_what_to_fix() {
        let cfg = DirectoryConfig {
            url: "ldaps://dc1.school.test".into(),
            bind_dn: "cn=x".into(),
            base_dn: "dc=x".into(),
            ..Default::default()
        };
        let conn = LdapConn::new(&cfg, Secret::new("x")).expect("conn");
        let io = |m: &str| LdapError::Io {
            source: std::io::Error::other(m.to_string()),
        };
        let msg = |m: &str| conn.connect_error(io(m)).to_string();
        assert!(msg("invalid peer certificate: UnknownIssuer").contains("set ca_cert"));
        assert!(msg("invalid peer certificate: Expired").contains("expired"));
        assert!(msg("invalid peer certificate: NotValidForName").contains("host name"));
        let refused = conn.connect_error(LdapError::Io {
            source: std::io::Error::from(std::io::ErrorKind::ConnectionRefused),
        });
        assert!(
            matches!(refused, Error::Unreachable { port: 636, .. }),
            "{refused}"
        );
    }

    #[test]
    fn clear_text_refused_off_loopback() {
        let cfg = DirectoryConfig {
            url: "ldap://dc1.school.local".into(),
            bind_dn: "cn=x".into(),
            base_dn: "dc=x".into(),
            ..Default::default()
        };
        let msg = LdapConn::new(&cfg, Secret::new("x"))
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(msg.contains("clear text"), "{msg}");
        let ok = DirectoryConfig {
            url: "ldap://127.0.0.1:3899".into(),
            ..cfg
        };
        assert!(LdapConn::new(&ok, Secret::new("x")).is_ok());
    }
}
