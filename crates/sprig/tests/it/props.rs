//! Properties of Sprig's non-deterministic functions, whose outputs cannot come from the oracle:
//! generated certificates parse and verify with `openssl`, bcrypt hashes verify, `uuidv4` is a
//! version-4 UUID, random strings use their alphabet, and a seed makes every one reproducible.

use std::path::Path;
use std::process::Command;

use gotmpl::{Template, Value};

fn render_with(opts: &sprig::Options, tpl: &str) -> String {
    let mut t = Template::new("t");
    t.funcs(sprig::funcs(opts));
    t.parse(tpl).expect("template parses");
    let mut out = String::new();
    t.execute(&mut out, &Value::Nil).expect("template runs");
    out
}

fn render(tpl: &str) -> String {
    render_with(&sprig::Options::default(), tpl)
}

fn seeded(seed: u64) -> sprig::Options {
    sprig::Options {
        seed: Some(seed),
        now: Some(1_700_000_000),
        ..Default::default()
    }
}

fn openssl(args: &[&str], dir: &Path) -> String {
    let out = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("openssl is installed (apt-get install openssl); these tests need it");
    assert!(
        out.status.success(),
        "openssl {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn tempdir(name: &str) -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("canon-sprig-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&d).expect("temp dir");
    d
}

#[test]
fn generated_ca_and_signed_cert_verify_with_openssl() {
    let out = render(concat!(
        r#"{{ $ca := genCA "canon-ca" 365 }}"#,
        r#"{{ $c := genSignedCert "svc.ns.svc" (list "10.0.0.1" "::1") (list "svc" "svc.ns") 30 $ca }}"#,
        r#"{{ $s := genSelfSignedCert "self" nil (list "self.example") 10 }}"#,
        "{{ $ca.Cert }}@@{{ $ca.Key }}@@{{ $c.Cert }}@@{{ $c.Key }}@@{{ $s.Cert }}@@{{ $s.Key }}"
    ));
    let parts: Vec<&str> = out.split("@@").collect();
    assert_eq!(parts.len(), 6, "{out}");
    let dir = tempdir("certs");
    for (name, body) in ["ca.pem", "ca.key", "c.pem", "c.key", "s.pem", "s.key"]
        .iter()
        .zip(&parts)
    {
        assert!(body.starts_with("-----BEGIN "), "{name}: {body}");
        std::fs::write(dir.join(name), body).expect("write pem");
    }
    assert!(parts[1].starts_with("-----BEGIN RSA PRIVATE KEY-----\n"));
    let text = openssl(&["x509", "-in", "ca.pem", "-noout", "-text"], &dir);
    assert!(
        text.contains("CN=canon-ca") || text.contains("CN = canon-ca"),
        "{text}"
    );
    assert!(text.contains("CA:TRUE"), "{text}");
    assert!(text.contains("Certificate Sign"), "{text}");
    let text = openssl(&["x509", "-in", "c.pem", "-noout", "-text"], &dir);
    assert!(text.contains("DNS:svc, DNS:svc.ns"), "{text}");
    assert!(text.contains("IP Address:10.0.0.1"), "{text}");
    assert!(
        text.contains("TLS Web Server Authentication, TLS Web Client Authentication"),
        "{text}"
    );
    assert!(text.contains("CA:FALSE"), "{text}");
    let v = openssl(&["verify", "-CAfile", "ca.pem", "c.pem"], &dir);
    assert!(v.contains("c.pem: OK"), "{v}");
    let v = openssl(&["verify", "-CAfile", "s.pem", "s.pem"], &dir);
    assert!(v.contains("s.pem: OK"), "{v}");
    // The key matches the certificate.
    let m1 = openssl(&["x509", "-in", "c.pem", "-noout", "-modulus"], &dir);
    let m2 = openssl(&["rsa", "-in", "c.key", "-noout", "-modulus"], &dir);
    assert_eq!(m1, m2);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn with_key_forms_use_the_given_key() {
    let dir = tempdir("withkey");
    let key = render(r#"{{ genPrivateKey "ecdsa" }}"#);
    assert!(key.starts_with("-----BEGIN EC PRIVATE KEY-----\n"), "{key}");
    let mut t = Template::new("t");
    t.funcs(sprig::funcs(&sprig::Options::default()));
    t.parse(concat!(
        r#"{{ $ca := genCAWithKey "ca" 5 .k }}{{ $c := genSignedCertWithKey "x" nil nil 5 $ca .k }}"#,
        "{{ $ca.Cert }}@@{{ $c.Cert }}@@{{ $c.Key }}"
    ))
    .expect("parses");
    let data = Value::map([("k".to_string(), Value::string(&key))]);
    let mut out = String::new();
    t.execute(&mut out, &data).expect("runs");
    let parts: Vec<&str> = out.split("@@").collect();
    assert_eq!(parts[2], key, "the signed cert's key is the given key");
    std::fs::write(dir.join("ca.pem"), parts[0]).expect("write");
    std::fs::write(dir.join("c.pem"), parts[1]).expect("write");
    let v = openssl(&["verify", "-CAfile", "ca.pem", "c.pem"], &dir);
    assert!(v.contains("c.pem: OK"), "{v}");
    let dsa = render(r#"{{ genPrivateKey "dsa" }}"#);
    assert!(
        dsa.starts_with("-----BEGIN DSA PRIVATE KEY-----\n"),
        "{dsa}"
    );
    std::fs::write(dir.join("dsa.pem"), &dsa).expect("write");
    let text = openssl(&["dsa", "-in", "dsa.pem", "-noout", "-text"], &dir);
    assert!(text.contains("2048 bit"), "{text}");
    let rsa = render(r#"{{ genPrivateKey "rsa" }}"#);
    std::fs::write(dir.join("rsa.pem"), &rsa).expect("write");
    let check = openssl(&["rsa", "-in", "rsa.pem", "-check", "-noout"], &dir);
    assert!(check.contains("RSA key ok"), "{check}");
    let ed = render(r#"{{ genPrivateKey "ed25519" }}"#);
    assert!(ed.starts_with("-----BEGIN PRIVATE KEY-----\n"), "{ed}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn bcrypt_and_htpasswd_verify() {
    let h = render(r#"{{ bcrypt "s3cret" }}"#);
    assert!(h.starts_with("$2a$10$"), "{h}");
    assert!(bcrypt::verify("s3cret", &h).expect("valid hash"));
    let line = render(r#"{{ htpasswd "admin" "pw" }}"#);
    let (user, hash) = line.split_once(':').expect("user:hash");
    assert_eq!(user, "admin");
    assert!(bcrypt::verify("pw", hash).expect("valid hash"));
    assert_eq!(
        render(r#"{{ htpasswd "a:b" "pw" }}"#),
        "invalid username: a:b"
    );
}

#[test]
fn uuidv4_is_version_4() {
    let a = render("{{ uuidv4 }}");
    let b = render("{{ uuidv4 }}");
    assert_ne!(a, b);
    let parts: Vec<&str> = a.split('-').collect();
    assert_eq!(
        parts.iter().map(|p| p.len()).collect::<Vec<_>>(),
        vec![8, 4, 4, 4, 12]
    );
    assert!(
        a.chars()
            .all(|c| c == '-' || c.is_ascii_hexdigit() && !c.is_ascii_uppercase())
    );
    assert!(parts[2].starts_with('4'));
    assert!(matches!(&parts[3][..1], "8" | "9" | "a" | "b"));
}

#[test]
fn random_strings_use_their_alphabet() {
    let out = render(
        "{{ randAlphaNum 64 }}\n{{ randAlpha 64 }}\n{{ randNumeric 64 }}\n{{ randAscii 64 }}\n{{ randBytes 30 | len }}\n{{ randInt 3 5 }}",
    );
    let p: Vec<&str> = out.split('\n').collect();
    assert!(p[0].len() == 64 && p[0].chars().all(|c| c.is_ascii_alphanumeric()));
    assert!(p[1].len() == 64 && p[1].chars().all(|c| c.is_ascii_alphabetic()));
    assert!(p[2].len() == 64 && p[2].chars().all(|c| c.is_ascii_digit()));
    assert!(p[3].len() == 64 && p[3].chars().all(|c| (' '..='~').contains(&c)));
    assert_eq!(p[4], "40");
    assert!(p[5] == "3" || p[5] == "4");
    let s = render(r#"{{ shuffle "abcdef" }}"#);
    let mut chars: Vec<char> = s.chars().collect();
    chars.sort_unstable();
    assert_eq!(chars.into_iter().collect::<String>(), "abcdef");
}

#[test]
fn aes_round_trips() {
    let out = render(r#"{{ encryptAES "key" "secret text" | decryptAES "key" }}"#);
    assert_eq!(out, "secret text");
}

#[test]
fn seed_makes_every_random_function_reproducible() {
    let tpl = concat!(
        r#"{{ randAlphaNum 20 }} {{ uuidv4 }} {{ bcrypt "x" }} {{ shuffle "abcdefgh" }} "#,
        r#"{{ encryptAES "k" "v" }} {{ randBytes 8 }} {{ $ca := genCA "ca" 3 }}{{ $ca.Cert }}{{ $ca.Key }}"#,
        r#"{{ now | date "2006-01-02T15:04:05Z07:00" }}"#
    );
    let a = render_with(&seeded(42), tpl);
    let b = render_with(&seeded(42), tpl);
    let c = render_with(&seeded(43), tpl);
    assert_eq!(a, b, "same seed, same bytes");
    assert_ne!(a, c, "another seed, other bytes");
    let unseeded = render(r#"{{ randAlphaNum 20 }}"#);
    assert_ne!(unseeded, render(r#"{{ randAlphaNum 20 }}"#));
}

#[test]
fn helm_variant_changes() {
    let helm = sprig::Options {
        helm: true,
        ..Default::default()
    };
    let funcs = sprig::funcs(&helm);
    assert!(!funcs.contains_key("env") && !funcs.contains_key("expandenv"));
    assert_eq!(render_with(&helm, r#"{{ getHostByName "localhost" }}"#), "");
    assert_eq!(
        render_with(&helm, r#"{{ fromJson "{bad" }}"#),
        "map[Error:invalid character 'b' looking for beginning of object key string]"
    );
    assert!(sprig::funcs(&sprig::Options::default()).contains_key("env"));
}

#[test]
fn every_sprig_name_is_defined() {
    let funcs = sprig::funcs(&sprig::Options::default());
    let missing: Vec<&str> = sprig::SPRIG_NAMES
        .iter()
        .copied()
        .filter(|n| !funcs.contains_key(*n))
        .collect();
    assert!(missing.is_empty(), "not implemented: {missing:?}");
}

#[test]
fn certificate_marshals_as_its_go_struct() {
    // Sprig's `certificate` is `struct { Cert string; Key string }` without tags: encoding/json
    // writes both fields by their Go names, in declaration order (json.Marshal of the struct).
    let out =
        render(r#"{{ $ca := genCA "canon-ca" 1 }}{{ toJson $ca }}@@{{ $ca.Cert }}@@{{ $ca.Key }}"#);
    let parts: Vec<&str> = out.split("@@").collect();
    assert_eq!(parts.len(), 3, "{out}");
    let json: serde_json::Value = serde_json::from_str(parts[0]).expect("toJson gives JSON");
    let keys: Vec<&str> = json
        .as_object()
        .expect("object")
        .keys()
        .map(String::as_str)
        .collect();
    assert!(
        parts[0].starts_with(r#"{"Cert":"-----BEGIN CERTIFICATE-----\n"#),
        "{}",
        parts[0]
    );
    assert!(
        parts[0].contains(r#"\n","Key":"-----BEGIN RSA PRIVATE KEY-----\n"#),
        "{}",
        parts[0]
    );
    assert_eq!(keys.len(), 2);
    assert_eq!(json["Cert"], parts[1]);
    assert_eq!(json["Key"], parts[2]);
}
