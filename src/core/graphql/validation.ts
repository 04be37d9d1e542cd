/**
 * Names: no leading or trailing white space, no control characters. Used by every kind's
 * inputs so a name reads the same in lists, logs and audit entries.
 */
// eslint-disable-next-line no-control-regex
export const NAME_PATTERN = /^(?!\s)(?!.*\s$)[^\u0000-\u001f\u007f]+$/su;
export const NAME_PATTERN_MESSAGE = 'must not start or end with white space nor contain control characters';

/** Descriptions may span lines but hold no other control characters. */
// eslint-disable-next-line no-control-regex
export const TEXT_PATTERN = /^[^\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]*$/su;
export const TEXT_PATTERN_MESSAGE = 'must not contain control characters';
