//! Customer import (the shared import pages, `ui::imports`, with the customer file's columns) and export.

use crate::AppState;
use crate::ui::customers::search::SearchQuery;
use crate::ui::i18n::Tr;
use crate::ui::imports::{ImportKind, list_spec};
use crate::ui::labels::ReaderWords;
use crate::ui::page::{PageError, Signed};
use axum::extract::{Query, State};
use axum::response::Response;
use banyan_app::customers::ListQuery;
use banyan_domain::imports::ImportTarget;

/// Customer files at `/import`.
pub(crate) static CUSTOMER_IMPORT: ImportKind = ImportKind {
    target: ImportTarget::Customers,
    base: "/import",
    title: "import.title",
    template_name: "import.template_name",
    failed_hint: "import.failed_hint",
    list: list_spec("/import"),
    guide: column_guide,
    words: |t| Box::new(ReaderWords(t)),
    template: banyan_app::io::template,
    may: banyan_app::io::may_import,
};

/// Every column of an import file in the reader's words: its heading, whether it is required (and for
/// which kind), and what it takes, with the values it may take spelt out from the registry.
fn column_guide(t: Tr) -> Vec<(String, String, String)> {
    use banyan_app::tabular::Words;
    let words = ReaderWords(t);
    banyan_app::io::import_columns()
        .map(|c| {
            let required = match c {
                "branch_code" => t.get("import.req.all"),
                "name_zh" | "id_number" => t.get("import.req.individual"),
                "registered_name" | "credit_code" => t.get("import.req.corporate"),
                _ => "",
            };
            let family = match c {
                "kind" => Some("kind"),
                "id_type" => Some("doc"),
                "gender" | "income_band" | "family_status" | "legal_form" => Some(c),
                "preferred_channel" => Some("channel"),
                _ => None,
            };
            let rule = match family {
                Some(f) => {
                    // A company's credit code is a document of its own column, not an individual's.
                    let labels: Vec<&str> = t
                        .family(f)
                        .into_iter()
                        .filter(|(code, _)| *code != "credit_code")
                        .map(|(_, l)| l)
                        .collect();
                    let mut r = t.get("import.choose").replace("{list}", &labels.join("、"));
                    let key = format!("import.col.{c}");
                    let note = t.get(&key);
                    if note != key {
                        r = format!("{note}；{r}");
                    }
                    r
                }
                None => t.get(&format!("import.col.{c}")).to_owned(),
            };
            (words.heading(c), required.to_owned(), rule)
        })
        .collect()
}

pub(crate) async fn export(
    State(s): State<AppState>,
    Signed { sess, t }: Signed,
    Query(p): Query<SearchQuery>,
) -> Result<Response, PageError> {
    let query = ListQuery {
        cursor: None,
        ..p.list_query()
    };
    let format = if p.format == "xlsx" {
        banyan_app::io::Format::Xlsx
    } else {
        banyan_app::io::Format::Csv
    };
    let (bytes, _) = banyan_app::io::export(&s.app, &sess.actor, query, format, &ReaderWords(t))
        .await
        .map_err(|e| PageError::App(e, t, Some(sess.clone())))?;
    Ok(crate::api::customers::download(format, bytes))
}
