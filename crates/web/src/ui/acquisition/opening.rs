//! A won lead's account and products on its page (开户与签约): the registry's review of the new customer,
//! the accounts the core system's feed brought, the records of the book's gate, and the two forms — the
//! account opening with its number, then the products signed (the use case decides; the page offers
//! only what the customer's state and the reader's role allow).

use super::lead::redirect_or_refusal;
use crate::AppState;
use crate::ui::book::sales::{SaleLine, fitting, line, on_sale, sale_input};
use crate::ui::i18n::Tr;
use crate::ui::page::{PageError, SignedForm};
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use banyan_app::AppError;
use banyan_app::access::Session;
use banyan_app::acquisition::{LeadView, opening as uc};
use banyan_domain::book::sale::SaleKind;
use banyan_domain::customer::CustomerStatus;
use banyan_domain::ids::LeadId;

/// The opening's part of a won lead's page.
#[derive(Default)]
pub(crate) struct OpeningSection {
    pub(crate) show: bool,
    /// The registry has verified the customer: accounts and products may be recorded.
    pub(crate) verified: bool,
    /// The registry's state of the customer in words (待复核, 已退回 …).
    pub(crate) customer_state: String,
    /// Accounts the feed brought: (account, product, opened on, status).
    pub(crate) accounts: Vec<(String, String, String, String)>,
    pub(crate) sales: Vec<SaleLine>,
    pub(crate) can_open: bool,
    pub(crate) can_sign: bool,
    /// Products an account opening can be for, and those a product sale or loan can be for.
    pub(crate) account_products: Vec<(String, String)>,
    pub(crate) sign_products: Vec<(String, String)>,
    /// The kinds the products' form offers (everything but an opening).
    pub(crate) sign_kinds: Vec<(&'static str, String)>,
}

/// The kinds of sale a won lead's products form offers.
const SIGN_KINDS: &[SaleKind] = &[SaleKind::ProductSale, SaleKind::LoanApplication];

pub(super) async fn section(
    s: &AppState,
    sess: &Session,
    t: Tr,
    v: &LeadView,
) -> Result<OpeningSection, AppError> {
    let Some(o) = &v.opening else {
        return Ok(OpeningSection::default());
    };
    let offers = sess.actor.offers();
    let verified = o.customer_status == CustomerStatus::Verified;
    let may = offers.lead_write && offers.update && verified;
    let can_sign = may && o.account_opened;
    // The products of the round the customer agreed to come first, marked.
    let agreed: Vec<&String> = v
        .papers
        .proposals
        .iter()
        .filter(|p| p.agreed)
        .flat_map(|p| p.products.iter())
        .collect();
    // The catalogue is read once, for both forms.
    let catalogue = if may {
        on_sale(s, sess, t).await?
    } else {
        Vec::new()
    };
    let mut sign_products = if can_sign {
        fitting(&catalogue, SIGN_KINDS)
    } else {
        Vec::new()
    };
    for (code, label) in &mut sign_products {
        if agreed.contains(&&*code) {
            label.push_str(t.get("opening.agreed_mark"));
        }
    }
    sign_products.sort_by_key(|(code, _)| !agreed.contains(&code));
    Ok(OpeningSection {
        show: true,
        verified,
        customer_state: t.of("status", o.customer_status.as_str()),
        accounts: o
            .accounts
            .iter()
            .map(|a| {
                (
                    a.account_no.clone(),
                    format!(
                        "{} {}",
                        a.product_code,
                        crate::ui::book::name_in(t, &a.product_names)
                    ),
                    t.date(&a.opened_on.to_string()),
                    t.of("account_status", a.status.as_str()),
                )
            })
            .collect(),
        sales: o
            .sales
            .iter()
            .cloned()
            .map(|x| line(s, sess, t, x))
            .collect(),
        can_open: may,
        can_sign,
        account_products: fitting(&catalogue, &[SaleKind::AccountOpening]),
        sign_products,
        sign_kinds: SIGN_KINDS
            .iter()
            .map(|k| (k.as_str(), t.of("sale_kind", k.as_str())))
            .collect(),
    })
}

/// Records the account opening or a product from the page's forms, through the book's gate.
pub(super) async fn record(
    State(s): State<AppState>,
    Path(id): Path<LeadId>,
    SignedForm { sess, t, f }: SignedForm,
) -> Result<Response, PageError> {
    let r = match sale_input(&s, &sess, &f).await {
        Ok(input) => uc::record_sale(&s.app, &sess.actor, id, input).await,
        Err(e) => Err(e),
    };
    match r {
        Ok(_) => Ok(Redirect::to(&format!("/leads/{id}#lead-opening")).into_response()),
        Err(e) => redirect_or_refusal(&s, sess, t, id, Err(e)).await,
    }
}

/// The new customer's satisfaction survey in words: sent and waiting, or the score with the customer's
/// words; none before it is sent.
pub(super) fn survey_line(app: &banyan_app::App, t: Tr, v: &LeadView) -> Option<String> {
    let sv = v.survey.as_ref()?;
    Some(match (sv.satisfaction, &sv.answered_at) {
        (Some(score), Some(at)) => {
            let mut l = t
                .get("survey.answered")
                .replace("{score}", &score.to_string())
                .replace("{at}", &t.datetime(&app.tz, at));
            if let Some(c) = &sv.comment {
                l.push_str(&t.get("survey.comment").replace("{comment}", c));
            }
            l
        }
        _ => t
            .get("survey.sent")
            .replace("{at}", &t.datetime(&app.tz, &sv.sent_at)),
    })
}
