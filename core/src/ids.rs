//! The two numbers a proof binds besides the trace root, as both binaries read and print them:
//! the worker id ([`WorkerId`], an EVM address, below 2^160) and the beacon ([`Beacon`], below
//! 2^93, taken from a validator, a block hash or the Fiat–Shamir hash of the root). Parsing
//! through these types is the only way a command line turns text into either, so the worker and
//! the validator cannot disagree on a form.

use crate::commit::{Fr, from_hex, to_hex};
use crate::error::{CoreError, Result};
use crate::sampling::{self, BEACON_BITS, WORKER_BITS, fits};
use ark_ff::{BigInteger, PrimeField};
use std::fmt;
use std::str::FromStr;

/// A worker id: an EVM address (the on-chain registry passes `msg.sender`), an integer below
/// 2^160. Text forms: `0x` and 40 hex digits (printed this way), or 64 hex digits of a field
/// element below 2^160 (the form bundles and trace files store).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct WorkerId(Fr);

impl WorkerId {
    /// The id `x`, if it is below 2^160.
    pub fn new(x: Fr) -> Option<Self> {
        fits(&x, WORKER_BITS).then_some(Self(x))
    }

    /// The id of a 20-byte address (big-endian).
    pub fn of_address(bytes: &[u8; 20]) -> Self {
        Self(Fr::from_be_bytes_mod_order(bytes))
    }

    /// The field element the circuit takes.
    pub fn fr(self) -> Fr {
        self.0
    }

    /// The 20 address bytes, big-endian.
    pub fn address(self) -> [u8; 20] {
        let be = self.0.into_bigint().to_bytes_be();
        let mut a = [0u8; 20];
        a.copy_from_slice(&be[be.len() - 20..]);
        a
    }
}

impl fmt::Display for WorkerId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "0x{}", hex::encode(self.address()))
    }
}

impl FromStr for WorkerId {
    type Err = CoreError;
    fn from_str(s: &str) -> Result<Self> {
        let bad = || CoreError::Parse {
            what: "worker id",
            given: s.into(),
            expected: "an address (0x and 40 hex digits, or 64 hex digits of a number below 2^160)",
        };
        if let Some(digits) = s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
            let bytes: [u8; 20] = hex::decode(digits)
                .ok()
                .and_then(|b| b.try_into().ok())
                .ok_or_else(bad)?;
            return Ok(Self::of_address(&bytes));
        }
        from_hex(s).and_then(Self::new).ok_or_else(bad)
    }
}

impl serde::Serialize for WorkerId {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for WorkerId {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        use serde::de::Error;
        String::deserialize(d)?
            .parse()
            .map_err(|e: CoreError| D::Error::custom(e))
    }
}

/// A beacon: the randomness that picks the samples, an integer below 2^93 (so that it shares a
/// public input with the worker id, `sampling::challenge`). Text form: 64 hex digits.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Beacon(Fr);

impl Beacon {
    /// The beacon `x`, if it is below 2^93.
    pub fn new(x: Fr) -> Option<Self> {
        fits(&x, BEACON_BITS).then_some(Self(x))
    }

    /// The Fiat–Shamir beacon of a trace root, `hash(11, root) mod 2^93`.
    pub fn fiat_shamir(trace_root: Fr) -> Self {
        Self(sampling::fiat_shamir_beacon(trace_root))
    }

    /// The beacon the on-chain registry derives from a block hash: its low 93 bits read as a
    /// big-endian integer (`uint256(blockhash(n)) & (2^93 - 1)`).
    pub fn of_block_hash(hash: &BlockHash) -> Self {
        let mut low = [0u8; 16];
        low.copy_from_slice(&hash.0[16..]);
        Self(Fr::from(
            u128::from_be_bytes(low) & ((1u128 << BEACON_BITS) - 1),
        ))
    }

    /// The field element the circuit takes.
    pub fn fr(self) -> Fr {
        self.0
    }
}

impl fmt::Display for Beacon {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&to_hex(&self.0))
    }
}

impl FromStr for Beacon {
    type Err = CoreError;
    fn from_str(s: &str) -> Result<Self> {
        from_hex(s)
            .and_then(Self::new)
            .ok_or_else(|| CoreError::Parse {
                what: "beacon",
                given: s.into(),
                expected: "64 hex digits of a number below 2^93",
            })
    }
}

/// The hash of a block (`0x` and 64 hex digits), whose low 93 bits are a beacon.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct BlockHash(pub [u8; 32]);

impl BlockHash {
    /// The beacon it gives ([`Beacon::of_block_hash`]).
    pub fn beacon(&self) -> Beacon {
        Beacon::of_block_hash(self)
    }
}

impl FromStr for BlockHash {
    type Err = CoreError;
    fn from_str(s: &str) -> Result<Self> {
        s.strip_prefix("0x")
            .and_then(|d| hex::decode(d).ok())
            .and_then(|b| b.try_into().ok())
            .map(Self)
            .ok_or_else(|| CoreError::Parse {
                what: "block hash",
                given: s.into(),
                expected: "0x and 64 hex digits",
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_parse_in_both_forms_and_print_as_addresses() {
        let addr = "0x00000000000000000000000000000000deadbeef";
        let w: WorkerId = addr.parse().unwrap();
        assert_eq!(w.fr(), Fr::from(0xdead_beefu64));
        assert_eq!(w.to_string(), addr);
        assert_eq!(to_hex(&w.fr()).parse::<WorkerId>().unwrap(), w);
        for bad in [
            "0xdeadbeef".to_string(),
            format!("0x{}", "g".repeat(40)),
            to_hex(&-Fr::from(1u8)),
            format!("1{}", "0".repeat(63)),
            String::new(),
        ] {
            assert!(bad.parse::<WorkerId>().is_err(), "{bad}");
        }
        assert_eq!(WorkerId::new(-Fr::from(1u8)), None);
    }

    #[test]
    fn beacons_are_below_2_93() {
        let top = format!("{}1{}", "0".repeat(40), "f".repeat(23));
        assert!(top.parse::<Beacon>().is_ok());
        let over = format!("{}2{}", "0".repeat(40), "0".repeat(23));
        assert!(over.parse::<Beacon>().is_err());
        assert!("12".parse::<Beacon>().is_err());
        let b = Beacon::fiat_shamir(Fr::from(5u8));
        assert_eq!(b.to_string().parse::<Beacon>().ok(), Some(b));
    }

    #[test]
    fn block_hashes_keep_their_low_93_bits() {
        let all_ones = BlockHash([0xff; 32]);
        assert_eq!(
            all_ones.beacon().to_string(),
            format!("{}1{}", "0".repeat(40), "f".repeat(23))
        );
        let mut h = [0u8; 32];
        h[0] = 0xab; // high bits are dropped
        h[20] = 0x25; // bits 88..96: 0x25 & 0x1f survives
        h[31] = 7;
        assert_eq!(BlockHash(h).beacon().fr(), Fr::from((0x05u128 << 88) | 7));
        let text = format!("0x{}", hex::encode(h));
        assert_eq!(text.parse::<BlockHash>().ok(), Some(BlockHash(h)));
        for bad in [&text[2..], &text[..64], "0x"] {
            assert!(bad.parse::<BlockHash>().is_err(), "{bad}");
        }
    }
}
