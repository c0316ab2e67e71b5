//! One CSV line per row: every figure as median, min and max.

use std::fmt::Write as _;

use crate::Results;
use crate::stats::Stat;
use crate::summary::RowSummary;

/// The CSV: a header, then a line per row of every group. The numbers the examples' reports
/// held beyond the usual fields (`RowSummary::metrics`) follow as `<name>_median`, `_min`
/// and `_max` columns, one set per name any row has.
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
