//! Demo deal papers: the proposal's rounds, the contract with its legal review and signed copy, the
//! account-opening application with its documents and their review — made through the same use cases as
//! the workbench, so that a demo lead at each stage carries the papers that stage needs.

use anyhow::{Result, anyhow};
use banyan_app::App;
use banyan_app::access::Actor;
use banyan_app::acquisition::leads;
use banyan_app::acquisition::papers;
use banyan_app::acquisition::{PaperWork, ProposalInput, deal};
use banyan_domain::acquisition::papers::SIGNED_CONTRACT;
use banyan_domain::ids::LeadId;

/// A stand-in scan: a real PDF header, so that the type check accepts it as it would a scan.
const SCAN: &[u8] = b"%PDF-1.4\n% Banyan demo scan\n";

/// The file name a branch's scan of each document would carry (never the document's code).
fn scan_name(doc: &str) -> &'static str {
    match doc {
        "id_document" => "身份证正反面扫描件.pdf",
        "address_proof" => "住址证明.pdf",
        "application_form" => "开户申请书（已签字）.pdf",
        "business_licence" => "营业执照副本.pdf",
        "legal_rep_id" => "法定代表人身份证.pdf",
        "authorisation" => "授权委托书.pdf",
        "beneficial_owners" => "受益所有人声明.pdf",
        _ => "开户资料扫描件.pdf",
    }
}

fn err(e: banyan_app::AppError) -> anyhow::Error {
    anyhow!("{e}")
}

/// One or two rounds of the proposal; `agree`: the customer agrees to the last.
pub async fn propose(app: &App, owner: &Actor, id: LeadId, rounds: u8, agree: bool) -> Result<()> {
    let first = ProposalInput {
        content: Some("对公结算账户、网银与代发工资一揽子服务".into()),
        terms: Some("服务期一年，期满自动续约".into()),
        pricing: Some("结算手续费按牌价 6 折".into()),
        obligations: Some("客户代发工资账户开立在我行".into()),
        products: Vec::new(),
        note: Some("首次拜访后提交".into()),
    };
    deal::propose(app, owner, id, first.clone(), None)
        .await
        .map_err(err)?;
    let mut last = 1;
    if rounds > 1 {
        let second = ProposalInput {
            pricing: Some("结算手续费按牌价 5 折，首年免网银年费".into()),
            note: Some("客户比较了他行报价，要求降价".into()),
            ..first
        };
        deal::propose(app, owner, id, second, None)
            .await
            .map_err(err)?;
        last = 2;
    }
    if agree {
        let w = PaperWork::AgreeProposal {
            round: last,
            note: Some("客户电话确认接受".into()),
        };
        deal::act(app, owner, id, w, None).await.map_err(err)?;
    }
    Ok(())
}

/// The contract submitted; `review`: approved by `reviewer`; `sign`: the signed copy attached and signed.
pub async fn contract(
    app: &App,
    owner: &Actor,
    reviewer: &Actor,
    id: LeadId,
    review: bool,
    sign: bool,
) -> Result<()> {
    let act = |who: &Actor, w: PaperWork| {
        let who = who.clone();
        async move { deal::act(app, &who, id, w, None).await.map_err(err) }
    };
    crate::demo_risk::answer_high(app, owner, id).await?;
    act(owner, PaperWork::SubmitContract { note: None }).await?;
    if !review {
        return Ok(());
    }
    let checked = leads::get(app, owner, id)
        .await
        .map_err(err)?
        .papers
        .contract_checklist;
    act(
        reviewer,
        PaperWork::ApproveContract {
            checked,
            note: Some("条款经法律合规审查无异议".into()),
        },
    )
    .await?;
    if !sign {
        return Ok(());
    }
    papers::attach(app, owner, id, SIGNED_CONTRACT, "签署合同.pdf", SCAN)
        .await
        .map_err(err)?;
    let signed_on = app.today().yesterday().unwrap_or_else(|_| app.today());
    act(
        owner,
        PaperWork::SignContract {
            signed_on: Some(signed_on.to_string()),
            signatories: Some("客户法定代表人；支行行长".into()),
            note: None,
        },
    )
    .await?;
    Ok(())
}

/// The application's documents attached (`all`: every one, else the first); `review`: submitted and
/// approved by `reviewer`.
pub async fn application(
    app: &App,
    owner: &Actor,
    reviewer: &Actor,
    id: LeadId,
    all: bool,
    review: bool,
) -> Result<()> {
    // The documents of the lead's kind, as its page lists them.
    let docs: Vec<String> = leads::get(app, owner, id)
        .await
        .map_err(err)?
        .papers
        .documents
        .into_iter()
        .map(|d| d.doc)
        .collect();
    let take = if all { docs.len() } else { 1 };
    for d in docs.iter().take(take) {
        papers::attach(app, owner, id, d, scan_name(d), SCAN)
            .await
            .map_err(err)?;
    }
    if !review {
        return Ok(());
    }
    deal::act(
        app,
        owner,
        id,
        PaperWork::SubmitApplication { note: None },
        None,
    )
    .await
    .map_err(err)?;
    deal::act(
        app,
        reviewer,
        id,
        PaperWork::ApproveApplication {
            checked: docs,
            note: Some("资料齐全、真实有效".into()),
        },
        None,
    )
    .await
    .map_err(err)?;
    Ok(())
}
