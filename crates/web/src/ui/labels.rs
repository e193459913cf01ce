//! Stored values in words: every code by its label from the one registry, dates and money in the locale's
//! style, and the free-form details of audit records and case logs as `label: value` sentences. Every page
//! and export that shows a stored value goes through here, so no code, key, UUID or JSON reaches a reader.

use crate::ui::i18n::{Lang, Tr};
use serde_json::Value;

/// A code by the label of the first family that has one (`department` + `wealth` → 财富管理部); the code
/// itself when none has (a value a bank added to its policy without a label yet).
pub(crate) fn code_label(t: Tr, families: &[&str], code: &str) -> String {
    families
        .iter()
        .find_map(|f| label_of(t, f, code))
        .unwrap_or_else(|| code.to_owned())
}

/// A new customer's onboarding step by its task's key (`first_service`, `follow_up:30`), in words; `None`
/// when the key names no step.
pub(crate) fn onboarding_step(t: Tr, key: &str) -> Option<String> {
    use banyan_domain::acquisition::onboarding::OnboardingStep as S;
    Some(match S::parse(key)? {
        S::FirstService => t.get("onboarding.first_service").to_owned(),
        S::FollowUp(d) => t
            .get("onboarding.follow_up")
            .replace("{days}", &d.to_string()),
    })
}

/// A field path (`individual.id_number`, `contacts[0].value`) by its label: the list's label for an item
/// of a list, else the last part's, else the first part's; the path itself when none has one.
pub(crate) fn field_label(t: Tr, path: &str) -> String {
    // A text in one language (`body.zh-CN`): the text's label and the language's name.
    if let Some((head, lang)) = path.rsplit_once('.')
        && let Some(l) = crate::ui::i18n::Lang::parse(lang)
    {
        return format!("{}（{}）", field_label(t, head), l.name());
    }
    let parts: Vec<&str> = path
        .split('.')
        .map(|p| p.split('[').next().unwrap_or(p))
        .collect();
    let order: Vec<&str> = if path.contains('[') {
        parts.clone()
    } else {
        parts.iter().rev().copied().collect()
    };
    order
        .into_iter()
        .find_map(|p| label_of(t, "field", p))
        .unwrap_or_else(|| path.to_owned())
}

/// The label of a code in one family, if the registry has one.
fn label_of(t: Tr, family: &str, code: &str) -> Option<String> {
    let key = format!("{family}.{code}");
    let label = t.get(&key);
    (label != key).then(|| label.to_owned())
}

/// Why a message was sent (`case.reply`, `campaign:spring`, `greeting.spring_festival`), in words.
pub(crate) fn message_cause(t: Tr, cause: &str) -> String {
    if let Some(key) = cause.strip_prefix("campaign:") {
        return format!("{}：{key}", t.get("cause.campaign"));
    }
    match code_label(t, &["cause"], cause) {
        same if same == cause && cause.starts_with("greeting.") => {
            t.get("cause.greeting").to_owned()
        }
        same if same == cause => t.get("cause.other").to_owned(),
        label => label,
    }
}

/// Why a message waits, was held back or failed, in words: the reason's code (`no_consent: …`,
/// `quiet_hours`) or the transport's known refusals; any other transport error in general words (the
/// details are in the server's log, not for the customer's page).
pub(crate) fn message_reason(t: Tr, reason: &str) -> String {
    let code = reason.split(':').next().unwrap_or(reason).trim();
    let code = if reason.starts_with("no notification gateway") {
        "no_gateway"
    } else if reason.starts_with("no SMTP server") {
        "no_smtp"
    } else {
        code
    };
    match code_label(t, &["msg_reason"], code) {
        same if same == code => t.get("msg_reason.transport").to_owned(),
        label => label,
    }
}

/// A department by its label.
pub(crate) fn department(t: Tr, code: &str) -> String {
    code_label(t, &["department"], code)
}

/// The rule a case was routed or timed by (`routing[4]` → 分派规则第5条; `default` → 默认部门).
pub(crate) fn rule_ref(t: Tr, rule: &str) -> String {
    let numbered = |prefix: &str, key: &str| {
        rule.strip_prefix(prefix)
            .and_then(|r| r.strip_suffix(']'))
            .and_then(|n| n.parse::<usize>().ok())
            .map(|n| t.get(key).replace("{n}", &(n + 1).to_string()))
    };
    numbered("routing[", "route.rule")
        .or_else(|| numbered("sla[", "sla.rule"))
        .unwrap_or_else(|| code_label(t, &["route"], rule))
}

/// A value of a customer's profile or of a change to it, by the field's last key: codes by their label,
/// dates and money in the locale's style, yes / no, `—` for nothing.
pub(crate) fn profile_value(t: Tr, key: &str, v: &Value) -> String {
    match (key, v) {
        (_, Value::Null) => "—".to_owned(),
        (_, Value::Bool(b)) => t.get(if *b { "yes" } else { "no" }).to_owned(),
        (_, Value::Object(o)) if o.contains_key("minor") => t.money(
            o.get("minor").and_then(Value::as_i64).unwrap_or(0),
            o.get("currency").and_then(Value::as_str).unwrap_or("CNY"),
        ),
        ("id_type", Value::String(s)) => code_label(t, &["doc"], s),
        ("gender", Value::String(s)) => code_label(t, &["gender"], s),
        ("industry", Value::String(s)) => code_label(t, &["industry"], s),
        ("preferred_channel", Value::String(s)) => code_label(t, &["channel"], s),
        ("nationality", Value::String(s)) => code_label(t, &["country"], s),
        ("source", Value::String(s)) => code_label(t, &["consent_source"], s),
        ("channel", Value::String(s)) => code_label(t, &["channel"], s),
        (_, Value::String(s)) if uuid::Uuid::parse_str(s).is_ok() => {
            t.get("history.unknown_staff").to_owned()
        }
        ("income_band" | "family_status" | "legal_form" | "kind" | "status", Value::String(s)) => {
            code_label(t, &[key], s)
        }
        (_, Value::String(s)) if s.parse::<jiff::civil::Date>().is_ok() => t.date(s),
        (_, Value::String(s)) => s.clone(),
        (_, Value::Array(items)) => items
            .iter()
            .map(|i| profile_value(t, key, i))
            .collect::<Vec<_>>()
            .join("、"),
        (_, Value::Object(o)) => o
            .iter()
            .map(|(k, v)| format!("{} {}", field_label(t, k), profile_value(t, k, v)))
            .collect::<Vec<_>>()
            .join("，"),
        (_, other) => other.to_string(),
    }
}

/// Files the workbench hands out (exports, rejected rows) in the reader's words: headings by the field
/// labels, codes by their labels, dates in the locale's style, and a byte-order mark for Excel.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ReaderWords(pub(crate) Tr);

impl banyan_app::tabular::Words for ReaderWords {
    fn heading(&self, column: &str) -> String {
        let t = self.0;
        match column {
            "line" => t.get("export.line").to_owned(),
            "reason" => t.get("export.reason").to_owned(),
            "display_name" => t.get("field.name").to_owned(),
            c if c.starts_with("funnel_by.")
                || c.starts_with("funnel.")
                || c.starts_with("effect.")
                || c.starts_with("perf.")
                || c.starts_with("reward.")
                || c.starts_with("kpi.") =>
            {
                t.get(c).to_owned()
            }
            c => field_label(t, c),
        }
    }
    fn cell(&self, column: &str, value: &str) -> String {
        let t = self.0;
        match column {
            "kind" => code_label(t, &["kind", "fb.kind"], value),
            "status" => code_label(t, &["status", "case.status"], value),
            "channel" => code_label(t, &["fb.channel", "channel"], value),
            "product" | "cause" | "severity" => code_label(t, &[&format!("fb.{column}")], value),
            "party" | "department" => code_label(t, &[column], value),
            "segment" => code_label(t, &["seg.wealth_tier"], value),
            "criterion" => code_label(t, &["criterion"], value),
            "direction" => code_label(t, &["direction"], value),
            "lead_stage" | "lead_channel" => code_label(t, &[column], value),
            "funnel" => t.get(&format!("funnel.{value}")).to_owned(),
            "perf" => t.get(&format!("perf.{value}")).to_owned(),
            // A quarter (`2026-Q3`) or a year in words.
            "kpi.period" => match value.split_once("-Q") {
                Some((y, q)) => t.get("kpi.quarter").replace("{y}", y).replace("{q}", q),
                None => t.get("kpi.year").replace("{y}", value),
            },
            "role" | "staff_kpi" | "kpi_pillar" | "kpi_unit" | "perf_rating" | "group_level"
            | "attendance" | "due_state" | "course_kind" | "course_topic" | "reward_rule"
            | "scheme_state" => code_label(t, &[column], value),
            "sla_met" | "regulatory_met" => t.get(value).to_owned(),
            _ if value.parse::<jiff::civil::Date>().is_ok() => t.date(value),
            c => match import_family(c) {
                Some(family) => code_label(t, &[family], value),
                None => value.to_owned(),
            },
        }
    }
    fn bom(&self) -> bool {
        true
    }
}

/// The label family of an import column's codes (`id_type` → `doc.resident_id`).
fn import_family(column: &str) -> Option<&'static str> {
    Some(match column {
        "id_type" => "doc",
        "gender" => "gender",
        "income_band" => "income_band",
        "family_status" => "family_status",
        "legal_form" => "legal_form",
        "industry" => "industry",
        "preferred_channel" => "channel",
        "nationality" => "country",
        _ => return None,
    })
}

/// How import files may write headings and values besides the column names and codes: as this registry
/// labels them, in every language (`证件号码`, `Document number`; `个人`, `居民身份证`, `Married`). The
/// template is written with the same words, so a template filled in any language imports.
pub fn import_words() -> banyan_app::io::ImportWords {
    use banyan_app::tabular::Words;
    let mut w = banyan_app::io::ImportWords::default();
    for lang in Lang::ALL {
        let t = Tr::new(lang);
        let words = ReaderWords(t);
        for c in banyan_app::io::import_columns() {
            let h = words.heading(c);
            w.headers.insert(h.to_lowercase(), c);
            w.headers.insert(h, c);
            let family = match c {
                "kind" => Some("kind"),
                other => import_family(other),
            };
            if let Some(f) = family {
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

/// The value of a changed field (`individual.family_status`), by its last key.
pub(crate) fn field_value(t: Tr, path: &str, v: &Value) -> String {
    profile_value(t, path.rsplit('.').next().unwrap_or(path), v)
}

/// One change of a record as a sentence: `手机号 由 139****0000 改为 139****1111`.
pub(crate) fn change_line(t: Tr, path: &str, old: &str, new: &str) -> String {
    t.get("history.change")
        .replace("{field}", &field_label(t, path))
        .replace("{old}", old)
        .replace("{new}", new)
}

/// A refused write in the user's language: the refusal's own words by its stable code, with the values of
/// its detail filled in (`{open_tasks}`), else the general words for its kind. Never the API's English.
pub(crate) fn refusal_text(t: Tr, e: &banyan_app::AppError) -> Option<String> {
    use banyan_app::AppError as E;
    let (code, detail, general) = match e {
        E::Conflict { code, detail, .. } => (*code, Some(detail), "refusal.conflict"),
        E::Forbidden { code, .. } => (*code, None, "refusal.forbidden"),
        E::VersionConflict { .. } => ("version", None, "refusal.version"),
        _ => return None,
    };
    let key = format!("refusal.{code}");
    let mut words = match t.get(&key) {
        w if w == key => t.get(general).to_owned(),
        w => w.to_owned(),
    };
    if let Some(Value::Object(m)) = detail {
        for (k, v) in m {
            let shown = match (k.as_str(), v) {
                ("current_status", Value::String(s)) => code_label(
                    t,
                    &[
                        "status",
                        "case.status",
                        "alert.status",
                        "rsvp",
                        "camp.state",
                        "insight_status",
                        "lead_stage",
                        "lead_visit_state",
                        "care_status",
                    ],
                    s,
                ),
                (k, Value::String(s)) => code_label(t, families_of(k), s),
                (_, other) => other.to_string(),
            };
            words = words.replace(&format!("{{{k}}}"), &shown);
        }
    }
    Some(words)
}

/// An audit record's or a case log's detail as `label: value; …` in the user's language. Entries whose
/// value is an ID are left out: the use case puts the name beside them (`owner` → `owner_name`).
pub(crate) fn detail_text(t: Tr, tz: &jiff::tz::TimeZone, v: &Value) -> String {
    let Value::Object(m) = v else {
        return detail_value(t, tz, "", v).unwrap_or_default();
    };
    // A span is its amount and unit together (`to: 30, unit: calendar_days` → 至: 30 个自然日).
    let unit = m.get("unit").and_then(Value::as_str);
    m.iter()
        .filter(|(k, _)| k.as_str() != "unit")
        .filter_map(|(k, v)| {
            let shown = match (k.as_str(), v, unit) {
                ("to", Value::Number(n), Some(u)) => {
                    t.get(&format!("unit.{u}")).replace("{n}", &n.to_string())
                }
                _ => detail_value(t, tz, k, v)?,
            };
            // A risk assessment's level is a rating (稳健型), a case's an escalation step (a number).
            let key = match (k.as_str(), v) {
                ("level", Value::String(_)) => "detail.risk_appetite".to_owned(),
                _ => format!("detail.{k}"),
            };
            let label = match t.get(&key) {
                l if l == key => field_label(t, k),
                l => l.to_owned(),
            };
            Some(format!("{label}: {shown}"))
        })
        .collect::<Vec<_>>()
        .join("; ")
}

fn detail_value(t: Tr, tz: &jiff::tz::TimeZone, key: &str, v: &Value) -> Option<String> {
    let s = match v {
        Value::Null => return None,
        Value::Bool(b) => t.get(if *b { "yes" } else { "no" }).to_owned(),
        Value::Number(n) => match key {
            "level" => code_label(t, &["case.level"], &n.to_string()),
            "aum" => t.money(n.as_i64().unwrap_or(0), "CNY"),
            _ => n.to_string(),
        },
        Value::Array(items) => {
            let parts: Vec<String> = items
                .iter()
                .filter_map(|i| match (key, i) {
                    ("fields", Value::String(f)) => Some(field_label(t, f)),
                    _ => detail_value(t, tz, key, i),
                })
                .collect();
            if parts.is_empty() {
                return None;
            }
            parts.join("、")
        }
        Value::Object(_) => format!("（{}）", detail_text(t, tz, v)),
        Value::String(s) => return string_value(t, tz, key, s),
    };
    Some(s)
}

fn string_value(t: Tr, tz: &jiff::tz::TimeZone, key: &str, s: &str) -> Option<String> {
    if uuid::Uuid::parse_str(s).is_ok() {
        return None;
    }
    if s.parse::<jiff::Timestamp>().is_ok() {
        return Some(t.datetime(tz, s));
    }
    if s.parse::<jiff::civil::Date>().is_ok() {
        return Some(t.date(s));
    }
    let families = match key {
        "changes" => return Some(field_label(t, s)),
        "route_rule" | "sla_rule" => return Some(rule_ref(t, s)),
        "format" | "type" => return Some(s.to_uppercase()),
        "level" => &["seg.risk_appetite"],
        k => families_of(k),
    };
    let s = s.strip_prefix("outbox:").unwrap_or(s);
    Some(code_label(t, families, s))
}

/// The code families a detail's value under `key` is read in (`reason` → reject and lost reasons).
fn families_of(key: &str) -> &'static [&'static str] {
    match key {
        "channel" | "reply_via" => &["channel", "fb.channel", "via", "lead_channel"],
        "department" | "from" | "to" => &["department", "inv", "lead_stage", "paper_state"],
        "paper" => &["paper_kind"],
        "doc" => &["lead_doc"],
        "checked" => &["contract_check", "lead_doc"],
        "outcome" => &["outcome", "visit_outcome"],
        "reason" | "rejected_for" => &["reject_reason", "lost_reason", "plan_reason"],
        "period" => &["target_period"],
        "merge_status" => &["merge_status"],
        "pair_status" => &["pair_status"],
        "kept_for" => &["obligation"],
        "metric" => &["target_metric"],
        "measure" => &["market_measure"],
        "kpi" => &["staff_kpi"],
        "rating" => &["perf_rating"],
        "attendance" => &["attendance"],
        "rule" => &["reward_rule"],
        "promotion" => &["promotion_advice"],
        "reached" => &["reached"],
        "kind" => &[
            "kind",
            "goal_kind",
            "entry_kind",
            "fb.kind",
            "sale_kind",
            "lead_kind",
            "partner_kind",
            "care_measure",
            "care_task",
            "care_document",
            "event_kind",
        ],
        "kinds" => &["event_kind"],
        "tasks" => &["care_task"],
        "signing" => &["care_signing"],
        "status" | "current_status" => &["status", "case.status", "import.status", "sale_step"],
        "step" => &["sale_step"],
        "role" => &["role", "deal_role", "care_role", "advisor_role"],
        "decision" => &["sale_decision", "care_decision", "action_decision"],
        "goal_status" => &["goal_status"],
        "read_as" => &["wealth_basis"],
        "assets" => &["asset_kind"],
        "liabilities" => &["liability_kind"],
        "income" => &["income_kind"],
        "situation" => &["care_situation"],
        "impact" => &["care_impact"],
        "adjustments" => &["care_adjustment"],
        "consent" | "withdrawn" | "scopes" => &["care_consent"],
        "state" | "current_state" => &["care_measure_state", "scheme_state"],
        "basis" => &["care_basis"],
        "verdict" => &["care_verdict"],
        "strategy" => &["strategy"],
        "risk" => &["risk_kind"],
        "risk_level" => &["risk_level"],
        "response" => &["risk_response"],
        "indicator" => &["indicator"],
        "disposition" => &["disposition"],
        "by" => &["funnel_by"],
        "feed" => &["feed"],
        "insight" => &["insight"],
        "source" => &["book_source", "consent_source", "care_source"],
        "approver" => &["approver"],
        "method" => &["method", "lead_visit_method", "identity_check"],
        // A case's action, or what the gate refused a sale for (`suitability.level`, `new_high_risk_business`).
        "action" => &["case.act", "action"],
        "how" => &["policy_how"],
        _ => &[],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ui::i18n::Lang;

    #[test]
    fn a_text_in_one_language_is_named_with_the_language() {
        let t = Tr::new(Lang::ZhCn);
        assert_eq!(field_label(t, "body.zh-CN"), "正文（简体中文）");
        assert_eq!(field_label(t, "subject.en"), "标题（English）");
    }

    #[test]
    fn visits_and_events_in_the_trail_read_as_words() {
        let t = Tr::new(Lang::ZhCn);
        let tz = jiff::tz::TimeZone::UTC;
        let d = serde_json::json!({"purpose": "年度回顾", "scheduled_at": "2026-12-04T02:00:00Z",
            "owner_id": "01a23aae-220e-7205-9e85-c57a185d4ddf", "key_customer": true});
        assert_eq!(
            detail_text(t, &tz, &d),
            "重点客户专项计划: 是; 拜访目的: 年度回顾; 拜访时间: 2026年12月04日 02:00"
        );
        let e = serde_json::json!({"title": "讲座", "capacity": 30});
        assert_eq!(detail_text(t, &tz, &e), "名额: 30; 标题: 讲座");
        let r = serde_json::json!({"from": "invited", "to": "accepted", "promoted": false});
        assert_eq!(
            detail_text(t, &tz, &r),
            "从: 已邀请; 候补转正: 否; 至: 已报名"
        );
    }

    #[test]
    fn details_read_as_words() {
        let t = Tr::new(Lang::ZhCn);
        let tz = jiff::tz::TimeZone::UTC;
        let d = serde_json::json!({"action": "resolve", "case_no": "FB1",
            "detail": {"reply_via": "outbox:app", "sla_met": false},
            "owner": "01a238d2-69fa-76a3-8dfa-1de620820a8d", "owner_name": "王经理",
            "fields": ["identifier", "contacts.address"], "route_rule": "routing[4]"});
        let s = detail_text(t, &tz, &d);
        assert_eq!(
            s,
            "操作: 答复并办结; 案件编号: FB1; 详情: （答复渠道: 手机银行; 内部时限内办结: 否）; \
             涉及: 证件、地址; 负责人: 王经理; 分派依据: 分派规则第5条"
        );
    }

    #[test]
    fn a_risk_assessment_reads_its_rating_and_validity_and_a_case_its_escalation() {
        let t = Tr::new(Lang::ZhCn);
        let tz = jiff::tz::TimeZone::UTC;
        let a = serde_json::json!({"score": 18, "level": "balanced", "channel": "online",
            "expires_on": "2027-12-08"});
        assert_eq!(
            detail_text(t, &tz, &a),
            "渠道: 网上银行; 有效期至: 2027年12月08日; 风险偏好: 稳健型; 得分: 18"
        );
        let c = serde_json::json!({"level": 2});
        assert!(detail_text(t, &tz, &c).starts_with("升级级别: "));
        // A refused sale's record names the rule that refused it in words (the crawl found it raw).
        let r = serde_json::json!({"action": "suitability.level"});
        assert!(
            detail_text(t, &tz, &r).ends_with(": 产品风险等级不高于客户可购买的等级"),
            "{}",
            detail_text(t, &tz, &r)
        );
    }

    #[test]
    fn a_policy_put_in_force_reads_how() {
        let t = Tr::new(Lang::ZhCn);
        let tz = jiff::tz::TimeZone::UTC;
        let d = serde_json::json!({"version": 2, "how": "start"});
        assert_eq!(
            detail_text(t, &tz, &d),
            "方式: 节点以新的政策文件启动; 版本: 2"
        );
        assert_eq!(code_label(t, &["actor"], "policy"), "系统（政策文件）");
    }

    #[test]
    fn files_for_a_reader_are_in_their_words() {
        use banyan_app::tabular::Words;
        let w = ReaderWords(Tr::new(Lang::ZhCn));
        assert_eq!(w.heading("sla_met"), "内部时限内办结");
        assert_eq!(w.heading("customer_no"), "客户号");
        assert_eq!(w.cell("kind", "complaint"), "投诉");
        assert_eq!(w.cell("kind", "individual"), "个人");
        assert_eq!(w.cell("department", "wealth"), "财富管理部");
        assert_eq!(w.cell("sla_met", "no"), "否");
        assert_eq!(w.cell("review_due", "2027-05-23"), "2027年05月23日");
        assert!(w.bom());
    }

    #[test]
    fn profile_values_are_labelled() {
        let t = Tr::new(Lang::ZhCn);
        assert_eq!(
            profile_value(t, "family_status", &serde_json::json!("divorced")),
            "离异"
        );
        assert_eq!(
            profile_value(t, "industry", &serde_json::json!("I")),
            "信息传输、软件和信息技术服务业"
        );
        assert_eq!(
            profile_value(
                t,
                "annual_revenue",
                &serde_json::json!({"currency": "CNY", "minor": 123400})
            ),
            "¥1,234.00"
        );
    }
}

/// A count with thousands separators, as all three languages write it: 12,345.
pub(crate) fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

#[cfg(test)]
mod count_tests {
    #[test]
    fn counts_are_grouped_by_thousands() {
        assert_eq!(super::thousands(0), "0");
        assert_eq!(super::thousands(999), "999");
        assert_eq!(super::thousands(1000), "1,000");
        assert_eq!(super::thousands(1234567), "1,234,567");
    }
}
