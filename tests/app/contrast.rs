//! Every text colour of the default stylesheet is readable on the
//! background it is drawn on: WCAG AA (4.5:1), in light and dark schemes.

use std::collections::HashMap;

const CSS: &str = include_str!("../../templates/style.css");

/// The custom properties of the first `:root` block after `from`.
fn palette(from: &str) -> HashMap<String, String> {
    let start = from.find(":root {").expect(":root") + ":root {".len();
    let block = &from[start..start + from[start..].find('}').expect("end of :root")];
    block
        .split(';')
        .filter_map(|d| d.split_once(':'))
        .filter(|(name, _)| name.trim().starts_with("--"))
        .map(|(name, value)| (name.trim().to_owned(), value.trim().to_owned()))
        .collect()
}

/// A colour value as `#rrggbb`, through `var(--x)` where need be.
fn resolve(value: &str, palette: &HashMap<String, String>) -> Option<String> {
    let value = value.trim().trim_end_matches("!important").trim();
    let value = match value.strip_prefix("var(").and_then(|v| v.strip_suffix(')')) {
        Some(name) => palette.get(name.trim())?.clone(),
        None => value.to_owned(),
    };
    let hex = value.strip_prefix('#')?;
    match hex.len() {
        6 => Some(hex.to_owned()),
        3 => Some(hex.chars().flat_map(|c| [c, c]).collect()),
        _ => None,
    }
}

/// WCAG relative luminance of `rrggbb`.
fn luminance(hex: &str) -> f64 {
    let channel = |i: usize| {
        let c = f64::from(u8::from_str_radix(&hex[i..i + 2], 16).expect("hex")) / 255.0;
        if c <= 0.039_28 {
            c / 12.92
        } else {
            ((c + 0.055) / 1.055).powf(2.4)
        }
    };
    0.2126 * channel(0) + 0.7152 * channel(2) + 0.0722 * channel(4)
}

fn contrast(a: &str, b: &str) -> f64 {
    let (la, lb) = (luminance(a), luminance(b));
    (la.max(lb) + 0.05) / (la.min(lb) + 0.05)
}

/// `(selector, colour, background)` of every rule that sets a text colour;
/// the page's background where the rule sets none.
fn rules() -> Vec<(String, String, String)> {
    let mut found = Vec::new();
    for chunk in CSS.split('}') {
        let Some((selector, body)) = chunk.rsplit_once('{') else {
            continue;
        };
        let declaration = |name: &str| {
            body.split(';').find_map(|d| {
                let (key, value) = d.split_once(':')?;
                (key.trim() == name).then(|| value.trim().to_owned())
            })
        };
        let Some(color) = declaration("color") else {
            continue;
        };
        let background = declaration("background")
            .or_else(|| declaration("background-color"))
            .filter(|b| b != "none")
            .unwrap_or_else(|| "var(--bg)".to_owned());
        found.push((selector.trim().to_owned(), color, background));
    }
    found
}

#[test]
fn every_text_colour_meets_wcag_aa_in_light_and_dark() {
    let dark_at = CSS
        .find("prefers-color-scheme: dark")
        .expect("a dark scheme");
    let schemes = [("light", palette(CSS)), ("dark", palette(&CSS[dark_at..]))];
    let mut checked = 0;
    let mut failures = Vec::new();
    for (scheme, palette) in &schemes {
        let mut pairs: Vec<(String, String, String)> = rules();
        // Text of any colour may also sit on the soft panels.
        for text in ["--text", "--muted", "--accent", "--danger", "--ok"] {
            for ground in ["--bg", "--soft"] {
                pairs.push((
                    format!("{text} on {ground}"),
                    format!("var({text})"),
                    format!("var({ground})"),
                ));
            }
        }
        for (selector, color, background) in pairs {
            let (Some(fg), Some(bg)) = (resolve(&color, palette), resolve(&background, palette))
            else {
                continue;
            };
            checked += 1;
            let ratio = contrast(&fg, &bg);
            if ratio < 4.5 {
                failures.push(format!(
                    "{scheme}: {selector}: #{fg} on #{bg} is {ratio:.2}:1"
                ));
            }
        }
    }
    assert!(checked > 30, "only {checked} pairs were found to check");
    assert!(failures.is_empty(), "below 4.5:1:\n{}", failures.join("\n"));
}

#[test]
fn the_contrast_formula_matches_wcags_examples() {
    assert!((contrast("000000", "ffffff") - 21.0).abs() < 0.01);
    assert!((contrast("777777", "ffffff") - 4.48).abs() < 0.01);
}
