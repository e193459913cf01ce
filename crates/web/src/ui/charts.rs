//! Small charts drawn as inline SVG by the server (no script, nothing fetched): a line's points.

/// The points of a polyline across `width` × `height` pixels for `values` in order, each placed between `lo`
/// (the bottom, less a 4-pixel margin) and `hi` (the top): "x,y x,y …". Display only — pixel positions, not
/// figures.
#[allow(clippy::cast_precision_loss)]
pub(crate) fn polyline(values: &[f64], lo: f64, hi: f64, width: f64, height: f64) -> String {
    let span = if hi > lo { hi - lo } else { 1.0 };
    let step = if values.len() > 1 {
        width / (values.len() - 1) as f64
    } else {
        0.0
    };
    values
        .iter()
        .enumerate()
        .map(|(i, v)| {
            let y = (height - 4.0) - (height - 8.0) * ((v - lo) / span).clamp(0.0, 1.0);
            format!("{:.1},{:.1}", i as f64 * step, y)
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_line_runs_from_the_left_to_the_right_with_the_highest_at_the_top() {
        assert_eq!(
            polyline(&[0.0, 50.0, 100.0], 0.0, 100.0, 240.0, 48.0),
            "0.0,44.0 120.0,24.0 240.0,4.0"
        );
        // A flat line of equal values sits at the bottom; a value out of range is clamped.
        assert_eq!(
            polyline(&[5.0, 5.0], 5.0, 5.0, 100.0, 48.0),
            "0.0,44.0 100.0,44.0"
        );
        assert_eq!(polyline(&[150.0], 0.0, 100.0, 100.0, 48.0), "0.0,4.0");
    }
}
