//! Demo care records (seed 003): two registered customers of branch BR0001 — one in serious illness with
//! the whole team named and confirmed, an emergency loan waiting for its approver, a home visit booked, a
//! green-channel referral to a partner hospital, two documents (signed by remote video before a witness,
//! and electronically) and a team note; one in hardship with a fee waiver approved — and a lead customer service reported that
//! waits for supervisor1's verification. Log in as rm1 for the team's tasks and the compartment, as
//! supervisor1 for the verification, the approvals and the access review, as auditor1 to see that only the
//! adjustments show.

use anyhow::{Result, anyhow};
use banyan_app::App;
use banyan_app::care::documents::DocumentMeta;
use banyan_app::care::hospitals::HospitalInput;
use banyan_app::care::{
    self as uc, CareTeamInput, DecisionInput, MeasureAction, MeasureInput, RegistrationInput,
    ReportInput,
};
use banyan_domain::care::documents::{DocumentKind, SigningMethod};
use banyan_domain::care::measures::MeasureKind;
use banyan_domain::care::team::CareRole;
use banyan_domain::care::{Adjustment, CareSource, ConsentScope, FinancialImpact, Situation};
use banyan_domain::customer::CustomerKind;
use banyan_domain::ids::{CareId, CustomerId};

fn err(e: banyan_app::AppError) -> anyhow::Error {
    anyhow!("{e}")
}

async fn actor(app: &App, u: &str) -> Result<banyan_app::access::Actor> {
    banyan_app::access::actor_for(app, u).await.map_err(err)
}

/// Reported by cs1, verified by supervisor1; the record's id.
async fn verified(
    app: &App,
    customer: CustomerId,
    source: CareSource,
    what: &str,
) -> Result<CareId> {
    let cs = actor(app, "cs1").await?;
    let sup = actor(app, "supervisor1").await?;
    let v = uc::identify::report(
        app,
        &cs,
        ReportInput {
            customer_id: customer,
            source,
            discovered_on: None,
            observation: what.into(),
            hospital_consent_on: (source == CareSource::PartnerHospital).then(|| app.today()),
        },
    )
    .await
    .map_err(err)?;
    let uc::identify::Reported::New(v) = v else {
        return Err(anyhow!(
            "the demo's customer already had an open care record"
        ));
    };
    uc::identify::decide(
        app,
        &sup,
        v.id,
        DecisionInput {
            decision: "verify".into(),
            note: Some("符合重症客户认定条件".into()),
            version: None,
        },
    )
    .await
    .map_err(err)?;
    Ok(v.id)
}

async fn name_team(app: &App, id: CareId, team: &[(CareRole, &str)]) -> Result<()> {
    let sup = actor(app, "supervisor1").await?;
    for (role, user) in team {
        let staff = actor(app, user).await?.id();
        uc::team::assign(
            app,
            &sup,
            id,
            CareTeamInput {
                role: *role,
                staff: Some(staff),
                version: None,
            },
        )
        .await
        .map_err(err)?;
        uc::team::confirm_terms(app, &actor(app, user).await?, id)
            .await
            .map_err(err)?;
    }
    Ok(())
}

/// Three partner hospitals added by supervisor1 (one no longer a partner); the first one's id.
async fn partner_hospitals(app: &App) -> Result<uuid::Uuid> {
    let sup = actor(app, "supervisor1").await?;
    let mut first = None;
    for (name, city, channel, active) in [
        (
            "市第一人民医院",
            "上海",
            "肿瘤科绿色通道 张主任 021-5555-0101",
            true,
        ),
        ("华山医院", "上海", "医务处 李老师 021-5555-0202", true),
        ("市第三医院", "上海", "急诊 021-5555-0303", false),
    ] {
        let h = uc::hospitals::add(
            app,
            &sup,
            HospitalInput {
                name: name.into(),
                city: city.into(),
                green_channel: channel.into(),
                active: Some(active),
                version: None,
            },
        )
        .await
        .map_err(err)?;
        first.get_or_insert(h.id);
    }
    first.ok_or_else(|| anyhow!("no partner hospital was added"))
}

/// Two documents in the compartment: a repayment agreement signed before a witness by remote video, and
/// a loan application signed electronically.
async fn documents(app: &App, id: CareId) -> Result<()> {
    let rm1 = actor(app, "rm1").await?;
    let cs1 = actor(app, "cs1").await?;
    let today = app.today();
    for (kind, subject, signing, reference, witness, file) in [
        (
            DocumentKind::RepaymentAgreement,
            "个人贷款还款计划调整协议",
            SigningMethod::RemoteVideo,
            "VID-2026-0042",
            Some(cs1.id()),
            "还款协议.pdf",
        ),
        (
            DocumentKind::LoanApplication,
            "紧急医疗借款申请表",
            SigningMethod::ESignature,
            "ES-88231907",
            None,
            "借款申请.pdf",
        ),
    ] {
        uc::documents::attach(
            app,
            &rm1,
            id,
            DocumentMeta {
                kind,
                subject: subject.into(),
                signing,
                signed_on: Some(today),
                reference: Some(reference.into()),
                witness,
            },
            file,
            format!("%PDF-1.4\n% demo: {subject}\n").as_bytes(),
        )
        .await
        .map_err(err)?;
    }
    Ok(())
}

pub async fn demo_care(app: &App, customers: &[uuid::Uuid]) -> Result<()> {
    let sup = actor(app, "supervisor1").await?;
    let mut mine = Vec::new();
    for id in customers {
        if let Ok(c) = banyan_app::customers::get(app, &sup, *id, false).await
            && c.kind == CustomerKind::Individual
        {
            mine.push(CustomerId::from_uuid(c.id));
        }
        if mine.len() == 3 {
            break;
        }
    }
    let [ill, hardship, lead] = mine[..] else {
        return Ok(());
    };
    let today = app.today();

    let id = verified(
        app,
        ill,
        CareSource::OwnAccount,
        "客户女儿来电：客户近期确诊重病，需长期住院，想暂停定投并咨询贷款",
    )
    .await?;
    name_team(
        app,
        id,
        &[
            (CareRole::RelationshipManager, "rm1"),
            (CareRole::WealthManager, "wm1"),
            (CareRole::RiskSpecialist, "risk1"),
            (CareRole::OperationsSupport, "ops1"),
            (CareRole::CustomerService, "cs1"),
        ],
    )
    .await?;
    uc::identify::register(
        app,
        &sup,
        id,
        RegistrationInput {
            situation: Situation::SeriousIllness,
            impact: FinancialImpact::Severe,
            detail: "长期住院治疗，收入中断，医疗费用压力大".into(),
            diagnosis: Some("（演示）恶性肿瘤".into()),
            consent_scopes: vec![ConsentScope::Diagnosis, ConsentScope::HospitalSharing],
            consent_on: Some(today),
            adjustments: Some(vec![
                Adjustment::Priority,
                Adjustment::HomeVisits,
                Adjustment::SimplifiedDocuments,
                Adjustment::NoMarketing,
                Adjustment::GentleCollection,
            ]),
            advice_line: Some("400-820-1234".into()),
            review_on: None,
            version: None,
        },
    )
    .await
    .map_err(err)?;
    let rm1 = actor(app, "rm1").await?;
    uc::measures::add(
        app,
        &rm1,
        id,
        MeasureInput {
            kind: MeasureKind::EmergencyLoan,
            what: "紧急医疗借款，简化材料".into(),
            owner: None,
            second_staff: None,
            account_no: None,
            amount: Some(3_000_000),
            starts_on: None,
            ends_on: None,
            scheduled_at: None,
            hospital: None,
        },
    )
    .await
    .map_err(err)?;
    let visit_at = jiff::Timestamp::now()
        .checked_add(jiff::SignedDuration::from_hours(48))
        .map_err(|e| anyhow!("{e}"))?;
    uc::measures::add(
        app,
        &rm1,
        id,
        MeasureInput {
            kind: MeasureKind::HomeVisit,
            what: "上门办理银行卡挂失补办".into(),
            owner: None,
            second_staff: Some(actor(app, "ops1").await?.id()),
            account_no: None,
            amount: None,
            starts_on: None,
            ends_on: None,
            scheduled_at: Some(visit_at.to_string()),
            hospital: None,
        },
    )
    .await
    .map_err(err)?;
    let hospital = partner_hospitals(app).await?;
    uc::measures::add(
        app,
        &rm1,
        id,
        MeasureInput {
            kind: MeasureKind::HospitalReferral,
            what: "协调住院绿色通道，减少排队".into(),
            owner: None,
            second_staff: None,
            account_no: None,
            amount: None,
            starts_on: None,
            ends_on: None,
            scheduled_at: None,
            hospital: Some(hospital),
        },
    )
    .await
    .map_err(err)?;
    documents(app, id).await?;
    uc::compartment::add_note(
        app,
        &rm1,
        id,
        banyan_app::care::compartment::NoteInput {
            body: "已与客户女儿约定每周三上午电话联系，客户本人不便接听".into(),
        },
    )
    .await
    .map_err(err)?;

    let id = verified(
        app,
        hardship,
        CareSource::StaffObservation,
        "客户在柜台提到家中突遭火灾，暂时失去住所",
    )
    .await?;
    name_team(
        app,
        id,
        &[
            (CareRole::RelationshipManager, "rm2"),
            (CareRole::OperationsSupport, "ops1"),
        ],
    )
    .await?;
    uc::identify::register(
        app,
        &sup,
        id,
        RegistrationInput {
            situation: Situation::MajorHardship,
            impact: FinancialImpact::Significant,
            detail: "住所受灾，短期内需要资金周转".into(),
            diagnosis: None,
            consent_scopes: Vec::new(),
            consent_on: None,
            adjustments: None,
            advice_line: None,
            review_on: None,
            version: None,
        },
    )
    .await
    .map_err(err)?;
    let rm2 = actor(app, "rm2").await?;
    let v = uc::measures::add(
        app,
        &rm2,
        id,
        MeasureInput {
            kind: MeasureKind::FeeWaiver,
            what: "免收账户管理费和短信费".into(),
            owner: None,
            second_staff: None,
            account_no: Some("6222020000000001".into()),
            amount: None,
            starts_on: Some(today),
            ends_on: today.checked_add(jiff::Span::new().months(6)).ok(),
            scheduled_at: None,
            hospital: None,
        },
    )
    .await
    .map_err(err)?;
    if let Some(m) = v.measures.first() {
        uc::measures::act(
            app,
            &sup,
            id,
            m.id,
            MeasureAction {
                action: "approve".into(),
                reason: None,
                outcome: None,
                version: None,
            },
        )
        .await
        .map_err(err)?;
    }

    uc::identify::report(
        app,
        &actor(app, "cs1").await?,
        ReportInput {
            customer_id: lead,
            source: CareSource::DataAnalysis,
            discovered_on: None,
            observation: "近三个月每月向医院大额转账，请核实是否需要关怀（仅为线索）".into(),
            hospital_consent_on: None,
        },
    )
    .await
    .map_err(err)?;
    Ok(())
}
