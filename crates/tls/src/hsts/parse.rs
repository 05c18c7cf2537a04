//! The `Strict-Transport-Security` header, parsed with the rules and issue codes of Chromium's
//! hstspreload (`header.go`): case-insensitive directives split on `;`, an all-digit `max-age`
//! (quoted values are refused), repeated and unknown directives as warnings.

/// A parsed header and what was wrong with it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Hsts {
    pub max_age: Option<u64>,
    pub include_subdomains: bool,
    pub preload: bool,
    /// hstspreload error codes: the header is not usable as written.
    pub errors: Vec<&'static str>,
    /// hstspreload warning codes.
    pub warnings: Vec<&'static str>,
}

pub fn parse(header: &str) -> Hsts {
    let mut hsts = Hsts::default();
    let directives: Vec<&str> = header.split(';').map(str::trim).collect();
    if directives == [""] {
        hsts.warnings.push("header.parse.empty");
        return hsts;
    }
    for directive in directives {
        let lower = directive.to_ascii_lowercase();
        if lower == "preload" {
            if hsts.preload {
                push_unique(&mut hsts.warnings, "header.parse.repeated.preload");
            }
            hsts.preload = true;
        } else if lower.starts_with("preload") {
            push_unique(&mut hsts.warnings, "header.parse.invalid.preload");
        } else if lower == "includesubdomains" {
            if hsts.include_subdomains {
                push_unique(
                    &mut hsts.warnings,
                    "header.parse.repeated.include_sub_domains",
                );
            }
            hsts.include_subdomains = true;
        } else if lower.starts_with("includesubdomains") {
            push_unique(
                &mut hsts.warnings,
                "header.parse.invalid.include_sub_domains",
            );
        } else if let Some(value) = lower.strip_prefix("max-age=") {
            if value.len() > 1 && value.starts_with('0') {
                push_unique(&mut hsts.warnings, "header.parse.max_age.leading_zero");
            }
            if !value.bytes().all(|b| b.is_ascii_digit()) {
                hsts.errors
                    .push("header.parse.max_age.non_digit_characters");
                continue;
            }
            let Ok(seconds) = value.parse::<u64>() else {
                hsts.errors.push("header.parse.max_age.parse_int_error");
                continue;
            };
            if hsts.max_age.is_some() {
                push_unique(&mut hsts.warnings, "header.parse.repeated.max_age");
            } else {
                hsts.max_age = Some(seconds);
            }
        } else if lower.starts_with("max-age") {
            push_unique(&mut hsts.errors, "header.parse.invalid.max_age.no_value");
        } else if lower.is_empty() {
            push_unique(&mut hsts.warnings, "header.parse.empty_directive");
        } else {
            hsts.warnings.push("header.parse.unknown_directive");
        }
    }
    hsts
}

/// hstspreload's `PreloadableHeader` with the `bulk-1-year` policy: error codes only.
pub fn preload_issues(hsts: &Hsts) -> Vec<&'static str> {
    let mut issues = Vec::new();
    if !hsts.include_subdomains {
        issues.push("header.preloadable.include_sub_domains.missing");
    }
    if !hsts.preload {
        issues.push("header.preloadable.preload.missing");
    }
    match hsts.max_age {
        None => issues.push("header.preloadable.max_age.missing"),
        Some(0) => issues.push("header.preloadable.max_age.zero"),
        Some(seconds) if seconds < 31_536_000 => {
            issues.push("header.preloadable.max_age.below_1_year")
        }
        Some(_) => {}
    }
    issues
}

fn push_unique(list: &mut Vec<&'static str>, code: &'static str) {
    if !list.contains(&code) {
        list.push(code);
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn a_preloadable_header() {
        let hsts = parse("max-age=63072000; includeSubDomains; preload");
        assert_eq!(hsts.max_age, Some(63_072_000));
        assert!(hsts.include_subdomains && hsts.preload);
        assert!(hsts.errors.is_empty() && hsts.warnings.is_empty());
        assert!(preload_issues(&hsts).is_empty());
    }

    #[test]
    fn hstspreload_codes() {
        assert_eq!(
            parse("max-age=\"31536000\"").errors,
            ["header.parse.max_age.non_digit_characters"]
        );
        assert_eq!(
            parse("max-age").errors,
            ["header.parse.invalid.max_age.no_value"]
        );
        assert_eq!(
            parse("max-age=99999999999999999999").errors,
            ["header.parse.max_age.parse_int_error"]
        );
        assert_eq!(parse("").warnings, ["header.parse.empty"]);
        let odd = parse("MAX-AGE=0100;; includesubdomains; includeSubDomains; preload=yes; foo");
        assert_eq!(odd.max_age, Some(100));
        assert!(odd.include_subdomains && !odd.preload);
        assert_eq!(
            odd.warnings,
            [
                "header.parse.max_age.leading_zero",
                "header.parse.empty_directive",
                "header.parse.repeated.include_sub_domains",
                "header.parse.invalid.preload",
                "header.parse.unknown_directive"
            ]
        );
        assert_eq!(
            preload_issues(&odd),
            [
                "header.preloadable.preload.missing",
                "header.preloadable.max_age.below_1_year"
            ]
        );
        assert_eq!(
            preload_issues(&parse("max-age=0")).last(),
            Some(&"header.preloadable.max_age.zero")
        );
        assert_eq!(parse("max-age=10; max-age=20").max_age, Some(10));
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 2_000, ..ProptestConfig::default() })]

        #[test]
        fn never_panics(header in ".{0,200}") {
            let _ = parse(&header);
        }

        #[test]
        fn directives_are_case_and_space_insensitive(
            age in 0u64..1_000_000_000,
            upper in any::<bool>(),
            pad in " {0,3}",
        ) {
            let header = format!("{pad}max-age={age}{pad};{pad}includeSubDomains{pad};preload");
            let header = if upper { header.to_ascii_uppercase() } else { header };
            let hsts = parse(&header);
            prop_assert_eq!(hsts.max_age, Some(age));
            prop_assert!(hsts.include_subdomains && hsts.preload);
            prop_assert!(hsts.errors.is_empty());
        }
    }
}
