//! Lead import on the workbench (`/leads/import`): the shared import pages (`ui::imports`) with the lead
//! file's columns, headed and filled in the reader's words (the capture form's labels), and the words a
//! lead file is read back with in any language.

use crate::ui::i18n::{Lang, Tr};
use crate::ui::imports::{ImportKind, list_spec};
use crate::ui::labels::field_label;
use banyan_app::imports::leads as uc;
use banyan_app::tabular::Words;
use banyan_domain::imports::ImportTarget;

/// Lead files at `/leads/import`.
pub(crate) static LEAD_IMPORT: ImportKind = ImportKind {
    target: ImportTarget::Leads,
    base: "/leads/import",
    title: "lead.import.title",
    template_name: "lead.import.template_name",
    failed_hint: "lead.import.failed_hint",
    list: list_spec("/leads/import"),
    guide: column_guide,
    words: |t| Box::new(LeadWords(t)),
    template: uc::template,
    may: uc::may_import,
};

/// The label family of a lead column's codes (the capture form's pickers).
fn family(column: &str) -> Option<&'static str> {
    Some(match column {
        "kind" => "lead_kind",
        "gender" => "gender",
        "channel" => "lead_channel",
        "basis" => "lawful_basis",
        "industry" => "industry",
        _ => return None,
    })
}

/// A lead file's headings and cells in the reader's words: the capture form's labels, codes as their
/// labels; dates stay `YYYY-MM-DD` and amounts plain numbers, so a template reads back as it is.
pub(crate) struct LeadWords(pub(crate) Tr);

impl Words for LeadWords {
    fn heading(&self, column: &str) -> String {
        let t = self.0;
        match column {
            "line" => t.get("export.line").to_owned(),
            "reason" => t.get("export.reason").to_owned(),
            "partner" => field_label(t, "partner_id"),
            "campaign" => field_label(t, "campaign_id"),
            "rm" => field_label(t, "rm_id"),
            "expected_return" => field_label(t, "expected_return_bp"),
            c => field_label(t, c),
        }
    }
    fn cell(&self, column: &str, value: &str) -> String {
        match family(column) {
            Some(f) => self.0.of(f, value),
            None => value.to_owned(),
        }
    }
    fn bom(&self) -> bool {
        // Excel on Windows reads UTF-8 only with it, in every language.
        true
    }
}

/// How lead files may write headings and values besides the column names and codes: as the capture form
/// labels them, in every language (`姓名/名称`, `Channel`; `网点`, `Consent`).
pub fn lead_import_words() -> banyan_app::io::ImportWords {
    let mut w = banyan_app::io::ImportWords::of(uc::COLUMNS);
    for lang in Lang::ALL {
        let t = Tr::new(lang);
        let words = LeadWords(t);
        for c in uc::import_columns() {
            let h = words.heading(c);
            w.headers.insert(h.to_lowercase(), c);
            w.headers.insert(h, c);
            if let Some(f) = family(c) {
                let values = w.values.entry(c).or_default();
                for (code, label) in t.family(f) {
                    values.insert(label.to_lowercase(), code.to_owned());
                    values.insert(label.to_owned(), code.to_owned());
                }
            }
        }
    }
    w
}

/// Every column of a lead file in the reader's words: its heading, whether it is required, and what it
/// takes, with the values it may take spelt out from the registry.
fn column_guide(t: Tr) -> Vec<(String, String, String)> {
    let words = LeadWords(t);
    uc::import_columns()
        .map(|c| {
            let required = match c {
                "name" | "channel" => t.get("import.req.all"),
                "partner" => t.get("lead.import.req.partner"),
                _ => "",
            };
            let note_key = format!("lead.import.col.{c}");
            let note = Some(t.get(&note_key)).filter(|n| *n != note_key);
            let choices = family(c).map(|f| {
                let labels: Vec<&str> = t.family(f).into_iter().map(|(_, l)| l).collect();
                t.get("import.choose").replace("{list}", &labels.join("、"))
            });
            let rule = match (note, choices) {
                (Some(n), Some(ch)) => format!("{n}；{ch}"),
                (Some(n), None) => n.to_owned(),
                (None, Some(ch)) => ch,
                (None, None) => t.get("lead.import.text").to_owned(),
            };
            (words.heading(c), required.to_owned(), rule)
        })
        .collect()
}
