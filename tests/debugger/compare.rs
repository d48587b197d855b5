//! Figures comparing a session on the innative build with the same session
//! on the native build.

use super::session::{Loc, Session, Stop, Var};
use std::collections::BTreeMap;
use std::fmt;

/// `num / den`, kept as counts so reports show both.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Ratio {
    pub num: usize,
    pub den: usize,
}

impl Ratio {
    /// An empty comparison counts as full agreement.
    pub fn value(self) -> f64 {
        if self.den == 0 {
            1.0
        } else {
            self.num as f64 / self.den as f64
        }
    }
}

impl fmt::Display for Ratio {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:.3} ({}/{})", self.value(), self.num, self.den)
    }
}

/// Index pairs `(i, j)` of a longest common subsequence of `a` and `b`.
pub fn lcs_pairs<T: PartialEq>(a: &[T], b: &[T]) -> Vec<(usize, usize)> {
    let (n, m) = (a.len(), b.len());
    // len[i][j]: LCS length of a[i..] and b[j..]
    let w = m + 1;
    let mut len = vec![0u32; (n + 1) * w];
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            len[i * w + j] = if a[i] == b[j] {
                len[(i + 1) * w + j + 1] + 1
            } else {
                len[(i + 1) * w + j].max(len[i * w + j + 1])
            };
        }
    }
    let mut pairs = Vec::with_capacity(len[0] as usize);
    let (mut i, mut j) = (0, 0);
    while i < n && j < m {
        if a[i] == b[j] {
            pairs.push((i, j));
            i += 1;
            j += 1;
        } else if len[(i + 1) * w + j] >= len[i * w + j + 1] {
            i += 1;
        } else {
            j += 1;
        }
    }
    pairs
}

/// 2 × LCS / (len a + len b) over the (function, file, line) of every stop,
/// with the matched index pairs.
pub fn step_similarity(native: &[Stop], innative: &[Stop]) -> (Ratio, Vec<(usize, usize)>) {
    let a: Vec<&Loc> = native.iter().map(|s| &s.loc).collect();
    let b: Vec<&Loc> = innative.iter().map(|s| &s.loc).collect();
    let pairs = lcs_pairs(&a, &b);
    (
        Ratio {
            num: 2 * pairs.len(),
            den: a.len() + b.len(),
        },
        pairs,
    )
}

/// Among the matched stops, those whose own-frame backtraces (function and
/// file:line of every frame) are identical.
pub fn bt_agreement(native: &[Stop], innative: &[Stop], pairs: &[(usize, usize)]) -> Ratio {
    let num = pairs
        .iter()
        .filter(|&&(i, j)| native[i].bt == innative[j].bt)
        .count();
    Ratio {
        num,
        den: pairs.len(),
    }
}

/// Breakpoints (of the specs accepted by `keep`) whose first stop is at the
/// same function, file and line in both builds (a breakpoint that never
/// stops in either agrees).  Returns the disagreements as text.
pub fn break_agreement(
    native: &Session,
    innative: &Session,
    keep: impl Fn(&str) -> bool,
) -> (Ratio, Vec<String>) {
    let mut r = Ratio::default();
    let mut bad = Vec::new();
    for nb in native.breaks.iter().filter(|b| keep(&b.spec)) {
        r.den += 1;
        let ib = innative.break_for(&nb.spec);
        let n_hit = nb.hit.as_ref().map(|h| &h.loc);
        let i_hit = ib.and_then(|b| b.hit.as_ref()).map(|h| &h.loc);
        if n_hit == i_hit {
            r.num += 1;
        } else {
            bad.push(format!(
                "break {}: native stops at {}, innative at {} (innative resolved: {})",
                nb.spec,
                n_hit.map_or("<never>".into(), |l| l.to_string()),
                i_hit.map_or("<never>".into(), |l| l.to_string()),
                ib.map_or("<not set>".into(), |b| b.resolved.join(" ")),
            ));
        }
    }
    (r, bad)
}

/// Breakpoints by function name (at -O2 too): for each `(spec, F)`,
/// wherever the native build first stops in function F, the innative build
/// must stop in F too, on a source line (not line 0, "no source": lldb shows
/// that stop as compiler-generated code), with the same function names on
/// its own-frame backtrace.  Specs where native itself does not stop in F
/// are skipped.
pub fn function_breaks(
    native: &Session,
    innative: &Session,
    specs: &[(String, String)],
) -> (Ratio, Vec<String>) {
    let mut r = Ratio::default();
    let mut bad = Vec::new();
    let names = |bt: &[Loc]| bt.iter().map(|l| l.func.clone()).collect::<Vec<_>>();
    for (spec, f) in specs {
        let Some(nh) = native.break_for(spec).and_then(|b| b.hit.as_ref()) else {
            continue;
        };
        if &nh.loc.func != f {
            continue;
        }
        r.den += 1;
        match innative.break_for(spec).and_then(|b| b.hit.as_ref()) {
            Some(ih) if &ih.loc.func == f && ih.loc.line != 0 && names(&ih.bt) == names(&nh.bt) => {
                r.num += 1
            }
            Some(ih) => bad.push(format!(
                "break {spec}: native stops in {} with bt [{}]; innative in {} with bt [{}]",
                nh.loc,
                names(&nh.bt).join(" < "),
                ih.loc,
                names(&ih.bt).join(" < ")
            )),
            None => bad.push(format!(
                "break {spec}: native stops in {}; innative never stops",
                nh.loc
            )),
        }
    }
    (r, bad)
}

/// Whether an innative variable shows what the native one shows: same name,
/// and the same value — pointers compared by what they point to.
pub fn var_matches(native: &Var, innative: &Var) -> bool {
    native.name == innative.name
        && if native.is_pointer() {
            innative.is_pointer() && native.pointee == innative.pointee
        } else {
            native.value == innative.value
        }
}

/// The first `max` (stop, variable) pairs that `var_fidelity` counts as
/// different, as text.
pub fn var_mismatches(
    native: &[Stop],
    innative: &[Stop],
    pairs: &[(usize, usize)],
    max: usize,
) -> Vec<String> {
    let mut out = Vec::new();
    // One line per (function, variable, values): a variable that differs
    // at every stop of a loop is shown once.
    let mut seen = std::collections::HashSet::new();
    for &(i, j) in pairs {
        let mut used = vec![false; innative[j].vars.len()];
        for nv in &native[i].vars {
            if not_yet_declared(&native[i], nv) || abi_defined(nv) {
                // Still pair it, so that a shadowed name's other variable
                // is not paired with this one's counterpart.
                take(&innative[j].vars, &mut used, nv);
                continue;
            }
            let found = take(&innative[j].vars, &mut used, nv);
            let shown = |v: &Var| {
                if v.is_pointer() {
                    format!("{} -> {}", v.value, v.pointee)
                } else {
                    v.value.clone()
                }
            };
            let text = match found {
                Some(iv) => {
                    if var_matches(nv, iv) {
                        continue;
                    }
                    if !seen.insert((
                        native[i].loc.func.clone(),
                        nv.name.clone(),
                        shown(nv),
                        shown(iv),
                    )) {
                        continue;
                    }
                    format!(
                        "{}: {} {} {} = {} | innative {}",
                        native[i].loc,
                        nv.kind,
                        nv.tkind,
                        nv.name,
                        shown(nv),
                        shown(iv)
                    )
                }
                None => {
                    if !seen.insert((
                        native[i].loc.func.clone(),
                        nv.name.clone(),
                        shown(nv),
                        String::new(),
                    )) {
                        continue;
                    }
                    format!(
                        "{}: {} {} {} = {} | innative: missing",
                        native[i].loc,
                        nv.kind,
                        nv.tkind,
                        nv.name,
                        shown(nv)
                    )
                }
            };
            out.push(text);
            if out.len() == max {
                return out;
            }
        }
    }
    out
}

/// The first innative variable not used yet with `nv`'s name and kind
/// (shadowed names pair in order of appearance), marked used.
fn take<'a>(innative: &'a [Var], used: &mut [bool], nv: &Var) -> Option<&'a Var> {
    let k = innative
        .iter()
        .enumerate()
        .position(|(k, iv)| !used[k] && iv.name == nv.name && iv.kind == nv.kind)?;
    used[k] = true;
    Some(&innative[k])
}

/// Whether a native variable is still uninitialized at `stop`: a local whose
/// declaration statement ends on or after the stop's line has not run its
/// initializer yet (a stop inside a declaration that spans lines is one
/// evaluating the initializer), so native shows leftover stack bytes
/// (`-ftrivial-auto-var-init` only applies at the declaration) and any value
/// is as right as another.
pub fn not_yet_declared(stop: &Stop, v: &Var) -> bool {
    v.kind == "local" && v.decl_line.max(v.decl_end) >= stop.loc.line
}

/// Variables whose representation the target's ABI defines, so that the
/// native and the wasm32 program hold different things: `va_list` is a
/// one-element array of `struct __va_list_tag` on x86-64 and a `char *` on
/// wasm32.  Not compared.
pub fn abi_defined(v: &Var) -> bool {
    v.ty.contains("va_list")
}

/// Variable fidelity: over the matched stops, the fraction of the native
/// (stop, variable) pairs that the innative stop shows with the same name
/// and value.  Shadowed names are paired in order of appearance; locals not
/// declared yet at the stop are left out (see [`not_yet_declared`]).
pub fn var_fidelity(native: &[Stop], innative: &[Stop], pairs: &[(usize, usize)]) -> Ratio {
    var_fidelity_by_kind(native, innative, pairs)
        .values()
        .fold(Ratio::default(), |a, r| Ratio {
            num: a.num + r.num,
            den: a.den + r.den,
        })
}

/// Whether the debugger shows a value for `v` (a struct or array counts
/// when any member has one): not `<optimized out>` or "not available" as a
/// whole.
pub fn var_available(v: &Var) -> bool {
    let whole_gone = |t: &str| {
        let t = t.trim();
        t.is_empty()
            || t == "<optimized out>"
            || t.starts_with("<error:")
            || t.contains("not available")
    };
    if whole_gone(&v.value) {
        return false;
    }
    // An aggregate with every member optimized out shows no value either.
    let members: Vec<&str> = v
        .value
        .split(['{', '}', ','])
        .map(str::trim)
        .filter(|m| !m.is_empty())
        .collect();
    !(v.value.starts_with('{')
        && members
            .iter()
            .all(|m| m.ends_with("<optimized out>") || m.ends_with("<synthetic pointer>")))
}

/// Variable availability at matched stops: (stop, variable) pairs of the
/// native build's variables, by whether each build shows a value.
#[derive(Clone, Copy, Debug, Default)]
pub struct Availability {
    /// Both show a value (equal or not: that is [`var_fidelity`]'s job).
    pub both: usize,
    /// Native shows a value; innative shows `<optimized out>` or lacks it.
    pub native_only: usize,
    /// Innative shows a value; native does not.
    pub innative_only: usize,
    /// Neither shows a value.
    pub neither: usize,
}

/// [`Availability`] over the matched stops `pairs`.
pub fn var_availability(
    native: &[Stop],
    innative: &[Stop],
    pairs: &[(usize, usize)],
) -> Availability {
    let mut a = Availability::default();
    for &(i, j) in pairs {
        let mut used = vec![false; innative[j].vars.len()];
        for nv in &native[i].vars {
            let iv = take(&innative[j].vars, &mut used, nv);
            if not_yet_declared(&native[i], nv) || abi_defined(nv) {
                continue;
            }
            match (var_available(nv), iv.is_some_and(var_available)) {
                (true, true) => a.both += 1,
                (true, false) => a.native_only += 1,
                (false, true) => a.innative_only += 1,
                (false, false) => a.neither += 1,
            }
        }
    }
    a
}

/// [`var_fidelity`] by the kind of the native variable's type (`Var::tkind`).
pub fn var_fidelity_by_kind(
    native: &[Stop],
    innative: &[Stop],
    pairs: &[(usize, usize)],
) -> BTreeMap<String, Ratio> {
    let mut by_kind: BTreeMap<String, Ratio> = BTreeMap::new();
    for &(i, j) in pairs {
        let mut used = vec![false; innative[j].vars.len()];
        for nv in &native[i].vars {
            if not_yet_declared(&native[i], nv) || abi_defined(nv) {
                // Still pair it, so that a shadowed name's other variable
                // is not paired with this one's counterpart.
                take(&innative[j].vars, &mut used, nv);
                continue;
            }
            let r = by_kind.entry(nv.tkind.clone()).or_default();
            r.den += 1;
            if let Some(iv) = take(&innative[j].vars, &mut used, nv) {
                if var_matches(nv, iv) {
                    r.num += 1;
                }
            }
        }
    }
    by_kind
}

/// The differences of the two step sequences as diff hunks (two stops of
/// context; `  ` both, `- ` native only, `+ ` innative only), at most `max`
/// lines.
pub fn step_diff(
    native: &[Stop],
    innative: &[Stop],
    pairs: &[(usize, usize)],
    max: usize,
) -> String {
    let mut lines: Vec<(bool, String)> = Vec::new(); // (same, text)
    let (mut i, mut j) = (0, 0);
    let flush =
        |lines: &mut Vec<(bool, String)>, ti: usize, tj: usize, i: &mut usize, j: &mut usize| {
            while *i < ti {
                lines.push((false, format!("- {:<5} {}", *i, native[*i].loc)));
                *i += 1;
            }
            while *j < tj {
                lines.push((false, format!("+ {:<5} {}", *j, innative[*j].loc)));
                *j += 1;
            }
        };
    for &(pi, pj) in pairs {
        flush(&mut lines, pi, pj, &mut i, &mut j);
        lines.push((true, format!("  {:<5} {}", pi, native[pi].loc)));
        i = pi + 1;
        j = pj + 1;
    }
    flush(&mut lines, native.len(), innative.len(), &mut i, &mut j);
    const CONTEXT: usize = 2;
    let keep: Vec<bool> = (0..lines.len())
        .map(|k| {
            let lo = k.saturating_sub(CONTEXT);
            let hi = (k + CONTEXT + 1).min(lines.len());
            lines[lo..hi].iter().any(|(same, _)| !same)
        })
        .collect();
    let mut out = String::new();
    let mut shown = 0;
    let mut gap = false;
    for (k, (_, text)) in lines.iter().enumerate() {
        if !keep[k] {
            gap = true;
            continue;
        }
        if shown == max {
            out.push_str("  ...\n");
            break;
        }
        if gap && !out.is_empty() {
            out.push_str("  ~~\n");
        }
        gap = false;
        out.push_str(text);
        out.push('\n');
        shown += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stop(func: &str, line: u32) -> Stop {
        Stop {
            loc: Loc {
                func: func.into(),
                file: "a.c".into(),
                line,
            },
            bt: vec![Loc {
                func: func.into(),
                file: "a.c".into(),
                line,
            }],
            raw_vars: String::new(),
            vars: Vec::new(),
        }
    }

    #[test]
    fn lcs_of_sequences() {
        assert_eq!(
            lcs_pairs(&[1, 2, 3, 4], &[1, 3, 4]),
            vec![(0, 0), (2, 1), (3, 2)]
        );
        assert_eq!(lcs_pairs::<i32>(&[], &[1]), vec![]);
        assert_eq!(lcs_pairs(&[1, 2], &[3, 4]).len(), 0);
        assert_eq!(lcs_pairs(&[5, 1, 2, 1, 2], &[1, 2, 5, 1, 2]).len(), 4);
    }

    #[test]
    fn similarity_is_two_lcs_over_total() {
        let a = vec![
            stop("main", 1),
            stop("main", 2),
            stop("f", 5),
            stop("main", 3),
        ];
        let b = vec![stop("main", 1), stop("f", 5), stop("main", 3)];
        let (r, pairs) = step_similarity(&a, &b);
        assert_eq!(r, Ratio { num: 6, den: 7 });
        assert_eq!(bt_agreement(&a, &b, &pairs), Ratio { num: 3, den: 3 });
        let d = step_diff(&a, &b, &pairs, 10);
        assert!(d.contains("- 1     main a.c:2"), "{d}");
        let (same, _) = step_similarity(&a, &a);
        assert_eq!(same.value(), 1.0);
    }

    #[test]
    fn variables_compare_pointers_by_pointee() {
        let v = |name: &str, value: &str, pointee: &str| Var {
            kind: "local".into(),
            name: name.into(),
            ty: "int".into(),
            value: value.into(),
            pointee: pointee.into(),
            decl_line: 0,
            decl_end: 0,
            tkind: if pointee == "-" { "base" } else { "pointer" }.into(),
        };
        let mut a = stop("main", 1);
        a.vars = vec![v("x", "1", "-"), v("p", "0x?", "{a = 1}"), v("y", "2", "-")];
        let mut b = stop("main", 1);
        b.vars = vec![v("p", "0x?", "{a = 1}"), v("x", "1", "-"), v("y", "3", "-")];
        let r = var_fidelity(&[a.clone()], &[b.clone()], &[(0, 0)]);
        assert_eq!(r, Ratio { num: 2, den: 3 });
        let k = var_fidelity_by_kind(&[a], &[b], &[(0, 0)]);
        assert_eq!(k["base"], Ratio { num: 1, den: 2 });
        assert_eq!(k["pointer"], Ratio { num: 1, den: 1 });
    }
}
