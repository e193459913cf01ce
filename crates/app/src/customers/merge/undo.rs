//! Undoing a carried-out merge: exactly the rows it moved go back, the merged record stands again.

use super::*;

/// Undoes a carried-out merge within its period (a checker; a note says why): the rows it moved go back
/// (rows written to the survivor since stay), the merged record stands again as it was, the survivor's fields
/// taken from it go back unless edited since, and the pair is dismissed (the two are two parties after all).
pub async fn undo(app: &App, actor: &Actor, id: Uuid, d: MergeDecision) -> Result<MergeView> {
    let grant = actor.require(Permission::CustomerVerify)?;
    let note = required_note(&d)?;
    let tx = app.db.begin_write().await?;
    let mut m = for_decision(&tx, &grant, id, d.version).await?;
    let next = step(&m, MergeStep::Undo)?;
    let now = now_us();
    if m.undo_until_us.is_none_or(|u| now > u) {
        return Err(AppError::conflict(
            "undo_expired",
            format!("a merge can be undone within {UNDO_DAYS} days"),
            json!({"undo_until": m.undo_until_us.map(crate::fmt_us)}),
        ));
    }
    let before: Before = match &m.before {
        Some(b) => crate::json::stored(b, format_args!("customer_merges.before of {}", m.id))?,
        None => {
            return Err(AppError::internal(format!(
                "merge {} was carried out without its prior state",
                m.id
            )));
        }
    };
    let s = lock_in_scope(&*tx, &grant, m.survivor_id).await?;
    let g = store::lock_customer(&*tx, m.merged_id.into())
        .await?
        .filter(|r| grant.can_see(&r.branch_code, r.rm_id))
        .ok_or(AppError::NotFound)?;
    // The fields the merge took from the merged record go back, unless someone changed them since.
    let s_req = request_of(app, &s)?;
    let current = choosable(&s_req);
    let back: Vec<FieldOption> = before
        .fields
        .iter()
        .filter(|f| {
            f.chosen == Side::Merged && current.get(&f.field).unwrap_or(&Value::Null) == &f.merged
        })
        .map(|f| FieldOption {
            field: f.field.clone(),
            survivor: f.merged.clone(),
            merged: f.survivor.clone(),
            chosen: Side::Merged,
        })
        .collect();
    let restored = survivor_row(app, &s, &s_req, &back)?;
    let mut changes: Vec<FieldChange> = back
        .iter()
        .map(|f| FieldChange {
            field: f.field.clone(),
            old: f.survivor.clone(),
            new: f.merged.clone(),
        })
        .collect();
    changes.push(FieldChange {
        field: "merged".into(),
        old: json!(g.customer_no),
        new: Value::Null,
    });
    let saved = commit_change(
        app,
        &tx,
        &grant,
        restored,
        s.version,
        Change {
            action: "customer.merge_undo",
            fields: changes,
            touch_editor: true,
        },
    )
    .await?;
    let mut again = g.clone();
    again.status = before.merged_status;
    let back_again = commit_change(
        app,
        &tx,
        &grant,
        again,
        g.version,
        Change {
            action: "customer.unmerged",
            fields: vec![FieldChange {
                field: "status".into(),
                old: json!(g.status),
                new: json!(before.merged_status),
            }],
            touch_editor: false,
        },
    )
    .await?;
    let moved_back = mstore::move_back(&*tx, m.id, s.id.uuid(), g.id.uuid()).await?;
    let merged_at = m.decided_at_us.ok_or_else(|| {
        AppError::internal(format!("merge {} was carried out without its time", m.id))
    })?;
    restore_consents(&tx, &s, &before, merged_at).await?;
    crate::reactions::on_change(app, &*tx, &[saved, back_again]).await?;
    if let Some(p) = mstore::pair_of(&*tx, m.survivor_id, m.merged_id).await? {
        mstore::set_pair_status(
            &*tx,
            p.id,
            &[PairStatus::Merged],
            PairStatus::Dismissed,
            Some(actor.id.uuid()),
            now,
            Some(m.id),
        )
        .await?;
    }
    m.status = next;
    m.undone_by = Some(actor.id.uuid());
    m.undone_at_us = Some(now);
    m.decision_note = note;
    let m = save(&tx, m).await?;
    crate::outbound::emit(
        &*tx,
        &[crate::outbound::event(
            "customer.merge_undone",
            Some(m.survivor_id),
            json!({"merge_id": m.id, "customer_id": m.survivor_id, "customer_no": s.customer_no,
               "merged_id": m.merged_id, "merged_no": g.customer_no}),
        )],
    )
    .await?;
    audit::record(
        app,
        &*tx,
        &grant,
        entries(
            "customer.merge_undo",
            &m,
            json!({"moved_back": moved_back.values().sum::<u64>()}),
        ),
    )
    .await?;
    let view = view_of(app, &*tx, actor, m).await?;
    crate::idempotency::commit(tx, actor, 200, &view).await?;
    Ok(view)
}

/// The survivor's consents as before the merge, but for any recorded since (a refusal given after the merge
/// is the customer's latest word and stands).
async fn restore_consents(
    tx: &DatabaseTransaction,
    s: &CustomerRow,
    before: &Before,
    merged_at: i64,
) -> Result<()> {
    let id = s.id.uuid();
    let now: BTreeMap<String, ConsentRow> = store::list_consents(tx, id)
        .await?
        .into_iter()
        .map(|c| (c.channel.clone(), c))
        .collect();
    let mut rows = Vec::new();
    for (channel, c) in &now {
        if c.at_us > merged_at {
            continue;
        }
        match before.consents.iter().find(|b| &b.channel == channel) {
            Some(b) => rows.push(ConsentRow {
                customer_id: id,
                channel: b.channel.clone(),
                granted: b.granted,
                source: b.source.clone(),
                at_us: b.at_us,
                recorded_by: b.recorded_by,
            }),
            None => mstore::delete_consent(tx, id, channel).await?,
        }
    }
    store::upsert_consents(tx, &rows).await?;
    Ok(())
}
