//! Canary markers: strings planted in exactly one tenant's data. A cross-tenant finding needs one
//! in the answer, never a status alone; its evidence says where the marker was, never the data
//! around it.

use launchguard_core::{Finding, Redacted};

/// Shortest canary accepted: shorter strings turn up by chance.
pub(crate) const MIN_CANARY_CHARS: usize = 8;

/// Where a canary appeared in a body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Sighting {
    /// Which of the tenant's canaries (its index in the configuration).
    pub canary: usize,
    /// Byte offset in the body.
    pub offset: usize,
    /// 1-based line of the body.
    pub line: usize,
}

/// The first of `canaries` found in `body`.
pub(crate) fn find(body: &[u8], canaries: &[String]) -> Option<Sighting> {
    canaries
        .iter()
        .enumerate()
        .filter_map(|(index, canary)| {
            memchr::memmem::find(body, canary.as_bytes()).map(|offset| Sighting {
                canary: index,
                offset,
                line: body[..offset].iter().filter(|b| **b == b'\n').count() + 1,
            })
        })
        .min_by_key(|s| s.offset)
}

impl Sighting {
    /// The sighting as evidence: the canary reduced to its fingerprint, the offset and the line.
    pub fn evidence(&self, canaries: &[String], finding: Finding) -> Finding {
        finding
            .with_evidence(
                "canary",
                Redacted::with_type_prefix(&canaries[self.canary], ""),
            )
            .with_evidence("canary_offset", self.offset as u64)
            .with_evidence("canary_line", self.line as u64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_earliest_canary_with_its_line() {
        let canaries = vec!["lg-canary-b-2".to_owned(), "lg-canary-b-1".to_owned()];
        let body = b"{\"a\":1,\n\"note\":\"x lg-canary-b-1 y lg-canary-b-2\"}";
        let seen = find(body, &canaries).unwrap();
        assert_eq!(seen.canary, 1);
        assert_eq!(seen.line, 2);
        assert_eq!(&body[seen.offset..seen.offset + 13], b"lg-canary-b-1");
        assert_eq!(find(b"nothing here", &canaries), None);
    }
}
