//! The site a request names, normalised for a web filter: scheme, user name, port and a leading
//! `www.` dropped, lower case, trailing dot removed, international names in punycode (the Unicode
//! form kept for display), and checked against the Public Suffix List so that the registrable
//! domain is known and a public suffix alone (`co.uk`, `kent.sch.uk`) is refused. A path is kept
//! only for a page request.

use super::psl;
use idna::uts46::{AsciiDenyList, DnsLength, Hyphens, Uts46};
use serde::{Deserialize, Serialize};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// What a request is for, after normalising.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Site {
    /// The host in ASCII (punycode), lower case, without `www.` or a trailing dot.
    pub host: String,
    /// The host for people (international names in Unicode).
    pub host_unicode: String,
    /// The registrable domain (`bbc.co.uk` for `bitesize.bbc.co.uk`); the address for an IP.
    pub registrable_domain: String,
    /// `*.example.com`: the domain and all its subdomains.
    pub subdomains: bool,
    /// The page's path (`/mapzone`), only for a page request.
    pub path: Option<String>,
    /// Set when the host is an IP address (only with `--allow-ip`).
    pub ip: Option<IpRange>,
    /// What was dropped or changed, in words, for the technician.
    #[serde(skip)]
    pub notes: Vec<String>,
}

/// The kind of IP address a request names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum IpRange {
    /// A public address.
    Public,
    /// A private, loopback or link-local range (a machine inside a network).
    Private,
}

impl IpRange {
    /// `public` / `private`.
    pub fn as_str(self) -> &'static str {
        match self {
            IpRange::Public => "public",
            IpRange::Private => "private",
        }
    }
}

/// Choices that change what is accepted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SiteOptions {
    /// Accept an IP address (`--allow-ip`).
    pub allow_ip: bool,
    /// The request is for one page: keep the path (`--page`).
    pub page: bool,
}

/// Why a site was refused; each message names the fix.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SiteError {
    /// Nothing typed.
    #[error("no site given: type a site such as example.com or https://example.com/page")]
    Empty,
    /// Whitespace inside the address.
    #[error("\"{0}\" has a space in it, and a web address has none: check the typing (e.g. example.com)")]
    Space(String),
    /// Not an http(s) address.
    #[error("\"{0}\" is not a web address: only http:// and https:// sites can be filtered; type the site, e.g. example.com or https://example.com/page")]
    Scheme(String),
    /// Nothing where the host should be.
    #[error("\"{0}\" has no site name in it: type a site such as example.com")]
    NoHost(String),
    /// A port that is not a port.
    #[error("the port in \"{0}\" is not a number from 1 to 65535; type the site without it")]
    Port(String),
    /// An IP address without `--allow-ip`.
    #[error("\"{0}\" is an IP address, not a site name: ask for the site by its name, or add --allow-ip if the exception really is for this address")]
    IpAddress(String),
    /// A private-range address without `--allow-ip`.
    #[error("\"{0}\" is in a private range (a machine inside a network, not a web site): add --allow-ip if the exception really is for this address")]
    PrivateIp(String),
    /// A `*` anywhere but first.
    #[error("\"{0}\": a * may only stand first, as in *.example.com (the domain and all its subdomains)")]
    Wildcard(String),
    /// `a..b`, `.com`.
    #[error(
        "\"{0}\" has an empty part (two dots together, or a dot at the start): check the typing"
    )]
    EmptyLabel(String),
    /// A label over 63 characters.
    #[error("the part \"{label}\" is {len} characters long, and a part of a domain name may have at most 63: check the address")]
    LabelTooLong {
        /// The first characters of the label.
        label: String,
        /// Its length.
        len: usize,
    },
    /// A name over 253 characters.
    #[error("the name is {0} characters long, and a domain name may have at most 253: check the address")]
    NameTooLong(usize),
    /// An `xn--` label that does not decode.
    #[error("\"{0}\" is not valid punycode (an xn-- part must decode to an international name): check the address")]
    Punycode(String),
    /// Characters no host name may hold.
    #[error("\"{0}\" has characters a domain name cannot hold: use letters, digits and hyphens (a hyphen not first or last in a part)")]
    BadChars(String),
    /// The last label is a number: an IP address written oddly.
    #[error("\"{0}\" ends in a number, so it is not a domain name: write an IP address as four numbers (e.g. 192.0.2.10) with --allow-ip, or type the site's name")]
    Numeric(String),
    /// One label, not a public suffix: not a full name.
    #[error("\"{0}\" is a single name, not a web site's full name: type the full name, e.g. {0}.example.org")]
    NotFull(String),
    /// A public suffix alone.
    #[error("\"{0}\" is a public suffix, under which anyone can register sites (like com or co.uk): ask for one site under it, e.g. example.{0}")]
    PublicSuffix(String),
    /// `--page` without a path.
    #[error("--page is for one page, but \"{0}\" has no path: give the page's address (https://example.com/page), or leave out --page for the whole site")]
    PageWithoutPath(String),
    /// An address with a path, and neither `--page` nor `--whole-site`.
    #[error("\"{0}\" is the address of a page: say which is meant, --page (this page only) or --whole-site (every page of the site)")]
    PathNeedsScope(String),
    /// Both `--page` and `--whole-site`.
    #[error("--page and --whole-site were both given: give one (--page for this page only, --whole-site for every page of the site)")]
    PageAndWholeSite,
    /// `--page` with `*.`.
    #[error(
        "\"{0}\": *. is for a whole domain and its subdomains, so it cannot be used with --page"
    )]
    PageWithWildcard(String),
}

/// Whether the address names a page (it has a path beyond `/`), so a request for it must say
/// whether it is for the page or the whole site.
pub fn has_page_path(input: &str) -> bool {
    normalise(
        input,
        SiteOptions {
            allow_ip: true,
            page: true,
        },
    )
    .is_ok_and(|s| s.path.is_some())
}

/// Checks the page-or-site choice for `input`: a page address needs one of the two; both at
/// once are refused.
pub fn check_page_choice(input: &str, page: bool, whole_site: bool) -> Result<(), SiteError> {
    if page && whole_site {
        return Err(SiteError::PageAndWholeSite);
    }
    if !page && !whole_site && has_page_path(input) {
        return Err(SiteError::PathNeedsScope(input.trim().to_string()));
    }
    Ok(())
}

/// Normalises what the technician typed.
pub fn normalise(input: &str, opts: SiteOptions) -> Result<Site, SiteError> {
    let text = input.trim();
    if text.is_empty() {
        return Err(SiteError::Empty);
    }
    if text.chars().any(char::is_whitespace) {
        return Err(SiteError::Space(text.to_string()));
    }
    if text.chars().any(char::is_control) {
        return Err(SiteError::BadChars(text.to_string()));
    }
    let mut notes = Vec::new();
    let rest = strip_scheme(text, &mut notes)?;

    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(end);
    let hostport = match authority.rfind('@') {
        Some(at) => {
            notes.push("the user name before @ was dropped".into());
            &authority[at + 1..]
        }
        None => authority,
    };
    let host = split_port(hostport, text, &mut notes)?;
    if host.is_empty() {
        return Err(SiteError::NoHost(text.to_string()));
    }
    let path = page_path(tail, opts.page, text, &mut notes)?;

    // IP addresses, bracketed or not.
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    if let Ok(ip) = bare.parse::<IpAddr>() {
        return ip_site(ip, path, opts, notes);
    }

    let (subdomains, host) = match host.strip_prefix("*.") {
        Some(h) => (true, h),
        None => (false, host),
    };
    if host.contains('*') {
        return Err(SiteError::Wildcard(text.to_string()));
    }
    if subdomains && path.is_some() {
        return Err(SiteError::PageWithWildcard(text.to_string()));
    }
    let host = host.strip_suffix('.').unwrap_or(host);
    if host.is_empty() {
        return Err(SiteError::NoHost(text.to_string()));
    }
    if host.split('.').any(str::is_empty) {
        return Err(SiteError::EmptyLabel(host.to_string()));
    }
    if host.contains('%') {
        return Err(SiteError::BadChars(host.to_string()));
    }
    for label in host.split('.') {
        check_punycode(label)?;
    }
    let ascii = Uts46::new()
        .to_ascii(
            host.as_bytes(),
            AsciiDenyList::STD3,
            Hyphens::CheckFirstLast,
            DnsLength::Ignore,
        )
        .map_err(|_| SiteError::BadChars(host.to_string()))?
        .into_owned();
    for label in ascii.split('.') {
        if label.len() > 63 {
            let shown: String = label.chars().take(20).collect();
            return Err(SiteError::LabelTooLong {
                label: format!("{shown}…"),
                len: label.len(),
            });
        }
    }
    if ascii.len() > 253 {
        return Err(SiteError::NameTooLong(ascii.len()));
    }
    if ascii
        .rsplit('.')
        .next()
        .is_some_and(|l| l.bytes().all(|b| b.is_ascii_digit()))
    {
        return Err(SiteError::Numeric(host.to_string()));
    }

    // A leading www. goes, unless what is left is a public suffix (www.gov.uk, www.ck).
    let mut ascii = ascii;
    if let Some(rest) = ascii.strip_prefix("www.") {
        if psl::registrable(rest).is_some() && !psl::is_wildcard_parent(rest) {
            ascii = rest.to_string();
            notes.push("the leading www. was dropped".into());
        }
    }
    let registrable = psl::registrable(&ascii)
        .filter(|_| !psl::is_wildcard_parent(&ascii))
        .map(str::to_string);
    let Some(registrable) = registrable else {
        let shown = idna::domain_to_unicode(&ascii).0;
        if !ascii.contains('.') && !psl::is_listed_suffix(&ascii) {
            return Err(SiteError::NotFull(shown));
        }
        return Err(SiteError::PublicSuffix(shown));
    };
    let host_unicode = idna::domain_to_unicode(&ascii).0;
    if host_unicode != ascii {
        notes.push(format!("{host_unicode} is stored as {ascii} (punycode)"));
    }
    Ok(Site {
        host: ascii,
        host_unicode,
        registrable_domain: registrable,
        subdomains,
        path,
        ip: None,
        notes,
    })
}

/// Takes off `http://` / `https://` (or `//`); refuses every other scheme, including typos.
fn strip_scheme<'a>(text: &'a str, notes: &mut Vec<String>) -> Result<&'a str, SiteError> {
    let scheme_like = |s: &str| {
        let mut c = s.chars();
        c.next().is_some_and(|f| f.is_ascii_alphabetic())
            && c.all(|ch| ch.is_ascii_alphanumeric() || matches!(ch, '+' | '-' | '.'))
    };
    if let Some(i) = text.find("://") {
        let scheme = &text[..i];
        if scheme_like(scheme) {
            let lower = scheme.to_ascii_lowercase();
            if lower == "http" || lower == "https" {
                notes.push(format!("the scheme {lower}:// was dropped"));
                return Ok(&text[i + 3..]);
            }
            return Err(SiteError::Scheme(text.to_string()));
        }
    }
    if let Some(rest) = text.strip_prefix("//") {
        return Ok(rest);
    }
    if let Some(i) = text.find(':') {
        let (before, after) = (&text[..i], &text[i + 1..]);
        let port_follows = {
            let digits: String = after.chars().take_while(char::is_ascii_digit).collect();
            !digits.is_empty()
                && after[digits.len()..]
                    .chars()
                    .next()
                    .is_none_or(|c| c == '/')
        };
        if scheme_like(before) && !before.contains('.') && !port_follows {
            return Err(SiteError::Scheme(text.to_string()));
        }
    }
    Ok(text)
}

/// Splits off a `:port` (checked, then dropped); `[v6]` and bare IPv6 addresses are left whole.
fn split_port<'a>(
    hostport: &'a str,
    text: &str,
    notes: &mut Vec<String>,
) -> Result<&'a str, SiteError> {
    let (host, port) = if let Some(inner) = hostport.strip_prefix('[') {
        match inner.find(']') {
            Some(close) => {
                let after = &inner[close + 1..];
                (&hostport[..close + 2], after.strip_prefix(':'))
            }
            None => return Err(SiteError::BadChars(text.to_string())),
        }
    } else if hostport.matches(':').count() > 1 {
        (hostport, None)
    } else {
        match hostport.rsplit_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (hostport, None),
        }
    };
    if let Some(p) = port.filter(|p| !p.is_empty()) {
        match p.parse::<u32>() {
            Ok(n) if (1..=65535).contains(&n) && p.bytes().all(|b| b.is_ascii_digit()) => {
                notes.push(format!("the port :{n} was dropped"));
            }
            _ => return Err(SiteError::Port(text.to_string())),
        }
    }
    Ok(host)
}

/// The path of a page request (query and fragment dropped, non-ASCII percent-encoded); for a site
/// request any path is dropped with a note.
fn page_path(
    tail: &str,
    page: bool,
    text: &str,
    notes: &mut Vec<String>,
) -> Result<Option<String>, SiteError> {
    let end = tail.find(['?', '#']).unwrap_or(tail.len());
    let path = &tail[..end];
    let has_path = !path.is_empty() && path != "/";
    if !page {
        if has_path {
            notes.push(format!(
                "the path {path} was dropped: the request is for the whole site, every page of it"
            ));
        }
        return Ok(None);
    }
    if !has_path {
        return Err(SiteError::PageWithoutPath(text.to_string()));
    }
    if end < tail.len() {
        notes.push("the part after ? or # was dropped".into());
    }
    let mut out = String::with_capacity(path.len());
    for c in path.chars() {
        if c.is_ascii() {
            out.push(c);
        } else {
            let mut buf = [0u8; 4];
            for b in c.encode_utf8(&mut buf).bytes() {
                out.push_str(&format!("%{b:02X}"));
            }
        }
    }
    Ok(Some(out))
}

/// Refuses an `xn--` label that is not valid punycode for an international name.
fn check_punycode(label: &str) -> Result<(), SiteError> {
    let lower = label.to_ascii_lowercase();
    let Some(code) = lower.strip_prefix("xn--") else {
        return Ok(());
    };
    let bad = || SiteError::Punycode(label.to_string());
    let decoded = idna::punycode::decode_to_string(code).ok_or_else(bad)?;
    if decoded.is_ascii() || idna::punycode::encode_str(&decoded).as_deref() != Some(code) {
        return Err(bad());
    }
    // The decoded label must itself be a valid international label.
    Uts46::new()
        .to_ascii(
            lower.as_bytes(),
            AsciiDenyList::STD3,
            Hyphens::CheckFirstLast,
            DnsLength::Ignore,
        )
        .map_err(|_| bad())?;
    Ok(())
}

fn ip_site(
    ip: IpAddr,
    path: Option<String>,
    opts: SiteOptions,
    notes: Vec<String>,
) -> Result<Site, SiteError> {
    let range = if is_private(ip) {
        IpRange::Private
    } else {
        IpRange::Public
    };
    let shown = ip.to_string();
    if !opts.allow_ip {
        return Err(match range {
            IpRange::Private => SiteError::PrivateIp(shown),
            IpRange::Public => SiteError::IpAddress(shown),
        });
    }
    Ok(Site {
        host: shown.clone(),
        host_unicode: shown.clone(),
        registrable_domain: shown,
        subdomains: false,
        path,
        ip: Some(range),
        notes,
    })
}

/// Private, loopback, link-local, shared (CGNAT) and unspecified ranges.
pub fn is_private(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, ..] = v4.octets();
            v4.is_private()
                || v4.is_loopback()
                || v4.is_link_local()
                || v4.is_unspecified()
                || (a == 100 && (64..128).contains(&b))
                || v4 == Ipv4Addr::BROADCAST
        }
        IpAddr::V6(v6) => {
            let first = v6.segments()[0];
            v6.is_loopback()
                || v6.is_unspecified()
                || (first & 0xfe00) == 0xfc00
                || (first & 0xffc0) == 0xfe80
                || v6
                    .to_ipv4_mapped()
                    .is_some_and(|v4| is_private(IpAddr::V4(v4)))
                || v6 == Ipv6Addr::LOCALHOST
        }
    }
}
