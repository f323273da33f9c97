//! The two languages athm speaks to people: Spanish and English.

use std::fmt;

/// A language a message can be given in. ATH Móvil publishes its error
/// texts in both; the admin pages and the checkout API answer in either.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Language {
    /// Spanish (`es`).
    Es,
    /// English (`en`).
    En,
}

impl Language {
    /// Both languages.
    pub const ALL: [Language; 2] = [Language::Es, Language::En];

    /// The ISO 639-1 code: `es` or `en`.
    pub fn code(self) -> &'static str {
        match self {
            Self::Es => "es",
            Self::En => "en",
        }
    }

    /// The language of a BCP 47 tag (`es`, `es-PR`, `EN_us`…) by its primary
    /// subtag; `None` for any other language, `*` or an empty tag.
    pub fn from_tag(tag: &str) -> Option<Self> {
        let primary = tag.trim().split(['-', '_']).next().unwrap_or_default();
        if primary.eq_ignore_ascii_case("es") {
            Some(Self::Es)
        } else if primary.eq_ignore_ascii_case("en") {
            Some(Self::En)
        } else {
            None
        }
    }
}

impl fmt::Display for Language {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tag_is_known_by_its_primary_subtag_only() {
        let table = [
            ("es", Some(Language::Es)),
            ("es-PR", Some(Language::Es)),
            (" ES_us ", Some(Language::Es)),
            ("en-US", Some(Language::En)),
            ("en", Some(Language::En)),
            ("est", None),
            ("eng", None),
            ("fr-CA", None),
            ("*", None),
            ("", None),
        ];
        for (tag, language) in table {
            assert_eq!(Language::from_tag(tag), language, "{tag:?}");
        }
    }
}
