//! `--debug-prefix-map OLD=NEW`, as clang's `-fdebug-prefix-map`: rewrites
//! the leading `OLD` of every path the native DWARF records (compile
//! directories, unit names, line-table directories and files) to `NEW`, so
//! that `-g` output does not depend on the directory it was built in.
//! Matching is by whole path components; the last matching entry wins.

use innative_dwarf::Provenance;

/// Parses `OLD=NEW` (`NEW` may be empty; `OLD` may not).
pub fn parse(s: &str) -> Result<(String, String), String> {
    match s.split_once('=') {
        Some((old, new)) if !old.is_empty() => Ok((old.to_string(), new.to_string())),
        _ => Err(format!("'{s}' is not OLD=NEW")),
    }
}

/// `path` with its first `OLD` prefix replaced by the last matching entry.
pub fn remap(map: &[(String, String)], path: &str) -> Option<String> {
    map.iter().rev().find_map(|(old, new)| {
        let old = old.trim_end_matches('/');
        let rest = if old.is_empty() {
            path.strip_prefix('/')
        } else {
            path.strip_prefix(old)
        }?;
        if rest.is_empty() {
            return Some(new.clone());
        }
        let tail = rest.strip_prefix('/')?;
        Some(if new.is_empty() {
            tail.to_string()
        } else {
            format!("{}/{tail}", new.trim_end_matches('/'))
        })
    })
}

/// Applies the map to every path of `prov` that DWARF output carries.
pub fn apply(prov: &mut Provenance, map: &[(String, String)]) {
    if map.is_empty() {
        return;
    }
    let fix = |s: &mut String| {
        if let Some(r) = remap(map, s) {
            *s = r;
        }
    };
    for unit in &mut prov.units {
        fix(&mut unit.comp_dir);
        fix(&mut unit.name);
        for f in unit.files.iter_mut().flatten() {
            fix(&mut f.directory);
            fix(&mut f.name);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect()
    }

    #[test]
    fn whole_components_last_wins() {
        let map = m(&[("/build", "/src"), ("/build/x", ".")]);
        assert_eq!(remap(&map, "/build/x/a.c").as_deref(), Some("./a.c"));
        assert_eq!(remap(&map, "/build/y/a.c").as_deref(), Some("/src/y/a.c"));
        assert_eq!(remap(&map, "/build").as_deref(), Some("/src"));
        assert_eq!(remap(&map, "/buildx/a.c"), None);
        assert_eq!(
            remap(&m(&[("/tmp/", "")]), "/tmp/a/b.wat").as_deref(),
            Some("a/b.wat")
        );
        assert_eq!(parse("a=b"), Ok(("a".into(), "b".into())));
        assert_eq!(parse("a="), Ok(("a".into(), String::new())));
        assert!(parse("=b").is_err() && parse("ab").is_err());
    }
}
