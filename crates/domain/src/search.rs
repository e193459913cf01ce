//! Search terms of a customer's name: what a person may type to find it.
//!
//! A name is indexed as the suffixes of its forms, so that a prefix match on a term is a substring match on
//! the name: "张三" finds "测试张三" through the suffix "张三". The forms are the name itself (a suffix at
//! every Chinese character and at every Latin word), its full pinyin (a suffix at every syllable: "wang"
//! and "xiaoming" find 王小明) and its initials ("wxm", "xm"). Characters with several readings give up to
//! [`MAX_READINGS`] variants, the surname's readings first (单 is "shan" as a surname, "dan" otherwise).
//! Terms are normalised the way a query is: lower case, no spaces or punctuation.

use pinyin::ToPinyinMulti;
use std::collections::BTreeSet;

/// At most this many pinyin spellings of one name (heteronyms multiply).
pub const MAX_READINGS: usize = 3;
/// Suffixes start at most this many characters (or syllables) into a name: long company names would
/// otherwise give hundreds of terms, and nobody types the last word of a 30-character name alone.
pub const MAX_STARTS: usize = 16;
/// A term is cut at this many characters; a query longer than that is cut the same way.
pub const MAX_TERM_CHARS: usize = 40;

/// The form of a query or a term: lower case, without whitespace and punctuation.
pub fn normalize(s: &str) -> String {
    s.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .take(MAX_TERM_CHARS)
        .collect()
}

/// Every term that should find a customer with this display name (and Latin name, if recorded).
pub fn name_terms(display_name: &str, latin: Option<&str>) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for name in std::iter::once(display_name).chain(latin) {
        word_suffixes(name, &mut out);
    }
    for spelling in spellings(display_name) {
        let full: Vec<String> = spelling.iter().map(|s| normalize(s)).collect();
        let initials: Vec<String> = full
            .iter()
            .map(|s| s.chars().next().map(String::from).unwrap_or_default())
            .collect();
        for start in 0..full.len().min(MAX_STARTS) {
            push(&mut out, full[start..].concat());
        }
        // Initials from each syllable on, down to two letters.
        for start in 0..initials.len().saturating_sub(1).min(MAX_STARTS) {
            push(&mut out, initials[start..].concat());
        }
    }
    out
}

/// Suffixes of a name starting at each Chinese character and at the start of each Latin word or number.
fn word_suffixes(name: &str, out: &mut BTreeSet<String>) {
    let chars: Vec<char> = name.chars().collect();
    let mut starts = 0;
    for (i, c) in chars.iter().enumerate() {
        if starts == MAX_STARTS {
            break;
        }
        let word_start = c.is_alphanumeric()
            && (!is_latin_or_digit(*c) || i == 0 || !is_latin_or_digit(chars[i - 1]));
        if word_start {
            push(out, normalize(&chars[i..].iter().collect::<String>()));
            starts += 1;
        }
    }
}

fn is_latin_or_digit(c: char) -> bool {
    c.is_ascii_alphanumeric() || (c.is_alphabetic() && (c as u32) < 0x2E80)
}

fn push(out: &mut BTreeSet<String>, term: String) {
    let term: String = term.chars().take(MAX_TERM_CHARS).collect();
    if !term.is_empty() {
        out.insert(term);
    }
}

/// The pinyin spellings of a name, syllable by syllable (a character without a reading stands for
/// itself): one per reading of the first character (a surname such as 单 is "shan", 曾 is "zeng", while the
/// common reading of the character is another), up to [`MAX_READINGS`], the other characters in their most
/// common reading. Every further spelling multiplies the index rows a customer costs on every write.
/// Empty when the name has no Chinese character.
fn spellings(name: &str) -> Vec<Vec<String>> {
    let mut first: Vec<String> = Vec::new();
    let mut rest: Vec<String> = Vec::new();
    let mut any_han = false;
    for (i, (c, multi)) in name.chars().zip(name.to_pinyin_multi()).enumerate() {
        let readings: Vec<String> = match multi {
            Some(m) => {
                any_han = true;
                let mut r: Vec<String> = Vec::new();
                for p in m.into_iter() {
                    let s = p.plain().to_owned();
                    if !r.contains(&s) {
                        r.push(s);
                    }
                }
                r
            }
            None if c.is_alphanumeric() => vec![c.to_lowercase().collect()],
            None => continue,
        };
        if i == 0 {
            first = readings.into_iter().take(MAX_READINGS).collect();
        } else if let Some(r) = readings.into_iter().next() {
            rest.push(r);
        }
    }
    if !any_han {
        return Vec::new();
    }
    if first.is_empty() {
        // The first character was punctuation: spell from the rest.
        return vec![rest];
    }
    first
        .into_iter()
        .map(|f| std::iter::once(f).chain(rest.iter().cloned()).collect())
        .collect()
}

/// What a query looks like, for choosing how to match it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum QueryShape {
    /// Exactly four digits: the end of a mobile number.
    MobileTail(String),
    /// Anything else with letters or digits: a prefix of a term.
    Term(String),
    Empty,
}

/// Reads a query typed into a search box.
pub fn query_shape(q: &str) -> QueryShape {
    let t = q.trim();
    if t.len() == 4 && t.bytes().all(|b| b.is_ascii_digit()) {
        return QueryShape::MobileTail(t.to_owned());
    }
    match normalize(t) {
        n if n.is_empty() => QueryShape::Empty,
        n => QueryShape::Term(n),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finds(name: &str, q: &str) -> bool {
        let QueryShape::Term(q) = query_shape(q) else {
            return false;
        };
        name_terms(name, None).iter().any(|t| t.starts_with(&q))
    }

    #[test]
    fn chinese_substrings_are_found() {
        assert!(finds("测试张三", "张三"));
        assert!(finds("测试张三", "试张"));
        assert!(finds("测试张三", "测试张三"));
        assert!(!finds("测试张三", "张四"));
    }

    #[test]
    fn full_pinyin_and_initials_are_found() {
        assert!(finds("王小明", "wang"));
        assert!(finds("王小明", "WangXiao"));
        assert!(finds("王小明", "wang xiao ming"));
        assert!(finds("王小明", "xiaoming"));
        assert!(finds("王小明", "wxm"));
        assert!(finds("张三", "zs"));
        assert!(finds("王小明", "xm"));
        assert!(!finds("王小明", "zhang"));
    }

    #[test]
    fn surnames_with_several_readings_are_found_by_each() {
        assert!(finds("单田芳", "shantianfang"));
        assert!(finds("单田芳", "dan"));
        assert!(finds("曾国藩", "zengguofan"));
        assert!(finds("解放", "xie"));
    }

    #[test]
    fn latin_names_match_by_word() {
        let terms = name_terms("Acme Trading Ltd", Some("acme trading ltd"));
        assert!(terms.iter().any(|t| t.starts_with("trad")));
        assert!(terms.iter().any(|t| t.starts_with("acmetr")));
        assert!(!terms.iter().any(|t| t.starts_with("cme")));
        assert!(finds("北京ABC科技有限公司", "abc"));
        assert!(finds("北京ABC科技有限公司", "科技"));
        assert!(finds("北京ABC科技有限公司", "bjabc"));
    }

    #[test]
    fn terms_stay_bounded_for_long_names() {
        let long = "中华人民共和国北京市朝阳区某某某某某科技发展股份有限公司第一分公司";
        let terms = name_terms(long, None);
        assert!(
            terms.len() <= MAX_STARTS * (1 + 2 * MAX_READINGS),
            "{}",
            terms.len()
        );
        assert!(terms.iter().all(|t| t.chars().count() <= MAX_TERM_CHARS));
    }

    #[test]
    fn a_name_costs_few_rows() {
        // 3 characters, 3 pinyin suffixes, 2 initials suffixes; 王 has a second reading (yu): 5 more.
        assert!(
            name_terms("王小明", None).len() <= 13,
            "{:?}",
            name_terms("王小明", None)
        );
        assert_eq!(name_terms("张三", None).len(), 2 + 2 + 1);
    }

    #[test]
    fn four_digits_are_a_mobile_tail() {
        assert_eq!(query_shape(" 5678 "), QueryShape::MobileTail("5678".into()));
        assert_eq!(query_shape("56789"), QueryShape::Term("56789".into()));
        assert_eq!(query_shape(" ·- "), QueryShape::Empty);
    }
}
