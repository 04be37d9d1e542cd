import { useEffect, useMemo, useState } from 'react';
import { gql } from '../../api';
import { FormCard, SecretDialog, SelectField, TextField, useAction } from '../../components';
import {
  ConsoleExportOAuthBundleDocument,
  ConsoleImportOAuthBundleDocument,
  type ConsoleImportOAuthBundleMutation,
  type ImportConflict,
} from '../../generated/graphql';
import { DataTable } from '../../table';

import { CONFLICTS, OUTCOMES } from './shared';

export function BundleDialog(props: { bundle: string; providerCount: number; tokenCount: number; onClose(): void }) {
  const href = useMemo(() => URL.createObjectURL(new Blob([props.bundle], { type: 'text/plain' })), [props.bundle]);
  useEffect(() => () => URL.revokeObjectURL(href), [href]);
  return (
    <SecretDialog
      title="Bundle exported"
      secret={props.bundle}
      onClose={props.onClose}
      warning="Copy or download the bundle now, and keep it apart from its passphrase: whoever has both holds every one of these tokens."
      extra={
        <>
          <p>
            {props.providerCount} provider(s) and {props.tokenCount} token(s), encrypted with your passphrase.
          </p>
          <p>
            <a className="button" href={href} download="tessera-oauth-bundle.txt">
              Download the bundle
            </a>
          </p>
        </>
      }
    />
  );
}

export type ImportItem = ConsoleImportOAuthBundleMutation['importOAuthBundle']['items'][number];

export function Bundles(props: { refetch(): void }) {
  const [exportPassphrase, setExportPassphrase] = useState('');
  const [exported, setExported] = useState<{ bundle: string; providerCount: number; tokenCount: number } | null>(null);
  const [bundle, setBundle] = useState('');
  const [importPassphrase, setImportPassphrase] = useState('');
  const [onConflict, setOnConflict] = useState<ImportConflict>('SKIP');
  const [items, setItems] = useState<ImportItem[] | null>(null);
  const [exportError, , submitExport] = useAction();
  const [importError, , submitImport] = useAction();

  const exportBundle = submitExport(async () => {
    setExported((await gql(ConsoleExportOAuthBundleDocument, { passphrase: exportPassphrase })).exportOAuthBundle);
    setExportPassphrase('');
  });
  const importBundle = submitImport(async () => {
    setItems(null);
    setItems((await gql(ConsoleImportOAuthBundleDocument, { bundle: bundle.trim(), passphrase: importPassphrase, onConflict })).importOAuthBundle.items);
    setBundle('');
    setImportPassphrase('');
    props.refetch();
  });

  return (
    <section aria-labelledby="oauth-bundles-title" className="stack-section">
      <h2 id="oauth-bundles-title">Export and import</h2>
      <p className="lead">
        Every provider and token of the tenant as one string encrypted with a passphrase (scrypt, AES-256-GCM), to move them to another Tessera.
      </p>
      <div className="columns">
        <FormCard label="Export a bundle" title="Export" heading="h3" submit="Export bundle" onSubmit={exportBundle} error={exportError}>
          <TextField
            label="Passphrase (12 characters or more)"
            wide
            type="password"
            required
            minLength={12}
            maxLength={1000}
            autoComplete="new-password"
            value={exportPassphrase}
            onChange={setExportPassphrase}
          />
        </FormCard>
        <FormCard label="Import a bundle" title="Import" heading="h3" submit="Import bundle" onSubmit={importBundle} error={importError}>
          <TextField label="Bundle" wide required rows={3} value={bundle} onChange={setBundle} placeholder="tob1.…" />
          <TextField label="Passphrase" wide type="password" required autoComplete="off" value={importPassphrase} onChange={setImportPassphrase} />
          <SelectField label="When a name is taken" value={onConflict} onChange={(c) => setOnConflict(c as ImportConflict)} wide>
            {CONFLICTS.map((c) => (
              <option key={c.value} value={c.value}>
                {c.label}
              </option>
            ))}
          </SelectField>
        </FormCard>
      </div>
      {items && (
        <p role="status" className="ok">
          <span aria-hidden="true">✔ </span>
          Imported: {items.filter((item) => item.outcome !== 'SKIPPED' && item.outcome !== 'INVALID').length} of {items.length} item(s);{' '}
          {items.filter((item) => item.outcome === 'SKIPPED').length} skipped
          {items.some((item) => item.outcome === 'INVALID') && <>; {items.filter((item) => item.outcome === 'INVALID').length} not imported (see why below)</>}.
        </p>
      )}
      {items && (
        <DataTable
          label="Import results"
          caption="What the import did with each item of the bundle"
          columns={['Item', 'Name in the bundle', 'Imported as', 'Outcome']}
          empty={items.length === 0 && 'The bundle was empty.'}
        >
          {items.map((item, index) => (
            <tr key={`${item.type}-${item.name}-${index}`} data-outcome={item.outcome}>
              <td>{item.type === 'provider' ? 'Provider' : 'Token'}</td>
              <td>{item.name}</td>
              <td>{item.outcome === 'SKIPPED' || item.outcome === 'INVALID' ? '—' : item.importedName}</td>
              <td className={item.outcome === 'SKIPPED' ? 'muted' : item.outcome === 'INVALID' ? 'error-line' : 'ok'}>
                {OUTCOMES[item.outcome] ?? item.outcome}
                {item.problem && `: ${item.problem.message} (${item.problem.field ?? item.problem.code})`}
              </td>
            </tr>
          ))}
        </DataTable>
      )}
      {exported && <BundleDialog {...exported} onClose={() => setExported(null)} />}
    </section>
  );
}

/** Outbound OAuth: providers, the tokens Tessera holds for them, and encrypted bundles. */
