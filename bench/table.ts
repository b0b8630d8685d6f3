/** The one table the bench prints: markdown, padded so that it also reads well in a terminal. */

export interface Row {
  /** Section number and name, e.g. "1 footprint". */
  section: string;
  measure: string;
  /** This library's figure. */
  value: string;
  /** What it is compared with, and how it compares. */
  comparison: string;
  target: string;
  /** true = met, false = not met, undefined = no target. */
  met?: boolean;
}

const HEADERS = ['#', 'measure', 'cdk-opensearch-lifecycle', 'compared with', 'target', 'met'];

function escape(cell: string): string {
  return cell.replace(/\|/g, '\\|');
}

export function renderTable(rows: Row[]): string {
  const cells = rows.map((row) => [
    row.section,
    row.measure,
    row.value,
    row.comparison,
    row.target,
    row.met === undefined ? '' : row.met ? 'yes' : '**no**',
  ]);
  const all = [HEADERS, ...cells].map((line) => line.map(escape));
  const widths = HEADERS.map((_, column) => Math.max(3, ...all.map((line) => line[column].length)));
  const render = (line: string[]) => `| ${line.map((cell, column) => cell.padEnd(widths[column])).join(' | ')} |`;
  // The separator the way Prettier writes it, so the table pastes into the README unchanged.
  const separator = render(widths.map((width) => '-'.repeat(width)));
  return [render(all[0]), separator, ...all.slice(1).map(render)].join('\n');
}
