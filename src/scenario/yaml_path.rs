//! The YAML path of a line, for syntax and type errors that come from the parser with a
//! line and column but no path. Validation errors build their paths directly.

/// The dotted path of the block-style key on `line` (1-based), from indentation: good for
/// the block YAML scenarios are written in; inside flow collections it names the enclosing
/// key. Returns "" when nothing can be derived.
pub fn path_at(text: &str, line: usize) -> String {
    // (indent, segment, is_sequence_item)
    let mut stack: Vec<(usize, String, bool)> = Vec::new();
    for raw in text.lines().take(line) {
        let trimmed = raw.trim_start_matches(' ');
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let mut indent = raw.len() - trimmed.len();
        let mut content = trimmed;
        while content == "-" || content.starts_with("- ") {
            let previous = loop {
                match stack.last() {
                    Some((i, _, _)) if *i > indent => drop(stack.pop()),
                    Some((i, seg, true)) if *i == indent => {
                        let n = seg.trim_matches(['[', ']']).parse::<usize>().unwrap_or(0);
                        stack.pop();
                        break Some(n);
                    }
                    _ => break None,
                }
            };
            let index = previous.map_or(0, |n| n + 1);
            stack.push((indent, format!("[{index}]"), true));
            let rest = content[1..].trim_start_matches(' ');
            indent += content.len() - rest.len();
            content = rest;
        }
        if let Some((key, _)) = content.split_once(':') {
            let key = key.trim().trim_matches(['"', '\'']);
            if !key.is_empty() && !key.contains([' ', '{', '[', ',']) {
                while stack
                    .last()
                    .is_some_and(|(i, _, item)| *i > indent || (*i == indent && !item))
                {
                    stack.pop();
                }
                stack.push((indent, key.to_owned(), false));
            }
        }
    }
    let mut path = String::new();
    for (_, seg, item) in &stack {
        if !path.is_empty() && !item {
            path.push('.');
        }
        path.push_str(seg);
    }
    path
}

#[cfg(test)]
mod tests {
    use super::path_at;

    #[test]
    fn paths_from_indentation() {
        let text = "version: 1\nhorizon:\n  start: x\n  durration: 3d\ncalendar:\n  events:\n    - name: a\n      start: b\n    - name: c\n      kind: x\n  weekly:\n    hours: [1]\n";
        let cases = [
            (1, "version"),
            (4, "horizon.durration"),
            (7, "calendar.events[0].name"),
            (10, "calendar.events[1].kind"),
            (12, "calendar.weekly.hours"),
        ];
        for (line, path) in cases {
            assert_eq!(path_at(text, line), path, "line {line}");
        }
    }

    #[test]
    fn sequences_at_the_parent_indent() {
        let text = "events:\n- name: a\n- name: b\n  start: x\n";
        assert_eq!(path_at(text, 4), "events[1].start");
    }
}
