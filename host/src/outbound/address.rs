//! Which addresses a guest may connect to, decided on the address a name resolved to (the one
//! the host then connects to), never on the name alone.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

/// Why an address is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// Link-local, the instance metadata service among them: refused whatever the allowlist says.
    LinkLocal,
    /// The Lambda Runtime API (and extensions API): a guest reaching it could take the next
    /// invocation. Refused whatever the allowlist says.
    RuntimeApi,
    /// Unspecified, broadcast or multicast: never a web server.
    NotUnicast,
    /// Loopback or a private range: refused unless allowed by name of that very address.
    Private,
}

impl Refusal {
    /// The reason as the refusal's log line gives it.
    pub fn reason(self) -> &'static str {
        match self {
            Self::LinkLocal => "link-local or instance metadata address",
            Self::RuntimeApi => "the Lambda Runtime API address",
            Self::NotUnicast => "not a unicast address",
            Self::Private => "loopback or private address not named literally in the allowlist",
        }
    }
}

/// The instance metadata service's IPv6 address on EC2 (Nitro).
const METADATA_V6: Ipv6Addr = Ipv6Addr::new(0xfd00, 0xec2, 0, 0, 0, 0, 0, 0x254);

/// Why `address` may not be connected to, or `None` if it may. `runtime_api` are the Runtime
/// API's addresses; `private_allowed` is true when the operator named this exact address
/// (an allowlist literal or an endpoint override).
pub fn check(
    address: SocketAddr,
    runtime_api: &[SocketAddr],
    private_allowed: bool,
) -> Option<Refusal> {
    let ip = canonical(address.ip());
    if runtime_api
        .iter()
        .any(|api| canonical(api.ip()) == ip && api.port() == address.port())
    {
        return Some(Refusal::RuntimeApi);
    }
    let class = classify(ip)?;
    (class != Refusal::Private || !private_allowed).then_some(class)
}

/// An IPv4 address written as IPv6 is that IPv4 address: mapped (`::ffff:169.254.169.254`) or
/// behind the well-known NAT64 prefix (`64:ff9b::a9fe:a9fe`).
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) if v6.segments()[..6] == [0x64, 0xff9b, 0, 0, 0, 0] => {
            let [.., a, b, c, d] = v6.octets();
            IpAddr::V4(Ipv4Addr::new(a, b, c, d))
        }
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        IpAddr::V4(_) => ip,
    }
}

fn classify(ip: IpAddr) -> Option<Refusal> {
    match ip {
        IpAddr::V4(v4) => classify_v4(v4),
        IpAddr::V6(v6) => classify_v6(v6),
    }
}

fn classify_v4(ip: Ipv4Addr) -> Option<Refusal> {
    let [a, b, ..] = ip.octets();
    if ip.is_link_local() {
        Some(Refusal::LinkLocal)
    } else if ip.is_unspecified() || ip.is_broadcast() || ip.is_multicast() || a == 0 || a >= 240 {
        Some(Refusal::NotUnicast)
    } else if ip.is_loopback()
        || ip.is_private()
        // Carrier-grade NAT (100.64.0.0/10): not the public internet either.
        || (a == 100 && (64..128).contains(&b))
    {
        Some(Refusal::Private)
    } else {
        None
    }
}

fn classify_v6(ip: Ipv6Addr) -> Option<Refusal> {
    let first = ip.segments()[0];
    if ip == METADATA_V6 || (first & 0xffc0) == 0xfe80 {
        Some(Refusal::LinkLocal)
    } else if ip.is_unspecified() || ip.is_multicast() {
        Some(Refusal::NotUnicast)
    } else if ip.is_loopback() || (first & 0xfe00) == 0xfc00 {
        // Unique local addresses (fc00::/7) are IPv6's private ranges.
        Some(Refusal::Private)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(ip: &str, port: u16) -> SocketAddr {
        SocketAddr::new(ip.parse().unwrap(), port)
    }

    #[test]
    fn metadata_and_link_local_are_refused_even_when_named() {
        for ip in [
            "169.254.169.254",
            "169.254.0.1",
            "::ffff:169.254.169.254",
            "64:ff9b::a9fe:a9fe",
            "fd00:ec2::254",
            "fe80::1",
        ] {
            assert_eq!(
                check(at(ip, 80), &[], true),
                Some(Refusal::LinkLocal),
                "{ip}"
            );
        }
    }

    #[test]
    fn the_runtime_api_is_refused_even_when_named_but_its_other_ports_are_only_private() {
        let api = [at("127.0.0.1", 9001)];
        assert_eq!(
            check(at("127.0.0.1", 9001), &api, true),
            Some(Refusal::RuntimeApi)
        );
        assert_eq!(
            check(at("::ffff:127.0.0.1", 9001), &api, true),
            Some(Refusal::RuntimeApi)
        );
        assert_eq!(check(at("127.0.0.1", 9002), &api, true), None);
        assert_eq!(
            check(at("127.0.0.1", 9002), &api, false),
            Some(Refusal::Private)
        );
    }

    #[test]
    fn private_ranges_need_a_literal_entry() {
        for ip in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "100.64.0.1",
            "::1",
            "fd12::1",
        ] {
            assert_eq!(
                check(at(ip, 80), &[], false),
                Some(Refusal::Private),
                "{ip}"
            );
            assert_eq!(check(at(ip, 80), &[], true), None, "{ip}");
        }
    }

    #[test]
    fn public_addresses_pass_and_non_unicast_never_do() {
        for ip in ["52.94.0.1", "172.32.0.1", "2600:1f18::1"] {
            assert_eq!(check(at(ip, 443), &[], false), None, "{ip}");
        }
        for ip in ["0.0.0.0", "255.255.255.255", "224.0.0.1", "::", "ff02::1"] {
            assert_eq!(
                check(at(ip, 443), &[], true),
                Some(Refusal::NotUnicast),
                "{ip}"
            );
        }
    }
}
