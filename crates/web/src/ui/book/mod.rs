//! The book on the workbench: the product catalogue (`catalogue`: list, form, versions), the feed loads
//! (`loads`: upload, list, report), and the section of a customer's page that shows what the customer holds
//! (`section`).

mod catalogue;
mod catalogue_import;
mod insights;
mod loads;
mod section;

use crate::AppState;
use crate::ui::forms::Choice;
use crate::ui::i18n::Tr;
use std::collections::BTreeMap;

pub(crate) use catalogue_import::catalogue_words;
pub(crate) use insights::{
    InsightLine, insight_lines, line as insight_line, product_words as insight_products,
};
pub(crate) use section::{BookSection, book_section};

pub(crate) mod sales;

/// A product's name in the reader's language, else in simplified Chinese.
pub(crate) fn name_in(t: Tr, names: &BTreeMap<String, String>) -> String {
    names
        .get(t.code())
        .or_else(|| names.get("zh-CN"))
        .cloned()
        .unwrap_or_default()
}

/// Options of a select of codes, labelled, with `chosen` selected.
pub(crate) fn choices<T: Copy>(
    t: Tr,
    family: &str,
    all: &[T],
    code: fn(T) -> &'static str,
    chosen: &str,
) -> Vec<Choice> {
    all.iter()
        .map(|v| {
            let c = code(*v);
            (c.to_owned(), t.of(family, c), c == chosen)
        })
        .collect()
}

pub(crate) fn routes() -> axum::Router<AppState> {
    use axum::routing::get;
    axum::Router::new()
        .route("/products", get(catalogue::products_page))
        .route(
            "/products/import",
            get(catalogue_import::import_page).post(catalogue_import::preview),
        )
        .route(
            "/products/import/confirm",
            axum::routing::post(catalogue_import::confirm),
        )
        .route("/products/catalogue.csv", get(catalogue_import::template))
        .route(
            "/products/new",
            get(catalogue::new_product).post(catalogue::create_product),
        )
        .route(
            "/products/{id}",
            get(catalogue::product_page).post(catalogue::save_product),
        )
        .route("/book/loads", get(loads::loads_page).post(loads::upload))
        .route("/book/loads/{id}", get(loads::load_page))
        .route("/insights/report", get(insights::report_page))
}
