//! One CSV line per row: every figure as median, min and max.

use std::fmt::Write as _;

use crate::model::results::Results;
use crate::model::stats::Stat;
use crate::model::summary::RowSummary;

/// The CSV: a header, then a line per row of every group. Where a row ended as expected
/// other than by success, an `outcome` column follows; and the numbers the examples'
/// reports held beyond the usual fields (`RowSummary::metrics`) follow as `<name>_median`,
/// `_min` and `_max` columns, one set per name any row has.
pub fn csv(r: &Results) -> String {
    let mut out = String::from(
        "group,example,approach,status,failure,runs,threads,tasks,delay_ms,limit,jobs,\
         wall_median_ms,wall_min_ms,wall_max_ms,in_process_median_ms,in_process_min_ms,\
         in_process_max_ms,cpu_median_ms,cpu_min_ms,cpu_max_ms,max_rss_median_kib,\
         max_rss_min_kib,max_rss_max_kib,peak_threads_median,peak_threads_max,\
         voluntary_switches_median,involuntary_switches_median,result,checksum,x_ideal,\
         speedup,efficiency,noisy",
    );
    let rows = || r.groups.iter().flat_map(|g| g.rows.iter().map(move |row| (g, row)));
    let mut metrics: Vec<&String> = rows().flat_map(|(_, row)| row.metrics.keys()).collect();
    metrics.sort();
    metrics.dedup();
    let outcomes = rows().any(|(_, row)| row.outcome.is_some());
    if outcomes {
        out.push_str(",outcome");
    }
    for name in &metrics {
        let _ = write!(out, ",{name}_median,{name}_min,{name}_max");
    }
    out.push('\n');
    let opt = |v: Option<String>| v.unwrap_or_default();
    let three = |s: &Option<Stat>| match s {
        Some(s) => format!("{:.3},{:.3},{:.3}", s.median, s.min, s.max),
        None => ",,".into(),
    };
    for (group, row) in rows() {
        let RowSummary { params: p, .. } = row;
        let mut fields = vec![
            quote(&group.label),
            group.example.name().into(),
            quote(&row.approach),
            if row.failure.is_some() { "FAILED" } else { "ok" }.into(),
            quote(&row.failure.as_ref().map(ToString::to_string).unwrap_or_default()),
            row.runs.to_string(),
            p.threads.to_string(),
            opt(p.tasks.map(|v| v.to_string())),
            opt(p.delay_ms.map(|v| v.to_string())),
            opt(p.limit.map(|v| v.to_string())),
            opt(p.jobs.map(|v| v.to_string())),
            three(&row.wall_ms),
            three(&row.in_process_ms),
            three(&row.cpu_ms),
            three(&row.max_rss_kib),
            opt(row.peak_threads.map(|s| s.median.to_string())),
            opt(row.peak_threads.map(|s| s.max.to_string())),
            opt(row.voluntary_switches.map(|s| s.median.to_string())),
            opt(row.involuntary_switches.map(|s| s.median.to_string())),
            opt(row.result.map(|v| v.to_string())),
            opt(row.checksum.clone()),
            opt(row.x_ideal.map(|v| format!("{v:.4}"))),
            opt(row.speedup.map(|v| format!("{v:.4}"))),
            opt(row.efficiency.map(|v| format!("{v:.4}"))),
            row.noisy.to_string(),
        ];
        if outcomes {
            fields.push(quote(&row.outcome.as_ref().map(ToString::to_string).unwrap_or_default()));
        }
        fields.extend(metrics.iter().map(|name| three(&row.metrics.get(*name).copied())));
        let _ = writeln!(out, "{}", fields.join(","));
    }
    out
}

fn quote(field: &str) -> String {
    if field.contains([',', '"', '\n']) {
        format!("\"{}\"", field.replace('"', "\"\""))
    } else {
        field.into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::outcome::Failure;

    #[test]
    fn outcomes_and_report_metrics_add_columns_only_where_present() {
        // A sample, its rows' metrics and outcomes taken out.
        let sample = include_str!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../results/sample/run-all-tcp.json"
        ));
        let mut results: Results = serde_json::from_str(sample).unwrap();
        for row in results.groups.iter_mut().flat_map(|g| &mut g.rows) {
            row.metrics.clear();
            row.outcome = None;
        }
        let plain = csv(&results);
        assert!(plain.lines().next().unwrap().ends_with(",noisy"));

        let row = &mut results.groups[0].rows[1];
        row.metrics.insert("ticker.p99_us".into(), Stat { median: 2.0, min: 1.0, max: 3.0 });
        row.outcome = Some(Failure::Late { late: 4 });
        let text = csv(&results);
        let mut lines = text.lines();
        let header = lines.next().unwrap();
        assert!(
            header.ends_with(
                ",noisy,outcome,ticker.p99_us_median,ticker.p99_us_min,ticker.p99_us_max"
            )
        );
        let first = lines.next().unwrap();
        assert!(first.ends_with(",,,,"), "rows without them have empty cells: {first}");
        let second = lines.next().unwrap();
        assert!(
            second.ends_with(",4 request(s) unfinished at the deadline,2.000,1.000,3.000"),
            "{second}"
        );
    }
}
