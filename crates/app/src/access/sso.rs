//! Single sign-on for staff through the bank's OpenID Connect provider: the authorization-code flow with
//! PKCE (RFC 7636, S256) and a nonce, a confidential client authenticated with its secret
//! (`client_secret_basic`). The provider proves who the person is (and asks for its own second factor);
//! Banyan decides here what they may do: either the staff record kept in Banyan (matched by the username
//! claim), or — when the configuration maps them — the role and branch the provider's claims give, kept in
//! step at every sign-in, a first sign-in creating the account. Local accounts stay for break-glass.
//!
//! What a sign-in must find again when the browser comes back (nonce, verifier) waits in the database for
//! ten minutes under the hash of the `state`, so any node can finish what another began; the browser holds
//! the state itself in a cookie, so a callback URL planted in someone else's browser does not sign them in
//! as the attacker (login CSRF).

use super::id_token::{self, Expect, Invalid, Jwk};
use super::{Session, open_session};
use crate::App;
use crate::audit::{self, Entry};
use crate::crypto::{constant_time_eq, random_bytes, sha256};
use crate::error::{AppError, Result};
use banyan_domain::access::{Role, ScopeKind};
use banyan_store::access::{self as store, SsoAttemptRow, StaffRow};
use banyan_store::now_us;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Deserialize;
use serde_json::{Map, Value};
use std::sync::Arc;
use std::time::{Duration, Instant};
use uuid::Uuid;

/// How long a sign-in may take at the provider.
const ATTEMPT_TTL_US: i64 = 10 * 60 * 1_000_000;
/// The provider's keys are fetched again for an unknown key id at most this often (key rotation).
const KEYS_REFRESH: Duration = Duration::from_secs(60);

/// The bank's identity provider, as configured.
#[derive(Clone)]
pub struct SsoConfig {
    /// The issuer URL (`https://idp.bank.example/realms/staff`); its discovery document is read from
    /// `<issuer>/.well-known/openid-configuration`.
    pub issuer: String,
    pub client_id: String,
    pub client_secret: String,
    /// Banyan's callback as registered with the provider: `https://crm.bank.example/sso/callback`.
    pub redirect_url: String,
    /// The claim holding the Banyan username (`preferred_username` unless configured).
    pub username_claim: String,
    /// The claim listing the person's groups or roles at the provider; with it, roles come from the
    /// provider through `role_map` (first match wins) and unknown people are created at first sign-in.
    pub roles_claim: Option<String>,
    pub role_map: Vec<(String, Role)>,
    /// The claim holding the person's branch code (roles scoped to a branch need it).
    pub branch_claim: Option<String>,
}

impl std::fmt::Debug for SsoConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SsoConfig")
            .field("issuer", &self.issuer)
            .field("client_id", &self.client_id)
            .field("redirect_url", &self.redirect_url)
            .finish_non_exhaustive()
    }
}

/// A URL Banyan may talk to the provider at: HTTPS, or plain HTTP on this machine only (tests, and a
/// provider behind a local proxy).
fn check_url(field: &str, url: &str) -> Result<()> {
    let loopback = ["http://127.0.0.1", "http://localhost", "http://[::1]"]
        .iter()
        .any(|p| url.starts_with(p) && url[p.len()..].starts_with([':', '/']));
    if url.starts_with("https://") || loopback {
        Ok(())
    } else {
        Err(AppError::field(
            field,
            "https",
            "must be an https:// URL (plain http only on this machine)",
        ))
    }
}

/// Reads `provider-value:role provider-value:role ...` (role codes as in `banyan user add`).
pub fn parse_role_map(text: &str) -> Result<Vec<(String, Role)>> {
    text.split_whitespace()
        .map(|pair| {
            let (from, to) = pair.rsplit_once(':').ok_or_else(|| {
                AppError::field(
                    "sso_role_map",
                    "format",
                    "each entry is provider-value:role",
                )
            })?;
            let role = Role::parse(to).filter(|r| !r.is_service()).ok_or_else(|| {
                AppError::field(
                    "sso_role_map",
                    "one_of",
                    format!("`{to}` is not a staff role"),
                )
            })?;
            Ok((from.to_owned(), role))
        })
        .collect()
}

impl SsoConfig {
    /// Checks the configuration (at start-up: a bad one stops the server instead of failing sign-ins).
    pub fn check(&self) -> Result<()> {
        check_url("sso_issuer", &self.issuer)?;
        check_url("sso_redirect_url", &self.redirect_url)?;
        for (field, v) in [
            ("sso_client_id", &self.client_id),
            ("sso_client_secret", &self.client_secret),
            ("sso_username_claim", &self.username_claim),
        ] {
            if v.trim().is_empty() {
                return Err(AppError::field(field, "required", "must be set"));
            }
        }
        if self.roles_claim.is_none() && (!self.role_map.is_empty() || self.branch_claim.is_some())
        {
            return Err(AppError::field(
                "sso_roles_claim",
                "required",
                "a role map or branch claim is used only with roles from the provider: set the roles claim too",
            ));
        }
        if self.roles_claim.is_some() && self.role_map.is_empty() {
            return Err(AppError::field(
                "sso_role_map",
                "required",
                "roles from the provider need a map from its values to Banyan's roles",
            ));
        }
        Ok(())
    }
}

/// The provider with what Banyan learnt of it (read at the first sign-in, so a provider that is down
/// does not stop Banyan from starting; local accounts still sign in).
#[derive(Debug)]
pub(crate) struct Provider {
    cfg: SsoConfig,
    http: reqwest_tls::Client,
    meta: tokio::sync::RwLock<Option<Meta>>,
}

#[derive(Debug, Clone, Deserialize)]
struct Discovery {
    issuer: String,
    authorization_endpoint: String,
    token_endpoint: String,
    #[serde(default)]
    userinfo_endpoint: Option<String>,
    jwks_uri: String,
}

#[derive(Debug, Clone)]
struct Meta {
    d: Discovery,
    keys: Vec<Jwk>,
    keys_at: Instant,
}

impl Provider {
    pub(crate) fn new(cfg: SsoConfig) -> Result<Provider> {
        cfg.check()?;
        // The TLS provider was installed when the App opened (`App::open_as`).
        let http = reqwest_tls::Client::builder()
            .timeout(Duration::from_secs(10))
            .redirect(reqwest_tls::redirect::Policy::none())
            .build()
            .map_err(|e| AppError::internal(format!("http client: {e}")))?;
        Ok(Provider {
            cfg,
            http,
            meta: tokio::sync::RwLock::new(None),
        })
    }

    async fn get_json<T: serde::de::DeserializeOwned>(&self, url: &str) -> Result<T> {
        let r = self
            .http
            .get(url)
            .send()
            .await
            .map_err(|_| refused("sso_provider"))?;
        if !r.status().is_success() {
            return Err(refused("sso_provider"));
        }
        json_of(r).await
    }

    /// The discovery document and keys, fetched once (and the keys again when `stale_keys`).
    async fn meta(&self, stale_keys: bool) -> Result<Meta> {
        if let Some(m) = self.meta.read().await.as_ref()
            && (!stale_keys || m.keys_at.elapsed() < KEYS_REFRESH)
        {
            return Ok(m.clone());
        }
        let mut slot = self.meta.write().await;
        // Another request may have fetched while this one waited for the lock.
        if let Some(m) = slot.as_ref()
            && (!stale_keys || m.keys_at.elapsed() < KEYS_REFRESH)
        {
            return Ok(m.clone());
        }
        let d = match slot.as_ref() {
            Some(m) => m.d.clone(),
            None => {
                let issuer = self.cfg.issuer.trim_end_matches('/');
                let d: Discovery = self
                    .get_json(&format!("{issuer}/.well-known/openid-configuration"))
                    .await?;
                // The document must be the configured issuer's own (OpenID Connect Discovery §4.3).
                if d.issuer != self.cfg.issuer {
                    tracing::warn!(reason = "issuer_mismatch", "single sign-on refused");
                    return Err(refused("sso_provider"));
                }
                let userinfo = d.userinfo_endpoint.iter();
                for url in [&d.authorization_endpoint, &d.token_endpoint, &d.jwks_uri]
                    .into_iter()
                    .chain(userinfo)
                {
                    check_url("sso_issuer", url).map_err(|_| refused("sso_provider"))?;
                }
                d
            }
        };
        #[derive(Deserialize)]
        struct Jwks {
            keys: Vec<Jwk>,
        }
        let keys: Jwks = self.get_json(&d.jwks_uri).await?;
        let m = Meta {
            d,
            keys: keys.keys,
            keys_at: Instant::now(),
        };
        *slot = Some(m.clone());
        Ok(m)
    }
}

/// A provider's JSON answer (one that does not read is the provider's failure, like no answer at all).
async fn json_of<T: serde::de::DeserializeOwned>(r: reqwest_tls::Response) -> Result<T> {
    let body = r.bytes().await.map_err(|_| refused("sso_provider"))?;
    serde_json::from_slice(&body).map_err(|_| refused("sso_provider"))
}

fn refused(code: &'static str) -> AppError {
    AppError::Forbidden {
        code,
        message: "single sign-on did not complete".into(),
    }
}

fn provider(app: &App) -> Result<Arc<Provider>> {
    app.sso
        .read()
        .ok()
        .and_then(|p| p.clone())
        .ok_or(AppError::NotFound)
}

/// Whether staff may sign in through the bank's identity provider (the sign-in page shows the button).
pub fn enabled(app: &App) -> bool {
    provider(app).is_ok()
}

/// A sign-in begun: where to send the browser, and the state it must keep (in a cookie) until it returns.
#[derive(Debug)]
pub struct Begun {
    pub url: String,
    pub state: String,
}

/// Begins a sign-in through the provider (`lang`: the sign-in page's language, kept for the session).
pub async fn begin(app: &App, lang: &str, source: &str) -> Result<Begun> {
    let p = provider(app)?;
    // Each attempt writes a row before anyone is known: one address may begin only so many.
    app.logins.started(source, now_us())?;
    let meta = p.meta(false).await?;
    let state = URL_SAFE_NO_PAD.encode(random_bytes::<32>()?);
    let nonce = URL_SAFE_NO_PAD.encode(random_bytes::<32>()?);
    let verifier = URL_SAFE_NO_PAD.encode(random_bytes::<32>()?);
    let challenge = URL_SAFE_NO_PAD.encode(sha256(verifier.as_bytes()));
    let now = now_us();
    store::insert_sso_attempt(
        &app.db.conn,
        &SsoAttemptRow {
            id: Uuid::now_v7(),
            state_hash: sha256(state.as_bytes()),
            nonce: nonce.clone(),
            verifier,
            lang: lang.to_owned(),
            created_at_us: now,
            used_at_us: None,
        },
        now - ATTEMPT_TTL_US,
    )
    .await?;
    let query = form_urlencoded::Serializer::new(String::new())
        .append_pair("response_type", "code")
        .append_pair("client_id", &p.cfg.client_id)
        .append_pair("redirect_uri", &p.cfg.redirect_url)
        .append_pair("scope", "openid profile email")
        .append_pair("state", &state)
        .append_pair("nonce", &nonce)
        .append_pair("code_challenge", &challenge)
        .append_pair("code_challenge_method", "S256")
        .finish();
    let sep = if meta.d.authorization_endpoint.contains('?') {
        '&'
    } else {
        '?'
    };
    Ok(Begun {
        url: format!("{}{sep}{query}", meta.d.authorization_endpoint),
        state,
    })
}

/// What the provider sent the browser back with.
#[derive(Debug, Default, Deserialize)]
pub struct Callback {
    #[serde(default)]
    pub state: String,
    #[serde(default)]
    pub code: String,
    /// The provider's refusal (`access_denied` when the person cancelled).
    #[serde(default)]
    pub error: Option<String>,
}

/// Finishes a sign-in: `kept_state` is the state the browser kept in its cookie. A session, or a refusal
/// with a code the sign-in page puts in words: `sso_cancelled`, `sso_expired` (unknown, used or old state,
/// or another browser's), `sso_provider` (the provider unreachable, or its answer or token not good),
/// `sso_unknown_user`, `sso_no_role`, `sso_no_branch`, `sso_disabled`.
pub async fn finish(
    app: &App,
    cb: &Callback,
    kept_state: Option<&str>,
    source: &str,
) -> Result<(String, Session)> {
    let p = provider(app)?;
    if cb.error.is_some() {
        return Err(refused("sso_cancelled"));
    }
    let kept = kept_state.unwrap_or("");
    if cb.state.is_empty() || !constant_time_eq(kept.as_bytes(), cb.state.as_bytes()) {
        tracing::warn!(reason = "state_not_this_browsers", "single sign-on refused");
        return Err(refused("sso_expired"));
    }
    let now = now_us();
    let tx = app.db.begin_write().await?;
    let attempt = store::take_sso_attempt(
        &*tx,
        &sha256(cb.state.as_bytes()),
        now,
        now - ATTEMPT_TTL_US,
    )
    .await?;
    tx.commit().await?;
    let attempt = attempt.ok_or_else(|| refused("sso_expired"))?;
    let claims = exchange(&p, &cb.code, &attempt).await?;
    let staff = resolve(app, &p.cfg, &claims, source).await?;
    open_session(app, &staff, &attempt.lang, "sso", None).await
}

#[derive(Deserialize)]
struct TokenAnswer {
    id_token: String,
    #[serde(default)]
    access_token: Option<String>,
}

/// Trades the code for tokens, checks the ID token, and adds what the userinfo endpoint says of the same
/// person (providers that keep the profile out of the ID token).
async fn exchange(p: &Provider, code: &str, a: &SsoAttemptRow) -> Result<Map<String, Value>> {
    let meta = p.meta(false).await?;
    let enc = |s: &str| form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
    // Built before the request (the serializer is not `Send` and may not live across an await).
    let form = form_urlencoded::Serializer::new(String::new())
        .append_pair("grant_type", "authorization_code")
        .append_pair("code", code)
        .append_pair("redirect_uri", &p.cfg.redirect_url)
        .append_pair("code_verifier", &a.verifier)
        .finish();
    let r = p
        .http
        .post(&meta.d.token_endpoint)
        // RFC 6749 §2.3.1: the id and secret form-encoded before the basic scheme.
        .basic_auth(enc(&p.cfg.client_id), Some(enc(&p.cfg.client_secret)))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form)
        .send()
        .await
        .map_err(|_| refused("sso_provider"))?;
    if !r.status().is_success() {
        tracing::warn!(
            reason = "token_refused",
            status = r.status().as_u16(),
            "single sign-on refused"
        );
        return Err(refused("sso_provider"));
    }
    let t: TokenAnswer = json_of(r).await?;
    let expect = Expect {
        issuer: &p.cfg.issuer,
        client_id: &p.cfg.client_id,
        nonce: &a.nonce,
        now: now_us() / 1_000_000,
    };
    let mut claims = match id_token::verify(&t.id_token, &meta.keys, &expect) {
        Err(Invalid::UnknownKey) => {
            // The provider may have rotated its keys since they were read.
            let fresh = p.meta(true).await?;
            id_token::verify(&t.id_token, &fresh.keys, &expect)
        }
        other => other,
    }
    .map_err(|why| {
        tracing::warn!(reason = why.as_str(), "single sign-on: ID token refused");
        refused("sso_provider")
    })?;
    if let (Some(url), Some(access)) = (&meta.d.userinfo_endpoint, &t.access_token) {
        let r = p
            .http
            .get(url)
            .bearer_auth(access)
            .send()
            .await
            .map_err(|_| refused("sso_provider"))?;
        if !r.status().is_success() {
            return Err(refused("sso_provider"));
        }
        let info: Map<String, Value> = json_of(r).await?;
        // OpenID Connect Core §5.3.2: the answer is about this person only if its subject is the token's.
        if info.get("sub") != claims.get("sub") {
            tracing::warn!(reason = "userinfo_subject", "single sign-on refused");
            return Err(refused("sso_provider"));
        }
        for (k, v) in info {
            claims.entry(k).or_insert(v);
        }
    }
    Ok(claims)
}

/// The claim's values: a string, or the strings of a list.
fn values<'a>(claims: &'a Map<String, Value>, name: &str) -> Vec<&'a str> {
    match claims.get(name) {
        Some(Value::String(s)) => vec![s.as_str()],
        Some(Value::Array(a)) => a.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    }
}

/// Who signs in. The account bound to the provider's `issuer|subject`, whatever username the provider now
/// gives; or — the first time — the account of the username claim, which is then bound to that identity
/// (so a username the provider later hands to someone else does not open it). Administrators' accounts are
/// local (break-glass) and never bound by a username. With roles from the provider, their role and branch
/// are brought in step, and a person without an account gets one. Refusals of an identified person are
/// audited like failed local sign-ins.
async fn resolve(
    app: &App,
    cfg: &SsoConfig,
    claims: &Map<String, Value>,
    source: &str,
) -> Result<StaffRow> {
    let sub = claims.get("sub").and_then(Value::as_str).unwrap_or("");
    let subject = format!("{}|{sub}", cfg.issuer);
    let username = values(claims, &cfg.username_claim)
        .first()
        .and_then(|u| super::check_username(u).ok())
        .ok_or_else(|| refused("sso_unknown_user"))?;
    let bound = store::find_staff_by_sso_subject(&app.db.conn, &subject).await?;
    let existing = match bound {
        Some(s) => Some(s),
        None => store::find_staff_by_username(&app.db.conn, &username).await?,
    };
    let refusal = match &existing {
        Some(s) if s.disabled || s.role.is_service() => Some("sso_disabled"),
        // Bound to another of the provider's identities: this one is someone else with the same name.
        Some(s) if s.sso_subject.as_deref().is_some_and(|b| b != subject) => {
            Some("sso_unknown_user")
        }
        Some(s) if s.sso_subject.is_none() && s.role == Role::Admin => Some("sso_local_only"),
        None if cfg.roles_claim.is_none() => Some("sso_unknown_user"),
        _ => None,
    };
    let outcome = match (refusal, &cfg.roles_claim) {
        (Some(code), _) => Err(code),
        (None, None) => match &existing {
            Some(s) => Ok(bind(app, s, &subject).await?),
            None => Err("sso_unknown_user"),
        },
        (None, Some(claim)) => {
            let held = values(claims, claim);
            let role = cfg
                .role_map
                .iter()
                .find(|(from, _)| held.contains(&from.as_str()))
                .map(|(_, r)| *r);
            // Without a branch claim the branch is Banyan's to keep.
            let branch = match cfg.branch_claim.as_deref() {
                None => existing.as_ref().and_then(|s| s.branch_code.clone()),
                Some(c) => values(claims, c)
                    .first()
                    .map(|b| (*b).to_owned())
                    .filter(|b| banyan_domain::customer::BranchCode::parse(b).is_ok()),
            };
            match role {
                None => Err("sso_no_role"),
                Some(r) if matches!(r.scope(), ScopeKind::Branch) && branch.is_none() => {
                    Err("sso_no_branch")
                }
                Some(r) => {
                    let who = Who {
                        username: &username,
                        subject: &subject,
                        claims,
                    };
                    Ok(provision(app, existing.as_ref(), &who, r, branch).await?)
                }
            }
        }
    };
    match outcome {
        Ok(s) => Ok(s),
        Err(code) => {
            let staff = existing.as_ref();
            let entry = Entry {
                action: "auth.login_failed",
                entity: "staff",
                entity_id: staff.map(|s| s.id.to_string()),
                customer_id: None,
                detail: serde_json::json!({"reason": code, "channel": "sso", "source": source}),
            };
            let tx = app.db.begin_write().await?;
            audit::record_as(
                app,
                &*tx,
                staff.map(|s| s.id.uuid()),
                &username,
                vec![entry],
            )
            .await?;
            tx.commit().await?;
            Err(refused(code))
        }
    }
}

fn link_entry(s: &StaffRow) -> Entry {
    Entry {
        action: "staff.sso_link",
        entity: "staff",
        entity_id: Some(s.id.to_string()),
        customer_id: None,
        detail: serde_json::json!({"username": s.username}),
    }
}

/// The account, bound to the provider's identity at its first sign-in through it (audited).
async fn bind(app: &App, s: &StaffRow, subject: &str) -> Result<StaffRow> {
    if s.sso_subject.is_some() {
        return Ok(s.clone());
    }
    let tx = app.db.begin_write().await?;
    if !store::bind_sso_subject(&*tx, s.id, subject).await? {
        // Bound meanwhile by a sign-in at the same moment: that one decided.
        return Err(refused("sso_expired"));
    }
    audit::record_as(
        app,
        &*tx,
        Some(s.id.uuid()),
        &s.username,
        vec![link_entry(s)],
    )
    .await?;
    tx.commit().await?;
    Ok(StaffRow {
        sso_subject: Some(subject.to_owned()),
        ..s.clone()
    })
}

/// Whom the provider vouches for.
struct Who<'a> {
    username: &'a str,
    subject: &'a str,
    claims: &'a Map<String, Value>,
}

/// Creates the account of a person the provider vouches for, or brings an existing one's role and branch
/// in step with the provider's claims (binding it at its first sign-in); audited either way. An account
/// created here has no password: it signs in only through the provider.
async fn provision(
    app: &App,
    existing: Option<&StaffRow>,
    who: &Who<'_>,
    role: Role,
    branch: Option<String>,
) -> Result<StaffRow> {
    let tx = app.db.begin_write().await?;
    let mut entries = Vec::new();
    let row = match existing {
        Some(s) => {
            if s.sso_subject.is_none() {
                if !store::bind_sso_subject(&*tx, s.id, who.subject).await? {
                    return Err(refused("sso_expired"));
                }
                entries.push(link_entry(s));
            }
            if s.role != role || s.branch_code != branch {
                store::set_staff_role_branch(&*tx, s.id, role, branch.as_deref()).await?;
                entries.push(Entry {
                    action: "staff.sso_sync",
                    entity: "staff",
                    entity_id: Some(s.id.to_string()),
                    customer_id: None,
                    detail: serde_json::json!({
                        "role": role, "branch_code": branch,
                        "was": {"role": s.role, "branch_code": s.branch_code},
                    }),
                });
            }
            StaffRow {
                role,
                branch_code: branch,
                sso_subject: Some(who.subject.to_owned()),
                ..s.clone()
            }
        }
        None => {
            let name = values(who.claims, "name")
                .first()
                .map(|n| n.chars().take(64).collect())
                .unwrap_or_else(|| who.username.to_owned());
            // An empty password hash never verifies: no local sign-in.
            let row = StaffRow {
                sso_subject: Some(who.subject.to_owned()),
                ..super::new_account(name, who.username.to_owned(), role, branch, String::new())
            };
            super::insert_account(&*tx, &row)
                .await
                .map_err(|e| match e {
                    // Two first sign-ins of one person at once: the other made the account.
                    AppError::Conflict { .. } => refused("sso_expired"),
                    e => e,
                })?;
            entries.push(Entry {
                action: "staff.create",
                entity: "staff",
                entity_id: Some(row.id.to_string()),
                customer_id: None,
                detail: serde_json::json!({
                    "username": row.username, "role": row.role,
                    "branch_code": row.branch_code, "source": "sso",
                }),
            });
            row
        }
    };
    if !entries.is_empty() {
        audit::record_as(app, &*tx, Some(row.id.uuid()), &row.username, entries).await?;
    }
    tx.commit().await?;
    Ok(row)
}

impl App {
    /// Turns single sign-on on (or off with `None`); checked first.
    pub fn configure_sso(&self, cfg: Option<SsoConfig>) -> Result<()> {
        let p = cfg.map(Provider::new).transpose()?.map(Arc::new);
        if let Ok(mut slot) = self.sso.write() {
            *slot = p;
        }
        Ok(())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn cfg() -> SsoConfig {
        SsoConfig {
            issuer: "https://idp.bank.example".into(),
            client_id: "banyan".into(),
            client_secret: "secret".into(),
            redirect_url: "https://crm.bank.example/sso/callback".into(),
            username_claim: "preferred_username".into(),
            roles_claim: None,
            role_map: Vec::new(),
            branch_claim: None,
        }
    }

    #[test]
    fn the_provider_is_reached_over_https_or_on_this_machine_only() {
        assert!(cfg().check().is_ok());
        for (issuer, ok) in [
            ("http://idp.bank.example", false),
            ("http://127.0.0.1:8080", true),
            ("http://localhost/realms/x", true),
            ("http://127.0.0.1.evil.example", false),
            ("ftp://idp", false),
        ] {
            let c = SsoConfig {
                issuer: issuer.into(),
                ..cfg()
            };
            assert_eq!(c.check().is_ok(), ok, "{issuer}");
        }
        let no_map = SsoConfig {
            roles_claim: Some("groups".into()),
            ..cfg()
        };
        assert!(no_map.check().is_err());
    }

    #[test]
    fn the_role_map_names_staff_roles_only() {
        let m = parse_role_map("crm-rm:relationship_manager  cn=Sup,ou=x:supervisor").unwrap();
        assert_eq!(m[0], ("crm-rm".to_owned(), Role::RelationshipManager));
        assert_eq!(m[1], ("cn=Sup,ou=x".to_owned(), Role::Supervisor));
        assert!(parse_role_map("crm-rm").is_err());
        assert!(parse_role_map("crm-rm:pope").is_err());
    }
}
