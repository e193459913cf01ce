//! Single sign-on for staff against a real OpenID Connect provider: npm's `oidc-provider` (an
//! OpenID-certified implementation, `e2e/oidc/provider.mjs`), started by the test. The test is the browser:
//! it follows every redirect by hand, keeps the cookies of both sites, and signs in on the provider's own
//! page — the whole authorization-code flow with PKCE, with nothing of Banyan's code replaced.

use crate::harness::*;
use banyan_app::access::sso::SsoConfig;
use banyan_domain::access::Role;
use banyan_testkit::oidc::{
    self, CLIENT_ID, CLIENT_SECRET, PASSWORD as IDP_PASSWORD, Person, Provider as Idp,
};
use reqwest::StatusCode;
use std::collections::BTreeMap;

crate::tests![
    staff_sign_in_through_the_banks_identity_provider,
    roles_and_branch_come_from_the_providers_claims,
];

/// Starts the provider for Banyan at `base`, knowing people `(username, name, groups, branch)`.
fn start_idp(base: &str, people: &[(&str, &str, &[&str], &str)]) -> Idp {
    let people: Vec<Person<'_>> = people
        .iter()
        .map(|&(username, name, groups, branch)| Person {
            username,
            name,
            groups,
            branch,
        })
        .collect();
    oidc::start(&format!("{base}/sso/callback"), &people)
}

fn config(idp: &Idp, base: &str) -> SsoConfig {
    SsoConfig {
        issuer: idp.issuer.clone(),
        client_id: CLIENT_ID.into(),
        client_secret: CLIENT_SECRET.into(),
        redirect_url: format!("{base}/sso/callback"),
        username_claim: "preferred_username".into(),
        roles_claim: None,
        role_map: Vec::new(),
        branch_claim: None,
    }
}

/// A browser: cookies per site (name → value; paths are not told apart, which sends a cookie to more
/// pages than a browser would, never fewer), redirects followed by hand.
struct Browser {
    http: reqwest::Client,
    jar: BTreeMap<String, BTreeMap<String, String>>,
}

struct Page {
    status: StatusCode,
    url: String,
    location: Option<String>,
    text: String,
}

fn site(url: &str) -> String {
    url.split('/').take(3).collect::<Vec<_>>().join("/")
}

impl Browser {
    fn new() -> Browser {
        Browser {
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            jar: BTreeMap::new(),
        }
    }

    async fn go(&mut self, url: &str, form: Option<&[(&str, &str)]>) -> Page {
        let site = site(url);
        let cookies = self.jar.entry(site.clone()).or_default();
        let header = cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ");
        let mut req = match form {
            Some(f) => self
                .http
                .post(url)
                .header("content-type", "application/x-www-form-urlencoded")
                .body(serde_urlencoded::to_string(f).unwrap()),
            None => self.http.get(url),
        };
        if !header.is_empty() {
            req = req.header("cookie", header);
        }
        let r = req.send().await.unwrap();
        for v in r.headers().get_all("set-cookie") {
            let v = v.to_str().unwrap();
            let (kv, attrs) = v.split_once(';').unwrap_or((v, ""));
            let (k, val) = kv.split_once('=').unwrap();
            if val.is_empty() || attrs.to_ascii_lowercase().contains("max-age=0") {
                cookies.remove(k.trim());
            } else {
                cookies.insert(k.trim().to_owned(), val.to_owned());
            }
        }
        let location = r.headers().get("location").map(|l| {
            let l = l.to_str().unwrap();
            if l.starts_with('/') {
                format!("{site}{l}")
            } else {
                l.to_owned()
            }
        });
        Page {
            status: r.status(),
            url: url.to_owned(),
            location,
            text: r.text().await.unwrap(),
        }
    }

    /// Follows redirects from `url` until a page answers; that page.
    async fn follow(&mut self, url: &str) -> Page {
        let mut p = self.go(url, None).await;
        for _ in 0..10 {
            match (&p.location, p.status.is_redirection()) {
                (Some(next), true) => {
                    let next = next.clone();
                    p = self.go(&next, None).await;
                }
                _ => return p,
            }
        }
        panic!("too many redirects from {url}");
    }

    fn cookie(&self, url: &str, name: &str) -> Option<&String> {
        self.jar.get(&site(url))?.get(name)
    }
}

/// Goes from Banyan's sign-in page to the provider, signs in there as `user`, and stops at the redirect
/// back to Banyan: its URL (not followed, so a test can replay or misdirect it).
async fn to_the_provider_and_back(b: &mut Browser, base: &str, user: &str) -> String {
    let login = b.go(&format!("{base}/login"), None).await;
    assert!(login.text.contains("id=\"sso-login\""), "no SSO button");
    assert!(
        login.text.contains("使用行内统一身份认证登录"),
        "{}",
        login.text
    );
    let start = b.go(&format!("{base}/sso/start"), None).await;
    assert_eq!(start.status, StatusCode::SEE_OTHER, "{}", start.text);
    let auth = start.location.unwrap();
    assert!(
        auth.contains("code_challenge_method=S256") && auth.contains("nonce="),
        "{auth}"
    );
    let form = b.follow(&auth).await;
    assert!(form.text.contains("idp-login"), "{}", form.text);
    let action = format!("{}/login", form.url);
    let mut p = b
        .go(
            &action,
            Some(&[("login", user), ("password", IDP_PASSWORD)]),
        )
        .await;
    // Back through the provider's resume endpoint to the registered redirect URI.
    for _ in 0..5 {
        let next = p.location.clone().expect("a redirect");
        if next.starts_with(&format!("{base}/sso/callback")) {
            return next;
        }
        p = b.go(&next, None).await;
    }
    panic!("the provider never sent the browser back");
}

async fn staff_sign_in_through_the_banks_identity_provider(app: &TestApp) {
    app.staff("rm_sso", Role::RelationshipManager, Some("BR0001"))
        .await;
    let idp = start_idp(
        &app.base,
        &[
            ("rm_sso", "王晓雨", &[], ""),
            ("stranger", "陌生人", &[], ""),
            ("admin_sso", "管理员", &[], ""),
        ],
    );
    // Before it is configured there is no button and no way in.
    let mut b = Browser::new();
    let login = b.go(&format!("{}/login", app.base), None).await;
    assert!(!login.text.contains("sso-login"));
    let off = b.go(&format!("{}/sso/start", app.base), None).await;
    assert_eq!(off.status, StatusCode::NOT_FOUND);
    app.app
        .configure_sso(Some(config(&idp, &app.base)))
        .unwrap();

    let back = to_the_provider_and_back(&mut b, &app.base, "rm_sso").await;
    // A callback URL without this browser's state cookie (planted in another browser) signs no one in.
    let mut other = Browser::new();
    let planted = other.go(&back, None).await;
    assert_eq!(planted.status, StatusCode::FORBIDDEN);
    assert!(
        planted.text.contains("不是从此浏览器发起"),
        "{}",
        planted.text
    );
    assert!(other.cookie(&app.base, "banyan_session").is_none());

    let done = b.go(&back, None).await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.text);
    assert!(b.cookie(&app.base, "banyan_session").is_some());
    // The session cookie is Strict: the page leaves the provider's redirect before opening the workbench.
    assert!(done.text.contains("url=/"), "{}", done.text);
    let home = b.go(&format!("{}/", app.base), None).await;
    assert_eq!(home.status, StatusCode::OK);
    assert!(
        home.text.contains("rm_sso · 客户经理"),
        "the person's workbench"
    );
    let audited = app
        .texts("SELECT detail FROM audit_log WHERE actor = 'rm_sso' AND action = 'auth.login'")
        .await;
    assert_eq!(audited.len(), 1);
    assert!(audited[0].contains("\"sso\""), "{audited:?}");

    // The account is now bound to that identity of the provider.
    let bound = app
        .texts("SELECT sso_subject FROM staff WHERE username = 'rm_sso'")
        .await;
    assert_eq!(bound, [format!("{}|idp-0", idp.issuer)]);
    // The same return again (a replayed URL, the back button) is refused: a state is good once.
    let mut again = Browser::new();
    again.jar = b.jar.clone();
    again
        .jar
        .get_mut(&site(&app.base))
        .unwrap()
        .insert("banyan_sso".into(), state_of(&back));
    let replay = again.go(&back, None).await;
    assert_eq!(replay.status, StatusCode::FORBIDDEN);

    // Someone the provider knows and Banyan does not: told so, and the attempt is audited.
    let mut s = Browser::new();
    let back = to_the_provider_and_back(&mut s, &app.base, "stranger").await;
    let p = s.go(&back, None).await;
    assert_eq!(p.status, StatusCode::FORBIDDEN);
    assert!(p.text.contains("尚未在本系统开通"), "{}", p.text);
    assert!(s.cookie(&app.base, "banyan_session").is_none());
    let failed = app
        .texts("SELECT detail FROM audit_log WHERE action = 'auth.login_failed'")
        .await;
    assert!(
        failed.iter().any(|d| d.contains("sso_unknown_user")),
        "{failed:?}"
    );

    // An administrator's account is local (break-glass): no one gets into it by the provider's username.
    app.staff("admin_sso", Role::Admin, None).await;
    let mut a = Browser::new();
    let back = to_the_provider_and_back(&mut a, &app.base, "admin_sso").await;
    let p = a.go(&back, None).await;
    assert_eq!(p.status, StatusCode::FORBIDDEN);
    assert!(p.text.contains("本地应急账号"), "{}", p.text);
    // An account bound to another of the provider's identities is not opened by the same username.
    app.sql("UPDATE staff SET sso_subject = 'https://idp.example|someone-else' WHERE username = 'rm_sso'")
        .await;
    let mut o = Browser::new();
    let back = to_the_provider_and_back(&mut o, &app.base, "rm_sso").await;
    let p = o.go(&back, None).await;
    assert_eq!(p.status, StatusCode::FORBIDDEN);
    assert!(o.cookie(&app.base, "banyan_session").is_none());

    // A disabled account does not come back in through the provider.
    app.sql("UPDATE staff SET disabled = TRUE WHERE username = 'rm_sso'")
        .await;
    let mut d = Browser::new();
    let back = to_the_provider_and_back(&mut d, &app.base, "rm_sso").await;
    let p = d.go(&back, None).await;
    assert_eq!(p.status, StatusCode::FORBIDDEN);
    assert!(p.text.contains("已停用"), "{}", p.text);

    // A provider that cancels (the person pressed cancel there) is told in words.
    let mut c = Browser::new();
    c.go(&format!("{}/sso/start", app.base), None).await;
    let state = c.cookie(&app.base, "banyan_sso").unwrap().clone();
    let p = c
        .go(
            &format!(
                "{}/sso/callback?error=access_denied&state={state}",
                app.base
            ),
            None,
        )
        .await;
    assert_eq!(p.status, StatusCode::FORBIDDEN);
    assert!(p.text.contains("取消了登录"), "{}", p.text);
}

fn state_of(url: &str) -> String {
    url.split(['?', '&'])
        .find_map(|kv| kv.strip_prefix("state="))
        .unwrap()
        .to_owned()
}

async fn roles_and_branch_come_from_the_providers_claims(app: &TestApp) {
    // Known in Banyan as a relationship manager; the bank's directory now says supervisor.
    app.staff("promoted", Role::RelationshipManager, Some("BR0001"))
        .await;
    let idp = start_idp(
        &app.base,
        &[
            ("newcomer", "李新", &["staff", "crm-rm"], "BR0002"),
            ("promoted", "赵升", &["crm-sup"], "BR0003"),
            ("nobody", "张无", &["staff"], "BR0001"),
            ("homeless", "钱无", &["crm-sup"], ""),
            // A directory's user principal name, as Entra ID and Okta give it.
            ("Li.Xin@Bank.Example", "李欣", &["crm-rm"], "BR0002"),
        ],
    );
    let mut cfg = config(&idp, &app.base);
    cfg.roles_claim = Some("groups".into());
    cfg.branch_claim = Some("branch".into());
    cfg.role_map =
        banyan_app::access::sso::parse_role_map("crm-rm:relationship_manager crm-sup:supervisor")
            .unwrap();
    app.app.configure_sso(Some(cfg)).unwrap();

    let sign_in = |user: &'static str| {
        let base = app.base.clone();
        async move {
            let mut b = Browser::new();
            let back = to_the_provider_and_back(&mut b, &base, user).await;
            let p = b.go(&back, None).await;
            (p, b.cookie(&base, "banyan_session").cloned())
        }
    };
    let (p, session) = sign_in("newcomer").await;
    assert_eq!(p.status, StatusCode::OK, "{}", p.text);
    assert!(session.is_some());
    let (p, _) = sign_in("promoted").await;
    assert_eq!(p.status, StatusCode::OK, "{}", p.text);
    let (p, session) = sign_in("Li.Xin@Bank.Example").await;
    assert_eq!(p.status, StatusCode::OK, "{}", p.text);
    assert!(session.is_some());

    let admin = app.login_as("admin_sso", Role::Admin, None).await;
    let staff = app.get("/api/v1/staff", &admin).await;
    assert_eq!(staff.status, StatusCode::OK, "{}", staff.text);
    let of = |u: &str| {
        staff
            .body
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["username"] == u)
            .cloned()
    };
    let newcomer = of("newcomer").expect("created at first sign-in");
    assert_eq!(newcomer["role"], "relationship_manager");
    assert_eq!(newcomer["branch_code"], "BR0002");
    assert_eq!(newcomer["display_name"], "李新");
    // Principal names are compared without regard to case: kept in lower case.
    let upn = of("li.xin@bank.example").expect("created under the principal name");
    assert_eq!(upn["role"], "relationship_manager");
    assert_eq!(upn["display_name"], "李欣");
    let promoted = of("promoted").unwrap();
    assert_eq!(promoted["role"], "supervisor");
    assert_eq!(promoted["branch_code"], "BR0003");
    let synced = app
        .texts("SELECT detail FROM audit_log WHERE action = 'staff.sso_sync'")
        .await;
    assert_eq!(synced.len(), 1);
    assert!(
        synced[0].contains("relationship_manager"),
        "was: {synced:?}"
    );
    // An account made by the provider has no password here: it cannot sign in locally.
    let r = app
        .req(
            reqwest::Method::POST,
            "/api/v1/auth/login",
            None,
            Some(serde_json::json!({"username": "newcomer", "password": ""})),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);

    // No group Banyan knows: refused; a supervisor (a branch-wide role) without a branch: refused;
    // neither creates anyone.
    let (p, session) = sign_in("nobody").await;
    assert_eq!(p.status, StatusCode::FORBIDDEN);
    assert!(p.text.contains("没有可使用本系统的岗位"), "{}", p.text);
    assert!(session.is_none());
    let (p, _) = sign_in("homeless").await;
    assert_eq!(p.status, StatusCode::FORBIDDEN);
    assert!(p.text.contains("没有您的网点"), "{}", p.text);
    let staff = app.get("/api/v1/staff", &admin).await;
    let names: Vec<&str> = staff
        .body
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|s| s["username"].as_str())
        .collect();
    assert!(
        !names.contains(&"nobody") && !names.contains(&"homeless"),
        "{names:?}"
    );
}
