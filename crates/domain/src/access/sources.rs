//! The addresses a service account may call from: single addresses and networks (CIDR), IPv4 and IPv6.
//!
//! A token that leaks is useless outside the bank's own systems: a call from any other address is refused
//! as if the token did not exist. Written by hand (prefix masks over `u128`): a dependency for twenty lines
//! of arithmetic would not pay for itself.

use std::net::IpAddr;

/// At most this many entries (a service runs from a handful of hosts or one or two subnets).
pub const MAX_ENTRIES: usize = 20;

/// One allowed address or network.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Network {
    addr: IpAddr,
    prefix: u8,
}

impl Network {
    /// Parses `10.1.2.3`, `10.1.0.0/16`, `::1` or `fd00::/8`. Host bits below the prefix must be zero, so
    /// that `10.1.2.3/16` (most likely a typing error) is refused rather than silently widened.
    pub fn parse(s: &str) -> Result<Network, &'static str> {
        let s = s.trim();
        let (a, p) = match s.split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (s, None),
        };
        let addr: IpAddr = a
            .parse()
            .map_err(|_| "must be an IP address or a network such as 10.1.0.0/16")?;
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let prefix = match p {
            None => max,
            Some(p) => p
                .parse::<u8>()
                .ok()
                .filter(|n| (1..=max).contains(n))
                .ok_or("the prefix length must be 1-32 (IPv4) or 1-128 (IPv6); /0 would be every address")?,
        };
        // An IPv4 network written as IPv4-mapped IPv6 is that IPv4 network (calls are compared as IPv4).
        let (addr, prefix) = match addr {
            IpAddr::V6(v6) if prefix >= 96 => match v6.to_ipv4_mapped() {
                Some(v4) => (IpAddr::V4(v4), prefix - 96),
                None => (addr, prefix),
            },
            _ => (addr, prefix),
        };
        if prefix == 0 {
            return Err(
                "the prefix length must be 1-32 (IPv4) or 1-128 (IPv6); /0 would be every address",
            );
        }
        let n = Network { addr, prefix };
        let max = if addr.is_ipv4() { 32 } else { 128 };
        if bits(addr) & !mask(prefix, max) != 0 {
            return Err(
                "the address has bits set below the prefix; write the network's first address",
            );
        }
        Ok(n)
    }

    /// Whether `ip` lies in this network (an IPv4 address sent as IPv4-mapped IPv6 counts as IPv4).
    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = match ip {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
            v4 => v4,
        };
        if ip.is_ipv4() != self.addr.is_ipv4() {
            return false;
        }
        let max = if ip.is_ipv4() { 32 } else { 128 };
        let m = mask(self.prefix, max);
        bits(ip) & m == bits(self.addr) & m
    }
}

impl std::fmt::Display for Network {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let max = if self.addr.is_ipv4() { 32 } else { 128 };
        if self.prefix == max {
            write!(f, "{}", self.addr)
        } else {
            write!(f, "{}/{}", self.addr, self.prefix)
        }
    }
}

fn bits(ip: IpAddr) -> u128 {
    match ip {
        IpAddr::V4(a) => u128::from(u32::from(a)),
        IpAddr::V6(a) => u128::from(a),
    }
}

/// The mask of a prefix of `prefix` bits in an address of `max` bits, right-aligned in a `u128`.
fn mask(prefix: u8, max: u8) -> u128 {
    let all: u128 = if max == 128 {
        u128::MAX
    } else {
        (1u128 << max) - 1
    };
    if prefix == 0 {
        0
    } else {
        all & !((1u128 << (max - prefix)) - 1)
    }
}

/// A service account's allowed sources: never empty.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AllowList(Vec<Network>);

/// Why an allow-list was refused: the rule, and the entry (by position) that broke it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AllowListError {
    pub rule: &'static str,
    pub entry: Option<usize>,
    pub message: &'static str,
}

impl AllowList {
    /// Parses entries (blank ones skipped; duplicates kept once).
    pub fn parse<'a>(
        entries: impl IntoIterator<Item = &'a str>,
    ) -> Result<AllowList, AllowListError> {
        let mut out: Vec<Network> = Vec::new();
        for (i, e) in entries.into_iter().enumerate() {
            if e.trim().is_empty() {
                continue;
            }
            let n = Network::parse(e).map_err(|message| AllowListError {
                rule: "format",
                entry: Some(i),
                message,
            })?;
            if !out.contains(&n) {
                out.push(n);
            }
        }
        if out.is_empty() {
            return Err(AllowListError {
                rule: "required",
                entry: None,
                message: "name at least one address or network the service calls from",
            });
        }
        if out.len() > MAX_ENTRIES {
            return Err(AllowListError {
                rule: "max_items",
                entry: None,
                message: "at most 20 addresses or networks",
            });
        }
        Ok(AllowList(out))
    }

    /// Reads the stored form (entries separated by spaces).
    pub fn from_stored(s: &str) -> Result<AllowList, AllowListError> {
        AllowList::parse(s.split_whitespace())
    }

    /// The stored form: entries separated by single spaces.
    pub fn to_stored(&self) -> String {
        self.entries().join(" ")
    }

    pub fn entries(&self) -> Vec<String> {
        self.0.iter().map(ToString::to_string).collect()
    }

    /// Whether a call from `source` (as the server saw it) is allowed; an address it cannot read is not.
    pub fn allows(&self, source: &str) -> bool {
        source
            .parse::<IpAddr>()
            .is_ok_and(|ip| self.0.iter().any(|n| n.contains(ip)))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn networks_contain_their_addresses_only() {
        let l = AllowList::parse(["10.1.0.0/16", "192.168.5.7", "fd00::/8"]).unwrap();
        assert!(l.allows("10.1.255.3"));
        assert!(!l.allows("10.2.0.1"));
        assert!(l.allows("192.168.5.7"));
        assert!(!l.allows("192.168.5.8"));
        assert!(l.allows("fd12::1"));
        assert!(!l.allows("fe80::1"));
        assert!(
            l.allows("::ffff:10.1.0.9"),
            "IPv4-mapped IPv6 is the IPv4 address"
        );
        assert!(!l.allows("unknown"));
    }

    #[test]
    fn a_network_written_with_host_bits_or_a_bad_prefix_is_refused() {
        assert!(Network::parse("10.1.2.3/16").is_err());
        assert!(Network::parse("10.0.0.0/33").is_err());
        assert!(Network::parse("ten.0.0.1").is_err());
        assert_eq!(
            AllowList::parse(["10.0.0.1", "x"]).unwrap_err().entry,
            Some(1)
        );
        assert_eq!(AllowList::parse([" "]).unwrap_err().rule, "required");
    }

    #[test]
    fn the_stored_form_reads_back_the_same() {
        let l = AllowList::parse(["10.0.0.0/8", "::1", "10.0.0.0/8"]).unwrap();
        assert_eq!(l.to_stored(), "10.0.0.0/8 ::1");
        assert_eq!(AllowList::from_stored(&l.to_stored()).unwrap(), l);
        assert!(
            AllowList::parse(["0.0.0.0/0"]).is_err(),
            "every address is no allow-list"
        );
        let mapped = AllowList::parse(["::ffff:10.0.0.0/104"]).unwrap();
        assert_eq!(mapped.entries(), vec!["10.0.0.0/8"]);
        assert!(mapped.allows("10.9.9.9") && mapped.allows("::ffff:10.9.9.9"));
    }
}
