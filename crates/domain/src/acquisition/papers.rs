//! A deal's papers (seed 002 §五–§六): the proposal and its negotiation rounds, the contract reviewed by a
//! second person against a legal check list and then signed, and the account-opening application whose
//! documents a second person reviews. Each paper has one small state machine; the lead's pipeline moves on
//! only when its paper is done.

use super::LeadKind;
use crate::FieldErrors;
use serde::{Deserialize, Serialize};

code_enum!(
    /// Which paper of a deal.
    PaperKind {
        /// The contract drawn from the agreed proposal.
        Contract = "contract",
        /// The account-opening application with its documents.
        Application = "application",
    }
);

code_enum!(
    /// Where a contract or an application stands. `drafting` → `in_review` → `approved` (→ `signed`, a
    /// contract); `returned` by the reviewer with a note, then submitted again.
    PaperState {
        Drafting = "drafting",
        InReview = "in_review",
        Returned = "returned",
        Approved = "approved",
        /// A contract signed by both sides, the signed copy attached.
        Signed = "signed",
    }
);

/// What moves a paper.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PaperMove {
    /// Handed to a second person for review.
    Submit,
    /// The reviewer ticked every item and approves.
    Approve,
    /// The reviewer sends it back, saying what to fix.
    Return,
    /// Signed by both sides (a contract only).
    Sign,
}

impl PaperState {
    /// The state after `m`, or `None` when `m` is not allowed from here for this kind of paper.
    pub fn apply(self, kind: PaperKind, m: PaperMove) -> Option<PaperState> {
        use PaperMove as M;
        match (self, m) {
            (Self::Drafting | Self::Returned, M::Submit) => Some(Self::InReview),
            (Self::InReview, M::Approve) => Some(Self::Approved),
            (Self::InReview, M::Return) => Some(Self::Returned),
            (Self::Approved, M::Sign) if kind == PaperKind::Contract => Some(Self::Signed),
            _ => None,
        }
    }

    /// Whether the paper lets the lead move on: a signed contract, an approved application.
    pub fn is_done(self, kind: PaperKind) -> bool {
        match kind {
            PaperKind::Contract => self == Self::Signed,
            PaperKind::Application => self == Self::Approved,
        }
    }
}

/// The file code under which a contract's signed copy is kept.
pub const SIGNED_CONTRACT: &str = "signed_contract";

/// The documents an application needs, per kind of customer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DocumentLists {
    pub individual: Vec<String>,
    pub corporate: Vec<String>,
}

/// `[acquisition.papers]`: the contract's legal check list and the application's documents.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PapersPolicy {
    /// What the contract's reviewer confirms, item by item, before approving it.
    pub contract_checklist: Vec<String>,
    /// The documents an account-opening application must carry.
    pub documents: DocumentLists,
}

impl Default for PapersPolicy {
    fn default() -> Self {
        crate::policy::Policy::default_policy().acquisition.papers
    }
}

impl PapersPolicy {
    /// The documents an application for this kind of customer needs.
    pub fn documents_for(&self, kind: LeadKind) -> &[String] {
        match kind {
            LeadKind::Individual => &self.documents.individual,
            LeadKind::Corporate => &self.documents.corporate,
        }
    }

    /// What the reviewer of this kind of paper confirms item by item.
    pub fn checklist(&self, paper: PaperKind, lead: LeadKind) -> &[String] {
        match paper {
            PaperKind::Contract => &self.contract_checklist,
            PaperKind::Application => self.documents_for(lead),
        }
    }

    /// Checks the section; the error names the key.
    pub fn validate(&self) -> Result<(), (String, String)> {
        for (key, list) in [
            ("contract_checklist", &self.contract_checklist),
            ("documents.individual", &self.documents.individual),
            ("documents.corporate", &self.documents.corporate),
        ] {
            if list.is_empty() {
                return Err((key.into(), "must name at least one item".into()));
            }
            if let Some(r) = list.iter().find(|r| !super::is_code(r)) {
                return Err((
                    key.into(),
                    format!("`{r}` is not a code (lower-case letters, digits and _)"),
                ));
            }
            if let Some(r) = list.iter().find(|r| r.as_str() == SIGNED_CONTRACT) {
                return Err((key.into(), format!("`{r}` is kept for the signed contract")));
            }
            for (i, r) in list.iter().enumerate() {
                if list[..i].contains(r) {
                    return Err((key.into(), format!("`{r}` is named twice")));
                }
            }
        }
        Ok(())
    }
}

/// A reviewer's ticks checked against the list: every item ticked, nothing else (`field` is named).
pub fn check_ticks(errors: &mut FieldErrors, field: &str, ticked: &[String], list: &[String]) {
    if let Some(t) = ticked.iter().find(|t| !list.contains(t)) {
        errors.push(field, "unknown", format!("`{t}` is not on the check list"));
    } else if list.iter().any(|i| !ticked.contains(i)) {
        errors.push(
            field,
            "incomplete",
            "every item of the check list must be confirmed",
        );
    }
}

/// A proposal's terms (one negotiation round).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ProposalTerms {
    pub content: String,
    pub terms: Option<String>,
    pub pricing: Option<String>,
    pub obligations: Option<String>,
    /// Catalogue codes of the products offered.
    pub products: Vec<String>,
}

impl ProposalTerms {
    /// Which parts changed from the previous round (field names, in the form's order).
    pub fn changes_from(&self, prev: &ProposalTerms) -> Vec<String> {
        let mut out = Vec::new();
        if self.content != prev.content {
            out.push("content");
        }
        if self.terms != prev.terms {
            out.push("terms");
        }
        if self.pricing != prev.pricing {
            out.push("pricing");
        }
        if self.obligations != prev.obligations {
            out.push("obligations");
        }
        let (mut a, mut b) = (self.products.clone(), prev.products.clone());
        a.sort();
        b.sort();
        if a != b {
            out.push("products");
        }
        out.into_iter().map(str::to_owned).collect()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn a_contract_is_reviewed_then_signed_an_application_only_reviewed() {
        use PaperKind as K;
        use PaperMove as M;
        use PaperState as S;
        assert_eq!(
            S::Drafting.apply(K::Contract, M::Approve),
            None,
            "not before it is submitted"
        );
        let s = S::Drafting.apply(K::Contract, M::Submit).unwrap();
        assert_eq!(s.apply(K::Contract, M::Return), Some(S::Returned));
        assert_eq!(S::Returned.apply(K::Contract, M::Submit), Some(S::InReview));
        let s = s.apply(K::Contract, M::Approve).unwrap();
        assert!(!s.is_done(K::Contract), "approved is not yet signed");
        let s = s.apply(K::Contract, M::Sign).unwrap();
        assert!(s.is_done(K::Contract));
        assert_eq!(s.apply(K::Contract, M::Submit), None);
        assert_eq!(S::Approved.apply(K::Application, M::Sign), None);
        assert!(S::Approved.is_done(K::Application));
        assert!(!S::InReview.is_done(K::Application));
    }

    #[test]
    fn every_item_must_be_ticked_and_nothing_else() {
        let list = vec!["a".to_owned(), "b".to_owned()];
        let mut e = FieldErrors::new();
        check_ticks(&mut e, "checked", &["b".into(), "a".into()], &list);
        assert!(e.0.is_empty());
        check_ticks(&mut e, "checked", &["a".into()], &list);
        check_ticks(
            &mut e,
            "checked",
            &["a".into(), "b".into(), "z".into()],
            &list,
        );
        let rules: Vec<_> = e.0.iter().map(|f| f.rule.as_str()).collect();
        assert_eq!(rules, vec!["incomplete", "unknown"]);
    }

    #[test]
    fn a_round_says_what_changed() {
        let a = ProposalTerms {
            content: "对公结算套餐".into(),
            pricing: Some("手续费 5 折".into()),
            products: vec!["P1".into(), "P2".into()],
            ..ProposalTerms::default()
        };
        let mut b = a.clone();
        b.products = vec!["P2".into(), "P1".into()];
        assert!(
            b.changes_from(&a).is_empty(),
            "the products' order is no change"
        );
        b.pricing = Some("手续费 4 折".into());
        b.terms = Some("一年".into());
        assert_eq!(b.changes_from(&a), vec!["terms", "pricing"]);
    }

    #[test]
    fn the_shipped_lists_are_valid_and_a_bad_one_is_named() {
        let p = PapersPolicy::default();
        assert_eq!(p.validate(), Ok(()));
        assert!(
            p.documents_for(LeadKind::Corporate).len()
                > p.documents_for(LeadKind::Individual).len()
        );
        let mut bad = p.clone();
        bad.documents.corporate.push("application_form".into());
        bad.documents.corporate.push("application_form".into());
        assert_eq!(bad.validate().unwrap_err().0, "documents.corporate");
        let mut bad = p;
        bad.contract_checklist.clear();
        assert_eq!(bad.validate().unwrap_err().0, "contract_checklist");
    }
}
