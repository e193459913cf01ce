//! The workbench's words in zh-CN (default), zh-TW and en, and the localisation of validation rules.

/// A supported language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    ZhCn,
    ZhTw,
    En,
}

impl Lang {
    pub const ALL: [Lang; 3] = [Lang::ZhCn, Lang::ZhTw, Lang::En];
    pub fn code(self) -> &'static str {
        match self {
            Lang::ZhCn => "zh-CN",
            Lang::ZhTw => "zh-TW",
            Lang::En => "en",
        }
    }
    pub fn parse(s: &str) -> Option<Lang> {
        Lang::ALL
            .into_iter()
            .find(|l| l.code().eq_ignore_ascii_case(s))
    }
    /// The language's own name, for the switcher.
    pub fn name(self) -> &'static str {
        match self {
            Lang::ZhCn => "简体中文",
            Lang::ZhTw => "繁體中文",
            Lang::En => "English",
        }
    }
}

/// Looks up words for one language.
#[derive(Debug, Clone, Copy)]
pub struct Tr {
    pub lang: Lang,
}

/// A catalog: `lookup(lang, key)` and, for the completeness test, its `KEYS`.
macro_rules! catalog {
    ($($key:literal => [$cn:literal, $tw:literal, $en:literal]),* $(,)?) => {
        pub(super) fn lookup(lang: Lang, key: &str) -> Option<&'static str> {
            match key {
                $($key => Some(match lang { Lang::ZhCn => $cn, Lang::ZhTw => $tw, Lang::En => $en }),)*
                _ => None,
            }
        }
        pub(super) const KEYS: &[&str] = &[$($key),*];
    };
}
pub(crate) use catalog;

mod acquisition;
mod acquisition_import;
mod acquisition_risk;
mod book;
mod care;
mod codes;
mod merge;
mod monitoring;
mod outbound;
mod performance;
mod rewards;
mod rights;
mod service;
mod sso;
mod training;
mod wealth;
mod wealth_plan;
mod words;

/// One registry of display labels: the workbench's words, the labels of codes, and the book's (products,
/// accounts, loads) in a file of its own.
fn lookup(lang: Lang, key: &str) -> Option<&'static str> {
    words::lookup(lang, key)
        .or_else(|| codes::lookup(lang, key))
        .or_else(|| book::lookup(lang, key))
        .or_else(|| monitoring::lookup(lang, key))
        .or_else(|| acquisition::lookup(lang, key))
        .or_else(|| acquisition_risk::lookup(lang, key))
        .or_else(|| acquisition_import::lookup(lang, key))
        .or_else(|| care::lookup(lang, key))
        .or_else(|| wealth::lookup(lang, key))
        .or_else(|| wealth_plan::lookup(lang, key))
        .or_else(|| performance::lookup(lang, key))
        .or_else(|| training::lookup(lang, key))
        .or_else(|| rewards::lookup(lang, key))
        .or_else(|| service::lookup(lang, key))
        .or_else(|| outbound::lookup(lang, key))
        .or_else(|| merge::lookup(lang, key))
        .or_else(|| rights::lookup(lang, key))
        .or_else(|| sso::lookup(lang, key))
}

/// Every key of the registry.
fn all_keys() -> impl Iterator<Item = &'static &'static str> {
    words::KEYS
        .iter()
        .chain(codes::KEYS)
        .chain(book::KEYS)
        .chain(monitoring::KEYS)
        .chain(acquisition::KEYS)
        .chain(acquisition_risk::KEYS)
        .chain(acquisition_import::KEYS)
        .chain(care::KEYS)
        .chain(wealth::KEYS)
        .chain(wealth_plan::KEYS)
        .chain(performance::KEYS)
        .chain(training::KEYS)
        .chain(rewards::KEYS)
        .chain(service::KEYS)
        .chain(outbound::KEYS)
        .chain(merge::KEYS)
        .chain(rights::KEYS)
        .chain(sso::KEYS)
}

impl Tr {
    pub fn new(lang: Lang) -> Tr {
        Tr { lang }
    }

    /// The words for `key`; the key itself when missing (a test keeps the catalog complete).
    pub fn get<'a>(&self, key: &'a str) -> &'a str {
        lookup(self.lang, key).unwrap_or(key)
    }

    /// The words for a value of a family (`field` + `mobile`, `channel` + `sms`); the value itself when the
    /// catalog has no entry.
    pub fn of(&self, family: &str, value: &str) -> String {
        lookup(self.lang, &format!("{family}.{value}"))
            .unwrap_or(value)
            .to_owned()
    }

    /// The localised message of a validation rule, falling back to the English message of the API.
    pub fn rule<'a>(&self, rule: &str, fallback: &'a str) -> std::borrow::Cow<'a, str> {
        match lookup(self.lang, &format!("rule.{rule}")) {
            Some(s) => std::borrow::Cow::Borrowed(s),
            None => std::borrow::Cow::Borrowed(fallback),
        }
    }

    /// Every code of a family with its label, in the registry's order (`department` → the departments),
    /// for the selects that let a user pick a code by its name.
    pub fn family(&self, family: &str) -> Vec<(&'static str, &'static str)> {
        let prefix = format!("{family}.");
        all_keys()
            .filter_map(|k| {
                let code = k.strip_prefix(prefix.as_str())?;
                Some((code, lookup(self.lang, k)?))
            })
            .collect()
    }

    pub fn code(&self) -> &'static str {
        self.lang.code()
    }

    /// A stored UTC instant (`2026-11-23T02:29:08Z`) shown in the bank's time zone, in the locale's style.
    pub fn datetime(&self, tz: &jiff::tz::TimeZone, s: &str) -> String {
        match s.parse::<jiff::Timestamp>() {
            Ok(t) => {
                let z = t.to_zoned(tz.clone());
                match self.lang {
                    Lang::En => z.strftime("%d %b %Y %H:%M").to_string(),
                    _ => z.strftime("%Y年%m月%d日 %H:%M").to_string(),
                }
            }
            Err(_) => s.to_owned(),
        }
    }

    /// Who did something and when, punctuated in the locale's style ("王丽，2026年12月07日 13:00";
    /// "Wang Li, 07 Dec 2026 13:00").
    pub fn by_at(&self, who: &str, at: &str) -> String {
        self.get("by_at").replace("{who}", who).replace("{at}", at)
    }

    /// A civil date (`2027-05-23`) in the locale's style.
    pub fn date(&self, s: &str) -> String {
        match s.parse::<jiff::civil::Date>() {
            Ok(d) => match self.lang {
                Lang::En => d.strftime("%d %b %Y").to_string(),
                _ => d.strftime("%Y年%m月%d日").to_string(),
            },
            Err(_) => s.to_owned(),
        }
    }

    /// Money in minor units with its currency, grouped per locale (`¥1,234.56` / `1,234.56 CNY`).
    pub fn money(&self, minor: i64, currency: &str) -> String {
        let amount = banyan_domain::money::grouped(minor);
        match (self.lang, currency) {
            (Lang::En, _) => format!("{amount} {currency}"),
            (_, "CNY") => match amount.strip_prefix('-') {
                Some(a) => format!("-¥{a}"),
                None => format!("¥{amount}"),
            },
            _ => format!("{amount} {currency}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_has_three_different_non_empty_entries_where_scripts_differ() {
        for k in all_keys() {
            for l in Lang::ALL {
                assert!(!Tr::new(l).get(k).is_empty(), "{k} empty in {}", l.code());
            }
        }
        assert_eq!(Tr::new(Lang::ZhTw).get("nav.review"), "審核佇列");
    }

    #[test]
    fn a_key_lives_in_one_catalog_only() {
        let mut seen = std::collections::HashSet::new();
        for k in all_keys() {
            assert!(seen.insert(k), "{k} is in the registry twice");
        }
    }

    /// The merge's outcome and the person's copy name every kind of record a customer has, in words.
    #[test]
    fn every_kind_of_record_a_merge_moves_has_a_label() {
        for kind in banyan_app::customers::merge::record_kinds() {
            let key = format!("merge_table.{kind}");
            for l in Lang::ALL {
                assert_ne!(
                    Tr::new(l).get(&key),
                    key,
                    "{key} has no label in {}",
                    l.code()
                );
            }
        }
    }

    #[test]
    fn money_and_dates_follow_the_locale() {
        assert_eq!(Tr::new(Lang::ZhCn).money(123456789, "CNY"), "¥1,234,567.89");
        assert_eq!(
            Tr::new(Lang::En).money(123456789, "CNY"),
            "1,234,567.89 CNY"
        );
        assert_eq!(Tr::new(Lang::En).date("2027-05-23"), "23 May 2027");
        assert_eq!(Tr::new(Lang::ZhCn).date("2027-05-23"), "2027年05月23日");
    }

    #[test]
    fn rules_are_localised() {
        assert_eq!(Tr::new(Lang::ZhCn).rule("check_digit", "x"), "校验位错误");
        assert_eq!(Tr::new(Lang::En).rule("unheard_of", "fallback"), "fallback");
    }
}
