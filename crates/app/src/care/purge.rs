//! The end of retention (PIPL Art. 19 and 47): a record that ended keeps its sensitive detail only for the
//! policy's `retention_days`; then its own key is destroyed with the ciphertexts, notes, documents and the
//! survey's words, so nothing it sealed can be read again. What remains is the workflow: dates, the team, the measures, the audit trail.

use crate::App;
use crate::error::Result;
use banyan_store::care::compartment as cstore;
use banyan_store::care::{self as store, CareRow};
use banyan_store::now_us;
use serde_json::json;

/// Destroys the detail of every record due on or before `day`; how many. Run nightly; each record in its own
/// transaction with its audit entry (`care.purge`, under the job's name).
pub async fn run(app: &App, day: jiff::civil::Date) -> Result<u64> {
    let due = store::due_for_purge(&app.db.conn, day).await?;
    let mut n = 0;
    for old in due {
        let tx = app.db.begin_write().await?;
        let new = CareRow {
            key_enc: None,
            lead_enc: None,
            detail_enc: None,
            diagnosis_enc: None,
            purged_at_us: Some(now_us()),
            version: old.version + 1,
            ..old.clone()
        };
        if !store::update(&*tx, &new, old.version).await? {
            // Changed since it was listed: the next run takes it.
            continue;
        }
        let notes = cstore::delete_notes(&*tx, old.id).await?;
        let documents = cstore::delete_documents(&*tx, old.id).await?;
        // The survey's score stays for the report; the customer's words go with the key.
        banyan_store::care::survey::forget_comment(&*tx, old.id).await?;
        crate::audit::record_system(
            app,
            &*tx,
            "care.purge",
            vec![crate::audit::Entry {
                action: "care.purge",
                entity: "care",
                entity_id: Some(old.id.to_string()),
                customer_id: Some(old.customer_id.uuid()),
                detail: json!({"notes": notes, "documents": documents}),
            }],
        )
        .await?;
        tx.commit().await?;
        n += 1;
    }
    Ok(n)
}
