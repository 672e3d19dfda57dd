/**
 * The report's whole style sheet, inlined into the page so it needs nothing from the network. Light and dark
 * follow the reader's system; the state colours are shared by the bars, swatches and table pills.
 */
export const REPORT_CSS = `
:root{--bg:#f5f6f8;--card:#fff;--ink:#1b1f24;--muted:#6b7280;--faint:#9aa3af;--line:#e5e7eb;--grid:#eceef1;
--stripe:#f8f9fb;--completed:#22a06b;--failed:#e5484d;--timed-out:#f08c00;--cancelled:#8b95a5;--skipped:#a78bfa;
--running:#3b82f6;--waiting:#c3c9d2;--limit:#c2410c;--ok-bg:#e7f6ee;--ok-ink:#13744a;--bad-bg:#fdeced;--bad-ink:#b42318}
@media (prefers-color-scheme:dark){:root{--bg:#0f1216;--card:#171b21;--ink:#e6e8eb;--muted:#9aa3af;--faint:#6b7280;
--line:#2a3039;--grid:#232932;--stripe:#1b2027;--waiting:#4b5563;--limit:#fb923c;--ok-bg:#12301f;--ok-ink:#6ee7a8;
--bad-bg:#3a1618;--bad-ink:#fca5a5}}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--ink);font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,
"Helvetica Neue",Arial,sans-serif;-webkit-font-smoothing:antialiased}
main{max-width:1180px;margin:0 auto;padding:32px 24px 48px}
header{display:flex;flex-wrap:wrap;align-items:flex-end;justify-content:space-between;gap:16px;margin-bottom:20px}
.eyebrow{font-size:12px;font-weight:600;letter-spacing:.08em;text-transform:uppercase;color:var(--muted)}
h1{margin:2px 0 4px;font-size:28px;line-height:1.2;letter-spacing:-.01em;word-break:break-all}
.path{margin:0;color:var(--muted);font:12px ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;word-break:break-all}
.when{margin:6px 0 0;color:var(--muted);font-size:13px}
.verdict{display:inline-flex;align-items:center;gap:8px;padding:6px 14px;border-radius:999px;font-weight:600}
.verdict.ok{background:var(--ok-bg);color:var(--ok-ink)}.verdict.bad{background:var(--bad-bg);color:var(--bad-ink)}
.verdict::before{content:"";width:8px;height:8px;border-radius:50%;background:currentColor}
.stats{display:grid;grid-template-columns:repeat(auto-fit,minmax(130px,1fr));gap:12px;margin:0 0 20px;padding:0}
.stat-card{background:var(--card);border:1px solid var(--line);border-radius:12px;padding:12px 16px}
.stat-card dt{font-size:12px;color:var(--muted);display:flex;align-items:center;gap:6px}
.stat-card dd{margin:2px 0 0;font-size:22px;font-weight:650;font-variant-numeric:tabular-nums}
section{background:var(--card);border:1px solid var(--line);border-radius:14px;padding:18px 20px 14px;margin-bottom:20px;
box-shadow:0 1px 2px rgba(16,24,40,.04)}
section h2{margin:0 0 4px;font-size:16px}
section .sub{margin:0 0 10px;color:var(--muted);font-size:13px}
.head{display:flex;flex-wrap:wrap;justify-content:space-between;align-items:baseline;gap:8px}
.legend{display:flex;flex-wrap:wrap;gap:6px 16px;list-style:none;margin:0 0 8px;padding:0;font-size:12px;color:var(--muted)}
.legend li{display:flex;align-items:center;gap:6px}
.swatch{display:inline-block;width:14px;height:10px;border-radius:3px}
.lifeline-swatch{height:2px;background:var(--waiting)}
.chart{display:block;width:100%;min-width:820px;height:auto;overflow:visible}
.chart text{font-size:11px;fill:var(--muted)}
.chart .tick{fill:var(--faint);font-variant-numeric:tabular-nums}
.chart .grid{stroke:var(--grid);stroke-width:1}
.chart .stripe{fill:var(--stripe)}
.chart .job{font:12px ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;fill:var(--ink)}
.chart .unrun .job{fill:var(--muted);font-style:italic}
.chart .lifeline{stroke:var(--waiting);stroke-width:2;stroke-linecap:round}
.chart .ready{fill:var(--waiting)}
.chart .bar{stroke:rgba(0,0,0,.08);stroke-width:1}
.chart .bar:hover,.chart .marker:hover{filter:brightness(1.1);stroke:var(--ink)}
.chart .bar-label{fill:#fff;font-size:11px;font-weight:600;pointer-events:none;font-variant-numeric:tabular-nums}
.chart .note{font-size:11px;font-style:italic}
.chart .plain{fill:var(--card)}
.chart .lifeline.unrun{stroke-dasharray:3 4}
.chart .resource{font-size:14px;font-weight:650;fill:var(--ink)}
.chart .stat{font-size:12px}
.chart .area{fill:var(--c);fill-opacity:.18}
.chart .line{fill:none;stroke:var(--c);stroke-width:2;stroke-linejoin:round}
.chart .axis{stroke:var(--faint);stroke-width:1}
.chart .limit{stroke:var(--limit);stroke-width:1.5;stroke-dasharray:6 4}
.chart .limit-label{fill:var(--limit);font-weight:600}
.util+.util{margin-top:10px;padding-top:10px;border-top:1px dashed var(--line)}
.st-completed{fill:var(--completed);background:var(--completed)}.st-failed{fill:var(--failed);background:var(--failed)}
.st-timed-out{fill:var(--timed-out);background:var(--timed-out)}.st-cancelled{fill:var(--cancelled);background:var(--cancelled)}
.st-skipped{fill:var(--skipped);background:var(--skipped)}.st-running{fill:var(--running);background:var(--running)}
.st-waiting,.st-queued,.st-backoff{fill:var(--waiting);background:var(--waiting)}
.chart .st-failed-text{fill:var(--failed)}.chart .st-timed-out-text{fill:var(--timed-out)}
table{width:100%;border-collapse:collapse;font-size:13px}
th{text-align:left;font-weight:600;color:var(--muted);font-size:12px;padding:8px 10px;border-bottom:1px solid var(--line)}
td{padding:8px 10px;border-bottom:1px solid var(--line);vertical-align:top}
tbody tr:last-child td{border-bottom:0}
tbody tr:hover{background:var(--stripe)}
.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
td.name,td.devices{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:12px;overflow-wrap:break-word}
td.why{color:var(--muted);max-width:380px}
.pill{display:inline-block;padding:1px 9px;border-radius:999px;color:#fff;font-size:12px;font-weight:600;white-space:nowrap}
.scroll{overflow-x:auto}
footer{color:var(--faint);font-size:12px;text-align:center;margin-top:8px}
@media print{body{background:#fff}section{box-shadow:none;break-inside:avoid}}
`;
