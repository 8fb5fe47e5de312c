//! Which addresses a guest may connect to, decided on the address a name resolved to (the one
//! the host then connects to), never on the name alone. An IPv6 address that carries an IPv4
//! one (mapped, NAT64, 6to4, Teredo, ...) is judged as that IPv4 address too.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

/// Why an address is refused, from the least to the most severe.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Refusal {
    /// Loopback or a private range: refused unless allowed by name of that very address.
    Private,
    /// Unspecified, broadcast or multicast: never a web server.
    NotUnicast,
    /// Link-local, the instance metadata service among them: refused whatever the allowlist says.
    LinkLocal,
    /// The Lambda Runtime API (and extensions API): a guest reaching it could take the next
    /// invocation. Refused whatever the allowlist says.
    RuntimeApi,
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
    let address_forms = forms(address.ip());
    let is_runtime_api = runtime_api.iter().any(|api| {
        api.port() == address.port()
            && forms(api.ip())
                .iter()
                .any(|api| address_forms.iter().any(|form| form.ip == api.ip))
    });
    if is_runtime_api {
        return Some(Refusal::RuntimeApi);
    }
    let worst = address_forms
        .into_iter()
        .filter_map(|form| {
            // An uncertain reading only counts for what is refused whatever the list says.
            classify(form.ip).filter(|refusal| form.certain || *refusal >= Refusal::LinkLocal)
        })
        .max()?;
    (worst != Refusal::Private || !private_allowed).then_some(worst)
}

/// An address an IP address stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Form {
    ip: IpAddr,
    /// False for one of several readings, of which only one is meant.
    certain: bool,
}

/// `ip` itself, and every IPv4 address it carries: the most severe of their refusals is its own.
fn forms(ip: IpAddr) -> Vec<Form> {
    let mut forms = vec![Form { ip, certain: true }];
    if let IpAddr::V6(v6) = ip {
        forms.extend(carried_ipv4(v6));
    }
    forms
}

/// The IPv4 addresses an IPv6 address carries, in each form that may lead to one.
fn carried_ipv4(ip: Ipv6Addr) -> Vec<Form> {
    let o = ip.octets();
    let at = |a: usize, b: usize, c: usize, d: usize| Ipv4Addr::new(o[a], o[b], o[c], o[d]);
    let last = at(12, 13, 14, 15);
    let (found, certain) = match ip.segments() {
        // IPv4-compatible (`::a.b.c.d`, deprecated by RFC 4291), but for `::` and `::1`.
        [0, 0, 0, 0, 0, 0, ..] if !ip.is_unspecified() && !ip.is_loopback() => (vec![last], true),
        // IPv4-mapped (`::ffff:a.b.c.d`) and IPv4-translated (`::ffff:0:a.b.c.d`, RFC 2765).
        [0, 0, 0, 0, 0, 0xffff, ..] | [0, 0, 0, 0, 0xffff, 0, ..] => (vec![last], true),
        // NAT64's well-known prefix, 64:ff9b::/96 (RFC 6052).
        [0x64, 0xff9b, 0, 0, 0, 0, ..] => (vec![last], true),
        // NAT64's local-use prefix, 64:ff9b:1::/48 (RFC 8215), with whichever prefix length
        // RFC 6052 allows within it: /48, /56, /64 or /96 (byte 8 is always skipped).
        [0x64, 0xff9b, 1, ..] => (
            vec![at(6, 7, 9, 10), at(7, 9, 10, 11), at(9, 10, 11, 12), last],
            false,
        ),
        // 6to4, 2002::/16 (RFC 3056): the site's IPv4 address follows the prefix.
        [0x2002, ..] => (vec![at(2, 3, 4, 5)], true),
        // Teredo, 2001::/32 (RFC 4380): the server's address, and the client's, inverted.
        [0x2001, 0, ..] => (vec![at(4, 5, 6, 7), Ipv4Addr::from(!u32::from(last))], true),
        _ => (Vec::new(), true),
    };
    let mut forms: Vec<Form> = found
        .into_iter()
        .map(|ip| Form {
            ip: IpAddr::V4(ip),
            certain,
        })
        .collect();
    // ISATAP (RFC 5214): an interface identifier 0000:5efe or 0200:5efe, then the address.
    let segments = ip.segments();
    if segments[4] & 0xfdff == 0 && segments[5] == 0x5efe {
        forms.push(Form {
            ip: IpAddr::V4(last),
            certain: true,
        });
    }
    forms
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
    } else if ip.is_loopback()
        || (first & 0xfe00) == 0xfc00
        || (first & 0xffc0) == 0xfec0
        || ip.segments()[..3] == [0x64, 0xff9b, 1]
    {
        // Unique local addresses (fc00::/7) are IPv6's private ranges, as site-local addresses
        // (fec0::/10, deprecated) were; NAT64's local-use prefix (64:ff9b:1::/48) leads into a
        // network of the operator's.
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

    /// 169.254.169.254 (the instance metadata service), 127.0.0.1 and 52.0.0.1 (public) in
    /// every IPv6 form that carries an IPv4 address, and what the public one gets.
    const EMBEDDED: [(&str, [&str; 3], Option<Refusal>); 12] = [
        (
            "IPv4-compatible",
            ["::a9fe:a9fe", "::7f00:1", "::3400:1"],
            None,
        ),
        (
            "IPv4-mapped",
            ["::ffff:a9fe:a9fe", "::ffff:7f00:1", "::ffff:3400:1"],
            None,
        ),
        (
            "IPv4-translated",
            ["::ffff:0:a9fe:a9fe", "::ffff:0:7f00:1", "::ffff:0:3400:1"],
            None,
        ),
        (
            "NAT64 well-known",
            ["64:ff9b::a9fe:a9fe", "64:ff9b::7f00:1", "64:ff9b::3400:1"],
            None,
        ),
        // The local-use prefix is the operator's network: private, whatever it carries.
        (
            "NAT64 local-use /96",
            [
                "64:ff9b:1::a9fe:a9fe",
                "64:ff9b:1::7f00:1",
                "64:ff9b:1::3400:1",
            ],
            Some(Refusal::Private),
        ),
        (
            "NAT64 local-use /64",
            [
                "64:ff9b:1:0:a9:fea9:fe00:0",
                "64:ff9b:1:0:7f:0:100:0",
                "64:ff9b:1:0:34:0:100:0",
            ],
            Some(Refusal::Private),
        ),
        (
            "NAT64 local-use /56",
            [
                "64:ff9b:1:a9:fe:a9fe::",
                "64:ff9b:1:7f:0:1::",
                "64:ff9b:1:34:0:1::",
            ],
            Some(Refusal::Private),
        ),
        (
            "NAT64 local-use /48",
            [
                "64:ff9b:1:a9fe:a9:fe00::",
                "64:ff9b:1:7f00:0:100::",
                "64:ff9b:1:3400:0:100::",
            ],
            Some(Refusal::Private),
        ),
        (
            "6to4",
            ["2002:a9fe:a9fe::1", "2002:7f00:1::1", "2002:3400:1::1"],
            None,
        ),
        // Teredo's client address is the last 32 bits inverted: 52.0.0.1 is cbff:fffe.
        (
            "Teredo server",
            [
                "2001:0:a9fe:a9fe::cbff:fffe",
                "2001:0:7f00:1::cbff:fffe",
                "2001:0:3400:1::cbff:fffe",
            ],
            None,
        ),
        (
            "Teredo client",
            [
                "2001:0:3400:1::5601:5601",
                "2001:0:3400:1::80ff:fffe",
                "2001:0:3400:1::cbff:fffe",
            ],
            None,
        ),
        (
            "ISATAP",
            [
                "2600:1f18::5efe:a9fe:a9fe",
                "2600:1f18::200:5efe:7f00:1",
                "2600:1f18::5efe:3400:1",
            ],
            None,
        ),
    ];

    #[test]
    fn an_ipv4_address_inside_ipv6_is_judged_as_itself() {
        for (form, [metadata, loopback, public], public_refusal) in EMBEDDED {
            assert_eq!(
                check(at(metadata, 80), &[], true),
                Some(Refusal::LinkLocal),
                "{form}: {metadata}"
            );
            assert_eq!(
                check(at(loopback, 80), &[], false),
                Some(Refusal::Private),
                "{form}: {loopback}"
            );
            assert_eq!(
                check(at(loopback, 80), &[], true),
                None,
                "{form}: {loopback} named literally"
            );
            assert_eq!(
                check(at(loopback, 9001), &[at("127.0.0.1", 9001)], true),
                Some(Refusal::RuntimeApi),
                "{form}: {loopback} on the Runtime API's port"
            );
            assert_eq!(
                check(at(public, 443), &[], false),
                public_refusal,
                "{form}: {public}"
            );
            assert_eq!(check(at(public, 443), &[], true), None, "{form}: {public}");
        }
    }

    #[test]
    fn loopback_and_unspecified_are_not_ipv4_compatible_addresses() {
        assert_eq!(check(at("::1", 80), &[], false), Some(Refusal::Private));
        assert_eq!(check(at("::1", 80), &[], true), None);
        assert_eq!(check(at("::", 80), &[], true), Some(Refusal::NotUnicast));
        assert_eq!(
            check(at("::2", 80), &[], true),
            Some(Refusal::NotUnicast),
            "0.0.0.2"
        );
        assert_eq!(
            check(at("fec0::1", 80), &[], false),
            Some(Refusal::Private),
            "site-local"
        );
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
