//! Reads `FEATURES<TAB>PATH` lines from stdin; for each, loads PATH into a fresh `Resolve` with the
//! comma-separated FEATURES enabled and prints one JSON line: `{"ok": true, "text": <resolve JSON>}`,
//! `{"ok": false, "text": <rendered error>}`, or `{"panic": true}` when wit-parser panics.

use std::io::{BufRead, Write};
use std::panic;

fn load(features: &str, path: &str) -> (bool, String) {
    let mut resolve = wit_parser::Resolve::default();
    for feature in features.split(',').filter(|f| !f.is_empty()) {
        resolve.features.insert(feature.to_string());
    }
    match resolve.push_path(path) {
        Ok(_) => (true, serde_json::to_string_pretty(&resolve).expect("a Resolve serializes")),
        Err(err) => (false, resolve.render_error(&err)),
    }
}

fn main() {
    panic::set_hook(Box::new(|_| {}));
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    for line in std::io::stdin().lock().lines() {
        let line = line.expect("stdin is readable");
        let (features, path) = line.split_once('\t').unwrap_or(("", line.as_str()));
        let record = match panic::catch_unwind(|| load(features, path)) {
            Ok((ok, text)) => serde_json::json!({ "ok": ok, "text": text }),
            Err(_) => serde_json::json!({ "panic": true }),
        };
        writeln!(out, "{record}").expect("stdout is writable");
        out.flush().expect("stdout is writable");
    }
}
