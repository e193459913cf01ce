//! A second factor for local accounts: time-based one-time codes (TOTP, RFC 6238) from any authenticator
//! app — six digits, thirty-second steps, HMAC-SHA1, as the apps compute them.
//!
//! A staff member enrols themselves: Banyan makes a secret (160 random bits) and keeps it encrypted as
//! *pending* until the first code from the app confirms it; from then on every sign-in (API and workbench)
//! needs a current code besides the password. A code is good once (the step it belongs to is recorded), one
//! step either side is accepted for clocks that drift. A lost phone is an administrator's reset (audited),
//! never one's own. Service accounts have no password and no second factor: their tokens are bound to
//! addresses instead.

use super::{StaffRow, store};
use crate::App;
use crate::actor::Actor;
use crate::audit::{self, Entry};
use crate::crypto::{Purpose, random_bytes};
use crate::error::{AppError, Result};
use banyan_domain::access::Permission;
use banyan_domain::ids::StaffId;
use hmac::{KeyInit, Mac};
use serde::Serialize;
use utoipa::ToSchema;

const STEP_SECONDS: i64 = 30;
const DIGITS: u32 = 6;

/// RFC 4648 base32 without padding (what authenticator apps take as the secret).
pub fn base32(bytes: &[u8]) -> String {
    const A: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let mut out = String::new();
    let (mut buf, mut bits) = (0u32, 0u32);
    for b in bytes {
        buf = (buf << 8) | u32::from(*b);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(char::from(A[((buf >> bits) & 31) as usize]));
        }
    }
    if bits > 0 {
        out.push(char::from(A[((buf << (5 - bits)) & 31) as usize]));
    }
    out
}

/// The code of one time step (HOTP over the step counter, dynamic truncation).
pub fn code_at_step(secret: &[u8], step: i64) -> Result<u32> {
    let mut mac = hmac::Hmac::<sha1::Sha1>::new_from_slice(secret)
        .map_err(|_| AppError::internal("TOTP key"))?;
    mac.update(&step.to_be_bytes());
    let h = mac.finalize().into_bytes();
    let off = usize::from(h[h.len() - 1] & 0x0f);
    let bin = (u32::from(h[off] & 0x7f) << 24)
        | (u32::from(h[off + 1]) << 16)
        | (u32::from(h[off + 2]) << 8)
        | u32::from(h[off + 3]);
    Ok(bin % 10u32.pow(DIGITS))
}

/// The time step of a Unix time in seconds.
pub fn step_of(unix_seconds: i64) -> i64 {
    unix_seconds.div_euclid(STEP_SECONDS)
}

/// The step a code belongs to, if it is one of now's or a step either side of it.
fn matching_step(secret: &[u8], code: &str, now_s: i64) -> Result<Option<i64>> {
    let code = code.trim();
    if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
        return Ok(None);
    }
    let Ok(want) = code.parse::<u32>() else {
        return Ok(None);
    };
    let now = step_of(now_s);
    for step in [now, now - 1, now + 1] {
        if code_at_step(secret, step)? == want {
            return Ok(Some(step));
        }
    }
    Ok(None)
}

/// What a sign-in's second factor came to.
pub(super) enum Second {
    /// The account has none.
    NotEnrolled,
    /// A good code of this step.
    Good(i64),
    /// A recovery code (its hash), to be used up in the sign-in's transaction.
    Recovery(Vec<u8>),
    /// Missing, wrong or used already.
    Refused(&'static str),
}

/// Checks a sign-in's code against the account's secret (after its password was verified).
pub(super) fn check_sign_in(app: &App, s: &StaffRow, code: Option<&str>) -> Result<Second> {
    let Some(enc) = &s.totp_enc else {
        return Ok(Second::NotEnrolled);
    };
    let Some(code) = code.map(str::trim).filter(|c| !c.is_empty()) else {
        return Ok(Second::Refused("totp_missing"));
    };
    // Paused after too many wrong codes (from any address): not even a right one is tried.
    if s.totp_locked_until_us
        .is_some_and(|until| until > banyan_store::now_us())
    {
        return Ok(Second::Refused("totp_locked"));
    }
    if let Some(hash) = recovery_hash(s.id, code) {
        return Ok(Second::Recovery(hash));
    }
    let secret = app.keys().decrypt_bytes(Purpose::TotpSecret, enc)?;
    Ok(
        match matching_step(&secret, code, jiff::Timestamp::now().as_second())? {
            Some(step) if s.totp_step.is_none_or(|used| step > used) => Second::Good(step),
            Some(_) => Second::Refused("totp_reused"),
            None => Second::Refused("totp_wrong"),
        },
    )
}

/// The longest pause of code entry: a day (an owner locked out longer calls the administrator anyway).
const LONGEST_PAUSE_MINUTES: i64 = 24 * 60;

/// How long the pause after `pauses` pauses in a row lasts, in minutes: the policy's `lockout_minutes`,
/// twice as long each time after (15, 30, 60 … up to a day).
pub(super) fn pause_minutes(lockout_minutes: u32, pauses: i32) -> i64 {
    let doubled = i64::from(lockout_minutes).saturating_mul(1i64 << pauses.clamp(0, 20));
    doubled.min(LONGEST_PAUSE_MINUTES.max(i64::from(lockout_minutes)))
}

/// Counts a wrong code (or recovery code) against the account; after `max_failed_logins` of them code entry
/// pauses — the first time for the policy's `lockout_minutes`, each pause in a row (no good code between)
/// twice as long as the last. Answers the pause's minutes when this one began it.
pub(super) async fn count_wrong_code<C: banyan_store::ConnectionTrait>(
    app: &App,
    c: &C,
    id: StaffId,
    now_us: i64,
) -> Result<Option<i64>> {
    let policy = &app.policy().access;
    let max = i32::try_from(policy.max_failed_logins).unwrap_or(i32::MAX);
    let minutes = |pauses| pause_minutes(policy.lockout_minutes, pauses);
    let until =
        store::record_totp_failure(c, id, max, now_us, |p| now_us + minutes(p) * 60_000_000)
            .await?;
    Ok(until.map(|u| (u - now_us) / 60_000_000))
}

/// How many recovery codes an account gets when its second factor is turned on.
pub const RECOVERY_CODES: usize = 10;
/// Their letters: no 0/O or 1/I to misread.
const RECOVERY_ALPHABET: &[u8; 32] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";

/// Ten new recovery codes (`XXXXX-XXXXX`, 50 random bits each) and their hashes.
fn new_recovery_codes(staff: StaffId) -> Result<Vec<(String, Vec<u8>)>> {
    (0..RECOVERY_CODES)
        .map(|_| {
            let bytes = random_bytes::<10>()?;
            let chars: String = bytes
                .iter()
                .map(|b| char::from(RECOVERY_ALPHABET[usize::from(b % 32)]))
                .collect();
            let code = format!("{}-{}", &chars[..5], &chars[5..]);
            let hash =
                recovery_hash(staff, &code).ok_or_else(|| AppError::internal("recovery code"))?;
            Ok((code, hash))
        })
        .collect()
}

/// The hash of what was typed if it reads as a recovery code (case, spaces and the dash do not matter),
/// salted with the account: a copy of the database cannot be attacked for every account's codes at once.
fn recovery_hash(staff: StaffId, typed: &str) -> Option<Vec<u8>> {
    let norm: String = typed
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .map(|c| c.to_ascii_uppercase())
        .collect();
    (norm.len() == 10 && norm.bytes().all(|b| RECOVERY_ALPHABET.contains(&b)))
        .then(|| crate::crypto::sha256(format!("banyan-recovery:{staff}:{norm}").as_bytes()))
}

/// A secret to put into the authenticator app.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Enrolment {
    /// The secret in base32, for typing into the app.
    pub secret: String,
    /// The same as an `otpauth://` address (what a QR code would hold).
    pub uri: String,
}

/// Whether the signed-in staff member has a second factor.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SecondFactor {
    pub enabled: bool,
    /// An enrolment was begun and waits for its first code.
    pub pending: bool,
    /// Unused recovery codes left.
    pub recovery_left: u64,
    /// The recovery codes, shown once: only in the answer that turns the factor on.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub recovery_codes: Vec<String>,
}

async fn own_row(app: &App, actor: &Actor) -> Result<StaffRow> {
    if actor.role.is_service() {
        return Err(AppError::conflict(
            "service_account",
            "a service account has no password and no second factor",
            serde_json::json!({}),
        ));
    }
    store::find_staff(&app.db.conn, actor.id)
        .await?
        .ok_or(AppError::Unauthenticated)
}

/// Whether one's own account has a second factor.
pub async fn status(app: &App, actor: &Actor) -> Result<SecondFactor> {
    let s = own_row(app, actor).await?;
    Ok(SecondFactor {
        enabled: s.totp_enc.is_some(),
        pending: s.totp_pending_enc.is_some(),
        recovery_left: store::recovery_codes_left(&app.db.conn, s.id.uuid()).await?,
        recovery_codes: Vec::new(),
    })
}

/// Proof that the account's owner is at the keyboard before its second factor changes: the password, and
/// a current code of the factor in force (if there is one). A stolen session alone cannot put an attacker's
/// phone in place of the owner's, nor lock the owner out by enrolling one.
async fn owner_proof(app: &App, s: &StaffRow, password: &str, code: Option<&str>) -> Result<()> {
    let hash = s.password_hash.clone();
    let pw = password.to_owned();
    let ok = tokio::task::spawn_blocking(move || super::verify_password(&hash, &pw))
        .await
        .map_err(|e| AppError::internal_from("password hashing", e))?;
    if !ok {
        return Err(AppError::field(
            "password",
            "mismatch",
            "is not this account's password",
        ));
    }
    if let Some(enc) = &s.totp_enc {
        // The same pause as at sign-in: a stolen session with the password may not guess codes here.
        let now_us = banyan_store::now_us();
        if s.totp_locked_until_us.is_some_and(|until| until > now_us) {
            return Err(AppError::field(
                "current_code",
                "paused",
                "code entry is paused after wrong codes; try again later",
            ));
        }
        let secret = app.keys().decrypt_bytes(Purpose::TotpSecret, enc)?;
        let now = jiff::Timestamp::now().as_second();
        // Proof of holding the app: a code of now (a sign-in's last code counts too — this is no sign-in).
        let good = match code {
            Some(c) => matching_step(&secret, c, now)?.is_some(),
            None => false,
        };
        if !good {
            // Counted like a wrong code at sign-in, towards the account's pause.
            let tx = app.db.begin_write().await?;
            if let Some(minutes) = count_wrong_code(app, &*tx, s.id, now_us).await? {
                audit::record_as(
                    app,
                    &*tx,
                    Some(s.id.uuid()),
                    &s.username,
                    vec![Entry::staff(
                        "auth.totp_locked",
                        s.id,
                        serde_json::json!({"minutes": minutes, "source": "account_security"}),
                    )],
                )
                .await?;
            }
            tx.commit().await?;
            return Err(AppError::field(
                "current_code",
                "totp",
                "give a current code of the app in use now",
            ));
        }
    }
    Ok(())
}

/// Begins enrolling one's own account (the password, and a current code of the factor in force if any, are
/// asked first): a new secret, kept pending until [`confirm`]. Begun again, the earlier pending secret is
/// replaced; an enabled one stays in force until the new one is confirmed.
pub async fn begin(
    app: &App,
    actor: &Actor,
    issuer: &str,
    password: &str,
    current_code: Option<&str>,
) -> Result<Enrolment> {
    let s = own_row(app, actor).await?;
    owner_proof(app, &s, password, current_code).await?;
    let secret = random_bytes::<20>()?;
    let enc = app.keys().encrypt_bytes(Purpose::TotpSecret, &secret)?;
    // Only the pending secret is written: the one in force and its last step stay as they are now.
    store::set_totp_pending(&app.db.conn, s.id, &enc).await?;
    let b32 = base32(&secret);
    let label: String =
        form_urlencoded::byte_serialize(format!("{issuer}:{}", s.username).as_bytes()).collect();
    let iss: String = form_urlencoded::byte_serialize(issuer.as_bytes()).collect();
    Ok(Enrolment {
        uri: format!(
            "otpauth://totp/{label}?secret={b32}&issuer={iss}&algorithm=SHA1&digits=6&period=30"
        ),
        secret: b32,
    })
}

/// Confirms the pending secret with a code from the app: from now on sign-ins need a code, and every
/// session and token of the account ends (those signed in without the new factor; one signs in again with
/// it). Audited.
pub async fn confirm(app: &App, actor: &Actor, code: &str) -> Result<SecondFactor> {
    let s = own_row(app, actor).await?;
    let Some(pending) = &s.totp_pending_enc else {
        return Err(AppError::conflict(
            "no_enrolment",
            "begin an enrolment first",
            serde_json::json!({}),
        ));
    };
    let secret = app.keys().decrypt_bytes(Purpose::TotpSecret, pending)?;
    let Some(step) = matching_step(&secret, code, jiff::Timestamp::now().as_second())? else {
        return Err(AppError::field(
            "code",
            "totp",
            "is not the app's current code; check the phone's clock and type the six digits shown now",
        ));
    };
    let now = banyan_store::now_us();
    let tx = app.db.begin_write().await?;
    if !store::confirm_totp(&*tx, s.id, pending, step).await? {
        return Err(AppError::conflict(
            "no_enrolment",
            "the enrolment changed meanwhile; begin again",
            serde_json::json!({}),
        ));
    }
    store::revoke_tokens_of(&*tx, s.id.uuid(), now).await?;
    store::revoke_sessions_of(&*tx, s.id.uuid(), now).await?;
    // New codes with every (re-)enrolment: the old ones end with the old factor.
    let codes = new_recovery_codes(s.id)?;
    let rows: Vec<store::RecoveryCodeRow> = codes
        .iter()
        .map(|(_, hash)| store::RecoveryCodeRow {
            id: uuid::Uuid::now_v7(),
            staff_id: s.id.uuid(),
            code_hash: hash.clone(),
            created_at_us: now,
            used_at_us: None,
        })
        .collect();
    store::replace_recovery_codes(&*tx, s.id.uuid(), &rows).await?;
    audit::record_as(
        app,
        &*tx,
        Some(s.id.uuid()),
        &s.username,
        vec![Entry::staff(
            "auth.totp_enable",
            s.id,
            serde_json::json!({"recovery_codes": RECOVERY_CODES}),
        )],
    )
    .await?;
    tx.commit().await?;
    Ok(SecondFactor {
        enabled: true,
        pending: false,
        recovery_left: RECOVERY_CODES as u64,
        recovery_codes: codes.into_iter().map(|(c, _)| c).collect(),
    })
}

/// Removes a staff member's second factor (a lost phone), so they enrol again after signing in with the
/// password alone; an administrator's act, never on their own account. Audited.
pub async fn reset(app: &App, actor: &Actor, username: &str) -> Result<()> {
    let grant = actor.require(Permission::StaffManage)?;
    let s = store::find_staff_by_username(&app.db.conn, &super::username_key(username))
        .await?
        .filter(|s| !s.role.is_service())
        .ok_or(AppError::NotFound)?;
    if s.id == actor.id {
        return Err(AppError::conflict(
            "cannot_reset_self",
            "ask another administrator to reset your own second factor",
            serde_json::json!({}),
        ));
    }
    let tx = app.db.begin_write().await?;
    store::set_totp(&*tx, s.id, None, None, None).await?;
    store::replace_recovery_codes(&*tx, s.id.uuid(), &[]).await?;
    // Whoever holds the lost phone may hold a session too: every one of the account's ends.
    let now = banyan_store::now_us();
    store::revoke_tokens_of(&*tx, s.id.uuid(), now).await?;
    store::revoke_sessions_of(&*tx, s.id.uuid(), now).await?;
    audit::record(
        app,
        &*tx,
        &grant,
        vec![Entry::staff(
            "auth.totp_reset",
            s.id,
            serde_json::json!({"username": s.username}),
        )],
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

#[cfg(test)]
mod pause_tests {
    use super::pause_minutes;

    #[test]
    fn each_pause_in_a_row_is_twice_the_last_up_to_a_day() {
        let m: Vec<i64> = (0..9).map(|p| pause_minutes(15, p)).collect();
        assert_eq!(m, vec![15, 30, 60, 120, 240, 480, 960, 1440, 1440]);
        assert_eq!(pause_minutes(15, 1000), 1440);
        // A bank whose policy pauses longer than a day keeps its own length.
        assert_eq!(pause_minutes(2000, 3), 2000);
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    /// RFC 6238 appendix B (SHA-1, the 20-byte ASCII secret "12345678901234567890"), last six digits.
    #[test]
    fn codes_match_the_rfc_test_vectors() {
        let secret = b"12345678901234567890";
        for (t, code) in [
            (59, 287_082),
            (1_111_111_109, 81_804),
            (1_111_111_111, 50_471),
            (1_234_567_890, 5_924),
            (2_000_000_000, 279_037),
        ] {
            assert_eq!(code_at_step(secret, step_of(t)).unwrap(), code, "t={t}");
        }
    }

    #[test]
    fn base32_is_rfc_4648() {
        assert_eq!(base32(b"foobar"), "MZXW6YTBOI");
        assert_eq!(base32(b"f"), "MY");
    }

    #[test]
    fn a_code_matches_its_step_or_one_either_side_only() {
        let secret = b"12345678901234567890";
        let now = 1_234_567_890;
        let c = |s: i64| format!("{:06}", code_at_step(secret, s).unwrap());
        let here = step_of(now);
        assert_eq!(matching_step(secret, &c(here), now).unwrap(), Some(here));
        assert_eq!(
            matching_step(secret, &c(here - 1), now).unwrap(),
            Some(here - 1)
        );
        assert_eq!(matching_step(secret, &c(here + 2), now).unwrap(), None);
        assert_eq!(matching_step(secret, "12345", now).unwrap(), None);
        assert_eq!(matching_step(secret, "abcdef", now).unwrap(), None);
    }
}
