//! Workload classes from routes: `PATTERN CLASS` rules.
//!
//! A pattern is a path with wildcards: `*` matches any characters within one segment
//! (`/shop/cart/update*`), `**` any characters across segments (`/shop/**`); a trailing
//! `/**` also matches the bare prefix (`/shop/**` matches `/shop`). Patterns are matched
//! against the path without its query string.
//!
//! The most specific matching rule wins: the one with the most literal characters, then
//! the fewer `**`, then the fewer `*`. A path matched by two rules equally specific that
//! name different classes is an error naming both — the rules overlap. The class `-`
//! drops the requests it matches (counted). Rule files hold one rule a line, `#` comments.

use std::fmt;

/// Most rules in a set; most wildcards in a pattern; longest pattern.
pub const MAX_RULES: usize = 1000;
const MAX_WILDCARDS: usize = 8;
const MAX_PATTERN: usize = 512;

/// The class that drops what it matches.
pub const DROP: &str = "-";

/// Odoo's routes, from Odoo's controllers (addons/web, website, website_sale, payment,
/// portal, bus) and OCA queue_job's runner. Most specific first, for the reader.
pub const DEFAULT_RULES: &str = "\
# Odoo's routes (peakplan's default rules). One rule a line: PATTERN CLASS.
/shop/confirm_order                 checkout
/shop/payment/**                    checkout
/payment/**                         checkout
/shop/cart/**                       cart
/shop/**                            browse
/website/**                         browse
/website/static/**                  assets
/web/static/**                      assets
/web/assets/**                      assets
/web/image/**                       assets
/web/content/**                     assets
/*/static/**                        assets
/web/login                          login
/web/session/**                     login
/web/**                             backoffice
/odoo/**                            backoffice
/mail/**                            backoffice
/my/**                              portal
/xmlrpc/**                          api
/jsonrpc                            api
/json/**                            api
/queue_job/runjob                   jobs
/websocket/**                       -
/longpolling/**                     -
/**                                 other
";

#[derive(Clone, Debug, PartialEq)]
enum Tok {
    Lit(String),
    Star,
    Stars,
}

/// One rule.
#[derive(Clone, Debug)]
pub struct Rule {
    pub pattern: String,
    pub class: String,
    /// Where it was written (`rules.txt:3`, `default rules:4`).
    pub origin: String,
    /// The pattern and, when it has `/**` at its end or `/**/` inside, the variants
    /// matching zero segments there.
    variants: Vec<Vec<Tok>>,
    specificity: (usize, usize, usize),
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "`{} {}` ({})", self.pattern, self.class, self.origin)
    }
}

fn tokens(p: &str) -> Vec<Tok> {
    let mut out = Vec::new();
    let mut lit = String::new();
    let mut chars = p.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '*' {
            if !lit.is_empty() {
                out.push(Tok::Lit(std::mem::take(&mut lit)));
            }
            if chars.peek() == Some(&'*') {
                chars.next();
                out.push(Tok::Stars);
            } else {
                out.push(Tok::Star);
            }
        } else {
            lit.push(c);
        }
    }
    if !lit.is_empty() {
        out.push(Tok::Lit(lit));
    }
    out
}

/// The pattern, and each way of letting its `/**` match nothing.
fn variants(p: &str) -> Vec<String> {
    let mut out = vec![p.to_owned()];
    let mut i = 0;
    while i < out.len() && out.len() < 16 {
        let v = out[i].clone();
        if let Some(at) = v.find("/**/") {
            out.push(format!("{}{}", &v[..at], &v[at + 3..]));
        }
        if let Some(prefix) = v.strip_suffix("/**") {
            let bare = if prefix.is_empty() { "/" } else { prefix };
            out.push(bare.to_owned());
        }
        i += 1;
    }
    out.sort();
    out.dedup();
    out
}

/// Whether the tokens match all of `s`: the positions of `s` reachable after each token,
/// in `reach` and `next` (each at least `s.len() + 1` long), so the cost is tokens ×
/// length whatever the wildcards — never the backtracking's exponential worst case.
fn matches(p: &[Tok], s: &str, reach: &mut Vec<bool>, next: &mut Vec<bool>) -> bool {
    let b = s.as_bytes();
    let n = b.len();
    // Most rules fail on their first literal: reject those without the sweep.
    if let Some(Tok::Lit(l)) = p.first()
        && !s.starts_with(l.as_str())
    {
        return false;
    }
    reach.clear();
    reach.resize(n + 1, false);
    reach[0] = true;
    for t in p {
        next.clear();
        next.resize(n + 1, false);
        match t {
            Tok::Lit(l) => {
                let l = l.as_bytes();
                for i in 0..=n.saturating_sub(l.len()) {
                    if reach[i] && b[i..].starts_with(l) {
                        next[i + l.len()] = true;
                    }
                }
            }
            // Any characters within a segment: carried forward until a `/`.
            Tok::Star => {
                let mut carry = false;
                for j in 0..=n {
                    carry |= reach[j];
                    next[j] = carry;
                    if j < n && b[j] == b'/' {
                        carry = false;
                    }
                }
            }
            // Any characters: every position from the first reachable one.
            Tok::Stars => {
                if let Some(first) = reach.iter().position(|&r| r) {
                    next[first..].fill(true);
                }
            }
        }
        std::mem::swap(reach, next);
        if !reach.contains(&true) {
            return false;
        }
    }
    reach[n]
}

impl Rule {
    pub fn new(pattern: &str, class: &str, origin: String) -> Result<Rule, String> {
        let bad = |why: &str| format!("error: {origin}: rule `{pattern} {class}`: {why}");
        if !pattern.starts_with('/') {
            return Err(
                bad("a pattern is a path and starts with `/`") + "\n  hint: `/shop/** browse`"
            );
        }
        if pattern.len() > MAX_PATTERN {
            return Err(bad("the pattern is longer than 512 characters"));
        }
        if pattern.contains("***") {
            return Err(bad(
                "`***` is not a wildcard: use `*` (one segment) or `**` (any)",
            ));
        }
        let wildcards = pattern.matches('*').count();
        if wildcards > MAX_WILDCARDS * 2 {
            return Err(bad("more than 8 wildcards"));
        }
        let class_ok = class == DROP
            || (!class.is_empty()
                && class.len() <= 64
                && class
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
                && class != "all");
        if !class_ok {
            return Err(bad(
                "a class name is letters, digits, `_`, `-` and `.` (at most 64, not `all`), or `-` to drop the requests",
            ));
        }
        let toks = tokens(pattern);
        let literal = toks
            .iter()
            .map(|t| match t {
                Tok::Lit(l) => l.len(),
                _ => 0,
            })
            .sum();
        let count = |k: &Tok| toks.iter().filter(|t| *t == k).count();
        let specificity = (
            literal,
            usize::MAX - count(&Tok::Stars),
            usize::MAX - count(&Tok::Star),
        );
        Ok(Rule {
            pattern: pattern.to_owned(),
            class: class.to_owned(),
            origin,
            variants: variants(pattern).iter().map(|v| tokens(v)).collect(),
            specificity,
        })
    }

    fn matches(&self, path: &str, reach: &mut Vec<bool>, next: &mut Vec<bool>) -> bool {
        self.variants.iter().any(|v| matches(v, path, reach, next))
    }
}

/// A rule set.
#[derive(Clone, Debug)]
pub struct Rules {
    pub rules: Vec<Rule>,
}

/// A path two rules claim equally.
#[derive(Clone, Debug)]
pub struct Overlap {
    pub path: String,
    pub a: Rule,
    pub b: Rule,
}

impl fmt::Display for Overlap {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "error: overlapping rules: the route {} is sent to two classes, `{}` by {} and `{}` by {}, equally specific\n  hint: make one pattern more specific (more literal characters, fewer wildcards) or remove one",
            self.path, self.a.class, self.a, self.b.class, self.b
        )
    }
}

impl Rules {
    /// peakplan's rules for Odoo's routes.
    pub fn default_odoo() -> Rules {
        Rules::parse(DEFAULT_RULES, "default rules").expect("the default rules are valid")
    }

    /// Reads a rule file's text; `origin` names it in messages.
    pub fn parse(text: &str, origin: &str) -> Result<Rules, String> {
        let mut rules: Vec<Rule> = Vec::new();
        for (i, line) in text.lines().enumerate() {
            let line = line.split('#').next().unwrap_or("").trim();
            if line.is_empty() {
                continue;
            }
            let at = format!("{origin}:{}", i + 1);
            let mut words = line.split_whitespace();
            let (Some(pattern), Some(class), None) = (words.next(), words.next(), words.next())
            else {
                return Err(format!(
                    "error: {at}: `{line}` is not a rule\n  hint: one rule a line, `PATTERN CLASS`, e.g. `/shop/** browse`"
                ));
            };
            let rule = Rule::new(pattern, class, at)?;
            if let Some(same) = rules.iter().find(|r| r.pattern == rule.pattern) {
                return Err(format!(
                    "error: overlapping rules: {same} and {rule} have the same pattern\n  hint: keep one"
                ));
            }
            rules.push(rule);
            if rules.len() > MAX_RULES {
                return Err(format!("error: {origin}: more than {MAX_RULES} rules"));
            }
        }
        if rules.is_empty() {
            return Err(format!(
                "error: {origin} holds no rule\n  hint: one rule a line, `PATTERN CLASS`, e.g. `/shop/** browse`"
            ));
        }
        Ok(Rules { rules })
    }

    /// The class of `path` (`Ok(None)` when no rule matches it), or the two rules that
    /// claim it equally.
    pub fn classify(&self, path: &str) -> Result<Option<&Rule>, Box<Overlap>> {
        let mut best: Option<&Rule> = None;
        let mut tie: Option<&Rule> = None;
        let (mut reach, mut next) = (Vec::new(), Vec::new());
        for r in &self.rules {
            if !r.matches(path, &mut reach, &mut next) {
                continue;
            }
            match best {
                Some(b) if b.specificity > r.specificity => {}
                Some(b) if b.specificity == r.specificity => {
                    if b.class != r.class {
                        tie = Some(r);
                    }
                }
                _ => {
                    best = Some(r);
                    tie = None;
                }
            }
        }
        if let (Some(a), Some(b)) = (best, tie) {
            return Err(Box::new(Overlap {
                path: path.to_owned(),
                a: a.clone(),
                b: b.clone(),
            }));
        }
        Ok(best)
    }

    /// The classes in the order their first rule appears (the dropping class left out).
    pub fn classes(&self) -> Vec<&str> {
        let mut out: Vec<&str> = Vec::new();
        for r in &self.rules {
            if r.class != DROP && !out.contains(&r.class.as_str()) {
                out.push(&r.class);
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn class<'a>(rules: &'a Rules, path: &str) -> Option<&'a str> {
        rules.classify(path).unwrap().map(|r| r.class.as_str())
    }

    #[test]
    fn globs() {
        let r = Rules::parse(
            "/shop/** browse\n/shop/confirm_order checkout\n/shop/cart/update* cart\n/a/**/z deep\n",
            "t",
        )
        .unwrap();
        assert_eq!(class(&r, "/shop"), Some("browse"));
        assert_eq!(class(&r, "/shop/product/chair-12"), Some("browse"));
        assert_eq!(class(&r, "/shop/confirm_order"), Some("checkout"));
        assert_eq!(class(&r, "/shop/cart/update_json"), Some("cart"));
        assert_eq!(class(&r, "/shop/cart/update/x"), Some("browse"));
        assert_eq!(class(&r, "/a/z"), Some("deep"));
        assert_eq!(class(&r, "/a/b/c/z"), Some("deep"));
        assert_eq!(class(&r, "/shopping"), None);
        assert_eq!(class(&r, "/web"), None);
    }

    #[test]
    fn many_wildcards_on_a_long_path_stay_linear() {
        let r = Rules::parse("/**a**a**a**a**a**a**a**b x\n/*a*a*a*/*b y\n", "t").unwrap();
        let long = format!("/{}", "a".repeat(60_000));
        let t = std::time::Instant::now();
        assert_eq!(class(&r, &long), None);
        assert_eq!(class(&r, &format!("{long}b")), Some("x"));
        assert!(t.elapsed().as_secs_f64() < 5.0, "{:?}", t.elapsed());
        assert_eq!(class(&r, "/aaa/b"), Some("y"));
    }

    #[test]
    fn default_rules_place_odoo_routes() {
        let r = Rules::default_odoo();
        for (path, want) in [
            (
                "/web/dataset/call_kw/sale.order/action_confirm",
                "backoffice",
            ),
            ("/web/static/src/img/logo.png", "assets"),
            ("/website_sale/static/src/js/x.js", "assets"),
            ("/shop/confirm_order", "checkout"),
            ("/shop/cart/update_json", "cart"),
            ("/shop/category/chairs-3", "browse"),
            ("/queue_job/runjob", "jobs"),
            ("/websocket", "-"),
            ("/about-us", "other"),
            ("/", "other"),
        ] {
            assert_eq!(class(&r, path), Some(want), "{path}");
        }
    }

    #[test]
    fn equal_rules_for_two_classes_are_an_overlap_naming_both() {
        let r = Rules::parse("/shop/*/x a\n/shop/y/* b\n", "rules.txt").unwrap();
        let e = r.classify("/shop/y/x").unwrap_err();
        let text = e.to_string();
        assert!(
            text.contains("rules.txt:1") && text.contains("rules.txt:2"),
            "{text}"
        );
        let same = Rules::parse("/a/** x\n/a/** y\n", "r").unwrap_err();
        assert!(same.contains("r:1") && same.contains("r:2"), "{same}");
        assert!(Rules::parse("shop/** x", "r").is_err());
        assert!(Rules::parse("/shop/** x y", "r").is_err());
        assert!(Rules::parse("# nothing\n", "r").is_err());
    }
}
