//! The policy in force, one for every node. Each node starts with its `policy_file`; the database says
//! which policy is in force (`policy_changes`, the latest row), and every node follows it within
//! [`FOLLOW_EVERY`]: a policy is put in force when a node starts with one never seen before, or when an
//! administrator runs `banyan policy apply FILE` (which also puts back an older one). A node started with a
//! file that is not the policy in force serves the policy in force and says so in its log — two nodes with
//! two policies would assign one customer two segments.

use crate::App;
use crate::actor::Actor;
use crate::audit::{self, Entry};
use crate::error::{AppError, Result};
use banyan_domain::access::Permission;
use banyan_domain::policy::Policy;
use banyan_store::segments as store;
use banyan_store::{Db, now_us};

/// How often each node looks for a policy put in force by another.
pub const FOLLOW_EVERY: std::time::Duration = std::time::Duration::from_secs(30);

/// The policy in force and its content hash (recorded with every assignment it makes), swapped whole.
#[derive(Debug)]
pub struct InForce {
    pub policy: Policy,
    pub hash: String,
}

impl std::ops::Deref for InForce {
    type Target = Policy;
    fn deref(&self) -> &Policy {
        &self.policy
    }
}

/// Whether a process serves (and so may put its file in force) or only runs a command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Starting {
    /// `banyan serve` and `demo`: a policy file never seen before is put in force.
    Server,
    /// Every other command (`migrate`, `import`, `audit verify` … from any host): the policy in force is used
    /// whatever file the command was given; only a database where none is in force yet takes it.
    Command,
}

/// At start: the policy to serve and whether this start put it in force (audited in the same transaction).
pub(crate) async fn settle(
    db: &Db,
    keeper: &crate::audit::AuditKeeper,
    file: Policy,
    starting: Starting,
) -> Result<InForce> {
    let hash = super::policy_hash(&file);
    let tx = db.begin_write().await?;
    if starting == Starting::Command
        && let Some((h, content)) = store::policy_in_force(&*tx).await?
    {
        tx.commit().await?;
        let policy = parse(&h, &content)?;
        return Ok(InForce { policy, hash: h });
    }
    let new = store::record_policy(&*tx, &hash, &file.version, &file.canonical(), now_us()).await?;
    let current = store::policy_in_force(&*tx).await?;
    let settled = match current {
        Some((h, content)) if !new && h != hash => {
            let policy = parse(&h, &content)?;
            tracing::warn!(
                file_version = %file.version,
                file_hash = %hash,
                in_force_version = %policy.version,
                in_force_hash = %h,
                "policy_file is not the policy in force: serving the policy in force (`banyan policy apply FILE` changes it)"
            );
            InForce { policy, hash: h }
        }
        Some((h, _)) if h == hash => InForce { policy: file, hash },
        _ => {
            store::put_policy_in_force(&*tx, &hash, now_us()).await?;
            let p = InForce { policy: file, hash };
            crate::audit::record_system_with(keeper, &*tx, "policy", vec![entry(&p, "start")])
                .await?;
            p
        }
    };
    tx.commit().await?;
    Ok(settled)
}

fn parse(hash: &str, content: &str) -> Result<Policy> {
    Policy::from_toml(content).map_err(|e| {
        AppError::internal(format!("the policy in force ({hash}) does not parse: {e}"))
    })
}

/// Takes up the policy another node put in force, if any; true when it changed.
pub async fn follow(app: &App) -> Result<bool> {
    let Some((hash, content)) = store::policy_in_force(&app.db.conn).await? else {
        return Ok(false);
    };
    if hash == app.policy().hash {
        return Ok(false);
    }
    let policy = parse(&hash, &content)?;
    tracing::info!(version = %policy.version, hash = %hash, "another node put this policy in force");
    app.swap_policy(InForce { policy, hash });
    Ok(true)
}

fn entry(p: &InForce, how: &str) -> Entry {
    Entry {
        action: "policy.in_force",
        entity: "policy",
        entity_id: Some(p.hash.clone()),
        customer_id: None,
        detail: serde_json::json!({ "version": p.version, "how": how }),
    }
}

/// `banyan policy apply FILE`: puts `policy` in force for every node (they take it up within
/// [`FOLLOW_EVERY`]); this node serves it at once. Administrators only; audited.
pub async fn apply(app: &App, actor: &Actor, policy: Policy) -> Result<()> {
    let grant = actor.require(Permission::ConfigManage)?;
    let hash = super::policy_hash(&policy);
    let tx = app.db.begin_write().await?;
    store::record_policy(&*tx, &hash, &policy.version, &policy.canonical(), now_us()).await?;
    store::put_policy_in_force(&*tx, &hash, now_us()).await?;
    let p = InForce { policy, hash };
    audit::record(app, &*tx, &grant, vec![entry(&p, "apply")]).await?;
    tx.commit().await?;
    app.swap_policy(p);
    Ok(())
}
