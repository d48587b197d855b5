//! The figures of every debugger test of this run: printed as each test
//! finishes (straight to stderr, which libtest does not capture, so CI logs
//! show them) and collected in `target/debugger-report.txt`, rewritten after
//! every test so that it always holds all the tests run so far.

use super::compare::Ratio;
use super::fixture::{self, Opt};
use super::session::Debugger;
use std::collections::BTreeMap;
use std::io::Write;
use std::sync::Mutex;

#[derive(Clone, Debug, Default)]
pub struct Figures {
    /// 2 × LCS / (stops native + stops innative) of the step sequences.
    pub steps: Ratio,
    /// The same without native stops on lines the wasm's own line table has
    /// no `is_stmt` row for (informational: the ceiling the input allows).
    pub steps_input: Ratio,
    /// 2 × LCS / total of the stops of `next` from main's first line.
    pub next: Ratio,
    /// Matched stops whose own-frame backtraces are identical.
    pub bt: Ratio,
    /// `break FILE:LINE` / `break FUNC` / `break FILE:main` stopping first at
    /// the same place (plain `break main` not included: see `main_break`).
    pub breaks: Ratio,
    /// The same without breakpoints whose native stop is on a line the
    /// wasm's line table lacks (informational).
    pub breaks_input: Ratio,
    /// Function breakpoints stopping in the function with the same bt names.
    pub fbreaks: Ratio,
    /// (stop, variable) pairs matching native (issue 5; asserted at -O0).
    pub vars: Ratio,
    /// `vars` by the kind of the native variable's type.
    pub var_kinds: BTreeMap<String, Ratio>,
    /// Which build shows a value for the native build's variables.
    pub availability: super::compare::Availability,
    /// Where plain `break main` first stops: native, innative.
    pub main_break: (String, String),
    pub stops: (usize, usize),
    pub ends: (String, String),
    pub secs: f64,
    /// Disagreements and the step diff, for the details section.
    pub details: Vec<String>,
}

type Key = (String, Opt, Debugger);

static FIGURES: Mutex<BTreeMap<Key, Figures>> = Mutex::new(BTreeMap::new());
static EXTRA: Mutex<BTreeMap<String, String>> = Mutex::new(BTreeMap::new());

fn row(key: &Key, f: &Figures) -> String {
    format!(
        "{:<10} {:<4} {:<3}  steps {:<18} steps|input {:<18} next {:<16} bt {:<18} breaks {:<16} breaks|input {:<16} fbreaks {:<14} vars {:<18} stops {}/{}  {:.1}s",
        key.0,
        key.2,
        key.1.flag(),
        f.steps.to_string(),
        f.steps_input.to_string(),
        f.next.to_string(),
        f.bt.to_string(),
        f.breaks.to_string(),
        f.breaks_input.to_string(),
        f.fbreaks.to_string(),
        f.vars.to_string(),
        f.stops.0,
        f.stops.1,
        f.secs
    )
}

/// Variable availability, one row per test.
fn availability_table(figures: &BTreeMap<Key, Figures>) -> String {
    let mut out = String::from(
        "\nvariable availability at matched stops ((stop, variable) pairs of the native build's \
         variables; a value shown, or `<optimized out>` / not available / missing):\n",
    );
    out.push_str(&format!(
        "{:<20} {:>8} {:>12} {:>14} {:>8}\n",
        "", "both", "native only", "innative only", "neither"
    ));
    for (key, f) in figures {
        let a = f.availability;
        out.push_str(&format!(
            "{:<10} {:<4} {:<3}  {:>8} {:>12} {:>14} {:>8}\n",
            key.0,
            key.2,
            key.1.flag(),
            a.both,
            a.native_only,
            a.innative_only,
            a.neither
        ));
    }
    out
}

/// The variable figures by type kind (of the native variable), one row per
/// test: `matching/total` per kind, `-` where the fixture has none.
fn kinds_table(figures: &BTreeMap<Key, Figures>) -> String {
    const KINDS: [&str; 10] = [
        "base",
        "enum",
        "pointer",
        "funcptr",
        "reference",
        "struct",
        "bitfield-struct",
        "union",
        "array",
        "other",
    ];
    let mut out =
        String::from("\nvariable fidelity by type kind (matching/total (stop, variable) pairs):\n");
    out.push_str(&format!("{:<20}", ""));
    for k in KINDS {
        out.push_str(&format!(" {k:>15}"));
    }
    out.push('\n');
    for (key, f) in figures {
        out.push_str(&format!("{:<10} {:<4} {:<3} ", key.0, key.2, key.1.flag()));
        for k in KINDS {
            let cell = f
                .var_kinds
                .get(k)
                .map_or("-".to_string(), |r| format!("{}/{}", r.num, r.den));
            out.push_str(&format!(" {cell:>15}"));
        }
        out.push('\n');
    }
    out
}

/// Records a test's figures, prints them (one line; the details are in the
/// report file and in a failing test's message) and rewrites the report.
pub fn add(fixture: &str, opt: Opt, dbg: Debugger, f: Figures) {
    let key = (fixture.to_string(), opt, dbg);
    let text = format!("[debugger] {}\n", row(&key, &f));
    let _ = std::io::stderr().write_all(text.as_bytes());
    FIGURES
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .insert(key, f);
    write();
}

/// Adds (or replaces) a free-form section, e.g. the dwarfdump results.
pub fn add_section(title: &str, body: String) {
    let lines: String = body
        .lines()
        .map(|l| format!("[debugger]   {l}\n"))
        .collect();
    let _ = std::io::stderr().write_all(format!("[debugger] {title}\n{lines}").as_bytes());
    EXTRA
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .insert(title.to_string(), body);
    write();
}

fn write() {
    let figures = FIGURES.lock().unwrap_or_else(|e| e.into_inner()).clone();
    let extra = EXTRA.lock().unwrap_or_else(|e| e.into_inner()).clone();
    let mut out = String::from(
        "innative debugger report (cargo test --test debugger)\n\
         Each row: a fixture's native build (clang-19 -g) against its innative build\n\
         (clang-19 --target=wasm32-wasi -g -> innative compile -g), same debugger and -O level.\n\
         steps  = 2 x LCS / (native stops + innative stops) of `step` through the own files\n\
         steps|input = informational: the same leaving out native stops on lines that have no is_stmt row\n\
         \x20        in the wasm's own line table (clang emitted no wasm code for them): innative's ceiling\n\
         next   = the same for `next` (step over calls) from the first line of main\n\
         bt     = matched stops with identical own-frame backtraces (function, file:line)\n\
         breaks = breakpoints (FILE:LINE for every line, every function, FILE:main) whose first stop matches\n\
         breaks|input = informational: the same leaving out breakpoints whose native stop is on such a line\n\
         fbreaks= function breakpoints stopping in that function with the same bt function names\n\
         vars   = (stop, variable) pairs with native's name and value (pointers by pointee, function\n         \x20        pointers by the function the debugger names); arguments, locals, `static` locals and the\n         \x20        file-scope variables of the frame's unit; innative with its debugger extensions loaded\n\n",
    );
    for (k, f) in &figures {
        out.push_str(&row(k, f));
        out.push('\n');
    }
    out.push_str(&kinds_table(&figures));
    out.push_str(&availability_table(&figures));
    for (k, f) in &figures {
        out.push_str(&format!("\n== {} {} {}\n", k.0, k.2, k.1.flag()));
        out.push_str(&format!(
            "break main: native {} | innative {}\nsession ends: native {}, innative {}\n",
            f.main_break.0, f.main_break.1, f.ends.0, f.ends.1
        ));
        for d in &f.details {
            out.push_str(d);
            if !d.ends_with('\n') {
                out.push('\n');
            }
        }
    }
    for (title, body) in &extra {
        out.push_str(&format!("\n== {title}\n{body}"));
    }
    let path = fixture::target_dir().join("debugger-report.txt");
    let _ = std::fs::write(&path, out);
}
