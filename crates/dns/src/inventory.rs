//! The addresses the product owns: single addresses and CIDR blocks.

use std::net::IpAddr;

use launchguard_core::config::Invalid;
use toml::Spanned;

/// One block: an address and how many leading bits must match.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Block {
    network: IpAddr,
    prefix: u8,
}

impl Block {
    fn contains(&self, address: IpAddr) -> bool {
        match (self.network, address) {
            (IpAddr::V4(net), IpAddr::V4(addr)) => prefix_matches(
                u128::from(u32::from(net)) << 96,
                u128::from(u32::from(addr)) << 96,
                self.prefix,
            ),
            (IpAddr::V6(net), IpAddr::V6(addr)) => {
                prefix_matches(u128::from(net), u128::from(addr), self.prefix)
            }
            _ => false,
        }
    }
}

fn prefix_matches(network: u128, address: u128, prefix: u8) -> bool {
    if prefix == 0 {
        return true;
    }
    let mask = u128::MAX << (128 - u32::from(prefix));
    network & mask == address & mask
}

/// The declared inventory; empty when none was declared.
#[derive(Debug, Clone, Default)]
pub struct Inventory {
    blocks: Vec<Block>,
}

impl Inventory {
    pub fn parse(written: &[Spanned<String>]) -> Result<Self, Invalid> {
        let mut blocks = Vec::new();
        for entry in written {
            let text = entry.get_ref().trim();
            let (address, prefix) = match text.split_once('/') {
                Some((address, prefix)) => (address, Some(prefix)),
                None => (text, None),
            };
            let network: IpAddr = address.parse().map_err(|_| {
                Invalid::at(
                    entry,
                    "write an IP address or a CIDR block: `203.0.113.10`, `198.51.100.0/24`",
                )
            })?;
            let longest = if network.is_ipv4() { 32 } else { 128 };
            let prefix = match prefix {
                None => longest,
                Some(prefix) => prefix
                    .parse::<u8>()
                    .ok()
                    .filter(|p| *p <= longest)
                    .ok_or_else(|| {
                        Invalid::at(entry, format!("the prefix length must be 0 to {longest}"))
                    })?,
            };
            blocks.push(Block { network, prefix });
        }
        Ok(Inventory { blocks })
    }

    pub fn is_empty(&self) -> bool {
        self.blocks.is_empty()
    }

    pub fn contains(&self, address: IpAddr) -> bool {
        self.blocks.iter().any(|block| block.contains(address))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inventory(entries: &[&str]) -> Result<Inventory, Invalid> {
        let written: Vec<Spanned<String>> = entries
            .iter()
            .map(|e| Spanned::new(0..0, (*e).to_owned()))
            .collect();
        Inventory::parse(&written)
    }

    #[test]
    fn addresses_and_blocks_match_their_members_only() {
        let inv = inventory(&["203.0.113.10", "198.51.100.0/24", "2001:db8::/32"]).unwrap();
        for inside in ["203.0.113.10", "198.51.100.77", "2001:db8:1::5"] {
            assert!(inv.contains(inside.parse().unwrap()), "{inside}");
        }
        for outside in [
            "203.0.113.11",
            "198.51.101.1",
            "2001:db9::1",
            "::ffff:198.51.100.77",
        ] {
            assert!(!inv.contains(outside.parse().unwrap()), "{outside}");
        }
    }

    #[test]
    fn malformed_entries_are_refused() {
        for bad in ["10.0.0.0/33", "example.com", "10.0.0/8", "::/129"] {
            assert!(inventory(&[bad]).is_err(), "{bad}");
        }
    }
}
