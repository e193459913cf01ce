//! Sales and applications on the customer's page (业务申请): the form that records one through the gate, and
//! the customer's list with each refusal named in words (the rating and what its measures block).

use super::name_in;
use crate::AppState;
use crate::ui::i18n::Tr;
use banyan_app::AppError;
use banyan_app::access::Session;
use banyan_app::book::sales::{self as uc, SaleView};
use banyan_domain::book::sale::{SaleDecision, SaleKind};
use banyan_domain::book::{ProductKind, ProductStatus};
use banyan_domain::wealth::SaleStep;

/// A sale or application as the customer's page lists it.
pub(crate) struct SaleLine {
    pub(crate) at: String,
    pub(crate) kind: String,
    pub(crate) product: String,
    pub(crate) amount: String,
    pub(crate) refused: bool,
    /// "已记录" or "已拒绝：风险等级 高 的管控措施限制 新增高风险业务".
    pub(crate) decision: String,
    pub(crate) by: String,
    /// An investment sale's suitability checks in words, each with whether it passed.
    pub(crate) checks: Vec<(String, bool)>,
    /// A sale waiting for a senior reviewer (the id), or cooling off (the id): the forms offered.
    pub(crate) review: Option<String>,
    pub(crate) cancel: Option<String>,
}

/// What the gate refuses, in words: the suitability rule, or the rating and what its measures block.
pub(crate) fn refusal_words(t: Tr, r: &banyan_domain::book::sale::GateRefusal) -> String {
    match r.action.strip_prefix("suitability.") {
        Some(rule) => t
            .get("sale.unsuitable")
            .replace("{rule}", &t.of("suitability_rule", rule)),
        None => t
            .get("sale.refused_because")
            .replace("{rating}", &rating_text(t, &r.rating))
            .replace("{action}", &t.of("action", &r.action)),
    }
}

pub(crate) fn line(s: &AppState, sess: &Session, t: Tr, v: SaleView) -> SaleLine {
    let decision = match (&v.refusal, &v.suitability) {
        (Some(r), _) => refusal_words(t, r),
        (None, Some(x)) if x.step.is_some_and(|st| st.is_pending()) => match &x.cooling_off_until {
            Some(until) if x.step == Some(SaleStep::CoolingOff) => t
                .get("sale.cooling_off")
                .replace("{until}", &t.datetime(&s.app.tz, until)),
            _ => t.of("sale_step", x.step.map_or("", |st| st.as_str())),
        },
        (None, Some(x)) if x.step.is_some_and(|st| st != SaleStep::Completed) => {
            t.of("sale_step", x.step.map_or("", |st| st.as_str()))
        }
        (None, _) => t.of("sale_decision", v.decision.as_str()),
    };
    let o = sess.actor.offers();
    let suit = v.suitability.as_ref();
    let checks = suit.map_or_else(Vec::new, |x| {
        x.verdict
            .checks
            .iter()
            .filter(|c| c.applies)
            .map(|c| (t.of("suitability_rule", c.rule.as_str()), c.passed))
            .collect()
    });
    let step = suit.and_then(|x| x.step);
    let review = (step == Some(SaleStep::AwaitingReview)
        && o.wealth_review
        && suit.is_some_and(|x| x.sold_by_id != sess.actor.id()))
    .then(|| v.id.to_string());
    let cancel = (step == Some(SaleStep::CoolingOff) && o.update).then(|| v.id.to_string());
    SaleLine {
        at: t.datetime(&s.app.tz, &v.at),
        // An opening names its account (masked): "开户（账号 ****1234）".
        kind: match &v.account_no {
            Some(no) => t
                .get("sale.kind_account")
                .replace("{kind}", &t.of("sale_kind", v.kind.as_str()))
                .replace("{account}", no),
            None => t.of("sale_kind", v.kind.as_str()),
        },
        product: format!("{} {}", v.product, name_in(t, &v.product_names)),
        amount: t.money(v.amount, v.currency.as_str()),
        refused: v.decision == SaleDecision::Refused,
        decision,
        // None: recorded by the system (a job or the command line), as loads say it.
        by: v
            .recorded_by
            .unwrap_or_else(|| t.get("book.by_system").to_owned()),
        checks,
        review,
        cancel,
    }
}

/// A rating in words: an individual's risk rating or a company's credit grade.
fn rating_text(t: Tr, rating: &str) -> String {
    crate::ui::labels::code_label(t, &["seg.risk_rating", "seg.credit_grade"], rating)
}

/// The customer's sales, and what the form offers: (kinds, products on sale).
pub(crate) type SaleChoices = (Vec<(&'static str, String)>, Vec<(String, String)>);

/// The customer's sales (read with their book, [`banyan_app::book::customer_book_and_sales`]) in words, and
/// what the sale form offers — nothing, and no read of the catalogue, when the page offers no form
/// (`offer_sale`: a reader who cannot edit the customer, or a record that cannot be edited now).
pub(crate) async fn sales_of(
    s: &AppState,
    sess: &Session,
    t: Tr,
    views: Vec<banyan_app::book::sales::SaleView>,
    offer_sale: bool,
) -> Result<(Vec<SaleLine>, SaleChoices), AppError> {
    let lines = views.into_iter().map(|v| line(s, sess, t, v)).collect();
    if !offer_sale {
        return Ok((lines, (Vec::new(), Vec::new())));
    }
    let kinds = SaleKind::ALL
        .iter()
        .map(|k| (k.as_str(), t.of("sale_kind", k.as_str())))
        .collect();
    let products = fitting(&on_sale(s, sess, t).await?, SaleKind::ALL);
    Ok((lines, (kinds, products)))
}

/// The catalogue's products on sale as selects offer them: (kind, code, "code name（kind）"), read once per
/// page and filtered by [`fitting`].
pub(crate) async fn on_sale(
    s: &AppState,
    sess: &Session,
    t: Tr,
) -> Result<Vec<(ProductKind, String, String)>, AppError> {
    Ok(
        banyan_app::book::products(&s.app, &sess.actor, &Default::default())
            .await?
            .into_iter()
            .filter(|p| p.product.status == ProductStatus::OnSale)
            .map(|p| {
                let label = format!(
                    "{} {}（{}）",
                    p.product.code,
                    name_in(t, &p.product.names),
                    t.of("product_kind", p.product.kind.as_str())
                );
                (p.product.kind, p.product.code, label)
            })
            .collect(),
    )
}

/// The products of `all` that a sale of one of `kinds` can be for: (code, label).
pub(crate) fn fitting(
    all: &[(ProductKind, String, String)],
    kinds: &[SaleKind],
) -> Vec<(String, String)> {
    all.iter()
        .filter(|(k, _, _)| kinds.iter().any(|s| s.fits(*k)))
        .map(|(_, code, label)| (code.clone(), label.clone()))
        .collect()
}

/// A sale as a form sent it (the customer's page, a won lead's page): the amount is typed in the
/// product's currency, whose minor digits come from the policy; an opening's account number as typed.
pub(crate) async fn sale_input(
    s: &AppState,
    sess: &Session,
    f: &std::collections::HashMap<String, String>,
) -> Result<uc::SaleInput, AppError> {
    let code = f.get("product").cloned().unwrap_or_default();
    let products = banyan_app::book::products(&s.app, &sess.actor, &Default::default()).await?;
    let digits = products
        .iter()
        .find(|p| p.product.code == code)
        .map_or(2, |p| s.app.currency_digits(p.product.currency));
    let amount = banyan_domain::money::parse_major(f.get("amount").map_or("", |v| v), digits);
    match (amount, f.get("kind").and_then(|k| SaleKind::parse(k))) {
        (Err(m), _) => Err(AppError::field("amount", "amount", m)),
        (_, None) => Err(AppError::field("kind", "one_of", "pick a kind of request")),
        (Ok(amount), Some(kind)) => Ok(uc::SaleInput {
            kind,
            product: code,
            amount,
            note: f.get("note").cloned(),
            account_no: crate::ui::forms::form_text(f, "account_no"),
            channel: match crate::ui::forms::form_text(f, "channel") {
                None => None,
                Some(c) => Some(
                    banyan_domain::wealth::suitability::SaleChannel::parse(&c).ok_or_else(
                        || AppError::field("channel", "one_of", "pick where the sale is made"),
                    )?,
                ),
            },
            recording_ref: crate::ui::forms::form_text(f, "recording_ref"),
            client_confirmation: crate::ui::forms::form_text(f, "client_confirmation"),
        }),
    }
}
