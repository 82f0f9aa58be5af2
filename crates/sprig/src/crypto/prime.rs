//! RSA key generation for Sprig's `genPrivateKey`/`genCA`/`genSignedCert`, faster than
//! `rsa::RsaPrivateKey::new` with the same (seeded) generator and the same key shape.
//!
//! Why our own prime search: `num-bigint-dig`'s `gen_prime` sieves candidates only by the primes
//! up to 53, so about one in 100 odd candidates reaches a Miller-Rabin round (a 1024-bit modular
//! exponentiation, ~90% of a render that makes certificates), and it runs 21 rounds plus a Lucas
//! test on the final prime. Here a random start is sieved by every odd prime below 2^16 while
//! walking up by 2 (as OpenSSL and Go's `crypto/rand.Prime` do), which leaves about a third of
//! the exponentiations, and a survivor gets `probably_prime(p, 4)`: Miller-Rabin with base 2 and
//! 4 random bases plus a strong Lucas test (Baillie-PSW, no known counterexample), the number of
//! rounds FIPS 186-5 table B.1 asks for 1024-bit primes and what Go's crypto/rsa runs.
//! The arithmetic stays `num-bigint-dig`'s, the key is assembled by `rsa::RsaPrivateKey::from_p_q`
//! (which checks it), so only the search for candidates is ours.

use std::sync::OnceLock;

use num_bigint_dig::BigUint;
use num_bigint_dig::prime::probably_prime;
use num_traits::ToPrimitive;
use rand::{RngCore, SeedableRng};

/// Bound (exclusive) of the sieving primes.
const SIEVE_LIMIT: usize = 1 << 16;

/// The odd primes below [`SIEVE_LIMIT`].
fn sieve_primes() -> &'static [u32] {
    static PRIMES: OnceLock<Vec<u32>> = OnceLock::new();
    PRIMES.get_or_init(|| {
        let mut composite = vec![false; SIEVE_LIMIT];
        let mut out = Vec::new();
        for i in 3..SIEVE_LIMIT {
            if i % 2 == 0 || composite[i] {
                continue;
            }
            out.push(u32::try_from(i).expect("below 2^16"));
            let mut j = i * i;
            while j < SIEVE_LIMIT {
                composite[j] = true;
                j += 2 * i;
            }
        }
        out
    })
}

/// A random prime of exactly `bits` bits with its top two bits set (so the product of two such
/// primes has exactly twice as many bits), like `num_bigint_dig::RandPrime::gen_prime`.
pub(crate) fn gen_prime<R: RngCore + ?Sized>(rng: &mut R, bits: usize) -> BigUint {
    // Sieving would reject the candidate equal to a small prime; tiny sizes keep the crate's search.
    if bits < 64 {
        return num_bigint_dig::RandPrime::gen_prime(rng, bits);
    }
    let primes = sieve_primes();
    let len = bits.div_ceil(8);
    let top = bits - (len - 1) * 8; // bits used in the first byte, 1..=8
    let mut bytes = vec![0u8; len];
    let mut residues = vec![0u32; primes.len()];
    loop {
        rng.fill_bytes(&mut bytes);
        bytes[0] &= u8::try_from((1u16 << top) - 1).expect("at most 8 bits");
        if top >= 2 {
            bytes[0] |= 3 << (top - 2);
        } else {
            bytes[0] |= 1;
            bytes[1] |= 0x80;
        }
        bytes[len - 1] |= 1;
        let base = BigUint::from_bytes_be(&bytes);
        for (r, &p) in residues.iter_mut().zip(primes) {
            *r = (&base % p).to_u32().expect("a remainder below 2^16");
        }
        // Walk base, base+2, ... and test the first candidates no small prime divides; give up
        // on this start after 2^20 (a gap that long does not occur at these sizes).
        let mut delta: u32 = 0;
        while delta < 1 << 20 {
            let coprime = residues
                .iter()
                .zip(primes)
                .all(|(&r, &p)| !(r + delta).is_multiple_of(p));
            if coprime {
                let candidate = &base + BigUint::from(delta);
                if candidate.bits() != bits {
                    break;
                }
                if probably_prime(&candidate, 4) {
                    return candidate;
                }
            }
            delta += 2;
        }
    }
}

/// A 2-prime RSA key of `bits` bits with e = 65537, as `rsa::RsaPrivateKey::new` makes it.
pub(crate) fn gen_rsa_key<R: RngCore + ?Sized>(
    rng: &mut R,
    bits: usize,
) -> Result<rsa::RsaPrivateKey, rsa::Error> {
    if bits < 128 {
        return Err(rsa::Error::InvalidModulus);
    }
    loop {
        // p and q are searched on two threads (a key is most of a render that makes one), each
        // from its own generator seeded from `rng`, so a seeded `rng` still gives one key.
        let mut seeds = [[0u8; 32]; 2];
        rng.fill_bytes(&mut seeds[0]);
        rng.fill_bytes(&mut seeds[1]);
        let prime =
            |seed: [u8; 32], bits| gen_prime(&mut rand_chacha::ChaCha20Rng::from_seed(seed), bits);
        let (p, q) = std::thread::scope(|s| {
            let q = s.spawn(|| prime(seeds[1], bits - bits / 2));
            let p = prime(seeds[0], bits / 2);
            (p, q.join().expect("the prime search does not panic"))
        });
        if p == q || (&p * &q).bits() != bits {
            continue;
        }
        // from_p_q fails when e is not invertible modulo λ(n): pick other primes, as rsa does.
        if let Ok(key) = rsa::RsaPrivateKey::from_p_q(p, q, BigUint::from(65537u32)) {
            return Ok(key);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sieve_holds_the_odd_primes_below_the_limit() {
        let p = sieve_primes();
        assert_eq!(&p[..6], &[3, 5, 7, 11, 13, 17]);
        assert_eq!(p.len(), 6541); // π(65536) = 6542, less the prime 2
        assert_eq!(*p.last().expect("non-empty"), 65521);
    }

    #[test]
    fn primes_have_the_size_and_pass_a_full_test() {
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(7);
        for bits in [64, 100, 512] {
            let p = gen_prime(&mut rng, bits);
            assert_eq!(p.bits(), bits);
            assert_eq!(&p >> (bits - 2), BigUint::from(3u32), "top two bits set");
            assert!(probably_prime(&p, 40), "{p} is prime");
        }
    }

    #[test]
    fn keys_are_valid_and_seeded() {
        let key = |seed| {
            gen_rsa_key(&mut rand_chacha::ChaCha20Rng::seed_from_u64(seed), 1024)
                .expect("key generation")
        };
        let (a, b, c) = (key(1), key(1), key(2));
        a.validate().expect("a consistent key");
        assert_eq!(rsa::traits::PublicKeyParts::n(&a).bits(), 1024);
        assert_eq!(a, b);
        assert_ne!(a, c);
    }
}
