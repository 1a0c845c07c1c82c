//! A throwaway CA and server certificate, made with the `openssl` CLI (EC P-256: instant).

use std::fs;
use std::net::Ipv4Addr;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

pub(super) struct Certs {
    /// PEM CA certificate that signed `cert`.
    pub ca: PathBuf,
    /// PEM server certificate: CN=dc1.school.test, SAN IP:<ip>, DNS:dc1.school.test.
    pub cert: PathBuf,
    /// PEM private key of `cert`, mode 0600 (Samba refuses a key readable by others).
    pub key: PathBuf,
}

/// Writes a fresh CA and a server certificate for `ip` into `dir` (created).
pub(super) fn generate(dir: &Path, ip: Ipv4Addr) -> Certs {
    fs::create_dir_all(dir).expect("creating the TLS dir");
    let p = |name: &str| dir.join(name);
    let ec = [
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
    ];
    openssl(
        Command::new("openssl")
            .args(["req", "-x509"])
            .args(ec)
            .arg("-keyout")
            .arg(p("ca.key"))
            .arg("-out")
            .arg(p("ca.pem"))
            .args([
                "-days",
                "3650",
                "-subj",
                "/O=schooltech tests/CN=schooltech test CA",
            ])
            .args(["-addext", "basicConstraints=critical,CA:TRUE"])
            .args(["-addext", "keyUsage=critical,keyCertSign,cRLSign"]),
        "CA",
    );
    openssl(
        Command::new("openssl")
            .arg("req")
            .args(ec)
            .arg("-keyout")
            .arg(p("server.key"))
            .arg("-out")
            .arg(p("server.csr"))
            .args(["-subj", "/CN=dc1.school.test"]),
        "server key",
    );
    fs::write(
        p("server.ext"),
        format!(
            "subjectAltName=IP:{ip},DNS:dc1.school.test\n\
             basicConstraints=critical,CA:FALSE\n\
             keyUsage=critical,digitalSignature,keyEncipherment\n\
             extendedKeyUsage=serverAuth\n"
        ),
    )
    .expect("writing the cert extensions");
    openssl(
        Command::new("openssl")
            .args(["x509", "-req", "-in"])
            .arg(p("server.csr"))
            .arg("-CA")
            .arg(p("ca.pem"))
            .arg("-CAkey")
            .arg(p("ca.key"))
            .args(["-set_serial", "2", "-days", "3650", "-extfile"])
            .arg(p("server.ext"))
            .arg("-out")
            .arg(p("server.pem")),
        "server certificate",
    );
    for key in ["ca.key", "server.key"] {
        fs::set_permissions(p(key), fs::Permissions::from_mode(0o600)).expect("chmod 600 key");
    }
    Certs {
        ca: p("ca.pem"),
        cert: p("server.pem"),
        key: p("server.key"),
    }
}

fn openssl(cmd: &mut Command, what: &str) {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run openssl (is it installed?): {e}"));
    assert!(
        out.status.success(),
        "openssl failed making the {what} ({}): {}",
        out.status,
        String::from_utf8_lossy(&out.stderr).trim()
    );
}
