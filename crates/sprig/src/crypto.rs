//! Sprig's crypto functions: `derivePassword` (Master Password: scrypt + HMAC-SHA256, exact),
//! `bcrypt`/`htpasswd` (`$2a$10$`), `encryptAES`/`decryptAES` (AES-256-CBC, PKCS#7, IV first,
//! with Go's panics on malformed input), `genPrivateKey`, and the certificate generators
//! (`genCA`, `genSelfSignedCert`, `genSignedCert`, their `WithKey` forms, `buildCustomCert`) with
//! Sprig's X.509 template: 128-bit random serial, CN subject, digitalSignature+keyEncipherment
//! (+certSign for a CA), serverAuth+clientAuth, basic constraints. Keys and serials come from the
//! function map's generator, so a seed makes them reproducible.

use std::net::IpAddr;
use std::sync::Arc;

use gotmpl::{ArgType, ElemType, Field, Object, Value};
use hmac::Mac;
use rand::SeedableRng;

use crate::conv::{as_int, as_str, bytes_str};
use crate::encoding::{b64_decode, b64_encode};
use crate::t::*;
use crate::{Env, R, Reg, Rng};

mod prime;

const CERT: &str = "sprig.certificate";

/// Sprig's `certificate` struct.
#[derive(Debug, Clone)]
struct Certificate {
    cert: String,
    key: String,
}

impl Object for Certificate {
    fn type_name(&self) -> String {
        CERT.into()
    }
    fn display(&self) -> String {
        format!("{{{} {}}}", self.cert, self.key)
    }
    fn field(&self, name: &str) -> Option<Value> {
        match name {
            "Cert" => Some(Value::string(&self.cert)),
            "Key" => Some(Value::string(&self.key)),
            _ => None,
        }
    }
    fn has_field(&self, name: &str) -> bool {
        matches!(name, "Cert" | "Key")
    }
    /// Sprig's `certificate` struct: `Cert` and `Key`, no tags.
    fn fields(&self) -> Option<Vec<Field>> {
        Some(vec![
            Field::new("Cert", "", Value::string(&self.cert)),
            Field::new("Key", "", Value::string(&self.key)),
        ])
    }
}

fn cert_arg(v: &Value) -> Certificate {
    match v {
        Value::Object(o) => Certificate {
            cert: match o.field("Cert") {
                Some(Value::String(s)) => s.to_string(),
                _ => String::new(),
            },
            key: match o.field("Key") {
                Some(Value::String(s)) => s.to_string(),
                _ => String::new(),
            },
        },
        _ => Certificate {
            cert: String::new(),
            key: String::new(),
        },
    }
}

/// A ChaCha generator seeded from the function map's source (for crates wanting `RngCore`).
fn crng(rng: &Rng) -> rand_chacha::ChaCha20Rng {
    let mut seed = [0u8; 32];
    rng.fill(&mut seed);
    rand_chacha::ChaCha20Rng::from_seed(seed)
}

/// Go's `pem.EncodeToMemory`.
pub(crate) fn pem_encode(typ: &str, der: &[u8]) -> String {
    let b = b64_encode(der);
    let mut out = format!("-----BEGIN {typ}-----\n");
    for chunk in b.as_bytes().chunks(64) {
        out.push_str(&String::from_utf8_lossy(chunk));
        out.push('\n');
    }
    out.push_str(&format!("-----END {typ}-----\n"));
    out
}

/// Go's `pem.Decode` (first block): type and bytes.
pub(crate) fn pem_decode(s: &str) -> Option<(String, Vec<u8>)> {
    let start = s.find("-----BEGIN ")?;
    let rest = &s[start + 11..];
    let (typ, rest) = rest.split_once("-----")?;
    let end_marker = format!("-----END {typ}-----");
    let end = rest.find(&end_marker)?;
    let body = &rest[..end];
    let b64: String = body
        .lines()
        .filter(|l| !l.contains(':'))
        .flat_map(|l| l.chars())
        .filter(|c| !c.is_whitespace())
        .collect();
    let der = b64_decode(b64.as_bytes()).ok()?;
    Some((typ.to_string(), der))
}

/// A private key Sprig can use.
enum Key {
    Rsa(Box<rsa::RsaPrivateKey>),
    Ec(Box<p256::SecretKey>),
    Ed(Box<ed25519_dalek::SigningKey>),
}

impl Key {
    /// Sprig's `pemBlockForKey`.
    fn pem(&self) -> String {
        use rsa::pkcs1::EncodeRsaPrivateKey;
        use rsa::pkcs8::EncodePrivateKey;
        match self {
            Key::Rsa(k) => pem_encode(
                "RSA PRIVATE KEY",
                k.to_pkcs1_der()
                    .map(|d| d.as_bytes().to_vec())
                    .unwrap_or_default()
                    .as_slice(),
            ),
            Key::Ec(k) => pem_encode(
                "EC PRIVATE KEY",
                k.to_sec1_der()
                    .map(|d| d.to_vec())
                    .unwrap_or_default()
                    .as_slice(),
            ),
            Key::Ed(k) => pem_encode(
                "PRIVATE KEY",
                k.to_pkcs8_der()
                    .map(|d| d.as_bytes().to_vec())
                    .unwrap_or_default()
                    .as_slice(),
            ),
        }
    }

    /// rcgen's key pair for signing with this key.
    fn key_pair(&self) -> Result<rcgen::KeyPair, String> {
        use rsa::pkcs8::EncodePrivateKey;
        let der: Vec<u8> = match self {
            Key::Rsa(k) => k
                .to_pkcs8_der()
                .map_err(|e| e.to_string())?
                .as_bytes()
                .to_vec(),
            Key::Ec(k) => k
                .to_pkcs8_der()
                .map_err(|e| e.to_string())?
                .as_bytes()
                .to_vec(),
            Key::Ed(k) => k
                .to_pkcs8_der()
                .map_err(|e| e.to_string())?
                .as_bytes()
                .to_vec(),
        };
        rcgen::KeyPair::try_from(der.as_slice()).map_err(|e| e.to_string())
    }
}

/// Sprig's `parsePrivateKeyPEM`.
fn parse_key(pem: &str) -> Result<Key, String> {
    use rsa::pkcs1::DecodeRsaPrivateKey;
    use rsa::pkcs8::DecodePrivateKey;
    let Some((typ, der)) = pem_decode(pem) else {
        return Err("no PEM data in input".into());
    };
    if typ == "PRIVATE KEY" {
        if let Ok(k) = rsa::RsaPrivateKey::from_pkcs8_der(&der) {
            return Ok(Key::Rsa(Box::new(k)));
        }
        if let Ok(k) = p256::SecretKey::from_pkcs8_der(&der) {
            return Ok(Key::Ec(Box::new(k)));
        }
        if let Ok(k) = ed25519_dalek::SigningKey::from_pkcs8_der(&der) {
            return Ok(Key::Ed(Box::new(k)));
        }
        return Err("decoding PEM as PKCS#8: x509: failed to parse private key".into());
    }
    let Some(kind) = typ.strip_suffix(" PRIVATE KEY") else {
        return Err(format!("no private key data in PEM block of type {typ}"));
    };
    match kind {
        "RSA" => rsa::RsaPrivateKey::from_pkcs1_der(&der)
            .map(|k| Key::Rsa(Box::new(k)))
            .map_err(|e| format!("parsing RSA private key from PEM: {e}")),
        "EC" => p256::SecretKey::from_sec1_der(&der)
            .map(|k| Key::Ec(Box::new(k)))
            .map_err(|e| format!("parsing EC private key from PEM: {e}")),
        _ => Err(format!("invalid private key type {typ}")),
    }
}

fn gen_rsa(rng: &Rng, bits: usize) -> Result<Key, String> {
    let mut source = crng(rng);
    // A crossed isolated execution is discarded: no key is worth its primes.
    if gotmpl::isolation::crossed() {
        return Err("isolated execution crossed".into());
    }
    prime::gen_rsa_key(&mut source, bits)
        .map(|k| Key::Rsa(Box::new(k)))
        .map_err(|e| format!("error generating rsa key: {e}"))
}

/// Sprig's `getNetIPs` / `getAlternateDNSStrs`.
fn san_list(v: &Value, ip: bool) -> Result<Vec<rcgen::SanType>, String> {
    let items = match v {
        Value::List(l) => l.items.clone(),
        _ => vec![],
    };
    let mut out = Vec::new();
    for item in items {
        let Value::String(s) = &item else {
            let shown = gotmpl::fmt::sprint(std::slice::from_ref(&item));
            return Err(if ip {
                format!("error parsing ip: {shown} is not a string")
            } else {
                format!("error processing alternate dns name: {shown} is not a string")
            });
        };
        if ip {
            let addr: IpAddr = s.parse().map_err(|_| format!("error parsing ip: {s}"))?;
            out.push(rcgen::SanType::IpAddress(addr));
        } else {
            let name = rcgen::string::Ia5String::try_from(s.to_string())
                .map_err(|e| format!("error creating certificate: {e}"))?;
            out.push(rcgen::SanType::DnsName(name));
        }
    }
    Ok(out)
}

struct CertSpec<'a> {
    cn: &'a str,
    ips: Value,
    dns: Value,
    days: i64,
    ca: bool,
}

/// Sprig's `getBaseCertTemplate`.
fn template(spec: &CertSpec<'_>, rng: &Rng, now: i64) -> Result<rcgen::CertificateParams, String> {
    let mut sans = san_list(&spec.ips, true)?;
    let dns = san_list(&spec.dns, false)?;
    sans.splice(0..0, dns);
    let mut p = rcgen::CertificateParams::default();
    let mut serial = [0u8; 16];
    rng.fill(&mut serial);
    let first = serial.iter().position(|b| *b != 0).unwrap_or(15);
    p.serial_number = Some(rcgen::SerialNumber::from_slice(&serial[first..]));
    let mut dn = rcgen::DistinguishedName::new();
    if !spec.cn.is_empty() {
        dn.push(rcgen::DnType::CommonName, spec.cn);
    }
    p.distinguished_name = dn;
    p.subject_alt_names = sans;
    let at = |s: i64| {
        time::OffsetDateTime::from_unix_timestamp(s)
            .map_err(|e| format!("error creating certificate: {e}"))
    };
    p.not_before = at(now)?;
    p.not_after = at(now.saturating_add(spec.days.saturating_mul(86_400)))?;
    p.key_usages = vec![
        rcgen::KeyUsagePurpose::DigitalSignature,
        rcgen::KeyUsagePurpose::KeyEncipherment,
    ];
    if spec.ca {
        p.key_usages.push(rcgen::KeyUsagePurpose::KeyCertSign);
        p.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    } else {
        p.is_ca = rcgen::IsCa::ExplicitNoCa;
        p.use_authority_key_identifier_extension = true;
    }
    p.extended_key_usages = vec![
        rcgen::ExtendedKeyUsagePurpose::ServerAuth,
        rcgen::ExtendedKeyUsagePurpose::ClientAuth,
    ];
    Ok(p)
}

fn make_cert(
    spec: &CertSpec<'_>,
    key: Key,
    signer: Option<&Certificate>,
    rng: &Rng,
    now: i64,
) -> R {
    let params = template(spec, rng, now)?;
    let kp = key.key_pair()?;
    let cert = match signer {
        None => params.self_signed(&kp),
        Some(ca) => {
            if pem_decode(&ca.cert).is_none_or(|(t, _)| t.is_empty()) {
                return Err("unable to decode certificate".into());
            }
            let ca_key =
                parse_key(&ca.key).map_err(|e| format!("error parsing private key: {e}"))?;
            let ca_kp = ca_key.key_pair()?;
            let issuer = rcgen::Issuer::from_ca_cert_pem(&ca.cert, ca_kp)
                .map_err(|e| format!("error parsing certificate: decodedSignerCert.Bytes: {e}"))?;
            params.signed_by(&kp, &issuer)
        }
    }
    .map_err(|e| format!("error creating certificate: {e}"))?;
    Ok(Value::Object(Arc::new(Certificate {
        cert: cert.pem().replace("\r\n", "\n"),
        key: key.pem(),
    })))
}

/// DER INTEGER of a non-negative big integer.
fn der_uint(out: &mut Vec<u8>, v: &num_bigint_dig::BigUint) {
    let mut b = v.to_bytes_be();
    if b.is_empty() {
        b.push(0);
    }
    if b[0] & 0x80 != 0 {
        b.insert(0, 0);
    }
    out.push(0x02);
    der_len(out, b.len());
    out.extend(b);
}

fn der_len(out: &mut Vec<u8>, n: usize) {
    if n < 0x80 {
        out.push(n as u8);
    } else {
        let bytes: Vec<u8> = n
            .to_be_bytes()
            .into_iter()
            .skip_while(|b| *b == 0)
            .collect();
        out.push(0x80 | bytes.len() as u8);
        out.extend(bytes);
    }
}

/// Go's `dsa.GenerateParameters(L2048N256)` and `dsa.GenerateKey`, as Sprig's
/// `DSA PRIVATE KEY` (ASN.1 `{0, P, Q, G, Y, X}`).
fn gen_dsa_pem(rng: &Rng) -> String {
    use num_bigint_dig::BigUint;
    use num_bigint_dig::prime::probably_prime;
    const L: usize = 2048;
    const N: usize = 256;
    let one = BigUint::from(1u32);
    let (p, q) = 'primes: loop {
        let mut qb = vec![0u8; N / 8];
        rng.fill(&mut qb);
        qb[N / 8 - 1] |= 1;
        qb[0] |= 0x80;
        let q = BigUint::from_bytes_be(&qb);
        if !probably_prime(&q, 64) {
            continue;
        }
        for _ in 0..4 * L {
            let mut pb = vec![0u8; L / 8];
            rng.fill(&mut pb);
            pb[L / 8 - 1] |= 1;
            pb[0] |= 0x80;
            let p = BigUint::from_bytes_be(&pb);
            let rem = &p % &q;
            if rem.bits() == 0 {
                continue;
            }
            let p = p - (rem - &one);
            if p.bits() < L || !probably_prime(&p, 64) {
                continue;
            }
            break 'primes (p, q);
        }
    };
    let e = (&p - &one) / &q;
    let mut h = BigUint::from(2u32);
    let g = loop {
        let g = h.modpow(&e, &p);
        if g != one {
            break g;
        }
        h += &one;
    };
    let x = loop {
        let mut xb = vec![0u8; q.bits() / 8];
        rng.fill(&mut xb);
        let x = BigUint::from_bytes_be(&xb);
        if x.bits() != 0 && x < q {
            break x;
        }
    };
    let y = g.modpow(&x, &p);
    let mut body = Vec::new();
    der_uint(&mut body, &BigUint::from(0u32));
    for v in [&p, &q, &g, &y, &x] {
        der_uint(&mut body, v);
    }
    let mut der = vec![0x30];
    der_len(&mut der, body.len());
    der.extend(body);
    pem_encode("DSA PRIVATE KEY", &der)
}

const MP_SEED: &str = "com.lyndir.masterpassword";

fn templates(kind: &str) -> Option<&'static [&'static str]> {
    Some(match kind {
        "maximum" => &["anoxxxxxxxxxxxxxxxxx", "axxxxxxxxxxxxxxxxxno"],
        "long" => &[
            "CvcvnoCvcvCvcv",
            "CvcvCvcvnoCvcv",
            "CvcvCvcvCvcvno",
            "CvccnoCvcvCvcv",
            "CvccCvcvnoCvcv",
            "CvccCvcvCvcvno",
            "CvcvnoCvccCvcv",
            "CvcvCvccnoCvcv",
            "CvcvCvccCvcvno",
            "CvcvnoCvcvCvcc",
            "CvcvCvcvnoCvcc",
            "CvcvCvcvCvccno",
            "CvccnoCvccCvcv",
            "CvccCvccnoCvcv",
            "CvccCvccCvcvno",
            "CvcvnoCvccCvcc",
            "CvcvCvccnoCvcc",
            "CvcvCvccCvccno",
            "CvccnoCvcvCvcc",
            "CvccCvcvnoCvcc",
            "CvccCvcvCvccno",
        ],
        "medium" => &["CvcnoCvc", "CvcCvcno"],
        "short" => &["Cvcn"],
        "basic" => &["aaanaaan", "aannaaan", "aaannaaa"],
        "pin" => &["nnnn"],
        _ => return None,
    })
}

fn template_chars(c: u8) -> &'static str {
    match c {
        b'V' => "AEIOU",
        b'C' => "BCDFGHJKLMNPQRSTVWXYZ",
        b'v' => "aeiou",
        b'c' => "bcdfghjklmnpqrstvwxyz",
        b'A' => "AEIOUBCDFGHJKLMNPQRSTVWXYZ",
        b'a' => "AEIOUaeiouBCDFGHJKLMNPQRSTVWXYZbcdfghjklmnpqrstvwxyz",
        b'n' => "0123456789",
        b'o' => "@&%?,=[]_:-+*$#!'^~;()/.",
        _ => "AEIOUaeiouBCDFGHJKLMNPQRSTVWXYZbcdfghjklmnpqrstvwxyz0123456789!@#$%^&*()",
    }
}

/// Sprig's `derivePassword` (Master Password algorithm).
fn derive_password(counter: u32, kind: &str, password: &str, user: &str, site: &str) -> String {
    let Some(tpls) = templates(kind) else {
        return format!("cannot find password template {kind}");
    };
    let mut salt = MP_SEED.as_bytes().to_vec();
    salt.extend_from_slice(&(user.len() as u32).to_be_bytes());
    salt.extend_from_slice(user.as_bytes());
    let mut key = [0u8; 64];
    let params = match scrypt::Params::new(15, 8, 2, 64) {
        Ok(p) => p,
        Err(e) => return format!("failed to derive password: {e}"),
    };
    if let Err(e) = scrypt::scrypt(password.as_bytes(), &salt, &params, &mut key) {
        return format!("failed to derive password: {e}");
    }
    let mut msg = MP_SEED.as_bytes().to_vec();
    msg.extend_from_slice(&(site.len() as u32).to_be_bytes());
    msg.extend_from_slice(site.as_bytes());
    msg.extend_from_slice(&counter.to_be_bytes());
    let Ok(mut mac) = hmac::Hmac::<sha2::Sha256>::new_from_slice(&key) else {
        return "failed to derive password".into();
    };
    mac.update(&msg);
    let seed = mac.finalize().into_bytes();
    let tpl = tpls[usize::from(seed[0]) % tpls.len()].as_bytes();
    tpl.iter()
        .enumerate()
        .map(|(i, c)| {
            let chars = template_chars(*c).as_bytes();
            char::from(chars[usize::from(seed[i + 1]) % chars.len()])
        })
        .collect()
}

/// Sprig's `bcrypt`: cost 10, `$2a$`.
fn bcrypt_hash(rng: &Rng, input: &str) -> String {
    if input.len() > 72 {
        return "failed to encrypt string with bcrypt: bcrypt: password length exceeds 72 bytes"
            .into();
    }
    let mut salt = [0u8; 16];
    rng.fill(&mut salt);
    match bcrypt::hash_with_salt(input, 10, salt) {
        Ok(h) => h.format_for_version(bcrypt::Version::TwoA),
        Err(e) => format!("failed to encrypt string with bcrypt: {e}"),
    }
}

fn aes_key(password: &str) -> aes::Aes256 {
    use aes::cipher::KeyInit;
    let mut key = [0u8; 32];
    let n = password.len().min(32);
    key[..n].copy_from_slice(&password.as_bytes()[..n]);
    aes::Aes256::new(&key.into())
}

fn encrypt_aes(rng: &Rng, password: &str, plain: &str) -> String {
    use aes::cipher::BlockEncrypt;
    if plain.is_empty() {
        return String::new();
    }
    let cipher = aes_key(password);
    let mut content = plain.as_bytes().to_vec();
    let pad = 16 - content.len() % 16;
    content.extend(std::iter::repeat_n(pad as u8, pad));
    let mut out = vec![0u8; 16];
    rng.fill(&mut out);
    let mut prev: [u8; 16] = out[..16].try_into().unwrap_or([0; 16]);
    for chunk in content.chunks(16) {
        let mut block = [0u8; 16];
        for i in 0..16 {
            block[i] = chunk[i] ^ prev[i];
        }
        let mut b = block.into();
        cipher.encrypt_block(&mut b);
        prev = b.into();
        out.extend_from_slice(&prev);
    }
    b64_encode(&out)
}

fn decrypt_aes(password: &str, crypt64: &str) -> R {
    use aes::cipher::BlockDecrypt;
    if crypt64.is_empty() {
        return Ok(Value::string(""));
    }
    let crypt = b64_decode(crypt64.as_bytes())
        .map_err(|at| format!("illegal base64 data at input byte {at}"))?;
    let cipher = aes_key(password);
    if crypt.len() < 16 {
        return Err(format!(
            "runtime error: slice bounds out of range [:16] with capacity {}",
            // Go decodes into a buffer of DecodedLen(len(input)) bytes.
            crypt64.len() / 4 * 3
        ));
    }
    let (iv, body) = crypt.split_at(16);
    if body.len() % 16 != 0 {
        return Err("crypto/cipher: input not full blocks".into());
    }
    let mut prev: [u8; 16] = iv.try_into().unwrap_or([0; 16]);
    let mut out = Vec::with_capacity(body.len());
    for chunk in body.chunks(16) {
        let c: [u8; 16] = chunk.try_into().unwrap_or([0; 16]);
        let mut b = c.into();
        cipher.decrypt_block(&mut b);
        let b: [u8; 16] = b.into();
        out.extend((0..16).map(|i| b[i] ^ prev[i]));
        prev = c;
    }
    let Some(&last) = out.last() else {
        return Err("runtime error: index out of range [-1]".into());
    };
    let keep = out.len() as i64 - i64::from(last);
    if keep < 0 {
        return Err(format!(
            "runtime error: slice bounds out of range [:{keep}]"
        ));
    }
    Ok(Value::string(bytes_str(&out[..keep as usize])))
}

fn uuidv4(rng: &Rng) -> String {
    let mut b = [0u8; 16];
    rng.fill(&mut b);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h = crate::encoding::hex(&b);
    format!(
        "{}-{}-{}-{}-{}",
        &h[..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..]
    )
}

pub(crate) fn register(r: &mut Reg, env: &Env) {
    let now = env.opts.now;
    let clock = move || {
        now.unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_secs() as i64)
        })
    };
    let list = || ArgType::Slice(ElemType::Interface);
    let cert_t = || ArgType::Object(CERT.into());
    r.f(
        "derivePassword",
        vec![ArgType::Uint(gotmpl::UintKind::Uint32), S, S, S, S],
        None,
        |a| {
            let counter = match a[0] {
                Value::Uint(u, _) => u as u32,
                _ => 0,
            };
            Ok(Value::string(derive_password(
                counter,
                as_str(&a[1]),
                as_str(&a[2]),
                as_str(&a[3]),
                as_str(&a[4]),
            )))
        },
    );
    let rng = env.rng.clone();
    r.f("bcrypt", vec![S], None, move |a| {
        Ok(Value::string(bcrypt_hash(&rng, as_str(&a[0]))))
    });
    let rng = env.rng.clone();
    r.f("htpasswd", vec![S, S], None, move |a| {
        let user = as_str(&a[0]);
        if user.contains(':') {
            return Ok(Value::string(format!("invalid username: {user}")));
        }
        Ok(Value::string(format!(
            "{user}:{}",
            bcrypt_hash(&rng, as_str(&a[1]))
        )))
    });
    let rng = env.rng.clone();
    r.f("randBytes", vec![I], None, move |a| {
        let n = as_int(&a[0]);
        if n < 0 {
            return Err("runtime error: makeslice: len out of range".into());
        }
        let mut buf = vec![0u8; n as usize];
        rng.fill(&mut buf);
        Ok(Value::string(b64_encode(&buf)))
    });
    let rng = env.rng.clone();
    r.f("uuidv4", vec![], None, move |_| {
        Ok(Value::string(uuidv4(&rng)))
    });
    let rng = env.rng.clone();
    r.f("encryptAES", vec![S, S], None, move |a| {
        Ok(Value::string(encrypt_aes(
            &rng,
            as_str(&a[0]),
            as_str(&a[1]),
        )))
    });
    r.f("decryptAES", vec![S, S], None, |a| {
        decrypt_aes(as_str(&a[0]), as_str(&a[1]))
    });
    let rng = env.rng.clone();
    r.f("genPrivateKey", vec![S], None, move |a| {
        let typ = as_str(&a[0]);
        let key = match typ {
            "" | "rsa" => gen_rsa(&rng, 4096),
            "ecdsa" => Ok(Key::Ec(Box::new(p256::SecretKey::random(&mut crng(&rng))))),
            "ed25519" => Ok(Key::Ed(Box::new(ed25519_dalek::SigningKey::generate(
                &mut crng(&rng),
            )))),
            "dsa" => return Ok(Value::string(gen_dsa_pem(&rng))),
            other => return Ok(Value::string(format!("Unknown type {other}"))),
        };
        Ok(Value::string(match key {
            Ok(k) => k.pem(),
            Err(e) => format!("failed to generate private key: {e}"),
        }))
    });
    r.f("buildCustomCert", vec![S, S], None, |a| {
        let cert = b64_decode(as_str(&a[0]).as_bytes())
            .map_err(|_| "unable to decode base64 certificate".to_string())?;
        let key = b64_decode(as_str(&a[1]).as_bytes())
            .map_err(|_| "unable to decode base64 private key".to_string())?;
        let cert = bytes_str(&cert);
        let key = bytes_str(&key);
        let Some((_, der)) = pem_decode(&cert) else {
            return Err("unable to decode certificate".into());
        };
        if let Err(e) = x509_parser::parse_x509_certificate(&der) {
            return Err(format!("error parsing certificate: decodedCert.Bytes: {e}"));
        }
        parse_key(&key).map_err(|e| format!("error parsing private key: {e}"))?;
        Ok(Value::Object(Arc::new(Certificate { cert, key })))
    });
    let rng = env.rng.clone();
    r.f("genCA", vec![S, I], None, move |a| {
        let spec = CertSpec {
            cn: as_str(&a[0]),
            ips: Value::Nil,
            dns: Value::Nil,
            days: as_int(&a[1]),
            ca: true,
        };
        make_cert(&spec, gen_rsa(&rng, 2048)?, None, &rng, clock())
    });
    let rng = env.rng.clone();
    r.f("genCAWithKey", vec![S, I, S], None, move |a| {
        let key = parse_key(as_str(&a[2])).map_err(|e| format!("parsing private key: {e}"))?;
        let spec = CertSpec {
            cn: as_str(&a[0]),
            ips: Value::Nil,
            dns: Value::Nil,
            days: as_int(&a[1]),
            ca: true,
        };
        make_cert(&spec, key, None, &rng, clock())
    });
    let rng = env.rng.clone();
    r.f(
        "genSelfSignedCert",
        vec![S, list(), list(), I],
        None,
        move |a| {
            let spec = CertSpec {
                cn: as_str(&a[0]),
                ips: a[1].clone(),
                dns: a[2].clone(),
                days: as_int(&a[3]),
                ca: false,
            };
            make_cert(&spec, gen_rsa(&rng, 2048)?, None, &rng, clock())
        },
    );
    let rng = env.rng.clone();
    r.f(
        "genSelfSignedCertWithKey",
        vec![S, list(), list(), I, S],
        None,
        move |a| {
            let key = parse_key(as_str(&a[4])).map_err(|e| format!("parsing private key: {e}"))?;
            let spec = CertSpec {
                cn: as_str(&a[0]),
                ips: a[1].clone(),
                dns: a[2].clone(),
                days: as_int(&a[3]),
                ca: false,
            };
            make_cert(&spec, key, None, &rng, clock())
        },
    );
    let rng = env.rng.clone();
    r.f(
        "genSignedCert",
        vec![S, list(), list(), I, cert_t()],
        None,
        move |a| {
            let spec = CertSpec {
                cn: as_str(&a[0]),
                ips: a[1].clone(),
                dns: a[2].clone(),
                days: as_int(&a[3]),
                ca: false,
            };
            let ca = cert_arg(&a[4]);
            make_cert(&spec, gen_rsa(&rng, 2048)?, Some(&ca), &rng, clock())
        },
    );
    let rng = env.rng.clone();
    r.f(
        "genSignedCertWithKey",
        vec![S, list(), list(), I, cert_t(), S],
        None,
        move |a| {
            let key = parse_key(as_str(&a[5])).map_err(|e| format!("parsing private key: {e}"))?;
            let spec = CertSpec {
                cn: as_str(&a[0]),
                ips: a[1].clone(),
                dns: a[2].clone(),
                days: as_int(&a[3]),
                ca: false,
            };
            let ca = cert_arg(&a[4]);
            make_cert(&spec, key, Some(&ca), &rng, clock())
        },
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn derive_password_matches_sprig_test() {
        assert_eq!(
            derive_password(1, "long", "password", "user", "example.com"),
            "ZedaFaxcZaso9*"
        );
    }

    #[test]
    fn uuid_is_v4() {
        let u = uuidv4(&Rng::new(Some(1)));
        assert_eq!(u.len(), 36);
        assert_eq!(&u[14..15], "4");
        assert!(matches!(&u[19..20], "8" | "9" | "a" | "b"));
    }
}
