//! Address ranges for the webhook's source allow-list.

use std::fmt;
use std::net::IpAddr;
use std::str::FromStr;

/// A range of addresses in CIDR notation (`203.0.113.0/24`, `2001:db8::/32`)
/// or a single address (`203.0.113.7`, a /32 or /128).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct IpNet {
    addr: IpAddr,
    prefix: u8,
}

impl IpNet {
    /// The range of `addr`'s first `prefix` bits.
    ///
    /// # Errors
    /// When `prefix` is longer than the address (32 bits for IPv4, 128 for IPv6).
    pub fn new(addr: IpAddr, prefix: u8) -> Result<Self, IpNetError> {
        let addr = addr.to_canonical();
        if prefix > max_prefix(addr) {
            return Err(IpNetError(format!(
                "/{prefix} is longer than an address of {addr}"
            )));
        }
        Ok(Self { addr, prefix })
    }

    /// Whether `ip` is in the range (an IPv4-mapped IPv6 address counts as IPv4).
    pub fn contains(&self, ip: IpAddr) -> bool {
        match (self.addr, ip.to_canonical()) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                same_prefix(&net.octets(), &ip.octets(), self.prefix)
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                same_prefix(&net.octets(), &ip.octets(), self.prefix)
            }
            _ => false,
        }
    }
}

fn max_prefix(addr: IpAddr) -> u8 {
    if addr.is_ipv4() { 32 } else { 128 }
}

fn same_prefix(a: &[u8], b: &[u8], prefix: u8) -> bool {
    let bits = usize::from(prefix);
    let (whole, rest) = (bits / 8, bits % 8);
    if a[..whole] != b[..whole] {
        return false;
    }
    if rest == 0 {
        return true;
    }
    let mask = 0xffu8 << (8 - rest);
    a[whole] & mask == b[whole] & mask
}

impl FromStr for IpNet {
    type Err = IpNetError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let text = text.trim();
        let bad = || IpNetError(format!("{text:?} is not an address or CIDR range"));
        let (addr, prefix) = match text.split_once('/') {
            Some((addr, prefix)) => (addr, Some(prefix)),
            None => (text, None),
        };
        let addr: IpAddr = addr.parse().map_err(|_| bad())?;
        let prefix = match prefix {
            Some(p) => p.parse().map_err(|_| bad())?,
            None => max_prefix(addr.to_canonical()),
        };
        Self::new(addr, prefix)
    }
}

impl fmt::Display for IpNet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.addr, self.prefix)
    }
}

/// A text that is not an address range.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct IpNetError(String);

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn ranges_contain_their_addresses_only() {
        let net: IpNet = "203.0.113.0/24".parse().unwrap();
        assert!(net.contains(ip("203.0.113.0")));
        assert!(net.contains(ip("203.0.113.255")));
        assert!(!net.contains(ip("203.0.114.1")));
        assert!(net.contains(ip("::ffff:203.0.113.9")), "IPv4-mapped IPv6");
        assert!(!net.contains(ip("2001:db8::1")));
        let odd: IpNet = "10.0.0.0/9".parse().unwrap();
        assert!(odd.contains(ip("10.127.255.255")));
        assert!(!odd.contains(ip("10.128.0.0")));
        let one: IpNet = "198.51.100.7".parse().unwrap();
        assert!(one.contains(ip("198.51.100.7")));
        assert!(!one.contains(ip("198.51.100.8")));
        let v6: IpNet = "2001:db8::/32".parse().unwrap();
        assert!(v6.contains(ip("2001:db8:ffff::1")));
        assert!(!v6.contains(ip("2001:db9::1")));
        let all: IpNet = "0.0.0.0/0".parse().unwrap();
        assert!(all.contains(ip("8.8.8.8")));
        assert_eq!(v6.to_string(), "2001:db8::/32");
    }

    #[test]
    fn bad_ranges_are_refused() {
        for text in ["", "1.2.3", "1.2.3.4/33", "::/129", "1.2.3.4/x", "host"] {
            assert!(text.parse::<IpNet>().is_err(), "{text}");
        }
    }
}
