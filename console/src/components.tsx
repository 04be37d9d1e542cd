import { useCallback, useEffect, useId, useRef, useState, type FormEvent, type InputHTMLAttributes, type ReactNode } from 'react';
import type { OAuthTokenStatus, TokenStatus } from './generated/graphql';

/** A modal dialog on the native <dialog> element: focus stays inside, Escape closes it. */
export function Dialog(props: { title: string; onClose(): void; children: ReactNode; actions?: ReactNode; role?: 'dialog' | 'alertdialog' }) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  useEffect(() => {
    const dialog = ref.current;
    if (dialog && !dialog.open) dialog.showModal();
    return () => dialog?.close();
  }, []);
  return (
    <dialog
      ref={ref}
      role={props.role}
      aria-labelledby={titleId}
      onCancel={(event) => {
        event.preventDefault();
        props.onClose();
      }}
    >
      <h2 id={titleId}>{props.title}</h2>
      <div className="dialog-body">{props.children}</div>
      <div className="dialog-actions">{props.actions ?? <button onClick={props.onClose}>Close</button>}</div>
    </dialog>
  );
}

/** Copies a value to the clipboard; says so for screen readers too. */
export function CopyButton(props: { value: string; label: string }) {
  const [done, setDone] = useState(false);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(props.value);
    } catch {
      const area = document.createElement('textarea');
      area.value = props.value;
      document.body.append(area);
      area.select();
      document.execCommand('copy');
      area.remove();
    }
    setDone(true);
    setTimeout(() => setDone(false), 1500);
  };
  return (
    <button type="button" className="copy" onClick={() => void copy()} aria-label={props.label}>
      {done ? 'Copied' : 'Copy'}
      <span className="visually-hidden" role="status">
        {done ? 'Copied to the clipboard' : ''}
      </span>
    </button>
  );
}

/** A labelled value with a copy button (URLs, headers, curl). */
export function CopyField(props: { label: string; value: string; multiline?: boolean }) {
  const id = useId();
  return (
    <div className="copy-field">
      <label htmlFor={id}>{props.label}</label>
      <div className="copy-row">
        {props.multiline ? (
          <textarea id={id} readOnly value={props.value} rows={Math.min(8, props.value.split('\n').length + 1)} />
        ) : (
          <input id={id} readOnly value={props.value} />
        )}
        <CopyButton value={props.value} label={`Copy ${props.label}`} />
      </div>
    </div>
  );
}

/** A value shown once: copy it now, it will not be shown again. */
export function SecretDialog(props: { title: string; secret: string; onClose(): void; extra?: ReactNode; warning?: string; success?: string }) {
  return (
    <Dialog title={props.title} onClose={props.onClose} role="alertdialog" actions={<button onClick={props.onClose}>I have copied it</button>}>
      {props.success && <SuccessMark text={props.success} />}
      <p className="warning" role="alert">
        <span aria-hidden="true">⚠ </span>
        {props.warning ?? 'Copy this value now: it will not be shown again.'}
      </p>
      <div className="copy-row">
        <code className="secret" data-testid="one-time-secret">
          {props.secret}
        </code>
        <CopyButton value={props.secret} label="Copy the value" />
      </div>
      {props.extra}
    </Dialog>
  );
}

/** A brief success mark (seed 001): a check that appears and fades, and is read out once. */
export function SuccessMark(props: { text: string }) {
  return (
    <p className="success-mark" role="status" data-testid="success-mark">
      <span aria-hidden="true">✓</span> {props.text}
    </p>
  );
}

export interface ConfirmRequest {
  title: string;
  /** What will break, in a sentence. */
  consequence: string;
  confirmLabel: string;
}

/** `ask(request)` opens a confirmation and resolves with the answer. */
export function useConfirm(): [ReactNode, (request: ConfirmRequest) => Promise<boolean>] {
  const [pending, setPending] = useState<{ request: ConfirmRequest; resolve(answer: boolean): void } | null>(null);
  const ask = useCallback((request: ConfirmRequest) => new Promise<boolean>((resolve) => setPending({ request, resolve })), []);
  const answer = (value: boolean) => {
    pending?.resolve(value);
    setPending(null);
  };
  const element = pending ? (
    <Dialog
      title={pending.request.title}
      role="alertdialog"
      onClose={() => answer(false)}
      actions={
        <>
          <button onClick={() => answer(false)} autoFocus>
            Cancel
          </button>
          <button className="danger" onClick={() => answer(true)}>
            {pending.request.confirmLabel}
          </button>
        </>
      }
    >
      <p>{pending.request.consequence}</p>
    </Dialog>
  ) : null;
  return [element, ask];
}

/**
 * A change asked for first: `change(ask, action)` opens the confirmation (none when `ask` is null),
 * runs `action` once confirmed, then `after` (the list's refetch); an error goes to `run`'s
 * <ErrorLine>. `const change = confirmedChange(run, confirm, list.refetch)`.
 */
export function confirmedChange(
  run: (action: () => Promise<unknown>) => Promise<void>,
  confirm: (request: ConfirmRequest) => Promise<boolean>,
  after: () => void,
): (ask: ConfirmRequest | null, action: () => Promise<unknown>) => void {
  return (ask, action) =>
    void run(async () => {
      if (ask && !(await confirm(ask))) return;
      await action();
      after();
    });
}

const STATUS: Record<TokenStatus, { icon: string; label: string; className: string }> = {
  ACTIVE: { icon: '●', label: 'Active', className: 'ok' },
  EXPIRING: { icon: '⚠', label: 'Expiring soon', className: 'warn' },
  EXPIRED: { icon: '✖', label: 'Expired', className: 'error' },
  REVOKED: { icon: '⊘', label: 'Revoked', className: 'muted' },
};

/** A token's status with its icon: a warning inside the warning window, a red error once expired. */
export function StatusBadge(props: { status: TokenStatus }) {
  const s = STATUS[props.status];
  return (
    <span className={`status ${s.className}`} data-status={props.status} title={s.label}>
      <span className="icon" role="img" aria-label={props.status === 'EXPIRING' ? 'Warning' : props.status === 'EXPIRED' ? 'Error' : s.label}>
        {s.icon}
      </span>{' '}
      {s.label}
    </span>
  );
}

const REQUEST_STATUS: Record<OAuthTokenStatus, { icon: string; label: string; className: string; img: string }> = {
  ACTIVE: { icon: '●', label: 'Active', className: 'ok', img: 'Active' },
  REQUESTED: { icon: '◌', label: 'Waiting for approval', className: 'warn', img: 'Waiting' },
  FAILED: { icon: '✖', label: 'Failed', className: 'error', img: 'Error' },
  EXPIRED: { icon: '✖', label: 'Expired', className: 'error', img: 'Error' },
  REVOKED: { icon: '⊘', label: 'Revoked', className: 'muted', img: 'Revoked' },
};

/** Where an outbound OAuth token stands with its provider, with its icon: a red error when failed or expired. */
export function RequestStatusBadge(props: { status: OAuthTokenStatus }) {
  const s = REQUEST_STATUS[props.status];
  return (
    <span className={`status ${s.className}`} data-request-status={props.status} title={s.label}>
      <span className="icon" role="img" aria-label={s.img}>
        {s.icon}
      </span>{' '}
      {s.label}
    </span>
  );
}

export function when(iso: string | null | undefined): string {
  if (!iso) return '—';
  return new Date(iso).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

/** An error line for a failed action. */
export function ErrorLine(props: { error: unknown }) {
  if (!props.error) return null;
  const message = props.error instanceof Error ? props.error.message : String(props.error);
  return (
    <p className="error-line" role="alert">
      {message}
    </p>
  );
}

/**
 * Runs an async action, keeping its error for <ErrorLine>. `submit(action)` is a form's onSubmit
 * that runs `action` instead of reloading the page.
 */
export function useAction(): [unknown, (action: () => Promise<unknown>) => Promise<void>, (action: () => Promise<unknown>) => (event: FormEvent) => void] {
  const [error, setError] = useState<unknown>(null);
  const run = useCallback(async (action: () => Promise<unknown>) => {
    setError(null);
    try {
      await action();
    } catch (caught) {
      setError(caught);
    }
  }, []);
  const submit = useCallback(
    (action: () => Promise<unknown>) => (event: FormEvent) => {
      event.preventDefault();
      void run(action);
    },
    [run],
  );
  return [error, run, submit];
}

/**
 * A text input (a textarea with `rows`) inside its label, so the label names it; `wide` spans the
 * form's row. The other props go to the input: `<TextField label="Name" required maxLength={100} value={name} onChange={setName} />`.
 */
export function TextField(
  props: { label: string; value: string; onChange(value: string): void; wide?: boolean; rows?: number } & Pick<
    InputHTMLAttributes<HTMLInputElement>,
    'type' | 'required' | 'minLength' | 'maxLength' | 'placeholder' | 'autoComplete' | 'autoFocus'
  >,
) {
  const { label, value, onChange, wide, rows, ...input } = props;
  return (
    <label className={wide ? 'wide' : undefined}>
      {label}
      {rows ? (
        <textarea {...input} rows={rows} value={value} onChange={(e) => onChange(e.target.value)} />
      ) : (
        <input {...input} value={value} onChange={(e) => onChange(e.target.value)} />
      )}
    </label>
  );
}

/**
 * A labelled select. The label is tied by `for`, not wrapped around the select, so the select's
 * accessible name is the label alone and not the label followed by the chosen option.
 */
export function SelectField(props: { label: string; value: string; onChange(value: string): void; children: ReactNode; describedBy?: string; wide?: boolean }) {
  const id = useId();
  return (
    <div className={props.wide ? 'field wide' : 'field'}>
      <label htmlFor={id}>{props.label}</label>
      <select id={id} value={props.value} onChange={(e) => props.onChange(e.target.value)} aria-describedby={props.describedBy}>
        {props.children}
      </select>
    </div>
  );
}

/** A form on a card, named by `label`: a heading, the fields, the submit button, then `error` if given. */
export function FormCard(props: {
  label: string;
  title: string;
  heading?: 'h2' | 'h3';
  submit: string;
  onSubmit(event: FormEvent): void;
  error?: unknown;
  children: ReactNode;
}) {
  const Heading = props.heading ?? 'h2';
  return (
    <form className="card form" onSubmit={props.onSubmit} aria-label={props.label}>
      <Heading>{props.title}</Heading>
      {props.children}
      <button type="submit">{props.submit}</button>
      <ErrorLine error={props.error} />
    </form>
  );
}

/**
 * A dialog around one form named by `label`, with Cancel and the submit button below; `intro` goes
 * above the form, `note` and the error under it. `danger` asks first: an alertdialog with Cancel
 * focused and a red submit button.
 */
export function FormDialog(props: {
  title: string;
  label: string;
  submit: string;
  onSubmit(event: FormEvent): void;
  onCancel(): void;
  error: unknown;
  danger?: boolean;
  intro?: ReactNode;
  note?: ReactNode;
  children: ReactNode;
}) {
  const formId = useId();
  return (
    <Dialog
      title={props.title}
      role={props.danger ? 'alertdialog' : undefined}
      onClose={props.onCancel}
      actions={
        <>
          <button type="button" onClick={props.onCancel} autoFocus={props.danger}>
            Cancel
          </button>
          <button type="submit" form={formId} className={props.danger ? 'danger' : undefined}>
            {props.submit}
          </button>
        </>
      }
    >
      {props.intro}
      <form id={formId} className="form" onSubmit={props.onSubmit} aria-label={props.label}>
        {props.children}
      </form>
      {props.note}
      <ErrorLine error={props.error} />
    </Dialog>
  );
}
