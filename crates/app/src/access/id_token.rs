//! Checks an OpenID Connect ID token (a JWS in compact form): the signature by one of the identity
//! provider's published keys (RS256 or ES256, verified with `ring`, which the TLS stack already builds),
//! then the claims OpenID Connect Core §3.1.3.7 requires a client to check — issuer, audience, authorized
//! party, expiry, issue time and the nonce this sign-in sent. Algorithm `none` and shared-secret HMAC
//! algorithms are refused: a token signed with the client secret would prove nothing about the provider.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Deserialize;
use serde_json::{Map, Value};

/// One key of the provider's JWKS document.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct Jwk {
    pub kty: String,
    #[serde(default)]
    pub kid: Option<String>,
    #[serde(default, rename = "use")]
    pub use_: Option<String>,
    #[serde(default)]
    pub n: Option<String>,
    #[serde(default)]
    pub e: Option<String>,
    #[serde(default)]
    pub crv: Option<String>,
    #[serde(default)]
    pub x: Option<String>,
    #[serde(default)]
    pub y: Option<String>,
}

/// What the token must say.
#[derive(Debug)]
pub(crate) struct Expect<'a> {
    pub issuer: &'a str,
    pub client_id: &'a str,
    pub nonce: &'a str,
    /// Seconds since the epoch.
    pub now: i64,
}

/// Why a token was refused (logged by its name; the person is told only that the sign-in failed).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Invalid {
    Malformed,
    Algorithm,
    /// No published key has the token's key id: the provider may have rotated its keys.
    UnknownKey,
    Signature,
    Issuer,
    Audience,
    Expired,
    IssuedInFuture,
    Nonce,
}

impl Invalid {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Invalid::Malformed => "malformed",
            Invalid::Algorithm => "algorithm",
            Invalid::UnknownKey => "unknown_key",
            Invalid::Signature => "signature",
            Invalid::Issuer => "issuer",
            Invalid::Audience => "audience",
            Invalid::Expired => "expired",
            Invalid::IssuedInFuture => "issued_in_future",
            Invalid::Nonce => "nonce",
        }
    }
}

/// How far the provider's clock may be from ours.
const SKEW_S: i64 = 120;

#[derive(Deserialize)]
struct Header {
    alg: String,
    #[serde(default)]
    kid: Option<String>,
}

fn b64(part: &str) -> Result<Vec<u8>, Invalid> {
    URL_SAFE_NO_PAD
        .decode(part.trim_end_matches('='))
        .map_err(|_| Invalid::Malformed)
}

/// The token's claims once its signature and the claims above are good.
pub(crate) fn verify(
    token: &str,
    keys: &[Jwk],
    e: &Expect<'_>,
) -> Result<Map<String, Value>, Invalid> {
    let mut parts = token.split('.');
    let (Some(h), Some(p), Some(sig), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(Invalid::Malformed);
    };
    let header: Header = serde_json::from_slice(&b64(h)?).map_err(|_| Invalid::Malformed)?;
    let kty = match header.alg.as_str() {
        "RS256" => "RSA",
        "ES256" => "EC",
        _ => return Err(Invalid::Algorithm),
    };
    // Keys for encryption are not for checking signatures; without a key id, the one key of the kind.
    let usable = keys
        .iter()
        .filter(|k| k.kty == kty && k.use_.as_deref().is_none_or(|u| u == "sig"));
    let key = match &header.kid {
        Some(kid) => usable
            .clone()
            .find(|k| k.kid.as_deref() == Some(kid.as_str())),
        None => {
            let mut all = usable.clone();
            match (all.next(), all.next()) {
                (Some(k), None) => Some(k),
                _ => None,
            }
        }
    }
    .ok_or(Invalid::UnknownKey)?;
    let signed = &token[..h.len() + 1 + p.len()];
    check_signature(key, signed.as_bytes(), &b64(sig)?)?;
    let claims: Map<String, Value> =
        serde_json::from_slice(&b64(p)?).map_err(|_| Invalid::Malformed)?;
    check_claims(&claims, e)?;
    Ok(claims)
}

fn check_signature(key: &Jwk, signed: &[u8], sig: &[u8]) -> Result<(), Invalid> {
    use ring::signature;
    let part = |v: &Option<String>| v.as_deref().ok_or(Invalid::Malformed).and_then(b64);
    let good = match key.kty.as_str() {
        "RSA" => signature::RsaPublicKeyComponents {
            n: part(&key.n)?,
            e: part(&key.e)?,
        }
        .verify(&signature::RSA_PKCS1_2048_8192_SHA256, signed, sig)
        .is_ok(),
        "EC" if key.crv.as_deref() == Some("P-256") => {
            let mut point = vec![0x04];
            point.extend(part(&key.x)?);
            point.extend(part(&key.y)?);
            signature::UnparsedPublicKey::new(&signature::ECDSA_P256_SHA256_FIXED, point)
                .verify(signed, sig)
                .is_ok()
        }
        _ => return Err(Invalid::Algorithm),
    };
    if good {
        Ok(())
    } else {
        Err(Invalid::Signature)
    }
}

fn check_claims(c: &Map<String, Value>, e: &Expect<'_>) -> Result<(), Invalid> {
    // The subject is who the token is about: without one it names no one.
    if c.get("sub")
        .and_then(Value::as_str)
        .is_none_or(str::is_empty)
    {
        return Err(Invalid::Malformed);
    }
    if c.get("iss").and_then(Value::as_str) != Some(e.issuer) {
        return Err(Invalid::Issuer);
    }
    let audiences: Vec<&str> = match c.get("aud") {
        Some(Value::String(a)) => vec![a.as_str()],
        Some(Value::Array(a)) => a.iter().filter_map(Value::as_str).collect(),
        _ => return Err(Invalid::Audience),
    };
    if !audiences.contains(&e.client_id) {
        return Err(Invalid::Audience);
    }
    // With other audiences beside us, the token must have been issued to us.
    let azp = c.get("azp").and_then(Value::as_str);
    if (audiences.len() > 1 || azp.is_some()) && azp != Some(e.client_id) {
        return Err(Invalid::Audience);
    }
    let exp = c
        .get("exp")
        .and_then(Value::as_i64)
        .ok_or(Invalid::Malformed)?;
    if exp + SKEW_S <= e.now {
        return Err(Invalid::Expired);
    }
    let iat = c
        .get("iat")
        .and_then(Value::as_i64)
        .ok_or(Invalid::Malformed)?;
    if iat - SKEW_S > e.now {
        return Err(Invalid::IssuedInFuture);
    }
    match c.get("nonce").and_then(Value::as_str) {
        Some(n) if crate::crypto::constant_time_eq(n.as_bytes(), e.nonce.as_bytes()) => Ok(()),
        _ => Err(Invalid::Nonce),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use ring::rand::SystemRandom;
    use ring::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, KeyPair};

    struct Signer {
        pair: EcdsaKeyPair,
        rng: SystemRandom,
    }

    impl Signer {
        fn new() -> Signer {
            let rng = SystemRandom::new();
            let pkcs8 =
                EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &rng).unwrap();
            let pair =
                EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, pkcs8.as_ref(), &rng)
                    .unwrap();
            Signer { pair, rng }
        }
        fn jwk(&self, kid: &str) -> Jwk {
            let p = self.pair.public_key().as_ref();
            Jwk {
                kty: "EC".into(),
                kid: Some(kid.into()),
                use_: Some("sig".into()),
                n: None,
                e: None,
                crv: Some("P-256".into()),
                x: Some(URL_SAFE_NO_PAD.encode(&p[1..33])),
                y: Some(URL_SAFE_NO_PAD.encode(&p[33..65])),
            }
        }
        fn sign(&self, header: Value, claims: Value) -> String {
            let h = URL_SAFE_NO_PAD.encode(header.to_string());
            let p = URL_SAFE_NO_PAD.encode(claims.to_string());
            let input = format!("{h}.{p}");
            let sig = self.pair.sign(&self.rng, input.as_bytes()).unwrap();
            format!("{input}.{}", URL_SAFE_NO_PAD.encode(sig.as_ref()))
        }
    }

    const NOW: i64 = 1_800_000_000;

    fn expect() -> Expect<'static> {
        Expect {
            issuer: "https://idp.bank.example",
            client_id: "banyan",
            nonce: "n-123",
            now: NOW,
        }
    }

    fn claims() -> Value {
        serde_json::json!({
            "iss": "https://idp.bank.example", "aud": "banyan", "sub": "u1",
            "exp": NOW + 300, "iat": NOW - 5, "nonce": "n-123", "preferred_username": "rm1"
        })
    }

    fn header() -> Value {
        serde_json::json!({"alg": "ES256", "kid": "k1"})
    }

    #[test]
    fn a_good_token_gives_its_claims() {
        let s = Signer::new();
        let t = s.sign(header(), claims());
        let c = verify(&t, &[s.jwk("k1")], &expect()).unwrap();
        assert_eq!(c["preferred_username"], "rm1");
    }

    #[test]
    fn a_token_is_refused_for_each_thing_it_gets_wrong() {
        let s = Signer::new();
        let keys = [s.jwk("k1")];
        let with = |k: &str, v: Value| {
            let mut c = claims();
            c[k] = v;
            s.sign(header(), c)
        };
        let cases = [
            (with("iss", "https://evil.example".into()), Invalid::Issuer),
            (with("aud", "another-app".into()), Invalid::Audience),
            (
                with("aud", serde_json::json!(["banyan", "another-app"])),
                Invalid::Audience,
            ),
            (with("exp", (NOW - 600).into()), Invalid::Expired),
            (with("iat", (NOW + 600).into()), Invalid::IssuedInFuture),
            (with("nonce", "replayed".into()), Invalid::Nonce),
            (with("sub", "".into()), Invalid::Malformed),
        ];
        for (token, why) in cases {
            assert_eq!(verify(&token, &keys, &expect()), Err(why));
        }
        // Several audiences are fine when the token was issued to us.
        let mut c = claims();
        c["aud"] = serde_json::json!(["banyan", "another-app"]);
        c["azp"] = "banyan".into();
        assert!(verify(&s.sign(header(), c), &keys, &expect()).is_ok());
    }

    #[test]
    fn a_forged_or_unsigned_token_is_refused() {
        let s = Signer::new();
        let other = Signer::new();
        // Signed by a key the provider does not publish under that id.
        let forged = other.sign(header(), claims());
        assert_eq!(
            verify(&forged, &[s.jwk("k1")], &expect()),
            Err(Invalid::Signature)
        );
        assert_eq!(
            verify(&s.sign(header(), claims()), &[s.jwk("k2")], &expect()),
            Err(Invalid::UnknownKey)
        );
        // The claims changed after signing.
        let good = s.sign(header(), claims());
        let mut parts: Vec<&str> = good.split('.').collect();
        let mut c = claims();
        c["preferred_username"] = "admin".into();
        let tampered = URL_SAFE_NO_PAD.encode(c.to_string());
        parts[1] = &tampered;
        assert_eq!(
            verify(&parts.join("."), &[s.jwk("k1")], &expect()),
            Err(Invalid::Signature)
        );
        // `none` and HMAC are not signatures by the provider.
        for alg in ["none", "HS256"] {
            let t = s.sign(serde_json::json!({"alg": alg, "kid": "k1"}), claims());
            assert_eq!(
                verify(&t, &[s.jwk("k1")], &expect()),
                Err(Invalid::Algorithm)
            );
        }
        assert_eq!(
            verify("a.b", &[s.jwk("k1")], &expect()),
            Err(Invalid::Malformed)
        );
    }
}
