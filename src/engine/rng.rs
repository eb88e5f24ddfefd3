//! Keyed random streams: the mechanism behind common random numbers.
//!
//! Every random quantity in a replication is drawn from a stream whose seed
//! is a hash of (replication seed, what it is for, which lead or partner,
//! which attempt). No stream is shared between purposes, and no draw depends
//! on the order in which the engine happens to ask for it, so two policies
//! that send the same lead to the same partner see the same response time,
//! and a thread count can never change a result.

use rand_pcg::Pcg64Mcg;

/// What a stream is for. The discriminant is part of the key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u64)]
pub enum Purpose {
    Arrivals = 1,
    Segment,
    Quality,
    DealSize,
    Signals,
    Response,
    Work,
    Discount,
    Qualify,
    Win,
    Churn,
    Route,
    SkillQualify,
    SkillWin,
    /// Which historical lead a bootstrapped lead copies.
    Replay,
    /// Whether first contact reaches the buyer (`speed_to_lead.reach`).
    Reach,
    /// A partner's acceptance rate for one replication.
    SkillAccept,
    /// Whether an offered partner accepts, and how long it takes to answer.
    Accept,
    AcceptTime,
    /// Whether a disciplined partner pulls a discount down to the payout's
    /// `max_discount`, and whether a renegotiated deal is still won.
    Discipline,
    Renegotiate,
    /// Whether a lead goes to the policy's reserve.
    Reserve,
    /// Whether a lead comes from an existing account, and its incumbent;
    /// whether it matches a deal registration, and its registrant.
    Incumbent,
    Registration,
    /// Whether a discarded lead is nurtured, its delay, and its signals
    /// when it comes back.
    Nurture,
    /// A partner's own leads: arrival gaps (attempt 0) and each lead's
    /// segment, quality and deal size (attempt k), keyed by the partner.
    Sourced,
    /// The leads a partner's MDF buys, keyed by partner and payout period.
    Mdf,
    /// The streams of one arm of a simulated pilot (`leadsim power`). Its
    /// value predates the enum and is kept so pilots draw what they drew.
    PilotArm = 0xA4A4,
}

/// SplitMix64's output function (Steele, Lea & Flood, "Fast splittable
/// pseudorandom number generators", OOPSLA 2014): a bijective 64-bit mixer
/// with full avalanche, used here to hash keys, not as a generator.
#[inline]
pub fn mix64(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Hashes a sequence of words into one key, order-sensitively.
#[inline]
pub fn key(parts: &[u64]) -> u64 {
    parts
        .iter()
        .fold(0x6A09_E667_F3BC_C908, |h, &p| mix64(h ^ mix64(p)))
}

/// The seed of replication `r` for a scenario seed.
pub fn replication_seed(seed: u64, replication: u64) -> u64 {
    key(&[seed, replication])
}

/// Keys for one replication's streams.
#[derive(Debug, Clone, Copy)]
pub struct Streams {
    /// `key(&[replication_seed, purpose])` for each purpose, hashed once:
    /// a stream's key then takes two more steps (lead, attempt), with the
    /// same value as hashing all four words.
    prefix: [u64; PURPOSES],
}

/// The engine's purposes' discriminants run from 1 to this minus one (the
/// last is `Mdf`; `PilotArm` keys pilots directly, without a prefix).
const PURPOSES: usize = Purpose::Mdf as usize + 1;

impl Streams {
    pub fn new(replication_seed: u64) -> Self {
        Streams {
            prefix: std::array::from_fn(|p| key(&[replication_seed, p as u64])),
        }
    }

    /// The key of (purpose, id, attempt): `key(&[seed, purpose, id, attempt])`.
    #[inline]
    fn key(&self, purpose: Purpose, id: u64, attempt: u64) -> u64 {
        let h = mix64(self.prefix[purpose as usize] ^ mix64(id));
        mix64(h ^ mix64(attempt))
    }

    /// A generator for (purpose, id, attempt).
    #[inline]
    pub fn rng(&self, purpose: Purpose, id: u64, attempt: u64) -> Pcg64Mcg {
        let k = self.key(purpose, id, attempt);
        Pcg64Mcg::new(((mix64(k) as u128) << 64) | (k as u128 | 1))
    }

    /// One uniform draw in [0, 1) for (purpose, id, attempt), without
    /// building a generator: 53 bits of the key's hash.
    #[inline]
    pub fn uniform(&self, purpose: Purpose, id: u64, attempt: u64) -> f64 {
        let k = self.key(purpose, id, attempt);
        (mix64(k) >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uniforms_are_uniform_and_keys_independent() {
        let s = Streams::new(42);
        let n = 100_000;
        let mean = (0..n).map(|i| s.uniform(Purpose::Win, i, 0)).sum::<f64>() / n as f64;
        // sd of a U(0,1) mean over n draws is 0.2887 / sqrt(n) = 0.00091; 5 sd.
        assert!((mean - 0.5).abs() < 0.0046, "{mean}");
        // Two purposes on the same lead are uncorrelated: their product has mean 1/4.
        let prod = (0..n)
            .map(|i| s.uniform(Purpose::Win, i, 0) * s.uniform(Purpose::Qualify, i, 0))
            .sum::<f64>()
            / n as f64;
        // sd of the product of two U(0,1) is sqrt(1/9 - 1/16) = 0.22; 5 se = 0.0035.
        assert!((prod - 0.25).abs() < 0.0035, "{prod}");
    }

    #[test]
    fn prefixed_keys_equal_full_keys() {
        let s = Streams::new(1234);
        for (purpose, id, attempt) in [
            (Purpose::Win, 7, 0),
            (Purpose::Response, 99, 3),
            (Purpose::Replay, 0, 0),
        ] {
            assert_eq!(
                s.key(purpose, id, attempt),
                key(&[1234, purpose as u64, id, attempt])
            );
        }
    }

    #[test]
    fn same_key_same_stream() {
        use rand::Rng;
        let s = Streams::new(7);
        let a: u64 = s.rng(Purpose::Response, 3, 1).random();
        let b: u64 = s.rng(Purpose::Response, 3, 1).random();
        let c: u64 = s.rng(Purpose::Response, 3, 2).random();
        assert_eq!(a, b);
        assert_ne!(a, c);
    }
}
