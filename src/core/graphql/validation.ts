import { IsOptional, Length, Matches, MaxLength } from 'class-validator';
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

/** The longest display name anything has (tokens, users, apps, endpoints, providers, workflows). */
export const MAX_NAME_LENGTH = 100;

/**
 * A display name: 1 to {@link MAX_NAME_LENGTH} characters, no control characters, no spaces
 * around it. One rule for every input that names something (class-validator decorators).
 */
export function IsDisplayName(): PropertyDecorator {
  const length = Length(1, MAX_NAME_LENGTH);
  const pattern = Matches(NAME_PATTERN, { message: NAME_PATTERN_MESSAGE });
  return (target, property) => {
    length(target, property as string);
    pattern(target, property as string);
  };
}

/** The longest description anything has. */
export const MAX_DESCRIPTION_LENGTH = 1000;

/**
 * An optional description: up to {@link MAX_DESCRIPTION_LENGTH} characters, lines allowed, no
 * other control characters. One rule for every input that describes something.
 */
export function IsDescription(): PropertyDecorator {
  const optional = IsOptional();
  const length = MaxLength(MAX_DESCRIPTION_LENGTH);
  const pattern = Matches(TEXT_PATTERN, { message: TEXT_PATTERN_MESSAGE });
  return (target, property) => {
    optional(target, property as string);
    length(target, property as string);
    pattern(target, property as string);
  };
}
