//! The shape of the code, checked rather than reviewed: pages and the API are thin and hold
//! no database code; every query lives in a domain crate.

use std::path::Path;

/// Every `.rs` file below `dir`, with its text.
fn sources(dir: &Path) -> Vec<(String, String)> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            found.extend(sources(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            let text = std::fs::read_to_string(&path).unwrap();
            found.push((path.display().to_string(), text));
        }
    }
    found
}

#[test]
fn pages_and_the_api_hold_no_database_code() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut offences = Vec::new();
    for folder in ["src/pages", "src/api"] {
        let files = sources(&root.join(folder));
        assert!(files.len() > 5, "{folder} has its handlers");
        for (path, text) in files {
            for (n, line) in text.lines().enumerate() {
                let code = line.split("//").next().unwrap_or("");
                if code.contains("sea_orm") || code.contains("::entities") {
                    offences.push(format!("{path}:{}: {}", n + 1, line.trim()));
                }
            }
        }
    }
    assert!(
        offences.is_empty(),
        "database code belongs in the domain crates (a function there that takes the Actor):\n{}",
        offences.join("\n")
    );
}

#[test]
fn no_source_file_is_over_700_lines() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut long = Vec::new();
    for folder in ["src", "crates", "migrations", "tests"] {
        for (path, text) in sources(&root.join(folder)) {
            // The benchmark is one script of measurements, read in the order it reports.
            if path.contains("crates/bench/") || path.contains("/target/") {
                continue;
            }
            let lines = text.lines().count();
            if lines > 700 {
                long.push(format!("{path}: {lines} lines"));
            }
        }
    }
    assert!(
        long.is_empty(),
        "split these by feature (one module a part):\n{}",
        long.join("\n")
    );
}
