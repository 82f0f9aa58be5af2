//! helmfile's `exec` and `envExec`: run a command in the base directory, optionally feeding
//! stdin, and return its stdout; a failure reads like helmfile's `helmexec.ExitError` (path,
//! arguments, status, stderr, combined output) or Go's `exec` errors.

use std::io::{Read, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};

use gotmpl::Value;

use super::fs::{errno_text, go_join};
use super::str_of;

/// Go's `%v` of one value.
fn v(val: &Value) -> String {
    let mut s = String::new();
    gotmpl::fmt::write_value(&mut s, val);
    s
}

/// Go's `exec.LookPath` for a name without a slash: the first executable regular file on
/// `$PATH` (an empty entry is the current directory).
fn look_path(name: &str) -> Result<String, String> {
    use std::os::unix::fs::PermissionsExt;
    let path = std::env::var("PATH").unwrap_or_default();
    for dir in path.split(':') {
        let dir = if dir.is_empty() { "." } else { dir };
        let candidate = go_join(&[dir, name]);
        if let Ok(m) = std::fs::metadata(&candidate)
            && !m.is_dir()
            && m.permissions().mode() & 0o111 != 0
        {
            if !candidate.starts_with('/') {
                return Err(format!(
                    "exec: {}: cannot run executable found relative to current directory",
                    gotmpl::fmt::quote(name)
                ));
            }
            return Ok(candidate);
        }
    }
    Err(format!(
        "exec: {}: executable file not found in $PATH",
        gotmpl::fmt::quote(name)
    ))
}

/// helmfile's `helmexec.Indent`, quirks included (blank lines are dropped, and the line after
/// a blank one is glued to the previous).
fn indent(text: &str, ind: &str) -> String {
    let lines: Vec<&str> = text.split('\n').collect();
    let last = lines.len() - 1;
    let mut b = String::with_capacity(text.len() * 2);
    for (i, j) in lines.iter().enumerate() {
        if i > 0 && i < last && !j.is_empty() {
            b.push('\n');
        }
        if !j.is_empty() {
            b.push_str(ind);
            b.push_str(j);
        }
    }
    b
}

/// Go's `ProcessState.String()` for a process that did not exit 0.
fn status_text(st: &std::process::ExitStatus) -> (String, i32) {
    use std::os::unix::process::ExitStatusExt;
    if let Some(c) = st.code() {
        return (format!("exit status {c}"), c);
    }
    let sig = st.signal().unwrap_or(0);
    let name = match sig {
        1 => "hangup".to_string(),
        2 => "interrupt".to_string(),
        3 => "quit".to_string(),
        6 => "aborted".to_string(),
        9 => "killed".to_string(),
        11 => "segmentation fault".to_string(),
        13 => "broken pipe".to_string(),
        15 => "terminated".to_string(),
        n => format!("signal {n}"),
    };
    (format!("signal: {name}"), -1)
}

/// `envExec(envs, command, args, inputs...)`; `exec` is the same with no `envs`.
pub(crate) fn exec(
    base: &Path,
    envs: Option<&Value>,
    command: &Value,
    args: &Value,
    input: Option<&Value>,
) -> Result<Value, String> {
    let command = str_of(command);
    let input = input.map(str_of).unwrap_or_default();
    let items: Vec<Value> = match args {
        Value::List(l) => l.items.clone(),
        _ => Vec::new(),
    };
    let mut str_args = Vec::with_capacity(items.len());
    for (i, a) in items.iter().enumerate() {
        match a {
            Value::String(s) => str_args.push(s.to_string()),
            other => {
                return Err(format!(
                    "unexpected type of arg \"{}\" in args {} at index {i}",
                    gotmpl::fmt::type_name(other),
                    v(args)
                ));
            }
        }
    }
    let mut str_envs = Vec::new();
    let mut set_env = false;
    if let Some(Value::Map(m)) = envs {
        set_env = !m.is_nil();
        let e = m.entries.read().unwrap_or_else(|p| p.into_inner());
        for (k, x) in e.iter() {
            match x {
                Value::String(s) => str_envs.push((k.clone(), s.to_string())),
                other => {
                    return Err(format!(
                        "unexpected type of env \"{}\" in envs {} at index {k}",
                        gotmpl::fmt::type_name(other),
                        v(envs.unwrap_or(&Value::Nil))
                    ));
                }
            }
        }
    }

    // exec.Command looks bare names up on $PATH; names with a slash are used as they are.
    let path = if command.contains('/') {
        command.clone()
    } else {
        look_path(&command).map_err(|e| format!("unexpected error: {e}"))?
    };
    let mut cmd = Command::new(&path);
    cmd.args(&str_args);
    let base_s = base.to_string_lossy();
    if !base_s.is_empty() {
        cmd.current_dir(&*base_s);
    }
    if set_env {
        for (k, x) in &str_envs {
            cmd.env(k, x);
        }
    }
    cmd.stdin(if input.is_empty() {
        Stdio::null()
    } else {
        Stdio::piped()
    });
    cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = cmd
        .spawn()
        .map_err(|e| format!("unexpected error: fork/exec {path}: {}", errno_text(&e)))?;

    let writer = child.stdin.take().map(|mut stdin| {
        let data = input.clone();
        let command = command.clone();
        std::thread::spawn(move || {
            let written = stdin.write_all(data.as_bytes());
            // helmfile writes while the command runs, so a command that exits without reading
            // almost always still had room in the pipe; a broken pipe here is that race lost.
            if matches!(&written, Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe) {
                return Ok(());
            }
            written.map_err(|e| {
                format!(
                    "failed while writing {} bytes to stdin of \"{command}\": write |1: {}",
                    data.len(),
                    errno_text(&e)
                )
            })
        })
    });
    let combined = Arc::new(Mutex::new(Vec::<u8>::new()));
    let reader = |pipe: Option<Box<dyn Read + Send>>, combined: Arc<Mutex<Vec<u8>>>| {
        std::thread::spawn(move || {
            let mut own = Vec::new();
            if let Some(mut p) = pipe {
                let mut buf = [0u8; 8192];
                while let Ok(n) = p.read(&mut buf) {
                    if n == 0 {
                        break;
                    }
                    own.extend_from_slice(&buf[..n]);
                    combined
                        .lock()
                        .unwrap_or_else(|p| p.into_inner())
                        .extend_from_slice(&buf[..n]);
                }
            }
            own
        })
    };
    let out_t = reader(
        child
            .stdout
            .take()
            .map(|p| Box::new(p) as Box<dyn Read + Send>),
        combined.clone(),
    );
    let err_t = reader(
        child
            .stderr
            .take()
            .map(|p| Box::new(p) as Box<dyn Read + Send>),
        combined.clone(),
    );
    let stdout = out_t.join().unwrap_or_default();
    let stderr = err_t.join().unwrap_or_default();
    let status = child
        .wait()
        .map_err(|e| format!("unexpected error: {}", errno_text(&e)))?;
    if !status.success() {
        let combined = combined.lock().unwrap_or_else(|p| p.into_inner()).clone();
        let (err_text, code) = status_text(&status);
        let mut out = format!("PATH:\n{}", indent(&path, "  "));
        out += "\n\nARGS:";
        let all_args = std::iter::once(&command).chain(str_args.iter());
        for (i, a) in all_args.enumerate() {
            out += &format!(
                "\n{}",
                indent(&format!("{i}: {a} ({} bytes)", a.len()), "  ")
            );
        }
        out += &format!("\n\nERROR:\n{}", indent(&err_text, "  "));
        out += &format!("\n\nEXIT STATUS\n{}", indent(&code.to_string(), "  "));
        if !stderr.is_empty() {
            out += &format!(
                "\n\nSTDERR:\n{}",
                indent(&String::from_utf8_lossy(&stderr), "  ")
            );
        }
        if !combined.is_empty() {
            out += &format!(
                "\n\nCOMBINED OUTPUT:\n{}",
                indent(&String::from_utf8_lossy(&combined), "  ")
            );
        }
        return Err(format!(
            "command {} exited with non-zero status:\n\n{out}",
            gotmpl::fmt::quote(&path)
        ));
    }
    if let Some(w) = writer
        && let Ok(Err(e)) = w.join()
    {
        return Err(e);
    }
    Ok(Value::string(gotmpl::gostr::from_go_vec(stdout)))
}
