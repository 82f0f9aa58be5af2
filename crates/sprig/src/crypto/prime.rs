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
//! The key is assembled by `rsa::RsaPrivateKey::from_p_q` (which checks it).
//!
//! Before that full test, a candidate must pass a Fermat test to base 2, 2^(n-1) ≡ 1 (mod n), done
//! here with Montgomery squarings on 64-bit limbs and a shift for each set bit of the exponent
//! (base 2 needs no multiplication). Why by hand: that test is the search's whole cost (~90% of a
//! render that makes keys), and measured by callgrind per 1024-bit test, `num-bigint-dig`'s
//! `modpow(2, n-1, n)` takes 9.4M instructions, `crypto-bigint` 0.5's constant-time `pow` 8.8M,
//! this one 6.8M (the same answer on every number; unit-tested against both the crate's `modpow`
//! and its full primality test). Every number that passes Miller-Rabin to base 2 passes Fermat to
//! base 2, so the filter rejects only candidates the full test would reject too: the same prime is
//! found, and a seeded generator still gives the same key.
//!
//! A key's two searches share the cores ([`gen_primes`]): a thread takes the next candidate of
//! any search still open, and each search keeps its first prime, so the key is the same as with
//! one thread per prime, found in about the average search's time instead of the slower one's.

use std::sync::OnceLock;

use num_bigint_dig::BigUint;
use num_bigint_dig::prime::probably_prime;
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

/// For each prime of [`sieve_primes`], its reciprocal for [`fast_mod`].
fn sieve_reciprocals() -> &'static [u64] {
    static RECIPROCALS: OnceLock<Vec<u64>> = OnceLock::new();
    RECIPROCALS.get_or_init(|| sieve_primes().iter().map(|&p| reciprocal(p)).collect())
}

/// ⌈2^64 / p⌉ (for p > 1), what [`fast_mod`] multiplies by.
fn reciprocal(p: u32) -> u64 {
    u64::MAX / u64::from(p) + 1
}

/// `a mod p` for any 32-bit `a`, given `m` = [`reciprocal`]`(p)`: two multiplications where a
/// division was (Lemire, Kaser and Kurz, "Faster Remainder by Direct Computation", 2019).
#[inline(always)]
fn fast_mod(a: u32, m: u64, p: u32) -> u32 {
    let fraction = m.wrapping_mul(u64::from(a));
    ((u128::from(fraction) * u128::from(p)) >> 64) as u32
}

/// `residues[i]` ← the number whose big-endian bytes are `bytes`, modulo `primes[i]` (each
/// below 2^16, `reciprocals[i]` its [`reciprocal`]).
///
/// Horner's rule over 16-bit chunks, all primes a chunk at a time: a residue below 2^16 shifted
/// by a chunk stays below 2^32, where [`fast_mod`] holds, and the primes' steps do not wait on
/// each other. `BigUint % p` per prime took a 128-bit division per 64-bit limb, done while the
/// other search thread waits for the walk (nginx's render: ~5% of its CPU).
fn residues_of(bytes: &[u8], primes: &[u32], reciprocals: &[u64], residues: &mut [u32]) {
    residues.fill(0);
    let (head, pairs) = bytes.split_at(bytes.len() % 2);
    if let Some(&b) = head.first() {
        for (r, (&p, &m)) in residues.iter_mut().zip(primes.iter().zip(reciprocals)) {
            *r = fast_mod(u32::from(b), m, p);
        }
    }
    for pair in pairs.chunks_exact(2) {
        let chunk = u32::from(u16::from_be_bytes([pair[0], pair[1]]));
        for (r, (&p, &m)) in residues.iter_mut().zip(primes.iter().zip(reciprocals)) {
            *r = fast_mod((*r << 16) | chunk, m, p);
        }
    }
}

/// A random prime of exactly `bits` bits with its top two bits set (so the product of two such
/// primes has exactly twice as many bits), like `num_bigint_dig::RandPrime::gen_prime`.
/// Keys search through [`gen_primes`], which finds the same primes.
#[cfg(test)]
fn gen_prime<R: RngCore + ?Sized>(rng: &mut R, bits: usize) -> BigUint {
    gen_prime_by(rng, bits, &Tests::fermat_then(&|n| full_test(n, 1)))
}

/// The two tests a sieved candidate goes through: a cheap filter that rejects nearly every
/// composite, then the full test of the rare candidate that passes it. (Tests of the search
/// give stand-ins whose outcome and timing they control.)
struct Tests<'t> {
    filter: &'t (dyn Fn(&BigUint) -> bool + Sync),
    full: &'t (dyn Fn(&BigUint) -> bool + Sync),
}

impl<'t> Tests<'t> {
    /// The Fermat filter, then `full`.
    fn fermat_then(full: &'t (dyn Fn(&BigUint) -> bool + Sync)) -> Self {
        Tests {
            filter: &fermat_base2,
            full,
        }
    }
}

/// [`gen_prime`] with `tests` deciding which sieved candidates are prime.
fn gen_prime_by<R: RngCore + ?Sized>(rng: &mut R, bits: usize, tests: &Tests<'_>) -> BigUint {
    // Sieving would reject the candidate equal to a small prime; tiny sizes keep the crate's search.
    if bits < 64 {
        return num_bigint_dig::RandPrime::gen_prime(rng, bits);
    }
    let mut walk = Walk::new(rng, bits);
    loop {
        let candidate = walk.next();
        if (tests.filter)(&candidate) && (tests.full)(&candidate) {
            return candidate;
        }
    }
}

/// The candidates of one prime search in order: random starts, each walked up by 2 and sieved,
/// the first prime among them being the search's answer. Separate from the tests so that
/// several threads can test one walk's candidates ([`gen_primes`]) and still take its first
/// prime.
struct Walk<'r, R: ?Sized> {
    rng: &'r mut R,
    bits: usize,
    bytes: Vec<u8>,
    residues: Vec<u32>,
    composite: Vec<bool>,
    base: BigUint,
    /// The window sieved into `composite` (its first step), and the next step of it to look at;
    /// `None` before a start is drawn.
    window: Option<(u32, usize)>,
}

impl<'r, R: RngCore + ?Sized> Walk<'r, R> {
    fn new(rng: &'r mut R, bits: usize) -> Self {
        Walk {
            rng,
            bits,
            bytes: vec![0u8; bits.div_ceil(8)],
            residues: vec![0u32; sieve_primes().len()],
            composite: vec![false; SIEVE_WINDOW],
            base: BigUint::default(),
            window: None,
        }
    }

    /// The next candidate no sieving prime divides.
    fn next(&mut self) -> BigUint {
        let primes = sieve_primes();
        loop {
            let Some((window_start, k)) = self.window else {
                self.base = random_start(self.rng, self.bits, &mut self.bytes);
                residues_of(&self.bytes, primes, sieve_reciprocals(), &mut self.residues);
                sieve_window(&self.residues, primes, 0, &mut self.composite);
                self.window = Some((0, 0));
                continue;
            };
            // Walk base, base+2, ... by windows of SIEVE_WINDOW steps: each prime strikes its
            // multiples in the window (a few thousand strikes), where testing each candidate's
            // residues took one division per prime, 6,541 per step and ~15% of a render that
            // makes keys. A start is given up after 2^20 (a gap that long does not occur at
            // these sizes).
            let Some(k) = (k..SIEVE_WINDOW).find(|&k| !self.composite[k]) else {
                let next = window_start + 2 * SIEVE_WINDOW as u32;
                if next >= 1 << 20 {
                    self.window = None;
                } else {
                    sieve_window(&self.residues, primes, next, &mut self.composite);
                    self.window = Some((next, 0));
                }
                continue;
            };
            self.window = Some((window_start, k + 1));
            let delta = window_start + 2 * u32::try_from(k).expect("window below 2^32");
            let candidate = &self.base + BigUint::from(delta);
            if candidate.bits() != self.bits {
                self.window = None;
                continue;
            }
            return candidate;
        }
    }
}

/// The primes `gen_prime` finds for each `(seed, bits)`, searched by `threads` threads together.
///
/// Why shared: a key's two primes searched on a thread each take as long as the slower search,
/// and the number of candidates before a prime varies a lot (about exponentially), so that wait
/// is about half again the average search. Here the threads take the candidates of any search
/// still open, in its order, a thread sticking to one search while it has work; a search's
/// answer is its first candidate that passes, exactly as in [`gen_prime`], so seeded keys do not
/// change. A candidate that passes the filter is nearly always prime, so its search takes no
/// more candidates while its full test runs, and that test runs its independent rounds on every
/// thread ([`full_test`]): the last prime's test is otherwise one thread's work while the
/// others wait.
fn gen_primes(searches: &[([u8; 32], usize)], threads: usize) -> Vec<BigUint> {
    gen_primes_by(
        searches,
        threads,
        &Tests::fermat_then(&|n| full_test(n, threads)),
    )
}

/// [`gen_primes`] with `tests` deciding which candidates are prime.
fn gen_primes_by(
    searches: &[([u8; 32], usize)],
    threads: usize,
    tests: &Tests<'_>,
) -> Vec<BigUint> {
    use std::sync::Mutex;

    struct Search<'r> {
        walk: Walk<'r, rand_chacha::ChaCha20Rng>,
        /// Index of the next candidate the walk gives.
        next: usize,
        /// The earliest candidate found prime so far, with its index. Candidates are handed out
        /// in order and every one handed out is tested to the end, so once the threads are done
        /// this is the search's first prime.
        found: Option<(usize, BigUint)>,
        /// Candidates that passed the filter and are in their full test.
        in_full_test: usize,
    }
    impl Search<'_> {
        /// Whether the search wants more candidates tested.
        fn open(&self) -> bool {
            self.found.is_none() && self.in_full_test == 0
        }
    }

    if searches.iter().any(|&(_, bits)| bits < 64) || threads < 2 {
        return searches
            .iter()
            .map(|&(seed, bits)| {
                gen_prime_by(&mut rand_chacha::ChaCha20Rng::from_seed(seed), bits, tests)
            })
            .collect();
    }
    let mut rngs: Vec<rand_chacha::ChaCha20Rng> = searches
        .iter()
        .map(|&(seed, _)| rand_chacha::ChaCha20Rng::from_seed(seed))
        .collect();
    let state = Mutex::new(
        rngs.iter_mut()
            .zip(searches)
            .map(|(rng, &(_, bits))| Search {
                walk: Walk::new(rng, bits),
                next: 0,
                found: None,
                in_full_test: 0,
            })
            .collect::<Vec<_>>(),
    );
    let lock = || state.lock().unwrap_or_else(|p| p.into_inner());
    let work = |me: usize| {
        let mut mine = me % searches.len();
        loop {
            let mut st = lock();
            if !st[mine].open() {
                // Help a search still open, or stop: the tests in progress decide the rest (a
                // full test that fails reopens its search for the thread that ran it).
                match (0..st.len()).find(|&i| st[i].open()) {
                    Some(i) => mine = i,
                    None => return,
                }
            }
            let s = &mut st[mine];
            let index = s.next;
            s.next += 1;
            let candidate = s.walk.next();
            drop(st);
            if !(tests.filter)(&candidate) {
                continue;
            }
            lock()[mine].in_full_test += 1;
            let prime = (tests.full)(&candidate);
            let s = &mut lock()[mine];
            s.in_full_test -= 1;
            if prime && s.found.as_ref().is_none_or(|(f, _)| index < *f) {
                s.found = Some((index, candidate));
            }
        }
    };
    std::thread::scope(|scope| {
        for t in 1..threads {
            let work = &work;
            gotmpl::threads::spawn_scoped(scope, move || work(t));
        }
        work(0);
    });
    state
        .into_inner()
        .unwrap_or_else(|p| p.into_inner())
        .into_iter()
        .map(|s| s.found.expect("every search ends with a prime").1)
        .collect()
}

/// A random odd start of exactly `bits` bits with its top two bits set, from `bytes.len()`
/// (`bits` rounded up to bytes) random bytes.
fn random_start<R: RngCore + ?Sized>(rng: &mut R, bits: usize, bytes: &mut [u8]) -> BigUint {
    let len = bytes.len();
    let top = bits - (len - 1) * 8; // bits used in the first byte, 1..=8
    rng.fill_bytes(bytes);
    bytes[0] &= u8::try_from((1u16 << top) - 1).expect("at most 8 bits");
    if top >= 2 {
        bytes[0] |= 3 << (top - 2);
    } else {
        bytes[0] |= 1;
        bytes[1] |= 0x80;
    }
    bytes[len - 1] |= 1;
    BigUint::from_bytes_be(bytes)
}

/// Candidates (odd steps) sieved at a time.
const SIEVE_WINDOW: usize = 1024;

/// Marks in `composite` the steps k of the window (delta = start + 2k) for which some sieving
/// prime p divides base + delta, given `residues[i]` = base mod p.
fn sieve_window(residues: &[u32], primes: &[u32], start: u32, composite: &mut [bool]) {
    composite.fill(false);
    for (&r, &p) in residues.iter().zip(primes) {
        // The first k with p | r + start + 2k: 2k ≡ -(r + start) (mod p), and 2⁻¹ ≡ (p + 1) / 2.
        let p64 = u64::from(p);
        let need = (p64 - (u64::from(r) + u64::from(start)) % p64) % p64;
        let mut k = usize::try_from(need * p64.div_ceil(2) % p64).expect("below 2^16");
        let step = p as usize;
        while k < composite.len() {
            composite[k] = true;
            k += step;
        }
    }
}

/// False when the odd `n` is certainly composite: 2^(n-1) mod n is not 1.
fn fermat_base2(n: &BigUint) -> bool {
    let len = n.bits().div_ceil(64);
    let m = limbs(n, len);
    // R = 2^(64·len) mod n is 1 in Montgomery form; the walk starts there.
    let r = (BigUint::from(1u32) << (64 * len)) % n;
    let mut x = limbs(&r, len);
    let one = x.clone();
    let m_inv = neg_inverse(m[0]);
    let e = limbs(&(n - BigUint::from(1u32)), len);
    // The walk squares 1 (in Montgomery form) until the top set bit, which changes nothing, so
    // it can start at the top limb. The moduli of 2048- and 4096-bit keys get a squaring of
    // fixed size, which the compiler unrolls: 4.5k instructions per 1024-bit squaring against
    // 6.3k, and ~1.7x faster with the multiplications' carry chains laid out; squaring's own
    // product (each cross product once) then took nginx's render from 557.6M instructions to
    // 503.0M (callgrind, `--seed 3`), and summing it column by column to 3.3k per squaring.
    match len {
        16 => fermat_walk_fixed::<16>(&mut x, &m, &e, m_inv),
        32 => fermat_walk_fixed::<32>(&mut x, &m, &e, m_inv),
        _ => {
            let (mut t, mut u) = (Vec::with_capacity(len + 1), Vec::with_capacity(len + 1));
            for i in (0..64 * len).rev() {
                mont_square(&mut x, &m, m_inv, &mut t, &mut u);
                if (e[i / 64] >> (i % 64)) & 1 == 1 {
                    double_mod(&mut x, &m);
                }
            }
        }
    }
    x == one
}

/// [`fermat_base2`]'s walk for an N-limb modulus.
fn fermat_walk_fixed<const N: usize>(x: &mut [u64], m: &[u64], e: &[u64], m_inv: u64) {
    let x: &mut [u64; N] = x.try_into().expect("the caller passes N limbs");
    let m: &[u64; N] = m.try_into().expect("the caller passes N limbs");
    for i in (0..64 * N).rev() {
        mont_square_fixed(x, m, m_inv);
        if (e[i / 64] >> (i % 64)) & 1 == 1 {
            double_mod(x, m);
        }
    }
}

/// x ← x·x·R⁻¹ mod m for an N-limb m (N at most [`MAX_FIXED`]).
///
/// Product scanning (column by column, Montgomery's reduction folded in as each column is
/// summed): a column's products are added into a three-word accumulator held in registers,
/// where operand scanning (row by row) loaded and stored a word of the 2N-word result for every
/// product. A square's cross products x[i]·x[j] come in equal pairs, so each is computed once
/// and the column's sum of them doubled: N(N-1)/2 + N multiplications for the square, N² for the
/// reduction. Squarings are nearly all of the prime search. Measured by callgrind on nginx's
/// render (`--seed 3`), a 1024-bit Fermat test went from 4.04M to 3.32M instructions.
#[inline(always)]
fn mont_square_fixed<const N: usize>(x: &mut [u64; N], m: &[u64; N], m_inv: u64) {
    // The columns below are written out for up to MAX_FIXED limbs.
    const { assert!(N <= MAX_FIXED) };
    let mut u = [0u64; N];
    let mut r = [0u64; N];
    let mut acc = Acc::default();
    // One function per column, so that its bounds are constants and its loops unroll.
    macro_rules! columns {
        ($($k:literal)*) => { $( if $k < 2 * N - 1 { column::<N, $k>(x, m, m_inv, &mut u, &mut r, &mut acc); } )* };
    }
    columns!(
        0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26 27 28 29 30 31
        32 33 34 35 36 37 38 39 40 41 42 43 44 45 46 47 48 49 50 51 52 53 54 55 56 57 58 59 60 61 62
    );
    // The last column's carry is the top word: the result is below 2m, and one conditional
    // subtraction reduces it.
    *x = r;
    if acc.low() != 0 || !less_than(x, m) {
        sub_in_place(x, m);
    }
}

/// A column sum: up to three 64-bit words.
#[derive(Default, Clone, Copy)]
struct Acc {
    t0: u64,
    t1: u64,
    t2: u64,
}

impl Acc {
    /// Adds the two-word `hi:lo`.
    #[inline(always)]
    fn add2(&mut self, lo: u64, hi: u64) {
        let s = u128::from(self.t0) + u128::from(lo);
        self.t0 = s as u64;
        let s = u128::from(self.t1) + u128::from(hi) + (s >> 64);
        self.t1 = s as u64;
        self.t2 = self.t2.wrapping_add((s >> 64) as u64);
    }

    #[inline(always)]
    fn mul_add(&mut self, a: u64, b: u64) {
        let p = u128::from(a) * u128::from(b);
        self.add2(p as u64, (p >> 64) as u64);
    }

    /// The sum's low word.
    #[inline(always)]
    fn low(&self) -> u64 {
        self.t0
    }

    /// The sum moved down a word (the low word is done with).
    #[inline(always)]
    fn shift(&mut self) {
        self.t0 = self.t1;
        self.t1 = self.t2;
        self.t2 = 0;
    }
}

/// Column `K` of [`mont_square_fixed`]: adds the products of x·x and of u·m whose limbs' indices
/// sum to K to the accumulator (which holds the carry of the columns before), then, for K < N,
/// picks u[K] so that the column's low word is zero, and for K ≥ N, stores that word as the
/// result's limb K - N.
#[inline(always)]
fn column<const N: usize, const K: usize>(
    x: &[u64; N],
    m: &[u64; N],
    m_inv: u64,
    u: &mut [u64; N],
    r: &mut [u64; N],
    acc: &mut Acc,
) {
    // Limb pairs (j, K - j) with both below N.
    let lo = (K + 1).saturating_sub(N);
    // Cross products x[j]·x[K-j], j < K - j, each once, then doubled.
    let mut cross = Acc::default();
    let mut j = lo;
    while 2 * j < K {
        cross.mul_add(x[j], x[K - j]);
        j += 1;
    }
    // The doubled cross sum, its top bit carried into the next word (a column's sums stay far
    // below 2^192: at most 2N + 1 products).
    acc.add2(cross.t0 << 1, (cross.t1 << 1) | (cross.t0 >> 63));
    acc.t2 = acc.t2.wrapping_add((cross.t2 << 1) | (cross.t1 >> 63));
    if K.is_multiple_of(2) {
        acc.mul_add(x[K / 2], x[K / 2]);
    }
    // The reduction's products u[j]·m[K-j] for the u already picked.
    for j in lo..K.min(N) {
        acc.mul_add(u[j], m[K - j]);
    }
    if K < N {
        u[K] = acc.low().wrapping_mul(m_inv);
        acc.mul_add(u[K], m[0]);
    } else {
        r[K - N] = acc.low();
    }
    acc.shift();
    if K == 2 * N - 2 {
        r[N - 1] = acc.low();
        acc.shift();
    }
}

/// The widest exponent window of [`Mont::pow`]: 16 odd powers precomputed.
const POW_WINDOW: usize = 5;

/// The most limbs the fixed-size arithmetic is used for (a 4096-bit key's primes).
const MAX_FIXED: usize = 32;

/// a·b·R⁻¹ mod m for an N-limb m (CIOS: per limb of a, add b·a[i], then reduce one limb).
// Always inlined: otherwise the squaring pays a copy of the result per call (1.5% of a render
// that makes keys, by callgrind).
#[inline(always)]
fn mont_mul_fixed<const N: usize>(
    a: &[u64; N],
    b: &[u64; N],
    m: &[u64; N],
    m_inv: u64,
) -> [u64; N] {
    let mut t = [0u64; N];
    let mut t_hi: u64 = 0;
    for &ai in a {
        let ai = u128::from(ai);
        let mut c: u128 = 0;
        for (tj, &bj) in t.iter_mut().zip(b) {
            let s = u128::from(*tj) + u128::from(bj) * ai + c;
            *tj = s as u64;
            c = s >> 64;
        }
        let s = u128::from(t_hi) + c;
        t_hi = s as u64;
        let t_top = (s >> 64) as u64;
        let mu = u128::from(t[0].wrapping_mul(m_inv));
        let mut c = (u128::from(t[0]) + mu * u128::from(m[0])) >> 64;
        for j in 1..N {
            let s = u128::from(t[j]) + mu * u128::from(m[j]) + c;
            t[j - 1] = s as u64;
            c = s >> 64;
        }
        let s = u128::from(t_hi) + c;
        t[N - 1] = s as u64;
        t_hi = t_top + (s >> 64) as u64;
    }
    // The result is below 2m: one conditional subtraction reduces it.
    if t_hi != 0 || !less_than(&t, m) {
        sub_in_place(&mut t, m);
    }
    t
}

/// `num_bigint_dig::prime::probably_prime(n, 4)` for a candidate of the search (odd, above 2^64,
/// no prime below 2^16 divides it, so the crate's small-number and small-divisor checks pass):
/// Miller-Rabin with the crate's four pseudo-random bases (seeded from n's low limb) and base 2,
/// then its "almost extra strong" Lucas test, the same steps in the same order, on the
/// fixed-size Montgomery arithmetic for 1024- and 2048-bit n (the crate's generic `modpow` and
/// `%` made this final test a third of a render that makes keys). Other sizes use the crate.
///
/// The rounds and the Lucas test do not depend on each other and the answer is whether all
/// pass, so they are shared out over `threads` threads (the Lucas test, the longest, first);
/// the first that fails stops the others.
fn full_test(n: &BigUint, threads: usize) -> bool {
    match n.bits().div_ceil(64) {
        16 => Mont::<16>::new(n).probably_prime_on(n, threads),
        32 => Mont::<32>::new(n).probably_prime_on(n, threads),
        _ => probably_prime(n, 4),
    }
}

/// Arithmetic modulo an odd N-limb m in Montgomery form (x·R mod m, R = 2^(64N)).
struct Mont<const N: usize> {
    m: [u64; N],
    m_inv: u64,
    /// 1 in Montgomery form (R mod m).
    one: [u64; N],
}

impl<const N: usize> Mont<N> {
    fn new(n: &BigUint) -> Self {
        let m = Self::fixed(n);
        Mont {
            m,
            m_inv: neg_inverse(m[0]),
            one: Self::fixed(&((BigUint::from(1u32) << (64 * N)) % n)),
        }
    }

    fn fixed(v: &BigUint) -> [u64; N] {
        limbs(v, N).try_into().expect("limbs pads to N")
    }

    /// v (below m) into Montgomery form.
    fn mont(&self, v: &BigUint) -> [u64; N] {
        let m = BigUint::from_slice(&Self::u32_digits(&self.m));
        Self::fixed(&((v << (64 * N)) % m))
    }

    /// Out of Montgomery form.
    fn plain(&self, x: &[u64; N]) -> BigUint {
        let mut unit = [0u64; N];
        unit[0] = 1;
        BigUint::from_slice(&Self::u32_digits(&self.mul(x, &unit)))
    }

    fn u32_digits(x: &[u64; N]) -> Vec<u32> {
        x.iter()
            .flat_map(|&l| [l as u32, (l >> 32) as u32])
            .collect()
    }

    /// a·b·R⁻¹ mod m.
    fn mul(&self, a: &[u64; N], b: &[u64; N]) -> [u64; N] {
        mont_mul_fixed(a, b, &self.m, self.m_inv)
    }

    fn square(&self, a: &[u64; N]) -> [u64; N] {
        let mut x = *a;
        mont_square_fixed(&mut x, &self.m, self.m_inv);
        x
    }

    /// a - b mod m, for a, b below m.
    fn sub(&self, a: &[u64; N], b: &[u64; N]) -> [u64; N] {
        let mut x = *a;
        if less_than(a, b) {
            // a + m - b: add m first (the sum may carry out; the subtraction brings it back).
            let mut carry = 0u64;
            for (v, &mj) in x.iter_mut().zip(&self.m) {
                let (s1, c1) = v.overflowing_add(mj);
                let (s2, c2) = s1.overflowing_add(carry);
                *v = s2;
                carry = u64::from(c1 || c2);
            }
        }
        sub_in_place(&mut x, b);
        x
    }

    /// base^e (base in Montgomery form), left to right by sliding windows of up to
    /// [`POW_WINDOW`] bits: one multiplication per window (by a precomputed odd power) where
    /// bit by bit took one per set bit, about a third of Miller-Rabin's products.
    fn pow(&self, base: &[u64; N], e: &BigUint) -> [u64; N] {
        // odd[k] = base^(2k + 1).
        let mut odd = [*base; 1 << (POW_WINDOW - 1)];
        let b2 = self.square(base);
        for k in 1..odd.len() {
            odd[k] = self.mul(&odd[k - 1], &b2);
        }
        let el = limbs(e, e.bits().div_ceil(64).max(1));
        let bit = |i: usize| (el[i / 64] >> (i % 64)) & 1;
        let mut x = self.one;
        let mut i = e.bits();
        while i > 0 {
            let top = i - 1;
            if bit(top) == 0 {
                x = self.square(&x);
                i = top;
                continue;
            }
            // The window: bits top down to the lowest set bit within POW_WINDOW of it.
            let mut low = top.saturating_sub(POW_WINDOW - 1);
            while bit(low) == 0 {
                low += 1;
            }
            let mut value = 0usize;
            for b in (low..=top).rev() {
                x = self.square(&x);
                value = (value << 1) | bit(b) as usize;
            }
            x = self.mul(&x, &odd[value >> 1]);
            i = low;
        }
        x
    }

    /// The crate's `probably_prime_miller_rabin(n, 5, true) && probably_prime_lucas(n)`.
    #[cfg(test)]
    fn probably_prime(&self, n: &BigUint) -> bool {
        self.miller_rabin(n) && self.lucas(n)
    }

    /// [`Mont::probably_prime`], its Lucas test and Miller-Rabin rounds shared out over
    /// `threads` threads.
    fn probably_prime_on(&self, n: &BigUint, threads: usize) -> bool {
        use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
        let rounds = MillerRabin::new(self, n);
        let parts = rounds.bases.len() + 1;
        let next = AtomicUsize::new(0);
        let failed = AtomicBool::new(false);
        let run = || {
            while !failed.load(Ordering::Relaxed) {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let pass = match i {
                    0 => self.lucas(n),
                    i if i < parts => rounds.round(self, &rounds.bases[i - 1]),
                    _ => return,
                };
                if !pass {
                    failed.store(true, Ordering::Relaxed);
                }
            }
        };
        if threads < 2 {
            run();
        } else {
            std::thread::scope(|s| {
                for _ in 1..threads.min(parts) {
                    gotmpl::threads::spawn_scoped(s, run);
                }
                run();
            });
        }
        !failed.load(Ordering::Relaxed)
    }

    #[cfg(test)]
    fn miller_rabin(&self, n: &BigUint) -> bool {
        let rounds = MillerRabin::new(self, n);
        rounds.bases.iter().all(|x| rounds.round(self, x))
    }

    fn lucas(&self, n: &BigUint) -> bool {
        use num_bigint_dig::{BigInt, Sign};
        let n_int = BigInt::from_biguint(Sign::Plus, n.clone());
        let mut p = 3u64;
        loop {
            if p > 10000 {
                // The crate panics here ("widely believed to be impossible"); it is its answer.
                return probably_prime(n, 4);
            }
            let j = num_bigint_dig::algorithms::jacobi(&BigInt::from(p * p - 4), &n_int);
            if j == -1 {
                break;
            }
            if j == 0 {
                return n_int == BigInt::from(p + 2);
            }
            if p == 40 {
                let t = n.sqrt();
                if &(&t * &t) == n {
                    return false;
                }
            }
            p += 1;
        }
        let mut s = n + BigUint::from(1u32);
        let r = s.trailing_zeros().expect("n + 1 is not zero");
        s = &s >> r;
        // V(0) = 2, V(1) = P; V(2k) = V(k)² - 2, V(2k+1) = V(k)·V(k+1) - P.
        let two_m = self.mont(&BigUint::from(2u32));
        let p_m = self.mont(&BigUint::from(p));
        let (mut vk, mut vk1) = (two_m, p_m);
        let sl = limbs(&s, s.bits().div_ceil(64));
        for i in (0..s.bits()).rev() {
            if (sl[i / 64] >> (i % 64)) & 1 == 1 {
                vk = self.sub(&self.mul(&vk, &vk1), &p_m);
                vk1 = self.sub(&self.square(&vk1), &two_m);
            } else {
                vk1 = self.sub(&self.mul(&vk, &vk1), &p_m);
                vk = self.sub(&self.square(&vk), &two_m);
            }
        }
        // The rest as the crate does it, on plain numbers: a few steps once per test.
        let (mut vk, vk1) = (self.plain(&vk), self.plain(&vk1));
        let big2 = BigUint::from(2u32);
        let nm2 = n - &big2;
        if vk == big2 || vk == nm2 {
            let mut t1 = &vk * p;
            let mut t2 = &vk1 << 1;
            if t1 < t2 {
                std::mem::swap(&mut t1, &mut t2);
            }
            t1 -= t2;
            if (t1 % n) == BigUint::from(0u32) {
                return true;
            }
        }
        for _ in 0..r - 1 {
            if vk == BigUint::from(0u32) {
                return true;
            }
            if vk == big2 {
                return false;
            }
            vk = (&vk * &vk - &big2) % n;
        }
        false
    }
}

/// The crate's `probably_prime_miller_rabin(n, 5, true)` as separate rounds: n - 1 = q·2^k,
/// and the bases in the crate's order (four pseudo-random ones seeded from n's low limb, then 2).
struct MillerRabin<const N: usize> {
    q: BigUint,
    k: usize,
    minus_one: [u64; N],
    bases: Vec<BigUint>,
}

impl<const N: usize> MillerRabin<N> {
    const REPS: usize = 5;

    fn new(mont: &Mont<N>, n: &BigUint) -> Self {
        use num_bigint_dig::RandBigInt;
        let one = BigUint::from(1u32);
        let two = BigUint::from(2u32);
        let nm1 = n - &one;
        let k = nm1.trailing_zeros().expect("n - 1 is not zero");
        let q = &nm1 >> k;
        let nm3 = n - &two;
        let mut rng = rand::rngs::StdRng::seed_from_u64(n.get_limb(0));
        let bases = (0..Self::REPS)
            .map(|i| {
                if i == Self::REPS - 1 {
                    two.clone()
                } else {
                    rng.gen_biguint_below(&nm3) + &two
                }
            })
            .collect();
        MillerRabin {
            q,
            k,
            minus_one: mont.sub(&[0u64; N], &mont.one),
            bases,
        }
    }

    /// Whether n passes the round to base `x`.
    fn round(&self, mont: &Mont<N>, x: &BigUint) -> bool {
        let mut y = mont.pow(&mont.mont(x), &self.q);
        if y == mont.one || y == self.minus_one {
            return true;
        }
        for _ in 1..self.k {
            y = mont.square(&y);
            if y == self.minus_one {
                return true;
            }
            if y == mont.one {
                return false;
            }
        }
        false
    }
}

/// The little-endian 64-bit limbs of `v`, padded to `len`.
fn limbs(v: &BigUint, len: usize) -> Vec<u64> {
    let bytes = v.to_bytes_le();
    let mut out = vec![0u64; len];
    for (i, b) in bytes.iter().enumerate() {
        out[i / 8] |= u64::from(*b) << (8 * (i % 8));
    }
    out
}

/// -m0⁻¹ mod 2^64 for odd m0 (Newton's iteration doubles the correct bits each step).
fn neg_inverse(m0: u64) -> u64 {
    let mut inv: u64 = 1;
    for _ in 0..6 {
        inv = inv.wrapping_mul(2u64.wrapping_sub(m0.wrapping_mul(inv)));
    }
    inv.wrapping_neg()
}

/// x ← x·x·R⁻¹ mod m: Montgomery multiplication with the product and the reduction in one pass
/// per limb of x (CIOS). `t` and `u` are scratch of len + 1 limbs each: each pass reads one and
/// writes the other shifted down a limb, so the inner loop is a zip without index checks.
fn mont_square(x: &mut [u64], m: &[u64], m_inv: u64, t: &mut Vec<u64>, u: &mut Vec<u64>) {
    let n = m.len();
    t.clear();
    t.resize(n + 1, 0);
    u.clear();
    u.resize(n + 1, 0);
    for i in 0..n {
        let xi = u128::from(x[i]);
        let first = u128::from(t[0]) + u128::from(x[0]) * xi;
        let mu = u128::from((first as u64).wrapping_mul(m_inv));
        let mut c1 = first >> 64;
        let mut c2 = (u128::from(first as u64) + mu * u128::from(m[0])) >> 64;
        for (((out, &tj), &xj), &mj) in u.iter_mut().zip(&t[1..n]).zip(&x[1..]).zip(&m[1..]) {
            let a = u128::from(tj) + u128::from(xj) * xi + c1;
            c1 = a >> 64;
            let b = u128::from(a as u64) + mu * u128::from(mj) + c2;
            c2 = b >> 64;
            *out = b as u64;
        }
        let a = u128::from(t[n]) + c1;
        let b = u128::from(a as u64) + c2;
        u[n - 1] = b as u64;
        // Below 2m < 2^(64n+1): the top limb is 0 or 1.
        u[n] = ((a >> 64) as u64) + ((b >> 64) as u64);
        std::mem::swap(t, u);
    }
    // The result is below 2m: one conditional subtraction reduces it.
    let carry = t[n];
    x.copy_from_slice(&t[..n]);
    if carry != 0 || !less_than(x, m) {
        sub_in_place(x, m);
    }
}

/// x ← 2x mod m, for x < m.
fn double_mod(x: &mut [u64], m: &[u64]) {
    let mut carry = 0u64;
    for v in x.iter_mut() {
        let next = *v >> 63;
        *v = (*v << 1) | carry;
        carry = next;
    }
    if carry != 0 || !less_than(x, m) {
        sub_in_place(x, m);
    }
}

fn less_than(a: &[u64], b: &[u64]) -> bool {
    a.iter().rev().cmp(b.iter().rev()).is_lt()
}

/// a ← a - b, wrapping (the caller knows the true result fits).
fn sub_in_place(a: &mut [u64], b: &[u64]) {
    let mut borrow = 0u64;
    for (x, &y) in a.iter_mut().zip(b) {
        let (d1, b1) = x.overflowing_sub(y);
        let (d2, b2) = d1.overflowing_sub(borrow);
        *x = d2;
        borrow = u64::from(b1 || b2);
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
        // p and q are searched by every core together (a key is most of a render that makes one),
        // each from its own generator seeded from `rng`, so a seeded `rng` still gives one key.
        let mut seeds = [[0u8; 32]; 2];
        rng.fill_bytes(&mut seeds[0]);
        rng.fill_bytes(&mut seeds[1]);
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get().min(4));
        let mut primes = gen_primes(
            &[(seeds[0], bits / 2), (seeds[1], bits - bits / 2)],
            threads,
        );
        let (q, p) = (
            primes.pop().expect("two primes"),
            primes.pop().expect("two primes"),
        );
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
    use num_traits::ToPrimitive;

    #[test]
    fn sieve_holds_the_odd_primes_below_the_limit() {
        let p = sieve_primes();
        assert_eq!(&p[..6], &[3, 5, 7, 11, 13, 17]);
        assert_eq!(p.len(), 6541); // π(65536) = 6542, less the prime 2
        assert_eq!(*p.last().expect("non-empty"), 65521);
    }

    #[test]
    fn fast_mod_is_the_remainder() {
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(11);
        for &p in sieve_primes().iter().step_by(97).chain(&[3, 65521]) {
            let m = reciprocal(p);
            for a in [0, 1, p - 1, p, p + 1, u32::MAX, u32::MAX - 1, u32::MAX / 2] {
                assert_eq!(fast_mod(a, m, p), a % p, "{a} mod {p}");
            }
            for _ in 0..1000 {
                let a = rng.next_u32();
                assert_eq!(fast_mod(a, m, p), a % p, "{a} mod {p}");
            }
        }
    }

    #[test]
    fn residues_are_the_big_number_modulo_each_prime() {
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(12);
        let primes = sieve_primes();
        let mut residues = vec![0u32; primes.len()];
        // Odd and even byte counts (1024-bit starts, 1023-bit ones, small ones).
        for len in [128, 127, 64, 33, 3, 2, 1] {
            let mut bytes = vec![0u8; len];
            rng.fill_bytes(&mut bytes);
            residues_of(&bytes, primes, sieve_reciprocals(), &mut residues);
            let n = BigUint::from_bytes_be(&bytes);
            for (&r, &p) in residues.iter().zip(primes) {
                assert_eq!(Some(r), (&n % p).to_u32(), "{len} bytes mod {p}");
            }
        }
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

    /// The squaring against the general product, x·x, on random and extreme operands.
    fn squaring_matches_the_product<const N: usize>(rng: &mut impl RngCore) {
        let mut moduli = vec![[u64::MAX; N]];
        let mut small = [0u64; N];
        small[0] = 3;
        moduli.push(small);
        for _ in 0..30 {
            let mut m = [0u64; N];
            m.iter_mut().for_each(|v| *v = rng.next_u64());
            m[0] |= 1;
            m[N - 1] |= 1 << 63;
            moduli.push(m);
        }
        for m in moduli {
            let m_inv = neg_inverse(m[0]);
            let mut below = m;
            sub_in_place(&mut below, &{
                let mut one = [0u64; N];
                one[0] = 1;
                one
            });
            let mut xs = vec![[0u64; N], below];
            let mut one = [0u64; N];
            one[0] = 1;
            xs.push(one);
            for _ in 0..20 {
                let mut x = [0u64; N];
                x.iter_mut().for_each(|v| *v = rng.next_u64());
                // Halve the top non-zero limb until x < m (a small m leaves x small).
                while !less_than(&x, &m) {
                    let top = x.iter().rposition(|&v| v != 0).expect("x ≥ m > 0");
                    x[top] >>= 1;
                }
                xs.push(x);
            }
            for x in xs {
                let want = mont_mul_fixed(&x, &x, &m, m_inv);
                let mut got = x;
                mont_square_fixed(&mut got, &m, m_inv);
                assert_eq!(got, want, "x = {x:x?}, m = {m:x?}");
            }
        }
    }

    fn pow_matches_the_crate<const N: usize>(rng: &mut rand_chacha::ChaCha20Rng) {
        use num_bigint_dig::RandBigInt;
        for _ in 0..10 {
            let mut m = rng.gen_biguint(64 * N);
            m |= BigUint::from(1u32);
            if m.bits() < 2 {
                continue;
            }
            let mont = Mont::<N>::new(&m);
            let exps = [
                BigUint::from(0u32),
                BigUint::from(1u32),
                BigUint::from(2u32),
                BigUint::from(0b1000_0001u32),
                BigUint::from(u64::MAX),
                rng.gen_biguint(64 * N),
                rng.gen_biguint(64 * N) | (BigUint::from(1u32) << (64 * N - 1)),
            ];
            for e in exps {
                let b = rng.gen_biguint_below(&m);
                let got = mont.plain(&mont.pow(&mont.mont(&b), &e));
                assert_eq!(got, b.modpow(&e, &m), "{b}^{e} mod {m}");
            }
        }
    }

    #[test]
    fn montgomery_pow_matches_the_crate() {
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(19);
        pow_matches_the_crate::<1>(&mut rng);
        pow_matches_the_crate::<2>(&mut rng);
        pow_matches_the_crate::<16>(&mut rng);
        pow_matches_the_crate::<32>(&mut rng);
    }

    #[test]
    fn montgomery_squaring_matches_the_product() {
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(17);
        squaring_matches_the_product::<1>(&mut rng);
        squaring_matches_the_product::<2>(&mut rng);
        squaring_matches_the_product::<3>(&mut rng);
        squaring_matches_the_product::<4>(&mut rng);
        squaring_matches_the_product::<7>(&mut rng);
        squaring_matches_the_product::<16>(&mut rng);
        squaring_matches_the_product::<31>(&mut rng);
        squaring_matches_the_product::<32>(&mut rng);
    }

    #[test]
    fn fermat_base2_rejects_composites_and_keeps_primes() {
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(11);
        let mut composites = 0;
        for bits in [64, 200, 1024, 2048] {
            // Primes found by the crate's own search (no filter on that path) pass.
            let p = num_bigint_dig::RandPrime::gen_prime(&mut rng, bits);
            assert!(fermat_base2(&p), "a prime of {bits} bits passes");
            // Odd numbers of the size: the filter agrees with the full test on each.
            for _ in 0..40 {
                let mut bytes = vec![0u8; bits / 8];
                rng.fill_bytes(&mut bytes);
                bytes[0] |= 0x80;
                bytes[bits / 8 - 1] |= 1;
                let n = BigUint::from_bytes_be(&bytes);
                let full = probably_prime(&n, 20);
                assert_eq!(fermat_base2(&n), full, "{n}");
                // And with the crate's arithmetic: 2^(n-1) mod n.
                let two = BigUint::from(2u32);
                let want = two.modpow(&(&n - BigUint::from(1u32)), &n) == BigUint::from(1u32);
                assert_eq!(fermat_base2(&n), want, "{n}");
                composites += usize::from(!full);
            }
        }
        assert!(composites > 0, "the sample held composites");
        // Base-2 Fermat pseudoprimes (341 = 11·31, 561 = 3·11·17) pass: the full test rejects them.
        assert!(fermat_base2(&BigUint::from(341u32)));
        assert!(fermat_base2(&BigUint::from(561u32)));
        assert!(!probably_prime(&BigUint::from(341u32), 4));
        assert!(!fermat_base2(&BigUint::from(15u32)));
        assert!(fermat_base2(&BigUint::from(65521u32)));
    }

    /// The search as it was before the windowed sieve: each step's residues tested one by one,
    /// and the crate's full test alone.
    fn gen_prime_stepwise(rng: &mut impl RngCore, bits: usize) -> BigUint {
        let primes = sieve_primes();
        let mut bytes = vec![0u8; bits.div_ceil(8)];
        loop {
            let base = random_start(rng, bits, &mut bytes);
            let residues: Vec<u32> = primes
                .iter()
                .map(|&p| (&base % p).to_u32().expect("below 2^16"))
                .collect();
            let mut delta: u32 = 0;
            while delta < 1 << 20 {
                if residues
                    .iter()
                    .zip(primes)
                    .all(|(&r, &p)| !(r + delta).is_multiple_of(p))
                {
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

    #[test]
    fn the_windowed_search_finds_the_stepwise_prime() {
        // Same generator, same starts, same candidates in the same order: the same prime, which
        // is what keeps a seeded key what it was. 1024 and 2048 bits take the fixed-size
        // squarings; 64 bits is where the top step can leave the size (a new start).
        for (seed, bits) in [
            (1, 64),
            (2, 64),
            (3, 100),
            (4, 256),
            (5, 512),
            (6, 1024),
            (7, 2048),
        ] {
            let a = gen_prime(&mut rand_chacha::ChaCha20Rng::seed_from_u64(seed), bits);
            let b = gen_prime_stepwise(&mut rand_chacha::ChaCha20Rng::seed_from_u64(seed), bits);
            assert_eq!(a, b, "seed {seed}, {bits} bits");
        }
    }

    #[test]
    fn searches_shared_by_threads_find_each_search_s_own_prime() {
        // Each search's answer is its first prime whichever thread tested it: the primes of
        // one search alone, on any number of threads. Sizes below 64 bits take the crate's
        // search; 256 bits are found in few candidates, so the threads race on every one.
        for (i, sizes) in [[512, 512], [1024, 1024], [256, 1024], [60, 512]]
            .iter()
            .enumerate()
        {
            let searches: Vec<([u8; 32], usize)> = sizes
                .iter()
                .enumerate()
                .map(|(j, &bits)| ([u8::try_from(i * 2 + j).expect("small"); 32], bits))
                .collect();
            let alone: Vec<BigUint> = searches
                .iter()
                .map(|&(seed, bits)| {
                    gen_prime(&mut rand_chacha::ChaCha20Rng::from_seed(seed), bits)
                })
                .collect();
            for threads in [1, 2, 3, 4] {
                for _ in 0..3 {
                    assert_eq!(
                        gen_primes(&searches, threads),
                        alone,
                        "{sizes:?}, {threads}"
                    );
                }
            }
        }
    }

    #[test]
    fn a_later_candidate_found_first_does_not_win() {
        // Stand-in tests: the filter passes one candidate in three; the full test fails one in
        // three of those (its search then takes candidates again) and is slow on half (as a
        // real prime's full test is), so threads often find a later "prime" while an earlier
        // one is still in its test. Each search's answer must still be its first.
        let filter = |c: &BigUint| (c.get_limb(0) >> 1).is_multiple_of(3);
        let full = |c: &BigUint| {
            let low = c.get_limb(0) >> 1;
            if low.is_multiple_of(2) {
                std::thread::sleep(std::time::Duration::from_millis(3));
            }
            low % 9 != 3
        };
        let tests = Tests {
            filter: &filter,
            full: &full,
        };
        for seed in 0u8..12 {
            let searches = [([seed; 32], 256), ([seed ^ 0x80; 32], 256)];
            let alone: Vec<BigUint> = searches
                .iter()
                .map(|&(s, bits)| {
                    gen_prime_by(&mut rand_chacha::ChaCha20Rng::from_seed(s), bits, &tests)
                })
                .collect();
            for threads in [2, 3, 4] {
                assert_eq!(
                    gen_primes_by(&searches, threads, &tests),
                    alone,
                    "seed {seed}"
                );
            }
        }
    }

    #[test]
    fn montgomery_tests_agree_with_the_crate_on_small_numbers() {
        use num_bigint_dig::prime::{probably_prime_lucas, probably_prime_miller_rabin};
        // Every odd number in the range, through one- and two-limb moduli: each step (Miller-
        // Rabin with the crate's bases, the Lucas test, and both as the search runs them)
        // against the crate. The range holds strong pseudoprimes to base 2 (2047, 3277, 4033,
        // 4681, 8321, ...) and almost-extra-strong Lucas pseudoprimes (989, 3239, 5777, 10877, ...).
        let (mut primes, mut lucas_liars) = (0, 0);
        for v in (65u32..30_000).step_by(2) {
            let n = BigUint::from(v);
            let (one, two) = (Mont::<1>::new(&n), Mont::<2>::new(&n));
            let mr = probably_prime_miller_rabin(&n, 5, true);
            assert_eq!(one.miller_rabin(&n), mr, "{v}");
            assert_eq!(two.miller_rabin(&n), mr, "{v}");
            let lucas = probably_prime_lucas(&n);
            assert_eq!(one.lucas(&n), lucas, "{v}");
            assert_eq!(two.lucas(&n), lucas, "{v}");
            let small_divisor = [3u32, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53]
                .iter()
                .any(|p| v % p == 0);
            if !small_divisor {
                let want = probably_prime(&n, 4);
                assert_eq!(one.probably_prime(&n), want, "{v}");
                // Shared out over threads: Lucas pseudoprimes (10877, ...) need the rounds.
                for threads in [1, 2, 3] {
                    assert_eq!(one.probably_prime_on(&n, threads), want, "{v}, {threads}");
                }
            }
            primes += usize::from(mr && lucas);
            lucas_liars += usize::from(lucas && !mr);
        }
        assert!(primes > 3000, "{primes} primes");
        assert!(lucas_liars > 0, "the range held Lucas pseudoprimes");
    }

    #[test]
    fn the_full_test_agrees_with_the_crate_at_key_sizes() {
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(13);
        for bits in [1024, 2048] {
            let p = num_bigint_dig::RandPrime::gen_prime(&mut rng, bits);
            // On one thread and shared out (the parts in any order, the first failure stopping
            // the others), the same answers.
            for threads in [1, 2, 3, 7] {
                assert!(full_test(&p, threads), "a prime of {bits} bits passes");
            }
            for _ in 0..30 {
                let mut bytes = vec![0u8; bits / 8];
                rng.fill_bytes(&mut bytes);
                bytes[0] |= 0x80;
                bytes[bits / 8 - 1] |= 1;
                let n = BigUint::from_bytes_be(&bytes);
                for threads in [1, 2] {
                    assert_eq!(full_test(&n, threads), probably_prime(&n, 4), "{n}");
                }
            }
            // A product of two primes of half the size: Miller-Rabin must reject it.
            let q = num_bigint_dig::RandPrime::gen_prime(&mut rng, bits / 2);
            let r = num_bigint_dig::RandPrime::gen_prime(&mut rng, bits / 2);
            let n = &q * &r;
            if n.bits() == bits {
                assert!(!full_test(&n, 1));
                assert!(!full_test(&n, 2));
            }
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
