//! A real OpenID Connect provider for the single sign-on tests: npm's `oidc-provider` (OpenID-certified),
//! run by `e2e/oidc/provider.mjs` with one confidential client and the people a test names.

use std::io::BufRead;
use std::path::{Path, PathBuf};

pub const CLIENT_ID: &str = "banyan-crm";
pub const CLIENT_SECRET: &str = "test-client-secret-0123456789";
/// Every test person's password at the provider.
pub const PASSWORD: &str = "idp-password-2026";

/// Someone the provider knows.
#[derive(Debug, Clone, Copy)]
pub struct Person<'a> {
    pub username: &'a str,
    pub name: &'a str,
    /// The `groups` claim.
    pub groups: &'a [&'a str],
    /// The `branch` claim (empty: none).
    pub branch: &'a str,
}

/// The provider's process, stopped when dropped (however the test ends).
#[derive(Debug)]
pub struct Provider {
    child: std::process::Child,
    pub issuer: String,
}

impl Drop for Provider {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The repository's `e2e/` directory.
pub fn e2e_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../e2e")
}

/// Starts the provider for a Banyan whose callback is `redirect_uri`; panics saying what is missing.
pub fn start(redirect_uri: &str, people: &[Person<'_>]) -> Provider {
    let e2e = e2e_dir();
    assert!(
        e2e.join("node_modules/oidc-provider").exists(),
        "the OpenID provider for the sign-on tests is not installed: run `npm ci --prefix e2e`"
    );
    let accounts: Vec<serde_json::Value> = people
        .iter()
        .enumerate()
        .map(|(i, p)| {
            serde_json::json!({"sub": format!("idp-{i}"), "username": p.username, "password": PASSWORD,
                "name": p.name, "email": format!("{}@bank.example", p.username),
                "groups": p.groups, "branch": p.branch})
        })
        .collect();
    let mut child = std::process::Command::new("node")
        .arg(e2e.join("oidc/provider.mjs"))
        .current_dir(&e2e)
        .env("PORT", "0")
        .env("CLIENT_ID", CLIENT_ID)
        .env("CLIENT_SECRET", CLIENT_SECRET)
        .env("REDIRECT_URI", redirect_uri)
        .env("ACCOUNTS", serde_json::Value::from(accounts).to_string())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("node is needed for the sign-on tests (Debian: apt-get install nodejs)");
    let mut line = String::new();
    if let Some(out) = child.stdout.take() {
        let _ = std::io::BufReader::new(out).read_line(&mut line);
    }
    let issuer = line
        .trim()
        .strip_prefix("ready ")
        .unwrap_or_else(|| panic!("the OpenID provider did not start: {line:?}"))
        .to_owned();
    Provider { child, issuer }
}
