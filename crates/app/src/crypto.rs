//! Field encryption (AES-256-GCM) and blind indexes (HMAC-SHA-256) under keys wrapped by the master key.
//!
//! Each ciphertext starts with the id of the data key that made it, so keys can rotate: new values use the
//! active key, old ones stay readable until `banyan keys rotate` re-encrypts them. The blind-index key never
//! rotates (lookups would break); it is wrapped by the master key like the data keys.

use crate::error::{AppError, Result};
use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use banyan_store::misc::{self, DataKeyRow};
use banyan_store::{Db, now_us};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::collections::HashMap;

/// What a ciphertext or blind index is about; bound into the ciphertext as associated data so a value
/// cannot be moved to another column, and into the blind index so equal values of different kinds differ.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    Identifier,
    Mobile,
    /// The last four digits of a mobile number, for search (keyed, so the index does not hold them).
    MobileTail,
    Email,
    Address,
    /// A non-customer complainant's name and contact (feedback cases).
    Complainant,
    /// Files attached to a feedback case.
    Attachment,
    /// A customer file being imported, and its rejected rows.
    Import,
    /// A feed file (holdings, transactions, channel events) kept while its load runs as a job.
    BookFile,
    /// A lead's documents: the signed contract, the account-opening application's papers.
    LeadFile,
    /// A care record's own key (see [`RecordKey`]).
    CareKey,
    /// A client's declared finances, the snapshots of their reviews, and their advisory team's notes.
    Wealth,
    /// A webhook subscription's signing secret.
    WebhookSecret,
    /// A staff member's TOTP secret (second factor).
    TotpSecret,
}

impl Purpose {
    fn tag(self) -> &'static [u8] {
        match self {
            Purpose::Identifier => b"id",
            Purpose::Mobile => b"mobile",
            Purpose::MobileTail => b"mobile-tail",
            Purpose::Email => b"email",
            Purpose::Address => b"address",
            Purpose::Complainant => b"complainant",
            Purpose::Attachment => b"attachment",
            Purpose::Import => b"import",
            Purpose::BookFile => b"book-file",
            Purpose::LeadFile => b"lead-file",
            Purpose::CareKey => b"care-key",
            Purpose::Wealth => b"wealth",
            Purpose::WebhookSecret => b"webhook-secret",
            Purpose::TotpSecret => b"totp-secret",
        }
    }
}

/// The 32-byte master key (from `BANYAN_MASTER_KEY` / `_FILE`). Debug never prints it.
#[derive(Clone)]
pub struct MasterKey([u8; 32]);

impl std::fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MasterKey(<redacted>)")
    }
}

impl MasterKey {
    /// Parses 64 hex characters (or standard base64 of 32 bytes).
    pub fn parse(s: &str) -> std::result::Result<Self, String> {
        use base64::Engine;
        let t = s.trim();
        let bytes = if t.len() == 64 && t.bytes().all(|b| b.is_ascii_hexdigit()) {
            hex::decode(t).map_err(|e| e.to_string())?
        } else {
            base64::engine::general_purpose::STANDARD
                .decode(t)
                .map_err(|_| {
                    "master key must be 64 hex characters or base64 of 32 bytes".to_owned()
                })?
        };
        let arr: [u8; 32] = bytes
            .try_into()
            .map_err(|_| "master key must be exactly 32 bytes (256 bits)".to_owned())?;
        Ok(MasterKey(arr))
    }

    pub fn generate() -> Result<Self> {
        Ok(MasterKey(random_array()?))
    }

    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }

    /// A key for one purpose, derived from the master key (HMAC-SHA-256 of the label) and never stored:
    /// whoever holds the database alone cannot compute it.
    pub fn derive(&self, label: &str) -> [u8; 32] {
        let mut m = <Hmac<Sha256> as hmac::KeyInit>::new_from_slice(&self.0)
            .expect("HMAC takes a key of any length");
        m.update(label.as_bytes());
        m.finalize().into_bytes().into()
    }

    fn cipher(&self) -> Aes256Gcm {
        Aes256Gcm::new(&self.0.into())
    }
}

fn random_array<const N: usize>() -> Result<[u8; N]> {
    let mut b = [0u8; N];
    getrandom::fill(&mut b).map_err(|e| AppError::internal(format!("no randomness: {e}")))?;
    Ok(b)
}

/// Random bytes for tokens and nonces.
pub fn random_bytes<const N: usize>() -> Result<[u8; N]> {
    random_array()
}

/// The unwrapped keys in memory.
pub struct KeyRing {
    field: HashMap<i32, Aes256Gcm>,
    active: i32,
    bidx: Hmac<Sha256>,
}

impl std::fmt::Debug for KeyRing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "KeyRing(active key {}, {} keys)",
            self.active,
            self.field.len()
        )
    }
}

const NONCE: usize = 12;

fn wrap(master: &MasterKey, key: &[u8; 32], id: i32) -> Result<Vec<u8>> {
    let nonce: [u8; NONCE] = random_array()?;
    let aad = format!("banyan-data-key-{id}");
    let ct = master
        .cipher()
        .encrypt(
            &Nonce::from(nonce),
            Payload {
                msg: key,
                aad: aad.as_bytes(),
            },
        )
        .map_err(|_| AppError::internal("key wrap failed"))?;
    let mut out = nonce.to_vec();
    out.extend_from_slice(&ct);
    Ok(out)
}

fn unwrap_key(master: &MasterKey, row: &DataKeyRow) -> Result<[u8; 32]> {
    if row.wrapped.len() < NONCE {
        return Err(AppError::internal(format!(
            "data key {} is truncated",
            row.id
        )));
    }
    let (nonce, ct) = row.wrapped.split_at(NONCE);
    let nonce: [u8; NONCE] = nonce
        .try_into()
        .map_err(|_| AppError::internal("bad nonce"))?;
    let aad = format!("banyan-data-key-{}", row.id);
    let pt = master
        .cipher()
        .decrypt(&Nonce::from(nonce), Payload { msg: ct, aad: aad.as_bytes() })
        .map_err(|_| {
            AppError::internal(
                "the master key does not open this database's data keys: check BANYAN_MASTER_KEY / BANYAN_MASTER_KEY_FILE",
            )
        })?;
    pt.try_into()
        .map_err(|_| AppError::internal("data key has the wrong length"))
}

impl KeyRing {
    /// Loads the keys, creating the first field key and the blind-index key in a new database.
    pub async fn load_or_init(db: &Db, master: &MasterKey) -> Result<KeyRing> {
        let mut rows = misc::list_data_keys(&db.conn).await?;
        if rows.is_empty() {
            let tx = db.begin_write().await?;
            if misc::list_data_keys(&*tx).await?.is_empty() {
                let mut first = Vec::new();
                for (id, purpose) in [(1, "blind_index"), (2, "field")] {
                    let key: [u8; 32] = random_array()?;
                    first.push(DataKeyRow {
                        id,
                        purpose: purpose.into(),
                        wrapped: wrap(master, &key, id)?,
                        active: true,
                        created_at_us: now_us(),
                    });
                }
                // Another node starting at the same moment may write its keys first: then these are
                // dropped and every node loads that node's keys.
                misc::insert_first_data_keys(&*tx, &first).await?;
            }
            tx.commit().await?;
            rows = misc::list_data_keys(&db.conn).await?;
        }
        Self::from_rows(master, &rows)
    }

    fn from_rows(master: &MasterKey, rows: &[DataKeyRow]) -> Result<KeyRing> {
        let mut field = HashMap::new();
        let mut active = None;
        let mut bidx = None;
        for r in rows {
            let key = unwrap_key(master, r)?;
            match r.purpose.as_str() {
                "blind_index" => {
                    bidx = Some(
                        <Hmac<Sha256> as hmac::KeyInit>::new_from_slice(&key)
                            .map_err(|_| AppError::internal("bad blind-index key"))?,
                    )
                }
                _ => {
                    field.insert(r.id, Aes256Gcm::new(&key.into()));
                    if r.active {
                        active = Some(r.id);
                    }
                }
            }
        }
        match (active, bidx) {
            (Some(active), Some(bidx)) => Ok(KeyRing {
                field,
                active,
                bidx,
            }),
            _ => Err(AppError::internal("data keys are incomplete")),
        }
    }

    pub fn active_key_id(&self) -> i32 {
        self.active
    }

    /// `key id (4 bytes, big endian) || nonce (12) || ciphertext+tag`.
    pub fn encrypt(&self, purpose: Purpose, plaintext: &str) -> Result<Vec<u8>> {
        self.encrypt_bytes(purpose, plaintext.as_bytes())
    }

    /// [`KeyRing::encrypt`] for binary values (attachments).
    pub fn encrypt_bytes(&self, purpose: Purpose, plaintext: &[u8]) -> Result<Vec<u8>> {
        let cipher = self
            .field
            .get(&self.active)
            .ok_or_else(|| AppError::internal("active key missing"))?;
        let nonce: [u8; NONCE] = random_array()?;
        let ct = cipher
            .encrypt(
                &Nonce::from(nonce),
                Payload {
                    msg: plaintext,
                    aad: purpose.tag(),
                },
            )
            .map_err(|_| AppError::internal("encryption failed"))?;
        let mut out = Vec::with_capacity(4 + NONCE + ct.len());
        out.extend_from_slice(&self.active.to_be_bytes());
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&ct);
        Ok(out)
    }

    pub fn decrypt(&self, purpose: Purpose, data: &[u8]) -> Result<String> {
        String::from_utf8(self.decrypt_bytes(purpose, data)?)
            .map_err(|_| AppError::internal("decrypted value is not UTF-8"))
    }

    /// [`KeyRing::decrypt`] for binary values.
    pub fn decrypt_bytes(&self, purpose: Purpose, data: &[u8]) -> Result<Vec<u8>> {
        if data.len() < 4 + NONCE + 16 {
            return Err(AppError::internal("ciphertext is truncated"));
        }
        let (kid, rest) = data.split_at(4);
        let kid = i32::from_be_bytes([kid[0], kid[1], kid[2], kid[3]]);
        let (nonce, ct) = rest.split_at(NONCE);
        let nonce: [u8; NONCE] = nonce
            .try_into()
            .map_err(|_| AppError::internal("bad nonce"))?;
        let cipher = self
            .field
            .get(&kid)
            .ok_or_else(|| AppError::internal(format!("data key {kid} is unknown")))?;
        cipher
            .decrypt(
                &Nonce::from(nonce),
                Payload {
                    msg: ct,
                    aad: purpose.tag(),
                },
            )
            .map_err(|_| AppError::internal("a stored value failed its integrity check"))
    }

    /// The key id a ciphertext was made with.
    pub fn key_id_of(data: &[u8]) -> Option<i32> {
        data.get(..4)
            .map(|b| i32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    }

    /// HMAC-SHA-256 of the canonical value, truncated to 16 bytes: exact lookup without decrypting.
    pub fn blind_index(&self, purpose: Purpose, canonical: &str) -> Vec<u8> {
        let mut mac = self.bidx.clone();
        mac.update(purpose.tag());
        mac.update(&[0]);
        mac.update(canonical.as_bytes());
        mac.finalize().into_bytes()[..16].to_vec()
    }

    /// Adds a new active field key; returns the new ring and its id. Old keys stay for decryption.
    pub async fn rotate(db: &Db, master: &MasterKey) -> Result<(KeyRing, i32)> {
        let tx = db.begin_write().await?;
        let rows = misc::list_data_keys(&*tx).await?;
        let id = rows.iter().map(|r| r.id).max().unwrap_or(0) + 1;
        let key: [u8; 32] = random_array()?;
        misc::insert_data_key(
            &*tx,
            &DataKeyRow {
                id,
                purpose: "field".into(),
                wrapped: wrap(master, &key, id)?,
                active: true,
                created_at_us: now_us(),
            },
        )
        .await?;
        tx.commit().await?;
        let rows = misc::list_data_keys(&db.conn).await?;
        Ok((Self::from_rows(master, &rows)?, id))
    }
}

/// A key of one record's own (a care record's compartment, seed 003 §六): made at random when the record
/// is reported, kept only wrapped by the field key, so what it sealed can be read only through the record —
/// and is gone for good when the wrapped key is destroyed at the end of retention (nothing to hunt down in
/// backups of other tables). Each value is bound to the record and to what it is (`detail`, `note`), so it
/// cannot be moved to another record or column.
pub struct RecordKey {
    cipher: Aes256Gcm,
    record: uuid::Uuid,
}

impl std::fmt::Debug for RecordKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "RecordKey({}, <redacted>)", self.record)
    }
}

impl RecordKey {
    /// A new key for `record` and its wrapped form to store.
    pub fn generate(ring: &KeyRing, record: uuid::Uuid) -> Result<(RecordKey, Vec<u8>)> {
        let key: [u8; 32] = random_array()?;
        let wrapped = ring.encrypt_bytes(Purpose::CareKey, &key)?;
        Ok((
            RecordKey {
                cipher: Aes256Gcm::new(&key.into()),
                record,
            },
            wrapped,
        ))
    }

    /// The key of `record` from its stored wrapped form.
    pub fn unwrap(ring: &KeyRing, record: uuid::Uuid, wrapped: &[u8]) -> Result<RecordKey> {
        let key: [u8; 32] = ring
            .decrypt_bytes(Purpose::CareKey, wrapped)?
            .try_into()
            .map_err(|_| {
                AppError::internal(format!("record key of {record} has the wrong length"))
            })?;
        Ok(RecordKey {
            cipher: Aes256Gcm::new(&key.into()),
            record,
        })
    }

    fn aad(&self, what: &str) -> String {
        format!("record:{}:{what}", self.record)
    }

    /// `nonce (12) || ciphertext+tag`.
    pub fn seal(&self, what: &str, plaintext: &str) -> Result<Vec<u8>> {
        self.seal_bytes(what, plaintext.as_bytes())
    }

    /// [`seal`](Self::seal) for bytes (a document's file).
    pub fn seal_bytes(&self, what: &str, plaintext: &[u8]) -> Result<Vec<u8>> {
        let nonce: [u8; NONCE] = random_array()?;
        let aad = self.aad(what);
        let ct = self
            .cipher
            .encrypt(
                &Nonce::from(nonce),
                Payload {
                    msg: plaintext,
                    aad: aad.as_bytes(),
                },
            )
            .map_err(|_| AppError::internal("encryption failed"))?;
        let mut out = nonce.to_vec();
        out.extend_from_slice(&ct);
        Ok(out)
    }

    pub fn open(&self, what: &str, data: &[u8]) -> Result<String> {
        String::from_utf8(self.open_bytes(what, data)?)
            .map_err(|_| AppError::internal("decrypted value is not UTF-8"))
    }

    /// [`open`](Self::open) for bytes.
    pub fn open_bytes(&self, what: &str, data: &[u8]) -> Result<Vec<u8>> {
        if data.len() < NONCE + 16 {
            return Err(AppError::internal("ciphertext is truncated"));
        }
        let (nonce, ct) = data.split_at(NONCE);
        let nonce: [u8; NONCE] = nonce
            .try_into()
            .map_err(|_| AppError::internal("bad nonce"))?;
        let aad = self.aad(what);
        self.cipher
            .decrypt(
                &Nonce::from(nonce),
                Payload {
                    msg: ct,
                    aad: aad.as_bytes(),
                },
            )
            .map_err(|_| AppError::internal("a stored value failed its integrity check"))
    }
}

/// Whether two secrets are equal, in time that does not depend on where they differ: their SHA-256 digests
/// are compared byte by byte without an early exit.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    let (x, y) = (sha256(a), sha256(b));
    x.iter().zip(&y).fold(0u8, |acc, (p, q)| acc | (p ^ q)) == 0
}

/// SHA-256 as lower-case hex.
pub fn sha256_hex(data: &[u8]) -> String {
    use sha2::Digest;
    hex::encode(Sha256::digest(data))
}

/// A file's size and SHA-256 (lower-case hex), read in 1 MiB pieces (backups and audit archives are large).
pub fn sha256_file(path: &std::path::Path) -> std::io::Result<(u64, String)> {
    use sha2::Digest;
    use std::io::Read;
    let mut f = std::fs::File::open(path)?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    let mut bytes = 0u64;
    loop {
        let n = f.read(&mut buf)?;
        if n == 0 {
            break;
        }
        bytes += n as u64;
        h.update(&buf[..n]);
    }
    Ok((bytes, hex::encode(h.finalize())))
}

/// SHA-256 bytes.
pub fn sha256(data: &[u8]) -> Vec<u8> {
    use sha2::Digest;
    Sha256::digest(data).to_vec()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn ring() -> KeyRing {
        let m = MasterKey::generate().unwrap();
        let rows = vec![
            DataKeyRow {
                id: 1,
                purpose: "blind_index".into(),
                wrapped: wrap(&m, &[7; 32], 1).unwrap(),
                active: true,
                created_at_us: 0,
            },
            DataKeyRow {
                id: 2,
                purpose: "field".into(),
                wrapped: wrap(&m, &[9; 32], 2).unwrap(),
                active: true,
                created_at_us: 0,
            },
        ];
        KeyRing::from_rows(&m, &rows).unwrap()
    }

    #[test]
    fn encryption_round_trips_and_records_the_key_id() {
        let r = ring();
        let c = r.encrypt(Purpose::Mobile, "13812345678").unwrap();
        assert_eq!(KeyRing::key_id_of(&c), Some(2));
        assert!(!c.windows(11).any(|w| w == b"13812345678"));
        assert_eq!(r.decrypt(Purpose::Mobile, &c).unwrap(), "13812345678");
    }

    #[test]
    fn a_ciphertext_moved_to_another_column_does_not_decrypt() {
        let r = ring();
        let c = r.encrypt(Purpose::Mobile, "13812345678").unwrap();
        assert!(r.decrypt(Purpose::Email, &c).is_err());
    }

    #[test]
    fn blind_indexes_are_stable_and_separate_kinds() {
        let r = ring();
        assert_eq!(
            r.blind_index(Purpose::Mobile, "1"),
            r.blind_index(Purpose::Mobile, "1")
        );
        assert_ne!(
            r.blind_index(Purpose::Mobile, "1"),
            r.blind_index(Purpose::Email, "1")
        );
    }

    #[test]
    fn a_wrong_master_key_is_reported_clearly() {
        let m = MasterKey::generate().unwrap();
        let other = MasterKey::generate().unwrap();
        let row = DataKeyRow {
            id: 1,
            purpose: "field".into(),
            wrapped: wrap(&m, &[1; 32], 1).unwrap(),
            active: true,
            created_at_us: 0,
        };
        let e = unwrap_key(&other, &row).unwrap_err().to_string();
        assert!(e.contains("BANYAN_MASTER_KEY"), "{e}");
    }

    #[test]
    fn a_record_key_opens_only_its_own_record_and_column() {
        let r = ring();
        let (a, b) = (uuid::Uuid::now_v7(), uuid::Uuid::now_v7());
        let (k, wrapped) = RecordKey::generate(&r, a).unwrap();
        let sealed = k.seal("detail", "化疗中").unwrap();
        let again = RecordKey::unwrap(&r, a, &wrapped).unwrap();
        assert_eq!(again.open("detail", &sealed).unwrap(), "化疗中");
        assert!(again.open("note", &sealed).is_err());
        let moved = RecordKey::unwrap(&r, b, &wrapped).unwrap();
        assert!(moved.open("detail", &sealed).is_err());
        assert!(!format!("{k:?}").contains("detail"));
    }

    #[test]
    fn master_key_debug_is_redacted() {
        let m = MasterKey::parse(&"ab".repeat(32)).unwrap();
        assert_eq!(format!("{m:?}"), "MasterKey(<redacted>)");
        assert!(MasterKey::parse("short").is_err());
    }
}
