//! Keras's `model.summary()` table and the shape and name formatting it uses.

use super::Sequential;

/// Keras shows shapes with the batch axis as None.
pub(super) fn batch_shape(s: &[usize]) -> String {
    format_shape(s)
}

fn format_shape(s: &[usize]) -> String {
    let dims: Vec<String> = s.iter().map(|d| d.to_string()).collect();
    format!("(None, {})", dims.join(", "))
}

fn thousands(n: usize) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, ch) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

impl Sequential {
    /// Keras's `model.summary()` table, as a string.
    pub fn summary(&self) -> String {
        let rule = "_".repeat(69);
        let mut s = format!("Model: \"sequential\"\n{rule}\n");
        s += &format!(
            "{:<33}{:<26}{:>10}\n",
            " Layer (type)", "Output Shape", "Param #"
        );
        s += &format!("{}\n", "=".repeat(69));
        for (i, l) in self.layers.iter().enumerate() {
            let name = format!(" {} ({})", self.names[i], l.kind());
            // As Keras, a name too wide for its column continues on the next line.
            let (first, rest) = match name.chars().count() > 32 {
                true => (
                    format!(" {}", self.names[i]),
                    Some(format!(" ({})", l.kind())),
                ),
                false => (name, None),
            };
            s += &format!(
                "{:<33}{:<26}{:>10}\n",
                first,
                format_shape(&self.shapes[i]),
                thousands(l.param_count())
            );
            if let Some(rest) = rest {
                s += &format!("{rest}\n");
            }
            if i + 1 < self.layers.len() {
                s += "\n";
            }
        }
        s += &format!("{}\n", "=".repeat(69));
        let total = self.count_params();
        let frozen = self
            .layers
            .iter()
            .fold(0usize, |a, l| a.saturating_add(l.non_trainable_count()));
        s += &format!(
            "Total params: {}\nTrainable params: {}\nNon-trainable params: {}\n{rule}\n",
            thousands(total),
            thousands(total - frozen),
            thousands(frozen)
        );
        s
    }
}
