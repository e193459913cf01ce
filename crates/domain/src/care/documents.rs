//! The documents of a care record (seed 003 §四: 电子签名、远程视频见证): each kept in the compartment under
//! the record's own key, with what it is and how it was signed — on paper, by electronic signature (the
//! signing platform's reference), or witnessed by remote video (the witness and the recording's reference),
//! so a customer who cannot come to a branch is not asked to.

use jiff::civil::Date;
use serde::{Deserialize, Serialize};

code_enum!(
    /// What a document is.
    DocumentKind {
        /// A certificate of the condition (kept only under the separate consent when it names a diagnosis).
        MedicalCertificate = "medical_certificate",
        LoanApplication = "loan_application",
        WaiverApplication = "waiver_application",
        RepaymentAgreement = "repayment_agreement",
        /// A family member's or carer's authority to act for the customer.
        PowerOfAttorney = "power_of_attorney",
        /// A medical bill or an insurance claim form the bank helps with.
        ClaimForm = "claim_form",
        Other = "other",
    }
);

code_enum!(
    /// How a document was signed.
    SigningMethod {
        /// Signed on paper (at a branch or at home, with two staff present).
        WetInk = "wet_ink",
        /// Signed electronically on the bank's signing platform.
        ESignature = "e_signature",
        /// Signed before a staff member on a recorded video call.
        RemoteVideo = "remote_video",
        /// Nothing to sign (a certificate, a bill).
        Unsigned = "unsigned",
    }
);

impl SigningMethod {
    /// Whether the signing platform's or the recording's reference is required.
    pub fn needs_reference(self) -> bool {
        matches!(self, Self::ESignature | Self::RemoteVideo)
    }

    /// Whether a staff member witnessed it (on the video call).
    pub fn needs_witness(self) -> bool {
        matches!(self, Self::RemoteVideo)
    }
}

/// How a document says it was signed, before it is stored.
#[derive(Debug, Clone, PartialEq)]
pub struct Signing {
    pub method: SigningMethod,
    pub signed_on: Option<Date>,
    pub reference: Option<String>,
    pub witnessed: bool,
}

/// Every broken rule of a document's signing, by field: a signed one has its day (not after `today`), an
/// electronic or video signature its reference, a video signature its witness; an unsigned one none of them.
pub fn check_signing(s: &Signing, today: Date) -> Vec<(&'static str, &'static str, &'static str)> {
    let mut e = Vec::new();
    if s.method == SigningMethod::Unsigned {
        if s.signed_on.is_some() || s.reference.is_some() || s.witnessed {
            e.push((
                "signing",
                "unsigned",
                "an unsigned document has no signing day, reference or witness",
            ));
        }
        return e;
    }
    match s.signed_on {
        None => e.push(("signed_on", "required", "the day it was signed")),
        Some(d) if d > today => e.push(("signed_on", "not_future", "must not be after today")),
        Some(_) => {}
    }
    if s.method.needs_reference() && s.reference.is_none() {
        e.push((
            "reference",
            "required",
            "the signing platform's or the recording's reference",
        ));
    }
    if s.method.needs_witness() && !s.witnessed {
        e.push((
            "witness",
            "required",
            "the staff member who witnessed the video signing",
        ));
    }
    if !s.method.needs_witness() && s.witnessed {
        e.push((
            "witness",
            "video_only",
            "only a video signing has a witness",
        ));
    }
    e
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn each_way_of_signing_asks_for_what_proves_it() {
        let today = date(2026, 12, 5);
        let s = |method, signed_on, reference: Option<&str>, witnessed| Signing {
            method,
            signed_on,
            reference: reference.map(str::to_owned),
            witnessed,
        };
        let fields = |x: &Signing| {
            check_signing(x, today)
                .iter()
                .map(|e| e.0)
                .collect::<Vec<_>>()
        };
        assert!(fields(&s(SigningMethod::WetInk, Some(today), None, false)).is_empty());
        assert_eq!(
            fields(&s(SigningMethod::ESignature, Some(today), None, false)),
            ["reference"]
        );
        assert_eq!(
            fields(&s(SigningMethod::RemoteVideo, None, Some("VID-1"), false)),
            ["signed_on", "witness"]
        );
        assert!(
            fields(&s(
                SigningMethod::RemoteVideo,
                Some(today),
                Some("VID-1"),
                true
            ))
            .is_empty()
        );
        assert_eq!(
            fields(&s(
                SigningMethod::WetInk,
                Some(date(2026, 12, 6)),
                None,
                false
            )),
            ["signed_on"]
        );
        assert_eq!(
            fields(&s(SigningMethod::Unsigned, Some(today), None, false)),
            ["signing"]
        );
        assert!(fields(&s(SigningMethod::Unsigned, None, None, false)).is_empty());
    }
}
