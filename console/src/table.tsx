import { useLayoutEffect, useRef, type ReactNode } from 'react';
import type { More } from './live';

/**
 * A scrollable table named by `label`: a column header for each of `columns`, the rows as children
 * and, when `empty` is set, that line under it (`empty={list.data?.apps.totalCount === 0 && 'No apps yet.'}`);
 * with `more` (a paged list), how many are shown of how many, and a button for the next page.
 */
export function DataTable(props: { label: string; columns: string[]; empty?: ReactNode; caption?: string; more?: More; children: ReactNode }) {
  const ref = useRef<HTMLTableElement>(null);
  // On a phone the rows stack (styles.css): each cell then shows its column's name, and the ARIA
  // roles keep the table a table for screen readers whatever its CSS display.
  useLayoutEffect(() => {
    for (const row of ref.current?.tBodies[0]?.rows ?? []) {
      row.setAttribute('role', 'row');
      [...row.cells].forEach((cell, index) => {
        cell.setAttribute('role', 'cell');
        if (props.columns[index]) cell.dataset.label = props.columns[index];
      });
    }
  });
  return (
    <div className="table-wrap">
      <table aria-label={props.label} ref={ref} role="table">
        {props.caption && <caption className="visually-hidden">{props.caption}</caption>}
        <thead role="rowgroup">
          <tr role="row">
            {props.columns.map((column) => (
              <th key={column} scope="col" role="columnheader">
                {column}
              </th>
            ))}
          </tr>
        </thead>
        <tbody role="rowgroup">{props.children}</tbody>
      </table>
      {props.empty ? <p className="empty">{props.empty}</p> : null}
      <MoreLine more={props.more} label={props.label} />
    </div>
  );
}

/** A row's first cell: its name in bold, a muted line under it (`detail`), then any further lines. */
export function NameCell(props: { name: string; detail?: ReactNode; children?: ReactNode }) {
  return (
    <td>
      <strong>{props.name}</strong>
      {props.detail ? <div className="muted small">{props.detail}</div> : null}
      {props.children}
    </td>
  );
}

/**
 * A row's action button showing `verb`, named with the row for screen readers and tests:
 * `${verb} ${of}` ("Revoke ci-runner"), or `${phrase} ${of}` when the verb alone says too little
 * ("Edit provider Acme").
 */
export function RowAction(props: { verb: string; of: string; phrase?: string; danger?: boolean; onClick(): void }) {
  return (
    <button className={props.danger ? 'danger' : undefined} onClick={props.onClick} aria-label={`${props.phrase ?? props.verb} ${props.of}`}>
      {props.verb}
    </button>
  );
}

/** Under a paged list that has more: how many are shown of how many, and a button for the next page. */
export function MoreLine(props: { more?: More; label: string }) {
  if (!props.more?.hasMore) return null;
  return (
    <p className="more">
      Showing {props.more.shown} of {props.more.total}.{' '}
      <button type="button" onClick={props.more.loadMore} aria-label={`Show more of ${props.label.toLowerCase()}`}>
        Show more
      </button>
    </p>
  );
}
