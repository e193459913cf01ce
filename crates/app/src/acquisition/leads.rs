//! Capturing and reading leads: the form's checks (each broken rule names its field), the duplicate check
//! against customers and open leads (without telling a stranger who holds the number), encryption of the
//! contact data, and the lists.

use super::{LeadView, lead_in_scope, note, staff_names, view_of};
use crate::App;
use crate::actor::{Actor, Granted};
use crate::audit::{self, Entry};
use crate::crypto::{KeyRing, Purpose};
use crate::error::{AppError, Result};
use banyan_domain::FieldErrors;
use banyan_domain::access::Permission;
use banyan_domain::acquisition::{LawfulBasis, LeadAction, LeadChannel, LeadKind, LeadStage};
use banyan_domain::customer::IndustrySection;
use banyan_domain::ident::{CreditCode, Email, Gender, PhoneNumber, ResidentId};
use banyan_domain::ids::{LeadId, PartnerId, StaffId};
use banyan_store::acquisition::{self as store, LeadEventRow, LeadFilter, LeadRow};
use banyan_store::now_us;
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

/// A lead as captured or edited (an edit sends the whole form again).
#[derive(Debug, Clone, Default, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LeadInput {
    pub kind: Option<LeadKind>,
    /// The person's or the organisation's name (at most 100 characters).
    pub name: Option<String>,
    #[schema(value_type = Option<String>, example = "female")]
    pub gender: Option<String>,
    pub birth_year: Option<i32>,
    pub mobile: Option<String>,
    pub email: Option<String>,
    pub address: Option<String>,
    /// A person's resident ID or an organisation's unified social credit code.
    pub id_number: Option<String>,
    /// GB/T 4754 section letter (organisations).
    pub industry: Option<String>,
    pub business_scope: Option<String>,
    pub employees: Option<i32>,
    /// Yearly income (a person) or revenue (an organisation), minor units of CNY.
    pub income: Option<i64>,
    pub assets: Option<i64>,
    pub liabilities: Option<i64>,
    /// Catalogue codes of the products the lead wants.
    #[serde(default)]
    pub products_wanted: Vec<String>,
    /// Expected yearly return, basis points (350 = 3.5 %).
    pub expected_return_bp: Option<i32>,
    pub channel: Option<LeadChannel>,
    /// Required when the channel is `partner`.
    pub partner_id: Option<PartnerId>,
    /// The acquisition campaign it was captured in (running that day, through this channel).
    #[serde(default)]
    pub campaign_id: Option<banyan_domain::ids::AcqCampaignId>,
    /// The lawful basis of collecting the data; without one the lead may not be contacted.
    pub basis: Option<LawfulBasis>,
    /// The date consent was given (`YYYY-MM-DD`, required with `consent`).
    pub consent_on: Option<String>,
    /// Where the consent is kept (a form number, a recording).
    pub consent_ref: Option<String>,
    /// A credit-bureau or rating-agency grade (one of the policy's), with its source and date.
    pub credit_grade: Option<String>,
    pub credit_source: Option<String>,
    pub credit_on: Option<String>,
    /// The branch working the lead (default: the caller's).
    pub branch_code: Option<String>,
    /// The owner (default: the caller, when the caller works a portfolio).
    pub rm_id: Option<StaffId>,
    pub note: Option<String>,
}

/// The contact data of a lead in full (a reveal).
#[derive(Debug, Clone, Default)]
pub(crate) struct Revealed {
    pub(crate) mobile: Option<String>,
    pub(crate) email: Option<String>,
    pub(crate) address: Option<String>,
    pub(crate) id_number: Option<String>,
}

/// The checked form: the row's data fields (without stage, ownership stamps or number).
struct Checked {
    kind: LeadKind,
    name: String,
    gender: Option<Gender>,
    birth_year: Option<i32>,
    mobile: Option<PhoneNumber>,
    email: Option<Email>,
    address: Option<String>,
    id_number: Option<String>,
    id_mask: Option<String>,
    industry: Option<String>,
    business_scope: Option<String>,
    employees: Option<i32>,
    income: Option<i64>,
    assets: Option<i64>,
    liabilities: Option<i64>,
    products_wanted: Vec<String>,
    expected_return_bp: Option<i32>,
    channel: LeadChannel,
    partner_id: Option<PartnerId>,
    basis: Option<LawfulBasis>,
    consent_on: Option<String>,
    consent_ref: Option<String>,
    credit_grade: Option<String>,
    credit_source: Option<String>,
    credit_on: Option<String>,
    branch_code: String,
    rm_id: Option<StaffId>,
    note: Option<String>,
}

fn text(v: &Option<String>) -> Option<String> {
    v.as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

fn date_field(
    e: &mut FieldErrors,
    field: &str,
    v: &Option<String>,
    today: jiff::civil::Date,
) -> Option<String> {
    let s = text(v)?;
    match s.parse::<jiff::civil::Date>() {
        Ok(d) if d > today => {
            e.push(field, "future", "must not be in the future");
            None
        }
        Ok(d) => Some(d.to_string()),
        Err(_) => {
            e.push(field, "format", "must be a date, YYYY-MM-DD");
            None
        }
    }
}

/// Checks the form against the rules, the policy and the catalogue; every broken rule names its field.
async fn check(
    app: &App,
    grant: &Granted<'_>,
    i: &LeadInput,
    kept_contact: bool,
) -> Result<Checked> {
    let mut e = FieldErrors::new();
    let today = app.today();
    let kind = i.kind.unwrap_or(LeadKind::Individual);
    if i.kind.is_none() {
        e.push("kind", "required", "is required");
    }
    let name = text(&i.name);
    match &name {
        None => e.push("name", "required", "is required"),
        Some(n) if n.chars().count() > 100 => {
            e.push("name", "max_length", "must be at most 100 characters")
        }
        Some(_) => {}
    }
    let gender = text(&i.gender).and_then(|g| {
        let parsed = Gender::parse(&g);
        if parsed.is_none() {
            e.push("gender", "one_of", "must be male or female");
        }
        parsed
    });
    if let Some(y) = i.birth_year
        && !(1900..=i32::from(today.year())).contains(&y)
    {
        e.push(
            "birth_year",
            "range",
            "must be a year from 1900 to this year",
        );
    }
    let mobile = text(&i.mobile).and_then(|m| e.take("mobile", PhoneNumber::parse(&m)));
    let email = text(&i.email).and_then(|m| e.take("email", Email::parse(&m)));
    let address = text(&i.address);
    if address.as_ref().is_some_and(|a| a.chars().count() > 200) {
        e.push("address", "max_length", "must be at most 200 characters");
    }
    let (id_number, id_mask) = match text(&i.id_number) {
        None => (None, None),
        Some(n) => match kind {
            LeadKind::Individual => match e.take("id_number", ResidentId::parse(&n)) {
                Some(r) => (Some(r.as_str().to_owned()), Some(r.masked())),
                None => (None, None),
            },
            LeadKind::Corporate => match e.take("id_number", CreditCode::parse(&n)) {
                Some(c) => (Some(c.as_str().to_owned()), Some(c.masked())),
                None => (None, None),
            },
        },
    };
    if !kept_contact && text(&i.mobile).is_none() && text(&i.email).is_none() && address.is_none() {
        e.push(
            "mobile",
            "contact_required",
            "give at least a mobile number, an e-mail or an address",
        );
    }
    let industry = text(&i.industry).and_then(|s| match IndustrySection::parse(&s) {
        Ok(x) => Some(x.letter().to_string()),
        Err(m) => {
            e.push("industry", "one_of", m);
            None
        }
    });
    let business_scope = text(&i.business_scope);
    if business_scope
        .as_ref()
        .is_some_and(|a| a.chars().count() > 500)
    {
        e.push(
            "business_scope",
            "max_length",
            "must be at most 500 characters",
        );
    }
    for (f, v) in [
        ("income", i.income),
        ("assets", i.assets),
        ("liabilities", i.liabilities),
    ] {
        if v.is_some_and(|v| v < 0) {
            e.push(f, "min", "must not be negative");
        }
    }
    if i.employees.is_some_and(|v| v < 0) {
        e.push("employees", "min", "must not be negative");
    }
    if i.expected_return_bp
        .is_some_and(|v| !(0..=10_000).contains(&v))
    {
        e.push(
            "expected_return_bp",
            "range",
            "must be 0 to 10000 basis points",
        );
    }
    let mut products_wanted = Vec::new();
    for code in &i.products_wanted {
        let code = code.trim();
        if code.is_empty() || products_wanted.iter().any(|c| c == code) {
            continue;
        }
        if banyan_store::book::product_by_code(&app.db.conn, code)
            .await?
            .is_none()
        {
            e.push(
                "products_wanted",
                "unknown",
                format!("no product in the catalogue has the code {code}"),
            );
        } else {
            products_wanted.push(code.to_owned());
        }
    }
    let channel = i.channel.unwrap_or(LeadChannel::Branch);
    if i.channel.is_none() {
        e.push("channel", "required", "is required");
    }
    match (channel, i.partner_id) {
        (LeadChannel::Partner, None) => e.push(
            "partner_id",
            "required",
            "a lead from a partner names the partner",
        ),
        (LeadChannel::Partner, Some(p)) => match store::find_partner(&app.db.conn, p).await? {
            Some(p) if p.active => {}
            Some(_) => e.push(
                "partner_id",
                "inactive",
                "the partner no longer brings leads",
            ),
            None => e.push("partner_id", "unknown", "no such partner"),
        },
        (_, Some(_)) => e.push(
            "partner_id",
            "channel",
            "only a lead from the partner channel names a partner",
        ),
        (_, None) => {}
    }
    let consent_on = date_field(&mut e, "consent_on", &i.consent_on, today);
    if i.basis == Some(LawfulBasis::Consent)
        && consent_on.is_none()
        && text(&i.consent_on).is_none()
    {
        e.push(
            "consent_on",
            "required",
            "consent is recorded with the date it was given",
        );
    }
    let consent_ref = text(&i.consent_ref);
    let credit_grade = text(&i.credit_grade);
    let credit_on = date_field(&mut e, "credit_on", &i.credit_on, today);
    let credit_source = text(&i.credit_source);
    if let Some(g) = &credit_grade {
        if !app.policy().acquisition.screening.knows_grade(g) {
            e.push(
                "credit_grade",
                "unknown",
                "is not one of the policy's credit grades",
            );
        }
        if credit_on.is_none() && text(&i.credit_on).is_none() {
            e.push(
                "credit_on",
                "required",
                "a credit result is entered with its date",
            );
        }
        if credit_source.is_none() {
            e.push(
                "credit_source",
                "required",
                "a credit result names its source",
            );
        }
    }
    let actor = grant.actor();
    let branch_code = text(&i.branch_code).or_else(|| actor.branch_code().map(str::to_owned));
    let rm_id = match i.rm_id {
        Some(id) => Some(id),
        None if matches!(
            actor.role(),
            banyan_domain::access::Role::RelationshipManager
                | banyan_domain::access::Role::WealthManager
        ) =>
        {
            Some(actor.id())
        }
        None => None,
    };
    if let Some(id) = i.rm_id {
        match crate::access::find_staff(app, id.uuid()).await? {
            Some(s) if !s.disabled => {}
            _ => e.push("rm_id", "unknown", "no such active staff member"),
        }
    }
    if let Some(b) = &branch_code
        && let Err(m) = banyan_domain::customer::BranchCode::parse(b)
    {
        e.push("branch_code", "format", m);
    }
    // A manager who works a portfolio captures leads for the branch they work at.
    if actor.scope_kind() == banyan_domain::access::ScopeKind::Own
        && branch_code.as_deref() != actor.branch_code()
    {
        e.push(
            "branch_code",
            "scope",
            "the lead would be outside your own scope",
        );
    }
    match &branch_code {
        None => e.push("branch_code", "required", "is required"),
        Some(b) if !grant.can_see(b, rm_id) => e.push(
            "branch_code",
            "scope",
            "the lead would be outside your own scope",
        ),
        Some(_) => {}
    }
    let n = note("note", i.note.clone());
    if let Err(AppError::Validation(v)) = &n {
        e.0.extend(v.0.clone());
    }
    e.into_result()?;
    Ok(Checked {
        kind,
        name: name.unwrap_or_default(),
        gender,
        birth_year: i.birth_year,
        mobile,
        email,
        address,
        id_number,
        id_mask,
        industry,
        business_scope,
        employees: i.employees,
        income: i.income,
        assets: i.assets,
        liabilities: i.liabilities,
        products_wanted,
        expected_return_bp: i.expected_return_bp,
        channel,
        partner_id: if channel == LeadChannel::Partner {
            i.partner_id
        } else {
            None
        },
        basis: i.basis,
        consent_on,
        consent_ref,
        credit_grade,
        credit_source,
        credit_on,
        branch_code: branch_code.unwrap_or_default(),
        rm_id,
        note: n.ok().flatten(),
    })
}

/// Writes the checked form into `r` (contact data encrypted, masks and blind indexes made).
fn fill(keys: &KeyRing, r: &mut LeadRow, c: Checked) -> Result<()> {
    let enc = |p: Purpose, v: &Option<String>| -> Result<Option<Vec<u8>>> {
        v.as_deref().map(|s| keys.encrypt(p, s)).transpose()
    };
    let mobile = c.mobile.as_ref().map(|m| m.as_str().to_owned());
    let email = c.email.as_ref().map(|m| m.as_str().to_owned());
    r.kind = c.kind;
    r.name = c.name;
    r.gender = c.gender;
    r.birth_year = c.birth_year;
    r.mobile_enc = enc(Purpose::Mobile, &mobile)?;
    r.mobile_bidx = mobile
        .as_deref()
        .map(|m| keys.blind_index(Purpose::Mobile, m));
    r.mobile_mask = c.mobile.as_ref().map(PhoneNumber::masked);
    r.email_enc = enc(Purpose::Email, &email)?;
    r.email_mask = c.email.as_ref().map(Email::masked);
    r.address_enc = enc(Purpose::Address, &c.address)?;
    r.address_mask = c.address.as_deref().map(banyan_domain::mask::address);
    r.id_enc = enc(Purpose::Identifier, &c.id_number)?;
    r.id_bidx = c
        .id_number
        .as_deref()
        .map(|n| keys.blind_index(Purpose::Identifier, n));
    r.id_mask = c.id_mask;
    r.industry = c.industry;
    r.business_scope = c.business_scope;
    r.employees = c.employees;
    r.income = c.income;
    r.assets = c.assets;
    r.liabilities = c.liabilities;
    r.products_wanted = c.products_wanted;
    r.expected_return_bp = c.expected_return_bp;
    r.channel = c.channel;
    r.partner_id = c.partner_id;
    r.basis = c.basis;
    r.consent_on = c.consent_on;
    r.consent_ref = c.consent_ref;
    r.credit_grade = c.credit_grade;
    r.credit_source = c.credit_source;
    r.credit_on = c.credit_on;
    r.branch_code = c.branch_code;
    r.rm_id = c.rm_id;
    r.note = c.note;
    Ok(())
}

/// A refusal of a duplicate, the probes of customers outside the caller's scope, and the open lead outside
/// it, to record once the refused write has rolled back.
pub(crate) type Refusal = (
    AppError,
    Vec<crate::customers::duplicates::Probe>,
    Option<LeadId>,
);

/// Refuses a lead whose mobile number or identifier a customer or another open lead already holds: one the
/// caller may see is named; one outside the caller's scope is not (the customer's probe is recorded as the
/// registry records it, after the write rolls back).
pub(crate) async fn duplicate_of<C: sea_orm::ConnectionTrait>(
    c: &C,
    grant: &Granted<'_>,
    r: &LeadRow,
) -> Result<Option<Refusal>> {
    use crate::customers::duplicates::{Taken, conflict, told};
    use banyan_store::customers as cstore;
    let checks = [
        (Taken::Mobile, "mobile", r.mobile_bidx.as_deref()),
        (Taken::Identifier, "id_number", r.id_bidx.as_deref()),
    ];
    for (taken, field, bidx) in checks {
        let Some(b) = bidx else { continue };
        let holder = match taken {
            Taken::Mobile => cstore::find_by_mobile_bidx(c, b).await?,
            Taken::Identifier => cstore::find_by_id_bidx(c, b).await?,
        };
        if let Some(h) = holder {
            let (v, probe) = told(grant, taken, field, &h);
            return Ok(Some((
                conflict(taken, v),
                probe.into_iter().collect(),
                None,
            )));
        }
    }
    let open = store::open_leads_holding(
        c,
        r.mobile_bidx.as_deref(),
        r.id_bidx.as_deref(),
        Some(r.id),
    )
    .await?;
    if let Some(o) = open.first() {
        let field = if r.mobile_bidx.is_some() && o.mobile_bidx == r.mobile_bidx {
            "mobile"
        } else {
            "id_number"
        };
        let seen = grant.can_see(&o.branch_code, o.rm_id);
        let detail = if seen {
            json!({"code": "duplicate_lead", "field": field, "lead_no": o.lead_no, "lead_id": o.id,
                "message": format!("an open lead already holds this: {}", o.lead_no)})
        } else {
            json!({"code": "duplicate_lead", "field": field, "branch_code": o.branch_code,
                "message": format!("an open lead of branch {} already holds this", o.branch_code)})
        };
        let message = detail["message"].as_str().unwrap_or_default().to_owned();
        let e = AppError::conflict("duplicate_lead", message, detail);
        return Ok(Some((e, Vec::new(), (!seen).then_some(o.id))));
    }
    Ok(None)
}

/// Rolls the refused write back, records the probes — a customer's as the registry does; an open lead's
/// outside the caller's scope audited as `lead.duplicate_probe` — and answers the refusal.
pub(crate) async fn refuse(
    app: &App,
    grant: &Granted<'_>,
    tx: banyan_store::WriteTx,
    (e, probes, lead): Refusal,
) -> Result<LeadView> {
    tx.rollback().await?;
    record_probes(app, grant, &probes, lead.as_slice()).await?;
    Err(e)
}

/// Records what refused captures probed outside the caller's scope: customers as the registry does, open
/// leads audited as `lead.duplicate_probe`.
pub(crate) async fn record_probes(
    app: &App,
    grant: &Granted<'_>,
    probes: &[crate::customers::duplicates::Probe],
    leads: &[LeadId],
) -> Result<()> {
    crate::customers::duplicates::record_probes(app, grant, probes).await?;
    if leads.is_empty() {
        return Ok(());
    }
    let tx = app.db.begin_write().await?;
    let entries = leads
        .iter()
        .map(|id| Entry {
            action: "lead.duplicate_probe",
            entity: "lead",
            entity_id: Some(id.to_string()),
            customer_id: None,
            detail: json!({"from_branch": grant.actor().branch_code()}),
        })
        .collect();
    audit::record(app, &*tx, grant, entries).await?;
    tx.commit().await?;
    Ok(())
}

/// The next lead number of the year (`XS` + year + 7 digits), from the year's counter in the capturing
/// transaction (numbers may have gaps when a capture is refused, never repeats).
async fn next_lead_no<C: sea_orm::ConnectionTrait>(c: &C, year: i16) -> Result<String> {
    let seq = banyan_store::misc::next_counters(c, &[(format!("lead_no:{year}"), 1)])
        .await?
        .first()
        .map(|(_, v)| *v)
        .ok_or_else(|| AppError::internal("the lead number counter returned nothing"))?;
    Ok(format!("XS{year}{seq:07}"))
}

pub(crate) fn event(
    lead: LeadId,
    by: StaffId,
    action: LeadAction,
    from: Option<LeadStage>,
    to: Option<LeadStage>,
    reason: Option<String>,
    note: Option<String>,
) -> LeadEventRow {
    LeadEventRow {
        id: uuid::Uuid::now_v7(),
        lead_id: lead,
        at_us: now_us(),
        by_id: by,
        action,
        from_stage: from,
        to_stage: to,
        reason,
        note,
    }
}

/// Captures a lead (answered 201; a retry with the same Idempotency-Key writes nothing twice).
pub async fn create(app: &App, actor: &Actor, input: LeadInput) -> Result<LeadView> {
    let grant = actor.require(Permission::LeadWrite)?;
    let mut r = prepare(app, &grant, &input).await?;
    let tx = app.db.begin_write().await?;
    if let Some(refusal) = capture_in(app, &*tx, &grant, &mut r, json!({})).await? {
        return refuse(app, &grant, tx, refusal).await;
    }
    let v = view_of(app, &*tx, &r, None).await?;
    crate::idempotency::commit(tx, actor, 201, &v).await?;
    Ok(v)
}

/// A new lead from a form that passed its checks (each broken rule names its field), contact data
/// encrypted, the campaign checked; not yet numbered or stored.
pub(crate) async fn prepare(app: &App, grant: &Granted<'_>, input: &LeadInput) -> Result<LeadRow> {
    let actor = grant.actor();
    let checked = check(app, grant, input, false).await?;
    let now = now_us();
    let mut r = LeadRow {
        id: LeadId::new(),
        lead_no: String::new(),
        kind: checked.kind,
        name: String::new(),
        gender: None,
        birth_year: None,
        mobile_enc: None,
        mobile_bidx: None,
        mobile_mask: None,
        email_enc: None,
        email_mask: None,
        address_enc: None,
        address_mask: None,
        id_enc: None,
        id_bidx: None,
        id_mask: None,
        industry: None,
        business_scope: None,
        employees: None,
        income: None,
        assets: None,
        liabilities: None,
        products_wanted: Vec::new(),
        expected_return_bp: None,
        channel: checked.channel,
        partner_id: None,
        basis: None,
        consent_on: None,
        consent_ref: None,
        credit_grade: None,
        credit_source: None,
        credit_on: None,
        branch_code: String::new(),
        rm_id: None,
        stage: LeadStage::New,
        stage_at_us: now,
        reached: LeadStage::New,
        score: None,
        outcome: None,
        factors: Vec::new(),
        reason: None,
        customer_id: None,
        note: None,
        created_by: actor.id(),
        created_at_us: now,
        updated_at_us: now,
        version: 1,
        campaign_id: None,
    };
    fill(&app.keys(), &mut r, checked)?;
    r.campaign_id = super::campaigns::for_lead(
        &app.db.conn,
        actor,
        input.campaign_id,
        r.channel,
        app.today(),
    )
    .await?;
    Ok(r)
}

/// Numbers and stores a prepared lead in the caller's transaction, with its history and audit (`more`
/// joins the audit's detail) — unless a customer or an open lead already holds its mobile or identifier:
/// then the refusal, and nothing written but the number's counter (numbers may have gaps).
pub(crate) async fn capture_in<C: sea_orm::ConnectionTrait>(
    app: &App,
    c: &C,
    grant: &Granted<'_>,
    r: &mut LeadRow,
    more: serde_json::Value,
) -> Result<Option<Refusal>> {
    // The number first: its counter row is locked until this capture commits, so two captures of the same
    // person at once take turns, and the second one's duplicate check (a statement begun after the first
    // committed) sees the first lead. Checked first, both would find nothing (PostgreSQL reads committed
    // data only; SQLite has one writer anyway). A capture's refusal rolls the number back with everything
    // else; in an import's chunk the refused row's number is skipped.
    r.lead_no = next_lead_no(c, app.today().year()).await?;
    if let Some(refusal) = duplicate_of(c, grant, r).await? {
        return Ok(Some(refusal));
    }
    store::insert_lead(c, r).await?;
    store::insert_events(
        c,
        &[event(
            r.id,
            grant.actor().id(),
            LeadAction::Created,
            None,
            Some(LeadStage::New),
            None,
            None,
        )],
    )
    .await?;
    let mut detail = json!({"channel": r.channel.as_str(), "kind": r.kind.as_str()});
    if let (Some(d), Some(m)) = (detail.as_object_mut(), more.as_object()) {
        d.extend(m.clone());
    }
    audit::record(app, c, grant, vec![lead_entry("lead.create", r, detail)]).await?;
    Ok(None)
}

pub(crate) fn lead_entry(action: &'static str, r: &LeadRow, detail: serde_json::Value) -> Entry {
    Entry {
        action,
        entity: "lead",
        entity_id: Some(r.id.to_string()),
        customer_id: r.customer_id.map(|c| c.uuid()),
        detail,
    }
}

/// Which contact fields an edit sends back as the masked value it was shown: those keep what is stored.
#[derive(Debug, Clone, Copy, Default)]
struct Kept {
    mobile: bool,
    email: bool,
    address: bool,
    id_number: bool,
}

impl Kept {
    /// Takes the masked values out of `i` (they would not parse) and says which they were.
    fn take(i: &mut LeadInput, old: &LeadRow) -> Kept {
        let same = |v: &mut Option<String>, mask: &Option<String>| {
            let hit = mask.is_some() && text(v) == *mask;
            if hit {
                *v = None;
            }
            hit
        };
        Kept {
            mobile: same(&mut i.mobile, &old.mobile_mask),
            email: same(&mut i.email, &old.email_mask),
            address: same(&mut i.address, &old.address_mask),
            // A person's identifier is not a company's: a lead whose kind changes is given its new one.
            id_number: i.kind == Some(old.kind) && same(&mut i.id_number, &old.id_mask),
        }
    }

    /// Whether a contact point is kept (the identifier is not one).
    fn contact(self) -> bool {
        self.mobile || self.email || self.address
    }

    fn restore(self, r: &mut LeadRow, old: &LeadRow) {
        if self.mobile {
            r.mobile_enc.clone_from(&old.mobile_enc);
            r.mobile_bidx.clone_from(&old.mobile_bidx);
            r.mobile_mask.clone_from(&old.mobile_mask);
        }
        if self.email {
            r.email_enc.clone_from(&old.email_enc);
            r.email_mask.clone_from(&old.email_mask);
        }
        if self.address {
            r.address_enc.clone_from(&old.address_enc);
            r.address_mask.clone_from(&old.address_mask);
        }
        if self.id_number {
            r.id_enc.clone_from(&old.id_enc);
            r.id_bidx.clone_from(&old.id_bidx);
            r.id_mask.clone_from(&old.id_mask);
        }
    }
}

/// Edits an open lead (the whole form, at the version read). A contact field sent back as the masked value
/// the lead showed keeps what is stored (so an edit needs no reveal). A screened lead whose data changed
/// goes back to `new`: its score no longer describes it.
pub async fn update(
    app: &App,
    actor: &Actor,
    id: LeadId,
    mut input: LeadInput,
    version: Option<i32>,
) -> Result<LeadView> {
    let grant = actor.require(Permission::LeadWrite)?;
    let version = version.ok_or(AppError::VersionRequired)?;
    let current = lead_in_scope(&app.db.conn, &grant, id).await?;
    let kept = Kept::take(&mut input, &current);
    let checked = check(app, &grant, &input, kept.contact()).await?;
    let tx = app.db.begin_write().await?;
    let old = lead_in_scope(&*tx, &grant, id).await?;
    if old.version != version {
        return Err(AppError::VersionConflict {
            current_version: i64::from(old.version),
            since: json!([]),
        });
    }
    if !old.stage.is_open() {
        return Err(AppError::conflict(
            "invalid_state",
            "a won, rejected or lost lead is not edited",
            json!({"current_status": old.stage.as_str()}),
        ));
    }
    let mut r = old.clone();
    fill(&app.keys(), &mut r, checked)?;
    kept.restore(&mut r, &old);
    // A campaign kept as it was stays (it may have ended since); another is checked on the lead's day.
    if input.campaign_id != old.campaign_id || r.channel != old.channel {
        let day = app.date_of_us(old.created_at_us);
        r.campaign_id =
            super::campaigns::for_lead(&*tx, actor, input.campaign_id, r.channel, day).await?;
    }
    if let Some(refusal) = duplicate_of(&*tx, &grant, &r).await? {
        return refuse(app, &grant, tx, refusal).await;
    }
    let mut events = vec![event(
        r.id,
        actor.id(),
        LeadAction::Edited,
        None,
        None,
        None,
        None,
    )];
    let mut announce = false;
    if r.stage == LeadStage::Screened {
        r.stage = LeadStage::New;
        r.stage_at_us = now_us();
        r.score = None;
        r.outcome = None;
        r.factors.clear();
        events[0].from_stage = Some(LeadStage::Screened);
        events[0].to_stage = Some(LeadStage::New);
        announce = true;
    }
    r.updated_at_us = now_us();
    r.version = old.version + 1;
    if !store::update_lead(&*tx, &r, old.version).await? {
        return Err(AppError::VersionConflict {
            current_version: i64::from(old.version + 1),
            since: json!([]),
        });
    }
    store::insert_events(&*tx, &events).await?;
    if announce {
        super::announce_stage(&*tx, &r, LeadStage::Screened).await?;
    }
    audit::record(
        app,
        &*tx,
        &grant,
        vec![lead_entry("lead.update", &r, json!({}))],
    )
    .await?;
    let v = view_of(app, &*tx, &r, None).await?;
    tx.commit().await?;
    Ok(v)
}

/// A lead in the caller's scope, contact data masked.
pub async fn get(app: &App, actor: &Actor, id: LeadId) -> Result<LeadView> {
    let grant = actor.require(Permission::LeadRead)?;
    let r = lead_in_scope(&app.db.conn, &grant, id).await?;
    view_of(app, &app.db.conn, &r, None).await
}

/// A lead by its number (as `get`).
pub async fn get_by_no(app: &App, actor: &Actor, no: &str) -> Result<LeadView> {
    let grant = actor.require(Permission::LeadRead)?;
    match store::find_lead_by_no(&app.db.conn, no.trim()).await? {
        Some(r) if grant.can_see(&r.branch_code, r.rm_id) => {
            view_of(app, &app.db.conn, &r, None).await
        }
        _ => Err(AppError::NotFound),
    }
}

/// A lead with its contact data in full (`customer.reveal`; the reveal is audited).
pub async fn reveal(app: &App, actor: &Actor, id: LeadId) -> Result<LeadView> {
    actor.require(Permission::LeadRead)?;
    let grant = actor.require(Permission::CustomerReveal)?;
    let r = lead_in_scope(&app.db.conn, &grant, id).await?;
    let keys = app.keys();
    let dec = |p: Purpose, v: &Option<Vec<u8>>| -> Result<Option<String>> {
        v.as_deref().map(|b| keys.decrypt(p, b)).transpose()
    };
    let rv = Revealed {
        mobile: dec(Purpose::Mobile, &r.mobile_enc)?,
        email: dec(Purpose::Email, &r.email_enc)?,
        address: dec(Purpose::Address, &r.address_enc)?,
        id_number: dec(Purpose::Identifier, &r.id_enc)?,
    };
    let tx = app.db.begin_write().await?;
    audit::record(
        app,
        &*tx,
        &grant,
        vec![lead_entry("lead.reveal", &r, json!({}))],
    )
    .await?;
    tx.commit().await?;
    view_of(app, &app.db.conn, &r, Some(rv)).await
}

/// What a lead list asks for.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct LeadQuery {
    pub stage: Option<LeadStage>,
    /// `true`: only leads still being worked.
    pub open: Option<bool>,
    pub kind: Option<LeadKind>,
    pub channel: Option<LeadChannel>,
    pub partner_id: Option<PartnerId>,
    /// Only the leads captured in this acquisition campaign (the campaigns page's links).
    pub campaign_id: Option<banyan_domain::ids::AcqCampaignId>,
    /// `true`: only leads you own.
    pub mine: Option<bool>,
    pub branch_code: Option<String>,
    /// The start of a name, or a whole lead number.
    pub q: Option<String>,
    /// Entered their current stage on or after this day, `YYYY-MM-DD` (the effectiveness report's links).
    pub entered_from: Option<String>,
    /// Entered their current stage on or before this day.
    pub entered_to: Option<String>,
    pub cursor: Option<String>,
    /// 1 to 200 (default 50).
    pub limit: Option<u64>,
}

/// A lead as a list shows it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct LeadSummary {
    pub id: LeadId,
    pub lead_no: String,
    pub kind: LeadKind,
    pub name: String,
    pub mobile: Option<String>,
    pub channel: LeadChannel,
    pub stage: LeadStage,
    pub stage_days: i64,
    pub score: Option<i32>,
    pub outcome: Option<banyan_domain::acquisition::ScreeningOutcome>,
    pub branch_code: String,
    pub owner: Option<String>,
    pub created_at: String,
}

/// One page of leads.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct LeadPage {
    pub items: Vec<LeadSummary>,
    pub next_cursor: Option<String>,
    /// How many leads the filters hold (counted up to 10,000).
    pub total: crate::view::Total,
}

const COUNT_CAP: u64 = 10_000;

pub(crate) fn filter_of(
    app: &App,
    grant: &Granted<'_>,
    q: &LeadQuery,
    limit: u64,
) -> Result<LeadFilter> {
    let mut f = LeadFilter::scoped(grant.scope(), limit);
    f.stage = q.stage;
    f.open = q.open == Some(true);
    f.kind = q.kind;
    f.channel = q.channel;
    f.partner = q.partner_id;
    f.campaign = q.campaign_id;
    if q.mine == Some(true) {
        f.owner = Some(grant.actor().id());
    }
    f.branch_code = text(&q.branch_code);
    f.term = text(&q.q);
    let day = |field: &str, v: &Option<String>| -> Result<Option<jiff::civil::Date>> {
        text(v)
            .map(|d| {
                d.parse::<jiff::civil::Date>()
                    .map_err(|_| AppError::field(field, "format", "must be a date, YYYY-MM-DD"))
            })
            .transpose()
    };
    if let Some(d) = day("entered_from", &q.entered_from)? {
        f.entered_from_us = Some(super::funnel::day_start(app, d)?);
    }
    if let Some(d) = day("entered_to", &q.entered_to)? {
        let after = d
            .tomorrow()
            .map_err(|_| AppError::field("entered_to", "range", "must be a day before the last"))?;
        f.entered_to_us = Some(super::funnel::day_start(app, after)?);
    }
    if let Some(c) = text(&q.cursor) {
        f.before =
            Some(c.parse::<LeadId>().map_err(|_| {
                AppError::field("cursor", "format", "is not a cursor this list gave")
            })?);
    }
    Ok(f)
}

/// Leads in the caller's scope, newest first, with how many the filters hold.
pub async fn list(app: &App, actor: &Actor, q: LeadQuery) -> Result<LeadPage> {
    let grant = actor.require(Permission::LeadRead)?;
    let limit = crate::view::page_limit(q.limit, 50, 200)?;
    let f = filter_of(app, &grant, &q, limit + 1)?;
    let mut rows = store::list_leads(&app.db.conn, &f).await?;
    let more = rows.len() as u64 > limit;
    rows.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
    let counted = store::count_leads(&app.db.conn, &f, COUNT_CAP).await?;
    let names = staff_names(app).await?;
    Ok(LeadPage {
        next_cursor: if more {
            rows.last().map(|r| r.id.to_string())
        } else {
            None
        },
        items: rows.iter().map(|r| summary(r, &names)).collect(),
        total: crate::view::Total {
            count: counted.min(COUNT_CAP),
            more: counted > COUNT_CAP,
        },
    })
}

pub(crate) fn summary(
    r: &LeadRow,
    names: &std::collections::HashMap<StaffId, String>,
) -> LeadSummary {
    LeadSummary {
        id: r.id,
        lead_no: r.lead_no.clone(),
        kind: r.kind,
        name: r.name.clone(),
        mobile: r.mobile_mask.clone(),
        channel: r.channel,
        stage: r.stage,
        stage_days: super::days_since(r.stage_at_us),
        score: r.score,
        outcome: r.outcome,
        branch_code: r.branch_code.clone(),
        owner: r.rm_id.and_then(|id| names.get(&id).cloned()),
        created_at: crate::fmt_us(r.created_at_us),
    }
}
