import { applyDecorators } from '@nestjs/common';
import { IsISO8601, ValidateBy, type ValidationOptions } from 'class-validator';

/**
 * Transforms and bounds shared by the DTOs. A query string carries text: `toInt` and `toBool` turn the canonical
 * spellings into numbers and booleans and leave anything else for the validators to refuse.
 */
export const toInt = ({ value }: { value: unknown }): unknown =>
  typeof value === 'string' && /^-?\d+$/.test(value) ? Number(value) : value;

export const toBool = ({ value }: { value: unknown }): unknown =>
  value === 'true' || value === true ? true : value === 'false' || value === false ? false : value;

/**
 * The latest time (ms since the epoch) a request may name: the end of year 9999. Past 8.64e15 a JavaScript Date is
 * invalid, and past year 9999 it prints a six-digit year the database does not read: every epoch-ms field stops here.
 */
export const MAX_EPOCH_MS = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

/**
 * An ISO 8601 time the database can store: years 1 to 9999. Postgres has no year 0 and the validator's grammar
 * allows signed and expanded years, so a syntactically valid time alone could still fail at the database.
 */
export const IsStorableTime = (options?: ValidationOptions): PropertyDecorator =>
  applyDecorators(
    IsISO8601({}, options),
    ValidateBy(
      {
        name: 'isStorableTime',
        validator: {
          validate: (v: unknown) => {
            const year = typeof v === 'string' ? new Date(v).getUTCFullYear() : NaN;
            return year >= 1 && year <= 9999;
          },
          defaultMessage: (a) => `${a?.property ?? 'value'} must be a time between the years 1 and 9999`,
        },
      },
      options,
    ),
  );
